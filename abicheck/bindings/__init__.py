"""Readers of the constant tables that language bindings ship (Go, Rust, Zig, ...).

Each reader takes the binding's files as they are published, never imports or runs
them, and gives one :class:`BindingTable` per architecture the binding has: its
constants as :class:`~abicheck.model.Macro` (kind ``integer``, the value, the
expression as written, the file relative to the root given and the line), under
the binding's own name for the architecture (Go's ``mipsle``, Rust's
``powerpc64``, Zig's ``mips``) with ``env`` the C library environment where the
binding has several (Rust's ``gnu``/``musl``), and ``arch`` that name mapped to
abicheck's architecture names (:mod:`abicheck.arches`; the binding's own name
where abicheck does not know it, with ``known`` False); ``notes`` are further
provenance notes the reader adds (how it read that table).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arches import all_arches
from ..model import Macro


def is_known_arch(name: str) -> bool:
    """Whether ``name`` is one of abicheck's architecture names."""
    return any(a.name == name for a in all_arches())


@dataclass(frozen=True, slots=True)
class BindingTable:
    """One architecture's constants in a binding (see the module docstring)."""

    binding_arch: str
    arch: str
    known: bool
    env: str
    macros: tuple[Macro, ...]
    notes: tuple[tuple[str, str], ...] = ()


__all__ = ["BindingTable", "is_known_arch"]
