"""``system``: this machine's uapi header of the target, read by the reader."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from .. import __version__
from ..arches import Arch, host_arch, include_dirs, need_linux
from ..model import AbicheckError, Provenance, Table
from .base import Context, SourceKind
from .packages import HOST_UAPI_PACKAGE, package_version


class SystemSource(SourceKind):
    name = "system"
    forms = ("system",)
    keywords: ClassVar[tuple[str, ...]] = ("system",)

    def load(self, spec: str, ctx: Context) -> list[Table]:
        need_linux("the system source (this machine's Linux uapi headers)")
        try:
            host: Arch | None = host_arch()
        except AbicheckError:
            host = None
        dirs: Sequence[Path] = (include_dirs(host) if host else None) or (Path("/usr/include"),)
        path = Path("/usr/include") / ctx.options.target.header
        if not path.is_file():
            raise AbicheckError(
                f"no uapi headers on this system: install {HOST_UAPI_PACKAGE}", str(path)
            )
        data_model = host.data_model if host else "lp64"
        reader = ctx.readers.get(
            dirs,
            None,
            data_model,
            host.predefined() if host else None,
            host.unsigned_char if host else False,
        )
        origin = Provenance(
            source=self.name,
            path=str(path),
            include_dirs=tuple(map(str, dirs)),
            data_model=data_model,
            package=HOST_UAPI_PACKAGE,
            version=package_version(HOST_UAPI_PACKAGE),
            reader=f"abicheck {__version__}",
        )
        return [Table("system", "system", reader.read(str(path)), origin)]
