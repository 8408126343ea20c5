"""The advice scan: the madvise values the live kernel knows, whether or not a header names them."""

from __future__ import annotations

import errno as errnos
import os

from abicheck.model import AbicheckError, Macro, Provenance, Table, sorted_macros
from abicheck.verify import libc
from abicheck.verify.harness import Child, drop_ids, run_child
from abicheck.verify.linux import DANGEROUS_ADVICE, GENERIC_ADVICE, PROT_RW
from abicheck.verify.mappings import anon, memfd

#: How many advice scans this process has run: the hook by which tests see that
#: one verify() run scans once, however many prefixes it is given.
scans_run = 0

_HUGE = 2 << 20


class ScanUnavailable(AbicheckError):
    """The advice scan's child could not be started (no fork, no pipe): not probed."""


def advice_scan(
    max_advice: int, allow_dangerous: bool, timeout: float, drop: tuple[int, int] | None
) -> tuple[dict[int, str], list[int]]:
    """Advice values in [0, max_advice) the live kernel knows -> how; and the dangerous skipped."""
    scan = PendingScan(max_advice, allow_dangerous, timeout, drop)
    try:
        return scan.result()
    finally:
        scan.stop()


class PendingScan:
    """An advice scan started in a child, to be collected by ``result()``; ``stop()`` ends
    one not collected. The caller may probe in the meantime: the scan maps only memory of
    its own (anonymous and memfd), never the scratch folder."""

    def __init__(
        self,
        max_advice: int,
        allow_dangerous: bool,
        timeout: float,
        drop: tuple[int, int] | None,
    ) -> None:
        global scans_run
        scans_run += 1
        self.max_advice, self.allow_dangerous = max_advice, allow_dangerous
        self.timeout, self.drop = timeout, drop
        self._child = Child(lambda: _scan(max_advice), max(timeout * 6, 30.0), drop)

    def result(self) -> tuple[dict[int, str], list[int]]:
        """What ``advice_scan`` returns; ScanUnavailable, or AbicheckError, if it failed."""
        kind, payload = self._child.result()
        if kind == "unavailable":
            raise ScanUnavailable(f"kernel advice scan failed: {kind}: {payload}")
        if kind != "ok":
            raise AbicheckError(f"kernel advice scan failed: {kind}: {payload}")
        known = {int(k): str(v) for k, v in payload.items()}
        skipped = [v for v in DANGEROUS_ADVICE if v < self.max_advice]
        if self.allow_dangerous:
            for v in skipped:
                how = _try_dangerous(v, self.timeout, self.drop)
                if how:
                    known[v] = how
            skipped = []
        return known, skipped

    def stop(self) -> None:
        self._child.stop()


def _scan(max_advice: int) -> dict[str, str]:
    """In the child: each harmless advice value tried on anonymous memory, a memfd, 2 MiB."""
    page = libc.page()
    known: dict[str, str] = {}
    for v in range(max_advice):
        if v in DANGEROUS_ADVICE:
            continue
        with anon(1) as a:
            libc.fill(a, page)
            err = libc.madvise(a, page, v)
        if err == errnos.EINVAL:
            with memfd(1) as (m, _fd):
                if not libc.madvise(m, page, v):
                    known[str(v)] = "accepted on a memfd mapping"
                    continue
            with anon(2 * _HUGE // page, 0) as r:
                a = (r + _HUGE - 1) & ~(_HUGE - 1)
                libc.call("mprotect", a, _HUGE, PROT_RW)
                libc.fill(a, _HUGE, 1)
                if not libc.madvise(a, _HUGE, v):
                    known[str(v)] = "accepted on 2 MiB of private anonymous memory"
            continue
        how = "accepted" if not err else f"known ({libc.errname(err)})"
        known[str(v)] = f"{how} on private anonymous memory"
    return known


def _try_dangerous(v: int, timeout: float, drop: tuple[int, int] | None) -> str:
    """How the kernel took dangerous advice ``v`` in a throwaway child ("" if unknown)."""

    def one() -> int:
        with anon(1) as a:
            libc.fill(a, libc.page())
            return libc.madvise(a, libc.page(), v)

    kind, res = run_child(one, timeout, drop)
    if kind == "crashed":
        return f"accepted (calling child: {res})"
    if kind == "ok" and res != errnos.EINVAL:
        return "accepted" if not res else f"known ({libc.errname(int(res))})"
    return ""


def kernel_table(
    max_advice: int = 256,
    allow_dangerous: bool = False,
    timeout: float = 5.0,
    run_as: int | str | None = None,
) -> Table:
    """The advice values the live kernel accepts, as a Table of kind and label "kernel".

    Each value in [0, max_advice) is tried on a throwaway private anonymous
    mapping (then a memfd, then 2 MiB aligned) in a forked child; EINVAL on all
    means unknown.  Macros are named from ``GENERIC_ADVICE`` or ``MADV_<n>``.
    HWPOISON/SOFT_OFFLINE (100, 101) are only tried with ``allow_dangerous``.
    """
    uname = os.uname()
    known, skipped = advice_scan(max_advice, allow_dangerous, timeout, drop_ids(run_as))
    file = f"kernel {uname.release}"
    macros = [
        Macro(GENERIC_ADVICE.get(v, f"MADV_{v}"), "integer", v, str(v), file, 0, how)
        for v, how in known.items()
    ]
    notes = [
        ("release", uname.release),
        ("machine", uname.machine),
        ("scanned", f"madvise advice 0..{max_advice - 1}"),
    ]
    if skipped:
        text = ", ".join(map(str, skipped)) + " (dangerous: needs allow_dangerous)"
        notes.append(("skipped", text))
    origin = Provenance("kernel", notes=tuple(notes))
    return Table("kernel", "kernel", sorted_macros(macros), origin)
