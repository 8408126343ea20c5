"""``libc``: the C library's header of the target as the system C compiler evaluates it."""

from __future__ import annotations

from typing import ClassVar

from ..model import BUILTIN_FILE, COMMAND_LINE_FILE, Macro, Provenance, Table, sorted_macros
from .base import Context, SourceKind
from .packages import LIBC_DEV_PACKAGE, package_of, package_version


def libc_table(cc: str = "gcc", header: str = "sys/mman.h") -> Table:
    """``<header>`` as ``cc`` evaluates it with the C library's headers.

    Names and values come from the compiler oracle (:func:`cc.compiler_macros`, nothing
    run), each macro's file, line and replacement text from the same ``-E -dD`` run.
    """
    from ..cc import compiler_macros  # the compiler oracle: imported by the sources that use it

    table = compiler_macros(f"<{header}>", system_includes=True, cc=cc)
    where = table.locations
    macros = []
    for name, value in table.values.items():
        file, line, body = where.get(name, (BUILTIN_FILE, 0, str(value)))
        if file.startswith("<") and file != BUILTIN_FILE:
            file = COMMAND_LINE_FILE if file == COMMAND_LINE_FILE else BUILTIN_FILE
        macros.append(Macro(name, "integer", value, body, file, line))
    found = next((f for f, _, _ in where.values() if f.endswith("/" + header)), "")
    # the package that owns the file the compiler read (libc6-dev-amd64-cross's headers
    # come first in gcc's path when installed), libc6-dev where dpkg cannot tell
    package = (package_of(found) if found else "") or LIBC_DEV_PACKAGE
    origin = Provenance(
        source="libc",
        path=found or f"{header} (not found)",
        header=header,
        compiler=table.compiler,
        flags=table.flags,
        package=package,
        version=package_version(package),
    )
    return Table("libc", "libc", sorted_macros(macros), origin)


class LibcSource(SourceKind):
    name = "libc"
    forms = ("libc",)
    keywords: ClassVar[tuple[str, ...]] = ("libc",)

    def load(self, spec: str, ctx: Context) -> list[Table]:
        return [libc_table(ctx.options.cc, ctx.options.target.libc_header)]
