"""Headers read for several architectures in one run (``parse --arch all``).

A header named by a path is read as that path for every architecture; one that is
no existing path is looked up in each architecture's include folders as ``#include
<...>`` would (the first folder holding it), and a glob pattern (``linux/*.h``)
expands there, architecture by architecture
(:func:`abicheck.headerargs.resolve_headers`).

What does not depend on the architecture is done once and shared
(:class:`Shared`): the scan of each distinct file text (the 22 sysroots of Debian's
cross headers hold some 13,800 files but about 1,000 distinct texts), and
pycparser's ASTs of expression and declaration texts. Architectures whose data
models are the same (:func:`abi_groups`: mips and mipsel, armel and armhf, ...)
share their evaluations too: read one after another with one memo, a header of the
same text at the same place below each one's include folder has the same
definitions, and a macro's value is made once where what it looked up is the same
(see :meth:`Shared.reader`). The groups are read by a pool of forked processes,
the largest first, which inherit the scans made before the fork.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TextIO, TypeVar

from .arches import Arch, debian_arches, include_dirs, lookup
from .headerargs import ALL, is_pattern, resolve_headers
from .model import AbicheckError
from .parse import (
    HeaderResult,
    Reader,
    TargetSetup,
    freestanding_dir,
    model_key,
    read_headers,
    reader_model,
    target_setup,
)
from .reader.declarations import Statements
from .reader.memo import Memo, reuse_default
from .reader.scan import MacroDef, ScanCache

if TYPE_CHECKING:
    from .reader.cnodes import c_ast

T = TypeVar("T")


def arch_list(spec: str) -> tuple[Arch, ...]:
    """The architectures of ``--arch``: ``all``, every Debian architecture whose
    headers are installed (:func:`abicheck.arches.include_dirs`), by name; or a comma
    list of names (as for ``arch:``), in the order given, each once.

    Raises AbicheckError for an unknown name, an empty list, or ``all`` with no
    architecture installed.
    """
    if spec.strip().lower() == ALL:
        found = tuple(a for a in debian_arches() if include_dirs(a))
        if not found:
            raise AbicheckError(
                "--arch all: no architecture's headers are installed "
                "(apt-get install $(abicheck arches --apt-packages))"
            )
        return found
    out: dict[str, Arch] = {}
    for name in spec.split(","):
        if name.strip():
            a = lookup(name)
            out.setdefault(a.name, a)
    if not out:
        raise AbicheckError(f"--arch {spec!r}: no architecture named")
    return tuple(out.values())


@dataclass(frozen=True, slots=True)
class ArchPlan:
    """What to read for one architecture: its target setup, the include folders
    searched (``-I`` ones, then its system folders), and the headers, as ``(name
    shown, path read)``."""

    arch: str
    setup: TargetSetup
    dirs: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]


def plan_arches(
    arches: Iterable[Arch],
    specs: Sequence[str],
    include: Sequence[str] = (),
    undefines: Iterable[str] = (),
    nostdinc: bool = False,
) -> tuple[list[ArchPlan], list[str]]:
    """One plan per architecture, in order, and notes (``HEADER: note: ...``) on the
    arguments some architectures lack (they are left out of those architectures).

    Raises AbicheckError naming an argument no architecture has.
    """
    plans: list[ArchPlan] = []
    missing: dict[str, list[str]] = {}
    undefines = tuple(undefines)
    for a in arches:
        setup = target_setup(a.name, "", undefines)
        dirs = (*include, *(() if nostdinc else setup.system_dirs))
        pairs, unmatched = resolve_headers(specs, dirs)
        for spec in unmatched:
            missing.setdefault(spec, []).append(a.name)
        drop = set(unmatched)  # a name not found: left out of this architecture
        kept = tuple(p for p in pairs if p[0] not in drop)
        plans.append(ArchPlan(a.name, setup, dirs, kept))
    notes = []
    for spec in dict.fromkeys(specs):
        lacking = missing.get(spec, [])
        if lacking and len(lacking) == len(plans):
            what = "no header matches" if is_pattern(spec) else "no such header"
            raise AbicheckError(f"{what} in the include folders of any architecture", spec)
        if lacking:
            notes.append(
                f"{spec}: note: not in the include folders of {len(lacking)} of "
                f"{len(plans)} architectures, left out there: {', '.join(lacking)}"
            )
    return plans, notes


@dataclass
class Shared:
    """What the readers of several architectures share: file scans by content (a
    header's MacroDefs shared by the architectures that have its text at the same
    place below their include folders), the predefined macros' MacroDefs by text,
    pycparser's ASTs by text (a pure function of the text and which of its names
    are typedef names, which their keys hold), and the declarations of runs of
    text lines (found by the text's scan, whatever its path)."""

    scans: ScanCache = field(default_factory=ScanCache)
    asts: dict[tuple[str, ...], c_ast.Node | str] = field(default_factory=dict)
    decl_asts: dict[tuple[str, ...], c_ast.FileAST | None] = field(default_factory=dict)
    predefined: dict[tuple[str, str, str], MacroDef] = field(default_factory=dict)
    statements: Statements | None = None  # (made by the first reader that reuses)

    def reader(
        self,
        setup: TargetSetup,
        dirs: Sequence[str],
        defines: Mapping[str, str],
        memo: Memo | None = None,
    ) -> Reader:
        """A Reader for ``setup`` sharing these caches, and those of ``memo`` (a memo
        of readers of the same :func:`abi_key`), if given: then its headers below its
        system folders are scanned as aliases (see :class:`abicheck.reader.scan.FileCache`)
        and its predefined macros' MacroDefs are those of earlier readers where their
        text is the same, for the evaluations in ``memo`` to hold for it."""
        freestanding = freestanding_dir()
        r = Reader(
            dirs,
            defines,
            setup.data_model,
            setup.predefines,
            setup.unsigned_char,
            abi=setup.abi,
            scans=self.scans,
            memo=memo,
            alias_roots=[d for d in setup.system_dirs if d != freestanding]
            if memo is not None
            else (),
            interned=self.predefined if memo is not None else None,
        )
        if r.memo.reuse:  # with reuse off, every header from scratch: nothing shared
            r.memo.asts = self.asts
            r.memo.decl_asts = self.decl_asts
            if self.statements is None:
                self.statements = r.statements
            r.statements = self.statements
        return r


def abi_key(setup: TargetSetup, defines: Mapping[str, str]) -> tuple[Any, ...]:
    """What a Reader's evaluations rest on besides what its memo checks (the data
    model it evaluates under, but for its name and architecture, which the reader
    does not read): readers of equal keys may share a memo."""
    return model_key(
        reader_model(setup.data_model, setup.predefines, setup.unsigned_char, setup.abi, defines)
    )


def abi_groups(plans: Sequence[ArchPlan], defines: Mapping[str, str]) -> list[tuple[int, ...]]:
    """The plans' indices grouped by :func:`abi_key`, each group in the plans' order,
    the largest groups first (then by their first plan)."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, plan in enumerate(plans):
        groups.setdefault(abi_key(plan.setup, defines), []).append(i)
    return sorted(map(tuple, groups.values()), key=lambda g: (-len(g), g[0]))


def read_plan(
    plan: ArchPlan,
    defines: Mapping[str, str],
    builtins: bool,
    shared: Shared,
    memo: Memo | None = None,
) -> list[HeaderResult]:
    """The headers of one plan, read as :func:`abicheck.parse.read_headers` reads them
    (sharing ``memo``'s caches: see :meth:`Shared.reader`)."""
    reader = shared.reader(plan.setup, plan.dirs, defines, memo)
    return read_headers(
        [h for h, _ in plan.headers], reader, builtins, paths=[p for _, p in plan.headers]
    )


@dataclass(frozen=True)
class _Job(Generic[T]):
    plans: Sequence[ArchPlan]
    defines: Mapping[str, str]
    builtins: bool
    render: Callable[[ArchPlan, list[HeaderResult]], T]
    shared: Shared
    # with write_arches: each plan's file, which its text is written to
    files: Sequence[int] = ()


_JOB: _Job[Any] | None = None  # what forked workers inherit


def _work(group: tuple[int, ...]) -> list[Any]:
    """The rendered results of a group of plans of one ABI, read one after another
    sharing a memo (with ``files``: the text written to the plan's file, and its
    size and the rest of the rendering returned)."""
    job = _JOB
    assert job is not None
    memo = Memo(reuse_default()) if len(group) > 1 else None
    out = []
    for i in group:
        plan = job.plans[i]
        res = job.render(plan, read_plan(plan, job.defines, job.builtins, job.shared, memo))
        if job.files:
            pieces, rest = res
            res = (_write_text(job.files[i], pieces), rest)
        out.append(res)
    return out


_CHUNK = 1 << 20  # characters copied at a time from a worker's file


def _write_text(fd: int, pieces: Iterable[str]) -> int:
    """``pieces`` written to the file ``fd`` (UTF-8), from its start; their bytes."""
    with open(fd, "w", encoding="utf-8", newline="", buffering=_CHUNK, closefd=False) as f:
        f.writelines(pieces)
        f.flush()
        return f.tell()


_RELEASED = -2


class ArchText:
    """The text :func:`write_arches` made for one architecture: its pieces, or (made
    in a worker process) a file holding them, valid while the iteration is at it."""

    def __init__(self, pieces: Sequence[str] = (), fd: int = -1, size: int = 0) -> None:
        self._pieces = pieces
        self._fd = fd
        self._size = size

    def __bool__(self) -> bool:
        """Whether there is any text."""
        return self._size > 0 if self._fd != -1 else any(self._pieces)

    def release(self) -> None:
        """Let go of the file: the text is no longer there to write."""
        self._fd = _RELEASED

    def write_to(self, stream: TextIO) -> None:
        """The text written to ``stream``, a piece (or a megabyte) at a time; or, from
        a worker's file to a stream with ``copy_utf8(fd, size) -> bool`` that takes it
        (the command's output), by that.

        Raises ValueError once the iteration that made it has gone on."""
        if self._fd == _RELEASED:
            raise ValueError("an architecture's text is written while write_arches is at it")
        if self._fd < 0:
            stream.writelines(self._pieces)
            return
        copy = getattr(stream, "copy_utf8", None)  # (cli's streams: see send_utf8)
        if copy is not None and copy(self._fd, self._size):
            return
        os.lseek(self._fd, 0, os.SEEK_SET)
        with open(self._fd, encoding="utf-8", newline="", closefd=False) as f:
            while chunk := f.read(_CHUNK):
                stream.write(chunk)

    def read(self) -> str:
        """The whole text."""
        out = io.StringIO()
        self.write_to(out)
        return out.getvalue()


def send_utf8(src: int, size: int, dest: int) -> None:
    """The first ``size`` bytes of the file ``src`` (from its start) written to the
    file descriptor ``dest`` by the kernel (``sendfile``), not read into this process
    and written again: 21 architectures' texts are some 440 MB. Where ``dest`` takes
    no ``sendfile`` (a file opened to append, say), copied a megabyte at a time.

    Raises OSError as a write to ``dest`` would."""
    done = 0
    try:
        while done < size and hasattr(os, "sendfile"):
            n = os.sendfile(dest, src, done, size - done)
            if n == 0:
                break  # (the file is shorter than it was: nothing more to send)
            done += n
        if done:
            return
    except OSError:
        if done:
            raise
        # refused at once (EINVAL for a file opened to append; ENOTSOCK where
        # sendfile writes to sockets only): copied, and a real write error (ENOSPC,
        # EPIPE) comes again from the write
    while done < size:
        chunk = os.pread(src, min(_CHUNK, size - done), done)
        if not chunk:
            break
        view = memoryview(chunk)
        while view:
            view = view[os.write(dest, view) :]
        done += len(chunk)


def _text_file(plan: ArchPlan) -> int:
    """An anonymous file for a worker to write ``plan``'s text to (memory, where
    the system has memfd_create), made before the workers are forked."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create(f"abicheck-{plan.arch}", getattr(os, "MFD_CLOEXEC", 0))
    import tempfile

    fd, path = tempfile.mkstemp(prefix=f"abicheck-{plan.arch}-")
    os.unlink(path)
    return fd


def default_workers(n_plans: int) -> int:
    """Worker processes for ``n_plans`` architectures: one per usable core, at most
    one per architecture (1: read in this process)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_plans))


