"""Interleaved timing of two tools: CPU and wall seconds, peak memory, medians.

Each run of a workload is a list of commands (one for abicheck, one per header for
gcc -dM -E); a round runs every tool's commands once, tools alternating, so load
that drifts during the benchmark falls on both alike. CPU time is the children's
user + system time (``os.wait4``), peak memory the largest child's maximum resident
set as ``/usr/bin/time -f %M`` reports it (wait4's own ``ru_maxrss`` would count
the benchmark's memory too: a child starts as a copy of it); without
/usr/bin/time (Debian's package ``time``) the peak is not reported.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Commands = Sequence[Sequence[str]]


class ToolFailed(Exception):
    """A tool failed in a way the workload does not explain."""


@dataclass
class Sample:
    wall: float
    cpu: float
    peak_kb: int
    refused: int | None = None  # headers the tool refused, where its check counts them


@dataclass
class Tool:
    """A tool of a workload: its commands, and a check of each command's exit status
    and output (raise ToolFailed to stop the benchmark), which returns how many
    headers the command refused, or None where it does not count them."""

    name: str
    commands: Commands
    check: Callable[[int, bytes, bytes], int | None] = lambda rc, out, err: None
    samples: list[Sample] = field(default_factory=list)


def run_once(tool: Tool) -> Sample:
    """Run ``tool``'s commands one after another: wall, CPU and peak memory of them all."""
    wall = cpu = 0.0
    peak = 0
    refused: int | None = None
    gnu_time = shutil.which("time", path="/usr/bin")
    with tempfile.NamedTemporaryFile(prefix="abicheck-bench-") as rss:
        for argv in tool.commands:
            prefix = [gnu_time, "-f", "%M", "-o", rss.name] if gnu_time else []
            start = time.perf_counter()
            proc = subprocess.Popen(
                [*prefix, *argv],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
            )
            out, err = _communicate(proc)
            _, status, usage = os.wait4(proc.pid, 0)
            wall += time.perf_counter() - start
            cpu += usage.ru_utime + usage.ru_stime
            if gnu_time:
                with open(rss.name) as f:
                    text = f.read().split()
                peak = max(peak, int(text[-1]) if text else 0)
            rc = os.waitstatus_to_exitcode(status)
            if rc < 0:
                raise ToolFailed(f"{tool.name} killed by signal {-rc}: {' '.join(argv[:3])} ...")
            count = tool.check(rc, out, err)
            if count is not None:
                refused = (refused or 0) + count
    return Sample(wall, cpu, peak, refused)


def _communicate(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """Read both pipes to their end without reaping the child (wait4 does that)."""
    import selectors

    chunks: dict[int, list[bytes]] = {}
    sel = selectors.DefaultSelector()
    for pipe in (proc.stdout, proc.stderr):
        assert pipe is not None
        sel.register(pipe, selectors.EVENT_READ)
        chunks[pipe.fileno()] = []
    while sel.get_map():
        for key, _ in sel.select():
            data = os.read(key.fd, 1 << 16)
            if data:
                chunks[key.fd].append(data)
            else:
                sel.unregister(key.fileobj)
    assert proc.stdout is not None and proc.stderr is not None
    out = b"".join(chunks[proc.stdout.fileno()])
    err = b"".join(chunks[proc.stderr.fileno()])
    proc.stdout.close()
    proc.stderr.close()
    return out, err


def interleave(tools: Sequence[Tool], runs: int) -> None:
    """``runs`` rounds, each running every tool once, in turn."""
    for _ in range(runs):
        for tool in tools:
            tool.samples.append(run_once(tool))


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def _refused(tool: Tool) -> int | None:
    """The headers ``tool`` refused in its last round (the same in every round)."""
    return tool.samples[-1].refused if tool.samples else None


def report(tools: Sequence[Tool], target: float | None = None) -> str:
    """Medians with min-max of CPU and wall seconds, peak memory, and the CPU and wall
    ratios of the first tool to the second."""
    lines = []
    for t in tools:
        cpu = [s.cpu for s in t.samples]
        wall = [s.wall for s in t.samples]
        peak = max(s.peak_kb for s in t.samples) / 1024
        refused = _refused(t)
        told = f"  refused {refused}" if refused is not None else ""
        lines.append(
            f"{t.name:<40} cpu {_spread(cpu)} s  wall {_spread(wall)} s  peak {peak:.0f} MB{told}"
        )
    first = _refused(tools[0]) if tools else None
    for other in tools[1:]:
        refused = _refused(other)
        if first is not None and refused is not None and refused != first:
            lines.append(
                f"warning: {tools[0].name} refused {first} headers, {other.name} {refused}:"
                " their work differs"
            )
    if len(tools) >= 2:
        a, b = tools[0], tools[1]
        cpu_ratio = statistics.median(s.cpu for s in a.samples) / statistics.median(
            s.cpu for s in b.samples
        )
        wall_ratio = statistics.median(s.wall for s in a.samples) / statistics.median(
            s.wall for s in b.samples
        )
        goal = f" (target <= {target})" if target is not None else ""
        lines.append(f"ratio {a.name} / {b.name}: cpu {cpu_ratio:.2f}{goal}, wall {wall_ratio:.2f}")
    return "\n".join(lines)
