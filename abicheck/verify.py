"""Runtime verifier: ask the live kernel what each mman constant does.

``verify(tables)`` takes constant tables and, for every ``MADV_*``, ``PROT_*``,
``MAP_*``, ``MS_*`` and ``MCL_*`` integer macro in them, calls the real system
call (madvise, mprotect, mmap, msync, mlockall through ctypes on libc) with the
table's value on the kind of mapping the *name* is meant for, and observes the
effect from outside the call: /proc/self/smaps VmFlags and counters, mincore
residency, memfd st_blocks, the bytes read back, and what a forked child sees.

Every probe runs in a forked child with a timeout, so a crash or hang is that
probe's result; the parent maps nothing.  Helper calls a probe needs besides the
value under test (e.g. MADV_NORMAL to undo MADV_RANDOM) use the Linux generic
numbering (x86, arm, arm64, riscv, ...), see ``GENERIC_ADVICE``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno as errnos
import faulthandler
import json
import os
import pwd
import re
import resource
import select
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from abicheck.model import AbicheckError, Macro, Provenance, Table, sorted_macros
from abicheck.report import tabulate, visible_text
from abicheck.targets.mman import MMAN

__all__ = [
    "DANGEROUS_ADVICE",
    "GENERIC_ADVICE",
    "PROBES",
    "STATUSES",
    "ProbeContext",
    "VerifyReport",
    "VerifyResult",
    "kernel_table",
    "render_table",
    "scratch_prefix",
    "verify",
]

#: Every status a result can have; the last four make ``exit_code()`` 1.
STATUSES = ("verified", "accepted", "skipped", "rejected", "mismatch", "crashed", "timeout")
FAILING = frozenset({"rejected", "mismatch", "crashed", "timeout"})

#: Linux generic advice numbers (include/uapi/asm-generic/mman-common.h).
GENERIC_ADVICE: dict[int, str] = {
    0: "MADV_NORMAL",
    1: "MADV_RANDOM",
    2: "MADV_SEQUENTIAL",
    3: "MADV_WILLNEED",
    4: "MADV_DONTNEED",
    8: "MADV_FREE",
    9: "MADV_REMOVE",
    10: "MADV_DONTFORK",
    11: "MADV_DOFORK",
    12: "MADV_MERGEABLE",
    13: "MADV_UNMERGEABLE",
    14: "MADV_HUGEPAGE",
    15: "MADV_NOHUGEPAGE",
    16: "MADV_DONTDUMP",
    17: "MADV_DODUMP",
    18: "MADV_WIPEONFORK",
    19: "MADV_KEEPONFORK",
    20: "MADV_COLD",
    21: "MADV_PAGEOUT",
    22: "MADV_POPULATE_READ",
    23: "MADV_POPULATE_WRITE",
    24: "MADV_DONTNEED_LOCKED",
    25: "MADV_COLLAPSE",
    100: "MADV_HWPOISON",
    101: "MADV_SOFT_OFFLINE",
    102: "MADV_GUARD_INSTALL",
    103: "MADV_GUARD_REMOVE",
}
_ADV = {name: value for value, name in GENERIC_ADVICE.items()}

#: Advice values never passed to madvise without ``allow_dangerous``.
DANGEROUS_ADVICE = range(100, 102)
_DANGEROUS_NAMES = frozenset({"MADV_HWPOISON", "MADV_SOFT_OFFLINE"})

_PREFIXES = MMAN.probes

# Helper constants (generic Linux numbering), used only around the value under test.
_PROT_READ, _PROT_WRITE, _PROT_RW = 0x1, 0x2, 0x3
_MAP_SHARED, _MAP_PRIVATE, _MAP_ANON, _MAP_FIXED = 0x01, 0x02, 0x20, 0x10
_MAP_GROWSDOWN, _MAP_SHARED_VALIDATE = 0x100, 0x03
_MS_ASYNC, _MS_SYNC = 1, 4
_MCL_FUTURE = 2
_UNKNOWN_MAP_FLAG = 0x200000  # no Linux mmap flag uses this bit
_MAP_FAILED = ctypes.c_void_p(-1).value

# Kernel release that introduced a name: a rejection on an older kernel is a skip.
_SINCE: dict[str, tuple[int, int]] = {
    "MADV_WIPEONFORK": (4, 14),
    "MADV_KEEPONFORK": (4, 14),
    "MADV_COLD": (5, 4),
    "MADV_PAGEOUT": (5, 4),
    "MADV_POPULATE_READ": (5, 14),
    "MADV_POPULATE_WRITE": (5, 14),
    "MADV_DONTNEED_LOCKED": (5, 18),
    "MADV_COLLAPSE": (6, 1),
    "MADV_GUARD_INSTALL": (6, 13),
    "MADV_GUARD_REMOVE": (6, 13),
    "MAP_SHARED_VALIDATE": (4, 15),
    "MAP_SYNC": (4, 15),
    "MAP_FIXED_NOREPLACE": (4, 17),
    "MAP_DROPPABLE": (6, 11),
    "MCL_ONFAULT": (4, 4),
}

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


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class VerifyResult:
    """What the kernel did with one (name, value) from one source."""

    name: str
    value: int | None
    source: str
    status: str
    errno: int | None
    errno_name: str
    evidence: str
    hint: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "source": self.source,
            "status": self.status,
            "errno": self.errno,
            "evidence": self.evidence,
        }


def _result_key(r: VerifyResult) -> tuple[str, int, str]:
    return (r.name, -1 if r.value is None else r.value, r.source)


@dataclass(frozen=True)
class VerifyReport:
    """All results of one run, sorted by (name, value, source), and the kernel they ran on."""

    kernel: str
    machine: str
    results: tuple[VerifyResult, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "kernel": self.kernel,
            "machine": self.machine,
            "results": [r.to_json() for r in self.results],
        }

    def exit_code(self) -> int:
        """1 when some result is rejected, a mismatch, crashed or timed out, else 0."""
        return 1 if any(r.status in FAILING for r in self.results) else 0

    def get(self, name: str, source: str | None = None) -> list[VerifyResult]:
        """The results for ``name`` (from ``source`` if given)."""
        return [
            r for r in self.results if r.name == name and (source is None or r.source == source)
        ]


@dataclass(frozen=True)
class ProbeContext:
    """What a probe may use: a scratch directory (removed after the run) and the kernel."""

    tmpdir: str
    disk: bool  # tmpdir is on a filesystem with a page cache (not tmpfs)
    allow_dangerous: bool
    release: tuple[int, int]
    machine: str


#: (status, errno or None, evidence) as a probe returns it.
Outcome = tuple[str, int | None, str]
Probe = Callable[[str, int, ProbeContext], Outcome]


# --------------------------------------------------------------------------- libc


class _LibC:
    def __init__(self) -> None:
        lib = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        vp, sz, i, lg = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_long
        lib.mmap.restype = vp
        lib.mmap.argtypes = [vp, sz, i, i, i, lg]
        for fn in ("munmap", "mlock", "munlock"):
            getattr(lib, fn).argtypes = [vp, sz]
            getattr(lib, fn).restype = i
        for fn in ("madvise", "mprotect", "msync"):
            getattr(lib, fn).argtypes = [vp, sz, i]
            getattr(lib, fn).restype = i
        lib.mincore.argtypes = [vp, sz, ctypes.POINTER(ctypes.c_ubyte)]
        lib.mincore.restype = i
        lib.mlockall.argtypes = [i]
        lib.mlockall.restype = i
        lib.munlockall.argtypes = []
        lib.munlockall.restype = i
        lib.prctl.argtypes = [i, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        lib.prctl.restype = i
        self.lib = lib

    def call(self, fn: str, *args: Any) -> int:
        """0, or the errno of a failed call."""
        ctypes.set_errno(0)
        rc = getattr(self.lib, fn)(*args)
        return (ctypes.get_errno() or errnos.EIO) if rc != 0 else 0

    def mmap(
        self, length: int, prot: int, flags: int, fd: int = -1, addr: int = 0
    ) -> tuple[int, int]:
        """(address, 0) or (0, errno)."""
        ctypes.set_errno(0)
        res = self.lib.mmap(addr or None, length, prot, flags, fd, 0)
        if res is None or res == _MAP_FAILED:
            return 0, ctypes.get_errno() or errnos.EIO
        return int(res), 0


@cache
def _libc() -> _LibC:
    return _LibC()


def _page() -> int:
    return os.sysconf("SC_PAGE_SIZE")


def _errname(err: int | None) -> str:
    if not err:
        return ""
    if err == errnos.EOPNOTSUPP:
        return "EOPNOTSUPP"
    return errnos.errorcode.get(err, f"errno {err}")


def _madvise(addr: int, length: int, advice: int) -> int:
    return _libc().call("madvise", addr, length, advice)


def _resident(addr: int, npages: int) -> int:
    vec = (ctypes.c_ubyte * npages)()
    if _libc().call("mincore", addr, npages * _page(), vec):
        return -1
    return sum(b & 1 for b in vec)


def _read(addr: int, length: int) -> bytes:
    return ctypes.string_at(addr, length)


def _fill(addr: int, length: int, byte: int = 0x5A) -> None:
    ctypes.memset(addr, byte, length)


_VMA_RE = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ")


def _vma(addr: int) -> dict[str, str]:
    """The /proc/self/smaps entry of the mapping containing ``addr`` ({} if none)."""
    cur: dict[str, str] | None = None
    with open("/proc/self/smaps") as f:
        for line in f:
            m = _VMA_RE.match(line)
            if m:
                if cur is not None:
                    return cur
                if int(m[1], 16) <= addr < int(m[2], 16):
                    parts = line.split(maxsplit=5)
                    path = parts[5].strip() if len(parts) > 5 else ""
                    cur = {"perms": m[3], "start": m[1], "end": m[2], "path": path}
            elif cur is not None:
                key, _, val = line.partition(":")
                cur[key] = val.strip()
    return cur or {}


def _flags(addr: int) -> frozenset[str]:
    return frozenset(_vma(addr).get("VmFlags", "").split())


def _kb(vma: dict[str, str], field: str) -> int:
    return int(vma.get(field, "0 kB").split()[0])


# --------------------------------------------------------------------------- child processes


def _wait(pid: int, deadline: float, group: bool = False) -> int | None:
    """waitpid until ``deadline``; the wait status, or None after killing a hung child.

    With ``group`` the child leads its own process group, killed as a whole.
    """
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            try:
                os.killpg(pid, signal.SIGKILL) if group else os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.001)


def _child_setup(drop: tuple[int, int] | None) -> None:
    faulthandler.disable()  # a probe's SIGSEGV is a result, not a traceback
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # so a timeout can kill the probe's own children too
    if drop is not None:
        if os.geteuid() == 0:
            os.setgroups([])
        os.setgid(drop[1])
        os.setuid(drop[0])
        _libc().lib.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: keep /proc/self readable


def _run_child(
    fn: Callable[[], Any], timeout: float, drop: tuple[int, int] | None = None
) -> tuple[str, Any]:
    """Run ``fn`` in a forked child: ("ok", its JSON result), ("crashed", why) or ("timeout", s)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            os.close(r)
            try:
                _child_setup(drop)
                payload = json.dumps({"ok": fn()})
            except BaseException as e:  # noqa: BLE001 - reported to the parent
                payload = json.dumps({"error": f"{type(e).__name__}: {e}"})
            data = payload.encode()
            while data:
                data = data[os.write(w, data) :]
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    eof = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([r], [], [], left)
            if not ready:
                break
            chunk = os.read(r, 65536)
            if not chunk:
                eof = True
                break
            chunks.append(chunk)
    finally:
        os.close(r)
    # After EOF the child is exiting: give it a moment; without EOF it hangs.
    status = _wait(pid, time.monotonic() + (1.0 if eof else 0.0), group=True)
    if status is None:
        return "timeout", timeout
    if os.WIFSIGNALED(status):
        return "crashed", _signame(os.WTERMSIG(status))
    try:
        msg = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        msg = {}
    if "ok" in msg:
        return "ok", msg["ok"]
    if "error" in msg:
        return "crashed", f"probe raised {msg['error']}"
    return "crashed", f"child exited with status {os.WEXITSTATUS(status)} and no result"


