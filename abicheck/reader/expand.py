"""The macro expander (C11 6.10.3, with hide sets), used for ``#if``, includes and values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from .scan import MacroDef
from .tokens import Tok, closing_paren, tokenize

MAX_EXPANSION_TOKENS = 100_000
TOO_LARGE = "macro expansion too large (exponential expansion?)"


class ExpansionError(Exception):
    """A macro invocation that cannot be expanded (unterminated arguments, ...)."""


def _stringify(arg: list[Tok]) -> Tok:
    parts: list[str] = []
    for i, t in enumerate(arg):
        if i and t.space:
            parts.append(" ")
        if t.kind in ("str", "chr"):
            parts.append(t.text.replace("\\", "\\\\").replace('"', '\\"'))
        else:
            parts.append(t.text)
    return Tok("str", '"' + "".join(parts) + '"')


_PLACEMARKER = "placemarker"


def _paste(left: Tok, right: Tok) -> list[Tok]:
    toks = tokenize(left.text + right.text)
    if not toks:
        return []
    toks[0] = toks[0].copy(space=left.space)
    return toks


VA_OPT = "__VA_OPT__"


def _with_va_opt(
    body: Sequence[Tok], present: bool, args: list[list[Tok]], index: Mapping[str, int]
) -> list[Tok]:
    """A variadic macro's body with each ``__VA_OPT__(content)`` replaced (C23
    6.10.5.1): by its content where the variable arguments expand to tokens, else by
    a placemarker; ``#__VA_OPT__(content)`` by the content stringified, its
    parameters replaced by their arguments as written."""
    out: list[Tok] = []
    i = 0
    n = len(body)
    while i < n:
        t = body[i]
        if t.kind != "id" or t.text != VA_OPT or i + 1 >= n or body[i + 1].text != "(":
            out.append(t)
            i += 1
            continue
        end = closing_paren(list(body), i + 1)
        if end >= n:
            raise ExpansionError("unterminated __VA_OPT__")
        content = list(body[i + 2 : end]) if present else []
        i = end + 1
        if out and out[-1].kind == "punct" and out[-1].text == "#":
            spelled: list[Tok] = []
            for x in content:
                k = index.get(x.text) if x.kind == "id" else None
                arg = [x] if k is None else args[k]
                if arg:
                    spelled += [arg[0].copy(space=x.space), *arg[1:]]
            s = _stringify(spelled)
            s.space = out.pop().space
            out.append(s)
        elif content:
            out += [content[0].copy(space=t.space), *content[1:]]
        else:
            out.append(Tok(_PLACEMARKER, "", t.space))
    return out


# (expander, function-like macro, its arguments, the invocation's hide set) ->
# the invocation's full expansion, or None to expand it the usual way
CallExpander = Callable[["Expander", MacroDef, list[list[Tok]], frozenset[str]], list[Tok] | None]


class Expander:
    """Expands token lists against a macro table (C11 6.10.3 with hide sets).

    ``on_lookup`` is told every identifier looked up in the table, so a caller
    can cache results keyed on the definitions they depended on.
    """

    def __init__(
        self,
        macros: Mapping[str, MacroDef],
        on_lookup: Callable[[str], object] | None = None,
        substitute: Callable[[MacroDef, frozenset[str]], Tok | None] | None = None,
        budget: int = MAX_EXPANSION_TOKENS,
        call: CallExpander | None = None,
    ) -> None:
        self.macros = macros
        self.on_lookup = on_lookup
        self.substitute = substitute
        self.budget = budget
        self.call = call

    def expand(self, toks: Iterable[Tok]) -> list[Tok]:
        """Fully macro-expand a token list.

        ``substitute`` may replace an object-like macro (its token's hide set
        given) by one token standing for its value, where that gives the same
        result as its expansion;
        ``call`` may give the full expansion of a function-like macro's
        invocation, where it has it ready and nothing after it can change it.
        """
        stack = list(reversed(list(toks)))
        out: list[Tok] = []
        macros = self.macros
        on_lookup = self.on_lookup
        substitute = self.substitute
        while stack:
            t = stack.pop()
            if t.kind != "id":
                out.append(t)
                continue
            name = t.text
            if on_lookup is not None:
                on_lookup(name)
            m = macros.get(name)
            if m is None:
                out.append(t)
                continue
            if name in t.hide:
                t = t.copy()
                t.blocked = True
                out.append(t)
                continue
            if m.params is None:
                if substitute is not None:
                    lit = substitute(m, t.hide)
                    if lit is not None:
                        lit.space = t.space
                        out.append(lit)
                        continue
                hide = t.hide | {name}
                repl = [Tok(x.kind, x.text, x.space, hide) for x in m.body]
                if repl:
                    repl[0].space = t.space
                self._push(stack, repl)
                continue
            # function-like: needs '(' next
            if not stack or stack[-1].text != "(" or stack[-1].kind != "punct":
                out.append(t)
                continue
            stack.pop()
            args, rparen = self._collect_args(stack, m)
            hide = t.hide & rparen.hide
            if self.call is not None:
                done = self.call(self, m, args, hide)
                if done is not None:
                    if done:
                        done[0] = done[0].copy(space=t.space)
                    out += done
                    continue
            repl = self.body_with(m, args, hide | {name})
            if repl:
                repl[0].space = t.space
            self._push(stack, repl)
        return out

    def charge(self, n: int) -> None:
        """Count ``n`` more tokens against the budget; ExpansionError past it."""
        self.budget -= n
        if self.budget < 0:
            raise ExpansionError(TOO_LARGE)

    def _push(self, stack: list[Tok], repl: list[Tok]) -> None:
        self.charge(len(repl))
        stack.extend(reversed(repl))

    def _collect_args(self, stack: list[Tok], m: MacroDef) -> tuple[list[list[Tok]], Tok]:
        assert m.params is not None
        args: list[list[Tok]] = [[]]
        depth = 0
        nparams = len(m.params)
        while stack:
            t = stack.pop()
            if t.kind == "punct":
                if t.text == "(":
                    depth += 1
                elif t.text == ")":
                    if depth == 0:
                        if nparams == 0 and args == [[]]:
                            args = []
                        if len(args) < nparams and m.variadic and len(args) == nparams - 1:
                            args.append([])
                        if len(args) != nparams:
                            raise ExpansionError(
                                f"macro {m.name} takes {nparams} arguments, given {len(args)}"
                            )
                        return args, t
                    depth -= 1
                elif t.text == "," and depth == 0 and not (m.variadic and len(args) == nparams):
                    args.append([])
                    continue
            args[-1].append(t)
        raise ExpansionError(f"unterminated argument list invoking macro {m.name}")

    def body_with(self, m: MacroDef, args: list[list[Tok]], hide: frozenset[str]) -> list[Tok]:
        """The body of ``m`` with its parameters replaced by ``args``: fresh tokens,
        each with ``hide`` added to its hide set."""
        params = m.params or ()
        index = {p: i for i, p in enumerate(params)}
        unions: dict[frozenset[str], frozenset[str]] = {}  # most tokens share a hide set

        def fresh(x: Tok) -> Tok:
            u = unions.get(x.hide)
            if u is None:
                u = unions[x.hide] = x.hide | hide
            return Tok(x.kind, x.text, x.space, u, x.blocked)

        body: Sequence[Tok] = m.body
        out: list[Tok] = []
        expanded: dict[int, list[Tok]] = {}
        placemarkers = False
        if m.variadic and any(t.text == VA_OPT for t in body):
            # present where the variable arguments expand to tokens (as gcc 12 has it)
            va = expanded[len(params) - 1] = self.expand(args[-1])
            body = _with_va_opt(body, bool(va), args, index)
            placemarkers = True
        i = 0
        n = len(body)
        while i < n:
            t = body[i]
            kind = t.kind
            if kind == "id":
                k = index.get(t.text)
                if k is None:
                    out.append(Tok("id", t.text, t.space, hide))  # body tokens hide nothing
                    i += 1
                    continue
                if i + 1 < n and body[i + 1].text == "##":
                    arg = [fresh(x) for x in args[k]]
                    if not arg:
                        # C11 6.10.3.3: an empty argument next to ## is a placemarker,
                        # which pastes to the other operand, not to what precedes it
                        out.append(Tok(_PLACEMARKER, "", t.space, hide))
                        placemarkers = True
                else:
                    exp = expanded.get(k)
                    if exp is None:
                        exp = expanded[k] = self.expand(args[k])
                    # charged before the copy is made: nested calls multiply
                    self.charge(len(exp))
                    arg = [fresh(x) for x in exp]
                if arg:
                    arg[0].space = t.space
                out += arg
                i += 1
                continue
            if kind == "punct" and i + 1 < n:
                # '#' param: stringify
                if t.text == "#" and m.params is not None:
                    nxt = body[i + 1]
                    if nxt.kind == "id" and nxt.text in index:
                        s = _stringify(args[index[nxt.text]])
                        s.space = t.space
                        s.hide = hide
                        out.append(s)
                        i += 2
                        continue
                # '##' paste
                elif t.text == "##":
                    rhs = body[i + 1]
                    if rhs.kind == "id" and rhs.text in index:
                        rtoks = [fresh(x) for x in args[index[rhs.text]]]
                        # GNU: , ## __VA_ARGS__ drops the comma when empty
                        if (
                            m.variadic
                            and not rtoks
                            and out
                            and out[-1].text == ","
                            and rhs.text == params[-1]
                        ):
                            out.pop()
                    else:
                        rtoks = [fresh(rhs)]
                    if out and rtoks:
                        left = out.pop()
                        if left.kind == _PLACEMARKER:
                            rtoks[0].space = left.space
                            out += rtoks
                        else:
                            out += [fresh(x) for x in _paste(left, rtoks[0])]
                            out += rtoks[1:]
                    else:
                        out += rtoks
                    self.charge(len(rtoks))
                    i += 2
                    continue
            out.append(Tok(kind, t.text, t.space, hide))
            i += 1
        if placemarkers:
            out = [t for t in out if t.kind != _PLACEMARKER]
        return out
