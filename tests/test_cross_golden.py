"""abicheck against the golden data of Debian's real cross compilers (tests/golden_data.py).

The macro half: for every recorded architecture, abicheck's reader reads every
recorded uapi header the way an ``arch:`` source does (that architecture's
predefines, data model, char signedness and installed include folder) and must give
no value that differs from what the architecture's own gcc gave, and values to at
least :data:`COVERAGE_FLOORS` of the golden macros. Needs no compiler; the live
tests run the real m68k and i386 compilers on a sample to show the recorded data is
what they say.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from golden_data import GoldenArch, golden

from abicheck import cc
from abicheck.arches import debian_arches, lookup
from abicheck.parse import Reader
from abicheck.sources.arch import installed_dirs

#: Per architecture, the fraction of golden macros the reader must value, measured
#: when the data was recorded (rounded down to 0.1%). To be raised to 0.995 (the
#: issue's target) as the layout engine (sizeof/offsetof of structs) and the
#: predefine work land.
COVERAGE_FLOORS: dict[str, float] = {
    "alpha": 0.9,
    "amd64": 0.898,
    "arc": 0.895,
    "arm64": 0.895,
    "armel": 0.896,
    "armhf": 0.896,
    "hppa": 0.902,
    "i386": 0.898,
    "m68k": 0.898,
    "mips": 0.898,
    "mips64": 0.898,
    "mips64el": 0.898,
    "mipsel": 0.898,
    "powerpc": 0.901,
    "ppc64": 0.901,
    "ppc64el": 0.901,
    "riscv64": 0.895,
    "s390x": 0.898,
    "sh4": 0.898,
    "sparc64": 0.905,
    "x32": 0.898,
}

#: Values the reader is known to get wrong, by architecture: (header, macro). arc's
#: asm/elf.h tests ``__GNUC__ < 6``, and the arch predefines (abicheck/arches.py)
#: give no ``__GNUC__``. The test fails when this list is not exactly what is wrong,
#: so an entry must go when it is fixed.
KNOWN_WRONG: dict[str, set[tuple[str, str]]] = {
    "arc": {("asm/elf.h", "EF_ARC_OSABI_CURRENT")},
}

ARCHES = [a.name for a in debian_arches()]


@dataclass(frozen=True)
class Comparison:
    """The reader's answers for one architecture's golden macros: ``wrong`` lists
    (header, name, golden, abicheck) where the values differ, ``missing`` (header,
    name, reason) where the reader gave none."""

    total: int
    valued: int
    wrong: list[tuple[str, str, int, int]]
    missing: list[tuple[str, str, str]]


@cache
def compare_arch(name: str) -> Comparison:
    """Read every golden header of ``name`` with one arch-configured Reader."""
    arch = lookup(name)
    data: GoldenArch = golden()[name]
    dirs = installed_dirs(arch)
    assert dirs is not None, f"{arch.cross_package} is not installed"
    reader = Reader(
        [str(d) for d in dirs], {}, arch.data_model, arch.predefined(), arch.unsigned_char
    )
    total = valued = 0
    wrong: list[tuple[str, str, int, int]] = []
    missing: list[tuple[str, str, str]] = []
    for header, expected in sorted(data.macros.items()):
        if not expected:
            continue
        path = os.path.normpath(data.include / header)
        try:
            macros = {m.name: m for m in reader.read(path) if os.path.normpath(m.file) == path}
            error = ""
        except cc.AbicheckError as exc:
            macros, error = {}, f"header not read: {exc}"
        for macro, value in sorted(expected.items()):
            total += 1
            got = macros.get(macro)
            if got is None or got.value is None:
                missing.append((header, macro, got.reason if got else error or "not defined"))
            elif got.value != value:
                wrong.append((header, macro, value, got.value))
            else:
                valued += 1
    return Comparison(total, valued, wrong, missing)


def test_golden_data_covers_every_debian_architecture() -> None:
    data = golden()
    assert sorted(data) == sorted(ARCHES)
    for name, arch in data.items():
        triplet = lookup(name).triplet
        assert arch.triplet == triplet and arch.cc == f"{triplet}-gcc"
        assert arch.compiler.startswith(f"{triplet}-gcc (Debian 12.")
        assert arch.include.as_posix() == f"/usr/{triplet}/include"


def test_golden_data_holds_known_values() -> None:
    """A few values every C programmer of these targets knows, as recorded."""
    data = golden()
    assert data["amd64"].macros["linux/stat.h"]["S_IFMT"] == 0o170000
    assert data["mips"].macros["asm/mman.h"]["MAP_ANONYMOUS"] == 0x800
    assert data["amd64"].layouts["struct stat"].size == 144
    assert data["i386"].layouts["struct stat64"].size == 96
    assert data["m68k"].layouts["struct statx"].align == 2
    assert data["i386"].layouts["struct statx"].align == 4
    assert data["amd64"].layouts["struct statx"].align == 8
    assert data["sparc64"].layouts["struct stat"].size == 104


@pytest.mark.parametrize("name", ARCHES)
def test_reader_agrees_with_golden_macros(name: str) -> None:
    result = compare_arch(name)
    assert result.total > 15000
    wrong = {(h, m) for h, m, _, _ in result.wrong}
    assert wrong == KNOWN_WRONG.get(name, set()), "\n".join(
        f"{h}: {m}: gcc {g}, abicheck {a}" for h, m, g, a in result.wrong
    )
    coverage = result.valued / result.total
    assert coverage >= COVERAGE_FLOORS[name], (
        f"{name}: {result.valued}/{result.total} = {coverage:.4f} valued, "
        f"floor {COVERAGE_FLOORS[name]}"
    )


# -- live: the real cross compiler gives the recorded values ------------------------

#: Headers whose macros and types the live tests compile again: stat (m68k's 2-byte
#: and i386's 4-byte alignment of 8-byte members), perf_event's bitfields, hdreg's
#: bitfields in unions, input's and ptrace's ioctl macros.
LIVE_SAMPLE = (
    "asm/stat.h",
    "asm/ptrace.h",
    "linux/stat.h",
    "linux/perf_event.h",
    "linux/hdreg.h",
    "linux/input.h",
)
LIVE_ARCHES = ("m68k", "i386")


def _live_compiler(name: str) -> str:
    compiler = cc.cross_compiler(lookup(name))
    if shutil.which(compiler) is None:
        # CI installs it (.ci/apt-packages.txt: gcc-m68k-linux-gnu, gcc-i686-linux-gnu)
        pytest.skip(f"{compiler} not installed")
    return compiler


@pytest.mark.parametrize("name", LIVE_ARCHES)
def test_live_compiler_gives_golden_macros(name: str) -> None:
    compiler = _live_compiler(name)
    data = golden()[name]
    tables = cc.compiler_macros_many(
        [f"<{h}>" for h in LIVE_SAMPLE], cc=compiler, own_compiler=True
    )
    live: dict[str, dict[str, int]] = {}
    for header in LIVE_SAMPLE:
        table = tables[f"<{header}>"]
        assert isinstance(table, cc.CompilerTable), table
        own = os.path.normpath(data.include / header)
        live[header] = {
            n: table.values[n]
            for n, (file, _, _) in table.locations.items()
            if n in table.values and os.path.normpath(file) == own
        }
    assert live == {h: data.macros[h] for h in LIVE_SAMPLE}
    assert sum(map(len, live.values())) > 400


@pytest.mark.parametrize("name", LIVE_ARCHES)
def test_live_compiler_gives_golden_layouts(name: str) -> None:
    compiler = _live_compiler(name)
    data = golden()[name]
    live = cc.compiler_layouts(list(LIVE_SAMPLE), data.include, compiler)
    assert live.errors == {}
    sample = set(LIVE_SAMPLE)
    expected = {
        t: lay for t, lay in data.layouts.items() if data.tu[t] == lay.file and lay.file in sample
    }
    assert len(expected) > 30
    assert {t: live.layouts.get(t) for t in expected} == expected
    assert any(m.bit_width for lay in expected.values() for m in lay.members)


@pytest.mark.parametrize("name", LIVE_ARCHES)
def test_live_offsetof_gives_golden_member_offsets(name: str, tmp_path: Path) -> None:
    """The recorded member offsets (read from DWARF) against ``offsetof``, a second
    way of asking the compiler: asm operands of one ``-S`` compile of the sample."""
    compiler = _live_compiler(name)
    data = golden()[name]
    probes = [
        (t, m)
        for t, lay in sorted(data.layouts.items())
        if data.tu[t] == lay.file and lay.file in LIVE_SAMPLE
        for m in lay.members
        if m.bit_width is None
    ]
    lines = [f"#include <{h}>" for h in LIVE_SAMPLE]
    lines += [
        f'void p{k}(void) {{ __asm__ ("# OFFSET {k} %0" :: '
        f'"i"(__builtin_offsetof({t.removeprefix("typedef ")}, {m.name}))); }}'
        for k, (t, m) in enumerate(probes)
    ]
    source = tmp_path / "offsets.c"
    source.write_text("\n".join(lines) + "\n")
    proc = subprocess.run(
        [compiler, "-S", "-O0", "-o", "-", str(source)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    got = {int(k): int(v) for k, v in re.findall(r"# OFFSET (\d+) [$#]?(-?\d+)", proc.stdout)}
    assert len(probes) > 300
    assert got == {k: m.offset for k, (_, m) in enumerate(probes)}
