"""Bindings as sources: ``go:DIR``, ``zig:FILE``, ``rust:DIR`` (Rust's ``libc`` crate).

Each reads the binding's files with its reader (:mod:`abicheck.bindings`), never
importing or running them, and gives one table per architecture the binding has,
labelled ``go:<arch>``, ``zig:<arch>``, ``rust-gnu:<arch>``/``rust-musl:<arch>``
with abicheck's architecture names (the binding's own where abicheck has none).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from ..bindings import BindingTable
from ..model import AbicheckError, Provenance, Table
from .base import Context, SourceKind

Reader = Callable[[str], list[BindingTable]]


def git_commit(path: str) -> str:
    """The commit checked out where ``path`` lies, or "" when it is no git checkout."""
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    try:
        proc = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


class BindingSource(SourceKind):
    """A binding's tables; subclasses name the reader and how labels are made."""

    reader: ClassVar[str]

    def read(self, path: str) -> list[BindingTable]:
        raise NotImplementedError

    def tables(self, path: str, ctx: Context) -> list[BindingTable]:
        """The binding's tables under ``path`` (by default :meth:`read`, which needs no
        context)."""
        return self.read(path)

    def label(self, t: BindingTable) -> str:
        return f"{self.name}:{t.arch}"

    def load(self, spec: str, ctx: Context) -> list[Table]:
        path = spec[len(self.prefix) :]
        if not path:
            raise AbicheckError(f"{self.prefix} needs a path: {self.forms[0]}")
        found = self.tables(path, ctx)
        if not found:
            raise AbicheckError(f"no {self.name} constant tables found", path)
        commit = git_commit(path)
        out = []
        for t in found:
            notes = [("binding_arch", t.binding_arch)]
            notes += [("env", t.env)] if t.env else []
            notes += [("commit", commit)] if commit else []
            notes += [] if t.known else [("unknown_arch", "not an architecture abicheck knows")]
            notes += t.notes
            origin = Provenance(self.name, path=path, arch=t.arch, notes=tuple(notes))
            out.append(Table(self.label(t), "binding", t.macros, origin))
        return sorted(out, key=lambda t: t.label)

    def reread(self, table: Table, ctx: Context) -> Table:
        for t in self.load(self.prefix + table.origin.path, ctx):
            if t.label == table.label:
                return t
        raise AbicheckError(f"{table.origin.path} has no table {table.label} any more")


class GoSource(BindingSource):
    name = "go"
    forms = ("go:DIR",)
    prefix: ClassVar[str] = "go:"

    def read(self, path: str) -> list[BindingTable]:
        from ..bindings.go import read

        return read(path)


class ZigSource(BindingSource):
    name = "zig"
    forms = ("zig:FILE",)
    prefix: ClassVar[str] = "zig:"

    def read(self, path: str) -> list[BindingTable]:
        from ..bindings.zig import read

        return read(path)


def binding_tables(tables: Sequence[Table]) -> list[Table]:
    """The binding tables among ``tables``."""
    return [t for t in tables if t.kind == "binding"]
