"""mprotect probes: the permissions /proc/self/maps shows and what a child reading the page sees."""

from __future__ import annotations

from abicheck.verify import libc, procfs
from abicheck.verify.harness import access
from abicheck.verify.linux import (
    MAP_ANON,
    MAP_GROWSDOWN,
    MAP_PRIVATE,
    PROT_READ,
    PROT_RW,
)
from abicheck.verify.mappings import anon, mapping
from abicheck.verify.model import Outcome, ProbeContext
from abicheck.verify.observe import (
    refused,
)

_PROT_PERMS = {"PROT_NONE": "---", "PROT_READ": "r--", "PROT_WRITE": "-w-", "PROT_EXEC": "--x"}


def probe_prot(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = libc.page()
    with anon(1) as a:
        libc.fill(a, page)
        if name == "PROT_GROWSUP" and "parisc" not in ctx.machine:
            err = libc.call("mprotect", a, page, PROT_READ | value)
            why = f"mprotect: {libc.errname(err) or 'ok'}"
            return Outcome("skipped", f"{why}: no grows-up mappings on {ctx.machine}", err or None)
        prot = value if name in _PROT_PERMS else PROT_READ | value
        err = libc.call("mprotect", a, page, prot)
        if err:
            return refused(f"mprotect({prot:#x})", err)
        perms = procfs.vma(a)["perms"][:3]
        want = _PROT_PERMS.get(name, "r--")
        if perms != want:
            return Outcome("mismatch", f"maps shows {perms}p, expected {want}p")
        if name in ("PROT_NONE", "PROT_READ"):  # x86 reads -w- pages; pkeys make --x unreadable
            seen = access(a)
            if seen != ("SIGSEGV" if name == "PROT_NONE" else "data"):
                return Outcome("mismatch", f"maps {perms}p, but a child reading it: {seen}")
            return Outcome("verified", f"maps {perms}p; a child reading it: {seen}")
        if name in _PROT_PERMS:
            return Outcome("verified", f"maps {perms}p")
        return Outcome("accepted", f"mprotect(PROT_READ|{value:#x}) ok; maps {perms}p, no effect")


def probe_prot_growsdown(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page, npages = libc.page(), 4
    size = npages * page
    with mapping(size, PROT_RW, MAP_PRIVATE | MAP_ANON | MAP_GROWSDOWN) as a:
        if a < 0:
            return Outcome("skipped", f"setup mmap(MAP_GROWSDOWN): {libc.errname(-a)}", -a)
        top = a + size - page
        err = libc.call("mprotect", top, page, PROT_READ | value)
        if err:
            return refused(f"mprotect(PROT_READ|{value:#x}) on a MAP_GROWSDOWN mapping", err)
        vma = procfs.vma(a)
        if vma.get("perms", "")[:3] == "r--" and int(vma["end"], 16) - a == size:
            return Outcome("verified", "mprotect on the top page made the whole gd mapping r--")
        return Outcome("mismatch", "mprotect changed only the given page")
