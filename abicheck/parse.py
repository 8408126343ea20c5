"""The reader: C header -> table of its macros with evaluated values.

``Reader`` holds what one run shares (scanned files, the expression parser,
the memo of answers kept across headers); ``Reader.read(header)``
preprocesses one header and returns every macro visible at its end, as ``gcc
-dM -E`` would list them, each evaluated: kind ``integer`` with a value,
``function`` for function-like macros, or ``other`` with the reason it has no
value. The parts live in ``abicheck.reader``, one module per role.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import operator
import os
import re
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence

from ._record import Record, replace
from ._record import set_field as _set
from .arches import generic
from .model import (
    BUILTIN_FILE,
    COMMAND_LINE_FILE,
    AbicheckError,
    Diagnostic,
    Macro,
    RecordLayout,
)
from .reader.conditions import Conditions
from .reader.datamodel import DATA_MODELS, DataModel, integer_type_name
from .reader.declarations import HeaderDecls, Statements
from .reader.evaluation import DEPTH_REASONS, Evaluation, dependency_order
from .reader.exprparse import Parser
from .reader.fold import Literals
from .reader.memo import Memo, reuse_default
from .reader.scan import ALIAS_MARK, FileCache, MacroDef, ScanCache
from .reader.walk import Includes, Preprocessor, Walk
from .resources import data_path, display_name, shipped_path

_REASON_OF = operator.attrgetter("reason")


_name = operator.attrgetter("name")

# The characters of source a Reader keeps scanned (and the answers resting on them)
# before it starts afresh: all of a Debian /usr/include is 104 million, a uapi tree
# 5 million (never reaching it)
CACHE_LIMIT = 32 * 2**20

# The memory blocks (sys.getallocatedblocks, some 100 bytes each) the process may
# gain after a Reader is made before it starts afresh: the answers kept grow with
# the headers read, also when no new file is (the C library's headers, included
# again and again). All of a Debian /usr/include on the compiler's search path
# peaks at about 255 MB with it (291-298 MB with 1.75 million on one machine, 391 MB
# by the characters alone); a uapi tree (under a million blocks) never reaches it
BLOCK_LIMIT = 1_500_000

# (CPython's; 0 without pymalloc, PYTHONMALLOC=malloc: then the characters' bound alone)
_allocated_blocks = getattr(sys, "getallocatedblocks", lambda: 0)
# Counting the blocks walks every pool of the heap (some 50 us at 100 MB, 2-3% of a
# uapi tree's parse): below half the limit they are counted at every 8th header
_COUNT_EVERY = 8


def predefined_macros(data_model: str) -> dict[str, str]:
    """The compiler-predefined macros the reader starts from, for a data model: a
    generic little-endian Linux target's (:func:`abicheck.arches.generic`), with no
    architecture's own macros (``__x86_64__``, ``__i386__``); an architecture's
    come with its name (``Reader(predefines=lookup(name).predefined())``)."""
    if data_model not in DATA_MODELS:
        raise AbicheckError(
            f"unknown data model {data_model!r}; available: {', '.join(DATA_MODELS)}"
        )
    return generic(DATA_MODELS[data_model].name)


def freestanding_dir() -> str:
    """abicheck's freestanding headers (``<stddef.h>``, ``<stdint.h>``, ``<limits.h>``,
    ...), the compiler-free stand-in for a compiler's own include folder."""
    return os.path.join(data_path("headers"), "freestanding")


class TargetSetup(Record, frozen=True):
    """What a Reader is given for a target: ``predefines`` (name -> replacement),
    ``data_model``, ``unsigned_char``, ``system_dirs``, the include folders searched
    after the ``-I`` ones (for an architecture: the freestanding headers, then its
    installed headers, as gcc searches its own folder and then its sysroot's), and
    ``abi``, an architecture's type sizes and alignments (None: the data model's)."""

    predefines: dict[str, str]
    data_model: str
    unsigned_char: bool
    system_dirs: tuple[str, ...]
    arch: str
    abi: DataModel | None

    __slots__ = ("predefines", "data_model", "unsigned_char", "system_dirs", "arch", "abi")

    def __init__(
        self,
        predefines: dict[str, str],
        data_model: str,
        unsigned_char: bool = False,
        system_dirs: tuple[str, ...] = (),
        arch: str = "",
        abi: DataModel | None = None,
    ) -> None:
        _set(self, "predefines", predefines)
        _set(self, "data_model", data_model)
        _set(self, "unsigned_char", unsigned_char)
        _set(self, "system_dirs", system_dirs)
        _set(self, "arch", arch)
        _set(self, "abi", abi)


