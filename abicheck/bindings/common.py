"""What the binding readers share: integer literals, known architectures, tables."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..model import Macro, sorted_macros
from . import BindingTable, is_known_arch

_INT = re.compile(r"0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*")


def int_literal(text: str, legacy_octal: bool = False) -> int | None:
    """The value of an integer literal as Go and Zig write it (``0x1F``, ``0o17``,
    ``0b101``, ``1_000``; with ``legacy_octal``, Go's ``017``), or None if ``text``
    is not one (floats, runes, malformed underscores)."""
    if not _INT.fullmatch(text):
        return None
    if len(text) > 1 and text[0] == "0" and (text[1].isdigit() or text[1] == "_"):
        if not legacy_octal:
            return None
        text = "0o" + text[1:]
    try:
        return int(text, 0)
    except ValueError:
        return None


def make_table(
    binding_arch: str, names: Mapping[str, str], macros: Iterable[Macro]
) -> BindingTable:
    """The table of ``binding_arch``, mapped to abicheck's name by ``names`` (its own
    name where ``names`` lacks it), macros sorted by name."""
    arch = names.get(binding_arch, binding_arch)
    return BindingTable(binding_arch, arch, is_known_arch(arch), "", sorted_macros(macros))
