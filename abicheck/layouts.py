"""Struct and union layouts of a header, per architecture, and side by side.

:func:`layouts` reads headers with each architecture's reader (its include dirs,
predefines and C ABI, :mod:`abicheck.arches`) and gives every struct, union and
typedef of an unnamed one they declare (or those the type filters pick), laid
out as that architecture's compiler lays it out: size, alignment, each member's
offset and size (:class:`~abicheck.model.RecordLayout`). For several
architectures, :attr:`LayoutReport.comparison` puts them side by side and says
which members' offsets or sizes differ. Nothing here prints.
"""

from __future__ import annotations

import difflib
import fnmatch
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._callable import callable_module
from .arches import Arch, all_arches, host_arch, kernel_tree_include_dirs, lookup
from .model import AbicheckError, MemberLayout, RecordLayout
from .parse import Reader
from .resources import data_dir, display_name

#: The name and version of the JSON :meth:`ArchLayouts.to_json` gives
#: (schemas/layout.schema.json).
FORMAT = "abicheck-layout/1"


@dataclass(frozen=True, slots=True)
class ArchLayouts:
    """One architecture's layouts: its name, the headers read (as found on its
    include dirs), the include dirs and the types, in declaration order."""

    arch: str
    headers: tuple[str, ...]
    include_dirs: tuple[str, ...]
    types: tuple[RecordLayout, ...]

    def get(self, name: str) -> RecordLayout | None:
        return next((t for t in self.types if t.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """``{"format", "arch", "types"}`` (schemas/layout.schema.json)."""
        return {"format": FORMAT, "arch": self.arch, "types": [t.to_json() for t in self.types]}


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One member across architectures: per architecture (in the report's order) its
    offset, size, bit offset and bit width (None where that architecture's type has
    no such member, or it is no bit-field); ``differs`` when they are not all alike."""

    name: str
    offsets: tuple[int | None, ...]
    sizes: tuple[int | None, ...]
    bit_offsets: tuple[int | None, ...]
    bit_widths: tuple[int | None, ...]
    differs: bool


@dataclass(frozen=True, slots=True)
class TypeRow:
    """One type across architectures: per architecture its size and alignment (None
    where it has no layout or is not declared there) and a row per member (every
    member any architecture's type has, in the order they first appear)."""

    name: str
    sizes: tuple[int | None, ...]
    aligns: tuple[int | None, ...]
    present: tuple[bool, ...]
    members: tuple[MemberRow, ...]

    @property
    def size_differs(self) -> bool:
        return len(set(zip(self.sizes, self.aligns, self.present, strict=True))) > 1

    @property
    def differs(self) -> bool:
        """Whether size, alignment or any member differs between the architectures."""
        return self.size_differs or any(m.differs for m in self.members)


@dataclass(frozen=True, slots=True)
class LayoutReport:
    """What :func:`layouts` gives: one :class:`ArchLayouts` per architecture (sorted
    by name) and ``notes``, one line per architecture left out and why."""

    arches: tuple[ArchLayouts, ...]
    notes: tuple[str, ...] = ()

    @property
    def comparison(self) -> tuple[TypeRow, ...]:
        """The types side by side, in the order they first appear."""
        names = _first_seen(t.name for a in self.arches for t in a.types)
        return tuple(_type_row(name, self.arches) for name in names)

    def first(self, name: str) -> RecordLayout:
        """The type ``name`` as the first architecture declaring it has it."""
        return next(t for a in self.arches if (t := a.get(name)) is not None)

    def to_json(self) -> list[dict[str, Any]]:
        """A list with one object per architecture (:meth:`ArchLayouts.to_json`)."""
        return [a.to_json() for a in self.arches]


def _first_seen(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _type_row(name: str, arches: Sequence[ArchLayouts]) -> TypeRow:
    found = [a.get(name) for a in arches]
    by_member = [{m.name: m for m in t.members} if t else {} for t in found]
    members = _first_seen(m.name for t in found if t for m in t.members)
    rows = []
    for member in members:
        ms: list[MemberLayout | None] = [d.get(member) for d in by_member]
        places = {None if m is None else (m.offset, m.size, m.bit_offset, m.bit_width) for m in ms}
        rows.append(
            MemberRow(
                member,
                tuple(None if m is None else m.offset for m in ms),
                tuple(None if m is None else m.size for m in ms),
                tuple(None if m is None else m.bit_offset for m in ms),
                tuple(None if m is None else m.bit_width for m in ms),
                len(places) > 1,
            )
        )
    return TypeRow(
        name,
        tuple(None if t is None else t.size for t in found),
        tuple(None if t is None else t.align for t in found),
        tuple(t is not None for t in found),
        tuple(rows),
    )


def bare_name(name: str) -> str:
    """``struct stat`` -> ``stat``, ``typedef fsid_t`` -> ``fsid_t``."""
    return name.partition(" ")[2] or name


def matches(name: str, pattern: str) -> bool:
    """Whether the type ``name`` ("struct stat", "typedef pair_t") is picked by
    ``pattern``: its full name, its bare name ("stat", any struct, union or
    typedef so called), or an fnmatch glob of either ("struct st*", "epoll_*")."""
    pattern = " ".join(pattern.split())
    return fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(bare_name(name), pattern)


def select(
    found: Sequence[RecordLayout], patterns: Sequence[str]
) -> tuple[tuple[RecordLayout, ...], list[str]]:
    """The layouts ``patterns`` pick (all for none), in order, and the patterns that
    pick nothing."""
    if not patterns:
        return tuple(found), []
    picked = tuple(t for t in found if any(matches(t.name, p) for p in patterns))
    unmatched = [p for p in patterns if not any(matches(t.name, p) for t in found)]
    return picked, unmatched


def _no_match(pattern: str, names: Sequence[str], where: str) -> AbicheckError:
    wanted = " ".join(pattern.split())
    # full names for "struct x", bare ones for "x"
    candidates = sorted(set(names if " " in wanted else map(bare_name, names)))
    close = [n for n in names if wanted in n and n != wanted][:5]
    close = close or difflib.get_close_matches(wanted, candidates, n=5, cutoff=0.75)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    if not names:
        hint = "; it declares no struct or union"
    return AbicheckError(f"no struct, union or typedef matches {pattern!r}{hint}", where)


def find_header(header: str, dirs: Sequence[str]) -> str:
    """The file ``header`` names: ``<asm/stat.h>`` searched on ``dirs`` as gcc's
    ``#include <...>`` does; a path that exists, itself; else searched on ``dirs``.
    Raises AbicheckError when it is nowhere."""
    quoted = header.startswith("<") and header.endswith(">")
    name = header[1:-1].strip() if quoted else header
    if not name:
        raise AbicheckError("empty header name", header)
    if not quoted and Path(name).exists():
        return name
    if not Path(name).is_absolute():
        for d in dirs:
            p = Path(d) / name
            if p.is_file():
                return str(p)
    where = f" in {', '.join(map(display_name, dirs))}" if dirs else ""
    raise AbicheckError(f"no such header{where}", header)


def arch_dirs(arch: Arch) -> tuple[str, ...] | None:
    """The installed include dirs ``arch:`` sources read for ``arch``, or None."""
    from .sources.arch import installed_dirs

    dirs = installed_dirs(arch)
    return None if dirs is None else tuple(map(str, dirs))


def _arches(arch: str | Sequence[str] | None) -> tuple[list[Arch], bool]:
    """The architectures asked for, sorted by name, and whether ``all`` was."""
    if arch is None:
        return [host_arch()], False
    names = [arch] if isinstance(arch, str) else list(arch)
    if any(n.strip().lower() == "all" for n in names):
        return list(all_arches()), True
    found = {a.name: a for a in map(lookup, names)}
    return [found[n] for n in sorted(found)], False


def layouts(
    headers: str | Sequence[str],
    arch: str | Sequence[str] | None = None,
    include_dirs: Sequence[str] = (),
    defines: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    undefines: Iterable[str] = (),
    types: Sequence[str] = (),
    kernel_tree: str | None = None,
) -> LayoutReport:
    """The struct and union layouts of ``headers`` on each architecture ``arch`` asks
    for: None for the host, a name or alias (``amd64``, ``x86_64``), several, or
    ``all`` (every architecture with headers here; the others left out, each with
    a line in ``notes``). Each architecture's reader searches ``include_dirs``
    first, then the architecture's installed uapi headers (or ``kernel_tree``'s),
    then abicheck's freestanding ``<stddef.h>``; ``defines`` are ``-D`` (name,
    value) pairs, ``undefines`` (``-U``) names removed from the predefines and
    defines. ``types`` picks types by name or glob (:func:`matches`); every one
    must pick something on some architecture.

    Raises AbicheckError: a header not found or not readable (with file:line), an
    unknown architecture, a pattern that picks nothing (naming close matches), no
    type declared on any architecture, no architecture with headers here.
    """
    header_list = [headers] if isinstance(headers, str) else list(headers)
    if not header_list:
        raise AbicheckError("no header given")
    wanted, every = _arches(arch)
    define_map = dict(defines.items() if isinstance(defines, Mapping) else defines)
    drop = set(undefines)
    out: list[ArchLayouts] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="abicheck-layout-") as tmp:
        for a in wanted:
            dirs = _dirs_of(a, kernel_tree, Path(tmp) / a.name)
            if dirs is None:
                if not every:
                    raise AbicheckError(f"no uapi headers for {a.name}: {a.install_hint}")
                notes.append(f"abicheck: note: {a.name} skipped: {a.install_hint}")
                continue
            out.append(_read_arch(a, header_list, [*include_dirs, *dirs], define_map, drop))
    if not out:
        raise AbicheckError("no architecture has headers installed; see abicheck arches")
    if not any(a.types for a in out):  # a header that lays out nothing is no pass
        if len(header_list) == 1:
            raise AbicheckError("no struct, union or typedef of one declared here", header_list[0])
        raise AbicheckError(
            f"no struct, union or typedef of one declared in {', '.join(header_list)}"
        )
    if types:
        out = _filtered(out, types, header_list[0])
    return LayoutReport(tuple(out), tuple(notes))


def _dirs_of(arch: Arch, kernel_tree: str | None, scratch: Path) -> list[str] | None:
    """The include dirs of ``arch`` (a kernel tree's, with stand-ins for the ``asm/``
    headers it lacks written under ``scratch``; else the installed ones) and the
    freestanding headers, or None when it has none here."""
    freestanding = str(data_dir("headers") / "freestanding")
    if kernel_tree is not None:
        from .sources.arch import generic_y

        tree = Path(kernel_tree)
        dirs = [str(d) for d in kernel_tree_include_dirs(tree, arch)]
        if generic_y(tree, arch, scratch):
            dirs.append(str(scratch))
        return [*dirs, freestanding]
    found = arch_dirs(arch)
    return None if found is None else [*found, freestanding]


def _read_arch(
    arch: Arch,
    headers: Sequence[str],
    dirs: Sequence[str],
    defines: Mapping[str, str],
    undefines: set[str],
) -> ArchLayouts:
    predefines = {n: v for n, v in arch.predefined().items() if n not in undefines}
    kept = {n: v for n, v in defines.items() if n not in undefines}
    reader = Reader(dirs, kept, arch.data_model, predefines, arch.unsigned_char, abi=arch.abi)
    paths = [find_header(h, dirs) for h in headers]
    seen: set[tuple[str, str, int]] = set()
    found: list[RecordLayout] = []
    for path in paths:
        for t in reader.layouts(path):
            key = (t.name, t.file, t.line)
            if key not in seen:
                seen.add(key)
                found.append(t)
    return ArchLayouts(arch.name, tuple(paths), tuple(dirs), tuple(found))


def _filtered(
    per_arch: Sequence[ArchLayouts], patterns: Sequence[str], header: str
) -> list[ArchLayouts]:
    """``per_arch`` with only the types ``patterns`` pick; raises AbicheckError for a
    pattern that picks nothing on any architecture."""
    out = []
    unmatched: set[str] = set(patterns)
    for a in per_arch:
        picked, missed = select(a.types, patterns)
        unmatched &= set(missed)
        out.append(ArchLayouts(a.arch, a.headers, a.include_dirs, picked))
    for p in patterns:
        if p in unmatched:
            names = _first_seen(t.name for a in per_arch for t in a.types)
            raise _no_match(p, names, header)
    return out


def holes(layout: RecordLayout) -> Iterator[tuple[int, int]]:
    """The bit ranges (start, end) of ``layout`` no member covers, in order: holes
    between members and the padding at the end (members of anonymous unions
    overlap; a range is a hole only where none of them lies)."""
    if layout.size is None:
        return
    spans = sorted(_span(m) for m in layout.members)
    at = 0
    for start, end in spans:
        if start > at:
            yield at, start
        at = max(at, end)
    if layout.size * 8 > at:
        yield at, layout.size * 8


def _span(m: MemberLayout) -> tuple[int, int]:
    if m.bit_offset is not None and m.bit_width is not None:
        return m.bit_offset, m.bit_offset + m.bit_width
    return m.offset * 8, (m.offset + m.size) * 8


callable_module(__name__, "layouts")
