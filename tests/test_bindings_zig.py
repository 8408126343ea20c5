"""The reader of Zig's lib/std/os/linux.zig, on Zig 0.17.1's file as the PyPI wheel
ships it (tests/fixtures/bindings/zig) and on small files written here. Expected
values are worked out by hand from the fixture, at the lines cited."""

from __future__ import annotations

from pathlib import Path

import pytest

from abicheck.bindings import BindingTable
from abicheck.bindings.zig import LINUX_ARCHES, read
from abicheck.model import AbicheckError, Macro

LINUX_ZIG = Path(__file__).resolve().parent / "fixtures/bindings/zig/lib/std/os/linux.zig"
FILE = str(LINUX_ZIG)


@pytest.fixture(scope="module")
def tables() -> dict[str, BindingTable]:
    return {t.binding_arch: t for t in read(LINUX_ZIG)}


def values(table: BindingTable, prefix: str) -> dict[str, int | None]:
    return {m.name: m.value for m in table.macros if m.name.startswith(prefix)}


def macro(table: BindingTable, name: str) -> Macro:
    return next(m for m in table.macros if m.name == name)


def test_one_table_per_linux_arch_sorted_and_mapped() -> None:
    tables = read(LINUX_ZIG)
    assert sorted(t.binding_arch for t in tables) == sorted(LINUX_ARCHES)
    assert [t.arch for t in tables] == sorted(t.arch for t in tables)
    mapped = {t.binding_arch: (t.arch, t.known) for t in tables}
    assert mapped["x86"] == ("i386", True)
    assert mapped["x86_64"] == ("amd64", True)
    assert mapped["arm"] == ("armhf", True)
    assert mapped["aarch64"] == ("arm64", True)
    assert mapped["powerpc64le"] == ("ppc64el", True)
    assert mapped["loongarch64"] == ("loong64", True)  # pending in the registry
    assert mapped["sh"] == ("sh4", True)
    assert mapped["aarch64_be"] == ("aarch64_be", False)
    assert mapped["thumb"] == ("thumb", False)
    for t in tables:
        assert t.env == ""
        assert [m.name for m in t.macros] == sorted(m.name for m in t.macros)


# linux.zig:168-173 MAP_TYPE = enum(u4) {SHARED = 0x01, PRIVATE = 0x02,
# SHARED_VALIDATE = 0x03, DROPPABLE = 0x08}, every arm's field TYPE (bits 0-3)
MAP_TYPE = {
    "MAP_TYPE": 0xF,
    "MAP_SHARED": 0x1,
    "MAP_PRIVATE": 0x2,
    "MAP_SHARED_VALIDATE": 0x3,
    "MAP_DROPPABLE": 0x8,
}


def test_x86_64_map(tables: dict[str, BindingTable]) -> None:
    # linux.zig:176-197 the x86 arm: TYPE, FIXED 4, ANONYMOUS 5, 32BIT 6, _7,
    # GROWSDOWN 8, _9: u2, DENYWRITE 11, ...
    assert values(tables["x86_64"], "MAP_") == {
        **MAP_TYPE,
        "MAP_FIXED": 0x10,
        "MAP_ANONYMOUS": 0x20,
        "MAP_32BIT": 0x40,
        "MAP_GROWSDOWN": 0x100,
        "MAP_DENYWRITE": 0x800,
        "MAP_EXECUTABLE": 0x1000,
        "MAP_LOCKED": 0x2000,
        "MAP_NORESERVE": 0x4000,
        "MAP_POPULATE": 0x8000,
        "MAP_NONBLOCK": 0x10000,
        "MAP_STACK": 0x20000,
        "MAP_HUGETLB": 0x40000,
        "MAP_SYNC": 0x80000,
        "MAP_FIXED_NOREPLACE": 0x100000,
        "MAP_UNINITIALIZED": 0x4000000,
    }
    anonymous = Macro("MAP_ANONYMOUS", "integer", 0x20, "ANONYMOUS: bool = false", FILE, 179)
    assert macro(tables["x86_64"], "MAP_ANONYMOUS") == anonymous
    assert macro(tables["x86"], "MAP_32BIT").location == f"{FILE}:180"
    assert macro(tables["x86"], "MAP_SHARED").location == f"{FILE}:169"
    assert macro(tables["x86"], "MAP_TYPE").expr == "TYPE: MAP_TYPE"


