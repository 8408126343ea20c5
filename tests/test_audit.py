"""Audits: a baseline snapshot against today's tables, suppressions, exit bits, progress."""

from __future__ import annotations

import io
import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from gcc_layout import gcc_values

from abicheck.audit import (
    EXIT_COMPATIBLE,
    EXIT_INCOMPATIBLE,
    AuditResult,
    Suppression,
    audit,
    load_suppressions,
    parse_suppressions,
)
from abicheck.cli import build_parser, main
from abicheck.model import AbicheckError, Macro, Provenance, Table
from abicheck.parse import Reader
from abicheck.progress import Progress, progress_enabled
from abicheck.resources import EMBEDDED_LABEL, embedded_header
from abicheck.schemas import schema
from abicheck.snapshot import dump_snapshot, load_snapshot
from abicheck.sources import load_sources, reread
from abicheck.sources.layout_tables import layout_tables

SYSTEM_MMAN = Path("/usr/include/linux/mman.h")
needs_system = pytest.mark.skipif(not SYSTEM_MMAN.exists(), reason="linux-libc-dev not installed")


def arm_table() -> Table:
    return Table(EMBEDDED_LABEL, "header", Reader().read(str(embedded_header())))


def system_table() -> Table:
    reader = Reader(["/usr/include/x86_64-linux-gnu", "/usr/include"])
    return Table("system", "system", reader.read(str(SYSTEM_MMAN)))


def baseline_file(tmp_path: Path) -> Path:
    path = tmp_path / "abi.lock.json"
    path.write_text(dump_snapshot([arm_table()]), encoding="utf-8")
    return path


def table(label: str, **values: int) -> Table:
    macros = tuple(
        Macro(name, "integer", v, str(v), f"{label}.h", i + 1)
        for i, (name, v) in enumerate(sorted(values.items()))
    )
    return Table(label, "file", macros)


