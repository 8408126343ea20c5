"""The runtime verifier against the live kernel: real syscalls, as root and as 'nobody'."""

from __future__ import annotations

import ctypes
import glob
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

from abicheck import verify as verify_mod
from abicheck.model import Macro, Table
from abicheck.verify import (
    ProbeContext,
    VerifyReport,
    VerifyResult,
    kernel_table,
    render_table,
    verify,
)

pytestmark = pytest.mark.skipif(os.uname().sysname != "Linux", reason="needs a Linux kernel")

NOBODY = 65534
RELEASE = tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:2])
THP = os.path.isdir("/sys/kernel/mm/transparent_hugepage")
KSM = os.path.isdir("/sys/kernel/mm/ksm")


def _table(label: str, values: dict[str, int], file: str = "test.h") -> Table:
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
    """The seed's ARM header claim: MADV_REMOVE 5."""
    remove = Macro("MADV_REMOVE", "integer", 5, "0x5", "headers/arm/mman.h", 32)
    return Table("arm", "header", (remove,), {"path": "headers/arm/mman.h"})


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
    arm = one(report, "MADV_REMOVE", "arm")
    assert (arm.value, arm.status, arm.errno, arm.errno_name) == (5, "rejected", 22, "EINVAL")
    assert arm.evidence.startswith("madvise(5) on a memfd mapping: EINVAL")
    assert arm.hint == "kernel knows MADV_REMOVE as 9"
    assert "kernel knows MADV_REMOVE as 9" in arm.evidence
    sys_remove = one(report, "MADV_REMOVE")
    assert (sys_remove.value, sys_remove.status, sys_remove.errno) == (9, "verified", None)
    assert re.fullmatch(r"st_blocks [1-9]\d* -> 0, reads zeros", sys_remove.evidence)
    assert report.exit_code() == 1


def test_dontneed_zero_fill(report: VerifyReport) -> None:
    r = one(report, "MADV_DONTNEED")
    assert (r.value, r.status) == (4, "verified")
    assert r.evidence == "reads zeros (was 0x5a) on private anonymous memory"


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
    r = one(report, "MADV_POPULATE_READ")
    assert (r.status, r.evidence) == (
        "verified",
        "mincore 0 -> 16/16 pages, zero page mapped (Rss 0 kB)",
    )
    r = one(report, "MADV_POPULATE_WRITE")
    assert (r.status, r.evidence) == ("verified", "mincore 0 -> 16/16 pages, written (Rss 64 kB)")
    r = one(report, "MAP_POPULATE")
    assert (r.status, r.evidence) == ("verified", "mincore 16/16 pages resident right after mmap")
    assert one(report, "MADV_COLD").status == "accepted"
    assert one(report, "MADV_FREE").status in ("verified", "accepted")


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


def _crash(name: str, value: int, ctx: ProbeContext) -> tuple[str, int | None, str]:
    # NULL page read (string_at(0) is special-cased to an empty buffer): SIGSEGV in the child
    ctypes.string_at(8, 1)
    return "verified", None, "unreachable"


def _hang(name: str, value: int, ctx: ProbeContext) -> tuple[str, int | None, str]:
    time.sleep(60)
    return "verified", None, "unreachable"


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


def _snapshot() -> tuple[list[str], list[str], list[str], bool]:
    fds = sorted(os.listdir("/proc/self/fd"))
    shm = sorted(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else []
    scratch = sorted(
        glob.glob(os.path.join(tempfile.gettempdir(), "abicheck-verify-*"))
        + glob.glob("/var/tmp/abicheck-verify-*")
    )
    with open("/proc/self/maps") as f:
        memfd = "abicheck-verify" in f.read()
    return fds, shm, scratch, memfd


def test_nothing_left_behind(system_table: Table) -> None:
    before = _snapshot()
    rep = verify([system_table], max_advice=32)
    assert rep.results
    after = _snapshot()
    assert after == before
    assert after[2] == [] and after[3] is False
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_json_shape_and_exit_codes(root_report: VerifyReport, system_table: Table) -> None:
    data = root_report.to_json()
    assert set(data) == {"kernel", "machine", "results"}
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
    text = render_table(root_report)
    lines = text.splitlines()
    assert lines[0] == f"kernel {os.uname().release} ({os.uname().machine})"
    assert lines[1].split() == ["name", "value", "source", "status", "evidence"]
    arm_row = next(line for line in lines if line.startswith("MADV_REMOVE") and " arm " in line)
    assert "rejected" in arm_row and "kernel knows MADV_REMOVE as 9" in arm_row
    assert re.search(r"\d+ verified, .*1 rejected", lines[-1])


def test_kernel_table() -> None:
    table = kernel_table()
    assert (table.label, table.kind) == ("kernel", "kernel")
    assert table.origin["release"] == os.uname().release
    assert "100, 101 (dangerous" in table.origin["skipped"]
    values = table.values()
    assert values["MADV_DONTNEED"] == 4
    assert values["MADV_REMOVE"] == 9
    remove = table.get("MADV_REMOVE")
    assert remove is not None and remove.comment == "accepted on a memfd mapping"
    assert 5 not in values.values() and 100 not in values.values()
    if RELEASE >= (6, 13):
        assert (values["MADV_GUARD_INSTALL"], values["MADV_GUARD_REMOVE"]) == (102, 103)
