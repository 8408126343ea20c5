"""Every command's JSON carries its format name and validates against the JSON Schema
abicheck ships for it (abicheck/schemas/)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from abicheck.cli import main
from abicheck.schemas import NAMES, schema

FIX = Path(__file__).parent / "fixtures"


def run_json(*argv: str) -> Any:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv], out, err)
    assert not code & 2, err.getvalue()  # no usage or input error (audit: bits 4, 8)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("name", NAMES)
def test_the_schemas_are_valid_schemas(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(name))
    one = schema(name)["items"] if schema(name)["type"] == "array" else schema(name)
    if name == "parse":  # a list of headers as before formats were named: no format key
        assert "format" not in one["properties"] and schema(name)["$id"] == "abicheck-parse"
    else:
        assert schema(name)["$id"] == one["properties"]["format"]["const"]


def _valid(name: str, data: dict) -> None:  # type: ignore[type-arg]
    jsonschema.Draft202012Validator(schema(name)).validate(data)
    assert data["format"] == schema(name)["$id"]


def test_compare_json(tmp_path: Path) -> None:
    _valid("compare", run_json("compare", "--format", "json"))
    data = run_json("compare", "arch:all", "--format", "json")
    _valid("compare", data)
    assert data["summary"]["differs"] > 0 and len(data["from_snapshot"]) == 11


def test_audit_json(tmp_path: Path) -> None:
    lock = tmp_path / "abi.lock.json"
    assert main(["snapshot", "embedded", "-o", str(lock)], io.StringIO(), io.StringIO()) == 0
    _valid("snapshot", json.loads(lock.read_text()))
    supp = tmp_path / "s.toml"
    supp.write_text('[[suppress]]\nname = "MADV_REMOVE"\nreason = "known"\n')
    data = run_json(
        "audit", "--baseline", str(lock), "system", "--suppressions", str(supp), "--format", "json"
    )
    _valid("audit", data)
    removed = next(c for c in data["changes"] if c["kind"] == "name_removed")
    assert removed["new"] is None and removed["new_at"] is None  # null, never ""
    assert any(c["suppressed_by"] for c in data["changes"])


def test_snapshot_json_of_every_architecture(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["snapshot", "arch:all"], out, io.StringIO()) == 0
    _valid("snapshot", json.loads(out.getvalue()))


def test_verify_json() -> None:
    _valid("verify", run_json("verify", "--only", "MADV_REMOVE", "--format", "json"))


def test_binding_json() -> None:
    go = FIX / "bindings" / "go"
    _valid("binding", run_json("binding", f"go:{go}", "--arch", "mips", "--format", "json"))


def test_layout_json() -> None:
    # one list, an object per architecture, each with the format name
    header = str(FIX / "layout" / "kinds.h")
    data = run_json("layout", "--arch", "amd64", "--arch", "m68k", "--format", "json", header)
    jsonschema.Draft202012Validator(schema("layout")).validate(data)
    assert [(d["format"], d["arch"]) for d in data] == [
        ("abicheck-layout/1", "amd64"),
        ("abicheck-layout/1", "m68k"),
    ]
    bits = next(t for t in data[1]["types"] if t["name"] == "struct bits")
    assert bits["members"][2]["bit_offset"] == 16  # m68k-linux-gnu-gcc: c at bit 16
    data = run_json("layout", "--format", "json", str(FIX / "layout" / "incomplete.h"))
    jsonschema.Draft202012Validator(schema("layout")).validate(data)
    assert data[0]["types"][1]["reason"] == "incomplete type struct missing"


def test_parse_json(tmp_path: Path) -> None:
    # one architecture (the list as before), and several (each object with its arch)
    validator = jsonschema.Draft202012Validator(schema("parse"))
    bad = tmp_path / "bad.h"
    bad.write_text("#error no\n")
    out, err = io.StringIO(), io.StringIO()
    assert main(["parse", "--format", "json", str(bad), "--arch", "m68k"], out, err) == 2
    failed = json.loads(out.getvalue())
    validator.validate(failed)
    assert failed[0]["defines"] == [] and "error" in failed[0]
    one = run_json("parse", "--format", "json", "--arch", "m68k", "linux/mman.h")
    validator.validate(one)
    assert "arch" not in one[0] and one[0]["path"] == "/usr/m68k-linux-gnu/include/linux/mman.h"
    several = run_json("parse", "--format", "json", "--arch", "m68k,alpha", "asm/mman.h")
    validator.validate(several)
    assert [h["arch"] for h in several] == ["m68k", "alpha"]
