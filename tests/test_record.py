"""Record classes (abicheck._record) against the dataclasses they stand for: each
hand-written class behaves as ``dataclasses.dataclass`` makes the class of the same
fields (the dataclasses module is the oracle), and the public model's fields are
the ones they were as dataclasses."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import os
import pickle
import pkgutil
import subprocess
import sys
from dataclasses import MISSING, FrozenInstanceError
from pathlib import Path
from typing import Any

import pytest

import abicheck
from abicheck._record import Record, as_dataclass, replace
from abicheck.model import Diagnostic, Macro, MemberLayout, Provenance, RecordLayout, Table


def _record_classes() -> list[type[Record]]:
    for info in pkgutil.walk_packages(abicheck.__path__, "abicheck."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    out: list[type[Record]] = []
    todo = list(Record.__subclasses__())
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo += cls.__subclasses__()
    return sorted(out, key=lambda c: (c.__module__, c.__qualname__))


RECORDS = _record_classes()


class _Distinct:
    """A value equal only to itself, hashable, picklable, with a repr of its own."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Distinct) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def _pair(cls: type[Record], tag: str = "") -> tuple[Any, Any]:
    """An instance of ``cls`` and of its dataclass, of the same distinct field values."""
    shadow = as_dataclass(cls)
    values = {n: _Distinct(n + tag) for n in cls._fields}
    return cls(**values), shadow(**values)


def test_record_classes_found() -> None:
    names = {c.__qualname__ for c in RECORDS}
    assert {"Macro", "Table", "Provenance", "Tok", "Walk", "Config"} <= names


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_record_behaves_as_its_dataclass(cls: type[Record]) -> None:
    shadow = as_dataclass(cls)
    # the same __init__ (parameters, defaults, annotations), the fields in order
    ours_sig, their_sig = inspect.signature(cls), inspect.signature(shadow)
    ours_params = list(ours_sig.parameters.values())
    their_params = list(their_sig.parameters.values())
    for i, p in enumerate(their_params):
        if p.name in cls._factories:  # None here, the factory's marker there
            assert repr(p.default) == "<factory>" and ours_params[i].default is None
            their_params[i] = p.replace(default=None, annotation=f"{p.annotation} | None")
    assert ours_params == their_params and their_sig.return_annotation is None
    assert cls.__match_args__ == shadow.__match_args__  # type: ignore[attr-defined]
    ours, theirs = _pair(cls)
    # each argument stored as its field
    assert [getattr(ours, n) for n in cls._fields] == [getattr(theirs, n) for n in cls._fields]
    assert repr(ours) == repr(theirs)
    assert dataclasses.is_dataclass(ours) and dataclasses.is_dataclass(cls)
    assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
    assert [(f.name, f.type, f.default) for f in dataclasses.fields(ours)] == [
        (f.name, f.type, f.default) for f in dataclasses.fields(theirs)
    ]
    # defaults: what a call with the required fields only gives
    required = {
        n: _Distinct(n)
        for n, p in inspect.signature(cls).parameters.items()
        if p.default is inspect.Parameter.empty
    }
    assert repr(cls(**required)) == repr(shadow(**required))
    # equality, hashing
    again, _ = _pair(cls)
    other, _ = _pair(cls, "x")
    eq = cls._eq
    theirs_again = type(theirs)(**{n: getattr(again, n) for n in cls._fields})
    assert (ours == again) is (theirs == theirs_again)
    assert (ours == again) is eq and (ours != other) is (bool(cls._fields) or not eq)
    assert ours != theirs  # another class
    assert (type(ours).__hash__ is None) is (type(theirs).__hash__ is None)
    if type(ours).__hash__ is not None and eq:
        assert hash(ours) == hash(theirs) == hash(again)
    # frozen: assignment and deletion refused as the dataclass refuses them
    name = cls._fields[0]
    for obj in (ours, theirs):
        if cls._frozen:
            with pytest.raises(FrozenInstanceError, match=f"cannot assign to field '{name}'"):
                setattr(obj, name, 1)
            with pytest.raises(FrozenInstanceError, match=f"cannot delete field '{name}'"):
                delattr(obj, name)
        else:
            setattr(obj, name, _Distinct("new"))
    assert repr(ours) == repr(theirs)
    # replace, copies and pickles
    changed = dataclasses.replace(ours, **{name: _Distinct("changed")})
    assert repr(changed) == repr(dataclasses.replace(theirs, **{name: _Distinct("changed")}))
    assert repr(replace(ours, **{name: _Distinct("changed")})) == repr(changed)
    for made in (copy.copy(ours), copy.deepcopy(ours), pickle.loads(pickle.dumps(ours))):
        assert type(made) is cls and repr(made) == repr(ours)
    assert hasattr(ours, "__dict__") is hasattr(theirs, "__dict__") or "__slots__" in vars(cls)


