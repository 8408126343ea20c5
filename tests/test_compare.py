"""The comparison and its renderings, on the real sources and on small built tables."""

from __future__ import annotations

import io
import json
import random
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from gcc_layout import CROSS, gcc_values, have

from abicheck.arches import lookup
from abicheck.cli import main
from abicheck.compare import Comparison, compare, family_of, format_value
from abicheck.model import AbicheckError, Macro, Table
from abicheck.report import COMPARISON_FORMATS, render_comparison, render_comparison_report
from abicheck.resources import EMBEDDED_LABEL
from abicheck.schemas import schema
from abicheck.sources import SourceOptions, default_sources, installed_dirs, load_sources
from abicheck.sources.layout_tables import layout_tables

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


def table(label: str, values: dict[str, int | str], kind: str = "header") -> Table:
    """A table of integer macros (a str value: defined as that other name)."""
    resolved = {n: (values[v] if isinstance(v, str) else v) for n, v in values.items()}
    macros = tuple(
        Macro(n, "integer", int(resolved[n]), str(v), f"{label}.h", i + 1)
        for i, (n, v) in enumerate(sorted(values.items()))
    )
    return Table(label, kind, macros)


@pytest.fixture(scope="module")
def default() -> Comparison:
    return compare(default_sources())


@pytest.fixture(scope="module")
def matrix() -> Comparison:
    return compare(load_sources(["arch:all"]))


# -- the main job -------------------------------------------------------------------------


def test_default_madv_remove_differs(default: Comparison) -> None:
    row = next(r for r in default.rows if r.name == "MADV_REMOVE")
    assert row.status == "differs"
    assert row.values == {EMBEDDED_LABEL: 5, "system": 9, "libc": 9, "python": 9}
    assert default.exit_code() == 1
    assert default.findings[0].kind == "differs"
    assert default.findings[0].text == (
        "MADV_REMOVE: arm-2.6.16 says 5, system, libc, python say 9"
    )
    assert [r.name for r in default.rows if r.status == "differs"] == ["MADV_REMOVE"]


def test_default_lacks_findings(default: Comparison) -> None:
    lacks = [f for f in default.findings if f.kind == "lacks" and f.name == EMBEDDED_LABEL]
    assert lacks
    text = " ".join(f.text for f in lacks)
    for name in ("MADV_FREE", "MADV_HUGEPAGE", "MAP_STACK", "MADV_COLD"):
        assert name in text
    assert lacks[0].text.startswith("arm-2.6.16 lacks 11 names that the others have: ")


def test_default_alias_marked(default: Comparison) -> None:
    row = next(r for r in default.rows if r.name == "MAP_ANON")
    assert row.values[EMBEDDED_LABEL] == 0x20
    assert row.aliases == {EMBEDDED_LABEL: "MAP_ANONYMOUS", "libc": "MAP_ANONYMOUS"}
    assert "MAP_ANON (alias of MAP_ANONYMOUS)" in render_comparison(default)


def test_default_only_mman_families(default: Comparison) -> None:
    families = {r.family for r in default.rows}
    assert families <= {
        "PROT", "MAP", "MADV", "POSIX_MADV", "MS", "MCL", "MREMAP", "MLOCK", "PKEY",
        "OVERCOMMIT",
    }  # fmt: skip
    names = {r.name for r in default.rows}
    assert "__ARM_MMAN_H__" not in names and "__x86_64__" not in names
    assert not any(n.startswith("HUGETLB_") for n in names)
    fams = [r.family for r in default.rows]
    assert fams.index("PROT") < fams.index("MAP") < fams.index("MADV")


def test_arch_matrix_findings(matrix: Comparison) -> None:
    texts = {f.name: f.text for f in matrix.findings if f.kind == "differs"}
    assert texts["MAP_ANONYMOUS"] == (
        "MAP_ANONYMOUS: 0x20 on 24 architectures; 0x800 on mips, mips64, mips64el, mipsel, "
        "xtensa; 0x10 on alpha, hppa, hppa64"
    )
    assert texts["MADV_DONTNEED"] == "MADV_DONTNEED: 4 on 31 architectures; 6 on alpha"
    partial = {f.name: f.text for f in matrix.findings if f.kind == "partial"}
    assert partial["MAP_32BIT"] == "MAP_32BIT: only on amd64, i386, x32"
    assert matrix.exit_code() == 1
    row = next(r for r in matrix.rows if r.name == "MADV_REMOVE")
    assert row.status == "same" and set(row.values.values()) == {9}


