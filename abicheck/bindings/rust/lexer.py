"""Rust tokens: enough of the lexical grammar to walk ``libc``'s items safely.

Comments (nested block comments too) and whitespace are dropped; strings, raw
strings, byte strings and char literals become one ``str`` token each (their text
is the literal as written); lifetimes are ``ident`` tokens (``'a``); numbers, with
their suffix, are ``num`` tokens; everything else is a ``punct`` token, longest
match. A token records its offset; :class:`Source` turns offsets into lines.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from operator import itemgetter
from typing import Literal

from ...model import AbicheckError

TokenKind = Literal["ident", "num", "str", "punct", "bad"]

# possessive: no backtracking into whitespace and comments (nested ones are not matched)
_SKIP = r"(?:\s++|//[^\n]*+|/\*(?:[^*/]|\*(?!/)|/(?!\*))*+\*/)*+"
_TOKEN = re.compile(
    _SKIP + r"(?:"
    r"(?P<raw>(?:br|cr|r)(?P<hashes>#*)\".*?\"(?P=hashes))"
    r"|(?P<str>[bc]?\"(?:[^\"\\]|\\.)*\"|b?'(?:[^'\\\n]|\\(?:u\{[0-9a-fA-F_]*\}|x[0-9a-fA-F]{2}|.))')"
    r"|(?P<ident>'?(?:r#)?[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<num>0x[0-9a-fA-F_]+(?:[iu](?:8|16|32|64|128|size))?|0[ob][0-9_]+[a-z0-9]*"
    r"|[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9_]+)?[a-z0-9_]*)"
    r"|(?P<punct>::|->|=>|==|!=|<=|>=|&&|\|\||\.\.=|\.\.\.|\.\.|<<=|>>=|<<|>>"
    r"|[-+*%^&|]=|/(?![*/])=?|[-+*%^!&|<>=@.,;:#$?~()\[\]{}])"
    r"|(?P<bad>.))",  # so that no character is skipped unseen
    re.DOTALL,
)
_KIND: dict[str | None, TokenKind] = {
    "raw": "str",
    "str": "str",
    "ident": "ident",
    "num": "num",
    "punct": "punct",
    "bad": "bad",
}
_BLOCK_EDGE = re.compile(r"/\*|\*/")


class Token(tuple[TokenKind, str, int]):
    """One token: its kind, its text as written, and its offset in the file (made
    as ``Token((kind, text, pos))``: a plain tuple is cheaper than a NamedTuple)."""

    __slots__ = ()
    kind: TokenKind = property(itemgetter(0))  # type: ignore[assignment]
    text: str = property(itemgetter(1))  # type: ignore[assignment]
    pos: int = property(itemgetter(2))  # type: ignore[assignment]


class Source:
    """A file's text and name, to make its tokens and say which line an offset is on."""

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self._newlines: list[int] | None = None

    def line(self, pos: int) -> int:
        """The 1-based line of offset ``pos``."""
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return bisect_right(self._newlines, pos - 1) + 1

    def error(self, message: str, pos: int) -> AbicheckError:
        """An :class:`AbicheckError` at this file and the line of ``pos``."""
        return AbicheckError(message, self.file, self.line(pos))

    def tokens(self) -> list[Token]:
        """The tokens of the text. Raises :class:`AbicheckError` at ``file:line`` for an
        unterminated block comment or string, or a character no token starts with."""
        out: list[Token] = []
        pos = 0
        while True:
            found = [
                Token((_KIND[m.lastgroup], m.group(m.lastindex or 0), m.start(m.lastindex or 0)))
                for m in _TOKEN.finditer(self.text, pos)
            ]
            bad = next((i for i, tok in enumerate(found) if tok.kind == "bad"), None)
            if bad is None:
                return out + found
            out += found[:bad]
            pos = self._resume(found[bad].pos)

    def _resume(self, at: int) -> int:
        """Past the nested block comment that starts at ``at``, else raises the error
        for what is there."""
        if self.text.startswith("/*", at):
            return self._block_end(at)
        what = self.text[at]
        if what in "\"'":
            raise self.error("unterminated string or character literal", at)
        raise self.error(f"unexpected {what!r}", at)

    def _block_end(self, pos: int) -> int:
        """The offset just after the (nested) block comment opening at ``pos``."""
        depth = 0
        for m in _BLOCK_EDGE.finditer(self.text, pos):
            depth += 1 if m.group() == "/*" else -1
            if depth == 0:
                return m.end()
        raise self.error("unterminated block comment", pos)


__all__ = ["Source", "Token", "TokenKind"]
