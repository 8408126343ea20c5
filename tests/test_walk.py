"""The preprocessor walk's replay memo: a file's walk summarized through the
replays of its includes is the summary of walking them all."""

from __future__ import annotations

from pathlib import Path

from abicheck.parse import Reader
from abicheck.reader.scan import ScanCache


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(text)


def test_a_summary_made_through_replays_is_that_of_the_full_walk(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "a.h": "#ifndef A_H\n#define A_H\n#pragma once\n#ifdef MODE\n#define A 1\n"
            "#else\n#define A 2\n#endif\n#undef B\n#define B A\nint a;\n"
            "#include <c.h>\n#endif\n",
            "c.h": "#if defined(A) && A == 2\n#define C 3\n#endif\nint c;\n",
            "mid.h": "#define MID 1\n#include <a.h>\n#include <c.h>\n#ifdef B\n#define MB B\n"
            "#endif\nint mid;\n",
            "h1.h": "#include <a.h>\n",
            "h2.h": "#include <mid.h>\n",
        },
    )
    scans = ScanCache()  # (the same definitions and text runs in both)
    replaying = Reader([str(tmp_path)], scans=scans)
    walking = Reader([str(tmp_path)], scans=scans)
    replaying.read(tmp_path / "h1.h")  # a.h's and c.h's walks kept, then replayed in mid.h
    assert replaying.read(tmp_path / "h2.h") == walking.read(tmp_path / "h2.h")
    key = (str(tmp_path / "mid.h"), 0)
    [(deps, effects, written, marked)] = replaying.memo.walks[key]
    [(deps0, effects0, written0, marked0)] = walking.memo.walks[key]
    assert any(ev[0] == "w" and ev[1] == "A" for ev in effects)  # a.h's effects are in
    assert (set(deps), effects, written, marked) == (set(deps0), effects0, written0, marked0)
    assert written == {"MID", "A_H", "A", "B", "C", "MB"}
    assert marked == {str(tmp_path / "a.h")}
