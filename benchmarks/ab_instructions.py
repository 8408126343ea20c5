#!/usr/bin/env python3
"""Two installs of abicheck side by side on one command: the instructions each
executes (valgrind's cachegrind, ``I refs``) and whether their outputs are the
same bytes.

Instruction counts hardly move with the machine's load (they vary by about 0.2%
from run to run, with the hash seed), where CPU seconds on a shared 2-core
machine vary by 5-10%: a change of 1% is seen at once. They are not seconds (a
cache miss costs more than an add), so targets are still measured with
``bench_scale.py``. Both runs go at once, about 40 times slower than without
valgrind (a mips uapi tree: 50 s).

``python benchmarks/ab_instructions.py OLD_VENV NEW_VENV [--arch mips] [--tree DIR...]``
(default: every header under mips's ``linux/`` and ``asm/``, as ``bench_scale.py
--workload cross-tree`` reads them), or ``--arch mips,mipsel --pattern 'linux/*.h'
...`` for architectures read one after another. Needs ``valgrind`` (Debian: ``apt-get install
valgrind``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abicheck import arches  # noqa: E402

_REFS = re.compile(rb"I\s+refs:\s+([\d,]+)")


def _headers(arch: str, trees: list[str]) -> list[str]:
    root = Path(f"/usr/{arches.lookup(arch).triplet}/include")
    dirs = [Path(t) for t in trees] if trees else [root / "linux", root / "asm"]
    return [str(p) for d in dirs for p in sorted(d.rglob("*.h"), key=str)]


def _freestanding(venv: str) -> bytes:
    """The folder of the shipped freestanding headers of the install in ``venv``."""
    py = os.path.join(venv, "bin", "python")
    code = "from abicheck.parse import freestanding_dir; print(freestanding_dir())"
    out = subprocess.run([py, "-c", code], capture_output=True, check=True, cwd="/").stdout
    return out.strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old", help="the venv (or prefix) of one install, bin/abicheck in it")
    ap.add_argument("new", help="the venv of the other")
    ap.add_argument("--arch", default="mips")
    ap.add_argument("--tree", action="append", default=[], help="folders of headers to read")
    ap.add_argument(
        "--pattern",
        action="append",
        default=[],
        help="a header name or quoted glob, as parse takes them, found in each --arch's "
        "folders (instead of --tree's files; --arch mips,mipsel reads a group in one process)",
    )
    args = ap.parse_args(argv)
    headers = args.pattern or _headers(args.arch, args.tree)
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        for k, venv in enumerate((args.old, args.new)):
            exe = os.path.join(venv, "bin", "abicheck")
            py = os.path.join(venv, "bin", "python")
            out = open(os.path.join(tmp, f"{k}.json"), "wb")  # noqa: SIM115
            cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no"]
            cmd += ["--cachegrind-out-file=/dev/null", py, exe, "parse", "--format", "json"]
            cmd += ["--arch", args.arch, *headers]
            procs.append((subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE), out))
        refs = []
        for proc, out in procs:
            _, err = proc.communicate()
            out.close()
            m = _REFS.search(err)
            if m is None:
                print(err.decode(errors="replace")[-2000:], file=sys.stderr)
                return 2
            refs.append(int(m.group(1).replace(b",", b"")))
        # (a shipped header's macros name it in its own install, a venv's or an
        # editable one's checkout: compared without that folder)
        outs = [
            Path(tmp, f"{k}.json").read_bytes().replace(_freestanding(v), b"FREESTANDING")
            for k, v in enumerate((args.old, args.new))
        ]
        same = outs[0] == outs[1]
    print(f"{len(headers)} headers, --arch {args.arch}")
    old, new = refs[0] / 1e9, refs[1] / 1e9
    print(f"old {old:.3f} G instructions, new {new:.3f} G: {new / old:.4f}")
    print("outputs: the same bytes" if same else "outputs: DIFFERENT")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
