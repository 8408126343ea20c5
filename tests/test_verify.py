"""The runtime verifier against the live kernel: real syscalls, as root and as 'nobody'."""

from __future__ import annotations

import contextlib
import ctypes
import glob
import io
import json
import os
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from abicheck import verify as verify_mod
from abicheck.cli import main
from abicheck.model import Macro, Table
from abicheck.report.text import render_verify_table
from abicheck.resources import EMBEDDED_LABEL
from abicheck.sources import load_sources
from abicheck.verify import (
    Outcome,
    ProbeContext,
    VerifyReport,
    VerifyResult,
    kernel_table,
    scratch_prefix,
    verify,
)
from abicheck.verify import scan as verify_scan
from abicheck.verify.harness import Child, run_child, scratch_dir
from abicheck.verify.procfs import fstype

pytestmark = pytest.mark.skipif(os.uname().sysname != "Linux", reason="needs a Linux kernel")

NOBODY = 65534
RELEASE = tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:2])
THP = os.path.isdir("/sys/kernel/mm/transparent_hugepage")
KSM = os.path.isdir("/sys/kernel/mm/ksm")
ARM = EMBEDDED_LABEL  # the embedded ARM header's source label, "arm-2.6.16"
# verify() puts its scratch dir on a filesystem with a page cache if it can (ext4 /tmp here)
DISK_SCRATCH = any(
    os.path.isdir(d) and fstype(d) not in ("tmpfs", "ramfs", "")
    for d in (tempfile.gettempdir(), "/var/tmp")
)


def _table(label: str, values: dict[str, int], file: str = "test.h") -> Table:
    """A hand-made table: only for tests that need deliberately wrong or made-up values."""
    macros = tuple(
        Macro(n, "integer", v, str(v), file, i + 1) for i, (n, v) in enumerate(values.items())
    )
    return Table(label, "header", macros)


