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
        # msync's; other MS_* (mount flags) share the prefix in bindings
        Family("MS", names=frozenset({"MS_ASYNC", "MS_SYNC", "MS_INVALIDATE"})),
        Family("MCL"),
        Family("MREMAP"),
        Family("MLOCK"),
        Family("MFD"),
        Family("PKEY"),
        Family("OVERCOMMIT", "enum"),
    ),
    probes=("MADV_", "PROT_", "MAP_", "MS_", "MCL_"),
    # memfd_create's flags: in <sys/mman.h> for the C library, their own uapi header
    more_headers=("linux/memfd.h",),
    aliases=(("MAP_ANON", "MAP_ANONYMOUS"),),
)