def read_arches(
    plans: Sequence[ArchPlan],
    render: Callable[[ArchPlan, list[HeaderResult]], T],
    defines: Mapping[str, str] | None = None,
    builtins: bool = True,
    workers: int = 1,
) -> Iterator[tuple[ArchPlan, T]]:
    """Each plan read and its results passed through ``render`` (in the worker, so
    that only its output crosses between processes), yielded in the plans' order.

    The plans of one data model (:func:`abi_groups`) are read one after another,
    sharing a memo. With ``workers`` > 1, fork available and more than one group,
    the groups are read by that many forked processes, the largest first, each
    group by one, after every header file's text is scanned here, once per
    distinct text, for them to inherit. The output is the same either way.
    """
    return _read_arches(plans, render, dict(defines or {}), builtins, workers, False)


def write_arches(
    plans: Sequence[ArchPlan],
    render: Callable[[ArchPlan, list[HeaderResult]], tuple[Iterable[str], T]],
    defines: Mapping[str, str] | None = None,
    builtins: bool = True,
    workers: int = 1,
) -> Iterator[tuple[ArchPlan, ArchText, T]]:
    """:func:`read_arches` for a ``render`` that makes text (its pieces) and more:
    each plan's text and the rest, in the plans' order.

    A worker process writes its texts to files (in memory) made here before it was
    forked, rather than sending them through a pipe: the whole uapi of 21
    architectures as JSON is 442 MB, which pickled, sent and unpickled took some
    4 s of page faults. The text of a plan is there until the next is asked for.
    """
    for plan, (text, rest) in _read_arches(
        plans, render, dict(defines or {}), builtins, workers, True
    ):
        yield plan, text, rest


