"""``abicheck binding``: bindings' tables checked per architecture against the kernel's
headers (installed cross headers, or the shipped snapshot) and the C library's
(Debian's libc6-dev-<arch>-cross), on the real upstream files in tests/fixtures/bindings."""

from __future__ import annotations

import io
import json
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
        "abicheck: error: 'arch:mips' is not a binding; give one of: "
        "go:DIR, rust:DIR, zig:FILE, musl:DIR\n",
    )
    code, _, err = run("binding", GO, "--arch", "alpha")
    assert code == 2 and "--arch alpha: the binding has no such table" in err
    code, _, err = run("binding", "go:/nonexistent")
    assert code == 2 and err.startswith("/nonexistent")
    with pytest.raises(AbicheckError, match="no binding tables"):
        check_binding([])


def test_a_git_checkout_of_the_binding_records_its_commit(tmp_path: Path) -> None:
    import shutil
    import subprocess

    repo = tmp_path / "sys"
    shutil.copytree(FIX / "go", repo)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    for spec in (f"go:{repo}", f"go:{repo / 'unix'}"):
        code, out, _ = run("binding", spec, "--arch", "mips", "--format", "json")
        assert code == 0 and json.loads(out)["binding"]["commit"] == head.strip()
    # files copied into another project's checkout are no checkout of the binding
    code, out, _ = run("binding", GO, "--arch", "mips", "--format", "json")
    assert "commit" not in json.loads(out)["binding"]


def test_binding_sources_work_in_compare_snapshot_audit_and_emit(tmp_path: Path) -> None:
    lock = tmp_path / "b.json"
    assert run("snapshot", GO, "-o", str(lock)) == (0, "", "")
    code, out, err = run("audit", "--baseline", str(lock), "--fail-on", "any")
    assert (code, err) == (0, ""), out  # read again from each table's provenance
    code, out, _ = run("compare", ZIG, "--only", "MAP_32BIT")
    assert code == 0 and "MAP_32BIT: only on zig:amd64, zig:i386, zig:mips" in out
    code, out, _ = run("emit", f"{GO}", "--lang", "python")
    assert code == 0 and '"go:mips": {' in out and '"MAP_RENAME": 0x800,' in out


RUST = f"rust:{FIX / 'rust' / 'libc-0.2.139'}"


def test_rust_0_2_139_powerpc64_musl_map_locked_and_noreserve_are_wrong() -> None:
    """libc 0.2.60 to 0.2.174 had powerpc64(le) musl's MAP_LOCKED and MAP_NORESERVE
    wrong; 0.2.139 (Debian's) shows exactly those four rows, MAP_32BIT colliding with
    MAP_NORESERVE there (still so at the crate's HEAD, says the issue), and hexagon
    musl's MAP_UNINITIALIZED still 0, the value the uapi header once gave it without
    CONFIG_MMAP_ALLOW_UNINITIALIZED (it is 0x4000000 whatever the configuration now)."""
    result, by = rows(RUST)
    wrong = sorted((r.table, r.name, r.value, r.kernel) for r in result.rows if r.status == "wrong")
    assert wrong == [
        ("rust-musl:hexagon", "MAP_UNINITIALIZED", 0, 0x4000000),
        ("rust-musl:ppc64", "MAP_LOCKED", 0x2000, 0x80),
        ("rust-musl:ppc64", "MAP_NORESERVE", 0x4000, 0x40),
        ("rust-musl:ppc64el", "MAP_LOCKED", 0x2000, 0x80),
        ("rust-musl:ppc64el", "MAP_NORESERVE", 0x4000, 0x40),
    ]
    r = by[("rust-musl:ppc64", "MAP_LOCKED")]
    assert r.at == "src/unix/linux_like/linux/musl/b64/powerpc64.rs:168" and r.libc == 0x80
    for table in ("rust-musl:ppc64", "rust-musl:ppc64el"):
        c = by[(table, "MAP_32BIT")]
        assert (c.status, c.value, c.collides_with) == ("collides", 0x40, "MAP_NORESERVE")
    assert by[("rust-gnu:ppc64", "MAP_LOCKED")].status == "same"
    assert result.exit_code() == 1


def test_rust_targets_are_selected() -> None:
    code, out, err = run("binding", RUST, "--rust-target", "powerpc64-musl", "--format", "json")
    assert code == 1 and err == ""
    assert {r["table"] for r in json.loads(out)["rows"]} == {"rust-musl:ppc64"}
    code, _, err = run("binding", RUST, "--rust-target", "vax")
    assert code == 2 and "unknown Rust target 'vax'" in err


def test_the_fixtures_are_the_upstream_files_their_source_notes_name() -> None:
    """Every sha256 a SOURCE.md lists (``<sha256>  <file>``) holds for the committed
    file, and Zig's linux.zig is whole: its size and line count are upstream's."""
    import hashlib
    import re

    checked = 0
    for note in FIX.glob("*/SOURCE.md"):
        for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", note.read_text(), re.M):
            found = [p for p in note.parent.rglob(Path(name).name) if p.is_file()]
            match = [p for p in found if p.as_posix().endswith(name)]
            assert len(match) == 1, (note, name)
            assert hashlib.sha256(match[0].read_bytes()).hexdigest() == digest, match[0]
            checked += 1
    assert checked >= 16  # Go's 16 files at least
    zig = (FIX / "zig" / "lib" / "std" / "os" / "linux.zig").read_bytes()
    assert (len(zig), zig.count(b"\n")) == (324241, 11372)
    assert hashlib.sha256(zig).hexdigest() == (
        "99ca417fabe39a928b282ece89ad5e222fe33a992c99d03578c52f6511b0688c"
    )


@pytest.mark.parametrize("source", ["go:go", "zig:zig/lib/std/os/linux.zig"])
def test_rust_target_is_refused_for_a_binding_that_is_not_rusts(source: str) -> None:
    kind, _, path = source.partition(":")
    spec = f"{kind}:{FIX / path}"
    assert run("binding", spec, "--rust-target", "mips") == (
        2,
        "",
        "abicheck: error: --rust-target selects the targets of a rust: binding; "
        f"{spec!r} is none\n",
    )


def test_rust_target_goes_through_a_label() -> None:
    rust = FIX / "rust" / "libc-0.2.139"
    code, out, err = run("binding", f"x=rust:{rust}", "--rust-target", "powerpc64-musl")
    assert (code, err) == (1, "")  # the six-year MAP_LOCKED 0x2000 (the kernel's 0x80)
    row = next(line.split() for line in out.splitlines() if " MAP_LOCKED " in line)
    assert row[:4] == ["x", "MAP_LOCKED", "wrong", "0x2000"] and "0x80" in row
    spec = f"x=go:{FIX / 'go'}"
    code, _, err = run("binding", spec, "--rust-target", "mips")
    assert (code, err) == (
        2,
        "abicheck: error: --rust-target selects the targets of a rust: binding; "
        f"{spec!r} is none\n",
    )