def test_arch_matrix_snapshot_equals_installed(matrix: Comparison) -> None:
    snap = compare(load_sources(["arch:all"], SourceOptions(arch_from="snapshot")))
    assert [r.values for r in snap.rows] == [r.values for r in matrix.rows]
    assert {s.origin["from"] for s in snap.sources} == {"snapshot"}


def test_only_filter(default: Comparison) -> None:
    cmp = compare(default_sources(), only=["MS"])
    assert [r.name for r in cmp.rows] == ["MS_ASYNC", "MS_INVALIDATE", "MS_SYNC"]
    cmp = compare(default_sources(), only=["MADV_D", "PROT_"])
    assert {r.family for r in cmp.rows} == {"MADV", "PROT"}
    assert all(r.name.startswith(("MADV_D", "PROT_")) for r in cmp.rows)
    assert cmp.exit_code() == 0
    with pytest.raises(AbicheckError, match="non-empty"):
        compare(default_sources(), only=[" "])


# -- statuses, exit codes, order ----------------------------------------------------------


def test_statuses_and_exit_codes() -> None:
    a = table("a", {"MAP_X": 1, "MAP_Y": 2, "MAP_Z": 4})
    b = table("b", {"MAP_X": 1, "MAP_Y": 3})
    cmp = compare([a, b])
    assert {r.name: r.status for r in cmp.rows} == {
        "MAP_X": "same",
        "MAP_Y": "differs",
        "MAP_Z": "partial",
    }
    assert cmp.exit_code() == 1 and cmp.exit_code("partial") == 1 and cmp.exit_code("never") == 0
    only_partial = compare([a, table("c", {"MAP_X": 1, "MAP_Y": 2})])
    assert only_partial.exit_code() == 0 and only_partial.exit_code("partial") == 1
    with pytest.raises(AbicheckError, match="unknown --fail-on 'sometimes'"):
        cmp.exit_code("sometimes")
    assert [f.text for f in cmp.findings] == [
        "MAP_Y: a says 2, b says 3",
        "b lacks 1 name that a has: MAP_Z",
    ]


def test_builtins_guards_and_non_integers_skipped() -> None:
    macros = (
        Macro("__x86_64__", "integer", 1, "1", "<built-in>", 0),
        Macro("MAP_CMD", "integer", 1, "1", "<command-line>", 0),
        Macro("_ASM_MMAN_H", "integer", 1, "1", "a.h", 1),
        Macro("MAP_FAILED", "other", None, "((void *) -1)", "a.h", 2, reason="pointer"),
        Macro("OTHER_THING", "integer", 3, "3", "a.h", 3),
        Macro("MAP_SHARED", "integer", 1, "1", "a.h", 4),
    )
    cmp = compare([Table("a", "header", macros)])
    assert [r.name for r in cmp.rows] == ["MAP_SHARED"]
    assert cmp.findings == ()


def test_no_family_names_anywhere_compares_every_integer_name() -> None:
    macros = (
        Macro("__x86_64__", "integer", 1, "1", "<built-in>", 0),
        Macro("O_CREAT", "integer", 0o100, "00000100", "a.h", 1),
        Macro("F_GETFL", "integer", 3, "3", "a.h", 2),
        Macro("__O_SYNC", "integer", 0o4000000, "04000000", "a.h", 3),
        Macro("O_PATHNAME", "other", None, '"x"', "a.h", 4, reason="string"),
    )
    mips = table("mips", {"O_CREAT": 0x100, "F_GETFL": 3, "__O_SYNC": 0x4000})
    cmp = compare([Table("a", "header", macros), mips])
    assert {r.name: r.status for r in cmp.rows} == {
        "F_GETFL": "same",
        "O_CREAT": "differs",
        "__O_SYNC": "differs",
    }
    # one mman name in any table: the families alone, as before
    with_map = table("m", {"MAP_SHARED": 1, "O_CREAT": 0x40})
    assert [r.name for r in compare([with_map, mips]).rows] == ["MAP_SHARED"]
    # --only still wins
    assert [r.name for r in compare([with_map, mips], only=["O"]).rows] == ["O_CREAT"]


