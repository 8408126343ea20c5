"""``abicheck emit --type``: struct layouts as compile-time checks (C) or ctypes classes (Python).

C (``templates/layouts.h.j2``): for each layout table (:mod:`.sources.layout_tables`)
a block under its architecture's guard (:mod:`.langs.arch_guards`) of
``_Static_assert(sizeof(T) == N, ...)``, ``_Alignof`` and
``__builtin_offsetof(T, member)`` checks (bit-fields have no offsetof: left out);
included after the real header, it fails to compile where a layout differs. A table
of no architecture (a header path) is checked unguarded, and must be the only one.

Python (``templates/layouts.py.j2``): for each table, ``ctypes.Structure`` and
``ctypes.Union`` classes of its types (and of the types they hold), bit-fields as
``(name, type, width)``, anonymous members through ``_anonymous_``. Classes are
meant for a process running on that architecture: they use its natural layout,
which ctypes reproduces from the platform's own C rules, with fixed-width integer
types (``c_uint32``, not ``c_ulong``). Where the natural layout is not the computed
one (``packed``, ``aligned``), the class is written with ``_pack_ = 1`` (and
``_layout_ = "ms"``, which Python 3.14 wants said with it) and explicit padding
members (``_pad_N``), which gives the computed offsets and size on any host (a
bit-field there is refused). A class of another architecture's table used on this
host has this host's natural layout, not that architecture's. Unnamed bit-fields
(padding) are left out. ``TYPES`` maps each table's label to its classes by C type
name, ``for_arch(label)`` returns one.

As for constants (:mod:`.emit`), nothing from a header reaches the output but
validated identifiers, integers, and sanitized text in comments and strings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from . import __version__
from .emit import _TemplateLoader, environment, label_key
from .langs.arch_guards import arch_guard
from .langs.c import is_c_identifier
from .langs.common import sanitize_text
from .layout_names import TYPE, c_type, parse_layout_name
from .model import AbicheckError, Table
from .reader.layout import TypeLayout
from .resources import display_name
from .sources.base import Context, SourceOptions
from .sources.layout_tables import check_types, header_reader, layout_table, record_trees

#: Output language -> template file name.
LAYOUT_TEMPLATES = {"c": "layouts.h.j2", "python": "layouts.py.j2"}

# -- C ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One ``_Static_assert``: ``expr`` (``sizeof(struct stat)``, validated) == ``value``."""

    expr: str
    value: int


@dataclass(frozen=True)
class ArchChecks:
    """One table's checks: ``label`` and ``source`` sanitized, ``guard`` its ``#if``
    condition ("" for none)."""

    label: str
    source: str
    guard: str
    checks: tuple[Check, ...]


_TYPE = re.compile(TYPE)
_C_EXPR = {"sizeof": "sizeof({t})", "_Alignof": "_Alignof({t})"}


def _check_type(ctype: str) -> str:
    if not _TYPE.fullmatch(ctype) or not is_c_identifier(ctype.split(" ")[-1]):
        raise AbicheckError(f"type {ctype!r} cannot be emitted: not a C type name")
    return ctype


def c_checks(table: Table) -> tuple[Check, ...]:
    """The checks of a layout table: of each type (by name) its sizeof, _Alignof and
    the offsetof of its members in offset order (bit-fields left out)."""
    out: list[tuple[tuple[str, int, int, str], Check]] = []
    for m in table.macros:
        parsed = parse_layout_name(m.name)
        if parsed is None or m.value is None:
            continue
        t = _check_type(parsed.type)
        if parsed.what in _C_EXPR:
            rank = 0 if parsed.what == "sizeof" else 1
            out.append(((t, rank, 0, ""), Check(_C_EXPR[parsed.what].format(t=t), m.value)))
        elif parsed.what == "offsetof":
            if not is_c_identifier(parsed.member):
                raise AbicheckError(f"member {parsed.member!r} cannot be emitted", m.file, m.line)
            check = Check(f"__builtin_offsetof({t}, {parsed.member})", m.value)
            out.append(((t, 2, m.value, parsed.member), check))
    return tuple(c for _, c in sorted(out, key=lambda kc: kc[0]))


def _source(table: Table) -> str:
    path = table.origin.path
    shown = f"{table.label} ({display_name(path)})" if path else table.label
    return sanitize_text(shown, limit=300)


