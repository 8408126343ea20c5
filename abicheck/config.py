"""A project's defaults for the command line: the ``[tool.abicheck]`` table of its
``pyproject.toml``.

::

    [tool.abicheck]
    baseline = "abi.lock.json"                  # audit --baseline
    suppressions = "abicheck-suppressions.toml" # audit --suppressions
    sources = ["arch:all"]                      # compare, emit, verify, snapshot, audit
    formats = { audit = "markdown" }            # each command's --format

:func:`load_config` reads the nearest ``pyproject.toml`` with such a table,
looking upward from a folder as ruff does. ``baseline`` and ``suppressions`` are
relative to that file's folder; ``sources`` are as on the command line (relative
to the current folder). A key it does not know, or a value of the wrong type, is
an error at the file and line of the key. What the command line gives wins.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ._record import Record
from ._record import set_field as _set
from .model import AbicheckError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

#: The keys of ``[tool.abicheck]`` and what each holds.
KEYS = {
    "baseline": "a file name",
    "suppressions": "a file name",
    "sources": "a list of sources",
    "formats": "a table of command = format",
}


class Config(Record, frozen=True):
    """The ``[tool.abicheck]`` table read from ``file`` (None: no table anywhere)."""

    file: str | None
    baseline: str | None
    suppressions: str | None
    sources: tuple[str, ...]
    formats: Mapping[str, str]

    _factories = {"formats": dict}

    def __init__(
        self,
        file: str | None = None,
        baseline: str | None = None,
        suppressions: str | None = None,
        sources: tuple[str, ...] = (),
        formats: Mapping[str, str] | None = None,
    ) -> None:
        _set(self, "file", file)
        _set(self, "baseline", baseline)
        _set(self, "suppressions", suppressions)
        _set(self, "sources", sources)
        _set(self, "formats", {} if formats is None else formats)

    def line_of(self, key: str) -> int | None:
        """The line of ``key`` in :attr:`file` (first occurrence after the table), for errors."""
        return _key_line(_read(self.file), key) if self.file else None


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _key_line(text: str, key: str) -> int | None:
    lines = text.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if re.match(r"\s*\[\s*tool\.abicheck\s*\]", line)), 0
    )
    head = key.split(".")[0]
    pattern = re.compile(rf"\s*{re.escape(head)}\s*[.=]")
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i + 1
    return start + 1 if start else None


def find_pyproject(start: Path, relative: bool = False) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``pyproject.toml`` at or above ``start`` with a ``[tool.abicheck]``
    table, and that table; None when there is none. Errors name the file relative
    to the current folder if ``relative``."""
    found = _find_pyproject(str(start), relative)
    if found is None:
        return None
    from pathlib import Path

    return Path(found[0]), found[1]


def _find_pyproject(start: str, relative: bool) -> tuple[str, dict[str, Any]] | None:
    """:func:`find_pyproject` of a folder as Path gives it, without pathlib (a run
    of a command imports none)."""
    for folder in _folders(start):
        path = os.path.join(folder, "pyproject.toml")
        try:
            text = _read(path)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        except (OSError, UnicodeDecodeError) as exc:
            shown = os.path.relpath(path) if relative else str(path)
            raise AbicheckError(f"cannot read: {exc}", shown) from None
        if "abicheck" not in text:  # most projects: no TOML parse at start-up
            continue
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"\(at line (\d+), column \d+\)$", str(exc))
            message = str(exc)[: m.start()].strip() if m else str(exc)
            line = int(m.group(1)) if m else None
            shown = os.path.relpath(path) if relative else str(path)
            raise AbicheckError(f"invalid TOML: {message}", shown, line) from None
        table = data.get("tool", {}).get("abicheck")
        if table is not None:
            return path, table
    return None


def _folders(start: str) -> Iterator[str]:
    """``start`` and the folders above it (those of ``Path(start).parents``)."""
    while True:
        yield start
        parent = os.path.dirname(start)
        if parent == start:
            return
        start = parent


def load_config(start: str | Path | None = None) -> Config:
    """The ``[tool.abicheck]`` defaults that apply in ``start`` (default: the current
    folder); an empty :class:`Config` when no pyproject.toml above it has the table.

    Raises :class:`AbicheckError` at the file and line for an unknown key or a
    value of the wrong type."""
    if start is None:
        here = os.getcwd()  # absolute, and as Path would spell it
    else:
        from pathlib import Path

        here = str(Path(start).absolute())
    found = _find_pyproject(here, relative=start is None)
    if found is None:
        return Config()
    path, table = found
    shown = os.path.relpath(path) if start is None else path
    text = _read(path)

    def bad(key: str, message: str) -> AbicheckError:
        return AbicheckError(message, shown, _key_line(text, key))

    if not isinstance(table, dict):
        raise bad("", "[tool.abicheck] must be a table")
    for key in sorted(table):
        if key not in KEYS:
            raise bad(key, f"unknown key {key!r} in [tool.abicheck]; known: {', '.join(KEYS)}")

    def rebased(key: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise bad(key, f"tool.abicheck.{key} must be {KEYS[key]} (a non-empty string)")
        if start is None:  # (relpath normalizes the path as Path would and more)
            return os.path.relpath(os.path.join(os.path.dirname(path), value))
        from pathlib import Path

        return str(Path(path).parent / value)

    sources = table.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) and s for s in sources):
        raise bad("sources", f"tool.abicheck.sources must be {KEYS['sources']} (strings)")
    formats = table.get("formats", {})
    if not isinstance(formats, dict) or not all(isinstance(v, str) for v in formats.values()):
        raise bad("formats", f"tool.abicheck.formats must be {KEYS['formats']} (strings)")
    return Config(
        shown,
        rebased("baseline"),
        rebased("suppressions"),
        tuple(sources),
        dict(sorted(formats.items())),
    )
