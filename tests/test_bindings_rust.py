"""The Rust ``libc`` reader, on Debian's unmodified copy of libc 0.2.139.

Paths in comments are relative to tests/fixtures/bindings/rust/libc-0.2.139/src/unix/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from abicheck.bindings import BindingTable
from abicheck.bindings.rust import read
from abicheck.bindings.rust.targets import TARGETS, select
from abicheck.model import AbicheckError, Macro

LIBC = Path(__file__).resolve().parent / "fixtures" / "bindings" / "rust" / "libc-0.2.139"


@pytest.fixture(scope="module")
def tables() -> dict[str, BindingTable]:
    return {f"{t.binding_arch}-{t.env}": t for t in read(LIBC)}


def const(tables: dict[str, BindingTable], target: str, name: str) -> Macro:
    return next(m for m in tables[target].macros if m.name == name)


def value(tables: dict[str, BindingTable], target: str, name: str) -> int | None:
    return const(tables, target, name).value


def test_the_targets_the_crate_has_a_port_for(tables: dict[str, BindingTable]) -> None:
    # 0.2.139 has no csky port and no loongarch64 musl one (linux/musl/mod.rs:777-795)
    assert sorted(tables) == sorted(
        t.name for t in TARGETS if t.name not in ("csky-gnu", "loongarch64-musl")
    )
    assert len(tables) == 34


def test_table_fields(tables: dict[str, BindingTable]) -> None:
    ppc = tables["powerpc64le-musl"]
    assert (ppc.binding_arch, ppc.arch, ppc.known, ppc.env) == (
        "powerpc64le",
        "ppc64el",
        True,
        "musl",
    )
    arches = {t.binding_arch: t.arch for t in tables.values()}
    assert arches["x86"] == "i386"
    assert arches["x86_64"] == "amd64"
    assert arches["aarch64"] == "arm64"
    assert arches["arm"] == "armhf"
    assert arches["loongarch64"] == "loong64"
    assert arches["powerpc64"] == "ppc64"
    assert arches["x32"] == "x32"
    assert all(t.known for t in tables.values())


def test_macro_fields(tables: dict[str, BindingTable]) -> None:
    # linux_like/linux/musl/b64/powerpc64.rs:168
    macro = const(tables, "powerpc64-musl", "MAP_LOCKED")
    assert macro == Macro(
        "MAP_LOCKED",
        "integer",
        0x2000,
        "0x02000",
        "src/unix/linux_like/linux/musl/b64/powerpc64.rs",
        168,
        ctype="int",
    )


def test_the_powerpc64_musl_bug(tables: dict[str, BindingTable]) -> None:
    # linux_like/linux/musl/b64/powerpc64.rs:168-169 (kernel: 0x80 and 0x40)
    for target in ("powerpc64-musl", "powerpc64le-musl"):
        assert value(tables, target, "MAP_LOCKED") == 0x2000
        assert value(tables, target, "MAP_NORESERVE") == 0x4000
    # linux_like/linux/gnu/b64/powerpc64/mod.rs:461-462
    for target in ("powerpc64-gnu", "powerpc64le-gnu"):
        assert value(tables, target, "MAP_LOCKED") == 0x80
        assert value(tables, target, "MAP_NORESERVE") == 0x40
    # linux_like/linux/musl/b32/powerpc.rs:252-253: 32-bit musl is right
    assert value(tables, "powerpc-musl", "MAP_LOCKED") == 0x80


#: MAP_LOCKED, MAP_NORESERVE as the kernel's uapi headers define them:
#: /usr/powerpc64-linux-gnu/include/asm/mman.h:17-18, /usr/mips-linux-gnu/include/asm/mman.h:41,46,
#: /usr/sparc64-linux-gnu/include/asm/mman.h:12,14, else asm-generic/mman.h:10-11.
KERNEL = {"powerpc": (0x80, 0x40), "mips": (0x8000, 0x400), "sparc": (0x100, 0x40)}
GENERIC = (0x2000, 0x4000)


def kernel_family(arch: str) -> str:
    return next((k for k in KERNEL if arch.startswith(k)), "generic")


def test_map_locked_and_noreserve_match_the_kernel_but_on_powerpc64_musl(
    tables: dict[str, BindingTable],
) -> None:
    wrong = []
    for name, table in tables.items():
        kernel = KERNEL.get(kernel_family(table.binding_arch), GENERIC)
        got = (value(tables, name, "MAP_LOCKED"), value(tables, name, "MAP_NORESERVE"))
        if got != kernel:
            wrong.append(name)
    assert wrong == ["powerpc64-musl", "powerpc64le-musl"]


def test_sample_values(tables: dict[str, BindingTable]) -> None:
    # linux_like/linux/gnu/b64/x86_64/mod.rs:613, linux_like/linux/gnu/b32/mips/mod.rs:650
    assert value(tables, "x86_64-gnu", "MAP_ANONYMOUS") == 0x20
    assert value(tables, "mips-gnu", "MAP_ANONYMOUS") == 0x800
    assert value(tables, "mips64el-gnu", "MAP_ANONYMOUS") == 0x800  # gnu/b64/mips64/mod.rs:739
    # linux_like/linux/musl/mod.rs:527 `MAP_ANON`, from musl/b64/powerpc64.rs:164 by the globs
    assert value(tables, "powerpc64-musl", "MAP_ANONYMOUS") == 0x20
    # linux_like/mod.rs:634
    assert {value(tables, t, "MADV_REMOVE") for t in tables} == {9}
    # mod.rs:209 (a negative literal), mod.rs:279 (`23 << 3`)
    assert value(tables, "x86-gnu", "INT_MIN") == -2147483648
    assert value(tables, "s390x-musl", "LOG_LOCAL7") == 184


def test_operators_casts_and_references(tables: dict[str, BindingTable]) -> None:
    # mod.rs:214 `!0 as sighandler_t`, sighandler_t = ::size_t = usize (mod.rs:19, 28)
    assert value(tables, "x86_64-gnu", "SIG_ERR") == 2**64 - 1
    assert value(tables, "x86-musl", "SIG_ERR") == 2**32 - 1
    assert value(tables, "x32-gnu", "SIG_ERR") == 2**32 - 1
    # linux_like/linux/gnu/mod.rs:672 `O_NONBLOCK as ::c_uint`; O_NONBLOCK from
    # gnu/b32/mips/mod.rs:556 (128) and gnu/b64/x86_64/mod.rs:415 (2048)
    assert value(tables, "mips-gnu", "PIDFD_NONBLOCK") == 128
    assert value(tables, "x86_64-gnu", "PIDFD_NONBLOCK") == 2048
    # linux_like/linux/musl/mod.rs:470 `30 << MAP_HUGE_SHIFT`, MAP_HUGE_SHIFT = 26 (:458)
    assert value(tables, "aarch64-musl", "MAP_HUGE_1GB") == 30 << 26
    # linux_like/linux/gnu/b64/x86_64/mod.rs:422 `0o20000000 | O_DIRECTORY` (0x10000)
    assert value(tables, "x86_64-gnu", "O_TMPFILE") == 0o20000000 | 0x10000
    # linux_like/linux/mod.rs:1391 `b'E'`
    assert value(tables, "arm-gnu", "ELFMAG1") == ord("E")
    # linux_like/linux/gnu/b64/loongarch64/mod.rs:566 `0o00004000`
    assert value(tables, "loongarch64-gnu", "O_NONBLOCK") == 2048


def test_x32_is_told_apart_by_its_pointer_width(tables: dict[str, BindingTable]) -> None:
    # linux_like/linux/gnu/b64/x86_64/x32.rs:52,54 `__X32_SYSCALL_BIT + 0`; not_x32.rs:79
    assert value(tables, "x32-gnu", "SYS_read") == 0x40000000
    assert value(tables, "x86_64-gnu", "SYS_read") == 0
    assert const(tables, "x32-gnu", "SYS_read").ctype == "long"


def test_struct_and_pointer_constants_are_left_out(tables: dict[str, BindingTable]) -> None:
    names = {m.name for m in tables["x86_64-gnu"].macros}
    assert "MAP_FAILED" not in names  # linux_like/mod.rs:584, a pointer
    assert "PTHREAD_MUTEX_INITIALIZER" not in names  # a struct, in align_const!
    assert "MAP_SHARED" in names


def test_tables_are_sorted_by_name(tables: dict[str, BindingTable]) -> None:
    names = [m.name for m in tables["riscv64-gnu"].macros]
    assert names == sorted(names)


def test_selectors() -> None:
    assert [t.name for t in select(["powerpc64-musl"])] == ["powerpc64-musl"]
    assert [t.name for t in select(["mips64el"])] == ["mips64el-gnu", "mips64el-musl"]
    assert len(select(["musl"])) == 16
    assert [t.binding_arch for t in read(LIBC, ["hexagon"])] == ["hexagon"]
    with pytest.raises(AbicheckError) as caught:
        select(["ppc64"])
    message = str(caught.value)
    start = "abicheck: error: unknown Rust target 'ppc64'; available: aarch64-gnu, "
    assert message.startswith(start)
    assert message.endswith(", x86_64-gnu, x86_64-musl (or an arch alone, or gnu or musl)")


def test_the_target_facts() -> None:
    by_name = {t.name: t for t in TARGETS}
    x32 = by_name["x32-gnu"]
    assert ("target_arch", "x86_64") in x32.facts
    assert ("target_pointer_width", "32") in x32.facts
    assert ("target_abi", "x32") in x32.facts
    assert ("target_endian", "little") in by_name["powerpc64le-musl"].facts
    assert ("target_arch", "powerpc64") in by_name["powerpc64le-musl"].facts
    assert by_name["arm-musl"].triple == "arm-unknown-linux-musleabihf"


# --- bad input: one located error each, never a traceback or a hang


def crate(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def error(root: Path) -> str:
    with pytest.raises(AbicheckError) as caught:
        read(root, ["x86_64-gnu"])
    return str(caught.value)


def test_unterminated_block_comment(tmp_path: Path) -> None:
    root = crate(tmp_path, {"src/lib.rs": "pub const A: u8 = 1;\n/* outer /* inner */\n"})
    assert error(root) == f"{root}/src/lib.rs:2: error: unterminated block comment"


def test_unbalanced_braces_in_cfg_if(tmp_path: Path) -> None:
    text = "cfg_if! {\n    if #[cfg(unix)] {\n        pub const A: u8 = 1;\n}\n"
    root = crate(tmp_path, {"src/lib.rs": text})
    assert error(root) == f"{root}/src/lib.rs:1: error: unclosed '{{'"


def test_missing_module_file(tmp_path: Path) -> None:
    root = crate(tmp_path, {"src/lib.rs": "\nmod unix;\npub use unix::*;\n"})
    message = "no file for module unix (unix.rs or unix/mod.rs)"
    assert error(root) == f"{root}/src/lib.rs:2: error: {message}"


def test_glob_cycle(tmp_path: Path) -> None:
    files = {
        "src/lib.rs": "mod a;\npub use a::*;\npub type c_char = i8;\n",
        "src/a.rs": "mod b;\npub use self::b::*;\n",
        "src/a/b.rs": "\npub use super::*;\n",
    }
    root = crate(tmp_path, files)
    assert error(root) == f"{root}/src/a/b.rs:2: error: cycle of glob imports through super"


def test_path_attribute_cycle_is_cut(tmp_path: Path) -> None:
    root = crate(tmp_path, {"src/lib.rs": '#[path = "lib.rs"]\nmod again;\n'})
    assert error(root) == f"{root}/src/lib.rs:2: error: modules nested deeper than 32"


def test_a_const_defined_twice_for_one_target(tmp_path: Path) -> None:
    text = "pub const A: u8 = 1;\n#[cfg(unix)]\npub const A: u8 = 2;\n"
    root = crate(tmp_path, {"src/lib.rs": text})
    message = "const A defined twice for this target (first at line 1)"
    assert error(root) == f"{root}/src/lib.rs:3: error: {message}"


def test_not_a_checkout(tmp_path: Path) -> None:
    assert error(tmp_path) == f"{tmp_path}: error: not a checkout of the libc crate: no src/lib.rs"


def test_a_small_crate_of_every_construct(tmp_path: Path) -> None:
    text = """
    //! inner doc /* not a comment start
    #![allow(bad_style)]
    /* nested /* block */ comment */
    pub type c_char = i8;
    pub type c_int = i32;
    pub type c_ulong = u64;
    const R: &str = r#"raw " string"#;
    pub const S: &str = "a \\" quote";
    pub const CH: char = '}';
    s! { pub struct x { pub a: c_int, } }
    macro_rules! m { () => { pub const HIDDEN: u8 = 1; } }
    cfg_if! {
        if #[cfg(target_os = "macos")] {
            pub const OS: c_int = 1;
        } else if #[cfg(all(target_os = "linux", not(target_env = "musl")))] {
            pub const OS: c_int = 0x4_0_u32 as c_int;
            cfg_if! { if #[cfg(target_endian = "big")] { pub const BE: u8 = 1; } }
        } else {
            pub const OS: c_int = 3;
        }
    }
    #[cfg(any(target_pointer_width = "64", windows))]
    pub const WIDE: c_ulong = !0 >> 4;
    pub const NEG: c_int = 0xffff_ffff;
    pub const MIX: u16 = (1 << 3 | 0b101) * 2 - 1 ^ 0x10 & 0xff;
    pub const FLOAT: f64 = 1.5;
    pub const CALL: c_int = f(1);
    pub const BYTE: u8 = 300_i32 as u8;
    pub const DIV: c_int = -7 / 2 + -7 % 2;
    pub const PATHS: c_int = crate::OS + self::NEG + ::OS;
    """
    root = crate(tmp_path, {"src/lib.rs": text})
    (table,) = read(root, ["x86_64-gnu"])
    got = {m.name: m.value for m in table.macros}
    assert got == {
        "OS": 0x40,
        "WIDE": (2**64 - 1) >> 4,
        "NEG": -1,
        "MIX": ((1 << 3 | 0b101) * 2 - 1) ^ (0x10 & 0xFF),
        "BYTE": 300 % 256,
        "DIV": -3 + -1,
        "PATHS": 0x40 - 1 + 0x40,
    }
    assert {m.name: m.expr for m in table.macros}["OS"] == "0x4_0_u32 as c_int"
    (big,) = read(root, ["s390x-gnu"])
    assert {m.name for m in big.macros} >= {"BE", "OS"}


def test_a_constant_that_refers_to_itself(tmp_path: Path) -> None:
    text = "pub type c_char = i8;\npub const A: u8 = B;\npub const B: u8 = A + 1;\n"
    root = crate(tmp_path, {"src/lib.rs": text})
    assert error(root) == f"{root}/src/lib.rs:2: error: constant A refers to itself"


def test_a_file_that_ends_inside_an_item(tmp_path: Path) -> None:
    root = crate(tmp_path, {"src/lib.rs": "pub type c_char = i8;\npub const"})
    assert error(root) == f"{root}/src/lib.rs:2: error: unexpected end of file"


def test_an_empty_cfg(tmp_path: Path) -> None:
    root = crate(tmp_path, {"src/lib.rs": "pub type c_char = i8;\n\n#[cfg()]\nmod x;\n"})
    assert error(root) == f"{root}/src/lib.rs:3: error: empty cfg predicate"


def test_a_cfg_on_cfg_if_applies_to_every_branch(tmp_path: Path) -> None:
    text = """pub type c_char = i8;
    #[cfg(target_env = "musl")]
    cfg_if! {
        if #[cfg(target_arch = "x86_64")] { pub const A: u8 = 1; } else { pub const B: u8 = 2; }
    }
    """
    root = crate(tmp_path, {"src/lib.rs": text})
    got = {t.binding_arch + "-" + t.env: [m.name for m in t.macros] for t in read(root)}
    assert got["x86_64-musl"] == ["A"]
    assert got["aarch64-musl"] == ["B"]
    assert got["x86_64-gnu"] == []
