"""abicheck.layouts against the compilers: every size, alignment, member offset, size
and bit-field position is asked of gcc (the host's and Debian's cross compilers) as
asm operands in ``-S`` output, nothing run; abicheck must give the same."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

import abicheck
from abicheck import arches
from abicheck.layouts import LayoutReport, bare_name, find_header, holes, matches
from abicheck.model import AbicheckError, RecordLayout

FIX = Path(__file__).parent / "fixtures" / "layout"
KINDS = str(FIX / "kinds.h")
DEBIAN = [a.name for a in arches.debian_arches()]

# The fixture's types, their members as the C source declares them (those of the
# anonymous union and struct of ``struct anon`` included) and which are bit-fields
# (declared type, width) or flexible arrays.
FIXTURE_TYPES: dict[str, tuple[str, list[str]]] = {
    "struct packed_s": ("struct packed_s", ["c", "i", "s"]),
    "struct aligned_s": ("struct aligned_s", ["c", "i", "s"]),
    "struct bits": ("struct bits", ["a", "b", "c", "d", "e", "f"]),
    "struct anon": ("struct anon", ["tag", "i", "lo", "hi", "d", "tail"]),
    "struct flex": ("struct flex", ["len", "first", "data"]),
    "typedef pair_t": ("pair_t", ["c", "l", "p", "name"]),
    "union number": ("union number", ["c", "i", "ll"]),
}
BITFIELDS = {
    ("struct bits", "a"): ("unsigned int", 3),
    ("struct bits", "b"): ("unsigned int", 7),
    ("struct bits", "c"): ("unsigned int", 2),
    ("struct bits", "e"): ("unsigned long long", 5),
    ("struct bits", "f"): ("int", 6),
}
FLEXIBLE = {("struct flex", "data")}  # sizeof rejects it; abicheck gives size 0

_V = re.compile(r"# V (\w+) [$#]?(-?\d+)")

Place = tuple[int, int, int | None, int | None]


def compiler(arch: str) -> str:
    return f"{arches.lookup(arch).triplet}-gcc"


def _asm_values(cc: str, source: str) -> dict[str, int]:
    asm = subprocess.run(
        [cc, "-O2", "-S", "-o", "-", "-x", "c", "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {m.group(1): int(m.group(2)) for m in _V.finditer(asm)}


@cache
def gcc_layout(
    arch: str, include: str, ctype: str, members: tuple[str, ...], bitfields: tuple[str, ...]
) -> tuple[int, int, tuple[Place, ...]]:
    """``ctype``'s size, alignment and each member's (offset, size, bit offset, bit
    width) as ``arch``'s gcc lays it out. A bit-field's place: the byte image of the
    type with that field set to 1 (and to all ones, for its width), each byte an asm
    operand, its lowest bit found in it in the target's byte order."""
    cc = compiler(arch)
    lines = [
        f"#include {include}",
        "#include <stddef.h>",
        f"typedef union {{ {ctype} s; unsigned char b[sizeof({ctype})]; }} U_;",
        '#define V(n, x) __asm__("# V " #n " %0" :: "i"(x));',
        "void f(void) {",
        f"V(size, sizeof({ctype})) V(align, _Alignof({ctype}))",
    ]
    size = _asm_values(cc, "\n".join([*lines, "}"]))["size"]
    for i, m in enumerate(members):
        if m in bitfields:
            decl = BITFIELDS[(_fixture_name(ctype), m)][0]
            lines.append(f"V(s{i}, sizeof({decl}))")
            for k in range(size):
                lines.append(f"V(one{i}_{k}, ((U_){{ .s = {{ .{m} = 1 }} }}).b[{k}])")
                lines.append(f"V(all{i}_{k}, ((U_){{ .s = {{ .{m} = -1 }} }}).b[{k}])")
        else:
            lines.append(f"V(o{i}, offsetof({ctype}, {m}))")
            if (_fixture_name(ctype), m) not in FLEXIBLE:
                lines.append(f"V(s{i}, sizeof((({ctype} *)0)->{m}))")
    v = _asm_values(cc, "\n".join([*lines, "}"]))
    big = arches.lookup(arch).big_endian
    places: list[Place] = []
    for i, m in enumerate(members):
        if m in bitfields:
            # asm shows the bytes signed (0xf8 as -8)
            one = [v[f"one{i}_{j}"] & 0xFF for j in range(size)]
            k = next(k for k in range(size) if one[k])
            width = sum(bin(v[f"all{i}_{j}"] & 0xFF).count("1") for j in range(size))
            low = one[k].bit_length() - 1
            bit = 8 * k + (7 - low - (width - 1) if big else low)
            places.append((bit // 8, v[f"s{i}"], bit, width))
        else:
            places.append((v[f"o{i}"], v.get(f"s{i}", 0), None, None))
    return size, v["align"], tuple(places)


def _fixture_name(ctype: str) -> str:
    return next((k for k, (c, _) in FIXTURE_TYPES.items() if c == ctype), ctype)


def check_against_gcc(t: RecordLayout, arch: str, include: str, ctype: str) -> None:
    names = tuple(m.name for m in t.members)
    bits = tuple(m.name for m in t.members if m.bit_width is not None)
    size, align, places = gcc_layout(arch, include, ctype, names, bits)
    assert (t.size, t.align) == (size, align), (arch, t.name)
    ours = [(m.offset, m.size, m.bit_offset, m.bit_width) for m in t.members]
    assert ours == list(places), (arch, t.name)


# -- the fixture on every Debian architecture --------------------------------------


@pytest.mark.parametrize("arch", DEBIAN)
def test_fixture_layouts_agree_with_gcc(arch: str) -> None:
    report = abicheck.layouts(KINDS, arch)
    (a,) = report.arches
    assert a.arch == arch and a.headers == (KINDS,)
    assert [t.name for t in a.types] == list(FIXTURE_TYPES)
    for t in a.types:
        ctype, members = FIXTURE_TYPES[t.name]
        assert [m.name for m in t.members] == members
        bits = {m.name: m.bit_width for m in t.members if m.bit_width is not None}
        assert bits == {m: w for (ty, m), (_, w) in BITFIELDS.items() if ty == t.name}
        assert t.reason == "" and t.file == KINDS
        check_against_gcc(t, arch, f'"{KINDS}"', ctype)


def test_fixture_literal_values_on_amd64_and_m68k() -> None:
    # from x86_64-linux-gnu-gcc and m68k-linux-gnu-gcc -O2 -S, as gcc_layout asks
    # (kept literal so that a change in the oracle helper cannot hide one here)
    amd64 = {t.name: t for t in abicheck.layouts(KINDS, "amd64").arches[0].types}
    m68k = {t.name: t for t in abicheck.layouts(KINDS, "m68k").arches[0].types}
    assert (amd64["struct packed_s"].size, amd64["struct packed_s"].align) == (7, 1)
    assert (amd64["struct aligned_s"].size, amd64["struct aligned_s"].align) == (32, 16)
    assert [(m.offset, m.bit_offset) for m in amd64["struct bits"].members] == [
        (0, 0), (0, 3), (4, 32), (5, None), (6, 48), (7, 57)
    ]  # fmt: skip
    assert [(m.offset, m.bit_offset) for m in m68k["struct bits"].members] == [
        (0, 0), (0, 3), (2, 16), (3, None), (4, 32), (5, 41)
    ]  # fmt: skip
    assert (m68k["struct bits"].size, m68k["struct bits"].align) == (6, 2)
    assert [m.offset for m in amd64["struct anon"].members] == [0, 8, 8, 10, 8, 16]
    assert amd64["struct flex"].members[-1] == abicheck.model.MemberLayout(
        "data", 16, 0, None, None, "char[]"
    )
    assert (m68k["typedef pair_t"].size, m68k["typedef pair_t"].align) == (16, 2)


def test_incomplete_type_has_no_layout_and_says_why() -> None:
    (a,) = abicheck.layouts(str(FIX / "incomplete.h"), "amd64").arches
    known, bad = a.types
    assert (known.name, known.size, known.align, known.line) == ("struct known", 4, 4, 2)
    assert (bad.name, bad.size, bad.align, bad.members) == ("struct has_incomplete", None, None, ())
    assert bad.reason == "incomplete type struct missing"
    assert list(holes(bad)) == []


# -- real headers: struct stat and struct epoll_event ---------------------------------


@pytest.mark.parametrize("arch", ["amd64", "i386", "m68k", "armhf", "arm64"])
def test_struct_stat_of_asm_stat_h_agrees_with_gcc(arch: str) -> None:
    report = abicheck.layouts("<asm/stat.h>", arch, types=["struct stat"])
    (a,) = report.arches
    (t,) = a.types
    assert t.name == "struct stat" and len(t.members) > 10
    check_against_gcc(t, arch, "<asm/stat.h>", "struct stat")


def test_struct_stat_literal_sizes() -> None:
    # sizeof/_Alignof(struct stat) from <asm/stat.h> by each cross gcc -S
    report = abicheck.layouts("asm/stat.h", ["amd64", "i386", "m68k", "armhf"], types=["stat"])
    got = {a.arch: (a.types[0].size, a.types[0].align) for a in report.arches}
    assert got == {"amd64": (144, 8), "armhf": (64, 4), "i386": (64, 4), "m68k": (64, 2)}


@pytest.mark.parametrize("arch", DEBIAN)
def test_epoll_event_agrees_with_gcc(arch: str) -> None:
    (a,) = abicheck.layouts("linux/eventpoll.h", arch, types=["epoll_event"]).arches
    (t,) = a.types
    check_against_gcc(t, arch, "<linux/eventpoll.h>", "struct epoll_event")


def test_epoll_event_is_packed_on_x86_64_only() -> None:
    # x86_64-linux-gnu-gcc: sizeof 12, _Alignof 1, offsetof data 4;
    # aarch64-linux-gnu-gcc: 16, 8, 8; i686-linux-gnu-gcc: 12, 4, 4
    report = abicheck.layouts("<linux/eventpoll.h>", ["amd64", "arm64", "i386"], types=["epoll*"])
    got = {
        a.arch: (a.types[0].size, a.types[0].align, a.types[0].members[1].offset)
        for a in report.arches
    }
    assert got == {"amd64": (12, 1, 4), "arm64": (16, 8, 8), "i386": (12, 4, 4)}
    (row,) = report.comparison
    assert row.name == "struct epoll_event" and row.differs and row.size_differs
    assert row.sizes == (12, 16, 12) and row.aligns == (1, 8, 4)
    events, data = row.members
    assert (events.name, events.offsets, events.sizes, events.differs) == (
        "events",
        (0, 0, 0),
        (4, 4, 4),
        False,
    )
    assert (data.name, data.offsets, data.differs) == ("data", (4, 8, 4), True)


def test_all_architectures_with_headers_and_notes_for_the_others() -> None:
    report = abicheck.layouts("<linux/eventpoll.h>", "all", types=["struct epoll_event"])
    names = [a.arch for a in report.arches]
    assert names == DEBIAN  # every Debian cross package is installed here
    skipped = [a.name for a in arches.all_arches() if not a.cross_package]
    assert len(report.notes) == len(skipped) == 11
    assert report.notes[0] == (
        "abicheck: note: csky skipped: give --kernel-tree (Debian has no cross headers for it)"
    )
    # sizeof(struct epoll_event) is 12 by these cross gcc -S, 16 by the others
    sizes = {a.arch: a.types[0].size for a in report.arches}
    twelve = ["amd64", "arc", "i386", "m68k", "sh4", "x32"]
    assert sorted(a for a, s in sizes.items() if s == 12) == twelve
    assert all(s == 16 for a, s in sizes.items() if a not in twelve)


# -- selection, headers, errors -----------------------------------------------------


def test_type_patterns() -> None:
    assert matches("struct stat", "stat") and matches("struct stat", "struct stat")
    assert matches("typedef pair_t", "pair_t") and matches("union number", "union *")
    assert matches("struct stat64", "st*64") and not matches("struct stat64", "stat")
    assert not matches("struct stat", "union stat")
    assert bare_name("typedef pair_t") == "pair_t"
    (a,) = abicheck.layouts(KINDS, "amd64", types=["*_s", "number"]).arches
    assert [t.name for t in a.types] == ["struct packed_s", "struct aligned_s", "union number"]


def test_a_type_matching_nothing_names_close_matches() -> None:
    with pytest.raises(AbicheckError) as exc:
        abicheck.layouts(KINDS, "amd64", types=["anon", "struct bitz"])
    assert str(exc.value) == (
        f"{KINDS}: error: no struct, union or typedef matches 'struct bitz'; "
        "close matches: struct bits"
    )


def test_header_lookup() -> None:
    dirs = ["/usr/m68k-linux-gnu/include"]
    assert find_header("<asm/stat.h>", dirs) == "/usr/m68k-linux-gnu/include/asm/stat.h"
    assert find_header("asm/stat.h", dirs) == "/usr/m68k-linux-gnu/include/asm/stat.h"
    assert find_header(KINDS, dirs) == KINDS
    with pytest.raises(AbicheckError) as exc:
        find_header("<nope/none.h>", dirs)
    assert str(exc.value) == ("<nope/none.h>: error: no such header in /usr/m68k-linux-gnu/include")


def test_errors() -> None:
    with pytest.raises(AbicheckError, match="unknown architecture 'vax'"):
        abicheck.layouts(KINDS, "vax")
    with pytest.raises(AbicheckError, match="no uapi headers for csky"):
        abicheck.layouts(KINDS, "csky")
    bad = FIX / "broken.h"
    with pytest.raises(AbicheckError) as exc:
        abicheck.layouts(str(bad), "amd64")
    assert str(exc.value) == f"{bad}:3: error: #error not a header to read"


def test_defines_and_undefines() -> None:
    # x86_64-linux-gnu-gcc -S: sizeof(struct config) 8, with -DWIDE 16; with
    # -U__x86_64__ the other branch, sizeof(struct other) 4
    (a,) = abicheck.layouts(str(FIX / "config.h"), "amd64").arches
    assert [(t.name, t.size) for t in a.types] == [("struct config", 8)]
    (a,) = abicheck.layouts(str(FIX / "config.h"), "amd64", defines={"WIDE": "1"}).arches
    assert [(t.name, t.size) for t in a.types] == [("struct config", 16)]
    # without __x86_64__ the header takes its other branch
    (a,) = abicheck.layouts(str(FIX / "config.h"), "amd64", undefines=["__x86_64__"]).arches
    assert [(t.name, t.size) for t in a.types] == [("struct other", 4)]
    (a,) = abicheck.layouts(
        str(FIX / "config.h"), "amd64", defines=[("WIDE", "1")], undefines=["WIDE"]
    ).arches
    assert [(t.name, t.size) for t in a.types] == [("struct config", 8)]


def test_host_is_the_default() -> None:
    report = abicheck.layouts(KINDS)
    assert [a.arch for a in report.arches] == [arches.host_arch().name]


def test_holes_and_padding() -> None:
    t = {t.name: t for t in abicheck.layouts(KINDS, "amd64").arches[0].types}
    # struct anon: tag 0-4, hole 4-8, union 8-16, tail 16, padding 17-24
    assert list(holes(t["struct anon"])) == [(32, 64), (136, 192)]
    # struct bits: a,b bits 0-10, hole to 32; c 32-34; d 40-48; e 48-53; hole 53-57 (the
    # unnamed int :4); f 57-63; padding 63-64
    assert list(holes(t["struct bits"])) == [(10, 32), (34, 40), (53, 57), (63, 64)]
    assert list(holes(t["union number"])) == []
    assert list(holes(t["struct packed_s"])) == []


NOT_BITS = {"bit_offset": None, "bit_width": None}


def test_json_and_determinism() -> None:
    one = abicheck.layouts(KINDS, ["m68k", "amd64"]).to_json()
    two = abicheck.layouts(KINDS, ["amd64", "m68k"]).to_json()
    assert one == two and [a["arch"] for a in one] == ["amd64", "m68k"]
    assert one[0]["format"] == "abicheck-layout/1"
    first = one[0]["types"][0]
    assert first == {
        "name": "struct packed_s",
        "file": KINDS,
        "line": 5,
        "size": 7,
        "align": 1,
        "members": [
            {"name": "c", "offset": 0, "size": 1, **NOT_BITS, "type": "char"},
            {"name": "i", "offset": 1, "size": 4, **NOT_BITS, "type": "int"},
            {"name": "s", "offset": 5, "size": 2, **NOT_BITS, "type": "short"},
        ],
    }


def test_comparison_same_and_different() -> None:
    report = abicheck.layouts(KINDS, ["amd64", "x32"], types=["packed_s", "pair_t"])
    assert isinstance(report, LayoutReport)
    packed, pair = report.comparison
    assert not packed.differs and packed.sizes == (7, 7)
    assert pair.differs and pair.sizes == (32, 20)
    assert [(m.name, m.offsets, m.differs) for m in pair.members] == [
        ("c", (0, 0), False), ("l", (8, 4), True), ("p", (16, 8), True), ("name", (24, 12), True)
    ]  # fmt: skip


def test_kernel_tree(linux_tree: Path) -> None:
    # struct stat from the tree's asm/stat.h: sizeof and _Alignof by x86_64-linux-gnu-gcc
    # and m68k-linux-gnu-gcc -S (144 8, 64 2), as from the installed headers
    report = abicheck.layouts(
        "asm/stat.h", ["amd64", "m68k"], types=["struct stat"], kernel_tree=str(linux_tree)
    )
    got = {a.arch: (a.types[0].size, a.types[0].align) for a in report.arches}
    assert got == {"amd64": (144, 8), "m68k": (64, 2)}
    assert report.arches[0].headers == (
        str(linux_tree / "arch" / "x86" / "include" / "uapi" / "asm" / "stat.h"),
    )
    # csky: Debian has no compiler or headers for it; from the tree, asm/stat.h is
    # asm-generic's (a stand-in the tree's Kbuild asks for)
    (a,) = abicheck.layouts("asm/stat.h", "csky", kernel_tree=str(linux_tree)).arches
    assert a.arch == "csky" and [t.name for t in a.types] == ["struct stat", "struct stat64"]


def test_record_trees_leave_no_header_objects_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # found in review: emit's layout tables read each header's records with the
    # collector paused and never let go of its declarations and their layouts,
    # which hold each other
    import gc
    import weakref

    from abicheck.parse import Reader
    from abicheck.sources import layout_tables

    made: list[weakref.ref[object]] = []
    real = layout_tables.HeaderDecls

    def decls(*args: object) -> object:
        d = real(*args)  # type: ignore[arg-type]
        made.append(weakref.ref(d))
        return d

    monkeypatch.setattr(layout_tables, "HeaderDecls", decls)
    header = tmp_path / "s.h"
    header.write_text("struct s { int a; char b; };\nstruct t { struct s x[2]; };\n")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        trees = layout_tables.record_trees(Reader(), str(header))
        alive = [r for r in made if r() is not None]
    finally:
        if was_enabled:
            gc.enable()
    assert [(name, None if t is None else t.size) for name, t in trees] == [
        ("struct s", 8),
        ("struct t", 16),
    ]
    assert len(made) == 1 and alive == []


def _gcc_size_align(header: Path, ctype: str) -> tuple[int, int]:
    """sizeof and _Alignof ``ctype`` of ``header`` as the host's gcc computes them."""
    source = f'#include "{header}"\n#define V(n, x) __asm__("# V " #n " %0" :: "i"(x));\n'
    gcc = _asm_values(
        "gcc", source + f"void f(void) {{ V(size, sizeof({ctype})) V(align, _Alignof({ctype})) }}"
    )
    return gcc["size"], gcc["align"]


@pytest.mark.parametrize(
    "attr", ["aligned", "__aligned__", "aligned()", "aligned(8)", "aligned(0)", "aligned(1 << 40)"]
)
def test_aligned_attributes_as_gcc_takes_them(tmp_path: Path, attr: str) -> None:
    """Bare ``aligned`` is the target's largest alignment; ``aligned(0)`` (an int
    shift past its width is 0 too) is passed over, as gcc does with a warning."""
    from abicheck.parse import Reader

    header = tmp_path / "al.h"
    header.write_text(f"struct w {{ int a; }} __attribute__(({attr}));\n")
    (t,) = Reader().layouts(header)
    assert (t.size, t.align) == _gcc_size_align(header, "struct w")


@pytest.mark.parametrize(
    ("attr", "reason"),
    [
        ("aligned(3)", "alignment 3 is not a power of two"),
        ("aligned(-4)", "alignment -4 is not a power of two"),
        ("aligned(1L << 40)", "alignment 1099511627776 exceeds gcc's maximum, 268435456"),
    ],
)
def test_alignments_gcc_refuses_give_no_layout(tmp_path: Path, attr: str, reason: str) -> None:
    from abicheck.parse import Reader

    header = tmp_path / "al.h"
    header.write_text(f"struct w {{ int a; }} __attribute__(({attr}));\n")
    # (gcc: "requested alignment ... is not a positive power of 2", "... exceeds maximum")
    assert subprocess.run(["gcc", "-fsyntax-only", str(header)], capture_output=True).returncode
    (t,) = Reader().layouts(header)
    assert (t.size, t.reason) == (None, reason)


_MOST = "bytes, more than 9223372036854775807"


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        # each with gcc's own error beside it
        ("int x; int x;", "duplicate member x"),  # duplicate member 'x'
        ("int x; struct { int y, x; };", "duplicate member x"),
        ("int a; void v;", "member v declared void"),  # variable or field 'v' declared void
        ("void a[2];", "array of voids"),  # declaration of 'a' as array of voids
        # size of array 'a' is too large
        ("char a[1UL << 63];", f"array too large: 9223372036854775808 {_MOST}"),
        # type 'struct w' is too large
        ("char a[1UL << 62]; char b[1UL << 62];", f"struct w too large: {1 << 63} {_MOST}"),
        ("long a[(1UL << 60) - 1]; char b[9];", f"struct w too large: 9223372036854775816 {_MOST}"),
        ("int f[];", "flexible array member f in a struct with no named members"),
        ("int : 3; int f[];", "flexible array member f in a struct with no named members"),
        ("int b : 0;", "bit-field b of zero width"),  # zero width for bit-field 'b'
        ("int n; void a[];", "array of voids"),
        # size of array 'a' is too large (elements of size 0)
        ("struct { } a[1UL << 63]; int x;", f"array too large: {1 << 63} elements, {_MOST[7:]}"),
    ],
)  # fmt: skip
def test_records_gcc_refuses_give_no_layout(tmp_path: Path, members: str, reason: str) -> None:
    from abicheck.parse import Reader

    header = tmp_path / "bad.h"
    header.write_text(f"struct w {{ {members} }};\n")
    proc = subprocess.run(["gcc", "-fsyntax-only", str(header)], capture_output=True, text=True)
    assert proc.returncode == 1 and " error: " in proc.stderr
    (t,) = Reader().layouts(header)
    assert (t.size, t.reason) == (None, reason)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("struct w {\n  int a;\n", [("struct w", 2)]),  # no } before the end
        ("struct w { int a; }\n", [("struct w", 2)]),  # no ; after it
        ("struct w { int a;\n  struct v { int b; } c;\n", [("struct w", 2), ("struct v", 3)]),
    ],
)
def test_a_record_left_open_at_the_end_is_listed_with_no_layout(
    tmp_path: Path, text: str, names: list[tuple[str, int]]
) -> None:
    """gcc refuses it ("expected ... at end of input"); it is listed, as any other
    declaration pycparser cannot read is, and a sizeof of it says so."""
    from abicheck.parse import Reader

    header = tmp_path / "open.h"
    header.write_text("struct u { int x; };\n" + text + "#define S sizeof(struct w)\n")
    proc = subprocess.run(["gcc", "-fsyntax-only", str(header)], capture_output=True, text=True)
    assert proc.returncode == 1 and "at end of input" in proc.stderr
    cannot = "declaration pycparser cannot read"
    got = [(t.name, t.line, t.size, t.reason) for t in Reader().layouts(header)]
    assert got == [("struct u", 1, 4, ""), *((n, line, None, cannot) for n, line in names)]
    (s,) = (m for m in Reader().read(header) if m.name == "S")
    assert (s.value, s.reason) == (None, f"struct w: {cannot}")


