"""The registry of Linux architectures: Debian names, kernel names, include dirs, predefines.

Each :class:`Arch` records what is needed to read that architecture's uapi headers
without a cross compiler: where Debian's ``linux-libc-dev-<arch>-cross`` package puts
them (``/usr/<triplet>/include``) and which macros the target's gcc predefines (the
ones the headers test to pick their branches, e.g. ``_MIPS_SIM`` or ``__arch64__``).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from functools import cache, lru_cache

from abicheck.model import AbicheckError
from abicheck.reader.datamodel import DataModel as DataModelSpec
from abicheck.reader.datamodel import DataModelName as DataModel
from abicheck.reader.datamodel import arch_model
from abicheck.resources import data_path

from ._pattern import lazy_compile
from ._record import Record
from ._record import set_field as _set

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

#: Root under which the cross packages and the host's multiarch headers live.


class Arch(Record, frozen=True):
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

    __slots__ = (
        "name",
        "kernel",
        "triplet",
        "multiarch",
        "cross_package",
        "data_model",
        "big_endian",
        "unsigned_char",
        "predefines",
    )

    def __init__(
        self,
        name: str,
        kernel: str,
        triplet: str,
        multiarch: str,
        cross_package: str,
        data_model: DataModel,
        big_endian: bool,
        unsigned_char: bool,
        predefines: tuple[tuple[str, str], ...],
    ) -> None:
        _set(self, "name", name)
        _set(self, "kernel", kernel)
        _set(self, "triplet", triplet)
        _set(self, "multiarch", multiarch)
        _set(self, "cross_package", cross_package)
        _set(self, "data_model", data_model)
        _set(self, "big_endian", big_endian)
        _set(self, "unsigned_char", unsigned_char)
        _set(self, "predefines", predefines)

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


#: The recorded predefines of every Debian architecture's gcc (scripts/record-predefines),
#: a string; ``PREDEFINES_FILE``, ``USR`` (``/usr``) are those as a Path.
PREDEFINES_PATH = os.path.join(data_path("headers"), "predefines.json")


def __getattr__(name: str) -> Path:
    """``PREDEFINES_FILE`` and ``USR``, made when asked for (a run of ``parse``
    imports no pathlib)."""
    if name not in ("PREDEFINES_FILE", "USR"):  # (the import system asks for others)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from pathlib import Path

    return Path(PREDEFINES_PATH if name == "PREDEFINES_FILE" else "/usr")


#: The compiler version every architecture's predefines say (gcc 12.2.0, Debian 12's);
#: not recorded, so that the data does not depend on the recording compiler's patch level.
COMPILER_VERSION: tuple[tuple[str, str], ...] = (
    ("__GNUC_MINOR__", "2"),
    ("__GNUC_PATCHLEVEL__", "0"),
    ("__GNUC__", "12"),
)

_VERSION_NAMES = frozenset({"__GNUC__", "__GNUC_MINOR__", "__GNUC_PATCHLEVEL__", "__VERSION__"})
# _FloatN, decimal floating point and fixed point families: no integer a header tests
_NOT_RECORDED = lazy_compile(r"__(FLT\d+X?|BFLT16|DEC\d+)_|.*(ACCUM|FRACT|_FBIT|_IBIT)__$")
# a floating or fixed-point constant: 1.5e+38F, ((double)4.9e-324L), 0x1P-15K
_FLOATING = lazy_compile(r"\d\.\d|\d[eE][-+]?\d|[0-9a-fA-F][pP][-+]?\d")


def recorded(predefines: Mapping[str, str]) -> dict[str, str]:
    """The part of a gcc's object-like predefines (``gcc -dM -E``) that abicheck
    records: all but floating-point values, the ``_FloatN``, decimal and fixed-point
    families and the compiler's version (:data:`COMPILER_VERSION` is given instead)."""
    return {
        n: v
        for n, v in predefines.items()
        if n not in _VERSION_NAMES and not _NOT_RECORDED.match(n) and not _FLOATING.search(v)
    }


@lru_cache(maxsize=1)
def recorded_predefines() -> dict[str, dict[str, str]]:
    """Debian architecture name -> its gcc's recorded predefines (from
    :data:`PREDEFINES_FILE`)."""
    with open(PREDEFINES_PATH, encoding="utf-8") as f:
        data = json.load(f)
    arches: dict[str, dict[str, str]] = data["arches"]
    return arches


_SIGNED = {8: "signed char", 16: "short int", 32: "int"}
_MAX_SUFFIX = {"int": "", "long int": "L", "long long int": "LL"}


def _int_type(bits: int, lp64: bool) -> str:
    if bits == 64:
        return "long int" if lp64 else "long long int"
    return _SIGNED[bits]


def _unsigned(signed: str) -> str:
    if signed == "signed char":
        return "unsigned char"
    return signed.replace(" int", " unsigned int") if " " in signed else "unsigned int"


