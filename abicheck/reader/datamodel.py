"""C's integer types and data models: ``CType``, ``Value``, ``DataModel`` (the
sizes and alignments of the basic types), the type words the reader knows and
the standard typedefs."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache, cached_property
from typing import Any, Literal

from .._record import Record, replace
from .._record import set_field as _set

DataModelName = Literal["lp64", "ilp32"]


class CType(Record, frozen=True):
    """A C integer type: its width in bits, signedness and conversion rank."""

    name: str
    bits: int
    signed: bool
    rank: int

    __slots__ = ("name", "bits", "signed", "rank")

    def __init__(self, name: str, bits: int, signed: bool, rank: int) -> None:
        _set(self, "name", name)
        _set(self, "bits", bits)
        _set(self, "signed", signed)
        _set(self, "rank", rank)

    def wrap(self, v: int) -> int:
        """Reduce ``v`` to this type's range, two's complement."""
        bits = self.bits
        signed = self.signed
        if v >= 0 and not v >> (bits - 1 if signed else bits):
            return v  # in range already (the common case)
        v &= (1 << bits) - 1
        if signed and v >> (bits - 1):
            v -= 1 << bits
        return v

    def fits(self, v: int) -> bool:
        if self.signed:
            return -(1 << (self.bits - 1)) <= v < (1 << (self.bits - 1))
        return 0 <= v < (1 << self.bits)

    def unsigned(self) -> CType:
        return CType("unsigned " + self.name.removeprefix("signed "), self.bits, False, self.rank)


class Value(Record, frozen=False, unsafe_hash=True):
    """An integer constant's value and its C type (not changed once made: not frozen
    only because a frozen record is made at a third of the speed, its fields set
    through object.__setattr__, and folding makes one per operation)."""

    value: int
    type: CType

    __slots__ = ("value", "type")

    def __init__(self, value: int, type: CType) -> None:
        self.value = value
        self.type = type


class DataModel(Record, frozen=True):
    """C's basic types for one ABI (``lp64`` or ``ilp32``): their sizes and alignments
    in bytes, and the integer types.

    The basic types are the integer types by name, ``float``, ``double``, ``long
    double``, ``void`` (size 1, as in GNU C) and ``pointer``. A type's alignment
    alone (``_Alignof``) is its size, at most ``max_align``, but for long double's,
    ``long_double_align``.
    """

    name: DataModelName
    long_bytes: int
    pointer_bytes: int
    long_double_bytes: int
    long_double_align: int
    max_align: int
    char_signed: bool = True
    # an architecture's ABI (abicheck/data/abi.json): basic type -> (size, _Alignof,
    # __alignof__); gcc's bit-field rules; __BIGGEST_ALIGNMENT__
    abi_types: tuple[tuple[str, int, int, int], ...] = ()
    pcc_bitfield: bool = True
    anon_bitfield_align: bool = False
    biggest_align: int = 16
    arch: str = ""
    # wchar_t's type, the type of L'x' and of L"..."'s elements (gcc's __WCHAR_TYPE__)
    wchar: str = "int"

    def __init__(
        self,
        name: DataModelName,
        long_bytes: int,
        pointer_bytes: int,
        long_double_bytes: int,
        long_double_align: int,
        max_align: int,
        char_signed: bool = True,
        abi_types: tuple[tuple[str, int, int, int], ...] = (),
        pcc_bitfield: bool = True,
        anon_bitfield_align: bool = False,
        biggest_align: int = 16,
        arch: str = "",
        wchar: str = "int",
    ) -> None:
        _set(self, "name", name)
        _set(self, "long_bytes", long_bytes)
        _set(self, "pointer_bytes", pointer_bytes)
        _set(self, "long_double_bytes", long_double_bytes)
        _set(self, "long_double_align", long_double_align)
        _set(self, "max_align", max_align)
        _set(self, "char_signed", char_signed)
        _set(self, "abi_types", abi_types)
        _set(self, "pcc_bitfield", pcc_bitfield)
        _set(self, "anon_bitfield_align", anon_bitfield_align)
        _set(self, "biggest_align", biggest_align)
        _set(self, "arch", arch)
        _set(self, "wchar", wchar)

    @property
    def has_int128(self) -> bool:
        """Whether the target has ``__int128`` (its ABI lists it; without an ABI, the
        64-bit data model)."""
        if self.abi_types:
            return any(row[0] == "__int128" for row in self.abi_types)
        return self.long_bytes == 8

    def types(self) -> dict[str, CType]:
        """Name -> integer type under this model."""
        return self._types

    def sizes(self) -> Mapping[str, int]:
        """Basic type -> its size in bytes."""
        return self._sizes

    def aligns(self) -> Mapping[str, int]:
        """Basic type -> its alignment in bytes, alone."""
        return self._aligns

    def preferred(self) -> Mapping[str, int]:
        """Basic type -> its preferred alignment (GNU ``__alignof__``; i386's long long
        and double: 8, where ``_Alignof`` and struct members give 4)."""
        return self._preferred

    @cached_property
    def _sizes(self) -> dict[str, int]:
        sizes = {n: t.bits // 8 for n, t in self._types.items()}
        sizes.update(float=4, double=8, void=1, pointer=self.pointer_bytes)
        sizes["long double"] = self.long_double_bytes
        sizes.update(self._from_abi(1))
        return sizes

    @cached_property
    def _aligns(self) -> dict[str, int]:
        aligns = {n: min(size, self.max_align) for n, size in self._sizes.items()}
        aligns["long double"] = self.long_double_align
        aligns.update(self._from_abi(2))
        return aligns

    @cached_property
    def _preferred(self) -> dict[str, int]:
        preferred = dict(self._aligns)
        preferred.update(self._from_abi(3))
        return preferred

    def _from_abi(self, column: int) -> dict[str, int]:
        """Column 1 (size), 2 (alignment) or 3 (preferred) of the ABI's basic types,
        given to the unsigned integer types too."""
        out: dict[str, int] = {}
        for row in self.abi_types:
            name = row[0]
            value = int(row[column])
            out[name] = value
            if name in ("char", "short", "int", "long", "long long", "__int128"):
                out["unsigned " + name] = value
                if name == "char":
                    out["signed char"] = value
        out.pop("enum", None)
        return out

    @cached_property
    def _types(self) -> dict[str, CType]:
        lb = self.long_bytes * 8
        return {
            "_Bool": CType("_Bool", 8, False, 0),
            "char": CType("char", 8, self.char_signed, 1),
            "signed char": CType("signed char", 8, True, 1),
            "unsigned char": CType("unsigned char", 8, False, 1),
            "short": CType("short", 16, True, 2),
            "unsigned short": CType("unsigned short", 16, False, 2),
            "int": CType("int", 32, True, 3),
            "unsigned int": CType("unsigned int", 32, False, 3),
            "long": CType("long", lb, True, 4),
            "unsigned long": CType("unsigned long", lb, False, 4),
            "long long": CType("long long", 64, True, 5),
            "unsigned long long": CType("unsigned long long", 64, False, 5),
            "__int128": CType("__int128", 128, True, 6),
            "unsigned __int128": CType("unsigned __int128", 128, False, 6),
        }


#: C integer type -> the literal suffix that gives a constant that type.
LITERAL_SUFFIX: Mapping[str, str] = {
    "int": "",
    "unsigned int": "U",
    "long": "L",
    "unsigned long": "UL",
    "long long": "LL",
    "unsigned long long": "ULL",
}

# As gcc has them on x86-64 and i386 (whose _Alignof(long double) is 4; its long
# long and double align to 4 too, where other 32-bit ABIs align them to 8).
DATA_MODELS: Mapping[str, DataModel] = {
    "lp64": DataModel("lp64", 8, 8, 16, long_double_align=16, max_align=16),
    "ilp32": DataModel("ilp32", 4, 4, 12, long_double_align=4, max_align=8),
}

# C's keywords as the reader meets them in expanded macros.
INTEGER_TYPE_WORDS = frozenset(
    {"char", "short", "int", "long", "unsigned", "signed", "_Bool", "__int128"}
)
BASIC_TYPE_WORDS = INTEGER_TYPE_WORDS | {"float", "double", "void"}
QUALIFIERS = frozenset({"const", "volatile"})
TAG_WORDS = frozenset({"struct", "union", "enum"})
C_KEYWORDS = (
    BASIC_TYPE_WORDS
    | QUALIFIERS
    | TAG_WORDS
    | {"sizeof", "_Alignof", "__alignof__", "typedef", "static", "extern", "register"}
)

# Standard typedefs every C environment has, used when the headers read do
# not declare them: name -> the basic type they stand for.
STANDARD_TYPEDEFS = {
    "size_t": "unsigned long",
    "ssize_t": "long",
    "ptrdiff_t": "long",
    "intptr_t": "long",
    "uintptr_t": "unsigned long",
    "intmax_t": "long long",
    "uintmax_t": "unsigned long long",
    "wchar_t": "int",
    "char16_t": "unsigned short",
    "char32_t": "unsigned int",
    "int8_t": "signed char",
    "uint8_t": "unsigned char",
    "int16_t": "short",
    "uint16_t": "unsigned short",
    "int32_t": "int",
    "uint32_t": "unsigned int",
    "int64_t": "long long",
    "uint64_t": "unsigned long long",
    "__s8": "signed char",
    "__u8": "unsigned char",
    "__s16": "short",
    "__u16": "unsigned short",
    "__s32": "int",
    "__u32": "unsigned int",
    "__s64": "long long",
    "__u64": "unsigned long long",
    "__le16": "unsigned short",
    "__be16": "unsigned short",
    "__le32": "unsigned int",
    "__be32": "unsigned int",
    "__le64": "unsigned long long",
    "__be64": "unsigned long long",
    "__int128_t": "__int128",
    "__uint128_t": "unsigned __int128",
    "__kernel_long_t": "long",
    "__kernel_ulong_t": "unsigned long",
    "__kernel_size_t": "unsigned long",
    "__kernel_ssize_t": "long",
}

# Standard typedefs that are int, not long, where long is 32 bits (i386, arm, mips32,
# x32...: gcc's __SIZE_TYPE__ there is unsigned int).
_ILP32_WORD_TYPES = {
    "size_t": "unsigned int",
    "ssize_t": "int",
    "ptrdiff_t": "int",
    "intptr_t": "int",
    "uintptr_t": "unsigned int",
}


def word_type(name: str, model: DataModel) -> str:
    """The basic type a standard typedef names under ``model``."""
    if name == "wchar_t":
        return model.wchar
    if model.long_bytes == 4 and name in _ILP32_WORD_TYPES:
        return _ILP32_WORD_TYPES[name]
    return STANDARD_TYPEDEFS[name]


def integer_type_name(spelling: str) -> str | None:
    """The integer type named by words such as gcc's ``__WCHAR_TYPE__`` (``long int``,
    ``short unsigned int``) as :meth:`DataModel.types` names it, or None."""
    words = spelling.split()
    base = tuple(w for w in words if w not in ("unsigned", "signed", "int"))
    key = {(): "int", ("short",): "short", ("long",): "long", ("long", "long"): "long long"}
    name = key.get(base)
    if name is None or any(w not in INTEGER_TYPE_WORDS for w in words):
        return None
    return "unsigned " + name if "unsigned" in words else name


def arch_model(arch: str, data_model: DataModelName, char_signed: bool) -> DataModel:
    """The data model of architecture ``arch`` with its ABI from the shipped
    ``headers/abi.json`` (recorded from the cross compilers by scripts/record-abi);
    the generic ``data_model`` for an architecture it does not list."""
    entry = _abi_data().get(arch)
    base = DATA_MODELS[data_model]
    if entry is None:
        return replace(base, char_signed=char_signed)
    types = tuple(sorted((n, *v) for n, v in entry["types"].items()))
    sizes = {n: s for n, s, _, _ in types}
    aligns = {n: a for n, _, a, _ in types}
    return replace(
        base,
        char_signed=char_signed,
        long_double_bytes=sizes["long double"],
        long_double_align=aligns["long double"],
        max_align=max(aligns.values()),
        abi_types=types,
        pcc_bitfield=bool(entry["pcc_bitfield"]),
        anon_bitfield_align=bool(entry["anon_bitfield_align"]),
        biggest_align=int(entry["biggest_align"]),
        arch=arch,
    )


@cache
def _abi_data() -> dict[str, Any]:
    from ..resources import data_path

    with open(os.path.join(data_path("headers"), "abi.json"), encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data["arches"]  # type: ignore[no-any-return]