@pytest.fixture(scope="module")
def system_table() -> Table:
    """The system's mman constants as the compiler sees them (the real oracle)."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler to read the system's <sys/mman.h>")
    out = subprocess.run(
        [gcc, "-dM", "-E", "-include", "sys/mman.h", "-"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    macros = []
    for line in out.splitlines():
        m = re.fullmatch(r"#define ((?:MADV|MAP|PROT|MS|MCL)_\w+) (0x[0-9a-fA-F]+|\d+)", line)
        if m:
            macros.append(Macro(m[1], "integer", int(m[2], 0), m[2], "sys/mman.h", 0))
    assert any(m.name == "MADV_REMOVE" for m in macros)
    return Table("system", "system", tuple(macros))


@pytest.fixture(scope="module")
def arm_table() -> Table:
    """The embedded ARM mman.h as users load it ("embedded"), read by the real reader."""
    tables = load_sources(["embedded"])
    assert [t.label for t in tables] == [ARM]
    arm = tables[0]
    assert arm.origin.path == "<abicheck>/headers/arm/mman.h"
    assert arm.values()["MADV_REMOVE"] == 5  # the header's claim the kernel must reject
    return arm


@pytest.fixture(scope="module")
def root_report(arm_table: Table, system_table: Table) -> VerifyReport:
    return verify([arm_table, system_table])


@pytest.fixture(scope="module")
def nobody_report(arm_table: Table, system_table: Table) -> Iterator[VerifyReport]:
    """Every probe run as uid 65534 with RLIMIT_MEMLOCK 0: what needs locking must skip."""
    if os.geteuid() != 0:
        pytest.skip("not root: cannot make an unprivileged child; the root-less run covers it")
    soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, hard))
    try:
        report = verify([arm_table, system_table], run_as=NOBODY)
    finally:
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (soft, hard))
    yield report


@pytest.fixture(params=["root", "nobody"])
def report(request: pytest.FixtureRequest) -> VerifyReport:
    rep: VerifyReport = request.getfixturevalue(f"{request.param}_report")
    return rep


def one(report: VerifyReport, name: str, source: str = "system") -> VerifyResult:
    found = report.get(name, source)
    assert len(found) == 1, (name, source, found)
    return found[0]


def test_arm_remove_rejected_with_hint_system_remove_verified(report: VerifyReport) -> None:
    arm = one(report, "MADV_REMOVE", ARM)
    assert (arm.value, arm.status, arm.errno, arm.errno_name) == (5, "rejected", 22, "EINVAL")
    assert arm.evidence.startswith("madvise(5) on a memfd mapping: EINVAL")
    assert arm.hint == "kernel knows MADV_REMOVE as 9"
    assert "kernel knows MADV_REMOVE as 9" in arm.evidence
    sys_remove = one(report, "MADV_REMOVE")
    assert (sys_remove.value, sys_remove.status, sys_remove.errno) == (9, "verified", None)
    assert re.fullmatch(r"st_blocks [1-9]\d* -> 0, reads zeros", sys_remove.evidence)
    assert report.exit_code() == 1


def test_dontneed_zero_fill(report: VerifyReport) -> None:
    for source in ("system", ARM):
        r = one(report, "MADV_DONTNEED", source)
        assert (r.value, r.status) == (4, "verified")
        assert r.evidence == "reads zeros (was 0x5a) on private anonymous memory"


def test_arm_header_rest_verified(report: VerifyReport) -> None:
    # Everything in the embedded header but MADV_REMOVE has the generic value: it verifies
    # where an effect is observable, is accepted where Linux ignores the flag.
    arm = [r for r in report.results if r.source == ARM]
    assert len(arm) >= 30
    by_status: dict[str, set[str]] = {}
    for r in arm:
        by_status.setdefault(r.status, set()).add(r.name)
    assert by_status["rejected"] == {"MADV_REMOVE"}
    assert not {"mismatch", "crashed", "timeout"} & set(by_status)
    assert {"MADV_WILLNEED", "MADV_RANDOM", "MAP_POPULATE", "MS_SYNC"} <= by_status["verified"]


VMFLAG_ADVICE = {
    "MADV_RANDOM": "rr",
    "MADV_SEQUENTIAL": "sr",
    "MADV_DONTFORK": "dc",
    "MADV_DONTDUMP": "dd",
    "MADV_WIPEONFORK": "wf",
    **({"MADV_HUGEPAGE": "hg", "MADV_NOHUGEPAGE": "nh"} if THP else {}),
    **({"MADV_MERGEABLE": "mg"} if KSM else {}),
}


def test_vmflags_appear_and_go_away(report: VerifyReport) -> None:
    assert len(VMFLAG_ADVICE) >= 6
    for name, flag in VMFLAG_ADVICE.items():
        r = one(report, name)
        assert r.status == "verified", r
        assert r.evidence.startswith(f"VmFlags +{flag}"), r
        assert "; gone after MADV_" in r.evidence, r
    for name, flag in {"MADV_NORMAL": "rr", "MADV_DOFORK": "dc", "MADV_DODUMP": "dd"}.items():
        r = one(report, name)
        assert (r.status, r.evidence.split(" (")[0]) == ("verified", f"VmFlags -{flag}"), r


def test_fork_semantics(report: VerifyReport) -> None:
    assert "fork: child gets SIGSEGV reading it" in one(report, "MADV_DONTFORK").evidence
    assert "fork: child reads zeros" in one(report, "MADV_WIPEONFORK").evidence
    assert "fork: child sees the data" in one(report, "MADV_DOFORK").evidence


def test_residency_checks(report: VerifyReport) -> None:
    if not DISK_SCRATCH:  # no page cache to watch: only "returned 0" is checked
        for name in ("MADV_WILLNEED", "MADV_COLD", "MADV_PAGEOUT"):
            r = one(report, name)
            assert r.status == "accepted" and "on private anonymous memory" in r.evidence, r
    # WILLNEED, COLD and PAGEOUT work on a clean file in the scratch dir (ext4 here)
    for source in ("system", ARM) if DISK_SCRATCH else ():
        # file readahead: every evicted page back in the page cache
        r = one(report, "MADV_WILLNEED", source)
        assert (r.value, r.status) == (3, "verified"), r
        assert r.evidence == "mincore 0 -> 16/16 pages (file readahead)", r
    r = one(report, "MADV_POPULATE_READ")
    assert (r.value, r.status) == (22, "verified"), r
    assert r.evidence == "mincore 0 -> 16/16 pages, zero page mapped (Rss 0 kB)"
    r = one(report, "MADV_POPULATE_WRITE")
    assert (r.value, r.status) == (23, "verified"), r
    assert r.evidence == "mincore 0 -> 16/16 pages, written (Rss 64 kB)"
    r = one(report, "MAP_POPULATE")
    assert (r.status, r.evidence) == ("verified", "mincore 16/16 pages resident right after mmap")
    assert one(report, "MADV_FREE").status in ("verified", "accepted")
    if not DISK_SCRATCH:
        return
    # PAGEOUT is accepted; residency drops where the kernel pages out. It
    # usually reclaims the clean file pages here (16 -> 0), but not always (seen
    # as root and as nobody while other runs loaded the machine): then the probe
    # says accepted, with the residency it saw, and never verified.
    r = one(report, "MADV_PAGEOUT")
    assert r.value == 21, r
    m = re.fullmatch(r"mincore 16 -> (\d+)/16 pages \(file pages reclaimed\)", r.evidence)
    if r.status == "verified":
        assert m is not None and int(m[1]) < 16, r
    else:
        assert (r.status, r.evidence) == (
            "accepted",
            "returned 0; mincore 16 -> 16/16 pages: kernel did not page out",
        ), r
    # COLD only deactivates: accepted, all pages still resident
    r = one(report, "MADV_COLD")
    assert (r.value, r.status) == (20, "accepted"), r
    assert r.evidence == "returned 0; mincore 16 -> 16/16 pages (deactivated only)", r


def test_prot_map_ms_checks(report: VerifyReport) -> None:
    expect = {
        "PROT_NONE": "maps ---p; a child reading it: SIGSEGV",
        "PROT_READ": "maps r--p; a child reading it: data",
        "PROT_WRITE": "maps -w-p",
        "MAP_SHARED": "maps rw-s",
        "MAP_PRIVATE": "maps rw-p",
        "MAP_FIXED": "placed at the exact address over an existing mapping",
        "MAP_FIXED_NOREPLACE": "EEXIST over an existing mapping; exact address in a hole",
        "MAP_ANONYMOUS": "fd -1 accepted, no backing file, reads zeros",
        "MAP_NORESERVE": "VmFlags +nr",
        "MAP_GROWSDOWN": "VmFlags +gd",
        "MAP_SHARED_VALIDATE": "maps rw-s; refuses unknown flag 0x200000: EOPNOTSUPP",
        "MS_ASYNC": "msync(1) ok; msync(1|4) EINVAL",
        "MS_SYNC": "msync(4) ok; msync(4|1) EINVAL",
    }
    for name, evidence in expect.items():
        r = one(report, name)
        assert (r.status, r.evidence) == ("verified", evidence), r
    growsup = one(report, "PROT_GROWSUP")
    if os.uname().machine == "x86_64":
        assert growsup.status == "skipped" and "no grows-up mappings" in growsup.evidence


def test_memlock_needs_root_or_limit(
    root_report: VerifyReport, nobody_report: VerifyReport
) -> None:
    for name in ("MADV_DONTNEED_LOCKED", "MAP_LOCKED", "MCL_CURRENT", "MCL_FUTURE"):
        assert one(root_report, name).status == "verified", one(root_report, name)
        r = one(nobody_report, name)
        assert r.status == "skipped", r
        assert "needs CAP_IPC_LOCK or a larger RLIMIT_MEMLOCK (limit 0 kB)" in r.evidence
    assert one(root_report, "MS_INVALIDATE").evidence == "msync(2) ok; EBUSY on an mlocked range"
    assert one(nobody_report, "MS_INVALIDATE").status == "accepted"


def test_hwpoison_skipped_as_dangerous(report: VerifyReport) -> None:
    r = one(report, "MADV_HWPOISON")
    assert (r.value, r.status) == (100, "skipped")
    assert r.evidence.startswith("dangerous: never called")
    # 101 is in the dangerous range and not named by the system headers: listed, not called
    soft = one(report, "MADV_SOFT_OFFLINE", "kernel")
    assert soft.status == "skipped" and "dangerous" in soft.evidence


def test_dangerous_by_value_is_never_called() -> None:
    # A header claiming a harmless name for 100 must not get HWPOISON called.
    rep = verify([_table("bad", {"MADV_DONTNEED": 100, "MADV_FOO": 101})], max_advice=0)
    assert [(r.name, r.status) for r in rep.results] == [
        ("MADV_DONTNEED", "skipped"),
        ("MADV_FOO", "skipped"),
    ]
    assert all("dangerous" in r.evidence for r in rep.results)


@pytest.mark.skipif(RELEASE < (6, 13), reason="guard regions need Linux 6.13")
def test_unnamed_kernel_values(report: VerifyReport) -> None:
    install = one(report, "MADV_GUARD_INSTALL", "kernel")
    assert (install.value, install.status) == (102, "verified")
    assert install.evidence.startswith("no source names 102; accepted on private anonymous memory")
    assert "access faults (SIGSEGV); after MADV_GUARD_REMOVE(103): zeros" in install.evidence
    remove = one(report, "MADV_GUARD_REMOVE", "kernel")
    assert (remove.value, remove.status) == (103, "verified")


def test_mismatch_detected_for_another_advice() -> None:
    wrong = {"MADV_DONTNEED": 1, "MADV_RANDOM": 2, "MAP_SHARED": 2, "MS_SYNC": 2}
    rep = verify([_table("wrong", wrong)], max_advice=0)
    got = {r.name: (r.status, r.evidence) for r in rep.results}
    assert got["MADV_DONTNEED"] == (
        "mismatch",
        "accepted, expected zero-fill, but saw: VmFlags +rr (MADV_RANDOM's effect)",
    )
    assert got["MADV_RANDOM"][0] == "mismatch" and "VmFlags +sr" in got["MADV_RANDOM"][1]
    assert got["MAP_SHARED"] == ("mismatch", "maps rw-p: a private mapping")
    assert got["MS_SYNC"] == ("mismatch", "msync(2) ok, but msync(2|1) not EINVAL")
    assert rep.exit_code() == 1


def _crash(name: str, value: int, ctx: ProbeContext) -> Outcome:
    # NULL page read (string_at(0) is special-cased to an empty buffer): SIGSEGV in the child
    ctypes.string_at(8, 1)
    return Outcome("verified", "unreachable")


def _hang(name: str, value: int, ctx: ProbeContext) -> Outcome:
    time.sleep(60)
    return Outcome("verified", "unreachable")


def test_crash_and_hang_are_results(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(verify_mod.PROBES, "MADV_CRASH_TEST", _crash)
    monkeypatch.setitem(verify_mod.PROBES, "MADV_HANG_TEST", _hang)
    table = _table("t", {"MADV_CRASH_TEST": 4, "MADV_HANG_TEST": 4, "MADV_DONTNEED": 4})
    start = time.monotonic()
    rep = verify([table], timeout=1.0, max_advice=0)
    assert time.monotonic() - start < 10
    got = {r.name: r for r in rep.results}
    assert got["MADV_CRASH_TEST"].status == "crashed"
    assert got["MADV_CRASH_TEST"].evidence.startswith("crashed: SIGSEGV")
    assert got["MADV_HANG_TEST"].status == "timeout"
    assert got["MADV_HANG_TEST"].evidence == "timeout: probe hung for 1 s, child killed"
    assert got["MADV_DONTNEED"].status == "verified"  # the run went on
    assert rep.exit_code() == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every child reaped


def test_a_child_collected_late_gives_the_answer_it_left() -> None:
    child = Child(lambda: 42, timeout=0.2)
    # the parent busy past the child's deadline, the child done by then (its answer,
    # one write, is in the pipe: however slowly a loaded machine runs it)
    select.select([child._r], [], [], 60)
    time.sleep(max(0.0, child._deadline - time.monotonic()) + 0.05)
    assert child.result() == ("ok", 42)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_a_child_not_collected_is_killed_and_reaped() -> None:
    child = Child(lambda: time.sleep(60), timeout=30)
    pid = child.pid
    child.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, and reaped: not even a zombie is left
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    child.stop()  # a second stop does nothing


def _open_files() -> list[str]:
    """What this process's descriptors are open on ("pipe:[inode]" for a pipe)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # (listdir's own, closed by now)
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
    return found


