"""Which architecture a C compiler targets, as a preprocessor condition on its predefines.

:data:`ARCH_GUARDS` holds, per architecture (abicheck's Debian names), the fewest of
the target gcc's predefined macros that tell it from every other architecture: the
CPU's own macro, then what splits one CPU's ABIs (``__ILP32__`` x32 from amd64,
``__ARM_PCS_VFP`` armhf from armel, ``_MIPS_SIM`` and ``_MIPSEB``/``_MIPSEL`` the four
MIPS ABIs, ``__powerpc64__`` and the byte order the three PowerPC ones,
``__LP64__``/``__arch64__``/``__riscv_xlen`` the 32- and 64-bit halves of PA-RISC,
SPARC and RISC-V). tests/test_emit.py checks them against every installed cross
compiler: each one's own guard holds and no other does. The emitted layout checks
(``abicheck emit --type``) put each architecture's block under its guard.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import AbicheckError

_MIPS32 = "defined(__mips__) && defined(_ABIO32) && _MIPS_SIM == _ABIO32"
_MIPS64 = "defined(__mips__) && defined(_ABI64) && _MIPS_SIM == _ABI64"

ARCH_GUARDS: Mapping[str, str] = {
    "alpha": "defined(__alpha__)",
    "amd64": "defined(__x86_64__) && !defined(__ILP32__)",
    "arc": "defined(__arc__)",
    "arm64": "defined(__aarch64__) && !defined(__ILP32__) && !defined(__AARCH64EB__)",
    "armel": "defined(__arm__) && !defined(__ARM_PCS_VFP) && !defined(__ARMEB__)",
    "armhf": "defined(__arm__) && defined(__ARM_PCS_VFP) && !defined(__ARMEB__)",
    "csky": "defined(__csky__)",
    "hexagon": "defined(__hexagon__)",
    "hppa": "defined(__hppa__) && !defined(__LP64__)",
    "hppa64": "defined(__hppa__) && defined(__LP64__)",
    "i386": "defined(__i386__)",
    "ia64": "defined(__ia64__)",
    "loong64": "defined(__loongarch__) && __loongarch_grlen == 64",
    "m68k": "defined(__m68k__)",
    "microblaze": "defined(__microblaze__)",
    "mips": f"{_MIPS32} && defined(_MIPSEB)",
    "mips64": f"{_MIPS64} && defined(_MIPSEB)",
    "mips64el": f"{_MIPS64} && defined(_MIPSEL)",
    "mipsel": f"{_MIPS32} && defined(_MIPSEL)",
    "nios2": "defined(__nios2__)",
    "or1k": "defined(__or1k__)",
    "powerpc": "defined(__powerpc__) && !defined(__powerpc64__)",
    "ppc64": "defined(__powerpc64__) && defined(__BIG_ENDIAN__)",
    "ppc64el": "defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)",
    "riscv32": "defined(__riscv) && __riscv_xlen == 32",
    "riscv64": "defined(__riscv) && __riscv_xlen == 64",
    "s390x": "defined(__s390x__)",
    "sh4": "defined(__sh__) && defined(__LITTLE_ENDIAN__)",
    "sparc32": "defined(__sparc__) && !defined(__arch64__)",
    "sparc64": "defined(__sparc__) && defined(__arch64__)",
    "x32": "defined(__x86_64__) && defined(__ILP32__)",
    "xtensa": "defined(__xtensa__)",
}


def arch_guard(arch: str) -> str:
    """The ``#if`` condition that holds when compiling for ``arch`` (a Debian name)."""
    found = ARCH_GUARDS.get(arch)
    if found is None:
        raise AbicheckError(f"no preprocessor guard known for the architecture {arch!r}")
    return found
