"""Bindings as sources: ``go:DIR``, ``zig:FILE``, ``rust:DIR`` (Rust's ``libc`` crate).

Each reads the binding's files with its reader (:mod:`abicheck.bindings`), never
importing or running them, and gives one table per architecture the binding has,
labelled ``go:<arch>``, ``zig:<arch>``, ``rust-gnu:<arch>``/``rust-musl:<arch>``
with abicheck's architecture names (the binding's own where abicheck has none).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from ..bindings import BindingTable
from ..model import AbicheckError, Provenance, Table
from .base import Context, SourceKind

Reader = Callable[[str], list[BindingTable]]


def git_commit(path: str, depth: int = 1) -> str:
    """The commit checked out in the git checkout ``path`` is the root of, or at most
    ``depth`` folders below (``x/sys`` and its ``unix/``); "" otherwise (a copy of
    the files inside another project's checkout is no checkout of the binding)."""
    p = Path(path).resolve()
    folder = p if p.is_dir() else p.parent
    try:
        proc = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = proc.stdout.split()
    if proc.returncode != 0 or len(lines) != 2:
        return ""
    top = Path(lines[0])
    return lines[1] if top in [folder, *folder.parents][: depth + 1] else ""


class BindingSource(SourceKind):
    """A binding's tables; subclasses name the reader and how labels are made."""

    #: How far below the binding's repository root the path given may lie.
    depth: ClassVar[int] = 1

    def read(self, path: str, ctx: Context) -> list[BindingTable]:
        """The binding's tables under ``path``."""
        raise NotImplementedError

    def label(self, t: BindingTable) -> str:
        return f"{self.name}:{t.arch}"

    def load(self, spec: str, ctx: Context) -> list[Table]:
        path = spec[len(self.prefix) :]
        if not path:
            raise AbicheckError(f"{self.prefix} needs a path: {self.forms[0]}")
        found = self.read(path, ctx)
        if not found:
            raise AbicheckError(f"no {self.name} constant tables found", path)
        commit = git_commit(path, self.depth)
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

    def read(self, path: str, ctx: Context) -> list[BindingTable]:
        from ..bindings.go import read

        return read(path)


class ZigSource(BindingSource):
    name = "zig"
    forms = ("zig:FILE",)
    prefix: ClassVar[str] = "zig:"
    depth: ClassVar[int] = 3  # lib/std/os/linux.zig

    def read(self, path: str, ctx: Context) -> list[BindingTable]:
        from ..bindings.zig import read

        return read(path)


class RustSource(BindingSource):
    """``rust:DIR``: the ``libc`` crate, a table per Linux target, labelled by its C
    library environment (``rust-gnu:ppc64``, ``rust-musl:ppc64``); the options'
    ``rust_targets`` select some (``powerpc64-musl``, ``musl``, ``mips``)."""

    name = "rust"
    forms = ("rust:DIR",)
    prefix: ClassVar[str] = "rust:"

    def label(self, t: BindingTable) -> str:
        return f"rust-{t.env}:{t.arch}"

    def read(self, path: str, ctx: Context) -> list[BindingTable]:
        from ..bindings.rust import read

        return read(path, ctx.options.rust_targets or None)
