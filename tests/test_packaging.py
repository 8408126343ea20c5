"""The distribution: an sdist that carries what the tests need, a wheel that carries
the shipped data and only the current modules, both passing ``twine check --strict``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _tracked() -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True, check=True
    ).stdout
    return [f for f in out.splitlines() if (REPO / f).is_file()]


def test_sdist_and_wheel(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for name in _tracked():  # a clean copy: no build/ or egg-info left from elsewhere
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, src / name)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(src)],
        check=True,
        capture_output=True,
    )
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    twine = shutil.which("twine") or str(Path(sys.executable).parent / "twine")
    proc = subprocess.run([twine, "check", "--strict", str(sdist), str(wheel)], capture_output=True)
    assert proc.returncode == 0, proc.stdout
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    wanted = [
        f for f in _tracked() if f.startswith(("tests/", "headers/", "templates/", "abicheck/"))
    ]
    assert [f for f in wanted if f not in names] == []
    assert {"LICENSE", "README.md", "scripts/test", ".ci/run"} <= names
    with zipfile.ZipFile(wheel) as whl:
        files = set(whl.namelist())
    modules = {f for f in files if f.startswith("abicheck/") and f.endswith(".py")}
    assert modules == {f for f in wanted if f.startswith("abicheck/") and f.endswith(".py")}
    headers = {f for f in wanted if f.startswith("headers/") and f.endswith((".h", ".json"))}
    assert {"headers/predefines.json", "headers/freestanding/stdint.h"} <= headers
    assert {"headers/arches.json", "headers/arm/mman.h", "headers/freestanding/stddef.h"} <= headers
    assert sorted(f for f in headers if f"abicheck/{f}" not in files) == []
    assert "abicheck/templates/python.py.j2" in files
    assert any(f.endswith(".dist-info/licenses/LICENSE") for f in files)
