"""Declaration statements of a header's text, and the GNU extensions in them lowered
to what pycparser reads.

``split`` finds the file-scope statements of a text (function bodies skipped);
``lower_gnu`` turns ``__attribute__((packed))`` and ``aligned(N)`` into C11
``_Alignas`` specifiers pycparser keeps in its AST (see :mod:`.layout`), and
drops the other extensions; ``lower_expression`` does the same for the GNU
operators of expressions (``__alignof__``, ``__builtin_offsetof``).
"""

from __future__ import annotations

from .._pattern import lazy_compile
from .tokens import Tok, closing_paren

#: Marker member carrying a struct's or union's own attributes (its first member).
ATTRS_MEMBER = "__abicheck_attrs"
#: ``_Alignas(PACKED)``: ``__attribute__((packed))``.
PACKED = "__abicheck_packed"
#: ``_Alignas(ALIGNED(N))``: ``__attribute__((aligned(N)))`` (``ALIGNED()``: bare
#: ``aligned``, the target's largest).
ALIGNED = "__abicheck_aligned"
#: ``_Alignas(MAX_ALIGN(N))`` on a record: ``#pragma pack(N)`` was in force where it stands.
MAX_ALIGN = "__abicheck_max_align"
#: ``PREFERRED(_Alignof(T))``: GNU ``__alignof__(T)``, the preferred alignment.
PREFERRED = "__abicheck_preferred"
#: ``BUILTIN(offsetof(T, m))``: ``__builtin_offsetof(T, m)`` (plain ``offsetof``,
#: which pycparser reads as a keyword, is a macro of ``<stddef.h>`` in C).
BUILTIN = "__abicheck_builtin"
#: ``(TYPEOF(x))(a)``: GNU ``(__typeof__(x))(a)``, ``a`` converted to the type of ``x``.
TYPEOF = "__abicheck_typeof"

_ATTRIBUTE_WORDS = frozenset({"__attribute__", "__attribute"})
_DROPPED_WORDS = frozenset({"__asm__", "__asm", "asm", "__declspec"})
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
    "__alignof__": "_Alignof",
    "__alignof": "_Alignof",
}
_RECORD_WORDS = frozenset({"struct", "union"})
_SPLIT_RE = lazy_compile(r"[{};]")


