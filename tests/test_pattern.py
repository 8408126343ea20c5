"""Patterns compiled at first use (abicheck._pattern) against re.compile's."""

from __future__ import annotations

import re

from abicheck._pattern import lazy_compile


def test_lazy_pattern_is_the_compiled_one() -> None:
    source, flags = r"(\w+)=(\d+)", re.S
    lazy, compiled = lazy_compile(source, flags), re.compile(source, flags)
    assert "_compiled" not in vars(lazy)  # nothing compiled yet
    text = "a=1, bb=22;\nc=x"
    assert lazy.search(text, 3) is not None
    assert lazy.search(text, 3).span() == compiled.search(text, 3).span()  # type: ignore[union-attr]
    assert lazy.match(text)[0] == "a=1"  # type: ignore[index]
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert lazy.findall(text) == [("a", "1"), ("bb", "22")]
    assert lazy.sub(r"\2", text) == compiled.sub(r"\2", text)
    assert (lazy.pattern, lazy.flags, lazy.groups) == (source, compiled.flags, 2)
    # compiled once, its methods then kept on the stand-in
    assert vars(lazy)["_compiled"] is compiled  # (re's own cache gives the same object)
    assert vars(lazy)["search"] == compiled.search
    assert repr(lazy) == f"lazy_compile({source!r}, {flags})"
