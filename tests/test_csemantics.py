"""C semantics the reader must follow as gcc does (issue 15): each class of
mistake with a minimised header of its own. Expected values came from gcc 12
(x86-64 unless said otherwise): each macro's value read from an asm operand
in ``gcc -S`` output, ``__asm__("# V %0" :: "i"((long long)(NAME)))``."""

from __future__ import annotations

from pathlib import Path

from abicheck.model import Macro
from abicheck.parse import Reader


def _read(tmp_path: Path, text: str, name: str = "h.h", **kw: object) -> dict[str, Macro]:
    """The macro table of a header holding ``text``, by name."""
    path = tmp_path / name
    path.write_text(text)
    return {m.name: m for m in Reader(**kw).read(str(path))}  # type: ignore[arg-type]


def _values(tmp_path: Path, text: str, *names: str, **kw: object) -> dict[str, int | None]:
    t = _read(tmp_path, text, **kw)
    return {n: t[n].value for n in names}


# -- 1. declarations are read with the macros as they stood where they are -----


def test_declarations_use_the_macros_of_their_position(tmp_path: Path) -> None:
    header = """\
#define E 1
enum { GET_E = E };
typedef char t_e[E];
#undef E
#define E 2
#define V GET_E
#define W sizeof(t_e)
"""
    # gcc 12: V 1, W 1, E 2
    assert _values(tmp_path, header, "V", "W", "E") == {"V": 1, "W": 1, "E": 2}


# -- 10. a header including itself under changing conditions ------------------------


def test_a_header_may_include_itself_while_its_conditions_change(tmp_path: Path) -> None:
    steps = "".join(
        f"#{'if' if n == 0 else 'elif'} N == {n}\n#undef N\n#define N {n + 1}\n" for n in range(5)
    )
    header = (
        "#ifndef N\n#define N 0\n#define COUNT 0\n#endif\n"
        f"#if N < 5\n#undef COUNT\n#define COUNT (N + 1)\n{steps}#endif\n"
        '#include "h.h"\n#endif\n#define LAST N\n'
    )
    # gcc 12: N 5, LAST 5, COUNT 6 (read five levels deep, no cycle)
    assert _values(tmp_path, header, "N", "LAST", "COUNT") == {"N": 5, "LAST": 5, "COUNT": 6}


# -- 7. an expansion is the tokens it is, never its spelling glued together ----------


def test_tokens_next_to_an_expansion_keep_their_boundaries(tmp_path: Path) -> None:
    header = """\
#define L <1
#define LT (1<L)
#define G >1
#define GT (8>G)
#define A &1
#define AND (3&A)
#define M -1
#define NEG (sizeof -M)
#define SUB (2-M)
#define P +1
#define ADD (2+P)
#define F(a, b) a/b
#define DIV F(4,*2)
typedef char t_m[2-M];
enum { E_M = 4-M };
#define TYPEDEF sizeof(t_m)
#define ENUM E_M
"""
    t = _read(tmp_path, header)
    # gcc 12 rejects LT and GT (expected expression before '<' / '>'), AND (lvalue
    # required as unary '&' operand) and DIV (invalid type argument of unary '*');
    # NEG 4 (sizeof - -1), SUB 3, ADD 3, TYPEDEF 3, ENUM 5
    got = {n: (t[n].value, t[n].reason) for n in ("LT", "GT", "AND", "DIV")}
    assert got == {
        "LT": (None, "not a C expression"),
        "GT": (None, "not a C expression"),
        "AND": (None, "operator & on an lvalue"),
        "DIV": (None, "operator * on an lvalue"),
    }
    names = ("NEG", "SUB", "ADD", "TYPEDEF", "ENUM")
    assert {n: t[n].value for n in names} == {"NEG": 4, "SUB": 3, "ADD": 3, "TYPEDEF": 3, "ENUM": 5}
    assert t["LT"].expr == "(1<L)"  # the replacement text as written, unchanged


