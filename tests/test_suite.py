"""The suite's own rules (conftest.py)."""

from __future__ import annotations

from pathlib import Path

from conftest import NO_SKIPS_ENV, skip_refused

REPO = Path(__file__).resolve().parent.parent


def test_under_scripts_test_a_skip_for_a_missing_package_fails() -> None:
    on = {NO_SKIPS_ENV: "1"}
    assert skip_refused("gcc not installed", on)
    assert skip_refused("chromium not installed", on)
    assert skip_refused("linux-libc-dev headers not installed", on)
    # what no package gives still skips
    assert not skip_refused("not root: cannot make an unprivileged child", on)
    assert not skip_refused("guard regions need Linux 6.13", on)
    assert not skip_refused("no mount namespaces here (unshare -m refused)", on)
    # outside scripts/test, a skip is a skip
    assert not skip_refused("gcc not installed", {})
    assert not skip_refused("gcc not installed", {NO_SKIPS_ENV: "0"})


def test_scripts_test_sets_it_once_everything_is_installed() -> None:
    text = (REPO / "scripts" / "test").read_text()
    install = text.index("apt-get install")
    assert text.index(f"export {NO_SKIPS_ENV}=1") > install