def test_arch_fcntl_header_through_the_command_line() -> None:
    """``compare arch:mips arch:amd64 --header linux/fcntl.h``: every fcntl constant,
    mips's own O_CREAT against the generic one, and a finding (exit 1)."""
    for name in ("mips", "amd64"):
        if installed_dirs(lookup(name)) is None:
            pytest.skip(f"{lookup(name).cross_package} not installed")
    out, err = io.StringIO(), io.StringIO()
    argv = ["compare", "arch:mips", "arch:amd64", "--header", "linux/fcntl.h", "--format", "json"]
    assert main(argv, out, err) == 1, err.getvalue()
    data = json.loads(out.getvalue())
    rows = {r["name"]: r for r in data["rows"]}
    assert rows["O_CREAT"]["values"] == {"arch:mips": 0x100, "arch:amd64": 0o100}
    assert rows["O_CREAT"]["status"] == "differs"
    assert rows["F_GETFL"]["status"] == "same"
    assert rows["AT_FDCWD"]["values"] == {"arch:mips": -100, "arch:amd64": -100}
    assert len(rows) > 50
    text = "O_CREAT: mips says 0x100, amd64 says 0x40"
    assert {"kind": "differs", "name": "O_CREAT", "text": text} in data["findings"]


def test_deterministic_regardless_of_input_order() -> None:
    base = load_sources(["embedded", "system"])
    texts = set()
    rng = random.Random(5)
    for _ in range(3):
        shuffled = []
        for t in base:
            macros = list(t.macros)
            rng.shuffle(macros)
            shuffled.append(Table(t.label, t.kind, tuple(macros), t.origin))
        texts.add(render_comparison(compare(shuffled), "json"))
    assert len(texts) == 1


def test_errors() -> None:
    with pytest.raises(AbicheckError, match="no sources"):
        compare([])
    a = table("a", {"MAP_X": 1})
    with pytest.raises(AbicheckError, match="source label given twice: a"):
        compare([a, a])


def test_family_and_format() -> None:
    assert family_of("POSIX_MADV_NORMAL") == "POSIX_MADV"
    assert family_of("MAP_HUGE_2MB") == "MAP"
    assert family_of("HUGETLB_FLAG_ENCODE_2MB") == "HUGETLB"
    assert format_value(0x800, "MAP") == "0x800"
    assert format_value(100, "MADV") == "100"
    assert format_value(None) == "-"
    assert format_value(-1, "MAP") == "-1"


# -- renderings ---------------------------------------------------------------------------


def test_json_shape(default: Comparison) -> None:
    data = json.loads(render_comparison(default, "json"))
    assert set(data) == {"format", "sources", "from_snapshot", "summary", "rows", "findings"}
    assert data["from_snapshot"] == []
    assert [s["label"] for s in data["sources"]] == [EMBEDDED_LABEL, "system", "libc", "python"]
    assert all(set(s) == {"label", "kind", "origin"} for s in data["sources"])
    for row in data["rows"]:
        assert {"name", "values", "status"} <= set(row) <= {"name", "values", "status", "aliases"}
        assert row["status"] in ("same", "differs", "partial")
        assert all(v is None or isinstance(v, int) for v in row["values"].values())
    remove = next(r for r in data["rows"] if r["name"] == "MADV_REMOVE")
    assert remove["values"] == {EMBEDDED_LABEL: 5, "system": 9, "libc": 9, "python": 9}
    assert data["findings"][0] == {
        "kind": "differs",
        "name": "MADV_REMOVE",
        "text": "MADV_REMOVE: arm-2.6.16 says 5, system, libc, python say 9",
    }
    assert data == default.to_json()


def test_table_and_markdown(default: Comparison, matrix: Comparison) -> None:
    text = render_comparison(default, "table")
    assert text.index("PROT_\n") < text.index("MAP_\n") < text.index("MADV_\n")
    assert "Findings:\n  - MADV_REMOVE: arm-2.6.16 says 5, system, libc, python say 9" in text
    assert "system (system): /usr/include/linux/mman.h; linux-libc-dev " in text
    md = render_comparison(default, "markdown")
    assert "## MADV_" in md and "| MADV_REMOVE " in md and "## Findings" in md
    wide = render_comparison(matrix, "table")
    assert "arch:mips (arch): installed headers; /usr/mips-linux-gnu/include/linux/mman.h" in wide
    assert " mips64el " in wide.splitlines()[1]  # columns named by arch alone
    assert COMPARISON_FORMATS == ("table", "markdown", "json")
    with pytest.raises(AbicheckError, match="unknown format 'xml'; available: table"):
        render_comparison(default, "xml")


