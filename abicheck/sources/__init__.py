"""Sources of tables: each spec turns into one or more :class:`~abicheck.model.Table`.

A spec is one of the forms of the source kinds in :data:`KINDS` (one module each):
``PATH`` (a C header, :mod:`.header`), ``PATH.json`` (an abicheck snapshot: all its
tables), ``PATH.py`` (a Python module of constants, read with :mod:`ast`, never
imported), ``arch:NAME``/``arch:all`` (:mod:`.arch`), ``system``, ``libc``,
``python``, ``kernel``, ``embedded`` (or ``arm-2.6.16``), the bindings ``go:DIR``, ``zig:FILE`` and
``musl:DIR`` (:mod:`.binding`, :mod:`.musl`); and ``LABEL=SPEC``: any spec
giving one table, under the column label ``LABEL``. Keywords win over files of the
same name: write ``./system`` for such a file.

Every table records its :class:`~abicheck.model.Provenance`, from which the kind that
made it reads it again (:func:`reread`: what ``audit`` does with no sources). Adding a
kind is one module with a :class:`~.base.SourceKind` and one entry in :data:`KINDS`.

The shipped architecture snapshot is made from Debian's cross header packages (all
of them installed) with the ordinary command :data:`MAKE_SNAPSHOT_COMMAND`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from ..arches import all_arches
from ..headerargs import is_pattern
from ..model import AbicheckError, Table
from .arch import MAKE_SNAPSHOT_COMMAND, ArchSource, arch_macros, installed_dirs, integer_macros
from .base import ArchFrom, Context, SourceKind, SourceOptions
from .binding import BindingSource, GoSource, RustSource, ZigSource
from .header import EmbeddedSource, HeaderSource
from .kernel import KernelSource
from .libc import LibcSource, libc_table
from .libc_arch import LibcArchSource
from .module import ModuleSource, constants_module_table
from .musl import MuslSource
from .packages import package_versions
from .python import PythonSource, python_table
from .snapshot_file import SnapshotSource
from .system import SystemSource

#: Every source kind, in the order specs are matched: keywords and prefixes first,
#: then files by suffix, and any other file as a header.
ARCH = ArchSource()
KINDS: tuple[SourceKind, ...] = (
    ARCH,
    SystemSource(),
    LibcSource(),
    LibcArchSource(),
    PythonSource(),
    KernelSource(),
    EmbeddedSource(),
    GoSource(),
    RustSource(),
    ZigSource(),
    MuslSource(),
    SnapshotSource(),
    ModuleSource(),
    HeaderSource(),
)
_BY_NAME = {k.name: k for k in KINDS}
KEYWORDS: tuple[str, ...] = tuple(w for k in KINDS for w in k.keywords)
SPEC_FORMS = ", ".join(
    ["HEADER.h", "LABEL=SPEC"]
    + [f for k in KINDS if k.name != "header" and not k.suffixes for f in k.forms]
    + [f for k in KINDS if k.suffixes for f in k.forms]
)
#: The spec forms of the binding kinds (``abicheck binding`` takes these only).
BINDING_FORMS = ", ".join(f for k in KINDS if isinstance(k, BindingSource) for f in k.forms)
ProgressFn = Callable[[int, int, str], None]


def _kind_of(spec: str) -> SourceKind | None:
    """The kind a keyword or prefixed spec names (None: a file, or LABEL=SPEC)."""
    for kind in KINDS:
        if (kind.keywords or kind.prefix) and kind.handles(spec):
            return kind
    return None


def source_kind(spec: str) -> str:
    """The name of the kind of source ``spec`` is (through ``LABEL=``), as
    :func:`load` takes it; "" for a file or a spec of no kind."""
    kind = _kind_of(spec)
    if kind is not None:
        return kind.name
    label, eq, rest = spec.partition("=")
    if eq and label and rest and not os.path.exists(spec):
        return source_kind(rest)
    return ""


def _file_kind(spec: str) -> SourceKind:
    if not os.path.exists(spec):
        raise AbicheckError(
            f"no such file, and not a source keyword; sources are: {SPEC_FORMS}", spec
        )
    if os.path.isdir(spec):
        raise AbicheckError(f"is a folder, not a header or table file; sources: {SPEC_FORMS}", spec)
    suffix = os.path.splitext(spec)[1].lower()
    return next(k for k in KINDS if suffix in k.suffixes or (not k.suffixes and k.handles(spec)))


def load(spec: str, ctx: Context) -> list[Table]:
    """The tables of one spec."""
    if not spec.strip():
        raise AbicheckError(f"empty source spec; use one of: {SPEC_FORMS}")
    kind = _kind_of(spec)
    if kind is not None:
        return kind.load(spec, ctx)
    label, eq, rest = spec.partition("=")
    if eq and not os.path.exists(spec):
        if not label or not rest:
            raise AbicheckError(f"bad source {spec!r}: LABEL=SPEC needs both parts")
        tables = load(rest, ctx)
        if len(tables) != 1:
            raise AbicheckError(
                f"bad source {spec!r}: LABEL= needs a source of one table; "
                f"{rest!r} gives {len(tables)}"
            )
        return [replace(tables[0], label=label)]
    return _file_kind(spec).load(spec, ctx)


class SourceList(list[Table]):
    """Tables, with ``notes``: one line per default source left out, and why
    (``LOCATION: note: ...``, for stderr)."""

    def __init__(self, tables: Iterable[Table] = (), notes: Iterable[str] = ()) -> None:
        super().__init__(tables)
        self.notes: list[str] = list(notes)


# (what, load it, whether it may be left out with a note when it cannot be read)
Step = tuple[str, Callable[[], list[Table]], bool]


def _steps(specs: Sequence[str], ctx: Context) -> list[Step]:
    steps: list[Step] = []
    o = ctx.options
    for spec in specs:
        if spec.strip().lower() == "arch:all":
            # another header than the target's has no snapshot to fall back on: the
            # architectures Debian has no headers for are left out, with a note
            other = o.arch_header != o.target.header and o.kernel_tree is None
            # a pattern some architectures have no match for leaves them out too
            some = other and is_pattern(o.arch_header)
            steps += [
                (
                    f"arch:{a.name}",
                    lambda a=a: [ARCH.arch(a, ctx)],  # type: ignore[misc]
                    other and (some or not a.cross_package),
                )
                for a in all_arches()
            ]
        else:
            steps.append((spec, lambda spec=spec: load(spec, ctx), False))  # type: ignore[misc]
    return steps


def _run(steps: Sequence[Step], on_progress: ProgressFn | None) -> SourceList:
    tables = SourceList()
    seen: set[str] = set()
    for i, (what, step, optional) in enumerate(steps):
        if on_progress is not None:
            on_progress(i, len(steps), what)
        try:
            loaded = step()
        except AbicheckError as exc:
            if not optional:
                raise
            tables.notes.append(f"{exc.location}: note: {what} left out: {exc.message}")
            continue
        for table in loaded:
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


def load_sources(
    specs: Sequence[str],
    options: SourceOptions | None = None,
    on_progress: ProgressFn | None = None,
) -> SourceList:
    """One or more tables per spec, in order (``arch:all``: one per architecture, by name).

    ``on_progress(done, total, label)`` is told before each step (each architecture
    of ``arch:all`` is a step) and once at the end. Raises :class:`AbicheckError`
    for a bad spec, a missing file or header, an unknown architecture (listing
    those available) or a duplicate label. With another ``--header`` than the
    target's, ``arch:all`` leaves out the architectures whose headers are not
    installed, each with a line in the result's ``notes``.
    """
    ctx = Context(options or SourceOptions())
    return _run(_steps(specs, ctx), on_progress)


def reread(
    tables: Sequence[Table],
    options: SourceOptions | None = None,
    on_progress: ProgressFn | None = None,
    baseline_file: str | None = None,
) -> list[Table]:
    """Each of ``tables`` read again today from its own provenance, under its label.

    This is how ``audit`` with no sources reads a baseline's sources: each table by
    the source kind that made it, with the options it recorded (header, include
    folders, defines, data model, architecture, kernel tree), a layout table (kind
    ``layout``) again as the layouts of the types it was made of; ``options`` give the
    rest (``arch_from``, ``snapshot``, ``cc``). A table that cannot be read again is
    an AbicheckError naming ``baseline_file``.
    """
    ctx = Context(options or SourceOptions())

    def step(t: Table) -> Callable[[], list[Table]]:
        kind = _BY_NAME.get(t.origin.source)

        def run() -> list[Table]:
            try:
                if kind is None or kind.name == "snapshot":
                    raise AbicheckError(
                        f"a {t.kind!r} table with no source abicheck can read again"
                    )
                again = replace(kind.reread(t, ctx), label=t.label)
                if t.kind == "layout":
                    from .layout_tables import layout_table, types_of

                    again = layout_table(again, ctx, types_of(t))
                return [again]
            except AbicheckError as exc:
                if exc.file is not None:
                    raise
                raise AbicheckError(
                    f"baseline source {t.label!r} cannot be read again ({exc.message}): "
                    "name the sources to audit",
                    baseline_file,
                ) from None

        return run

    return _run([(t.label, step(t), False) for t in tables], on_progress)


#: The default comparison's sources, in column order.
DEFAULT_SPECS = ("embedded", "system", "libc", "python")
#: Default sources that a machine may lack (no uapi headers, no C compiler or C
#: library headers): the default comparison leaves them out, with a note.
OPTIONAL_DEFAULTS = ("system", "libc")


def default_sources(options: SourceOptions | None = None) -> SourceList:
    """The default comparison: the embedded ARM header, ``system``, ``libc``, ``python``.

    ``system`` (no uapi header) and ``libc`` (no C compiler, or no C library header)
    are left out where they cannot be read, each with a line in the result's
    ``notes`` saying so. Named explicitly (:func:`load_sources`), they still raise.
    """
    ctx = Context(options or SourceOptions())
    result = SourceList()
    for spec in DEFAULT_SPECS:
        try:
            result.extend(load(spec, ctx))
        except AbicheckError as exc:
            if spec not in OPTIONAL_DEFAULTS:
                raise
            result.notes.append(
                f"{exc.location}: note: source {spec!r} left out of the default "
                f"comparison: {exc.message}"
            )
    return result


__all__ = [
    "BINDING_FORMS",
    "DEFAULT_SPECS",
    "KEYWORDS",
    "KINDS",
    "MAKE_SNAPSHOT_COMMAND",
    "SPEC_FORMS",
    "ArchFrom",
    "Context",
    "SourceKind",
    "SourceList",
    "SourceOptions",
    "arch_macros",
    "constants_module_table",
    "default_sources",
    "installed_dirs",
    "integer_macros",
    "libc_table",
    "load_sources",
    "package_versions",
    "python_table",
    "reread",
    "source_kind",
]
