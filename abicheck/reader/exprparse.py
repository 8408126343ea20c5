"""Expression parsers building pycparser's AST: ``FastParser`` for the simple
expressions most values are, pycparser told the typedef names
(:class:`abicheck.reader.cparser.ExprParser`, imported when first needed) for the rest."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from .cnodes import c_ast
from .datamodel import (
    BASIC_TYPE_WORDS,
    C_KEYWORDS,
    INTEGER_TYPE_WORDS,
    QUALIFIERS,
    STANDARD_TYPEDEFS,
    TAG_WORDS,
)
from .fold import NotConstant
from .tokens import tokenize

if TYPE_CHECKING:
    from .cparser import ExprParser


# -- the fast path -------------------------------------------------------------------

_FAST_INT_RE = re.compile(
    r"(?:0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)(?:[uU](?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU]?)?\Z"
)
_BINARY_PRECEDENCE = {
    "||": 1,
    "&&": 2,
    "|": 3,
    "^": 4,
    "&": 5,
    "==": 6,
    "!=": 6,
    "<": 7,
    ">": 7,
    "<=": 7,
    ">=": 7,
    "<<": 8,
    ">>": 8,
    "+": 9,
    "-": 9,
    "*": 10,
    "/": 10,
    "%": 10,
}
_UNARY = frozenset({"+", "-", "~", "!"})
_NOT_IDENTIFIERS = C_KEYWORDS | {"__typeof__", "typeof", "_Generic"}
# words pycparser reads as the start of a type name
_TYPE_START = (BASIC_TYPE_WORDS - {"__int128"}) | QUALIFIERS | TAG_WORDS
# pycparser's keywords beyond those: C's statement words and its builtins
_PYCPARSER_KEYWORDS = C_KEYWORDS | {
    "offsetof",
    "_Alignas",
    "_Atomic",
    "_Complex",
    "_Noreturn",
    "_Pragma",
    "_Static_assert",
    "_Thread_local",
    "auto",
    "break",
    "case",
    "continue",
    "default",
    "do",
    "else",
    "for",
    "goto",
    "if",
    "inline",
    "restrict",
    "return",
    "switch",
    "while",
}


class NotAnExpression(NotConstant):
    """The tokens are no C expression: pycparser's parser would refuse them too."""

    def __init__(self) -> None:
        super().__init__("not a C expression")


_FAST_INTS: set[str] = set()  # integer literals seen, so each is matched once


def _fast_int(text: str) -> bool:
    if _FAST_INT_RE.match(text):
        _FAST_INTS.add(text)
        return True
    return False


class _NotFast(Exception):
    pass


