"""Sources for ``abicheck compare``: each turns into one :class:`Table` of name -> value.

A source spec is one of:

* ``PATH`` (a C header), ``PATH.json`` (an abicheck snapshot: all its tables) or
  ``PATH.py`` (a Python module of constants, read with :mod:`ast`, never imported);
* ``LABEL=SPEC``: any spec giving one table, under the column label ``LABEL``;
* ``arch:NAME`` / ``arch:all``: an architecture's ``<linux/mman.h>`` (or
  :attr:`SourceOptions.header`) with its includes, from the installed sysroot
  (Debian's ``linux-libc-dev-<arch>-cross`` under ``/usr/<triplet>/include``, also for
  the host; the host's ``/usr/include`` for the host architecture without it), a kernel
  source tree (:attr:`SourceOptions.kernel_tree`), or else the snapshot shipped with
  abicheck (``headers/arches.json``, which has ``linux/mman.h`` only); ``origin["from"]``
  says which. Whichever way, a table read from the default ``linux/mman.h`` holds the
  mman-family integer macros only (:func:`arch_macros`), and one read from another
  :attr:`SourceOptions.header` every integer macro of that header and its includes but
  the compiler's builtins (:func:`integer_macros`);
* ``system``: the host's uapi ``/usr/include/linux/mman.h``, read by the reader;
* ``libc``: the C library's ``<sys/mman.h>`` as the system C compiler evaluates it;
* ``python``: the running interpreter's :mod:`mmap` constants;
* ``kernel``: the madvise advice values the live kernel accepts (:func:`verify.kernel_table`);
* ``embedded`` (or ``arm-2.6.16``): the embedded Linux 2.6.16 era ARM mman.h.

Keywords win over files of the same name: write ``./system`` for such a file.
Header sources use :attr:`SourceOptions.include_dirs`, ``defines`` and ``data_model``;
architecture sources use the architecture's own include dirs, predefined macros and
data model (one :class:`Reader` per configuration, shared by every source needing it).

The shipped architecture snapshot is made from Debian's cross header packages (all
of them installed) with the ordinary command :data:`MAKE_SNAPSHOT_COMMAND`::

    abicheck snapshot arch:all --arch-from installed -o headers/arches.json
"""

from __future__ import annotations

import ast
import mmap
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

from . import __version__
from .arches import Arch, all_arches, host_arch, include_dirs, kernel_tree_include_dirs, lookup
from .compare import is_family_name
from .model import AbicheckError, Macro, Table, read_text, sorted_macros
from .parse import BUILTIN_FILE, COMMAND_LINE_FILE, Reader
from .resources import EMBEDDED_HEADER, EMBEDDED_LABEL, data_dir, display_name
from .snapshot import VALUE_END, in_value_range, is_c_identifier, load_snapshot

DEFAULT_HEADER = "linux/mman.h"
#: The shipped snapshot of every architecture's mman constants, in ``headers/``.
ARCH_SNAPSHOT = "arches.json"
#: The command that makes it, from the source tree with every cross package installed.
MAKE_SNAPSHOT_COMMAND = "abicheck snapshot arch:all --arch-from installed -o headers/arches.json"
HOST_UAPI_PACKAGE = "linux-libc-dev"
LIBC_DEV_PACKAGE = "libc6-dev"
KEYWORDS = ("system", "libc", "python", "kernel", "embedded", EMBEDDED_LABEL)
SPEC_FORMS = (
    "HEADER.h, LABEL=SPEC, arch:NAME, arch:all, system, libc, python, kernel, embedded, "
    "SNAPSHOT.json, CONSTANTS.py"
)

ArchFrom = Literal["auto", "installed", "snapshot"]


