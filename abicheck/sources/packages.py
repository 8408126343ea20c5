"""Debian package versions of the files sources read (one ``dpkg-query`` run)."""

from __future__ import annotations

import os
import subprocess
from functools import lru_cache

from ..arches import debian_arches

HOST_UAPI_PACKAGE = "linux-libc-dev"
LIBC_DEV_PACKAGE = "libc6-dev"
#: Seconds a ``dpkg-query`` run may take; past them it is given up as if dpkg were missing.
DPKG_TIMEOUT = 10


@lru_cache(maxsize=8)
def _dpkg_versions(packages: tuple[str, ...]) -> dict[str, str]:
    try:
        proc = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${db:Status-Abbrev}\n", *packages],
            capture_output=True,
            text=True,
            env=dict(os.environ, LC_ALL="C"),
            timeout=DPKG_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return {}  # no dpkg, or a hung one (a locked or broken database): no versions
    out: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[2].startswith("ii") and parts[1]:
            out[parts[0].split(":")[0]] = parts[1]
    return out


def package_versions() -> dict[str, str]:
    """Installed versions of the packages sources come from (one ``dpkg-query`` run).

    Covers every architecture's cross package, ``linux-libc-dev`` and ``libc6-dev``;
    empty where dpkg is missing or hangs (:data:`DPKG_TIMEOUT`), and packages not
    installed are left out.
    """
    names = [a.cross_package for a in debian_arches()] + [HOST_UAPI_PACKAGE, LIBC_DEV_PACKAGE]
    return _dpkg_versions(tuple(names))


def package_version(package: str) -> str:
    """The installed version of ``package``, or "" when it is not installed (the
    packages of :func:`package_versions` in one run for all, any other on its own)."""
    known = package_versions()
    if package in known:
        return known[package]
    return _dpkg_versions((package,)).get(package, "")


@lru_cache(maxsize=64)
def package_of(path: str) -> str:
    """The installed Debian package that owns the file ``path`` (``dpkg -S``), or "" when
    none does or dpkg is missing (a few seconds at most: dpkg-query has a timeout)."""
    try:
        proc = subprocess.run(
            ["dpkg-query", "-S", path],
            capture_output=True,
            text=True,
            env=dict(os.environ, LC_ALL="C"),
            timeout=DPKG_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    first = proc.stdout.splitlines()[0] if proc.returncode == 0 and proc.stdout else ""
    return first.split(":", 1)[0].split(",")[0].strip()