def test_spell_separates_only_tokens_that_would_lex_as_others() -> None:
    from abicheck.reader.tokens import Tok, spell, tokenize

    def glued(*texts: str) -> str:
        return spell(Tok("punct", x) for x in texts)

    assert glued("<", "<", "1") == "< <1"
    assert glued("-", "-1") == "- -1"
    assert glued("/", "*", "2") == "/ *2"
    assert glued("L", '"a"') == 'L "a"'
    assert glued("1", ".5") == "1 .5"
    assert glued("1e", "+", "2") == "1e +2"
    assert glued("(", "a", "+", "b", ")") == "(a+b)"
    text = "( x ) -> y [ 2 ] . z"
    assert spell(tokenize(text)) == text


# -- 3. sizeof and the other unevaluated operands: their type, never their value ---


def test_unevaluated_operands_give_their_type_only(tmp_path: Path) -> None:
    header = """\
#define DIV0 sizeof(1/0)
#define SHIFT sizeof(1 << 40)
#define CHARS sizeof((char)1 + (char)2)
#define NEG sizeof(-(char)1)
#define LSHIFT sizeof(1ULL << 1)
#define RSHIFT sizeof(1 << 1ULL)
#define CMP sizeof(1 == 1ULL)
#define COMMA sizeof((1, 2LL))
#define AND (0 && 1/0)
#define OR (1 || 1 << 40)
"""
    got = _values(
        tmp_path, header, "DIV0", "SHIFT", "CHARS", "NEG", "LSHIFT", "RSHIFT", "CMP", "COMMA"
    )
    # gcc 12
    assert got == {
        "DIV0": 4,
        "SHIFT": 4,
        "CHARS": 4,
        "NEG": 4,
        "LSHIFT": 8,
        "RSHIFT": 4,
        "CMP": 4,
        "COMMA": 8,
    }
    assert _values(tmp_path, header, "AND", "OR") == {"AND": 0, "OR": 1}


def test_unevaluated_operands_must_still_be_well_formed(tmp_path: Path) -> None:
    header = """\
#define AND (0 && UNDECLARED)
#define OR (1 || UNDECLARED)
#define SIZE sizeof(UNDECLARED)
"""
    # gcc 12: "'UNDECLARED' undeclared" for each
    t = _read(tmp_path, header)
    for name in ("AND", "OR", "SIZE"):
        assert (t[name].kind, t[name].reason) == ("other", "undefined identifier UNDECLARED")


# -- 2. the branch not taken decides the type of a conditional, never its value ----


def test_the_branch_not_taken_gives_its_type_not_its_value(tmp_path: Path) -> None:
    header = """\
#define DIV0 ((1 ? -1 : 1ULL/0) > 0)
#define SIZE sizeof(1 ? 1 : 1ULL)
#define SHIFT (0 ? 1 << 40 : 3)
#define CHAR sizeof(0 ? 1 : (char)1)
#define LONG sizeof(1L ? 2 : 3)
#define MIXED ((0 ? 1L : 1U) - 2 > 0)
#define UNDECLARED_BRANCH (1 ? 2 : UNDECLARED)
#if (1 ? -1 : 0ULL) > 0
#define IF_UNSIGNED 1
#endif
#if (0 ? 1/0 : 7) == 7
#define IF_DIV0 1
#endif
"""
    names = ("DIV0", "SIZE", "SHIFT", "CHAR", "LONG", "MIXED", "IF_UNSIGNED", "IF_DIV0")
    # gcc 12 (MIXED: 1U converts to long, so 1 - 2 is -1)
    assert _values(tmp_path, header, *names) == {
        "DIV0": 1,
        "SIZE": 8,
        "SHIFT": 3,
        "CHAR": 4,
        "LONG": 4,
        "MIXED": 0,
        "IF_UNSIGNED": 1,
        "IF_DIV0": 1,
    }
    # gcc 12: "'UNDECLARED' undeclared"
    assert _read(tmp_path, header)["UNDECLARED_BRANCH"].reason == "undefined identifier UNDECLARED"


# -- 5. wide character constants are of wchar_t's type, per architecture ---------

WIDE = """\
#if L'\\xffffffff' < 0
#define IF_NEG 1
#else
#define IF_NEG 0
#endif
#define NEG (L'\\xffffffff' < 0)
#define SIZE sizeof(L'a')
"""