def test_record_base_is_no_dataclass() -> None:
    assert not dataclasses.is_dataclass(Record)


_S, _I, _N = "str", "int", "int | None"

# the public model's fields as they were as dataclasses: (name, type, default)
MODEL_FIELDS = {
    Diagnostic: [("file", _S, MISSING), ("line", _I, MISSING), ("message", _S, MISSING)],
    Macro: [
        ("name", _S, MISSING),
        ("kind", "Kind", MISSING),
        ("value", _N, MISSING),
        ("expr", _S, MISSING),
        ("file", _S, MISSING),
        ("line", _I, MISSING),
        ("comment", _S, ""),
        ("reason", _S, ""),
        ("ctype", _S, ""),
    ],
    MemberLayout: [
        ("name", _S, MISSING),
        ("offset", _I, MISSING),
        ("size", _I, MISSING),
        ("bit_offset", _N, MISSING),
        ("bit_width", _N, MISSING),
        ("type", _S, MISSING),
    ],
    RecordLayout: [
        ("name", _S, MISSING),
        ("file", _S, MISSING),
        ("line", _I, MISSING),
        ("size", _N, MISSING),
        ("align", _N, MISSING),
        ("members", "tuple[MemberLayout, ...]", ()),
        ("reason", _S, ""),
    ],
    Provenance: [
        ("source", _S, ""),
        ("path", _S, ""),
        ("header", _S, ""),
        ("include_dirs", "tuple[str, ...]", ()),
        ("defines", "Pairs", ()),
        ("data_model", _S, ""),
        ("arch", _S, ""),
        ("kernel_arch", _S, ""),
        ("headers_from", _S, ""),
        ("kernel_tree", _S, ""),
        ("snapshot", _S, ""),
        ("package", _S, ""),
        ("version", _S, ""),
        ("compiler", _S, ""),
        ("flags", "tuple[str, ...]", ()),
        ("reader", _S, ""),
        ("notes", "Pairs", ()),
    ],
    Table: [
        ("label", _S, MISSING),
        ("kind", "TableKind", MISSING),
        ("macros", "tuple[Macro, ...]", MISSING),
        ("origin", "Provenance", Provenance()),
    ],
}


@pytest.mark.parametrize("cls", list(MODEL_FIELDS), ids=lambda c: c.__name__)
def test_model_fields(cls: type[Record]) -> None:
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    assert [(f.name, f.type, f.default) for f in fields] == MODEL_FIELDS[cls]
    assert cls._frozen and cls._eq
    assert dataclasses.fields(cls)[0].default_factory is MISSING  # type: ignore[arg-type]
    assert ("__slots__" in vars(cls)) is (cls is not Table)


def test_model_values() -> None:
    m = Macro("A", "integer", 1, "1", "a.h", 3)
    assert repr(m) == (
        "Macro(name='A', kind='integer', value=1, expr='1', file='a.h', line=3, "
        "comment='', reason='', ctype='')"
    )
    assert m == Macro("A", "integer", 1, "1", "a.h", 3, "", "", "")
    assert hash(m) == hash(("A", "integer", 1, "1", "a.h", 3, "", "", ""))
    assert m != Macro("A", "integer", 2, "1", "a.h", 3)
    t = Table("x", "header", (m,))
    assert t.origin == Provenance() and t.origin is Table.origin
    assert dataclasses.replace(t, label="y") == Table("y", "header", (m,))
    with pytest.raises(FrozenInstanceError):
        t.label = "z"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(t)) == t
    match m:
        case Macro("A", "integer", value):
            assert value == 1
        case _:
            pytest.fail("no match")


