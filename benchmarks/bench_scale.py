#!/usr/bin/env python3
"""abicheck against ``gcc -dM -E`` on the workloads of the scale issue, interleaved.

Workloads (``--workload``, default all):

* ``host-tree``: every header directly under /usr/include/linux, asm-generic and the
  host's asm folder; abicheck in one ``parse --format json`` call, gcc once per
  header (target: CPU ratio <= 0.15);
* ``one-header``: ``parse /usr/include/linux/mman.h`` (target: 40 ms wall), and
  the floor under it: abicheck's interpreter starting (``-c pass``), and starting
  and importing the standard modules that run imports (found by ``-X importtime``);
* ``compare-nl80211``: ``compare arch:all --header linux/nl80211.h`` against gcc
  on that header once per installed architecture, with its predefines;
* ``usr-include``: every header under /usr/include, one call (target: peak memory
  under 300 MB);
* ``arch-trees``: the uapi tree of every installed Debian architecture, one
  ``parse --arch NAME`` call each, against gcc per header with that architecture's
  flags;
* ``all-arches``: the uapi of every installed Debian architecture at once, ``parse
  --arch all 'linux/*.h' 'asm/*.h' 'asm-generic/*.h'`` (one call; target: 5 s wall on
  2 cores), against gcc per header per architecture with that architecture's flags,
  and one ``parse --arch NAME`` call per architecture (as ``arch-trees``);
* ``verify``: ``abicheck verify``, the full sweep of the default sources against the
  running kernel (target: 0.8 s wall; it has no peer: only its own times);
* ``cross-tree``: the uapi tree (every header under linux/ and asm/) of one
  architecture (``--arch``, default mips), ``parse --arch NAME`` in one call, struct
  layouts and every value evaluated, against that architecture's own cross compiler
  ``<triplet>-gcc -dM -E`` once per header (target: CPU ratio <= 0.25).

Each round runs abicheck then gcc; medians with min-max of CPU and wall seconds and
the peak memory are printed. ``python benchmarks/bench_scale.py --runs 5``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import Tool, ToolFailed, interleave, report  # noqa: E402

from abicheck import arches  # noqa: E402
from abicheck.cc import compiler_flags  # noqa: E402


def abicheck_cmd() -> list[str]:
    exe = shutil.which("abicheck")
    return [exe] if exe else [sys.executable, "-m", "abicheck"]


def gcc_flags(arch: arches.Arch) -> tuple[str, ...]:
    """``gcc -dM -E``'s flags for ``arch``, searching the folders abicheck searches
    for it: its freestanding headers (gcc's own are the host's), then the sysroot's.
    Without them gcc refuses every header that includes <stddef.h> or <limits.h>
    (35 of each architecture's), doing less work than abicheck."""
    from abicheck.parse import target_setup

    return compiler_flags(arch, target_setup(arch.name, None, ()).system_dirs)


def accept(*codes: int, refused: int | None = None):  # type: ignore[no-untyped-def]
    """A check: the exit status is one of ``codes``; with ``refused``, that status
    counts as one header refused (gcc once per header)."""

    def check(rc: int, out: bytes, err: bytes) -> int | None:
        if rc not in codes:
            raise ToolFailed(f"exit {rc}: {err.decode('utf-8', 'replace')[:2000]}")
        return None if refused is None else int(rc == refused)

    return check


def host_headers() -> list[str]:
    host = arches.host_arch()
    out: list[str] = []
    for folder in (
        Path("/usr/include/linux"),
        Path("/usr/include/asm-generic"),
        Path("/usr/include") / host.multiarch / "asm",
    ):
        out += [str(p) for p in sorted(folder.glob("*.h"))]
    return out


def refusals(rc: int, out: bytes, err: bytes) -> int:
    """A check of a ``parse --format json`` call: exit 0 or 2; the results refused."""
    if rc not in (0, 2):
        raise ToolFailed(f"abicheck exit {rc}: {err.decode('utf-8', 'replace')[:2000]}")
    return out.count(b'"error": "')


def json_check(n: int, lead: bytes = b'{"header": '):  # type: ignore[no-untyped-def]
    """A check: abicheck's JSON lists ``n`` results; returns how many are refusals."""

    def check(rc: int, out: bytes, err: bytes) -> int:
        refused = refusals(rc, out, err)
        # counted, not parsed: the benchmark keeps its own memory small
        found = out.count(lead)
        if found != n or not out.rstrip().endswith(b"]"):
            raise ToolFailed(f"abicheck's JSON lists {found} results, not {n}")
        return refused

    return check


def workload_host_tree() -> tuple[list[Tool], float | None]:
    hs = host_headers()
    # no -I: both search the compiler's own path (with its <stddef.h>, <limits.h>)
    a = Tool(
        "abicheck parse (one call)",
        [[*abicheck_cmd(), "parse", "--format", "json", *hs]],
        json_check(len(hs)),
    )
    g = Tool(
        "gcc -dM -E (per header)", [["gcc", "-dM", "-E", h] for h in hs], accept(0, 1, refused=1)
    )
    return [a, g], 0.15


def abicheck_python() -> str:
    """The interpreter the ``abicheck`` command runs on (its script's ``#!`` line)."""
    exe = shutil.which("abicheck")
    if exe:
        with open(exe, "rb") as f:
            first = f.readline()
        if first.startswith(b"#!") and b" " not in first.strip():
            return first[2:].strip().decode()
    return sys.executable


def standard_modules(python: str, argv: list[str]) -> list[str]:
    """The standard library's modules that ``python -m abicheck ARGV`` imports, in
    the order their imports end (from ``-X importtime``), but for ``runpy`` (-m's)."""
    import subprocess

    proc = subprocess.run(
        [python, "-X", "importtime", "-m", "abicheck", *argv], capture_output=True, check=False
    )
    out: dict[str, None] = {}
    for line in proc.stderr.decode("utf-8", "replace").splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        name = line.rsplit("|", 1)[1].strip()
        if name.split(".")[0] in sys.stdlib_module_names and name != "runpy":
            out[name] = None
    if not out:
        raise ToolFailed(f"no imports told by {python} -X importtime: {proc.stderr[:500]!r}")
    return list(out)


def workload_one_header() -> tuple[list[Tool], float | None]:
    h = "/usr/include/linux/mman.h"
    a = Tool("abicheck parse linux/mman.h", [[*abicheck_cmd(), "parse", h]], accept(0))
    g = Tool("gcc -dM -E linux/mman.h", [["gcc", "-dM", "-E", h]], accept(0))
    # the floor under abicheck's own code: its interpreter starting, then that with
    # the standard modules the same run imports (re, json, argparse, typing, ...)
    py = abicheck_python()
    mods = standard_modules(py, ["parse", h])
    bare = Tool("python -c pass (abicheck's interpreter)", [[py, "-c", "pass"]], accept(0))
    std = Tool(
        f"python importing its {len(mods)} standard modules",
        [[py, "-c", "import " + ", ".join(mods)]],
        accept(0),
    )
    return [a, g, bare, std], None


def workload_verify() -> tuple[list[Tool], float | None]:
    # exit 1: a value differs (the embedded ARM header's MADV_REMOVE), as expected
    a = Tool("abicheck verify (full sweep)", [[*abicheck_cmd(), "verify"]], accept(0, 1))
    return [a], None


def _installed() -> list[arches.Arch]:
    return [a for a in arches.debian_arches() if arches.include_dirs(a)]


def workload_compare_nl80211() -> tuple[list[Tool], float | None]:
    a = Tool(
        "abicheck compare arch:all",
        [[*abicheck_cmd(), "compare", "arch:all", "--header", "linux/nl80211.h"]],
        accept(0, 1),
    )
    cmds = []
    for arch in _installed():
        cmds.append(
            [
                "gcc",
                "-dM",
                "-E",
                *gcc_flags(arch),
                "-include",
                "linux/nl80211.h",
                "-x",
                "c",
                "/dev/null",
            ]
        )
    g = Tool(f"gcc -dM -E ({len(cmds)} architectures)", cmds, accept(0))
    return [a, g], None


def workload_usr_include() -> tuple[list[Tool], float | None]:
    hs = sorted(str(p) for p in Path("/usr/include").rglob("*.h"))
    # no -I, as host-tree: both search the compiler's own path
    a = Tool(
        "abicheck parse /usr/include (one call)",
        [[*abicheck_cmd(), "parse", "--format", "json", *hs]],
        json_check(len(hs)),
    )
    g = Tool(
        "gcc -dM -E (per header)", [["gcc", "-dM", "-E", h] for h in hs], accept(0, 1, refused=1)
    )
    return [a, g], None


def workload_arch_trees() -> tuple[list[Tool], float | None]:
    a_cmds, g_cmds = [], []
    for arch in _installed():
        dirs = arches.include_dirs(arch) or ()
        root = Path(dirs[0])
        hs = [
            str(p)
            for sub in ("linux", "asm", "asm-generic")
            for p in sorted((root / sub).glob("*.h"))
        ]
        a_cmds.append([*abicheck_cmd(), "parse", "--format", "json", "--arch", arch.name, *hs])
        flags = gcc_flags(arch)
        g_cmds += [["gcc", "-dM", "-E", *flags, h] for h in hs]
    a = Tool("abicheck parse --arch (per arch)", a_cmds, refusals)
    g = Tool("gcc -dM -E (per header)", g_cmds, accept(0, 1, refused=1))
    return [a, g], 0.25


UAPI_PATTERNS = ("linux/*.h", "asm/*.h", "asm-generic/*.h")


def workload_all_arches() -> tuple[list[Tool], float | None]:
    from abicheck.multiarch import arch_list, plan_arches

    plans, _ = plan_arches(arch_list("all"), UAPI_PATTERNS)
    n = sum(len(p.headers) for p in plans)
    check = json_check(n, b'{"arch": ')
    a = Tool(
        f"abicheck parse --arch all ({len(plans)} arches)",
        [[*abicheck_cmd(), "parse", "--format", "json", "--arch", "all", *UAPI_PATTERNS]],
        check,
    )
    g_cmds, a_cmds = [], []
    for plan in plans:
        arch = arches.lookup(plan.arch)
        flags = gcc_flags(arch)
        g_cmds += [["gcc", "-dM", "-E", *flags, path] for _, path in plan.headers]
        a_cmds.append(
            [*abicheck_cmd(), "parse", "--format", "json", "--arch", arch.name, *UAPI_PATTERNS]
        )
    g = Tool(f"gcc -dM -E ({n} headers)", g_cmds, accept(0, 1, refused=1))
    one = Tool("abicheck parse --arch NAME (per arch)", a_cmds, refusals)
    return [a, g, one], None


def workload_cross_tree() -> tuple[list[Tool], float | None]:
    arch = arches.lookup(ARGS.arch)
    root = Path("/usr") / arch.triplet / "include"
    hs = [str(p) for sub in ("linux", "asm") for p in sorted((root / sub).rglob("*.h"))]
    a = Tool(
        f"abicheck parse --arch {arch.name} (one call)",
        [[*abicheck_cmd(), "parse", "--format", "json", "--arch", arch.name, *hs]],
        json_check(len(hs)),
    )
    cc = "gcc" if arches.is_host(arch) else f"{arch.triplet}-gcc"
    g = Tool(
        f"{cc} -dM -E (per header)", [[cc, "-dM", "-E", h] for h in hs], accept(0, 1, refused=1)
    )
    return [a, g], 0.25


WORKLOADS = {
    "host-tree": workload_host_tree,
    "one-header": workload_one_header,
    "compare-nl80211": workload_compare_nl80211,
    "usr-include": workload_usr_include,
    "arch-trees": workload_arch_trees,
    "cross-tree": workload_cross_tree,
    "verify": workload_verify,
    "all-arches": workload_all_arches,
}
ARGS = argparse.Namespace(arch="mips")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    ap.add_argument(
        "--workload",
        action="append",
        choices=sorted(WORKLOADS),
        help="workload to run (repeatable; default: all)",
    )
    ap.add_argument("--arch", default="mips", help="cross-tree: the architecture (default mips)")
    args = ap.parse_args()
    ARGS.arch = args.arch
    for name in args.workload or list(WORKLOADS):
        tools, target = WORKLOADS[name]()
        try:
            interleave(tools, args.runs)
        except ToolFailed as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 1
        print(f"== {name} ({args.runs} rounds)")
        print(report(tools, target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