@pytest.mark.parametrize("arch", ["mips", "mipsel", "mips64", "mips64el"])
def test_mips_map_32bit_at_bit_6(tables: dict[str, BindingTable], arch: str) -> None:
    # linux.zig:256-277: TYPE, FIXED 4, _5, @"32BIT" 6 (:260), _7: u3, NORESERVE 10,
    # ANONYMOUS 11 (:263); no SYNC
    table = tables[arch]
    assert macro(table, "MAP_32BIT") == Macro(
        "MAP_32BIT", "integer", 0x40, '@"32BIT": bool = false', FILE, 260
    )
    assert macro(table, "MAP_NORESERVE").value == 0x400
    assert macro(table, "MAP_ANONYMOUS").location == f"{FILE}:263"
    assert macro(table, "MAP_ANONYMOUS").value == 0x800
    assert "MAP_SYNC" not in values(table, "MAP_")


@pytest.mark.parametrize("arch", ["riscv64", "riscv32", "loongarch64"])
def test_riscv_map_flags_behind_padding(tables: dict[str, BindingTable], arch: str) -> None:
    # linux.zig:219-233: TYPE, FIXED 4, ANONYMOUS 5, _6: u9 (bits 6-14), POPULATE 15, ...
    riscv = values(tables[arch], "MAP_")
    assert riscv == {
        **MAP_TYPE,
        "MAP_FIXED": 0x10,
        "MAP_ANONYMOUS": 0x20,
        "MAP_POPULATE": 0x8000,
        "MAP_NONBLOCK": 0x10000,
        "MAP_STACK": 0x20000,
        "MAP_HUGETLB": 0x40000,
        "MAP_SYNC": 0x80000,
        "MAP_FIXED_NOREPLACE": 0x100000,
        "MAP_UNINITIALIZED": 0x4000000,
    }
    # the five the generic layout (arm64's, linux.zig:198-218) has in bits 6-14
    generic = values(tables["aarch64"], "MAP_")
    assert {name: generic[name] for name in generic.keys() - riscv.keys()} == {
        "MAP_GROWSDOWN": 0x100,
        "MAP_DENYWRITE": 0x800,
        "MAP_EXECUTABLE": 0x1000,
        "MAP_LOCKED": 0x2000,
        "MAP_NORESERVE": 0x4000,
    }


def test_other_arches_map(tables: dict[str, BindingTable]) -> None:
    # linux.zig:234-255 sparc: NORESERVE 6 (:238), LOCKED 8 (:240), GROWSDOWN 9
    assert macro(tables["sparc64"], "MAP_NORESERVE").value == 0x40
    assert macro(tables["sparc64"], "MAP_LOCKED").location == f"{FILE}:240"
    assert macro(tables["sparc"], "MAP_GROWSDOWN").value == 0x200
    # :278-299 powerpc: NORESERVE 6, LOCKED 7
    assert macro(tables["powerpc64"], "MAP_LOCKED").value == 0x80
    assert macro(tables["powerpc64"], "MAP_NORESERVE").value == 0x40
    # :332-355 alpha: FIXED 8, ANONYMOUS 4, and bit 20 spelled HUGHETLB (:350)
    alpha = values(tables["alpha"], "MAP_")
    assert (alpha["MAP_FIXED"], alpha["MAP_ANONYMOUS"]) == (0x100, 0x10)
    assert macro(tables["alpha"], "MAP_HUGHETLB").location == f"{FILE}:350"
    assert alpha["MAP_HUGHETLB"] == 0x100000
    assert "MAP_HUGETLB" not in alpha
    # :356-378 xtensa: _RENAME etc. are underscore names, left out as padding
    assert "MAP_RENAME" not in values(tables["xtensa"], "MAP_")
    assert macro(tables["xtensa"], "MAP_ANONYMOUS").value == 0x800