@dataclass(frozen=True)
class SourceOptions:
    """How sources are read.

    ``include_dirs``, ``defines`` and ``data_model`` are for header-path sources (as
    ``abicheck parse`` -I/-D/--data-model); ``header`` is the header ``arch:`` sources
    read (found on the architecture's include path); ``kernel_tree`` a kernel source
    tree whose uapi dirs ``arch:`` sources read instead of installed headers;
    ``snapshot`` overrides the shipped architecture snapshot; ``arch_from`` forces
    installed headers or the snapshot (``auto``: installed where present); ``cc`` is the
    C compiler for the ``libc`` source.
    """

    include_dirs: tuple[str, ...] = ()
    defines: Mapping[str, str] = field(default_factory=dict)
    data_model: str = "lp64"
    header: str = DEFAULT_HEADER
    kernel_tree: str | None = None
    snapshot: str | None = None
    arch_from: ArchFrom = "auto"
    cc: str = "gcc"


# -- packages -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _dpkg_versions(packages: tuple[str, ...]) -> dict[str, str]:
    try:
        proc = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${db:Status-Abbrev}\n", *packages],
            capture_output=True,
            text=True,
            env=dict(os.environ, LC_ALL="C"),
        )
    except OSError:
        return {}
    out: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[2].startswith("ii") and parts[1]:
            out[parts[0].split(":")[0]] = parts[1]
    return out


def package_versions() -> dict[str, str]:
    """Installed versions of the packages sources come from (one ``dpkg-query`` run).

    Covers every architecture's cross package, ``linux-libc-dev`` and ``libc6-dev``;
    empty where dpkg is missing, and packages not installed are left out.
    """
    names = [a.cross_package for a in all_arches()] + [HOST_UAPI_PACKAGE, LIBC_DEV_PACKAGE]
    return _dpkg_versions(tuple(names))


def _package_origin(package: str) -> dict[str, str]:
    version = package_versions().get(package)
    return {"package": package, "version": version} if version else {"package": package}


# -- readers ----------------------------------------------------------------------


class _Readers:
    """One Reader per (include dirs, defines, predefines, data model), made on demand."""

    def __init__(self) -> None:
        self._pool: dict[tuple[object, ...], Reader] = {}

    def get(
        self,
        dirs: Sequence[str | Path],
        defines: Mapping[str, str] | None,
        data_model: str,
        predefines: Mapping[str, str] | None,
        unsigned_char: bool = False,
    ) -> Reader:
        key = (
            tuple(str(d) for d in dirs),
            tuple(sorted((defines or {}).items())),
            data_model,
            None if predefines is None else tuple(sorted(predefines.items())),
            unsigned_char,
        )
        reader = self._pool.get(key)
        if reader is None:
            reader = Reader(key[0], defines, data_model, predefines, unsigned_char)
            self._pool[key] = reader
        return reader


def _shipped(rel: str) -> Path:
    """A file shipped in ``headers/``."""
    return data_dir("headers") / rel


def installed_dirs(arch: Arch) -> tuple[Path, ...] | None:
    """The installed include dirs ``arch:`` sources read, or None when there are none.

    The architecture's cross package (``/usr/<triplet>/include``) where installed, also
    for the host, so that a table is the same on every machine with the packages;
    else, for the host, its own ``/usr/include`` (:func:`arches.include_dirs`).
    """
    cross = Path("/usr") / arch.triplet / "include"
    if (cross / "asm" / "mman.h").is_file():
        return (cross,)
    return include_dirs(arch)


def arch_macros(macros: Iterable[Macro]) -> tuple[Macro, ...]:
    """The macros an ``arch:`` table keeps: mman-family integers (no compiler builtins).

    Installed headers, kernel trees and snapshots are cut down alike, so that a table
    has the same names whichever way it was read (a baseline made from installed
    headers audits cleanly against the shipped snapshot).
    """
    return tuple(m for m in integer_macros(macros) if is_family_name(m.name))


def integer_macros(macros: Iterable[Macro]) -> tuple[Macro, ...]:
    """The macros an ``arch:`` table of a header other than ``linux/mman.h`` keeps:
    every integer macro (one with a value) but the compiler's builtins."""
    return tuple(m for m in macros if m.value is not None and not _is_builtin(m))


def _find(header: str, dirs: Sequence[Path]) -> Path | None:
    for d in dirs:
        p = d / header
        if p.is_file():
            return p
    return None