def test_wide_characters_are_signed_as_wchar_t_is(tmp_path: Path) -> None:
    from abicheck.arches import lookup

    # gcc 12 x86-64 (wchar_t int): 1, 1, 4
    assert _values(tmp_path, WIDE, "IF_NEG", "NEG", "SIZE") == {"IF_NEG": 1, "NEG": 1, "SIZE": 4}
    arm = lookup("armhf")
    kw = {"predefines": dict(arm.predefines), "data_model": "ilp32", "unsigned_char": True}
    # arm-linux-gnueabihf-gcc 12 (wchar_t unsigned int): 0, 0, 4
    got = _values(tmp_path, WIDE, "IF_NEG", "NEG", "SIZE", **kw)
    assert got == {"IF_NEG": 0, "NEG": 0, "SIZE": 4}
    assert _read(tmp_path, WIDE, **kw)["NEG"].value == 0


# -- 6. string literals under sizeof -------------------------------------------------

STRINGS = """\
#define WIDE sizeof(L"ab")
#define UTF16_PAIR sizeof(u"\\U0001F600")
#define UTF8_SOURCE sizeof(u8"é")
#define MIXED sizeof("a" L"b")
#define UTF32_NUL sizeof(U"\\0ab")
#define ESCAPES sizeof("é\\x41\\u00e9")
#define U16_CONCAT sizeof(u"a" "bc")
#define WIDE_SOURCE sizeof(L"é")
#define NO_PARENS sizeof "abc"
#define PHASES sizeof("\\x1" "2")
#define UTF16_SOURCE sizeof(u"😀é")
#define SIMPLE sizeof("\\377\\n\\\\")
#define NESTED sizeof(("ab"))
#define ARITH (sizeof("abc") - 1)
#define TWO_PREFIXES sizeof(u"a" L"b")
#define HEX_RANGE sizeof("\\x100")
#define BAD_UCN sizeof("\\u0041")
#define U8_U sizeof(u8"a" u"b")
"""


def test_sizeof_string_literals_follows_c(tmp_path: Path) -> None:
    t = _read(tmp_path, STRINGS)
    # gcc 12
    expected = {
        "WIDE": 12,
        "UTF16_PAIR": 6,
        "UTF8_SOURCE": 3,
        "MIXED": 12,
        "UTF32_NUL": 16,
        "ESCAPES": 6,
        "U16_CONCAT": 8,
        "WIDE_SOURCE": 8,
        "NO_PARENS": 4,
        "PHASES": 3,
        "UTF16_SOURCE": 8,
        "SIMPLE": 4,
        "NESTED": 3,
        "ARITH": 3,
        "HEX_RANGE": 2,  # gcc: "warning: hex escape sequence out of range"
    }
    assert {n: t[n].value for n in expected} == expected
    # gcc 12 rejects these: "unsupported non-standard concatenation of string
    # literals", "\u0041 is not a valid universal character"
    assert {n: t[n].reason for n in ("TWO_PREFIXES", "BAD_UCN", "U8_U")} == {
        "TWO_PREFIXES": "concatenation of string literals with different prefixes",
        "BAD_UCN": "\\u0041 is not a valid universal character",
        "U8_U": "concatenation of string literals with different prefixes",
    }


def test_a_ten_megabyte_string_is_sized_in_proportion(tmp_path: Path) -> None:
    import time
    import tracemalloc

    text = '#define BIG sizeof("' + "a" * 10_000_000 + '")\n'
    text += '#define BIG16 sizeof(u"' + "é\\x41" * 100_000 + '")\n'
    tracemalloc.start()
    start = time.perf_counter()
    try:
        t = _read(tmp_path, text)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (t["BIG"].value, t["BIG16"].value) == (10_000_001, 400_002)
    assert peak < 400 * 2**20, peak  # a few copies of the text, not gigabytes
    assert elapsed < 60, elapsed


# -- 9. decimal literals too large for long long ------------------------------------

