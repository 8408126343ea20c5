"""``cfg`` predicates: parsed from attribute tokens, evaluated against a target's facts.

A predicate is an :class:`Is` (``name = "value"``, or a bare ``name`` such as
``unix`` with ``value`` None) or an :class:`Op` (``any``, ``all`` or ``not`` of
predicates). A target's facts are the ``(name, value)`` pairs that hold for it; a name the facts do
not mention is false, as rustc treats an unset cfg.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .lexer import Source, Token

Facts = frozenset[tuple[str, str | None]]


@dataclass(frozen=True, slots=True)
class Is:
    """``name = "value"``, or the bare ``name`` when ``value`` is None."""

    name: str
    value: str | None


@dataclass(frozen=True, slots=True)
class Op:
    """``any(...)``, ``all(...)`` or ``not(...)`` (``op``) of ``preds``."""

    op: str
    preds: tuple[Is | Op, ...]


Cfg = Is | Op

_COMBINATORS = ("any", "all", "not")


def parse_cfg(tokens: Sequence[Token], src: Source, at: int) -> Cfg:
    """The predicate of ``tokens`` (what is inside ``cfg(...)``, at offset ``at``;
    several, comma separated, mean ``all``, as in ``cfg_if!``). Raises
    :class:`AbicheckError`."""
    preds, rest = _list(tokens, 0, src)
    if not preds:
        raise src.error("empty cfg predicate", at)
    if rest != len(tokens):
        raise src.error("malformed cfg predicate", tokens[rest].pos)
    return preds[0] if len(preds) == 1 else Op("all", tuple(preds))


def _list(tokens: Sequence[Token], i: int, src: Source) -> tuple[list[Cfg], int]:
    """The comma-separated predicates from ``i`` up to a ``)`` or the end."""
    out: list[Cfg] = []
    while i < len(tokens) and tokens[i].text != ")":
        pred, i = _one(tokens, i, src)
        out.append(pred)
        if i < len(tokens) and tokens[i].text == ",":
            i += 1
    return out, i


def _one(tokens: Sequence[Token], i: int, src: Source) -> tuple[Cfg, int]:
    head = tokens[i]
    if head.kind != "ident":
        raise src.error(f"malformed cfg predicate at {head.text!r}", head.pos)
    nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
    if head.text in _COMBINATORS and nxt == "(":
        preds, j = _list(tokens, i + 2, src)
        if j >= len(tokens) or (head.text == "not" and len(preds) != 1):
            raise src.error(f"malformed cfg {head.text}(...)", head.pos)
        return Op(head.text, tuple(preds)), j + 1
    if nxt == "=" and i + 2 < len(tokens) and tokens[i + 2].kind == "str":
        return Is(head.text, tokens[i + 2].text.strip('"')), i + 3
    return Is(head.text, None), i + 1


def holds(pred: Cfg, facts: Facts) -> bool:
    """Whether ``pred`` is true for a target with ``facts``."""
    if isinstance(pred, Is):
        return (pred.name, pred.value) in facts
    if pred.op == "any":
        return any(holds(p, facts) for p in pred.preds)
    if pred.op == "all":
        return all(holds(p, facts) for p in pred.preds)
    return not holds(pred.preds[0], facts)


__all__ = ["Cfg", "Facts", "Is", "Op", "holds", "parse_cfg"]
