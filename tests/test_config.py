"""[tool.abicheck] in pyproject.toml: the nearest table upward, its keys checked,
paths from its folder, and the command line winning over it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from abicheck.cli import main
from abicheck.config import Config, load_config
from abicheck.model import AbicheckError


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _project(root: Path, table: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[tool.abicheck]\n{table}', encoding="utf-8"
    )
    return root


def test_no_table_anywhere(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_config(tmp_path) == Config()


def test_the_nearest_table_upward_with_paths_from_its_folder(tmp_path: Path) -> None:
    _project(tmp_path, 'baseline = "abi.lock.json"\nsources = ["embedded", "system"]\n')
    inner = tmp_path / "sub" / "deeper"
    inner.mkdir(parents=True)
    # a pyproject.toml without the table is passed over, as ruff does
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "uses-abicheck"\n', "utf-8")
    config = load_config(inner)
    assert config == Config(
        str(tmp_path / "pyproject.toml"),
        str(tmp_path / "abi.lock.json"),
        None,
        ("embedded", "system"),
        {},
    )


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        (
            'baseline = "a.json"\nbasline = "b.json"\n',
            6,
            "unknown key 'basline' in [tool.abicheck]; known: baseline, suppressions, "
            "sources, formats",
        ),
        ("baseline = 3\n", 5, "tool.abicheck.baseline must be a file name (a non-empty string)"),
        ('sources = "arch:all"\n', 5, "tool.abicheck.sources must be a list of sources (strings)"),
        (
            'formats = ["json"]\n',
            5,
            "tool.abicheck.formats must be a table of command = format (strings)",
        ),
    ],
)
def test_bad_tables_are_errors_at_the_key(
    tmp_path: Path, table: str, line: int, message: str
) -> None:
    _project(tmp_path, table)
    with pytest.raises(AbicheckError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{tmp_path / 'pyproject.toml'}:{line}: error: {message}"


def test_cli_reads_the_table_and_the_command_line_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    assert run("snapshot", "embedded", "-o", "abi.lock.json")[0] == 0
    _project(project, 'baseline = "abi.lock.json"\nsources = ["system"]\n')
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text("utf-8") + 'formats = { audit = "json" }\n',
        "utf-8",
    )
    # from a subfolder: the baseline is found beside pyproject.toml
    (project / "src").mkdir()
    monkeypatch.chdir(project / "src")
    code, out, err = run("audit", "--fail-on", "any")
    assert code == 12, err  # embedded (2.6.16) -> system: compatible and incompatible
    data = json.loads(out)
    assert data["pairs"] == [{"baseline": "arm-2.6.16", "current": "system"}]
    assert ("MADV_REMOVE", 5, 9) in [(c["name"], c["old"], c["new"]) for c in data["changes"]]
    # the command line wins: its sources, its format, its baseline
    code, out, _ = run("audit", "--format", "table", "embedded")
    assert code == 0 and "no changes since the baseline" in out
    code, _, err = run("audit", "--baseline", "missing.json")
    assert code == 2 and err.startswith("missing.json: error:")
    # compare takes the sources too
    code, out, _ = run("compare", "--format", "json", "--fail-on", "never")
    assert code == 0 and [s["label"] for s in json.loads(out)["sources"]] == ["system"]


def test_cli_errors_name_the_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path, 'formats = { audit = "pdf" }\n'))
    assert run("compare") == (
        2,
        "",
        "pyproject.toml:5: error: tool.abicheck.formats.audit: 'pdf' is not a format of audit; "
        "expected one of table, markdown, json, junit, html\n",
    )
    _project(tmp_path, 'formats = { arches = "json" }\n')
    code, _, err = run("arches")
    assert code == 2 and err.startswith(
        "pyproject.toml:5: error: tool.abicheck.formats: 'arches' is no command with --format;"
    )
    _project(tmp_path, "colour = 1\n")
    code, _, err = run("--help")
    assert code == 2 and err.startswith("pyproject.toml:5: error: unknown key 'colour'")
    (tmp_path / "pyproject.toml").write_text("[tool.abicheck\n", "utf-8")
    code, _, err = run("arches")
    assert code == 2 and err.startswith("pyproject.toml:1: error: invalid TOML:")
    assert err.count("\n") == 1


def test_audit_without_a_baseline_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("audit") == (
        2,
        "",
        "abicheck audit: error: the following arguments are required: --baseline (or baseline "
        "in [tool.abicheck] of pyproject.toml; see abicheck audit --help)\n",
    )


def test_the_readme_example(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```toml\n")[1:]]
    (block,) = [b for b in blocks if "[tool.abicheck]" in b]
    (tmp_path / "pyproject.toml").write_text(block, encoding="utf-8")
    assert load_config(tmp_path) == Config(
        str(tmp_path / "pyproject.toml"),
        str(tmp_path / "abi.lock.json"),
        str(tmp_path / "abicheck-suppressions.toml"),
        ("arch:all",),
        {"audit": "markdown"},
    )


def test_folders_are_paths_parents(tmp_path: Path) -> None:
    from abicheck.config import _folders

    for start in [tmp_path, Path("/"), Path("/usr/include/linux"), tmp_path / "a" / ".." / "b"]:
        assert list(_folders(str(start))) == [str(p) for p in (start, *start.parents)]
