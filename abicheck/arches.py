"""The registry of Linux architectures: Debian names, kernel names, include dirs, predefines.

Each :class:`Arch` records what is needed to read that architecture's uapi headers
without a cross compiler: where Debian's ``linux-libc-dev-<arch>-cross`` package puts
them (``/usr/<triplet>/include``) and which macros the target's gcc predefines (the
ones the headers test to pick their branches, e.g. ``_MIPS_SIM`` or ``__arch64__``).
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from abicheck.model import AbicheckError
from abicheck.reader.datamodel import DataModel as DataModelSpec
from abicheck.reader.datamodel import DataModelName as DataModel
from abicheck.reader.datamodel import arch_model

#: Root under which the cross packages and the host's multiarch headers live.
USR = Path("/usr")


@dataclass(frozen=True, slots=True)
class Arch:
    """One Linux architecture as Debian names it.

    ``name`` is the Debian architecture, ``kernel`` the directory under the kernel's
    ``arch/``, ``triplet`` the directory of the cross headers (``/usr/<triplet>/include``),
    ``multiarch`` the Debian multiarch tuple (``/usr/include/<multiarch>`` when it is the
    host; it differs from ``triplet`` only for i386), ``cross_package`` the Debian
    package shipping the cross headers ("" for the architectures Debian has none for,
    read from a kernel source tree or the shipped snapshot), and ``predefines`` the
    target gcc's predefined macros that matter to uapi headers, as ``(name,
    replacement)`` pairs.
    """

    name: str
    kernel: str
    triplet: str
    multiarch: str
    cross_package: str
    data_model: DataModel
    big_endian: bool
    unsigned_char: bool
    predefines: tuple[tuple[str, str], ...]

    @property
    def bits(self) -> int:
        """Width of ``long`` and pointers: 64 for lp64, 32 for ilp32."""
        return 64 if self.data_model == "lp64" else 32

    @property
    def libc_package(self) -> str:
        """Debian's package of glibc's headers for this architecture ("" where none)."""
        return f"libc6-dev-{self.name}-cross" if self.cross_package else ""

    @property
    def install_hint(self) -> str:
        """How to get this architecture's headers, for error messages."""
        if self.cross_package:
            return f"install {self.cross_package}"
        return "give --kernel-tree (Debian has no cross headers for it)"

    @property
    def abi(self) -> DataModelSpec:
        """This architecture's C ABI: sizes and alignments of the basic types, alone
        and in structs, char signedness, bit-field rules (``headers/abi.json``)."""
        return arch_model(self.name, self.data_model, not self.unsigned_char)

    def predefined(self) -> dict[str, str]:
        """The predefines as a name -> replacement mapping."""
        return dict(self.predefines)


