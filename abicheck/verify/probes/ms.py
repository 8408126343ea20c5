"""msync probes: each flag accepted, and the combinations and locked ranges it must refuse."""

from __future__ import annotations

import errno as errnos

from abicheck.verify import libc
from abicheck.verify.linux import (
    MS_ASYNC,
    MS_SYNC,
)
from abicheck.verify.mappings import memfd
from abicheck.verify.model import Outcome, ProbeContext
from abicheck.verify.observe import (
    refused,
)


def probe_msync(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = libc.page()
    with memfd(1) as (a, _fd):
        libc.fill(a, page)
        err = libc.call("msync", a, page, value)
        if err:
            return refused(f"msync({value})", err)
        if name in ("MS_ASYNC", "MS_SYNC"):
            other = MS_SYNC if name == "MS_ASYNC" else MS_ASYNC
            both = libc.call("msync", a, page, value | other)
            if both == errnos.EINVAL:
                return Outcome("verified", f"msync({value}) ok; msync({value}|{other}) EINVAL")
            return Outcome("mismatch", f"msync({value}) ok, but msync({value}|{other}) not EINVAL")
        if name == "MS_INVALIDATE":
            err = libc.call("mlock", a, page)
            if err:
                return Outcome(
                    "accepted", f"msync({value}) ok; mlock unavailable, EBUSY not checked"
                )
            busy = libc.call("msync", a, page, value)
            libc.call("munlock", a, page)
            if busy == errnos.EBUSY:
                return Outcome("verified", f"msync({value}) ok; EBUSY on an mlocked range")
            return Outcome(
                "mismatch", f"msync({value}) on an mlocked range: {libc.errname(busy) or 'ok'}"
            )
        return Outcome("accepted", f"msync({value}) ok; no effect checked for this name")
