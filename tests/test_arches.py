"""The architecture registry, against the real cross headers Debian installs."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from abicheck import arches
from abicheck.arches import (
    PREDEFINES_FILE,
    Arch,
    all_arches,
    compiler_package,
    cross_compiler,
    debian_arches,
    generic,
    generic_predefines,
    host_arch,
    include_dirs,
    is_host,
    kernel_tree_include_dirs,
    lookup,
    recorded,
    recorded_predefines,
)
from abicheck.model import AbicheckError

REPO = Path(__file__).resolve().parent.parent
DEBIAN_NAMES = [
    "alpha",
    "amd64",
    "arc",
    "arm64",
    "armel",
    "armhf",
    "hppa",
    "i386",
    "m68k",
    "mips",
    "mips64",
    "mips64el",
    "mipsel",
    "powerpc",
    "ppc64",
    "ppc64el",
    "riscv64",
    "s390x",
    "sh4",
    "sparc64",
    "x32",
]
#: Kernel architectures Debian has no cross headers for (read from a kernel tree).
KERNEL_ONLY = [
    "csky",
    "hexagon",
    "hppa64",
    "ia64",
    "loong64",
    "microblaze",
    "nios2",
    "or1k",
    "riscv32",
    "sparc32",
    "xtensa",
]


def test_all_arches_sorted_and_complete() -> None:
    names = [a.name for a in all_arches()]
    assert names == sorted(names)
    assert names == sorted(DEBIAN_NAMES + KERNEL_ONLY)
    assert [a.name for a in debian_arches()] == DEBIAN_NAMES
    assert all(not lookup(n).cross_package for n in KERNEL_ONLY)
    # every architecture of the kernel's arch/ with a uapi but um
    assert {a.kernel for a in all_arches()} == {
        *("alpha", "arc", "arm", "arm64", "csky", "hexagon", "ia64", "loongarch", "m68k"),
        *("microblaze", "mips", "nios2", "openrisc", "parisc", "powerpc", "riscv", "s390"),
        *("sh", "sparc", "x86", "xtensa"),
    }


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("arm", "armhf"),
        ("parisc", "hppa"),
        ("sparc", "sparc64"),
        ("x86", "amd64"),
        ("x86_64", "amd64"),
        ("powerpc64", "ppc64"),
        ("ppc64le", "ppc64el"),
        ("aarch64", "arm64"),
        ("riscv", "riscv64"),
        ("s390", "s390x"),
        ("sh", "sh4"),
        ("loongarch64", "loong64"),
        ("openrisc", "or1k"),
        ("parisc64", "hppa64"),
        ("i686", "i386"),
        ("MIPS", "mips"),
        ("mips64el-linux-gnuabi64", "mips64el"),
        ("i386-linux-gnu", "i386"),
    ],
)
def test_lookup_aliases(alias: str, name: str) -> None:
    assert lookup(alias).name == name


@pytest.mark.parametrize("name", DEBIAN_NAMES)
def test_lookup_debian_names(name: str) -> None:
    arch = lookup(name)
    assert arch.name == name
    assert arch.cross_package == f"linux-libc-dev-{name}-cross"


def test_unknown_arch_lists_available() -> None:
    with pytest.raises(AbicheckError) as info:
        lookup("vax")
    msg = str(info.value)
    assert "unknown architecture 'vax'" in msg
    assert "available: " + ", ".join(sorted(DEBIAN_NAMES + KERNEL_ONLY)) in msg


def test_host_arch_matches_machine() -> None:
    assert host_arch() == lookup(platform.machine())


def test_predefines_agree_with_fields() -> None:
    for arch in all_arches():
        pre = arch.predefined()
        assert len(pre) == len(arch.predefines), arch.name  # no duplicates
        assert pre["__SIZEOF_LONG__"] == pre["__SIZEOF_POINTER__"] == str(arch.bits // 8)
        assert ("__LP64__" in pre) == (arch.data_model == "lp64")
        order = "__ORDER_BIG_ENDIAN__" if arch.big_endian else "__ORDER_LITTLE_ENDIAN__"
        assert pre["__BYTE_ORDER__"] == order
        assert ("__CHAR_UNSIGNED__" in pre) == arch.unsigned_char


def test_kernel_arch_names() -> None:
    kernel = {a.name: a.kernel for a in all_arches()}
    assert kernel["armhf"] == kernel["armel"] == "arm"
    assert kernel["hppa"] == "parisc"
    assert kernel["x32"] == kernel["i386"] == kernel["amd64"] == "x86"
    assert kernel["ppc64el"] == "powerpc"
    assert kernel["mips64el"] == "mips"


def test_ci_installs_every_cross_package() -> None:
    listed = (REPO / ".ci" / "apt-packages.txt").read_text().split()
    assert "chromium" in listed
    assert "linux-source-6.1" in listed  # the kernel tree of the KERNEL_ONLY arches
    for arch in debian_arches():
        assert arch.cross_package in listed


@pytest.mark.parametrize("arch", debian_arches(), ids=lambda a: a.name)
def test_cross_headers_installed(arch: Arch) -> None:
    dirs = include_dirs(arch)
    assert dirs is not None, f"apt-get install {arch.cross_package}"
    assert any((d / "asm" / "mman.h").is_file() for d in dirs)
    assert any((d / "linux" / "mman.h").is_file() for d in dirs)


def test_host_include_dirs_are_multiarch() -> None:
    host = host_arch()
    assert include_dirs(host) == (Path("/usr/include") / host.multiarch, Path("/usr/include"))


def test_missing_headers_give_none(tmp_path: Path) -> None:
    assert include_dirs(lookup("mips"), root=tmp_path) is None
    (tmp_path / "mips-linux-gnu" / "include" / "asm").mkdir(parents=True)
    assert include_dirs(lookup("mips"), root=tmp_path) == (tmp_path / "mips-linux-gnu/include",)


def test_kernel_tree_include_dirs(tmp_path: Path) -> None:
    for d in ("arch/mips/include/uapi", "include/uapi", "include/generated/uapi"):
        (tmp_path / d).mkdir(parents=True)
    assert kernel_tree_include_dirs(tmp_path, lookup("mipsel")) == (
        tmp_path / "arch/mips/include/uapi",
        tmp_path / "include/uapi",
        tmp_path / "include/generated/uapi",
    )
    (tmp_path / "arch/mips/include/generated/uapi").mkdir(parents=True)
    assert kernel_tree_include_dirs(tmp_path, lookup("mips"))[1] == (
        tmp_path / "arch/mips/include/generated/uapi"
    )
    with pytest.raises(AbicheckError, match="not a kernel source tree"):
        kernel_tree_include_dirs(tmp_path, lookup("sparc"))


# -- predefines: recorded from each Debian architecture's gcc ---------------------

_DEFINE = re.compile(r"#define (\w+)(\(?)(?: (.*))?$")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
#: Where the generic predefines (for the architectures without a compiler) differ
#: from a real gcc's: x87 arithmetic evaluates float expressions as long double.
GENERIC_DIFFERS = {
    "i386": {"__FLT_EVAL_METHOD__": "2", "__FLT_EVAL_METHOD_TS_18661_3__": "2"},
    "m68k": {"__FLT_EVAL_METHOD__": "2", "__FLT_EVAL_METHOD_TS_18661_3__": "2"},
}


def _gcc_predefines(arch: Arch) -> dict[str, str]:
    """``arch``'s gcc's object-like predefines, from ``gcc -dM -E``."""
    cc = cross_compiler(arch)
    assert shutil.which(cc), f"apt-get install {compiler_package(arch)}"
    proc = subprocess.run(
        [cc, "-dM", "-E", "-x", "c", "/dev/null"], capture_output=True, text=True, check=True
    )
    out = {}
    for line in proc.stdout.splitlines():
        m = _DEFINE.match(line)
        if m and not m.group(2):
            out[m.group(1)] = (m.group(3) or "").strip()
    return out


def test_ci_installs_every_cross_compiler() -> None:
    listed = (REPO / ".ci" / "apt-packages.txt").read_text().split()
    # the host's compiler (x86_64-linux-gnu-gcc comes with gcc), its C library's
    # headers and its kernel's, which the system source and the host oracles read
    assert {"gcc", "libc6-dev", "linux-libc-dev"} <= set(listed)
    for arch in debian_arches():
        if not is_host(arch):
            assert compiler_package(arch) in listed
    assert compiler_package(lookup("x32")) == "gcc-x86-64-linux-gnux32"
    assert cross_compiler(lookup("csky")) == compiler_package(lookup("csky")) == ""


@pytest.mark.parametrize("arch", debian_arches(), ids=lambda a: a.name)
def test_predefines_are_gccs(arch: Arch) -> None:
    """Every predefine is the architecture's gcc's, and what is left out is only
    what :func:`recorded` leaves out (so the shipped data is up to date)."""
    gcc = _gcc_predefines(arch)
    ours = arch.predefined()
    assert {n: gcc.get(n) for n in ours} == ours
    assert recorded_predefines()[arch.name] == recorded(gcc)
    left_out = set(gcc) - set(ours)
    assert "__FLT_MAX__" in left_out and "__VERSION__" in left_out
    assert not {"__STDC_VERSION__", "__STDC_HOSTED__", "__INT16_MAX__"} & left_out
    assert all(not _FLOAT_VALUE.search(v) for v in ours.values())


_FLOAT_VALUE = re.compile(r"\d\.\d")


@pytest.mark.parametrize("arch", debian_arches(), ids=lambda a: a.name)
def test_predefines_cover_what_headers_test(arch: Arch) -> None:
    """Each gcc predefine named in the architecture's uapi and glibc headers
    (``/usr/<triplet>/include``) is one of ours."""
    root = Path("/usr") / arch.triplet / "include"
    assert (root / "features.h").is_file(), f"apt-get install {arch.libc_package}"
    named: set[str] = set()
    for path in root.rglob("*.h"):
        named.update(_IDENTIFIER.findall(path.read_text(encoding="utf-8", errors="replace")))
    wanted = set(_gcc_predefines(arch)) & named
    assert {"__STDC_VERSION__", "__GNUC__", "__WORDSIZE_TIME64_COMPAT32"} & named
    assert sorted(wanted - set(arch.predefined())) == []


@pytest.mark.parametrize("arch", debian_arches(), ids=lambda a: a.name)
def test_generic_predefines_agree_with_gcc(arch: Arch) -> None:
    """The predefines computed for the architectures without a compiler (data model,
    byte order, char sign, wchar_t) are what each real gcc has for the same names."""
    gcc = recorded_predefines()[arch.name]
    wchar = gcc["__WCHAR_TYPE__"]
    ours = generic(arch.data_model, arch.big_endian, arch.unsigned_char, wchar)
    differs = {n: gcc.get(n) for n, v in ours.items() if gcc.get(n, v) != v}
    assert differs == GENERIC_DIFFERS.get(arch.name, {})
    missing = set(ours) - set(gcc) - {"__GNUC__", "__GNUC_MINOR__", "__GNUC_PATCHLEVEL__"}
    assert sorted(missing) == []
    assert {"__INT_FAST16_TYPE__", "__SIZE_MAX__", "__WCHAR_MIN__", "__STDC_HOSTED__"} <= set(ours)


def test_fields_agree_with_recorded_predefines() -> None:
    for arch in debian_arches():
        gcc = recorded_predefines()[arch.name]
        assert ("__CHAR_UNSIGNED__" in gcc) == arch.unsigned_char, arch.name
        assert (gcc["__BYTE_ORDER__"] == "__ORDER_BIG_ENDIAN__") == arch.big_endian, arch.name
        assert gcc["__SIZEOF_LONG__"] == str(arch.bits // 8), arch.name


def test_predefines_without_a_compiler() -> None:
    csky = lookup("csky").predefined()
    assert csky["__csky__"] == "1"
    assert csky["__STDC_VERSION__"] == "201710L"
    assert csky["__CHAR_UNSIGNED__"] == "1"
    assert csky["__SIZE_TYPE__"] == "unsigned int"
    assert csky["__INT64_MAX__"] == "0x7fffffffffffffffLL"
    assert csky["__UINT32_MAX__"] == "0xffffffffU"
    loong = lookup("loong64").predefined()
    assert loong["__INT_FAST16_TYPE__"] == "long int"
    assert loong["__UINTPTR_MAX__"] == "0xffffffffffffffffUL"
    assert loong["__SIZEOF_INT128__"] == "16"
    assert "__i386__" not in generic_predefines("ilp32")
    assert "__x86_64__" not in generic_predefines("lp64")
    assert "__ILP32__" not in generic_predefines("ilp32")


def test_recorded_leaves_out_floats_and_version() -> None:
    kept = recorded(
        {
            "__FLT_MAX__": "3.40282346638528859811704183484516925e+38F",
            "__DBL_DENORM_MIN__": "((double)4.94065645841246544176568792868221372e-324L)",
            "__FLT128_MANT_DIG__": "113",
            "__DEC32_MAX__": "9.999999E96DF",
            "__ACCUM_FBIT__": "15",
            "__ACCUM_EPSILON__": "0x1P-15K",
            "__GNUC__": "12",
            "__VERSION__": '"12.2.0"',
            "__FLT_EVAL_METHOD__": "0",
            "__LDBL_MANT_DIG__": "113",
            "__INT64_MAX__": "0x7fffffffffffffffL",
            "__REGISTER_PREFIX__": "",
        }
    )
    assert kept == {
        "__FLT_EVAL_METHOD__": "0",
        "__LDBL_MANT_DIG__": "113",
        "__INT64_MAX__": "0x7fffffffffffffffL",
        "__REGISTER_PREFIX__": "",
    }


def test_unknown_arch_suggests_close_names() -> None:
    with pytest.raises(AbicheckError) as info:
        lookup("amd46")
    assert "did you mean amd64 or arm64? available: alpha, amd64," in str(info.value)


def test_predefines_recorded_with_the_script(tmp_path: Path) -> None:
    """scripts/record-predefines, run as documented, makes the shipped file byte for
    byte (sorted, so a rerun with the same compilers changes nothing)."""
    made = tmp_path / "predefines.json"
    argv = [sys.executable, str(REPO / "scripts" / "record-predefines"), "-o", str(made)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert made.read_bytes() == PREDEFINES_FILE.read_bytes()
    assert PREDEFINES_FILE.name == "predefines.json"


def test_include_paths_are_include_dirs(tmp_path: Path) -> None:
    # the strings a run of parse uses, and the Paths of include_dirs, under a fake /usr
    host = host_arch()
    (tmp_path / "include" / host.multiarch / "asm").mkdir(parents=True)
    armel = lookup("armel")
    (tmp_path / armel.triplet / "include" / "asm").mkdir(parents=True)
    mips = lookup("mips")
    for arch in (host, armel, mips):
        found = arches.include_paths(arch, str(tmp_path))
        dirs = include_dirs(arch, tmp_path)
        assert (None if found is None else tuple(map(Path, found))) == dirs
        assert arches.include_paths(arch) == (
            None if include_dirs(arch) is None else tuple(map(str, include_dirs(arch) or ()))
        )
    assert include_dirs(host, tmp_path) == (
        tmp_path / "include" / host.multiarch,
        tmp_path / "include",
    )
    assert include_dirs(armel, tmp_path) == (tmp_path / armel.triplet / "include",)
    assert include_dirs(mips, tmp_path) is None
    usr, predefines = arches.USR, arches.PREDEFINES_FILE
    assert usr == Path("/usr") and predefines == Path(arches.PREDEFINES_PATH)
