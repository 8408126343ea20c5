"""JSON Schemas (draft 2020-12) of what abicheck writes as JSON, one file per format:
``compare`` (abicheck-compare/1), ``audit`` (abicheck-audit/1), ``verify``
(abicheck-verify/1), ``binding`` (abicheck-binding/1), ``layout`` (abicheck-layout/1,
a list with an object per architecture), ``snapshot`` (abicheck-snapshot/2) and
``parse`` (a list with an object per header, which names no format), shipped in the
wheel for scripts to validate against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NAMES = ("audit", "binding", "compare", "layout", "parse", "snapshot", "verify")


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of the format ``name`` (one of :data:`NAMES`)."""
    data: dict[str, Any] = json.loads((Path(__file__).parent / f"{name}.schema.json").read_text())
    return data
