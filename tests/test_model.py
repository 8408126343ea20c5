"""The shared data model: a macro's JSON line, a table's provenance."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from abicheck.model import Macro, Provenance, Table
from abicheck.snapshot import dump_snapshot, tables_from_data

texts = st.text()  # quotes, backslashes, control characters, any code point


@given(
    name=texts,
    kind=st.sampled_from(["integer", "function", "other"]),
    value=st.none() | st.integers(min_value=-(2**64), max_value=2**64),
    expr=texts,
    file=texts,
    line=st.integers(min_value=0, max_value=10**7),
    comment=texts,
    reason=texts,
)
def test_json_text_is_what_json_dumps_writes(
    name: str,
    kind: str,
    value: int | None,
    expr: str,
    file: str,
    line: int,
    comment: str,
    reason: str,
) -> None:
    m = Macro(name, kind, value, expr, file, line, comment, reason)  # type: ignore[arg-type]
    assert m.json_text() == json.dumps(m.to_json(), ensure_ascii=False)


def test_json_text_of_a_macro_with_escapes() -> None:
    m = Macro("Q", "other", None, '"a\\b"\t\x01é\U0001f600', "f.h", 3, "", "string literal")
    assert json.loads(m.json_text()) == m.to_json()
    assert m.json_text() == (
        '{"name": "Q", "kind": "other", "value": null, '
        '"expr": "\\"a\\\\b\\"\\t\\u0001é\U0001f600", '
        '"file": "f.h", "line": 3, "comment": "", "reason": "string literal"}'
    )


def test_json_text_is_made_once_and_a_copy_or_pickle_makes_its_own() -> None:
    # the text is kept on the Macro (not a field: equality, repr and pickles leave
    # it out); a copy or an unpickled Macro, made without it, makes the same text
    import copy
    import pickle

    m = Macro("A", "integer", 3, "(1 + 2)", "a.h", 7, "three", "", "int")
    first = m.json_text()
    assert m.json_text() is first
    expected = (
        '{"name": "A", "kind": "integer", "value": 3, "expr": "(1 + 2)", "file": "a.h", '
        '"line": 7, "comment": "three", "reason": ""}'
    )
    assert first == expected
    for made in (copy.copy(m), copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert made == m and made.json_text() == expected
    assert Macro("A", "integer", 4, "(1 + 3)", "a.h", 7).json_text() != expected


# -- provenance -------------------------------------------------------------------

pairs = st.lists(st.tuples(texts, texts), max_size=3).map(tuple)


@given(
    path=texts,
    dirs=st.lists(texts, max_size=3).map(tuple),
    defines=pairs,
    notes=pairs,
    flags=st.lists(texts, max_size=3).map(tuple),
)
def test_provenance_round_trips_through_a_snapshot(
    path: str,
    dirs: tuple[str, ...],
    defines: tuple[tuple[str, str], ...],
    notes: tuple[tuple[str, str], ...],
    flags: tuple[str, ...],
) -> None:
    origin = Provenance(
        "header", path, include_dirs=dirs, defines=defines, flags=flags, notes=notes
    )
    table = Table("t", "header", (Macro("X", "integer", 1, "1", "x.h", 1),), origin)
    text = dump_snapshot([table])
    (again,) = tables_from_data(json.loads(text), "s.json", text)
    assert again.origin == origin
    assert again == table and hash(again) == hash(table)


def test_provenance_shows_as_reports_showed_it() -> None:
    origin = Provenance(
        "arch",
        path="/usr/mips-linux-gnu/include/linux/mman.h",
        header="linux/mman.h",
        include_dirs=("/a", "/b:c"),
        defines=(("V", "1 W=2"),),
        headers_from="installed",
        compiler="gcc 12",
        notes=(("note", "n"),),
    )
    assert origin.as_dict() == {
        "compiler": "gcc 12",
        "defines": "V=1 W=2",
        "flags": "",
        "from": "installed",
        "header": "/usr/mips-linux-gnu/include/linux/mman.h",
        "headers": "installed headers",
        "include_dirs": "/a:/b:c",
        "note": "n",
    }
    assert origin.noted("note") == "n" and origin.noted("other") is None
    assert origin.note("note", "m").notes == (("note", "m"),)


def test_format_1_origins_still_read() -> None:
    data = {
        "format": "abicheck-snapshot/1",
        "sources": [
            {
                "label": "h.h",
                "kind": "header",
                "origin": {"path": "h.h", "include_dirs": "a:b", "defines": "A=1 B=x y"},
                "macros": [{"name": "MAP_A", "value": 1, "expr": "1", "file": "h.h", "line": 1}],
            },
            {
                "label": "arch:mips",
                "kind": "arch",
                "origin": {
                    "arch": "mips",
                    "from": "installed",
                    "header": "/usr/mips-linux-gnu/include/linux/fcntl.h",
                    "headers": "installed headers",
                    "include_dirs": "/usr/mips-linux-gnu/include",
                },
                "macros": [],
            },
        ],
    }
    header, arch = tables_from_data(data, "old.json")
    assert header.origin == Provenance(
        "header", "h.h", include_dirs=("a", "b"), defines=(("A", "1"), ("B", "x y"))
    )
    assert arch.origin == Provenance(
        "arch",
        "/usr/mips-linux-gnu/include/linux/fcntl.h",
        header="linux/fcntl.h",
        include_dirs=("/usr/mips-linux-gnu/include",),
        arch="mips",
        headers_from="installed",
    )


# names the ASCII fast path of is_identifier and the scanner must read as the Annex D
# pattern does: ASCII ones, UTF-8 letters, a D.2 character first (U+0301), digits
# first, outside Annex D (U+00D7), in its D.1 ranges (U+0660, U+1F600)
IDENTIFIER_CASES = [
    "MAP_SHARED", "_x", "$dollar", "a1", "1a", "", "A-B", "MAP_café", "café", "é",
    "\u0301x", "x\u0301", "\u00d7", "a\u00d7", "\U0001f600", "x\U0001f600", "\u0660",
    "x y", "x\n",
]  # fmt: skip


def test_is_identifier_as_the_annex_d_pattern() -> None:
    import re

    from abicheck.model import IDENTIFIER_PATTERN, is_identifier

    full = re.compile(IDENTIFIER_PATTERN + r"\Z")
    got = {name: is_identifier(name) for name in IDENTIFIER_CASES}
    assert got == {name: full.match(name) is not None for name in IDENTIFIER_CASES}
    assert [n for n, ok in got.items() if ok] == [
        "MAP_SHARED", "_x", "$dollar", "a1", "MAP_café", "café", "é", "x\u0301",
        "\U0001f600", "x\U0001f600", "\u0660",
    ]  # fmt: skip