def test_a_record_closed_by_a_macro_is_read_with_the_macros_where_each_part_stands(
    tmp_path: Path,
) -> None:
    """``};`` from a macro: the statement ends in no ``;`` of the text, and its
    members are read with the macros as they stood at each, as gcc reads them."""
    from abicheck.parse import Reader

    header = tmp_path / "end.h"
    header.write_text(
        "#define END };\n#define N 2\nstruct w {\n  int a;\n#undef N\n#define N 4\n"
        "  int b[N];\nEND\n"
    )
    (t,) = Reader().layouts(header)
    assert (t.name, t.line, t.size, t.align) == ("struct w", 3, 20, 4)
    assert (t.size, t.align) == _gcc_size_align(header, "struct w")


@pytest.mark.parametrize("head", ["static inline int f(void)", "struct u *f(void)"])
def test_a_record_in_a_function_s_text_left_at_the_end_is_no_file_scope_record(
    tmp_path: Path, head: str
) -> None:
    """A function definition whose body is not known as one (a macro after its
    parameters) and has no ``;`` after it: the struct inside it is not listed."""
    from abicheck.parse import Reader

    header = tmp_path / "fn.h"
    header.write_text(
        f"#define ATTR\nstruct u {{ int x; }};\n{head} ATTR {{\n"
        "  struct s { int a; char b; } v = {0};\n  return 0;\n}\n"
        "#define SS sizeof(struct s)\n"
    )
    assert [t.name for t in Reader().layouts(header)] == ["struct u"]
    (ss,) = (m for m in Reader().read(header) if m.name == "SS")
    assert ss.reason == "incomplete type struct s"  # gcc: "incomplete type 'struct s'"