# -- individual sources ---------------------------------------------------------


def _is_builtin(m: Macro) -> bool:
    return m.file in (BUILTIN_FILE, COMMAND_LINE_FILE)


def python_table() -> Table:
    """The running interpreter's :mod:`mmap` constants (upper-case integer attributes)."""
    macros = [
        Macro(name, "integer", value, str(value), "mmap module", 0)
        for name in dir(mmap)
        if name.isupper()
        and isinstance(value := getattr(mmap, name), int)
        and not isinstance(value, bool)
    ]
    origin = {
        "interpreter": sys.version.replace("\n", " "),
        "module": getattr(mmap, "__file__", "built-in mmap module"),
    }
    return Table("python", "python", sorted_macros(macros), origin)


_LINEMARK = re.compile(r'^# (\d+) "((?:[^"\\]|\\.)*)"')
_DEFINE = re.compile(r"^#define ([A-Za-z_]\w*)(\()?\s?(.*)$")


def _dd_locations(cc: str, include: str) -> dict[str, tuple[str, int, str]]:
    """name -> (file, line, body) of the macros live after ``include``, from ``cc -E -dD``."""
    try:
        proc = subprocess.run(
            [cc, "-E", "-dD", "-x", "c", "-"],
            input=f"#include {include}\n",
            capture_output=True,
            text=True,
            errors="replace",
            env=dict(os.environ, LC_ALL="C"),
        )
    except OSError:
        raise AbicheckError(f"C compiler {cc!r} not found") from None
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["failed"])[0]
        raise AbicheckError(f"{cc} cannot preprocess {include}: {first}")
    live: dict[str, tuple[str, int, str]] = {}
    file, line = "<stdin>", 1
    for text in proc.stdout.splitlines():
        mark = _LINEMARK.match(text)
        if mark:
            file, line = mark.group(2), int(mark.group(1))
            continue
        if text.startswith("#define "):
            m = _DEFINE.match(text)
            if m and not m.group(2):
                live[m.group(1)] = (file, line, m.group(3).strip())
        elif text.startswith("#undef "):
            live.pop(text.split()[1], None)
        line += 1
    return live


def libc_table(cc: str = "gcc") -> Table:
    """``<sys/mman.h>`` as ``cc`` evaluates it with the C library's headers.

    Names and values come from the compiler oracle (:func:`cc.compiler_macros`, nothing
    run); each macro's file, line and replacement text from one ``cc -E -dD`` run.
    """
    include = "<sys/mman.h>"
    from .cc import compiler_macros  # the compiler oracle: imported by the sources that use it

    table = compiler_macros(include, system_includes=True, cc=cc)
    where = _dd_locations(cc, include)
    macros = []
    for name, value in table.values.items():
        file, line, body = where.get(name, (BUILTIN_FILE, 0, str(value)))
        if file.startswith("<") and file != BUILTIN_FILE:
            file = COMMAND_LINE_FILE if file == "<command-line>" else BUILTIN_FILE
        macros.append(Macro(name, "integer", value, body, file, line))
    header = next(
        (f for f, _, _ in where.values() if f.endswith("/sys/mman.h")), "sys/mman.h (not found)"
    )
    origin = {
        "header": header,
        "compiler": table.compiler,
        "flags": " ".join(table.flags),
        **_package_origin(LIBC_DEV_PACKAGE),
    }
    return Table("libc", "libc", sorted_macros(macros), origin)


