"""Reader of Go's constant tables: ``zerrors_linux*.go`` of golang.org/x/sys/unix.

``zerrors_linux.go`` holds the constants every architecture shares, each
``zerrors_linux_<goarch>.go`` one architecture's (named by its ``//go:build`` or
``// +build`` line, else by the file name, as Go does). Integer constants of the
``const`` declarations are read, conversions included (``E2BIG = syscall.Errno(0x7)``
gives 7); other constants (strings, expressions) are left out.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import AbicheckError, Macro, read_text
from . import BindingTable
from .common import int_literal, make_table

#: GOARCH -> abicheck's architecture name.
GO_ARCHES = {
    "386": "i386",
    "amd64": "amd64",
    "arm": "armhf",
    "arm64": "arm64",
    "loong64": "loong64",
    "mips": "mips",
    "mipsle": "mipsel",
    "mips64": "mips64",
    "mips64le": "mips64el",
    "ppc": "powerpc",
    "ppc64": "ppc64",
    "ppc64le": "ppc64el",
    "riscv64": "riscv64",
    "s390x": "s390x",
    "sparc64": "sparc64",
}
#: Every GOARCH Go knows (``go tool dist list`` and the reserved ones of go/build).
_ALL_GOARCH = frozenset(GO_ARCHES) | {
    *("amd64p32", "armbe", "arm64be", "loong64", "mips64p32", "mips64p32le"),
    *("ppc", "riscv", "s390", "sparc", "wasm"),
}

_SHARED = "zerrors_linux.go"
_PATTERN = "zerrors_linux_*.go"
_BUILD = re.compile(r"//go:build\s|// \+build\s")
_DECL = re.compile(r"([A-Za-z_]\w*)(?:\s+[A-Za-z_][\w.]*)?\s*=\s*(.*)")
_NAME = re.compile(r"[A-Za-z_]\w*")
_CONVERSION = re.compile(r"[A-Za-z_][\w.]*\s*\((.*)\)")


def read(root: str | Path) -> list[BindingTable]:
    """One table per GOARCH of the golang.org/x/sys checkout at ``root`` (the
    repository or its ``unix/`` folder), the shared file's constants merged in (the
    architecture's file wins), sorted by architecture; files relative to ``root``.

    Raises :class:`AbicheckError` at ``path:line`` for a file it cannot read."""
    folder, prefix = _folder(Path(root))
    _, shared = _read_file(folder / _SHARED, prefix + _SHARED)
    merged: dict[str, dict[str, Macro]] = {}
    seen: dict[str, str] = {}
    for path in sorted(folder.glob(_PATTERN)):
        goarch, macros = _read_file(path, prefix + path.name)
        goarch = goarch or _file_arch(path)
        if goarch in seen:
            message = f"second file for GOARCH {goarch} (also {seen[goarch]})"
            raise AbicheckError(message, str(path), 1)
        seen[goarch] = path.name
        merged[goarch] = {m.name: m for m in (*shared, *macros)}
    if not merged:
        raise AbicheckError(f"no {_PATTERN} beside {_SHARED}", str(folder))
    tables = [make_table(a, GO_ARCHES, m.values()) for a, m in merged.items()]
    return sorted(tables, key=lambda t: (t.arch, t.binding_arch))


def _folder(root: Path) -> tuple[Path, str]:
    """The folder holding the zerrors files and its path relative to ``root``."""
    if not root.is_dir():
        raise AbicheckError("no such folder" if not root.exists() else "not a folder", str(root))
    if (root / "unix" / _SHARED).is_file():
        return root / "unix", "unix/"
    if (root / _SHARED).is_file():
        return root, ""
    raise AbicheckError(f"no {_SHARED} here or in unix/: not golang.org/x/sys", str(root))


def _file_arch(path: Path) -> str:
    goarch = path.name[len("zerrors_linux_") : -len(".go")]
    if goarch not in _ALL_GOARCH:
        message = f"no GOARCH in the build constraint nor the name ({goarch})"
        raise AbicheckError(message, str(path), 1)
    return goarch


def _read_file(path: Path, file: str) -> tuple[str | None, list[Macro]]:
    """The GOARCH of the file's build constraint (None without one) and its constants,
    located at ``file`` (errors at ``path``)."""
    where = str(path)
    lines = read_text(where).split("\n")
    build: tuple[str, int] | None = None
    macros: list[Macro] = []
    block = 0  # line of the open ``const (``
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if block:
            if line == ")":
                block = 0
            elif line and not line.startswith("//"):
                macros += _decl(line, file, where, number)
        elif raw.startswith("const ("):
            block = number
            if line != "const (":
                raise AbicheckError("unsupported: a one-line const block", where, number)
        elif raw.startswith("const "):
            macros += _decl(line[len("const ") :], file, where, number)
        elif _BUILD.match(line) and (build is None or line.startswith("//go:")):
            build = (line, number)
    if block:
        raise AbicheckError("const block not closed by ')'", where, block)
    return (_build_arch(*build, where) if build else None), macros


def _build_arch(line: str, number: int, where: str) -> str | None:
    """The one GOARCH a build constraint line requires, or None if it names none."""
    words = re.findall(r"(!?)([\w.]+)", line.split(None, 1)[1])
    arches = sorted({w for neg, w in words if not neg and w in _ALL_GOARCH})
    if len(arches) > 1:
        message = f"build constraint names several GOARCH: {', '.join(arches)}"
        raise AbicheckError(message, where, number)
    return arches[0] if arches else None


def _decl(text: str, file: str, where: str, number: int) -> list[Macro]:
    """The integer constant ``NAME [TYPE] = VALUE`` declares (none if not an integer)."""
    m = _DECL.fullmatch(text)
    if m is None:
        if _NAME.fullmatch(text):
            raise AbicheckError(f"unsupported: {text} without a value (iota)", where, number)
        raise AbicheckError(f"not a constant declaration: {text[:60]}", where, number)
    name, expr = m.group(1), m.group(2)
    if expr[:1] not in ('"', "`"):
        expr = expr.split("//", 1)[0].strip()
    if not expr:
        raise AbicheckError(f"{name}: no value after '='", where, number)
    value = _value(expr)
    return [] if value is None else [Macro(name, "integer", value, expr, file, number)]


def _value(expr: str) -> int | None:
    """The value of an integer literal, maybe signed, maybe converted (``T(-0x1)``)."""
    conversion = _CONVERSION.fullmatch(expr)
    text = (conversion.group(1) if conversion else expr).replace(" ", "")
    value = int_literal(text[1:] if text[:1] in "+-" else text, legacy_octal=True)
    if value is None:
        return None
    return -value if text[:1] == "-" else value