@pytest.mark.parametrize("lead", ["", "EXPORT ", "const "])
def test_members_from_an_include_give_no_layout_rather_than_a_wrong_one(
    tmp_path: Path, lead: str
) -> None:
    """A struct whose members are in a file it includes (with no enum, typedef,
    struct or union in it): gcc lays it out; the reader, which reads each file's
    statements on their own, gives it no layout. It gave size 0 once: the included
    text was left out as holding no declarations."""
    from abicheck.parse import Reader

    (tmp_path / "members.h").write_text("int a;\nint b;\n")
    header = tmp_path / "x.h"
    header.write_text(
        f'#define EXPORT\n{lead}struct x {{\n#include "members.h"\n}};\n'
        "#define SX sizeof(struct x)\n"
    )
    assert _gcc_size_align(header, "struct x") == (8, 4)
    (t,) = Reader().layouts(header)
    assert (t.name, t.size, t.reason) == ("struct x", None, "declaration pycparser cannot read")
    (sx,) = (m for m in Reader().read(header) if m.name == "SX")
    assert (sx.value, sx.reason) == (None, "struct x: declaration pycparser cannot read")


def test_a_flexible_array_member_in_a_union_has_no_layout(tmp_path: Path) -> None:
    from abicheck.parse import Reader

    header = tmp_path / "u.h"
    header.write_text("union w { int n; int f[]; };\n")
    proc = subprocess.run(["gcc", "-fsyntax-only", str(header)], capture_output=True, text=True)
    assert "flexible array member in union" in proc.stderr
    (t,) = Reader().layouts(header)
    assert (t.size, t.reason) == (None, "flexible array member f in a union")


