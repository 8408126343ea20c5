"""Benchmark: ``abicheck compare arch:all`` against ``gcc -dM -E`` over the same headers.

Run from the repository (or with abicheck installed)::

    python benchmarks/bench_compare.py [--repeat N]

In one run it times, over every architecture whose sysroot is installed
(``/usr/<triplet>/include`` from Debian's cross packages, ``/usr/include`` for the host):

* abicheck, cold: a fresh interpreter that imports abicheck, reads every
  architecture's ``linux/mman.h`` (one Reader each), compares and renders the table:
  what ``abicheck compare arch:all`` costs (the command itself too, when the CLI has it);
* abicheck, warm: the same library calls again inside one process;
* gcc: ``gcc -dM -E`` on the same header with the same include dirs and the
  architecture's predefines, one run per architecture (names and bodies only: gcc
  evaluates no values that way).

Prints each best-of-N wall time and the ratio; exits 1 when abicheck cold takes 1 s or more.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from abicheck.arches import debian_arches, include_dirs  # noqa: E402
from abicheck.cc import compiler_flags  # noqa: E402
from abicheck.compare import compare  # noqa: E402
from abicheck.report import render_comparison  # noqa: E402
from abicheck.sources import SourceOptions, load_sources  # noqa: E402

TARGET_SECONDS = 1.0
COLD = (
    "from abicheck.sources import SourceOptions, load_sources\n"
    "from abicheck.compare import compare\n"
    "from abicheck.report import render_comparison\n"
    "t = load_sources({specs!r}, SourceOptions(arch_from='installed'))\n"
    "c = compare(t)\n"
    "text = render_comparison(c)\n"
    "assert len(t) == {n} and 'MAP_ANONYMOUS' in text\n"
)


def best(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    installed = [(a, include_dirs(a)) for a in debian_arches()]
    arches = [(a, dirs) for a, dirs in installed if dirs is not None]
    missing = [a.cross_package for a, dirs in installed if dirs is None]
    if missing:
        print(f"not installed (left out): {' '.join(missing)}")
    if not arches:
        print("no sysroots installed: apt-get install linux-libc-dev-<arch>-cross")
        return 2
    env = dict(os.environ, PYTHONPATH=str(REPO))
    specs = [f"arch:{a.name}" for a, _ in arches]
    cold_code = COLD.format(n=len(arches), specs=specs)

    def cold() -> None:
        # check=True and stderr shown: a failing abicheck stops the benchmark
        subprocess.run([sys.executable, "-c", cold_code], check=True, env=env)

    def warm() -> None:
        tables = load_sources(specs, SourceOptions(arch_from="installed"))
        render_comparison(compare(tables))

    gcc_runs = []
    for arch, dirs in arches:
        header = next(d / "linux" / "mman.h" for d in dirs if (d / "linux" / "mman.h").is_file())
        flags = compiler_flags(arch, dirs)
        gcc_runs.append(["gcc", *flags, "-dM", "-E", str(header)])

    def gcc() -> None:
        for argv in gcc_runs:
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    cli = shutil.which("abicheck")
    has_compare = False
    if cli:
        probe = subprocess.run([cli, "compare", "--help"], capture_output=True, env=env)
        has_compare = probe.returncode == 0

    def command() -> None:
        assert cli is not None
        proc = subprocess.run(
            [cli, "compare", "arch:all"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            check=False,
        )
        # 0 all agree, 1 some row differs; anything else is a failure, not a timing
        if proc.returncode not in (0, 1):
            stderr = proc.stderr.decode("utf-8", "replace")
            raise SystemExit(f"abicheck compare arch:all exited {proc.returncode}:\n{stderr}")

    n = len(arches)
    t_cold = best(cold, args.repeat)
    t_warm = best(warm, args.repeat)
    t_gcc = best(gcc, args.repeat)
    print(f"{n} architectures, linux/mman.h, best of {args.repeat}")
    print(f"abicheck cold (new interpreter: import, read, compare, render): {t_cold:.3f} s")
    if has_compare:
        t_cmd = best(command, args.repeat)
        print(f"abicheck compare arch:all (the command):                      {t_cmd:.3f} s")
    print(f"abicheck warm (library calls in one process):                    {t_warm:.3f} s")
    print(f"gcc -dM -E, one run per architecture:                            {t_gcc:.3f} s")
    print(f"ratio abicheck cold / gcc: {t_cold / t_gcc:.2f}; warm / gcc: {t_warm / t_gcc:.2f}")
    ok = t_cold < TARGET_SECONDS
    print(f"target: abicheck under {TARGET_SECONDS:.0f} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