def _read_arches(
    plans: Sequence[ArchPlan],
    render: Callable[[ArchPlan, list[HeaderResult]], Any],
    defines: dict[str, str],
    builtins: bool,
    workers: int,
    text: bool,
) -> Iterator[tuple[ArchPlan, Any]]:
    """:func:`read_arches`; with ``text``, as :func:`write_arches` (each output an
    (ArchText, rest) pair)."""
    global _JOB
    import multiprocessing  # (here: a run of one architecture starts without them)
    from concurrent.futures import ProcessPoolExecutor

    shared = Shared()
    groups = abi_groups(plans, defines)
    if workers <= 1 or len(groups) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        # (one group, mips and mipsel say, is read by one process anyway: this one)
        memos: dict[tuple[int, ...], Memo] = {}
        group_of = {i: g for g in groups for i in g}
        for i, plan in enumerate(plans):
            g = group_of[i]
            memo = memos.setdefault(g, Memo(reuse_default())) if len(g) > 1 else None
            if i == g[-1]:
                memos.pop(g, None)  # the group's last: its memo goes with this reader
            out = render(plan, read_plan(plan, defines, builtins, shared, memo))
            if text:
                pieces, rest = out
                out = (ArchText(list(pieces)), rest)
            yield plan, out
        return
    for plan in plans:
        for _, path in plan.headers:
            shared.scans.prescan(path)
    files: list[int] = []
    try:
        if text:
            files += map(_text_file, plans)
        _JOB = _Job(plans, defines, builtins, render, shared, files)
        # (a worker that dies raises BrokenProcessPool here, rather than hanging)
        pool = ProcessPoolExecutor(
            min(workers, len(groups)), mp_context=multiprocessing.get_context("fork")
        )
        finished = False
        try:
            # the largest groups first, each to the next free worker; yielded in order
            futures = {g: pool.submit(_work, g) for g in groups}
            done: dict[int, Any] = {}
            for i, plan in enumerate(plans):
                if i not in done:
                    g = next(g for g in groups if i in g)
                    done.update(zip(g, futures.pop(g).result(), strict=True))
                out = done.pop(i)
                if not text:
                    yield plan, out
                    continue
                size, rest = out
                made = ArchText(fd=files[i], size=size)
                yield plan, (made, rest)
                made.release()  # written out: its file goes (emptied, for the
                os.ftruncate(files[i], 0)  # workers hold it open too)
                os.close(files[i])
                files[i] = -1
            finished = True
        finally:
            if not finished:  # stopped early (an error, a closed pipe, ^C): no more reading
                for proc in list((getattr(pool, "_processes", None) or {}).values()):
                    proc.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
            _JOB = None
    finally:
        for fd in files:
            if fd >= 0:
                os.close(fd)
