"""The names of a layout table's entries, as C writes the expressions they stand for.

A layout table (kind ``layout``, :mod:`abicheck.sources.layout_tables`) holds one integer
per fact of a struct's or union's layout, named ``sizeof(struct stat)``,
``_Alignof(struct stat)``, ``offsetof(struct stat, st_mode)`` and, for a bit-field,
``bitoffsetof(struct x, f)`` (its offset in bits) and ``bitwidth(struct x, f)``. A type
is spelled ``struct TAG``, ``union TAG`` or, for a typedef of an unnamed one, its name.
The family of such a name (how reports group and format it) is the type as
:class:`~abicheck.model.RecordLayout` names it: ``struct stat``, ``typedef fsid_t``;
macro families never hold a space, so the two cannot be confused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
#: A type as layout names spell it.
TYPE = rf"(?:(?:struct|union) )?{_ID}"
_NAME = re.compile(
    rf"(?P<of>sizeof|_Alignof)\((?P<t>{TYPE})\)\Z"
    rf"|(?P<mof>offsetof|bitoffsetof|bitwidth)\((?P<mt>{TYPE}), (?P<m>{_ID})\)\Z"
)
#: The JSON-schema pattern of a layout name (snapshot.schema.json holds it too).
PATTERN = rf"^((sizeof|_Alignof)\({TYPE}\)|(offsetof|bitoffsetof|bitwidth)\({TYPE}, {_ID}\))$"

What = Literal["sizeof", "_Alignof", "offsetof", "bitoffsetof", "bitwidth"]


@dataclass(frozen=True, slots=True)
class LayoutName:
    """A layout name taken apart: ``what`` it gives, the ``type`` (as C spells it) and
    the ``member`` ("" for sizeof and _Alignof)."""

    what: What
    type: str
    member: str = ""

    @property
    def family(self) -> str:
        return record_name(self.type)


def parse_layout_name(name: str) -> LayoutName | None:
    """``name`` taken apart, or None when it is no layout name."""
    if "(" not in name:
        return None
    m = _NAME.match(name)
    if m is None:
        return None
    if m.group("of"):
        return LayoutName(m.group("of"), m.group("t"))  # type: ignore[arg-type]
    return LayoutName(m.group("mof"), m.group("mt"), m.group("m"))  # type: ignore[arg-type]


def is_layout_name(name: str) -> bool:
    return parse_layout_name(name) is not None


def layout_family(name: str) -> str | None:
    """The type a layout name is about, as RecordLayout names it, or None."""
    parsed = parse_layout_name(name)
    return None if parsed is None else parsed.family


def is_layout_family(family: str) -> bool:
    """Whether ``family`` is a type's (a layout name's family), not a macro family."""
    return family.startswith(("struct ", "union ", "typedef "))


def c_type(record: str) -> str:
    """A RecordLayout name as C spells the type: ``typedef fsid_t`` -> ``fsid_t``."""
    return record.removeprefix("typedef ")


def record_name(ctype: str) -> str:
    """The inverse of :func:`c_type`."""
    return ctype if ctype.startswith(("struct ", "union ")) else f"typedef {ctype}"


def name_of(what: What, ctype: str, member: str = "") -> str:
    """The layout name of ``what`` of the type ``ctype`` (and ``member``)."""
    return f"{what}({ctype}, {member})" if member else f"{what}({ctype})"