def test_a_child_holds_no_other_pending_childs_pipe() -> None:
    pending = Child(lambda: time.sleep(60), timeout=30)
    try:
        pipe = os.readlink(f"/proc/self/fd/{pending._r}")
        assert pipe.startswith("pipe:") and pipe in _open_files()
        kind, files = run_child(_open_files, timeout=30)
        assert kind == "ok" and any(f.startswith("pipe:") for f in files)  # its own
        assert pipe not in files
    finally:
        pending.stop()


def test_the_advice_scan_runs_while_the_tables_are_probed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scan leaves a mark and the probe waits for it: run one after the other, the
    # probe would wait out its timeout (and the scan come after the tables).
    mark = tmp_path / "scanning"

    def scan(max_advice: int) -> dict[str, str]:
        mark.touch()
        return {"4": "scan started first"}

    def waits(name: str, value: int, ctx: ProbeContext) -> Outcome:
        while not mark.exists():
            time.sleep(0.01)
        return Outcome("verified", "the scan was running")

    monkeypatch.setattr(verify_scan, "_scan", scan)
    monkeypatch.setitem(verify_mod.PROBES, "MADV_WAITS_TEST", waits)
    rep = verify([_table("t", {"MADV_WAITS_TEST": 63})], timeout=5.0, max_advice=100)
    got = [(r.name, r.source, r.status, r.evidence.split("; ")[:2]) for r in rep.results]
    assert got == [
        ("MADV_DONTNEED", "kernel", "verified", ["no source names 4", "scan started first"]),
        ("MADV_WAITS_TEST", "t", "verified", ["the scan was running"]),
    ]


