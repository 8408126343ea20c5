"""The compiler oracle, with the real gcc and the real Debian headers (nothing mocked)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Collection
from pathlib import Path

import pytest

from abicheck.arches import Arch, all_arches, debian_arches, host_arch, include_dirs, lookup
from abicheck.cc import (
    Member,
    compiler_flags,
    compiler_layouts,
    compiler_macros,
    compiler_macros_many,
    cross_compiler,
)
from abicheck.model import AbicheckError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cc"
KINDS = FIXTURES / "kinds.h"
U64 = 1 << 64

#: kinds.h on an LP64 host with signed plain char (amd64), worked out from C's rules:
#: the value is the mathematical value of the expression in its C type.
KINDS_LP64 = {
    "NEG": -5,
    "NEG_HEX": -16,
    "ALIAS": -5,
    "ULL_MAX": U64 - 1,  # unsigned long long: stays positive
    "BIG_U": 1 << 63,
    "UINT_WRAP": (1 << 32) - 1,  # unsigned int arithmetic wraps mod 2**32
    "LL_MIN": -(1 << 63),
    "NEG_UL": U64 - 1,  # -1 converted to 64-bit unsigned long
    "SIZEOF_LONG_X3": 24,
    "SHIFTED": (1 << 20) | 3,
    "BOOL_EXPR": 1,
    "BOOL_CAST": 1,  # any non-zero converts to _Bool 1
    "CHAR_LIT": ord("A"),
    "SCHAR_CAST": 200 - 256,
    "UCHAR_CAST": 255,
    "PLAIN_CHAR_CAST": 200 - 256,  # plain char is signed on x86
    "ENUM_VAL": 2,  # BLUE is the third enumerator
    "STRUCT_SIZE": 8,  # two ints
    "FLOAT_CAST": 2,  # a cast of a floating constant is an integer constant expression
    "TERNARY": 100,
}
#: Defined, but with no integer value: floating, string, type, pointer, empty, function-like,
#: undefined behaviour (overflow, division by zero, oversized shift), not constant, syntax.
KINDS_NOT_INTEGER = [
    "FLOAT_VAL",
    "FLOAT_EXPR",
    "FLOAT_F",
    "STRING",
    "TYPE_NAME",
    "POINTER",
    "EMPTY",
    "FUNC",
    "OVERFLOW",
    "DIV_ZERO",
    "SHIFT_TOO_FAR",
    "UNDECLARED",
    "OPEN_PAREN",
    "STATEMENT",
]


def own(values: dict[str, int], names: Collection[str]) -> dict[str, int]:
    """The fixture's own macros from ``values``."""
    return {k: v for k, v in values.items() if k in names}


def test_host_mman_kernel_abi() -> None:
    table = compiler_macros("/usr/include/linux/mman.h")
    assert table.values["MADV_REMOVE"] == 9
    assert table.values["MAP_ANONYMOUS"] == 0x20
    assert table.values["PROT_READ"] == 1
    assert table.compiler.startswith("gcc")
    assert table.declarations


def test_names_are_gcc_dM() -> None:
    """``names`` is exactly what ``gcc -dM -E`` lists with the same flags."""
    header = "/usr/include/linux/mman.h"
    flags = compiler_flags()
    proc = subprocess.run(
        ["gcc", "-dM", "-E", *flags, "-"],
        input=f'#include "{header}"\n',
        capture_output=True,
        text=True,
        check=True,
    )
    expected = {line.split()[1].split("(")[0] for line in proc.stdout.splitlines()}
    assert compiler_macros(header).names == expected


def test_fixture_values_exact() -> None:
    table = compiler_macros(KINDS)
    names = set(KINDS_LP64) | set(KINDS_NOT_INTEGER)
    assert names <= table.names
    assert own(table.values, names) == KINDS_LP64
    for name in KINDS_NOT_INTEGER:
        assert name not in table.values, name


def test_builtins_included() -> None:
    table = compiler_macros(KINDS)
    assert table.values["__INT_MAX__"] == 0x7FFFFFFF
    assert table.values["__SIZEOF_LONG__"] == 8
    assert "__SIZE_TYPE__" in table.names and "__SIZE_TYPE__" not in table.values
    assert "__FLT_MAX__" in table.names and "__FLT_MAX__" not in table.values


def test_fixture_ilp32_target() -> None:
    """i386: long is 32 bits, so sizeof(long) * 3 is 12 and -1UL is 2**32 - 1."""
    table = compiler_macros(KINDS, arch=lookup("i386"), include_dirs=[FIXTURES])
    expected = dict(KINDS_LP64, SIZEOF_LONG_X3=12, NEG_UL=(1 << 32) - 1)
    assert own(table.values, KINDS_LP64) == expected
    assert "-m32" in table.flags and "-undef" in table.flags
    assert table.values["__SIZEOF_LONG__"] == 4
    assert "__x86_64__" not in table.names and "__i386__" in table.names


