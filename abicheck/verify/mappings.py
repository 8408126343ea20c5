"""The mappings probes work on, each unmapped (and its fd closed) when the block ends."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator

from abicheck.verify import libc
from abicheck.verify.linux import MAP_ANON, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_RW
from abicheck.verify.model import Outcome, ProbeContext, Verdict


@contextlib.contextmanager
def anon(npages: int, prot: int = PROT_RW) -> Iterator[int]:
    """A private anonymous mapping fenced by PROT_NONE pages so it never merges."""
    page = libc.page()
    base, err = libc.mmap((npages + 2) * page, 0, MAP_PRIVATE | MAP_ANON)
    if err:
        raise OSError(err, f"mmap: {libc.errname(err)}")
    try:
        err = libc.call("mprotect", base + page, npages * page, prot)
        if err:
            raise OSError(err, f"mprotect: {libc.errname(err)}")
        yield base + page
    finally:
        libc.call("munmap", base, (npages + 2) * page)


@contextlib.contextmanager
def mapping(length: int, prot: int, flags: int, fd: int = -1, addr: int = 0) -> Iterator[int]:
    """A raw mmap; yields -errno on failure (nothing to unmap)."""
    res, err = libc.mmap(length, prot, flags, fd, addr)
    try:
        yield res if not err else -err
    finally:
        if not err:
            libc.call("munmap", res, length)


@contextlib.contextmanager
def filled(npages: int) -> Iterator[int]:
    """``anon(npages)`` with every byte 0x5a, so pages are resident and a zero-fill shows."""
    with anon(npages) as a:
        libc.fill(a, npages * libc.page())
        yield a


@contextlib.contextmanager
def memfd_file(npages: int) -> Iterator[int]:
    """A memfd of ``npages`` pages, closed after the block."""
    fd = os.memfd_create("abicheck-verify", os.MFD_CLOEXEC)
    try:
        os.ftruncate(fd, npages * libc.page())
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def memfd(npages: int) -> Iterator[tuple[int, int]]:
    """A memfd of ``npages`` pages mapped shared read-write: (address, fd)."""
    with memfd_file(npages) as fd, _shared(fd, npages, PROT_RW, "mmap memfd") as addr:
        yield addr, fd


@contextlib.contextmanager
def diskfile(ctx: ProbeContext, npages: int) -> Iterator[tuple[int, int]]:
    """A clean, unlinked file in the scratch dir, mapped shared read-only: (address, fd)."""
    if not ctx.tmpdir:
        raise Verdict(Outcome("skipped", "no usable scratch folder for a file mapping"))
    try:
        fd, path = tempfile.mkstemp(dir=ctx.tmpdir)
    except OSError as exc:
        raise Verdict(Outcome("skipped", f"no scratch file: {exc.strerror}")) from None
    try:
        os.unlink(path)
        try:
            os.write(fd, b"\xa5" * (npages * libc.page()))
            os.fsync(fd)
        except OSError as exc:  # a full disk, RLIMIT_FSIZE
            raise Verdict(
                Outcome("skipped", f"cannot write a scratch file: {exc.strerror}")
            ) from None
        with _shared(fd, npages, PROT_READ, "mmap file") as addr:
            yield addr, fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def _shared(fd: int, npages: int, prot: int, what: str) -> Iterator[int]:
    with mapping(npages * libc.page(), prot, MAP_SHARED, fd) as addr:
        if addr < 0:
            raise OSError(-addr, what)
        yield addr


def evict(fd: int, addr: int, npages: int) -> int:
    """Drop a clean file's page cache; the pages still resident afterwards."""
    for _ in range(3):
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        left = libc.resident(addr, npages)
        if left == 0:
            return 0
        time.sleep(0.01)
    return left
