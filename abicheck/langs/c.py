"""C: an include-guarded header of ``#define``s checked by ``_Static_assert``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..model import AbicheckError, Macro
from ..reader.datamodel import DATA_MODELS, LITERAL_SUFFIX
from .common import TableView, check_int

_C_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_C_KEYWORDS = frozenset(
    [
        "auto",
        "break",
        "case",
        "char",
        "const",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extern",
        "float",
        "for",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "register",
        "restrict",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "struct",
        "switch",
        "typedef",
        "union",
        "unsigned",
        "void",
        "volatile",
        "while",
        "_Alignas",
        "_Alignof",
        "_Atomic",
        "_Bool",
        "_Complex",
        "_Generic",
        "_Imaginary",
        "_Noreturn",
        "_Static_assert",
        "_Thread_local",
    ]
)


def is_c_identifier(name: str) -> bool:
    """An ASCII C identifier that is not a C keyword."""
    return bool(_C_IDENT.match(name)) and name not in _C_KEYWORDS


def long_bits_of(data_model: str) -> int:
    """The width of ``long`` in bits under ``data_model``; AbicheckError if unknown."""
    model = DATA_MODELS.get(data_model)
    if model is None:
        raise AbicheckError(f"unknown data model {data_model!r}")
    return model.long_bytes * 8


#: C type name -> the literal suffix that gives a constant that type.
_SUFFIXES: Mapping[str, str] = LITERAL_SUFFIX
#: Types narrower than int (no literal has them): written as a cast.
_CAST_TYPES = frozenset(
    {
        "_Bool",
        "char",
        "signed char",
        "unsigned char",
        "short",
        "unsigned short",
        "__int128",
        "unsigned __int128",
    }
)


def _smallest_literal(v: int, long_bits: int, digits: Callable[[int], str]) -> str:
    wide = "L" if long_bits == 64 else "LL"
    if v >= 0:
        if v < 2**31:
            return digits(v)
        if v < 2**32:
            return digits(v) + "U"
        if v < 2**63:
            return digits(v) + wide
        if v < 2**64:
            return digits(v) + "U" + wide
        raise AbicheckError(f"value {v:#x} does not fit 64 bits")
    if v >= -(2**31):
        return f"({v})" if v > -(2**31) else f"(-{digits(2**31 - 1)} - 1)"
    if v > -(2**63):
        return f"(-{digits(-v)}{wide})"
    if v == -(2**63):
        return f"(-{digits(2**63 - 1)}{wide} - 1)"
    raise AbicheckError(f"value {v} does not fit 64 bits")


def _fits(v: int, ctype: str, long_bits: int) -> bool:
    bits = {
        "_Bool": 1,
        "char": 8,
        "short": 16,
        "int": 32,
        "long": long_bits,
        "long long": 64,
        "__int128": 128,
    }
    base = ctype.removeprefix("unsigned ").removeprefix("signed ")
    width = bits[base]
    if ctype.startswith("unsigned ") or ctype == "_Bool":
        return 0 <= v < 1 << width
    # plain char: signed or not depending on the target, so either range
    low = -(1 << (width - 1))
    high = (1 << width) if ctype == "char" else (1 << (width - 1))
    return low <= v < high


def c_literal(value: object, data_model: str = "lp64", hex: bool = False, ctype: str = "") -> str:
    """A C integer constant with ``value`` and the C type ``ctype``.

    The suffix gives the type: none for ``int``, ``U``, ``L``, ``UL``, ``LL``,
    ``ULL``; types narrower than ``int`` are written as a cast,
    ``((unsigned char)44)``. Without ``ctype`` the constant gets the smallest
    type holding it: ``int``, ``unsigned int``, then ``long``/``unsigned long``
    (lp64) or ``long long``/``unsigned long long`` (ilp32). Negative values
    are parenthesized, the most negative value of a type written as
    ``(-MAX - 1)``.
    """
    v = check_int(value)
    long_bits = long_bits_of(data_model)

    def digits(n: int) -> str:
        return f"{n:#x}" if hex else str(n)

    if not ctype:
        return _smallest_literal(v, long_bits, digits)
    if not isinstance(ctype, str) or (ctype not in _SUFFIXES and ctype not in _CAST_TYPES):
        raise AbicheckError(f"cannot write a constant of C type {ctype!r}")
    if not _fits(v, ctype, long_bits):
        raise AbicheckError(f"value {v} does not fit C type {ctype}")
    if ctype in _CAST_TYPES:
        return f"(({ctype}){_smallest_literal(v, long_bits, digits)})"
    suffix = _SUFFIXES[ctype]
    if v >= 0:
        # the value fits the type, so the suffix's first candidate type is the type
        return digits(v) + suffix
    bits = 32 if ctype == "int" else (long_bits if ctype == "long" else 64)
    if v == -(1 << (bits - 1)):
        return f"(-{digits((1 << (bits - 1)) - 1)}{suffix} - 1)"
    # small negative values in decimal, as without a type
    return f"(-{-v if -v < 2**31 else digits(-v)}{suffix})"


def c_ident(name: object) -> str:
    """``name`` if it is a valid C identifier (a jinja filter for user templates)."""
    if not isinstance(name, str) or not is_c_identifier(name):
        raise AbicheckError(f"not a C identifier: {name!r}")
    return name


def check_macro(m: Macro, data_model: str) -> None:
    """Raise AbicheckError (no location) when ``m`` cannot be written as a C constant."""
    if m.ctype:
        c_literal(m.value, data_model, ctype=m.ctype)


def guard(views: Sequence[TableView]) -> str:
    """The include guard of a header made of ``views``."""
    keys = "_".join(v.key for v in views)
    if len(keys) > 48:
        import hashlib  # only headers of many tables need it

        keys = hashlib.sha256("\n".join(v.key for v in views).encode()).hexdigest()[:12].upper()
    return f"ABICHECK_{keys}_H"


def context(views: Sequence[TableView]) -> dict[str, Any]:
    return {"guard": guard(views)}


FILTERS: Mapping[str, Callable[..., str]] = {"c_literal": c_literal, "c_ident": c_ident}
