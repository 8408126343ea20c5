"""The data model every stage shares: macros, tables of them, and the one user-facing error."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import cache
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, Literal, get_args

from ._pattern import lazy_compile
from ._record import Record, replace
from ._record import set_field as _set

Kind = Literal["integer", "function", "other"]
#: What sort of source a table is (shown in comparisons and snapshots).
TableKind = Literal[
    "header", "arch", "system", "libc", "python", "kernel", "file", "binding", "layout"
]
TABLE_KINDS: tuple[TableKind, ...] = get_args(TableKind)

#: The file name of macros the compiler (or the reader) predefines.
BUILTIN_FILE = "<built-in>"
#: The file name of macros given on the command line (``-D``).
COMMAND_LINE_FILE = "<command-line>"
BUILTIN_FILES = frozenset({BUILTIN_FILE, COMMAND_LINE_FILE})

# C11 Annex D: the characters allowed in identifiers beyond ASCII (D.1), less those
# that may not begin one (D.2); gcc 12 takes them in UTF-8 (``#define MAP_café 1``)
_ANNEX_D1 = (
    "\u00a8\u00aa\u00ad\u00af\u00b2-\u00b5\u00b7-\u00ba\u00bc-\u00be\u00c0-\u00d6"
    "\u00d8-\u00f6\u00f8-\u00ff\u0100-\u167f\u1681-\u180d\u180f-\u1fff\u200b-\u200d"
    "\u202a-\u202e\u203f-\u2040\u2054\u2060-\u206f\u2070-\u218f\u2460-\u24ff"
    "\u2776-\u2793\u2c00-\u2dff\u2e80-\u2fff\u3004-\u3007\u3021-\u302f\u3031-\u303f"
    "\u3040-\ud7ff\uf900-\ufd3d\ufd40-\ufdcf\ufdf0-\ufe44\ufe47-\ufffd"
    + "".join(f"\\U{p:04x}0000-\\U{p:04x}fffd" for p in range(1, 15))
)
_ANNEX_D2 = "\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
#: A C identifier as gcc 12 reads a macro name: ASCII letters, digits, ``_`` and ``$``
#: and the characters of C11 Annex D, not starting with a digit or a D.2 character.
IDENTIFIER_PATTERN = rf"(?![{_ANNEX_D2}])[A-Za-z_${_ANNEX_D1}][A-Za-z0-9_${_ANNEX_D1}]*"
#: :data:`IDENTIFIER_PATTERN` on ASCII text, where it is this (and quick to compile).
ASCII_IDENTIFIER_PATTERN = r"[A-Za-z_$][A-Za-z0-9_$]*"
_ASCII_IDENTIFIER = lazy_compile(ASCII_IDENTIFIER_PATTERN + r"\Z")


@cache
def identifier_re(prefix: str = "", suffix: str = r"\Z", flags: int = 0) -> re.Pattern[str]:
    """``prefix + IDENTIFIER_PATTERN + suffix`` compiled, the first time it is asked for:
    the Annex D ranges take milliseconds to compile, and most runs read ASCII names
    only (match those with :data:`ASCII_IDENTIFIER_PATTERN`)."""
    return re.compile(prefix + IDENTIFIER_PATTERN + suffix, flags)


def is_identifier(name: str) -> bool:
    """Whether ``name`` is spelled as a C identifier as gcc takes a macro name (UTF-8
    letters and ``$`` too; keywords included: ``#define int long`` is a macro too)."""
    pattern = _ASCII_IDENTIFIER if name.isascii() else identifier_re()
    return pattern.match(name) is not None


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


class Diagnostic(Record, frozen=True):
    """A warning about some input that did not stop it being read (gcc warns and goes
    on); ``str(d)`` is the line the CLI prints: ``path:line: warning: message``."""

    file: str
    line: int
    message: str

    __slots__ = ("file", "line", "message")

    def __init__(self, file: str, line: int, message: str) -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "message", message)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: warning: {self.message}"


