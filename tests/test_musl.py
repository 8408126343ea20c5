"""``musl:DIR``: musl's <sys/mman.h> per architecture, on the real, unmodified musl 1.2.5
files in tests/fixtures/bindings/musl (from PyPI's ziglang 0.17.1: see SOURCE.md there)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from abicheck.cli import main
from abicheck.model import Table
from abicheck.sources import load_sources, reread
from abicheck.sources.musl import mkalltypes

FIX = Path(__file__).parent / "fixtures" / "bindings" / "musl"
MUSL = f"musl:{FIX}"
EMPTY = "empty stand-in: the tree has no alltypes.h.in templates (constants need no types)"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def tables(spec: str = MUSL) -> dict[str, Table]:
    return {t.label: t for t in load_sources([spec])}


def values(t: Table) -> dict[str, tuple[int | None, str]]:
    return {m.name: (m.value, m.location) for m in t.macros}


def test_one_table_per_abicheck_architecture_a_musl_folder_serves() -> None:
    found = tables()
    assert sorted(found) == [
        *("musl:amd64", "musl:arm64", "musl:armel", "musl:armhf", "musl:hexagon"),
        *("musl:i386", "musl:loong64", "musl:m68k", "musl:mips", "musl:mips64"),
        *("musl:mips64el", "musl:mipsel", "musl:mipsn32", "musl:powerpc", "musl:ppc64"),
        *("musl:ppc64el", "musl:riscv32", "musl:riscv64", "musl:s390x", "musl:x32"),
    ]
    assert {t.kind for t in found.values()} == {"binding"}
    assert found["musl:ppc64el"].origin.noted("binding_arch") == "powerpc64"
    assert found["musl:mipsel"].origin.noted("binding_arch") == "mips"
    assert found["musl:amd64"].origin.noted("binding_arch") == "x86_64"


def test_values_as_the_files_write_them() -> None:
    found = tables()
    for arch in ("ppc64", "ppc64el"):
        v = values(found[f"musl:{arch}"])
        assert v["MAP_LOCKED"] == (0x80, "arch/powerpc64/bits/mman.h:6")
        assert v["MAP_NORESERVE"] == (0x40, "arch/powerpc64/bits/mman.h:4")
        assert v["MCL_CURRENT"] == (0x2000, "arch/powerpc64/bits/mman.h:9")
        assert v["PROT_SAO"] == (0x10, "arch/powerpc64/bits/mman.h:1")
    for arch in ("mips", "mipsel", "mips64", "mips64el", "mipsn32"):
        v = values(found[f"musl:{arch}"])
        # MAP_ANONYMOUS is MAP_ANON (include/sys/mman.h:27), 0x800 on mips (bits/mman.h:2)
        assert v["MAP_ANONYMOUS"] == (0x800, "include/sys/mman.h:27")
        assert v["MAP_LOCKED"][0] == 0x8000  # arch/mips*/bits/mman.h:12
        assert "MAP_SYNC" not in v  # #undef MAP_SYNC, arch/mips*/bits/mman.h:21
    assert values(found["musl:amd64"])["MAP_32BIT"] == (0x40, "arch/x86_64/bits/mman.h:1")
    assert values(found["musl:i386"])["MAP_32BIT"] == (0x40, "arch/i386/bits/mman.h:1")
    assert values(found["musl:arm64"])["PROT_MTE"] == (0x20, "arch/aarch64/bits/mman.h:2")
    for label in ("musl:armhf", "musl:riscv64", "musl:ppc64"):
        v = values(found[label])
        assert v["MADV_REMOVE"] == (9, "include/sys/mman.h:85")
        assert v["MAP_HUGE_16GB"] == (34 << 26, "include/sys/mman.h:55")
    # generic values where the architecture has no bits/mman.h of its own
    assert values(found["musl:s390x"])["MAP_LOCKED"] == (0x2000, "include/sys/mman.h:32")


def test_provenance() -> None:
    found = tables()
    o = found["musl:ppc64"].origin
    assert (o.source, o.path, o.arch) == ("musl", str(FIX), "ppc64")
    notes = dict(o.notes)
    assert notes["binding_arch"] == "powerpc64"
    assert notes["alltypes"] == EMPTY
    assert "unknown_arch" not in notes
    n32 = found["musl:mipsn32"].origin
    assert n32.arch == "mipsn32"
    assert n32.noted("unknown_arch") == "not an architecture abicheck knows"


def test_read_again_from_provenance() -> None:
    found = tables()
    again = reread([found["musl:ppc64el"], found["musl:mipsn32"]])
    assert again == [found["musl:ppc64el"], found["musl:mipsn32"]]


def test_mkalltypes_follows_musls_sed_rules() -> None:
    template = (
        "#define _Addr long\n"
        "TYPEDEF unsigned _Addr size_t;\n"
        "TYPEDEF struct __pthread * pthread_t;\n"
        "STRUCT iovec { void *iov_base; size_t iov_len; };\n"
        "UNION  sigval { int sival_int; void *sival_ptr; };\n"
    )
    assert mkalltypes(template) == (
        "#define _Addr long\n"
        "#if defined(__NEED_size_t) && !defined(__DEFINED_size_t)\n"
        "typedef unsigned _Addr size_t;\n#define __DEFINED_size_t\n#endif\n\n"
        "#if defined(__NEED_pthread_t) && !defined(__DEFINED_pthread_t)\n"
        "typedef struct __pthread * pthread_t;\n#define __DEFINED_pthread_t\n#endif\n\n"
        "#if defined(__NEED_struct_iovec) && !defined(__DEFINED_struct_iovec)\n"
        "struct iovec { void *iov_base; size_t iov_len; };\n"
        "#define __DEFINED_struct_iovec\n#endif\n\n"
        "#if defined(__NEED_union_sigval) && !defined(__DEFINED_union_sigval)\n"
        "union sigval { int sival_int; void *sival_ptr; };\n"
        "#define __DEFINED_union_sigval\n#endif\n\n"
    )


def test_a_tree_with_alltypes_templates_reads_the_generated_header(tmp_path: Path) -> None:
    tree = tmp_path / "musl"
    shutil.copytree(FIX, tree)
    (tree / "include" / "alltypes.h.in").write_text(
        "TYPEDEF unsigned _Addr size_t;\nTYPEDEF _Int64 off_t;\nTYPEDEF unsigned mode_t;\n"
    )
    for arch in ("x86_64", "powerpc64"):
        (tree / "arch" / arch / "bits" / "alltypes.h.in").write_text(
            "#define _Addr long\n#define _Int64 long\n"
        )
    found = tables(f"musl:{tree}")
    ppc = found["musl:ppc64"]
    assert ppc.origin.noted("alltypes") == (
        "generated from arch/powerpc64/bits/alltypes.h.in and include/alltypes.h.in "
        "by the rules of musl's tools/mkalltypes.sed"
    )
    assert ppc.macros == tables()["musl:ppc64"].macros
    assert found["musl:s390x"].origin.noted("alltypes") == EMPTY  # no template of its own


def test_binding_check_has_musls_ppc64_flags_right() -> None:
    code, out, err = run("binding", MUSL, "--format", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["binding"]["kind"] == "musl" and data["binding"]["path"] == str(FIX)
    assert data["summary"]["wrong"] == 0 and data["summary"]["collides"] == 0
    picked = [
        r
        for r in data["rows"]
        if r["table"] in ("musl:ppc64", "musl:ppc64el")
        and r["name"] in ("MAP_LOCKED", "MAP_NORESERVE")
    ]
    base = {"family": "MAP", "status": "same", "collides_with": None, "suppressed_by": None}
    assert picked == [
        {
            "table": f"musl:{arch}",
            "arch": arch,
            "name": name,
            **base,
            "value": v,
            "kernel": v,
            "libc": v,
            "at": f"arch/powerpc64/bits/mman.h:{line}",
        }
        for arch in ("ppc64", "ppc64el")
        for name, v, line in (("MAP_LOCKED", 0x80, 6), ("MAP_NORESERVE", 0x40, 4))
    ]
    unchecked = {u["table"]: u["reason"] for u in data["unchecked"]}
    assert unchecked["musl:mipsn32"] == "mipsn32: not an architecture abicheck knows"


def test_compare_takes_it_like_any_source() -> None:
    code, out, err = run("compare", MUSL, "arch:ppc64", "--only", "MAP_LOCKED", "--format", "json")
    assert err == ""
    rows = json.loads(out)["rows"]
    assert [r["name"] for r in rows] == ["MAP_LOCKED"]
    assert code == 1  # the values differ between architectures


def test_not_a_musl_tree(tmp_path: Path) -> None:
    code, _, err = run("binding", f"musl:{tmp_path}")
    assert (code, err) == (2, f"{tmp_path}: error: not a musl source tree: no include/sys/mman.h\n")
    (tmp_path / "include" / "sys").mkdir(parents=True)
    (tmp_path / "include" / "sys" / "mman.h").write_text("")
    code, _, err = run("binding", f"musl:{tmp_path}")
    assert (code, err) == (2, f"{tmp_path}: error: not a musl source tree: no arch\n")
    (tmp_path / "arch" / "generic").mkdir(parents=True)
    code, _, err = run("binding", f"musl:{tmp_path}")
    assert (code, err) == (
        2,
        f"{tmp_path}: error: not a musl source tree: no architecture folder in arch/\n",
    )
