"""The ``abicheck`` command: a thin argparse layer over the library.

Each subcommand makes one library call and renders its result. Errors in
the input print ``path:line: error: ...`` on stderr and exit 2; an internal
error (a bug) exits 3, except in ``audit``, whose status is a bit mask with
1 for an internal error.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from . import __version__
from .audit import FAIL_ON as AUDIT_FAIL_ON
from .audit import audit, load_suppressions
from .compare import FAIL_ON as COMPARE_FAIL_ON
from .compare import compare
from .model import AbicheckError, Macro, Table
from .parse import BUILTIN_FILE, Reader, parse_cli_define, paused_gc
from .progress import Progress
from .reader.datamodel import DATA_MODELS
from .report import AUDIT_FORMATS, render_audit, render_comparison_report, tabulate, visible_text
from .resources import TEMPLATES, data_dir, display_name, embedded_header
from .snapshot import dump_snapshot, load_snapshot
from .sources import KEYWORDS, SPEC_FORMS, SourceOptions, default_sources, load_sources

if TYPE_CHECKING:
    from .verify import VerifyReport

# emit (jinja2) and verify (ctypes) are imported by their commands only: a run
# of any other command starts faster without them

EXIT_OK = 0
# Bad input or usage: a file:line error on stderr, for every command.
EXIT_ERROR = 2
# Something failed that the input did not cause (a bug). Not 1: compare,
# emit --check and verify exit 1 for a finding.
EXIT_INTERNAL = 3
# audit's status is a bit mask: 1 error, 2 usage or input error, 4 compatible
# change, 8 incompatible change.
EXIT_AUDIT_INTERNAL = 1

EXIT_STATUS_HELP = """\
exit status:
  0  success, nothing found
  1  a finding: compare: some row differs (see --fail-on); emit --check: the
     file is out of date; verify: a constant rejected or mismatched
  2  bad input or usage (one line on stderr: path:line: error: ...)
  3  internal error, a bug in abicheck (ABICHECK_DEBUG=1 shows a traceback)
  audit's status is a bit mask instead: 1 internal error, 2 usage or input
  error, 4 compatible change, 8 incompatible change."""


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
        if not note and m.kind == "integer" and m.expr.isidentifier():
            note = f"= {m.expr}"
        if m.kind == "function":
            note = f"function-like {m.expr}" + (f"; {m.comment}" if m.comment else "")
        rows.append([visible_text(c) for c in (m.name, m.kind, _value_text(m), m.location, note)])
    text = f"{visible_text(header)}\n" + tabulate(
        rows, headers=["name", "kind", "value", "defined at", "comment / reason"]
    )
    if hidden:
        text += f"\n({hidden} compiler-predefined macros not shown; --builtins shows them)"
    return text + "\n"


def _write_parse_json(results: list[dict[str, Any]], out: TextIO) -> None:
    """The parse JSON, one macro per line: the same data as indented JSON, each
    macro's line made once however many headers show it (a whole uapi tree is
    ~120,000 macro entries, most of them shared)."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    encoded: dict[int, str] = {}  # id(Macro) -> its JSON; the macros live in results
    out.write("[\n")
    for i, res in enumerate(results):
        head = {k: v for k, v in res.items() if k != "defines"}
        out.write("  " + dumps(head)[:-1] + ', "defines": [')
        macros: Sequence[Macro] = res["defines"]
        lines = []
        for m in macros:
            text = encoded.get(id(m))
            if text is None:
                text = encoded[id(m)] = m.json_text()
            lines.append(text)
        if lines:
            out.write("\n    " + ",\n    ".join(lines) + "\n  ")
        out.write("]}" + ("," if i < len(results) - 1 else "") + "\n")
    out.write("]\n")