def test_snapshot_source_says_so() -> None:
    cmp = compare(load_sources(["arch:alpha"], SourceOptions(arch_from="snapshot")))
    text = render_comparison(cmp)
    assert "arch:alpha (arch): snapshot <abicheck>/headers/arches.json" in text
    assert "linux-libc-dev-alpha-cross 6." in text


# -- layouts ------------------------------------------------------------------------------

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"
STAT_ARCHES = ("amd64", "i386", "m68k")
needs_stat_compilers = pytest.mark.skipif(
    not have(*CROSS.values()) or any(installed_dirs(lookup(a)) is None for a in STAT_ARCHES),
    reason="needs gcc, i686-linux-gnu-gcc, m68k-linux-gnu-gcc and their uapi headers",
)


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@needs_stat_compilers
def test_layouts_of_struct_stat_across_arches_agree_with_each_cross_gcc() -> None:
    """struct stat of asm/stat.h on amd64, i386 and m68k: every sizeof, _Alignof and
    offsetof is the arch's gcc's (computed live by each compiler, its own headers)."""
    options = SourceOptions(header="asm/stat.h")
    tables = layout_tables(
        load_sources([f"arch:{a}" for a in STAT_ARCHES], options), options, ["struct stat"]
    )
    result = compare(tables)
    assert [s.kind for s in result.sources] == ["layout"] * 3
    names = [r.name for r in result.rows]
    assert "sizeof(struct stat)" in names and "offsetof(struct stat, st_mode)" in names
    for arch, t in zip(STAT_ARCHES, tables, strict=True):
        exprs = {m.name: m.name.replace("offsetof(", "__builtin_offsetof(") for m in t.macros}
        gcc = gcc_values(CROSS[arch], "#include <asm/stat.h>", list(exprs.values()))
        assert {n: gcc[e] for n, e in exprs.items()} == t.values(), arch
        row_values = {r.name: r.values[f"arch:{arch}"] for r in result.rows}
        assert {n: v for n, v in row_values.items() if v is not None} == t.values()
    size = next(r for r in result.rows if r.name == "sizeof(struct stat)")
    assert size.status == "differs" and size.family == "struct stat"
    assert result.exit_code() == 1
    texts = [f.text for f in result.findings]
    # gcc -S: sizeof(struct stat) is 144 on x86_64, 64 with i686- and m68k-linux-gnu-gcc
    assert "sizeof(struct stat): amd64 says 144, i386, m68k say 64" in texts


@needs_stat_compilers
def test_compare_layouts_on_the_command_line_reads_the_same_tables() -> None:
    code, out, err = run_cli(
        "compare", "--layouts", "--type", "struct stat", "--header", "asm/stat.h",
        *(f"arch:{a}" for a in STAT_ARCHES), "--format", "json",
    )  # fmt: skip
    assert (code, err) == (1, "")
    data = json.loads(out)
    rows = {r["name"]: r["values"] for r in data["rows"]}
    gcc = gcc_values("gcc", "#include <asm/stat.h>", ["sizeof(struct stat)"])
    assert rows["sizeof(struct stat)"]["arch:amd64"] == gcc["sizeof(struct stat)"]
    assert {s["kind"] for s in data["sources"]} == {"layout"}
    assert data["sources"][0]["origin"]["types"] == "struct stat"
    jsonschema.Draft202012Validator(schema("compare")).validate(data)
    code, out, _ = run_cli(
        "compare", "--layouts", "--type", "struct stat", "--header", "asm/stat.h",
        "arch:amd64", "arch:i386",
    )  # fmt: skip
    assert code == 1
    assert out.startswith("struct stat\nname ")  # the type heads its rows (no "_")
    assert "sizeof(struct stat)                   144           64" in out


