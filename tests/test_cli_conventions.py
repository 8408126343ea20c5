"""What users expect of every command: help for each option with its default, the
same options where they make sense, a ``[tool.abicheck]`` table, shell completion,
a man page and ``--quiet``."""

from __future__ import annotations

import argparse
import io

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
