"""The reader of Go's zerrors_linux*.go, on golang.org/x/sys 0.3.0 as Debian ships it
(tests/fixtures/bindings/go) and on small files written here. Expected values are
copied by hand from the fixture files, at the lines cited."""

from __future__ import annotations

from pathlib import Path

import pytest

from abicheck.bindings import BindingTable
from abicheck.bindings.go import read
from abicheck.model import AbicheckError, Macro

GO = Path(__file__).resolve().parent / "fixtures" / "bindings" / "go"
ARCHES = [  # (abicheck name, GOARCH), as read() sorts them
    ("amd64", "amd64"),
    ("arm64", "arm64"),
    ("armhf", "arm"),
    ("i386", "386"),
    ("loong64", "loong64"),
    ("mips", "mips"),
    ("mips64", "mips64"),
    ("mips64el", "mips64le"),
    ("mipsel", "mipsle"),
    ("powerpc", "ppc"),
    ("ppc64", "ppc64"),
    ("ppc64el", "ppc64le"),
    ("riscv64", "riscv64"),
    ("s390x", "s390x"),
    ("sparc64", "sparc64"),
]


@pytest.fixture(scope="module")
def tables() -> dict[str, BindingTable]:
    return {t.binding_arch: t for t in read(GO)}


def macro(table: BindingTable, name: str) -> Macro:
    return next(m for m in table.macros if m.name == name)


def test_one_table_per_goarch_sorted_and_mapped() -> None:
    tables = read(GO)
    assert [(t.arch, t.binding_arch) for t in tables] == ARCHES
    assert all(t.known and t.env == "" for t in tables)
    for t in tables:
        assert [m.name for m in t.macros] == sorted(m.name for m in t.macros)


@pytest.mark.parametrize("goarch", ["mips", "mipsle", "mips64", "mips64le"])
def test_mips_map_rename_is_map_anonymous(tables: dict[str, BindingTable], goarch: str) -> None:
    # zerrors_linux_<goarch>.go:112 MAP_ANONYMOUS = 0x800, :121 MAP_RENAME = 0x800
    file = f"unix/zerrors_linux_{goarch}.go"
    rename = macro(tables[goarch], "MAP_RENAME")
    assert rename == Macro("MAP_RENAME", "integer", 0x800, "0x800", file, 121)
    assert macro(tables[goarch], "MAP_ANONYMOUS") == Macro(
        "MAP_ANONYMOUS", "integer", 0x800, "0x800", file, 112
    )


def test_arch_values(tables: dict[str, BindingTable]) -> None:
    def at(goarch: str, name: str) -> tuple[int | None, str]:
        m = macro(tables[goarch], name)
        return m.value, m.location

    # zerrors_linux_amd64.go:112 MAP_32BIT = 0x40, :119 MAP_LOCKED = 0x2000
    assert at("amd64", "MAP_32BIT") == (0x40, "unix/zerrors_linux_amd64.go:112")
    assert at("amd64", "MAP_LOCKED") == (0x2000, "unix/zerrors_linux_amd64.go:119")
    # zerrors_linux_ppc64.go:117 MAP_LOCKED = 0x80, :123 MCL_CURRENT = 0x2000
    assert at("ppc64", "MAP_LOCKED") == (0x80, "unix/zerrors_linux_ppc64.go:117")
    assert at("ppc64", "MCL_CURRENT") == (0x2000, "unix/zerrors_linux_ppc64.go:123")
    # zerrors_linux_sparc64.go:125 MAP_RENAME = 0x20, :121 MAP_LOCKED = 0x100
    assert at("sparc64", "MAP_RENAME") == (0x20, "unix/zerrors_linux_sparc64.go:125")
    assert at("sparc64", "MAP_LOCKED") == (0x100, "unix/zerrors_linux_sparc64.go:121")
    # zerrors_linux_mips.go:123 MCL_CURRENT = 0x1
    assert at("mips", "MCL_CURRENT") == (1, "unix/zerrors_linux_mips.go:123")
    assert not any(m.name == "MAP_32BIT" for m in tables["mips"].macros)


def test_shared_file_merged_into_every_table(tables: dict[str, BindingTable]) -> None:
    # zerrors_linux.go:2315 PROT_READ = 0x1, :1910 MS_ASYNC = 0x1, :1832 MAP_TYPE = 0xf,
    # :1849 MFD_HUGE_16GB = -0x78000000 (Go's int32 view of 34 << 26)
    for table in tables.values():
        assert macro(table, "PROT_READ") == Macro(
            "PROT_READ", "integer", 1, "0x1", "unix/zerrors_linux.go", 2315
        )
        assert macro(table, "MS_ASYNC").location == "unix/zerrors_linux.go:1910"
        assert macro(table, "MAP_TYPE").value == 0xF
        assert macro(table, "MFD_HUGE_16GB").value == -0x78000000
        assert macro(table, "MFD_HUGE_16GB").expr == "-0x78000000"


def test_typed_constants_are_read_strings_are_not(tables: dict[str, BindingTable]) -> None:
    # zerrors_linux.go:3405 E2BIG = syscall.Errno(0x7), :3444 SIGABRT = syscall.Signal(0x6)
    e2big = macro(tables["amd64"], "E2BIG")
    assert e2big == Macro(
        "E2BIG", "integer", 7, "syscall.Errno(0x7)", "unix/zerrors_linux.go", 3405
    )
    assert macro(tables["amd64"], "SIGABRT").value == 6
    # zerrors_linux_mips.go:546 EDEADLK = 0x2d, :633 SIGBUS = 0xa; amd64.go:544, :629
    assert macro(tables["mips"], "EDEADLK").value == 0x2D
    assert macro(tables["mips"], "SIGBUS").value == 0xA
    assert macro(tables["amd64"], "EDEADLK").value == 0x23
    assert macro(tables["amd64"], "SIGBUS").value == 7
    # zerrors_linux.go:772 DEVLINK_GENL_NAME = "devlink"
    assert not any(m.name == "DEVLINK_GENL_NAME" for m in tables["amd64"].macros)


