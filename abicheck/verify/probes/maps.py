"""mmap probes: the VmFlags, placement, sharing and residency a flag gives a new mapping."""

from __future__ import annotations

import errno as errnos
import re

from abicheck.verify import libc, procfs
from abicheck.verify.linux import (
    MAP_ANON,
    MAP_PRIVATE,
    MAP_SHARED_VALIDATE,
    PROT_RW,
    UNKNOWN_MAP_FLAG,
)
from abicheck.verify.mappings import anon, mapping, memfd_file
from abicheck.verify.model import Outcome, ProbeContext
from abicheck.verify.observe import (
    memlock_skip,
    refused,
)


def _map_flags_probe(
    value: int, npages: int = 4, private: bool = True
) -> tuple[int, frozenset[str], frozenset[str]]:
    """mmap anonymous with and without ``value``: (-errno or pages resident, flags, base flags)."""
    size = npages * libc.page()
    with mapping(size, PROT_RW, MAP_PRIVATE | MAP_ANON) as b:
        base = procfs.flags(b)
    kind = MAP_PRIVATE if private else 0
    with mapping(size, PROT_RW, kind | MAP_ANON | value) as a:
        if a < 0:
            return a, frozenset(), base
        return libc.resident(a, npages), procfs.flags(a), base


MAP_VMFLAG = {
    "MAP_NORESERVE": "nr",
    "MAP_GROWSDOWN": "gd",
    "MAP_LOCKED": "lo",
    "MAP_STACK": "nh",
    "MAP_HUGETLB": "ht",
    "MAP_DROPPABLE": "dp",
}


_MAP_IGNORED = frozenset(
    {"MAP_DENYWRITE", "MAP_EXECUTABLE", "MAP_NONBLOCK", "MAP_FILE", "MAP_UNINITIALIZED"}
)


_MAP_NOT_FLAGS = {
    "MAP_TYPE": "mask of the mapping-type bits, not a flag",
    "MAP_HUGE_SHIFT": "bit position of the huge page size, not a flag",
    "MAP_HUGE_MASK": "mask of the huge page size field, not a flag",
}


def probe_map_vmflag(name: str, value: int, ctx: ProbeContext) -> Outcome:
    flag = MAP_VMFLAG[name]
    npages = 512 if name == "MAP_HUGETLB" else 4
    if name == "MAP_NORESERVE" and procfs.read_int("/proc/sys/vm/overcommit_memory") == 2:
        return Outcome("skipped", "vm.overcommit_memory=2 ignores MAP_NORESERVE")
    res, got, base = _map_flags_probe(value, npages, private=name != "MAP_DROPPABLE")
    if res < 0:
        if name == "MAP_LOCKED" and -res in (errnos.EAGAIN, errnos.EPERM, errnos.ENOMEM):
            return memlock_skip("mmap(MAP_LOCKED)", -res)
        if name == "MAP_HUGETLB" and -res == errnos.ENOMEM:
            n = procfs.read_int("/proc/sys/vm/nr_hugepages")
            return Outcome(
                "skipped", f"mmap: ENOMEM: no huge pages reserved (vm.nr_hugepages={n})", -res
            )
        return refused(f"mmap(MAP_PRIVATE|MAP_ANONYMOUS|{value:#x})", -res)
    added = sorted(got - base)
    if flag in added:
        extra = f"; mincore {res}/{npages} pages" if name == "MAP_LOCKED" else ""
        return Outcome("verified", f"VmFlags +{flag}{extra}")
    if name == "MAP_STACK" and not added:
        return Outcome("accepted", "mmap ok; no VmFlags change on this kernel")
    seen = ", ".join(f"+{f}" for f in added) or "no VmFlags change"
    return Outcome("mismatch", f"mmap ok, expected VmFlags +{flag}, saw {seen}")


def probe_map_type(name: str, value: int, ctx: ProbeContext) -> Outcome:
    want = "s" if name == "MAP_SHARED" else "p"
    with mapping(libc.page(), PROT_RW, value | MAP_ANON) as a:
        if a < 0:
            return refused(f"mmap(MAP_ANONYMOUS|{value:#x})", -a)
        perms = procfs.vma(a)["perms"]
        if perms[3] == want:
            return Outcome("verified", f"maps {perms}")
        return Outcome(
            "mismatch", f"maps {perms}: a {'shared' if perms[3] == 's' else 'private'} mapping"
        )


