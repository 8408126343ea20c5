"""The languages ``abicheck emit`` writes: one module and one :data:`LANGUAGES` entry each.

A :class:`Language` names its template, which names it can write as constants, what
else it checks of a macro, the classes it groups families into (Python's enums), the
extra context its template gets and its jinja2 filters (literals and identifiers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import AbicheckError, Macro
from ..targets import FamilyKind
from . import c, python
from .common import Constant, EnumClass, TableView, sanitize_text

Classes = Callable[
    [Sequence[Constant], Mapping[str, FamilyKind], Mapping[str, Macro]], tuple[EnumClass, ...]
]


@dataclass(frozen=True)
class Language:
    """One output language (see the module docstring); ``names`` says in words which
    names ``check_name`` accepts."""

    name: str
    template: str
    check_name: Callable[[str], bool]
    names: str
    check_macro: Callable[[Macro, str], None]
    classes: Classes
    context: Callable[[Sequence[TableView]], dict[str, Any]]
    filters: Mapping[str, Callable[..., Any]]


def _no_classes(*_args: object) -> tuple[EnumClass, ...]:
    return ()


def _no_check(m: Macro, data_model: str) -> None:
    return None


LANGUAGES: dict[str, Language] = {
    "python": Language(
        "python",
        "python.py.j2",
        python.check_name,
        "a valid C and Python identifier",
        _no_check,
        python.classes,
        python.context,
        python.FILTERS,
    ),
    "c": Language(
        "c",
        "c.h.j2",
        c.is_c_identifier,
        "a valid C identifier",
        c.check_macro,
        _no_classes,
        c.context,
        c.FILTERS,
    ),
}
#: Every filter a template may use, whatever its language.
FILTERS: dict[str, Callable[..., Any]] = {
    name: f for lang in LANGUAGES.values() for name, f in lang.filters.items()
}
FILTERS["sanitize"] = sanitize_text


def language(name: str) -> Language:
    """The language called ``name``; AbicheckError listing the available ones."""
    found = LANGUAGES.get(name)
    if found is None:
        raise AbicheckError(f"unknown language {name!r}; available: {', '.join(LANGUAGES)}")
    return found


__all__ = ["FILTERS", "LANGUAGES", "Language", "language"]
