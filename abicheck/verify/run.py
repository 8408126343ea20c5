"""verify(): each constant of some tables checked against the live kernel, one child a probe."""

from __future__ import annotations

import errno as errnos
import os
import shutil
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from abicheck.arches import need_linux
from abicheck.compare import check_filter
from abicheck.model import AbicheckError, Macro, Table
from abicheck.verify import libc, procfs
from abicheck.verify.harness import drop_ids, run_child, scratch_dir, terminated_as_exit
from abicheck.verify.linux import CONFIGURED, GENERIC_ADVICE, SINCE
from abicheck.verify.model import (
    NOT_PROBED,
    Outcome,
    Probe,
    ProbeContext,
    Verdict,
    VerifyReport,
    VerifyResult,
    result_key,
)
from abicheck.verify.probes import PREFIXES, is_dangerous, probe_for
from abicheck.verify.scan import PendingScan, ScanUnavailable

#: The name of the one result a failed kernel advice scan leaves (no value: the values
#: no table names were not looked for).
SCAN_FAILED = "MADV_*"
_DANGEROUS_SKIP = "dangerous: never called without allow_dangerous (--allow-dangerous)"


def verify(
    tables: Sequence[Table],
    only: str | Sequence[str] | None = None,
    allow_dangerous: bool = False,
    timeout: float = 5.0,
    *,
    run_as: int | str | None = None,
    max_advice: int = 256,
) -> VerifyReport:
    """Check each MADV_/PROT_/MAP_/MS_/MCL_ macro of ``tables`` against the live kernel.

    ``only`` keeps names starting with one of its prefixes (a string is one
    prefix; None or empty keeps all); ``run_as`` (uid or user name, needs root)
    runs every probe as that user; advice values the kernel accepts that no
    table names (one scan of [0, max_advice) a run, if ``only`` can keep an
    MADV_ name) are added with source "kernel".  Returns a report sorted by
    (name, value, source).
    """
    need_linux("verify (it asks the running kernel)")
    if timeout <= 0:
        raise AbicheckError("timeout must be positive")
    for table in tables:  # a source that gives nothing to probe is no pass
        if not any(_verifiable(m) for m in table.macros):
            families = ", ".join(PREFIXES[:-1]) + " or " + PREFIXES[-1]
            raise AbicheckError(f"nothing to verify: no {families} macro in {table.label}")
    prefixes = _prefixes(only)
    if prefixes:
        known = [m.name for t in tables for m in t.macros if m.name.startswith(PREFIXES)]
        check_filter(prefixes, [*known, *GENERIC_ADVICE.values()])
    uname = os.uname()
    drop = drop_ids(run_as)
    with terminated_as_exit():
        made: list[str] = []
        try:
            # (in the try: a SIGTERM as it returns leaves no folder behind)
            tmp, disk = scratch_dir(made)
            if drop is not None and tmp:
                os.chown(tmp, *drop)
            ctx = ProbeContext(tmp, disk, allow_dangerous, procfs.release(), uname.machine)
            run = _Run(ctx, timeout, drop, prefixes)
            # The scan runs in a child of its own while the tables are probed.
            scan = None
            try:
                if not prefixes or any(
                    p.startswith("MADV_") or "MADV_".startswith(p) for p in prefixes
                ):
                    scan = PendingScan(max_advice, allow_dangerous, timeout, drop)
                named = run.tables(tables)
                if scan is not None:
                    try:
                        found = scan.result()
                    except ScanUnavailable as exc:  # no child could start: not probed
                        run.add(SCAN_FAILED, None, "kernel", Outcome("skipped", exc.message))
                    except AbicheckError as exc:  # that part lost, not the table
                        run.add(SCAN_FAILED, None, "kernel", Outcome("crashed", exc.message))
                    else:
                        run.unnamed(found, named)
            finally:
                if scan is not None:
                    scan.stop()
        finally:
            for path in made:
                shutil.rmtree(path, ignore_errors=True)
    return VerifyReport(uname.release, uname.machine, tuple(_with_hints(run.ordered())))


def _prefixes(only: str | Sequence[str] | None) -> tuple[str, ...]:
    """``only`` as a tuple for ``str.startswith``; () keeps every name."""
    if only is None:
        return ()
    return (only,) if isinstance(only, str) else tuple(only)


def _verifiable(m: Macro) -> bool:
    """Whether verify probes ``m``: an object-like macro of a probed family."""
    return m.name.startswith(PREFIXES) and m.kind != "function"