def test_plain_and_switched_sets(tables: dict[str, BindingTable]) -> None:
    x86_64, mips = tables["x86_64"], tables["mips"]
    # linux.zig:4645-4655 PROT's else arm: READ 0 (:4646), WRITE 1, EXEC 2, SEM 3,
    # __: u20, GROWSDOWN 24, GROWSUP 25; no NONE (the empty set)
    assert values(x86_64, "PROT_") == {
        "PROT_READ": 1,
        "PROT_WRITE": 2,
        "PROT_EXEC": 4,
        "PROT_SEM": 8,
        "PROT_GROWSDOWN": 0x1000000,
        "PROT_GROWSUP": 0x2000000,
    }
    assert macro(x86_64, "PROT_READ").location == f"{FILE}:4646"
    # :4633-4644 mips: _: u1 then SEM at bit 4 (:4639)
    assert macro(mips, "PROT_SEM").value == 0x10
    assert macro(mips, "PROT_SEM").location == f"{FILE}:4639"
    # :1628-1632 MSF {ASYNC = 1; INVALIDATE = 2; SYNC = 4}
    ms_async = Macro("MS_ASYNC", "integer", 1, "pub const ASYNC = 1", FILE, 1629)
    assert macro(x86_64, "MS_ASYNC") == ms_async
    assert values(x86_64, "MS_") == {"MS_ASYNC": 1, "MS_INVALIDATE": 2, "MS_SYNC": 4}
    # :1664-1675 MCL: sparc and powerpc have _0: u13 first
    assert values(x86_64, "MCL_") == {"MCL_CURRENT": 1, "MCL_FUTURE": 2, "MCL_ONFAULT": 4}
    assert values(tables["sparc64"], "MCL_")["MCL_CURRENT"] == 0x2000
    assert values(tables["powerpc"], "MCL_")["MCL_ONFAULT"] == 0x8000
    # :382-387 MREMAP, :1655-1658 MLOCK
    assert values(mips, "MREMAP_") == {
        "MREMAP_MAYMOVE": 1,
        "MREMAP_FIXED": 2,
        "MREMAP_DONTUNMAP": 4,
    }
    assert values(mips, "MLOCK_") == {"MLOCK_ONFAULT": 1}


def test_constant_expressions(tables: dict[str, BindingTable]) -> None:
    # linux.zig:8468 ALL_FLAGS = CLOEXEC | ALLOW_SEALING | HUGETLB (1 | 2 | 4);
    # :8483 HUGE_16GB = HUGETLB_FLAG_ENCODE_16GB = 34 << HUGETLB_FLAG_ENCODE_SHIFT (26)
    mfd = values(tables["riscv64"], "MFD_")
    assert mfd["MFD_ALL_FLAGS"] == 7
    assert mfd["MFD_HUGE_16GB"] == 34 << 26
    assert mfd["MFD_HUGE_SHIFT"] == 26
    assert macro(tables["riscv64"], "MFD_HUGE_2MB").expr == (
        "pub const HUGE_2MB = HUGETLB_FLAG_ENCODE_2MB"
    )
    # :9704-9726 MADV
    assert values(tables["x86"], "MADV_")["MADV_SOFT_OFFLINE"] == 101
    # Zig's MS (mount flags, :6649) is not msync's MS_
    assert "MS_RDONLY" not in values(tables["x86"], "MS_")


SMALL = """\
const std = @import("std.zig");
const native_arch = @import("builtin").cpu.arch;
const SHIFT = @as(u32, 3);
pub const SIX = @intCast(SHIFT * 2);
pub fn f() *const u8 { return undefined; }
pub const KIND = enum(u2) { A, B = 2, C, _ };
pub const MAP = switch (native_arch) {
    .mips => packed struct(u8) {
        K: KIND,
        @"2BIT": bool = false,
        _: u5 = 0,
        pub const MASK = 1 << SIX | 0x1;
        pub fn g(self: @This()) u8 { return @bitCast(self); }
    },
    .x86 => @compileError("no MAP here"),
    else => struct {
        pub const ONE = if (native_arch.isSPARC() or native_arch == .arm) 0o10 else 0b1;
        pub const TWO = ~@as(u8, 0) & 0xf_f;
        var skipped: u8 = .{};
        comptime {}
    },
};
"""


