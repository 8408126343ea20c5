"""The C compiler's #include search path, asked once and kept in the user's cache."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from abicheck import searchpath
from abicheck.searchpath import search_cache_file, search_dirs

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")


def gcc_search_dirs() -> list[str]:
    """gcc's own list, read from ``gcc -E -v`` here (the oracle)."""
    err = subprocess.run(
        ["gcc", "-E", "-v", "-x", "c", "/dev/null"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"},
        check=True,
    ).stderr.splitlines()
    start = err.index("#include <...> search starts here:") + 1
    return [ln.strip() for ln in err[start : err.index("End of search list.")]]


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for name in searchpath.SEARCH_ENV:
        monkeypatch.delenv(name, raising=False)
    search_dirs.cache_clear()
    yield tmp_path
    search_dirs.cache_clear()


def _no_compiler(*args: object, **kwargs: object) -> None:
    raise AssertionError("the compiler was run")


@needs_gcc
def test_search_dirs_are_gcc_s_and_kept(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = gcc_search_dirs()
    assert list(search_dirs()) == want
    assert search_cache_file() == cache_home / "abicheck" / "search-dirs.json"
    (entry,) = json.loads(search_cache_file().read_text(encoding="utf-8")).values()
    assert entry["dirs"] == want
    assert entry["files"][0][0] == shutil.which("gcc")
    # asked again (a new run): from the cache, no compiler started
    search_dirs.cache_clear()
    monkeypatch.setattr(searchpath, "compiler_run", _no_compiler)
    assert list(search_dirs()) == want


@needs_gcc
def test_a_stale_cache_asks_the_compiler_again(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = gcc_search_dirs()
    search_dirs()
    path = search_cache_file()
    data = json.loads(path.read_text(encoding="utf-8"))
    (key,) = data

    def tampered(change: str) -> list[str]:
        entry = json.loads(json.dumps(data[key]))
        if change == "compiler":  # the driver is another file now (a new gcc)
            entry["files"][0][2] += 1
        elif change == "skipped":  # a folder gcc skipped as nonexistent exists now
            entry["skipped"].append(str(cache_home))
        elif change == "dirs":  # a folder of the path is gone
            entry["dirs"].append(str(cache_home / "gone"))
        path.write_text(json.dumps({key: entry}), encoding="utf-8")
        search_dirs.cache_clear()
        return list(search_dirs())

    for change in ("compiler", "skipped", "dirs"):
        assert tampered(change) == want, change
        assert json.loads(path.read_text(encoding="utf-8"))[key] == data[key], change
    path.write_text("{not json", encoding="utf-8")
    search_dirs.cache_clear()
    assert list(search_dirs()) == want
    # another CPATH is another search path: its own entry
    monkeypatch.setenv("CPATH", str(cache_home))
    search_dirs.cache_clear()
    assert list(search_dirs()) == [str(cache_home), *want]
    assert len(json.loads(path.read_text(encoding="utf-8"))) == 2


@needs_gcc
def test_an_unwritable_cache_still_answers(cache_home: Path) -> None:
    (cache_home / "abicheck").write_text("a file where the folder goes", encoding="utf-8")
    assert list(search_dirs()) == gcc_search_dirs()


def test_no_compiler_no_search_path(cache_home: Path) -> None:
    assert search_dirs("no-such-cc-abicheck") == ()
    assert not search_cache_file().exists()


@needs_gcc
def test_no_home_folder_no_cache(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert list(search_dirs()) == gcc_search_dirs()
    assert list(cache_home.iterdir()) == []


def test_which_is_shutils(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # searchpath.which stands for shutil.which (not imported by a run of parse)
    tool = tmp_path / "bin" / "tool"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "tool").write_text("not executable\n")
    (tmp_path / "dir" / "tool").mkdir(parents=True)
    (tmp_path / "dir" / "tool" / "x").write_text("")
    paths = [
        None,
        "",
        f"{tmp_path}/plain:{tmp_path}/dir:{tmp_path}/bin",
        f"{tmp_path}/bin:{tmp_path}/bin:/usr/bin",
        f"{tmp_path}/none::/usr/bin",
        "/usr/bin:/bin",
    ]
    cmds = ["tool", "gcc", "sh", "no-such-tool", str(tool), f"{tmp_path}/plain/tool", "bin/tool"]
    found = []
    for path in paths:
        if path is None:
            monkeypatch.delenv("PATH", raising=False)
        else:
            monkeypatch.setenv("PATH", path)
        for cmd in cmds:
            assert searchpath.which(cmd) == shutil.which(cmd), (path, cmd)
            found.append(searchpath.which(cmd))
    monkeypatch.chdir(tmp_path)
    assert searchpath.which("bin/tool") == shutil.which("bin/tool") == "bin/tool"
    assert str(tool) in found and None in found