class _Int:
    """Evaluates the constant expressions a Python constants module may assign.

    Every literal, name and intermediate result must lie in ``[-2**63, 2**64)`` (what a
    C integer can hold): anything else raises AbicheckError at the expression's line,
    before a big power, shift or product is ever computed. Expressions that are not
    integer arithmetic (calls, strings, floats, division by zero, negative shifts or
    exponents) evaluate to None and are skipped.
    """

    _BINOPS: dict[type[ast.operator], Callable[[int, int], int]] = {
        ast.Add: lambda a, b: a + b,
        ast.Sub: lambda a, b: a - b,
        ast.Mult: lambda a, b: a * b,
        ast.FloorDiv: lambda a, b: a // b,
        ast.Mod: lambda a, b: a % b,
        ast.BitOr: lambda a, b: a | b,
        ast.BitAnd: lambda a, b: a & b,
        ast.BitXor: lambda a, b: a ^ b,
        ast.LShift: lambda a, b: a << b,
        ast.RShift: lambda a, b: a >> b,
        ast.Pow: lambda a, b: a**b,
    }

    def __init__(self, names: Mapping[str, int], path: str) -> None:
        self.names = names
        self.path = path

    def checked(self, value: int, node: ast.expr) -> int:
        if not in_value_range(value):
            text = _expr_text(node)
            if len(text) > 60:
                text = text[:57] + "..."
            raise AbicheckError(
                f"{text} is outside the range of a C integer [-2**63, 2**64)",
                self.path,
                node.lineno,
            )
        return value

    def eval(self, node: ast.expr) -> int | None:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, int) and not isinstance(v, bool):
                return self.checked(v, node)
            return None
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            if operand is None:
                return None
            if isinstance(node.op, ast.USub):
                return self.checked(-operand, node)
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(node.op, ast.Invert):
                return self.checked(~operand, node)
            return None
        if isinstance(node, ast.BinOp):
            fn = self._BINOPS.get(type(node.op))
            left, right = self.eval(node.left), self.eval(node.right)
            if fn is None or left is None or right is None:
                return None
            if isinstance(node.op, ast.LShift | ast.RShift | ast.Pow) and right < 0:
                return None
            if isinstance(node.op, ast.FloorDiv | ast.Mod) and right == 0:
                return None
            huge = (isinstance(node.op, ast.LShift) and left != 0 and right >= 128) or (
                isinstance(node.op, ast.Pow) and abs(left) > 1 and right >= 128
            )
            if huge:  # certainly out of range: say so without computing it
                return self.checked(VALUE_END, node)
            return self.checked(fn(left, right), node)
        return None


def constants_module_table(path: str | Path, label: str | None = None) -> Table:
    """A Python module's module-level integer constants, read with :mod:`ast` only.

    ``NAME = expr`` and ``NAME: T = expr`` where ``expr`` is an integer literal or a
    constant expression of literals and earlier such names (``+ - * // % ** << >> | &
    ^ ~``); other assignments are ignored. The module is never imported or run.
    Values (and every intermediate result) outside ``[-2**63, 2**64)`` and names that
    are not C identifiers are errors at the module's ``file:line``.
    """
    p = str(path)
    text = read_text(p)
    try:
        tree = ast.parse(text, filename=p)
    except SyntaxError as exc:
        raise AbicheckError(f"not a Python module: {exc.msg}", p, exc.lineno) from None
    except (RecursionError, MemoryError):
        raise AbicheckError("not a Python module abicheck can read: nested too deeply", p) from None
    values: dict[str, int] = {}
    macros: dict[str, Macro] = {}
    ev = _Int(values, p)
    for stmt in tree.body:
        targets: list[ast.expr]
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        try:
            result = ev.eval(value)
        except RecursionError:
            raise AbicheckError("expression nested too deeply", p, stmt.lineno) from None
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if result is None:
                values.pop(target.id, None)
                macros.pop(target.id, None)
                continue
            if not is_c_identifier(target.id):
                raise AbicheckError(
                    f"{target.id!r} is not a C identifier: it cannot name a constant",
                    p,
                    target.lineno,
                )
            values[target.id] = result
            macros[target.id] = Macro(
                target.id, "integer", result, _expr_text(value), p, stmt.lineno
            )
    origin = {"path": display_name(p), "read": "Python constants module (ast, not run)"}
    return Table(label or p, "file", sorted_macros(macros.values()), origin)


def _expr_text(node: ast.expr) -> str:
    try:
        return ast.unparse(node)
    except RecursionError:
        return "(expression nested too deeply to show)"


# -- the loader -------------------------------------------------------------------