BIG = """\
#define BIG 9223372036854775808
#define NEG (-9223372036854775808 < 0)
#define SHR (18446744073709551615 >> 63)
#define SIZE sizeof(9223372036854775808)
#define SIZE_L sizeof(9223372036854775808L)
#define DIV (18446744073709551615 / -1 < 0)
#define PAST_64_BITS (18446744073709551617 == 1)
#if -9223372036854775808 < 0
#define IF_NEG 1
#else
#define IF_NEG 0
#endif
"""
BIG_NAMES = ("BIG", "NEG", "SHR", "SIZE", "SIZE_L", "DIV", "PAST_64_BITS", "IF_NEG")


def test_too_large_decimals_take_the_widest_type_as_in_gcc(tmp_path: Path) -> None:
    from abicheck.reader.datamodel import arch_model

    # gcc 12 x86-64: __int128 ("integer constant is so large that it is unsigned");
    # past 64 bits it keeps the low 64 ("too large for its type"); in #if uintmax_t
    t = _read(tmp_path, BIG)
    assert {n: t[n].value for n in BIG_NAMES} == {
        "BIG": 2**63,
        "NEG": 1,
        "SHR": 1,
        "SIZE": 16,
        "SIZE_L": 16,
        "DIV": 1,
        "PAST_64_BITS": 1,
        "IF_NEG": 0,
    }
    assert t["BIG"].ctype == "__int128"
    # i686-linux-gnu-gcc 12, no __int128: long long, the value wrapped
    i386 = _read(tmp_path, BIG, data_model="ilp32", abi=arch_model("i386", "ilp32", True))
    assert {n: i386[n].value for n in BIG_NAMES} == {
        "BIG": -(2**63),
        "NEG": 1,
        "SHR": -1,
        "SIZE": 8,
        "SIZE_L": 8,
        "DIV": 0,
        "PAST_64_BITS": 1,
        "IF_NEG": 0,
    }
    assert i386["BIG"].ctype == "long long"


# -- 8. __VA_OPT__ ----------------------------------------------------------------------


def test_va_opt_in_definitions_and_in_if(tmp_path: Path) -> None:
    header = """\
#define E
#define F(a, ...) (a __VA_OPT__(+ __VA_ARGS__))
#define NONE F(1)
#define SOME F(1, 2)
#define EXPANDS_EMPTY F(1, E)
#define EMPTY F(1, )
#define G(...) __VA_OPT__(1 ## __VA_ARGS__)
#define PASTE_IN (G(2) + 0)
#define H(x, ...) x ## __VA_OPT__(0)
#define PASTE_OUT H(1, a)
#define PASTE_NOTHING H(1)
#define S(...) #__VA_OPT__(a   b)
#define STR sizeof(S(1))
#define STR_EMPTY sizeof(S())
#define N(...) (0 __VA_OPT__(+ sizeof(#__VA_ARGS__)))
#define NESTED N(ab, c)
#if F(1, 2) == 3
#define IF 1
#endif
"""
    names = ("NONE", "SOME", "EXPANDS_EMPTY", "EMPTY", "PASTE_IN", "PASTE_OUT")
    names += ("PASTE_NOTHING", "STR", "STR_EMPTY", "NESTED", "IF")
    # gcc 12
    assert _values(tmp_path, header, *names) == {
        "NONE": 1,
        "SOME": 3,
        "EXPANDS_EMPTY": 1,
        "EMPTY": 1,
        "PASTE_IN": 12,
        "PASTE_OUT": 10,
        "PASTE_NOTHING": 1,
        "STR": 4,
        "STR_EMPTY": 1,
        "NESTED": 6,
        "IF": 1,
    }


# -- 4. undefined behaviour: gcc's value and its warning, never a refused header ------

SHIFTS = """\
#define WIDE_LEFT (1 << 40)
#define WIDTH (1 << 32)
#define WIDE_RIGHT (1 >> 40)
#define NEG_RIGHT (-1 >> 40)
#define NEG_COUNT (1 << -1)
#define ULL (1ULL << 64)
#define UINT (0x80000000 << 33)
#define SIGN (-1 << 31)
#if (1 << 64) || 1
#define IF_OR 1
#endif
#if (1 << 65) == 2
#define IF_MOD 1
#else
#define IF_MOD 0
#endif
#if (-1 >> 64) == -1
#define IF_RIGHT 1
#endif
#if (1 << -1)
#define IF_NEG 1
#else
#define IF_NEG 0
#endif
#if 0x7fffffffffffffff + 1 < 0
#define IF_WRAP 1
#endif
"""