def _signame(signo: int) -> str:
    try:
        return signal.Signals(signo).name
    except ValueError:
        return f"signal {signo}"


def _fork_check(fn: Callable[[], int], timeout: float = 2.0) -> str:
    """Run ``fn`` in a grandchild: "exit N", "SIGSEGV", ... or "hang"."""
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            code = fn()
        finally:
            os._exit(code)
    status = _wait(pid, time.monotonic() + timeout)
    if status is None:
        return "hang"
    if os.WIFSIGNALED(status):
        return _signame(os.WTERMSIG(status))
    return f"exit {os.WEXITSTATUS(status)}"


def _access(addr: int, length: int = 1) -> str:
    """What a forked child reading ``addr`` sees: "zeros", "data", or the signal that killed it."""
    res = _fork_check(lambda: 0 if _read(addr, length) == bytes(length) else 1)
    return {"exit 0": "zeros", "exit 1": "data"}.get(res, res)


# --------------------------------------------------------------------------- mappings


@contextlib.contextmanager
def _anon(npages: int, prot: int = _PROT_RW) -> Iterator[int]:
    """A private anonymous mapping fenced by PROT_NONE pages so it never merges."""
    libc, page = _libc(), _page()
    base, err = libc.mmap((npages + 2) * page, 0, _MAP_PRIVATE | _MAP_ANON)
    if err:
        raise OSError(err, f"mmap: {_errname(err)}")
    try:
        err = libc.call("mprotect", base + page, npages * page, prot)
        if err:
            raise OSError(err, f"mprotect: {_errname(err)}")
        yield base + page
    finally:
        libc.call("munmap", base, (npages + 2) * page)


@contextlib.contextmanager
def _mapping(length: int, prot: int, flags: int, fd: int = -1, addr: int = 0) -> Iterator[int]:
    """A raw mmap; yields -errno on failure (nothing to unmap)."""
    libc = _libc()
    res, err = libc.mmap(length, prot, flags, fd, addr)
    try:
        yield res if not err else -err
    finally:
        if not err:
            libc.call("munmap", res, length)


