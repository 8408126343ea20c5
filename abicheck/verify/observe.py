"""Observing a mapping from outside a call: snapshots, what changed, and outcomes built on them."""

from __future__ import annotations

import errno as errnos
import os
import resource
from dataclasses import dataclass

from abicheck.verify import libc, procfs
from abicheck.verify.model import Outcome, Verdict

# VmFlags mnemonic -> the advice that sets it.
_FLAG_SETTER = {
    "rr": "MADV_RANDOM",
    "sr": "MADV_SEQUENTIAL",
    "dc": "MADV_DONTFORK",
    "dd": "MADV_DONTDUMP",
    "hg": "MADV_HUGEPAGE",
    "nh": "MADV_NOHUGEPAGE",
    "mg": "MADV_MERGEABLE",
    "wf": "MADV_WIPEONFORK",
    "gu": "MADV_GUARD_INSTALL",
    "lo": "mlock",
}


@dataclass(frozen=True)
class Snap:
    """One look at a mapping: VmFlags, residency, smaps counters, content, file blocks."""

    flags: frozenset[str]
    resident: int
    npages: int
    rss: int
    lazyfree: int
    zeros: bool
    blocks: int | None


def snap(addr: int, npages: int, fd: int | None = None) -> Snap:
    """Observe a mapping; the bytes are read last, since reading faults pages back in."""
    blocks = None if fd is None else os.fstat(fd).st_blocks
    resident = libc.resident(addr, npages)
    vma = procfs.vma(addr)
    length = npages * libc.page()
    readable = "r" in vma.get("perms", "r")
    return Snap(
        flags=frozenset(vma.get("VmFlags", "").split()),
        resident=resident,
        npages=npages,
        rss=procfs.kb(vma, "Rss"),
        lazyfree=procfs.kb(vma, "LazyFree"),
        zeros=readable and libc.read(addr, length) == bytes(length),
        blocks=blocks,
    )


def advise(
    addr: int, npages: int, value: int, where: str, fd: int | None = None
) -> tuple[Snap, Snap]:
    """Snapshots before and after madvise(``value``) on the mapping; a refusal ends the probe."""
    before = snap(addr, npages, fd)
    err = libc.madvise(addr, npages * libc.page(), value)
    if err:
        raise Verdict(refused(f"madvise({value}) on {where}", err))
    return before, snap(addr, npages, fd)


def flag_diff(before: Snap, after: Snap) -> tuple[set[str], set[str]]:
    """(VmFlags added, VmFlags removed)."""
    return set(after.flags - before.flags), set(before.flags - after.flags)


def flag_changes(before: Snap, after: Snap) -> list[str]:
    out = []
    for f in sorted(after.flags - before.flags):
        who = _FLAG_SETTER.get(f)
        out.append(f"VmFlags +{f}" + (f" ({who}'s effect)" if who else ""))
    out += [f"VmFlags -{f}" for f in sorted(before.flags - after.flags)]
    return out


def effects(before: Snap, after: Snap) -> list[str]:
    """Every change seen between two snapshots of one mapping, as evidence phrases."""
    out = flag_changes(before, after)
    if after.zeros and not before.zeros:
        out.append("reads zeros (MADV_DONTNEED's effect)")
    if before.blocks is not None and after.blocks is not None and after.blocks != before.blocks:
        out.append(f"st_blocks {before.blocks} -> {after.blocks} (MADV_REMOVE's effect)")
    if after.lazyfree > before.lazyfree:
        out.append(f"LazyFree {before.lazyfree} -> {after.lazyfree} kB (MADV_FREE's effect)")
    if after.resident != before.resident:
        out.append(f"mincore {before.resident} -> {after.resident}/{after.npages} pages")
    elif after.rss < before.rss and not after.zeros:
        out.append(f"Rss {before.rss} -> {after.rss} kB, data kept (unmapped only)")
    elif after.rss != before.rss:
        out.append(f"Rss {before.rss} -> {after.rss} kB")
    return out


def refused(call: str, err: int) -> Outcome:
    """The outcome of a call the kernel refused with ``err``."""
    name = libc.errname(err)
    if err in (errnos.EPERM, errnos.EACCES):
        return Outcome("skipped", f"{call}: {name}: needs a capability this process lacks", err)
    if err in (errnos.EAGAIN, errnos.ENOMEM):
        return Outcome("skipped", f"{call}: {name}: {_limits_note()}", err)
    return Outcome("rejected", f"{call}: {name}", err)


def _limits_note() -> str:
    return f"kernel lacks memory or needs CAP_IPC_LOCK / a larger RLIMIT_MEMLOCK {_memlock_limit()}"


def memlock_skip(call: str, err: int) -> Outcome:
    """The skip of a locking call refused for want of privilege or RLIMIT_MEMLOCK."""
    why = f"needs CAP_IPC_LOCK or a larger RLIMIT_MEMLOCK {_memlock_limit()}"
    return Outcome("skipped", f"{call}: {libc.errname(err)}: {why}", err)


def _memlock_limit() -> str:
    soft, _ = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    return "(limit unlimited)" if soft == resource.RLIM_INFINITY else f"(limit {soft // 1024} kB)"


def unexpected(before: Snap, after: Snap, expected: str, strict: bool) -> Outcome:
    """Accepted without the expected effect: a mismatch if anything else changed (or strict)."""
    seen = effects(before, after)
    if seen:
        return Outcome("mismatch", f"accepted, expected {expected}, but saw: " + "; ".join(seen))
    if strict:
        return Outcome("mismatch", f"accepted, but no effect: expected {expected}")
    return Outcome("accepted", f"returned 0; {expected} not observed, no other effect")