@pytest.mark.parametrize(
    "members",
    [
        "struct { int a; }; int f[];",
        "struct { } e; int f[];",
        "struct { }; int f[];",  # an empty anonymous struct counts as named for gcc
        "char a[(1UL << 63) - 1];",
        "char a[1UL << 62]; char b[(1UL << 62) - 1];",
        "int n; union { int x; struct { int m; int f[]; } s; };",
        # declarations that are no members may follow a flexible array member
        'int n; int f[]; struct t { int x; }; enum { E1 }; _Static_assert(1, "x");',
    ],
)
def test_records_at_gcc_s_limits_lay_out_as_gcc_does(tmp_path: Path, members: str) -> None:
    from abicheck.parse import Reader

    header = tmp_path / "ok.h"
    header.write_text(f"struct w {{ {members} }};\n")
    t = next(t for t in Reader().layouts(header) if t.name == "struct w")
    assert (t.size, t.align) == _gcc_size_align(header, "struct w")


_ENUMS = """enum big { A = 0x100000000 };
enum wide { N = -1, P = 0x80000000 };
enum small { S = 0xffffffff };
typedef enum later later_t;
enum later { L = -0x80000001LL };
struct by_tag { enum big b; char c; };
struct wide_s { char c; enum wide w; };
struct small_s { enum small s; char c; };
struct by_typedef { char c; later_t l; };
"""