def _snapshot() -> tuple[list[str], list[str], list[str], bool]:
    """What a run of this process could leave: its fds, abicheck shm entries, its scratch dirs.

    Scratch dirs carry this process's pid (``scratch_prefix()``), so another abicheck run on
    the machine (another user, another test suite) with its own dirs does not count.
    """
    fds = sorted(os.listdir("/proc/self/fd"))
    shm = sorted(e for e in os.listdir("/dev/shm") if "abicheck" in e)
    mine = scratch_prefix()
    scratch = sorted(
        glob.glob(os.path.join(tempfile.gettempdir(), f"{mine}*")) + glob.glob(f"/var/tmp/{mine}*")
    )
    with open("/proc/self/maps") as f:
        memfd = "abicheck-verify" in f.read()
    return fds, shm, scratch, memfd


def _scratch_probe(name: str, value: int, ctx: ProbeContext) -> Outcome:
    # Leaves a file in the scratch dir, as the file probes do, and reports where it is.
    fd, _path = tempfile.mkstemp(dir=ctx.tmpdir)
    os.close(fd)
    return Outcome("verified", ctx.tmpdir)


def test_nothing_left_behind(system_table: Table, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(verify_mod.PROBES, "MS_SCRATCH_TEST", _scratch_probe)
    # a made-up name, so the registered probe reports the run's scratch dir
    probe = Macro("MS_SCRATCH_TEST", "integer", 0, "0", "test.h", 1)
    table = Table("system", "system", (*system_table.macros, probe))
    before = _snapshot()
    rep = verify([table], max_advice=32)
    after = _snapshot()
    assert len(rep.results) > 30
    scratch = one(rep, "MS_SCRATCH_TEST").evidence
    assert os.path.basename(scratch).startswith(f"abicheck-verify-{os.getpid()}-"), scratch
    assert not os.path.exists(scratch)  # removed with the file the probe left in it
    assert after == before
    assert after[1:] == ([], [], False)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_scratch_dirs_named_by_pid() -> None:
    assert scratch_prefix() == f"abicheck-verify-{os.getpid()}-"
    assert scratch_prefix(12345) == "abicheck-verify-12345-"
    # a run's dir is not matched by another process's prefix (e.g. pid 1)
    path, _disk = scratch_dir()
    try:
        assert os.path.basename(path).startswith(scratch_prefix())
        assert not os.path.basename(path).startswith(scratch_prefix(1))
    finally:
        os.rmdir(path)


def test_json_shape_and_exit_codes(root_report: VerifyReport, system_table: Table) -> None:
    data = root_report.to_json()
    assert set(data) == {"format", "kernel", "machine", "results"}
    assert (data["kernel"], data["machine"]) == (os.uname().release, os.uname().machine)
    keys = {"name", "value", "source", "status", "errno", "evidence"}
    assert all(set(r) == keys for r in data["results"])
    order = [(r["name"], r["value"], r["source"]) for r in data["results"]]
    assert order == sorted(order)
    statuses = {r["status"] for r in data["results"]}
    assert statuses <= set(verify_mod.STATUSES)
    assert root_report.exit_code() == 1
    ok = verify([system_table], only="MS_")
    assert [r.name for r in ok.results] == ["MS_ASYNC", "MS_INVALIDATE", "MS_SYNC"]
    assert ok.exit_code() == 0


def test_render_table(root_report: VerifyReport) -> None:
    text = render_verify_table(root_report)
    lines = text.splitlines()
    assert lines[0] == f"kernel {os.uname().release} ({os.uname().machine})"
    assert lines[1].split() == ["name", "value", "source", "status", "evidence"]
    arm_row = next(line for line in lines if line.startswith("MADV_REMOVE") and f" {ARM} " in line)
    assert "rejected" in arm_row and "kernel knows MADV_REMOVE as 9" in arm_row
    assert re.search(r"\d+ verified, .*1 rejected", lines[-1])


def test_kernel_table() -> None:
    table = kernel_table()
    assert (table.label, table.kind) == ("kernel", "kernel")
    assert table.origin.noted("release") == os.uname().release
    assert "100, 101 (dangerous" in table.origin.noted("skipped")
    values = table.values()
    assert values["MADV_DONTNEED"] == 4
    assert values["MADV_REMOVE"] == 9
    remove = table.get("MADV_REMOVE")
    assert remove is not None and remove.comment == "accepted on a memfd mapping"
    assert 5 not in values.values() and 100 not in values.values()
    if RELEASE >= (6, 13):
        assert (values["MADV_GUARD_INSTALL"], values["MADV_GUARD_REMOVE"]) == (102, 103)


def test_several_prefixes_scan_once(system_table: Table) -> None:
    # scans_run counts the kernel advice scans this process ran (a real scan, in a child)
    before = verify_scan.scans_run
    rep = verify([system_table], only=["MADV_REMOVE", "PROT_READ", "MADV_DONTNEED", "MADV_D"])
    assert verify_scan.scans_run == before + 1
    names = sorted({r.name for r in rep.results})
    assert names == sorted(
        {n for n in system_table.values() if n.startswith(("MADV_D", "PROT_READ", "MADV_REMOVE"))}
    )
    assert one(rep, "MADV_REMOVE").status == "verified"
    assert one(rep, "PROT_READ").status == "verified"
    # no prefix can keep an MADV_ name: no scan at all
    assert [r.name for r in verify([system_table], only=["MS_SYNC", "PROT_NONE"]).results] == [
        "MS_SYNC",
        "PROT_NONE",
    ]
    assert verify_scan.scans_run == before + 1


def test_cli_several_prefixes_scan_once() -> None:
    before = verify_scan.scans_run
    out, err = io.StringIO(), io.StringIO()
    argv = ["verify", "--only", "MADV_REMOVE", "--only", "MADV_FREE", "--only", "PROT_READ"]
    code = main([*argv, "--format", "json"], out, err)
    assert (code, err.getvalue()) == (1, "")  # the ARM header's MADV_REMOVE 5 is rejected
    assert verify_scan.scans_run == before + 1
    results = json.loads(out.getvalue())["results"]
    assert sorted({(r["name"], r["source"]) for r in results}) == [
        ("MADV_FREE", "system"),
        ("MADV_REMOVE", ARM),
        ("MADV_REMOVE", "system"),
        ("PROT_READ", ARM),
        ("PROT_READ", "system"),
    ]


def test_every_probe_family_of_the_target_has_a_probe() -> None:
    from abicheck.targets.mman import MMAN
    from abicheck.verify.probes import FALLBACK

    assert set(FALLBACK) == set(MMAN.probes)


# -- when the machine refuses: no file writes, no fds, SIGTERM (issue 15) -------------


def _verify_json(preexec: Any = None, extra: str = "") -> tuple[int, dict[str, Any], str]:
    proc = subprocess.run(
        [sys.executable, "-c", extra + "from abicheck.cli import run; run()",
         "verify", "--only", "MADV_", "--format", "json"],
        capture_output=True, text=True, preexec_fn=preexec, timeout=300,
    )  # fmt: skip
    return proc.returncode, json.loads(proc.stdout or "{}"), proc.stderr


def _by_name(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["name"], r["source"]): r for r in data["results"]}


