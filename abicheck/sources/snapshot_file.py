"""``SNAPSHOT.json``: the tables of an abicheck snapshot, each with its own provenance."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from ..model import Table
from ..resources import display_name
from ..snapshot import load_snapshot
from .base import Context, SourceKind


class SnapshotSource(SourceKind):
    name = "snapshot"
    forms = ("SNAPSHOT.json",)
    suffixes: ClassVar[tuple[str, ...]] = (".json",)

    def load(self, spec: str, ctx: Context) -> list[Table]:
        return [
            replace(t, origin=t.origin.note("file", display_name(spec)))
            for t in load_snapshot(spec)
        ]
