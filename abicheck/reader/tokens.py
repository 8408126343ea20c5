"""Preprocessing tokens: ``tokenize`` one logical line, ``spell`` tokens back to text."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .._record import Record

_NO_HIDE: frozenset[str] = frozenset()


class Tok(Record, frozen=False):
    """A preprocessing token; ``kind`` is id, num, chr, str, punct or other."""

    kind: str
    text: str
    space: bool
    hide: frozenset[str]
    # Set on an identifier left unexpanded because its macro was in its hide set.
    blocked: bool

    __slots__ = ("kind", "text", "space", "hide", "blocked")

    def __init__(
        self,
        kind: str,
        text: str,
        space: bool = False,
        hide: frozenset[str] = _NO_HIDE,
        blocked: bool = False,
    ) -> None:
        self.kind = kind
        self.text = text
        self.space = space
        self.hide = hide
        self.blocked = blocked

    def copy(self, hide: frozenset[str] | None = None, space: bool | None = None) -> Tok:
        return Tok(
            self.kind,
            self.text,
            self.space if space is None else space,
            self.hide if hide is None else hide,
            self.blocked,
        )


# white space, then one token: an identifier, a punctuator, a pp-number, a
# character constant or string literal (either with its prefix), or any other
# character. Each alternative starts with a set of characters (which the regex
# engine tries at once, without entering it), the most frequent first; an
# identifier starting with a literal's prefix L, u or U is tried after the literals.
_TOKEN_RE = re.compile(
    r"""
    ([ \t\f\v\r\n]*)
    ( [A-KM-TV-Za-tv-z_$][A-Za-z0-9_$]*
    | [()\[\]{},;:?~]
    | [0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*
    | '[^'\\\n]*(?:\\.[^'\\\n]*)*'
    | "[^"\\\n]*(?:\\.[^"\\\n]*)*"
    | [LuU]'[^'\\\n]*(?:\\.[^'\\\n]*)*'
    | (?:u8|[LuU])"[^"\\\n]*(?:\\.[^"\\\n]*)*"
    | [LuU][A-Za-z0-9_$]*
    | \.[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*
    | \.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||\#\#|[-+*/%&|^]=
    | [.!<>=+\-*/%&|^\#]
    | [^ \t\f\v\r\n]
    )
    """,
    re.X | re.S,
)
# a token's kind by its first character, where that tells it (not for L, u and U,
# which may begin a literal, a dot, a quote or any other character: _kind)
_KIND_BY_FIRST = (
    dict.fromkeys("ABCDEFGHIJKMNOPQRSTVWXYZabcdefghijklmnopqrstvwxyz_$", "id")
    | dict.fromkeys("0123456789", "num")
    | dict.fromkeys("[](){},;:?~!<>=+-*/%&|^#", "punct")
)


def _kind(t: str) -> str:
    """The kind of a token whose first character does not tell it."""
    c = t[0]
    if c in "LuU":
        last = t[-1]
        return "chr" if last == "'" else "str" if last == '"' else "id"  # L'x', u8"..": literals
    if c == ".":
        return "num" if len(t) > 1 and t[1] in "0123456789" else "punct"
    if len(t) > 1 and c in "'\"":
        return "chr" if c == "'" else "str"
    return "other"  # a lone quote, @, a character that is not ASCII, ...


_new = object.__new__


# The tokens tokenize made, by their text, after no white space and after some:
# one token for every ( or int of a tree, shared (a lexed token is never changed:
# expansion changes copies). A whole uapi tree holds some 120,000 tokens, 15,000 of
# them different. Emptied when it grows past _SHARED_LIMIT: what was made stays.
_SHARED: tuple[dict[str, Tok], dict[str, Tok]] = ({}, {})
_SHARED_LIMIT = 1 << 16


def tokenize(text: str) -> list[Tok]:
    """Split one logical line into preprocessing tokens (kind id, num, chr, str,
    punct or other); the tokens are shared with other lines' and must not be
    changed (:meth:`Tok.copy` one to change it)."""
    kind_of = _KIND_BY_FIRST.get
    toks: list[Tok] = []
    append = toks.append
    tight, spaced = _SHARED
    for ws, t in _TOKEN_RE.findall(text):
        shared = spaced if ws else tight
        tok = shared.get(t)
        if tok is None:
            # Tok(kind, t, ws != ""), its fields set here: a call of Tok.__init__ was
            # a third of the tokenizer's time (a test holds the two the same)
            tok = _new(Tok)
            tok.kind = kind_of(t[0]) or _kind(t)
            tok.text = t
            tok.space = ws != ""
            tok.hide = _NO_HIDE
            tok.blocked = False
            if len(shared) >= _SHARED_LIMIT:
                shared.clear()
            shared[t] = tok
        append(tok)
    return toks


# Two characters that, one ending a token and the other starting the next, lex as
# (the start of) another token: a longer punctuator or a comment.
_GLUING_PAIRS = frozenset(
    "<< <= <: <% >> >= -> -- -= ++ += == != && &= || |= ## #% *= /= %= ^= // /* .. %: %> :>".split()  # noqa: SIM905
)
_DIGITS = frozenset("0123456789")
_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$")


def _glue(left: str, right: str) -> bool:
    """Whether the token texts ``left`` and ``right``, written side by side, would
    lex as other tokens (``<`` ``<1`` as ``<<``, ``-`` ``-1`` as ``--``, ``L`` ``"a"``
    as one wide string, ``1`` ``.5`` as one number)."""
    a, b = left[-1], right[0]
    if a + b in _GLUING_PAIRS:
        return True
    if left[0] in _DIGITS or (left[0] == "." and len(left) > 1 and left[1] in _DIGITS):
        # a pp-number runs on into a word, a quote, a dot, and after an exponent a sign
        return b in _WORD or b in "'\"." or (b in "+-" and a in "eEpP")
    if a in _WORD:
        return b in _WORD or b in "'\""  # an identifier, or a prefix of a literal
    return a == "." and b in _DIGITS


def spell(toks: Iterable[Tok]) -> str:
    """Tokens back to text: one space where the source had white space, and where
    two tokens side by side would lex as others, so the text lexes as ``toks``."""
    out: list[str] = []
    prev = ""
    for t in toks:
        text = t.text
        if out and text and (t.space or (prev and _glue(prev, text))):
            out.append(" ")
        out.append(text)
        if text:
            prev = text
    return "".join(out)


def closing_paren(toks: list[Tok], open_at: int) -> int:
    """The index of the ``)`` closing the ``(`` at ``open_at`` (``len(toks)`` if none)."""
    depth = 0
    for j in range(open_at, len(toks)):
        text = toks[j].text
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth == 0:
                return j
    return len(toks)