def write(tmp_path: Path, text: str, name: str = "supp.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def arm_vs_system(tmp_path: Path, supp: list[Suppression] | None = None) -> AuditResult:
    baseline = load_snapshot(baseline_file(tmp_path))
    return audit(baseline, [system_table()], supp or [])


# -- the ARM baseline against the system headers -----------------------------------


@needs_system
def test_arm_baseline_against_system(tmp_path: Path) -> None:
    result = arm_vs_system(tmp_path)
    by_name = {c.name: c for c in result.changes}

    remove = by_name["MADV_REMOVE"]
    assert (remove.kind, remove.severity, remove.old, remove.new) == (
        "value_changed",
        "incompatible",
        5,
        9,
    )
    assert (remove.baseline_label, remove.label, remove.family) == (
        EMBEDDED_LABEL,
        "system",
        "MADV",
    )
    assert remove.old_at == "<abicheck>/headers/arm/mman.h:32"
    assert remove.new_at.startswith("/usr/include/asm-generic/mman-common.h:")

    for name, value in [("MADV_FREE", 8), ("MAP_FIXED_NOREPLACE", 0x100000), ("MCL_ONFAULT", 4)]:
        c = by_name[name]
        assert (c.kind, c.severity, c.old, c.new) == ("name_added", "compatible", None, value)
    # the ARM header's compatibility alias is not in the uapi headers any more
    anon = by_name["MAP_ANON"]
    assert (anon.kind, anon.severity, anon.old, anon.new) == (
        "name_removed",
        "incompatible",
        32,
        None,
    )

    # unchanged names, the include guard and compiler built-ins are not changes
    assert "MADV_DONTNEED" not in by_name and "PROT_READ" not in by_name
    assert not any(n.startswith("__") for n in by_name)
    incompatible = sorted(c.name for c in result.changes if c.severity == "incompatible")
    assert incompatible == ["MADV_REMOVE", "MAP_ANON"]

    assert result.found == EXIT_INCOMPATIBLE | EXIT_COMPATIBLE == 12
    assert result.exit_code("incompatible") == 12
    assert result.exit_code("any") == 12
    assert result.exit_code("never") == 0
    # sorted by label, family, name
    keys = [(c.label, c.family, c.name) for c in result.changes]
    assert keys == sorted(keys)


@needs_system
def test_suppressions_silence_exactly_what_they_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
# accepted differences
[[suppress]]
name = "MADV_REMOVE"
reason = "ARM's 2.6.16 header predates the generic numbering"

[[suppress]]
name = "MAP_ANON"
arch = "system"
kind = "name_removed"
reason = "glibc defines MAP_ANON itself"

[[suppress]]
name = "MAP_HUGE_*"
arch = "mips"
reason = "never matches: no mips source here"
""",
    )
    supp = load_suppressions(path)
    assert [(s.name, s.line) for s in supp] == [
        ("MADV_REMOVE", 2),
        ("MAP_ANON", 6),
        ("MAP_HUGE_*", 12),
    ]
    result = arm_vs_system(tmp_path, supp)

    assert sorted(c.name for c in result.suppressed) == ["MADV_REMOVE", "MAP_ANON"]
    assert result.counts()["incompatible"] == 0
    assert result.counts()["suppressed"] == 2
    assert result.found == EXIT_COMPATIBLE
    assert result.exit_code("incompatible") == 0
    assert result.exit_code("any") == 4
    # the additions are untouched
    assert all(not c.suppressed for c in result.changes if c.kind == "name_added")

    matched = {u.suppression.name: [c.name for c in u.matches] for u in result.matched}
    assert matched == {"MADV_REMOVE": ["MADV_REMOVE"], "MAP_ANON": ["MAP_ANON"]}
    assert [s.name for s in result.stale] == ["MAP_HUGE_*"]
    assert "1 stale suppression" in result.summary()

    data = result.to_json()
    assert [s["stale"] for s in data["suppressions"]] == [False, False, True]
    assert data["suppressions"][0]["matches"] == [
        {"label": "system", "name": "MADV_REMOVE", "kind": "value_changed"}
    ]
    json.dumps(data)  # JSON-ready


def test_suppression_patterns_arch_and_kind() -> None:
    base = [table("arch:hppa", MADV_A=1, MADV_B=2), table("arch:mips", MADV_A=1, MADV_B=2)]
    now = [table("arch:hppa", MADV_A=70, MADV_C=3), table("arch:mips", MADV_A=7, MADV_B=2)]
    supp = parse_suppressions(
        '[[suppress]]\nname = "MADV_*"\narch = "hppa"\nkind = "value_changed"\nreason = "r"\n'
    )
    result = audit(base, now, supp)
    got = {(c.label, c.name, c.kind): c.suppressed for c in result.changes}
    assert got == {
        ("arch:hppa", "MADV_A", "value_changed"): True,
        ("arch:hppa", "MADV_B", "name_removed"): False,  # other kind
        ("arch:hppa", "MADV_C", "name_added"): False,
        ("arch:mips", "MADV_A", "value_changed"): False,  # other arch
    }
    assert result.found == 12


def test_first_matching_suppression_wins_and_both_are_matched() -> None:
    supp = parse_suppressions(
        '[[suppress]]\nname = "MAP_*"\nreason = "a"\n[[suppress]]\nname = "MAP_X"\nreason = "b"\n'
    )
    result = audit([table("t", MAP_X=1)], [table("t", MAP_X=2)], supp)
    (change,) = result.changes
    assert change.suppressed_by is not None and change.suppressed_by.reason == "a"
    assert [len(u.matches) for u in result.suppressions] == [1, 1]
    assert result.stale == ()


# -- pairing -------------------------------------------------------------------------


def test_pairing_by_label_and_missing_sources() -> None:
    base = [table("arch:alpha", MAP_A=1), table("arch:mips", MAP_A=1)]
    now = [table("arch:mips", MAP_A=1), table("arch:sparc64", MAP_A=1)]
    result = audit(base, now)
    assert [(c.kind, c.label, c.severity) for c in result.changes] == [
        ("source_removed", "arch:alpha", "incompatible"),
        ("source_added", "arch:sparc64", "compatible"),
    ]
    assert result.found == 12
    # a source that disappeared can be accepted like any change
    supp = [Suppression("*", "alpha support dropped", arch="alpha")]
    assert audit(base, now, supp).exit_code("incompatible") == 0


def test_single_tables_pair_whatever_their_labels() -> None:
    base, now = [table("old", MAP_A=1)], [table("new", MAP_A=2)]
    (change,) = audit(base, now).changes
    assert (change.baseline_label, change.label, change.kind) == ("old", "new", "value_changed")
    strict = audit(base, now, pair="label").changes
    assert [(c.kind, c.label) for c in strict] == [
        ("source_added", "new"),
        ("source_removed", "old"),
    ]


def test_no_change_is_exit_zero() -> None:
    result = audit([table("t", MAP_A=1)], [table("t", MAP_A=1)])
    assert result.changes == () and result.found == 0
    assert result.exit_code("any") == 0 and result.exit_code("incompatible") == 0


def test_compatible_only_fails_only_with_any() -> None:
    result = audit([table("t", MAP_A=1)], [table("t", MAP_A=1, MAP_B=2)])
    assert result.exit_code("incompatible") == 0
    assert result.exit_code("any") == 4


def test_bad_audit_inputs() -> None:
    with pytest.raises(AbicheckError, match="labelled 't'"):
        audit([table("t"), table("t")], [table("t")])
    with pytest.raises(AbicheckError, match="no tables"):
        audit([], [table("t")])
    with pytest.raises(AbicheckError, match="fail-on"):
        audit([table("t")], [table("t")]).exit_code("sometimes")  # type: ignore[arg-type]


# -- suppression files ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[[suppress]]\nname = "A"\nreason = \n', 3, "invalid TOML"),
        ('[[suppress]]\nname = "A"\n', 1, "needs a 'reason'"),
        ('[[suppress]]\nreason = "r"\n', 1, "non-empty 'name'"),
        (
            '[[suppress]]\nname = "A"\nreason = "r"\n\n[[suppress]]\nname = 3\nreason = "r"\n',
            6,
            "'name' must be a string",
        ),
        ('[[suppress]]\nname = "A"\nreason = "r"\nkind = "changed"\n', 4, "'kind' must be one of"),
        ('[[suppress]]\nname = "A"\nreason = "r"\narhc = "mips"\n', 4, "unknown key 'arhc'"),
        ('[[suppress]]\nname = "A"\narch = ""\nreason = "r"\n', 3, "'arch' must not be empty"),
        ("# top\nsupress = 1\n", 2, "unknown key 'supress'"),
        ("suppress = 1\n", 1, "array of tables"),
    ],
)
def test_bad_suppression_files(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AbicheckError) as info:
        load_suppressions(path)
    err = info.value
    assert (err.file, err.line) == (str(path), line)
    assert message in err.message
    assert str(err).startswith(f"{path}:{line}: error: ")


def test_suppression_file_unreadable(tmp_path: Path) -> None:
    with pytest.raises(AbicheckError, match="no such file"):
        load_suppressions(tmp_path / "missing.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'[[suppress]]\nname = "\xe9"\n')
    with pytest.raises(AbicheckError) as info:
        load_suppressions(bad)
    assert str(info.value) == f"{bad}:2: error: not UTF-8 text"
    with pytest.raises(AbicheckError) as info:
        load_suppressions(tmp_path)
    assert str(info.value) == f"{tmp_path}: error: cannot read: not a regular file"


def test_empty_suppression_file(tmp_path: Path) -> None:
    assert load_suppressions(write(tmp_path, "# nothing accepted yet\n")) == []


# -- snapshots -----------------------------------------------------------------------


@needs_system
def test_snapshot_is_byte_identical_and_sorted(tmp_path: Path) -> None:
    first = dump_snapshot([system_table(), arm_table()])
    second = dump_snapshot([arm_table(), system_table()])
    assert first == second
    assert first.endswith("\n") and "\r" not in first
    data = json.loads(first)
    labels = [s["label"] for s in data["sources"]]
    assert labels == sorted(labels) == [EMBEDDED_LABEL, "system"]
    for src in data["sources"]:
        names = [m["name"] for m in src["macros"]]
        assert names == sorted(names)
        assert all(m["file"] not in ("<built-in>", "<command-line>") for m in src["macros"])
    # a fresh interpreter (other hash seed) writes the same bytes
    code = (
        "import sys; from abicheck.model import Table; from abicheck.parse import Reader;"
        "from abicheck.snapshot import dump_snapshot;"
        "from abicheck.resources import embedded_header, EMBEDDED_LABEL;"
        "r = Reader(['/usr/include/x86_64-linux-gnu', '/usr/include']);"
        "s = Table('system', 'system', r.read('/usr/include/linux/mman.h'));"
        "a = Table(EMBEDDED_LABEL, 'header', Reader().read(str(embedded_header())));"
        "sys.stdout.write(dump_snapshot([a, s]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out == first
    # and a snapshot read back and written again is unchanged
    path = tmp_path / "abi.lock.json"
    path.write_text(first, encoding="utf-8")
    assert dump_snapshot(load_snapshot(path)) == first


@needs_system
def test_audit_of_a_baseline_against_itself_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "abi.lock.json"
    path.write_text(dump_snapshot([arm_table(), system_table()]), encoding="utf-8")
    result = audit(load_snapshot(path), [arm_table(), system_table()])
    assert result.changes == ()
    assert result.exit_code("any") == 0


def one_macro_snapshot(**entry: object) -> str:
    """A snapshot of one source with one macro entry (``entry`` over a good one)."""
    macro = {"name": "MAP_A", "value": 1, "expr": "1", "file": "a.h", "line": 1, "comment": ""}
    source = {"label": "a", "kind": "header", "origin": {"path": "a.h"}, "macros": [macro]}
    for key, value in entry.items():
        if key.startswith("origin_"):
            source["origin"] = {"path": value}
        else:
            macro[key] = value
    data = {"format": "abicheck-snapshot/1", "abicheck": "0", "sources": [source]}
    return json.dumps(data, indent=2)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"value": True}, "value of MAP_A in source 'a' must be an integer, not true"),
        ({"value": "1"}, 'must be an integer, not "1"'),
        ({"value": 1.0}, "must be an integer, not 1.0"),
        ({"value": 1 << 64}, "outside [-2**63, 2**64): 18446744073709551616"),
        ({"value": -(1 << 63) - 1}, "outside [-2**63, 2**64)"),
        ({"name": "MAP A"}, "'MAP A' in source 'a' is not a C identifier"),
        ({"name": "1MAP"}, "is not a C identifier"),
        ({"name": "MAP@"}, "is not a C identifier"),  # (MAPÉ is one, as gcc reads it)
        ({"line": "3"}, "\"line\" of MAP_A in source 'a' must be a line number"),
        ({"line": True}, "must be a line number"),
        ({"expr": 1}, "\"expr\" of MAP_A in source 'a' must be a string, not 1"),
        ({"type": None}, "\"type\" of MAP_A in source 'a' must be a string"),
    ],
)
def test_snapshot_bad_macro_entry(tmp_path: Path, entry: dict[str, object], message: str) -> None:
    path = tmp_path / "abi.lock.json"
    text = one_macro_snapshot(**entry)
    path.write_text(text, encoding="utf-8")
    line = next(i + 1 for i, ln in enumerate(text.splitlines()) if '"name":' in ln)
    with pytest.raises(AbicheckError) as info:
        load_snapshot(path)
    assert (info.value.file, info.value.line) == (str(path), line)
    assert message in info.value.message
    assert str(info.value).startswith(f"{path}:{line}: error: bad snapshot: ")


def test_snapshot_bad_origin_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "abi.lock.json"
    path.write_text(one_macro_snapshot(origin_path=3), encoding="utf-8")
    with pytest.raises(AbicheckError) as info:
        load_snapshot(path)
    assert str(info.value) == (
        f"{path}:6: error: bad snapshot: \"origin\" of source 'a': 'path' must be a string, not 3"
    )
    # a name twice in one source: located at the second
    data = json.loads(dump_snapshot([table("a", MAP_A=1, MAP_B=2)]))
    data["sources"][0]["macros"].append(dict(data["sources"][0]["macros"][0]))
    text = json.dumps(data, indent=2)
    path.write_text(text, encoding="utf-8")
    second = [i + 1 for i, ln in enumerate(text.splitlines()) if '"name": "MAP_A"' in ln][1]
    with pytest.raises(AbicheckError) as info:
        load_snapshot(path)
    assert (
        str(info.value) == f"{path}:{second}: error: bad snapshot: MAP_A given twice in source 'a'"
    )
    # a label twice: located at the second, before any audit sees it
    text = dump_snapshot([table("a", MAP_A=1)])
    data = json.loads(text)
    data["sources"].append(data["sources"][0])
    text = json.dumps(data, indent=2)
    path.write_text(text, encoding="utf-8")
    second = [i + 1 for i, ln in enumerate(text.splitlines()) if '"label": "a"' in ln][1]
    with pytest.raises(AbicheckError) as info:
        load_snapshot(path)
    assert str(info.value) == f"{path}:{second}: error: bad snapshot: source 'a' given twice"


def test_audit_names_the_baseline_file_for_duplicate_labels() -> None:
    twice = [table("a", MAP_A=1), table("a", MAP_A=2)]
    with pytest.raises(AbicheckError) as info:
        audit(twice, [table("a", MAP_A=1)], baseline_file="abi.lock.json")
    assert str(info.value) == "abi.lock.json: error: two baseline sources are labelled 'a'"


def test_snapshot_nested_too_deeply(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000, encoding="utf-8")
    with pytest.raises(AbicheckError) as info:
        load_snapshot(path)
    assert str(info.value) == f"{path}: error: invalid snapshot: JSON nested too deeply"


def test_snapshot_integer_too_long_for_json(tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    path.write_text(one_macro_snapshot().replace('"value": 1', '"value": ' + "9" * 5000))
    with pytest.raises(AbicheckError) as info:
        load_snapshot(path)
    assert info.value.file == str(path) and "invalid JSON" in info.value.message


def test_snapshot_records_and_reads_back_the_type(tmp_path: Path) -> None:
    macros = (
        Macro("MAP_A", "integer", 1, "1UL", "a.h", 1, ctype="unsigned long"),
        Macro("MAP_B", "integer", 2, "2", "a.h", 2),
    )
    text = dump_snapshot([Table("a", "header", macros)])
    assert [m["type"] for m in json.loads(text)["sources"][0]["macros"]] == ["unsigned long", ""]
    path = tmp_path / "abi.lock.json"
    path.write_text(text, encoding="utf-8")
    (back,) = load_snapshot(path)
    assert [m.ctype for m in back.macros] == ["unsigned long", ""]
    assert dump_snapshot([back]) == text
    # an older snapshot without types reads as unknown types
    old = json.loads(text)
    for m in old["sources"][0]["macros"]:
        del m["type"]
    path.write_text(json.dumps(old), encoding="utf-8")
    assert [m.ctype for m in load_snapshot(path)[0].macros] == ["", ""]


def test_audit_and_compare_share_the_source_record() -> None:
    from abicheck.audit import SourceInfo
    from abicheck.compare import Source, compare

    one = (Macro("MAP_A", "integer", 1, "1", "a.h", 1),)
    t = Table("a", "header", one, Provenance(path="a.h", data_model="lp64"))
    result = audit([t], [t])
    assert result.baseline == (Source("a", "header", {"path": "a.h", "data_model": "lp64"}),)
    assert SourceInfo is Source
    assert result.to_json()["baseline"] == [s.to_json() for s in compare([t]).sources]
    assert list(result.to_json()["baseline"][0]["origin"]) == ["data_model", "path"]


# -- progress ------------------------------------------------------------------------


def read_all(fd: int) -> str:
    chunks = []
    while select.select([fd], [], [], 0.2)[0]:
        chunks.append(os.read(fd, 4096))
    return b"".join(chunks).decode()


def test_progress_on_a_real_terminal() -> None:
    master, slave = os.openpty()
    try:
        with open(slave, "w", encoding="utf-8", closefd=False) as tty:
            env = {k: v for k, v in os.environ.items() if k != "CI"}
            progress = Progress(tty, environ=env)
            assert progress.enabled
            for i, label in enumerate(["arch:alpha", "arch:mips", "arch:sparc64"]):
                progress(i, 3, label)
            progress(3, 3, "")
        written = read_all(master)
    finally:
        os.close(master)
        os.close(slave)
    assert "[0/3] arch:alpha" in written and "[2/3] arch:sparc64" in written
    assert written.endswith("\r\x1b[K")  # the line is cleared at the end


def test_progress_is_quiet_in_pipes_and_ci() -> None:
    buf = io.StringIO()
    p = Progress(buf, environ={})
    p(1, 3, "arch:mips")
    p.close()
    assert buf.getvalue() == "" and not p.enabled
    master, slave = os.openpty()
    try:
        with open(slave, "w", encoding="utf-8", closefd=False) as tty:
            assert progress_enabled(tty, {})
            assert not progress_enabled(tty, {"CI": "true"})
    finally:
        os.close(master)
        os.close(slave)


# -- documentation and hooks -----------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_documented_suppressions_parse() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```toml\n")[1:]]
    block = next(b for b in blocks if "[[suppress]]" in b)  # the first such example
    supp = parse_suppressions(block, "README.md")
    assert [(s.name, s.arch, s.kind) for s in supp] == [
        ("MADV_*", "hppa", "value_changed"),
        ("MAP_ANON", None, "name_removed"),
    ]


def test_pre_commit_hooks() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"abicheck-emit-check", "abicheck-audit"}
    assert by_id["abicheck-emit-check"]["entry"] == "abicheck emit"
    assert by_id["abicheck-audit"]["entry"] == "abicheck audit"
    # the documented hook arguments are a valid command line for the real parser
    parser = build_parser()
    emit_args = parser.parse_args(["emit", "--lang", "python", "--check", "x.py"])
    assert (emit_args.lang, emit_args.check) == ("python", "x.py")
    audit_argv = ["audit", *by_id["abicheck-audit"]["args"], "arch:all"]
    assert parser.parse_args(audit_argv).baseline == "abi.lock.json"
    for h in hooks:
        assert h["language"] == "python" and h["pass_filenames"] is False
        assert {"id", "name", "entry", "language"} <= set(h)


def test_suppressions_nested_too_deeply(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("[a]\nx = " + "[" * 2000 + "]" * 2000 + "\n")
    with pytest.raises(AbicheckError) as info:
        load_suppressions(str(path))
    assert str(info.value) == f"{path}: error: invalid TOML: nested too deeply"


# -- layouts ------------------------------------------------------------------------------

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"
needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def layout_baseline(tmp_path: Path) -> tuple[Path, Path]:
    """A snapshot of v1.h's layouts, taken from ``tmp/abi.h``, which then becomes v2.h."""
    header = tmp_path / "abi.h"
    header.write_text((LAYOUTS / "v1.h").read_text(encoding="utf-8"), encoding="utf-8")
    lock = tmp_path / "abi.lock.json"
    assert cli("snapshot", "--layouts", str(header), "-o", str(lock)) == (0, "", "")
    header.write_text((LAYOUTS / "v2.h").read_text(encoding="utf-8"), encoding="utf-8")
    return header, lock


@needs_gcc
def test_audit_of_layouts_against_a_snapshot_with_changed_structs(tmp_path: Path) -> None:
    header, lock = layout_baseline(tmp_path)
    code, out, err = cli("audit", "--baseline", str(lock), "--format", "json")
    assert code == EXIT_INCOMPATIBLE | EXIT_COMPATIBLE and err == ""
    data = json.loads(out)
    jsonschema.Draft202012Validator(schema("audit")).validate(data)
    changes = {(c["name"], c["kind"]): (c["old"], c["new"]) for c in data["changes"]}
    exprs = [
        "sizeof(struct point)",
        "sizeof(struct rec)",
        "_Alignof(struct rec)",
        "__builtin_offsetof(struct point, z)",
        "__builtin_offsetof(struct rec, value)",
        "__builtin_offsetof(struct gone, b)",
    ]
    old = gcc_values("gcc", f'#include "{LAYOUTS / "v1.h"}"', exprs[:3])
    new = gcc_values("gcc", f'#include "{header}"', exprs)
    assert changes == {
        ("offsetof(struct point, z)", "member_added_at_end"): (
            None,
            new["__builtin_offsetof(struct point, z)"],
        ),
        ("sizeof(struct point)", "value_changed"): (
            old["sizeof(struct point)"],
            new["sizeof(struct point)"],
        ),
        ("sizeof(struct rec)", "value_changed"): (
            old["sizeof(struct rec)"],
            new["sizeof(struct rec)"],
        ),
        ("_Alignof(struct rec)", "value_changed"): (
            old["_Alignof(struct rec)"],
            new["_Alignof(struct rec)"],
        ),
        ("offsetof(struct rec, value)", "value_changed"): (
            8,
            new["__builtin_offsetof(struct rec, value)"],
        ),
        ("offsetof(struct gone, a)", "name_removed"): (0, None),
        ("offsetof(struct gone, b)", "name_added"): (
            None,
            new["__builtin_offsetof(struct gone, b)"],
        ),
    }
    # --type narrows the baseline's layouts too (read again from their provenance)
    code, out, _ = cli(
        "audit", "--baseline", str(lock), "--type", "struct gone", "--format", "json"
    )
    kinds = [(c["name"], c["kind"]) for c in json.loads(out)["changes"]]
    assert (code, kinds) == (
        EXIT_INCOMPATIBLE | EXIT_COMPATIBLE,
        [("offsetof(struct gone, a)", "name_removed"), ("offsetof(struct gone, b)", "name_added")],
    )
    # the table says what each change is; gcc: struct point was 8 bytes, z is at 8
    code, out, _ = cli("audit", "--baseline", str(lock), "--format", "junit")
    assert (
        "member_added_at_end: offsetof(struct point, z) (8) added at the end of struct "
        "point: its size grows, incompatible for arrays of it, types embedding it and "
        "callers that allocate it"
    ) in out


@needs_gcc
def test_a_struct_grown_at_its_end_passes_with_its_size_change_suppressed(tmp_path: Path) -> None:
    """member_added_at_end is compatible (bit 4); the sizeof change beside it is what
    fails, and an extensible struct's owner suppresses just that."""
    header, lock = layout_baseline(tmp_path)
    supp = write(
        tmp_path,
        '[[suppress]]\nname = "sizeof(struct point)"\nkind = "value_changed"\n'
        'reason = "struct point is passed with its size"\n',
    )
    code, _, _ = cli(
        "audit", "--baseline", str(lock), "--layouts", "--type", "struct point",
        str(header), "--suppressions", str(supp),
    )  # fmt: skip
    assert code == 0  # compatible only: passes under --fail-on incompatible
    code, _, _ = cli(
        "audit", "--baseline", str(lock), "--layouts", "--type", "struct point",
        str(header), "--suppressions", str(supp), "--fail-on", "any",
    )  # fmt: skip
    assert code == EXIT_COMPATIBLE


def test_layout_snapshot_round_trip(tmp_path: Path) -> None:
    tables = layout_tables(load_sources([str(LAYOUTS / "v1.h")]), patterns=["struct point"])
    text = dump_snapshot(tables)
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    again = load_snapshot(path)
    assert [(t.label, t.kind, t.origin) for t in again] == [
        (t.label, t.kind, t.origin) for t in tables
    ]
    assert again[0].values() == tables[0].values()
    assert sorted(again[0].values()) == [
        "_Alignof(struct point)",
        "offsetof(struct point, x)",
        "offsetof(struct point, y)",
        "sizeof(struct point)",
    ]
    assert again[0].origin.noted("types") == "struct point"
    assert dump_snapshot(again) == text
    jsonschema.Draft202012Validator(schema("snapshot")).validate(json.loads(text))
    # read again from its provenance: the same table
    assert reread(again)[0].values() == tables[0].values()


def test_a_layout_snapshot_entry_must_be_a_layout_name(tmp_path: Path) -> None:
    tables = layout_tables(load_sources([str(LAYOUTS / "v1.h")]), patterns=["struct point"])
    data = json.loads(dump_snapshot(tables))
    data["sources"][0]["macros"][0]["name"] = "sizeof(struct point"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    line = path.read_text().splitlines().index('          "name": "sizeof(struct point",') + 1
    with pytest.raises(AbicheckError) as exc:
        load_snapshot(path)
    assert str(exc.value) == (
        f"{path}:{line}: error: bad snapshot: 'sizeof(struct point' in layout source "
        f"'{LAYOUTS / 'v1.h'}' is not a layout name such as sizeof(struct stat) or "
        "offsetof(struct stat, st_mode)"
    )


def test_a_baseline_of_nothing_is_refused(tmp_path: Path) -> None:
    """A snapshot of no source, or of a source with no macro, would pass every audit."""
    path = tmp_path / "abi.lock.json"
    data = json.loads(dump_snapshot([table("a", MAP_A=1)]))
    data["sources"][0]["macros"] = []
    text = json.dumps(data, indent=2)
    path.write_text(text, encoding="utf-8")
    at = next(i + 1 for i, ln in enumerate(text.splitlines()) if '"sources"' in ln)
    out, err = io.StringIO(), io.StringIO()
    assert main(["audit", "--baseline", str(path)], out, err) == 2
    assert err.getvalue() == f"{path}:{at}: error: bad snapshot: no source holds a macro\n"
    # one empty source beside others still reads (an older abicheck wrote such files)
    data["sources"].append(json.loads(dump_snapshot([table("b", MAP_B=2)]))["sources"][0])
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    assert [(t.label, len(t.macros)) for t in load_snapshot(path)] == [("a", 0), ("b", 1)]
    data["sources"] = []
    text = json.dumps(data, indent=2)
    path.write_text(text, encoding="utf-8")
    at = next(i + 1 for i, ln in enumerate(text.splitlines()) if '"sources"' in ln)
    with pytest.raises(AbicheckError) as info:
        load_snapshot(path)
    assert str(info.value) == f'{path}:{at}: error: bad snapshot: "sources" is empty'


def test_snapshot_of_a_source_with_no_integer_macro_exits_2(tmp_path: Path) -> None:
    header = tmp_path / "strings.h"
    header.write_text('#define NAME "x"\n#define F(x) x\n')
    output = tmp_path / "abi.lock.json"
    out, err = io.StringIO(), io.StringIO()
    assert main(["snapshot", str(header), "-o", str(output)], out, err) == 2
    assert err.getvalue() == f"abicheck: error: nothing to snapshot: no integer macro in {header}\n"
    assert not output.exists() and out.getvalue() == ""
    # a header that declares no struct gives an empty layout table: refused too
    out, err = io.StringIO(), io.StringIO()
    assert main(["snapshot", "--layouts", str(header), "-o", str(output)], out, err) == 2
    assert err.getvalue() == (
        f"abicheck: error: nothing to snapshot: no struct or union laid out in {header}\n"
    )
    assert not output.exists()
    with pytest.raises(AbicheckError, match="^abicheck: error: nothing to snapshot: no sources$"):
        dump_snapshot([])
    # one empty source beside others is kept (arch:all of a header some lack)
    other = tmp_path / "map.h"
    other.write_text("#define MAP_A 1\n")
    assert main(["snapshot", str(header), str(other), "-o", str(output)], out, err) == 0
    assert [(t.label, len(t.macros)) for t in load_snapshot(output)] == [
        (str(other), 1),
        (str(header), 0),
    ]