def c_views(tables: Sequence[Table]) -> list[ArchChecks]:
    """The C template's view of ``tables`` (layout tables)."""
    views = []
    for t in tables:
        arch = t.origin.arch
        if not arch and len(tables) > 1:
            raise AbicheckError(
                f"table {t.label!r} is of no architecture: with several tables, each "
                "needs one (arch:NAME) to guard its checks"
            )
        views.append(
            ArchChecks(
                sanitize_text(t.label, 100),
                _source(t),
                arch_guard(arch) if arch else "",
                c_checks(t),
            )
        )
    return views


# -- Python ------------------------------------------------------------------------------

#: basic C type -> ctypes type, by size for the integers
_FLOATS = {"float": "c_float", "double": "c_double", "long double": "c_longdouble"}


@dataclass(frozen=True)
class PyField:
    """One ``_fields_`` entry: ``name`` a C identifier, ``type`` a ctypes type or a
    generated class name, ``dims`` array sizes (innermost first), ``bits`` a
    bit-field's width."""

    name: str
    type: str
    dims: tuple[int, ...] = ()
    bits: int | None = None


@dataclass(frozen=True)
class PyClass:
    """One generated class: ``base`` Structure or Union; ``pack`` 1 for an explicit
    layout (None: natural); ``doc`` sanitized."""

    name: str
    base: str
    doc: str
    size: int
    pack: int | None
    anonymous: tuple[str, ...]
    fields: tuple[PyField, ...]


@dataclass(frozen=True)
class PyTable:
    """One table's classes (dependencies first) and ``types``: C type name -> class."""

    label: str
    source: str
    classes: tuple[PyClass, ...]
    types: tuple[tuple[str, str], ...]


@dataclass
class _Classes:
    prefix: str
    classes: list[PyClass] = field(default_factory=list)
    named: dict[str, tuple[str, int]] = field(default_factory=dict)  # C type -> (class, align)


def _scalar(layout: TypeLayout, what: str) -> str:
    basic = layout.basic
    if layout.kind == "pointer" or basic == "pointer":
        return "c_void_p"
    if basic in _FLOATS:
        return _FLOATS[basic]
    if basic == "_Bool":
        return "c_bool"
    if basic == "char":
        return "c_char"
    if layout.size not in (1, 2, 4, 8) or not basic:
        raise AbicheckError(f"{what}: no ctypes type for {basic or layout.kind}")
    signed = not basic.startswith("unsigned")
    return f"c_{'' if signed else 'u'}int{layout.size * 8}"


def _class_name(prefix: str, ctype: str) -> str:
    name = f"{prefix}__{ctype.replace(' ', '_')}"
    if not is_c_identifier(name.replace("__", "_")):
        raise AbicheckError(f"type {ctype!r} cannot be emitted: not a C type name")
    return name


