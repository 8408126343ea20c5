"""The reader: C header -> table of its macros with evaluated values.

``Reader`` holds what one run shares (scanned files, the expression parser,
caches); ``Reader.read(header)`` preprocesses one header and returns every
macro visible at its end, as ``gcc -dM -E`` would list them, each evaluated:
kind ``integer`` with a value, ``function`` for function-like macros, or
``other`` with the reason it has no value.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import inspect
import operator
import platform
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pycparser import c_ast
from pycparser.c_parser import ParseError

from .model import AbicheckError, Kind, Macro
from .reader.datamodel import (
    BASIC_TYPE_WORDS,
    C_KEYWORDS,
    DATA_MODELS,
    LITERAL_SUFFIX,
    QUALIFIERS,
    STANDARD_TYPEDEFS,
    TAG_WORDS,
    DataModel,
    Value,
)
from .reader.expand import TOO_LARGE, Expander, ExpansionError
from .reader.exprparse import ExprParser, FastParser, NotAnExpression
from .reader.fold import Folder, NotConstant
from .reader.scan import FileCache, MacroDef, ScannedFile
from .reader.tokens import Tok, spell, tokenize
from .reader.walk import Preprocessor, Walk
from .resources import data_dir, display_name

_SHIPPED = str(data_dir("headers"))

BUILTIN_FILE = "<built-in>"
# All expansions of one header together: a bound on exponential macro bombs.
MAX_HEADER_EXPANSION_TOKENS = 1_000_000
COMMAND_LINE_FILE = "<command-line>"

_TYPE_WORDS = (
    BASIC_TYPE_WORDS | QUALIFIERS | TAG_WORDS | {"__signed__", "__const", "restrict", "__restrict"}
)
_NUM_RE = re.compile(r"(?:0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)[uUlL]{0,3}\Z")
_GNU_SPELLINGS = {
    "__signed__": "signed",
    "__signed": "signed",
    "__const": "const",
    "__const__": "const",
    "__volatile__": "volatile",
    "__volatile": "volatile",
    "__inline__": "inline",
    "__inline": "inline",
    "__restrict": "",
    "__restrict__": "",
    "__extension__": "",
}
_ENUM_RE = re.compile(r"\benum\b\s*(?:[A-Za-z_]\w*\s*)?\{")
_TYPEDEF_SCAN_RE = re.compile(r"\btypedef\b|[{};]")
_name = operator.attrgetter("name")
_ENUM_HAS_TYPE = "underlying_type" in inspect.signature(c_ast.Enum).parameters
_ENUMERATOR_RE = re.compile(r"(?:[{,]\s*)([A-Za-z_]\w*)")


def predefined_macros(data_model: str) -> dict[str, str]:
    """The compiler-predefined macros the reader starts from, for a data model.

    Linux uapi headers test these to pick their branches; without an
    architecture given they describe a generic Linux target.
    """
    dm = DATA_MODELS[data_model]
    defs = {
        "__linux__": "1",
        "__linux": "1",
        "__unix__": "1",
        "__STDC__": "1",
        "__STDC_VERSION__": "201710L",
        "__GNUC__": "12",
        "__GNUC_MINOR__": "2",
        "__CHAR_BIT__": "8",
        "__SIZEOF_SHORT__": "2",
        "__SIZEOF_INT__": "4",
        "__SIZEOF_LONG__": str(dm.long_bytes),
        "__SIZEOF_LONG_LONG__": "8",
        "__SIZEOF_POINTER__": str(dm.pointer_bytes),
        "__ORDER_LITTLE_ENDIAN__": "1234",
        "__ORDER_BIG_ENDIAN__": "4321",
        "__BYTE_ORDER__": "__ORDER_LITTLE_ENDIAN__",
    }
    if data_model == "lp64":
        defs.update({"__LP64__": "1", "_LP64": "1"})
    else:
        defs["__ILP32__"] = "1"
    if platform.machine() in ("x86_64", "amd64"):
        if data_model == "lp64":
            defs.update({"__x86_64__": "1", "__x86_64": "1", "__amd64__": "1", "__amd64": "1"})
        else:
            defs.update({"__i386__": "1", "__i386": "1", "i386": "1"})
    return defs


def _define(name: str, value: str, file: str) -> MacroDef:
    return MacroDef(name, None, False, None, value, file, 0, "")


def parse_cli_define(spec: str) -> tuple[str, str]:
    """``NAME`` or ``NAME=VALUE`` (as for ``-D``) -> (name, value); NAME alone means 1."""
    name, eq, value = spec.partition("=")
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        raise AbicheckError(f"-D {spec}: macro names must be identifiers")
    return name, (value if eq else "1")


@dataclass(slots=True)
class _RunDecls:
    """The declarations in one run of a file's text lines, found once per run.

    ``names`` are the identifiers in the typedef statements; ``plain`` holds the
    typedefs they declare when no macro is defined under any of those names, by
    which of those names are typedef names before the run.
    """

    enums: list[tuple[str, tuple[str, ...]]]  # statement, its enumerators
    typedefs: list[str]
    names: frozenset[str]
    plain: dict[tuple[str, ...], dict[str, c_ast.Node]] = field(default_factory=dict)


class _TypedefScope(Mapping[str, object]):
    """The typedef names pycparser is told of: the header's, read only if it asks
    for a name the header's typedef statements mention."""

    def __init__(self, ev: _Evaluation) -> None:
        self.ev = ev

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if self.ev.r.parsing:
            # asked mid-parse about a name not asked about before the parse (two
            # tokens spelled together, say): what has been read decides
            return name in self.ev.decls().typedefs
        return self.ev.is_typedef(name)

    def __getitem__(self, name: str) -> object:
        if name not in self:
            raise KeyError(name)
        return self.ev.typedefs()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.ev.typedefs())

    def __len__(self) -> int:
        return len(self.ev.typedefs())


