"""JSON: a result's own ``to_json()``, indented, in the order the result keeps."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from ..model import Macro

if TYPE_CHECKING:
    from ..audit import AuditResult
    from ..compare import Comparison
    from ..layouts import LayoutReport
    from ..parse import HeaderResult


def render_json(result: Comparison | AuditResult) -> str:
    """``result.to_json()`` as indented JSON, non-ASCII kept."""
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


def render_layout_json(report: LayoutReport) -> str:
    """A list with one ``abicheck-layout/1`` object per architecture, indented."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def write_parse_json(results: Iterable[HeaderResult], out: TextIO) -> None:
    """The parse JSON, one macro per line: a list with an object per header
    (``header``, ``path`` when the file read is another, ``error`` when it failed,
    ``defines``), each macro's line made once however many headers show it (a whole
    uapi tree is ~120,000 macro entries, most of them shared). Each header's object
    is written as ``results`` gives it, so an iterator of them is held one at a time."""
    out.write("[\n")
    i = 0
    for i, item in enumerate(parse_json_items(results), 1):
        if i > 1:
            out.write(",\n")  # (apart: joined, each header's text would be copied again)
        out.write(item)
    out.write("\n]\n" if i else "]\n")


def parse_json_items(results: Iterable[HeaderResult], arch: str = "") -> Iterator[str]:
    """The objects of the parse JSON list, one text per header, each on its own lines
    and indented as in the list; with ``arch``, each leads with ``"arch": arch``
    (``parse --arch all``: the lists of each architecture, joined)."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for res in results:
        head = {"arch": arch} if arch else {}
        head["header"] = res.header
        if res.path:
            head["path"] = res.path
        if res.error is not None:
            head["error"] = str(res.error)
        start = "  " + dumps(head)[:-1] + ', "defines": ['
        macros: Sequence[Macro] = res.macros
        if not macros:
            yield start + "]}"
            continue
        lines = [m.json_text() for m in macros]  # (each Macro's made once)
        # the header's text made by one join (each part is copied once)
        lines[0] = start + "\n    " + lines[0]
        lines[-1] += "\n  ]}"
        yield ",\n    ".join(lines)
