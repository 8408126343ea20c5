"""``abicheck binding``: bindings' tables checked per architecture against the kernel's
headers (installed cross headers, or the shipped snapshot) and the C library's
(Debian's libc6-dev-<arch>-cross), on the real upstream files in tests/fixtures/bindings."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from abicheck.bindings.check import check_binding, same_bits
from abicheck.cli import main
from abicheck.model import AbicheckError
from abicheck.sources import SourceOptions, load_sources

FIX = Path(__file__).parent / "fixtures" / "bindings"
GO = f"go:{FIX / 'go'}"
ZIG = f"zig:{FIX / 'zig' / 'lib' / 'std' / 'os' / 'linux.zig'}"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def rows(source: str, **kw: object):  # type: ignore[no-untyped-def]
    result = check_binding(load_sources([source]), SourceOptions(), **kw)  # type: ignore[arg-type]
    return result, {(r.table, r.name): r for r in result.rows}


def test_same_bits() -> None:
    assert same_bits(-0x78000000, 0x88000000)  # Go's MFD_HUGE_16GB, a 32-bit word
    assert same_bits(-1, 0xFFFFFFFFFFFFFFFF)
    assert not same_bits(0x40, 0x2000)
    assert not same_bits(-0x78000000, 0x88000001)


def test_go_mips_map_rename_is_the_c_librarys_value_not_wrong() -> None:
    result, by = rows(GO)
    for arch in ("mips", "mipsel", "mips64", "mips64el"):
        r = by[(f"go:{arch}", "MAP_RENAME")]
        assert (r.status, r.value, r.kernel, r.libc) == ("libc-value", 0x800, 0x20, 0x800)
        assert r.at == f"unix/zerrors_linux_{arch.replace('el', 'le')}.go:121"
    assert result.summary()["wrong"] == 0
    assert result.summary()["collides"] == 0
    assert result.exit_code() == 0
    # MAP_ANON is the C library's name; loong64 has no C library headers here, and it
    # is MAP_ANONYMOUS's other spelling, so no collision
    assert by[("go:amd64", "MAP_ANON")].status == "libc-value"
    assert by[("go:loong64", "MAP_ANON")].status == "extra"
    # names the kernel has and Go 0.3.0 lacks
    assert by[("go:amd64", "MADV_COLLAPSE")].status == "missing"
    # Go writes MFD_HUGE_16GB as a signed 32-bit word: the same constant
    assert by[("go:amd64", "MFD_HUGE_16GB")].status == "same"


def test_go_against_the_kernel_alone_calls_map_rename_wrong() -> None:
    result, by = rows(GO, against=("arch",), arches=["mips"])
    assert {r.table for r in result.rows} == {"go:mips"}
    assert by[("go:mips", "MAP_RENAME")].status == "wrong"
    assert result.exit_code() == 1


def test_zig_mips_map_32bit_collides_with_map_autogrow() -> None:
    result, by = rows(ZIG)
    for arch in ("mips", "mipsel", "mips64", "mips64el"):
        r = by[(f"zig:{arch}", "MAP_32BIT")]
        assert (r.status, r.value, r.collides_with) == ("collides", 0x40, "MAP_AUTOGROW")
    assert by[("zig:amd64", "MAP_32BIT")].status == "same"
    # five flags missing behind padding on riscv64
    missing = {n for (t, n), r in by.items() if t == "zig:riscv64" and r.status == "missing"}
    assert {"MAP_GROWSDOWN", "MAP_DENYWRITE", "MAP_EXECUTABLE", "MAP_LOCKED"} <= missing
    assert "MAP_NORESERVE" in missing
    assert result.exit_code() == 1
    # architectures abicheck does not know are reported, not dropped
    unchecked = dict(result.unchecked)
    assert (
        "zig:armeb" in unchecked and "not an architecture abicheck knows" in unchecked["zig:armeb"]
    )


def test_binding_command_json(tmp_path: Path) -> None:
    code, out, err = run("binding", GO, "--arch", "mips", "--format", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["format"] == "abicheck-binding/1"
    assert data["binding"]["kind"] == "go" and data["binding"]["path"].endswith("bindings/go")
    assert data["against"] == ["arch", "libc"]
    row = next(r for r in data["rows"] if r["name"] == "MAP_RENAME")
    assert row == {
        "table": "go:mips",
        "arch": "mips",
        "name": "MAP_RENAME",
        "family": "MAP",
        "status": "libc-value",
        "value": 0x800,
        "kernel": 0x20,
        "libc": 0x800,
        "at": "unix/zerrors_linux_mips.go:121",
        "collides_with": None,
        "suppressed_by": None,
    }
    assert set(data["summary"]) == {"same", "wrong", "libc-value", "collides", "extra", "missing"}


def test_binding_command_suppressions_and_formats(tmp_path: Path) -> None:
    supp = tmp_path / "s.toml"
    supp.write_text(
        '[[suppress]]\nname = "MAP_32BIT"\narch = "mips*"\nstatus = "collides"\n'
        'reason = "Zig keeps MAP.32BIT for every arch"\n'
        '[[suppress]]\nname = "MAP_NOTHING"\nreason = "stale on purpose"\n'
    )
    code, out, _ = run("binding", ZIG, "--arch", "mips", "--suppressions", str(supp))
    assert code == 0, out
    assert "collides (suppressed) with MAP_AUTOGROW" in out
    code, out, _ = run(
        "binding", ZIG, "--arch", "mips", "--suppressions", str(supp), "--format", "json"
    )
    stale = [s for s in json.loads(out)["suppressions"] if s["stale"]]
    assert [s["name"] for s in stale] == ["MAP_NOTHING"]
    for fmt in ("table", "markdown", "junit", "html"):
        code, out, err = run("binding", ZIG, "--arch", "mips", "--format", fmt)
        assert code == 1 and err == "" and "MAP_32BIT" in out, fmt
    bad = tmp_path / "bad.toml"
    bad.write_text('[[suppress]]\nname = "X"\nstatus = "odd"\nreason = "r"\n')
    code, _, err = run("binding", ZIG, "--suppressions", str(bad))
    assert code == 2
    assert err.startswith(f"{bad}:3: error: 'status' must be one of same, wrong, libc-value")


def test_binding_errors() -> None:
    code, _, err = run("binding", "arch:mips")
    assert (code, err) == (
        2,
        "abicheck: error: 'arch:mips' is not a binding; give one of: go:DIR, zig:FILE, musl:DIR\n",
    )
    code, _, err = run("binding", GO, "--arch", "alpha")
    assert code == 2 and "--arch alpha: the binding has no such table" in err
    code, _, err = run("binding", "go:/nonexistent")
    assert code == 2 and err.startswith("/nonexistent")
    with pytest.raises(AbicheckError, match="no binding tables"):
        check_binding([])


def test_a_whole_binding_in_under_two_seconds() -> None:
    start = time.perf_counter()
    assert run("binding", GO)[0] == 0
    assert time.perf_counter() - start < 2.0
