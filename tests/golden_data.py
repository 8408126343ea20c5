"""The golden data recorded from Debian's real cross compilers (scripts/record-cross-golden).

``golden()`` gives, per Debian architecture, what its own gcc said about every uapi
header under ``/usr/<triplet>/include/linux`` and ``.../asm``: each header's integer
macros (those defined in the header itself, valued in its own translation unit), the
headers whose C did not compile, and every struct/union layout declared under
``linux/``, ``asm/`` and ``asm-generic/``. No compiler is needed to read it.
"""

from __future__ import annotations

import json
import lzma
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from abicheck.cc import Layout, Member

GOLDEN_FILE = Path(__file__).parent / "golden" / "cross.json.xz"
FORMAT = "abicheck-golden/1"


@dataclass(frozen=True)
class GoldenArch:
    """One architecture's golden data.

    ``macros``: header (relative to ``include``, e.g. ``linux/stat.h``) -> {name: value};
    ``errors``: header -> gcc's first error, for the headers whose C did not compile;
    ``layouts``: ``struct X``/``union X``/``typedef X`` -> :class:`abicheck.cc.Layout`;
    ``tu``: type -> the header whose translation unit it was laid out in;
    ``compiler``: ``<triplet>-gcc --version``'s first line.
    """

    arch: str
    triplet: str
    cc: str
    compiler: str
    include: Path
    package_version: str
    macros: dict[str, dict[str, int]]
    errors: dict[str, str]
    layouts: dict[str, Layout]
    tu: dict[str, str]


def _member(item: list[Any]) -> Member:
    """``[name, offset, size]`` or, for a bitfield, ``[..., bit_offset, bit_width]``."""
    if len(item) == 3:
        return Member(item[0], item[1], item[2])
    return Member(item[0], item[1], item[2], item[3], item[4])


def _arch(data: dict[str, Any]) -> GoldenArch:
    headers: dict[str, Any] = data["headers"]
    layouts = {
        name: Layout(
            name,
            item["file"],
            item["line"],
            item["size"],
            item["align"],
            tuple(_member(m) for m in item["members"]),
        )
        for name, item in data["layouts"].items()
    }
    return GoldenArch(
        arch=data["arch"],
        triplet=data["triplet"],
        cc=data["cc"],
        compiler=data["compiler"],
        include=Path(data["include"]),
        package_version=data["package_version"],
        macros={h: dict(e["macros"]) for h, e in headers.items()},
        errors={h: e["error"] for h, e in headers.items() if "error" in e},
        layouts=layouts,
        tu={name: item.get("tu", item["file"]) for name, item in data["layouts"].items()},
    )


@cache
def golden() -> dict[str, GoldenArch]:
    """Every recorded architecture's :class:`GoldenArch`, by Debian name."""
    data = json.loads(lzma.decompress(GOLDEN_FILE.read_bytes()))
    if data.get("format") != FORMAT:
        raise ValueError(f"{GOLDEN_FILE}: not {FORMAT} data")
    return {name: _arch(item) for name, item in sorted(data["arches"].items())}
