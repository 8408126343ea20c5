"""Runtime verifier: ask the live kernel what each mman constant does.

``verify(tables)`` takes constant tables and, for every ``MADV_*``, ``PROT_*``,
``MAP_*``, ``MS_*`` and ``MCL_*`` integer macro in them, calls the real system
call (madvise, mprotect, mmap, msync, mlockall through ctypes on libc) with the
table's value on the kind of mapping the *name* is meant for, and observes the
effect from outside the call: /proc/self/smaps VmFlags and counters, mincore
residency, memfd st_blocks, the bytes read back, and what a forked child sees.

Every probe runs in a forked child with a timeout, so a crash or hang is that
probe's result; the parent maps nothing.  Helper calls a probe needs besides the
value under test (e.g. MADV_NORMAL to undo MADV_RANDOM) use the Linux generic
numbering (x86, arm, arm64, riscv, ...), see ``GENERIC_ADVICE``.

The modules: ``libc`` (the ctypes binding), ``procfs`` (/proc readers),
``harness`` (fork, timeouts, scratch dirs), ``mappings`` and ``observe`` (what
probes map and see), ``probes`` (by family, and the ``PROBES`` registry),
``scan`` (the advice scan), ``run`` (``verify``), ``model``, ``render``.
"""

from __future__ import annotations

from abicheck.verify.harness import scratch_prefix
from abicheck.verify.linux import DANGEROUS_ADVICE, GENERIC_ADVICE
from abicheck.verify.model import (
    FAILING,
    STATUSES,
    Outcome,
    Probe,
    ProbeContext,
    VerifyReport,
    VerifyResult,
)
from abicheck.verify.probes import PREFIXES, PROBES
from abicheck.verify.run import verify
from abicheck.verify.scan import kernel_table

from .._callable import callable_module

__all__ = [
    "DANGEROUS_ADVICE",
    "FAILING",
    "GENERIC_ADVICE",
    "PREFIXES",
    "PROBES",
    "STATUSES",
    "Outcome",
    "Probe",
    "ProbeContext",
    "VerifyReport",
    "VerifyResult",
    "kernel_table",
    "scratch_prefix",
    "verify",
]


callable_module(__name__, "verify")
