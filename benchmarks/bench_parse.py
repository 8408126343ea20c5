#!/usr/bin/env python3
"""Time `abicheck parse --format json` over the host uapi tree against `gcc -dM -E`.

Both read every header directly under /usr/include/linux, /usr/include/asm-generic
and the host's asm folder: abicheck in one call (it also evaluates every value),
gcc once per header, as a build would. Prints both times and their ratio; the
target is a ratio of at most 0.25. Usage: python benchmarks/bench_parse.py [--runs N]

Headers that cannot be read alone (an ``#error``, a missing include) fail in both
tools: they are counted and listed, not hidden. Any other failure (abicheck
crashing or printing no JSON, gcc missing or killed) stops the benchmark with
exit 1 and the tool's stderr.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class ToolFailed(Exception):
    """A tool failed in a way the headers do not explain."""


def host_asm() -> Path:
    triplet = {"x86_64": "x86_64-linux-gnu", "aarch64": "aarch64-linux-gnu"}.get(
        platform.machine(), f"{platform.machine()}-linux-gnu"
    )
    return Path("/usr/include") / triplet / "asm"


def gcc_search_dirs() -> list[str]:
    """The folders gcc searches for ``#include <...>``, in order."""
    proc = subprocess.run(
        ["gcc", "-E", "-v", "-x", "c", "-"],
        input="",
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stderr.splitlines()
    start = lines.index("#include <...> search starts here:") + 1
    end = lines.index("End of search list.")
    return [ln.strip() for ln in lines[start:end]]


def headers() -> list[str]:
    out: list[str] = []
    for folder in (Path("/usr/include/linux"), Path("/usr/include/asm-generic"), host_asm()):
        out += [str(p) for p in sorted(folder.glob("*.h"))]
    return out


def time_abicheck(hs: list[str], include: list[str]) -> tuple[float, list[str]]:
    """Wall time of one ``abicheck parse`` over ``hs``, and its per-header errors."""
    exe = shutil.which("abicheck")
    cmd = [exe] if exe else [sys.executable, "-m", "abicheck"]
    argv = cmd + ["parse", "--format", "json"] + [f"-I{d}" for d in include] + hs
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE, check=False)
        elapsed = time.perf_counter() - start
        out.seek(0)
        data = out.read()
    stderr = proc.stderr.decode("utf-8", "replace")
    # 0: every header read; 2: some header refused (each one is in the JSON)
    if proc.returncode not in (0, 2):
        raise ToolFailed(f"abicheck exited {proc.returncode}:\n{stderr}")
    try:
        results = json.loads(data)
    except ValueError as exc:
        raise ToolFailed(f"abicheck printed no valid JSON ({exc}):\n{stderr}") from None
    if [r.get("header") for r in results] != hs:
        raise ToolFailed("abicheck's JSON does not list the headers it was given")
    errors = [r["error"] for r in results if "error" in r]
    if (proc.returncode == 2) != bool(errors):
        raise ToolFailed(f"abicheck exited {proc.returncode} with {len(errors)} header errors")
    return elapsed, errors


def time_gcc(hs: list[str], include: list[str]) -> tuple[float, list[str]]:
    """Wall time of one ``gcc -dM -E`` per header, and the headers gcc refused."""
    failed: list[str] = []
    start = time.perf_counter()
    for h in hs:
        proc = subprocess.run(
            ["gcc", "-dM", "-E", *[f"-I{d}" for d in include], h],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        if proc.returncode < 0:
            raise ToolFailed(f"gcc killed by signal {-proc.returncode} on {h}")
        if proc.returncode != 0:
            lines = proc.stderr.decode("utf-8", "replace").splitlines()
            first = next((ln for ln in lines if "error" in ln), lines[0] if lines else "")
            failed.append(f"{h}: {first}" if first else h)
    return time.perf_counter() - start, failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="best of N runs (default 3)")
    args = ap.parse_args()
    hs = headers()
    include = [str(host_asm().parent), "/usr/include"]
    # gcc also searches its own folders (stddef.h, limits.h, ...): abicheck gets them too
    abicheck_include = include + [d for d in gcc_search_dirs() if d not in include]
    try:
        runs_a = [time_abicheck(hs, abicheck_include) for _ in range(args.runs)]
        runs_g = [time_gcc(hs, include) for _ in range(args.runs)]
    except (ToolFailed, OSError) as exc:
        print(f"bench_parse: {exc}", file=sys.stderr)
        return 1
    best_a = min(t for t, _ in runs_a)
    best_g = min(t for t, _ in runs_g)
    errors_a, failed_g = runs_a[0][1], runs_g[0][1]
    if len(failed_g) == len(hs):
        print(f"bench_parse: gcc failed on every header, e.g. {failed_g[0]}", file=sys.stderr)
        return 1
    print(f"headers: {len(hs)}")
    print(f"abicheck refused {len(errors_a)}:")
    for e in errors_a:
        print(f"  {e}")
    print(f"gcc failed on {len(failed_g)}:")
    for e in failed_g:
        print(f"  {e}")
    print(f"abicheck parse --format json (one call): {best_a:.2f} s")
    print(f"gcc -dM -E (one run per header):        {best_g:.2f} s")
    print(f"ratio abicheck/gcc: {best_a / best_g:.2f} (target <= 0.25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
