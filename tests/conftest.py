"""Fixtures several test modules share."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

KERNEL_TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")


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
