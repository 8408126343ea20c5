"""The reader: scanning, preprocessing, evaluation and bad input."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abicheck.arches import Arch, cross_compiler, debian_arches, lookup
from abicheck.cc import compiler_macros
from abicheck.model import AbicheckError, Macro
from abicheck.parse import _COUNT_EVERY, Reader, freestanding_dir, predefined_macros, target_setup
from abicheck.reader import tokens as tokens_module
from abicheck.reader.scan import logical_lines
from abicheck.reader.tokens import Tok, tokenize
from abicheck.resources import embedded_header

FIX = Path(__file__).parent / "fixtures" / "parse"
SEED = Path(__file__).resolve().parents[1] / "headers" / "arm" / "mman.h"


def table(path: Path | str, **kw: object) -> dict[str, Macro]:
    return {m.name: m for m in Reader(**kw).read(str(path))}  # type: ignore[arg-type]


def values(path: Path | str, **kw: object) -> dict[str, int | None]:
    return {n: m.value for n, m in table(path, **kw).items() if not m.file.startswith("<")}


# -- the embedded header ------------------------------------------------------

SEED_VALUES = {
    "PROT_READ": (0x1, 3, "page can be read"),
    "PROT_WRITE": (0x2, 4, "page can be written"),
    "PROT_EXEC": (0x4, 5, "page can be executed"),
    "PROT_SEM": (0x8, 6, "page may be used for atomic ops"),
    "PROT_NONE": (0x0, 7, "page can not be accessed"),
    "PROT_GROWSDOWN": (
        0x01000000,
        8,
        "mprotect flag: extend change to start of growsdown vma",
    ),
    "PROT_GROWSUP": (0x02000000, 9, "mprotect flag: extend change to end of growsup vma"),
    "MAP_SHARED": (0x01, 10, "Share changes"),
    "MAP_PRIVATE": (0x02, 11, "Changes are private"),
    "MAP_TYPE": (0x0F, 12, "Mask for type of mapping"),
    "MAP_FIXED": (0x10, 13, "Interpret addr exactly"),
    "MAP_ANONYMOUS": (0x20, 14, "don't use a file"),
    "MAP_GROWSDOWN": (0x0100, 15, "stack-like segment"),
    "MAP_DENYWRITE": (0x0800, 16, "ETXTBSY"),
    "MAP_EXECUTABLE": (0x1000, 17, "mark it as an executable"),
    "MAP_LOCKED": (0x2000, 18, "pages are locked"),
    "MAP_NORESERVE": (0x4000, 19, "don't check for reservations"),
    "MAP_POPULATE": (0x8000, 20, "populate (prefault) page tables"),
    "MAP_NONBLOCK": (0x10000, 21, "do not block on IO"),
    "MS_ASYNC": (1, 22, "sync memory asynchronously"),
    "MS_INVALIDATE": (2, 23, "invalidate the caches"),
    "MS_SYNC": (4, 24, "synchronous memory sync"),
    "MCL_CURRENT": (1, 25, "lock all current mappings"),
    "MCL_FUTURE": (2, 26, "lock all future mappings"),
    "MADV_NORMAL": (0x0, 27, "default page-in behavior"),
    "MADV_RANDOM": (0x1, 28, "page-in minimum required"),
    "MADV_SEQUENTIAL": (0x2, 29, "read-ahead aggressively"),
    "MADV_WILLNEED": (0x3, 30, "pre-fault pages"),
    "MADV_DONTNEED": (0x4, 31, "discard these pages"),
    "MADV_REMOVE": (0x5, 32, "remove these pages & resources"),
    "MAP_ANON": (0x20, 34, ""),
    "MAP_FILE": (0, 35, ""),
}


def test_embedded_header_is_the_seed_byte_for_byte() -> None:
    assert embedded_header().read_bytes() == SEED.read_bytes()
    seed = Path(__file__).resolve().parents[2] / "shared" / "seed" / "arm-mman.h"
    if seed.exists():  # the seed sits beside the checkout on the project's machines
        assert SEED.read_bytes() == seed.read_bytes()


def test_seed_header_gives_all_32_constants() -> None:
    t = table(embedded_header())
    ints = {n: m for n, m in t.items() if m.kind == "integer" and not m.file.startswith("<built")}
    assert sorted(ints) == sorted(SEED_VALUES)
    for name, (value, line, comment) in SEED_VALUES.items():
        m = ints[name]
        assert (m.value, m.line, m.comment) == (value, line, comment), name
        assert m.file == "<abicheck>/headers/arm/mman.h"
    assert t["MADV_REMOVE"].value == 5
    assert t["MAP_ANON"].expr == "MAP_ANONYMOUS"
    assert t["MAP_ANON"].value == t["MAP_ANONYMOUS"].value == 0x20
    guard = t["__ARM_MMAN_H__"]
    assert (guard.kind, guard.reason, guard.line) == ("other", "empty", 2)


# -- values -------------------------------------------------------------------

# Each value worked out from the C standard's rules (and checked against gcc
# by tests/test_oracle.py, which compiles the same fixture).
EXPECTED_VALUES = {
    "DEC": 42,
    "HEX": 42,
    "OCT": 42,
    "BIN": 42,
    "U_MAX": 0xFFFFFFFF,
    "U_WRAP": 0,
    "INT_WRAP": -(2**31),
    "NEG_U": 2**32 - 1,
    "NEG_UL": 2**64 - 1,
    "NEG_ULL": 2**64 - 1,
    "BIG_HEX": 2**64 - 1,
    "TRUNC_CHAR": 44,
    "SCHAR": -56,
    "CHR": 97,
    "CHR_NL": 10,
    "CHR_OCT": -1,
    "CHR_HEX": 65,
    "MULTI": 0x6162,
    "SZ_LONG": 8,
    "SZ_PTR": 8,
    "SZ_SIZE_T": 8,
    "SZ_U32": 4,
    "DIV": -3,
    "MOD": -1,
    "TERN": 2,
    "TERN_CONV": 2**32 - 1,
    "SHL31": -(2**31),
    "USHL31": 2**31,
    "NOT0": -1,
    "UNOT0": 2**32 - 1,
    "LNOT": 1,
    "CMP_MIXED": 0,
    "CMP_LONG": 1,
    "LOGIC": 0,
    "COMMA": None,  # a comma operator: no constant expression (C11 6.6p3)
    "CAST_BOOL": 1,
    "REF": 84,
    "CATV": 16,
    "STR_SIZE": 4,
    "NESTED": 10,
    "LL_SUFFIX": 10,
    "UL_SHIFT": 2**40,
    "SIGNED_SHR": -4,
    "UCN_CHAR": 0xC3A9,  # the UTF-8 bytes of U+00E9, as a multi-character constant
    "UCN_WIDE": 0x1F600,
    "UCN_L": 0xE9,
    "UCN_U16": 0xDE00,  # char16_t keeps the low surrogate of U+1F600, as gcc does
    "SZ_INT128": 16,
    "SZ_FLOAT_CONST": 4,
    "SZ_DOUBLE_CONST": 8,
}


def test_values_follow_c_semantics() -> None:
    got = values(FIX / "values.h")
    for name, want in EXPECTED_VALUES.items():
        assert got[name] == want, name


def test_ilp32_data_model() -> None:
    got = values(FIX / "values.h", data_model="ilp32")
    assert got["SZ_LONG"] == 4
    assert got["SZ_PTR"] == 4
    assert got["SZ_SIZE_T"] == 4
    assert got["NEG_UL"] == 2**32 - 1
    assert got["CMP_LONG"] == 0  # long no longer holds every unsigned int
    types = {n: m.ctype for n, m in table(FIX / "values.h", data_model="ilp32").items()}
    assert types["SZ_LONG"] == types["SZ_SIZE_T"] == "unsigned int"  # size_t is unsigned int
    # undefined in C (long is 32 bits): gcc's value, 0 (i686-linux-gnu-gcc 12), noted
    ilp32 = table(FIX / "values.h", data_model="ilp32")["UL_SHIFT"]
    note = "shift count 40 >= width of unsigned long: undefined in C, gcc's value"
    assert (got["UL_SHIFT"], ilp32.reason) == (0, note)


def test_function_like_macros_are_kind_function() -> None:
    t = table(FIX / "values.h")
    assert (t["ADD"].kind, t["ADD"].expr) == ("function", "(x, y) ((x) + (y))")
    assert t["CAT"].expr == "(a, b) a##b"


def test_enum_constants_and_typedefs() -> None:
    t = table(FIX / "decls.h")
    assert t["A_MAX"].value == 16
    assert t["FROM_ENUM"].value == 32
    assert t["CAST_TYPEDEF"].value == 2**32 - 1
    assert t["CAST_CHAIN"].value == 2**32 - 2
    assert t["SIZE_TYPEDEF"].value == 4
    assert t["SIZE_ARRAY"].value == 32
    assert t["COLOUR_BLUE"].value == 17
    assert t["SIZE_STRUCT"].value == 8  # a typedef of an unnamed struct (gcc: 8)
    flags = {n: t[n].value for n in ("FLAG_CHAR", "FLAG_SIZE", "FLAG_CAST", "FLAG_NEXT")}
    assert flags == {"FLAG_CHAR": 120, "FLAG_SIZE": 16, "FLAG_CAST": 255, "FLAG_NEXT": 256}
    assert (t["FLAG_COND"].value, t["ODD_SECOND"].value) == (256, 33)


def test_tokenize_kinds_and_spacing() -> None:
    line = "L'x' u8\"s\" .5e+3 a.b ... x->y ## <<= 'open \"open $v @"
    got = [(t.kind, t.text, t.space) for t in tokenize(line)]
    assert got == [
        ("chr", "L'x'", False),
        ("str", 'u8"s"', True),
        ("num", ".5e+3", True),
        ("id", "a", True),
        ("punct", ".", False),
        ("id", "b", False),
        ("punct", "...", True),
        ("id", "x", True),
        ("punct", "->", False),
        ("id", "y", False),
        ("punct", "##", True),
        ("punct", "<<=", True),
        ("other", "'", True),
        ("id", "open", False),
        ("other", '"', True),
        ("id", "open", False),
        ("id", "$v", True),
        ("other", "@", True),
    ]
    assert tokenize("   ") == []
    # each field as Tok() sets it (tokenize sets them itself): equality reads them all
    assert tokenize(line) == [Tok(kind, text, space) for kind, text, space in got]


def test_tokenize_shares_tokens_by_text_and_spacing(monkeypatch: pytest.MonkeyPatch) -> None:
    toks = tokenize("f(a)(a) a")
    assert toks[1] is toks[4] is tokenize("x(")[1] and toks[2] is toks[5] and toks[3] is toks[6]
    assert toks[2] is not toks[7] and (toks[2].space, toks[7].space) == (False, True)
    # past its limit the table starts afresh: tokens made before are left as they are
    monkeypatch.setattr(tokens_module, "_SHARED_LIMIT", 2)
    fresh = tokenize("g_1(g_2)g_3")
    assert [(t.kind, t.text, t.space) for t in fresh] == [
        ("id", "g_1", False),
        ("punct", "(", False),
        ("id", "g_2", False),
        ("punct", ")", False),
        ("id", "g_3", False),
    ]
    assert len(tokens_module._SHARED[0]) <= 2
    assert [(t.text, t.space) for t in toks[:2]] == [("f", False), ("(", False)]


def test_a_define_leading_with_a_space_leaves_other_lines_spaced(tmp_path: Path) -> None:
    # -DX=" 7": X's body starts with the token " 7" has elsewhere; stringified after
    # it, "a 7" keeps its space (sizeof 4), as gcc reads it
    h = tmp_path / "s.h"
    h.write_text("#define S(x) #x\n#define V sizeof(S(a 7))\n", encoding="utf-8")
    values = {m.name: m.value for m in Reader([], {"X": " 7", "Y": "X"}).read(str(h))}
    assert (values["V"], values["X"], values["Y"]) == (4, 7, 7)


@pytest.mark.parametrize("reuse", [True, False])
def test_reading_changes_no_shared_token(reuse: bool) -> None:
    # expansion marks tokens (hide sets, blocked, the spacing of a replacement's
    # first token): on copies, never on the tokens every line of that text shares
    # (a -D value leading with a space: its body's first token is made unspaced)
    reader = Reader([str(FIX / "sys")], {"FROM_CMDLINE": "3", "SPACED": " 3"}, reuse=reuse)
    tables = _tables(reader, _fixture_tree())
    assert len(tables) == 19 and all(not isinstance(t, str) for t in tables)
    assert {m.name: m.value for m in cast(tuple[Macro, ...], tables[0])}["SPACED"] == 3
    tight, spaced = tokens_module._SHARED
    for table, space in ((tight, False), (spaced, True)):
        assert table
        for text, tok in table.items():
            assert (tok.text, tok.space, tok.hide, tok.blocked) == (text, space, frozenset(), False)


# The tokenizer as first written, one alternative a kind in the order a reader
# expects (literals with their prefixes before identifiers): tokenize, its
# alternatives ordered for speed, must lex every text as this does.
_PLAIN_TOKEN_RE = re.compile(
    r"""([ \t\f\v\r\n]*)
    ( (?:L|u|U)?'[^'\\\n]*(?:\\.[^'\\\n]*)*'
    | (?:L|u8|u|U)?"[^"\\\n]*(?:\\.[^"\\\n]*)*"
    | [A-Za-z_$][A-Za-z0-9_$]*
    | \.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*
    | \.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||\#\#|[-+*/%&|^]=
    | [\[\](){}.,;:?~!<>=+\-*/%&|^\#]
    | [^ \t\f\v\r\n]
    )""",
    re.X | re.S,
)


def _plain_tokens(text: str) -> list[tuple[str, str, bool]]:
    out = []
    for ws, t in _PLAIN_TOKEN_RE.findall(text):
        if t[-1] == "'" and len(t) > 1:
            kind = "chr"
        elif t[-1] == '"' and len(t) > 1:
            kind = "str"
        elif t[0].isascii() and (t[0].isalpha() or t[0] in "_$"):
            kind = "id"
        elif t[0] in "0123456789" or (t[0] == "." and t[1:2].isdigit()):
            kind = "num"
        elif t in _PUNCTUATORS:
            kind = "punct"
        else:
            kind = "other"
        out.append((kind, t, ws != ""))
    return out


_PUNCTUATORS = set(
    "... <<= >>= -> ++ -- << >> <= >= == != && || ## += -= *= /= %= &= |= ^= "  # noqa: SIM905
    "[ ] ( ) { } . , ; : ? ~ ! < > = + - * / % & | ^ #".split()
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(["L", "u", "U", "8", "x", "1", "e", "P", "+", "-", ".", "'", '"', "\\"])
        | st.sampled_from([" ", "\t", "\n", "(", ",", "<", "=", ">", "|", "&", "#", "$", "_", "@"])
        | st.sampled_from(["é", "\x1c", "u8", "..."]),
        max_size=16,
    ).map("".join)
)
def test_tokenize_lexes_as_the_plain_tokenizer(text: str) -> None:
    assert [(t.kind, t.text, t.space) for t in tokenize(text)] == _plain_tokens(text)


def test_tokenize_lexes_fixture_lines_as_the_plain_tokenizer() -> None:
    lines = []
    system = sorted(Path("/usr/include/linux").glob("*.h"))
    for path in [*sorted(FIX.rglob("*.h")), *sorted(SEED.parents[1].rglob("*.h")), *system]:
        with contextlib.suppress(AbicheckError):  # (the fixtures of bad input)
            lines += [text for _, text, _ in logical_lines(path.read_text("latin-1"), str(path))]
    assert len(lines) > 50_000
    for text in lines:
        assert [(t.kind, t.text, t.space) for t in tokenize(text)] == _plain_tokens(text), text


def test_calls_of_undefined_macros_with_type_arguments(tmp_path: Path) -> None:
    # what a header gives when ioctl.h is not included: no value, and why
    path = tmp_path / "calls.h"
    path.write_text(
        "typedef unsigned int u32;\n"
        "struct s { int a, b; };\n"
        "#define IOW_STRUCT _IOW('t', 1, struct s)\n"
        "#define IOW_INT _IOW('t', 2, int)\n"
        "#define IOW_TYPEDEF _IOW('t', 3, u32)\n"
        "#define IO_PLAIN _IO('t', 4)\n"
        "#define OFFSET offsetof(struct s, b)\n"
        "#define QUALIFIED __const(int)\n"
    )
    t = table(path)
    assert {n: t[n].reason for n in ("IOW_STRUCT", "IOW_INT", "IOW_TYPEDEF")} == dict.fromkeys(
        ("IOW_STRUCT", "IOW_INT", "IOW_TYPEDEF"), "not a C expression"
    )
    assert t["IO_PLAIN"].reason == "function call _IO()"
    assert t["OFFSET"].reason == "function call offsetof()"  # pycparser reads offsetof
    assert t["QUALIFIED"].reason == "type name"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("EMPTY", "empty"),
        ("STRING", "string literal"),
        ("TYPE", "type name"),
        ("RA", "recursive (RA expands to itself through RA, RB)"),
        ("RB", "recursive (RB expands to itself through RA, RB)"),
        ("SELF", "recursive (SELF expands to itself through SELF)"),
        ("DIVZERO", "division by zero"),
        ("MODZERO", "division by zero"),
        ("NEGSHIFT", "negative shift count -1"),  # BIGSHIFT: gcc's 0, test_csemantics
        ("FLOAT", "floating-point constant"),
        ("UNKNOWN", "undefined identifier NOT_DEFINED_ANYWHERE"),
        ("STRUCT_SIZE", "incomplete type struct never_declared"),
        ("CALL", "function call foo()"),
    ],
)
def test_macros_without_value_say_why(name: str, reason: str) -> None:
    m = table(FIX / "others.h")[name]
    assert (m.kind, m.value, m.reason) == ("other", None, reason)


# -- scanning -----------------------------------------------------------------


def test_comments_and_continuations() -> None:
    t = table(FIX / "comments.h")
    got = {n: (m.value, m.line) for n, m in t.items() if not m.file.startswith("<")}
    assert got == {
        "AFTER_BLOCK": (1, 5),
        "SPACED": (2, 6),
        "INSIDE": (3, 7),
        "ACROSS": (4, 8),
        "CONTINUED": (6, 10),
        "JOINED": (6, 13),
        "LINE_COMMENT": (6, 15),
        "STRING_WITH_COMMENT": (None, 18),
        "AFTER_ALL": (7, 19),
    }
    assert t["AFTER_BLOCK"].comment == "trailing comment"
    assert t["SPACED"].comment == "spaced out"
    assert t["ACROSS"].comment == "starts here and ends here"
    assert t["LINE_COMMENT"].comment == "the line comment"
    assert t["STRING_WITH_COMMENT"].expr == '"/* not a comment */"'


def test_conditionals_and_command_line_defines() -> None:
    got = values(FIX / "conditionals.h", defines={"FROM_CMDLINE": "3"})
    assert sorted(got) == [
        "CMDLINE_SMALL",
        "ELIF_TAKEN",
        "HAS_INCLUDE_WORKS",
        "IFNDEF_TAKEN",
        "IF_INTMAX",
        "IF_TAKEN",
        "ONE",
    ]
    got = values(FIX / "conditionals.h", defines={"FROM_CMDLINE": "9"})
    assert "CMDLINE_BIG" in got and "CMDLINE_SMALL" not in got
    t = table(FIX / "conditionals.h", defines={"FROM_CMDLINE": "9"})
    assert (t["FROM_CMDLINE"].file, t["FROM_CMDLINE"].value) == ("<command-line>", 9)


def test_includes_quotes_angles_guards_and_pragma_once() -> None:
    t = table(FIX / "includes.h", include_dirs=[str(FIX / "sys")])
    assert t["INCLUDES_DONE"].value == 1110
    assert t["SIBLING"].file == str(FIX / "inc" / "sibling.h")
    assert t["ANGLED"].line == 1


def test_files_are_read_once_per_run() -> None:
    reader = Reader([str(FIX / "sys")])
    reader.read(str(FIX / "includes.h"))
    scanned = dict(reader.files._files)
    reader.read(str(FIX / "includes.h"))
    assert reader.files._files == scanned
    assert all(reader.files._files[k] is v for k, v in scanned.items())


def _fixture_tree() -> list[str]:
    """Headers of the fixtures that share files, read in an order that reuses them."""
    reuse = FIX / "reuse"
    names = [
        FIX / "includes.h",
        FIX / "values.h",
        FIX / "decls.h",
        FIX / "calls.h",
        *sorted(reuse.glob("*.h")),
        *sorted((reuse / "active").glob("h*.h")),
        *sorted((reuse / "typedef_scope").glob("h*.h")),
        FIX / "includes.h",
        FIX / "values.h",
    ]
    return [str(p) for p in names]


@pytest.mark.parametrize("limit", ["cache_limit", "block_limit"])
@pytest.mark.parametrize("reuse", [True, False])
def test_a_bounded_reader_reads_what_an_unbounded_one_reads(reuse: bool, limit: str) -> None:
    # a limit of one character, or of one memory block: every header after the first
    # is read with every cache emptied; the default limits keep all of them
    headers = _fixture_tree()
    bounded = Reader([str(FIX / "sys")], {"FROM_CMDLINE": "3"}, reuse=reuse, **{limit: 1})
    kept = Reader([str(FIX / "sys")], {"FROM_CMDLINE": "3"}, reuse=reuse)
    tables = _tables(bounded, headers)
    assert tables == _tables(kept, headers)
    includes = {m.name: m for m in cast(tuple[Macro, ...], tables[0])}
    assert (includes["INCLUDES_DONE"].value, includes["ANGLED"].line) == (1110, 1)
    assert {m.name: m.value for m in cast(tuple[Macro, ...], tables[-1])}["HEX"] == 42
    # the bounded reader holds the last header's files alone, the other every file
    assert sorted(bounded.files._files) == [str(FIX / "values.h")]
    assert bounded.files.size == (FIX / "values.h").stat().st_size
    assert len(kept.files._files) > 15
    assert kept.files.size == sum(Path(p).stat().st_size for p in kept.files._files)


def test_a_reader_counts_blocks_held_elsewhere_once(tmp_path: Path) -> None:
    # blocks the caller holds make a reader past its block limit start afresh once;
    # the headers after are read with the caches kept, not emptied again
    paths = []
    for k in range(10):
        h = tmp_path / f"h{k}.h"
        h.write_text(f"#define H{k} ({k} + 1)\n", encoding="utf-8")
        paths.append(str(h))
    reader = Reader(block_limit=200_000)
    assert reader.read(paths[0], builtins=False)[0].value == 1
    held = [object() for _ in range(300_000)]  # noqa: F841 (kept until the end)
    for k, path in enumerate(paths[1:], 1):
        assert reader.read(path, builtins=False)[0].value == k + 1
        # far below the limit, the blocks were counted before the first header, and
        # are again every _COUNT_EVERY headers: then it starts afresh
        every = _COUNT_EVERY
        assert 1 < every < len(paths)
        assert sorted(reader.files._files) == (
            paths[: k + 1] if k < every else paths[every : k + 1]
        )
    del held


def test_a_reader_past_its_limit_frees_what_it_kept(tmp_path: Path) -> None:
    # reading pauses the garbage collector: what a reader drops when it starts afresh
    # must be freed by reference counts (its definitions, and the memo's answers)
    import gc

    from abicheck.reader.scan import MacroDef

    common = tmp_path / "common.h"
    common.write_text("#define BASE 4\n#define TWICE(x) ((x) * 2)\n", encoding="utf-8")
    paths = []
    for k in range(3):
        h = tmp_path / f"h{k}.h"
        h.write_text(f'#include "common.h"\n#define H{k} TWICE(BASE + {k})\n', encoding="utf-8")
        paths.append(str(h))

    def alive() -> list[str]:
        return sorted(
            f"{Path(o.file).name}:{o.name}"
            for o in gc.get_objects()
            if isinstance(o, MacroDef) and o.file.startswith(str(tmp_path))
        )

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        kept, bounded = Reader(), Reader(cache_limit=60)
        got = [
            [(m.name, m.value) for m in r.read(p, builtins=False)]
            for p in paths
            for r in (kept, bounded)
        ]
        both = alive()
        del kept
        only_bounded = alive()
    finally:
        if was_enabled:
            gc.enable()
    assert got[4] == got[5] == [("BASE", 4), ("H2", 12), ("TWICE", None)]
    # common.h and h0.h (60 characters) pass the limit: h1.h starts afresh, and h2.h
    every = ["common.h:BASE", "common.h:TWICE", "h0.h:H0", "h1.h:H1", "h2.h:H2"]
    assert both == sorted(every + ["common.h:BASE", "common.h:TWICE", "h2.h:H2"])
    assert only_bounded == ["common.h:BASE", "common.h:TWICE", "h2.h:H2"]


# -- bad input ------------------------------------------------------------------


def error_of(path: Path | str, **kw: object) -> str:
    with pytest.raises(AbicheckError) as info:
        Reader(**kw).read(str(path))  # type: ignore[arg-type]
    return str(info.value)


def test_missing_file() -> None:
    assert error_of(FIX / "nope.h") == f"{FIX / 'nope.h'}: error: no such file"


def test_include_not_found_names_the_chain() -> None:
    msg = error_of(FIX / "missing.h")
    inner = FIX / "inc" / "includes_missing.h"
    assert msg.startswith(f"{inner}:3: error: include file <no/such/header.h> not found")
    assert f"included from {inner}:3 <- {FIX / 'missing.h'}:1" in msg


def test_include_cycle_ends_at_the_depth_limit() -> None:
    # gcc 12: "b.h:2:15: error: #include nested depth 200 exceeds maximum of 200"
    b = FIX / "cycle" / "b.h"
    assert error_of(FIX / "cycle" / "a.h") == f"{b}:2: error: #include nested more than 200 deep"


def test_error_directive_in_active_branch() -> None:
    assert error_of(FIX / "error.h") == (
        f"{FIX / 'error.h'}:3: error: #error this configuration is not supported"
    )


def test_unterminated_comment() -> None:
    path = FIX / "unterminated_comment.h"
    assert error_of(path) == f"{path}:2: error: unterminated comment"


def test_unterminated_if() -> None:
    path = FIX / "unterminated_if.h"
    assert error_of(path) == f"{path}:2: error: unterminated #ifdef"


def test_non_utf8_bytes_are_read_as_latin1() -> None:
    # gcc takes any byte outside NUL: a body with stray bytes is no number, not an error
    path = FIX / "latin1.h"
    got = {m.name: (m.value, m.expr) for m in Reader().read(str(path)) if not m.builtin}
    assert got == {"OK": (1, "1"), "BAD": (None, "0x\xff\xfe")}


def test_latin1_comments_and_utf8_identifiers_as_gcc_reads_them() -> None:
    path = FIX / "utf8_names.h"
    gcc = subprocess.run(
        ["gcc", "-nostdinc", "-dM", "-E", str(path)], capture_output=True, text=True, check=True
    )
    assert {
        "#define LATIN_A 1",
        "#define \\U000000e9t\\U000000e9 2",
        "#define X\\U000000e9 3",
        "#define MAP_caf\\U000000e9 0x40",
        "#define E\\U00000301TAT 4",
    } <= set(gcc.stdout.splitlines())
    got = {m.name: (m.value, m.comment) for m in Reader().read(str(path)) if not m.builtin}
    assert got == {
        "LATIN_A": (1, "\xe9t\xe9"),
        "\xe9t\xe9": (2, ""),
        "X\xe9": (3, ""),
        "MAP_caf\xe9": (0x40, ""),
        "E\u0301TAT": (4, ""),
    }


def test_nul_bytes() -> None:
    path = FIX / "nul.h"
    assert error_of(path) == f"{path}:2: error: NUL byte: binary file, not a C header"


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.h"
    path.write_bytes(bytes(range(256)) * 4)
    assert error_of(path) == f"{path}:1: error: NUL byte: binary file, not a C header"


def test_directory_instead_of_file() -> None:
    assert error_of(FIX) == f"{FIX}: error: is a directory, not a header"


def test_division_by_zero_in_if() -> None:
    path = FIX / "if_divzero.h"
    assert error_of(path) == f"{path}:2: error: in #if: division by zero"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("#bogus", "invalid preprocessing directive #bogus"),
        ("#undef", "macro name missing after #undef"),
        ("#undef defined", '"defined" cannot be used as a macro name'),
        ("#define defined 1", '"defined" cannot be used as a macro name'),
        ("#define F(x, x) x", "duplicate macro parameter 'x' in macro F"),
        ("#define F(x) #y", "'#' is not followed by a macro parameter (macro F)"),
        ("#define F(x) x #", "'#' is not followed by a macro parameter (macro F)"),
        ("#define A ## B", "'##' cannot appear at either end of a macro expansion (macro A)"),
        ("#define A B ##", "'##' cannot appear at either end of a macro expansion (macro A)"),
        ("#include F(", "in #include: unterminated argument list invoking macro F"),
        ("#include_next F(", "in #include_next: unterminated argument list invoking macro F"),
        ("#include F(a,b)", "in #include: macro F takes 1 arguments, given 2"),
        ("#line abc", '"abc" after #line is not a positive integer'),
        ("#line 0x10", '"0x10" after #line is not a positive integer'),
        ("#line", "unexpected end of file after #line"),
        ("#line F()", "unexpected end of file after #line"),
        ("#line 5 foo", '"foo" is not a valid filename'),
        ('#line 5 L"w"', '"L"w"" is not a valid filename'),
        ("#line F(", "in #line: unterminated argument list invoking macro F"),
        ("# 5 foo", '"foo" is not a valid filename'),
        ("# 0x5", '"0x5" after # is not a positive integer'),
        ('# 5 "x" 7', 'invalid flag "7" in line directive'),
        ('# 5 "x" 3 1', 'invalid flag "1" in line directive'),
        ('# 5 "x" 1 1', 'invalid flag "1" in line directive'),
        ('# "x"', 'invalid preprocessing directive #"x"'),
        ("# +", "invalid preprocessing directive #+"),
    ],
)
def test_directives_gcc_refuses_are_errors_at_their_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "pp.h"
    path.write_text(f"#define F(x) x\n{line}\n")
    assert error_of(path) == f"{path}:2: error: {message}"
    gcc = subprocess.run(["gcc", "-E", "-o", "/dev/null", str(path)], capture_output=True)
    assert gcc.returncode == 1 and b": error: " in gcc.stderr


def test_directives_gcc_takes_are_read(tmp_path: Path) -> None:
    path = tmp_path / "pp.h"
    path.write_text(
        '#\n# 3 "pp.h"\n#ident "x"\n#line 7\n#if 0\n#bogus\n#endif\n'
        "#define S(x) #x\n#define V(...) #__VA_ARGS__\n#define O # x\n"
        "#define P(a, b) a ## b\n#define A 1\n#define B 2\n#undef A extra\n"
        '#line 5 "f.h" 3\n#define L 7\n#line L\n#undef L\n#line 08\n#line 10 "a" junk\n'
        '#line __LINE__\n#line __COUNTER__ "c.h"\n#line 5 R"(x)"\n# 5\n# 6 "x" 2\n'
        '#7 "x" 1 3 4\n# 8 "x" 3\n'
    )
    gcc = subprocess.run(["gcc", "-E", "-o", "/dev/null", str(path)], capture_output=True)
    assert gcc.returncode == 0 and b"error" not in gcc.stderr
    macros = {m.name: m for m in Reader().read(str(path), builtins=False)}
    assert sorted(macros) == ["B", "O", "P", "S", "V"]
    assert macros["O"].expr == "# x"


def test_exponential_macro_expansion_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.h"
    # Unparenthesized, so no value can stand in for an expansion: 2**i tokens each.
    lines = ["#define B0 1"] + [f"#define B{i} B{i - 1} + B{i - 1}" for i in range(1, 60)]
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    t = table(path)
    assert time.perf_counter() - start < 60
    assert t["B10"].value == 1024
    assert t["B59"].kind == "other"
    assert "too large" in t["B59"].reason
    # Parenthesized, each value stands in for its expansion: no blow-up at all.
    lines = ["#define P0 1"] + [f"#define P{i} (P{i - 1} + P{i - 1})" for i in range(1, 60)]
    path.write_text("\n".join(lines) + "\n")
    t = table(path)
    assert (t["P30"].value, t["P31"].value, t["P59"].value) == (2**30, -(2**31), 0)


CALL_VALUES = {
    "V_TWICE": 42,
    "V_MASK": 0xF0,
    "V_MASK_AGAIN": 0xFF00,
    "V_CALL": 4,  # the argument names a macro that the body invokes
    "V_APPLY": 6,  # the argument gives the '(' for a macro name in the body
    "V_GET": 10,  # the expansion ends in a macro name; the '(' comes after it
    "V_BITUL": 16,  # the argument is pasted two macros down
    "V_TRIPLE": 4,
    "V_IDENT_CALL": 8,
    "V_NESTED": 8,
    "V_BY_SHIFT": 8,
    "V_UNUSED": 5,
    "V_SIZE": 8,
    "V_LEN": 9,  # the argument is stringified one macro down
}


def test_function_like_invocations_where_reusing_an_expansion_could_go_wrong() -> None:
    # the values gcc gives (test_oracle checks the same fixture against it)
    t = table(FIX / "calls.h")
    assert {n: t[n].value for n in CALL_VALUES} == CALL_VALUES


def test_function_like_expansion_follows_the_definitions_of_each_header() -> None:
    reader = Reader()
    shifted = [
        {m.name: m for m in reader.read(str(FIX / "shift" / f"{h}.h"))}["SHIFTED"].value
        for h in ("three", "four", "three")
    ]
    assert shifted == [8, 16, 8]


def test_enum_values_follow_the_constants_of_each_header() -> None:
    reader = Reader()
    got = []
    for h in ("one", "ten", "one"):
        t = {m.name: m for m in reader.read(str(FIX / "enumbase" / f"{h}.h"))}
        got.append((t["X_VALUE"].value, t["Y_VALUE"].value))
    assert got == [(2, 3), (11, 12), (2, 3)]


REUSE = FIX / "reuse"


def _read_all(*paths: Path) -> list[dict[str, Macro]]:
    """One Reader over several headers, as the command reads them: caches carry over."""
    reader = Reader()
    return [{m.name: m for m in reader.read(str(p))} for p in paths]


def test_a_macro_sets_its_slots_in_order_and_stays_frozen() -> None:
    # Macro.__init__ sets each slot through its descriptor (the reader makes 30,000)
    fields = [f.name for f in dataclasses.fields(Macro)]
    assert list(inspect.signature(Macro).parameters) == fields == list(Macro.__slots__[:-1])
    assert Macro.__slots__[-1] == "_json"  # (json_text's, no field)
    args = ("N", "integer", 7, "(1 + 6)", "a.h", 3, "note", "why", "int")
    m = Macro(*args)
    assert [getattr(m, f) for f in fields] == list(args)
    assert m == Macro(**dict(zip(fields, args, strict=True))) and hash(m) == hash(Macro(*args))
    assert (Macro("F", "function", None, "(x) x", "b.h", 1).comment, m.reason) == ("", "why")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.value = 8  # type: ignore[misc]


def test_bodies_with_no_names_are_evaluated_once_by_their_text(tmp_path: Path) -> None:
    # the second header's macros take the first's values by their text; each keeps
    # its own name, file, line and the note gcc's value needs
    one = tmp_path / "one.h"
    one.write_text("#define A (1 << 3)\n#define N (-1 << 1)\n#define S (1 ? 2 : 3)\n")
    two = tmp_path / "two.h"
    two.write_text("#define X 0\n#define B (1 << 3)\n#define M (-1 << 1)\n#define S (1 ? 2 : 3)\n")
    first, second = _read_all(one, two)
    assert (first["A"].value, second["B"].value) == (8, 8)
    assert (second["B"].file, second["B"].line) == (str(two), 2)
    assert first["N"].value == second["M"].value == -2
    assert second["M"].reason == first["N"].reason
    assert "left shift of negative value" in second["M"].reason
    assert second["S"].value == 2 and second["S"].line == 4
    assert second == table(two, reuse=False)


def test_typedefs_are_read_before_pycparser_parses_not_during() -> None:
    asks, size, again, enum = _read_all(
        REUSE / "pycparser_asks.h",
        REUSE / "enum_size.h",
        REUSE / "enum_size_again.h",
        REUSE / "enum_typedef.h",
    )
    assert (asks["X"].value, asks["Y"].value) == (4, 8)  # gcc's values
    assert (size["ES"].value, again["ES2"].value) == (4, 4)
    assert (enum["X"].value, enum["Y"].value) == (8, 4)


def test_a_declaration_is_read_with_each_header_s_typedefs() -> None:
    # common.h's "typedef T U;" declares U only where T is a type
    one, none, three = _read_all(*(REUSE / "typedef_scope" / f"h{i}.h" for i in (1, 2, 3)))
    assert three["X"].value == 8
    assert none["Y"].reason == "undefined identifier U"


def test_reused_expansions_with_arguments_that_split() -> None:
    t = table(REUSE / "split_args.h")
    assert (t["V"].value, t["W"].value) == (1, 10)  # gcc's
    t = table(REUSE / "split_tokens.h")
    assert t["V2"].value == 5
    assert t["V1"].reason == "macro F takes 1 arguments, given 2"  # gcc refuses both
    assert t["V3"].reason == "macro P takes 2 arguments, given 3"


def test_reused_expansion_keeps_the_invocation_s_hide_set() -> None:
    t = table(REUSE / "chain.h")
    assert t["V"].reason == "recursive (F2 expands to itself through F0, F1, F2, V)"


def test_a_value_standing_in_is_not_checked_while_it_is_evaluated() -> None:
    # in the third header, checking F()'s reused expansion would evaluate X within X
    *_, last = _read_all(*(REUSE / "active" / f"h{i}.h" for i in (0, 1, 2)))
    assert last["Y"].value == 5


def test_expansions_that_cannot_be_reused_cost_no_more(tmp_path: Path) -> None:
    # Z(x) cannot be made with a placeholder argument: each level must not retry it
    lines = ["#define Z() 0", "#define G0(x) (x 1)"]
    lines += [f"#define G{i}(x) G{i - 1}(x) + Z(x)" for i in range(1, 19)]
    path = tmp_path / "levels.h"
    path.write_text("\n".join(lines + ["#define V G18()"]) + "\n")
    assert table(path)["V"].value == 1


def test_a_deep_chain_of_function_like_macros(tmp_path: Path) -> None:
    lines = ["#define F0(x) (x)"] + [f"#define F{i}(x) F{i - 1}(x)" for i in range(1, 301)]
    path = tmp_path / "deep.h"
    path.write_text("\n".join(lines + ["#define V F300(1)"]) + "\n")
    assert table(path)["V"].value == 1


@pytest.mark.parametrize("reverse", [False, True])
def test_a_long_chain_through_a_function_like_macro(tmp_path: Path, reverse: bool) -> None:
    # defined from its far end, each link used to be evaluated from deeper in
    # Python's stack than the last: after some 150 links that took minutes
    n = 300
    lines = ["#define WRAP(x) (x)", "#define A0 1"]
    lines += [f"#define A{i} WRAP(A{i - 1})" for i in range(1, n + 1)]
    path = tmp_path / "wrap.h"
    path.write_text("\n".join(reversed(lines) if reverse else lines) + "\n")
    for t in _read_all(path, path):  # the second time from the reader's caches
        assert {t[f"A{i}"].value for i in range(n + 1)} == {1}


def test_an_empty_argument_pastes_to_nothing(tmp_path: Path) -> None:
    # C11 6.10.3.3 placemarkers; the values are gcc's
    path = tmp_path / "paste.h"
    path.write_text(
        "#define F(a, b) 1 a ## b\n#define H(a, b) (a ## b + 1)\n"
        "#define CAT3(a, b, c) a ## b ## c\n"
        "#define V1 F(, 2)\n#define V3 H(, 4)\n#define V4 H(3, )\n"
        "#define V6 CAT3(, , 7)\n#define V7 CAT3(1, , 2)\n"
    )
    t = table(path)
    assert t["V1"].reason == "not a C expression"  # 1 2, not 12
    assert [t[n].value for n in ("V3", "V4", "V6", "V7")] == [5, 4, 7, 12]


def test_unbalanced_parentheses_are_no_expression(tmp_path: Path) -> None:
    path = tmp_path / "unbalanced.h"
    path.write_text("#define W 1 ) + ( 3*2\n#define OK ((1) + (2))\n")
    t = table(path)
    assert (t["W"].reason, t["OK"].value) == ("not a C expression", 3)
    path.write_text("#if 1 ) + ( 1\n#endif\n")
    with pytest.raises(AbicheckError) as err:
        table(path)
    assert str(err.value) == f"{path}:1: error: cannot parse #if expression: 1 ) + ( 1"


def test_mutually_recursive_function_like_macros(tmp_path: Path) -> None:
    path = tmp_path / "rec.h"
    path.write_text("#define F(x) G(x)\n#define G(x) F(x) + 1\n#define V F(1)\n#define W V\n")
    t = table(path)
    assert t["V"].reason == "recursive (F expands to itself through F, G, V)"
    assert t["W"].reason == "recursive (F expands to itself through F, G, V, W)"


def test_nested_function_like_expansion_is_bounded(tmp_path: Path) -> None:
    # each level multiplies the tokens by ten: 10**8 at eight levels
    path = tmp_path / "nested.h"
    path.write_text(
        "#define F(x) x x x x x x x x x x\n"
        "#define SMALL F(F(1))\n"
        "#define HUGE F(F(F(F(F(F(F(F(1))))))))\n"
        "#define AFTER 7\n"
    )
    start = time.perf_counter()
    t = table(path)
    assert time.perf_counter() - start < 30
    assert t["HUGE"].kind == "other" and "too large" in t["HUGE"].reason
    assert t["SMALL"].reason == "not a C expression"  # 100 ones side by side
    assert t["AFTER"].value == 7


@pytest.mark.parametrize("reverse", [False, True])
def test_long_macro_chains(tmp_path: Path, reverse: bool) -> None:
    n = 6000
    lines = ["#define A0 1"] + [f"#define A{i} A{i - 1}" for i in range(1, n)]
    path = tmp_path / "chain.h"
    path.write_text("\n".join(reversed(lines) if reverse else lines) + "\n")
    t = table(path)
    assert t[f"A{n - 1}"].value == 1
    assert t["A1"].value == 1


def test_deeply_nested_expressions(tmp_path: Path) -> None:
    path = tmp_path / "deep.h"
    path.write_text("#define D " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    assert table(path)["D"].reason == "expression nested too deeply"
    path.write_text("#define OK 1\n#if " + "(" * 5000 + "1" + ")" * 5000 + "\n#endif\n")
    assert error_of(path) == f"{path}:2: error: #if expression nested too deeply"


def test_devices_and_fifos_are_refused(tmp_path: Path) -> None:
    assert (
        error_of("/dev/zero") == "/dev/zero: error: not a regular file (a device, FIFO or socket?)"
    )
    fifo = tmp_path / "pipe.h"
    os.mkfifo(fifo)
    assert error_of(fifo) == f"{fifo}: error: not a regular file (a device, FIFO or socket?)"


def test_an_include_refused_whole_is_told_at_the_include(tmp_path: Path) -> None:
    """A FIFO, a device or an unreadable file met by #include: the error is at the
    #include's line (as gcc's "fatal error: pipe.h: ..."), naming the file found."""
    os.mkfifo(tmp_path / "pipe.h")
    inner = tmp_path / "inner.h"
    inner.write_text('#define A 1\n#include "pipe.h"\n')
    outer = tmp_path / "outer.h"
    outer.write_text('#include "inner.h"\n')
    refused = "not a regular file (a device, FIFO or socket?)"
    assert error_of(outer) == (
        f'{inner}:2: error: include file "pipe.h", {tmp_path}/pipe.h: {refused} '
        f"(included from {inner}:2 <- {outer}:1)"
    )
    inner.write_text('#include "/dev/zero"\n')
    assert error_of(inner) == (
        f'{inner}:1: error: include file "/dev/zero", /dev/zero: {refused} '
        f"(included from {inner}:1)"
    )
    # an error at a line of the included file stays there
    (tmp_path / "nul.h").write_bytes(b"#define B 2\n\0\n")
    inner.write_text('#include "nul.h"\n')
    assert error_of(inner) == f"{tmp_path}/nul.h:2: error: NUL byte: binary file, not a C header"


def test_ten_megabyte_header(tmp_path: Path) -> None:
    path = tmp_path / "big.h"
    line = "#define BIG_{0} (0x{0:x} + BIG_BASE) /* comment {0} */\n"
    with path.open("w") as f:
        f.write("#define BIG_BASE 1\n")
        n = 0
        while f.tell() < 10 * 1024 * 1024:
            f.write(line.format(n))
            n += 1
    start = time.perf_counter()
    t = table(path)
    elapsed = time.perf_counter() - start
    assert t[f"BIG_{n - 1}"].value == n
    assert t["BIG_7"].comment == "comment 7"
    assert elapsed < 120, elapsed


# -- properties -----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**64 - 1), st.sampled_from(["", "U", "ULL"]))
def test_hex_literals_round_trip(value: int, suffix: str) -> None:
    from abicheck.reader.datamodel import DATA_MODELS
    from abicheck.reader.fold import Folder, NotConstant

    def no_ident(name: str) -> object:
        raise NotConstant(name)

    v = Folder(DATA_MODELS["lp64"], no_ident, lambda n: None)._int_literal(f"0x{value:x}{suffix}")  # type: ignore[arg-type]
    assert v.value == value
    assert not v.type.signed or value < 2**63


# -- reuse against reading afresh ------------------------------------------------

BENCH_PARSE = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_parse.py"


def _host_tree() -> tuple[list[str], list[str]]:
    """The headers and include path benchmarks/bench_parse.py reads the host tree with."""
    spec = importlib.util.spec_from_file_location("bench_parse", BENCH_PARSE)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    include = [str(bench.host_asm().parent), "/usr/include"]
    include += [d for d in bench.gcc_search_dirs() if d not in include]
    return bench.headers(), include


def _tables(reader: Reader, headers: list[str]) -> list[tuple[Macro, ...] | str]:
    out: list[tuple[Macro, ...] | str] = []
    for h in headers:
        try:
            out.append(reader.read(h))
        except AbicheckError as exc:
            out.append(str(exc))
    return out


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("gcc") is None or not Path("/usr/include/linux").is_dir(),
    reason="needs gcc and the host's uapi headers",
)
def test_reuse_gives_what_reading_every_header_afresh_gives() -> None:
    headers, include = _host_tree()
    reused = Reader(include, reuse=True)
    afresh = Reader(include, reuse=False)
    assert _tables(reused, headers) == _tables(afresh, headers)
    assert len(reused.memo.walks) > 0 and len(reused.memo.values) > 0
    assert (len(afresh.memo.walks), len(afresh.memo.values), len(afresh.memo.templates)) == (
        0,
        0,
        0,
    )


def test_a_macro_read_under_other_definitions_by_turns_keeps_each_result(
    tmp_path: Path,
) -> None:
    """One definition evaluated in headers that define what it rests on differently,
    by turns: each header's own value, the last few results kept side by side (the
    newest first) and reused where they hold."""
    (tmp_path / "v.h").write_text("#define V (X + 1)\n")
    for x in range(1, 6):
        (tmp_path / f"h{x}.h").write_text(f'#define X {x}\n#include "v.h"\n')
    reader = Reader([str(tmp_path)])
    order = [1, 2, 1, 2, 3, 4, 5, 1, 5]
    got = [{m.name: m.value for m in reader.read(str(tmp_path / f"h{x}.h"))}["V"] for x in order]
    assert got == [x + 1 for x in order]
    (entry,) = reader.files.get(str(tmp_path / "v.h")).entries
    assert entry.macro is not None
    kept = [r[3].macro.value for r in reader.memo.values[entry.macro]]
    # h1's result fell out after those of h3, h4 and h5 came in: made anew at the
    # second h1, h5's then reused
    assert kept == [2, 6, 5, 4]


def test_an_enum_sized_by_a_struct_is_not_reused_where_the_struct_differs(
    tmp_path: Path,
) -> None:
    # found in review: an enum's values were kept by its expanded text alone, though
    # sizeof rests on the header's struct (gcc 12: 8, then 4)
    enum = "enum { E = sizeof(struct s), F = E + 1 };\n#define V E\n#define W F\n"
    one = tmp_path / "two_ints.h"
    one.write_text("struct s { int a; int b; };\n" + enum)
    other = tmp_path / "one_int.h"
    other.write_text("struct s { int a; };\n" + enum)
    for reuse in (True, False):
        reader = Reader(reuse=reuse)
        got = [{m.name: m.value for m in reader.read(str(p))} for p in (one, other, one)]
        assert [(t["V"], t["W"]) for t in got] == [(8, 9), (4, 5), (8, 9)], reuse


def test_abicheck_no_reuse_turns_reuse_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABICHECK_NO_REUSE", "1")
    assert Reader().memo.reuse is False
    assert Reader(reuse=True).memo.reuse is True
    monkeypatch.setenv("ABICHECK_NO_REUSE", "0")
    assert Reader().memo.reuse is True
    monkeypatch.delenv("ABICHECK_NO_REUSE")
    assert Reader().memo.reuse is True


def test_data_models_give_sizes_and_alignments_of_the_basic_types() -> None:
    from abicheck.reader.datamodel import DATA_MODELS

    ints = ["_Bool", "char", "signed char", "unsigned char", "short", "unsigned short"]
    ints += ["int", "unsigned int", "long", "unsigned long", "long long", "unsigned long long"]
    ints += ["__int128", "unsigned __int128"]
    others = ["float", "double", "long double", "void", "pointer"]
    # as gcc -m64 and -m32 give sizeof and _Alignof on x86-64, but for i386's
    # 4-byte alignment of long long and double (other 32-bit ABIs have 8)
    lp64 = [1, 1, 1, 1, 2, 2, 4, 4, 8, 8, 8, 8, 16, 16, 4, 8, 16, 1, 8]
    ilp32_sizes = [1, 1, 1, 1, 2, 2, 4, 4, 4, 4, 8, 8, 16, 16, 4, 8, 12, 1, 4]
    ilp32_aligns = [1, 1, 1, 1, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8, 4, 8, 4, 1, 4]
    names = ints + others
    assert dict(DATA_MODELS["lp64"].sizes()) == dict(zip(names, lp64, strict=True))
    assert dict(DATA_MODELS["lp64"].aligns()) == dict(zip(names, lp64, strict=True))
    assert dict(DATA_MODELS["ilp32"].sizes()) == dict(zip(names, ilp32_sizes, strict=True))
    assert dict(DATA_MODELS["ilp32"].aligns()) == dict(zip(names, ilp32_aligns, strict=True))


# -- targets: --arch, --data-model, -U and the freestanding headers -----------------
#: The standard headers abicheck ships freestanding versions of.
FREESTANDING = ("stddef.h", "stdint.h", "limits.h", "stdbool.h", "stdarg.h", "float.h")
#: The macros of <stdint.h>, <limits.h>, <stdbool.h> and <float.h> compared with gcc's.
STANDARD = re.compile(
    r"U?INT(8|16|32|64|PTR|MAX|_LEAST\d+|_FAST\d+)_(MAX|MIN)|SIZE_MAX|PTRDIFF_M..|"
    r"SIG_ATOMIC_M..|WCHAR_M..|WINT_M..|U?(S|U)?CHAR_(MAX|MIN|BIT)|U?S?HRT_M..|U?INT_M..|"
    r"U?L?LONG_M..|MB_LEN_MAX|(FLT|DBL|LDBL)_(MANT_DIG|DIG|M.._(10_)?EXP|RADIX)|"
    r"FLT_EVAL_METHOD|DECIMAL_DIG|true|false|__bool_true_false_are_defined"
)
#: Arches that try each: unsigned char (armhf, arm64, s390x), big endian (m68k, mips,
#: s390x), wchar_t long (m68k), x32's ilp32 on a 64-bit machine, x87 (i386).
TARGET_ARCHES = ("arm64", "armhf", "i386", "m68k", "mips", "s390x", "x32")


def _standard_header(tmp: Path) -> Path:
    path = tmp / "standard.h"
    path.write_text("".join(f"#include <{h}>\n" for h in FREESTANDING), encoding="utf-8")
    return path


def _standard(values: dict[str, int]) -> dict[str, int]:
    return {n: v for n, v in values.items() if STANDARD.fullmatch(n)}


@pytest.mark.parametrize("name", TARGET_ARCHES)
def test_standard_headers_are_the_cross_compilers(name: str, tmp_path: Path) -> None:
    """<stdint.h>, <limits.h>, ... with glibc's headers (the freestanding ones
    include_next them) give the values the architecture's own gcc gives."""
    arch = lookup(name)
    header = _standard_header(tmp_path)
    gcc = compiler_macros(header, cc=cross_compiler(arch), system_includes=True)
    want = _standard(gcc.values)
    assert want["INT32_MAX"] == 0x7FFFFFFF and "UINTPTR_MAX" in want and "CHAR_MIN" in want
    setup = target_setup(name)
    reader = Reader(setup.system_dirs, None, setup.data_model, setup.predefines, arch.unsigned_char)
    ours = {m.name: m.value for m in reader.read(str(header)) if m.value is not None}
    assert {n: ours.get(n) for n in want} == want


@pytest.mark.parametrize("name", TARGET_ARCHES)
def test_freestanding_headers_are_gccs(name: str, tmp_path: Path) -> None:
    """Without a C library (__STDC_HOSTED__ 0), abicheck's own headers give the
    values gcc's own give (gcc -nostdinc -I its include folder, freestanding)."""
    arch = lookup(name)
    cc = cross_compiler(arch)
    own = subprocess.run(
        [cc, "-print-file-name=include"], capture_output=True, text=True, check=True
    ).stdout.strip()
    header = _standard_header(tmp_path)
    # gcc's own <limits.h> would include_next a C library's without _LIBC_LIMITS_H_
    gcc = compiler_macros(header, [own], {"__STDC_HOSTED__": "0", "_LIBC_LIMITS_H_": "1"}, cc=cc)
    want = _standard(gcc.values)
    assert len(want) > 60
    predefines = {**arch.predefined(), "__STDC_HOSTED__": "0"}
    reader = Reader([freestanding_dir()], None, arch.data_model, predefines, arch.unsigned_char)
    ours = {m.name: m.value for m in reader.read(str(header)) if m.value is not None}
    assert {n: ours.get(n) for n in want} == want
    assert ours["CHAR_MIN"] == (0 if arch.unsigned_char else -128)


def test_freestanding_headers_ship() -> None:
    assert sorted(p.name for p in Path(freestanding_dir()).glob("*.h")) == sorted(FREESTANDING)


def test_target_setup() -> None:
    x32 = target_setup("x32", "ilp32", ["__ILP32__"])
    assert x32.data_model == "ilp32" and x32.arch == "x32"
    assert x32.predefines["__x86_64__"] == "1" and "__ILP32__" not in x32.predefines
    assert x32.system_dirs == (freestanding_dir(), "/usr/x86_64-linux-gnux32/include")
    # hppa64 has no headers of its own: /usr/hppa64-linux-gnu/include is hppa's
    assert target_setup("hppa64").system_dirs == (freestanding_dir(),)
    generic = target_setup("", "ilp32")
    assert generic.arch == "" and generic.system_dirs == ()
    assert generic.predefines == predefined_macros("ilp32")
    assert "__i386__" not in generic.predefines and "__x86_64__" not in generic.predefines
    assert generic.predefines["__SIZE_TYPE__"] == "unsigned int"
    assert target_setup().predefines["__SIZEOF_LONG__"] == "8"
    with pytest.raises(AbicheckError, match="--data-model lp64 disagrees with --arch x32"):
        target_setup("x32", "lp64")
    with pytest.raises(AbicheckError, match="did you mean x32"):
        target_setup("x23")


@pytest.mark.parametrize("arch", debian_arches(), ids=lambda a: a.name)
def test_glibc_stdio_h_is_the_cross_compilers(arch: Arch) -> None:
    """glibc's <stdio.h> read as each architecture (its recorded predefines, the
    freestanding headers, its installed headers): every value the cross gcc's, the
    ones that rest on __STDC_VERSION__ and __GNUC__ among them."""
    header = Path("/usr") / arch.triplet / "include" / "stdio.h"
    gcc = compiler_macros(header, cc=cross_compiler(arch), system_includes=True).values
    setup = target_setup(arch.name)
    reader = Reader(setup.system_dirs, None, setup.data_model, setup.predefines, arch.unsigned_char)
    shipped = "<abicheck>/headers/freestanding/"  # its own guards: not gcc's names
    macros = [m for m in reader.read(str(header)) if not m.file.startswith(shipped)]
    # every macro gcc's value, or none where gcc has none (function-like, strings)
    assert {m.name: m.value for m in macros} == {m.name: gcc.get(m.name) for m in macros}
    ours = {m.name: m.value for m in macros if m.value is not None}
    three = {
        "__GLIBC_USE_DEPRECATED_GETS": 0,
        "__HAVE_GENERIC_SELECTION": 1,
        "__glibc_c99_flexarr_available": 1,
    }
    assert {n: ours.get(n) for n in three} == {n: gcc[n] for n in three} == three
    assert ours["BUFSIZ"] == 8192 and ours["EOF"] == -1 and len(ours) > 200


def test_has_include_next_searches_after_the_files_folder(tmp_path: Path) -> None:
    """``__has_include_next`` is asked of the folders after the one the file is in
    (gcc's): a freestanding header gives way to a C library's only when there is one."""
    first, second = tmp_path / "first", tmp_path / "second"
    for d in (first, second):
        d.mkdir()
    (first / "x.h").write_text(
        "#if __has_include_next(<x.h>)\n#define NEXT 1\n#include_next <x.h>\n"
        "#else\n#define NEXT 0\n#endif\n",
        encoding="utf-8",
    )
    (second / "x.h").write_text("#define SECOND 2\n", encoding="utf-8")
    main = tmp_path / "main.h"
    main.write_text("#include <x.h>\n#if __has_include(<x.h>)\n#define SEEN 1\n#endif\n")
    alone = values(main, include_dirs=[str(first)])
    assert (alone["NEXT"], alone.get("SECOND"), alone["SEEN"]) == (0, None, 1)
    both = values(main, include_dirs=[str(first), str(second)])
    assert (both["NEXT"], both["SECOND"], both["SEEN"]) == (1, 2, 1)


def test_an_include_bomb_is_a_limit_error_not_memory(tmp_path: Path) -> None:
    """41 unguarded headers, each including the next twice (2**41 inclusions): a
    one-line error at the include that passes the limit, within seconds."""
    for k in range(41):
        body = f"#define M{k} {k}\n"
        if k < 40:
            body += f'#include "h{k + 1}.h"\n#include "h{k + 1}.h"\n'
        (tmp_path / f"h{k}.h").write_text(body)
    start = time.monotonic()
    with pytest.raises(AbicheckError) as info:
        Reader().read(str(tmp_path / "h0.h"))
    assert time.monotonic() - start < 30
    message = str(info.value)
    assert re.match(
        rf"{re.escape(str(tmp_path))}/h\d+\.h:[23]: error: #include: the includes", message
    )
    assert "2,000,000 preprocessing events" in message


def test_pragma_pack_forms_as_gcc_reads_them(tmp_path: Path) -> None:
    """p11-kit's pkcs11.h pushes and pops a labelled packing; '#pragma pack 8' (no
    parentheses) is ignored by gcc, with a warning, not an error."""
    header = tmp_path / "pk.h"
    header.write_text(
        "#pragma pack(push, cryptoki, 1)\nstruct a { char c; int i; };\n"
        "#pragma pack(push, 4)\n#pragma pack(pop, cryptoki)\n"
        "struct b { char c; int i; };\n#pragma pack 8\nstruct c2 { char c; int i; };\n"
        "#define SA sizeof(struct a)\n#define SB sizeof(struct b)\n#define SC sizeof(struct c2)\n"
    )
    got = {m.name: m.value for m in Reader().read(str(header))}
    # gcc 12 (x86-64): SA 5, SB 8, SC 8
    assert (got["SA"], got["SB"], got["SC"]) == (5, 8, 8)


def test_define_names_read_as_the_annex_d_pattern() -> None:
    # the scanner matches ASCII names with an ASCII pattern and compiles the Annex D
    # one only for others: both must split every #define as the Annex D one does
    import re

    from abicheck.model import IDENTIFIER_PATTERN
    from abicheck.reader.scan import IDENT_RE, _define_match

    full = re.compile(rf"({IDENTIFIER_PATTERN})(\()?(.*)", re.S)
    whole = re.compile(rf"{IDENTIFIER_PATTERN}\Z")
    names = ["MAP_SHARED", "_x", "$d", "1a", "", "café", "é", "\u0301x", "x\u0301", "\u00d7"]
    tails = ["", " 1", "(a, b) a", "(", "é 1", "\u0301 2", "\u00d7", "-1", "\n2"]
    for text in (n + t for n in names for t in tails):
        want = full.match(text)
        got = _define_match(text)
        assert (got and got.groups()) == (want and want.groups()), text
        assert (IDENT_RE.match(text) is None) == (whole.match(text) is None), text
    m = _define_match("MAP_café(x) x")
    assert m is not None and m.groups() == ("MAP_café", "(", "x) x")


@pytest.mark.skipif(not Path("/usr/include/linux/fs.h").is_file(), reason="no linux-libc-dev")
def test_a_read_leaves_no_header_objects_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    # reading pauses the garbage collector, so a header's evaluation, declarations,
    # layouts and folders must be freed by reference counts alone once it is read
    # (they were kept by cycles to the end of the run: 119 MB for the host uapi tree)
    import gc
    import weakref

    from abicheck import parse

    made: list[weakref.ref[object]] = []
    real_decls, real_evaluation = parse.HeaderDecls, parse.Evaluation

    def decls(*args: object) -> object:
        d = real_decls(*args)  # type: ignore[arg-type]
        made.extend(weakref.ref(o) for o in (d, args[0]))  # and the header's walk
        return d

    def evaluation(*args: object) -> object:
        ev = real_evaluation(*args)  # type: ignore[arg-type]
        made.extend(weakref.ref(o) for o in (ev, ev.folder, ev.folder.layouts))
        return ev

    monkeypatch.setattr(parse, "HeaderDecls", decls)
    monkeypatch.setattr(parse, "Evaluation", evaluation)
    from abicheck.arches import host_arch
    from abicheck.searchpath import search_dirs

    reader = Reader(search_dirs(), predefines=host_arch().predefined())
    headers = ["linux/fs.h", "linux/input.h", "linux/stat.h", "linux/if.h", "linux/nl80211.h"]
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for h in headers:
            macros = reader.read(f"/usr/include/{h}")
            assert any(m.value is not None for m in macros), h
        assert reader.layouts("/usr/include/linux/stat.h")
        with pytest.raises(AbicheckError):
            reader.read(str(Path(__file__).parent / "fixtures" / "no-such-header.h"))
        alive = [r() for r in made if r() is not None]
    finally:
        if was_enabled:
            gc.enable()
    assert len(made) >= 20 and alive == []


def test_a_failed_header_keeps_nothing_of_the_read(tmp_path: Path) -> None:
    # a header's error is kept in its result; its traceback's frames held the reader
    # (every cache) and the failed header's objects to the end of the run
    import gc
    import weakref

    from abicheck.parse import read_headers

    good = tmp_path / "good.h"
    good.write_text("#define A (1 << 3)\n", encoding="utf-8")
    bad = tmp_path / "bad.h"
    bad.write_text("#define B 2\n#include <no-such-header.h>\n", encoding="utf-8")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        reader = Reader([str(tmp_path)])
        held = weakref.ref(reader)
        results = read_headers([str(good), str(bad), str(bad)], reader, builtins=False)
        del reader
        freed = held() is None
    finally:
        if was_enabled:
            gc.enable()
    assert [m.value for m in results[0].macros] == [8]
    assert str(results[1].error).startswith(f"{bad}:2: error: include file <no-such-header.h>")
    assert freed


def test_definitions_of_one_text_share_its_body_unchanged_by_expansion(tmp_path: Path) -> None:
    # MacroDef.body is kept by its text: a.h's and b.h's definitions get the same
    # tokens, which expanding one (with its own arguments) must leave as they were
    (tmp_path / "a.h").write_text("#define X 2\n#define A(p) ((p) << X)\n")
    (tmp_path / "b.h").write_text('#include "a.h"\n#define B(p) ((p) << X)\n#define C A(3)\n')
    reader = Reader()
    got = {m.name: m.value for m in reader.read(str(tmp_path / "b.h"))}
    assert got["C"] == 12
    a = reader.files.get(str(tmp_path / "a.h")).entries[1].macro
    b = reader.files.get(str(tmp_path / "b.h")).entries[1].macro
    assert a is not None and b is not None and (a.name, b.name) == ("A", "B")
    assert a.body is b.body
    fresh = tokenize("((p) << X)")
    assert [(t.kind, t.text, t.space, t.hide) for t in a.body] == [
        (t.kind, t.text, t.space, t.hide) for t in fresh
    ]
    reader.clear()  # bodies made anew after a clear: the same tokens, new objects
    again = reader.files.get(str(tmp_path / "a.h")).entries[1].macro
    assert again is not None and again.body is not a.body and again.body == a.body


@pytest.mark.parametrize(
    "line",
    [
        "#define X 1",
        "#define X\t0x10UL  \r",
        "  #  define X 7 /* seven */",
        "#define X 1.5",
        "#define X 1+2",
        "#define X 1 2",
        "#define X(a) 1",
        "#define X\xa01",
        "#define X 08",
        "#define X1",
        "#define X",
    ],
)
def test_define_lines_scan_as_parse_define_reads_them(line: str) -> None:
    # scan_text makes a one-number body at once, without _define: as parse_define does
    from abicheck.reader.scan import parse_define, scan_text

    (entry,) = scan_text(line + "\n", "x.h").entries
    ((_, text, _),) = logical_lines(line + "\n", "x.h")  # (the comment out)
    rest = text.split("define", 1)[1]
    slow = parse_define(rest, "x.h", 1, entry.comment)
    fast = entry.macro
    assert fast is not None
    assert (fast.name, fast.params, fast.variadic, fast.text, fast.line, fast.comment) == (
        slow.name,
        slow.params,
        slow.variadic,
        slow.text,
        slow.line,
        slow.comment,
    )
    assert fast._body == slow._body  # made at once for a number, else both when first used
    assert fast.body == slow.body


def test_a_size_resting_on_an_enum_tag_is_not_reused_where_the_enum_differs(
    tmp_path: Path,
) -> None:
    # a record's size rests on the definition of each enum TAG in it: the shared
    # header's values are made again where the including header's enum differs
    (tmp_path / "s.h").write_text("struct s { enum e x; };\n#define S sizeof(struct s)\n")
    (tmp_path / "t.h").write_text("#define T sizeof(enum e)\n")
    wide = tmp_path / "wide.h"
    wide.write_text('enum e { A = 0x100000000 };\n#include "s.h"\n#include "t.h"\n')
    narrow = tmp_path / "narrow.h"
    narrow.write_text('enum e { A = 1 };\n#include "s.h"\n#include "t.h"\n')
    for reuse in (True, False):
        reader = Reader([str(tmp_path)], reuse=reuse)
        got = [{m.name: m.value for m in reader.read(str(p))} for p in (wide, narrow, wide)]
        assert [(t["S"], t["T"]) for t in got] == [(8, 8), (4, 4), (8, 8)], reuse
