"""Regular expressions compiled when first used.

A module-level ``re.compile`` costs its compilation at import, 0.05 to 0.3 ms a
pattern: those a one-header parse need not use (a header without declarations,
``#pragma pack``, string escapes...) are made with :func:`lazy_compile` instead.
"""

from __future__ import annotations

import re
from typing import Any, cast


class _LazyPattern:
    """A pattern compiled the first time one of its attributes (``search``,
    ``match``, ...) is looked up; each attribute is then kept on it, so that later
    look-ups cost what they cost on the compiled pattern."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self._compiled = re.compile(*self._source)
        value = getattr(compiled, name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"lazy_compile({self._source[0]!r}, {self._source[1]})"


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, compiled at its first use: a stand-in with the
    compiled pattern's methods and attributes (not a :class:`re.Pattern`: not for
    ``re.sub(p, ...)``, ``isinstance`` or as a key)."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