@pytest.mark.parametrize("arch", ["amd64", "i386", "m68k", "armhf"])
def test_an_enum_named_by_its_tag_is_sized_by_its_constants(tmp_path: Path, arch: str) -> None:
    """``enum TAG`` is the enum its definition makes: ``long long``'s size and
    alignment where the constants need more than 32 bits (found in review: a tag
    alone was always 4 bytes)."""
    header = tmp_path / "enums.h"
    header.write_text(_ENUMS)
    report = abicheck.layouts(str(header), arch)
    got = {t.name: (t.size, t.align, t.members[-1].offset) for t in report.arches[0].types}
    names = ["struct by_tag", "struct wide_s", "struct small_s", "struct by_typedef"]
    lines = [f'#include "{header}"', "#include <stddef.h>"]
    lines.append('#define V(n, x) __asm__("# V " #n " %0" :: "i"(x));\nvoid f(void) {')
    for i, n in enumerate(names):
        last = "c" if i in (0, 2) else ("w" if i == 1 else "l")
        lines.append(f"V(s{i}, sizeof({n})) V(a{i}, _Alignof({n})) V(o{i}, offsetof({n}, {last}))")
    v = _asm_values(compiler(arch), "\n".join([*lines, "}"]))
    assert got == {n: (v[f"s{i}"], v[f"a{i}"], v[f"o{i}"]) for i, n in enumerate(names)}
    if arch == "amd64":
        assert got["struct by_tag"] == (16, 8, 8) and got["struct small_s"] == (8, 4, 4)