@dataclass(slots=True)
class _Decls:
    """Enum constants and typedefs declared in a header's active text."""

    typedefs: dict[str, c_ast.Node] = field(default_factory=dict)
    enums: dict[str, Value | str] = field(default_factory=dict)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block with Python's cyclic garbage collector off (back as it was after).

    Reading fills caches with hundreds of thousands of long-lived objects and
    makes no reference cycles of note; with the collector on, its full passes
    over those caches took about as long as the reading itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Reader:
    """Reads headers into macro tables; reuse one Reader for many headers.

    ``include_dirs`` are the ``-I`` folders, ``defines`` the ``-D`` macros,
    ``data_model`` ``lp64`` or ``ilp32``; ``predefines`` replaces the generic
    compiler-predefined macros (an architecture's, say); ``unsigned_char`` is for
    targets whose plain ``char`` is unsigned (arm, powerpc, s390, ...).
    """

    def __init__(
        self,
        include_dirs: Iterable[str] = (),
        defines: Mapping[str, str] | None = None,
        data_model: str = "lp64",
        predefines: Mapping[str, str] | None = None,
        unsigned_char: bool = False,
    ) -> None:
        if data_model not in DATA_MODELS:
            raise AbicheckError(
                f"unknown data model {data_model!r}; available: {', '.join(DATA_MODELS)}"
            )
        self.model: DataModel = dataclasses.replace(
            DATA_MODELS[data_model], char_signed=not unsigned_char
        )
        self.files = FileCache()
        base = predefined_macros(data_model) if predefines is None else dict(predefines)
        self.predefined = {n: _define(n, v, BUILTIN_FILE) for n, v in base.items()}
        for n, v in (defines or {}).items():
            self.predefined[n] = _define(n, v, COMMAND_LINE_FILE)
        self.pp = Preprocessor(self.files, [str(d) for d in include_dirs], self._eval_if)
        self._typedef_scope: Mapping[str, object] = {}
        self.parser = ExprParser(lambda: self._typedef_scope)
        self.parsing = False  # pycparser is parsing: typedefs are not to be read now
        self._ast_cache: dict[str | tuple[str, ...], c_ast.Node | str] = {}
        self._if_cache: dict[str, c_ast.Node | str] = {}
        # id(tokens of an #if line) -> (those tokens, [(macros consulted, truth)])
        self._if_results: dict[
            int, tuple[list[Tok], list[tuple[tuple[tuple[str, MacroDef | None], ...], bool]]]
        ] = {}
        self._literal_cache: dict[str, Value] = {}
        self._value_cache: dict[MacroDef, tuple[_Deps, _Subs, _Reads, _Result]] = {}
        # results that rest on nothing but the definition (literals, function-like)
        self._fixed_results: dict[MacroDef, _Result] = {}
        self._templates: dict[MacroDef, _Template] = {}
        self._stmt_cache: dict[tuple[str, tuple[tuple[int, int], ...]], _RunDecls] = {}
        self._decl_ast_cache: dict[tuple[str, ...], c_ast.FileAST | None] = {}
        # declaration -> (the definitions its expansion looked up, the expanded text)
        self._decl_expansions: dict[str, tuple[_Deps, str]] = {}
        # an enum declaration resting on nothing outside it -> its constants' values
        self._enum_values: dict[str, list[tuple[str, Value | str]]] = {}
        self._stmt_tokens: dict[str, tuple[list[Tok], frozenset[str]]] = {}
        self._stmt_spelled: dict[str, str] = {}
        self._pp_folder = Folder(self.model, self._if_ident, lambda _n: None, preprocessor=True)
        self._literal_folder = Folder(self.model, self._no_ident, lambda _n: None)

    # -- public ------------------------------------------------------------

    def read(self, header: str) -> tuple[Macro, ...]:
        """Every macro visible after including ``header``, sorted by name.

        Raises AbicheckError (with file:line) for input that is not a
        readable, well-formed header.
        """
        with paused_gc():
            return self._read(header)

    def _read(self, header: str) -> tuple[Macro, ...]:
        walk = self.pp.run(header, self.predefined)
        self._typedef_scope = {}
        ev = _Evaluation(self, walk)
        # in definition order, so a macro's dependencies are mostly done before it
        # (by name, a long chain A1000 -> A999 -> ... would recurse all the way down)
        defs = list(walk.macros.values())
        macros = [ev.macro(d) for d in defs]
        deep = [d for d, m in zip(defs, macros, strict=True) if m.reason in _DEPTH_REASONS]
        if deep:
            # a chain of macros deeper than Python's stack (defined from its far
            # end, say): evaluated afresh from its near end, where each link finds
            # the one it rests on done
            self._typedef_scope = {}
            ev = _Evaluation(self, walk)
            for d in _dependency_order(deep, walk.macros):
                ev.macro(d)
            macros = [ev.macro(d) for d in defs]
        macros.sort(key=_name)
        if any(m.file.startswith(_SHIPPED) for m in macros):
            macros = [
                dataclasses.replace(m, file=display_name(m.file))
                if m.file.startswith(_SHIPPED)
                else m
                for m in macros
            ]
        return tuple(macros)

    # -- #if ---------------------------------------------------------------

    @staticmethod
    def _no_ident(name: str) -> Value:
        raise NotConstant(f"undefined identifier {name}")

    def _if_ident(self, name: str) -> Value:
        return self._pp_folder._make(0, self._pp_folder.INT)

    def _eval_if(
        self, toks: list[Tok], macros: Mapping[str, MacroDef], path: str, line: int
    ) -> tuple[bool, Iterable[str]]:
        """An ``#if``'s truth and the macro names it consulted; the same line with
        the same macros is decided once (headers include the same files over and over)."""
        hit = self._if_results.get(id(toks))
        if hit is not None and hit[0] is toks:
            for deps, result in hit[1]:
                if all(macros.get(n) is d for n, d in deps):
                    return result, [n for n, _ in deps]
        names: set[str] = set()
        result = self._decide_if(toks, macros, path, line, names)
        deps = tuple((n, macros.get(n)) for n in names)
        if hit is None:
            self._if_results[id(toks)] = (toks, [(deps, result)])
        elif len(hit[1]) < 8:
            hit[1].append((deps, result))
        return result, names

    def _decide_if(
        self,
        toks: list[Tok],
        macros: Mapping[str, MacroDef],
        path: str,
        line: int,
        names: set[str],
    ) -> bool:
        try:
            expanded = Expander(macros, names.add).expand(
                self._defined(toks, macros, path, line, names)
            )
            expanded = self._defined(expanded, macros, path, line, names)
        except ExpansionError as exc:
            raise AbicheckError(f"in #if: {exc}", path, line) from None
        parts: list[tuple[str, str]] = []
        for t in expanded:
            if t.kind == "id":
                parts.append(("num", str(int(t.text == "true"))))  # other names are 0
            elif t.kind in ("str", "other") or t.text in ("=", "{", "}", ";"):
                raise AbicheckError(f"token {t.text!r} is not valid in #if", path, line)
            else:
                parts.append((t.kind, t.text))
        text = " ".join(p[1] for p in parts)
        node = self._if_cache.get(text)
        if node is None:
            try:
                node = FastParser.parse(parts, lambda _n: False)
                if node is None:
                    if not _balanced(parts):
                        raise NotConstant("unbalanced parentheses")
                    node = self.parse_expression(text)
            except (ParseError, NotConstant):
                node = f"cannot parse #if expression: {spell(toks)}"
            except RecursionError:
                node = "#if expression nested too deeply"
            self._if_cache[text] = node
        if isinstance(node, str):
            raise AbicheckError(node, path, line)
        try:
            return self._pp_folder.fold(node).value != 0
        except NotConstant as exc:
            raise AbicheckError(f"in #if: {exc}", path, line) from None
        except RecursionError:
            raise AbicheckError("#if expression nested too deeply", path, line) from None

    def _defined(
        self,
        toks: list[Tok],
        macros: Mapping[str, MacroDef],
        path: str,
        line: int,
        names: set[str],
    ) -> list[Tok]:
        """Replace ``defined X``, ``defined(X)`` and ``__has_include(...)`` by 0 or 1."""
        out: list[Tok] = []
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            if t.kind == "id" and t.text == "defined":
                j = i + 1
                paren = j < n and toks[j].text == "("
                if paren:
                    j += 1
                if j >= n or toks[j].kind != "id":
                    raise AbicheckError("'defined' needs a macro name", path, line)
                name = toks[j].text
                j += 1
                if paren:
                    if j >= n or toks[j].text != ")":
                        raise AbicheckError("missing ')' after 'defined'", path, line)
                    j += 1
                names.add(name)
                out.append(Tok("num", "1" if name in macros else "0", t.space))
                i = j
            elif t.kind == "id" and t.text in ("__has_include", "__has_include_next"):
                j = _closing_paren(toks, i + 1)
                name = spell(toks[i + 2 : j]).replace(" ", "")
                found = False
                if len(name) > 2:
                    found = self.pp._resolve(name[1:-1], name[0] == '"', path, None)[0] is not None
                out.append(Tok("num", "1" if found else "0", t.space))
                i = j + 1
            else:
                out.append(t)
                i += 1
        return out

    # -- declarations ------------------------------------------------------

    def declarations(self, sf: ScannedFile, spans: tuple[tuple[int, int], ...]) -> _RunDecls:
        """The enum and typedef statements in the given runs of text lines of one file."""
        key = (sf.path, spans)
        hit = self._stmt_cache.get(key)
        if hit is not None:
            return hit
        text = "\n".join(sf.entries[i].text for start, end in spans for i in range(start, end))
        enums: list[tuple[str, tuple[str, ...]]] = []
        for m in _ENUM_RE.finditer(text):
            depth = 0
            for k in range(m.end() - 1, len(text)):
                c = text[k]
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        stmt = "enum " + text[m.end() - 1 : k + 1] + ";"
                        enums.append((stmt, tuple(_ENUMERATOR_RE.findall(stmt))))
                        break
        typedefs: list[str] = []
        depth = 0
        start = -1
        for m in _TYPEDEF_SCAN_RE.finditer(text):
            g = m.group()
            if g == "{":
                depth += 1
            elif g == "}":
                depth = max(depth - 1, 0)
            elif g == ";":
                if depth == 0 and start >= 0:
                    typedefs.append(text[start : m.end()])
                    start = -1
            elif depth == 0 and start < 0:
                start = m.start()
        names = frozenset().union(*(self.statement_tokens(t)[1] for t in typedefs))
        hit = self._stmt_cache[key] = _RunDecls(enums, typedefs, names)
        return hit

    def statement_tokens(self, stmt: str) -> tuple[list[Tok], frozenset[str]]:
        """A declaration's tokens and the identifiers among them (tokenized once)."""
        hit = self._stmt_tokens.get(stmt)
        if hit is None:
            toks = tokenize(stmt)
            hit = (toks, frozenset(t.text for t in toks if t.kind == "id"))
            self._stmt_tokens[stmt] = hit
        return hit

    def spelled_statement(self, stmt: str) -> str:
        """A declaration with no macros in it, as pycparser will read it."""
        hit = self._stmt_spelled.get(stmt)
        if hit is None:
            hit = self._stmt_spelled[stmt] = spell(_strip_gnu(self.statement_tokens(stmt)[0]))
        return hit

    def parse_expression(self, text: str) -> c_ast.Node:
        """pycparser's AST for an expression; raises ParseError."""
        self.parsing = True
        try:
            return self.parser.parse_expression(text)
        finally:
            self.parsing = False

    def parse_declaration(self, text: str) -> c_ast.FileAST | None:
        """pycparser's AST for one expanded declaration, or None if it will not parse;
        cached by the text and which of its identifiers are typedef names here
        (asking that reads the typedefs before pycparser parses, not during)."""
        scope = self._typedef_scope
        key = (text, *sorted(n for n in self.statement_tokens(text)[1] if n in scope))
        if key in self._decl_ast_cache:
            return self._decl_ast_cache[key]
        ast = self._fast_enum(text) if text.startswith("enum") else None
        if ast is None:
            try:
                self.parsing = True
                try:
                    ast = self.parser.parse(text, "<decl>")
                finally:
                    self.parsing = False
            except (ParseError, RecursionError):
                ast = None
        self._decl_ast_cache[key] = ast
        return ast

    def _fast_enum(self, text: str) -> c_ast.FileAST | None:
        """``enum [TAG] { A, B = EXPR, ... };`` as pycparser reads it, its values by
        the fast path: the AST pycparser would build, or None to leave it to pycparser."""
        scope = self._typedef_scope

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


