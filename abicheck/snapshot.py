"""Snapshots: tables written to and read from a stable, sorted JSON file.

The same format serves ``abicheck snapshot`` (release baselines, ``abi.lock.json``),
the architecture snapshot shipped in ``headers/`` and table-file sources. Dumping the
same tables twice gives the same bytes: sorted, no timestamps, ``\\n`` newlines.

Each source holds its ``label``, ``kind`` (one of :data:`abicheck.model.TABLE_KINDS`),
``origin`` (its :class:`~abicheck.model.Provenance`, field by field: strings, lists
of strings for folders and flags, ``[name, value]`` pairs for defines and notes, so
that it reads back exactly whatever characters a path or a define holds) and
``macros``. Each macro entry holds ``name``, ``value``, ``expr``, ``file``, ``line``,
``comment`` and ``type`` (the C type of the value where the source knows it, else
``""``). Loading checks every entry: names are C identifiers (in a ``layout`` table:
layout names, :mod:`abicheck.layout_names`), unique within their source; values are
integers (not booleans) in ``[-2**63, 2**64)``; labels are unique.
Errors are located at the file's line where the offending label or name is found.

Format 1 files (``abicheck-snapshot/1``, whose origins were strings) still read: their
origin is turned into a Provenance as well as it can be (see :mod:`._legacy`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from . import __version__
from ._callable import callable_module
from ._legacy import legacy_provenance
from .layout_names import is_layout_name
from .model import (
    TABLE_KINDS,
    AbicheckError,
    Macro,
    Provenance,
    Table,
    TableKind,
    is_identifier,
    read_text,
)

FORMAT = "abicheck-snapshot/2"
#: Older formats that still read.
OLD_FORMATS = ("abicheck-snapshot/1",)
#: Values a snapshot (and a constants module) may hold: what a C integer type can.
VALUE_MIN = -(1 << 63)
VALUE_END = 1 << 64
_PROVENANCE_FIELDS = {f.name: f.type for f in fields(Provenance)}


def in_value_range(value: int) -> bool:
    """Whether ``value`` fits a 64-bit C integer, signed or unsigned."""
    return VALUE_MIN <= value < VALUE_END


def snapshot_data(tables: Sequence[Table]) -> dict[str, Any]:
    """The JSON-ready snapshot of ``tables``: their integer macros, sorted, with provenance.

    Raises :class:`AbicheckError` when no table has an integer macro (one empty
    table beside others is kept, as the loader keeps it).
    """
    if not any(m.value is not None and not m.builtin for t in tables for m in t.macros):
        raise _nothing(tables)  # a baseline of nothing passes every audit
    sources = []
    for t in sorted(tables, key=lambda t: t.label):
        macros = sorted(
            (m for m in t.macros if m.value is not None and not m.builtin),
            key=lambda m: m.name,
        )
        sources.append(
            {
                "label": t.label,
                "kind": t.kind,
                "origin": t.origin.to_json(),
                "macros": [
                    {
                        "name": m.name,
                        "value": m.value,
                        "expr": m.expr,
                        "file": m.file,
                        "line": m.line,
                        "comment": m.comment,
                        "type": m.ctype,
                    }
                    for m in macros
                ],
            }
        )
    return {"format": FORMAT, "abicheck": __version__, "sources": sources}


def _nothing(tables: Sequence[Table]) -> AbicheckError:
    labels = ", ".join(t.label for t in tables)
    if not tables:
        return AbicheckError("nothing to snapshot: no sources")
    if all(t.kind == "layout" for t in tables):
        return AbicheckError(f"nothing to snapshot: no struct or union laid out in {labels}")
    return AbicheckError(f"nothing to snapshot: no integer macro in {labels}")


def dump_snapshot(tables: Sequence[Table]) -> str:
    """The snapshot as text: byte-identical for identical tables."""
    return json.dumps(snapshot_data(tables), indent=2, ensure_ascii=False) + "\n"


def load_snapshot(path: str | Path) -> list[Table]:
    """Tables from a snapshot file; AbicheckError at ``path:line`` for bad input."""
    p = str(path)
    text = read_text(p)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AbicheckError(f"invalid JSON: {exc.msg}", p, exc.lineno) from None
    except ValueError as exc:  # an integer of more digits than int() takes
        raise AbicheckError(f"invalid JSON: {exc}", p) from None
    except RecursionError:
        raise AbicheckError("invalid snapshot: JSON nested too deeply", p) from None
    return tables_from_data(data, p, text)


_KEYED = re.compile(r'"(label|name)"\s*:\s*("(?:[^"\\]|\\.)*")')


class _Locator:
    """Finds the lines of ``"label": ...`` and ``"name": ...`` pairs in the snapshot text.

    The pairs are listed once, in file order; lookups go forward from the last pair
    found (the checker visits entries in file order), else search from the start.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pairs: list[tuple[str, str, int]] | None = None
        self.cursor = 0

    def _pairs(self) -> list[tuple[str, str, int]]:
        if self.pairs is None:
            self.pairs = []
            line, pos = 1, 0
            for match in _KEYED.finditer(self.text):
                line += self.text.count("\n", pos, match.start())
                pos = match.start()
                try:
                    value = json.loads(match.group(2))
                except json.JSONDecodeError:
                    continue
                self.pairs.append((match.group(1), value, line))
        return self.pairs

    def find(self, key: str, value: str) -> int | None:
        """The line of ``"key": value`` after the last one found (else anywhere)."""
        pairs = self._pairs()
        for start, stop in ((self.cursor, len(pairs)), (0, self.cursor)):
            for i in range(start, stop):
                if pairs[i][0] == key and pairs[i][1] == value:
                    self.cursor = i + 1
                    return pairs[i][2]
        return None

    def key(self, key: str) -> int | None:
        """The line of the first ``"key":`` in the text."""
        match = re.search(rf'"{key}"\s*:', self.text)
        return None if match is None else self.text.count("\n", 0, match.start()) + 1


