"""Targets: what abicheck checks in a header set (today ``mman``, Linux ``mman.h``).

A :class:`Target` names its header (``linux/mman.h``), the C library's header for
it, its macro families (name prefixes, each a set of flag bits or an enumeration),
which families ``emit`` writes by default and which ``verify`` has probes for.
Everything that used to name mman reads it from here; a second target (fcntl,
errno, ioctl numbers) is one module and one entry in :data:`TARGETS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..layout_names import layout_family
from ..model import AbicheckError

FamilyKind = Literal["flag", "enum"]


@dataclass(frozen=True, slots=True)
class Family:
    """Macros named ``<prefix>_*``: flag bits or the values of an enumeration.

    ``emit`` says whether ``abicheck emit`` writes it by default; ``names``, where a
    prefix is shared with other constants (bindings' ``MS_*`` are mostly mount
    flags), lists the family's members (None: every name with the prefix).
    """

    prefix: str
    kind: FamilyKind = "flag"
    emit: bool = True
    names: frozenset[str] | None = None

    def holds(self, name: str) -> bool:
        """Whether ``name`` is one of this family's."""
        if not name.startswith(self.prefix + "_"):
            return False
        return self.names is None or name in self.names


@dataclass(frozen=True, slots=True)
class Target:
    """One kind of header table abicheck checks.

    ``families`` are in display order; ``probes`` are the name prefixes ``verify``
    can ask the kernel about; ``title`` names the target in generated files.
    """

    name: str
    title: str
    header: str
    libc_header: str
    families: tuple[Family, ...]
    probes: tuple[str, ...] = ()
    #: further uapi headers holding families of the target (the binding check reads
    #: them beside ``header`` where they are installed)
    more_headers: tuple[str, ...] = ()
    #: names that are other names' aliases (``MAP_ANON``: ``MAP_ANONYMOUS``)
    aliases: tuple[tuple[str, str], ...] = ()

    def family_of(self, name: str) -> str:
        """The family of ``name`` (longest matching prefix), or its first word; for a
        layout name (:mod:`abicheck.layout_names`), its type."""
        if "(" in name:
            record = layout_family(name)
            if record is not None:
                return record
        best = ""
        for fam in self.families:
            if fam.holds(name) and len(fam.prefix) > len(best):
                best = fam.prefix
        if best:
            return best
        head = name.lstrip("_").split("_", 1)[0]
        return head or name

    def has(self, name: str) -> bool:
        """Whether ``name`` belongs to one of the target's families."""
        return any(fam.holds(name) for fam in self.families)

    def rank(self, family: str) -> tuple[int, str]:
        """A sort key putting the target's families first, in their order."""
        for i, fam in enumerate(self.families):
            if fam.prefix == family:
                return (i, "")
        return (len(self.families), family)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(f.prefix for f in self.families)

    @property
    def enum_families(self) -> frozenset[str]:
        """Families whose values are enumerations (shown in decimal)."""
        return frozenset(f.prefix for f in self.families if f.kind == "enum")

    @property
    def emit_families(self) -> tuple[Family, ...]:
        return tuple(f for f in self.families if f.emit)


def _registry() -> dict[str, Target]:
    from .mman import MMAN

    return {t.name: t for t in (MMAN,)}


TARGETS: dict[str, Target] = _registry()


def target(name: str) -> Target:
    """The target called ``name``; AbicheckError listing the known ones otherwise."""
    found = TARGETS.get(name)
    if found is None:
        raise AbicheckError(f"unknown target {name!r}; available: {', '.join(sorted(TARGETS))}")
    return found


__all__ = ["TARGETS", "Family", "FamilyKind", "Target", "target"]