def test_oversized_shifts_give_gcc_s_value_with_a_note(tmp_path: Path) -> None:
    t = _read(tmp_path, SHIFTS)
    # gcc 12 (without -Werror; it warns "shift count >= width of type"); a negative
    # count it does not fold to a constant ("impossible constraint in asm")
    names = ("WIDE_LEFT", "WIDTH", "WIDE_RIGHT", "NEG_RIGHT", "ULL", "UINT", "SIGN")
    assert {n: t[n].value for n in names} == {
        "WIDE_LEFT": 0,
        "WIDTH": 0,
        "WIDE_RIGHT": 0,
        "NEG_RIGHT": -1,
        "ULL": 0,
        "UINT": 0,
        "SIGN": -(2**31),
    }
    note = "shift count 40 >= width of int: undefined in C, gcc's value"
    assert (t["WIDE_LEFT"].kind, t["WIDE_LEFT"].reason) == ("integer", note)
    ull = "shift count 64 >= width of unsigned long long: undefined in C, gcc's value"
    assert t["ULL"].reason == ull
    assert t["SIGN"].reason == "left shift of negative value (int): undefined in C, gcc's value"
    assert (t["NEG_COUNT"].value, t["NEG_COUNT"].reason) == (None, "negative shift count -1")


def test_if_with_undefined_behaviour_warns_and_reads_on(tmp_path: Path) -> None:
    path = tmp_path / "h.h"
    path.write_text(SHIFTS)
    reader = Reader()
    t = {m.name: m for m in reader.read(str(path))}
    # gcc 12: IF_OR 1, IF_MOD 0, IF_RIGHT 1, IF_NEG 0 (a negative count shifts the
    # other way), IF_WRAP 1; "warning: integer overflow in preprocessor expression"
    # on lines 9, 12 and 25
    names = ("IF_OR", "IF_MOD", "IF_RIGHT", "IF_NEG", "IF_WRAP")
    got = {n: t[n].value for n in names}
    assert got == {"IF_OR": 1, "IF_MOD": 0, "IF_RIGHT": 1, "IF_NEG": 0, "IF_WRAP": 1}
    overflow = "warning: integer overflow in preprocessor expression"
    expected = [f"{path}:{line}: {overflow}" for line in (9, 12, 25)]
    assert [str(w) for w in reader.warnings] == expected
    reader.read(str(path))  # read again, the walk replayed: the same warnings
    assert [str(w) for w in reader.warnings] == expected


def test_the_cli_prints_the_warnings_on_stderr(tmp_path: Path) -> None:
    import io

    from abicheck.cli import main

    path = tmp_path / "h.h"
    path.write_text("#if (1 << 64) || 1\n#define X 1\n#endif\n")
    out, err = io.StringIO(), io.StringIO()
    assert main(["parse", "--nostdinc", "--format", "json", str(path)], out, err) == 0
    assert err.getvalue() == f"{path}:1: warning: integer overflow in preprocessor expression\n"
    assert '"name": "X"' in out.getvalue()


# -- #if: every literal is intmax_t or uintmax_t (found by tests/fuzz) ----------------


def test_if_literals_are_intmax_t_unless_unsigned_or_too_large(tmp_path: Path) -> None:
    header = (
        "#if 1 <= -0xE1FB3855\n#define A 1\n#else\n#define A 2\n#endif\n"
        "#if (0xee96ba25 >= (~ '\\177'))\n#define B 1\n#else\n#define B 2\n#endif\n"
        "#if -1 < 0u\n#define D 1\n#else\n#define D 2\n#endif\n"
        "#if 18446744073709551615 == -1\n#define E 1\n#else\n#define E 2\n#endif\n"
    )
    # gcc 12 -dM -E: A 2 (0xE1FB3855 is a positive intmax_t), B 1, D 2 (0u is
    # uintmax_t), E 1 (too large for intmax_t: uintmax_t)
    assert _values(tmp_path, header, "A", "B", "D", "E") == {"A": 2, "B": 1, "D": 2, "E": 1}


