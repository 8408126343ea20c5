"""Where the shipped files are, and how output names them: the string functions a
run of ``parse`` uses (no pathlib) against what pathlib gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from abicheck import resources
from abicheck.resources import SHIPPED_PREFIX, data_dir, data_path, display_name, embedded_header


def _display_by_path(path: str | Path) -> str:
    """display_name as it was written with pathlib (the oracle)."""
    try:
        rel = Path(path).resolve().relative_to(data_dir("headers").resolve())
    except ValueError:
        return str(path)
    return f"{SHIPPED_PREFIX}{rel.as_posix()}"


def test_data_path_is_data_dir() -> None:
    for name in ("headers", "templates"):
        assert data_path(name) == str(data_dir(name))
        assert os.path.isdir(data_path(name))
    assert embedded_header().is_file()


def test_display_name_is_pathlibs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = data_dir("headers")
    (tmp_path / "link").symlink_to(headers)
    (tmp_path / "a.h").write_text("")
    monkeypatch.chdir(tmp_path)
    paths: list[str | Path] = [
        embedded_header(),
        str(embedded_header()),
        f"{headers}//arm/./mman.h",
        f"{headers}/arm/../arm/mman.h",
        headers,
        f"{headers}/",
        str(tmp_path / "link" / "arm" / "mman.h"),
        "link/arm/mman.h",
        "a.h",
        "./a.h",
        tmp_path / "a.h",
        f"{headers}-other/x.h",
        "/usr/include/linux/mman.h",
        "no/such/file.h",
        "",
    ]
    shown = [display_name(p) for p in paths]
    assert shown == [_display_by_path(p) for p in paths]
    assert shown[0] == shown[7] == "<abicheck>/headers/arm/mman.h"
    assert shown[4] == "<abicheck>/headers/." and shown[8] == "a.h"
    assert resources.embedded_display_name() == shown[0]
