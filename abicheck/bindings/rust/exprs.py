"""Constant expressions: parsed once into a tree, evaluated per target.

The grammar is the integer part of Rust's: literals (hex, octal, binary, decimal,
``_`` separators, type suffixes; byte literals ``b'E'``), paths to other constants,
parentheses, unary ``-`` ``!``, ``as`` casts, ``* / %``, ``+ -``, ``<< >>``, ``&``,
``^``, ``|`` with Rust's precedence. Anything else (calls, struct literals, floats,
strings, blocks) makes the expression :class:`NotInteger`; the constant is left out.

Values are Python ints kept in the range of their Rust type: an unsuffixed literal
has the type its context expects (the constant's declared type, the left operand's,
or ``i32`` inside an ``as`` cast and right of a shift, as rustc infers it).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .items import Path, as_path
from .lexer import Token


class NotInteger(Exception):
    """The expression is not one this evaluator gives an integer for."""


@dataclass(frozen=True, slots=True)
class IntType:
    """A Rust integer type: its width in bits and whether it is signed."""

    bits: int
    signed: bool

    def wrap(self, value: int) -> int:
        """``value`` reduced to this type's range, as ``as`` does."""
        value &= (1 << self.bits) - 1
        if self.signed and value >> (self.bits - 1):
            value -= 1 << self.bits
        return value


#: The fixed-width primitive integer types (``isize``/``usize`` depend on the target).
PRIMITIVES: dict[str, IntType] = {
    f"{sign}{bits}": IntType(bits, sign == "i") for sign in "iu" for bits in (8, 16, 32, 64, 128)
}
SIZED = frozenset({"isize", "usize"})


@dataclass(frozen=True, slots=True)
class Lit:
    value: int
    suffix: str


@dataclass(frozen=True, slots=True)
class Ref:
    path: Path


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    arg: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Cast:
    arg: Node
    type: Path


Node = Lit | Ref | Unary | Binary | Cast

