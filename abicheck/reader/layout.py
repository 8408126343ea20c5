"""Type layouts: sizes, alignments and member offsets of C types under one ABI.

``Layouts`` lays out the type ASTs pycparser gives (basic types, pointers,
arrays, structs, unions, enums, typedef names) with gcc's rules for the
target's ABI (:class:`~.datamodel.DataModel`): members in order, each at the
next multiple of its alignment; bit-fields as gcc places them (with
``PCC_BITFIELD_TYPE_MATTERS`` a field may not span more units of its type's
alignment than its type does, and named fields give the record their type's
alignment; on m68k they are packed bit by bit); ``packed`` and ``aligned``
(lowered by :mod:`.statements` to ``_Alignas`` markers) and C11 ``_Alignas``.
What has no layout raises ``NotConstant`` with the reason (``incomplete type
struct x``, ``variable length array``...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import MemberLayout, RecordLayout
from .cnodes import c_ast
from .datamodel import BASIC_TYPE_WORDS, STANDARD_TYPEDEFS, DataModel, Value, word_type
from .fold import NotConstant
from .statements import ALIGNED, ATTRS_MEMBER, MAX_ALIGN, PACKED

# the largest alignment gcc takes for ELF targets (it refuses a larger one)
MAX_ALIGNMENT = 1 << 28


@dataclass(slots=True, unsafe_hash=True)  # (not changed once made; see Value)
class Field:
    """A member of a record: its name ("" for an unnamed one), offset in bits from
    the start of the record, bit-field width (None for other members) and type."""

    name: str
    bit_offset: int
    bit_width: int | None
    layout: TypeLayout
    type_name: str


@dataclass(slots=True, unsafe_hash=True)  # (not changed once made; see Value)
class TypeLayout:
    """A type's size and alignment in bytes (``align`` is ``_Alignof``, ``preferred``
    GNU ``__alignof__``) and, for a struct or union, its members in order; ``basic``
    is a scalar's or pointer's basic type (``unsigned int``, ``double``, ``pointer``;
    an enum's: ``int`` or ``long long``)."""

    kind: str  # scalar, pointer, array, struct, union, enum
    size: int
    align: int
    preferred: int
    fields: tuple[Field, ...] = ()
    flexible: bool = False  # an array of unknown size (a flexible array member)
    element: TypeLayout | None = None  # an array's
    basic: str = ""


@dataclass(slots=True, unsafe_hash=True)  # (not changed once made; see Value)
class FlatMember:
    """A member reachable by name from a record, with its offset from the outer start."""

    name: str
    offset: int
    size: int
    bit_offset: int | None
    bit_width: int | None
    type_name: str


def flatten(layout: TypeLayout, base: int = 0) -> Iterator[FlatMember]:
    """Every member reachable by name from ``layout``: those of anonymous struct and
    union members included, offsets from the start of the outer type."""
    for f in layout.fields:
        at = base + f.bit_offset
        if not f.name:
            if f.bit_width is None and f.layout.kind in ("struct", "union"):
                yield from flatten(f.layout, at)
            continue
        if f.bit_width is not None:
            yield FlatMember(f.name, at // 8, f.layout.size, at, f.bit_width, f.type_name)
        else:
            yield FlatMember(f.name, at // 8, f.layout.size, None, None, f.type_name)


def _round(v: int, a: int) -> int:
    return -(-v // a) * a


def type_name(node: c_ast.Node) -> str:
    """A type AST spelled briefly: ``__u32``, ``struct timespec``, ``char[16]``, ``void *``."""
    if isinstance(node, (c_ast.Typename, c_ast.Decl)):
        return type_name(node.type)
    if isinstance(node, c_ast.TypeDecl):
        return type_name(node.type)
    if isinstance(node, c_ast.IdentifierType):
        return " ".join(node.names)
    if isinstance(node, (c_ast.Struct, c_ast.Union)):
        kind = "struct" if isinstance(node, c_ast.Struct) else "union"
        return f"{kind} {node.name}" if node.name else f"{kind} (anonymous)"
    if isinstance(node, c_ast.Enum):
        return f"enum {node.name}" if node.name else "enum (anonymous)"
    if isinstance(node, c_ast.PtrDecl):
        return type_name(node.type) + " *"
    if isinstance(node, c_ast.ArrayDecl):
        dim = node.dim.value if isinstance(node.dim, c_ast.Constant) else ""
        return f"{type_name(node.type)}[{dim}]"
    if isinstance(node, c_ast.FuncDecl):
        return type_name(node.type) + " (*)()"
    return type(node).__name__


class Layouts:
    """Lays out types for one header under ``model``.

    ``fold`` gives an integer constant expression's value (array sizes, alignments,
    bit-field widths); ``typedef`` a typedef name's type AST or None; ``record`` the
    defining AST of ``struct TAG`` / ``union TAG`` or None (an incomplete type).
    ``record_done`` / ``record_cached`` let the caller keep what a record's layout
    rested on (see HeaderDecls).
    """

    def __init__(
        self,
        model: DataModel,
        fold: Callable[[c_ast.Node], Value],
        typedef: Callable[[str], c_ast.Node | None],
        record: Callable[[str], c_ast.Node | None],
        recording: list[list[Any]] | None = None,
        defined: Callable[[str], bool] = lambda _key: False,
    ) -> None:
        self.model = model
        self.fold = fold
        self.typedef = typedef
        self.record = record
        self.sizes = model.sizes()
        self.aligns = model.aligns()
        self.preferred = model.preferred()
        self.recording = recording
        self.defined = defined  # whether a statement defines the record (unreadable)
        self._active: set[int] = set()
        self._enums_sizing: set[str | None] = set()  # the tags of the enums being sized
        # id(record AST) -> (the AST, kept so its id stays its own; layout; what it read)
        self.cache: dict[int, tuple[c_ast.Node, TypeLayout, list[Any]]] = {}

    # -- types ---------------------------------------------------------------

    def of(self, node: c_ast.Node) -> TypeLayout:
        """The layout of a type AST (Typename, TypeDecl, PtrDecl, ArrayDecl, ...)."""
        if isinstance(node, c_ast.Typename):
            return self.of(node.type)
        if isinstance(node, c_ast.TypeDecl):
            inner = self.of(node.type)
            align = _typedef_align(node, self)
            if align:
                return TypeLayout(
                    inner.kind,
                    inner.size,
                    align,
                    align,
                    inner.fields,
                    inner.flexible,
                    inner.element,
                    inner.basic,
                )
            return inner
        if isinstance(node, c_ast.PtrDecl):
            return self._basic_layout("pointer", "pointer")
        if isinstance(node, c_ast.ArrayDecl):
            elem = self.of(node.type)
            if elem.basic == "void":
                raise NotConstant("array of voids")
            if node.dim is None:
                return TypeLayout(
                    "array", 0, elem.align, elem.preferred, flexible=True, element=elem
                )
            n = self.fold(node.dim).value
            if n < 0:
                raise NotConstant("array of negative size")
            size = self._sized("array", n * elem.size)
            if n > self._most():  # (elements of size 0 too: struct {} a[1UL << 63])
                raise NotConstant(f"array too large: {n} elements, more than {self._most()}")
            return TypeLayout("array", size, elem.align, elem.preferred, element=elem)
        if isinstance(node, c_ast.IdentifierType):
            return self._identifier_type(node.names)
        if isinstance(node, (c_ast.Struct, c_ast.Union)):
            return self._record(node)
        if isinstance(node, c_ast.Enum):
            return self._enum(node)
        if isinstance(node, c_ast.FuncDecl):
            raise NotConstant("function type")
        raise NotConstant(f"no layout for {type(node).__name__}")

    def _most(self) -> int:
        """The largest ``ptrdiff_t``: gcc's bound on an object's size and element count."""
        return (1 << (self.sizes["pointer"] * 8 - 1)) - 1

    def _sized(self, what: str, size: int) -> int:
        """``size``, when an object may be that large (gcc: at most the largest
        ``ptrdiff_t``); else NotConstant."""
        most = self._most()
        if size > most:
            raise NotConstant(f"{what} too large: {size} bytes, more than {most}")
        return size

    def _basic_layout(self, kind: str, name: str) -> TypeLayout:
        return TypeLayout(
            kind, self.sizes[name], self.aligns[name], self.preferred[name], basic=name
        )

    def _identifier_type(self, names: list[str]) -> TypeLayout:
        words = [n for n in names if n not in ("const", "volatile", "_Atomic")]
        if len(words) == 1 and words[0] not in BASIC_TYPE_WORDS:
            td = self.typedef(words[0])
            if td is not None:
                return self.of(td)
            if words[0] in STANDARD_TYPEDEFS:
                return self._identifier_type(word_type(words[0], self.model).split())
            raise NotConstant(f"unknown type {words[0]}")
        key = _basic_key(words)
        if key is None or key not in self.sizes:
            raise NotConstant(f"unknown type {' '.join(names)}")
        return self._basic_layout("scalar", key)

    def _enum(self, node: c_ast.Enum) -> TypeLayout:
        """An enum's layout: ``int``'s, or ``long long``'s where its constants need
        more (gcc's rule); ``enum TAG`` with no body is the enum defined as TAG."""
        tag = node.name  # (the definition found for it is read with no tag)
        if tag in self._enums_sizing:  # sizeof(enum e) in e's own constants
            raise NotConstant(f"incomplete type enum {tag}")
        if node.values is None:
            key = f"enum {tag}"
            found = self.record(key)
            if not isinstance(found, c_ast.Enum):
                if self.defined(key):
                    raise NotConstant(f"{key}: declaration pycparser cannot read")
                raise NotConstant(f"incomplete type {key}")
            node = found
        size = 4
        if node.values is not None:
            lo = hi = 0
            nxt = 0
            if tag:
                self._enums_sizing.add(tag)
            try:
                for e in node.values.enumerators:
                    if e.value is not None:
                        try:
                            nxt = self.fold(e.value).value
                        except NotConstant as exc:
                            raise NotConstant(f"enum constant {e.name}: {exc}") from None
                    lo, hi = min(lo, nxt), max(hi, nxt)
                    nxt += 1
            finally:
                self._enums_sizing.discard(tag)
            if lo < -(1 << 31) or hi >= (1 << 32) or (lo < 0 and hi >= (1 << 31)):
                size = 8
        name = "int" if size == 4 else "long long"
        return TypeLayout("enum", size, self.aligns[name], self.preferred[name], basic=name)

    # -- records -------------------------------------------------------------

    def _record(self, node: c_ast.Struct | c_ast.Union) -> TypeLayout:
        kind = "struct" if isinstance(node, c_ast.Struct) else "union"
        if node.decls is None:
            found = self.record(f"{kind} {node.name}") if node.name else None
            if found is None or found.decls is None:
                key = f"{kind} {node.name or '(anonymous)'}"
                if node.name and self.defined(key):
                    raise NotConstant(f"{key}: declaration pycparser cannot read")
                raise NotConstant(f"incomplete type {key}")
            node = found
        rec = self.recording
        hit = self.cache.get(id(node))
        if hit is not None:
            if rec:
                rec[-1].extend(hit[2])  # the evaluation under way rests on it too
            return hit[1]
        if id(node) in self._active:
            raise NotConstant(f"{kind} {node.name} contains itself")
        self._active.add(id(node))
        reads: list[Any] = []
        if rec is not None:
            rec.append(reads)
        try:
            layout = self._lay_out(node, kind)
        finally:
            self._active.discard(id(node))
            if rec is not None:
                rec.pop()
                if rec:
                    rec[-1].extend(reads)
        self.cache[id(node)] = (node, layout, reads)
        return layout

    def _lay_out(self, node: c_ast.Struct | c_ast.Union, kind: str) -> TypeLayout:
        model = self.model
        union = kind == "union"
        decls = list(node.decls)
        packed = False
        min_align = 0
        cap = 0  # #pragma pack: the largest alignment a member gets
        if decls and decls[0].name == ATTRS_MEMBER:
            specs = decls.pop(0).align
            packed, min_align = self._attrs(specs)
            cap = self._max_align(specs)
        bitpos = 0  # next free bit (struct) / largest member so far (union)
        align = 1
        fields: list[Field] = []
        members = [d for d in decls if _is_member(d)]
        last = len(members) - 1
        for k, d in enumerate(members):
            m_packed, m_align = self._attrs(d.align)
            t_layout = self.of(d.type)
            if t_layout.basic == "void":
                raise NotConstant(f"member {d.name or '(unnamed)'} declared void")
            if t_layout.flexible and d.bitsize is None:
                if union:
                    raise NotConstant(f"flexible array member {d.name} in a union")
                if k != last:
                    raise NotConstant(f"flexible array member {d.name} not at the end")
                if not _named(fields):
                    raise NotConstant(
                        f"flexible array member {d.name} in a struct with no named members"
                    )
            name = d.name or ""
            tname = type_name(d.type)
            if d.bitsize is not None:
                width = self.fold(d.bitsize).value
                unit = t_layout.align * 8
                tsize = t_layout.size * 8
                if width < 0 or width > tsize:
                    what = name or "(unnamed)"
                    raise NotConstant(f"bit-field {what} width {width} out of range")
                if width == 0:
                    if name:
                        raise NotConstant(f"bit-field {name} of zero width")
                    if not union:
                        bitpos = _round(bitpos, unit)
                    if not model.pcc_bitfield or model.anon_bitfield_align:
                        align = max(align, t_layout.align)
                    continue
                here = 0 if union else bitpos
                if model.pcc_bitfield and not (packed or m_packed):
                    # under #pragma pack gcc does not move a field that spans units
                    if not union and not cap and _excess_unit_span(here, width, unit, tsize):
                        here = bitpos = _round(bitpos, unit)
                    if name or model.anon_bitfield_align:
                        align = max(align, min(t_layout.align, cap) if cap else t_layout.align)
                elif not model.pcc_bitfield and not (packed or m_packed):
                    # gcc's layout_decl: a bit-field as wide as an integer mode, at a
                    # position aligned for it, is a field of that mode (m68k: an
                    # unsigned:16 at an even byte aligns the struct to 2)
                    mode = _MODE_TYPES.get(width)
                    if mode is not None:
                        m_al = self.aligns[mode]
                        if here % (m_al * 8) == 0:
                            align = max(align, m_al)
                if m_align:
                    here = bitpos = _round(bitpos, m_align * 8) if not union else 0
                    align = max(align, m_align)
                fields.append(Field(name, here, width, t_layout, tname))
                bitpos = max(bitpos, width) if union else here + width
                continue
            a = t_layout.align
            if m_align:
                a = max(a, m_align)
            elif packed or m_packed:
                a = 1
            elif cap:
                a = min(a, cap)
            if union:
                fields.append(Field(name, 0, None, t_layout, tname))
                bitpos = max(bitpos, t_layout.size * 8)
            else:
                bitpos = _round(bitpos, a * 8)
                fields.append(Field(name, bitpos, None, t_layout, tname))
                bitpos += t_layout.size * 8
            align = max(align, a)
        if min_align:
            align = max(align, min_align)
        names = list(_member_names(fields))
        if len(set(names)) != len(names):
            twice = next(n for i, n in enumerate(names) if n in names[:i])
            raise NotConstant(f"duplicate member {twice}")
        size = self._sized(
            f"{kind} {node.name or '(anonymous)'}", _round(_round(bitpos, 8) // 8, align)
        )
        return TypeLayout(kind, size, align, align, tuple(fields))

    def _max_align(self, specs: list[c_ast.Node] | None) -> int:
        """The ``#pragma pack`` a record was defined under (its MAX_ALIGN marker), or 0."""
        for spec in specs or ():
            a = spec.alignment
            if isinstance(a, c_ast.FuncCall) and _call_name(a) == MAX_ALIGN and a.args:
                return int(self.fold(a.args.exprs[0]).value)
        return 0

    def _attrs(self, specs: list[c_ast.Node] | None) -> tuple[bool, int]:
        """(packed, alignment) from a declaration's ``_Alignas`` specifiers (0: none)."""
        packed = False
        align = 0
        for spec in specs or ():
            a = spec.alignment
            if isinstance(a, c_ast.ID) and a.name == PACKED:
                packed = True
            elif isinstance(a, c_ast.FuncCall) and _call_name(a) == MAX_ALIGN:
                continue
            elif isinstance(a, c_ast.FuncCall) and _call_name(a) == ALIGNED:
                # aligned(0) is passed over, as gcc does (with a warning)
                v = self.fold(a.args.exprs[0]).value if a.args else self.model.biggest_align
                if v < 0:
                    raise NotConstant(f"alignment {v} is not a power of two")
                align = max(align, v)
            elif isinstance(a, c_ast.Typename):
                align = max(align, self.of(a).align)
            else:
                align = max(align, self.fold(a).value)
        if align & (align - 1):
            raise NotConstant(f"alignment {align} is not a power of two")
        if align > MAX_ALIGNMENT:
            raise NotConstant(f"alignment {align} exceeds gcc's maximum, {MAX_ALIGNMENT}")
        return packed, align

    # -- offsetof ------------------------------------------------------------

    def offsetof(self, type_node: c_ast.Node, designator: c_ast.Node) -> int:
        """``offsetof(T, designator)`` in bytes."""
        bits, _ = self.member(self.of(type_node), designator)
        if bits % 8:
            raise NotConstant("offsetof a bit-field")
        return bits // 8

    def member(self, layout: TypeLayout, designator: c_ast.Node) -> tuple[int, TypeLayout]:
        """The bit offset and layout of ``designator`` (``a``, ``a.b``, ``a[2]``) in ``layout``."""
        if isinstance(designator, c_ast.ID):
            found = _find(layout, designator.name)
            if found is None:
                raise NotConstant(f"no member named {designator.name}")
            f, at = found
            if f.bit_width is not None:
                raise NotConstant(f"offsetof the bit-field {designator.name}")
            return at, f.layout
        if isinstance(designator, c_ast.StructRef) and designator.type == ".":
            at, inner = self.member(layout, designator.name)
            sub, lay = self.member(inner, designator.field)
            return at + sub, lay
        if isinstance(designator, c_ast.ArrayRef):
            at, inner = self.member(layout, designator.name)
            if inner.kind != "array" or inner.element is None:
                raise NotConstant("subscript of a non-array member")
            i = self.fold(designator.subscript).value
            return at + i * inner.element.size * 8, inner.element
        raise NotConstant(f"bad member designator ({type(designator).__name__})")


def _is_member(d: c_ast.Node) -> bool:
    """Whether the declaration ``d`` of a record's body is a member: not a tag, an enum,
    a static assertion or an unnamed declaration of nothing (gcc without
    -fms-extensions), but an anonymous struct or union is."""
    if not isinstance(d, c_ast.Decl):
        return False
    if d.name is None and d.bitsize is None:
        t = d.type
        return isinstance(t, (c_ast.Struct, c_ast.Union)) and t.name is None
    return True


def _member_names(fields: Sequence[Field]) -> Iterator[str]:
    """The names ``fields`` declare, those of anonymous structs and unions within included."""
    for f in fields:
        if f.name:
            yield f.name
        elif f.bit_width is None:
            yield from _member_names(f.layout.fields)


def _named(fields: Sequence[Field]) -> bool:
    """Whether ``fields`` hold a named member or an anonymous struct or union, even an
    empty one (gcc's test before a flexible array member): anything but unnamed
    bit-fields."""
    return any(f.name or f.bit_width is None for f in fields)


def _find(layout: TypeLayout, name: str) -> tuple[Field, int] | None:
    for f in layout.fields:
        if f.name == name:
            return f, f.bit_offset
        if not f.name and f.bit_width is None and f.layout.fields:
            inner = _find(f.layout, name)
            if inner is not None:
                return inner[0], f.bit_offset + inner[1]
    return None


def _call_name(node: c_ast.FuncCall) -> str:
    return node.name.name if isinstance(node.name, c_ast.ID) else ""


def _typedef_align(node: c_ast.TypeDecl, layouts: Layouts) -> int:
    """A typedef's own ``aligned`` attribute (it sets the alignment, even lower), or 0."""
    if not node.align:
        return 0
    _, align = layouts._attrs(node.align)
    return align


# integer modes by width: the type whose alignment a mode-wide bit-field takes
_MODE_TYPES = {8: "char", 16: "short", 32: "int", 64: "long long"}


def _excess_unit_span(bitpos: int, width: int, unit: int, type_bits: int) -> bool:
    """gcc's excess_unit_span: a bit-field at ``bitpos`` spans more ``unit``-bit
    alignment units than its type (``type_bits`` wide) does."""
    offset = bitpos % unit
    return (offset + width + unit - 1) // unit > type_bits // unit


def _basic_key(words: list[str]) -> str | None:
    """The basic type key (``unsigned long``, ``long double``...) of type words."""
    unsigned = "unsigned" in words
    base = [w for w in words if w not in ("unsigned", "signed", "int")]
    if not base:
        return "unsigned int" if unsigned else "int"
    if base == ["char"]:
        return "unsigned char" if unsigned else "char"
    if base == ["long", "double"] or base == ["double", "long"]:
        return "long double"
    if len(base) == 1 and base[0] in ("float", "double", "void", "_Bool"):
        return base[0]
    key = {("short",): "short", ("long",): "long", ("long", "long"): "long long"}.get(tuple(base))
    if base == ["__int128"]:
        key = "__int128"
    if key is None:
        return None
    return f"unsigned {key}" if unsigned else key


def record_layout(
    name: str, node: c_ast.Node | None, path: str, line: int, decls: Any
) -> RecordLayout:
    """``name``'s layout (``node`` its AST, None if unreadable) as the model records
    it: size, alignment and every member reachable by name; or why it has none.
    ``decls`` is the header's HeaderDecls."""
    if node is None:
        return RecordLayout(name, path, line, None, None, (), "declaration pycparser cannot read")
    try:
        layout = decls.layout_of(node)
    except NotConstant as exc:
        return RecordLayout(name, path, line, None, None, (), str(exc))
    except RecursionError:
        return RecordLayout(name, path, line, None, None, (), "nested too deeply")
    members = tuple(
        MemberLayout(m.name, m.offset, m.size, m.bit_offset, m.bit_width, m.type_name)
        for m in flatten(layout)
    )
    return RecordLayout(name, path, line, layout.size, layout.align, members)