class Macro(Record, frozen=True):
    """One ``#define`` as the reader resolved it.

    ``value`` is set only for kind ``integer``; ``reason`` says why a kind
    ``other`` macro has no value; ``expr`` is the replacement text as written
    (for function-like macros, prefixed by the parameter list); an integer's
    ``reason``, if any, is a note: C leaves its value undefined (a shift by the width
    or more) and it is the value gcc gives; ``ctype`` is the
    C type of an integer's value where the source knows it (``int``,
    ``unsigned long``, ...; empty otherwise).

    Besides its fields it keeps :meth:`json_text`'s text once made (a macro of
    ``linux/types.h`` is in hundreds of headers' tables).
    """

    name: str
    kind: Kind
    value: int | None
    expr: str
    file: str
    line: int
    if TYPE_CHECKING:  # (the defaults, as a type checker sees them in a subclass)
        comment: str = ""
        reason: str = ""
        ctype: str = ""
    else:  # (no class attributes: the names are slots)
        comment: str
        reason: str
        ctype: str

    # (_json: no field, json_text's text or None)
    __slots__ = (
        "name",
        "kind",
        "value",
        "expr",
        "file",
        "line",
        "comment",
        "reason",
        "ctype",
        "_json",
    )

    def __init__(
        self,
        name: str,
        kind: Kind,
        value: int | None,
        expr: str,
        file: str,
        line: int,
        comment: str = "",
        reason: str = "",
        ctype: str = "",
    ) -> None:
        # each slot set through its descriptor: twice as fast as object.__setattr__,
        # and the reader makes 30,000 macros per uapi tree
        _M_NAME(self, name)
        _M_KIND(self, kind)
        _M_VALUE(self, value)
        _M_EXPR(self, expr)
        _M_FILE(self, file)
        _M_LINE(self, line)
        _M_COMMENT(self, comment)
        _M_REASON(self, reason)
        _M_CTYPE(self, ctype)
        _M_JSON(self, None)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def builtin(self) -> bool:
        """Predefined by the compiler or given on the command line, not by a header."""
        return self.file in BUILTIN_FILES

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
        directly (a whole-tree parse writes 120,000 of them), once per Macro."""
        text: str | None = getattr(self, "_json", None)  # (unset in an unpickled one)
        if text is None:
            q = encode_basestring
            value = "null" if self.value is None else int.__repr__(self.value)
            text = (
                f'{{"name": {q(self.name)}, "kind": {q(self.kind)}, "value": {value}, '
                f'"expr": {q(self.expr)}, "file": {q(self.file)}, '
                f'"line": {int.__repr__(self.line)}, '
                f'"comment": {q(self.comment)}, "reason": {q(self.reason)}}}'
            )
            _M_JSON(self, text)
        return text


# (Macro.__init__'s: the descriptors of its slots, made with the class)
_M_NAME, _M_KIND, _M_VALUE, _M_EXPR, _M_FILE, _M_LINE, _M_COMMENT, _M_REASON, _M_CTYPE, _M_JSON = (
    Macro.__dict__[name].__set__ for name in Macro.__slots__
)


class MemberLayout(Record, frozen=True):
    """One member of a struct or union, reachable by name from it: its offset in bytes
    from the start of the outer type, its size in bytes (a bit-field's: its declared
    type's), and for a bit-field its offset in bits from that start and its width
    (None for other members); ``type`` is its C type, spelled briefly."""

    name: str
    offset: int
    size: int
    bit_offset: int | None
    bit_width: int | None
    type: str

    __slots__ = ("name", "offset", "size", "bit_offset", "bit_width", "type")

    def __init__(
        self,
        name: str,
        offset: int,
        size: int,
        bit_offset: int | None,
        bit_width: int | None,
        type: str,
    ) -> None:
        _set(self, "name", name)
        _set(self, "offset", offset)
        _set(self, "size", size)
        _set(self, "bit_offset", bit_offset)
        _set(self, "bit_width", bit_width)
        _set(self, "type", type)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "offset": self.offset,
            "size": self.size,
            "bit_offset": self.bit_offset,
            "bit_width": self.bit_width,
            "type": self.type,
        }


class RecordLayout(Record, frozen=True):
    """A struct, union or typedef of an unnamed one (``name`` "struct stat", "union
    sigval", "typedef fsid_t") as one ABI lays it out: where it is declared, its size
    and alignment in bytes and its members (those of anonymous members included);
    ``size`` and ``align`` are None when it has no layout, ``reason`` says why."""

    name: str
    file: str
    line: int
    size: int | None
    align: int | None
    if TYPE_CHECKING:  # (the defaults, as a type checker sees them in a subclass)
        members: tuple[MemberLayout, ...] = ()
        reason: str = ""
    else:  # (no class attributes: the names are slots)
        members: tuple[MemberLayout, ...]
        reason: str

    __slots__ = ("name", "file", "line", "size", "align", "members", "reason")

    def __init__(
        self,
        name: str,
        file: str,
        line: int,
        size: int | None,
        align: int | None,
        members: tuple[MemberLayout, ...] = (),
        reason: str = "",
    ) -> None:
        _set(self, "name", name)
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "size", size)
        _set(self, "align", align)
        _set(self, "members", members)
        _set(self, "reason", reason)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "size": self.size,
            "align": self.align,
            "members": [m.to_json() for m in self.members],
        }
        if self.reason:
            out["reason"] = self.reason
        return out


Pairs = tuple[tuple[str, str], ...]


class Provenance(Record, frozen=True):
    """Where a table came from: enough to read it again, and to show its origin.

    ``source`` is the source kind that made the table (a key of the source
    registry, :mod:`abicheck.sources`), which reads it again from the fields it
    records: ``path`` (the file read, as given or as ``<abicheck>/headers/...``),
    ``header`` (the header searched for on the include folders, ``linux/mman.h``),
    ``include_dirs``, ``defines`` (``-D`` name and value pairs, in order),
    ``data_model``, ``arch`` (an architecture name), ``headers_from``
    (``installed``, ``snapshot`` or ``kernel-tree``), ``kernel_tree`` and
    ``snapshot``. ``package``/``version``, ``compiler``/``flags`` and ``reader``
    say what produced it; ``notes`` are further facts to show, as (key, text).
    """

    if TYPE_CHECKING:  # (the defaults, as a type checker sees them in a subclass)
        source: str = ""
        path: str = ""
        header: str = ""
        include_dirs: tuple[str, ...] = ()
        defines: Pairs = ()
        data_model: str = ""
        arch: str = ""
        kernel_arch: str = ""
        headers_from: str = ""
        kernel_tree: str = ""
        snapshot: str = ""
        package: str = ""
        version: str = ""
        compiler: str = ""
        flags: tuple[str, ...] = ()
        reader: str = ""
        notes: Pairs = ()
    else:  # (no class attributes: the names are slots)
        source: str
        path: str
        header: str
        include_dirs: tuple[str, ...]
        defines: Pairs
        data_model: str
        arch: str
        kernel_arch: str
        headers_from: str
        kernel_tree: str
        snapshot: str
        package: str
        version: str
        compiler: str
        flags: tuple[str, ...]
        reader: str
        notes: Pairs

    __slots__ = (
        "source",
        "path",
        "header",
        "include_dirs",
        "defines",
        "data_model",
        "arch",
        "kernel_arch",
        "headers_from",
        "kernel_tree",
        "snapshot",
        "package",
        "version",
        "compiler",
        "flags",
        "reader",
        "notes",
    )

    def __init__(
        self,
        source: str = "",
        path: str = "",
        header: str = "",
        include_dirs: tuple[str, ...] = (),
        defines: Pairs = (),
        data_model: str = "",
        arch: str = "",
        kernel_arch: str = "",
        headers_from: str = "",
        kernel_tree: str = "",
        snapshot: str = "",
        package: str = "",
        version: str = "",
        compiler: str = "",
        flags: tuple[str, ...] = (),
        reader: str = "",
        notes: Pairs = (),
    ) -> None:
        _set(self, "source", source)
        _set(self, "path", path)
        _set(self, "header", header)
        _set(self, "include_dirs", include_dirs)
        _set(self, "defines", defines)
        _set(self, "data_model", data_model)
        _set(self, "arch", arch)
        _set(self, "kernel_arch", kernel_arch)
        _set(self, "headers_from", headers_from)
        _set(self, "kernel_tree", kernel_tree)
        _set(self, "snapshot", snapshot)
        _set(self, "package", package)
        _set(self, "version", version)
        _set(self, "compiler", compiler)
        _set(self, "flags", flags)
        _set(self, "reader", reader)
        _set(self, "notes", notes)

    def note(self, key: str, text: str) -> Provenance:
        """This provenance with the note ``key`` set to ``text``."""
        kept = tuple((k, v) for k, v in self.notes if k != key)
        return replace(self, notes=(*kept, (key, text)))

    def noted(self, key: str) -> str | None:
        """The note ``key``, or None."""
        return next((text for k, text in self.notes if k == key), None)

    def as_dict(self) -> dict[str, str]:
        """The provenance as reports show it: key -> text, sorted, empty fields left
        out. Folders are joined with ``:`` and defines shown as ``NAME=VALUE`` joined
        with spaces, for people to read, not to be parsed back; a file found by
        header name is shown as ``header``, else as ``path``; ``flags`` come with the
        ``compiler`` (even when there are none)."""
        out: dict[str, str] = {}
        for name, key in SHOWN_KEYS.items():
            value = getattr(self, name)
            if value:
                out[key] = _show(name, value)
        if self.path:
            out["header" if self.header else "path"] = self.path
        if self.compiler:
            out["flags"] = " ".join(self.flags)
        if self.headers_from:
            out["headers"] = _HEADERS_SHOWN.get(self.headers_from, self.headers_from)
        for key, text in self.notes:
            out[key] = text
        return {k: out[k] for k in sorted(out)}

    def to_json(self) -> dict[str, Any]:
        """The snapshot (format 2) form: every non-empty field, lists for tuples, sorted."""
        out: dict[str, Any] = {}
        for name in self._fields:
            value = getattr(self, name)
            if not value:
                continue
            if name in ("defines", "notes"):
                out[name] = [list(pair) for pair in value]
            elif isinstance(value, tuple):
                out[name] = list(value)
            else:
                out[name] = value
        return {k: out[k] for k in sorted(out)}


# field -> the key reports show it under (``source`` is not shown: the table's kind
# is; ``path``, ``header`` and ``flags`` are shown by the rules of as_dict)
SHOWN_KEYS = {
    "include_dirs": "include_dirs",
    "defines": "defines",
    "data_model": "data_model",
    "arch": "arch",
    "kernel_arch": "kernel_arch",
    "headers_from": "from",
    "kernel_tree": "kernel_tree",
    "snapshot": "snapshot",
    "package": "package",
    "version": "version",
    "compiler": "compiler",
    "reader": "reader",
}
_HEADERS_SHOWN = {
    "installed": "installed headers",
    "kernel-tree": "kernel source tree",
    "snapshot": "snapshot",
}


def _show(key: str, value: Any) -> str:
    if key == "include_dirs":
        return ":".join(value)
    if key == "defines":
        return " ".join(f"{k}={v}" for k, v in value)
    return str(value)


class Table(Record, frozen=True):
    """A named set of macros from one source, with where it came from.

    ``label`` names the column in comparisons; ``kind`` says what sort of
    source it is (one of :data:`TABLE_KINDS`); ``origin`` is its provenance.
    """

    label: str
    kind: TableKind
    macros: tuple[Macro, ...]
    origin: Provenance = Provenance()

    def __init__(
        self,
        label: str,
        kind: TableKind,
        macros: tuple[Macro, ...],
        origin: Provenance = origin,  # (the default of the class attribute)
    ) -> None:
        _set(self, "label", label)
        _set(self, "kind", kind)
        _set(self, "macros", macros)
        _set(self, "origin", origin)

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
    try:
        if not os.path.isfile(path) and os.path.exists(path):  # a folder, a FIFO, a device
            raise AbicheckError("cannot read: not a regular file", path)
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise AbicheckError("no such file", path) from None
    except OSError as exc:
        raise AbicheckError(f"cannot read: {exc.strerror or exc}", path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise AbicheckError("not UTF-8 text", path, line) from None
