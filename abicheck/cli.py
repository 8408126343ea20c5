"""The ``abicheck`` command: a thin argparse layer over the library.

Each subcommand makes one library call and renders its result. Errors in
the input print ``path:line: error: ...`` on stderr and exit 2; an internal
error (a bug) exits 3, except in ``audit``, whose status is a bit mask with
1 for an internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import gc
import io
import itertools
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar, cast

from . import __version__
from .config import Config, load_config
from .model import AbicheckError, Table
from .progress import Progress

if TYPE_CHECKING:
    from .parse import HeaderResult, Reader, TargetSetup
    from .sources import SourceOptions

# Each command imports the modules it uses when it runs, and the parser only the
# running command's choices (build_parser): ``parse`` of one header is mostly
# start-up, and the reports, the sources, audit, emit (jinja2), verify (ctypes) and
# tabulate would each add milliseconds to it

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
  2  bad input or usage (one line on stderr: path:line: error: ...); verify:
     no probe could run (no child process could be started)
  3  internal error, a bug in abicheck (ABICHECK_DEBUG=1 shows a traceback)
  audit's status is a bit mask instead: 1 internal error, 2 usage or input
  error, 4 compatible change, 8 incompatible change."""


class _Given(argparse.Action):
    """Store an option's value, refusing an empty one (``--arch ''`` is no
    architecture, not this machine's)."""

    def __call__(self, parser: Any, namespace: Any, value: Any, option: Any = None) -> None:
        if not str(value).strip():
            raise argparse.ArgumentError(self, "expected a value, got an empty one")
        setattr(namespace, self.dest, value)


class _MacroNames(argparse.Action):
    """Append a macro name (``-U``), refusing one that is no identifier, as gcc does."""

    def __call__(self, parser: Any, namespace: Any, value: Any, option: Any = None) -> None:
        from .parse import is_cli_macro_name

        if not is_cli_macro_name(str(value)):
            raise argparse.ArgumentError(self, f"{value!r}: macro names must be identifiers")
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or ()), value])


def _add_include_options(p: argparse.ArgumentParser) -> None:
    for flag, dest, metavar, what in (
        ("-I", "include", "DIR", "include folder"),
        ("-D", "define", "NAME[=VALUE]", "predefine a macro"),
    ):
        p.add_argument(flag, dest=dest, action="append", default=[], metavar=metavar, help=what)


def _add_reader_options(p: argparse.ArgumentParser, several: bool = False) -> None:
    _add_include_options(p)
    p.add_argument(
        "-U",
        dest="undefine",
        action=_MacroNames,
        default=[],
        metavar="NAME",
        help="remove a predefined macro (as gcc -U)",
    )
    p.add_argument(
        "--arch",
        action=_Given,
        default="",
        metavar="NAME",
        help="read as this architecture's compiler would (names as for arch:): its "
        "predefines, data model, char signedness and installed headers after -I "
        "(default: this machine's predefines; with --data-model, a generic target's)"
        + (
            "; 'all' (every installed Debian architecture) or a comma list reads the "
            "headers for each, a HEADER name or pattern found in each one's folders"
            if several
            else ""
        ),
    )
    p.add_argument(
        "--data-model",
        choices=("lp64", "ilp32"),
        default="",
        help="type sizes for sizeof and long, of a generic target with no architecture's "
        "macros (default lp64; with --arch, that architecture's, which it must agree with)",
    )


def _add_output(p: argparse.ArgumentParser, what: str = "the report") -> None:
    p.add_argument("-o", "--output", metavar="FILE", help=f"write {what} to FILE (default: stdout)")


def _add_only(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PREFIX",
        help="only names with PREFIX (repeatable; a bare word is a family: MS means MS_)",
    )