@contextlib.contextmanager
def _memfd(npages: int) -> Iterator[tuple[int, int]]:
    """A memfd of ``npages`` pages mapped shared read-write: (address, fd)."""
    fd = os.memfd_create("abicheck-verify", os.MFD_CLOEXEC)
    try:
        os.ftruncate(fd, npages * _page())
        with _mapping(npages * _page(), _PROT_RW, _MAP_SHARED, fd) as addr:
            if addr < 0:
                raise OSError(-addr, "mmap memfd")
            yield addr, fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def _diskfile(ctx: ProbeContext, npages: int) -> Iterator[tuple[int, int]]:
    """A clean, unlinked file in the scratch dir, mapped shared read-only: (address, fd)."""
    fd, path = tempfile.mkstemp(dir=ctx.tmpdir)
    try:
        os.unlink(path)
        os.write(fd, b"\xa5" * (npages * _page()))
        os.fsync(fd)
        with _mapping(npages * _page(), _PROT_READ, _MAP_SHARED, fd) as addr:
            if addr < 0:
                raise OSError(-addr, "mmap file")
            yield addr, fd
    finally:
        os.close(fd)


def _evict(fd: int, addr: int, npages: int) -> int:
    """Drop a clean file's page cache; the pages still resident afterwards."""
    for _ in range(3):
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        left = _resident(addr, npages)
        if left == 0:
            return 0
        time.sleep(0.01)
    return left


# --------------------------------------------------------------------------- observation


@dataclass(frozen=True)
class _Snap:
    flags: frozenset[str]
    resident: int
    npages: int
    rss: int
    lazyfree: int
    zeros: bool
    blocks: int | None


def _snap(addr: int, npages: int, fd: int | None = None) -> _Snap:
    """Observe a mapping; the bytes are read last, since reading faults pages back in."""
    blocks = None if fd is None else os.fstat(fd).st_blocks
    resident = _resident(addr, npages)
    vma = _vma(addr)
    length = npages * _page()
    readable = "r" in vma.get("perms", "r")
    return _Snap(
        flags=frozenset(vma.get("VmFlags", "").split()),
        resident=resident,
        npages=npages,
        rss=_kb(vma, "Rss"),
        lazyfree=_kb(vma, "LazyFree"),
        zeros=readable and _read(addr, length) == bytes(length),
        blocks=blocks,
    )


def _flag_diff(before: _Snap, after: _Snap) -> tuple[set[str], set[str]]:
    """(VmFlags added, VmFlags removed)."""
    return set(after.flags - before.flags), set(before.flags - after.flags)


def _flag_changes(before: _Snap, after: _Snap) -> list[str]:
    out = []
    for f in sorted(after.flags - before.flags):
        who = _FLAG_SETTER.get(f)
        out.append(f"VmFlags +{f}" + (f" ({who}'s effect)" if who else ""))
    out += [f"VmFlags -{f}" for f in sorted(before.flags - after.flags)]
    return out


def _effects(before: _Snap, after: _Snap) -> list[str]:
    """Every change seen between two snapshots of one mapping, as evidence phrases."""
    out = _flag_changes(before, after)
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


def _refused(call: str, err: int) -> Outcome:
    """The outcome of a call the kernel refused with ``err``."""
    name = _errname(err)
    if err in (errnos.EPERM, errnos.EACCES):
        return "skipped", err, f"{call}: {name}: needs a capability this process lacks"
    if err in (errnos.EAGAIN, errnos.ENOMEM):
        return "skipped", err, f"{call}: {name}: {_limits_note()}"
    return "rejected", err, f"{call}: {name}"


def _limits_note() -> str:
    soft, _ = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    lim = "unlimited" if soft == resource.RLIM_INFINITY else f"{soft // 1024} kB"
    return f"kernel lacks memory or needs CAP_IPC_LOCK / a larger RLIMIT_MEMLOCK (limit {lim})"


def _memlock_skip(call: str, err: int) -> Outcome:
    soft, _ = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    lim = "unlimited" if soft == resource.RLIM_INFINITY else f"{soft // 1024} kB"
    return (
        "skipped",
        err,
        f"{call}: {_errname(err)}: needs CAP_IPC_LOCK or a larger RLIMIT_MEMLOCK (limit {lim})",
    )


def _unexpected(before: _Snap, after: _Snap, expected: str, strict: bool) -> Outcome:
    """Accepted without the expected effect: a mismatch if anything else changed (or strict)."""
    seen = _effects(before, after)
    if seen:
        return "mismatch", None, f"accepted, expected {expected}, but saw: " + "; ".join(seen)
    if strict:
        return "mismatch", None, f"accepted, but no effect: expected {expected}"
    return "accepted", None, f"returned 0; {expected} not observed, no other effect"


# --------------------------------------------------------------------------- madvise probes

_SET_FLAG: dict[str, tuple[str, str]] = {  # name -> (VmFlag it sets, advice that clears it)
    "MADV_RANDOM": ("rr", "MADV_NORMAL"),
    "MADV_SEQUENTIAL": ("sr", "MADV_NORMAL"),
    "MADV_DONTFORK": ("dc", "MADV_DOFORK"),
    "MADV_DONTDUMP": ("dd", "MADV_DODUMP"),
    "MADV_HUGEPAGE": ("hg", "MADV_NOHUGEPAGE"),
    "MADV_NOHUGEPAGE": ("nh", "MADV_HUGEPAGE"),
    "MADV_MERGEABLE": ("mg", "MADV_UNMERGEABLE"),
    "MADV_WIPEONFORK": ("wf", "MADV_KEEPONFORK"),
}
_CLEAR_FLAG: dict[str, tuple[str, str]] = {  # name -> (VmFlag it clears, advice that sets it)
    "MADV_NORMAL": ("rr", "MADV_RANDOM"),
    "MADV_DOFORK": ("dc", "MADV_DONTFORK"),
    "MADV_DODUMP": ("dd", "MADV_DONTDUMP"),
    "MADV_UNMERGEABLE": ("mg", "MADV_MERGEABLE"),
    "MADV_KEEPONFORK": ("wf", "MADV_WIPEONFORK"),
}
_NPAGES = 4


def _probe_set_flag(name: str, value: int, ctx: ProbeContext) -> Outcome:
    flag, undo = _SET_FLAG[name]
    size = _NPAGES * _page()
    with _anon(_NPAGES) as a:
        _fill(a, size)
        before = _snap(a, _NPAGES)
        err = _madvise(a, size, value)
        if err:
            return _refused(f"madvise({value}) on private anonymous memory", err)
        after = _snap(a, _NPAGES)
        if _flag_diff(before, after) != ({flag}, set()):
            return _unexpected(before, after, f"VmFlags +{flag}", strict=True)
        evidence = f"VmFlags +{flag}"
        if name == "MADV_DONTFORK":
            seen = _access(a)
            if seen != "SIGSEGV":
                return "mismatch", None, f"{evidence}, but a forked child reading it: {seen}"
            evidence += "; fork: child gets SIGSEGV reading it"
        if name == "MADV_WIPEONFORK":
            seen = _access(a, size)
            if seen != "zeros":
                return "mismatch", None, f"{evidence}, but a forked child reads {seen}"
            evidence += "; fork: child reads zeros"
        _madvise(a, size, _ADV[undo])
        gone = flag not in _flags(a)
        evidence += f"; {'gone' if gone else 'still set'} after {undo}({_ADV[undo]})"
        return "verified", None, evidence


