"""Layout tables: the struct and union layouts of a source's header as a :class:`Table`.

A layout table has kind ``layout`` and the label of the source it was read from;
its entries are integer macros named as :mod:`abicheck.layout_names` says
(``sizeof(struct stat)``, ``_Alignof(struct stat)``, ``offsetof(struct stat,
st_mode)``, ``bitoffsetof``/``bitwidth`` for bit-fields), each at the file and line
of its type, its ``expr`` the type (of the member) spelled briefly. So ``compare``,
``audit``, ``snapshot`` and every report take them as they take constants.

A table is made from a constants table of a source that reads a C header (``arch:``
from installed headers or a kernel tree, a header path, ``system``): the same header,
include folders, defines and ABI, read again for its layouts
(:meth:`abicheck.parse.Reader.layouts`). Its provenance is the constants table's, with
the note ``types`` holding the ``--type`` patterns (joined by `` | ``) when given, so
that :func:`abicheck.sources.reread` reads the same types again. A table that is
already a layout table (from a snapshot) is kept, its types chosen likewise.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from fnmatch import fnmatchcase

from ..arches import host_arch, lookup
from ..layout_names import c_type, name_of, parse_layout_name
from ..model import AbicheckError, Macro, RecordLayout, Table, sorted_macros
from ..parse import Reader, paused_gc
from ..reader.declarations import HeaderDecls
from ..reader.fold import NotConstant
from ..reader.layout import TypeLayout
from ..resources import shipped_path
from .base import Context, SourceOptions

#: The provenance note holding the ``--type`` patterns.
TYPES_NOTE = "types"
_SEPARATOR = " | "
#: The source kinds whose tables can give layouts.
LAYOUT_SOURCES = ("arch", "header", "system")


def layout_macros(records: Iterable[RecordLayout]) -> tuple[Macro, ...]:
    """The entries of a layout table for ``records``, sorted by name (a type given
    twice: its first layout; one without a layout: its sizeof as kind ``other``, with
    the reason)."""
    out: dict[str, Macro] = {}
    for r in records:
        t = c_type(r.name)
        size = name_of("sizeof", t)
        if size in out:
            continue

        def add(name: str, value: int | None, expr: str, r: RecordLayout = r) -> None:
            if value is None:
                out[name] = Macro(name, "other", None, expr, r.file, r.line, reason=r.reason)
            else:
                out[name] = Macro(name, "integer", value, expr, r.file, r.line)

        if r.size is None or r.align is None:
            add(size, None, r.name)
            continue
        add(size, r.size, r.name)
        add(name_of("_Alignof", t), r.align, r.name)
        for m in r.members:
            if m.bit_offset is not None and m.bit_width is not None:
                add(name_of("bitoffsetof", t, m.name), m.bit_offset, m.type)
                add(name_of("bitwidth", t, m.name), m.bit_width, m.type)
            else:
                add(name_of("offsetof", t, m.name), m.offset, m.type)
    return sorted_macros(out.values())


def _type_of(m: Macro) -> str:
    parsed = parse_layout_name(m.name)
    return "" if parsed is None else parsed.type


def _matches(ctype: str, pattern: str) -> bool:
    return fnmatchcase(ctype, pattern)


def select_types(table: Table, patterns: Sequence[str]) -> Table:
    """``table`` keeping the entries of the types matching one of ``patterns`` (fnmatch
    on the type as C spells it: ``struct stat``, ``struct stat*``, ``fsid_t``); all
    when there are none."""
    if not patterns:
        return table
    kept = tuple(m for m in table.macros if any(_matches(_type_of(m), p) for p in patterns))
    return replace(table, macros=kept)


def narrow(tables: Sequence[Table], patterns: Sequence[str]) -> list[Table]:
    """``tables`` with their layout tables cut to the types matching ``patterns``
    (others kept whole); AbicheckError for a pattern matching no type of theirs."""
    check_types([t for t in tables if t.kind == "layout"], patterns)
    return [select_types(t, patterns) if t.kind == "layout" else t for t in tables]


def check_types(tables: Sequence[Table], patterns: Sequence[str]) -> None:
    """Raise AbicheckError for a pattern that matches no type of any of ``tables``
    (naming the closest types there are)."""
    present = sorted({_type_of(m) for t in tables for m in t.macros} - {""})
    for p in patterns:
        if not p.strip():
            raise AbicheckError("--type needs a type name, such as 'struct stat'")
        if any(_matches(t, p) for t in present):
            continue
        close = difflib.get_close_matches(p, present, n=3, cutoff=0.6)
        if not close:
            close = [t for t in present if p in t][:3]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        where = f"{len(present)} types here" if present else "no struct or union here"
        raise AbicheckError(f"--type {p}: no struct, union or typedef matches it ({where}){hint}")


def types_of(table: Table) -> tuple[str, ...]:
    """The ``--type`` patterns a layout table was made with (none: every type)."""
    noted = table.origin.noted(TYPES_NOTE)
    return tuple(noted.split(_SEPARATOR)) if noted else ()


def _records(table: Table, ctx: Context) -> tuple[RecordLayout, ...]:
    reader, path = header_reader(table, ctx)
    return reader.layouts(path)


def header_reader(table: Table, ctx: Context) -> tuple[Reader, str]:
    """The reader (from ``ctx``'s pool) and header the constants ``table`` was read
    with, to read its layouts; AbicheckError for a source that reads no C header."""
    o = table.origin
    if o.source not in LAYOUT_SOURCES or not o.path or o.headers_from == "snapshot":
        what = "the shipped snapshot" if o.headers_from == "snapshot" else f"a {table.kind} table"
        raise AbicheckError(
            f"source {table.label!r} has no struct layouts ({what}): --layouts reads C "
            "headers: arch:NAME from installed headers or --kernel-tree, a header path, "
            "system"
        )
    if o.source == "header":
        reader = ctx.readers.get(
            tuple(shipped_path(d) for d in o.include_dirs),
            o.defines,
            o.data_model or "lp64",
            None,
        )
        return reader, shipped_path(o.path)
    arch = lookup(o.arch) if o.source == "arch" else host_arch()
    # the reader ArchSource and SystemSource read the constants with (the pool's key)
    abi = arch.abi if o.source == "arch" else None
    reader = ctx.readers.get(
        o.include_dirs, None, arch.data_model, arch.predefined(), arch.unsigned_char, abi=abi
    )
    return reader, o.path


def record_trees(reader: Reader, header: str) -> list[tuple[str, TypeLayout | None]]:
    """What :meth:`Reader.layouts` gives, as the layout engine's trees (members
    nested as declared, anonymous ones included): (name, tree or None)."""
    with paused_gc():
        walk = reader.pp.run(header, reader.predefined)
        decls = HeaderDecls(walk, reader.statements, reader.parser, reader.memo, reader.model)
        out: list[tuple[str, TypeLayout | None]] = []
        try:
            for name, node, _path, _line in decls.named_types():
                try:
                    out.append((name, None if node is None else decls.layout_of(node)))
                except (NotConstant, RecursionError):
                    out.append((name, None))
        finally:  # its layouts and it hold each other: freed now, the collector paused
            decls.release()
        return out


def _full(table: Table, ctx: Context, patterns: Sequence[str]) -> Table:
    if table.kind == "layout":
        return table
    origin = table.origin
    if patterns:
        if any(_SEPARATOR.strip() in p for p in patterns):
            raise AbicheckError(f"--type must not hold {_SEPARATOR.strip()!r}")
        origin = origin.note(TYPES_NOTE, _SEPARATOR.join(patterns))
    return Table(table.label, "layout", layout_macros(_records(table, ctx)), origin)


def layout_table(table: Table, ctx: Context, patterns: Sequence[str] = ()) -> Table:
    """The layout table of the source ``table`` was read from (see the module
    docstring), of the types matching ``patterns`` (all when there are none)."""
    return select_types(_full(table, ctx, patterns), patterns)


def layout_tables(
    tables: Sequence[Table], options: SourceOptions | None = None, patterns: Sequence[str] = ()
) -> list[Table]:
    """The layout table of each of ``tables`` (:func:`layout_table`); AbicheckError for
    a source with no layouts, or a pattern that matches no type of any of them."""
    ctx = Context(options or SourceOptions())
    full = [_full(t, ctx, patterns) for t in tables]
    check_types(full, patterns)
    return [select_types(t, patterns) for t in full]