def cmd_parse(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    embedded = display_name(embedded_header())
    headers = args.headers or [embedded]
    reader = _reader(args)
    status = EXIT_OK
    results: list[dict[str, Any]] = []
    tables: list[str] = []
    for h in headers:
        path = str(embedded_header()) if h == embedded else h
        try:
            macros = reader.read(path)
        except AbicheckError as exc:
            err.write(f"{exc}\n")
            status = EXIT_ERROR
            results.append({"header": h, "error": str(exc), "defines": []})
            continue
        if args.format == "json":
            results.append({"header": h, "defines": macros})
        else:
            tables.append(render_parse_table(h, macros, args.builtins))
    if args.format == "json":
        _write_parse_json(results, out)
    else:
        out.write("\n".join(tables))
    return status


# -- sources ------------------------------------------------------------------


def _add_source_options(p: argparse.ArgumentParser) -> None:
    _add_reader_options(p)
    p.add_argument(
        "--header",
        default="linux/mman.h",
        metavar="HEADER",
        help="the header arch: sources read (default linux/mman.h)",
    )
    p.add_argument(
        "--kernel-tree", metavar="DIR", help="read arch: sources from a kernel source tree"
    )
    p.add_argument(
        "--arch-from",
        choices=("auto", "installed", "snapshot"),
        default="auto",
        help="arch: sources from installed cross headers, the shipped snapshot, or "
        "installed where present (auto, the default)",
    )
    p.add_argument("sources", nargs="*", metavar="SOURCE", help=f"one of: {SPEC_FORMS}")


def _source_options(args: argparse.Namespace) -> SourceOptions:
    return SourceOptions(
        include_dirs=tuple(args.include),
        defines=dict(parse_cli_define(d) for d in args.define),
        data_model=args.data_model,
        header=args.header,
        kernel_tree=args.kernel_tree,
        arch_from=args.arch_from,
    )


def _load(specs: list[str], options: SourceOptions, err: TextIO) -> list[Table]:
    """The tables of ``specs``, with progress on stderr when it is a terminal."""
    progress = Progress(err)
    try:
        return load_sources(specs, options, progress)
    finally:
        progress.close()


def _defaults(options: SourceOptions, err: TextIO) -> list[Table]:
    """The default sources; one this machine cannot give is left out, with a note."""
    tables = default_sources(options)
    for note in tables.notes:
        err.write(note + "\n")
    return tables


def _write(text: str, output: str | None, out: TextIO) -> None:
    """``text`` to stdout (``output`` None or ``-``), or to the file ``output``.

    A regular file (or a new one) is written whole: to a temporary file
    beside it, then renamed over it, keeping its mode; a symbolic link is
    followed, so the file it points to is replaced and the link kept. A FIFO,
    a device (``/dev/stdout``) or any other non-regular file is written
    straight through.
    """
    if output is None or output == "-":
        out.write(text)
        return
    if not output:
        raise AbicheckError("-o: empty file name")
    data = text.encode("utf-8")
    try:
        st: os.stat_result | None = os.stat(output)
    except FileNotFoundError:
        st = None  # a new file (or a dangling symbolic link: created where it points)
    except OSError as exc:
        raise AbicheckError(f"cannot write: {exc.strerror}", output) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        try:
            with open(output, "wb") as f:
                f.write(data)
        except OSError as exc:
            raise AbicheckError(f"cannot write: {exc.strerror}", output) from None
        return
    target = Path(os.path.realpath(output))
    tmp = target.with_name(f".{target.name}.abicheck-tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if st is not None:
                    os.fchmod(f.fileno(), stat.S_IMODE(st.st_mode))
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise AbicheckError(f"cannot write: {exc.strerror}", output) from None


# -- compare ------------------------------------------------------------------


def cmd_compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    options = _source_options(args)
    tables = _load(args.sources, options, err) if args.sources else _defaults(options, err)
    result = compare(tables, args.only or None)
    _write(render_comparison_report(result, args.format), args.output, out)
    return result.exit_code(args.fail_on)


# -- emit ---------------------------------------------------------------------


def cmd_emit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.check and args.output is not None:
        raise AbicheckError("--check and -o cannot be used together: --check writes nothing")
    options = _source_options(args)
    specs = args.sources or ["embedded"]
    tables = _load(specs, options, err)
    from .emit import check, emit

    template_dir = Path(args.template_dir) if args.template_dir else None
    rendered = emit(tables, args.lang, template_dir, args.family or None)
    if args.check:
        diff = check(Path(args.check), rendered)
        if diff is None:
            return EXIT_OK
        err.write(f"{args.check}: generated file out of date; regenerate it with abicheck emit\n")
        out.write(diff)
        return 1
    _write(rendered, args.output, out)
    return EXIT_OK


# -- verify -------------------------------------------------------------------


def _verify(tables: list[Table], only: list[str], allow_dangerous: bool) -> VerifyReport:
    """verify() for names with any of the prefixes ``only`` (all names when empty)."""
    from .verify import VerifyReport, verify

    # a prefix another one covers adds nothing
    prefixes = sorted({p for p in only if not any(p != q and p.startswith(q) for q in only)})
    if len(prefixes) <= 1:
        return verify(tables, prefixes[0] if prefixes else None, allow_dangerous)
    reports = [verify(tables, p, allow_dangerous) for p in prefixes]
    merged = {
        (r.name, -1 if r.value is None else r.value, r.source): r
        for x in reports
        for r in x.results
    }
    return VerifyReport(
        reports[0].kernel, reports[0].machine, tuple(merged[k] for k in sorted(merged))
    )


def cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    options = _source_options(args)
    specs = args.sources or ["embedded", "system"]
    tables = _load(specs, options, err)
    report = _verify(tables, args.only, args.allow_dangerous)
    if args.format == "json":
        _json_dump(report.to_json(), out)
    else:
        from .verify import render_table

        out.write(render_table(report))
    return report.exit_code()


# -- snapshot and audit ---------------------------------------------------------


def cmd_snapshot(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    options = _source_options(args)
    tables = _load(args.sources, options, err) if args.sources else _defaults(options, err)
    _write(dump_snapshot(tables), args.output, out)
    return EXIT_OK


_SHIPPED_PREFIX = "<abicheck>/headers/"


def _shipped_path(path: str) -> str:
    """A recorded path as a file to read: ``<abicheck>/headers/X`` is the shipped X."""
    if path.startswith(_SHIPPED_PREFIX):
        return str(data_dir("headers") / path[len(_SHIPPED_PREFIX) :])
    return path


def _recorded_defines(text: str) -> dict[str, str] | None:
    """The -D defines a header table's origin records (``A=1 B=x``), or None when the
    record is ambiguous (a value with spaces that does not read back the same)."""
    defines: dict[str, str] = {}
    last: str | None = None
    for word in text.split():
        name, eq, value = word.partition("=")
        if eq and re.fullmatch(r"[A-Za-z_]\w*", name) and name not in defines:
            defines[name] = value
            last = name
        elif last is not None:
            defines[last] += " " + word
        else:
            return None
    if " ".join(f"{k}={v}" for k, v in sorted(defines.items())) != text:
        return None
    return defines


def _arch_header(origin: Mapping[str, str], default: str) -> str:
    """The header an ``arch`` table read, relative to its include dirs (``linux/mman.h``)."""
    header = origin.get("header", "")
    for d in filter(None, origin.get("include_dirs", "").split(":")):
        prefix = d.rstrip("/") + "/"
        if header.startswith(prefix):
            return header[len(prefix) :]
    return default


def _baseline_request(t: Table, options: SourceOptions) -> tuple[str, SourceOptions] | str:
    """How to read baseline table ``t`` again today: (spec, options), or why it cannot be."""
    o = t.origin
    kind = t.kind
    if kind in ("system", "libc", "python", "kernel"):
        return kind, options
    if kind == "arch":
        name = o.get("arch") or (t.label[5:] if t.label.startswith("arch:") else "")
        if not name:
            return "its origin records no architecture"
        arch_options = replace(options, header=_arch_header(o, options.header))
        if o.get("from") == "kernel-tree" and o.get("kernel_tree") and not options.kernel_tree:
            arch_options = replace(arch_options, kernel_tree=o["kernel_tree"])
        return f"arch:{name}", arch_options
    path = o.get("path", "")
    if kind == "header" and path:
        if path == display_name(embedded_header()) and "note" in o:
            return "embedded", options
        defines = _recorded_defines(o.get("defines", ""))
        if defines is None:
            return f"its recorded defines {o['defines']!r} cannot be read back"
        data_model = o.get("data_model", "lp64")
        if data_model not in DATA_MODELS:
            return f"its recorded data model {data_model!r} is not one of {', '.join(DATA_MODELS)}"
        dirs = tuple(_shipped_path(d) for d in o.get("include_dirs", "").split(":") if d)
        header_options = replace(options, include_dirs=dirs, defines=defines, data_model=data_model)
        return _file_spec(_shipped_path(path)), header_options
    if kind == "file" and path.lower().endswith(".py"):
        return _file_spec(path), options
    if kind == "file" and (t.label in KEYWORDS or t.label.startswith("arch:")):
        return t.label, options  # a baseline older than kinds: the label is the source
    return f"a {kind!r} table with no source abicheck can read again"


def _file_spec(path: str) -> str:
    """``path`` as a source spec that is read as a file (``./system``, not the keyword)."""
    if path in KEYWORDS or path.startswith("arch:"):
        return f"./{path}"
    return path


def _baseline_tables(
    baseline: list[Table], baseline_file: str, options: SourceOptions, err: TextIO
) -> list[Table]:
    """The baseline's own sources read again today, each as it was read then.

    Each table is rebuilt from its kind and origin: keyword sources (relabelled ones
    too), architectures (with the header they read), and headers with their recorded
    data model, -D defines and include dirs; tables read with one set of options
    are loaded together, each spec once. A table that cannot be rebuilt is an error
    naming the baseline file.
    """
    requests: list[tuple[str, SourceOptions]] = []
    for t in baseline:
        request = _baseline_request(t, options)
        if isinstance(request, str):
            raise AbicheckError(
                f"baseline source {t.label!r} cannot be read again ({request}): "
                "name the sources to audit",
                baseline_file,
            )
        requests.append(request)
    groups: list[tuple[SourceOptions, list[str]]] = []
    for spec, opts in requests:
        group = next((g for g in groups if g[0] == opts), None)
        if group is None:
            groups.append((opts, [spec]))
        elif spec not in group[1]:
            group[1].append(spec)
    total = sum(len(specs) for _, specs in groups)
    progress = Progress(err)
    loaded: list[tuple[SourceOptions, dict[str, Table]]] = []
    try:
        done = 0
        for opts, specs in groups:

            def step(i: int, n: int, what: str, base: int = done) -> None:
                if i < n:
                    progress(base + i, total, what)

            tables = load_sources(specs, opts, step)
            loaded.append((opts, dict(zip(specs, tables, strict=True))))
            done += len(specs)
    finally:
        progress.close()
    out = []
    for t, (spec, opts) in zip(baseline, requests, strict=True):
        table = next(found[spec] for o, found in loaded if o == opts)
        out.append(replace(table, label=t.label))
    return out


def cmd_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    baseline = load_snapshot(args.baseline)
    options = _source_options(args)
    if args.sources:
        current = _load(args.sources, options, err)
    else:
        current = _baseline_tables(baseline, args.baseline, options, err)
    suppressions = load_suppressions(args.suppressions) if args.suppressions else []
    result = audit(baseline, current, suppressions, baseline_file=args.baseline)
    _write(render_audit(result, args.format), args.output, out)
    return result.exit_code(args.fail_on)


# -- main ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="abicheck",
        description="Read C headers' #define tables and cross-check ABI constants.",
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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

    p = sub.add_parser(
        "compare",
        help="put constant tables side by side and say where they disagree",
        description="Compare the mman constants of several sources (default: the embedded "
        "ARM header, system, libc and python). Exit 0 when no row differs, 1 when "
        "some does (see --fail-on), 2 on errors.",
    )
    _add_source_options(p)
    p.add_argument(
        "--only", action="append", default=[], metavar="PREFIX", help="only names with PREFIX"
    )
    p.add_argument("--format", choices=AUDIT_FORMATS, default="table")
    p.add_argument("--fail-on", choices=COMPARE_FAIL_ON, default="differs")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "emit",
        help="generate a Python or C constants module",
        description="Render the mman constants of the sources (default: the embedded "
        "ARM header) as a Python module or a C header.",
    )
    _add_source_options(p)
    p.add_argument("--lang", choices=sorted(TEMPLATES), required=True)
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--template-dir", metavar="DIR", help="use your own templates")
    p.add_argument(
        "--family",
        action="append",
        default=[],
        metavar="NAME[:flag|enum]",
        help="macro family to emit (repeatable; default PROT, MAP, MADV, MS, MCL, ...)",
    )
    p.add_argument(
        "--check",
        metavar="FILE",
        help="exit 1 with a diff when FILE differs from what would be generated",
    )
    p.set_defaults(func=cmd_emit)

    p = sub.add_parser(
        "verify",
        help="ask the live kernel what each constant does",
        description="Call madvise, mmap, mprotect, msync and mlockall with each value on "
        "real mappings, in forked children (default sources: the embedded ARM header "
        "and system). Exit 1 when a named constant is rejected or mismatches.",
    )
    _add_source_options(p)
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PREFIX",
        help="only names with PREFIX (repeatable)",
    )
    p.add_argument(
        "--allow-dangerous",
        action="store_true",
        help="also call MADV_HWPOISON and MADV_SOFT_OFFLINE (root only; poisons memory)",
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "snapshot",
        help="record tables as a sorted JSON baseline",
        description="Write the integer macros of the sources with their provenance as "
        "sorted JSON (default sources as for compare).",
    )
    _add_source_options(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser(
        "audit",
        help="classify changes since a baseline snapshot",
        description="Compare today's tables with a baseline. Exit status is a bit mask: "
        "0 no change, 1 internal error, 2 usage or input error, 4 compatible change, "
        "8 incompatible change (see --fail-on).",
    )
    _add_source_options(p)
    p.add_argument("--baseline", required=True, metavar="FILE", help="abicheck snapshot")
    p.add_argument("--suppressions", metavar="FILE", help="TOML file of accepted changes")
    p.add_argument("--fail-on", choices=AUDIT_FAIL_ON, default="incompatible")
    p.add_argument("--format", choices=AUDIT_FORMATS, default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    p.set_defaults(func=cmd_audit)
    return parser


Command = Callable[[argparse.Namespace, TextIO, TextIO], int]


class _OutputError(Exception):
    """An OSError writing the command's output (stdout): its strerror is the message."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(exc.strerror or str(exc))
        self.strerror = exc.strerror or str(exc)


class _Output(io.TextIOBase):
    """``stream`` for the commands to write to, its write errors told apart from bugs.

    An OSError writing or flushing (a full disk, ``> /dev/full``) is an output
    problem, raised as :class:`_OutputError`; a broken pipe stays BrokenPipeError.
    Closing it leaves ``stream`` open.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._stream.isatty()

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _OutputError(exc) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _OutputError(exc) from exc

    def close(self) -> None:
        super().close()  # this wrapper only: the caller's stream stays open


def _silence_stdout() -> None:
    """Point the process's stdout at /dev/null after an output error, so that the
    interpreter's own flush at exit cannot fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def run() -> NoReturn:
    """The ``abicheck`` command: ``main`` on the process's arguments, then exit.

    A run builds hundreds of thousands of long-lived objects and next to no
    reference cycles, so the cyclic garbage collector stays off, and the process
    ends without tearing them down one by one (a third of a whole-tree parse).
    """
    gc.disable()
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # the reader of the output has gone: nothing left to tell it
    os._exit(status)


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
    output = _Output(out)
    try:
        with paused_gc():
            status = func(args, cast(TextIO, output), err)
        output.flush()
        return status
    except _OutputError as exc:
        err.write(f"abicheck: error: cannot write output: {exc.strerror}\n")
        if out is sys.stdout:
            _silence_stdout()
        return EXIT_ERROR
    except AbicheckError as exc:
        err.write(f"{exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write("abicheck: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug, not bad input: one line
        if os.environ.get("ABICHECK_DEBUG"):
            raise
        message = " ".join(str(exc).split())
        err.write(
            f"abicheck: internal error: {type(exc).__name__}: {message} "
            "(set ABICHECK_DEBUG=1 for a traceback)\n"
        )
        # audit: bit 1 of its mask; elsewhere 1 means a finding
        return EXIT_AUDIT_INTERNAL if args.command == "audit" else EXIT_INTERNAL