def test_small_file_evaluated_per_arch(tmp_path: Path) -> None:
    path = tmp_path / "linux.zig"
    path.write_text(SMALL)
    tables = {t.binding_arch: t for t in read(path)}
    assert sorted(tables) == sorted(LINUX_ARCHES)
    assert values(tables["mips"], "") == {
        "MAP_K": 3,
        "MAP_A": 0,
        "MAP_B": 2,
        "MAP_C": 3,
        "MAP_2BIT": 4,
        "MAP_MASK": 0x41,
    }
    assert macro(tables["mips"], "MAP_C").location == f"{path}:6"
    assert values(tables["x86"], "") == {}
    assert values(tables["sparc"], "") == {"MAP_ONE": 8, "MAP_TWO": 0xFF}
    assert values(tables["arm"], "") == {"MAP_ONE": 8, "MAP_TWO": 0xFF}
    assert values(tables["riscv64"], "") == {"MAP_ONE": 1, "MAP_TWO": 0xFF}


def in_msf(line_2: str) -> str:
    """A file whose MSF struct has ``line_2`` at line 2."""
    return f"pub const MSF = struct {{\n    {line_2}\n}};\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("pub const MSF = struct {\n    pub const A = 1;\n", 1, "'{' is not closed"),
        ("pub const MSF = struct {\n    pub const A = 1;\n}};\n", 3, "unexpected '}'"),
        ('pub const MSF = struct {\n    const S = "abc;\n};\n', 2, "unterminated literal"),
        (in_msf("pub const A = 1 $ 2;"), 2, "unexpected character"),
        (in_msf("pub const A = [_]u8{1};"), 2, "unsupported syntax"),
        (in_msf("pub const A = 1 2;"), 2, "expected ';'"),
        (in_msf("pub const A = B;"), 2, "unknown name B"),
        (in_msf("pub const A = 1 << 5000;"), 2, "shift by 5000"),
        (in_msf("pub const A = 0x;"), 2, "not an integer: 0x"),
        (
            "const B = MSF;\npub const MSF = struct {\n    pub const A = B.A;\n};\n",
            3,
            "A depends on itself",
        ),
        ("const B = C;\nconst C = B;\npub const MSF = B;\n", 2, "B depends on itself"),
        ('pub const MSF = @import("x.zig");\n', 1, "unsupported builtin @import"),
        ("pub const MSF = union {};\n", 1, "unsupported container 'union'"),
        ("pub const MSF = 5;\n", 1, "MSF is not a struct"),
        (
            "pub const MCL = packed struct(u32) {\n    A: bool,\n    _: u30,\n};\n",
            1,
            "packed struct(u32) has 31 bits of fields",
        ),
        (
            "const K = 1;\npub const MCL = switch (K) {\n    .mips => struct {},\n};\n",
            2,
            "unsupported switch: not on native_arch",
        ),
        (
            'const native_arch = @import("builtin").cpu.arch;\n'
            "pub const MCL = switch (native_arch) {\n    .mips => struct {},\n};\n",
            2,
            "switch has no arm for aarch64",
        ),
        ("pub const MCL = if (native_arch.isWeird()) struct {} else struct {};\n", 1, "isWeird"),
        ("pub const MCL = packed struct(u8) {\n    A: ?u8,\n};\n", 2, "unsupported syntax '?'"),
    ],
)
def test_bad_input(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "linux.zig"
    path.write_text(text)
    with pytest.raises(AbicheckError) as info:
        read(path)
    assert (info.value.file, info.value.line) == (str(path), line)
    assert str(info.value).startswith(f"{path}:{line}: error: ")
    assert message in str(info.value)


def test_deep_nesting_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "linux.zig"
    path.write_text(
        "pub const MSF = struct {\n    pub const A = " + "(" * 5000 + ")" * 5000 + ";\n};\n"
    )
    with pytest.raises(AbicheckError) as info:
        read(path)
    assert str(info.value) == f"{path}: error: expressions nested too deeply"


def test_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "other.zig"
    path.write_text("pub const X = 1;\n")
    with pytest.raises(AbicheckError) as info:
        read(path)
    assert str(info.value) == (
        f"{path}: error: no PROT, MAP, MSF, MADV, MREMAP, MLOCK, MFD, MCL: "
        "not Zig's lib/std/os/linux.zig"
    )
    with pytest.raises(AbicheckError) as info:
        read(tmp_path / "nope.zig")
    assert str(info.value) == f"{tmp_path / 'nope.zig'}: error: no such file"
    with pytest.raises(AbicheckError) as info:
        read(tmp_path)
    assert str(info.value) == f"{tmp_path}: error: cannot read: not a regular file"