class _Loader:
    """Resolves specs; shares readers, the snapshot and package versions across them."""

    def __init__(self, options: SourceOptions) -> None:
        self.options = options
        self.readers = _Readers()
        self._snapshot: dict[str, Table] | None = None

    # -- dispatch

    def load(self, spec: str) -> list[Table]:
        if not spec.strip():
            raise AbicheckError(f"empty source spec; use one of: {SPEC_FORMS}")
        if spec.startswith("arch:"):
            return self.arches(spec[5:])
        if spec == "system":
            return [self.system()]
        if spec == "libc":
            return [libc_table(self.options.cc)]
        if spec == "python":
            return [python_table()]
        if spec == "kernel":
            from .verify import kernel_table

            return [kernel_table()]
        if spec in ("embedded", EMBEDDED_LABEL):
            return [self.embedded()]
        label, eq, rest = spec.partition("=")
        if eq and not os.path.exists(spec):
            if not label or not rest:
                raise AbicheckError(f"bad source {spec!r}: LABEL=SPEC needs both parts")
            tables = self.load(rest)
            if len(tables) != 1:
                raise AbicheckError(
                    f"bad source {spec!r}: LABEL= needs a source of one table; "
                    f"{rest!r} gives {len(tables)}"
                )
            return [replace(tables[0], label=label)]
        return self.file(spec)

    def file(self, spec: str) -> list[Table]:
        path = Path(spec)
        if not path.exists():
            raise AbicheckError(
                f"no such file, and not a source keyword; sources are: {SPEC_FORMS}", spec
            )
        if path.is_dir():
            raise AbicheckError(
                f"is a folder, not a header or table file; sources: {SPEC_FORMS}", spec
            )
        suffix = path.suffix.lower()
        if suffix == ".json":
            return [
                replace(t, origin={**t.origin, "file": display_name(spec)})
                for t in load_snapshot(spec)
            ]
        if suffix == ".py":
            return [constants_module_table(path, spec)]
        return [self.header(spec)]

    # -- readers of headers

    def header(self, spec: str, label: str | None = None) -> Table:
        o = self.options
        reader = self.readers.get(o.include_dirs, o.defines, o.data_model, None)
        macros = reader.read(spec)
        origin = {
            "path": display_name(spec),
            "reader": f"abicheck {__version__}",
            "data_model": o.data_model,
        }
        if o.include_dirs:
            origin["include_dirs"] = ":".join(o.include_dirs)
        if o.defines:
            origin["defines"] = " ".join(f"{k}={v}" for k, v in sorted(o.defines.items()))
        return Table(label or spec, "header", macros, origin)

    def embedded(self) -> Table:
        arm = lookup("armel")
        reader = self.readers.get((), None, arm.data_model, arm.predefined(), arm.unsigned_char)
        path = _shipped(EMBEDDED_HEADER)
        origin = {
            "path": display_name(path),
            "reader": f"abicheck {__version__}",
            "data_model": arm.data_model,
            "note": "ARM asm/mman.h of the Linux 2.6.16 era, embedded in abicheck",
        }
        return Table(EMBEDDED_LABEL, "header", reader.read(str(path)), origin)

    def system(self) -> Table:
        try:
            host: Arch | None = host_arch()
        except AbicheckError:
            host = None
        dirs: Sequence[Path] = (include_dirs(host) if host else None) or (Path("/usr/include"),)
        path = Path("/usr/include") / DEFAULT_HEADER
        if not path.is_file():
            raise AbicheckError(
                f"no uapi headers on this system: install {HOST_UAPI_PACKAGE}", str(path)
            )
        data_model = host.data_model if host else "lp64"
        reader = self.readers.get(
            dirs,
            None,
            data_model,
            host.predefined() if host else None,
            host.unsigned_char if host else False,
        )
        origin = {
            "path": str(path),
            "include_dirs": ":".join(map(str, dirs)),
            "data_model": data_model,
            "reader": f"abicheck {__version__}",
            **_package_origin(HOST_UAPI_PACKAGE),
        }
        return Table("system", "system", reader.read(str(path)), origin)

    # -- architectures

    def arches(self, name: str) -> list[Table]:
        if not name.strip():
            available = ", ".join(a.name for a in all_arches())
            raise AbicheckError(f"arch: needs a name; available: all, {available}")
        if name.strip().lower() == "all":
            return [self.arch(a, strict=False) for a in all_arches()]
        return [self.arch(lookup(name), strict=True)]

    def arch(self, arch: Arch, strict: bool) -> Table:
        o = self.options
        if o.kernel_tree is not None:
            return self.arch_kernel_tree(arch, Path(o.kernel_tree))
        found = installed_dirs(arch) if o.arch_from != "snapshot" else None
        if found is not None:
            return self.arch_installed(arch, found, {"from": "installed"})
        if o.arch_from == "installed":
            raise AbicheckError(f"no uapi headers for {arch.name}: install {arch.cross_package}")
        return self.arch_snapshot(arch)

    def arch_installed(self, arch: Arch, dirs: Sequence[Path], how: Mapping[str, str]) -> Table:
        o = self.options
        path = _find(o.header, dirs)
        if path is None:
            raise AbicheckError(f"no {o.header} for {arch.name} in {', '.join(map(str, dirs))}")
        reader = self.readers.get(
            dirs, None, arch.data_model, arch.predefined(), arch.unsigned_char
        )
        origin = {
            "arch": arch.name,
            "kernel_arch": arch.kernel,
            "data_model": arch.data_model,
            "header": str(path),
            "include_dirs": ":".join(map(str, dirs)),
            "reader": f"abicheck {__version__}",
            **how,
        }
        if how["from"] == "installed":
            cross = Path("/usr") / arch.triplet / "include"
            package = arch.cross_package if Path(dirs[0]) == cross else HOST_UAPI_PACKAGE
            origin["headers"] = "installed headers"
            origin.update(_package_origin(package))
        else:
            origin["headers"] = "kernel source tree"
        macros = reader.read(str(path))
        kept = arch_macros(macros) if o.header == DEFAULT_HEADER else integer_macros(macros)
        return Table(f"arch:{arch.name}", "arch", kept, origin)

    def arch_kernel_tree(self, arch: Arch, tree: Path) -> Table:
        """``arch`` from a kernel source tree; its ``asm/`` headers that the kernel would
        generate (``generic-y``: ``#include <asm-generic/X.h>``) are stood in for when
        the tree has no ``generated/uapi`` (no ``make headers`` run)."""
        dirs = list(kernel_tree_include_dirs(tree, arch))
        how = {"from": "kernel-tree", "kernel_tree": str(tree)}
        generated = tree / "arch" / arch.kernel / "include" / "generated" / "uapi"
        own = tree / "arch" / arch.kernel / "include" / "uapi" / "asm"
        generic = tree / "include" / "uapi" / "asm-generic"
        kbuild = generic / "Kbuild"
        if kbuild.is_file():  # a real tree lists what every arch must have
            text = kbuild.read_text(encoding="utf-8", errors="replace")
            names = set(re.findall(r"^mandatory-y\s*\+=\s*(\S+\.h)", text, re.M))
        else:
            names = {p.name for p in generic.glob("*.h")}
        wanted = sorted(n for n in names if not (own / n).is_file())
        if generated.is_dir() or not wanted:
            return self.arch_installed(arch, dirs, how)
        with tempfile.TemporaryDirectory(prefix="abicheck-generic-y-") as tmp:
            asm = Path(tmp) / "asm"
            asm.mkdir()
            for name in wanted:
                (asm / name).write_text(f"#include <asm-generic/{name}>\n", encoding="utf-8")
            table = self.arch_installed(arch, [*dirs, Path(tmp)], how)
        origin = dict(table.origin)
        origin["include_dirs"] = ":".join(map(str, dirs))
        origin["generic_y"] = "asm/ headers missing from the tree read from asm-generic/"
        return replace(table, origin=origin)

    def snapshot_path(self) -> Path:
        if self.options.snapshot:
            return Path(self.options.snapshot)
        return _shipped(ARCH_SNAPSHOT)

    def arch_snapshot(self, arch: Arch) -> Table:
        path = self.snapshot_path()
        if self.options.header != DEFAULT_HEADER:
            raise AbicheckError(
                f"the shipped snapshot has only {DEFAULT_HEADER}; "
                f"install {arch.cross_package} for --header {self.options.header}"
            )
        if self._snapshot is None:
            self._snapshot = {t.label: t for t in load_snapshot(path)}
        table = self._snapshot.get(f"arch:{arch.name}")
        if table is None:
            raise AbicheckError(
                f"no uapi headers for {arch.name}: install {arch.cross_package}; "
                f"the snapshot {display_name(path)} has none either "
                f"(it has: {', '.join(sorted(self._snapshot)) or 'nothing'})"
            )
        origin = {
            **table.origin,
            "from": "snapshot",
            "headers": "snapshot",
            "snapshot": display_name(path),
        }
        return replace(table, kind="arch", macros=arch_macros(table.macros), origin=origin)