_W = "struct w { enum e x; };"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # invalid application of 'sizeof' to incomplete type 'enum e'
        (f"enum e {{ A = sizeof(enum e) }};\n{_W}", "enum constant A: incomplete type enum e"),
        (
            "struct w { enum e { A = 1, B = sizeof(enum e) } x; };",
            "enum constant B: incomplete type enum e",
        ),
        # (gcc: field 'x' has incomplete type; abicheck takes e as the header defines it)
        (f"{_W}\nenum e {{ A = sizeof(struct w) }};", "enum constant A: struct w contains itself"),
        # 'U' undeclared: no size is guessed from the constants before it
        (f"enum e {{ A = 1, B = U }};\n{_W}", "enum constant B: undefined identifier U"),
    ],
)
def test_an_enum_whose_constants_cannot_be_folded_has_no_size(
    tmp_path: Path, text: str, reason: str
) -> None:
    from abicheck.parse import Reader

    header = tmp_path / "cyc.h"
    header.write_text(text + "\n")
    proc = subprocess.run(["gcc", "-fsyntax-only", str(header)], capture_output=True, text=True)
    assert proc.returncode == 1 and " error: " in proc.stderr
    t = next(t for t in Reader().layouts(header) if t.name == "struct w")
    assert (t.size, t.reason) == (None, reason)


