"""Macro values: a preprocessed header's object-like macros evaluated, and
function-like macros' expansions made once as templates and reused."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from operator import attrgetter
from typing import cast

from .._record import Record
from .._record import set_field as _set
from ..model import Kind, Macro
from ..resources import data_path, display_name
from .cnodes import c_ast
from .datamodel import C_KEYWORDS, LITERAL_SUFFIX, TAG_WORDS, DataModel, Value
from .declarations import HeaderDecls
from .expand import TOO_LARGE, Expander, ExpansionError
from .exprparse import FastParser, NotAnExpression, ParseError, Parser, balanced
from .fold import Folder, Literals, NotConstant, string_size
from .memo import IS_TYPE_NAME, IS_TYPEDEF, NO_DEPS, TYPEDEF, Answer, Deps, Memo, Read, Reads
from .scan import MacroDef
from .statements import lower_expression
from .tokens import Tok, spell, tokenize

# All expansions of one header together: a bound on exponential macro bombs.
MAX_HEADER_EXPANSION_TOKENS = 1_000_000
_NUM_RE = re.compile(r"(?:0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)[uUlL]{0,3}\Z")

_STAND_IN_TOKENS: dict[str, list[tuple[str, str]]] = {}
_GNU_OPERATORS = frozenset(
    {"__alignof__", "__alignof", "__builtin_offsetof", "__typeof__", "__typeof", "typeof"}
)
_KIND = attrgetter("kind")
_TEXT = attrgetter("text")
# what may follow a primary expression and bind to it before sizeof does
_POSTFIX = frozenset({"[", "(", ".", "->", "++", "--"})


# what _survey finds: pairs, blocked, brace, names_decl, primary, strings (a plain
# tuple: a NamedTuple class took 0.2 ms to make at import)
_Survey = tuple[list[tuple[str, str]], list[Tok], bool, bool, bool, bool]


def _survey(toks: list[Tok]) -> _Survey:
    """One pass over an expansion: its (kind, text) pairs for the fast parser
    (values that stood in for macros, ``(-8)`` or ``((unsigned char)44)``,
    split back into their tokens), the tokens left unexpanded by recursion,
    whether it holds ``{``, ``;`` or ``}``, whether it names anything the
    header's declarations may define (an identifier that is no keyword and no
    struct, union or enum tag), whether it is one primary expression (one
    token, or one parenthesized group), and whether it holds a string literal."""
    pairs: list[tuple[str, str]] = []
    blocked: list[Tok] = []
    brace = names_decl = early = strings = False
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
            if kind == "str":
                strings = True
            elif kind == "punct":
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
    return pairs, blocked, brace, names_decl, primary, strings


def _stood_in(subs: Iterable[tuple[MacroDef, Result]]) -> Iterator[frozenset[str]]:
    """The names of the macros among ``subs`` whose values stood in (see Result)."""
    return (r.names for _, r in subs if r.value is not None and r.primary and r.names)


def _notes(subs: Iterable[tuple[MacroDef, Result]], notes: Collection[str]) -> str:
    """An integer's reason: the notes (C leaves it undefined, gcc's value) of the
    macros whose values stood in for their expansions, then its own ``notes``."""
    stood_in = [
        r.macro.reason for _, r in subs if r.value is not None and r.primary and r.macro.reason
    ]
    if not stood_in and not notes:
        return ""  # (most integers)
    return "; ".join(dict.fromkeys([*stood_in, *notes]))


def _called(toks: list[Tok], t: Tok) -> bool:
    """Whether the token ``t`` of ``toks`` is followed by ``(``."""
    i = next(i for i, x in enumerate(toks) if x is t)
    return i + 1 < len(toks) and toks[i + 1].text == "("


def dependency_order(roots: Iterable[MacroDef], macros: Mapping[str, MacroDef]) -> list[MacroDef]:
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


class Result(Record, frozen=False, unsafe_hash=True):  # (not changed once made; see Value)
    """A macro's evaluation: the Macro, its typed value, and what it rested on.

    ``primary`` says the full expansion is one primary expression (a single
    token or one parenthesized group), so its value can stand in for it;
    ``names`` are the names its expansion looked up, through the macros whose
    values stood in too: where a hide set holds one of them (C11 6.10.3.4p2),
    the expansion there is another and the value cannot stand in.
    """

    macro: Macro
    value: Value | None
    primary: bool
    names: frozenset[str]

    __slots__ = ("macro", "value", "primary", "names")

    def __init__(
        self, macro: Macro, value: Value | None, primary: bool, names: frozenset[str] = frozenset()
    ) -> None:
        self.macro = macro
        self.value = value
        self.primary = primary
        self.names = names


# Results kept per macro, each resting on other definitions (a macro tested under
# other #ifs from header to header, or under another architecture's headers)
MAX_RESULT_VARIANTS = 4
_SHIPPED = data_path("headers")


@functools.cache
def shown_file(path: str) -> str:
    """A macro's file as output names it: shipped headers by their place in the
    package (:func:`abicheck.resources.display_name`), others as read."""
    return display_name(path) if path.startswith(_SHIPPED) else path


_TOO_DEEP = "macros nested too deeply"
# what a chain of macros deeper than Python's stack may end in, evaluated from its
# far end: a text expansion nested too deeply to parse, or using up the budget
DEPTH_REASONS = frozenset({_TOO_DEEP, "expression nested too deeply", TOO_LARGE})
# Templates made while making another, at most: deeper, invocations expand the
# usual way (the expander's loop, not Python's stack)
MAX_TEMPLATE_NESTING = 16

# What a cached result rested on, besides the definitions it looked up (Deps)
# and what it read of the header's declarations (Reads): the results of the
# macros whose values stood in for their expansions.
Subs = tuple[tuple[MacroDef, Result], ...]


class Template(Record, frozen=True, eq=False):
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
    deps: Deps
    subs: Subs

    __slots__ = ("parts", "params", "expanded", "deps", "subs")

    def __init__(
        self,
        parts: tuple[Tok | tuple[int, bool], ...] | None,
        params: tuple[int, ...],
        expanded: frozenset[str],
        deps: Deps,
        subs: Subs,
    ) -> None:
        _set(self, "parts", parts)
        _set(self, "params", params)
        _set(self, "expanded", expanded)
        _set(self, "deps", deps)
        _set(self, "subs", subs)


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


class Evaluation:
    """Evaluates the macros of one preprocessed header.

    A macro that expands to one primary expression with an integer value is
    replaced by a literal of that value and type when another macro's
    expansion meets it: the same result as expanding it again, and each
    macro is expanded and parsed once.
    """

    def __init__(
        self,
        decls: HeaderDecls,
        memo: Memo,
        parser: Parser,
        literals: Literals,
        model: DataModel,
    ) -> None:
        self.decls = decls
        self.macros = decls.macros
        self.memo = memo
        self.parser = parser
        self.literals = literals
        self._done: dict[MacroDef, Result] = {}
        self._templates: dict[MacroDef, Template] = {}  # checked to hold in this header
        self._making: set[MacroDef] = set()  # templates being made
        # macros too deep to evaluate from where they were asked: expanded as
        # text from then on, not evaluated again and again
        self._too_deep: set[MacroDef] = set()
        self._no_template: set[MacroDef] = set()  # not to be tried again here
        self._active: set[str] = set()
        self.budget = MAX_HEADER_EXPANSION_TOKENS
        shared = literals if literals.model is model else None  # the same model: its cache
        self.folder = Folder(
            model, decls.ident, decls.typedef, layouts=lambda: decls.layouts, literals=shared
        )

    # -- one macro ---------------------------------------------------------

    def macro(self, d: MacroDef) -> Macro:
        return self._result(d).macro

    def macros_of(self, defs: Iterable[MacroDef]) -> list[Macro]:
        """``macro(d)`` of each of ``defs``, in order."""
        result = self._result
        fixed = self.memo.fixed  # most of them, looked up here: no call for each
        return [(fixed.get(d) or result(d)).macro for d in defs]

    def _result(self, d: MacroDef) -> Result:
        """The evaluation of ``d`` here: reused from an earlier header when the
        definitions it looked up, the results of the macros whose values stood in
        for their expansions, and the declarations it read are the same as then."""
        hit = self.memo.fixed.get(d) or self._done.get(d)
        if hit is not None:
            return hit
        variants = self.memo.values.get(d)
        if variants is not None:
            for cached in variants:
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
        self._done[d] = res
        if deps[0] or subs or reads:
            entry = (deps, subs, reads, res)
            if variants is None:
                self.memo.values[d] = [entry]
            else:  # the newest first, at most MAX_RESULT_VARIANTS
                variants.insert(0, entry)
                del variants[MAX_RESULT_VARIANTS:]
        else:
            self.memo.fixed[d] = res
        return res

    def _holds(self, deps: Deps, subs: Subs, reads: Reads) -> bool:
        """Whether what a cached result rested on is the same here."""
        if tuple(map(self.macros.get, deps[0])) != deps[1]:  # MacroDefs compare by identity
            return False
        if subs:
            active = self._active
            fixed = self.memo.fixed
            done = self._done
            for s, sres in subs:
                # a macro under evaluation gives no value here: its expansion stands
                if s.name in active:
                    return False
                if (fixed.get(s) or done.get(s) or self._result(s)) is not sres:
                    return False
        if not reads:
            return True
        decls = self.decls
        answer = decls.answer
        known = decls.typedef_answers  # the most asked, answered once per header
        nodes = decls.typedef_nodes
        v: Answer
        for q, key, a in reads:
            if q is IS_TYPEDEF:
                v = known.get(cast(str, key))
                if v is None:
                    v = answer(q, key)
            elif q is TYPEDEF and key in nodes:
                v = nodes[key]
            else:
                v = answer(q, key)
            if v != a:
                return False
        return True

    def _compute(self, d: MacroDef) -> tuple[Result, Deps, Subs, Reads]:
        if d.params is not None:
            m = Macro(d.name, "function", None, d.expr, shown_file(d.file), d.line, d.comment)
            return Result(m, None, False), NO_DEPS, (), ()
        body = d.body
        if len(body) == 1 and body[0].kind == "num" and _NUM_RE.match(body[0].text):
            v = self.literals.value(body[0].text)
            if v is not None:
                m = Macro(
                    d.name,
                    "integer",
                    v.value,
                    d.text,
                    shown_file(d.file),
                    d.line,
                    d.comment,
                    "",
                    v.type.name,
                )
                return Result(m, v, True), NO_DEPS, (), ()
        names: set[str] = set()
        subs: list[tuple[MacroDef, Result]] = []
        reads: list[Read] = []
        self._active.add(d.name)
        self.decls.recording.append(reads)
        # a body with no names in it (1 << 3) is the same in every header, evaluated
        # once by its text: it looks up its own name only, and asks nothing of the
        # declarations
        plain = self.macros.get(d.name) is d and "id" not in map(_KIND, body)
        hit = self.memo.plain_values.get(d.text) if plain else None
        budget = self.budget
        try:
            if hit is not None and budget >= hit[3]:
                value, reason, primary = hit[0], hit[1], hit[2]
                names.add(d.name)
                self.budget -= hit[3]
            else:
                value, reason, primary = self._evaluate(d, names, subs)
                if (
                    plain
                    and not subs
                    and not reads
                    and names == {d.name}
                    and reason not in DEPTH_REASONS  # (rest on the stack and the budget)
                ):
                    self.memo.plain_values[d.text] = (value, reason, primary, budget - self.budget)
        except RecursionError:
            # a chain of macros deeper than Python's stack: this link gives up,
            # the ones above it expand it as text instead (without asking again)
            value, reason, primary = None, _TOO_DEEP, False
            self._too_deep.add(d)
        finally:
            self._active.discard(d.name)
            self.decls.recording.pop()
        kind: Kind = "integer" if value is not None else "other"
        m = Macro(
            d.name,
            kind,
            None if value is None else value.value,
            d.text,
            shown_file(d.file),
            d.line,
            d.comment,
            reason,
            "" if value is None else value.type.name,
        )
        looked_up = tuple(names)
        deps = (looked_up, tuple(map(self.macros.get, looked_up)))
        closure = frozenset(names).union(*_stood_in(subs)) if subs else frozenset(names)
        return Result(m, value, primary, closure), deps, tuple(subs), tuple(reads)

    def _evaluate(
        self,
        d: MacroDef,
        names: set[str],
        subs: list[tuple[MacroDef, Result]],
    ) -> tuple[Value | None, str, bool]:
        """(value, reason, primary) for an object-like macro; fills in the names it
        looked up and the macros whose values stood in for their expansions."""
        if not d.body:
            return None, "empty", False

        def substitute(m: MacroDef, hide: frozenset[str]) -> Tok | None:
            if m.name in self._active or m in self._too_deep:
                return None
            res = self._result(m)
            subs.append((m, res))
            if res.value is None or not res.primary or not hide.isdisjoint(res.names):
                return None
            return _value_token(res.value)

        call = self._call if self.memo.reuse else None
        expander = Expander(self.macros, names.add, substitute, self.budget, call)
        try:
            toks = expander.expand([Tok("id", d.name)])
        except ExpansionError as exc:
            return None, str(exc), False
        finally:
            self.budget = max(expander.budget, 0)
        if not toks:
            return None, "empty", False
        if not _GNU_OPERATORS.isdisjoint(map(_TEXT, toks)):
            toks = lower_expression(toks)
        pairs, blocked, brace, needs_decls, primary, strings = _survey(toks)
        if strings and toks[0].kind != "str":
            try:
                toks = self._sized_strings(toks)
            except NotConstant as exc:
                return None, str(exc), primary
            pairs, blocked, brace, needs_decls, primary, strings = _survey(toks)
        if blocked:
            # a macro that expands to its own name is that name: an enum constant
            # or a typedef name (the kernel's #define __kernel_mode_t __kernel_mode_t)
            blocked = [
                t
                for t in blocked
                if not self.decls.is_enum_constant(t.text) and not self.decls.is_type(t.text)
            ]
        recursive = ""
        if blocked:
            first = blocked[0]
            chain = ", ".join(sorted(first.hide))
            recursive = f"recursive ({first.text} expands to itself through {chain})"
            # a name painted before "(" is a call of a function no header declares
            # (C89's implicit int, gcc's too): a value where it is not evaluated
            if not all(_called(toks, t) for t in blocked):
                return None, recursive, False
        if toks[0].kind == "str":
            return None, "string literal", False
        if brace:
            return None, "not an expression (statement or initializer)", False
        if needs_decls:
            # what pycparser and the fast path make of each name depends on it
            for t in toks:
                if t.kind == "id":
                    self.decls.is_type(t.text)
        if len(toks) == 1 and toks[0].kind == "num":
            v = self.literals.value(toks[0].text)
            if v is not None:
                return v, _notes(subs, ()), True
        node: c_ast.Node | str | None
        try:
            node = FastParser.parse(pairs, self.decls.is_type)
        except NotAnExpression:
            node = "not a C expression"  # as pycparser would find
        except NotConstant as exc:
            return None, str(exc), primary
        if node is None:
            # pycparser reads the text inside parentheses of its own, so unbalanced
            # ones could pair up with those
            node = self._ast(spell(toks), toks) if balanced(pairs) else "not a C expression"
        if isinstance(node, str):
            if self.decls.ask(IS_TYPE_NAME, tuple((t.kind, t.text) for t in toks)):
                return None, "type name", primary
            return None, node, primary
        notes = self.folder.notes
        notes.clear()
        try:
            value = self.folder.fold(node)
        except NotConstant as exc:
            return None, recursive or str(exc), primary
        except RecursionError:
            return None, "expression nested too deeply", primary
        # an integer's reason is a note: its value is gcc's where C leaves it undefined
        return value, _notes(subs, notes), primary

    def _sized_strings(self, toks: list[Tok]) -> list[Tok]:
        """``toks`` with each ``sizeof "..."`` and ``sizeof("..." L"...")`` (adjacent
        string literals, in parentheses or not, no postfix operator after them)
        replaced by its value: sized from the tokens, never parsed as text (a 10 MB
        string costs its length)."""
        out: list[Tok] = []
        i = 0
        n = len(toks)
        size_t = self.folder.size_t
        wchar_bytes = self.folder.sizes[self.folder.model.wchar]
        while i < n:
            t = toks[i]
            if t.kind == "id" and t.text == "sizeof" and i + 1 < n:
                j = i + 1
                paren = toks[j].text == "("
                j += paren
                k = j
                while k < n and toks[k].kind == "str":
                    k += 1
                end = k + paren
                closed = not paren or (k < n and toks[k].text == ")")
                if k > j and closed and (end >= n or toks[end].text not in _POSTFIX):
                    size = string_size([x.text for x in toks[j:k]], wchar_bytes)
                    lit = _value_token(Value(size, size_t))
                    assert lit is not None  # size_t is a type with a suffix
                    lit.space = t.space
                    out.append(lit)
                    i = end
                    continue
            out.append(t)
            i += 1
        return out

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
                expander.substitute(sub, hide)
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
        expander.charge(len(out))
        return out

    def _template(self, m: MacroDef) -> Template | None:
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
        tpl = self.memo.templates.get(m)
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
            self.memo.templates[m] = tpl
        self._templates[m] = tpl
        return tpl

    def _make_template(self, m: MacroDef) -> Template | None:
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
        subs: list[tuple[MacroDef, Result]] = []
        refused = False

        def substitute(sub: MacroDef, hide: frozenset[str]) -> Tok | None:
            nonlocal refused
            if sub.name in self._active or sub in self._too_deep:
                refused = True
                return None
            res = self._result(sub)
            subs.append((sub, res))
            if res.value is None or not res.primary or not hide.isdisjoint(res.names):
                return None
            return _value_token(res.value)

        inner = Expander(self.macros, names.add, substitute, call=self._call)
        holders = [[Tok("id", f"\0{i}")] for i in range(len(m.params))]
        try:
            toks = inner.expand(inner.body_with(m, holders, frozenset((m.name,))))
        except ExpansionError:
            return None
        if refused:
            return None  # made in this evaluation's context only
        macros = self.macros
        looked_up = tuple(n for n in names if n[0] != "\0")
        defs = tuple(map(macros.get, looked_up))
        expanded = frozenset(n for n, d in zip(looked_up, defs, strict=True) if d is not None)
        expanded = expanded.union(*_stood_in(subs))  # what their expansions rested on

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
        return Template(
            tuple(parts) if usable else None, params, expanded, (looked_up, defs), tuple(subs)
        )

    def _ast(self, text: str, toks: list[Tok]) -> c_ast.Node | str:
        """The parsed expression, cached by its text and the typedef names in it."""
        names = {t.text for t in toks if t.kind == "id"}
        key = self.decls.typedef_key(text, names)
        cache = self.memo.asts
        node = cache.get(key)
        if node is None:
            try:
                node = self.parser.expression(text)
            except ParseError:
                node = "not a C expression"
            except RecursionError:
                node = "expression nested too deeply"
            cache[key] = node
        return node
