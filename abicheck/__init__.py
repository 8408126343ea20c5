"""abicheck: read C headers' #define tables and cross-check ABI constants.

The library under the ``abicheck`` command. Each name is imported when first used,
so ``import abicheck`` stays cheap::

    import abicheck

    tables = abicheck.load_sources(["embedded", "arch:armel"])
    result = abicheck.compare(tables, only=["MADV_REMOVE"])
    for row in result.rows:
        print(row.name, row.values, row.status)

``read`` gives one header's macros; ``layouts`` its structs' and unions' layouts
per architecture; ``load_sources`` tables from source specs (the
forms ``abicheck compare`` takes); ``compare``, ``audit`` and ``verify`` return data
(rows, changes, results) that ``abicheck.report`` renders; ``emit`` generates
modules; ``snapshot`` and ``load_snapshot`` write and read baselines, and
``reread`` reads a baseline's tables again from their provenance.

``compare``, ``emit``, ``verify``, ``snapshot``, ``audit`` and ``layouts`` are also the names of
their modules (``abicheck.compare.Comparison``): calling one of those modules calls
its function, so ``abicheck.compare(tables)`` works whichever was imported first.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .audit import AuditResult, Change, Suppression, audit, load_suppressions
    from .compare import Comparison, Finding, Row, compare
    from .emit import emit
    from .layouts import ArchLayouts, LayoutReport, layouts
    from .model import AbicheckError, Macro, Provenance, Table
    from .parse import Reader, read
    from .resources import embedded_header
    from .snapshot import dump_snapshot as snapshot
    from .snapshot import load_snapshot
    from .sources import SourceOptions, load_sources, reread
    from .targets import Target
    from .targets.mman import MMAN
    from .verify import VerifyReport, VerifyResult, verify

# public name -> (module, name in it)
_EXPORTS = {
    "AbicheckError": ("model", "AbicheckError"),
    "Macro": ("model", "Macro"),
    "Provenance": ("model", "Provenance"),
    "Table": ("model", "Table"),
    "Reader": ("parse", "Reader"),
    "read": ("parse", "read"),
    "embedded_header": ("resources", "embedded_header"),
    "SourceOptions": ("sources", "SourceOptions"),
    "load_sources": ("sources", "load_sources"),
    "reread": ("sources", "reread"),
    "Comparison": ("compare", "Comparison"),
    "Finding": ("compare", "Finding"),
    "Row": ("compare", "Row"),
    "compare": ("compare", "compare"),
    "AuditResult": ("audit", "AuditResult"),
    "Change": ("audit", "Change"),
    "Suppression": ("audit", "Suppression"),
    "audit": ("audit", "audit"),
    "load_suppressions": ("audit", "load_suppressions"),
    "emit": ("emit", "emit"),
    "ArchLayouts": ("layouts", "ArchLayouts"),
    "LayoutReport": ("layouts", "LayoutReport"),
    "layouts": ("layouts", "layouts"),
    "snapshot": ("snapshot", "dump_snapshot"),
    "load_snapshot": ("snapshot", "load_snapshot"),
    "Target": ("targets", "Target"),
    "MMAN": ("targets.mman", "MMAN"),
    "VerifyReport": ("verify", "VerifyReport"),
    "VerifyResult": ("verify", "VerifyResult"),
    "verify": ("verify", "verify"),
}

__all__ = [
    "AbicheckError",
    "ArchLayouts",
    "AuditResult",
    "Change",
    "Comparison",
    "Finding",
    "LayoutReport",
    "MMAN",
    "Macro",
    "Provenance",
    "Reader",
    "Row",
    "SourceOptions",
    "Suppression",
    "Table",
    "Target",
    "VerifyReport",
    "VerifyResult",
    "audit",
    "compare",
    "embedded_header",
    "emit",
    "layouts",
    "load_snapshot",
    "load_sources",
    "load_suppressions",
    "read",
    "reread",
    "snapshot",
    "verify",
]


def __getattr__(name: str) -> Any:
    entry = _EXPORTS.get(name)
    if entry is None:
        raise AttributeError(f"module 'abicheck' has no attribute {name!r}")
    module = import_module(f".{entry[0]}", __name__)
    # a function named as its module (compare, emit, ...): the callable module
    value = module if name == entry[0] else getattr(module, entry[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