_STAND_IN_TOKENS: dict[str, list[tuple[str, str]]] = {}


class _Survey(NamedTuple):
    pairs: list[tuple[str, str]]
    blocked: list[Tok]
    brace: bool
    names_decl: bool
    primary: bool


def _survey(toks: list[Tok]) -> _Survey:
    """One pass over an expansion: its (kind, text) pairs for the fast parser
    (values that stood in for macros, ``(-8)`` or ``((unsigned char)44)``,
    split back into their tokens), the tokens left unexpanded by recursion,
    whether it holds ``{``, ``;`` or ``}``, whether it names anything the
    header's declarations may define (an identifier that is no keyword and no
    struct, union or enum tag), and whether it is one primary expression (one
    token, or one parenthesized group)."""
    pairs: list[tuple[str, str]] = []
    blocked: list[Tok] = []
    brace = names_decl = early = False
    depth = 0
    last = len(toks) - 1
    prev = ""
    for i, t in enumerate(toks):
        kind = t.kind
        text = t.text
        if t.blocked:
            blocked.append(t)
        if kind == "id":
            if not names_decl and text not in C_KEYWORDS and prev not in TAG_WORDS:
                names_decl = True
            pairs.append(("id", text))
        elif kind == "num" and text[0] == "(":
            split = _STAND_IN_TOKENS.get(text)
            if split is None:
                split = _STAND_IN_TOKENS[text] = [(x.kind, x.text) for x in tokenize(text)]
            pairs += split
        else:
            if kind == "punct":
                if text == "(":
                    depth += 1
                elif text == ")":
                    depth -= 1
                    if depth == 0 and i != last:
                        early = True  # the first group closes before the end
                elif text == "{" or text == ";" or text == "}":
                    brace = True
            pairs.append((kind, text))
        prev = text
    primary = last == 0 or (
        last > 0 and toks[0].text == "(" and toks[last].text == ")" and not early
    )
    return _Survey(pairs, blocked, brace, names_decl, primary)