def _probe_clear_flag(name: str, value: int, ctx: ProbeContext) -> Outcome:
    flag, setter = _CLEAR_FLAG[name]
    size = _NPAGES * _page()
    with _anon(_NPAGES) as a:
        _fill(a, size)
        err = _madvise(a, size, _ADV[setter])
        if err or flag not in _flags(a):
            how = _errname(err) if err else f"no VmFlag {flag}"
            return "skipped", None, f"setup {setter}({_ADV[setter]}) failed: {how}"
        before = _snap(a, _NPAGES)
        err = _madvise(a, size, value)
        if err:
            return _refused(f"madvise({value}) on private anonymous memory", err)
        after = _snap(a, _NPAGES)
        if _flag_diff(before, after) != (set(), {flag}):
            return _unexpected(before, after, f"VmFlags -{flag}", strict=True)
        evidence = f"VmFlags -{flag} (set by {setter}({_ADV[setter]}))"
        if name == "MADV_DOFORK":
            seen = _access(a)
            if seen != "data":
                return "mismatch", None, f"{evidence}, but a forked child reading it: {seen}"
            evidence += "; fork: child sees the data"
        return "verified", None, evidence


def _probe_dontneed(name: str, value: int, ctx: ProbeContext) -> Outcome:
    size = _NPAGES * _page()
    locked = name == "MADV_DONTNEED_LOCKED"
    with _anon(_NPAGES) as a:
        _fill(a, size)
        if locked:
            err = _libc().call("mlock", a, size)
            if err:
                return _memlock_skip("mlock", err)
        before = _snap(a, _NPAGES)
        err = _madvise(a, size, value)
        where = "mlocked private anonymous memory" if locked else "private anonymous memory"
        if err:
            return _refused(f"madvise({value}) on {where}", err)
        after = _snap(a, _NPAGES)
        if after.zeros and not _flag_changes(before, after):
            return "verified", None, f"reads zeros (was 0x5a) on {where}"
        return _unexpected(before, after, "zero-fill", strict=True)


def _probe_remove(name: str, value: int, ctx: ProbeContext) -> Outcome:
    size = _NPAGES * _page()
    with _memfd(_NPAGES) as (a, fd):
        _fill(a, size)
        before = _snap(a, _NPAGES, fd)
        err = _madvise(a, size, value)
        if err:
            return _refused(f"madvise({value}) on a memfd mapping", err)
        after = _snap(a, _NPAGES, fd)
        assert before.blocks is not None and after.blocks is not None
        if after.blocks < before.blocks and after.zeros:
            return "verified", None, f"st_blocks {before.blocks} -> {after.blocks}, reads zeros"
        return _unexpected(before, after, "st_blocks to drop and zeros", strict=True)


def _probe_free(name: str, value: int, ctx: ProbeContext) -> Outcome:
    npages = 64  # LazyFree pages move in per-CPU batches: use enough to see them
    size = npages * _page()
    with _anon(npages) as a:
        _fill(a, size)
        before = _snap(a, npages)
        err = _madvise(a, size, value)
        if err:
            return _refused(f"madvise({value}) on private anonymous memory", err)
        after = _snap(a, npages)
        changes = _flag_changes(before, after)
        if after.zeros or changes:
            return _unexpected(before, after, "lazy free", strict=True)
        if after.lazyfree > before.lazyfree:
            lf = f"LazyFree {before.lazyfree} -> {after.lazyfree} kB"
            return "verified", None, f"{lf}, data kept until reclaim"
        return "accepted", None, "returned 0 on private anonymous memory; LazyFree unchanged"


def _probe_willneed(name: str, value: int, ctx: ProbeContext) -> Outcome:
    if not ctx.disk:
        return _probe_generic_madv(name, value, ctx)
    npages = 16
    with _diskfile(ctx, npages) as (a, fd):
        if _evict(fd, a, npages):
            return _probe_generic_madv(name, value, ctx)
        before = _snap(a, npages)
        err = _madvise(a, npages * _page(), value)
        if err:
            return _refused(f"madvise({value}) on a file mapping", err)
        deadline = time.monotonic() + 1.0
        while _resident(a, npages) < npages and time.monotonic() < deadline:
            time.sleep(0.005)
        after = _snap(a, npages)
        if after.resident > 0 and not _flag_changes(before, after):
            return (
                "verified",
                None,
                f"mincore 0 -> {after.resident}/{npages} pages (file readahead)",
            )
        return _unexpected(before, after, "pages to become resident", strict=True)


def _probe_populate(name: str, value: int, ctx: ProbeContext) -> Outcome:
    npages = 16
    write = name == "MADV_POPULATE_WRITE"
    with _anon(npages) as a:
        before = _snap(a, npages)
        err = _madvise(a, npages * _page(), value)
        if err:
            return _refused(f"madvise({value}) on untouched private anonymous memory", err)
        after = _snap(a, npages)
        full = npages * _page() // 1024
        res = f"mincore 0 -> {after.resident}/{npages} pages"
        if after.resident == npages and not _flag_changes(before, after):
            if write and after.rss == full:
                return "verified", None, f"{res}, written (Rss {after.rss} kB)"
            if not write and after.rss == 0:
                return "verified", None, f"{res}, zero page mapped (Rss 0 kB)"
            other = "MADV_POPULATE_READ" if write else "MADV_POPULATE_WRITE"
            return "mismatch", None, f"{res}, but Rss {after.rss} kB: {other}'s effect"
        return _unexpected(before, after, "all pages resident", strict=True)


def _probe_cold_pageout(name: str, value: int, ctx: ProbeContext) -> Outcome:
    pageout = name == "MADV_PAGEOUT"
    if not ctx.disk:
        return _probe_generic_madv(name, value, ctx)
    npages = 16
    with _diskfile(ctx, npages) as (a, fd):
        _read(a, npages * _page())
        before = _snap(a, npages)
        err = _madvise(a, npages * _page(), value)
        if err:
            return _refused(f"madvise({value}) on a file mapping", err)
        after = _snap(a, npages)
        if _flag_changes(before, after):
            return _unexpected(before, after, "no VmFlags change", strict=True)
        res = f"mincore {before.resident} -> {after.resident}/{npages} pages"
        if pageout:
            if after.resident < before.resident:
                return "verified", None, f"{res} (file pages reclaimed)"
            return "accepted", None, f"returned 0; {res}: kernel did not page out"
        if after.resident < before.resident:
            return "mismatch", None, f"{res}: pages reclaimed, MADV_PAGEOUT's effect"
        return "accepted", None, f"returned 0; {res} (deactivated only)"


def _probe_guard(name: str, value: int, ctx: ProbeContext) -> Outcome:
    size = _NPAGES * _page()
    install = name == "MADV_GUARD_INSTALL"
    with _anon(_NPAGES) as a:
        if not install:
            err = _madvise(a, size, _ADV["MADV_GUARD_INSTALL"])
            if err or _access(a) != "SIGSEGV":
                how = _errname(err) or "access did not fault"
                return "skipped", err or None, f"setup MADV_GUARD_INSTALL(102) failed: {how}"
        err = _madvise(a, size, value)
        if err:
            return _refused(f"madvise({value}) on private anonymous memory", err)
        seen = _access(a)
        if install:
            if seen != "SIGSEGV":
                return "mismatch", None, f"accepted, but access after it: {seen}"
            _madvise(a, size, _ADV["MADV_GUARD_REMOVE"])
            again = _access(a)
            return (
                "verified",
                None,
                f"access faults (SIGSEGV); after MADV_GUARD_REMOVE(103): {again}",
            )
        if seen != "zeros":
            return "mismatch", None, f"accepted, but access after it: {seen}"
        return (
            "verified",
            None,
            "guard installed by MADV_GUARD_INSTALL(102) gone: access reads zeros",
        )


