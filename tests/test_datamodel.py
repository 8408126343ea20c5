"""CType.wrap: a value reduced to its type's range as two's complement does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from abicheck.reader.datamodel import CType

INT = CType("int", 32, True, 3)
UINT = CType("unsigned int", 32, False, 3)
SCHAR = CType("signed char", 8, True, 1)


def test_wrap_exact_values_at_the_edges() -> None:
    assert [INT.wrap(v) for v in (0, 2**31 - 1, 2**31, 2**32 - 1, 2**32, -1, -(2**31) - 1)] == [
        0,
        2147483647,
        -2147483648,
        -1,
        0,
        -1,
        2147483647,
    ]
    assert [UINT.wrap(v) for v in (0, 2**32 - 1, 2**32, -1, 2**40 + 5)] == [
        0,
        4294967295,
        0,
        4294967295,
        5,
    ]
    assert [SCHAR.wrap(v) for v in (127, 128, 255, 256, -129)] == [127, -128, -1, 0, 127]


@given(
    st.sampled_from([8, 16, 32, 64, 128]),
    st.booleans(),
    st.integers(min_value=-(2**140), max_value=2**140),
)
def test_wrap_is_the_value_modulo_two_to_the_width(bits: int, signed: bool, v: int) -> None:
    # the in-range shortcut must agree with the modular reduction everywhere
    t = CType("t", bits, signed, 3)
    low = -(2 ** (bits - 1)) if signed else 0
    assert t.wrap(v) == (v - low) % 2**bits + low