def test_a_call_of_an_undeclared_function_is_typed_int_where_unevaluated(
    tmp_path: Path,
) -> None:
    # found by tests/fuzz (seed 1002520): C89's implicit declaration, as gcc 12 has it
    header = (
        "#define ZM0 1UL\n"
        "#define A (~ (sizeof(int) ? 255L : F() + ZM0))\n"
        "#define B sizeof(G(3))\n"
        "#define C sizeof(1 ? 1 : H())\n"
    )
    # gcc 12: A 0xffffffffffffff00 (unsigned long: F() + ZM0 types the conditional), B 4, C 4
    got = _values(tmp_path, header, "A", "B", "C")
    assert got == {"A": 0xFFFFFFFFFFFFFF00, "B": 4, "C": 4}


# -- gcc as the oracle, run in the test ------------------------------------------------


def _gcc(tmp_path: Path, text: str, name: str = "g.h") -> dict[str, int]:
    """gcc 12's values (asm operands, as tests/fuzz reads them) of the macros ``text``
    defines, by name."""
    from abicheck import cc

    path = tmp_path / name
    path.write_text(text)
    got = cc.compiler_macros_many([str(path)], include_dirs=[str(tmp_path)])[str(path)]
    assert not isinstance(got, Exception), got
    return {n: v for n, v in got.values.items() if n.startswith("Z")}


def _ours(tmp_path: Path, text: str) -> dict[str, int]:
    """The reader's values of the ``Z`` macros of ``text``, by name."""
    return {
        n: m.value
        for n, m in _read(tmp_path, text).items()
        if n.startswith("Z") and m.value is not None
    }


# -- a painted function-like name is a call of an undeclared function (tests/fuzz) -------


def test_a_painted_macro_name_before_parentheses_is_a_function_call(tmp_path: Path) -> None:
    # found by tests/fuzz (seed 1000663, 64 values in 10,000 cases): ZF0's argument is
    # pasted (##), so the inner ZF0 is rescanned inside ZF0's own expansion and stays
    # unexpanded (C11 6.10.3.4p2): a call of the function ZF0, which C89's implicit
    # declaration makes an int; where it is not evaluated the whole has a value
    header = (
        "#define ZSUM(...) (__VA_ARGS__)\n"
        "#define ZF0(x, rest...) ((x) && ZSUM(0, ##rest))\n"
        "#define ZM1 (1 ? 5 : ZF0(1, ZF0(2, 3)))\n"
        "#define ZM2 ZF0(1, ZF0(2, 3))\n"
        "#define ZM3 (0 && ZF0(1, ZF0(2, 3)))\n"
        "#define ZM4 sizeof(ZF0(1, ZF0(2, 3)))\n"
        "#define ZM5 (1 ? 5 : ZM5)\n"
    )
    want = {"ZM1": 5, "ZM3": 0, "ZM4": 4}  # gcc 12; ZM2 calls ZF0, ZM5 names itself
    assert _gcc(tmp_path, header) == want
    assert _ours(tmp_path, header) == want
    t = _read(tmp_path, header)
    assert t["ZM2"].reason == "recursive (ZF0 expands to itself through ZF0, ZM2, ZSUM)"
    assert t["ZM5"].reason == "recursive (ZM5 expands to itself through ZM5)"


# -- the comma operator: no constant expression, but in #if and unevaluated operands -----


def test_a_comma_operator_evaluated_is_no_constant_expression(tmp_path: Path) -> None:
    # C11 6.6p3; gcc 12: __builtin_constant_p((1, 2)) is 0, enum { E = (1, 2) } an
    # error, where the comma is not evaluated a value; gcc's #if reads it
    header = (
        "#define ZA (1, 2)\n"
        "#define ZB ((int) (1, 2) + 1)\n"
        "#define ZC sizeof(1, 2)\n"
        "#define ZD (1 ? 3 : (1, 2))\n"
        "#define ZE (0 && (1, 2))\n"
        "#define ZF (1 || (4, 5))\n"
        "#define ZG sizeof((char) 1, (char) 2)\n"
        "enum { EH = 1 ? 7 : (1, 2) };\n#define ZH EH\n"
        "#if (1, 2) == 2\n#define ZI 1\n#endif\n"
    )
    want = {"ZC": 4, "ZD": 3, "ZE": 0, "ZF": 1, "ZG": 1, "ZH": 7, "ZI": 1}
    assert _gcc(tmp_path, header) == want
    assert _ours(tmp_path, header) == want
    t = _read(tmp_path, header)
    assert t["ZA"].reason == t["ZB"].reason == "comma operator: not a constant expression"


