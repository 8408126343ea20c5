"""The ``abicheck`` command: a thin argparse layer over the library.

Each subcommand makes one library call and renders its result. Errors in
the input print ``path:line: error: ...`` on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from tabulate import tabulate

from . import __version__
from .model import AbicheckError, Macro
from .parse import BUILTIN_FILE, Reader, parse_cli_define
from .resources import embedded_header

EXIT_OK = 0
EXIT_ERROR = 2


def _add_reader_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-I", dest="include", action="append", default=[], metavar="DIR", help="include folder"
    )
    p.add_argument(
        "-D",
        dest="define",
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help="predefine a macro",
    )
    p.add_argument(
        "--data-model",
        choices=("lp64", "ilp32"),
        default="lp64",
        help="type sizes for sizeof and long (default lp64)",
    )


def _reader(args: argparse.Namespace) -> Reader:
    defines = dict(parse_cli_define(d) for d in args.define)
    return Reader(args.include, defines, args.data_model)


def _json_dump(data: Any, out: TextIO) -> None:
    json.dump(data, out, indent=2, sort_keys=False, ensure_ascii=False)
    out.write("\n")


# -- parse --------------------------------------------------------------------


def _value_text(m: Macro) -> str:
    if m.value is None:
        return ""
    return hex(m.value) if m.value >= 0 else str(m.value)


def render_parse_table(header: str, macros: Sequence[Macro], builtins: bool) -> str:
    """One header's macros as a tabulate table (built-in macros only if asked)."""
    rows = []
    hidden = 0
    for m in macros:
        if not builtins and m.file == BUILTIN_FILE:
            hidden += 1
            continue
        note = m.comment if m.kind != "other" else f"({m.reason})"
        if m.kind == "function":
            note = f"function-like {m.expr}" + (f"; {m.comment}" if m.comment else "")
        rows.append([m.name, m.kind, _value_text(m), m.location, note])
    text = f"{header}\n" + tabulate(
        rows, headers=["name", "kind", "value", "defined at", "comment / reason"]
    )
    if hidden:
        text += f"\n({hidden} compiler-predefined macros not shown; --builtins shows them)"
    return text + "\n"


def cmd_parse(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    headers = args.headers or [str(embedded_header())]
    reader = _reader(args)
    status = EXIT_OK
    results: list[dict[str, Any]] = []
    tables: list[str] = []
    for h in headers:
        try:
            macros = reader.read(h)
        except AbicheckError as exc:
            err.write(f"{exc}\n")
            status = EXIT_ERROR
            results.append({"header": h, "error": str(exc), "defines": []})
            continue
        results.append({"header": h, "defines": [m.to_json() for m in macros]})
        tables.append(render_parse_table(h, macros, args.builtins))
    if args.format == "json":
        _json_dump(results, out)
    else:
        out.write("\n".join(tables))
    return status


# -- main ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="abicheck",
        description="Read C headers' #define tables and cross-check ABI constants.",
    )
    parser.add_argument("--version", action="version", version=f"abicheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "parse",
        help="list a header's macros with their evaluated values",
        description="Preprocess each HEADER and list every macro visible at its end, "
        "evaluated (default: the embedded ARM mman.h).",
    )
    _add_reader_options(p)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument(
        "--builtins", action="store_true", help="also list compiler-predefined macros in tables"
    )
    p.add_argument("headers", nargs="*", metavar="HEADER")
    p.set_defaults(func=cmd_parse)
    return parser


Command = Callable[[argparse.Namespace, TextIO, TextIO], int]


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line ``argv``; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    func: Command = args.func
    try:
        return func(args, out, err)
    except AbicheckError as exc:
        err.write(f"{exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write("abicheck: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
