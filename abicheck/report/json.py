"""JSON: a result's own ``to_json()``, indented, in the order the result keeps."""

from __future__ import annotations

import json

from ..audit import AuditResult
from ..compare import Comparison


def render_json(result: Comparison | AuditResult) -> str:
    """``result.to_json()`` as indented JSON, non-ASCII kept."""
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
