"""``CONSTANTS.py``: a Python module of constants, read with :mod:`ast`, never imported."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from ..model import Table
from ..resources import shipped_path
from .base import Context, SourceKind


def constants_module_table(path: str | Path, label: str | None = None) -> Table:
    """A Python module's module-level integer constants, read with :mod:`ast` only
    (see :func:`._pyconst.constants_module_table`); the module is never imported."""
    from ._pyconst import constants_module_table as read

    return read(path, label)


class ModuleSource(SourceKind):
    name = "module"
    forms = ("CONSTANTS.py",)
    suffixes: ClassVar[tuple[str, ...]] = (".py",)

    def load(self, spec: str, ctx: Context) -> list[Table]:
        return [constants_module_table(spec, spec)]

    def reread(self, table: Table, ctx: Context) -> Table:
        path = shipped_path(table.origin.path)
        return constants_module_table(path, path)
