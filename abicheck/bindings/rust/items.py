"""The items of one Rust file that matter to a constant table, each with its ``cfg``.

:func:`parse_items` keeps constants, type aliases, ``mod`` declarations (with their
``#[path]``), glob ``use`` declarations and ``cfg_if!`` blocks (each branch's items);
every other item and every other macro invocation (``s! {...}``, ``f! {...}``,
``macro_rules!``) is skipped whole. Visibility is 2 for ``pub``, 1 for ``pub(...)``
and 0 for private items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ...model import AbicheckError
from .cfg import Cfg, Op, parse_cfg
from .lexer import Source, Token

Path = tuple[str, ...]
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = frozenset(_OPEN.values())
_TO_SEMICOLON = frozenset({"const", "static", "type", "use"})


@dataclass(eq=False, slots=True)
class Const:
    """``const NAME: TYPE = EXPR;`` (``type`` None unless the type is a plain path).

    ``memo`` is for the evaluator, to keep what does not depend on the target
    (the parsed expression, the Macro made for a value) across targets."""

    name: str
    vis: int
    type: Path | None
    expr: tuple[Token, ...]
    line: int
    cfg: Cfg | None
    memo: dict[object, object] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class TypeAlias:
    """``type NAME = TYPE;`` (``target`` None unless the type is a plain path)."""

    name: str
    vis: int
    target: Path | None
    line: int
    cfg: Cfg | None


@dataclass(frozen=True, slots=True)
class ModDecl:
    """``mod NAME;`` (``body`` None) or ``mod NAME { ... }``, with its ``#[path]``."""

    name: str
    path: str | None
    body: tuple[Item, ...] | None
    line: int
    cfg: Cfg | None


@dataclass(frozen=True, slots=True)
class GlobUse:
    """``use PATH::*;`` (``pub`` or not)."""

    path: Path
    vis: int
    line: int
    cfg: Cfg | None


@dataclass(frozen=True, slots=True)
class CfgIf:
    """``cfg_if! { if #[cfg(..)] {..} else if .. else {..} }``: the first branch
    whose predicate holds (None for the final ``else``) gives its items."""

    branches: tuple[tuple[Cfg | None, tuple[Item, ...]], ...]
    line: int


Item = Const | TypeAlias | ModDecl | GlobUse | CfgIf


def parse_items(src: Source) -> tuple[Item, ...]:
    """The items of a file's ``tokens``. Raises :class:`AbicheckError` at
    ``file:line`` for unbalanced delimiters or a malformed ``cfg_if!``."""
    parser = _Parser(src.tokens(), src)
    return parser.items(0, len(parser.toks))


def matching(tokens: Sequence[Token], src: Source) -> list[int]:
    """For each token index, the index of the delimiter closing it (-1 if none)."""
    close = [-1] * len(tokens)
    stack: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.kind != "punct":
            continue
        if tok.text in _OPEN:
            stack.append(i)
        elif tok.text in _CLOSE:
            if not stack or _OPEN[tokens[stack[-1]].text] != tok.text:
                raise src.error(f"unbalanced {tok.text!r}", tok.pos)
            close[stack.pop()] = i
    if stack:
        opener = tokens[stack[-1]]
        raise src.error(f"unclosed {opener.text!r}", opener.pos)
    return close


