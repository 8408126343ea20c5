"""One batch of generated cases through gcc (the oracle) and the reader, compared.

gcc: :func:`abicheck.cc.compiler_macros_many` on every case's main header at once (which
macros exist from ``-E -dD``, values from ``asm`` operands in ``-S`` output). The reader:
one :class:`abicheck.parse.Reader` over the whole batch, and a fresh one per header; the
two must give identical tables. gcc's own predefined macros are the reader's predefines.

Failures: a wrong value (both give one, they differ), a different set of macros, a
batch-versus-alone difference, a traceback, a hang (a read over :data:`HANG_SECONDS`).
Figures only: a value gcc gives and the reader does not (``missing``, by the reader's
reason), a value the reader gives and gcc does not (``extra``: gcc rejects or finds no
well-defined value; ``undefined`` where the reader's note says C leaves it undefined
and it is gcc's value), values gcc folds from what is no integer constant expression
(``folded``: gcc's own null pointer constant test says so; the reader rightly gives
none), headers one side refuses.
"""

from __future__ import annotations

import re
import signal
import subprocess
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar

from abicheck import cc
from abicheck.model import AbicheckError, Macro
from abicheck.parse import Reader

from .gen import MAIN

#: A read taking longer than this is a hang.
HANG_SECONDS = 10

T = TypeVar("T")


class Hang(Exception):
    """A read ran over :data:`HANG_SECONDS`."""


@dataclass
class Failure:
    """One failure of a case: ``kind`` (wrong, names, batch-vs-alone, traceback, hang),
    the macro it is about (or ""), and a line saying what differs."""

    seed: int
    kind: str
    name: str
    detail: str

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.name


@dataclass
class Figures:
    """What a run counted; ``failures`` are what fail it."""

    cases: int = 0
    macros: int = 0  # Z* macros gcc lists, over headers both sides read
    gcc_values: int = 0  # of those, with an integer value from gcc
    agreed: int = 0
    missing: Counter[str] = field(default_factory=Counter)
    extra: int = 0
    # values gcc folds from no integer constant expression (its null pointer constant
    # test says so): the reader gives none (folded) or gives one (folded_given)
    folded: int = 0
    folded_given: int = 0
    # values only the reader gives with a note: C leaves them undefined (a shift by
    # the width or more), the reader gives gcc's value, the oracle's -Werror drops it
    undefined: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # gcc reads, the reader does not
    gcc_refused: int = 0  # gcc does not read (an #error, a bad directive)
    both_refused: int = 0
    failures: list[Failure] = field(default_factory=list)
    # each missing value, value only the reader gives and refused header, as a Failure
    # (kind missing, extra, refused) that does not fail the run
    open: list[Failure] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        self.cases += other.cases
        self.macros += other.macros
        self.gcc_values += other.gcc_values
        self.agreed += other.agreed
        self.missing.update(other.missing)
        self.extra += other.extra
        self.folded += other.folded
        self.folded_given += other.folded_given
        self.undefined += other.undefined
        self.refused.update(other.refused)
        self.gcc_refused += other.gcc_refused
        self.both_refused += other.both_refused
        self.failures += other.failures
        self.open += other.open


