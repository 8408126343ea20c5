"""mlockall probes: which mappings, existing or later, come out locked."""

from __future__ import annotations

import errno as errnos

from abicheck.verify import libc, procfs
from abicheck.verify.linux import (
    MAP_ANON,
    MAP_PRIVATE,
    MCL_FUTURE,
    PROT_RW,
)
from abicheck.verify.mappings import anon, mapping
from abicheck.verify.model import Outcome, ProbeContext
from abicheck.verify.observe import (
    memlock_skip,
    refused,
)


def probe_mcl(name: str, value: int, ctx: ProbeContext) -> Outcome:
    npages = 16
    size = npages * libc.page()
    with anon(npages) as old:
        libc.fill(old, size)
        flags = value | MCL_FUTURE if name == "MCL_ONFAULT" else value
        err = libc.call("mlockall", flags)
        if err:
            if err in (errnos.EPERM, errnos.ENOMEM, errnos.EAGAIN):
                return memlock_skip(f"mlockall({flags})", err)
            return refused(f"mlockall({flags})", err)
        try:
            old_flags = procfs.flags(old)
            with mapping(size, PROT_RW, MAP_PRIVATE | MAP_ANON) as new:
                if new < 0:
                    return memlock_skip(f"mmap after mlockall({flags})", -new)
                new_flags, resident = procfs.flags(new), libc.resident(new, npages)
        finally:
            libc.call("munlockall")
    if name == "MCL_CURRENT":
        if "lo" in old_flags and "lo" not in new_flags:
            return Outcome("verified", "existing mapping VmFlags +lo; later mapping unlocked")
    elif name == "MCL_FUTURE":
        if "lo" in new_flags and "lo" not in old_flags:
            return Outcome("verified", f"later mapping VmFlags +lo, {resident}/{npages} resident")
    elif name == "MCL_ONFAULT":
        if "lo" in new_flags and resident == 0:
            lf = ", lf" if "lf" in new_flags else ""
            return Outcome(
                "verified", f"with MCL_FUTURE: later mapping VmFlags +lo{lf}, 0 resident"
            )
    else:
        return Outcome("accepted", f"mlockall({flags}) ok; no effect checked for this name")
    old_lo, new_lo = "lo" in old_flags, "lo" in new_flags
    return Outcome(
        "mismatch",
        f"mlockall({flags}) ok, but existing locked={old_lo}, later locked={new_lo}, "
        f"{resident}/{npages} resident",
    )
