"""The part of Zig's syntax the Zig reader needs, read without running anything.

:class:`Module` splits a file into tokens, checks its brackets, finds its top-level
``const`` declarations, and parses the expression of one on request into the small
tree below: integer arithmetic, names, ``switch``/``if`` expressions, ``struct`` and
``enum`` containers (their fields and constants; functions are skipped unread) and
the builtins ``@as``, ``@intCast``, ``@compileError``. Other syntax inside a parsed
declaration is an :class:`AbicheckError` at its line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from ..model import AbicheckError
from .common import int_literal

_TOKEN = re.compile(
    r"""(?P<skip>\s+|//[^\n]*)
    |(?P<str>\\\\[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<id>@"(?:[^"\\\n]|\\.)*"|@?[A-Za-z_]\w*)
    |(?P<num>[0-9]\w*(?:\.[0-9]\w*)?)
    |(?P<op><<=|>>=|<<|>>|=>|==|!=|<=|>=|\.\.\.|\.\.|\+\+|\*\*|\|\||[-+*]%
       |[-+*/%&|^]=|[{}()\[\];:,.=<>+\-*/%&|^~!?])
    |(?P<bad>.)""",
    re.VERBOSE,
)
_CLOSE = {"(": ")", "[": "]", "{": "}"}
#: Binary operators by Zig's precedence, loosest first.
_LEVELS: tuple[tuple[str, ...], ...] = (("or",), ("and",), ("==", "!=", "<", ">", "<=", ">="))
_LEVELS += (("&", "^", "|"), ("<<", ">>"), ("+", "-"), ("*", "/", "%"))


@dataclass(frozen=True, slots=True)
class Node:
    """An expression, at the line where it starts."""

    line: int


@dataclass(frozen=True, slots=True)
class Num(Node):
    value: int


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A name, maybe dotted: ``native_arch``, ``MAP_TYPE``, ``u32``."""

    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EnumLiteral(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``callee(args)``, or a builtin's ``@name(args)``."""

    callee: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unavailable(Node):
    """``@compileError(...)``: not available on this architecture."""


@dataclass(frozen=True, slots=True)
class Switch(Node):
    """``switch (subject) { .a, .b => x, else => y }``; an ``else`` arm has labels None."""

    subject: Node
    arms: tuple[tuple[tuple[str, ...] | None, Node], ...]


@dataclass(frozen=True, slots=True)
class If(Node):
    cond: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Member(Node):
    """A container's field (``type`` set, for an enum ``value`` maybe) or constant
    (``value`` set); ``text`` is its source as written."""

    name: str
    type: Node | None
    value: Node | None
    text: str


@dataclass(frozen=True, slots=True)
class Container(Node):
    """``[packed] struct[(backing)] {...}`` or ``enum[(tag)] {...}``."""

    kind: str
    packed: bool
    backing: Node | None
    fields: tuple[Member, ...]
    decls: tuple[Member, ...]

    def decl(self, name: str) -> Member | None:
        return next((d for d in self.decls if d.name == name), None)


class Module:
    """A Zig file's tokens and top-level constants; ``parse(name)`` gives one's tree."""

    def __init__(self, text: str, file: str) -> None:
        self.text, self.file = text, file
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._tokens = self._tokenize()
        self._match: dict[int, int] = {}
        self._decls: dict[str, int] = {}
        self._scan()
        self._parsed: dict[str, Node] = {}
        self._pos = 0

    def has(self, name: str) -> bool:
        return name in self._decls

    def parse(self, name: str) -> Node:
        """The tree of the top-level constant ``name`` (which :meth:`has`)."""
        if name not in self._parsed:
            self._pos = self._decls[name]
            node = self._expr()
            self._expect(";")
            self._parsed[name] = node
        return self._parsed[name]

    # tokens and brackets

    def line(self, offset: int) -> int:
        return bisect_right(self._newlines, offset - 1) + 1

    def error(self, message: str, index: int) -> AbicheckError:
        offset = self._tokens[min(index, len(self._tokens) - 1)][2] if self._tokens else 0
        return AbicheckError(message, self.file, self.line(offset))

    def _tokenize(self) -> list[tuple[str, str, int]]:
        tokens = []
        for m in _TOKEN.finditer(self.text):
            kind = m.lastgroup or "bad"
            if kind == "bad":
                what = "unterminated literal" if m.group() in "\"'" else "unexpected character"
                raise AbicheckError(f"{what} {m.group()!r}", self.file, self.line(m.start()))
            if kind != "skip":
                tokens.append((kind, m.group(), m.start()))
        return tokens

    def _scan(self) -> None:
        """Match the brackets; note where each top-level ``const``'s value starts."""
        stack: list[int] = []
        consts: list[int] = []
        for i, (kind, text, _) in enumerate(self._tokens):
            if kind == "op" and text in _CLOSE:
                stack.append(i)
            elif kind == "op" and text in ")]}":
                if not stack or _CLOSE[self._tokens[stack[-1]][1]] != text:
                    raise self.error(f"unexpected {text!r}", i)
                self._match[stack.pop()] = i
            elif text == "const" and not stack and self._starts_decl(i):
                consts.append(i)
        if stack:
            raise self.error(f"{self._tokens[stack[-1]][1]!r} is not closed", stack[-1])
        for i in consts:
            self._pos = i + 2
            self._skip_to(("=", ";", "{"), len(self._tokens))
            if self._text() == "=" and self._tokens[i + 1][0] == "id":
                self._decls.setdefault(_ident(self._tokens[i + 1][1]), self._pos + 1)

    def _starts_decl(self, i: int) -> bool:
        """Whether the ``const`` at token ``i`` starts a declaration (not ``*const T``)."""
        return i == 0 or self._tokens[i - 1][1] in ("pub", ";", "}")

    def _text(self, ahead: int = 0) -> str:
        i = self._pos + ahead
        return self._tokens[i][1] if i < len(self._tokens) else ""

    def _kind(self, ahead: int = 0) -> str:
        i = self._pos + ahead
        return self._tokens[i][0] if i < len(self._tokens) else ""

    def _next(self) -> tuple[str, str, int]:
        if self._pos >= len(self._tokens):
            raise self.error("unexpected end of file", self._pos)
        self._pos += 1
        return self._tokens[self._pos - 1]

    def _expect(self, text: str) -> None:
        if self._text() != text:
            found = self._text() or "end of file"
            raise self.error(f"expected {text!r}, found {found!r}", self._pos)
        self._pos += 1

    def _skip_to(self, stops: tuple[str, ...], end: int) -> None:
        """Advance to the next token in ``stops`` (or ``end``), over bracketed groups."""
        while self._pos < end and self._text() not in stops:
            self._pos = self._match.get(self._pos, self._pos) + 1

    def _here(self) -> int:
        return self.line(self._tokens[min(self._pos, len(self._tokens) - 1)][2])

    # expressions

    def _expr(self, level: int = 0) -> Node:
        if level == len(_LEVELS):
            return self._unary()
        left = self._expr(level + 1)
        while self._text() in _LEVELS[level]:
            line, op = self._here(), self._next()[1]
            left = Binary(line, op, left, self._expr(level + 1))
        return left

    def _unary(self) -> Node:
        if self._text() in ("-", "~", "!"):
            line, op = self._here(), self._next()[1]
            return Unary(line, op, self._unary())
        return self._primary()

    def _primary(self) -> Node:
        line, start = self._here(), self._pos
        kind, text, _ = self._next()
        if kind == "num":
            value = int_literal(text)
            if value is None:
                raise self.error(f"not an integer: {text}", start)
            return Num(line, value)
        if text == "(":
            node = self._expr()
            self._expect(")")
            return node
        if text == "." and self._kind() == "id":
            return EnumLiteral(line, _ident(self._next()[1]))
        if text in ("switch", "if"):
            return self._switch(line) if text == "switch" else self._if(line)
        if text in ("packed", "extern", "struct", "enum", "union", "opaque"):
            return self._container(line, text)
        if kind == "id" and text.startswith("@") and not text.startswith('@"'):
            return self._builtin(line, text)
        if kind == "id":
            return self._name(line, _ident(text))
        raise self.error(f"unsupported syntax {text!r}", start)

    def _name(self, line: int, first: str) -> Node:
        parts = [first]
        while self._text() == "." and self._kind(1) == "id":
            parts.append(_ident(self._tokens[self._pos + 1][1]))
            self._pos += 2
        if self._text() != "(":
            return Name(line, tuple(parts))
        return Call(line, ".".join(parts), self._args())

    def _builtin(self, line: int, name: str) -> Node:
        if name == "@compileError":
            self._pos = self._match.get(self._pos, self._pos) + 1
            return Unavailable(line)
        if name not in ("@as", "@intCast"):
            raise self.error(f"unsupported builtin {name}", self._pos - 1)
        return Call(line, name, self._args())

    def _args(self) -> tuple[Node, ...]:
        self._expect("(")
        args = []
        while self._text() != ")":
            args.append(self._expr())
            if self._text() != ")":
                self._expect(",")
        self._pos += 1
        return tuple(args)

    def _switch(self, line: int) -> Node:
        self._expect("(")
        subject = self._expr()
        self._expect(")")
        self._expect("{")
        arms: list[tuple[tuple[str, ...] | None, Node]] = []
        while self._text() != "}":
            labels = self._labels()
            arms.append((labels, self._expr()))
            if self._text() != "}":
                self._expect(",")
        self._pos += 1
        return Switch(line, subject, tuple(arms))

    def _labels(self) -> tuple[str, ...] | None:
        if self._text() == "else":
            self._pos += 1
            self._expect("=>")
            return None
        labels = []
        while self._text() != "=>":
            self._expect(".")
            labels.append(_ident(self._next()[1]))
            if self._text() != "=>":
                self._expect(",")
        self._pos += 1
        return tuple(labels)

    def _if(self, line: int) -> Node:
        self._expect("(")
        cond = self._expr()
        self._expect(")")
        then = self._expr()
        self._expect("else")
        return If(line, cond, then, self._expr())

    def _container(self, line: int, first: str) -> Node:
        packed = first == "packed"
        kind = self._next()[1] if first in ("packed", "extern") else first
        if kind not in ("struct", "enum"):
            raise self.error(f"unsupported container {kind!r}", self._pos - 1)
        backing = None
        if self._text() == "(":
            self._pos += 1
            backing = self._expr()
            self._expect(")")
        if self._text() != "{":
            self._expect("{")
        close = self._match[self._pos]
        self._pos += 1
        fields: list[Member] = []
        decls: list[Member] = []
        while self._pos < close:
            self._member(kind, close, fields, decls)
        self._pos = close + 1
        return Container(line, kind, packed, backing, tuple(fields), tuple(decls))

    def _member(self, kind: str, close: int, fields: list[Member], decls: list[Member]) -> None:
        start = self._pos
        if self._text() == "pub":
            self._pos += 1
        word = self._text()
        if word == "const":
            decls.append(self._const(start))
        elif word == "var":
            self._skip_to((";",), close)
            self._pos += 1
        elif word in ("fn", "inline", "export", "extern", "comptime", "test"):
            self._skip_to(("{",), close)  # then over the body
            self._pos = self._match.get(self._pos, self._pos) + 1
        elif word == "_" and kind == "enum":
            self._pos += 1  # a non-exhaustive enum's marker
            self._end_field(close)
        else:
            fields.append(self._field(kind, start, close))

    def _const(self, start: int) -> Member:
        self._pos += 1
        line, name = self._here(), _ident(self._next()[1])
        self._skip_to(("=",), len(self._tokens))
        self._expect("=")
        value = self._expr()
        self._expect(";")
        return Member(line, name, None, value, self._source(start, self._pos - 1))

    def _field(self, kind: str, start: int, close: int) -> Member:
        line, (token_kind, text, _) = self._here(), self._next()
        if token_kind != "id":
            raise self.error(f"unsupported syntax {text!r}", self._pos - 1)
        type_: Node | None = None
        value: Node | None = None
        if kind == "struct":
            self._expect(":")
            type_ = self._primary()
            if self._text() == "=":
                self._skip_to((",",), close)  # the default value
        elif self._text() == "=":
            self._pos += 1
            value = self._expr()
        member = Member(line, _ident(text), type_, value, self._source(start, self._pos))
        self._end_field(close)
        return member

    def _end_field(self, close: int) -> None:
        if self._pos < close:
            self._expect(",")

    def _source(self, first: int, end: int) -> str:
        """The text of tokens ``first`` to ``end`` (excluded), as written."""
        last = self._tokens[end - 1]
        return self.text[self._tokens[first][2] : last[2] + len(last[1])]


def _ident(text: str) -> str:
    """An identifier's name: ``@"32BIT"`` is ``32BIT``."""
    return text[2:-1] if text.startswith('@"') else text
