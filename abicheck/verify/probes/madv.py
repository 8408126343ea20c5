"""madvise probes: each advice on the mapping it is meant for, its effect seen from outside."""

from __future__ import annotations

import errno as errnos
import os
import time

from abicheck.verify import libc, procfs
from abicheck.verify.harness import access, fork_check
from abicheck.verify.linux import (
    ADV,
    MAP_ANON,
    MAP_PRIVATE,
    PROT_RW,
)
from abicheck.verify.mappings import anon, diskfile, evict, filled, memfd
from abicheck.verify.model import Outcome, ProbeContext, Verdict
from abicheck.verify.observe import (
    advise,
    effects,
    flag_changes,
    flag_diff,
    memlock_skip,
    refused,
    snap,
    unexpected,
)

SET_FLAG: dict[str, tuple[str, str]] = {  # name -> (VmFlag it sets, advice that clears it)
    "MADV_RANDOM": ("rr", "MADV_NORMAL"),
    "MADV_SEQUENTIAL": ("sr", "MADV_NORMAL"),
    "MADV_DONTFORK": ("dc", "MADV_DOFORK"),
    "MADV_DONTDUMP": ("dd", "MADV_DODUMP"),
    "MADV_HUGEPAGE": ("hg", "MADV_NOHUGEPAGE"),
    "MADV_NOHUGEPAGE": ("nh", "MADV_HUGEPAGE"),
    "MADV_MERGEABLE": ("mg", "MADV_UNMERGEABLE"),
    "MADV_WIPEONFORK": ("wf", "MADV_KEEPONFORK"),
}


CLEAR_FLAG: dict[str, tuple[str, str]] = {  # name -> (VmFlag it clears, advice that sets it)
    "MADV_NORMAL": ("rr", "MADV_RANDOM"),
    "MADV_DOFORK": ("dc", "MADV_DONTFORK"),
    "MADV_DODUMP": ("dd", "MADV_DONTDUMP"),
    "MADV_UNMERGEABLE": ("mg", "MADV_MERGEABLE"),
    "MADV_KEEPONFORK": ("wf", "MADV_WIPEONFORK"),
}


_NPAGES = 4
_ANON = "private anonymous memory"


def probe_set_flag(name: str, value: int, ctx: ProbeContext) -> Outcome:
    flag, undo = SET_FLAG[name]
    size = _NPAGES * libc.page()
    with filled(_NPAGES) as a:
        before, after = advise(a, _NPAGES, value, _ANON)
        if flag_diff(before, after) != ({flag}, set()):
            return unexpected(before, after, f"VmFlags +{flag}", strict=True)
        evidence = _after_fork(name, a, f"VmFlags +{flag}")
        libc.madvise(a, size, ADV[undo])
        gone = flag not in procfs.flags(a)
        evidence += f"; {'gone' if gone else 'still set'} after {undo}({ADV[undo]})"
        return Outcome("verified", evidence)


def probe_clear_flag(name: str, value: int, ctx: ProbeContext) -> Outcome:
    flag, setter = CLEAR_FLAG[name]
    with filled(_NPAGES) as a:
        err = libc.madvise(a, _NPAGES * libc.page(), ADV[setter])
        if err or flag not in procfs.flags(a):
            how = libc.errname(err) if err else f"no VmFlag {flag}"
            return Outcome("skipped", f"setup {setter}({ADV[setter]}) failed: {how}")
        before, after = advise(a, _NPAGES, value, _ANON)
        if flag_diff(before, after) != (set(), {flag}):
            return unexpected(before, after, f"VmFlags -{flag}", strict=True)
        evidence = _after_fork(name, a, f"VmFlags -{flag} (set by {setter}({ADV[setter]}))")
        return Outcome("verified", evidence)


#: Advice a forked child notices -> what it sees reading the mapping, evidence, mismatch.
_FORK_SEES = {
    "MADV_DONTFORK": ("SIGSEGV", "fork: child gets SIGSEGV reading it", "reading it: {}"),
    "MADV_WIPEONFORK": ("zeros", "fork: child reads zeros", "reads {}"),
    "MADV_DOFORK": ("data", "fork: child sees the data", "reading it: {}"),
}


def _after_fork(name: str, a: int, evidence: str) -> str:
    """``evidence`` and what a forked child sees, for advice that acts on fork.

    A child that sees something else ends the probe with a mismatch.
    """
    if name not in _FORK_SEES:
        return evidence
    want, says, wrong = _FORK_SEES[name]
    seen = access(a, _NPAGES * libc.page())
    if seen != want:
        raise Verdict(Outcome("mismatch", f"{evidence}, but a forked child {wrong.format(seen)}"))
    return f"{evidence}; {says}"


