#!/usr/bin/env python3
"""Time ``abicheck binding`` over a whole binding: every architecture's table of Go's
x/sys and Zig's linux.zig (the files in tests/fixtures/bindings), checked against the
kernel headers and the C library's. The target is under 2 s wall each, interpreter
start-up included. Prints the median and range of ``--runs`` runs (default 5).
Usage: python benchmarks/bench_binding.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

FIX = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bindings"
SOURCES = {
    "go x/sys 0.3.0 (15 architectures)": f"go:{FIX / 'go'}",
    "zig 0.17.1 linux.zig (36 architectures)": f"zig:{FIX / 'zig/lib/std/os/linux.zig'}",
}
if (FIX / "rust").is_dir():
    SOURCES["rust libc 0.2.139 (gnu and musl targets)"] = (
        f"rust:{next((FIX / 'rust').glob('libc-*'))}"
    )


def once(spec: str) -> float:
    exe = shutil.which("abicheck")
    cmd = [exe] if exe else [sys.executable, "-m", "abicheck"]
    start = time.perf_counter()
    proc = subprocess.run([*cmd, "binding", spec, "--fail-on", "never"], capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"abicheck binding {spec} exited {proc.returncode}:\n{proc.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in SOURCES}
    for _ in range(args.runs):  # interleaved, so drifting load touches each alike
        for name, spec in SOURCES.items():
            times[name].append(once(spec))
    for name, ts in times.items():
        print(f"{name}: median {statistics.median(ts):.2f} s (range {min(ts):.2f}-{max(ts):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