def _defines(specs: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``-D`` options as name and value pairs, the last of a name winning (as in gcc)."""
    from .parse import parse_cli_define

    return tuple(dict(parse_cli_define(d) for d in specs).items())


def _arch(args: argparse.Namespace) -> str:
    """The architecture the headers are read as: --arch; given neither --arch nor
    --data-model, this machine's (as its compiler reads them); else none."""
    if args.arch or args.data_model:
        return str(args.arch)
    from .arches import host_arch

    try:
        return host_arch().name
    except AbicheckError:  # an unknown machine: a generic lp64 target
        return ""


def _reader(args: argparse.Namespace, dirs: Sequence[str], setup: TargetSetup) -> Reader:
    from .parse import Reader

    defines = dict(_defines(args.define))
    return Reader(
        dirs, defines, setup.data_model, setup.predefines, setup.unsigned_char, abi=setup.abi
    )


def _system_dirs() -> list[str]:
    """Where ``parse`` looks for ``#include <...>`` after the -I folders: the C compiler's own
    search path, as gcc would; without one, the host's multiarch folder, /usr/include
    and abicheck's freestanding headers."""
    from .searchpath import search_dirs

    found = search_dirs()
    if found:
        return list(found)
    from .arches import host_arch
    from .parse import freestanding_dir

    dirs = [freestanding_dir()]
    with contextlib.suppress(AbicheckError):  # an unknown machine: no multiarch folder
        dirs.append(f"/usr/include/{host_arch().multiarch}")
    return [*dirs, "/usr/include"]


# -- parse --------------------------------------------------------------------


def cmd_parse(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .headerargs import is_arch_list, resolve_headers

    if is_arch_list(args.arch):
        return _parse_arches(args, out, err)
    from .parse import iter_headers, target_setup
    from .resources import display_name, embedded_header

    headers = args.headers or [display_name(embedded_header())]
    setup = target_setup(_arch(args), args.data_model, args.undefine)
    dirs = list(args.include)
    if args.arch:  # the architecture's: the freestanding headers, then its installed ones
        if not args.nostdinc:
            dirs += setup.system_dirs
    elif args.headers and not args.nostdinc:  # after the -I ones, as gcc searches
        dirs += _system_dirs()
    # a name that is no path is looked up as #include <...> would, a pattern expanded
    pairs, unmatched = resolve_headers(headers, dirs)
    for spec in unmatched:
        if spec not in (h for h, _ in pairs):
            raise AbicheckError("no header matches in the include folders", spec)
    # the predefined macros (240 or so) only when asked for: in every format
    reader = _held_to_exit(_reader(args, dirs, setup))
    results = iter_headers([h for h, _ in pairs], reader, args.builtins, [p for _, p in pairs])
    failed = False

    def told() -> Iterator[HeaderResult]:
        """Each result once its warnings and error are written."""
        nonlocal failed
        for res in results:
            for w in res.warnings:
                err.write(f"{w}\n")
            if res.error is not None:
                err.write(f"{res.error}\n")
                failed = True
            yield res

    # each header's part is written once it is read (a whole tree's output is large,
    # and a reader may stop early), and then dropped
    with _writing(args.output, out) as dest:
        if args.format == "json":
            from .report.json import write_parse_json

            write_parse_json(told(), dest)
        else:
            from .report.text import render_parse_table

            sep = ""
            for r in told():
                if r.error is None:
                    dest.write(sep + render_parse_table(r.header, r.macros, args.builtins))
                    sep = "\n"
    return EXIT_ERROR if failed else EXIT_OK


def _parse_arches(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``parse --arch all`` (or a comma list): each architecture's headers, grouped by
    architecture (JSON: one list, each object with its ``arch``)."""
    from .multiarch import arch_list, default_workers, plan_arches, write_arches

    if args.data_model:
        raise AbicheckError(f"--data-model with --arch {args.arch}: each architecture has its own")
    if not args.headers:
        raise AbicheckError(f"--arch {args.arch} needs HEADER arguments (names, paths or patterns)")
    plans, notes = plan_arches(
        arch_list(args.arch), args.headers, args.include, args.undefine, args.nostdinc
    )
    for note in notes:
        err.write(f"{note}\n")
    render = (
        _render_json_arch
        if args.format == "json"
        else functools.partial(_render_table_arch, builtins=args.builtins)
    )
    workers = default_workers(len(plans))
    defines = dict(_defines(args.define))
    # each distinct error or warning once, after the output, with the architectures
    # that gave it (the same error 21 times over says less)
    told: dict[str, tuple[int, dict[str, None]]] = {}  # line -> (header's rank, arches)
    rank: dict[str, int] = {}  # the headers in the order the plans give them
    for plan in plans:
        for name, _ in plan.headers:
            rank.setdefault(name, len(rank))
    failed = False
    try:
        with _writing(args.output, out) as stream:
            dest = stream.write
            first = True
            dest("[\n" if args.format == "json" else "")
            for plan, text, (messages, any_error) in write_arches(
                plans, render, defines, args.builtins, workers
            ):
                for header, line in messages:
                    told.setdefault(line, (rank.get(header, len(rank)), {}))[1][plan.arch] = None
                failed = failed or any_error
                if text:
                    if not first:
                        dest(",\n" if args.format == "json" else "\n")
                    text.write_to(stream)
                    first = False
            dest(("\n]\n" if not first else "]\n") if args.format == "json" else "")
    finally:
        # by header, then as first told (a sort is stable)
        for line, (_, where) in sorted(told.items(), key=lambda item: item[1][0]):
            on = ", ".join(where)
            if len(where) == len(plans) > 2:
                on = f"all {len(plans)} architectures"
            err.write(f"{line} [{on}]\n")
    return EXIT_ERROR if failed else EXIT_OK


#: A worker's stderr lines, each with its header, and whether a header failed.
_Told = tuple[tuple[tuple[str, str], ...], bool]


def _messages(results: Sequence[Any]) -> _Told:
    """Each warning and error of ``results`` as (header, line), and whether one failed."""
    lines = []
    for res in results:
        lines += [(res.header, str(w)) for w in res.warnings]
        if res.error is not None:
            lines.append((res.header, str(res.error)))
    return tuple(lines), any(r.error is not None for r in results)


def _joined(items: Iterable[str], sep: str) -> Iterator[str]:
    """The pieces of ``sep.join(items)``."""
    for i, item in enumerate(items):
        if i:
            yield sep
        yield item


def _render_json_arch(plan: Any, results: Sequence[Any]) -> tuple[Iterator[str], _Told]:
    """One architecture's part of the parse JSON list (its pieces), and its stderr
    lines and whether a header failed (run in a worker process)."""
    from .report.json import parse_json_items

    return _joined(parse_json_items(results, plan.arch), ",\n"), _messages(results)


def _render_table_arch(
    plan: Any, results: Sequence[Any], builtins: bool
) -> tuple[Iterator[str], _Told]:
    from .report.text import render_parse_table

    shown = [r for r in results if r.error is None]
    n = len(plan.headers)
    head = f"== {plan.arch} ({n} header{'s' if n != 1 else ''})\n\n"
    tables = (render_parse_table(r.header, r.macros, builtins) for r in shown)
    return itertools.chain((head,), _joined(tables, "\n")), _messages(results)


# -- sources ------------------------------------------------------------------


def _add_source_options(p: argparse.ArgumentParser) -> None:
    from .sources import SPEC_FORMS
    from .targets.mman import MMAN

    _add_reader_options(p)
    p.add_argument(
        "--header",
        action=_Given,
        default="",
        metavar="HEADER",
        help=f"the header arch: sources read (default {MMAN.header})",
    )
    p.add_argument(
        "--kernel-tree", metavar="DIR", help="read arch: sources from a kernel source tree"
    )
    _add_arch_from(p)
    p.add_argument("sources", nargs="*", metavar="SOURCE", help=f"one of: {SPEC_FORMS}")


def _add_arch_from(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--arch-from",
        choices=("auto", "installed", "snapshot"),
        default="auto",
        help="arch: sources from installed cross headers, the shipped snapshot, or "
        "installed where present (auto, the default)",
    )


def _source_options(args: argparse.Namespace) -> SourceOptions:
    from .sources import SourceOptions

    return SourceOptions(
        include_dirs=tuple(args.include),
        defines=_defines(args.define),
        data_model=args.data_model,
        arch=_arch(args),
        undefines=tuple(args.undefine),
        header=args.header,
        kernel_tree=args.kernel_tree,
        arch_from=args.arch_from,
    )


def _load(specs: list[str], options: SourceOptions, err: TextIO) -> list[Table]:
    """The tables of ``specs``, with progress on stderr when it is a terminal."""
    from .sources import load_sources

    progress = Progress(err)
    try:
        tables = load_sources(specs, options, progress)
    finally:
        progress.close()
    for note in tables.notes:
        err.write(note + "\n")
    return tables


def _add_layout_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--layouts",
        action="store_true",
        help="struct and union layouts (sizeof, _Alignof, offsetof) of the sources' "
        "headers instead of their constants",
    )
    _add_type_option(p, "with --layouts: only this type ('struct stat'; a glob; repeatable)")


def _add_type_option(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--type", dest="types", action="append", default=[], metavar="NAME", help=help)


def _sources_or_layouts(
    args: argparse.Namespace, options: SourceOptions, err: TextIO
) -> list[Table]:
    """The sources' tables, or with --layouts their layout tables."""
    if args.types and not args.layouts:
        raise AbicheckError("--type goes with --layouts")
    if not args.layouts:
        return _load(args.sources, options, err) if args.sources else _defaults(options, err)
    if not args.sources:
        raise AbicheckError("--layouts needs sources that read C headers: arch:NAME, HEADER.h")
    from .sources.layout_tables import layout_tables

    return layout_tables(_load(args.sources, options, err), options, args.types)


def _defaults(options: SourceOptions, err: TextIO) -> list[Table]:
    """The default sources; one this machine cannot give is left out, with a note."""
    from .sources import default_sources

    tables = default_sources(options)
    for note in tables.notes:
        err.write(note + "\n")
    return tables


def _write(text: str, output: str | None, out: TextIO) -> None:
    """``text`` to stdout (``output`` None or ``-``), or to the file ``output``, as
    :func:`_writing` writes it."""
    with _writing(output, out) as dest:
        dest.write(text)


class _FileOutput(io.TextIOBase):
    """The file ``-o`` names, as text (UTF-8): an OSError writing it is an
    AbicheckError naming it."""

    def __init__(self, f: IO[bytes], name: str) -> None:
        super().__init__()
        self._f = f
        self._name = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        try:
            self._f.write(text.encode("utf-8"))
        except OSError as exc:
            raise AbicheckError(f"cannot write: {exc.strerror}", self._name) from None
        return len(text)

    def copy_utf8(self, fd: int, size: int) -> bool:
        """The first ``size`` bytes of the file ``fd``, UTF-8 text, written (see
        :meth:`abicheck.multiarch.ArchText.write_to`)."""
        from .multiarch import send_utf8

        try:
            self._f.flush()
            send_utf8(fd, size, self._f.fileno())
        except OSError as exc:
            raise AbicheckError(f"cannot write: {exc.strerror}", self._name) from None
        return True


@contextlib.contextmanager
def _writing(output: str | None, out: TextIO) -> Iterator[TextIO]:
    """A stream for a command's output, written piece by piece: ``out`` (``output``
    None or ``-``), or the file ``output``.

    A regular file (or a new one) is written to a temporary file beside it, then
    renamed over it, keeping its mode, when the block ends; a block that raises
    leaves it as it was. A symbolic link is followed, so the file it points to is
    replaced and the link kept. A FIFO, a device (``/dev/stdout``) or any other
    non-regular file is written straight through. What cannot be written is an
    AbicheckError naming the file.
    """
    if output is None or output == "-":
        yield out
        return
    if not output:
        raise AbicheckError("-o: empty file name")

    def failed(exc: OSError) -> AbicheckError:
        return AbicheckError(f"cannot write: {exc.strerror}", output)

    try:
        st: os.stat_result | None = os.stat(output)
    except FileNotFoundError:
        st = None  # a new file (or a dangling symbolic link: created where it points)
    except OSError as exc:
        raise failed(exc) from None
    tmp: str | None = None
    try:
        if st is not None and not stat.S_ISREG(st.st_mode):
            f = open(output, "wb")  # noqa: SIM115 (closed below, its errors told)
        else:
            import tempfile
            from pathlib import Path

            target = Path(os.path.realpath(output))
            # a name of its own per run, so that runs writing the same target at once
            # each replace it whole
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".abicheck-tmp",
                                           dir=target.parent)  # fmt: skip
            except OSError as exc:
                # ENOENT with the file there (/proc/version): its folder makes no new
                # file, so say it is the scratch copy that failed, not the file
                if st is None or exc.errno != errno.ENOENT:
                    raise
                raise AbicheckError(
                    f"cannot write: cannot make a temporary file in {target.parent}: "
                    f"{exc.strerror}",
                    output,
                ) from None
            f = os.fdopen(fd, "wb")
    except OSError as exc:
        raise failed(exc) from None
    finished = False
    try:
        yield cast(TextIO, _FileOutput(f, output))
        try:
            if tmp is not None:
                os.fchmod(f.fileno(), stat.S_IMODE(st.st_mode) if st else 0o666 & ~_umask())
            f.close()
            if tmp is not None:
                os.replace(tmp, target)
        except OSError as exc:
            raise failed(exc) from None
        finished = True
    finally:
        if not finished:
            with contextlib.suppress(OSError):  # (the error is told above, or the block's)
                f.close()
            if tmp is not None:
                with contextlib.suppress(OSError):  # (EROFS, say)
                    os.unlink(tmp)


def _umask() -> int:
    """The process's file creation mask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: The reports ``--markdown FILE`` and the like write beside the main output.
REPORT_FILES = ("markdown", "json", "junit", "html")


def _add_report_files(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "more reports from the same run (as pytest's --junitxml), beside the output"
    )
    for fmt in REPORT_FILES:
        g.add_argument(
            f"--{fmt}", dest=f"report_{fmt}", metavar="FILE", help=f"also write the {fmt} report"
        )


def _check_report_paths(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Raises UsageError where -o and the report files (``--json FILE`` ...) name one
    file twice: the later write would replace the earlier."""
    named: dict[str, str] = {}
    for option, dest in (("-o", "output"), *((f"--{f}", f"report_{f}") for f in REPORT_FILES)):
        path = getattr(args, dest, None)
        if not isinstance(path, str) or path in ("", "-"):
            continue
        key = os.path.realpath(path)
        if key in named:
            sub = f"{parser.prog} {args.command}"
            raise UsageError(
                f"{sub}: error: {named[key]} and {option} both name {path}: each report "
                f"needs its own file (see {sub} --help)"
            )
        named[key] = option


def _write_reports(args: argparse.Namespace, render: Callable[[str], str], out: TextIO) -> None:
    """The reports asked for with ``--markdown FILE`` and the like, each rendered once."""
    for fmt in REPORT_FILES:
        path = getattr(args, f"report_{fmt}")
        if path is not None:
            _write(render(fmt), path, out)


def _terminal_style(args: argparse.Namespace, out: TextIO) -> tuple[int | None, bool]:
    """The width and colour of a table written to ``out`` (none for a file, -o)."""
    if args.format != "table" or args.output not in (None, "-"):
        return None, False
    from .report.text import terminal_style

    return terminal_style(out.isatty(), os.environ)


def _report(text: str, verdict: str, args: argparse.Namespace, out: TextIO) -> None:
    """``text`` to -o or stdout; with --quiet only the one ``verdict`` line goes to
    stdout (and the report still to the file -o names)."""
    if not getattr(args, "quiet", False):
        _write(text, args.output, out)
        return
    if args.output not in (None, "-"):
        _write(text, args.output, out)
    out.write(verdict + "\n")


def _add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the verdict line (the report still goes to -o FILE), no notes",
    )


# -- compare ------------------------------------------------------------------


def cmd_compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .compare import compare
    from .report import render_comparison_report

    options = _source_options(args)
    tables = _sources_or_layouts(args, options, err)
    result = compare(tables, args.only or None)
    width, color = _terminal_style(args, out)
    text = render_comparison_report(result, args.format, args.fail_on, width, color)
    status = result.exit_code(args.fail_on)
    if status and args.format == "table":  # a failure that reads as one, said so
        what = "a value differs" if args.fail_on == "differs" else "a name differs or is partial"
        text += f"exit status {status}: {what} between the sources (--fail-on {args.fail_on})\n"
    _write_reports(args, lambda fmt: render_comparison_report(result, fmt, args.fail_on), out)
    from .report.common import summary

    _report(text, f"abicheck compare: {summary(result)}; exit status {status}", args, out)
    return status


# -- emit ---------------------------------------------------------------------


def cmd_emit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.check and args.output is not None:
        raise AbicheckError("--check and -o cannot be used together: --check writes nothing")
    options = _source_options(args)
    specs = args.sources or ["embedded"]
    tables = _load(specs, options, err)
    from pathlib import Path

    from .emit import check, emit

    template_dir = Path(args.template_dir) if args.template_dir else None
    if args.types:
        from .layout_emit import emit_layouts

        rendered = emit_layouts(tables, args.lang, args.types, options, template_dir)
    else:
        rendered = emit(tables, args.lang, template_dir, args.family or None)
    if args.check:
        diff = check(Path(args.check), rendered)
        if args.quiet:
            state = "up to date" if diff is None else "out of date; exit status 1"
            out.write(f"abicheck emit: {args.check} is {state}\n")
            return EXIT_OK if diff is None else 1
        if diff is None:
            return EXIT_OK
        err.write(f"{args.check}: generated file out of date; regenerate it with abicheck emit\n")
        out.write(diff)
        return 1
    _write(rendered, args.output, out)
    return EXIT_OK


# -- verify -------------------------------------------------------------------


def cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    options = _source_options(args)
    specs = args.sources or ["embedded", "system"]
    tables = _load(specs, options, err)
    from .verify import verify

    report = verify(tables, args.only, args.allow_dangerous)
    from .report import render_verify
    from .report.common import verify_summary

    unprobed = report.unprobed()
    status = EXIT_ERROR if unprobed is not None else report.exit_code()
    verdict = (
        f"abicheck verify: kernel {report.kernel} ({report.machine}): "
        f"{verify_summary(report)}; exit status {status}"
    )
    _report(render_verify(report, args.format), verdict, args, out)
    if unprobed is not None:  # the results say why; a run that probed nothing is no pass
        err.write(f"abicheck verify: error: no probe could run: {unprobed}\n")
    return status


# -- snapshot and audit ---------------------------------------------------------


def cmd_snapshot(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .snapshot import dump_snapshot

    options = _source_options(args)
    tables = _sources_or_layouts(args, options, err)
    _write(dump_snapshot(tables), args.output, out)
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .audit import audit, load_suppressions
    from .report import render_audit
    from .snapshot import load_snapshot
    from .sources import reread

    baseline = load_snapshot(args.baseline)
    options = _source_options(args)
    if args.sources:
        current = _sources_or_layouts(args, options, err)
    else:
        progress = Progress(err)
        try:
            current = reread(baseline, options, progress, baseline_file=args.baseline)
        finally:
            progress.close()
    if args.types:  # the layouts of those types only, on both sides
        from .sources.layout_tables import narrow

        baseline, current = narrow(baseline, args.types), narrow(current, args.types)
    suppressions = load_suppressions(args.suppressions) if args.suppressions else []
    result = audit(baseline, current, suppressions, baseline_file=args.baseline, only=args.only)
    _write_reports(args, lambda fmt: render_audit(result, fmt), out)
    status = result.exit_code(args.fail_on)
    verdict = f"abicheck audit: {result.summary()}; exit status {status}"
    color = _terminal_style(args, out)[1]
    _report(render_audit(result, args.format, color), verdict, args, out)
    return status


# -- binding ------------------------------------------------------------------


def cmd_binding(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .audit import load_suppressions
    from .bindings.check import STATUSES, check_binding
    from .report import render_binding
    from .sources import BINDING_FORMS, SourceOptions, source_kind

    if args.rust_target and source_kind(args.source) != "rust":
        raise AbicheckError(
            f"--rust-target selects the targets of a rust: binding; {args.source!r} is none"
        )
    options = SourceOptions(
        kernel_tree=args.kernel_tree,
        arch_from=args.arch_from,
        rust_targets=tuple(args.rust_target),
    )
    tables = _load([args.source], options, err)
    if any(t.kind != "binding" for t in tables):
        raise AbicheckError(f"{args.source!r} is not a binding; give one of: {BINDING_FORMS}")
    rules = load_suppressions(args.suppressions, STATUSES, "status") if args.suppressions else []
    against = ("arch", "libc") if args.against == "both" else (args.against,)
    result = check_binding(tables, options, against, args.arch, rules)
    _write_reports(args, lambda fmt: render_binding(result, fmt), out)
    from .report.binding import summary_line

    status = result.exit_code(args.fail_on)
    verdict = f"abicheck binding: {summary_line(result)}; exit status {status}"
    _report(render_binding(result, args.format), verdict, args, out)
    return status


# -- arches -------------------------------------------------------------------


def cmd_arches(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .arches import all_arches, apt_packages
    from .report.text import render_arches_table
    from .sources import installed_dirs

    if args.apt_packages:
        _write(" ".join(apt_packages(libc=not args.no_libc)) + "\n", args.output, out)
        return EXIT_OK
    arches = all_arches()
    installed = {a.name: installed_dirs(a) is not None for a in arches}
    _write(render_arches_table(arches, installed), args.output, out)
    return EXIT_OK


# -- completion and manpage ---------------------------------------------------


def _source_words() -> list[str]:
    """The SOURCE arguments that are words, not files, for shell completion."""
    from .arches import all_arches

    fixed = ["system", "libc", "python", "kernel", "embedded", "arch:all"]
    return fixed + [f"arch:{a.name}" for a in all_arches()]


def cmd_completion(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .shell import completion

    out.write(completion(build_parser(), args.shell, _source_words()))
    return EXIT_OK


def cmd_manpage(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .shell import manpage

    _write(manpage(build_parser(), __version__, EXIT_STATUS_HELP), args.output, out)
    return EXIT_OK


def _add_completion_parser(sub: Any) -> None:
    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print the completion script for SHELL, made from abicheck's own "
        'options. bash: eval "$(abicheck completion bash)" in ~/.bashrc; zsh: '
        "abicheck completion zsh > _abicheck in a folder on $fpath; fish: abicheck "
        "completion fish > ~/.config/fish/completions/abicheck.fish.",
    )
    p.add_argument(
        "shell", choices=("bash", "zsh", "fish"), metavar="SHELL", help="bash, zsh or fish"
    )
    p.set_defaults(func=cmd_completion)


def _add_manpage_parser(sub: Any) -> None:
    p = sub.add_parser(
        "manpage",
        help="print the man page (roff), made from the options",
        description="Print abicheck(1) as roff: abicheck manpage | man -l -",
    )
    _add_output(p, "the page")
    p.set_defaults(func=cmd_manpage)


# -- layout -------------------------------------------------------------------


def cmd_layout(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .layouts import layouts
    from .report import render_layouts

    report = layouts(
        args.header,
        args.arch or None,
        include_dirs=args.include,
        defines=_defines(args.define),
        undefines=args.undefine,
        types=args.types,
        kernel_tree=args.kernel_tree,
    )
    for note in report.notes:
        err.write(note + "\n")
    _write(render_layouts(report, args.format), args.output, out)
    return EXIT_OK


def _add_layout_parser(sub: Any) -> None:
    p = sub.add_parser(
        "layout",
        help="show structs' and unions' layouts per architecture, as pahole does",
        description="Lay out every struct, union and typedef of an unnamed one that HEADER "
        "declares (or the TYPEs: struct stat, stat, or a glob) as the architecture's "
        "compiler does: size, alignment, each member's offset and size, holes and padding. "
        "HEADER is a path, or <asm/stat.h> (or asm/stat.h) searched on the include dirs. "
        "With several architectures, their sizes and the offsets that differ side by side.",
    )
    from .report import LAYOUT_FORMATS

    p.add_argument(
        "--arch",
        action="append",
        default=[],
        metavar="NAME",
        help="the architecture (as for arch:; repeatable; all: every one with headers "
        "here; default: this machine's)",
    )
    _add_include_options(p)
    p.add_argument(
        "-U",
        dest="undefine",
        action=_MacroNames,
        default=[],
        metavar="NAME",
        help="remove a predefined macro (the architecture's, or a -D)",
    )
    p.add_argument("--kernel-tree", metavar="DIR", help="the uapi headers of a kernel source tree")
    p.add_argument("--format", choices=LAYOUT_FORMATS, default="table", help="the report's format")
    _add_output(p, "the layouts")
    p.add_argument("header", metavar="HEADER", help="a header file, or <asm/stat.h>")
    p.add_argument(
        "types", nargs="*", metavar="TYPE", help="a type or a glob (default: every one declared)"
    )
    p.set_defaults(func=cmd_layout)


# -- main ---------------------------------------------------------------------


class UsageError(Exception):
    """A command line argparse refused: ``str()`` is the one line to print."""


class _Help(argparse.HelpFormatter):
    """Help that shows each option's default: ``(default X)`` is added to a help text
    that does not say its default already. No default (None), a flag's False and an
    empty list (a repeatable option given no times) are not shown.

    The terminal's width is asked for when help is laid out, not when the formatter
    is made: argparse makes one for each option added, to check its metavar, and
    asking (:func:`shutil.get_terminal_size`) imports shutil, 1.7 ms of a one-header
    parse. The width and help position are those of argparse's own formatter made
    then with the same arguments."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        self._asked = (prog, indent_increment, max_help_position, width)
        self._laid_out: argparse.HelpFormatter | None = None
        super().__init__(prog, indent_increment, max_help_position, 0 if width is None else width)

    def _layout(self) -> argparse.HelpFormatter:
        if self._laid_out is None:
            self._laid_out = argparse.HelpFormatter(*self._asked)
        return self._laid_out

    @property
    def _width(self) -> int:
        return self._layout()._width

    @_width.setter
    def _width(self, value: int) -> None:
        pass  # (argparse's __init__ sets it: the width asked for is taken when laid out)

    @property
    def _max_help_position(self) -> int:
        return self._layout()._max_help_position

    @_max_help_position.setter
    def _max_help_position(self, value: int) -> None:
        pass

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default in (None, False, [], "")
            or default is argparse.SUPPRESS
            or not action.option_strings
        ):
            return text
        return f"{text} (default %(default)s)"


class _RawHelp(_Help, argparse.RawDescriptionHelpFormatter):
    """:class:`_Help` keeping the description's and epilog's line breaks."""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one line naming the (sub)command, raised instead of
    printed with the usage (main writes them to its ``err`` and exits 2); its help
    shows defaults (:class:`_Help`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")


def _add_parse_parser(sub: Any) -> None:
    p = sub.add_parser(
        "parse",
        help="list a header's macros with their evaluated values",
        description="Preprocess each HEADER and list every macro visible at its end, "
        "evaluated (default: the embedded ARM mman.h).",
    )
    _add_reader_options(p, several=True)
    p.add_argument(
        "--format", choices=("table", "json"), default="table", help="the listing's format"
    )
    _add_output(p, "the listing")
    p.add_argument(
        "--builtins", action="store_true", help="also list the compiler-predefined macros"
    )
    p.add_argument(
        "--nostdinc",
        action="store_true",
        help="search only the -I folders (default: the -I folders, then the C "
        "compiler's search path)",
    )
    p.add_argument(
        "headers",
        nargs="*",
        metavar="HEADER",
        help="a header file, or a name or quoted glob pattern looked up in the include "
        "folders as #include <...> would (default: the embedded mman.h)",
    )
    p.set_defaults(func=cmd_parse)


def _add_compare_parser(sub: Any) -> None:
    p = sub.add_parser(
        "compare",
        help="put constant tables side by side and say where they disagree",
        description="Compare the mman constants of several sources (default: the embedded "
        "ARM header, system, libc and python). Exit 0 when no row differs, 1 when "
        "some does (see --fail-on), 2 on errors.",
    )
    from .compare import FAIL_ON as COMPARE_FAIL_ON
    from .report import AUDIT_FORMATS

    _add_source_options(p)
    _add_only(p)
    p.add_argument("--format", choices=AUDIT_FORMATS, default="table", help="the report's format")
    p.add_argument(
        "--fail-on",
        choices=COMPARE_FAIL_ON,
        default="differs",
        help="exit 1 when a value differs, when a name differs or is partial, or never",
    )
    _add_output(p)
    _add_report_files(p)
    _add_quiet(p)
    _add_layout_options(p)
    p.set_defaults(func=cmd_compare)


def _add_emit_parser(sub: Any) -> None:
    p = sub.add_parser(
        "emit",
        help="generate a Python or C constants module",
        description="Render the mman constants of the sources (default: the embedded "
        "ARM header) as a Python module or a C header.",
    )
    _add_source_options(p)
    p.add_argument(
        "--lang",
        required=True,
        metavar="LANG",
        help="the output language: python or c (abicheck.langs; checked when emitting)",
    )
    _add_output(p, "the module")
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
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="with --check: print only the verdict line, no diff",
    )
    _add_type_option(
        p,
        "emit the layout of this type instead of constants: C _Static_assert checks "
        "or Python ctypes classes per architecture ('struct stat'; a glob; repeatable)",
    )
    p.set_defaults(func=cmd_emit)


def _add_verify_parser(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="ask the live kernel what each constant does",
        description="Call madvise, mmap, mprotect, msync and mlockall with each value on "
        "real mappings, in forked children (default sources: the embedded ARM header "
        "and system). Exit 1 when a named constant is rejected or mismatches.",
    )
    from .report import VERIFY_FORMATS

    _add_source_options(p)
    _add_only(p)
    p.add_argument(
        "--allow-dangerous",
        action="store_true",
        help="also call MADV_HWPOISON and MADV_SOFT_OFFLINE (root only; poisons memory)",
    )
    p.add_argument("--format", choices=VERIFY_FORMATS, default="table", help="the report's format")
    _add_output(p)
    _add_quiet(p)
    p.set_defaults(func=cmd_verify)


def _add_snapshot_parser(sub: Any) -> None:
    p = sub.add_parser(
        "snapshot",
        help="record tables as a sorted JSON baseline",
        description="Write the integer macros of the sources with their provenance as "
        "sorted JSON (default sources as for compare).",
    )
    _add_source_options(p)
    _add_output(p, "the snapshot")
    _add_layout_options(p)
    p.set_defaults(func=cmd_snapshot)


def _add_audit_parser(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="classify changes since a baseline snapshot",
        description="Compare today's tables with a baseline. Exit status is a bit mask: "
        "0 no change, 1 internal error, 2 usage or input error, 4 compatible change, "
        "8 incompatible change (see --fail-on).",
    )
    from .audit import FAIL_ON as AUDIT_FAIL_ON
    from .report import AUDIT_FORMATS

    _add_source_options(p)
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="abicheck snapshot (required, unless [tool.abicheck] in pyproject.toml has baseline)",
    )
    p.add_argument("--suppressions", metavar="FILE", help="TOML file of accepted changes")
    p.add_argument(
        "--fail-on",
        choices=AUDIT_FAIL_ON,
        default="incompatible",
        help="which changes make the status non-zero",
    )
    p.add_argument("--format", choices=AUDIT_FORMATS, default="table", help="the report's format")
    _add_only(p)
    _add_output(p)
    _add_report_files(p)
    _add_quiet(p)
    _add_layout_options(p)
    p.set_defaults(func=cmd_audit)


def _add_binding_parser(sub: Any) -> None:
    p = sub.add_parser(
        "binding",
        help="check a binding's per-architecture constants against the kernel's",
        description="Read a binding's constant tables (Go's x/sys, Rust's libc crate, "
        "Zig's linux.zig, musl's headers) and check each architecture's against the "
        "kernel headers of that architecture and the C library's. Exit 1 when a constant "
        "is wrong or collides with another name (see --fail-on), 2 on errors.",
    )
    from .report import BINDING_FORMATS
    from .sources import BINDING_FORMS

    p.add_argument("source", metavar="SOURCE", help=f"one of: {BINDING_FORMS}")
    p.add_argument(
        "--against",
        choices=("arch", "libc", "both"),
        default="both",
        help="check against the kernel headers, the C library's, or both (default both)",
    )
    p.add_argument(
        "--arch",
        action="append",
        default=[],
        metavar="ARCH",
        help="only this architecture (repeatable; abicheck's names, as for arch:)",
    )
    p.add_argument(
        "--rust-target",
        action="append",
        default=[],
        metavar="SEL",
        help="rust: only these targets (powerpc64-musl, an arch, gnu or musl; repeatable)",
    )
    p.add_argument("--suppressions", metavar="FILE", help="TOML file of accepted rows")
    p.add_argument(
        "--fail-on",
        choices=("wrong", "any", "never"),
        default="wrong",
        help="what fails: wrong or colliding values, any difference, or nothing",
    )
    p.add_argument("--format", choices=BINDING_FORMATS, default="table", help="the report's format")
    _add_arch_from(p)
    p.add_argument("--kernel-tree", metavar="DIR", help="kernel headers from a kernel tree")
    _add_output(p)
    _add_report_files(p)
    _add_quiet(p)
    p.set_defaults(func=cmd_binding)


def _add_arches_parser(sub: Any) -> None:
    p = sub.add_parser(
        "arches",
        help="list the architectures abicheck knows and the packages of their headers",
        description="List every architecture (Debian and kernel names, data model, byte "
        "order, the Debian package of its headers and whether it is installed).",
    )
    p.add_argument(
        "--apt-packages",
        action="store_true",
        help="print the Debian packages of every architecture's kernel and C library "
        "headers, for apt-get install $(abicheck arches --apt-packages)",
    )
    p.add_argument(
        "--no-libc", action="store_true", help="with --apt-packages: kernel headers only"
    )
    _add_output(p, "the list")
    p.set_defaults(func=cmd_arches)


#: Each subcommand's parser, in the order of the help: ``add(sub)`` adds it to ``sub``
#: (argparse's subparsers).
_PARSERS: dict[str, Callable[[Any], None]] = {
    "parse": _add_parse_parser,
    "compare": _add_compare_parser,
    "emit": _add_emit_parser,
    "verify": _add_verify_parser,
    "snapshot": _add_snapshot_parser,
    "audit": _add_audit_parser,
    "binding": _add_binding_parser,
    "arches": _add_arches_parser,
    "completion": _add_completion_parser,
    "manpage": _add_manpage_parser,
    "layout": _add_layout_parser,
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given ``command``, with that subcommand only, all a
    run of it needs: the others' choices would import their modules, and each
    subparser asks gettext for its texts (a millisecond for the eleven)."""
    parser = _Parser(
        prog="abicheck",
        description="Read C headers' #define tables and cross-check ABI constants.",
        epilog=EXIT_STATUS_HELP,
        formatter_class=_RawHelp,
    )
    parser.add_argument("--version", action="version", version=f"abicheck {__version__}")
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        help="one of these (abicheck COMMAND --help for its options):",
    )
    for name, add in _PARSERS.items():
        if command in (None, name):
            add(sub)
    return parser


Command = Callable[[argparse.Namespace, TextIO, TextIO], int]

#: The commands whose SOURCE arguments ``sources`` in [tool.abicheck] gives.
CONFIG_SOURCE_COMMANDS = ("compare", "emit", "verify", "snapshot", "audit")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def apply_config(parser: argparse.ArgumentParser, config: Config) -> None:
    """Make ``config`` (``[tool.abicheck]``) the defaults of ``parser``'s subcommands,
    so that what the command line gives wins. Raises AbicheckError at the file for
    a format no such command has."""
    if config.file is None:
        return
    subs = _subcommands(parser)
    if config.sources:
        for name in CONFIG_SOURCE_COMMANDS:
            subs[name].set_defaults(sources=list(config.sources))
    if config.baseline is not None:
        subs["audit"].set_defaults(baseline=config.baseline)
    if config.suppressions is not None:
        subs["audit"].set_defaults(suppressions=config.suppressions)
    for name, fmt in config.formats.items():
        actions = [a for a in subs[name]._actions if a.dest == "format"] if name in subs else []
        if not actions:
            have = ", ".join(
                n for n, p in subs.items() if any(a.dest == "format" for a in p._actions)
            )
            raise AbicheckError(
                f"tool.abicheck.formats: {name!r} is no command with --format; those are: {have}",
                config.file,
                config.line_of("formats"),
            )
        choices = list(actions[0].choices or ())
        if fmt not in choices:
            raise AbicheckError(
                f"tool.abicheck.formats.{name}: {fmt!r} is not a format of {name}; "
                f"expected one of {', '.join(choices)}",
                config.file,
                config.line_of("formats"),
            )
        subs[name].set_defaults(format=fmt)


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

    def __init__(self, stream: TextIO, own: bool = False) -> None:
        super().__init__()
        self._stream = stream
        self._own = own  # the process's standard output (main's out None)

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

    def copy_utf8(self, fd: int, size: int) -> bool:
        """The first ``size`` bytes of the file ``fd``, UTF-8 text, written straight to
        the stream's file where the stream is the process's standard output as Python
        makes it: a UTF-8 text layer over a buffer over the file (or over the file,
        unbuffered), which writes text unchanged ("\\n" stays "\\n" where that is the
        system's line end). False (nothing written) for any other stream: a caller's
        may translate newlines or compress what it is given (gzip.open's text streams
        have a file too)."""
        s = self._stream
        if not self._own or os.linesep != "\n" or type(s) is not io.TextIOWrapper:
            return False
        buffer = getattr(s, "buffer", None)  # (the file itself under PYTHONUNBUFFERED)
        if type(buffer) in (io.BufferedWriter, io.BufferedRandom):
            buffer = getattr(buffer, "raw", None)
        if type(buffer) is not io.FileIO:
            return False
        import codecs

        try:
            if codecs.lookup(s.encoding).name != "utf-8":
                return False
            dest = s.fileno()
        except (OSError, ValueError, LookupError):
            return False
        from .multiarch import send_utf8

        self.flush()
        try:
            send_utf8(fd, size, dest)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _OutputError(exc) from exc
        return True

    def close(self) -> None:
        super().close()  # this wrapper only: the caller's stream stays open


class _Closed(io.TextIOBase):
    """Stands in for a closed standard output: every write fails as one would."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


class _Quiet(io.TextIOBase):
    """Standard error for messages: a closed one (None) or one that fails to write
    (``2>/dev/full``) drops them, so that the exit status still tells what happened."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self._stream = stream

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def write(self, text: str) -> int:
        if self._stream is not None:
            try:
                self._stream.write(text)
                self._stream.flush()
            except (OSError, ValueError):
                self._stream = None
        return len(text)

    def close(self) -> None:
        super().close()  # this wrapper only


def _silence_stdout() -> None:
    """Point the process's stdout at /dev/null after an output error, so that the
    interpreter's own flush at exit cannot fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


# What a command would free at its end that the process ends with instead: run()
# makes it a list (it ends with os._exit); None when main is called otherwise
_AT_EXIT: list[object] | None = None

T = TypeVar("T")


def _held_to_exit(obj: T) -> T:
    """``obj``, kept to the end of the process when the command ends it (:func:`run`):
    freeing a Reader's caches one object at a time was 4% of a uapi tree's parse."""
    if _AT_EXIT is not None:
        _AT_EXIT.append(obj)
    return obj


def run() -> NoReturn:
    """The ``abicheck`` command: ``main`` on the process's arguments, then exit.

    A run builds hundreds of thousands of long-lived objects and next to no
    reference cycles, so the cyclic garbage collector stays off, and the process
    ends without tearing them down one by one (a third of a whole-tree parse;
    a Reader is held to the end for it, see _held_to_exit).
    Under a profiler or tracer (``python -m cProfile -m abicheck``, coverage), or with
    ``ABICHECK_NO_FAST_EXIT`` set, it exits the ordinary way, so they can write
    their results.
    """
    global _AT_EXIT
    gc.disable()
    _AT_EXIT = []
    status = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass  # the reader of the output has gone: nothing left to tell it
    if sys.getprofile() or sys.gettrace() or os.environ.get("ABICHECK_NO_FAST_EXIT"):
        sys.exit(status)
    os._exit(status)


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line ``argv``; returns the exit status.

    A closed standard output (``>&-``) fails the first write as an output error
    (exit 2); a closed or failing standard error loses the messages, not the status.
    """
    own_stdout = out is None
    out = out or sys.stdout or cast(TextIO, _Closed())
    err = cast(TextIO, _Quiet(err or sys.stderr))
    try:
        config = load_config()
        # only the command's own options: unless a config file names other commands'
        words = list(sys.argv[1:] if argv is None else argv)
        command = words[0] if words and words[0] in _PARSERS and config.file is None else None
        parser = build_parser(command)
        apply_config(parser, config)
    except AbicheckError as exc:
        err.write(f"{exc}\n")
        return EXIT_ERROR
    try:
        with contextlib.redirect_stdout(out):  # --help and --version to ``out``
            args, extra = parser.parse_known_args(argv)
        if extra:  # named by the subcommand they were given to
            sub = f"{parser.prog} {args.command}" if getattr(args, "command", None) else parser.prog
            raise UsageError(
                f"{sub}: error: unrecognized arguments: {' '.join(extra)} (see {sub} --help)"
            )
        _check_report_paths(args, parser)
        if getattr(args, "command", None) == "audit" and args.baseline is None:
            raise UsageError(
                "abicheck audit: error: the following arguments are required: --baseline "
                "(or baseline in [tool.abicheck] of pyproject.toml; see abicheck audit --help)"
            )
    except UsageError as exc:
        err.write(f"{exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    func: Command = args.func
    output = _Output(out, own=own_stdout)
    notes = io.StringIO() if getattr(args, "quiet", False) else err  # --quiet: no notes
    from .parse import paused_gc

    try:
        with paused_gc():
            status = func(args, cast(TextIO, output), notes)
        output.flush()
        return status
    except _OutputError as exc:
        err.write(f"abicheck: error: cannot write output: {exc.strerror}\n")
        if out is sys.stdout or sys.stdout is None:
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