def _round(v: int, a: int) -> int:
    return -(-v // a) * a


def _field_type(
    f_layout: TypeLayout, type_name: str, owner: str, owner_what: str, n: int, acc: _Classes
) -> tuple[str, tuple[int, ...], int]:
    """(ctypes type, array dims, natural alignment) of a member's type."""
    dims: list[int] = []
    lay = f_layout
    while lay.kind == "array" and lay.element is not None:
        dims.append(0 if lay.flexible else lay.size // max(lay.element.size, 1))
        lay = lay.element
    dims.reverse()
    if lay.kind in ("struct", "union"):
        base = type_name.split("[", 1)[0].strip()
        named = base if base.startswith(("struct ", "union ")) and "(" not in base else ""
        if named and named in acc.named:
            cls, align = acc.named[named]
        else:
            cls_name = _class_name(acc.prefix, named) if named else f"{owner}_anon{n}"
            what = named or f"{owner_what}: the type of its member {n}"
            cls, align = _record_class(cls_name, lay, what, acc)
            if named:
                acc.named[named] = (cls, align)
        return cls, tuple(dims), align
    return f"ctypes.{_scalar(lay, owner_what)}", tuple(dims), lay.align


@dataclass(frozen=True)
class _Member:
    """A member as the simulation sees it: its entry, where the engine put it (bits),
    its size in bytes (a bit-field's: its ctypes type's) and alignment."""

    field: PyField
    bit_offset: int
    size: int
    align: int


def _ctypes_layout(members: Sequence[_Member], union: bool) -> tuple[list[int], int, int]:
    """Where ctypes puts ``members`` on Linux (as CPython 3.11 and 3.12 do: a bit-field
    opens a whole unit of its type, continued or widened by the next ones that fit;
    later versions follow gcc, and agree wherever these rules give gcc's places):
    (bit offset of each, size, alignment)."""
    out: list[int] = []
    pos = unit = unit_bits = used = 0
    top = 1
    for m in members:
        top = max(top, m.align)
        if union:
            out.append(0)
            pos = max(pos, m.size)
            continue
        bits = m.field.bits
        type_bits = m.size * 8
        if bits is None:
            unit_bits = used = 0
            pos = _round(pos, m.align)
            out.append(pos * 8)
            pos += m.size
        elif unit_bits and type_bits <= unit_bits and used + bits <= unit_bits:
            out.append(unit * 8 + used)
            used += bits
        elif unit_bits and type_bits >= unit_bits and used + bits <= type_bits:
            pos += (type_bits - unit_bits) // 8
            unit_bits = type_bits
            out.append(unit * 8 + used)
            used += bits
        else:
            unit = pos = _round(pos, m.align)
            pos += m.size
            unit_bits, used = type_bits, bits
            out.append(unit * 8)
    return out, _round(pos, top), top


def _tiled(members: list[_Member]) -> list[_Member]:
    """``members`` with each run of bit-fields given the one unsigned or signed
    integer type (1, 2, 4 or 8 bytes, aligned to its size) that holds just the bytes
    the run takes, where there is one."""
    out = list(members)
    i = 0
    while i < len(out):
        if out[i].field.bits is None:
            i += 1
            continue
        j = i
        while j < len(out) and out[j].field.bits is not None:
            j += 1
        first = out[i].bit_offset // 8
        last = max(-(-(m.bit_offset + (m.field.bits or 0)) // 8) for m in out[i:j])
        unit = next((u for u in (1, 2, 4, 8) if first % u == 0 and last - first <= u), 0)
        if unit:
            for k in range(i, j):
                m = out[k]
                signed = m.field.type.startswith("ctypes.c_int")
                t = f"ctypes.c_{'' if signed else 'u'}int{unit * 8}"
                out[k] = _Member(replace(m.field, type=t), m.bit_offset, unit, unit)
        i = j
    return out


def _record_class(name: str, layout: TypeLayout, what: str, acc: _Classes) -> tuple[str, int]:
    """Writes the class of ``layout`` (and those it needs) into ``acc``: (name, the
    alignment ctypes will give it)."""
    union = layout.kind == "union"
    members: list[_Member] = []
    anonymous: list[str] = []
    taken = {f.name for f in layout.fields if f.name}
    for n, f in enumerate(layout.fields):
        if f.bit_width is not None and not f.name:
            continue  # padding (``__u32 :24;``), no data: the members after it say where
        type_, dims, align = _field_type(f.layout, f.type_name, name, what, n, acc)
        fname = f.name
        if not fname:
            fname = next(c for i in range(n, n + len(taken) + 2) if (c := f"_anon{i}") not in taken)
            taken.add(fname)
            if f.bit_width is None:
                anonymous.append(fname)
        if not is_c_identifier(fname):
            raise AbicheckError(f"{what}: member {fname!r} cannot be emitted")
        members.append(
            _Member(PyField(fname, type_, dims, f.bit_width), f.bit_offset, f.layout.size, align)
        )
    base = "Union" if union else "Structure"
    wanted = [m.bit_offset for m in members]
    bits = any(m.field.bits is not None for m in members)
    for attempt in (members, _tiled(members)) if bits else (members,):
        at, size, top = _ctypes_layout(attempt, union)
        if at != wanted or size > layout.size:
            continue
        fields = [m.field for m in attempt]
        if size < layout.size:  # a smaller unit's lower alignment: the size made up
            fields.append(PyField(f"_pad_{len(fields)}", "ctypes.c_ubyte", (layout.size - size,)))
            top = 1
        cls = PyClass(
            name, base, sanitize_text(what), layout.size, None, tuple(anonymous), tuple(fields)
        )
        acc.classes.append(cls)
        return name, top
    if bits:
        raise AbicheckError(f"{what}: ctypes cannot place its bit-fields where gcc does")
    out: list[PyField] = []
    pos = 0
    for m in members:
        offset = m.bit_offset // 8
        if not union and offset > pos:
            out.append(PyField(f"_pad_{len(out)}", "ctypes.c_ubyte", (offset - pos,)))
        out.append(m.field)
        pos = max(pos, m.size) if union else offset + m.size
    if pos < layout.size:
        pad = layout.size if union else layout.size - pos
        out.append(PyField(f"_pad_{len(out)}", "ctypes.c_ubyte", (pad,)))
    cls = PyClass(name, base, sanitize_text(what), layout.size, 1, tuple(anonymous), tuple(out))
    acc.classes.append(cls)
    return name, 1


def py_table(table: Table, trees: Sequence[tuple[str, TypeLayout | None]]) -> PyTable:
    """The Python template's view of one layout table, from its types' trees."""
    wanted = {p.type for m in table.macros if (p := parse_layout_name(m.name)) is not None}
    acc = _Classes(label_key(table.label))
    types: list[tuple[str, str]] = []
    for record, tree in trees:
        ctype = c_type(record)
        if ctype not in wanted or any(ctype == t for t, _ in types):
            continue
        if tree is None:
            raise AbicheckError(f"{record} has no layout to emit")
        if ctype in acc.named:
            cls = acc.named[ctype][0]
        else:
            cls, align = _record_class(_class_name(acc.prefix, ctype), tree, ctype, acc)
            acc.named[ctype] = (cls, align)
        types.append((ctype, cls))
    return PyTable(
        sanitize_text(table.label, 100), _source(table), tuple(acc.classes), tuple(types)
    )


# -- emitting ----------------------------------------------------------------------------


def emit_layouts(
    tables: Sequence[Table],
    lang: str,
    types: Sequence[str],
    options: SourceOptions | None = None,
    template_dir: Path | None = None,
) -> str:
    """The ``lang`` (``c`` or ``python``) layout module of the types matching ``types``
    in the sources ``tables`` were read from (see the module docstring)."""
    if lang not in LAYOUT_TEMPLATES:
        raise AbicheckError(
            f"--type: no layouts in language {lang!r}; available: {', '.join(LAYOUT_TEMPLATES)}"
        )
    if not types:
        raise AbicheckError("emitting layouts needs the types to emit (--type)")
    if not tables:
        raise AbicheckError("nothing to emit: no tables")
    ctx = Context(options or SourceOptions())
    full = [layout_table(t, ctx) for t in tables]
    check_types(full, types)
    chosen = [layout_table(t, ctx, types) for t in full]
    for t in chosen:  # (every language: C's checks of a type with no layout were none)
        for m in t.macros:
            p = parse_layout_name(m.name) if m.value is None else None
            if p is not None and p.what == "sizeof":
                raise AbicheckError(f"{p.type} has no layout to emit: {m.reason}", m.file, m.line)
    keys: dict[str, str] = {}
    for t in chosen:
        key = label_key(t.label)
        if key in keys:
            raise AbicheckError(f"tables {keys[key]!r} and {t.label!r} need different labels")
        keys[key] = t.label
    env = environment(template_dir)
    name = LAYOUT_TEMPLATES[lang]
    context: dict[str, object] = {
        "version": __version__,
        "types": [sanitize_text(t) for t in types],
    }
    if lang == "c":
        context["tables"] = c_views(chosen)
    else:
        views = []
        for given, t in zip(tables, chosen, strict=True):
            reader, path = header_reader(given, ctx)
            views.append(py_table(t, record_trees(reader, path)))
        context["tables"] = views
    return _render(env, name, context)


def _render(env: jinja2.Environment, name: str, context: dict[str, object]) -> str:
    loader = env.loader
    assert isinstance(loader, _TemplateLoader)
    origin = loader.shown_name(name)
    try:
        text = env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise AbicheckError(f"no template {exc.name}", origin) from None
    except jinja2.TemplateError as exc:
        raise AbicheckError(f"template: {exc.message or exc}", origin) from None
    return text.rstrip("\n") + "\n"
