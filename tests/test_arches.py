"""The architecture registry, against the real cross headers Debian installs."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from abicheck.arches import (
    Arch,
    all_arches,
    debian_arches,
    host_arch,
    include_dirs,
    kernel_tree_include_dirs,
    lookup,
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
