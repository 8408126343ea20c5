"""The Linux targets of the ``libc`` crate, each as the cfg facts rustc gives it.

A target is named ``<arch>-<env>`` (``powerpc64-musl``), ``<arch>`` being the
binding's architecture: rustc's ``target_arch``, except where byte order or ABI
tells two targets of one ``target_arch`` apart (``mipsel``, ``mips64el``,
``powerpc64le``; ``x32`` is ``x86_64`` with 32-bit pointers). Only targets rustc
has (its ``*-unknown-linux-gnu*`` and ``*-unknown-linux-musl*`` triples) are listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...model import AbicheckError
from .cfg import Facts

#: The cfgs ``build.rs`` of libc 0.2.1xx prints for a current rustc, no cargo
#: features and no ``LIBC_CI``; any other cfg name is false.
BUILD_CFGS = (
    "freebsd11",
    "libc_align",
    "libc_cfg_target_vendor",
    "libc_const_extern_fn",
    "libc_const_size_of",
    "libc_core_cvoid",
    "libc_int128",
    "libc_non_exhaustive",
    "libc_packedN",
    "libc_priv_mod_use",
    "libc_ptr_addr_of",
    "libc_underscore_const_names",
    "libc_union",
)


@dataclass(frozen=True, slots=True)
class RustTarget:
    """One rustc target: ``name`` (``<arch>-<env>``), the binding's ``arch``, the
    ``triple``, the C library ``env``, the pointer width ``bits`` and the cfg
    ``facts`` that hold for it."""

    name: str
    arch: str
    triple: str
    env: str
    bits: int
    facts: Facts


def _target(arch: str, env: str, triple: str, rust_arch: str, bits: int, big: bool) -> RustTarget:
    abi = triple.partition("-unknown-linux-")[2].removeprefix(env)
    facts: set[tuple[str, str | None]] = {
        ("unix", None),
        ("target_family", "unix"),
        ("target_os", "linux"),
        ("target_vendor", "unknown"),
        ("target_env", env),
        ("target_arch", rust_arch),
        ("target_pointer_width", str(bits)),
        ("target_endian", "big" if big else "little"),
        *((name, None) for name in BUILD_CFGS),
    }
    if abi:
        facts.add(("target_abi", abi))
    return RustTarget(f"{arch}-{env}", arch, triple, env, bits, frozenset(facts))


def _pair(arch: str, triple: str, rust_arch: str, bits: int, big: bool) -> list[RustTarget]:
    """The gnu and musl targets of ``triple`` (given with ``gnu``)."""
    musl = triple.replace("-gnu", "-musl")
    return [
        _target(arch, "gnu", triple, rust_arch, bits, big),
        _target(arch, "musl", musl, rust_arch, bits, big),
    ]


# fmt: off
TARGETS: tuple[RustTarget, ...] = tuple(sorted([
    *_pair("aarch64", "aarch64-unknown-linux-gnu", "aarch64", 64, False),
    *_pair("arm", "arm-unknown-linux-gnueabihf", "arm", 32, False),
    _target("csky", "gnu", "csky-unknown-linux-gnuabiv2", "csky", 32, False),
    _target("hexagon", "musl", "hexagon-unknown-linux-musl", "hexagon", 32, False),
    *_pair("loongarch64", "loongarch64-unknown-linux-gnu", "loongarch64", 64, False),
    _target("m68k", "gnu", "m68k-unknown-linux-gnu", "m68k", 32, True),
    *_pair("mips", "mips-unknown-linux-gnu", "mips", 32, True),
    *_pair("mips64", "mips64-unknown-linux-gnuabi64", "mips64", 64, True),
    *_pair("mips64el", "mips64el-unknown-linux-gnuabi64", "mips64", 64, False),
    *_pair("mipsel", "mipsel-unknown-linux-gnu", "mips", 32, False),
    *_pair("powerpc", "powerpc-unknown-linux-gnu", "powerpc", 32, True),
    *_pair("powerpc64", "powerpc64-unknown-linux-gnu", "powerpc64", 64, True),
    *_pair("powerpc64le", "powerpc64le-unknown-linux-gnu", "powerpc64", 64, False),
    *_pair("riscv32", "riscv32gc-unknown-linux-gnu", "riscv32", 32, False),
    *_pair("riscv64", "riscv64gc-unknown-linux-gnu", "riscv64", 64, False),
    *_pair("s390x", "s390x-unknown-linux-gnu", "s390x", 64, True),
    _target("sparc", "gnu", "sparc-unknown-linux-gnu", "sparc", 32, True),
    _target("sparc64", "gnu", "sparc64-unknown-linux-gnu", "sparc64", 64, True),
    *_pair("x86", "i686-unknown-linux-gnu", "x86", 32, False),
    *_pair("x86_64", "x86_64-unknown-linux-gnu", "x86_64", 64, False),
    _target("x32", "gnu", "x86_64-unknown-linux-gnux32", "x86_64", 32, False),
], key=lambda t: t.name))
# fmt: on

#: The binding's architecture name -> abicheck's (:mod:`abicheck.arches`).
ABICHECK_ARCH = {
    "aarch64": "arm64",
    "arm": "armhf",
    "loongarch64": "loong64",
    "powerpc64": "ppc64",
    "powerpc64le": "ppc64el",
    "sparc": "sparc32",
    "x86": "i386",
    "x86_64": "amd64",
}


def select(selectors: Sequence[str] | None) -> tuple[RustTarget, ...]:
    """The targets ``selectors`` name: ``<arch>-<env>``, an ``<arch>`` (both envs) or
    an ``<env>`` (``gnu``, ``musl``); all when None. Raises :class:`AbicheckError`
    listing the target names for a selector that names none."""
    if selectors is None:
        return TARGETS
    chosen: set[str] = set()
    for selector in selectors:
        hits = {t.name for t in TARGETS if selector in (t.name, t.arch, t.env)}
        if not hits:
            names = ", ".join(t.name for t in TARGETS)
            raise AbicheckError(
                f"unknown Rust target {selector!r}; available: {names} "
                "(or an arch alone, or gnu or musl)"
            )
        chosen |= hits
    return tuple(t for t in TARGETS if t.name in chosen)


__all__ = ["ABICHECK_ARCH", "BUILD_CFGS", "TARGETS", "RustTarget", "select"]
