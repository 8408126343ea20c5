"""Integer literals' values and types (C11 6.4.4.1), the suffix-free fast path
and the suffix regex alike; what is no C integer literal has no value."""

from __future__ import annotations

import pytest

from abicheck.reader.datamodel import DATA_MODELS
from abicheck.reader.fold import Literals


@pytest.mark.parametrize(
    ("text", "value", "type_name"),
    [
        ("0", 0, "int"),
        ("2147483647", 2147483647, "int"),
        ("2147483648", 2147483648, "long"),  # decimal: never unsigned without u
        ("0x7fffffff", 2147483647, "int"),
        ("0xffffffff", 4294967295, "unsigned int"),  # hex: unsigned int before long
        ("0X1F", 31, "int"),
        ("0b101", 5, "int"),
        ("017", 15, "int"),
        ("1u", 1, "unsigned int"),
        ("1UL", 1, "unsigned long"),
        ("1ll", 1, "long long"),
        ("1'000", 1000, "int"),
        ("0xffffffffffffffff", 18446744073709551615, "unsigned long"),
    ],
)
def test_literal_value_and_type_lp64(text: str, value: int, type_name: str) -> None:
    v = Literals(DATA_MODELS["lp64"]).value(text)
    assert v is not None
    assert (v.value, v.type.name) == (value, type_name)


@pytest.mark.parametrize("text", ["1_000", "\u0663", "08", "0x", "12g", "1lL", "1lll", ""])
def test_not_a_literal_has_no_value(text: str) -> None:
    # int() would take 1_000 and the Arabic-Indic digit three; C takes neither
    assert Literals(DATA_MODELS["lp64"]).value(text) is None