class _Run:
    """One run: each (name, value) probed once, the results by (name, value, source)."""

    def __init__(
        self,
        ctx: ProbeContext,
        timeout: float,
        drop: tuple[int, int] | None,
        prefixes: tuple[str, ...],
    ) -> None:
        self.ctx, self.timeout, self.drop, self.prefixes = ctx, timeout, drop, prefixes
        self.done: dict[tuple[str, int], Outcome] = {}
        self.results: dict[tuple[str, int, str], VerifyResult] = {}

    def tables(self, tables: Sequence[Table]) -> set[int]:
        """Probe the macros ``prefixes`` keep; the MADV_ values any macro names."""
        named: set[int] = set()
        for table in tables:
            for m in table.macros:
                if not _verifiable(m):
                    continue
                if m.name.startswith("MADV_") and m.value is not None:
                    named.add(m.value)
                if not self.wanted(m.name):
                    continue
                if m.value is None:
                    why = f"no integer value ({m.reason or m.kind})"
                    self.add(m.name, None, table.label, Outcome("skipped", why))
                else:
                    self.add(m.name, m.value, table.label, self.check(m.name, m.value))
        return named

    def unnamed(self, scan: tuple[dict[int, str], list[int]], named: set[int]) -> None:
        """Probe the advice values the scan found (known, skipped) that no table names."""
        known, skipped = scan
        for v in sorted(set(known) | set(skipped)):
            name = GENERIC_ADVICE.get(v, f"MADV_{v}")
            if v in named or not self.wanted(name):
                continue
            out = self.check(name, v)
            note = f"no source names {v}; " + known.get(v, "kernel scan skipped it")
            self.add(name, v, "kernel", replace(out, evidence=f"{note}; {out.evidence}"))

    def wanted(self, name: str) -> bool:
        return not self.prefixes or name.startswith(self.prefixes)

    def check(self, name: str, value: int) -> Outcome:
        if (name, value) not in self.done:
            self.done[name, value] = self._probe(name, value)
        return self.done[name, value]

    def _probe(self, name: str, value: int) -> Outcome:
        if is_dangerous(name, value) and not self.ctx.allow_dangerous:
            return Outcome("skipped", _DANGEROUS_SKIP)
        if not -(2**31) <= value < 2**31:
            return Outcome("skipped", "value does not fit a C int")
        out = _outcome(name, value, self.ctx, self.timeout, self.drop)
        return _explain(name, out, self.ctx.release)

    def add(self, name: str, value: int | None, source: str, out: Outcome) -> None:
        err = out.errno
        r = VerifyResult(name, value, source, out.status, err, libc.errname(err), out.evidence)
        self.results[result_key(r)] = r

    def ordered(self) -> list[VerifyResult]:
        return [self.results[k] for k in sorted(self.results)]


def _outcome(
    name: str, value: int, ctx: ProbeContext, timeout: float, drop: tuple[int, int] | None
) -> Outcome:
    """Run the probe for ``name`` in a child; a crash or hang becomes the outcome."""
    probe = probe_for(name)
    kind, payload = run_child(lambda: _probed(probe, name, value, ctx), timeout, drop)
    if kind == "ok":
        return Outcome.from_json(payload)
    if kind == "timeout":
        return Outcome("timeout", f"timeout: probe hung for {timeout:g} s, child killed")
    if kind == "unavailable":
        return Outcome("skipped", f"{NOT_PROBED}{payload}")
    signal = " (child killed by signal)" if str(payload).startswith("SIG") else ""
    return Outcome("crashed", f"crashed: {payload}{signal}")


def _probed(probe: Probe, name: str, value: int, ctx: ProbeContext) -> list[Any]:
    """In the child: the probe's outcome, or the one a helper ended it with, as JSON."""
    try:
        return probe(name, value, ctx).to_json()
    except Verdict as v:
        return v.outcome.to_json()


def _explain(name: str, out: Outcome, release: tuple[int, int]) -> Outcome:
    """Turn a rejection the running kernel's age or config explains into a skip."""
    if out.status != "rejected" or out.errno != errnos.EINVAL:
        return out
    since = SINCE.get(name)
    if since and release < since:
        rel = ".".join(map(str, release))
        why = f"kernel {rel} predates {name} (Linux {since[0]}.{since[1]})"
    elif name in CONFIGURED and not os.path.isdir(CONFIGURED[name][0]):
        why = CONFIGURED[name][1]
    else:
        return out
    return Outcome("skipped", f"{out.evidence}: {why}", out.errno)


def _with_hints(results: list[VerifyResult]) -> list[VerifyResult]:
    """Add "kernel knows NAME as v" to rejections where another source's value verifies."""
    good: dict[str, set[int]] = {}
    for r in results:
        if r.status == "verified" and r.value is not None:
            good.setdefault(r.name, set()).add(r.value)
    out = []
    for r in results:
        alt = sorted(good.get(r.name, set()) - {r.value})
        if r.status in ("rejected", "mismatch") and alt:
            hint = f"kernel knows {r.name} as " + " or ".join(map(str, alt))
            r = replace(r, evidence=f"{r.evidence}; {hint}", hint=hint)
        out.append(r)
    return out