class FastParser:
    """A parser for the common, simple expressions of headers, building pycparser's AST.

    It takes integer and character literals, identifiers, parentheses, the unary,
    binary and conditional operators, ``sizeof`` of a type and casts to a type,
    where a type is keyword words, a struct/union tag or a typedef name: what most
    ``#define`` values are made of once expanded. ``is_type`` says which names are
    typedef names, exactly as it does for pycparser (:class:`ExprParser`), so both
    read ``(T)-1`` alike. The nodes are pycparser's own (``c_ast``) and go to the
    same :class:`Folder`; anything else (strings, floats, calls, the comma
    operator) is left to pycparser, which parses the text.
    """

    def __init__(
        self,
        toks: Sequence[tuple[str, str]],
        is_type: Callable[[str], bool],
        omitted_middle: bool = True,
    ) -> None:
        self.toks = toks
        self.i = 0
        self.is_type = is_type
        self.omitted_middle = omitted_middle

    @classmethod
    def parse(
        cls,
        toks: Sequence[tuple[str, str]],
        is_type: Callable[[str], bool],
        omitted_middle: bool = True,
    ) -> c_ast.Node | None:
        """The AST of ``toks`` (pairs of kind and text), or None to leave it to pycparser.
        ``omitted_middle``: read GNU ``x ?: y`` (as :func:`omitted_middle` builds it);
        gcc's ``#if`` does not.

        Raises NotConstant when the tokens stop short of a complete expression.
        """
        p = cls(toks, is_type, omitted_middle)
        try:
            node = p._expression()
        except IndexError:
            # The tokens end where C needs more: no parser reads an expression here.
            raise NotConstant("not a C expression") from None
        except (_NotFast, RecursionError):
            return None
        return node if p.i == len(toks) else None

    def _peek(self) -> str:
        return self.toks[self.i][1] if self.i < len(self.toks) else ""

    def _take(self, text: str) -> None:
        if self._peek() != text:
            raise _NotFast
        self.i += 1

    def _expression(self) -> c_ast.Node:
        """``a, b, c``: the comma operator, an ExprList as pycparser makes it."""
        first = self._ternary()
        i = self.i
        if i >= len(self.toks) or self.toks[i][1] != ",":
            return first
        exprs = [first]
        while self._peek() == ",":
            self.i += 1
            exprs.append(self._ternary())
        return c_ast.ExprList(exprs)

    def _ternary(self) -> c_ast.Node:
        cond = self._binary(1)
        i = self.i
        if i >= len(self.toks) or self.toks[i][1] != "?":
            return cond
        self.i = i + 1
        if self.omitted_middle and self._peek() == ":":
            self.i += 1
            return omitted_middle(cond, self._ternary())
        iftrue = self._expression()
        self._take(":")
        return c_ast.TernaryOp(cond, iftrue, self._ternary())

    def _binary(self, min_prec: int) -> c_ast.Node:
        left = self._unary()
        toks = self.toks
        n = len(toks)
        while self.i < n:
            kind, op = toks[self.i]
            prec = _BINARY_PRECEDENCE.get(op, 0)
            if prec < min_prec or kind != "punct":
                return left
            self.i += 1
            left = c_ast.BinaryOp(op, left, self._binary(prec + 1))
        return left

    def _type_name(self) -> c_ast.Typename | None:
        """A type name up to the next ``)``: keyword words, a struct/union tag or a
        typedef name, then ``*``s, then ``[N]``s; None (nothing consumed) otherwise."""
        toks = self.toks
        n = len(toks)
        j = self.i
        words: list[str] = []
        while j < n:
            kind, word = toks[j]
            if kind != "id":
                break
            if word != "const" and word != "volatile":
                words.append(word)
            j += 1
        if not words:
            return None
        inner: c_ast.Node
        if len(words) == 1:  # the common case: one word, a type's or a typedef's
            if words[0] not in INTEGER_TYPE_WORDS and not self.is_type(words[0]):
                return None
            inner = c_ast.IdentifierType(words)
        elif all(w in INTEGER_TYPE_WORDS for w in words):
            inner = c_ast.IdentifierType(words)
        elif len(words) == 2 and words[0] in ("struct", "union"):
            inner = (c_ast.Struct if words[0] == "struct" else c_ast.Union)(words[1], None)
        else:
            return None
        decl: c_ast.Node = c_ast.TypeDecl(None, [], None, inner)
        while j < n and toks[j][1] == "*":
            decl = c_ast.PtrDecl([], decl)
            j += 1
        dims: list[c_ast.Node] = []
        while j + 2 < n and toks[j][1] == "[" and toks[j + 2][1] == "]":
            if toks[j + 1][0] != "num" or not _FAST_INT_RE.match(toks[j + 1][1]):
                return None
            dims.append(c_ast.Constant("int", toks[j + 1][1]))
            j += 3
        for dim in reversed(dims):
            decl = c_ast.ArrayDecl(decl, dim, [])
        if j >= n or toks[j][1] != ")":
            return None
        self.i = j
        return c_ast.Typename(None, [], None, decl)

    def _unary(self) -> c_ast.Node:
        kind, text = self.toks[self.i]
        if kind == "num":  # the common case first
            if text in _FAST_INTS or _fast_int(text):
                self.i += 1
                return c_ast.Constant("int", text)
            raise _NotFast
        if kind == "punct" and text in _UNARY:
            self.i += 1
            return c_ast.UnaryOp(text, self._unary())
        if kind == "id" and text == "sizeof":
            self.i += 1
            self._take("(")
            typename = self._type_name()
            if typename is None:
                raise _NotFast
            self._take(")")
            return c_ast.UnaryOp("sizeof", typename)
        if text == "(" and kind == "punct":
            self.i += 1
            typename = self._type_name() if self.toks[self.i][0] == "id" else None
            if typename is not None:
                self._take(")")
                return c_ast.Cast(typename, self._unary())
            node = self._expression()
            self._take(")")
            return node
        if kind == "chr":
            self.i += 1
            return c_ast.Constant("char", text)
        if kind == "id" and text not in _NOT_IDENTIFIERS and not self.is_type(text):
            self.i += 1
            if self._peek() != "(":
                return c_ast.ID(text)
            self.i += 1
            args: list[c_ast.Node] = []
            while self._peek() != ")":
                if args:
                    self._take(",")
                kind, word = self.toks[self.i]
                if kind == "id" and (word in _TYPE_START or self.is_type(word)):
                    if text in _PYCPARSER_KEYWORDS:
                        raise _NotFast  # offsetof(type, member)
                    # C's grammar, and pycparser's, has no type name in an argument
                    raise NotAnExpression
                args.append(self._ternary())
            self.i += 1
            return c_ast.FuncCall(c_ast.ID(text), c_ast.ExprList(args) if args else None)
        raise _NotFast


def omitted_middle(cond: c_ast.Node, iffalse: c_ast.Node) -> c_ast.TernaryOp:
    """GNU ``cond ?: iffalse``: ``cond ? cond : iffalse`` with ``cond`` evaluated once
    (the same node as condition and as true branch, which the folder sees)."""
    return c_ast.TernaryOp(cond, cond, iffalse)


