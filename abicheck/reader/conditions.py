"""``#if`` and ``#elif``: a conditional line's truth under the macros of a walk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..model import AbicheckError
from .cnodes import c_ast
from .datamodel import DataModel, Value
from .expand import Expander, ExpansionError
from .exprparse import FastParser, ParseError, Parser, balanced
from .fold import Folder, NotConstant
from .memo import Memo
from .scan import MacroDef
from .tokens import Tok, closing_paren, spell
from .walk import Includes

#: Tokens an ``#if`` line's expansion may cost (each nesting level copies its
#: arguments again: 55 nested calls of a line of 1,400 tokens cost 125,000)
MAX_IF_EXPANSION_TOKENS = 1_000_000


class Conditions:
    """Decides conditional lines (``evaluate`` is the walk's IfEvaluator).

    ``defined`` and ``__has_include`` are answered from the walk's macros and
    ``includes``; the expression is folded as C11 6.10.1 says (every integer
    intmax_t or uintmax_t, names left after expansion 0).
    """

    def __init__(self, model: DataModel, includes: Includes, parser: Parser, memo: Memo) -> None:
        self._includes = includes
        self._parser = parser
        self._results = memo.if_results
        self._found_includes = False  # whether the line being decided has __has_include
        self._asts: dict[str, c_ast.Node | str] = {}  # expression text -> its AST
        # a name left in #if is 0 (a closure, not a bound method: that would tie this
        # to its folder in a cycle, kept until a collection, and with it the include
        # resolution and every file scanned)
        self._pp_folder = Folder(model, lambda _n: zero, lambda _n: None, preprocessor=True)
        zero: Value = self._pp_folder.make(0, self._pp_folder.INT)

    def clear(self) -> None:
        """Forget the ASTs of the expressions decided (the memo holds their results)."""
        self._asts.clear()

    def evaluate(
        self, toks: list[Tok], macros: Mapping[str, MacroDef], path: str, line: int
    ) -> tuple[bool, Iterable[str], tuple[str, ...]]:
        """An ``#if``'s truth, the macro names it consulted and the warnings gcc
        gives for it (undefined behaviour it evaluates, with gcc's value); the same
        line with the same macros is decided once (headers include the same files
        over and over)."""
        hit = self._results.get(id(toks))
        if hit is not None and hit[0] is toks:
            for deps, result in hit[1]:
                if all(macros.get(n) is d for n, d in deps):
                    return result[0], [n for n, _ in deps], result[1]
        names: set[str] = set()
        self._found_includes = False
        result = self._decide_if(toks, macros, path, line, names)
        if self._found_includes:  # (rests on the including file and the folders too)
            return result[0], names, result[1]
        deps = tuple((n, macros.get(n)) for n in names)
        if hit is None:
            self._results[id(toks)] = (toks, [(deps, result)])
        elif len(hit[1]) < 8:
            hit[1].append((deps, result))
        return result[0], names, result[1]

    def _decide_if(
        self,
        toks: list[Tok],
        macros: Mapping[str, MacroDef],
        path: str,
        line: int,
        names: set[str],
    ) -> tuple[bool, tuple[str, ...]]:
        try:
            expanded = Expander(macros, names.add, budget=MAX_IF_EXPANSION_TOKENS).expand(
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
        node = self._asts.get(text)
        if node is None:
            try:
                # gcc's #if has no x ?: y ("operator '?' has no right operand")
                node = FastParser.parse(parts, lambda _n: False, omitted_middle=False)
                if node is None:
                    if not balanced(parts):
                        raise NotConstant("unbalanced parentheses")
                    node = self._parser.expression(text, omitted_middle=False)
            except (ParseError, NotConstant):
                node = f"cannot parse #if expression: {spell(toks)}"
            except RecursionError:
                node = "#if expression nested too deeply"
            self._asts[text] = node
        if isinstance(node, str):
            raise AbicheckError(node, path, line)
        notes = self._pp_folder.notes
        notes.clear()
        try:
            truth = self._pp_folder.fold(node).value != 0
            return truth, tuple(dict.fromkeys(notes))
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
                j = closing_paren(toks, i + 1)
                name = spell(toks[i + 2 : j]).replace(" ", "")
                found = False
                self._found_includes = True
                if len(name) > 2:
                    # __has_include_next searches on after the folder of this file
                    after = self._includes.folder_of(path) if t.text[-5:] == "_next" else None
                    found = (
                        self._includes.resolve(name[1:-1], name[0] == '"', path, after)[0]
                        is not None
                    )
                out.append(Tok("num", "1" if found else "0", t.space))
                i = j + 1
            else:
                out.append(t)
                i += 1
        return out