def target_setup(
    arch: str = "", data_model: str = "", undefines: Iterable[str] = ()
) -> TargetSetup:
    """The predefines, data model and system folders of ``arch`` (a name as for
    ``arch:``), or, without one, of a generic Linux target of ``data_model`` ("":
    lp64) with no architecture's macros; ``undefines`` (``-U``) removed.

    Raises AbicheckError for an unknown architecture or data model, or a
    ``data_model`` that is not ``arch``'s.
    """
    from .arches import include_paths, lookup

    if arch:
        a = lookup(arch)
        if data_model and data_model != a.data_model:
            raise AbicheckError(
                f"--data-model {data_model} disagrees with --arch {arch}, which is {a.data_model}"
            )
        # none for an architecture Debian has no headers for: what may lie under
        # /usr/<triplet> is another's (hppa64's is hppa's)
        found = (include_paths(a) if a.cross_package else None) or ()
        setup = TargetSetup(
            a.predefined(),
            a.data_model,
            a.unsigned_char,
            (freestanding_dir(), *found),
            a.name,
            a.abi,
        )
    else:
        setup = TargetSetup(predefined_macros(data_model or "lp64"), data_model or "lp64")
    for name in undefines:
        setup.predefines.pop(name, None)
    return setup


def reader_model(
    data_model: str,
    predefines: Mapping[str, str],
    unsigned_char: bool = False,
    abi: DataModel | None = None,
    defines: Mapping[str, str] | None = None,
) -> DataModel:
    """The data model a :class:`Reader` given these arguments evaluates under: ``abi``
    or the named data model with ``unsigned_char``, wchar_t the type that
    ``__WCHAR_TYPE__`` (of ``defines``, else of ``predefines``) names.

    Raises AbicheckError for an unknown data model."""
    if data_model not in DATA_MODELS:
        raise AbicheckError(
            f"unknown data model {data_model!r}; available: {', '.join(DATA_MODELS)}"
        )
    model = abi or replace(DATA_MODELS[data_model], char_signed=not unsigned_char)
    wchar = (defines or {}).get("__WCHAR_TYPE__", predefines.get("__WCHAR_TYPE__"))
    wchar_type = integer_type_name(wchar) if wchar is not None else None
    if wchar_type is not None and wchar_type != model.wchar:
        model = replace(model, wchar=wchar_type)
    return model


def model_key(model: DataModel) -> tuple[object, ...]:
    """What a Reader's evaluations rest on besides what its memo checks: the data
    model's fields but its name and architecture, which the reader does not read.
    Readers of equal keys may share a memo."""
    return tuple(getattr(model, name) for name in model._fields if name not in ("name", "arch"))


def _define(name: str, value: str, file: str) -> MacroDef:
    return MacroDef(name, None, False, None, value, file, 0, "")


def is_cli_macro_name(name: str) -> bool:
    """Whether ``name`` may be given to ``-D`` or ``-U``: an identifier."""
    return re.fullmatch(r"[A-Za-z_]\w*", name) is not None


