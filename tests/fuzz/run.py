"""The fuzzer's runner: ``python -m fuzz.run --seed S --cases N`` (from tests/).

Generates ``N`` cases from seed ``S`` (case ``k`` is :func:`case_seed`), checks them in
batches (:mod:`.check`), prints the figures, minimises each distinct failure when asked
(``--minimise``, written under ``--keep``), and exits 1 on any failure, else 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .check import Failure, Figures, _reason_class, check_cases, still_fails
from .gen import generate
from .minimise import minimise


def case_seed(seed: int, k: int) -> int:
    """The generator seed of run ``seed``'s case ``k``."""
    return seed * 1_000_000 + k


def run(seed: int, cases: int, batch: int = 50, progress: bool = False) -> Figures:
    """Check ``cases`` generated cases of run ``seed``; their figures."""
    fig = Figures()
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="abicheck-fuzz-") as tmp:
        for first in range(0, cases, batch):
            seeds = [case_seed(seed, k) for k in range(first, min(first + batch, cases))]
            fig.add(check_cases(Path(tmp, f"b{first}"), [(s, generate(s)) for s in seeds]))
            if progress:
                rate = fig.cases / (time.monotonic() - start)
                print(f"{fig.cases} cases, {len(fig.failures)} failures, {rate:.1f}/s",
                      file=sys.stderr)  # fmt: skip
    return fig


def report(fig: Figures) -> str:
    """The figures as text, one per line, failures last."""
    lines = [
        f"cases: {fig.cases}",
        f"macros compared: {fig.macros}",
        f"values from gcc: {fig.gcc_values}",
        f"values agreed: {fig.agreed}",
        f"values missing (gcc gives one, the reader none): {sum(fig.missing.values())}",
    ]
    lines += [f"  {n} {reason}" for reason, n in sorted(fig.missing.items(), key=lambda x: -x[1])]
    lines.append(f"values only the reader gives (gcc none): {fig.extra}")
    lines.append(f"  and with a note, C undefined, gcc's value: {fig.undefined}")
    lines.append(f"values gcc folds from no constant expression: {fig.folded + fig.folded_given}"
                 f" (the reader gives {fig.folded_given} of them)")  # fmt: skip
    lines.append(f"headers refused (gcc reads them): {sum(fig.refused.values())}")
    lines += [f"  {n} {reason}" for reason, n in sorted(fig.refused.items(), key=lambda x: -x[1])]
    lines.append(f"headers gcc refuses: {fig.gcc_refused + fig.both_refused}"
                 f" (the reader reads {fig.gcc_refused} of them)")  # fmt: skip
    lines.append(f"failures: {len(fig.failures)}")
    lines += [f"  seed {f.seed}: {f.kind} {f.name}: {f.detail}" for f in fig.failures]
    return "\n".join(lines)


def open_classes(open_: Sequence[Failure]) -> dict[str, list[Failure]]:
    """Open instances (missing, extra, refused) by kind and reason class."""
    out: dict[str, list[Failure]] = {}
    for f in open_:
        reason = f.detail.split(": ", 1)[1] if f.kind == "missing" else f.detail
        key = f"{f.kind} {_reason_class(reason) if f.kind in ('missing', 'refused') else ''}"
        key = key.strip()
        out.setdefault(key, []).append(f)
    return out


def shrink(failure: Failure, keep: Path) -> Path:
    """Minimise ``failure``'s case into ``keep/<seed>-<kind>/``; returns that folder."""
    with tempfile.TemporaryDirectory(prefix="abicheck-fuzz-min-") as tmp:
        files = minimise(generate(failure.seed), still_fails(Path(tmp), failure.seed, failure.key))
    out = keep / f"{failure.seed}-{failure.kind}"
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m fuzz.run", description=__doc__)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--batch", type=int, default=50, help="cases per gcc run")
    p.add_argument("--minimise", action="store_true", help="shrink each distinct failure")
    p.add_argument("--keep", type=Path, default=Path("fuzz-failures"), help="where to")
    p.add_argument("--progress", action="store_true")
    p.add_argument(
        "--open",
        type=int,
        default=0,
        metavar="N",
        help="print N instances of each open class (missing, extra, refused by reason),"
        " and with --minimise shrink the first of each",
    )
    args = p.parse_args(argv)
    start = time.monotonic()
    fig = run(args.seed, args.cases, args.batch, args.progress)
    print(report(fig))
    print(f"seconds: {time.monotonic() - start:.0f}")
    firsts = []
    if args.open:
        for cls, instances in sorted(open_classes(fig.open).items()):
            print(f"open {cls}: {len(instances)}")
            print(
                "".join(f"  seed {f.seed}: {f.name}: {f.detail}\n" for f in instances[: args.open])
            )
            firsts.append(instances[0])
    if args.minimise:
        seen = set()
        for f in fig.failures:
            if (f.kind, f.name.rstrip("0123456789")) not in seen:
                seen.add((f.kind, f.name.rstrip("0123456789")))
                print(f"minimised: {shrink(f, args.keep)}")
        for f in firsts:
            print(f"minimised: {shrink(f, args.keep)}")
    return 1 if fig.failures else 0


if __name__ == "__main__":
    sys.exit(main())