# -- GNU x ?: y ---------------------------------------------------------------------------


def test_the_omitted_middle_operand_as_gcc_reads_it(tmp_path: Path) -> None:
    header = (
        "#define ZA (0 ?: 5)\n"
        "#define ZB (3 ?: 5)\n"
        "#define ZC sizeof(1 ?: 2ULL)\n"
        "#define ZD ((-1 ?: 0u) > 0)\n"
        "#define ZE (1 + 0 ?: 2 ?: 3)\n"
        "#define ZF (0 ? 1 : 0 ?: 9)\n"
        "#define ZG (0 ? : 4)\n"
        '#define ZH (sizeof("ab") ?: 1)\n'
        "#define ZI ((int) 0 ?: (1, 2))\n"
        "#define ZJ __builtin_constant_p(0 ?: 2)\n"
        "enum { EK = 0 ?: 7, EL = 2 ?: (1, 2) };\n"
        "#define ZK EK\n#define ZL EL\n"
    )
    # gcc 12: the type is x ? x : y's (ZC 8, ZD 1); ZI evaluates the comma
    want = {
        "ZA": 5, "ZB": 3, "ZC": 8, "ZD": 1, "ZE": 1, "ZF": 9, "ZG": 4, "ZH": 3, "ZJ": 1,
        "ZK": 7, "ZL": 2,
    }  # fmt: skip
    assert _gcc(tmp_path, header) == want
    assert _ours(tmp_path, header) == want


def test_the_omitted_middle_operand_is_an_error_in_if(tmp_path: Path) -> None:
    import pytest

    from abicheck.model import AbicheckError

    # gcc 12: "operator '?' has no right operand"
    path = tmp_path / "h.h"
    path.write_text("#if (0 ?: 1)\n#endif\n")
    with pytest.raises(AbicheckError, match=r"cannot parse #if expression: \(0 \?: 1\)"):
        Reader().read(str(path))


# -- #if: calls nested deep cost more than they expand to (tests/fuzz) --------------------


def test_if_reads_arguments_nested_a_hundred_deep(tmp_path: Path) -> None:
    # found by tests/fuzz (seed 1009370): each level copies its argument again, 120,400
    # tokens in all for an expansion of 1,201; gcc reads it
    nested = "1"
    for _ in range(100):
        nested = f"F({nested}, 2, 3)"
    header = f"#define F(a, b, c) ((a) < (b) < (c))\n#if {nested}\n#define ZA 1\n#endif\n"
    assert _gcc(tmp_path, header) == {"ZA": 1}
    assert _ours(tmp_path, header) == {"ZA": 1}


# -- what is not evaluated must still be well-formed: a call's arguments (tests/fuzz) ----


def test_the_arguments_of_an_unevaluated_call_must_be_declared(tmp_path: Path) -> None:
    header = (
        "#define ZB (sizeof(short) || F(ZM31))\n"
        "#define ZC sizeof(G(1, ZM17, 3))\n"
        "#define ZD (1 ? 2 : H(ZM9))\n"
        "#define ZE (1 ? 2 : H(9))\n"
    )
    # gcc 12: "'ZM31' undeclared" and so on; ZE is 2
    assert _gcc(tmp_path, header) == {"ZE": 2}
    t = _read(tmp_path, header)
    assert [t[n].reason for n in ("ZB", "ZC", "ZD")] == [
        "undefined identifier ZM31",
        "undefined identifier ZM17",
        "undefined identifier ZM9",
    ]
    assert t["ZE"].value == 2


# -- signed overflow: undefined in C, gcc wraps it (a note, as for oversized shifts) -------


