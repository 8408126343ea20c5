"""The shared data model: a macro's JSON line."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from abicheck.model import Macro

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
