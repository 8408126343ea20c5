"""Fixtures several test modules share."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

KERNEL_TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")

#: Set by scripts/test once it has installed everything the suite needs: a test
#: skipped then for a missing tool or package fails instead, for what it names is
#: what the run should have had. Only what no package gives may still skip.
NO_SKIPS_ENV = "ABICHECK_NO_SKIPS"
MACHINE_REASONS = (
    "needs a Linux kernel",  # (test_verify: another OS)
    "need Linux 6.13",  # guard regions (test_verify): the running kernel's
    "not root",  # (test_verify: the root-less run covers it)
    "cannot target -m32",  # a host gcc without multilib (test_emit)
    "unshare -m refused",  # no mount namespaces in this container (test_cli)
    "needs an x86-64 host",  # host-only checks on another host (test_emit)
)


def skip_refused(reason: str, env: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether a skip for ``reason`` is to fail: under scripts/test (``env`` holds
    NO_SKIPS_ENV=1), for a reason that is none of MACHINE_REASONS."""
    return env.get(NO_SKIPS_ENV) == "1" and not any(r in reason for r in MACHINE_REASONS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if skip_refused(reason):
            report.outcome = "failed"
            report.longrepr = f"skipped where {NO_SKIPS_ENV}=1 (scripts/test): {reason}"


@pytest.fixture(scope="session")
def linux_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The uapi folders of Debian's linux-source-6.1, unpacked once."""
    if not KERNEL_TARBALL.is_file():
        pytest.fail(f"{KERNEL_TARBALL}: apt-get install linux-source-6.1")
    into = tmp_path_factory.mktemp("kernel")
    members = ["linux-source-6.1/include/uapi/*", "linux-source-6.1/arch/*/include/uapi/*"]
    subprocess.run(
        ["tar", "-xJf", str(KERNEL_TARBALL), "-C", str(into), "--wildcards", *members],
        check=True,
    )
    return into / "linux-source-6.1"