def parse_cli_define(spec: str) -> tuple[str, str]:
    """``NAME`` or ``NAME=VALUE`` (as for ``-D``) -> (name, value); NAME alone means 1."""
    name, eq, value = spec.partition("=")
    if not is_cli_macro_name(name):
        raise AbicheckError(f"-D {spec}: macro names must be identifiers")
    return name, (value if eq else "1")


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block with Python's cyclic garbage collector off (back as it was after).

    Reading fills caches with hundreds of thousands of long-lived objects and
    makes no reference cycles of note; with the collector on, its full passes
    over those caches took about as long as the reading itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Reader:
    """Reads headers into macro tables; reuse one Reader for many headers.

    ``include_dirs`` are the ``-I`` folders, ``defines`` the ``-D`` macros,
    ``data_model`` ``lp64`` or ``ilp32``; ``predefines`` replaces the generic
    compiler-predefined macros (an architecture's, say); ``unsigned_char`` is for
    targets whose plain ``char`` is unsigned (arm, powerpc, s390, ...).
    ``abi`` (an architecture's, :attr:`abicheck.arches.Arch.abi`) gives the sizes
    and alignments of its types, for sizeof and struct layouts. ``scans`` shares
    file scans by content with other Readers (one per architecture, say).
    ``reuse=False`` (or, left None, ``ABICHECK_NO_REUSE=1`` in the environment)
    reads every header from scratch: nothing is reused that rests on an earlier
    header's state (see reader.memo), the reference reuse is checked against.
    ``memo``, another Reader's, shares its evaluations with that Reader's (its
    ``reuse`` too), for a target of the same data model (:func:`model_key`; another
    raises AbicheckError); ``alias_roots`` and ``interned`` make the same headers
    under other targets' folders, and the same predefines, the same definitions
    (see :mod:`abicheck.multiarch`).
    ``cache_limit`` bounds what is kept between headers: once the files held pass
    that many characters, or the process has gained more than ``block_limit``
    memory blocks since the Reader was made or last emptied, the next header is read
    with every cache emptied (as by a new Reader), so that memory stays flat however
    many headers are read. (The blocks are counted before every header once past half
    the limit, before every 8th below it.)
    """

    def __init__(
        self,
        include_dirs: Iterable[str] = (),
        defines: Mapping[str, str] | None = None,
        data_model: str = "lp64",
        predefines: Mapping[str, str] | None = None,
        unsigned_char: bool = False,
        reuse: bool | None = None,
        abi: DataModel | None = None,
        scans: ScanCache | None = None,
        memo: Memo | None = None,
        alias_roots: Iterable[str] = (),
        interned: dict[tuple[str, str, str], MacroDef] | None = None,
        cache_limit: int = CACHE_LIMIT,
        block_limit: int = BLOCK_LIMIT,
    ) -> None:
        base = predefined_macros(data_model) if predefines is None else dict(predefines)
        self.model: DataModel = reader_model(data_model, base, unsigned_char, abi, defines)
        self.files = FileCache(scans, alias_roots)
        self.predefined = {n: _define(n, v, BUILTIN_FILE) for n, v in base.items()}
        for n, v in (defines or {}).items():
            self.predefined[n] = _define(n, v, COMMAND_LINE_FILE)
        if interned is not None:
            self.predefined = {
                n: interned.setdefault((n, d.text, d.file), d) for n, d in self.predefined.items()
            }
        # the compiler's own (not -D's): left out of a header's macros without builtins
        self._builtin = frozenset(d for d in self.predefined.values() if d.file == BUILTIN_FILE)
        key = model_key(self.model)
        if memo is not None:
            if memo.target is not None and memo.target != key:
                raise AbicheckError(
                    "a memo is shared only by readers of the same data model "
                    f"(this one's is {self.model.name}'s, the memo's another)"
                )
            self.memo = memo.for_another_target()
        else:
            self.memo = Memo(reuse_default() if reuse is None else reuse)
        self.memo.target = key
        self.parser = Parser()
        includes = Includes(self.files, [str(d) for d in include_dirs])
        self._conditions = Conditions(self.model, includes, self.parser, self.memo)
        self.pp = Preprocessor(includes, self._conditions.evaluate, self.memo.walks)
        self.statements = Statements(self.memo.reuse)
        self.literals = Literals(self.model)
        self.cache_limit = cache_limit
        self.block_limit = block_limit
        self._blocks_before = _allocated_blocks()
        self._uncounted = 0  # headers to read before the blocks are counted again
        # what gcc would warn about in the header read last, and read on
        self.warnings: tuple[Diagnostic, ...] = ()
        # id(macro) -> it, or (of an aliased file) one naming this reader's path; the
        # aliased ones held in _held
        self._unaliased: dict[int, Macro] = {}
        self._held: list[Macro] = []

    # -- public ------------------------------------------------------------

    def read(self, header: str | os.PathLike[str], builtins: bool = True) -> tuple[Macro, ...]:
        """Every macro visible after including ``header`` (a path), sorted by name; without
        the compiler-predefined ones (``<built-in>``) unless ``builtins``.

        Raises AbicheckError (with file:line) for input that is not a
        readable, well-formed header. What gcc warns about and reads on (an
        ``#if`` evaluating undefined behaviour) is left in :attr:`warnings`.
        """
        self._bound_caches()
        with paused_gc():
            return self._read(os.fspath(header), builtins)

    def clear(self) -> None:
        """Empty every cache (scanned files, the memo, declarations' statements, ASTs,
        literals' values): the next header is read from scratch, as by a new Reader."""
        self.files.clear()
        self.memo.clear()
        self.statements.clear()
        self._conditions.clear()
        self.literals.clear()
        self._unaliased.clear()
        self._held.clear()
        # blocks held elsewhere (the caller's tables, say) are no longer counted
        self._blocks_before = _allocated_blocks()
        self._uncounted = 0

    def _bound_caches(self) -> None:
        """:meth:`clear` if the files held pass :attr:`cache_limit` characters, or the
        memory blocks the process gained since the Reader was made or emptied
        :attr:`block_limit` (counted before every 8th header while under half of it)."""
        if self.files.size > self.cache_limit:
            self.clear()
            return
        if self._uncounted:
            self._uncounted -= 1
            return
        grown = _allocated_blocks() - self._blocks_before
        if grown > self.block_limit:
            self.clear()
        elif 2 * grown <= self.block_limit:
            self._uncounted = _COUNT_EVERY - 1

    def _read(self, header: str, builtins: bool = True) -> tuple[Macro, ...]:
        self.warnings = ()
        walk = self.pp.run(header, self.predefined)
        self.warnings = tuple(replace(w, file=display_name(w.file)) for w in walk.warnings)
        evaluations: list[Evaluation] = []
        try:
            return self._evaluate(walk, builtins, evaluations)
        finally:  # the header's objects freed now, not at the end of the run
            for ev in evaluations:
                ev.decls.release()

    def _evaluate(
        self, walk: Walk, builtins: bool, evaluations: list[Evaluation]
    ) -> tuple[Macro, ...]:
        """The macros ``walk`` left, evaluated; each evaluation made is appended to
        ``evaluations`` (for the caller to release)."""
        ev = self._evaluation(walk)
        evaluations.append(ev)
        # in definition order, so a macro's dependencies are mostly done before it
        # (by name, a long chain A1000 -> A999 -> ... would recurse all the way down)
        defs = list(walk.macros.values())
        if not builtins:
            # the predefined ones lead the table (a #define makes a macro of its own):
            # only that part is looked through
            k = len(self.predefined)
            defs[:k] = itertools.filterfalse(self._builtin.__contains__, defs[:k])
        macros = ev.macros_of(defs)
        if not DEPTH_REASONS.isdisjoint(map(_REASON_OF, macros)):
            deep = [d for d, m in zip(defs, macros, strict=True) if m.reason in DEPTH_REASONS]
            # a chain of macros deeper than Python's stack (defined from its far
            # end, say): evaluated afresh from its near end, where each link finds
            # the one it rests on done
            ev = self._evaluation(walk)
            evaluations.append(ev)
            for d in dependency_order(deep, walk.macros):
                ev.macro(d)
            macros = ev.macros_of(defs)
        macros.sort(key=_name)
        # (macros of shipped headers name them as output does from the start: shown_file)
        if self.files.aliases:
            return self._unaliased_ones(macros)
        return tuple(macros)

    def _unaliased_ones(self, macros: list[Macro]) -> tuple[Macro, ...]:
        """``macros``, each of a file scanned as an alias (:class:`FileCache`) replaced
        by one naming this reader's path of the file, made once per macro."""
        own_of = self._unaliased
        out = list(map(own_of.get, map(id, macros)))  # (most were met in earlier headers)
        if all(out):
            return tuple(out)  # type: ignore[arg-type]
        aliases = self.files.aliases
        for i, m in enumerate(macros):
            if out[i] is None:
                own = m
                if m.file[:1] == ALIAS_MARK:
                    own = Macro(
                        m.name,
                        m.kind,
                        m.value,
                        m.expr,
                        aliases[m.file],
                        m.line,
                        m.comment,
                        m.reason,
                        m.ctype,
                    )
                    self._held.append(m)  # (its id stays its own while it is a key)
                out[i] = own_of[id(m)] = own
        return tuple(out)  # type: ignore[arg-type]

    def layouts(
        self, header: str | os.PathLike[str], names: Collection[str] | None = None
    ) -> tuple[RecordLayout, ...]:
        """Every struct and union ``header`` (and what it includes) defines, and every
        typedef of an unnamed one (only those ``names``, "struct stat" or "typedef
        fsid_t", if given), laid out under this reader's ABI, in the order they
        appear; a type that cannot be laid out has ``size`` None and the reason.

        Raises AbicheckError (with file:line) as :meth:`read` does.
        """
        from .reader.layout import record_layout

        self._bound_caches()
        with paused_gc():
            walk = self.pp.run(os.fspath(header), self.predefined)
            decls = HeaderDecls(walk, self.statements, self.parser, self.memo, self.model)
            try:
                out = []
                for name, node, path, line in decls.named_types(names):
                    out.append(record_layout(name, node, display_name(path), line, decls))
                return tuple(out)
            finally:
                decls.release()

    def _evaluation(self, walk: Walk) -> Evaluation:
        """A fresh evaluation of the macros ``walk`` left, with its own view of the
        header's declarations."""
        decls = HeaderDecls(walk, self.statements, self.parser, self.memo, self.model)
        return Evaluation(decls, self.memo, self.parser, self.literals, self.model)