def _dependency_order(roots: Iterable[MacroDef], macros: Mapping[str, MacroDef]) -> list[MacroDef]:
    """The object-like macros ``roots`` rest on, and the roots, each after the
    macros its replacement names (a depth-first walk with a stack of its own)."""
    order: list[MacroDef] = []
    seen: set[str] = set()
    for root in roots:
        if root.name in seen:
            continue
        seen.add(root.name)
        stack = [(root, iter(root.body))]
        while stack:
            d, toks = stack[-1]
            for t in toks:
                dep = macros.get(t.text) if t.kind == "id" else None
                if dep is not None and dep.params is None and dep.name not in seen:
                    seen.add(dep.name)
                    stack.append((dep, iter(dep.body)))
                    break
            else:
                stack.pop()
                order.append(d)
    return order


def _balanced(pairs: Sequence[tuple[str, str]]) -> bool:
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


def _opaque(arg: list[Tok], macros: Mapping[str, MacroDef]) -> bool:
    """Whether an expanded argument behaves as one opaque operand when spliced into
    a macro's expansion: no macro name in it (it could expand on rescanning), no
    comma outside parentheses and no unbalanced parenthesis (either would split
    or join the arguments of a macro further down)."""
    depth = 0
    for t in arg:
        text = t.text
        if t.kind == "id":
            if text in macros:
                return False
        elif text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth < 0:
                return False
        elif text == "," and depth == 0:
            return False
    return depth == 0


def _closing_paren(toks: list[Tok], open_at: int) -> int:
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


def _strip_gnu(toks: list[Tok]) -> list[Tok]:
    """Drop GNU extensions pycparser does not know: __attribute__((...)), asm labels, ..."""
    out: list[Tok] = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if t.kind == "id" and t.text in (
            "__attribute__",
            "__attribute",
            "__asm__",
            "__asm",
            "asm",
            "__declspec",
        ):
            j = i + 1
            if j < n and toks[j].text == "(":
                j = _closing_paren(toks, j)
            i = j + 1
            continue
        if t.kind == "id" and t.text in _GNU_SPELLINGS:
            repl = _GNU_SPELLINGS[t.text]
            if repl:
                out.append(Tok("id", repl, True))
            i += 1
            continue
        out.append(t)
        i += 1
    return out


@dataclass(frozen=True, slots=True)
class _Result:
    """A macro's evaluation: the Macro, its typed value, and what it rested on.

    ``primary`` says the full expansion is one primary expression (a single
    token or one parenthesized group), so its value can stand in for it.
    """

    macro: Macro
    value: Value | None
    primary: bool


_TOO_DEEP = "macros nested too deeply"
# what a chain of macros deeper than Python's stack may end in, evaluated from its
# far end: a text expansion nested too deeply to parse, or using up the budget
_DEPTH_REASONS = frozenset({_TOO_DEEP, "expression nested too deeply", TOO_LARGE})
# Templates made while making another, at most: deeper, invocations expand the
# usual way (the expander's loop, not Python's stack)
MAX_TEMPLATE_NESTING = 16

# What a cached result rested on: the definitions looked up, the results of
# the macros whose values stood in for their expansions, and what it read of
# the header's declarations (enum constants, typedef names) with the answers.
_Deps = tuple[tuple[str, ...], tuple[MacroDef | None, ...]]
_Subs = tuple[tuple[MacroDef, _Result], ...]
_NO_DEPS: _Deps = ((), ())