def probe_dontneed(name: str, value: int, ctx: ProbeContext) -> Outcome:
    locked = name == "MADV_DONTNEED_LOCKED"
    with filled(_NPAGES) as a:
        if locked:
            err = libc.call("mlock", a, _NPAGES * libc.page())
            if err:
                return memlock_skip("mlock", err)
        where = f"mlocked {_ANON}" if locked else _ANON
        before, after = advise(a, _NPAGES, value, where)
        if after.zeros and not flag_changes(before, after):
            return Outcome("verified", f"reads zeros (was 0x5a) on {where}")
        return unexpected(before, after, "zero-fill", strict=True)


def probe_remove(name: str, value: int, ctx: ProbeContext) -> Outcome:
    with memfd(_NPAGES) as (a, fd):
        libc.fill(a, _NPAGES * libc.page())
        before, after = advise(a, _NPAGES, value, "a memfd mapping", fd)
        assert before.blocks is not None and after.blocks is not None
        if after.blocks < before.blocks and after.zeros:
            return Outcome("verified", f"st_blocks {before.blocks} -> {after.blocks}, reads zeros")
        return unexpected(before, after, "st_blocks to drop and zeros", strict=True)


def probe_free(name: str, value: int, ctx: ProbeContext) -> Outcome:
    npages = 64  # LazyFree pages move in per-CPU batches: use enough to see them
    with filled(npages) as a:
        before, after = advise(a, npages, value, _ANON)
        if after.zeros or flag_changes(before, after):
            return unexpected(before, after, "lazy free", strict=True)
        if after.lazyfree > before.lazyfree:
            lf = f"LazyFree {before.lazyfree} -> {after.lazyfree} kB"
            return Outcome("verified", f"{lf}, data kept until reclaim")
        return Outcome("accepted", f"returned 0 on {_ANON}; LazyFree unchanged")


def probe_willneed(name: str, value: int, ctx: ProbeContext) -> Outcome:
    if not ctx.disk:
        return probe_generic_madv(name, value, ctx)
    npages = 16
    with diskfile(ctx, npages) as (a, fd):
        if evict(fd, a, npages):
            return probe_generic_madv(name, value, ctx)
        before = snap(a, npages)
        err = libc.madvise(a, npages * libc.page(), value)
        if err:
            return refused(f"madvise({value}) on a file mapping", err)
        deadline = time.monotonic() + 1.0
        while libc.resident(a, npages) < npages and time.monotonic() < deadline:
            time.sleep(0.005)
        after = snap(a, npages)
        if after.resident > 0 and not flag_changes(before, after):
            return Outcome(
                "verified", f"mincore 0 -> {after.resident}/{npages} pages (file readahead)"
            )
        return unexpected(before, after, "pages to become resident", strict=True)


def probe_populate(name: str, value: int, ctx: ProbeContext) -> Outcome:
    npages = 16
    write = name == "MADV_POPULATE_WRITE"
    with anon(npages) as a:
        before, after = advise(a, npages, value, f"untouched {_ANON}")
        full = npages * libc.page() // 1024
        res = f"mincore 0 -> {after.resident}/{npages} pages"
        if after.resident == npages and not flag_changes(before, after):
            if write and after.rss == full:
                return Outcome("verified", f"{res}, written (Rss {after.rss} kB)")
            if not write and after.rss == 0:
                return Outcome("verified", f"{res}, zero page mapped (Rss 0 kB)")
            other = "MADV_POPULATE_READ" if write else "MADV_POPULATE_WRITE"
            return Outcome("mismatch", f"{res}, but Rss {after.rss} kB: {other}'s effect")
        return unexpected(before, after, "all pages resident", strict=True)


def probe_cold_pageout(name: str, value: int, ctx: ProbeContext) -> Outcome:
    pageout = name == "MADV_PAGEOUT"
    if not ctx.disk:
        return probe_generic_madv(name, value, ctx)
    npages = 16
    with diskfile(ctx, npages) as (a, fd):
        libc.read(a, npages * libc.page())
        before, after = advise(a, npages, value, "a file mapping")
        if flag_changes(before, after):
            return unexpected(before, after, "no VmFlags change", strict=True)
        res = f"mincore {before.resident} -> {after.resident}/{npages} pages"
        if pageout:
            if after.resident < before.resident:
                return Outcome("verified", f"{res} (file pages reclaimed)")
            return Outcome("accepted", f"returned 0; {res}: kernel did not page out")
        if after.resident < before.resident:
            return Outcome("mismatch", f"{res}: pages reclaimed, MADV_PAGEOUT's effect")
        return Outcome("accepted", f"returned 0; {res} (deactivated only)")