def _with_middles(text: str) -> str | None:
    """``text`` with each GNU ``x ?: y`` spelled ``x ? (x) : y`` for pycparser, which
    has no such form (the same value and type: a constant expression has no side
    effects); None where it holds none."""
    toks = tokenize(text)
    if not any(
        t.text == "?" and i + 1 < len(toks) and toks[i + 1].text == ":" for i, t in enumerate(toks)
    ):
        return None
    out: list[str] = []
    starts: list[int] = [0]  # where the current operand began, per open parenthesis
    for i, t in enumerate(toks):
        x = t.text
        if t.kind == "punct" and x == "?" and i + 1 < len(toks) and toks[i + 1].text == ":":
            out += ["?", "(", *out[starts[-1] :], ")"]
            continue
        out.append(x)
        if t.kind != "punct":
            continue
        if x in ("(", "["):
            starts.append(len(out))
        elif x in (")", "]") and len(starts) > 1:
            starts.pop()
        elif x in (",", "?", ":") or x.endswith("=") and x not in ("==", "!=", "<=", ">="):
            starts[-1] = len(out)
    return " ".join(out)


def balanced(pairs: Sequence[tuple[str, str]]) -> bool:
    """Whether the parentheses among (kind, text) tokens pair up."""
    depth = 0
    for kind, text in pairs:
        if kind == "punct":
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
                if depth < 0:
                    return False
    return depth == 0


_ENUM_HAS_TYPE = "underlying_type" in c_ast.Enum.__slots__


def fast_enum(text: str, scope: Mapping[str, object]) -> c_ast.FileAST | None:
    """``enum [TAG] { A, B = EXPR, ... };`` as pycparser reads it, its values by
    the fast path: the AST pycparser would build, or None to leave it to pycparser."""

    def is_type(name: str) -> bool:  # as ExprParser is told
        return name in STANDARD_TYPEDEFS or name in scope

    toks = [(t.kind, t.text) for t in tokenize(text)]
    i = 2 if len(toks) > 1 and toks[1][0] == "id" else 1
    if len(toks) < i + 3 or toks[i][1] != "{" or toks[-2][1] != "}" or toks[-1][1] != ";":
        return None
    items: list[list[tuple[str, str]]] = [[]]
    depth = 0
    for tok in toks[i + 1 : -2]:
        t = tok[1]
        if t == "(" or t == "[":
            depth += 1
        elif t == ")" or t == "]":
            depth -= 1
        elif t == "," and depth == 0 and tok[0] == "punct":
            items.append([])
            continue
        items[-1].append(tok)
    if not items[-1] and len(items) > 1:
        items.pop()  # a trailing comma
    enumerators: list[c_ast.Node] = []
    for item in items:
        if not item or item[0][0] != "id" or item[0][1] in C_KEYWORDS or is_type(item[0][1]):
            return None
        value = None
        if len(item) > 1:
            if item[1][1] != "=" or len(item) == 2:
                return None
            try:
                value = FastParser.parse(item[2:], is_type)
            except NotConstant:
                return None
            if value is None:
                return None
        enumerators.append(c_ast.Enumerator(item[0][1], value))
    tag = toks[1][1] if i == 2 else None
    values = c_ast.EnumeratorList(enumerators)
    # pycparser 3.1 added the C23 underlying type
    enum = c_ast.Enum(tag, values, None) if _ENUM_HAS_TYPE else c_ast.Enum(tag, values)
    return c_ast.FileAST([c_ast.Decl(None, [], [], [], [], enum, None, None)])


class ParseError(Exception):
    """pycparser's parser found the text no C expression or declarations (raised
    from pycparser's own ParseError)."""


class Parser:
    """pycparser told the typedef names in ``scope`` (a header's declarations set
    it); ``parsing`` is true while pycparser parses, when no typedef is to be read.
    pycparser's parser is made (and imported) when first asked to parse."""

    def __init__(self) -> None:
        self.scope: Mapping[str, object] = {}
        self.parsing = False
        self._parser: ExprParser | None = None

    def _cparser(self) -> ExprParser:
        if self._parser is None:
            from .cparser import ExprParser

            self._parser = ExprParser(lambda: self.scope)
        return self._parser

    def expression(self, text: str, omitted_middle: bool = True) -> c_ast.Node:
        """pycparser's AST for an expression (with GNU ``x ?: y`` if ``omitted_middle``);
        raises ParseError."""
        if omitted_middle and "?" in text:
            text = _with_middles(text) or text
        parser = self._cparser()
        self.parsing = True
        try:
            return parser.parse_expression(text)
        finally:
            self.parsing = False

    def declaration(self, text: str) -> c_ast.FileAST:
        """pycparser's AST for declarations; raises ParseError (or RecursionError)."""
        parser = self._cparser()
        self.parsing = True
        try:
            return parser.parse_declarations(text)
        finally:
            self.parsing = False