def test_no_file_can_be_written_still_gives_results() -> None:
    # RLIMIT_FSIZE=0: no scratch folder takes a file, the scan's memfd cannot be filled
    def no_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    code, data, err = _verify_json(no_files)
    assert (code, err) == (1, "")
    got = _by_name(data)
    assert got[("MADV_DONTNEED", "system")]["status"] == "verified"
    scan = got[("MADV_*", "kernel")]
    assert (scan["value"], scan["status"]) == (None, "crashed")
    assert scan["evidence"] == (
        "kernel advice scan failed: crashed: probe raised OSError: [Errno 27] File too large"
    )


def test_no_pipe_or_fork_for_a_probe_is_a_skip_not_a_bug() -> None:
    # every descriptor taken (EMFILE) once the tables are read: no child can be started,
    # each probe says so and the run still ends with its results, which say why no
    # probe ran (fork failing with EAGAIN: the next test)
    script = (
        "import json, os, resource\n"
        "from abicheck.sources import load_sources\n"
        "from abicheck.verify import verify\n"
        "tables = load_sources(['system'])\n"
        "verify(tables, only='MADV_DONTNEED', max_advice=1)  # every module it needs loaded\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))\n"
        "taken = []\n"
        "try:\n"
        "    while True: taken.append(os.open('/dev/null', os.O_RDONLY))\n"
        "except OSError: pass\n"
        "rep = verify(tables, only='MADV_')\n"
        "for fd in taken: os.close(fd)\n"
        "print(json.dumps([rep.to_json(), rep.unprobed()]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    report, unprobed = json.loads(proc.stdout)
    assert unprobed == "no pipe for the child: Too many open files"
    got = _by_name(report)
    dontneed = got[("MADV_DONTNEED", "system")]
    assert (dontneed["status"], dontneed["evidence"]) == (
        "skipped",
        "not probed: no pipe for the child: Too many open files",
    )
    assert got[("MADV_*", "kernel")]["evidence"] == (
        "kernel advice scan failed: unavailable: no pipe for the child: Too many open files"
    )


def _no_fork_for_root() -> None:
    """Before exec: the kernel lets root (and CAP_SYS_ADMIN, CAP_SYS_RESOURCE) fork past
    RLIMIT_NPROC, so the real uid becomes 65534 (the effective one stays root: the
    interpreter lives under /root) and both capabilities leave the bounding set,
    hence the exec'd process's permitted and effective sets."""
    if os.geteuid() != 0:
        return  # RLIMIT_NPROC binds this user as it is
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    for cap in (21, 24):  # CAP_SYS_ADMIN, CAP_SYS_RESOURCE
        if prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "PR_CAPBSET_DROP")
    os.setresuid(65534, 0, 0)


