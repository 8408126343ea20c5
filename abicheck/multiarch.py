"""Headers read for several architectures in one run (``parse --arch all``).

A header named by a path is read as that path for every architecture; one that is
no existing path is looked up in each architecture's include folders as ``#include
<...>`` would (the first folder holding it), and a glob pattern (``linux/*.h``)
expands there, architecture by architecture
(:func:`abicheck.headerargs.resolve_headers`).

What does not depend on the architecture is done once and shared
(:class:`Shared`): the scan of each distinct file text (the 22 sysroots of Debian's
cross headers hold some 13,800 files but about 1,000 distinct texts), and
pycparser's ASTs of expression and declaration texts. The architectures are read
by a pool of forked processes, which inherit the scans made before the fork.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .arches import Arch, debian_arches, include_dirs, lookup
from .headerargs import ALL, is_pattern, resolve_headers
from .model import AbicheckError
from .parse import HeaderResult, Reader, TargetSetup, read_headers, target_setup
from .reader.scan import ScanCache

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
    """What the readers of several architectures share: file scans by content, and
    pycparser's ASTs by text (a pure function of the text and which of its names
    are typedef names, which their keys hold)."""

    scans: ScanCache = field(default_factory=ScanCache)
    asts: dict[tuple[str, ...], c_ast.Node | str] = field(default_factory=dict)
    decl_asts: dict[tuple[str, ...], c_ast.FileAST | None] = field(default_factory=dict)

    def reader(self, setup: TargetSetup, dirs: Sequence[str], defines: Mapping[str, str]) -> Reader:
        """A Reader for ``setup`` sharing these caches."""
        r = Reader(
            dirs,
            defines,
            setup.data_model,
            setup.predefines,
            setup.unsigned_char,
            abi=setup.abi,
            scans=self.scans,
        )
        if r.memo.reuse:  # with reuse off, every header from scratch: nothing shared
            r.memo.asts = self.asts
            r.memo.decl_asts = self.decl_asts
        return r


def read_plan(
    plan: ArchPlan, defines: Mapping[str, str], builtins: bool, shared: Shared
) -> list[HeaderResult]:
    """The headers of one plan, read as :func:`abicheck.parse.read_headers` reads them."""
    reader = shared.reader(plan.setup, plan.dirs, defines)
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


_JOB: _Job[Any] | None = None  # what forked workers inherit


def _work(i: int) -> Any:
    job = _JOB
    assert job is not None
    plan = job.plans[i]
    return job.render(plan, read_plan(plan, job.defines, job.builtins, job.shared))


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

    With ``workers`` > 1 (and fork available), the plans are read by that many forked
    processes, after every header file's text is scanned here, once per distinct
    text, for them to inherit. The output is the same either way.
    """
    global _JOB
    import multiprocessing  # (here: a run of one architecture starts without them)
    from concurrent.futures import ProcessPoolExecutor

    shared = Shared()
    defines = dict(defines or {})
    if workers <= 1 or len(plans) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for plan in plans:
            yield plan, render(plan, read_plan(plan, defines, builtins, shared))
        return
    for plan in plans:
        for _, path in plan.headers:
            shared.scans.prescan(path)
    _JOB = _Job(plans, defines, builtins, render, shared)
    # (a worker that dies raises BrokenProcessPool here, rather than hanging)
    pool = ProcessPoolExecutor(
        min(workers, len(plans)), mp_context=multiprocessing.get_context("fork")
    )
    finished = False
    try:
        yield from zip(plans, pool.map(_work, range(len(plans))), strict=True)
        finished = True
    finally:
        if not finished:  # stopped early (an error, a closed pipe, ^C): no more reading
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        _JOB = None