def _common(data_model: DataModel, big_endian: bool, unsigned_char: bool) -> list[tuple[str, str]]:
    """Predefines every Linux gcc target has, given its data model, byte order, char sign."""
    lp64 = data_model == "lp64"
    order = "__ORDER_BIG_ENDIAN__" if big_endian else "__ORDER_LITTLE_ENDIAN__"
    out = [
        ("__linux__", "1"),
        ("__linux", "1"),
        ("__gnu_linux__", "1"),
        ("__unix__", "1"),
        ("__unix", "1"),
        ("linux", "1"),
        ("unix", "1"),
        ("__ELF__", "1"),
        ("__CHAR_BIT__", "8"),
        ("__ORDER_LITTLE_ENDIAN__", "1234"),
        ("__ORDER_BIG_ENDIAN__", "4321"),
        ("__ORDER_PDP_ENDIAN__", "3412"),
        ("__BYTE_ORDER__", order),
        ("__FLOAT_WORD_ORDER__", order),
        ("__SIZEOF_SHORT__", "2"),
        ("__SIZEOF_INT__", "4"),
        ("__SIZEOF_LONG__", "8" if lp64 else "4"),
        ("__SIZEOF_LONG_LONG__", "8"),
        ("__SIZEOF_POINTER__", "8" if lp64 else "4"),
        ("__SIZEOF_SIZE_T__", "8" if lp64 else "4"),
        ("__SIZEOF_PTRDIFF_T__", "8" if lp64 else "4"),
        ("__SCHAR_MAX__", "0x7f"),
        ("__SHRT_MAX__", "0x7fff"),
        ("__INT_MAX__", "0x7fffffff"),
        ("__LONG_MAX__", "0x7fffffffffffffffL" if lp64 else "0x7fffffffL"),
        ("__LONG_LONG_MAX__", "0x7fffffffffffffffLL"),
        ("__SIZE_TYPE__", "long unsigned int" if lp64 else "unsigned int"),
        ("__PTRDIFF_TYPE__", "long int" if lp64 else "int"),
        ("__INTPTR_TYPE__", "long int" if lp64 else "int"),
        ("__UINTPTR_TYPE__", "long unsigned int" if lp64 else "unsigned int"),
        ("__INT32_TYPE__", "int"),
        ("__UINT32_TYPE__", "unsigned int"),
        ("__INT64_TYPE__", "long int" if lp64 else "long long int"),
        ("__UINT64_TYPE__", "long unsigned int" if lp64 else "long long unsigned int"),
        ("__WINT_TYPE__", "unsigned int"),
    ]
    if lp64:
        out += [("__LP64__", "1"), ("_LP64", "1")]
    if unsigned_char:
        out.append(("__CHAR_UNSIGNED__", "1"))
    return out


def generic_predefines(data_model: DataModel = "ilp32") -> dict[str, str]:
    """The predefines of a generic little-endian Linux target of ``data_model`` with
    no architecture's own macros: for an architecture abicheck does not know."""
    return dict(_wchar(_common(data_model, False, False)))


def _arch(
    name: str,
    kernel: str,
    triplet: str,
    data_model: DataModel,
    big_endian: bool,
    unsigned_char: bool,
    specific: list[tuple[str, str]],
    multiarch: str | None = None,
    debian: bool = True,
) -> Arch:
    return Arch(
        name=name,
        kernel=kernel,
        triplet=triplet,
        multiarch=multiarch or triplet,
        cross_package=f"linux-libc-dev-{name}-cross" if debian else "",
        data_model=data_model,
        big_endian=big_endian,
        unsigned_char=unsigned_char,
        predefines=tuple(_common(data_model, big_endian, unsigned_char) + _wchar(specific)),
    )