_BINARY = {"|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_CAST_PRECEDENCE = 7


def parse_expr(tokens: Sequence[Token]) -> Node:
    """The tree of ``tokens``. Raises :class:`NotInteger` for anything outside the
    grammar of the module docstring."""
    parser = _ExprParser(tokens)
    node = parser.binary(0)
    if parser.i != len(tokens):
        raise NotInteger(tokens[parser.i].text)
    return node


class _ExprParser:
    def __init__(self, tokens: Sequence[Token]) -> None:
        self.toks = tokens
        self.i = 0

    def peek(self) -> str:
        return self.toks[self.i].text if self.i < len(self.toks) else ""

    def binary(self, floor: int) -> Node:
        left = self.unary()
        while True:
            op = self.peek()
            if op == "as" and floor < _CAST_PRECEDENCE:
                self.i += 1
                left = Cast(left, self.type_path())
                continue
            level = _BINARY.get(op, 0)
            if level <= floor:
                return left
            self.i += 1
            left = Binary(op, left, self.binary(level))

    def unary(self) -> Node:
        op = self.peek()
        if op in ("-", "!"):
            self.i += 1
            return Unary(op, self.unary())
        if op == "(":
            self.i += 1
            inner = self.binary(0)
            if self.peek() != ")":
                raise NotInteger("(")
            self.i += 1
            return inner
        tok = self.toks[self.i] if self.i < len(self.toks) else None
        if tok is not None and tok.kind == "num":
            self.i += 1
            return literal(tok.text)
        if tok is not None and tok.text.startswith("b'"):
            self.i += 1
            return byte_literal(tok.text)
        return Ref(self.type_path())

    def type_path(self) -> Path:
        """The path at the cursor (``X``, ``::X``, ``super::X``, ``crate::m::X``)."""
        start = self.i
        if self.peek() == "::":
            self.i += 1
        while self.i < len(self.toks) and self.toks[self.i].kind == "ident":
            self.i += 1
            if self.peek() != "::":
                break
            self.i += 1
        path = as_path(self.toks[start : self.i])
        if path is None or self.peek() in ("(", "{", "[", "!", ".", "::"):
            raise NotInteger(self.peek())
        return path


_LITERAL = re.compile(
    r"(?:0x(?P<hex>[0-9a-fA-F_]+)|0o(?P<oct>[0-7_]+)|0b(?P<bin>[01_]+)|(?P<dec>[0-9][0-9_]*))"
    r"(?P<suffix>[iu](?:8|16|32|64|128|size))?\Z"
)
_BASES = {"hex": 16, "oct": 8, "bin": 2, "dec": 10}


def literal(text: str) -> Lit:
    """The integer literal ``text`` (``0x40_u32``, ``0o644``, ``1_000``)."""
    m = _LITERAL.match(text)
    if m is None:
        raise NotInteger(text)  # a float, or a suffix that is no integer type
    base = next(name for name in _BASES if m.group(name) is not None)
    digits = m.group(base).replace("_", "")
    if not digits:
        raise NotInteger(text)
    return Lit(int(digits, _BASES[base]), m.group("suffix") or "")


def byte_literal(text: str) -> Lit:
    """The byte literal ``text`` (``b'E'``, ``b'\\x7f'``), a ``u8``."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise NotInteger(text) from None
    if not isinstance(value, bytes) or len(value) != 1:
        raise NotInteger(text)
    return Lit(value[0], "u8")


Value = tuple[int, IntType]
#: What a path names, as the caller resolves it: a constant's typed value.
Lookup = Callable[[Path], Value]
#: A type path to its integer type (raises NotInteger when it is not one).
TypeOf = Callable[[Path], IntType]
#: The type rustc gives a literal nothing else types (inside an ``as`` cast, say).
I32 = PRIMITIVES["i32"]


def evaluate(node: Node, expected: IntType, lookup: Lookup, type_of: TypeOf) -> Value:
    """The value of ``node`` and its type, where the context expects ``expected``
    (an unsuffixed literal takes it, as rustc infers it)."""
    if isinstance(node, Lit):
        typ = type_of((node.suffix,)) if node.suffix else expected
        return typ.wrap(node.value), typ
    if isinstance(node, Ref):
        return lookup(node.path)
    if isinstance(node, Cast):
        target = type_of(node.type)
        return target.wrap(evaluate(node.arg, I32, lookup, type_of)[0]), target
    if isinstance(node, Unary):
        value, typ = evaluate(node.arg, expected, lookup, type_of)
        return typ.wrap(-value if node.op == "-" else ~value), typ
    left, typ = evaluate(node.left, expected, lookup, type_of)
    shift = node.op in ("<<", ">>")
    right = evaluate(node.right, I32 if shift else typ, lookup, type_of)[0]
    return typ.wrap(_apply(node.op, left, right)), typ


def _apply(op: str, left: int, right: int) -> int:
    if op in ("<<", ">>") and not 0 <= right < 128:
        raise NotInteger(f"shift by {right}")
    if op in ("/", "%"):
        if right == 0:
            raise NotInteger("division by zero")
        quotient = abs(left) // abs(right) * (1 if (left < 0) == (right < 0) else -1)
        return quotient if op == "/" else left - quotient * right
    return _OPS[op](left, right)


_OPS: dict[str, Callable[[int, int], int]] = {
    "|": int.__or__,
    "^": int.__xor__,
    "&": int.__and__,
    "<<": int.__lshift__,
    ">>": int.__rshift__,
    "+": int.__add__,
    "-": int.__sub__,
    "*": int.__mul__,
}


_TIGHT_AFTER = frozenset({"(", "::", "!", "[", "#"})
_TIGHT_BEFORE = frozenset({")", ",", "]", ";"})
_BEFORE_UNARY = frozenset({"", "(", "|", "^", "&", "<<", ">>", "+", "-", "*", "/", "%", "as"})


def spaced(tokens: Sequence[Token]) -> str:
    """``tokens`` as written, one space between tokens except around ``::``, inside
    brackets and after a unary operator."""
    out: list[str] = []
    prev = ""
    for tok in tokens:
        path = tok.text == "::" and prev not in _BEFORE_UNARY  # `a::b`, not `as ::b`
        tight = not out or prev in _TIGHT_AFTER or tok.text in _TIGHT_BEFORE or path
        tight = tight or prev == "-u"
        out.append(tok.text if tight else " " + tok.text)
        prev = "-u" if tok.text == "-" and prev in _BEFORE_UNARY else tok.text
    return "".join(out)


__all__ = [
    "PRIMITIVES",
    "SIZED",
    "IntType",
    "Lookup",
    "Node",
    "NotInteger",
    "TypeOf",
    "I32",
    "Value",
    "evaluate",
    "literal",
    "parse_expr",
    "spaced",
]