def test_plain_char_sign_follows_target() -> None:
    """Plain char is unsigned on arm64, signed on mips."""
    arm = compiler_macros(KINDS, arch=lookup("arm64"), include_dirs=[FIXTURES])
    mips = compiler_macros(KINDS, arch=lookup("mips"), include_dirs=[FIXTURES])
    assert arm.values["PLAIN_CHAR_CAST"] == 200
    assert mips.values["PLAIN_CHAR_CAST"] == -56
    assert arm.values["SCHAR_CAST"] == mips.values["SCHAR_CAST"] == -56


def expected_map_anonymous(arch: Arch) -> int:
    # mips: arch/mips/include/uapi/asm/mman.h; alpha, parisc: their own asm/mman.h;
    # everyone else (sparc included: it takes asm-generic/mman-common.h) 0x20.
    if arch.kernel == "mips":
        return 0x800
    if arch.kernel in ("alpha", "parisc"):
        return 0x10
    return 0x20


@pytest.mark.parametrize("arch", debian_arches(), ids=lambda a: a.name)
def test_map_anonymous_per_arch(arch: Arch) -> None:
    dirs = include_dirs(arch)
    assert dirs is not None, f"apt-get install {arch.cross_package}"
    root = Path("/usr") / arch.triplet / "include"
    for header in (root / "asm" / "mman.h", root / "linux" / "mman.h"):
        table = compiler_macros(header, arch=arch, include_dirs=[root])
        assert table.values["MAP_ANONYMOUS"] == expected_map_anonymous(arch), header
        assert table.values["__SIZEOF_LONG__"] == arch.bits // 8


def test_arch_branches_taken() -> None:
    """The predefines steer the target's own headers: word size and byte order."""
    headers = []
    arches = debian_arches()
    for arch in arches:
        root = Path("/usr") / arch.triplet / "include"
        table = compiler_macros(root / "asm" / "byteorder.h", arch=arch, include_dirs=[root])
        big = "__BIG_ENDIAN" in table.names and "__LITTLE_ENDIAN" not in table.names
        assert big == arch.big_endian, arch.name
        bits = compiler_macros(root / "asm" / "bitsperlong.h", arch=arch, include_dirs=[root])
        assert bits.values["__BITS_PER_LONG"] == arch.bits, arch.name
        headers.append(root)
    assert len(headers) == len(arches)


def test_libc_sys_mman() -> None:
    table = compiler_macros("<sys/mman.h>", system_includes=True)
    assert table.values["MAP_ANONYMOUS"] == 0x20
    assert table.values["MAP_SHARED"] == 1
    assert "MAP_FAILED" in table.names and "MAP_FAILED" not in table.values  # a pointer
    assert "-nostdinc" not in table.flags


def test_broken_declarations_fall_back_to_macros() -> None:
    table = compiler_macros(FIXTURES / "broken.h")
    assert not table.declarations
    assert own(table.values, {"BROKEN_A", "BROKEN_B"}) == {"BROKEN_A": 3, "BROKEN_B": 48}


def test_unlocated_value_error_drops_only_its_macro() -> None:
    # found by the fuzzer: it used to fail the whole run as "gcc failed"
    table = compiler_macros(FIXTURES / "unlocated.h")
    assert own(table.values, {"OK", "BAD"}) == {"OK": 7}
    assert {"OK", "BAD", "S"} <= table.names


def test_preprocessing_error_located() -> None:
    with pytest.raises(AbicheckError) as info:
        compiler_macros(FIXTURES / "error.h")
    assert info.value.file == str(FIXTURES / "error.h")
    assert info.value.line == 3
    assert str(info.value).startswith(f"{FIXTURES / 'error.h'}:3: error: ")
    assert "this header refuses" in str(info.value)


def test_missing_header() -> None:
    with pytest.raises(AbicheckError, match="no such header") as info:
        compiler_macros(FIXTURES / "nope.h")
    assert info.value.file == str(FIXTURES / "nope.h")


def test_missing_compiler() -> None:
    with pytest.raises(AbicheckError, match="not found"):
        compiler_macros(KINDS, cc="abicheck-no-such-cc")


def test_system_includes_only_for_host() -> None:
    foreign = next(a for a in all_arches() if a != host_arch())
    with pytest.raises(AbicheckError, match="system headers"):
        compiler_macros("<sys/mman.h>", arch=foreign, system_includes=True)


def test_defines_passed() -> None:
    table = compiler_macros(KINDS, defines={"EXTRA": "(7 * 6)"})
    assert table.values["EXTRA"] == 42


