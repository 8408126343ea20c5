"""Header sources: a header file given by path, and the embedded ARM header."""

from __future__ import annotations

import os
from typing import ClassVar

from .. import __version__
from ..arches import lookup
from ..model import Provenance, Table
from ..resources import EMBEDDED_LABEL, display_name, embedded_header, shipped_path
from .base import Context, SourceKind

_EMBEDDED_ARCH = "armel"
_EMBEDDED_NOTE = "ARM asm/mman.h of the Linux 2.6.16 era, embedded in abicheck"


class HeaderSource(SourceKind):
    """``PATH``: a C header read with the options' -I, -D and data model."""

    name = "header"
    forms = ("HEADER.h",)

    def handles(self, spec: str) -> bool:
        return os.path.exists(spec) and not os.path.isdir(spec)

    def load(self, spec: str, ctx: Context) -> list[Table]:
        o = ctx.options
        return [
            self.read(spec, spec, o.include_dirs, o.defines, o.data_model, ctx, o.arch, o.undefines)
        ]

    def read(
        self,
        path: str,
        label: str,
        dirs: tuple[str, ...],
        defines: tuple[tuple[str, str], ...],
        data_model: str,
        ctx: Context,
        arch: str = "",
        undefines: tuple[str, ...] = (),
    ) -> Table:
        from ..parse import target_setup

        setup = target_setup(arch, data_model, undefines)
        predefines = setup.predefines if arch or undefines else None
        reader = ctx.readers.get(
            (*dirs, *setup.system_dirs),
            defines,
            setup.data_model,
            predefines,
            setup.unsigned_char,
            abi=setup.abi,
        )
        macros = reader.read(path)
        origin = Provenance(
            source=self.name,
            path=display_name(path),
            include_dirs=dirs,
            defines=defines,
            data_model=setup.data_model,
            arch=setup.arch,
            reader=f"abicheck {__version__}",
        )
        if undefines:
            origin = origin.note("undefines", " ".join(undefines))
        return Table(label, "header", macros, origin)

    def reread(self, table: Table, ctx: Context) -> Table:
        o = table.origin
        dirs = tuple(shipped_path(d) for d in o.include_dirs)
        path = shipped_path(o.path)
        undefines = tuple((o.noted("undefines") or "").split())
        data_model = o.data_model or "lp64"
        return self.read(path, path, dirs, o.defines, data_model, ctx, o.arch, undefines)


class EmbeddedSource(SourceKind):
    """``embedded`` (or ``arm-2.6.16``): the ARM mman.h abicheck ships, read as ARM."""

    name = "embedded"
    forms = ("embedded",)
    keywords: ClassVar[tuple[str, ...]] = ("embedded", EMBEDDED_LABEL)

    def load(self, spec: str, ctx: Context) -> list[Table]:
        arm = lookup(_EMBEDDED_ARCH)
        reader = ctx.readers.get(
            (), None, arm.data_model, arm.predefined(), arm.unsigned_char, abi=arm.abi
        )
        path = embedded_header()
        origin = Provenance(
            source=self.name,
            path=display_name(path),
            data_model=arm.data_model,
            reader=f"abicheck {__version__}",
            notes=(("note", _EMBEDDED_NOTE),),
        )
        return [Table(EMBEDDED_LABEL, "header", reader.read(str(path)), origin)]