def read(
    header: str | os.PathLike[str],
    include_dirs: Iterable[str] = (),
    defines: Mapping[str, str] | None = None,
    data_model: str = "lp64",
) -> tuple[Macro, ...]:
    """Every macro visible after including ``header``, evaluated, sorted by name (one
    header; for many, make one :class:`Reader` and call its ``read`` for each)."""
    return Reader(include_dirs, defines, data_model).read(header)


class HeaderResult(Record, frozen=True):
    """One header of :func:`read_headers`: its macros, or the error it failed with,
    and the warnings reading it gave (:attr:`Reader.warnings`); ``path`` is the file
    read when that is not ``header`` itself (a name found in the include folders)."""

    header: str
    macros: tuple[Macro, ...]
    error: AbicheckError | None
    warnings: tuple[Diagnostic, ...]
    path: str

    __slots__ = ("header", "macros", "error", "warnings", "path")

    def __init__(
        self,
        header: str,
        macros: tuple[Macro, ...] = (),
        error: AbicheckError | None = None,
        warnings: tuple[Diagnostic, ...] = (),
        path: str = "",
    ) -> None:
        _set(self, "header", header)
        _set(self, "macros", macros)
        _set(self, "error", error)
        _set(self, "warnings", warnings)
        _set(self, "path", path)