@dataclass(frozen=True, slots=True, eq=False)
class _Template:
    """A function-like macro's full expansion with its parameters left as
    placeholders, made once and reused for its invocations.

    ``parts`` are the expansion's tokens and, where an argument goes, its
    parameter's index and whether white space comes before it (None: the
    expansion cannot be reused while ``deps`` hold); ``params`` are the
    parameters the body uses, in the order their arguments are expanded;
    ``expanded`` the macro names the expansion looked up; ``deps`` and
    ``subs`` what it rested on.
    """

    parts: tuple[Tok | tuple[int, bool], ...] | None
    params: tuple[int, ...]
    expanded: frozenset[str]
    deps: _Deps
    subs: _Subs


_Reads = tuple[tuple[str, Any, Any], ...]


def _value_token(v: Value) -> Tok | None:
    """One token whose C value and type are exactly ``v``'s."""
    t = v.type
    suffix = LITERAL_SUFFIX.get(t.name)
    if suffix is None:
        if t.rank >= 3:
            return None
        return Tok("num", f"(({t.name}){v.value})")
    if v.value >= 0:
        return Tok("num", f"{v.value}{suffix}")
    if v.value == -(1 << (t.bits - 1)):
        return Tok("num", f"(-{-v.value - 1}{suffix}-1)")
    return Tok("num", f"(-{-v.value}{suffix})")


