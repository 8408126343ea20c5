"""``libc:ARCH`` (or ``glibc:ARCH``): the C library's header of the target for another
architecture, read by abicheck's own reader, no compiler needed.

Debian's ``libc6-dev-<arch>-cross`` puts glibc's headers under
``/usr/<triplet>/include``; they are read with the architecture's predefines and data
model, ``_GNU_SOURCE`` (glibc declares most mman names only with it) and abicheck's
freestanding headers (``headers/freestanding``: ``<stddef.h>``, ``<stdint.h>``,
``<limits.h>``, ... from the target's predefined macros) in place of a compiler's
own. The table keeps the target's names.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from .. import __version__
from ..arches import Arch, all_arches, lookup
from ..model import AbicheckError, Provenance, Table
from ..parse import freestanding_dir
from ..resources import display_name
from .arch import arch_macros
from .base import Context, SourceKind
from .packages import package_version

GNU_SOURCE = (("_GNU_SOURCE", "1"),)


def libc_dirs(arch: Arch) -> tuple[Path, ...] | None:
    """The include folders ``libc:ARCH`` reads, or None when the package is missing."""
    root = Path("/usr") / arch.triplet / "include"
    if not (root / "features.h").is_file():
        return None
    return (Path(freestanding_dir()), root)


class LibcArchSource(SourceKind):
    name = "libc-arch"
    forms = ("libc:ARCH",)
    prefix: ClassVar[str] = "libc:"

    def handles(self, spec: str) -> bool:
        return spec.startswith(("libc:", "glibc:"))

    def load(self, spec: str, ctx: Context) -> list[Table]:
        name = spec.partition(":")[2]
        if not name.strip():
            available = ", ".join(a.name for a in all_arches() if a.cross_package)
            raise AbicheckError(f"libc: needs an architecture; available: {available}")
        return [self.arch(lookup(name), ctx)]

    def reread(self, table: Table, ctx: Context) -> Table:
        return self.arch(lookup(table.origin.arch), ctx)

    def arch(self, arch: Arch, ctx: Context) -> Table:
        target = ctx.options.target
        dirs = libc_dirs(arch)
        package = arch.libc_package
        if dirs is None:
            hint = f"install {package}" if package else "Debian has no C library headers for it"
            raise AbicheckError(f"no C library headers for {arch.name}: {hint}")
        path = dirs[-1] / target.libc_header
        reader = ctx.readers.get(
            dirs, GNU_SOURCE, arch.data_model, arch.predefined(), arch.unsigned_char, abi=arch.abi
        )
        origin = Provenance(
            source=self.name,
            path=str(path),
            header=target.libc_header,
            include_dirs=tuple(map(display_name, dirs)),
            defines=GNU_SOURCE,
            data_model=arch.data_model,
            arch=arch.name,
            package=package,
            version=package_version(package),
            reader=f"abicheck {__version__}",
        )
        macros = arch_macros(reader.read(str(path)), target)
        return Table(f"libc:{arch.name}", "libc", macros, origin)
