"""Delta debugging (ddmin) over a failing case's lines, then over each line's tokens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def ddmin(items: Sequence[T], fails: Callable[[list[T]], bool]) -> list[T]:
    """A 1-minimal sublist of ``items`` for which ``fails`` still holds (Zeller's ddmin:
    try dropping chunks, halving the chunk size when none can go)."""
    current = list(items)
    n = 2
    while len(current) >= 2:
        size = -(-len(current) // n)
        chunks = [current[i : i + size] for i in range(0, len(current), size)]
        for k in range(len(chunks)):
            rest = [x for j, c in enumerate(chunks) if j != k for x in c]
            if fails(rest):
                current = rest
                n = max(n - 1, 2)
                break
        else:
            if n >= len(current):
                break
            n = min(n * 2, len(current))
    if len(current) == 1 and fails([]):
        return []
    return current


def minimise(files: dict[str, str], fails: Callable[[dict[str, str]], bool]) -> dict[str, str]:
    """The smallest files found that still ``fails``: ddmin over all lines of all files
    (each file kept, maybe empty), then whole conditionals (their ``#if``, ``#elif``,
    ``#else`` and ``#endif`` lines, which ddmin cannot drop one by one), then each
    remaining line's space-separated words."""
    lines = [
        (name, i, ln) for name, text in files.items() for i, ln in enumerate(text.splitlines())
    ]

    def build(kept: Sequence[tuple[str, int, str]]) -> dict[str, str]:
        out: dict[str, list[str]] = {name: [] for name in files}
        for name, _, ln in kept:
            out[name].append(ln)
        return {name: "".join(f"{ln}\n" for ln in lns) for name, lns in out.items()}

    kept = ddmin(lines, lambda sub: fails(build(sub)))
    fewer = _drop_conditionals(kept, lambda sub: fails(build(sub)))
    if fewer != kept:  # what the conditionals needed may go now
        kept = ddmin(fewer, lambda sub: fails(build(sub)))
    for idx in range(len(kept)):
        name, i, ln = kept[idx]
        words = ln.split(" ")

        def with_words(ws: list[str], idx: int = idx, name: str = name, i: int = i) -> bool:
            trial = list(kept)
            trial[idx] = (name, i, " ".join(ws))
            return fails(build(trial))

        if len(words) > 1:
            kept[idx] = (name, i, " ".join(ddmin(words, with_words)))
    return build(kept)


def _groups(kept: Sequence[tuple[str, int, str]]) -> list[list[int]]:
    """Each conditional's directive lines (indices into ``kept``), innermost first."""
    out: list[list[int]] = []
    stack: list[list[int]] = []
    for k, (_, _, ln) in enumerate(kept):
        word = ln.lstrip().lstrip("#").strip().split(" ")[0]
        if not ln.lstrip().startswith("#"):
            continue
        if word in ("if", "ifdef", "ifndef"):
            stack.append([k])
        elif word in ("elif", "else") and stack:
            stack[-1].append(k)
        elif word == "endif" and stack:
            group = stack.pop()
            group.append(k)
            if len({kept[i][0] for i in group}) == 1:  # all in one file
                out.append(group)
    return out


def _drop_conditionals(
    kept: list[tuple[str, int, str]], fails: Callable[[list[tuple[str, int, str]]], bool]
) -> list[tuple[str, int, str]]:
    """Drop whole conditionals' directive lines (keeping what they enclose) while the
    failure stays, until none can go."""
    changed = True
    while changed:
        changed = False
        for group in _groups(kept):
            trial = [x for k, x in enumerate(kept) if k not in set(group)]
            if fails(trial):
                kept, changed = trial, True
                break
    return kept
