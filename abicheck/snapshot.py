"""Snapshots: tables written to and read from a stable, sorted JSON file.

The same format serves ``abicheck snapshot`` (release baselines, ``abi.lock.json``),
the architecture snapshot shipped in ``headers/`` and table-file sources. Dumping the
same tables twice gives the same bytes: sorted, no timestamps, ``\\n`` newlines.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .model import AbicheckError, Macro, Table

FORMAT = "abicheck-snapshot/1"
_SKIP_FILES = ("<built-in>", "<command-line>")


def snapshot_data(tables: Sequence[Table]) -> dict[str, Any]:
    """The JSON-ready snapshot of ``tables``: their integer macros, sorted, with provenance."""
    sources = []
    for t in sorted(tables, key=lambda t: t.label):
        macros = sorted(
            (m for m in t.macros if m.value is not None and m.file not in _SKIP_FILES),
            key=lambda m: m.name,
        )
        sources.append(
            {
                "label": t.label,
                "kind": t.kind,
                "origin": {k: str(t.origin[k]) for k in sorted(t.origin)},
                "macros": [
                    {
                        "name": m.name,
                        "value": m.value,
                        "expr": m.expr,
                        "file": m.file,
                        "line": m.line,
                        "comment": m.comment,
                    }
                    for m in macros
                ],
            }
        )
    return {"format": FORMAT, "abicheck": __version__, "sources": sources}


def dump_snapshot(tables: Sequence[Table]) -> str:
    """The snapshot as text: byte-identical for identical tables."""
    return json.dumps(snapshot_data(tables), indent=2, ensure_ascii=False) + "\n"


def _bad(path: str, message: str, line: int | None = None) -> AbicheckError:
    return AbicheckError(f"not an abicheck snapshot: {message}", path, line)


def load_snapshot(path: str | Path) -> list[Table]:
    """Tables from a snapshot file; AbicheckError (with the line for bad JSON) otherwise."""
    p = str(path)
    try:
        text = Path(p).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AbicheckError("no such file", p) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AbicheckError(f"cannot read: {exc}", p) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AbicheckError(f"invalid JSON: {exc.msg}", p, exc.lineno) from None
    return tables_from_data(data, p)


def tables_from_data(data: Any, path: str) -> list[Table]:
    """Tables from already-decoded snapshot JSON (``path`` names it in errors)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _bad(path, f'expected "format": "{FORMAT}"')
    sources = data.get("sources")
    if not isinstance(sources, list):
        raise _bad(path, '"sources" must be a list')
    tables = []
    for i, src in enumerate(sources):
        if not isinstance(src, dict) or not isinstance(src.get("label"), str):
            raise _bad(path, f"source {i} has no label")
        macros = []
        for m in src.get("macros", []):
            try:
                name, value = m["name"], m["value"]
                if not isinstance(name, str) or not isinstance(value, int):
                    raise TypeError
                macros.append(
                    Macro(
                        name,
                        "integer",
                        value,
                        str(m.get("expr", "")),
                        str(m.get("file", path)),
                        int(m.get("line", 0)),
                        str(m.get("comment", "")),
                    )
                )
            except (KeyError, TypeError, ValueError):
                raise _bad(path, f"bad macro entry in source {src['label']!r}") from None
        origin = src.get("origin", {})
        if not isinstance(origin, dict):
            raise _bad(path, f"origin of {src['label']!r} must be an object")
        tables.append(
            Table(
                src["label"],
                str(src.get("kind", "file")),
                tuple(macros),
                {str(k): str(v) for k, v in origin.items()},
            )
        )
    return tables
