"""Python: a typed module of ``Final`` constants and ``enum.IntFlag``/``IntEnum`` classes."""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..model import AbicheckError, Macro
from ..targets import FamilyKind
from .c import is_c_identifier
from .common import Constant, EnumClass, Member, TableView, check_int

_MEMBER = re.compile(r"[A-Z][A-Za-z0-9_]*\Z")
#: Names the generated Python module defines itself.
RESERVED = frozenset(
    {"TABLES", "for_arch", "enum", "Final", "Mapping", "MappingProxyType", "annotations"}
)


def is_py_identifier(name: str) -> bool:
    """A C identifier that is also usable as a Python name (no keyword, no soft keyword)."""
    return (
        is_c_identifier(name)
        and not keyword.iskeyword(name)
        and not keyword.issoftkeyword(name)
        and not name.startswith("__")
    )


def check_name(name: str) -> bool:
    """Whether ``name`` can be a constant of the generated module."""
    return is_py_identifier(name) and name not in RESERVED


def py_literal(value: object, hex: bool = False) -> str:
    """A Python integer literal for ``value``: ``0x20``, ``-1``, ``5``."""
    v = check_int(value)
    if hex and v >= 0:
        return f"0x{v:X}"  # upper-case digits, as ruff format and black write them
    return str(v)


#: The line length generated modules keep to: ruff's and black's default, and E501's.
LINE_LENGTH = 88


def wrap(text: str, width: int = LINE_LENGTH) -> list[str]:
    """``text`` (one paragraph, sanitized) as lines of at most ``width`` characters
    (a word longer than that is split)."""
    import textwrap

    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def pydoc(text: str, indent: int = 0) -> str:
    """A docstring literal holding ``text`` at ``indent`` columns: on one line where it
    fits in :data:`LINE_LENGTH`, else wrapped, closing quotes on a line of their own
    (the form ruff format and black leave as it is)."""
    one = f'"""{text}"""'
    if indent + len(one) <= LINE_LENGTH:
        return one
    pad = " " * indent
    lines = wrap(text, LINE_LENGTH - indent - 3)
    body = "\n".join(pad + line for line in lines[1:])
    return f'"""{lines[0]}\n{body}\n{pad}"""' if body else f'"""{lines[0]}\n{pad}"""'


def py_ident(name: object) -> str:
    """``name`` if it is a valid Python name (a jinja filter for user templates)."""
    if not isinstance(name, str) or not is_py_identifier(name):
        raise AbicheckError(f"not a usable Python identifier: {name!r}")
    return name


def _member_name(name: str, family: str) -> str:
    rest = name[len(family) + 1 :]
    if _MEMBER.match(rest) and is_py_identifier(rest):
        return rest
    return name


def classes(
    constants: Sequence[Constant], families: Mapping[str, FamilyKind], where: Mapping[str, Macro]
) -> tuple[EnumClass, ...]:
    classes = []
    for fam in sorted(families):
        # *_SHIFT values are bit positions, not values of the family
        consts = [c for c in constants if c.family == fam and not c.name.endswith("_SHIFT")]
        if not consts:
            continue
        member_of: dict[str, str] = {}  # constant name -> member name
        taken: dict[str, str] = {}  # member name -> constant name
        for c in consts:
            member = _member_name(c.name, fam)
            if member in taken:
                m = where[c.name]
                raise AbicheckError(
                    f"{c.name} and {taken[member]} would both be member {fam}.{member}",
                    m.file,
                    m.line,
                )
            taken[member] = c.name
            member_of[c.name] = member
        members = [
            Member(
                member_of[c.name],
                c.value,
                member_of.get(c.alias_of) if c.alias_of is not None else None,
                c.comment,
                c.hex,
            )
            for c in consts
        ]
        members.sort(key=lambda m: (m.alias_of is not None, m.name))
        kind = families[fam]
        base = "IntEnum" if kind == "enum" else "IntFlag"
        what = "values" if kind == "enum" else "flags"
        classes.append(EnumClass(fam, base, f"The {fam}_* {what}.", tuple(members)))
    return tuple(classes)


def context(views: Sequence[TableView]) -> dict[str, Any]:
    exports = sorted([c.name for c in views[0].constants] + [c.name for c in views[0].classes])
    return {"exports": [*exports, "TABLES", "for_arch"]}


FILTERS: Mapping[str, Callable[..., Any]] = {
    "py_literal": py_literal,
    "py_ident": py_ident,
    "pydoc": pydoc,
    "wrap": wrap,
}