def test_fork_failing_with_eagain_skips_each_probe_and_says_why() -> None:
    # RLIMIT_NPROC 0 in a process whose real uid is not root's: every fork() fails
    # with EAGAIN, for real; verify still writes its results, no traceback, exit 2
    script = (
        "import os, resource\n"
        "resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))\n"
        "try:\n"
        "    os.fork()\n"
        "    os._exit(0)\n"  # a fork that works ends both here: no JSON, the test fails
        "except BlockingIOError:\n"
        "    pass\n"
        "from abicheck.cli import run\n"
        "run()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, "verify", "--only", "MADV_", "--format", "json"],
        capture_output=True, text=True, preexec_fn=_no_fork_for_root, cwd="/", timeout=300,
    )  # fmt: skip
    eagain = "cannot fork a child: Resource temporarily unavailable"
    # the results, then one line: a run that probed nothing is an error, not a pass
    assert proc.stderr == f"abicheck verify: error: no probe could run: {eagain}\n"
    assert proc.returncode == 2
    got = {k: (r["status"], r["evidence"]) for k, r in _by_name(json.loads(proc.stdout)).items()}
    assert got[("MADV_DONTNEED", "system")] == ("skipped", f"not probed: {eagain}")
    assert got.pop(("MADV_*", "kernel")) == (
        "skipped",
        f"kernel advice scan failed: unavailable: {eagain}",
    )
    assert set(got.values()) == {
        ("skipped", f"not probed: {eagain}"),
        ("skipped", "dangerous: never called without allow_dangerous (--allow-dangerous)"),
    }


