"""The data model every stage shares: macros, tables of them, and the one user-facing error."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Literal

Kind = Literal["integer", "function", "other"]


class AbicheckError(Exception):
    """A user-facing error about some input, located at ``file:line`` where known.

    ``str(err)`` is the one line the CLI prints: ``path:line: error: message``.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    @property
    def location(self) -> str:
        if self.file is None:
            return "abicheck"
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        return f"{self.location}: error: {self.message}"


@dataclass(frozen=True, slots=True)
class Macro:
    """One ``#define`` as the reader resolved it.

    ``value`` is set only for kind ``integer``; ``reason`` says why a kind
    ``other`` macro has no value; ``expr`` is the replacement text as written
    (for function-like macros, prefixed by the parameter list); ``ctype`` is the
    C type of an integer's value where the source knows it (``int``,
    ``unsigned long``, ...; empty otherwise).
    """

    name: str
    kind: Kind
    value: int | None
    expr: str
    file: str
    line: int
    comment: str = ""
    reason: str = ""
    ctype: str = ""

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "value": self.value,
            "expr": self.expr,
            "file": self.file,
            "line": self.line,
            "comment": self.comment,
            "reason": self.reason,
        }

    def json_text(self) -> str:
        """``to_json()`` as ``json.dumps(..., ensure_ascii=False)`` writes it, made
        directly (a whole-tree parse writes 120,000 of them)."""
        q = encode_basestring
        value = "null" if self.value is None else int.__repr__(self.value)
        return (
            f'{{"name": {q(self.name)}, "kind": {q(self.kind)}, "value": {value}, '
            f'"expr": {q(self.expr)}, "file": {q(self.file)}, "line": {int.__repr__(self.line)}, '
            f'"comment": {q(self.comment)}, "reason": {q(self.reason)}}}'
        )


@dataclass(frozen=True)
class Table:
    """A named set of macros from one source, with where it came from.

    ``label`` names the column in comparisons; ``kind`` says what sort of
    source it is (header, arch, system, libc, python, kernel, file);
    ``origin`` is provenance (paths, package versions, compiler, ...).
    """

    label: str
    kind: str
    macros: tuple[Macro, ...]
    origin: Mapping[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, int]:
        """Name -> value of the integer macros."""
        return {m.name: m.value for m in self.macros if m.value is not None}

    def get(self, name: str) -> Macro | None:
        for m in self.macros:
            if m.name == name:
                return m
        return None


def sorted_macros(macros: Iterable[Macro]) -> tuple[Macro, ...]:
    return tuple(sorted(macros, key=lambda m: m.name))


def read_text(path: str) -> str:
    """The UTF-8 text of the file ``path``.

    Raises :class:`AbicheckError` at ``path`` ("no such file", "cannot read: ...", or
    "not UTF-8 text" at the line of the first bad byte).
    """
    p = Path(path)
    try:
        if not p.is_file() and p.exists():  # a folder, a FIFO (would block), a device
            raise AbicheckError("cannot read: not a regular file", path)
        data = p.read_bytes()
    except FileNotFoundError:
        raise AbicheckError("no such file", path) from None
    except OSError as exc:
        raise AbicheckError(f"cannot read: {exc.strerror or exc}", path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise AbicheckError("not UTF-8 text", path, line) from None
