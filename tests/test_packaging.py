"""The distribution: an sdist that carries what the tests need, a wheel that carries
the shipped data and only the current modules, both passing ``twine check --strict``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import yaml

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
    with zipfile.ZipFile(wheel) as whl:
        (meta,) = [f for f in whl.namelist() if f.endswith(".dist-info/METADATA")]
        metadata = whl.read(meta).decode("utf-8")
    headers = metadata.split("\n\n", 1)[0].splitlines()
    assert [h for h in headers if h.startswith("Project-URL:")] == [
        "Project-URL: Homepage, https://github.com/abicheck/abicheck",
        "Project-URL: Repository, https://github.com/abicheck/abicheck",
        "Project-URL: Issues, https://github.com/abicheck/abicheck/issues",
    ]
    assert "License-Expression: MIT" in headers
    assert "Classifier: Operating System :: POSIX :: Linux" in headers
    assert any(h.startswith("Keywords: abi,linux") for h in headers)


# -- the README's install lines, pre-commit example and links ---------------------

README = (REPO / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
REPOSITORY = PYPROJECT["project"]["urls"]["Repository"]


def test_project_metadata() -> None:
    project = PYPROJECT["project"]
    assert project["urls"] == {
        "Homepage": "https://github.com/abicheck/abicheck",
        "Repository": "https://github.com/abicheck/abicheck",
        "Issues": "https://github.com/abicheck/abicheck/issues",
    }
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert "abi" in project["keywords"] and "linux" in project["keywords"]
    assert "Operating System :: POSIX :: Linux" in project["classifiers"]
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_every_readme_install_line_works_from_this_repository() -> None:
    """Each ``pip install`` is a checkout path, this repository's git URL, or the PyPI
    name on a line that says it is what it will be once published."""
    targets = []
    for line in README.splitlines():
        for target in re.findall(r"pip install ([^ `)]+)", line):
            targets.append(target)
            if target == "abicheck-consts":
                assert "once" in line.lower() and "published" in line.lower(), line
    assert sorted(set(targets)) == sorted(
        {".", ".[test]", f'"git+{REPOSITORY}"', "abicheck-consts"}
    )


def test_readme_links_are_absolute_and_name_this_repository() -> None:
    """PyPI shows the README without the repository's files: every image is an
    absolute URL, one of this repository's files on main; other links are anchors."""
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    raw = REPOSITORY.replace("https://github.com/", "https://raw.githubusercontent.com/")
    assert images == [f"{raw}/main/docs/report.png"]
    assert (REPO / "docs/report.png").is_file()
    links = re.findall(r"(?<!!)\[[^\]]*\]\(([^)]+)\)", README)
    assert [u for u in links if not u.startswith(("#", "https://"))] == []
    urls = set(re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", README))
    assert urls == {REPOSITORY}


def _readme_pre_commit_config() -> str:
    (block,) = re.findall(r"```yaml\n(repos:\n.*?)```", README, re.S)
    return str(block)


def test_readme_pre_commit_rev_is_a_commit_with_the_hooks() -> None:
    """The rev names a commit of this repository whose hooks file defines every hook
    id the example uses."""
    config = yaml.safe_load(_readme_pre_commit_config())
    (repo,) = config["repos"]
    assert repo["repo"] == REPOSITORY
    rev = repo["rev"]
    assert re.fullmatch(r"[0-9a-f]{40}|v\d+\.\d+\.\d+", rev), rev
    hooks = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{rev}:.pre-commit-hooks.yaml"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    defined = {h["id"] for h in yaml.safe_load(hooks)}
    assert {h["id"] for h in repo["hooks"]} == {"abicheck-emit-check", "abicheck-audit"}
    assert {h["id"] for h in repo["hooks"]} <= defined
    # the hooks file's own example is the README's
    own = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert f"#   - repo: {REPOSITORY}\n#     rev: {rev}  #" in own


def test_readme_pre_commit_example_runs(tmp_path: Path) -> None:
    """pre-commit itself installs the hooks at the README's rev (this repository as a
    local clone for the URL) and runs them on a project set up as the example says."""
    project = tmp_path / "project"
    (project / "src/mypkg").mkdir(parents=True)
    abicheck = str(Path(sys.executable).parent / "abicheck")
    module = project / "src/mypkg/mman_consts.py"
    subprocess.run([abicheck, "emit", "--lang", "python", "-o", str(module)], check=True)
    lock = project / "abi.lock.json"
    subprocess.run([abicheck, "snapshot", "-o", str(lock), "arch:all"], check=True)
    (project / "abicheck-suppressions.toml").write_text("", encoding="utf-8")
    config = _readme_pre_commit_config().replace(REPOSITORY, str(REPO))
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git = ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    run = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"]
    proc = subprocess.run(run, cwd=project, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    passed = [line for line in proc.stdout.splitlines() if line.endswith("Passed")]
    assert len(passed) == 2, proc.stdout
    # a stale module fails the emit hook with its diff
    module.write_text(module.read_text(encoding="utf-8").replace("0x", "0X", 1), "utf-8")
    proc = subprocess.run(run, cwd=project, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout
    assert "generated file out of date" in proc.stdout
