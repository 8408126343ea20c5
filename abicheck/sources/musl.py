"""``musl:DIR``: a musl source tree's ``<sys/mman.h>``, one table per architecture.

Each folder under ``DIR/arch/`` but ``generic`` is one musl architecture. Its
``include/sys/mman.h`` is read by abicheck's own reader as musl's build would see it:
include path ``arch/<arch>``, ``arch/generic``, ``include`` and a stand-in folder for
the generated ``bits/alltypes.h``, ``_GNU_SOURCE`` defined, with the predefines, data
model and char sign of the architecture. ``bits/alltypes.h`` is made from the tree's
``arch/<arch>/bits/alltypes.h.in`` and ``include/alltypes.h.in`` by the rules of
musl's ``tools/mkalltypes.sed`` where the tree has them, else it is empty (a copy
such as Zig's ships no templates; the constants do not depend on the types): the
table's ``alltypes`` note says which.

A musl folder serves every abicheck architecture of its byte orders and float ABIs
(``mips``: mips and mipsel; ``powerpc64``: ppc64 and ppc64el; ``arm``: armel and
armhf): one table each, ``musl:<arch>``, read with that architecture's predefines, so
that each is checked against its own kernel headers. A folder abicheck has no
architecture for (``mipsn32``) gives one table under musl's name, read as a generic
32-bit little-endian target (:func:`~abicheck.arches.generic_predefines`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from ..arches import Arch, generic_predefines, lookup
from ..bindings import BindingTable
from ..model import AbicheckError, Macro, sorted_macros
from .arch import arch_macros
from .base import Context
from .binding import BindingSource
from .libc_arch import GNU_SOURCE

#: musl's architecture folders -> the abicheck architectures each serves.
MUSL_ARCHES: Mapping[str, tuple[str, ...]] = {
    "aarch64": ("arm64",),
    "arm": ("armel", "armhf"),
    "hexagon": ("hexagon",),
    "i386": ("i386",),
    "loongarch64": ("loong64",),
    "m68k": ("m68k",),
    "microblaze": ("microblaze",),
    "mips": ("mips", "mipsel"),
    "mips64": ("mips64", "mips64el"),
    "or1k": ("or1k",),
    "powerpc": ("powerpc",),
    "powerpc64": ("ppc64", "ppc64el"),
    "riscv32": ("riscv32",),
    "riscv64": ("riscv64",),
    "s390x": ("s390x",),
    "sh": ("sh4",),
    "x32": ("x32",),
    "x86_64": ("amd64",),
}
HEADER = "include/sys/mman.h"
ALLTYPES = "bits/alltypes.h"
_TEMPLATES = ("arch/{arch}/bits/alltypes.h.in", "include/alltypes.h.in")
_GENERATED = "generated from {} and {} by the rules of musl's tools/mkalltypes.sed"
_EMPTY = "empty stand-in: the tree has no alltypes.h.in templates (constants need no types)"

# tools/mkalltypes.sed: TYPEDEF a b; / STRUCT name body; / UNION name body;
_TYPEDEF = re.compile(r"TYPEDEF (.*) ([^ ]*);$")
_AGGREGATE = re.compile(r"(STRUCT|UNION) +([^ ]*) (.*);$")


def mkalltypes(text: str) -> str:
    """``bits/alltypes.h`` from musl's templates (the arch's, then include/'s, joined),
    as musl's ``tools/mkalltypes.sed`` makes it; other lines are kept as they are."""
    out: list[str] = []
    for line in text.splitlines():
        if m := _TYPEDEF.match(line):
            need, decl = m[2], f"typedef {m[1]} {m[2]};"
        elif m := _AGGREGATE.match(line):
            kind = m[1].lower()
            need, decl = f"{kind}_{m[2]}", f"{kind} {m[2]} {m[3]};"
        else:
            out.append(line)
            continue
        out += [f"#if defined(__NEED_{need}) && !defined(__DEFINED_{need})", decl]
        out += [f"#define __DEFINED_{need}", "#endif", ""]
    return "".join(f"{line}\n" for line in out)


def musl_arches(tree: Path) -> list[str]:
    """The musl architectures of ``tree`` (its ``arch/`` folders but ``generic``), sorted.
    Raises AbicheckError naming ``tree`` when it is no musl source tree."""
    for need in (HEADER, "arch"):
        if not (tree / need).exists():
            raise AbicheckError(f"not a musl source tree: no {need}", str(tree))
    found = sorted(p.name for p in (tree / "arch").iterdir() if p.is_dir())
    found = [a for a in found if a != "generic"]
    if not found:
        raise AbicheckError("not a musl source tree: no architecture folder in arch/", str(tree))
    return found


def write_alltypes(tree: Path, arch: str, folder: Path) -> str:
    """Write ``folder/bits/alltypes.h`` for musl's ``arch`` and say how it was made."""
    templates = [tree / t.format(arch=arch) for t in _TEMPLATES]
    (folder / "bits").mkdir(parents=True, exist_ok=True)
    if all(t.is_file() for t in templates):
        text = "".join(t.read_text(encoding="utf-8", errors="replace") for t in templates)
        (folder / ALLTYPES).write_text(mkalltypes(text), encoding="utf-8")
        return _GENERATED.format(*(t.format(arch=arch) for t in _TEMPLATES))
    (folder / ALLTYPES).write_text("", encoding="utf-8")
    return _EMPTY


def _relative(macros: tuple[Macro, ...], tree: Path) -> tuple[Macro, ...]:
    """The macros with their files relative to the tree (as the other bindings')."""
    out = []
    for m in macros:
        path = Path(m.file)
        out.append(replace(m, file=str(path.relative_to(tree))) if path.is_relative_to(tree) else m)
    return sorted_macros(out)


class MuslSource(BindingSource):
    """``musl:DIR``: see the module docstring."""

    name = "musl"
    forms = ("musl:DIR",)
    prefix: ClassVar[str] = "musl:"

    def read(self, path: str, ctx: Context) -> list[BindingTable]:
        tree = Path(path)
        out = []
        with tempfile.TemporaryDirectory(prefix="abicheck-musl-") as tmp:
            for musl in musl_arches(tree):
                standin = Path(tmp) / musl
                how = write_alltypes(tree, musl, standin)
                dirs = [tree / "arch" / musl, tree / "arch" / "generic", tree / "include", standin]
                for name in MUSL_ARCHES.get(musl, (musl,)):
                    arch = _arch(name)
                    macros = self._read(tree, dirs, arch, ctx)
                    label = musl if arch is None else arch.name
                    notes = (("alltypes", how),)
                    out.append(BindingTable(musl, label, arch is not None, "", macros, notes))
        return out

    def _read(
        self, tree: Path, dirs: list[Path], arch: Arch | None, ctx: Context
    ) -> tuple[Macro, ...]:
        if arch is None:
            reader = ctx.readers.get(dirs, GNU_SOURCE, "ilp32", generic_predefines("ilp32"))
        else:
            reader = ctx.readers.get(
                dirs,
                GNU_SOURCE,
                arch.data_model,
                arch.predefined(),
                arch.unsigned_char,
                abi=arch.abi,
            )
        macros = arch_macros(reader.read(str(tree / HEADER)), ctx.options.target)
        return _relative(macros, tree)


def _arch(name: str) -> Arch | None:
    """abicheck's architecture ``name``, or None when abicheck has none of that name."""
    try:
        return lookup(name)
    except AbicheckError:
        return None
