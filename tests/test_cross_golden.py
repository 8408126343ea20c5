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
from abicheck.cc import Layout
from abicheck.model import Macro, RecordLayout
from abicheck.parse import Reader, target_setup
from abicheck.sources.arch import installed_dirs

#: The fraction of golden macros the reader must value on every architecture, and of
#: golden struct/union layouts it must lay out exactly: all (the issue asks for 99.5%
#: and 99%; the README says nothing is left, and this keeps it so).
MACRO_COVERAGE = 1.0
LAYOUT_COVERAGE = 1.0
#: ioctl numbers (macros built on _IO/_IOR/_IOW/_IOWR): every one must have a value.
_IOCTL_RE = re.compile(r"\b_IO(?:R|W|WR)?(?:_BAD)?\s*\(")

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
    ioctls: set[str]  # the golden macros that are ioctl numbers


_IDENT_RE = re.compile(r"[A-Za-z_]\w*")
_IOC = frozenset({"_IO", "_IOR", "_IOW", "_IOWR", "_IOC", "_IOR_BAD", "_IOW_BAD", "_IOWR_BAD"})


def ioctl_names(macros: dict[str, Macro]) -> set[str]:
    """The macros whose replacement reaches _IO/_IOR/_IOW/_IOWR/_IOC, through others."""
    memo: dict[str, bool] = {}

    def reaches(name: str) -> bool:
        if name in memo:
            return memo[name]
        memo[name] = False
        m = macros.get(name)
        ids = set(_IDENT_RE.findall(m.expr)) if m is not None else set()
        memo[name] = bool(ids & _IOC) or any(reaches(i) for i in ids if i in macros)
        return memo[name]

    return {n for n in macros if n not in _IOC and reaches(n)}


def arch_reader(name: str) -> Reader:
    """A Reader as `abicheck parse --arch NAME` makes one: the architecture's
    predefines and ABI, the freestanding headers, then the folder the golden data was
    recorded from (for amd64 too, its cross sysroot)."""
    setup = target_setup(name)
    dirs = [setup.system_dirs[0], str(golden()[name].include)]
    return Reader(dirs, {}, setup.data_model, setup.predefines, setup.unsigned_char, abi=setup.abi)


@dataclass
class LayoutComparison:
    """The reader's layouts of one architecture's golden types: ``wrong`` lists (type,
    what differs) where both have a layout, ``missing`` (type, reason) where the
    reader has none."""

    total: int
    exact: int
    wrong: list[tuple[str, str]]
    missing: list[tuple[str, str]]


def _differences(want: Layout, got: RecordLayout) -> str:
    """What differs between gcc's layout and abicheck's ("" if nothing)."""
    if (got.size, got.align) != (want.size, want.align):
        return f"size/align gcc {want.size}/{want.align}, abicheck {got.size}/{got.align}"
    ours = [(m.name, m.offset, m.size, m.bit_offset, m.bit_width) for m in got.members]
    theirs = [(m.name, m.offset, m.size, m.bit_offset, m.bit_width) for m in want.members]
    if ours != theirs:
        diff = [(t, o) for t, o in zip(theirs, ours, strict=False) if t != o][:3]
        return f"members (gcc, abicheck): {diff or (len(theirs), len(ours))}"
    return ""


@cache
def compare_layouts(name: str) -> LayoutComparison:
    """Lay out every golden type of ``name`` in the header it was recorded from."""
    data = golden()[name]
    reader = arch_reader(name)
    by_header: dict[str, list[str]] = {}
    for t in sorted(data.layouts):
        by_header.setdefault(data.tu[t], []).append(t)
    wrong: list[tuple[str, str]] = []
    missing: list[tuple[str, str]] = []
    exact = 0
    for header, types in sorted(by_header.items()):
        path = os.path.normpath(data.include / header)
        try:
            found = {r.name: r for r in reader.layouts(path, set(types))}
        except cc.AbicheckError as exc:
            missing += [(t, f"header not read: {exc}") for t in types]
            continue
        for t in types:
            got = found.get(t)
            if got is None or got.size is None:
                missing.append((t, got.reason if got else f"not found in {header}"))
                continue
            why = _differences(data.layouts[t], got)
            if why:
                wrong.append((t, why))
            else:
                exact += 1
    return LayoutComparison(len(data.layouts), exact, wrong, missing)


@pytest.mark.parametrize("name", ARCHES)
def test_reader_agrees_with_golden_layouts(name: str) -> None:
    result = compare_layouts(name)
    assert result.total > 2000
    assert result.wrong == []
    coverage = result.exact / result.total
    assert coverage >= LAYOUT_COVERAGE, (
        f"{name}: {result.exact}/{result.total} = {coverage:.4f} laid out; missing: "
        + "; ".join(f"{t} ({why})" for t, why in result.missing[:20])
    )


@cache
def compare_arch(name: str) -> Comparison:
    """Read every golden header of ``name`` with one arch-configured Reader."""
    arch = lookup(name)
    data: GoldenArch = golden()[name]
    assert installed_dirs(arch) is not None, f"{arch.cross_package} is not installed"
    reader = arch_reader(name)
    total = valued = 0
    wrong: list[tuple[str, str, int, int]] = []
    missing: list[tuple[str, str, str]] = []
    ioctls: set[str] = set()
    for header, expected in sorted(data.macros.items()):
        if not expected:
            continue
        path = os.path.normpath(data.include / header)
        try:
            every = {m.name: m for m in reader.read(path)}
            macros = {n: m for n, m in every.items() if os.path.normpath(m.file) == path}
            ioctls |= ioctl_names(every) & set(expected)
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
    return Comparison(total, valued, wrong, missing, ioctls)


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
    assert result.wrong == [], "\n".join(
        f"{h}: {m}: gcc {g}, abicheck {a}" for h, m, g, a in result.wrong
    )
    coverage = result.valued / result.total
    assert coverage >= MACRO_COVERAGE, (
        f"{name}: {result.valued}/{result.total} = {coverage:.4f} valued; missing: "
        + "; ".join(f"{h}: {m} ({why})" for h, m, why in result.missing[:20])
    )
    ioctls = [(h, m, why) for h, m, why in result.missing if m in result.ioctls]
    assert ioctls == []
    assert len(result.ioctls) > 1000


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