def test_an_enum_tag_no_statement_defines_is_an_incomplete_type(tmp_path: Path) -> None:
    from abicheck.parse import Reader

    header = tmp_path / "nope.h"
    header.write_text("struct w { enum nope x; };\n#define Z sizeof(enum nope)\n")
    proc = subprocess.run(["gcc", "-fsyntax-only", str(header)], capture_output=True, text=True)
    assert proc.returncode == 1 and "has incomplete type" in proc.stderr
    reader = Reader()
    (t,) = reader.layouts(header)
    assert (t.size, t.reason) == (None, "incomplete type enum nope")
    z = next(m for m in reader.read(header) if m.name == "Z")
    assert (z.value, z.reason) == (None, "incomplete type enum nope")


_MOST32 = "bytes, more than 2147483647"


@pytest.mark.parametrize("arch", ["i386", "armhf", "mips"])
@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ("char a[0x7fffffff];", ""),
        ("char a[0x40000000]; char b[0x3fffffff];", ""),
        ("char a[0x80000000];", f"array too large: 2147483648 {_MOST32}"),  # too large
        ("int a[0x20000000];", f"array too large: 2147483648 {_MOST32}"),  # exceeds maximum
        ("char a[0x40000000]; char b[0x40000000];", f"struct w too large: 2147483648 {_MOST32}"),
    ],
)
def test_size_limits_of_32_bit_targets_are_gcc_s(
    tmp_path: Path, arch: str, members: str, reason: str
) -> None:
    """An object may be as large as the target's PTRDIFF_MAX, 2**31 - 1 on ilp32."""
    header = tmp_path / "lim.h"
    header.write_text(f"struct w {{ {members} }};\n")
    proc = subprocess.run(
        [compiler(arch), "-fsyntax-only", str(header)], capture_output=True, text=True
    )
    assert proc.returncode == (1 if reason else 0), proc.stderr
    (t,) = abicheck.layouts(str(header), arch).arches[0].types
    assert t.reason == reason
    if not reason:
        v = '__asm__("# V size %0" :: "i"(sizeof(struct w)));'
        source = f'#include "{header}"\nvoid f(void) {{ {v} }}'
        assert t.size == _asm_values(compiler(arch), source)["size"] == 0x7FFFFFFF