def test_unix_folder_given_files_relative_to_it() -> None:
    table = read(GO / "unix")[0]
    assert macro(table, "MAP_32BIT").location == "zerrors_linux_amd64.go:112"


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


SHARED = "//go:build linux\n\npackage unix\n\nconst (\n\tSHARED = 0x1\n\tBOTH = 0x2\n)\n"


def test_literals_typed_declarations_and_single_const_lines(tmp_path: Path) -> None:
    arch = (
        "// +build mips,linux\n"
        "package unix\n"
        'import "syscall"\n'
        "func init() { panic(1) }\n"
        "const (\n"
        "\tBIN = 0b1_01 // a comment\n"
        "\tOCT = 0o17\n"
        "\tOLD = 017\n"
        "\tDEC = 1_000\n"
        "\tNEG = -0x1\n"
        "\tTYPED uint32 = 5\n"
        "\tCONV = Errno(0x2)\n"
        "\tFLOAT = 1.5\n"
        "\tRUNE = 'a'\n"
        '\tSTR = "x // y"\n'
        "\tBOTH = 0x3\n"
        ")\n"
        "const ONE = 0x10\n"
        "var errorList = [...]struct{ num int }{\n\t{1},\n}\n"
    )
    [table] = read(write(tmp_path, {"zerrors_linux.go": SHARED, "zerrors_linux_mips.go": arch}))
    assert (table.binding_arch, table.arch) == ("mips", "mips")
    values = {m.name: m.value for m in table.macros}
    assert values == {
        "BIN": 5,
        "BOTH": 3,
        "CONV": 2,
        "DEC": 1000,
        "NEG": -1,
        "OCT": 15,
        "OLD": 15,
        "ONE": 16,
        "SHARED": 1,
        "TYPED": 5,
    }
    assert macro(table, "BOTH").location == "zerrors_linux_mips.go:16"
    assert macro(table, "ONE").location == "zerrors_linux_mips.go:18"
    assert macro(table, "BIN").expr == "0b1_01"


def test_go_build_wins_and_file_name_is_the_fallback(tmp_path: Path) -> None:
    files = {
        "zerrors_linux.go": SHARED,
        "zerrors_linux_ppc64le.go": "// +build ppc64,linux\n//go:build ppc64le && linux\n",
        "zerrors_linux_riscv64.go": "package unix\n",
        "zerrors_linux_wasm.go": "//go:build wasm && !mips\n",
    }
    tables = read(write(tmp_path, files))
    assert [(t.binding_arch, t.arch, t.known) for t in tables] == [
        ("ppc64le", "ppc64el", True),
        ("riscv64", "riscv64", True),
        ("wasm", "wasm", False),
    ]
    assert [m.name for m in tables[0].macros] == ["BOTH", "SHARED"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("package unix\nconst (\n\tA = 0x1\n", 2, "const block not closed by ')'"),
        ("package unix\nconst (\n\tA = 0x1\n\tB := 2\n)\n", 4, "not a constant declaration"),
        ("package unix\nconst (\n\tA = iota\n\tB\n)\n", 4, "unsupported: B without a value"),
        ("package unix\nconst (\n\tA =\n)\n", 3, "A: no value after '='"),
        ("package unix\nconst ( A = 1 )\n", 2, "unsupported: a one-line const block"),
        ("//go:build (mips || mipsle) && linux\n", 1, "build constraint names several GOARCH"),
    ],
)
def test_bad_arch_file(tmp_path: Path, text: str, line: int, message: str) -> None:
    write(tmp_path, {"zerrors_linux.go": SHARED, "zerrors_linux_mips.go": text})
    with pytest.raises(AbicheckError) as info:
        read(tmp_path)
    path = str(tmp_path / "zerrors_linux_mips.go")
    assert (info.value.file, info.value.line) == (path, line)
    assert str(info.value).startswith(f"{path}:{line}: error: {message}")


def test_bad_folders(tmp_path: Path) -> None:
    cases = {
        tmp_path / "nope": "no such folder",
        write(tmp_path, {"file": ""}) / "file": "not a folder",
        tmp_path: "no zerrors_linux.go here or in unix/: not golang.org/x/sys",
    }
    for path, message in cases.items():
        with pytest.raises(AbicheckError) as info:
            read(path)
        assert str(info.value) == f"{path}: error: {message}"
    write(tmp_path, {"zerrors_linux.go": SHARED})
    with pytest.raises(AbicheckError, match=r"no zerrors_linux_\*\.go beside zerrors_linux\.go"):
        read(tmp_path)


def test_file_problems_located(tmp_path: Path) -> None:
    (tmp_path / "zerrors_linux.go").write_bytes(b"package unix\n\xff\n")
    with pytest.raises(AbicheckError) as info:
        read(tmp_path)
    assert str(info.value) == f"{tmp_path / 'zerrors_linux.go'}:2: error: not UTF-8 text"
    write(tmp_path, {"zerrors_linux.go": SHARED, "zerrors_linux_sparc.go": "package unix\n"})
    (tmp_path / "zerrors_linux_nope.go").write_text("package unix\n")
    with pytest.raises(AbicheckError) as info:
        read(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'zerrors_linux_nope.go'}:1: error: "
        "no GOARCH in the build constraint nor the name (nope)"
    )
