"""``python``: the running interpreter's :mod:`mmap` constants."""

from __future__ import annotations

import mmap
import sys
from typing import ClassVar

from ..model import Macro, Provenance, Table, sorted_macros
from .base import Context, SourceKind


def python_table() -> Table:
    """The running interpreter's :mod:`mmap` constants (upper-case integer attributes)."""
    macros = [
        Macro(name, "integer", value, str(value), "mmap module", 0)
        for name in dir(mmap)
        if name.isupper()
        and isinstance(value := getattr(mmap, name), int)
        and not isinstance(value, bool)
    ]
    notes = (
        ("interpreter", sys.version.replace("\n", " ")),
        ("module", getattr(mmap, "__file__", "built-in mmap module")),
    )
    return Table("python", "python", sorted_macros(macros), Provenance("python", notes=notes))


class PythonSource(SourceKind):
    name = "python"
    forms = ("python",)
    keywords: ClassVar[tuple[str, ...]] = ("python",)

    def load(self, spec: str, ctx: Context) -> list[Table]:
        return [python_table()]