def read_headers(
    headers: Sequence[str],
    reader: Reader,
    builtins: bool = True,
    paths: Sequence[str] | None = None,
) -> list[HeaderResult]:
    """Each of ``headers`` read with ``reader``, in order (the predefined macros too
    if ``builtins``); a header that fails gives its error in its place and the
    others are still read. ``<abicheck>/headers/...`` names a file shipped with
    abicheck (the embedded header). ``paths``, if given, are the files read, one per
    header (as :func:`abicheck.headerargs.resolve_headers` finds them)."""
    return list(iter_headers(headers, reader, builtins, paths))


def iter_headers(
    headers: Sequence[str],
    reader: Reader,
    builtins: bool = True,
    paths: Sequence[str] | None = None,
) -> Iterator[HeaderResult]:
    """The results of :func:`read_headers`, each header read when its result is asked
    for: a caller that writes each out and drops it holds one header's at a time."""
    # the collector off for the whole batch: resumed after each header, it went
    # over each header's new cache entries, then over them again as they aged
    shipped = data_path("headers") + os.sep  # (a name found there: shown as output names it)
    with paused_gc():
        for i, h in enumerate(headers):
            path = h if paths is None else paths[i]
            shown = "" if path == h else display_name(path) if path.startswith(shipped) else path
            try:
                macros = reader.read(shipped_path(path), builtins)
            except AbicheckError as exc:
                # without its tracebacks, whose frames hold the reader and all the failed
                # header's objects: kept in the result, they stayed to the end of the run
                e: BaseException | None = exc
                while e is not None:
                    e.__traceback__ = None
                    e = e.__context__
                result = HeaderResult(h, error=exc, warnings=reader.warnings, path=shown)
            else:
                result = HeaderResult(h, macros, warnings=reader.warnings, path=shown)
            yield result
