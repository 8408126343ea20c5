"""gcc (or a cross gcc) as the oracle of struct layouts: values read from asm operands
in its ``-S`` output, nothing run. Shared by the layout tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence

#: The compilers of the architectures the layout tests check, by abicheck's name.
CROSS = {"amd64": "gcc", "i386": "i686-linux-gnu-gcc", "m68k": "m68k-linux-gnu-gcc"}
CROSS_ARM64 = "aarch64-linux-gnu-gcc"
_VALUE = re.compile(r"ABICHECK_V (\d+) (-?\d+)")


def have(*compilers: str) -> bool:
    return all(shutil.which(cc) for cc in compilers)


def gcc_values(cc: str, head: str, exprs: Sequence[str]) -> dict[str, int]:
    """Each of ``exprs`` (integer constant expressions after the C text ``head``) as
    ``cc`` computes it: one ``"i"`` asm operand each, printed bare (``%c``) into an
    assembler comment of the ``-S`` output."""
    body = "".join(
        f'    __asm__ volatile ("# ABICHECK_V {i} %c0" : : "i" ((int)({e})));\n'
        for i, e in enumerate(exprs)
    )
    source = f"{head}\nvoid abicheck_probe(void)\n{{\n{body}}}\n"
    proc = subprocess.run(
        [cc, "-std=gnu11", "-S", "-o", "-", "-x", "c", "-"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    found = {int(i): int(v) for i, v in _VALUE.findall(proc.stdout)}
    return {e: found[i] for i, e in enumerate(exprs)}


def compiles(cc: str, source: str, *flags: str) -> subprocess.CompletedProcess[str]:
    """``cc -fsyntax-only`` on the C text ``source``."""
    return subprocess.run(
        [cc, "-std=gnu11", "-fsyntax-only", *flags, "-x", "c", "-"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