def test_many_matches_single_and_reports_errors() -> None:
    headers = [
        KINDS,
        FIXTURES / "error.h",
        "/usr/include/linux/mman.h",
        FIXTURES / "broken.h",
        FIXTURES / "nope.h",
    ]
    results = compiler_macros_many(headers)
    assert list(results) == [str(h) for h in headers]
    assert isinstance(results[str(FIXTURES / "error.h")], AbicheckError)
    assert isinstance(results[str(FIXTURES / "nope.h")], AbicheckError)
    for header in (KINDS, "/usr/include/linux/mman.h", FIXTURES / "broken.h"):
        table = results[str(header)]
        assert not isinstance(table, AbicheckError)
        single = compiler_macros(header)
        assert table.values == single.values
        assert table.names == single.names


def test_many_linux_headers_sample() -> None:
    linux = sorted(Path("/usr/include/linux").glob("*.h"))[:40]
    results = compiler_macros_many(linux, system_includes=True)
    tables = [t for t in results.values() if not isinstance(t, AbicheckError)]
    assert len(tables) >= 35
    assert all(t.values for t in tables)


def test_temp_dir_cleaned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    compiler_macros(KINDS)
    assert list(tmp_path.iterdir()) == []


def test_deterministic() -> None:
    a = compiler_macros(KINDS)
    b = compiler_macros(KINDS)
    assert a == b
    assert list(a.values) == sorted(a.values)


# -- layouts ---------------------------------------------------------------------------

LAYOUT_ROOT = FIXTURES / "layout"


def _member(name: str, offset: int, size: int, bits: tuple[int, int] | None = None) -> Member:
    return Member(name, offset, size, *(bits or (None, None)))


def test_cross_compiler_names_debians_gcc() -> None:
    assert cross_compiler(lookup("m68k")) == "m68k-linux-gnu-gcc"
    assert cross_compiler(lookup("i386")) == "i686-linux-gnu-gcc"
    assert cross_compiler(lookup("x32")) == "x86_64-linux-gnux32-gcc"


def test_own_compiler_gets_no_target_flags() -> None:
    assert compiler_flags(lookup("m68k"), own_compiler=True) == ()
    flags = compiler_flags(lookup("mips"), ["/x"], {"A": "1"}, own_compiler=True)
    assert flags == ("-I/x", "-DA=1")


def test_host_layouts_from_dwarf() -> None:
    """amd64's layout of the fixture, worked out from the x86-64 psABI."""
    found = compiler_layouts(["linux/shapes.h"], LAYOUT_ROOT, flags=[f"-I{LAYOUT_ROOT}"])
    assert found.errors == {}
    assert sorted(found.layouts) == [
        "struct bits",
        "struct inner",
        "struct pointers",
        "typedef anon_t",
        "union word",
    ]
    assert set(found.tu.values()) == {"linux/shapes.h"}
    bits = found.layouts["struct bits"]
    assert (bits.file, bits.line, bits.size, bits.align) == ("linux/shapes.h", 5, 16, 8)
    assert bits.members == (
        _member("tag", 0, 1),
        _member("low", 1, 4, (8, 3)),
        _member("high", 1, 4, (11, 5)),
        _member("number", 4, 4),  # the anonymous union's members, flattened
        _member("first", 4, 2),
        _member("second", 6, 2),
        _member("named", 8, 8),  # a named struct member stays one member
        _member("flex", 16, 0),  # flexible array: size 0
    )
    anon = found.layouts["typedef anon_t"]
    assert (anon.line, anon.size, anon.align) == (21, 56, 8)
    assert anon.members == (_member("c", 0, 1), _member("d", 8, 48))
    word = found.layouts["union word"]
    assert (word.size, word.align) == (4, 4)
    # gcc writes DWARF 2's DW_AT_bit_offset for a bitfield in a union
    assert word.members == (_member("all", 0, 4, (0, 16)), _member("bytes", 0, 2))
    pointers = found.layouts["struct pointers"]
    assert pointers.members == (_member("p", 0, 8), _member("fn", 8, 8))


def test_big_endian_layouts_from_dwarf() -> None:
    """m68k (big-endian, 2-byte alignment of int, long long and double)."""
    compiler = cross_compiler(lookup("m68k"))
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} not installed (CI installs gcc-m68k-linux-gnu)")
    found = compiler_layouts(["linux/shapes.h"], LAYOUT_ROOT, compiler, flags=[f"-I{LAYOUT_ROOT}"])
    bits = found.layouts["struct bits"]
    assert (bits.size, bits.align) == (14, 2)
    assert bits.members == (
        _member("tag", 0, 1),
        _member("low", 1, 4, (8, 3)),
        _member("high", 1, 4, (11, 5)),
        _member("number", 2, 4),
        _member("first", 2, 2),
        _member("second", 4, 2),
        _member("named", 6, 8),
        _member("flex", 14, 0),
    )
    assert found.layouts["union word"].members == (
        _member("all", 0, 4, (0, 16)),
        _member("bytes", 0, 2),
    )
    assert (found.layouts["typedef anon_t"].size, found.layouts["typedef anon_t"].align) == (50, 2)


