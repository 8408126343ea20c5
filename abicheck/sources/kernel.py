"""``kernel``: the madvise advice values the live kernel accepts."""

from __future__ import annotations

from typing import ClassVar

from ..model import Table
from .base import Context, SourceKind


class KernelSource(SourceKind):
    name = "kernel"
    forms = ("kernel",)
    keywords: ClassVar[tuple[str, ...]] = ("kernel",)

    def load(self, spec: str, ctx: Context) -> list[Table]:
        from ..verify import kernel_table  # ctypes and the probes: only when asked

        return [kernel_table()]