def probe_guard(name: str, value: int, ctx: ProbeContext) -> Outcome:
    size = _NPAGES * libc.page()
    install = name == "MADV_GUARD_INSTALL"
    with anon(_NPAGES) as a:
        if not install:
            err = libc.madvise(a, size, ADV["MADV_GUARD_INSTALL"])
            if err or access(a) != "SIGSEGV":
                how = libc.errname(err) or "access did not fault"
                return Outcome(
                    "skipped", f"setup MADV_GUARD_INSTALL(102) failed: {how}", err or None
                )
        err = libc.madvise(a, size, value)
        if err:
            return refused(f"madvise({value}) on {_ANON}", err)
        seen = access(a)
        if install:
            if seen != "SIGSEGV":
                return Outcome("mismatch", f"accepted, but access after it: {seen}")
            libc.madvise(a, size, ADV["MADV_GUARD_REMOVE"])
            again = access(a)
            return Outcome(
                "verified", f"access faults (SIGSEGV); after MADV_GUARD_REMOVE(103): {again}"
            )
        if seen != "zeros":
            return Outcome("mismatch", f"accepted, but access after it: {seen}")
        return Outcome(
            "verified", "guard installed by MADV_GUARD_INSTALL(102) gone: access reads zeros"
        )


def probe_collapse(name: str, value: int, ctx: ProbeContext) -> Outcome:
    huge = 2 << 20
    base, err = libc.mmap(2 * huge, 0, MAP_PRIVATE | MAP_ANON)
    if err:
        return refused("mmap 4 MiB", err)
    try:
        a = (base + huge - 1) & ~(huge - 1)
        libc.call("mprotect", a, huge, PROT_RW)
        libc.fill(a, huge, 1)
        before = procfs.kb(procfs.vma(a), "AnonHugePages")
        err = libc.madvise(a, huge, value)
        if err:
            if not os.path.isdir("/sys/kernel/mm/transparent_hugepage"):
                return Outcome(
                    "skipped", f"madvise({value}): {libc.errname(err)}: kernel without THP", err
                )
            return refused(f"madvise({value}) on 2 MiB of {_ANON}", err)
        after = procfs.kb(procfs.vma(a), "AnonHugePages")
        if after > before:
            return Outcome("verified", f"AnonHugePages {before} -> {after} kB")
        return Outcome("mismatch", f"accepted, but AnonHugePages {before} -> {after} kB")
    finally:
        libc.call("munmap", base, 2 * huge)


def probe_dangerous(name: str, value: int, ctx: ProbeContext) -> Outcome:
    if not ctx.allow_dangerous:  # verify() never gets here; a direct caller might
        return Outcome("skipped", "dangerous: needs allow_dangerous")
    with anon(1) as a:
        libc.fill(a, libc.page())
        seen = fork_check(lambda: 0 if libc.madvise(a, libc.page(), value) == 0 else 1)
        if seen == "exit 1":
            err = libc.madvise(a, libc.page(), value)  # refused: safe to learn the errno here
            return refused(f"madvise({value})", err)
        if name == "MADV_HWPOISON" and seen == "SIGBUS":
            return Outcome("verified", "page poisoned: the calling child was killed by SIGBUS")
        if seen == "exit 0":
            after = access(a)
            return Outcome("accepted", f"returned 0; access afterwards: {after}")
        return Outcome("accepted", f"calling child: {seen}")


def probe_generic_madv(name: str, value: int, ctx: ProbeContext) -> Outcome:
    size = _NPAGES * libc.page()
    with filled(_NPAGES) as a:
        before = snap(a, _NPAGES)
        err = libc.madvise(a, size, value)
        if not err:
            seen = effects(before, snap(a, _NPAGES))
            what = "; ".join(seen) if seen else "no observable effect"
            return Outcome("accepted", f"returned 0 on {_ANON}; {what}")
    if err == errnos.EINVAL:
        with memfd(_NPAGES) as (m, _fd):
            if not libc.madvise(m, size, value):
                return Outcome("accepted", "returned 0 on a memfd mapping; no effect checked")
    return refused(f"madvise({value}) on {_ANON}", err)