@needs_gcc
def test_compare_finds_a_member_added_at_the_end() -> None:
    tables = layout_tables(
        load_sources([f"v1={LAYOUTS / 'v1.h'}", f"v2={LAYOUTS / 'v2.h'}"]),
        patterns=["struct point", "struct rec"],
    )
    result = compare(tables)
    head = f'#include "{LAYOUTS / "v2.h"}"'
    gcc = gcc_values("gcc", head, ["__builtin_offsetof(struct point, z)", "sizeof(struct rec)"])
    z = next(r for r in result.rows if r.name == "offsetof(struct point, z)")
    assert (z.status, z.values) == (
        "partial",
        {"v1": None, "v2": gcc["__builtin_offsetof(struct point, z)"]},
    )
    found = [f for f in result.findings if f.kind == "added_at_end"]
    assert [f.name for f in found] == ["offsetof(struct point, z)"]
    # gcc: struct point is 8 bytes in v1.h, z at offset 8 in v2.h
    assert found[0].text == (
        "offsetof(struct point, z): z is at the end of struct point on v2, past its size (8) "
        "on v1: a member added at the end, which changes sizeof(struct point) (incompatible "
        "for arrays of it, types embedding it and callers that allocate it)"
    )
    rec = next(r for r in result.rows if r.name == "sizeof(struct rec)")
    assert rec.values["v2"] == gcc["sizeof(struct rec)"] and rec.status == "differs"
    assert format_value(16, "struct rec") == "16"  # sizes and offsets in decimal


@needs_gcc
def test_layout_rows_in_the_findings_first_reports() -> None:
    """Layout families head their rows by the type (no "_") in the markdown, split
    table and HTML reports, after the findings; off-majority sizes in bold."""
    tables = layout_tables(
        load_sources([f"v1={LAYOUTS / 'v1.h'}", f"v2={LAYOUTS / 'v2.h'}"]),
        patterns=["struct point"],
    )
    result = compare(tables)
    head = f'#include "{LAYOUTS / "v1.h"}"'
    old = gcc_values("gcc", head, ["sizeof(struct point)"])["sizeof(struct point)"]
    head = f'#include "{LAYOUTS / "v2.h"}"'
    new = gcc_values("gcc", head, ["sizeof(struct point)"])["sizeof(struct point)"]
    md = render_comparison_report(result, "markdown")
    assert md.index("### Findings") < md.index("### struct point\n") < md.index("<details>")
    assert "struct point_" not in md
    cells = [
        [c.strip() for c in ln.strip("|").split("|")]
        for ln in md.splitlines()
        if ln.startswith("| sizeof(struct point) ")
    ]
    assert cells == [["sizeof(struct point)", f"**{old}**", f"**{new}**", "differs"]]
    text = render_comparison_report(result, "table", width=40)
    assert text.startswith("struct point (v1 to v1)\nname ")
    assert "\n\nstruct point (v2 to v2)\nname " in text
    html = render_comparison_report(result, "html")
    assert '<tr class="family"><th colspan="3"><span>struct point</span>' in html
    assert '<span class="partial">added_at_end</span>' in html


def test_layouts_need_sources_that_read_headers_and_types_that_exist() -> None:
    code, out, err = run_cli("compare", "--layouts", "--type", "struct nope", str(LAYOUTS / "v1.h"))
    assert (code, out) == (2, "")
    assert err == (
        "abicheck: error: --type struct nope: no struct, union or typedef matches it "
        "(3 types here); did you mean struct gone, struct rec, struct point?\n"
    )
    code, out, err = run_cli("compare", "--layouts", "python")
    assert (code, out) == (2, "")
    assert err == (
        "abicheck: error: source 'python' has no struct layouts (a python table): "
        "--layouts reads C headers: arch:NAME from installed headers or --kernel-tree, "
        "a header path, system\n"
    )
    assert (
        run_cli("compare", "--type", "x", "python")[2]
        == "abicheck: error: --type goes with --layouts\n"
    )
    assert run_cli("compare", "--layouts")[2] == (
        "abicheck: error: --layouts needs sources that read C headers: arch:NAME, HEADER.h\n"
    )


@pytest.mark.parametrize("n", [1, 2])
def test_sources_with_no_integer_macro_are_an_error(n: int) -> None:
    texts = Table("t0", "file", (Macro("S", "other", None, '"s"', "s.h", 1),))
    tables = [texts] + [Table(f"t{i}", "file", ()) for i in range(1, n)]
    which = "the source (t0)" if n == 1 else "any source (t0, t1)"
    with pytest.raises(
        AbicheckError, match=re.escape(f"nothing to compare: no integer macro in {which}")
    ):
        compare(tables)


def test_compare_of_an_empty_header_exits_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.h"
    empty.write_text("/* nothing */\n")
    for only in ([], ["--only", "ZZZ"]):  # (--only would find no family here)
        out, err = io.StringIO(), io.StringIO()
        assert main(["compare", str(empty), *only], out, err) == 2
        assert err.getvalue() == (
            f"abicheck: error: nothing to compare: no integer macro in the source ({empty})\n"
        )
        assert out.getvalue() == ""
