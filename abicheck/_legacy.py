"""Provenance from format 1 snapshots, whose origins were flat strings.

Format 1 joined include folders with ``:`` and ``-D`` defines with spaces; such a
record is read back as well as it can be: a folder holding ``:`` or a define value
holding ``NAME=`` after a space cannot be told apart, and a define record that does
not read back the same is kept as a note, which leaves the table unreadable again
(:mod:`abicheck.sources` says why). Format 2 records each field as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .model import SHOWN_KEYS, Pairs, Provenance, TableKind
from .resources import EMBEDDED_LABEL, embedded_display_name

_DEFAULT_ARCH_HEADER = "linux/mman.h"
_KEYWORD_SOURCES = ("system", "libc", "python", "kernel", "embedded", EMBEDDED_LABEL)
# origin key -> Provenance field, for the keys that map one to one (as reports show them)
_FIELDS = {key: name for name, key in SHOWN_KEYS.items() if name not in ("include_dirs", "defines")}
_FIELDS["path"] = "path"
_DERIVED = frozenset({"headers"})  # shown from headers_from, not recorded


def recorded_defines(text: str) -> Pairs | None:
    """The -D defines a format 1 origin records (``A=1 B=x``), or None when the record
    is ambiguous (a value with spaces that does not read back the same)."""
    defines: dict[str, str] = {}
    last: str | None = None
    for word in text.split():
        name, eq, value = word.partition("=")
        if eq and re.fullmatch(r"[A-Za-z_]\w*", name) and name not in defines:
            defines[name] = value
            last = name
        elif last is not None:
            defines[last] += " " + word
        else:
            return None
    pairs = tuple(sorted(defines.items()))
    if " ".join(f"{k}={v}" for k, v in pairs) != text:
        return None
    return pairs


def _relative_header(header: str, dirs: tuple[str, ...]) -> str:
    for d in dirs:
        prefix = d.rstrip("/") + "/"
        if header.startswith(prefix):
            return header[len(prefix) :]
    return _DEFAULT_ARCH_HEADER


def _source(kind: TableKind, label: str, origin: Mapping[str, str]) -> str:
    if kind in ("system", "libc", "python", "kernel", "arch"):
        return kind
    path = origin.get("path", "")
    if kind == "header":
        return "embedded" if path == embedded_display_name() and "note" in origin else "header"
    if path.lower().endswith(".py"):
        return "module"
    if label in _KEYWORD_SOURCES:  # a baseline older than kinds: the label is the source
        return "embedded" if label == EMBEDDED_LABEL else label
    if label.startswith("arch:"):
        return "arch"
    return ""


def legacy_provenance(kind: TableKind, label: str, origin: Mapping[str, str]) -> Provenance:
    """The Provenance a format 1 ``origin`` (key -> string) stands for."""
    values: dict[str, Any] = {"source": _source(kind, label, origin)}
    notes: list[tuple[str, str]] = []
    dirs = tuple(d for d in origin.get("include_dirs", "").split(":") if d)
    values["include_dirs"] = dirs
    for key, text in origin.items():
        if key in _FIELDS:
            values[_FIELDS[key]] = text
        elif key == "flags":
            values["flags"] = tuple(text.split())
        elif key == "defines":
            pairs = recorded_defines(text)
            if pairs is None:
                notes.append((key, text))
                values["source"] = ""
            else:
                values["defines"] = pairs
        elif key == "header":
            values["path"] = text
            if kind == "arch" or label.startswith("arch:"):
                values["header"] = _relative_header(text, dirs)
            else:
                values["header"] = text.rsplit("/include/", 1)[-1] if "/include/" in text else text
        elif key not in _DERIVED and key != "include_dirs":
            notes.append((key, text))
    if values["source"] == "arch" and not values.get("arch") and label.startswith("arch:"):
        values["arch"] = label[5:]
    return replace(Provenance(**values), notes=tuple(notes))