class _Evaluation:
    """Evaluates the macros of one preprocessed header.

    A macro that expands to one primary expression with an integer value is
    replaced by a literal of that value and type when another macro's
    expansion meets it: the same result as expanding it again, and each
    macro is expanded and parsed once.
    """

    def __init__(self, reader: Reader, walk: Walk) -> None:
        self.r = reader
        self.walk = walk
        self.macros = walk.macros
        self._decls: _Decls | None = None
        # typedef statements by run: (a run with no macros in them, or the expanded texts)
        self._typedef_runs: list[tuple[_RunDecls | None, list[str]]] = []
        self._mentions: list[frozenset[str]] = []  # the identifiers in them
        self._mentioned: frozenset[str] | None = None  # all of those
        self._typedefs_read = 0  # how many of those runs pycparser has read
        self._pending_enums: dict[str, str] = {}
        self._done: dict[MacroDef, _Result] = {}
        self._templates: dict[MacroDef, _Template] = {}  # checked to hold in this header
        self._making: set[MacroDef] = set()  # templates being made
        # macros too deep to evaluate from where they were asked: expanded as
        # text from then on, not evaluated again and again
        self._too_deep: set[MacroDef] = set()
        self._no_template: set[MacroDef] = set()  # not to be tried again here
        self._active: set[str] = set()
        self._reads: list[list[tuple[str, Any, Any]]] = []
        self.budget = MAX_HEADER_EXPANSION_TOKENS
        self.folder = Folder(reader.model, self._ident, self._typedef)

    # -- one macro ---------------------------------------------------------

    def macro(self, d: MacroDef) -> Macro:
        return self._result(d).macro

    def _result(self, d: MacroDef) -> _Result:
        """The evaluation of ``d`` here: reused from an earlier header when the
        definitions it looked up, the results of the macros whose values stood in
        for their expansions, and the declarations it read are the same as then."""
        hit = self._done.get(d) or self.r._fixed_results.get(d)
        if hit is not None:
            return hit
        cached = self.r._value_cache.get(d)
        if cached is not None:
            try:
                holds = self._holds(cached[0], cached[1], cached[2])
            except RecursionError:
                holds = False  # checked from too deep: evaluated again instead
            if holds:
                res = self._done[d] = cached[3]
                return res
        res, deps, subs, reads = self._compute(d)
        if res.macro.reason == _TOO_DEEP or res.macro.reason == TOO_LARGE:
            # not kept: asked again from less deep, or with budget left, it may
            # get a value
            return res
        if deps[0] or subs or reads:
            self._done[d] = res
            self.r._value_cache[d] = (deps, subs, reads, res)
        else:
            self.r._fixed_results[d] = res
        return res

    def _holds(self, deps: _Deps, subs: _Subs, reads: _Reads) -> bool:
        """Whether what a cached result rested on is the same here."""
        if tuple(map(self.macros.get, deps[0])) != deps[1]:  # MacroDefs compare by identity
            return False
        active = self._active
        for s, sres in subs:
            # a macro under evaluation gives no value here: its expansion stands
            if s.name in active or self._result(s) is not sres:
                return False
        return all(self._answer(kind, key) == answer for kind, key, answer in reads)

    def _compute(self, d: MacroDef) -> tuple[_Result, _Deps, _Subs, _Reads]:
        if d.params is not None:
            m = Macro(d.name, "function", None, d.expr, d.file, d.line, d.comment)
            return _Result(m, None, False), _NO_DEPS, (), ()
        body = d.body
        if len(body) == 1 and body[0].kind == "num" and _NUM_RE.match(body[0].text):
            v = self._literal(body[0].text)
            if v is not None:
                m = Macro(
                    d.name, "integer", v.value, d.text, d.file, d.line, d.comment, "", v.type.name
                )
                return _Result(m, v, True), _NO_DEPS, (), ()
        names: set[str] = set()
        subs: list[tuple[MacroDef, _Result]] = []
        reads: list[tuple[str, Any, Any]] = []
        self._active.add(d.name)
        self._reads.append(reads)
        try:
            value, reason, primary = self._evaluate(d, names, subs)
        except RecursionError:
            # a chain of macros deeper than Python's stack: this link gives up,
            # the ones above it expand it as text instead (without asking again)
            value, reason, primary = None, _TOO_DEEP, False
            self._too_deep.add(d)
        finally:
            self._active.discard(d.name)
            self._reads.pop()
        kind: Kind = "integer" if value is not None else "other"
        m = Macro(
            d.name,
            kind,
            None if value is None else value.value,
            d.text,
            d.file,
            d.line,
            d.comment,
            reason,
            "" if value is None else value.type.name,
        )
        looked_up = tuple(names)
        deps = (looked_up, tuple(map(self.macros.get, looked_up)))
        return _Result(m, value, primary), deps, tuple(subs), tuple(reads)

    def _literal(self, text: str) -> Value | None:
        cache = self.r._literal_cache
        v = cache.get(text)
        if v is None:
            try:
                v = self.r._literal_folder._int_literal(text)
            except NotConstant:
                return None
            cache[text] = v
        return v

    def _evaluate(
        self,
        d: MacroDef,
        names: set[str],
        subs: list[tuple[MacroDef, _Result]],
    ) -> tuple[Value | None, str, bool]:
        """(value, reason, primary) for an object-like macro; fills in the names it
        looked up and the macros whose values stood in for their expansions."""
        if not d.body:
            return None, "empty", False

        def substitute(m: MacroDef) -> Tok | None:
            if m.name in self._active or m in self._too_deep:
                return None
            res = self._result(m)
            subs.append((m, res))
            if res.value is None or not res.primary:
                return None
            return _value_token(res.value)

        expander = Expander(self.macros, names.add, substitute, self.budget, self._call)
        try:
            toks = expander.expand([Tok("id", d.name)])
        except ExpansionError as exc:
            return None, str(exc), False
        finally:
            self.budget = max(expander.budget, 0)
        if not toks:
            return None, "empty", False
        pairs, blocked, brace, needs_decls, primary = _survey(toks)
        if blocked:
            blocked = [t for t in blocked if not self._is_enum_constant(t.text)]
        if blocked:
            chain = ", ".join(sorted(blocked[0].hide))
            return None, f"recursive ({blocked[0].text} expands to itself through {chain})", False
        if toks[0].kind == "str":
            return None, "string literal", False
        if brace:
            return None, "not an expression (statement or initializer)", False
        if needs_decls:
            # what pycparser and the fast path make of each name depends on it
            for t in toks:
                if t.kind == "id":
                    self._is_type(t.text)
        if len(toks) == 1 and toks[0].kind == "num":
            v = self._literal(toks[0].text)
            if v is not None:
                return v, "", True
        node: c_ast.Node | str | None
        try:
            node = FastParser.parse(pairs, self._is_type)
        except NotAnExpression:
            node = "not a C expression"  # as pycparser would find
        except NotConstant as exc:
            return None, str(exc), primary
        if node is None:
            # pycparser reads the text inside parentheses of its own, so unbalanced
            # ones could pair up with those
            node = self._ast(spell(toks), toks) if _balanced(pairs) else "not a C expression"
        if isinstance(node, str):
            if self._read("n", tuple((t.kind, t.text) for t in toks)):
                return None, "type name", primary
            return None, node, primary
        try:
            return self.folder.fold(node), "", primary
        except NotConstant as exc:
            return None, str(exc), primary
        except RecursionError:
            return None, "expression nested too deeply", primary

    # -- function-like macros: expansions made once, arguments put in ----------

    def _call(
        self, expander: Expander, m: MacroDef, args: list[list[Tok]], hide: frozenset[str]
    ) -> list[Tok] | None:
        """The full expansion of ``m(args)`` from its template, or None where the
        template does not give exactly what expanding it would (see _make_template)."""
        tpl = self._template(m)
        if tpl is None or tpl.parts is None or not hide.isdisjoint(tpl.expanded):
            return None
        active = self._active
        if any(sub.name in active for sub, _ in tpl.subs):
            return None  # expanding now would not put those values in
        # what the expansion rested on, as if it had been made here
        if expander.on_lookup is not None:
            for n in tpl.deps[0]:
                expander.on_lookup(n)
        if expander.substitute is not None:
            for sub, _ in tpl.subs:
                expander.substitute(sub)
        macros = self.macros
        expanded: dict[int, list[Tok]] = {}
        for k in tpl.params:
            arg = args[k]
            if any(t.kind == "id" for t in arg):
                arg = expander.expand(arg)
                if not _opaque(arg, macros):
                    return None
            expanded[k] = arg
        out: list[Tok] = []
        for part in tpl.parts:
            if isinstance(part, tuple):
                arg = expanded[part[0]]
                if arg:
                    out.append(arg[0] if arg[0].space == part[1] else arg[0].copy(space=part[1]))
                    out += arg[1:]
            elif part.kind == "id" and part.text in macros:
                # a macro name left unexpanded: its hide set shows in a "recursive" reason
                out.append(part.copy(hide=part.hide | hide))
            else:
                out.append(part)
        expander._charge(len(out))
        return out

    def _template(self, m: MacroDef) -> _Template | None:
        """``m``'s template for this header: the one made before if what it rested
        on is the same here, else a new one (None if ``m`` cannot have one)."""
        tpl = self._templates.get(m)
        if tpl is not None or m in self._no_template:
            return tpl
        if m.variadic or any(t.kind == "punct" and t.text in ("#", "##") for t in m.body):
            self._no_template.add(m)
            return None  # the arguments' spelling matters
        if m in self._making or len(self._making) >= MAX_TEMPLATE_NESTING:
            return None  # m's expansion invokes m, or templates nest deep: the usual way
        tpl = self.r._templates.get(m)
        if tpl is not None and any(sub.name in self._active for sub, _ in tpl.subs):
            return None  # its values stand in for macros being evaluated
        if tpl is None or not self._holds(tpl.deps, tpl.subs, ()):
            self._making.add(m)
            try:
                tpl = self._make_template(m)
            finally:
                self._making.discard(m)
            if tpl is None:
                # not made (an error expanding it, or a macro under evaluation in it):
                # not tried again in this header
                self._no_template.add(m)
                return None
            self.r._templates[m] = tpl
        self._templates[m] = tpl
        return tpl

    def _make_template(self, m: MacroDef) -> _Template | None:
        """Expand ``m`` with placeholder arguments. The result, arguments put in
        for the placeholders, is what expanding an invocation gives when: no
        placeholder follows the name of a function-like macro or precedes a
        ``(`` (the argument could then form an invocation with the body), the
        last token names no function-like macro (it could take a ``(`` that
        follows the invocation), no token is left unexpanded by recursion (its
        hide set would differ), no placeholder was pasted or stringified by a
        macro it was passed to, and (checked per invocation) the arguments leave
        no macro names, no comma outside parentheses and no unbalanced
        parenthesis (any of which would split or join arguments further down),
        and the invocation's hide set holds none of the macros expanded here.
        It is made on a budget of its own: what it costs is no invocation's."""
        assert m.params is not None
        index = {p: i for i, p in enumerate(m.params)}
        # the parameters the body uses, in the order their arguments get expanded
        params = tuple(dict.fromkeys(index[t.text] for t in m.body if t.text in index))
        names: set[str] = set()
        subs: list[tuple[MacroDef, _Result]] = []
        refused = False

        def substitute(sub: MacroDef) -> Tok | None:
            nonlocal refused
            if sub.name in self._active or sub in self._too_deep:
                refused = True
                return None
            res = self._result(sub)
            subs.append((sub, res))
            if res.value is None or not res.primary:
                return None
            return _value_token(res.value)

        inner = Expander(self.macros, names.add, substitute, call=self._call)
        holders = [[Tok("id", f"\0{i}")] for i in range(len(m.params))]
        try:
            toks = inner.expand(inner._subst(m, holders, frozenset((m.name,))))
        except ExpansionError:
            return None
        if refused:
            return None  # made in this evaluation's context only
        macros = self.macros
        looked_up = tuple(n for n in names if n[0] != "\0")
        defs = tuple(map(macros.get, looked_up))
        expanded = frozenset(n for n, d in zip(looked_up, defs, strict=True) if d is not None)

        def function_like(t: Tok) -> bool:
            d = macros.get(t.text) if t.kind == "id" else None
            return d is not None and d.params is not None

        usable = bool(toks) and not function_like(toks[-1])
        parts: list[Tok | tuple[int, bool]] = []
        for i, t in enumerate(toks):
            if t.blocked:
                usable = False
            if "\0" in t.text and (t.kind != "id" or t.text[0] != "\0"):
                usable = False  # a placeholder pasted or stringified: the spelling counts
            elif t.kind == "id" and t.text[0] == "\0":
                if (i > 0 and function_like(toks[i - 1])) or (
                    i + 1 < len(toks) and toks[i + 1].text == "("
                ):
                    usable = False
                parts.append((int(t.text[1:]), t.space))
            else:
                parts.append(t)
        return _Template(
            tuple(parts) if usable else None, params, expanded, (looked_up, defs), tuple(subs)
        )

    def _ast(self, text: str, toks: list[Tok]) -> c_ast.Node | str:
        """The parsed expression, cached by its text and the typedef names in it."""
        names = {t.text for t in toks if t.kind == "id"}
        scope = self.r._typedef_scope
        # asking the scope about each name now reads the typedefs it needs: pycparser
        # asks mid-parse, and reading them then would parse within its parse
        key = (text, *sorted(n for n in names if n in scope))
        cache = self.r._ast_cache
        node = cache.get(key)
        if node is None:
            try:
                node = self.r.parse_expression(text)
            except ParseError:
                node = "not a C expression"
            except RecursionError:
                node = "expression nested too deeply"
            cache[key] = node
        return node

    # -- what evaluations read of the declarations, recorded for the cache ----

    def _read(self, kind: str, key: Any) -> Any:
        """The answer to one question about the header's declarations, noted for
        the evaluation under way (a cached result holds where the answers do)."""
        answer = self._answer(kind, key)
        if self._reads:
            self._reads[-1].append((kind, key, answer))
        return answer

    def _answer(self, kind: str, key: Any) -> Any:
        if kind == "y":  # is a typedef name (as pycparser is told)
            return key in BASIC_TYPE_WORDS or key in STANDARD_TYPEDEFS or self.is_typedef(key)
        if kind == "t":  # typedef name -> its type AST
            return self.typedefs(key).get(key) if self.mentioned(key) else None
        if kind == "c":  # is an enum constant
            decls = self.decls()
            return key in decls.enums or key in self._pending_enums
        if kind == "e":  # identifier -> its value, or why it has none
            return self._ident_answer(key)
        return self._is_type_name(key)  # "n": do these tokens spell a type name

    def _is_type_name(self, toks: tuple[tuple[str, str], ...]) -> bool:
        for kind, text in toks:
            if kind != "id" and kind != "num" and text not in ("*", "(", ")", "[", "]"):
                return False
        first = toks[0][1]
        return first in _TYPE_WORDS or first in STANDARD_TYPEDEFS or self.is_typedef(first)

    def _is_type(self, name: str) -> bool:
        """Whether ``name`` is a typedef name here, as pycparser is told (ExprParser)."""
        return bool(self._read("y", name))

    def _is_enum_constant(self, name: str) -> bool:
        """``#define X X`` naming an enum constant X is no recursion: X is the constant."""
        return bool(self._read("c", name))

    def _ident(self, name: str) -> Value:
        answer = self._read("e", name)
        if isinstance(answer, Value):
            return answer
        raise NotConstant(answer)

    def _ident_answer(self, name: str) -> Value | str:
        decls = self.decls()
        v = decls.enums.get(name)
        if v is None and name in self._pending_enums:
            self._eval_enum(self._pending_enums[name])
            v = decls.enums.get(name)
        if v is not None:
            return v
        m = self.macros.get(name)
        if m is not None and m.params is not None:
            return f"function-like macro {name} used without arguments"
        return f"undefined identifier {name}"

    def _typedef(self, name: str) -> c_ast.Node | None:
        node: c_ast.Node | None = self._read("t", name)
        return node

    # -- declarations ------------------------------------------------------

    def decls(self) -> _Decls:
        """Enum constants and typedefs of the header's active text, found once and
        read lazily: enum bodies when one of their constants is asked for, the
        typedef statements when a name they mention is (see typedefs)."""
        if self._decls is not None:
            return self._decls
        decls = self._decls = _Decls()
        self.r._typedef_scope = _TypedefScope(self)
        runs: list[tuple[ScannedFile, list[tuple[int, int]]]] = []
        for sf, start, end in self.walk.text_chunks:
            if runs and runs[-1][0] is sf:
                runs[-1][1].append((start, end))
            else:
                runs.append((sf, [(start, end)]))
        defined = self.macros.keys()
        for sf, spans in runs:
            rd = self.r.declarations(sf, tuple(spans))
            if rd.typedefs and not defined.isdisjoint(rd.names):
                texts = [self._expand_decl(stmt) for stmt in rd.typedefs]
                self._typedef_runs.append((None, texts))
                for text in texts:
                    self._mentions.append(self.r.statement_tokens(text)[1])
            elif rd.typedefs:
                self._typedef_runs.append((rd, []))
                self._mentions.append(rd.names)
            for stmt, names in rd.enums:
                for name in names:
                    self._pending_enums.setdefault(name, stmt)
        return decls

    def mentioned(self, name: str) -> bool:
        """Whether a typedef statement of the header's active text names ``name``
        (after its macros are expanded): if not, it declares no typedef ``name``."""
        if self._mentioned is None:
            self.decls()
            self._mentioned = frozenset().union(*self._mentions)
        return name in self._mentioned

    def typedefs(self, until: str | None = None) -> dict[str, c_ast.Node]:
        """The typedefs of the header's active text, read by pycparser as far as
        needed: in order, run by run, up to the one declaring ``until`` (all if None)."""
        typedefs = self.decls().typedefs
        runs = self._typedef_runs
        if self._typedefs_read == len(runs) or (until is not None and until in typedefs):
            return typedefs
        self.r._typedef_scope = typedefs  # the scope each statement is read in
        while self._typedefs_read < len(runs):
            rd, texts = runs[self._typedefs_read]
            self._typedefs_read += 1
            if rd is None:
                for text in texts:
                    self._typedef_stmt(text, typedefs)
            else:
                # what the run declares depends on which of its names are typedefs already
                key = tuple(sorted(n for n in rd.names if n in typedefs))
                plain = rd.plain.get(key)
                if plain is None:
                    plain = rd.plain[key] = {}
                    for stmt in rd.typedefs:
                        self._typedef_stmt(self.r.spelled_statement(stmt), plain)
                        typedefs.update(plain)
                typedefs.update(plain)
            if until is not None and until in typedefs:
                break
        self.r._typedef_scope = _TypedefScope(self) if self._typedefs_read < len(runs) else typedefs
        return typedefs

    def is_typedef(self, name: str) -> bool:
        return self.mentioned(name) and name in self.typedefs(name)

    def _expand_decl(self, stmt: str) -> str:
        """A declaration with its macros expanded, as pycparser will read it; the
        expansion is reused while the definitions it looked up are the same."""
        toks, names = self.r.statement_tokens(stmt)
        macros = self.macros
        if macros.keys().isdisjoint(names):
            return self.r.spelled_statement(stmt)
        hit = self.r._decl_expansions.get(stmt)
        if hit is not None and tuple(map(macros.get, hit[0][0])) == hit[0][1]:
            return hit[1]
        looked_up: set[str] = set()
        with contextlib.suppress(ExpansionError):
            toks = Expander(macros, looked_up.add).expand(toks)
        text = spell(_strip_gnu(toks))
        names_seen = tuple(looked_up)
        self.r._decl_expansions[stmt] = ((names_seen, tuple(map(macros.get, names_seen))), text)
        return text

    def _typedef_stmt(self, text: str, typedefs: dict[str, c_ast.Node]) -> None:
        """Add the typedefs one expanded statement declares."""
        ast = self.r.parse_declaration(text)
        if ast is None:
            return
        for ext in ast.ext:
            if isinstance(ext, c_ast.Typedef):
                typedefs[ext.name] = ext.type

    def _eval_enum(self, stmt: str) -> None:
        """Give the constants of one enum their values (or why they have none).

        An enum whose values rest on nothing outside it (most do) is folded
        once per run and its values reused, by its text after macro expansion.
        """
        decls = self.decls()
        names = _ENUMERATOR_RE.findall(stmt)
        for n in names:
            self._pending_enums.pop(n, None)
        text = self._expand_decl(stmt)
        known = self.r._enum_values.get(text)
        if known is not None:
            decls.enums.update(known)
            return
        ast = self.r.parse_declaration(text)
        enum = None
        if ast is not None and ast.ext and isinstance(ast.ext[0], c_ast.Decl):
            enum = ast.ext[0].type
        if not isinstance(enum, c_ast.Enum) or enum.values is None:
            for n in names:
                decls.enums.setdefault(n, "enum declaration pycparser cannot read")
            return
        own: dict[str, Value] = {}
        outside = False

        def ident(name: str) -> Value:
            nonlocal outside
            v = own.get(name)
            if v is not None:
                return v
            outside = True
            return self._ident(name)

        def typedef(name: str) -> c_ast.Node | None:
            nonlocal outside
            outside = True
            return self._typedef(name)

        folder = Folder(self.r.model, ident, typedef)
        values: list[tuple[str, Value | str]] = []
        value: Value | str
        nxt: Value | str = folder._make(0, folder.INT)
        for e in enum.values.enumerators:
            if e.value is not None:
                try:
                    nxt = folder.fold(e.value)
                except NotConstant as exc:
                    nxt = f"enum constant {e.name}: {exc}"
                except RecursionError:
                    nxt = f"enum constant {e.name}: nested too deeply"
            if isinstance(nxt, Value):
                t = folder.INT if folder.INT.fits(nxt.value) else nxt.type
                value = own[e.name] = Value(nxt.value, t)
                nxt = folder._make(nxt.value + 1, t)
            else:
                value = nxt
            decls.enums[e.name] = value
            values.append((e.name, value))
        if not outside:
            self.r._enum_values[text] = values


def read_headers(
    headers: Sequence[str],
    include_dirs: Iterable[str] = (),
    defines: Mapping[str, str] | None = None,
    data_model: str = "lp64",
) -> list[tuple[Macro, ...] | AbicheckError]:
    """Read several headers with one Reader; a failing header gives its error in its place."""
    reader = Reader(include_dirs, defines, data_model)
    out: list[tuple[Macro, ...] | AbicheckError] = []
    for h in headers:
        try:
            out.append(reader.read(h))
        except AbicheckError as exc:
            out.append(exc)
    return out