def _probe_collapse(name: str, value: int, ctx: ProbeContext) -> Outcome:
    huge = 2 << 20
    libc = _libc()
    base, err = libc.mmap(2 * huge, 0, _MAP_PRIVATE | _MAP_ANON)
    if err:
        return _refused("mmap 4 MiB", err)
    try:
        a = (base + huge - 1) & ~(huge - 1)
        libc.call("mprotect", a, huge, _PROT_RW)
        _fill(a, huge, 1)
        before = _kb(_vma(a), "AnonHugePages")
        err = _madvise(a, huge, value)
        if err:
            if not os.path.isdir("/sys/kernel/mm/transparent_hugepage"):
                return "skipped", err, f"madvise({value}): {_errname(err)}: kernel without THP"
            return _refused(f"madvise({value}) on 2 MiB of private anonymous memory", err)
        after = _kb(_vma(a), "AnonHugePages")
        if after > before:
            return "verified", None, f"AnonHugePages {before} -> {after} kB"
        return "mismatch", None, f"accepted, but AnonHugePages {before} -> {after} kB"
    finally:
        libc.call("munmap", base, 2 * huge)


def _probe_dangerous(name: str, value: int, ctx: ProbeContext) -> Outcome:
    if not ctx.allow_dangerous:  # verify() never gets here; a direct caller might
        return "skipped", None, "dangerous: needs allow_dangerous"
    with _anon(1) as a:
        _fill(a, _page())
        seen = _fork_check(lambda: 0 if _madvise(a, _page(), value) == 0 else 1)
        if seen == "exit 1":
            err = _madvise(a, _page(), value)  # refused: safe to learn the errno here
            return _refused(f"madvise({value})", err)
        if name == "MADV_HWPOISON" and seen == "SIGBUS":
            return "verified", None, "page poisoned: the calling child was killed by SIGBUS"
        if seen == "exit 0":
            after = _access(a)
            return "accepted", None, f"returned 0; access afterwards: {after}"
        return "accepted", None, f"calling child: {seen}"


def _probe_generic_madv(name: str, value: int, ctx: ProbeContext) -> Outcome:
    size = _NPAGES * _page()
    with _anon(_NPAGES) as a:
        _fill(a, size)
        before = _snap(a, _NPAGES)
        err = _madvise(a, size, value)
        if not err:
            seen = _effects(before, _snap(a, _NPAGES))
            what = "; ".join(seen) if seen else "no observable effect"
            return "accepted", None, f"returned 0 on private anonymous memory; {what}"
    if err == errnos.EINVAL:
        with _memfd(_NPAGES) as (m, _fd):
            if not _madvise(m, size, value):
                return "accepted", None, "returned 0 on a memfd mapping; no effect checked"
    return _refused(f"madvise({value}) on private anonymous memory", err)


# --------------------------------------------------------------------------- mprotect probes

_PROT_PERMS = {"PROT_NONE": "---", "PROT_READ": "r--", "PROT_WRITE": "-w-", "PROT_EXEC": "--x"}