def test_sigterm_removes_the_scratch_folders(tmp_path: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "abicheck", "verify", "--only", "MADV_"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    mine = scratch_prefix(proc.pid)
    places = [str(tmp_path), "/tmp", "/var/tmp", "/dev/shm"]

    def scratch() -> list[str]:
        return sorted(p for d in places for p in glob.glob(os.path.join(d, f"{mine}*")))

    deadline = time.monotonic() + 60
    while not scratch() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert scratch(), "verify made no scratch folder"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert scratch() == []


def test_a_source_with_nothing_to_probe_is_an_error(tmp_path: Path) -> None:
    header = tmp_path / "other.h"
    header.write_text("#define O_RDONLY 0\n#define MAP_F(x) x\n")
    out, err = io.StringIO(), io.StringIO()
    assert main(["verify", "embedded", str(header)], out, err) == 2
    families = "MADV_, PROT_, MAP_, MS_ or MCL_"
    assert err.getvalue() == (
        f"abicheck: error: nothing to verify: no {families} macro in {header}\n"
    )
    assert out.getvalue() == ""
    # one object-like macro of a probed family is enough, even with no value
    header.write_text('#define MAP_F(x) x\n#define MAP_S "s"\n')
    report = verify_mod.verify(load_sources([str(header)]), only="MAP_S")
    assert [(r.name, r.status) for r in report.results] == [("MAP_S", "skipped")]