class _Parser:
    def __init__(self, tokens: Sequence[Token], src: Source) -> None:
        self.toks = tokens
        self.src = src
        self.close = matching(tokens, src)

    def line(self, tok: Token) -> int:
        return self.src.line(tok.pos)

    def tok(self, i: int) -> Token:
        """The token at ``i``; the end of the file there is an error."""
        if i >= len(self.toks):
            raise self.fail("unexpected end of file", i)
        return self.toks[i]

    def text(self, i: int) -> str:
        return self.toks[i].text if i < len(self.toks) else ""

    def fail(self, message: str, i: int) -> AbicheckError:
        pos = self.toks[min(i, len(self.toks) - 1)].pos if self.toks else 0
        return self.src.error(message, pos)

    def items(self, i: int, stop: int) -> tuple[Item, ...]:
        out: list[Item] = []
        while i < stop:
            item, i = self.item(i, stop)
            if item is not None:
                out.append(item)
        return tuple(out)

    def item(self, i: int, stop: int) -> tuple[Item | None, int]:
        cfgs: list[Cfg] = []
        path: str | None = None
        while self.text(i) == "#":
            i, cfg, path = self.attribute(i, path)
            if cfg is not None:
                cfgs.append(cfg)
        if i >= stop:
            return None, i
        cfg = cfgs[0] if len(cfgs) == 1 else Op("all", tuple(cfgs)) if cfgs else None
        if self.text(i) == "cfg_if" and self.text(i + 1) == "!":
            return self.cfg_if(i, cfg), self.close[i + 2] + 1
        if self.text(i + 1) == "!" and self.tok(i).kind == "ident":
            return None, self.skip_macro(i + 2)
        vis, i = self.visibility(i)
        keyword = self.text(i)
        if keyword == "const" and self.text(i + 1) != "fn":
            return self.const(i, vis, cfg)
        if keyword == "type":
            return self.type_alias(i, vis, cfg)
        if keyword == "mod":
            return self.mod(i, path, cfg)
        if keyword == "use":
            return self.use(i, vis, cfg)
        return None, self.skip_item(i, keyword in _TO_SEMICOLON)

    def attribute(self, i: int, path: str | None) -> tuple[int, Cfg | None, str | None]:
        """Past the attribute at ``i``: its ``cfg`` predicate, its ``path`` (or the
        one already seen)."""
        inner = self.text(i + 1) == "!"
        start = i + 2 if inner else i + 1
        if self.text(start) != "[":
            raise self.fail("expected '[' after '#'", i)
        end = self.close[start]
        body = self.toks[start + 1 : end]
        if inner or not body:
            return end + 1, None, path
        name = body[0].text
        if name == "cfg" and len(body) > 2 and body[1].text == "(":
            return end + 1, parse_cfg(body[2:-1], self.src, body[0].pos), path
        if name == "path" and len(body) == 3 and body[2].kind == "str":
            return end + 1, None, body[2].text.strip('"')
        return end + 1, None, path

    def visibility(self, i: int) -> tuple[int, int]:
        if self.text(i) != "pub":
            return 0, i
        if self.text(i + 1) == "(":
            return 1, self.close[i + 1] + 1
        return 2, i + 1

    def skip_macro(self, i: int) -> int:
        """Past a macro invocation whose ``!`` is just before ``i``."""
        if self.tok(i).kind == "ident":  # macro_rules! name { ... }
            i += 1
        if self.text(i) not in _OPEN:
            raise self.fail("expected a delimiter after '!'", i)
        end = self.close[i] + 1
        return end + 1 if self.text(end) == ";" else end

    def skip_item(self, i: int, to_semicolon: bool) -> int:
        """Past the item at ``i``: at its ``;``, or after its body's ``}``."""
        while i < len(self.toks):
            tok = self.text(i)
            if tok == ";":
                return i + 1
            if tok in _OPEN:
                i = self.close[i]
                if tok == "{" and not to_semicolon:
                    return i + 1
            elif tok in _CLOSE:
                raise self.fail(f"unexpected {tok!r}", i)
            i += 1
        return i

    def until(self, i: int, stop_at: str) -> int:
        """The index of the first ``stop_at`` token from ``i`` outside brackets."""
        while i < len(self.toks) and self.text(i) != stop_at:
            i = self.close[i] + 1 if self.text(i) in _OPEN else i + 1
        if i >= len(self.toks):
            raise self.fail(f"expected {stop_at!r}", i - 1)
        return i

    def const(self, i: int, vis: int, cfg: Cfg | None) -> tuple[Item | None, int]:
        name = self.tok(i + 1)
        if self.text(i + 2) != ":":
            return None, self.skip_item(i, True)
        eq = self.until(i + 3, "=")
        end = self.until(eq + 1, ";")
        typ = as_path(self.toks[i + 3 : eq])
        expr = tuple(self.toks[eq + 1 : end])
        return Const(name.text, vis, typ, expr, self.line(name), cfg), end + 1

    def type_alias(self, i: int, vis: int, cfg: Cfg | None) -> tuple[Item | None, int]:
        name = self.tok(i + 1)
        end = self.until(i + 1, ";")
        if self.text(i + 2) != "=":
            return None, end + 1
        target = as_path(self.toks[i + 3 : end])
        return TypeAlias(name.text, vis, target, self.line(name), cfg), end + 1

    def mod(self, i: int, path: str | None, cfg: Cfg | None) -> tuple[Item, int]:
        name = self.tok(i + 1)
        if self.text(i + 2) == ";":
            return ModDecl(name.text, path, None, self.line(name), cfg), i + 3
        if self.text(i + 2) != "{":
            raise self.fail("expected ';' or '{' after mod name", i + 2)
        end = self.close[i + 2]
        return ModDecl(name.text, path, self.items(i + 3, end), self.line(name), cfg), end + 1

    def use(self, i: int, vis: int, cfg: Cfg | None) -> tuple[Item | None, int]:
        end = self.until(i, ";")
        body = self.toks[i + 1 : end]
        if len(body) < 2 or body[-1].text != "*" or body[-2].text != "::":
            return None, end + 1
        path = as_path(body[:-2])
        if path is None:
            return None, end + 1
        return GlobUse(path, vis, self.line(self.toks[i]), cfg), end + 1

    def cfg_if(self, i: int, outer: Cfg | None) -> CfgIf:
        """The ``cfg_if!`` whose name is at ``i`` (under ``#[cfg(outer)]``: every
        branch, the final ``else`` too, then needs ``outer``)."""
        if self.text(i + 2) != "{":
            raise self.fail("expected '{' after cfg_if!", i + 2)
        j, end = i + 3, self.close[i + 2]
        branches: list[tuple[Cfg | None, tuple[Item, ...]]] = []
        while True:
            cfg: Cfg | None = None
            if self.text(j) == "if":
                j, cfg = self.cfg_if_condition(j + 1)
            if self.text(j) != "{":
                raise self.fail("malformed cfg_if!: expected '{'", j)
            needs = cfg if outer is None else outer if cfg is None else Op("all", (outer, cfg))
            branches.append((needs, self.items(j + 1, self.close[j])))
            j = self.close[j] + 1
            if j >= end or cfg is None:
                break
            if self.text(j) != "else":
                raise self.fail("malformed cfg_if!: expected 'else'", j)
            j += 1
        if j != end:
            raise self.fail("malformed cfg_if!: items after the final else", j)
        return CfgIf(tuple(branches), self.line(self.toks[i]))

    def cfg_if_condition(self, j: int) -> tuple[int, Cfg]:
        """``#[cfg(...)]`` at ``j``: past it, and its predicate."""
        if self.text(j) != "#" or self.text(j + 1) != "[" or self.text(j + 2) != "cfg":
            raise self.fail("malformed cfg_if!: expected #[cfg(...)]", j)
        end = self.close[j + 1]
        return end + 1, parse_cfg(self.toks[j + 4 : end - 1], self.src, self.toks[j].pos)


def as_path(tokens: Sequence[Token]) -> Path | None:
    """``a::b::c`` as ``("a", "b", "c")``; a leading ``::`` (the crate root in Rust
    2015) as ``crate``; None when ``tokens`` are not a plain path."""
    texts = [t.text for t in tokens]
    kinds = [t.kind for t in tokens]
    if texts[:1] == ["::"]:
        texts, kinds = ["crate", *texts], ["ident", *kinds]
    if len(texts) % 2 == 0 or any(k != "ident" for k in kinds[0::2]):
        return None
    if any(t != "::" for t in texts[1::2]):
        return None
    return tuple(texts[0::2])


__all__ = [
    "CfgIf",
    "Const",
    "GlobUse",
    "Item",
    "ModDecl",
    "Path",
    "TypeAlias",
    "as_path",
    "matching",
    "parse_items",
]