def probe_shared_validate(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = libc.page()
    with memfd_file(1) as fd:
        with mapping(page, PROT_RW, value, fd) as a:
            if a < 0:
                return refused(f"mmap(memfd, {value:#x})", -a)
            perms = procfs.vma(a)["perms"]
        if perms[3] != "s":
            return Outcome("mismatch", f"maps {perms}: not a shared mapping")
        with mapping(page, PROT_RW, value | UNKNOWN_MAP_FLAG, fd) as b:
            if b >= 0:
                return Outcome("mismatch", f"maps {perms}, but accepts unknown flag: MAP_SHARED's")
            if -b != errnos.EOPNOTSUPP:
                return Outcome("mismatch", f"unknown flag refused with {libc.errname(-b)}")
        return Outcome(
            "verified", f"maps {perms}; refuses unknown flag {UNKNOWN_MAP_FLAG:#x}: EOPNOTSUPP"
        )


def probe_map_sync(name: str, value: int, ctx: ProbeContext) -> Outcome:
    flags = MAP_SHARED_VALIDATE | value
    with memfd_file(1) as fd, mapping(libc.page(), PROT_RW, flags, fd) as a:
        if a >= 0:
            return Outcome("mismatch", "MAP_SHARED_VALIDATE accepts it on a non-DAX memfd")
        if -a == errnos.EOPNOTSUPP:
            return Outcome("skipped", "needs a DAX file: a memfd refuses it (EOPNOTSUPP)", -a)
        return refused(f"mmap(memfd, MAP_SHARED_VALIDATE|{value:#x})", -a)


def probe_map_fixed(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = libc.page()
    noreplace = name == "MAP_FIXED_NOREPLACE"
    with anon(3, 0) as r:
        want = r + page
        with mapping(page, PROT_RW, MAP_PRIVATE | MAP_ANON | value, addr=want) as a:
            if noreplace:
                if a == -errnos.EEXIST:
                    pass
                elif a < 0:
                    return refused(f"mmap({value:#x}) over an existing mapping", -a)
                else:
                    where = "replaced it" if a == want else f"placed it at {a:#x}"
                    return Outcome("mismatch", f"over an existing mapping, mmap {where}")
            elif a < 0:
                return refused(f"mmap({value:#x}) over an existing mapping", -a)
            elif a != want:
                return Outcome("mismatch", "treated the address as a hint (placed elsewhere)")
            elif procfs.vma(a)["perms"][:3] != "rw-":
                return Outcome("mismatch", "mapping not replaced")
            else:
                return Outcome("verified", "placed at the exact address over an existing mapping")
        libc.call("munmap", want, page)
        with mapping(page, PROT_RW, MAP_PRIVATE | MAP_ANON | value, addr=want) as a:
            if a != want:
                got = libc.errname(-a) if a < 0 else f"{a:#x}"
                return Outcome("mismatch", f"EEXIST over a mapping, but in a hole: {got}")
        return Outcome("verified", "EEXIST over an existing mapping; exact address in a hole")


def probe_map_anon(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = libc.page()
    with mapping(page, PROT_RW, MAP_PRIVATE | value) as a:
        if a < 0:
            return refused(f"mmap(fd=-1, MAP_PRIVATE|{value:#x})", -a)
        vma = procfs.vma(a)
        if libc.read(a, page) == bytes(page) and not vma.get("path"):
            return Outcome("verified", "fd -1 accepted, no backing file, reads zeros")
        return Outcome("mismatch", f"mapped {vma.get('path')!r}")


def probe_map_populate(name: str, value: int, ctx: ProbeContext) -> Outcome:
    res, got, base = _map_flags_probe(value, 16)
    if res < 0:
        return refused(f"mmap(MAP_PRIVATE|MAP_ANONYMOUS|{value:#x})", -res)
    if res == 16 and got == base:
        return Outcome("verified", "mincore 16/16 pages resident right after mmap")
    flags = ", ".join(f"+{f}" for f in sorted(got - base))
    return Outcome(
        "mismatch", f"mincore {res}/16 pages after mmap" + (f"; VmFlags {flags}" if flags else "")
    )


def probe_map_32bit(name: str, value: int, ctx: ProbeContext) -> Outcome:
    with mapping(libc.page(), PROT_RW, MAP_PRIVATE | MAP_ANON | value) as a:
        if a < 0:
            return refused(f"mmap({value:#x})", -a)
        if ctx.machine != "x86_64":
            return Outcome("accepted", f"mmap ok at {a:#x}; MAP_32BIT only acts on x86_64")
        if a + libc.page() <= 1 << 31:
            return Outcome("verified", f"mapped at {a:#x}, below 2 GiB")
        return Outcome("mismatch", f"mapped at {a:#x}, above 2 GiB")


def probe_map_other(name: str, value: int, ctx: ProbeContext) -> Outcome:
    if name in _MAP_NOT_FLAGS:
        return Outcome("skipped", _MAP_NOT_FLAGS[name])
    if re.fullmatch(r"MAP_HUGE_\d+[KMG]B", name):
        return Outcome(
            "skipped", "huge page size selector: needs MAP_HUGETLB and reserved huge pages"
        )
    res, got, base = _map_flags_probe(value)
    if res < 0:
        return refused(f"mmap(MAP_PRIVATE|MAP_ANONYMOUS|{value:#x})", -res)
    added = ", ".join(f"+{f}" for f in sorted(got - base))
    if name in _MAP_IGNORED:
        if added:
            return Outcome("mismatch", f"should be ignored, but VmFlags {added}")
        return Outcome("accepted", "mmap accepts it; ignored by Linux (no VmFlags change)")
    return Outcome("accepted", f"mmap ok; {('VmFlags ' + added) if added else 'no VmFlags change'}")
