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


def gcc_values(
    cc: str, head: str, exprs: Sequence[str], flags: Sequence[str] = ()
) -> dict[str, int]:
    """Each of ``exprs`` (integer constant expressions after the C text ``head``) as
    ``cc`` (with ``flags``) computes it: one ``"i"`` asm operand each, printed bare
    (``%c``) into an assembler comment of the ``-S`` output."""
    body = "".join(
        f'    __asm__ volatile ("# ABICHECK_V {i} %c0" : : "i" ((int)({e})));\n'
        for i, e in enumerate(exprs)
    )
    source = f"{head}\nvoid abicheck_probe(void)\n{{\n{body}}}\n"
    proc = subprocess.run(
        [cc, "-std=gnu11", *flags, "-S", "-o", "-", "-x", "c", "-"],
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


_DATA = re.compile(r"^\s*\.(byte|value|short|long|quad|zero)\s+(-?\w+)\s*$")
_WIDTHS = {"byte": 1, "value": 2, "short": 2, "long": 4, "quad": 8}


def gcc_bitfields(
    cc: str, head: str, ctype: str, members: Sequence[str], flags: Sequence[str] = ()
) -> dict[str, tuple[int, int]]:
    """Each bit-field ``member`` of ``ctype`` as ``cc`` (a little-endian x86 gcc: its
    data directives are read) places it: (offset in bits from the start, width), from
    the bytes of a constant of the type with just that member's bits all set."""
    objects = "".join(
        f"const {ctype} abicheck_bits_{i} = {{ .{m} = -1 }};\n" for i, m in enumerate(members)
    )
    proc = subprocess.run(
        [cc, "-std=gnu11", "-w", *flags, "-S", "-o", "-", "-x", "c", "-"],
        input=f"{head}\n{objects}",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, bytearray] = {}
    current = None
    for line in proc.stdout.splitlines():
        label = re.match(r"^abicheck_bits_(\d+):", line)
        if label:
            current = data.setdefault(members[int(label.group(1))], bytearray())
            continue
        m = _DATA.match(line)
        if current is None or m is None:
            current = None if m is None and not line.startswith("\t") else current
            continue
        kind, value = m.groups()
        if kind == "zero":
            current.extend(bytes(int(value, 0)))
        else:
            current.extend(
                (int(value, 0) % (1 << (8 * _WIDTHS[kind]))).to_bytes(_WIDTHS[kind], "little")
            )
    out = {}
    for member, raw in data.items():
        bits = int.from_bytes(bytes(raw), "little")
        low = (bits & -bits).bit_length() - 1
        out[member] = (low, bin(bits).count("1"))
    return out