def _probe_prot(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = _page()
    with _anon(1) as a:
        _fill(a, page)
        if name == "PROT_GROWSUP" and "parisc" not in ctx.machine:
            err = _libc().call("mprotect", a, page, _PROT_READ | value)
            why = f"mprotect: {_errname(err) or 'ok'}"
            return "skipped", err or None, f"{why}: no grows-up mappings on {ctx.machine}"
        prot = value if name in _PROT_PERMS else _PROT_READ | value
        err = _libc().call("mprotect", a, page, prot)
        if err:
            return _refused(f"mprotect({prot:#x})", err)
        perms = _vma(a)["perms"][:3]
        want = _PROT_PERMS.get(name, "r--")
        if perms != want:
            return "mismatch", None, f"maps shows {perms}p, expected {want}p"
        if name in ("PROT_NONE", "PROT_READ"):  # x86 reads -w- pages; pkeys make --x unreadable
            seen = _access(a)
            if seen != ("SIGSEGV" if name == "PROT_NONE" else "data"):
                return "mismatch", None, f"maps {perms}p, but a child reading it: {seen}"
            return "verified", None, f"maps {perms}p; a child reading it: {seen}"
        if name in _PROT_PERMS:
            return "verified", None, f"maps {perms}p"
        return "accepted", None, f"mprotect(PROT_READ|{value:#x}) ok; maps {perms}p, no effect"


def _probe_prot_growsdown(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page, npages = _page(), 4
    size = npages * page
    with _mapping(size, _PROT_RW, _MAP_PRIVATE | _MAP_ANON | _MAP_GROWSDOWN) as a:
        if a < 0:
            return "skipped", -a, f"setup mmap(MAP_GROWSDOWN): {_errname(-a)}"
        top = a + size - page
        err = _libc().call("mprotect", top, page, _PROT_READ | value)
        if err:
            return _refused(f"mprotect(PROT_READ|{value:#x}) on a MAP_GROWSDOWN mapping", err)
        vma = _vma(a)
        if vma.get("perms", "")[:3] == "r--" and int(vma["end"], 16) - a == size:
            return "verified", None, "mprotect on the top page made the whole gd mapping r--"
        return "mismatch", None, "mprotect changed only the given page"


# --------------------------------------------------------------------------- mmap probes


def _map_flags_probe(
    value: int, npages: int = 4, private: bool = True
) -> tuple[int, frozenset[str], frozenset[str]]:
    """mmap anonymous with and without ``value``: (-errno or pages resident, flags, base flags)."""
    size = npages * _page()
    with _mapping(size, _PROT_RW, _MAP_PRIVATE | _MAP_ANON) as b:
        base = _flags(b)
    kind = _MAP_PRIVATE if private else 0
    with _mapping(size, _PROT_RW, kind | _MAP_ANON | value) as a:
        if a < 0:
            return a, frozenset(), base
        return _resident(a, npages), _flags(a), base


_MAP_VMFLAG = {
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


def _probe_map_vmflag(name: str, value: int, ctx: ProbeContext) -> Outcome:
    flag = _MAP_VMFLAG[name]
    npages = 512 if name == "MAP_HUGETLB" else 4
    if name == "MAP_NORESERVE" and _read_int("/proc/sys/vm/overcommit_memory") == 2:
        return "skipped", None, "vm.overcommit_memory=2 ignores MAP_NORESERVE"
    res, got, base = _map_flags_probe(value, npages, private=name != "MAP_DROPPABLE")
    if res < 0:
        if name == "MAP_LOCKED" and -res in (errnos.EAGAIN, errnos.EPERM, errnos.ENOMEM):
            return _memlock_skip("mmap(MAP_LOCKED)", -res)
        if name == "MAP_HUGETLB" and -res == errnos.ENOMEM:
            n = _read_int("/proc/sys/vm/nr_hugepages")
            return "skipped", -res, f"mmap: ENOMEM: no huge pages reserved (vm.nr_hugepages={n})"
        return _refused(f"mmap(MAP_PRIVATE|MAP_ANONYMOUS|{value:#x})", -res)
    added = sorted(got - base)
    if flag in added:
        extra = f"; mincore {res}/{npages} pages" if name == "MAP_LOCKED" else ""
        return "verified", None, f"VmFlags +{flag}{extra}"
    if name == "MAP_STACK" and not added:
        return "accepted", None, "mmap ok; no VmFlags change on this kernel"
    seen = ", ".join(f"+{f}" for f in added) or "no VmFlags change"
    return "mismatch", None, f"mmap ok, expected VmFlags +{flag}, saw {seen}"


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _probe_map_type(name: str, value: int, ctx: ProbeContext) -> Outcome:
    want = "s" if name == "MAP_SHARED" else "p"
    with _mapping(_page(), _PROT_RW, value | _MAP_ANON) as a:
        if a < 0:
            return _refused(f"mmap(MAP_ANONYMOUS|{value:#x})", -a)
        perms = _vma(a)["perms"]
        if perms[3] == want:
            return "verified", None, f"maps {perms}"
        return (
            "mismatch",
            None,
            f"maps {perms}: a {'shared' if perms[3] == 's' else 'private'} mapping",
        )


def _probe_shared_validate(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = _page()
    fd = os.memfd_create("abicheck-verify", os.MFD_CLOEXEC)
    try:
        os.ftruncate(fd, page)
        with _mapping(page, _PROT_RW, value, fd) as a:
            if a < 0:
                return _refused(f"mmap(memfd, {value:#x})", -a)
            perms = _vma(a)["perms"]
        if perms[3] != "s":
            return "mismatch", None, f"maps {perms}: not a shared mapping"
        with _mapping(page, _PROT_RW, value | _UNKNOWN_MAP_FLAG, fd) as b:
            if b >= 0:
                return "mismatch", None, f"maps {perms}, but accepts unknown flag: MAP_SHARED's"
            if -b != errnos.EOPNOTSUPP:
                return "mismatch", None, f"unknown flag refused with {_errname(-b)}"
        return (
            "verified",
            None,
            f"maps {perms}; refuses unknown flag {_UNKNOWN_MAP_FLAG:#x}: EOPNOTSUPP",
        )
    finally:
        os.close(fd)


def _probe_map_sync(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = _page()
    fd = os.memfd_create("abicheck-verify", os.MFD_CLOEXEC)
    try:
        os.ftruncate(fd, page)
        with _mapping(page, _PROT_RW, _MAP_SHARED_VALIDATE | value, fd) as a:
            if a >= 0:
                return "mismatch", None, "MAP_SHARED_VALIDATE accepts it on a non-DAX memfd"
            if -a == errnos.EOPNOTSUPP:
                return "skipped", -a, "needs a DAX file: a memfd refuses it (EOPNOTSUPP)"
            return _refused(f"mmap(memfd, MAP_SHARED_VALIDATE|{value:#x})", -a)
    finally:
        os.close(fd)


def _probe_map_fixed(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = _page()
    noreplace = name == "MAP_FIXED_NOREPLACE"
    with _anon(3, 0) as r:
        want = r + page
        with _mapping(page, _PROT_RW, _MAP_PRIVATE | _MAP_ANON | value, addr=want) as a:
            if noreplace:
                if a == -errnos.EEXIST:
                    pass
                elif a < 0:
                    return _refused(f"mmap({value:#x}) over an existing mapping", -a)
                else:
                    where = "replaced it" if a == want else f"placed it at {a:#x}"
                    return "mismatch", None, f"over an existing mapping, mmap {where}"
            elif a < 0:
                return _refused(f"mmap({value:#x}) over an existing mapping", -a)
            elif a != want:
                return "mismatch", None, "treated the address as a hint (placed elsewhere)"
            elif _vma(a)["perms"][:3] != "rw-":
                return "mismatch", None, "mapping not replaced"
            else:
                return "verified", None, "placed at the exact address over an existing mapping"
        _libc().call("munmap", want, page)
        with _mapping(page, _PROT_RW, _MAP_PRIVATE | _MAP_ANON | value, addr=want) as a:
            if a != want:
                got = _errname(-a) if a < 0 else f"{a:#x}"
                return "mismatch", None, f"EEXIST over a mapping, but in a hole: {got}"
        return "verified", None, "EEXIST over an existing mapping; exact address in a hole"


def _probe_map_anon(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = _page()
    with _mapping(page, _PROT_RW, _MAP_PRIVATE | value) as a:
        if a < 0:
            return _refused(f"mmap(fd=-1, MAP_PRIVATE|{value:#x})", -a)
        vma = _vma(a)
        if _read(a, page) == bytes(page) and not vma.get("path"):
            return "verified", None, "fd -1 accepted, no backing file, reads zeros"
        return "mismatch", None, f"mapped {vma.get('path')!r}"


def _probe_map_populate(name: str, value: int, ctx: ProbeContext) -> Outcome:
    res, got, base = _map_flags_probe(value, 16)
    if res < 0:
        return _refused(f"mmap(MAP_PRIVATE|MAP_ANONYMOUS|{value:#x})", -res)
    if res == 16 and got == base:
        return "verified", None, "mincore 16/16 pages resident right after mmap"
    flags = ", ".join(f"+{f}" for f in sorted(got - base))
    return (
        "mismatch",
        None,
        f"mincore {res}/16 pages after mmap" + (f"; VmFlags {flags}" if flags else ""),
    )


def _probe_map_32bit(name: str, value: int, ctx: ProbeContext) -> Outcome:
    with _mapping(_page(), _PROT_RW, _MAP_PRIVATE | _MAP_ANON | value) as a:
        if a < 0:
            return _refused(f"mmap({value:#x})", -a)
        if ctx.machine != "x86_64":
            return "accepted", None, f"mmap ok at {a:#x}; MAP_32BIT only acts on x86_64"
        if a + _page() <= 1 << 31:
            return "verified", None, f"mapped at {a:#x}, below 2 GiB"
        return "mismatch", None, f"mapped at {a:#x}, above 2 GiB"


def _probe_map_other(name: str, value: int, ctx: ProbeContext) -> Outcome:
    if name in _MAP_NOT_FLAGS:
        return "skipped", None, _MAP_NOT_FLAGS[name]
    if re.fullmatch(r"MAP_HUGE_\d+[KMG]B", name):
        return "skipped", None, "huge page size selector: needs MAP_HUGETLB and reserved huge pages"
    res, got, base = _map_flags_probe(value)
    if res < 0:
        return _refused(f"mmap(MAP_PRIVATE|MAP_ANONYMOUS|{value:#x})", -res)
    added = ", ".join(f"+{f}" for f in sorted(got - base))
    if name in _MAP_IGNORED:
        if added:
            return "mismatch", None, f"should be ignored, but VmFlags {added}"
        return "accepted", None, "mmap accepts it; ignored by Linux (no VmFlags change)"
    return "accepted", None, f"mmap ok; {('VmFlags ' + added) if added else 'no VmFlags change'}"


# --------------------------------------------------------------------------- msync / mlockall


def _probe_msync(name: str, value: int, ctx: ProbeContext) -> Outcome:
    page = _page()
    libc = _libc()
    with _memfd(1) as (a, _fd):
        _fill(a, page)
        err = libc.call("msync", a, page, value)
        if err:
            return _refused(f"msync({value})", err)
        if name in ("MS_ASYNC", "MS_SYNC"):
            other = _MS_SYNC if name == "MS_ASYNC" else _MS_ASYNC
            both = libc.call("msync", a, page, value | other)
            if both == errnos.EINVAL:
                return "verified", None, f"msync({value}) ok; msync({value}|{other}) EINVAL"
            return "mismatch", None, f"msync({value}) ok, but msync({value}|{other}) not EINVAL"
        if name == "MS_INVALIDATE":
            err = libc.call("mlock", a, page)
            if err:
                return "accepted", None, f"msync({value}) ok; mlock unavailable, EBUSY not checked"
            busy = libc.call("msync", a, page, value)
            libc.call("munlock", a, page)
            if busy == errnos.EBUSY:
                return "verified", None, f"msync({value}) ok; EBUSY on an mlocked range"
            return "mismatch", None, f"msync({value}) on an mlocked range: {_errname(busy) or 'ok'}"
        return "accepted", None, f"msync({value}) ok; no effect checked for this name"


def _probe_mcl(name: str, value: int, ctx: ProbeContext) -> Outcome:
    libc, npages = _libc(), 16
    size = npages * _page()
    with _anon(npages) as old:
        _fill(old, size)
        flags = value | _MCL_FUTURE if name == "MCL_ONFAULT" else value
        err = libc.call("mlockall", flags)
        if err:
            if err in (errnos.EPERM, errnos.ENOMEM, errnos.EAGAIN):
                return _memlock_skip(f"mlockall({flags})", err)
            return _refused(f"mlockall({flags})", err)
        try:
            old_flags = _flags(old)
            with _mapping(size, _PROT_RW, _MAP_PRIVATE | _MAP_ANON) as new:
                if new < 0:
                    return _memlock_skip(f"mmap after mlockall({flags})", -new)
                new_flags, resident = _flags(new), _resident(new, npages)
        finally:
            libc.call("munlockall")
    if name == "MCL_CURRENT":
        if "lo" in old_flags and "lo" not in new_flags:
            return "verified", None, "existing mapping VmFlags +lo; later mapping unlocked"
    elif name == "MCL_FUTURE":
        if "lo" in new_flags and "lo" not in old_flags:
            return "verified", None, f"later mapping VmFlags +lo, {resident}/{npages} resident"
    elif name == "MCL_ONFAULT":
        if "lo" in new_flags and resident == 0:
            lf = ", lf" if "lf" in new_flags else ""
            return "verified", None, f"with MCL_FUTURE: later mapping VmFlags +lo{lf}, 0 resident"
    else:
        return "accepted", None, f"mlockall({flags}) ok; no effect checked for this name"
    old_lo, new_lo = "lo" in old_flags, "lo" in new_flags
    return (
        "mismatch",
        None,
        f"mlockall({flags}) ok, but existing locked={old_lo}, later locked={new_lo}, "
        f"{resident}/{npages} resident",
    )


# --------------------------------------------------------------------------- dispatch

#: Probes by exact name; tests may add their own.  Others fall back by prefix.
PROBES: dict[str, Probe] = {
    **{n: _probe_set_flag for n in _SET_FLAG},
    **{n: _probe_clear_flag for n in _CLEAR_FLAG},
    "MADV_DONTNEED": _probe_dontneed,
    "MADV_DONTNEED_LOCKED": _probe_dontneed,
    "MADV_REMOVE": _probe_remove,
    "MADV_FREE": _probe_free,
    "MADV_WILLNEED": _probe_willneed,
    "MADV_POPULATE_READ": _probe_populate,
    "MADV_POPULATE_WRITE": _probe_populate,
    "MADV_COLD": _probe_cold_pageout,
    "MADV_PAGEOUT": _probe_cold_pageout,
    "MADV_GUARD_INSTALL": _probe_guard,
    "MADV_GUARD_REMOVE": _probe_guard,
    "MADV_COLLAPSE": _probe_collapse,
    "MADV_HWPOISON": _probe_dangerous,
    "MADV_SOFT_OFFLINE": _probe_dangerous,
    **{n: _probe_prot for n in ("PROT_NONE", "PROT_READ", "PROT_WRITE", "PROT_EXEC")},
    "PROT_GROWSDOWN": _probe_prot_growsdown,
    **{n: _probe_map_vmflag for n in _MAP_VMFLAG},
    "MAP_SHARED": _probe_map_type,
    "MAP_PRIVATE": _probe_map_type,
    "MAP_SHARED_VALIDATE": _probe_shared_validate,
    "MAP_SYNC": _probe_map_sync,
    "MAP_FIXED": _probe_map_fixed,
    "MAP_FIXED_NOREPLACE": _probe_map_fixed,
    "MAP_ANONYMOUS": _probe_map_anon,
    "MAP_ANON": _probe_map_anon,
    "MAP_POPULATE": _probe_map_populate,
    "MAP_32BIT": _probe_map_32bit,
}
_BY_PREFIX: dict[str, Probe] = {
    "MADV_": _probe_generic_madv,
    "PROT_": _probe_prot,
    "MAP_": _probe_map_other,
    "MS_": _probe_msync,
    "MCL_": _probe_mcl,
}


def _probe_for(name: str) -> Probe:
    if name in PROBES:
        return PROBES[name]
    return next(p for pre, p in _BY_PREFIX.items() if name.startswith(pre))


def _dangerous(name: str, value: int | None) -> bool:
    return name.startswith("MADV_") and (
        name in _DANGEROUS_NAMES or (value is not None and value in DANGEROUS_ADVICE)
    )


def _release() -> tuple[int, int]:
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return (int(m[1]), int(m[2])) if m else (0, 0)


def _fstype(path: str) -> str:
    """Filesystem type of the mount holding ``path`` (from /proc/self/mountinfo)."""
    path = os.path.realpath(path)
    best, fstype = "", ""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            mnt = left.split()[4].replace("\\040", " ")
            inside = path == mnt or path.startswith(mnt.rstrip("/") + "/")
            if inside and len(mnt) >= len(best):
                best, fstype = mnt, right.split()[0]
    return fstype


def scratch_prefix(pid: int | None = None) -> str:
    """Name prefix of the scratch directories ``verify`` of process ``pid`` (default: this) makes.

    The pid tells apart the directories of concurrent runs (other users, other test suites).
    """
    return f"abicheck-verify-{os.getpid() if pid is None else pid}-"


def _scratch_dir() -> tuple[str, bool]:
    """A fresh scratch directory, preferring a filesystem with a page cache: (path, on_disk)."""
    for base in (tempfile.gettempdir(), "/var/tmp"):
        if os.path.isdir(base) and _fstype(base) not in ("tmpfs", "ramfs", ""):
            return tempfile.mkdtemp(prefix=scratch_prefix(), dir=base), True
    return tempfile.mkdtemp(prefix=scratch_prefix()), False


def _drop_ids(run_as: int | str | None) -> tuple[int, int] | None:
    if run_as is None:
        return None
    try:
        pw = pwd.getpwnam(run_as) if isinstance(run_as, str) else pwd.getpwuid(run_as)
        ids = (pw.pw_uid, pw.pw_gid)
    except KeyError:
        if isinstance(run_as, str):
            raise AbicheckError(f"no such user: {run_as}") from None
        ids = (run_as, run_as)
    if os.geteuid() != 0 and ids[0] != os.geteuid():
        raise AbicheckError(f"running probes as uid {ids[0]} needs root")
    return ids


def _outcome(
    name: str, value: int, ctx: ProbeContext, timeout: float, drop: tuple[int, int] | None
) -> Outcome:
    """Run the probe for ``name`` in a child; a crash or hang becomes the outcome."""
    probe = _probe_for(name)
    kind, payload = _run_child(lambda: list(probe(name, value, ctx)), timeout, drop)
    if kind == "ok":
        status, err, evidence = payload
        return str(status), err, str(evidence)
    if kind == "timeout":
        return "timeout", None, f"timeout: probe hung for {timeout:g} s, child killed"
    return (
        "crashed",
        None,
        f"crashed: {payload}"
        + (" (child killed by signal)" if str(payload).startswith("SIG") else ""),
    )


def _explain(name: str, out: Outcome, release: tuple[int, int]) -> Outcome:
    """Turn a rejection the running kernel's age or config explains into a skip."""
    status, err, evidence = out
    if status != "rejected" or err != errnos.EINVAL:
        return out
    since = _SINCE.get(name)
    if since and release < since:
        rel = ".".join(map(str, release))
        return (
            "skipped",
            err,
            f"{evidence}: kernel {rel} predates {name} (Linux {since[0]}.{since[1]})",
        )
    if name in ("MADV_MERGEABLE", "MADV_UNMERGEABLE") and not os.path.isdir("/sys/kernel/mm/ksm"):
        return "skipped", err, f"{evidence}: kernel without CONFIG_KSM"
    thp = ("MADV_HUGEPAGE", "MADV_NOHUGEPAGE", "MADV_COLLAPSE")
    if name in thp and not os.path.isdir("/sys/kernel/mm/transparent_hugepage"):
        return "skipped", err, f"{evidence}: kernel without transparent huge pages"
    return out


def _scan(
    max_advice: int, allow_dangerous: bool, timeout: float, drop: tuple[int, int] | None
) -> tuple[dict[int, str], list[int]]:
    """Advice values in [0, max_advice) the live kernel knows -> how; and the dangerous skipped."""

    def scan() -> dict[str, str]:
        page, huge = _page(), 2 << 20
        libc = _libc()
        known: dict[str, str] = {}
        for v in range(max_advice):
            if v in DANGEROUS_ADVICE:
                continue
            with _anon(1) as a:
                _fill(a, page)
                err = _madvise(a, page, v)
            if err == errnos.EINVAL:
                with _memfd(1) as (m, _fd):
                    if not _madvise(m, page, v):
                        known[str(v)] = "accepted on a memfd mapping"
                        continue
                with _anon(2 * huge // page, 0) as r:
                    a = (r + huge - 1) & ~(huge - 1)
                    libc.call("mprotect", a, huge, _PROT_RW)
                    _fill(a, huge, 1)
                    if not _madvise(a, huge, v):
                        known[str(v)] = "accepted on 2 MiB of private anonymous memory"
                continue
            how = "accepted" if not err else f"known ({_errname(err)})"
            known[str(v)] = f"{how} on private anonymous memory"
        return known

    kind, payload = _run_child(scan, max(timeout * 6, 30.0), drop)
    if kind != "ok":
        raise AbicheckError(f"kernel advice scan failed: {kind}: {payload}")
    known = {int(k): str(v) for k, v in payload.items()}
    skipped = [v for v in DANGEROUS_ADVICE if v < max_advice]
    if allow_dangerous:
        for v in skipped:

            def one(v: int = v) -> int:
                with _anon(1) as a:
                    _fill(a, _page())
                    return _madvise(a, _page(), v)

            kind, res = _run_child(one, timeout, drop)
            if kind == "crashed":
                known[v] = f"accepted (calling child: {res})"
            elif kind == "ok" and res != errnos.EINVAL:
                known[v] = "accepted" if not res else f"known ({_errname(int(res))})"
        skipped = []
    return known, skipped


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
    known, skipped = _scan(max_advice, allow_dangerous, timeout, _drop_ids(run_as))
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
        notes.append(
            ("skipped", ", ".join(map(str, skipped)) + " (dangerous: needs allow_dangerous)")
        )
    return Table(
        "kernel", "kernel", sorted_macros(macros), Provenance("kernel", notes=tuple(notes))
    )


def verify(
    tables: Sequence[Table],
    only: str | None = None,
    allow_dangerous: bool = False,
    timeout: float = 5.0,
    *,
    run_as: int | str | None = None,
    max_advice: int = 256,
) -> VerifyReport:
    """Check each MADV_/PROT_/MAP_/MS_/MCL_ macro of ``tables`` against the live kernel.

    ``only`` keeps names starting with that prefix; ``run_as`` (uid or user name,
    needs root) runs every probe as that user; advice values the kernel accepts
    that no table names (scanned in [0, max_advice)) are added with source
    "kernel".  Returns a report sorted by (name, value, source).
    """
    if timeout <= 0:
        raise AbicheckError("timeout must be positive")
    uname = os.uname()
    drop = _drop_ids(run_as)
    release = _release()
    tmp, disk = _scratch_dir()
    results: dict[tuple[str, int, str], VerifyResult] = {}
    try:
        if drop is not None:
            os.chown(tmp, *drop)
        ctx = ProbeContext(tmp, disk, allow_dangerous, release, uname.machine)
        done: dict[tuple[str, int], Outcome] = {}

        def check(name: str, value: int) -> Outcome:
            if (name, value) not in done:
                if _dangerous(name, value) and not allow_dangerous:
                    why = "dangerous: never called without allow_dangerous (--allow-dangerous)"
                    done[name, value] = ("skipped", None, why)
                elif not -(2**31) <= value < 2**31:
                    done[name, value] = ("skipped", None, "value does not fit a C int")
                else:
                    out = _outcome(name, value, ctx, timeout, drop)
                    done[name, value] = _explain(name, out, release)
            return done[name, value]

        def add(name: str, value: int | None, source: str, out: Outcome) -> None:
            status, err, evidence = out
            r = VerifyResult(name, value, source, status, err, _errname(err), evidence)
            results[_result_key(r)] = r

        named: set[int] = set()
        for table in tables:
            for m in table.macros:
                if not m.name.startswith(_PREFIXES) or m.kind == "function":
                    continue
                if m.name.startswith("MADV_") and m.value is not None:
                    named.add(m.value)
                if only and not m.name.startswith(only):
                    continue
                if m.value is None:
                    why = f"no integer value ({m.reason or m.kind})"
                    add(m.name, None, table.label, ("skipped", None, why))
                else:
                    add(m.name, m.value, table.label, check(m.name, m.value))

        if not only or only.startswith("MADV_") or "MADV_".startswith(only):
            known, skipped = _scan(max_advice, allow_dangerous, timeout, drop)
            for v in sorted(set(known) | set(skipped)):
                name = GENERIC_ADVICE.get(v, f"MADV_{v}")
                if v in named or (only and not name.startswith(only)):
                    continue
                status, err, evidence = check(name, v)
                note = f"no source names {v}; " + (known.get(v, "kernel scan skipped it"))
                add(name, v, "kernel", (status, err, f"{note}; {evidence}"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    ordered = [results[k] for k in sorted(results)]
    return VerifyReport(uname.release, uname.machine, tuple(_with_hints(ordered)))


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
            r = VerifyResult(
                r.name, r.value, r.source, r.status, r.errno, r.errno_name,
                f"{r.evidence}; {hint}", hint,
            )  # fmt: skip
        out.append(r)
    return out


def render_table(report: VerifyReport) -> str:
    """The report as a text table, kernel release on top and status counts at the bottom."""
    rows = []
    for r in report.results:
        if r.value is None:
            value = "-"
        elif r.name.startswith(("MAP_", "PROT_")):
            value = f"{r.value:#x}"
        else:
            value = str(r.value)
        # names and source labels come from headers and the command line
        rows.append([visible_text(x) for x in (r.name, value, r.source, r.status, r.evidence)])
    body = tabulate(rows, headers=["name", "value", "source", "status", "evidence"])
    counts = {s: sum(r.status == s for r in report.results) for s in STATUSES}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return f"kernel {report.kernel} ({report.machine})\n{body}\n{summary or 'no results'}\n"