def tables_from_data(data: Any, path: str, text: str = "") -> list[Table]:
    """Tables from already-decoded snapshot JSON.

    ``path`` names it in errors; ``text``, the JSON as read, lets errors carry the line
    of the offending source label or macro name.
    """
    return _Checker(path, text).tables(data)


class _Checker:
    """Turns decoded snapshot JSON into tables, checking every entry."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.where = _Locator(text)
        self.legacy = False

    def bad(self, message: str, line: int | None = None) -> AbicheckError:
        return AbicheckError(f"bad snapshot: {message}", self.path, line)

    def tables(self, data: Any) -> list[Table]:
        fmt = data.get("format") if isinstance(data, dict) else None
        if fmt != FORMAT and fmt not in OLD_FORMATS:
            raise self.bad(f'expected "format": "{FORMAT}"', self.where.key("format"))
        self.legacy = fmt != FORMAT
        sources = data.get("sources")
        if not isinstance(sources, list):
            raise self.bad('"sources" must be a list', self.where.key("sources"))
        if not sources:  # a baseline of nothing would pass every audit
            raise self.bad('"sources" is empty', self.where.key("sources"))
        tables: list[Table] = []
        labels: set[str] = set()
        for i, src in enumerate(sources):
            label = src.get("label") if isinstance(src, dict) else None
            if not isinstance(src, dict) or not isinstance(label, str) or not label:
                raise self.bad(
                    f"source {i + 1} has no label (a non-empty string)", self.where.key("sources")
                )
            at = self.where.find("label", label)
            if label in labels:
                raise self.bad(f"source {label!r} given twice", at)
            labels.add(label)
            tables.append(self.table(src, label, at))
        if not any(t.macros for t in tables):  # (one empty source among others still reads)
            raise self.bad("no source holds a macro", self.where.key("sources"))
        return tables

    def table(self, src: dict[str, Any], label: str, at: int | None) -> Table:
        kind = src.get("kind", "file")
        if kind not in TABLE_KINDS:
            raise self.bad(
                f'"kind" of source {label!r} must be one of {", ".join(TABLE_KINDS)}, '
                f"not {_show(kind)}",
                at,
            )
        origin = src.get("origin", {})
        if not isinstance(origin, dict):
            raise self.bad(f'"origin" of source {label!r} must be an object', at)
        provenance = self.provenance(origin, kind, label, at)
        entries = src.get("macros", [])
        if not isinstance(entries, list):
            raise self.bad(f'"macros" of source {label!r} must be a list', at)
        macros: dict[str, Macro] = {}
        for j, entry in enumerate(entries):
            name = entry.get("name") if isinstance(entry, dict) else None
            if not isinstance(entry, dict) or not isinstance(name, str):
                raise self.bad(f"macro {j + 1} of source {label!r} has no name (a string)", at)
            line = self.where.find("name", name) or at
            if name in macros:
                raise self.bad(f"{name} given twice in source {label!r}", line)
            macros[name] = self.macro(entry, name, label, line, kind)
        return Table(label, kind, tuple(macros.values()), provenance)

    def provenance(
        self, origin: dict[str, Any], kind: TableKind, label: str, at: int | None
    ) -> Provenance:
        if self.legacy:
            for key, value in origin.items():
                if not isinstance(value, str):
                    raise self.bad(
                        f'"origin" of source {label!r}: {key!r} must be a string, '
                        f"not {_show(value)}",
                        at,
                    )
            return legacy_provenance(kind, label, origin)
        values: dict[str, Any] = {}
        for key, value in origin.items():
            expected = _PROVENANCE_FIELDS.get(key)
            where = f'"origin" of source {label!r}: {key!r}'
            if expected is None:
                raise self.bad(f"{where} is not a provenance field", at)
            if expected == "str":
                if not isinstance(value, str):
                    raise self.bad(f"{where} must be a string, not {_show(value)}", at)
                values[key] = value
            elif expected == "tuple[str, ...]":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise self.bad(f"{where} must be a list of strings", at)
                values[key] = tuple(value)
            else:
                pairs = value if isinstance(value, list) else None
                if pairs is None or not all(_is_pair(v) for v in pairs):
                    raise self.bad(f"{where} must be a list of [name, value] string pairs", at)
                values[key] = tuple((k, v) for k, v in pairs)
        return Provenance(**values)

    def macro(
        self, entry: dict[str, Any], name: str, label: str, at: int | None, kind: TableKind
    ) -> Macro:
        what = f"{name} in source {label!r}"
        if kind == "layout":
            if not is_layout_name(name):
                raise self.bad(
                    f"{name!r} in layout source {label!r} is not a layout name such as "
                    "sizeof(struct stat) or offsetof(struct stat, st_mode)",
                    at,
                )
        elif not is_identifier(name):
            raise self.bad(f"{name!r} in source {label!r} is not a C identifier", at)
        value = entry.get("value")
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.bad(f"value of {what} must be an integer, not {_show(value)}", at)
        if not in_value_range(value):
            raise self.bad(f"value of {what} is outside [-2**63, 2**64): {value}", at)
        strings = {}
        for key in ("expr", "file", "comment", "type"):
            got = entry.get(key, self.path if key == "file" else "")
            if not isinstance(got, str):
                raise self.bad(f'"{key}" of {what} must be a string, not {_show(got)}', at)
            strings[key] = got
        line = entry.get("line", 0)
        if not isinstance(line, int) or isinstance(line, bool) or line < 0:
            raise self.bad(f'"line" of {what} must be a line number, not {_show(line)}', at)
        return Macro(
            name,
            "integer",
            value,
            strings["expr"],
            strings["file"],
            line,
            strings["comment"],
            ctype=strings["type"],
        )


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)


def _show(value: Any) -> str:
    """A JSON value, cut short, for error messages."""
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


callable_module(__name__, "dump_snapshot")
