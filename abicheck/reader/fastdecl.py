"""The fast path for declarations: the plain struct, union and typedef statements
most of a uapi header's declarations are, parsed straight into the AST pycparser
builds for them; anything else is left to pycparser."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .cnodes import c_ast
from .datamodel import STANDARD_TYPEDEFS
from .exprparse import _ENUM_HAS_TYPE, _PYCPARSER_KEYWORDS, FastParser
from .fold import NotConstant
from .tokens import Tok, tokenize

# the type words pycparser reads as IdentifierType names (others: left to it)
_TYPE_WORDS = frozenset(
    {"void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "_Bool"}
)
_QUALS = frozenset({"const", "volatile"})

Pair = tuple[str, str]


class _GiveUp(Exception):
    """The statement has a form the fast path does not read."""


class _Reader:
    def __init__(self, toks: list[Pair], is_type: Callable[[str], bool]) -> None:
        self.toks = toks
        self.i = 0
        self.is_type = is_type
        self.typedef: bool | None = False  # None in a member, where it cannot appear

    def peek(self) -> str:
        return self.toks[self.i][1] if self.i < len(self.toks) else ""

    def take(self) -> Pair:
        if self.i >= len(self.toks):
            raise _GiveUp
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        if self.take()[1] != text:
            raise _GiveUp

    # -- specifiers ------------------------------------------------------------

    def specifiers(self) -> tuple[list[str], list[c_ast.Node], list[str] | c_ast.Node]:
        """Qualifiers, ``_Alignas`` specifiers, and the type: basic words or one
        typedef name, or a struct, union or enum."""
        quals: list[str] = []
        align: list[c_ast.Node] = []
        words: list[str] = []
        named = False  # words is one typedef name
        record: c_ast.Node | None = None
        toks = self.toks
        while self.i < len(toks):
            kind, text = toks[self.i]
            if kind != "id":
                break
            if text in _QUALS:
                quals.append(text)
            elif text in _TYPE_WORDS:
                if record is not None or named:
                    raise _GiveUp
                words.append(text)
            elif text == "struct" or text == "union" or text == "enum":
                if record is not None or words:
                    raise _GiveUp
                self.i += 1
                record = self.enum() if text == "enum" else self.record(text)
                continue
            elif text == "typedef" and self.typedef is False:
                self.typedef = True
            elif text == "_Alignas":
                self.i += 1
                self.expect("(")
                value = self.expression(")")
                if value is None:
                    raise _GiveUp
                align.append(c_ast.Alignas(value))
                continue
            elif text in _PYCPARSER_KEYWORDS:
                raise _GiveUp
            elif words or record is not None:
                break  # the declarator's name (a typedef name too, as pycparser reads it)
            elif self.is_type(text):
                words.append(text)
                named = True
            else:
                raise _GiveUp
            self.i += 1
        if record is not None:
            return quals, align, record
        if not words:
            raise _GiveUp
        return quals, align, words

    def tag(self) -> str | None:
        """The tag after ``struct``, ``union`` or ``enum``, if one is there."""
        kind, text = self.toks[self.i] if self.i < len(self.toks) else ("", "")
        if kind != "id":
            return None
        if text in _PYCPARSER_KEYWORDS:
            raise _GiveUp
        self.i += 1
        return text

    def enum(self) -> c_ast.Node:
        """``enum [TAG] [{ A [= EXPR], ... }]`` after its keyword."""
        name = self.tag()
        values = None
        if self.peek() == "{":
            self.i += 1
            enumerators: list[c_ast.Node] = []
            while self.peek() != "}":
                kind, text = self.take()
                if kind != "id" or text in _PYCPARSER_KEYWORDS or self.is_type(text):
                    raise _GiveUp
                value = None
                if self.peek() == "=":
                    self.i += 1
                    value = self.expression(",", "}")
                    if value is None:
                        raise _GiveUp
                enumerators.append(c_ast.Enumerator(text, value))
                if self.peek() == ",":
                    self.i += 1
                elif self.peek() != "}":
                    raise _GiveUp
            self.i += 1
            if not enumerators:
                raise _GiveUp
            values = c_ast.EnumeratorList(enumerators)
        elif name is None:
            raise _GiveUp
        # pycparser 3.1 added the C23 underlying type
        return c_ast.Enum(name, values, None) if _ENUM_HAS_TYPE else c_ast.Enum(name, values)

    def record(self, which: str) -> c_ast.Node:
        """``struct|union [TAG] [{ members }]`` after its keyword."""
        name = self.tag()
        cls = c_ast.Struct if which == "struct" else c_ast.Union
        if self.peek() != "{":
            if name is None:
                raise _GiveUp
            return cls(name, None)
        self.i += 1
        members: list[c_ast.Node] = []
        while self.peek() != "}":
            members += self.member()
        self.i += 1
        return cls(name, members)

    def member(self) -> list[c_ast.Node]:
        outer, self.typedef = self.typedef, None
        quals, align, typ = self.specifiers()
        self.typedef = outer
        if self.peek() == ";":
            self.i += 1
            if not isinstance(typ, (c_ast.Struct, c_ast.Union)):
                raise _GiveUp
            return [c_ast.Decl(None, quals, align, [], [], typ, None, None)]
        out = []
        while True:
            decl, bits = self.declarator(members=True)
            node = c_ast.Decl(None, quals, align, [], [], decl, None, bits)
            out.append(_fixed(node, quals, typ))
            sep = self.take()[1]
            if sep == ";":
                return out
            if sep != ",":
                raise _GiveUp

    # -- declarators -------------------------------------------------------------

    def declarator(self, members: bool) -> tuple[c_ast.Node, c_ast.Node | None]:
        """``* [quals] ... NAME [dims]... [: bits]``: the declarator's type chain and
        the bit-field width (members only)."""
        ptrs: list[list[str]] = []
        while self.peek() == "*":
            self.i += 1
            q: list[str] = []
            while self.peek() in _QUALS:
                q.append(self.take()[1])
            ptrs.append(q)
        kind, text = self.toks[self.i] if self.i < len(self.toks) else ("", "")
        name = None
        if kind == "id":
            if text in _PYCPARSER_KEYWORDS:
                raise _GiveUp
            name = text
            self.i += 1
        elif not (members and text == ":" and not ptrs):
            raise _GiveUp
        dims: list[c_ast.Node | None] = []
        while self.peek() == "[":
            if name is None:
                raise _GiveUp
            self.i += 1
            dims.append(self.expression("]"))
        bits = None
        if members and self.peek() == ":":
            self.i += 1
            bits = self.expression(",", ";")
            if bits is None:
                raise _GiveUp
        elif name is None:
            raise _GiveUp
        node: c_ast.Node = c_ast.TypeDecl(name, None, None, None)
        for q in ptrs:
            node = c_ast.PtrDecl(q, node)
        for dim in reversed(dims):
            node = c_ast.ArrayDecl(node, dim, [])
        return node, bits

    def expression(self, *ends: str) -> c_ast.Node | None:
        """The constant expression up to one of ``ends`` at depth 0 (None if empty);
        a closing ``]`` or ``)`` is taken, a ``,``, ``;`` or ``}`` left."""
        start = self.i
        depth = 0
        toks = self.toks
        while True:
            if self.i >= len(toks):
                raise _GiveUp
            text = toks[self.i][1]
            if depth == 0 and text in ends:
                break
            if text == "(" or text == "[":
                depth += 1
            elif text == ")" or text == "]":
                depth -= 1
                if depth < 0:
                    raise _GiveUp
            elif text == "{" or text == "}" or text == ";":
                raise _GiveUp
            self.i += 1
        pairs = toks[start : self.i]
        if ends == ("]",) or ends == (")",):
            self.i += 1
        if not pairs:
            return None
        try:
            node = FastParser.parse(pairs, self.is_type)
        except NotConstant:
            raise _GiveUp from None
        if node is None:
            raise _GiveUp
        return node


def _fixed(decl: c_ast.Node, quals: list[str], typ: list[str] | c_ast.Node) -> c_ast.Node:
    """pycparser's ``_fix_decl_name_type``: the name and qualifiers onto the
    declaration and its TypeDecl, the base type at the bottom of the chain."""
    t = decl.type
    while not isinstance(t, c_ast.TypeDecl):
        t = t.type
    decl.name = t.declname
    t.quals = quals[:]
    t.type = c_ast.IdentifierType(list(typ)) if isinstance(typ, list) else typ
    return decl


def fast_declaration(
    text: str, scope: Mapping[str, object], tokens: Sequence[Tok] | None = None
) -> c_ast.FileAST | None:
    """One plain declaration statement (``[typedef] specifiers declarators;`` with
    struct, union and enum bodies, ``_Alignas``, pointers, arrays and bit-fields) as pycparser reads
    it, or None to leave it to pycparser. ``tokens``: ``text`` tokenized, if at hand."""

    def is_type(name: str) -> bool:  # as ExprParser is told
        return name in STANDARD_TYPEDEFS or name in scope

    toks = [(t.kind, t.text) for t in (tokenize(text) if tokens is None else tokens)]
    if not toks or toks[-1][1] != ";":
        return None
    r = _Reader(toks, is_type)
    try:
        quals, align, typ = r.specifiers()
        typedef = r.typedef is True
        if r.peek() == ";":
            if typedef or isinstance(typ, list) or r.i + 1 != len(toks):
                return None
            return c_ast.FileAST([c_ast.Decl(None, quals, align, [], [], typ, None, None)])
        storage = ["typedef"] if typedef else []
        out: list[c_ast.Node] = []
        while True:
            decl, _ = r.declarator(members=False)
            node: c_ast.Node
            if typedef:
                node = c_ast.Typedef(None, quals, storage, decl)
                if align:  # kept on the TypeDecl, as ExprParser keeps them
                    t = decl
                    while not isinstance(t, c_ast.TypeDecl):
                        t = t.type
                    t.align = list(align)
            else:
                node = c_ast.Decl(None, quals, align, storage, [], decl, None, None)
            out.append(_fixed(node, quals, typ))
            sep = r.take()[1]
            if sep == ";":
                break
            if sep != ",":
                return None
        if r.i != len(toks):
            return None
    except _GiveUp:
        return None
    return c_ast.FileAST(out)
