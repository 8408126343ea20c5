"""The ctypes binding of libc's memory calls: each returns 0 or the errno of the failure.

``load()`` resolves libc once per process; the verifier calls it in the parent
before forking, so a probe's child inherits the binding instead of resolving
libc again (``find_library`` runs ``ldconfig -p``, a process per call).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno as errnos
import os
from functools import cache
from typing import Any

_MAP_FAILED = ctypes.c_void_p(-1).value


@cache
def load() -> ctypes.CDLL:
    """libc, with the argument and result types of every call the probes make."""
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
    return lib


def call(fn: str, *args: Any) -> int:
    """Call libc's ``fn``: 0, or the errno of a failed call."""
    ctypes.set_errno(0)
    rc = getattr(load(), fn)(*args)
    return (ctypes.get_errno() or errnos.EIO) if rc != 0 else 0


def mmap(length: int, prot: int, flags: int, fd: int = -1, addr: int = 0) -> tuple[int, int]:
    """(address, 0) or (0, errno)."""
    ctypes.set_errno(0)
    res = load().mmap(addr or None, length, prot, flags, fd, 0)
    if res is None or res == _MAP_FAILED:
        return 0, ctypes.get_errno() or errnos.EIO
    return int(res), 0


def page() -> int:
    return os.sysconf("SC_PAGE_SIZE")


def errname(err: int | None) -> str:
    """The symbolic name of ``err`` ("" for none)."""
    if not err:
        return ""
    if err == errnos.EOPNOTSUPP:
        return "EOPNOTSUPP"
    return errnos.errorcode.get(err, f"errno {err}")


def madvise(addr: int, length: int, advice: int) -> int:
    return call("madvise", addr, length, advice)


def resident(addr: int, npages: int) -> int:
    """How many of the ``npages`` pages at ``addr`` mincore reports resident (-1 on error)."""
    vec = (ctypes.c_ubyte * npages)()
    if call("mincore", addr, npages * page(), vec):
        return -1
    return sum(b & 1 for b in vec)


def read(addr: int, length: int) -> bytes:
    return ctypes.string_at(addr, length)


def fill(addr: int, length: int, byte: int = 0x5A) -> None:
    ctypes.memset(addr, byte, length)
