"""Readers of the kernel's view of this process: /proc/self/smaps, mountinfo, /proc/sys."""

from __future__ import annotations

import os
import re

_VMA_RE = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ")


def vma(addr: int) -> dict[str, str]:
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


def flags(addr: int) -> frozenset[str]:
    """The VmFlags of the mapping containing ``addr``."""
    return frozenset(vma(addr).get("VmFlags", "").split())


def kb(vma: dict[str, str], field: str) -> int:
    """A "N kB" field of a smaps entry (0 if absent)."""
    return int(vma.get(field, "0 kB").split()[0])


def read_int(path: str) -> int | None:
    """The first integer in ``path`` (a /proc/sys knob), None if unreadable."""
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def fstype(path: str) -> str:
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


def release() -> tuple[int, int]:
    """The running kernel's (major, minor) release."""
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return (int(m[1]), int(m[2])) if m else (0, 0)