def _max(signed: str, bits: int, unsigned: bool) -> str:
    """gcc's spelling of a type's maximum: 0x7fff, 0xffffffffU, 0x7fffffffffffffffL."""
    digits = "f" * (bits // 4)
    if not unsigned:
        digits = "7" + digits[1:]
    suffix = _MAX_SUFFIX.get(signed, "")
    if unsigned and bits >= 32:
        suffix = "U" + suffix
    return f"0x{digits}{suffix}"


def generic(
    data_model: DataModel,
    big_endian: bool = False,
    unsigned_char: bool = False,
    wchar: str = "int",
) -> dict[str, str]:
    """The predefines every Linux gcc target has, given its data model, byte order,
    char signedness and ``wchar_t``'s type: identity (``__linux__``), the standard's
    (``__STDC_VERSION__``), the sizes, types, limits and widths of the integer types
    as gcc's glibc targets define them (``__SIZE_TYPE__``, ``__INT64_MAX__``,
    ``__INT_FAST16_TYPE__``, ...) and the compiler's version. No architecture's own."""
    lp64 = data_model == "lp64"
    word = 64 if lp64 else 32
    order = "__ORDER_BIG_ENDIAN__" if big_endian else "__ORDER_LITTLE_ENDIAN__"
    out = {
        "__linux__": "1",
        "__linux": "1",
        "__gnu_linux__": "1",
        "__unix__": "1",
        "__unix": "1",
        "linux": "1",
        "unix": "1",
        "__ELF__": "1",
        "__STDC__": "1",
        "__STDC_VERSION__": "201710L",
        "__STDC_HOSTED__": "1",
        "__STDC_UTF_16__": "1",
        "__STDC_UTF_32__": "1",
        "__GNUC_STDC_INLINE__": "1",
        "__NO_INLINE__": "1",
        "__CHAR_BIT__": "8",
        "__ORDER_LITTLE_ENDIAN__": "1234",
        "__ORDER_BIG_ENDIAN__": "4321",
        "__ORDER_PDP_ENDIAN__": "3412",
        "__BYTE_ORDER__": order,
        "__FLOAT_WORD_ORDER__": order,
        "__FLT_EVAL_METHOD__": "0",
        "__FLT_EVAL_METHOD_TS_18661_3__": "0",
        "__FLT_RADIX__": "2",
        "__FLT_MANT_DIG__": "24",
        "__DBL_MANT_DIG__": "53",
        "__SIZEOF_FLOAT__": "4",
        "__SIZEOF_DOUBLE__": "8",
        "__SIZEOF_WCHAR_T__": "4",
        "__SIZEOF_WINT_T__": "4",
        "__CHAR16_TYPE__": "short unsigned int",
        "__CHAR32_TYPE__": "unsigned int",
        **dict(COMPILER_VERSION),
    }
    widths = {"SCHAR": 8, "SHRT": 16, "INT": 32, "LONG": word, "LONG_LONG": 64}
    for name, bits in widths.items():
        out[f"__{name}_WIDTH__"] = str(bits)
        signed = {"LONG": "long int", "LONG_LONG": "long long int"}.get(name, "int")
        out[f"__{name}_MAX__"] = _max(signed, bits, False)
    for name, size in (("SHORT", 2), ("INT", 4), ("LONG", word // 8), ("LONG_LONG", 8)):
        out[f"__SIZEOF_{name}__"] = str(size)
    for name in ("POINTER", "SIZE_T", "PTRDIFF_T"):
        out[f"__SIZEOF_{name}__"] = str(word // 8)
    types = {f"INT{b}": _int_type(b, lp64) for b in (8, 16, 32, 64)}
    types |= {f"INT_LEAST{b}": _int_type(b, lp64) for b in (8, 16, 32, 64)}
    fast = {8: 8, 16: word, 32: word, 64: 64}  # glibc's int_fastN_t
    types |= {f"INT_FAST{b}": _int_type(fast[b], lp64) for b in (8, 16, 32, 64)}
    types |= {"INTMAX": _int_type(64, lp64), "INTPTR": _int_type(word, lp64)}
    for name, signed in types.items():
        bits = int(re.sub(r"\D", "", name) or 64) if name != "INTPTR" else word
        if name.startswith("INT_FAST"):
            bits = fast[int(name[8:])]
        uname = "UINTMAX" if name == "INTMAX" else f"U{name}"
        out[f"__{name}_TYPE__"] = signed
        out[f"__{uname}_TYPE__"] = _unsigned(signed)
        out[f"__{name}_MAX__"] = _max(signed, bits, False)
        out[f"__{uname}_MAX__"] = _max(signed, bits, True)
        if not name.startswith("INT") or name[3:4] == "_" or name in ("INTMAX", "INTPTR"):
            out[f"__{name}_WIDTH__"] = str(bits)
    word_type = _int_type(word, lp64)
    out |= {
        "__SIZE_TYPE__": _unsigned(word_type),
        "__SIZE_MAX__": _max(word_type, word, True),
        "__SIZE_WIDTH__": str(word),
        "__PTRDIFF_TYPE__": word_type,
        "__PTRDIFF_MAX__": _max(word_type, word, False),
        "__PTRDIFF_WIDTH__": str(word),
        "__SIG_ATOMIC_TYPE__": "int",
        "__SIG_ATOMIC_MAX__": "0x7fffffff",
        "__SIG_ATOMIC_MIN__": "(-__SIG_ATOMIC_MAX__ - 1)",
        "__SIG_ATOMIC_WIDTH__": "32",
        "__WINT_TYPE__": "unsigned int",
        "__WINT_MAX__": "0xffffffffU",
        "__WINT_MIN__": "0U",
        "__WINT_WIDTH__": "32",
        "__WCHAR_TYPE__": wchar,
        "__WCHAR_WIDTH__": "32",
    }
    if wchar.startswith("unsigned") or " unsigned" in wchar:
        out |= {"__WCHAR_MAX__": "0xffffffffU", "__WCHAR_MIN__": "0U"}
    else:
        out |= {"__WCHAR_MAX__": _max(wchar, 32, False), "__WCHAR_MIN__": "(-__WCHAR_MAX__ - 1)"}
    if lp64:
        out |= {"__LP64__": "1", "_LP64": "1", "__SIZEOF_INT128__": "16"}
    if unsigned_char:
        out["__CHAR_UNSIGNED__"] = "1"
    return out


def generic_predefines(data_model: DataModel = "ilp32") -> dict[str, str]:
    """The predefines of a generic little-endian Linux target of ``data_model`` with
    no architecture's own macros (:func:`generic`): for an architecture abicheck does
    not know, and ``--data-model`` without ``--arch``."""
    return generic(data_model)


#: What makes an :class:`Arch` (the arguments of :func:`_build`): kept as it is
#: written, and built when first looked up (its predefines are read from
#: :data:`PREDEFINES_FILE` and sorted: milliseconds for all of them).
_Spec = tuple[str, str, str, DataModel, bool, bool, tuple[tuple[str, str], ...], str, bool]


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
) -> _Spec:
    """An architecture as the table below names it, to :func:`_build` when needed."""
    return (
        name,
        kernel,
        triplet,
        data_model,
        big_endian,
        unsigned_char,
        tuple(specific),
        multiarch or triplet,
        debian,
    )


def _build(spec: _Spec) -> Arch:
    """An architecture; Debian's predefines are its gcc's, recorded, the others'
    :func:`generic` ones and its ``specific`` macros (its own, and ``__WCHAR_TYPE__``
    where not ``int``)."""
    name, kernel, triplet, data_model, big_endian, unsigned_char, specific, multiarch, debian = spec
    gcc = recorded_predefines().get(name) if debian else None
    if gcc is not None:
        predefines = {**gcc, **dict(COMPILER_VERSION)}
    else:  # (a Debian one only while its data is being recorded)
        wchar = dict(specific).get("__WCHAR_TYPE__", "int")
        predefines = {**generic(data_model, big_endian, unsigned_char, wchar), **dict(specific)}
    return Arch(
        name=name,
        kernel=kernel,
        triplet=triplet,
        multiarch=multiarch,
        cross_package=f"linux-libc-dev-{name}-cross" if debian else "",
        data_model=data_model,
        big_endian=big_endian,
        unsigned_char=unsigned_char,
        predefines=tuple(sorted(predefines.items())),
    )


def _mips(name: str, triplet: str, lp64: bool, big_endian: bool) -> _Spec:
    return _arch(name, "mips", triplet, "lp64" if lp64 else "ilp32", big_endian, False, [])


# fmt: off
_SPECS: tuple[_Spec, ...] = (
    # Debian's: their gcc's predefines are recorded (headers/predefines.json)
    _arch("alpha", "alpha", "alpha-linux-gnu", "lp64", False, False, []),
    _arch("amd64", "x86", "x86_64-linux-gnu", "lp64", False, False, []),
    _arch("arc", "arc", "arc-linux-gnu", "ilp32", False, True, []),
    _arch("arm64", "arm64", "aarch64-linux-gnu", "lp64", False, True, []),
    _arch("armel", "arm", "arm-linux-gnueabi", "ilp32", False, True, []),
    _arch("armhf", "arm", "arm-linux-gnueabihf", "ilp32", False, True, []),
    _arch("hppa", "parisc", "hppa-linux-gnu", "ilp32", True, False, []),
    _arch("i386", "x86", "i686-linux-gnu", "ilp32", False, False, [],
          multiarch="i386-linux-gnu"),
    _arch("m68k", "m68k", "m68k-linux-gnu", "ilp32", True, False, []),
    _mips("mips", "mips-linux-gnu", lp64=False, big_endian=True),
    _mips("mips64", "mips64-linux-gnuabi64", lp64=True, big_endian=True),
    _mips("mips64el", "mips64el-linux-gnuabi64", lp64=True, big_endian=False),
    _mips("mipsel", "mipsel-linux-gnu", lp64=False, big_endian=False),
    _arch("powerpc", "powerpc", "powerpc-linux-gnu", "ilp32", True, True, []),
    _arch("ppc64", "powerpc", "powerpc64-linux-gnu", "lp64", True, True, []),
    _arch("ppc64el", "powerpc", "powerpc64le-linux-gnu", "lp64", False, True, []),
    _arch("riscv64", "riscv", "riscv64-linux-gnu", "lp64", False, True, []),
    _arch("s390x", "s390", "s390x-linux-gnu", "lp64", True, True, []),
    _arch("sh4", "sh", "sh4-linux-gnu", "ilp32", False, False, []),
    _arch("sparc64", "sparc", "sparc64-linux-gnu", "lp64", True, False, []),
    _arch("x32", "x86", "x86_64-linux-gnux32", "ilp32", False, False, []),
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

_SPEC_BY_NAME: dict[str, _Spec] = {spec[0]: spec for spec in _SPECS}


@cache
def _by_name(name: str) -> Arch | None:
    """The architecture ``name`` (a Debian name), built the first time; None if unknown."""
    spec = _SPEC_BY_NAME.get(name)
    return _build(spec) if spec is not None else None


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
    **{spec[2]: spec[0] for spec in _SPECS},  # the triplets
    **{spec[7]: spec[0] for spec in _SPECS},  # the multiarch tuples
}


def all_arches() -> tuple[Arch, ...]:
    """Every known architecture (each the Linux kernel has a uapi for), sorted by name."""
    return tuple(a for a in map(_by_name, sorted(_SPEC_BY_NAME)) if a is not None)


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
    arch = _by_name(key)
    if arch is None:
        import difflib  # (only for a name that is none)

        close = difflib.get_close_matches(key, sorted({*_SPEC_BY_NAME, *ALIASES}), n=3, cutoff=0.6)
        near = sorted({ALIASES.get(c, c) for c in close})
        hint = f"did you mean {' or '.join(near)}? " if near else ""
        available = ", ".join(a.name for a in all_arches())
        raise AbicheckError(f"unknown architecture {name!r}; {hint}available: {available}")
    return arch


def host_arch() -> Arch:
    """The architecture of this machine, from ``platform.machine()`` (``uname -m``).

    Raises :class:`AbicheckError` when the machine is not one of the known arches.
    """
    machine = os.uname().machine.lower()  # platform.machine(), without importing it
    if machine in ("mips", "mips64") and sys.byteorder == "little":
        machine += "el"
    return lookup(machine)


def cross_compiler(arch: Arch) -> str:
    """The gcc that compiles for ``arch``: Debian's ``<triplet>-gcc`` ("" for an
    architecture Debian has no compiler for; the host's is ``gcc`` too)."""
    return f"{arch.triplet}-gcc" if arch.cross_package else ""


def compiler_package(arch: Arch) -> str:
    """Debian's package of :func:`cross_compiler` (``gcc-x86-64-linux-gnux32``), ""
    where none."""
    return f"gcc-{arch.triplet.replace('_', '-')}" if arch.cross_package else ""


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


def include_dirs(arch: Arch, root: Path | None = None) -> tuple[Path, ...] | None:
    """The installed include dirs holding ``arch``'s uapi headers, in search order, or None.

    For the host: ``/usr/include/<multiarch>`` then ``/usr/include`` (where ``asm/`` lives
    in the multiarch dir); otherwise ``/usr/<triplet>/include`` from the cross package.
    None when there is no ``asm/`` folder there (package not installed). ``root`` is
    the tree looked in instead of ``/usr`` (None: ``/usr``).
    """
    from pathlib import Path

    found = include_paths(arch, "/usr" if root is None else str(root))
    return None if found is None else tuple(map(Path, found))


def include_paths(arch: Arch, root: str = "/usr") -> tuple[str, ...] | None:
    """:func:`include_dirs` as strings (``root`` as ``str(Path)`` spells it), without
    pathlib (a run of ``parse`` imports none)."""
    if is_host(arch):
        host = (os.path.join(root, "include", arch.multiarch), os.path.join(root, "include"))
        if os.path.isdir(os.path.join(host[0], "asm")):
            return host
    cross = os.path.join(root, arch.triplet, "include")
    if os.path.isdir(os.path.join(cross, "asm")):
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
