"""What users expect of every command: help for each option with its default, the
same options where they make sense, a ``[tool.abicheck]`` table, shell completion,
a man page and ``--quiet``."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import junitparser

from abicheck.cli import build_parser, main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _parsers() -> dict[str, argparse.ArgumentParser]:
    """The top-level parser and each subcommand's, by program name."""
    top = build_parser()
    (sub,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    return {"abicheck": top, **{p.prog: p for p in sub.choices.values()}}


# -- help -----------------------------------------------------------------------


def test_every_option_has_help_showing_its_default() -> None:
    checked = 0
    for prog, parser in _parsers().items():
        formatter = parser._get_formatter()
        for action in parser._actions:
            name = f"{prog} {'/'.join(action.option_strings) or action.dest}"
            assert action.help and action.help != argparse.SUPPRESS, name
            text = formatter._expand_help(action)
            default = action.default
            if default in (None, False, []) or default is argparse.SUPPRESS:
                continue
            # a default shown as itself, or (an empty string) the value it stands for
            assert "default" in text, (name, text)
            if default != "":
                assert f"default {default}" in text or f"{default}, the default" in text, (
                    name,
                    text,
                )
            checked += 1
    assert checked >= 20  # --format, --fail-on, --data-model, --arch-from, ... everywhere


def test_help_shows_defaults_in_the_rendered_page() -> None:
    code, out, _ = run("audit", "--help")
    assert code == 0
    assert "the report's format (default table)" in " ".join(out.split())
    assert "which changes make the status non-zero (default incompatible)" in " ".join(out.split())


# -- the same options where they make sense ---------------------------------------


def _options(prog: str) -> set[str]:
    return {o for a in _parsers()[prog]._actions for o in a.option_strings}


def test_output_and_only_where_they_make_sense() -> None:
    writes = ["parse", "compare", "emit", "verify", "snapshot", "audit", "binding", "arches"]
    for name in writes:
        assert {"-o", "--output"} <= _options(f"abicheck {name}"), name
    for name in ["compare", "verify", "audit"]:  # commands over names of constants
        assert "--only" in _options(f"abicheck {name}"), name


def test_parse_output_file_is_what_stdout_gets(tmp_path: Path) -> None:
    for fmt in ("table", "json"):
        code, shown, _ = run("parse", "--format", fmt)
        target = tmp_path / f"parse.{fmt}"
        assert run("parse", "--format", fmt, "-o", str(target)) == (0, "", "")
        assert code == 0 and target.read_text(encoding="utf-8") == shown
    assert "MADV_REMOVE" in shown


def test_verify_markdown_and_junit_to_a_file(tmp_path: Path) -> None:
    md = tmp_path / "verify.md"
    code, out, err = run("verify", "--only", "MADV_REMOVE", "--format", "markdown", "-o", str(md))
    assert (code, out) == (1, ""), err
    lines = md.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# abicheck verify"
    assert lines[2].startswith("kernel `") and lines[2].endswith(": 1 verified, 1 rejected")
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[6:]]
    # the kernel rejects the ARM header's 5 and does what MADV_REMOVE says with 9
    assert [r[:4] for r in rows] == [
        ["MADV_REMOVE", "5", "arm-2.6.16", "rejected"],
        ["MADV_REMOVE", "9", "system", "verified"],
    ]
    xml = tmp_path / "verify.xml"
    assert run("verify", "--only", "MADV_REMOVE", "--format", "junit", "-o", str(xml))[0] == 1
    suite = next(iter(junitparser.JUnitXml.fromfile(str(xml))))
    assert (suite.tests, suite.failures, suite.skipped) == (2, 1, 0)
    cases = {(c.classname, c.name): c for c in suite}
    assert set(cases) == {("arm-2.6.16", "MADV_REMOVE=5"), ("system", "MADV_REMOVE=9")}
    (failure,) = cases["arm-2.6.16", "MADV_REMOVE=5"].result
    assert failure.type == "rejected" and "EINVAL" in failure.text
    assert cases["system", "MADV_REMOVE=9"].is_passed


def test_audit_only(tmp_path: Path) -> None:
    lock = tmp_path / "abi.lock.json"
    assert run("snapshot", "embedded", "-o", str(lock))[0] == 0
    code, out, _ = run("audit", "--baseline", str(lock), "system", "--format", "json")
    every = {c["name"] for c in json.loads(out)["changes"]}
    assert "MADV_REMOVE" in every and any(n.startswith("MAP_") for n in every)
    code, out, _ = run(
        "audit", "--baseline", str(lock), "system", "--only", "MADV_REMOVE", "--format", "json"
    )
    data = json.loads(out)
    assert code == 8
    got = [(c["kind"], c["name"], c["old"], c["new"]) for c in data["changes"]]
    assert got == [("value_changed", "MADV_REMOVE", 5, 9)]  # 2.6.16's 5, every later kernel's 9
    code, out, _ = run(
        "audit", "--baseline", str(lock), "system", "--only", "MAP", "--format", "json"
    )
    names = {c["name"] for c in json.loads(out)["changes"]}
    assert names == {n for n in every if n.startswith("MAP_")}
    code, _, err = run("audit", "--baseline", str(lock), "system", "--only", "NOPE")
    assert code == 2
    assert err.startswith("abicheck: error: --only NOPE_: no name starts with it;")


# -- --quiet ----------------------------------------------------------------------


def test_quiet_prints_only_the_verdict_line(tmp_path: Path) -> None:
    # 2.6.16's MADV_REMOVE is 5; the system's headers, libc and Python say 9
    assert run("compare", "--only", "MADV_REMOVE", "-q") == (
        1,
        "abicheck compare: 1 name in 4 sources: 0 same, 1 differ, 0 partial; exit status 1\n",
        "",
    )
    lock = tmp_path / "abi.lock.json"
    assert run("snapshot", "embedded", "-o", str(lock))[0] == 0
    report = tmp_path / "audit.html"
    argv = ["audit", "--baseline", str(lock), "system", "--only", "MADV_REMOVE", "--quiet"]
    assert run(*argv, "--format", "html", "-o", str(report)) == (
        8,
        "abicheck audit: 1 incompatible, 0 compatible change(s), 0 suppressed; exit status 8\n",
        "",
    )
    assert "MADV_REMOVE" in report.read_text(encoding="utf-8")  # the report still written
    code, out, err = run("verify", "--only", "MADV_REMOVE", "-q")
    assert (code, err) == (1, "") and out.count("\n") == 1
    assert out.startswith("abicheck verify: kernel ")
    assert out.endswith(": 1 verified, 1 rejected; exit status 1\n")


def test_quiet_emit_check(tmp_path: Path) -> None:
    module = tmp_path / "mman_consts.py"
    assert run("emit", "--lang", "python", "-o", str(module))[0] == 0
    assert run("emit", "--lang", "python", "--check", str(module), "-q") == (
        0,
        f"abicheck emit: {module} is up to date\n",
        "",
    )
    module.write_text(module.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert run("emit", "--lang", "python", "--check", str(module), "-q") == (
        1,
        f"abicheck emit: {module} is out of date; exit status 1\n",
        "",
    )


def test_quiet_binding() -> None:
    go = Path(__file__).parent / "fixtures" / "bindings" / "go"
    code, out, err = run("binding", f"go:{go}", "--quiet")
    assert err == "" and out.count("\n") == 1
    assert out.startswith("abicheck binding: ") and " same, 0 wrong, " in out
    # (the Go tables at the fixture's commit have no wrong value: nothing fails)
    assert code == 0 and out.endswith("; exit status 0\n")