@cache
def gcc_predefines() -> dict[str, str]:
    """gcc's predefined object-like macros (``gcc -dM -E``), as the reader's predefines."""
    out = subprocess.run(
        ["gcc", "-nostdinc", "-dM", "-E", "-x", "c", "/dev/null"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    defs: dict[str, str] = {}
    for line in out.splitlines():
        _, name, *rest = line.split(" ", 2)
        if "(" not in name:
            defs[name] = rest[0] if rest else ""
    return defs


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def ring(signum: int, frame: object) -> None:
        raise Hang(f"over {seconds} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


Outcome = tuple[Macro, ...] | AbicheckError | Failure


def _read(reader: Reader, header: str, seed: int) -> Outcome:
    try:
        with _deadline(HANG_SECONDS):
            return reader.read(header)
    except AbicheckError as exc:
        return exc
    except Hang as exc:
        return Failure(seed, "hang", "", f"{header}: {exc}")
    except Exception as exc:  # noqa: BLE001 - any other exception is the failure sought
        last = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(last.filename).name}:{last.lineno}"
        return Failure(seed, "traceback", "", f"{type(exc).__name__}: {exc} at {where}")


def new_reader() -> Reader:
    return Reader([], predefines=gcc_predefines())


def write_case(root: Path, seed: int, files: dict[str, str]) -> str:
    """The case's files under ``root/c<seed>/``; returns its main header's path."""
    folder = root / f"c{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return str(folder / MAIN)


def _table(macros: tuple[Macro, ...]) -> list[tuple[object, ...]]:
    return [(m.name, m.kind, m.value, m.reason, m.ctype, m.file, m.line) for m in macros]


def _reason_class(reason: str) -> str:
    """A reason or error message without its names and numbers, to count by."""
    text = reason.split(" (")[0].split(": ")[0][:60]
    return re.sub(r"\bZ\w+|\b\d\w*", "N", text)


def compare(
    seed: int,
    oracle: cc.CompilerTable | AbicheckError,
    batch: Outcome,
    alone: Outcome,
) -> Figures:
    """One case's figures from gcc's answer and the reader's two (batch, alone)."""
    fig = Figures(cases=1)
    for outcome in (batch, alone):
        if isinstance(outcome, Failure):
            fig.failures.append(outcome)
            return fig
    assert not isinstance(batch, Failure) and not isinstance(alone, Failure)
    if isinstance(batch, AbicheckError) or isinstance(alone, AbicheckError):
        if str(batch) != str(alone):
            fig.failures.append(
                Failure(seed, "batch-vs-alone", "", f"batch: {batch}; alone: {alone}")
            )
            return fig
    elif _table(batch) != _table(alone):
        diff = sorted(set(_table(batch)) ^ set(_table(alone)))
        name = str(diff[0][0]) if diff else ""
        fig.failures.append(Failure(seed, "batch-vs-alone", name, f"differ: {diff[:2]}"))
        return fig
    ours = alone
    if isinstance(oracle, AbicheckError):
        if isinstance(ours, AbicheckError):
            fig.both_refused += 1
        else:
            fig.gcc_refused += 1
        return fig
    if isinstance(ours, AbicheckError):
        fig.refused[_reason_class(ours.args[0] if ours.args else str(ours))] += 1
        fig.open.append(Failure(seed, "refused", "", str(ours)))
        return fig
    table = {m.name: m for m in ours}
    gcc_names = {n for n in oracle.names if n.startswith("Z")}
    our_names = {n for n in table if n.startswith("Z")}
    if gcc_names != our_names:
        only_gcc, only_ours = sorted(gcc_names - our_names), sorted(our_names - gcc_names)
        name = (only_gcc or only_ours)[0]
        fig.failures.append(
            Failure(seed, "names", name, f"only gcc: {only_gcc[:5]}; only ours: {only_ours[:5]}")
        )
        return fig
    fig.macros += len(gcc_names)
    for name in sorted(gcc_names):
        m = table[name]
        if name in oracle.values:
            fig.gcc_values += 1
            want = oracle.values[name]
            if m.value is None and name in oracle.folded:
                fig.folded += 1
            elif m.value is None:
                fig.missing[_reason_class(m.reason)] += 1
                fig.open.append(
                    Failure(
                        seed, "missing", name, f"{m.location}: {m.reason}, gcc {want}: {m.expr}"
                    )
                )
            elif m.value != want:
                fig.failures.append(
                    Failure(seed, "wrong", name, f"{m.location}: {m.value}, gcc {want}: {m.expr}")
                )
            else:
                fig.agreed += 1
                if name in oracle.folded:
                    fig.folded_given += 1
                    fig.open.append(Failure(seed, "folded", name, f"{m.location}: {m.expr}"))
        elif m.value is not None and m.reason:
            fig.undefined += 1
        elif m.value is not None:
            fig.extra += 1
            fig.open.append(Failure(seed, "extra", name, f"{m.location}: {m.value}: {m.expr}"))
    return fig


def check_cases(root: Path, cases: Sequence[tuple[int, dict[str, str]]]) -> Figures:
    """Write ``cases`` (seed, files) under ``root``, run gcc once over all of them and
    the reader in batch and alone; the figures of all."""
    mains = [write_case(root, seed, files) for seed, files in cases]
    oracle = cc.compiler_macros_many(mains, include_dirs=[str(root)])
    batch_reader = new_reader()
    fig = Figures()
    for (seed, _), main in zip(cases, mains, strict=True):
        batch = _read(batch_reader, main, seed)
        alone = _read(new_reader(), main, seed)
        fig.add(compare(seed, oracle[main], batch, alone))
    return fig


def still_fails(root: Path, seed: int, key: tuple[str, str]) -> Callable[[dict[str, str]], bool]:
    """A predicate for the minimiser: do these files (of case ``seed``) still fail with
    ``key`` (kind, macro name)?"""
    counter = [0]

    def test(files: dict[str, str]) -> bool:
        counter[0] += 1
        sub = root / f"try{counter[0]}"
        fig = check_cases(sub, [(seed, files)])
        return any(f.key == key for f in (*fig.failures, *fig.open))

    return test
