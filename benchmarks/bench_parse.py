#!/usr/bin/env python3
"""Time `abicheck parse --format json` over the host uapi tree against `gcc -dM -E`.

Both read every header directly under /usr/include/linux, /usr/include/asm-generic
and the host's asm folder: abicheck in one call (it also evaluates every value),
gcc once per header, as a build would. Prints both times and their ratio; the
target is a ratio of at most 0.25. Usage: python benchmarks/bench_parse.py [--runs N]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path


def host_asm() -> Path:
    triplet = {"x86_64": "x86_64-linux-gnu", "aarch64": "aarch64-linux-gnu"}.get(
        platform.machine(), f"{platform.machine()}-linux-gnu"
    )
    return Path("/usr/include") / triplet / "asm"


def headers() -> list[str]:
    out: list[str] = []
    for folder in (Path("/usr/include/linux"), Path("/usr/include/asm-generic"), host_asm()):
        out += [str(p) for p in sorted(folder.glob("*.h"))]
    return out


def time_abicheck(hs: list[str], include: list[str]) -> float:
    exe = shutil.which("abicheck")
    cmd = [exe] if exe else [sys.executable, "-m", "abicheck"]
    argv = cmd + ["parse", "--format", "json"] + [f"-I{d}" for d in include] + hs
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def time_gcc(hs: list[str], include: list[str]) -> float:
    start = time.perf_counter()
    for h in hs:
        subprocess.run(
            ["gcc", "-dM", "-E", *[f"-I{d}" for d in include], h],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="best of N runs (default 3)")
    args = ap.parse_args()
    hs = headers()
    include = [str(host_asm().parent), "/usr/include"]
    best_a = min(time_abicheck(hs, include) for _ in range(args.runs))
    best_g = min(time_gcc(hs, include) for _ in range(args.runs))
    print(f"headers: {len(hs)}")
    print(f"abicheck parse --format json (one call): {best_a:.2f} s")
    print(f"gcc -dM -E (one run per header):        {best_g:.2f} s")
    print(f"ratio abicheck/gcc: {best_a / best_g:.2f} (target <= 0.25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
