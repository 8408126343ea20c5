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
    return current


def minimise(files: dict[str, str], fails: Callable[[dict[str, str]], bool]) -> dict[str, str]:
    """The smallest files found that still ``fails``: ddmin over all lines of all files
    (each file kept, maybe empty), then over each remaining line's space-separated words."""
    lines = [
        (name, i, ln) for name, text in files.items() for i, ln in enumerate(text.splitlines())
    ]

    def build(kept: Sequence[tuple[str, int, str]]) -> dict[str, str]:
        out: dict[str, list[str]] = {name: [] for name in files}
        for name, _, ln in kept:
            out[name].append(ln)
        return {name: "".join(f"{ln}\n" for ln in lns) for name, lns in out.items()}

    kept = ddmin(lines, lambda sub: fails(build(sub)))
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