def load_sources(
    specs: Sequence[str],
    options: SourceOptions | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> list[Table]:
    """One or more tables per spec, in order (``arch:all``: one per architecture, by name).

    ``on_progress(done, total, label)`` is told before each step (each architecture
    of ``arch:all`` is a step) and once at the end. Raises :class:`AbicheckError`
    for a bad spec, a missing file or header, an unknown architecture (listing
    those available) or a duplicate label.
    """
    loader = _Loader(options or SourceOptions())
    steps: list[tuple[str, Callable[[], list[Table]]]] = []
    for spec in specs:
        if spec.strip().lower() == "arch:all":
            steps += [
                (f"arch:{a.name}", lambda a=a: [loader.arch(a, strict=False)])  # type: ignore[misc]
                for a in all_arches()
            ]
        else:
            steps.append((spec, lambda spec=spec: loader.load(spec)))  # type: ignore[misc]
    tables: list[Table] = []
    seen: set[str] = set()
    for i, (what, step) in enumerate(steps):
        if on_progress is not None:
            on_progress(i, len(steps), what)
        for table in step():
            if table.label in seen:
                raise AbicheckError(
                    f"source {table.label!r} given twice (from {what!r}); "
                    "use LABEL=SPEC to tell sources apart"
                )
            seen.add(table.label)
            tables.append(table)
    if on_progress is not None:
        on_progress(len(steps), len(steps), "")
    return tables


#: The default comparison's sources, in column order.
DEFAULT_SPECS = ("embedded", "system", "libc", "python")
#: Default sources that a machine may lack (no uapi headers, no C compiler or C
#: library headers): the default comparison leaves them out, with a note.
OPTIONAL_DEFAULTS = ("system", "libc")


class SourceList(list[Table]):
    """Tables, with ``notes``: one line per default source left out, and why
    (``LOCATION: note: ...``, for stderr)."""

    def __init__(self, tables: Iterable[Table] = (), notes: Iterable[str] = ()) -> None:
        super().__init__(tables)
        self.notes: list[str] = list(notes)


def default_sources(options: SourceOptions | None = None) -> SourceList:
    """The default comparison: the embedded ARM header, ``system``, ``libc``, ``python``.

    It works on any machine abicheck installs on: ``system`` (no
    ``/usr/include/linux/mman.h``) and ``libc`` (no C compiler, or no ``<sys/mman.h>``)
    are left out where they cannot be read, each with a line in the result's ``notes``
    saying so. Named explicitly (:func:`load_sources`), they still raise.
    """
    loader = _Loader(options or SourceOptions())
    result = SourceList()
    for spec in DEFAULT_SPECS:
        try:
            result.extend(loader.load(spec))
        except AbicheckError as exc:
            if spec not in OPTIONAL_DEFAULTS:
                raise
            result.notes.append(
                f"{exc.location}: note: source {spec!r} left out of the default "
                f"comparison: {exc.message}"
            )
    return result
