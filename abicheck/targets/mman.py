"""The ``mman`` target: Linux ``mman.h``, the memory-mapping constants."""

from __future__ import annotations

from . import Family, Target

MMAN = Target(
    name="mman",
    title="Linux mman.h",
    header="linux/mman.h",
    libc_header="sys/mman.h",
    families=(
        Family("PROT"),
        Family("MAP"),
        Family("MADV", "enum"),
        # the C library's (posix_madvise); a family whose prefix has an underscore
        # is not emitted by default: emit's families are the name's first word
        Family("POSIX_MADV", "enum", emit=False),
        Family("MS"),
        Family("MCL"),
        Family("MREMAP"),
        Family("MLOCK"),
        Family("MFD"),
        Family("PKEY"),
        Family("OVERCOMMIT", "enum"),
    ),
    probes=("MADV_", "PROT_", "MAP_", "MS_", "MCL_"),
)