def test_layouts_of_a_header_that_does_not_compile() -> None:
    found = compiler_layouts(["linux/broken.h"], LAYOUT_ROOT, flags=[f"-I{LAYOUT_ROOT}"])
    assert found.layouts == {}
    assert found.errors == {
        "linux/broken.h": "linux/broken.h:3: error: expected expression before ';' token"
    }


def test_utf8_macro_names_decoded() -> None:
    # gcc prints them as universal character names (MAP_caf\U000000e9): same names as ours
    fixture = Path(__file__).resolve().parent / "fixtures" / "parse" / "utf8_names.h"
    table = compiler_macros(fixture)
    names = {"LATIN_A", "\u00e9t\u00e9", "X\u00e9", "MAP_caf\u00e9", "E\u0301TAT"}
    assert names <= table.names
    assert own(table.values, names) == {
        "LATIN_A": 1,
        "\u00e9t\u00e9": 2,
        "X\u00e9": 3,
        "MAP_caf\u00e9": 0x40,
        "E\u0301TAT": 4,
    }


def test_int128_values_are_read_whole(tmp_path: Path) -> None:
    """Two more asm operands carry bits 64 to 127: an __int128 is compared, not
    dropped; where the target has none (i386) the 64-bit values are as before."""
    header = tmp_path / "w.h"
    header.write_text(
        "#define W_SHIFT ((__int128) 1 << 100)\n"
        "#define W_NEG (-(__int128) 5)\n"
        "#define W_UMAX ((unsigned __int128) -1)\n"
        "#define W_TOP ((unsigned __int128) 1 << 127)\n"
        "#define W_MIN (-(__int128) 1 << 127)\n"
        "#define W_LONG (-1L)\n"
    )
    values = compiler_macros(header, include_dirs=[tmp_path]).values
    assert own(values, {"W_SHIFT", "W_NEG", "W_UMAX", "W_TOP", "W_MIN", "W_LONG"}) == {
        "W_SHIFT": 1 << 100,
        "W_NEG": -5,
        "W_UMAX": (1 << 128) - 1,
        "W_TOP": 1 << 127,
        "W_MIN": -(1 << 127),
        "W_LONG": -1,
    }
    narrow = tmp_path / "n.h"
    narrow.write_text("#define N_NEG (-5LL)\n#define N_MAX 0xFFFFFFFFFFFFFFFFULL\n")
    table = compiler_macros(narrow, arch=lookup("i386"), include_dirs=[tmp_path])
    assert own(table.values, {"N_NEG", "N_MAX"}) == {"N_NEG": -5, "N_MAX": U64 - 1}


def test_folded_names_what_is_no_integer_constant_expression(tmp_path: Path) -> None:
    """gcc folds ``0 <= (1, 2u)`` to 1 (an unsigned is never negative) though its comma
    is evaluated; its null pointer constant test says it is no integer constant
    expression, and ``folded`` names it."""
    header = tmp_path / "f.h"
    header.write_text(
        "#define F_CMP (0 <= (1, 2u))\n"
        "#define F_TIMES (((1 >> (1, -2)) || 1) != 12)\n"
        "#define F_UNEVALUATED (1 ? 3 : (1, 2))\n"
        "#define F_PLAIN (1 << 4)\n"
        "#define F_COMMA (1, 2)\n"
    )
    table = compiler_macros(header, include_dirs=[tmp_path])
    names = {"F_CMP", "F_TIMES", "F_UNEVALUATED", "F_PLAIN", "F_COMMA"}
    assert own(table.values, names) == {"F_CMP": 1, "F_TIMES": 1, "F_UNEVALUATED": 3, "F_PLAIN": 16}
    assert sorted(table.folded & names) == ["F_CMP", "F_TIMES"]


def test_an_expansion_with_a_comma_outside_parentheses(tmp_path: Path) -> None:
    """``0 ? 1, 2 : 3`` is one expression (the middle operand is a full expression);
    passed on from one helper macro to another, its comma split it into two
    arguments and the macro had no value (found by tests/fuzz, seed 1005405)."""
    header = tmp_path / "c.h"
    header.write_text("#define C_MID 0 ? 1, 2 : 3\n#define C_TOP 1, 2\n")
    table = compiler_macros(header, include_dirs=[tmp_path])
    assert own(table.values, {"C_MID", "C_TOP"}) == {"C_MID": 3}