def test_plain_subclass_of_a_public_record_keeps_its_fields() -> None:
    # A subclass that declares nothing is, as of a dataclass, the same record:
    # its repr, equality, hash, match and dataclasses view are its base's.
    class Sub(Macro):
        pass

    a = Sub("A", "integer", 1, "1", "f.h", 3)
    b = Sub("B", "integer", 2, "2", "f.h", 4)
    assert repr(a) == Sub.__qualname__ + (
        "(name='A', kind='integer', value=1, expr='1', file='f.h', line=3,"
        " comment='', reason='', ctype='')"
    )
    assert a != b
    assert a == Sub("A", "integer", 1, "1", "f.h", 3)
    assert a != Macro("A", "integer", 1, "1", "f.h", 3)
    assert hash(a) == hash(("A", "integer", 1, "1", "f.h", 3, "", "", ""))
    assert Sub.__match_args__ == Macro.__match_args__
    assert [f.name for f in dataclasses.fields(a)] == list(Macro.__match_args__)
    assert dataclasses.replace(a, name="Z").name == "Z"
    assert copy.deepcopy(b) == b
    with pytest.raises(FrozenInstanceError):
        a.name = "C"  # type: ignore[misc]


def test_annotated_subclass_of_a_public_record_adds_no_fields() -> None:
    # annotations in an undecorated subclass of a dataclass are not fields
    class Sub(Table):
        shown: str = "yes"

    a, b = Sub("a", "header", ()), Sub("b", "header", ())
    assert a != b and a == Sub("a", "header", ())
    assert Sub.__match_args__ == ("label", "kind", "macros", "origin")
    assert repr(a).startswith(Sub.__qualname__ + "(label='a', kind='header', macros=(), origin=")
    assert [f.name for f in dataclasses.fields(Sub)] == ["label", "kind", "macros", "origin"]


def test_a_table_pickles_its_dict_as_the_dataclass_did() -> None:
    # Table has no __slots__: as a frozen dataclass (36cee7d) its pickled state is
    # its __dict__, and a pickle of that state loads as the same table.
    origin = Provenance(source="header", path="a.h")
    t = Table("a", "header", (Macro("A", "integer", 1, "1", "a.h", 1),), origin)
    assert t.__reduce_ex__(2)[2] == {
        "label": "a",
        "kind": "header",
        "macros": t.macros,
        "origin": origin,
    }
    assert pickle.loads(pickle.dumps(t)) == t
    assert copy.copy(t) == t


def test_a_record_is_replaced_through_the_copy_protocol() -> None:
    # dataclasses give each class __replace__, which copy.replace (Python 3.13) calls
    m = Macro("A", "integer", 1, "1", "a.h", 1)
    assert m.__replace__(name="B", value=2) == Macro("B", "integer", 2, "1", "a.h", 1)
    t = Table("a", "header", (m,))
    assert t.__replace__(label="b") == Table("b", "header", (m,))
    if hasattr(copy, "replace"):  # (3.13 on)
        assert copy.replace(m, line=7) == Macro("A", "integer", 1, "1", "a.h", 7)


def test_dataclass_params_say_slots_where_the_class_has_them() -> None:
    # the dataclass a record stands for has slots where the record has its own
    # (Python 3.12 on, __dataclass_params__ shows it: slots=True for Macro as before)
    assert "__slots__" in vars(as_dataclass(Macro))
    assert "__slots__" not in vars(as_dataclass(Table))


def test_mypy_takes_a_plain_subclass_of_the_public_records(tmp_path: Path) -> None:
    # as of the dataclasses they were: a subclass inherits __init__ (its defaults)
    # and frozenness; mypy took every subclass of Record for a dataclass of its
    # own, not frozen and with no defaults
    (tmp_path / "sub.py").write_text(
        "from abicheck.model import Macro, Provenance, RecordLayout\n"
        "class M(Macro): pass\n"
        "class P(Provenance): pass\n"
        "class R(RecordLayout): pass\n"
        "m = M('A', 'integer', 1, '1', 'a.h', 1)\n"
        "p = P(arch='mips')\n"
        "r = R('struct s', 'a.h', 1, 4, 4)\n"
        "line: int = m.line\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "sub.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