def _wchar(specific: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``specific`` with wchar_t's type, ``int`` unless it says otherwise."""
    if any(name == "__WCHAR_TYPE__" for name, _ in specific):
        return specific
    return [*specific, ("__WCHAR_TYPE__", "int")]


def _mips(name: str, triplet: str, lp64: bool, big_endian: bool) -> Arch:
    eb = "EB" if big_endian else "EL"
    specific = [
        ("__mips__", "1"),
        ("__mips", "64" if lp64 else "32"),
        ("_ABIO32", "1"),
        ("_ABIN32", "2"),
        ("_ABI64", "3"),
        ("_MIPS_SIM", "_ABI64" if lp64 else "_ABIO32"),
        ("_MIPS_SZINT", "32"),
        ("_MIPS_SZLONG", "64" if lp64 else "32"),
        ("_MIPS_SZPTR", "64" if lp64 else "32"),
        (f"__MIPS{eb}__", "1"),
        (f"__MIPS{eb}", "1"),
        (f"_MIPS{eb}", "1"),
    ]
    if lp64:
        specific += [("__mips64", "1"), ("__mips64__", "1")]
    return _arch(name, "mips", triplet, "lp64" if lp64 else "ilp32", big_endian, False, specific)


_PPC = [("__powerpc__", "1"), ("__powerpc", "1"), ("__PPC__", "1"), ("__PPC", "1")]
_PPC += [("_ARCH_PPC", "1")]
_PPC64 = [("__powerpc64__", "1"), ("__PPC64__", "1"), ("_ARCH_PPC64", "1")]
_BE = [("__BIG_ENDIAN__", "1"), ("_BIG_ENDIAN", "1")]
_LE = [("__LITTLE_ENDIAN__", "1"), ("_LITTLE_ENDIAN", "1")]
_ARM = [("__arm__", "1"), ("__ARM_EABI__", "1"), ("__ARMEL__", "1"), ("__ARM_32BIT_STATE", "1")]
_ARM += [("__WCHAR_TYPE__", "unsigned int")]
_X86_64 = [("__x86_64__", "1"), ("__x86_64", "1"), ("__amd64__", "1"), ("__amd64", "1")]

# fmt: off
_ARCHES: tuple[Arch, ...] = (
    _arch("alpha", "alpha", "alpha-linux-gnu", "lp64", False, False,
          [("__alpha__", "1"), ("__alpha", "1")]),
    _arch("amd64", "x86", "x86_64-linux-gnu", "lp64", False, False, _X86_64),
    _arch("arc", "arc", "arc-linux-gnu", "ilp32", False, True,
          [("__arc__", "1"), ("__ARCHS__", "1"), ("__LITTLE_ENDIAN__", "1")]),
    _arch("arm64", "arm64", "aarch64-linux-gnu", "lp64", False, True,
          [("__aarch64__", "1"), ("__AARCH64EL__", "1"), ("__ARM_64BIT_STATE", "1"),
           ("__ARM_ARCH", "8"), ("__WCHAR_TYPE__", "unsigned int")]),
    _arch("armel", "arm", "arm-linux-gnueabi", "ilp32", False, True,
          [*_ARM, ("__ARM_ARCH", "5")]),
    _arch("armhf", "arm", "arm-linux-gnueabihf", "ilp32", False, True,
          [*_ARM, ("__ARM_ARCH", "7"), ("__ARM_PCS_VFP", "1"), ("__thumb__", "1"),
           ("__thumb2__", "1")]),
    _arch("hppa", "parisc", "hppa-linux-gnu", "ilp32", True, False,
          [("__hppa__", "1"), ("__hppa", "1"), ("_PA_RISC1_1", "1")]),
    _arch("i386", "x86", "i686-linux-gnu", "ilp32", False, False,
          [("__i386__", "1"), ("__i386", "1"), ("__i686__", "1"), ("__i686", "1")],
          multiarch="i386-linux-gnu"),
    _arch("m68k", "m68k", "m68k-linux-gnu", "ilp32", True, False,
          [("__m68k__", "1"), ("__mc68000__", "1"), ("__mc68000", "1"),
           ("__mc68020__", "1"), ("__mc68020", "1")]),
    _mips("mips", "mips-linux-gnu", lp64=False, big_endian=True),
    _mips("mips64", "mips64-linux-gnuabi64", lp64=True, big_endian=True),
    _mips("mips64el", "mips64el-linux-gnuabi64", lp64=True, big_endian=False),
    _mips("mipsel", "mipsel-linux-gnu", lp64=False, big_endian=False),
    _arch("powerpc", "powerpc", "powerpc-linux-gnu", "ilp32", True, True, _PPC + _BE),
    _arch("ppc64", "powerpc", "powerpc64-linux-gnu", "lp64", True, True,
          _PPC + _PPC64 + _BE + [("_CALL_ELF", "1")]),
    _arch("ppc64el", "powerpc", "powerpc64le-linux-gnu", "lp64", False, True,
          _PPC + _PPC64 + _LE + [("_CALL_ELF", "2")]),
    _arch("riscv64", "riscv", "riscv64-linux-gnu", "lp64", False, True,
          [("__riscv", "1"), ("__riscv_xlen", "64"), ("__riscv_flen", "64"),
           ("__riscv_float_abi_double", "1")]),
    _arch("s390x", "s390", "s390x-linux-gnu", "lp64", True, True,
          [("__s390__", "1"), ("__s390x__", "1"), ("__zarch__", "1")]),
    _arch("sh4", "sh", "sh4-linux-gnu", "ilp32", False, False,
          [("__sh__", "1"), ("__SH4__", "1"), ("__LITTLE_ENDIAN__", "1")]),
    _arch("sparc64", "sparc", "sparc64-linux-gnu", "lp64", True, False,
          [("__sparc__", "1"), ("__sparc", "1"), ("__sparc_v9__", "1"),
           ("__arch64__", "1")]),
    _arch("x32", "x86", "x86_64-linux-gnux32", "ilp32", False, False,
          [*_X86_64, ("__ILP32__", "1"), ("_ILP32", "1")]),
    # kernel architectures Debian 12 has no cross headers for
    _arch("csky", "csky", "csky-linux-gnu", "ilp32", False, True,
          [("__csky__", "1"), ("__CSKY__", "1"), ("__ckcore__", "1")], debian=False),
    _arch("hexagon", "hexagon", "hexagon-linux-musl", "ilp32", False, False,
          [("__hexagon__", "1"), ("__HEXAGON_ARCH__", "60")], debian=False),
    _arch("hppa64", "parisc", "hppa64-linux-gnu", "lp64", True, False,
          [("__hppa__", "1"), ("__hppa", "1")], debian=False),
    _arch("ia64", "ia64", "ia64-linux-gnu", "lp64", False, False,
          [("__ia64__", "1"), ("__ia64", "1"), ("__IA64__", "1")], debian=False),
    _arch("loong64", "loongarch", "loongarch64-linux-gnu", "lp64", False, False,
          [("__loongarch__", "1"), ("__loongarch64", "1"), ("__loongarch_grlen", "64"),
           ("_LOONGARCH_SZLONG", "64"), ("_LOONGARCH_SZPTR", "64")], debian=False),
    _arch("microblaze", "microblaze", "microblaze-linux-gnu", "ilp32", True, False,
          [("__microblaze__", "1"), ("__MICROBLAZE__", "1"), ("_BIG_ENDIAN", "1")],
          debian=False),
    _arch("nios2", "nios2", "nios2-linux-gnu", "ilp32", False, False,
          [("__nios2__", "1"), ("__nios2", "1")], debian=False),
    _arch("or1k", "openrisc", "or1k-linux-gnu", "ilp32", True, False,
          [("__or1k__", "1"), ("__OR1K__", "1")], debian=False),
    _arch("riscv32", "riscv", "riscv32-linux-gnu", "ilp32", False, True,
          [("__riscv", "1"), ("__riscv_xlen", "32"), ("__riscv_flen", "64")], debian=False),
    _arch("sparc32", "sparc", "sparc-linux-gnu", "ilp32", True, False,
          [("__sparc__", "1"), ("__sparc", "1")], debian=False),
    _arch("xtensa", "xtensa", "xtensa-linux-gnu", "ilp32", False, True,
          [("__xtensa__", "1"), ("__XTENSA__", "1"), ("__XTENSA_EL__", "1")], debian=False),
)
# fmt: on

_BY_NAME: dict[str, Arch] = {a.name: a for a in _ARCHES}

#: Other spellings (kernel arch dirs, uname -m, GNU triplets) -> Debian name.
ALIASES: dict[str, str] = {
    "aarch64": "arm64",
    "arm": "armhf",
    "armv7l": "armhf",
    "armv7": "armhf",
    "armv6l": "armel",
    "armv5tel": "armel",
    "parisc": "hppa",
    "parisc32": "hppa",
    "sparc": "sparc64",
    "x86": "amd64",
    "x86_64": "amd64",
    "x86-64": "amd64",
    "x64": "amd64",
    "i686": "i386",
    "i586": "i386",
    "i486": "i386",
    "ia32": "i386",
    "powerpc64": "ppc64",
    "powerpc64le": "ppc64el",
    "ppc64le": "ppc64el",
    "ppc": "powerpc",
    "riscv": "riscv64",
    "s390": "s390x",
    "sh": "sh4",
    "mips64le": "mips64el",
    "mipsle": "mipsel",
    "loongarch": "loong64",
    "loongarch64": "loong64",
    "openrisc": "or1k",
    "parisc64": "hppa64",
    **{a.triplet: a.name for a in _ARCHES},
    **{a.multiarch: a.name for a in _ARCHES},
}


def all_arches() -> tuple[Arch, ...]:
    """Every known architecture (each the Linux kernel has a uapi for), sorted by name."""
    return tuple(sorted(_ARCHES, key=lambda a: a.name))


def debian_arches() -> tuple[Arch, ...]:
    """The architectures Debian ships cross headers for, sorted by name."""
    return tuple(a for a in all_arches() if a.cross_package)


def apt_packages(libc: bool = True) -> list[str]:
    """Debian's packages of every architecture's kernel headers (and, with ``libc``,
    the C library's), for ``apt-get install``: what ``arch:`` and ``libc:`` sources
    and ``abicheck binding`` read when installed."""
    out = [a.cross_package for a in debian_arches()]
    if libc:
        out += [a.libc_package for a in debian_arches()]
    return out


def lookup(name: str) -> Arch:
    """The architecture called ``name`` (a Debian name, kernel name or triplet; any case).

    Raises :class:`AbicheckError` listing the available Debian names when unknown.
    """
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    arch = _BY_NAME.get(key)
    if arch is None:
        available = ", ".join(a.name for a in all_arches())
        raise AbicheckError(f"unknown architecture {name!r}; available: {available}")
    return arch


def host_arch() -> Arch:
    """The architecture of this machine, from ``platform.machine()``.

    Raises :class:`AbicheckError` when the machine is not one of the known arches.
    """
    machine = platform.machine().lower()
    if machine in ("mips", "mips64") and sys.byteorder == "little":
        machine += "el"
    return lookup(machine)


def need_linux(what: str) -> None:
    """Raise AbicheckError when this machine does not run Linux: ``what`` (the live
    kernel, this system's uapi headers) is only there on Linux."""
    if not sys.platform.startswith("linux"):
        raise AbicheckError(f"{what} needs Linux; this machine runs {sys.platform}")


def is_host(arch: Arch) -> bool:
    """Whether ``arch`` is this machine's architecture."""
    try:
        return arch.name == host_arch().name
    except AbicheckError:
        return False


def include_dirs(arch: Arch, root: Path = USR) -> tuple[Path, ...] | None:
    """The installed include dirs holding ``arch``'s uapi headers, in search order, or None.

    For the host: ``/usr/include/<multiarch>`` then ``/usr/include`` (where ``asm/`` lives
    in the multiarch dir); otherwise ``/usr/<triplet>/include`` from the cross package.
    None when there is no ``asm/`` folder there (package not installed).
    """
    if is_host(arch):
        host = (root / "include" / arch.multiarch, root / "include")
        if (host[0] / "asm").is_dir():
            return host
    cross = root / arch.triplet / "include"
    if (cross / "asm").is_dir():
        return (cross,)
    return None


def kernel_tree_include_dirs(tree: Path, arch: Arch) -> tuple[Path, ...]:
    """The uapi include dirs of a kernel source tree for ``arch``, in search order.

    ``arch/<karch>/include/uapi``, ``arch/<karch>/include/generated/uapi`` (if present,
    after a ``make headers``), ``include/uapi``, ``include/generated/uapi`` (if present).
    Raises :class:`AbicheckError` when ``tree`` lacks the two uapi dirs.
    """
    karch = tree / "arch" / arch.kernel / "include"
    dirs = [
        karch / "uapi",
        karch / "generated" / "uapi",
        tree / "include" / "uapi",
        tree / "include" / "generated" / "uapi",
    ]
    for required in (dirs[0], dirs[2]):
        if not required.is_dir():
            raise AbicheckError(f"not a kernel source tree: no {required}", str(tree))
    return tuple(d for d in dirs if d.is_dir())