def split(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the file-scope statements of ``text``: each ends
    with a ``;`` outside braces; a function's body ends its definition, which is
    left out."""
    return split_rest(text)[0]


def split_rest(text: str) -> tuple[list[tuple[int, int]], int | None]:
    """:func:`split`'s statements, and where the text after the last of them
    starts, if any is left with no ``;`` (``struct x {`` with no ``}``, ``struct x
    {...}``, ``int x``; not a function's body), or None."""
    out: list[tuple[int, int]] = []
    depth = 0
    start = 0
    body = False  # inside a function's body
    for m in _SPLIT_RE.finditer(text):
        c = m.group()
        if c == "{":
            if depth == 0 and _ends_with_parameters(text, start, m.start()):
                body = True
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
            if depth == 0 and body:
                body = False
                start = m.end()
        elif depth == 0:
            out.append((start, m.end()))
            start = m.end()
    return out, start if not body and not text[start:].isspace() and start < len(text) else None


def _ends_with_parameters(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] ends with a parameter list (a function definition),
    attributes after it aside."""
    while True:
        k = end - 1
        while k >= start and text[k].isspace():
            k -= 1
        if k < start or text[k] != ")":
            return False
        depth = 0
        while k >= start:
            c = text[k]
            if c == ")":
                depth += 1
            elif c == "(":
                depth -= 1
                if depth == 0:
                    break
            k -= 1
        j = k - 1
        while j >= start and text[j].isspace():
            j -= 1
        i = j
        while i >= start and (text[i].isalnum() or text[i] == "_"):
            i -= 1
        word = text[i + 1 : j + 1]
        if word not in _ATTRIBUTE_WORDS:
            return bool(word) and not word[0].isdigit()
        end = i + 1


def _attributes(toks: list[Tok], i: int) -> tuple[list[list[Tok]], int]:
    """The attributes of ``__attribute__((a, b(x), ...))`` at ``toks[i]``: each as
    its tokens; and the index after it."""
    j = i + 1
    if j >= len(toks) or toks[j].text != "(":
        return [], j
    end = closing_paren(toks, j)
    inner = toks[j + 1 : end]
    if inner and inner[0].text == "(" and closing_paren(inner, 0) == len(inner) - 1:
        inner = inner[1:-1]
    attrs: list[list[Tok]] = [[]]
    depth = 0
    for t in inner:
        if t.text == "," and depth == 0:
            attrs.append([])
            continue
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        attrs[-1].append(t)
    return [a for a in attrs if a], end + 1


def _specifiers(attrs: list[list[Tok]]) -> list[Tok]:
    """``_Alignas`` specifiers for the packed and aligned attributes among ``attrs``."""
    out: list[Tok] = []
    for a in attrs:
        name = a[0].text.strip("_")
        if name == "packed":
            out += _toks("_Alignas", "(", PACKED, ")")
        elif name == "aligned":
            arg = lower_expression(a[2:-1]) if len(a) > 3 and a[1].text == "(" else []
            out += [*_toks("_Alignas", "(", ALIGNED, "("), *arg, *_toks(")", ")")]
    return out


def _toks(*texts: str) -> list[Tok]:
    return [
        Tok(
            "id" if t[0].isalpha() or t[0] == "_" else "num" if t[0].isdigit() else "punct", t, True
        )
        for t in texts
    ]


def lower_gnu(toks: list[Tok], pack: int = 0) -> list[Tok]:
    """A declaration's tokens as pycparser reads them: GNU spellings made standard,
    ``asm`` labels dropped, and of the attributes, packed and aligned kept as
    ``_Alignas`` specifiers: a struct's or union's own in a first member named
    :data:`ATTRS_MEMBER`, a member's or typedef's at the start of its declaration
    (the others are dropped). ``pack``, the ``#pragma pack`` in force, goes into
    every record body's first member as ``_Alignas(MAX_ALIGN(pack))``."""
    out: list[Tok] = []
    n = len(toks)
    parens = 0
    # per open brace: (index in out of the '{', whether a record's body)
    braces: list[tuple[int, bool]] = []
    starts = [0]  # where the declaration under way starts in out, per brace depth
    pending: list[Tok] = []  # attributes met after struct/union, before its body
    record_head = False  # between struct/union and its body or tag's end
    head_ids = 0  # identifiers met since struct/union (the tag)
    closed_record = -1  # out index of the '{' of a record body just closed
    i = 0
    while i < n:
        t = toks[i]
        text = t.text
        if t.kind == "id" and text in _ATTRIBUTE_WORDS:
            attrs, i = _attributes(toks, i)
            spec = _specifiers(attrs)
            if not spec or parens:
                continue
            if record_head:
                pending += spec
            elif closed_record >= 0:
                out[closed_record + 1 : closed_record + 1] = _marker(spec)
                for k in range(len(starts)):
                    if starts[k] > closed_record:
                        starts[k] += len(spec) + 3
            else:
                at = starts[-1]
                out[at:at] = spec
            continue
        if t.kind == "id" and text in _DROPPED_WORDS:
            j = i + 1
            if j < n and toks[j].text == "(":
                j = closing_paren(toks, j)
            i = j + 1
            continue
        closed_record = -1
        if t.kind == "id" and text in _GNU_SPELLINGS:
            repl = _GNU_SPELLINGS[text]
            if repl:
                out.append(Tok("id", repl, True))
            i += 1
            continue
        if t.kind == "id" and text in _RECORD_WORDS:
            record_head = True
            head_ids = 0
            pending = []
        elif record_head and t.kind == "id":
            head_ids += 1
            if head_ids > 1:
                record_head = False  # struct TAG NAME: no body
                if pending:
                    # gcc: attributes after a tag no body follows are the declaration's
                    out[starts[-1] : starts[-1]] = pending
                    pending = []
        elif text == "{":
            braces.append((len(out), record_head))
            out.append(t)
            if record_head and pack:
                pending += _toks("_Alignas", "(", MAX_ALIGN, "(", str(pack), ")", ")")
            if record_head and pending:
                out += _marker(pending)
            record_head = False
            pending = []
            starts.append(len(out))
            i += 1
            continue
        elif text == "}":
            at, is_record = braces.pop() if braces else (-1, False)
            if len(starts) > 1:
                starts.pop()
            out.append(t)
            closed_record = at if is_record else -1
            i += 1
            continue
        elif text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif text == ";" or (text == "," and not parens):
            if text == ";":
                starts[-1] = len(out) + 1
            record_head = False
        elif record_head and t.kind != "id":
            record_head = False
            if pending:
                out[starts[-1] : starts[-1]] = pending
                pending = []
        out.append(t)
        i += 1
    return out


def _marker(spec: list[Tok]) -> list[Tok]:
    return [*spec, *_toks("char", ATTRS_MEMBER, ";")]


def lower_expression(toks: list[Tok]) -> list[Tok]:
    """An expression's GNU operators as pycparser reads them: ``__alignof__(T)`` as
    ``PREFERRED(_Alignof(T))``, ``__builtin_offsetof(...)`` as ``BUILTIN(offsetof(...))``,
    ``__typeof__`` as ``TYPEOF`` (a cast ``(TYPEOF(x))(a)`` reads as a call)."""
    out: list[Tok] = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if (
            t.kind == "id"
            and t.text in ("__alignof__", "__alignof")
            and i + 1 < n
            and toks[i + 1].text == "("
        ):
            end = closing_paren(toks, i + 1)
            inner = lower_expression(toks[i + 1 : end + 1])
            out += [*_toks(PREFERRED, "(", "_Alignof"), *inner, *_toks(")")]
            i = end + 1
            continue
        if (
            t.kind == "id"
            and t.text == "__builtin_offsetof"
            and i + 1 < n
            and toks[i + 1].text == "("
        ):
            end = closing_paren(toks, i + 1)
            inner = lower_expression(toks[i + 1 : end + 1])
            out += [*_toks(BUILTIN, "(", "offsetof"), *inner, *_toks(")")]
            i = end + 1
            continue
        if t.kind == "id" and t.text in ("__typeof__", "__typeof", "typeof"):
            out.append(Tok("id", TYPEOF, t.space))
            i += 1
            continue
        out.append(t)
        i += 1
    return out