def test_signed_overflow_is_gcc_s_wrapped_value_with_a_note(tmp_path: Path) -> None:
    exprs = {
        "ZA": "(8 << 31)", "ZB": "(0x5445314261513f8aLL * 3)", "ZC": "(-(-2147483647 - 1))",
        "ZD": "(2147483647 + 1)", "ZE": "ZB", "ZF": "(ZA | 1)", "ZG": "(0x7fffffff + 0u)",
    }  # fmt: skip
    header = "".join(f"#define {name} {expr}\n" for name, expr in exprs.items())
    # gcc 12 (-S, its warnings -Wshift-overflow and -Woverflow): ZA 0,
    # ZB -229802572461654370, ZC -2147483648, ZD -2147483648; the oracle's -Werror
    # drops them, ZG (unsigned) it reads
    assert _gcc(tmp_path, header) == {"ZG": 0x7FFFFFFF}
    t = _read(tmp_path, header)
    got = {n: (t[n].value, t[n].reason) for n in exprs}
    assert got == {
        "ZA": (0, "signed overflow in << (int): undefined in C, gcc's value"),
        "ZB": (
            -229802572461654370,
            "signed overflow in * (long long): undefined in C, gcc's value",
        ),
        "ZC": (-(2**31), "signed overflow in - (int): undefined in C, gcc's value"),
        "ZD": (-(2**31), "signed overflow in + (int): undefined in C, gcc's value"),
        # a macro whose value stood in carries its note along
        "ZE": (
            -229802572461654370,
            "signed overflow in * (long long): undefined in C, gcc's value",
        ),
        "ZF": (1, "signed overflow in << (int): undefined in C, gcc's value"),
        "ZG": (0x7FFFFFFF, ""),
    }


def test_a_left_shift_of_a_negative_value_is_gcc_s_value_with_a_note(tmp_path: Path) -> None:
    # C11 6.5.7p4: E1 << E2 with E1 negative is undefined; gcc 12 gives the bits
    # shifted, as a constant (its -Wshift-negative-value is off without -Wextra).
    # A right shift of a negative value is implementation-defined: no note.
    exprs = {"ZA": "(-1 << 3)", "ZB": "(-2L << 62)", "ZC": "(-8 >> 1)", "ZD": "((-1) << 0)"}
    header = "".join(f"#define {name} {expr}\n" for name, expr in exprs.items())
    assert _gcc(tmp_path, header) == {"ZA": -8, "ZB": -(2**63), "ZC": -4, "ZD": -1}
    t = _read(tmp_path, header)
    note = "left shift of negative value ({}): undefined in C, gcc's value"
    assert {n: (t[n].value, t[n].reason) for n in exprs} == {
        "ZA": (-8, note.format("int")),
        "ZB": (-(2**63), note.format("long")),
        "ZC": (-4, ""),
        "ZD": (-1, note.format("int")),
    }


# -- a value stands in for a macro only where the hide set cannot change its expansion --


def test_a_value_does_not_stand_in_where_the_hide_set_paints_its_expansion(
    tmp_path: Path,
) -> None:
    # found by tests/fuzz (seed 1000191): ZM2 alone is 6, but reached through
    # ZF1(ZM, 2) its own ZF1 is painted (C11 6.10.3.4p2), ZF1(ZM, 0) is a call with
    # the undeclared ZM as argument, and gcc gives no value
    header = (
        "#define ZF1(a, b) a##b\n"
        "#define ZM0 5L\n"
        "#define ZM2 (ZF1(ZM, 0) + 1)\n"
        "#define ZM4 ZF1(ZM, 2)\n"
        "#define ZM5 sizeof(ZF1(ZM, 2))\n"
        "#define ZM6 sizeof(ZM2)\n"
        "#define ZM7 (ZM2 * 2)\n"
    )
    want = {"ZM0": 5, "ZM2": 6, "ZM6": 8, "ZM7": 12}  # gcc 12
    assert _gcc(tmp_path, header) == want
    assert _ours(tmp_path, header) == want
    t = _read(tmp_path, header)
    assert t["ZM5"].reason == "recursive (ZF1 expands to itself through ZF1, ZM2, ZM5)"
