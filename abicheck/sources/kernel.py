"""``kernel``: the madvise advice values the live kernel accepts."""

from __future__ import annotations

from typing import ClassVar

from ..arches import need_linux
from ..model import Table
from .base import Context, SourceKind


class KernelSource(SourceKind):
    name = "kernel"
    forms = ("kernel",)
    keywords: ClassVar[tuple[str, ...]] = ("kernel",)

    def load(self, spec: str, ctx: Context) -> list[Table]:
        need_linux("the kernel source (it asks the running kernel)")
        from ..verify import kernel_table  # ctypes and the probes: only when asked

        return [kernel_table()]
