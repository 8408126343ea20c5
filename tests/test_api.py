"""The public library API: abicheck's names, cheap to import, and the README's example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import abicheck

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_public_name_resolves() -> None:
    for name in abicheck.__all__:
        assert getattr(abicheck, name) is not None, name
    with pytest.raises(AttributeError):
        abicheck.no_such_name  # noqa: B018


def test_import_abicheck_imports_nothing_heavy() -> None:
    code = (
        "import sys, abicheck\n"
        "heavy = {'pycparser', 'jinja2', 'tabulate', 'ctypes', 'abicheck.parse'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_readme_library_example_runs(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Library use") :]
    (code,) = re.findall(r"```python\n(.*?)```", section[: section.index("\n## ", 3)], re.S)
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr


def test_all_lists_every_export() -> None:
    assert sorted(abicheck.__all__) == sorted(abicheck._EXPORTS)


def test_read_takes_a_path_object() -> None:
    # found in review: read(embedded_header()) failed ('PosixPath' has no startswith)
    from abicheck.parse import Reader

    path = abicheck.embedded_header()
    macros = {m.name: m.value for m in abicheck.read(path)}
    assert macros == {m.name: m.value for m in abicheck.read(str(path))}
    assert macros["MADV_REMOVE"] == 5 and macros["PROT_READ"] == 1
    assert [r.name for r in Reader().layouts(path)] == []  # mman.h declares no struct
