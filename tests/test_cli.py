"""The command line, run in-process through main(argv) (and once as python -m abicheck)."""

from __future__ import annotations

import argparse
import errno
import importlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import abicheck.emit
from abicheck import arches, cli
from abicheck.arches import cross_compiler, host_arch, include_dirs, lookup
from abicheck.cc import compiler_macros
from abicheck.cli import main

FIX = Path(__file__).parent / "fixtures" / "parse"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# -- parse ----------------------------------------------------------------------


def test_parse_default_is_the_embedded_header() -> None:
    code, out, err = run("parse")
    assert (code, err) == (0, "")
    assert out.startswith("<abicheck>/headers/arm/mman.h\n")
    line = next(ln for ln in out.splitlines() if ln.startswith("MADV_REMOVE "))
    assert line.split()[:3] == ["MADV_REMOVE", "integer", "0x5"]
    assert "<abicheck>/headers/arm/mman.h:32" in line
    assert "remove these pages & resources" in line
    anon = next(ln for ln in out.splitlines() if ln.startswith("MAP_ANON "))
    assert "= MAP_ANONYMOUS" in anon


def test_parse_json_keeps_going_after_a_failing_header() -> None:
    good = str(FIX / "values.h")
    bad = str(FIX / "error.h")
    code, out, err = run("parse", "--format", "json", bad, good)
    assert code == 2
    assert err == f"{bad}:3: error: #error this configuration is not supported\n"
    data = json.loads(out)
    assert [d["header"] for d in data] == [bad, good]
    assert data[0]["defines"] == []
    dec = next(d for d in data[1]["defines"] if d["name"] == "DEC")
    assert dec == {
        "name": "DEC",
        "kind": "integer",
        "value": 42,
        "expr": "42",
        "file": good,
        "line": 4,
        "comment": "",
        "reason": "",
    }


@pytest.mark.skipif(not Path("/usr/include/linux/mman.h").is_file(), reason="no linux-libc-dev")
def test_parse_imports_only_what_it_needs(tmp_path: Path) -> None:
    # a run of parse is mostly start-up: the other commands' modules (reports,
    # sources, audit, the compiler oracle, the several-architectures reader) and
    # tabulate stay unimported, as do pycparser's parser (FastParser and fastdecl
    # read all of mman.h) and the layout engine (no value asks a sizeof); with the
    # compiler's search path cached no process is started, nor subprocess imported
    run = (
        "import io, sys\n"
        "from abicheck.cli import main\n"
        "assert main(['parse', '/usr/include/linux/mman.h'], io.StringIO()) == 0\n"
        "heavy = {'tabulate', 'jinja2', 'abicheck.audit', 'abicheck.compare',\n"
        "         'abicheck.sources', 'abicheck.cc', 'abicheck.snapshot', 'abicheck.report.html',\n"
        "         'abicheck.report.junit', 'abicheck.report.markdown', 'concurrent.futures',\n"
        "         'difflib', 'platform', 'abicheck.multiarch', 'abicheck.reader.cparser',\n"
        "         'abicheck.reader.layout', 'pycparser.c_parser', 'pycparser.c_lexer',\n"
        "         'textwrap'}\n"
        "print(sorted(heavy & set(sys.modules)), 'subprocess' in sys.modules)\n"
        "startup = {'dataclasses', 'inspect', 'shutil', 'pathlib', 'copy', 'glob'}\n"
        "print(sorted(startup & set(sys.modules)), file=sys.stderr)\n"
    )
    no_process = "import subprocess\nsubprocess.Popen.__init__ = None\n"
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    first = subprocess.run([sys.executable, "-c", run], env=env, capture_output=True, text=True)
    assert first.stdout.strip() == "[] True", first.stderr  # gcc -E -v was asked
    assert (tmp_path / "abicheck" / "search-dirs.json").is_file()
    again = subprocess.run(
        [sys.executable, "-c", no_process + run], env=env, capture_output=True, text=True
    )
    assert again.stdout.strip() == "[] True", again.stderr
    cached = subprocess.run([sys.executable, "-c", run], env=env, capture_output=True, text=True)
    assert cached.stdout.strip() == "[] False", cached.stderr
    # nor the modules of start-up's old costs: dataclasses (with inspect), shutil,
    # pathlib (with urllib.parse and ipaddress), copy, glob
    assert cached.stderr.strip() == "[]"


@pytest.mark.parametrize("columns", ["30", "80", "200"])
def test_help_width_is_argparses(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the help formatter asks for the terminal's width only when laying help out,
    # and lays it out as argparse's own formatter does
    from abicheck.cli import _Help

    monkeypatch.setenv("COLUMNS", columns)
    for args in [(), (4, 30), (2, 24, 50)]:
        ours, theirs = _Help("abicheck", *args), argparse.HelpFormatter("abicheck", *args)
        assert (ours._width, ours._max_help_position) == (
            theirs._width,
            theirs._max_help_position,
        )
    assert _Help("abicheck")._width == int(columns) - 2
    # the width taken when the help is laid out (the description is 110 characters)
    parse = cli._subcommands(cli.build_parser("parse"))["parse"]
    longest = max(map(len, parse.format_help().splitlines()))
    assert (longest > 100) is (columns == "200")


def test_parse_options_reach_the_reader() -> None:
    header = str(FIX / "conditionals.h")
    code, out, _ = run("parse", "--format", "json", "-DFROM_CMDLINE=9", header)
    assert code == 0
    names = {d["name"] for d in json.loads(out)[0]["defines"]}
    assert "CMDLINE_BIG" in names
    code, out, _ = run("parse", "--format", "json", "--data-model", "ilp32", str(FIX / "values.h"))
    sz = {d["name"]: d["value"] for d in json.loads(out)[0]["defines"]}
    assert sz["SZ_LONG"] == 4
    code, out, _ = run("parse", "-I", str(FIX / "sys"), str(FIX / "includes.h"))
    assert code == 0 and "INCLUDES_DONE" in out


def test_bad_input_is_one_line_and_exit_2() -> None:
    for argv, message in [
        (["parse", "/nonexistent.h"], "/nonexistent.h: error: no such file\n"),
        (
            ["parse", str(FIX / "nul.h")],
            f"{FIX / 'nul.h'}:2: error: NUL byte: binary file, not a C header\n",
        ),
        (["parse", "-D", "1BAD", str(FIX / "values.h")], None),
    ]:
        code, _, err = run(*argv)
        assert code == 2, argv
        assert "Traceback" not in err
        assert len(err.splitlines()) == 1, err
        if message:
            assert err == message


def test_usage_errors_exit_2() -> None:
    code, _, _ = run("frobnicate")
    assert code == 2
    code, _, _ = run("parse", "--format", "yaml")
    assert code == 2


def test_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "abicheck", "parse", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0
    values = {d["name"]: d["value"] for d in json.loads(proc.stdout)[0]["defines"]}
    assert values["MADV_REMOVE"] == 5


def _uapi_argv() -> list[str]:
    """parse --format json over 120 host uapi headers: MBs of JSON (and a few
    headers refused: without gcc's own folders <stddef.h> is not found)."""
    include = [f"-I{d}" for d in include_dirs(host_arch()) or ()]
    headers = sorted(str(p) for p in Path("/usr/include/linux").glob("*.h"))[:120]
    return ["parse", "--format", "json", *include, *headers]


def test_installed_command_writes_all_of_a_large_output_through_a_pipe() -> None:
    # the command ends with os._exit: whatever it buffered must be out first
    exe = Path(sys.executable).with_name("abicheck")
    argv = _uapi_argv()
    proc = subprocess.run([str(exe), *argv], capture_output=True, text=True)
    code, out, err = run(*argv)
    assert (proc.returncode, proc.stderr) == (code, err)
    assert len(out) > 1_000_000
    assert proc.stdout == out


def test_installed_command_stops_quietly_when_the_reader_goes() -> None:
    exe = Path(sys.executable).with_name("abicheck")
    proc = subprocess.Popen(
        [str(exe), *_uapi_argv()],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10) == b'[\n  {"head'
    proc.stdout.close()
    _, _, err = run(*_uapi_argv())
    told = proc.stderr.read().decode()
    # each header is written once read: reading stops where the output was refused,
    # each refused header up to there told (no traceback)
    assert err.startswith(told) and "Traceback" not in told
    assert proc.wait(timeout=60) == 0  # the reader leaving early is no error of the input


# -- compare, emit, verify, snapshot, audit ------------------------------------------


def test_compare_default_finds_madv_remove() -> None:
    code, out, err = run("compare")
    assert code == 1, err
    row = next(ln for ln in out.splitlines() if ln.startswith("MADV_REMOVE "))
    assert row.split() == ["MADV_REMOVE", "5", "9", "9", "9", "differs"]
    assert "MADV_REMOVE: arm-2.6.16 says 5, system, libc, python say 9" in out


def test_compare_json_and_fail_on() -> None:
    code, out, _ = run("compare", "--format", "json", "--only", "MADV_REMOVE")
    assert code == 1
    data = json.loads(out)
    assert [s["label"] for s in data["sources"]] == ["arm-2.6.16", "system", "libc", "python"]
    assert data["rows"] == [
        {
            "name": "MADV_REMOVE",
            "values": {"arm-2.6.16": 5, "system": 9, "libc": 9, "python": 9},
            "status": "differs",
        }
    ]
    code, _, _ = run("compare", "--only", "MADV_REMOVE", "--fail-on", "never")
    assert code == 0


ANSI = "\x1b["


def test_compare_table_fits_columns_split_by_architecture_groups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("COLUMNS", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    code, whole, _ = run("compare", "arch:all", "--only", "PROT_")
    assert code == 1 and ANSI not in whole
    # not a terminal and no COLUMNS: one table, 32 architectures wide, as always
    header = whole.splitlines()[1].split()
    assert len(header) == 34 and max(len(ln) for ln in whole.splitlines()) > 300
    monkeypatch.setenv("COLUMNS", "80")
    code, split, _ = run("compare", "arch:all", "--only", "PROT_")
    assert code == 1 and ANSI not in split
    lines = split.splitlines()
    assert max(len(ln) for ln in lines) <= 80
    groups = [ln for ln in lines if ln.startswith("PROT_ (")]
    assert groups[0].startswith("PROT_ (alpha to ") and groups[-1].endswith(" to xtensa)")
    # every group has the name and status columns; together, every architecture once
    heads = [lines[i + 1].split() for i, ln in enumerate(lines) if ln.startswith("PROT_ (")]
    assert all(h[0] == "name" and h[-1] == "status" for h in heads)
    assert [a for h in heads for a in h[1:-1]] == header[1:-1]
    sem = [ln.split() for ln in lines if ln.startswith("PROT_SEM ")]
    assert len(sem) == len(groups) and all(r[-1] == "differs" for r in sem)
    whole_sem = next(ln.split() for ln in whole.splitlines() if ln.startswith("PROT_SEM "))
    assert [v for r in sem for v in r[1:-1]] == whole_sem[1:-1]
    # a wide enough terminal: the table as it is
    monkeypatch.setenv("COLUMNS", "1000")
    assert run("compare", "arch:all", "--only", "PROT_")[1] == whole


def test_table_colour_follows_no_color_and_force_color(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for var in ("COLUMNS", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    cmd = ("compare", "arch:mips", "arch:alpha", "arch:amd64", "--only", "PROT_")
    plain = run(*cmd)[1]
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, coloured, _ = run(*cmd)
    sem = next(ln for ln in coloured.splitlines() if ln.startswith("PROT_SEM "))
    # the value off the majority and the status, bold yellow; the others plain
    assert sem.split() == [
        "PROT_SEM",
        "\x1b[33;1m0x10\x1b[0m",
        "8",
        "8",
        "\x1b[33;1mdiffers\x1b[0m",
    ]
    assert coloured.splitlines()[0] == "\x1b[1mPROT_\x1b[0m"
    # the colours take no room: the columns line up as without them
    strip = coloured.replace("\x1b[33;1m", "").replace("\x1b[1m", "").replace("\x1b[0m", "")
    assert strip == plain
    assert run("compare", "arch:mips", *cmd[2:], "--format", "json")[1].count(ANSI) == 0
    out = tmp_path / "t.txt"
    assert run(*cmd, "-o", str(out))[0] == 1
    assert out.read_text(encoding="utf-8") == plain  # a file: no colour
    monkeypatch.setenv("NO_COLOR", "1")  # wins over FORCE_COLOR
    assert run(*cmd)[1] == plain


def test_a_terminal_gets_colour_and_its_width_a_pipe_neither() -> None:
    import fcntl
    import pty
    import struct
    import termios

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm"
    cmd = [sys.executable, "-m", "abicheck", "compare", "arch:all", "--only", "PROT_"]
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 90, 0, 0))
    proc = subprocess.run(cmd, stdout=follower, stderr=subprocess.DEVNULL, env=env, timeout=120)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    shown = b"".join(chunks).decode().replace("\r\n", "\n")
    assert proc.returncode == 1
    assert "\x1b[33;1m0x10\x1b[0m" in shown
    plain = shown.replace("\x1b[33;1m", "").replace("\x1b[36m", "").replace("\x1b[1m", "")
    plain = plain.replace("\x1b[0m", "")
    assert ANSI not in plain and max(len(ln) for ln in plain.splitlines()) <= 90
    piped = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert ANSI not in piped.stdout and max(len(ln) for ln in piped.stdout.splitlines()) > 300


def test_compare_unknown_architecture() -> None:
    code, out, err = run("compare", "arch:vax")
    assert code == 2 and out == ""
    assert err.startswith("abicheck: error: unknown architecture 'vax'; available: alpha, ")
    assert len(err.splitlines()) == 1


def test_emit_writes_and_checks(tmp_path: Path) -> None:
    target = tmp_path / "mman_consts.py"
    code, out, err = run("emit", "--lang", "python", "-o", str(target))
    assert (code, out, err) == (0, "", "")
    text = target.read_text()
    assert "MADV_REMOVE: Final = 0x5" in text
    assert run("emit", "--lang", "python", "--check", str(target))[0] == 0
    target.write_text(text.replace("MADV_REMOVE: Final = 0x5", "MADV_REMOVE: Final = 0x9"))
    code, out, err = run("emit", "--lang", "python", "--check", str(target))
    assert code == 1
    assert "generated file out of date" in err
    assert "-MADV_REMOVE: Final = 0x9" in out and "+MADV_REMOVE: Final = 0x5" in out


def test_output_errors_leave_no_file(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "out.h"
    code, _, err = run("emit", "--lang", "c", "-o", str(target))
    assert code == 2
    assert err.startswith(f"{target}: error: cannot write")
    assert not target.parent.exists()


def test_parse_output_to_a_file_is_written_as_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # -o gets what stdout gets, written header by header to a file beside the
    # target; a run that stops half way leaves the target as it was, and no other file
    from abicheck.report import json as report_json

    fix = Path(__file__).parent / "fixtures" / "parse"
    headers = [str(fix / "values.h"), str(fix / "calls.h")]
    target = tmp_path / "out.json"
    code, stdout, _ = run("parse", "--format", "json", *headers)
    assert (code, run("parse", "--format", "json", *headers, "-o", str(target))) == (0, (0, "", ""))
    assert target.read_text(encoding="utf-8") == stdout
    real = report_json.parse_json_items
    written: list[str] = []

    def stopping(results: Any, arch: str = "") -> Any:
        for item in real(results, arch):
            yield item
            written.append(item)
            raise KeyboardInterrupt

    monkeypatch.setattr(report_json, "parse_json_items", stopping)
    target.write_text("before\n", encoding="utf-8")
    assert run("parse", "--format", "json", *headers, "-o", str(target)) == (
        130,
        "",
        "abicheck: interrupted\n",
    )
    assert len(written) == 1 and written[0].startswith('  {"header": "' + headers[0])
    assert target.read_text(encoding="utf-8") == "before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    # a folder that is not there: told before any header is read
    missing = tmp_path / "missing-dir" / "out.json"
    code, _, err = run("parse", "--format", "json", str(fix / "no-such.h"), "-o", str(missing))
    assert (code, err) == (2, f"{missing}: error: cannot write: No such file or directory\n")


def test_verify_only_madv_remove_json() -> None:
    code, out, err = run("verify", "--only", "MADV_REMOVE", "--format", "json")
    assert code == 1, err
    data = json.loads(out)
    got = {(r["source"], r["value"]): r for r in data["results"] if r["name"] == "MADV_REMOVE"}
    assert got[("arm-2.6.16", 5)]["status"] == "rejected"
    assert got[("arm-2.6.16", 5)]["errno"] == 22
    assert "kernel knows MADV_REMOVE as 9" in got[("arm-2.6.16", 5)]["evidence"]
    assert got[("system", 9)]["status"] == "verified"
    assert "st_blocks" in got[("system", 9)]["evidence"]


def test_snapshot_then_audit(tmp_path: Path) -> None:
    lock = tmp_path / "abi.lock.json"
    assert run("snapshot", "embedded", "-o", str(lock))[0] == 0
    first = lock.read_bytes()
    assert run("snapshot", "embedded", "-o", str(lock))[0] == 0
    assert lock.read_bytes() == first
    # the baseline's own source, read again: no change
    code, out, _ = run("audit", "--baseline", str(lock))
    assert code == 0, out
    code, out, _ = run("audit", "--baseline", str(lock), "system", "--fail-on", "any")
    assert code == 12
    assert "MADV_REMOVE" in out and "value_changed" in out
    code, out, _ = run("audit", "--baseline", str(lock), "system", "--format", "junit")
    assert code == 12 and out.startswith("<?xml")


def test_one_run_writes_several_reports(tmp_path: Path) -> None:
    """--markdown/--json/--junit/--html FILE beside the terminal output: each file is
    what --format gives for it, byte for byte, from one run."""
    lock = tmp_path / "abi.lock.json"
    assert run("snapshot", "embedded", "-o", str(lock))[0] == 0
    cmd = ["audit", "--baseline", str(lock), "system"]
    files = {fmt: tmp_path / f"report.{fmt}" for fmt in ("markdown", "json", "junit", "html")}
    flags = [x for fmt, path in files.items() for x in (f"--{fmt}", str(path))]
    code, out, err = run(*cmd, *flags)
    assert (code, err) == (12, "")
    assert out == run(*cmd)[1]  # the terminal output is the table, as without them
    for fmt, path in files.items():
        alone = run(*cmd, "--format", fmt)
        assert alone[0] == 12
        assert path.read_text(encoding="utf-8") == alone[1], fmt
    assert files["junit"].read_text(encoding="utf-8").startswith("<?xml")

    junit = tmp_path / "compare.xml"
    code, out, _ = run(
        "compare", "arch:mips", "arch:alpha", "--fail-on", "never", "--junit", str(junit)
    )
    assert code == 0 and out.startswith("PROT_\nname ")
    assert 'failures="0"' in junit.read_text(encoding="utf-8")
    code, _, err = run("compare", "arch:mips", "--json", str(tmp_path / "no" / "such.json"))
    assert code == 2 and err.startswith(str(tmp_path / "no" / "such.json"))


def test_audit_bad_baseline(tmp_path: Path) -> None:
    lock = tmp_path / "abi.lock.json"
    lock.write_text('{\n  "format": \n')
    code, out, err = run("audit", "--baseline", str(lock), "system")
    assert code == 2 and out == ""
    assert err == f"{lock}:3: error: invalid JSON: Expecting value\n"


CLI_FIX = Path(__file__).parent / "fixtures" / "cli"
needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")
needs_system = pytest.mark.skipif(
    not Path("/usr/include/linux/mman.h").is_file(), reason="linux-libc-dev not installed"
)


def _snapshot_then_audit(tmp_path: Path, *snapshot_args: str) -> tuple[int, str, str]:
    """Snapshot ``snapshot_args``, then audit that baseline with no sources named."""
    lock = tmp_path / "abi.lock.json"
    code, _, err = run("snapshot", *snapshot_args, "-o", str(lock))
    assert code == 0, err
    return run("audit", "--baseline", str(lock), "--fail-on", "any")


def _no_changes(result: tuple[int, str, str]) -> None:
    code, out, err = result
    assert (code, err) == (0, ""), out + err
    assert "no changes since the baseline" in out


def test_audit_rereads_a_header_with_its_data_model_defines_and_include_dirs(
    tmp_path: Path,
) -> None:
    header = str(CLI_FIX / "dm.h")
    options = ("--data-model", "ilp32", "-D", "DM_FOO", "-D", "DM_BAR=a b")
    include = ("-I", str(CLI_FIX / "include"))
    lock = tmp_path / "abi.lock.json"
    assert run("snapshot", *options, *include, header, "-o", str(lock))[0] == 0
    table = json.loads(lock.read_text())["sources"][0]
    assert table["origin"]["data_model"] == "ilp32"
    assert {m["name"]: m["value"] for m in table["macros"]}["DM_LONG_BYTES"] == 4
    # audited as recorded, whatever -I/-D/--data-model the audit itself is given
    _no_changes(run("audit", "--baseline", str(lock), "--fail-on", "any"))
    _no_changes(run("audit", "--baseline", str(lock), "--fail-on", "any", "-D", "DM_X"))
    # the same header read today the default way does differ: the audit would see it
    code, out, _ = run("audit", "--baseline", str(lock), "--fail-on", "any", f"dm={header}")
    assert code != 0


def test_audit_rereads_a_header_relabelled(tmp_path: Path) -> None:
    spec = f"mine={CLI_FIX / 'dm.h'}"
    _no_changes(_snapshot_then_audit(tmp_path, "-I", str(CLI_FIX / "include"), spec))


@needs_system
def test_audit_rereads_system_relabelled(tmp_path: Path) -> None:
    _no_changes(_snapshot_then_audit(tmp_path, "sys=system"))


def test_audit_rereads_embedded_relabelled(tmp_path: Path) -> None:
    _no_changes(_snapshot_then_audit(tmp_path, "old=embedded", "embedded"))


def test_audit_rereads_an_architecture_relabelled(tmp_path: Path) -> None:
    _no_changes(_snapshot_then_audit(tmp_path, "--arch-from", "snapshot", "x=arch:mips"))


@needs_gcc
def test_audit_rereads_libc_and_python_relabelled(tmp_path: Path) -> None:
    _no_changes(_snapshot_then_audit(tmp_path, "mylibc=libc", "py=python"))


def test_audit_rereads_a_constants_module(tmp_path: Path) -> None:
    _no_changes(_snapshot_then_audit(tmp_path, f"k={CLI_FIX / 'consts.py'}"))


def test_audit_refuses_a_table_it_cannot_read_again(tmp_path: Path) -> None:
    lock = tmp_path / "abi.lock.json"
    assert run("snapshot", "embedded", "-o", str(lock))[0] == 0
    data = json.loads(lock.read_text())
    data["sources"][0]["origin"]["source"] = "made-by-hand"
    lock.write_text(json.dumps(data))
    code, out, err = run("audit", "--baseline", str(lock))
    assert (code, out) == (2, "")
    assert err == (
        f"{lock}: error: baseline source 'arm-2.6.16' cannot be read again (a "
        "'header' table with no source abicheck can read again): "
        "name the sources to audit\n"
    )


def test_a_snapshot_table_of_unknown_kind_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "abi.lock.json"
    assert run("snapshot", "embedded", "-o", str(lock))[0] == 0
    data = json.loads(lock.read_text())
    data["sources"][0]["kind"] = "made-by-hand"
    lock.write_text(json.dumps(data, indent=2))
    code, out, err = run("audit", "--baseline", str(lock))
    assert (code, out) == (2, "")
    assert err == (
        f"{lock}:6: error: bad snapshot: \"kind\" of source 'arm-2.6.16' must be one of "
        'header, arch, system, libc, python, kernel, file, binding, layout, not "made-by-hand"\n'
    )


# -- exit status of internal errors ------------------------------------------------


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom\nsecond line")


def test_internal_error_is_3_not_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug must not look like "tables differ" (compare) or "out of date" (emit --check)."""
    # (cli imports compare from its module when the command runs)
    monkeypatch.setattr(importlib.import_module("abicheck.compare"), "compare", _boom)
    code, out, err = run("compare", "embedded")
    assert (code, out) == (3, "")
    assert err == (
        "abicheck: internal error: RuntimeError: boom second line "
        "(set ABICHECK_DEBUG=1 for a traceback)\n"
    )
    monkeypatch.setattr(abicheck.emit, "emit", _boom)  # imported by the command when run
    code, _, err = run("emit", "--lang", "c", "--check", os.devnull)
    assert code == 3 and err.startswith("abicheck: internal error: RuntimeError")


def test_internal_error_in_audit_is_bit_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lock = tmp_path / "abi.lock.json"
    assert run("snapshot", "embedded", "-o", str(lock))[0] == 0
    monkeypatch.setattr(importlib.import_module("abicheck.audit"), "audit", _boom)
    code, _, err = run("audit", "--baseline", str(lock))
    assert code == 1 and len(err.splitlines()) == 1


def test_help_documents_exit_status() -> None:
    help_text = cli.build_parser().format_help()
    assert "3  internal error" in help_text
    assert "audit's status is a bit mask instead: 1 internal error" in help_text


# -- -o: what the target is ------------------------------------------------------------


def test_output_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "consts.h"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "consts.h"
    link.symlink_to(real)
    assert run("emit", "--lang", "c", "-o", str(link))[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("// clang-format off\n/* Generated by abicheck")
    assert sorted(p.name for p in real.parent.iterdir()) == ["consts.h"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["consts.h", "real"]
    # a dangling link: the file is created where it points
    real.unlink()
    assert run("emit", "--lang", "c", "-o", str(link))[0] == 0
    assert link.is_symlink() and real.read_text().startswith(
        "// clang-format off\n/* Generated by abicheck"
    )


def test_output_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "consts.py"
    target.write_text("old\n")
    target.chmod(0o751)
    assert run("emit", "--lang", "python", "-o", str(target))[0] == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert "MADV_REMOVE: Final = 0x5" in target.read_text()


def test_output_to_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as f:
            received.append(f.read())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        code, out, err = run("emit", "--lang", "c", "-o", str(fifo))
    finally:
        if thread.is_alive() and not received:
            # unblock the reader if abicheck never opened the FIFO
            with open(fifo, "wb"):
                pass
        thread.join(10)
    assert (code, out, err) == (0, "", "")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and received[0].startswith(b"// clang-format off\n/* Generated by abicheck")
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_output_dash_is_stdout_and_empty_is_refused(tmp_path: Path) -> None:
    code, out, err = run("emit", "--lang", "c", "-o", "-")
    assert (
        code == 0 and out.startswith("// clang-format off\n/* Generated by abicheck") and err == ""
    )
    code, out, err = run("emit", "--lang", "c", "-o", "")
    assert (code, out) == (2, "")
    assert err == "abicheck: error: -o: empty file name\n"


# -- option combinations ------------------------------------------------------------------


def test_emit_check_with_output_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "x.h"
    code, out, err = run("emit", "--lang", "c", "--check", str(target), "-o", str(target))
    assert (code, out) == (2, "")
    assert err == (
        "abicheck: error: --check and -o cannot be used together: --check writes nothing\n"
    )
    assert not target.exists()


def test_conflicting_families_are_refused() -> None:
    code, out, err = run("emit", "--lang", "python", "--family", "MAP:enum", "--family", "MAP:flag")
    assert (code, out) == (2, "")
    assert err == "abicheck: error: family MAP given as both enum and flag\n"
    # the same kind twice is no conflict
    code, out, _ = run("emit", "--lang", "python", "--family", "MAP", "--family", "MAP:flag")
    assert code == 0 and "class MAP(enum.IntFlag)" in out


def test_verify_only_several_prefixes() -> None:
    code, out, err = run(
        "verify",
        "--only",
        "MADV_REMOVE",
        "--only",
        "PROT_READ",
        "--only",
        "PROT_RE",
        "--format",
        "json",
    )
    assert code == 1, err
    results = json.loads(out)["results"]
    assert {r["name"] for r in results} == {"MADV_REMOVE", "PROT_READ"}
    keys = [(r["name"], r["value"], r["source"]) for r in results]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    rejected = next(r for r in results if (r["name"], r["value"]) == ("MADV_REMOVE", 5))
    assert "kernel knows MADV_REMOVE as 9" in rejected["evidence"]


def test_parse_table_escapes_control_characters(tmp_path: Path) -> None:
    header = tmp_path / "evil.h"
    header.write_bytes(b"#define MAP_X 1 /* red \x1b[31m text \x07 */\n")
    code, out, err = run("parse", str(header))
    assert (code, err) == (0, "")
    assert "\x1b" not in out and "\x07" not in out
    assert "red \\x1b[31m text \\x07" in out


# -- output errors -------------------------------------------------------------------


class _FullDisk(io.StringIO):
    """A real stream whose writes fail as on a full disk (``> /dev/full``)."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_on_stdout_is_an_output_error_not_a_bug() -> None:
    for argv in (["parse", "--format", "json"], ["parse"], ["emit", "--lang", "c"]):
        err = io.StringIO()
        assert main(argv, _FullDisk(), err) == 2
        assert err.getvalue() == (
            f"abicheck: error: cannot write output: {os.strerror(errno.ENOSPC)}\n"
        )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_stdout_to_dev_full_exits_2() -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "abicheck", "parse", "--format", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert proc.returncode == 2
    assert proc.stderr == "abicheck: error: cannot write output: No space left on device\n"


def test_default_compare_without_a_c_compiler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a fresh machine may have no gcc: the default job still runs, without libc
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = run("compare", "--only", "MADV_REMOVE")
    assert code == 1
    assert err.startswith("abicheck: note: source 'libc' left out of the default comparison")
    assert "MADV_REMOVE: arm-2.6.16 says 5, system, python say 9" in out


# -- provenance read back exactly (issue 10's two repros) ------------------------------


def test_audit_rereads_include_folders_holding_a_colon(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inc:colon").mkdir()
    (tmp_path / "inc:colon" / "bits.h").write_text("#define MAP_BIT 0x40\n")
    (tmp_path / "h.h").write_text('#include "bits.h"\n#define MAP_X 1\n')
    assert run("snapshot", "-I", "inc:colon", "h.h", "-o", "b.json") == (0, "", "")
    assert run("audit", "--baseline", "b.json", "--fail-on", "any")[0] == 0


def test_audit_rereads_a_define_whose_value_holds_spaces(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    # (MAP_Y: a snapshot of no integer macro is refused)
    (tmp_path / "h.h").write_text(
        "#ifdef W\n#define MAP_W 2\n#endif\n#define MAP_V (V)\n#define MAP_Y 3\n"
    )
    assert run("snapshot", "-D", "V=1 W=2", "h.h", "-o", "b.json") == (0, "", "")
    code, out, err = run("audit", "--baseline", "b.json", "--fail-on", "any")
    assert (code, err) == (0, ""), out
    assert "0 incompatible, 0 compatible change(s)" in out


def test_a_filter_that_matches_nothing_is_an_error() -> None:
    code, out, err = run("compare", "--only", "FOO")
    assert (code, out) == (2, "")
    assert err == (
        "abicheck: error: --only FOO_: no name starts with it; families here: PROT, MAP, "
        "MADV, POSIX_MADV, MS, MCL, MREMAP, MLOCK, PKEY, OVERCOMMIT\n"
    )
    code, _, err = run("compare", "--only", "map_", "--format", "junit")
    assert code == 2 and err.endswith("did you mean MAP_TYPE, MAP_SYNC, MAP_FILE, MAP_?\n")
    code, _, err = run("verify", "--only", "MADV_FOO")
    assert code == 2 and err.startswith("abicheck: error: --only MADV_FOO: no name starts with it")
    # a prefix that matches is fine even when another one also does
    assert (
        run("compare", "--only", "MADV_REMOVE", "--only", "MAP_ANON", "--fail-on", "never")[0] == 0
    )


def test_arches_lists_the_registry_and_the_packages_to_install() -> None:
    from abicheck.arches import all_arches

    code, out, err = run("arches")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 2 + len(all_arches())
    assert lines[2].split()[:6] == [
        "alpha",
        "alpha",
        "lp64",
        "little",
        "signed",
        "linux-libc-dev-alpha-cross",
    ]
    assert any(ln.startswith("loong64 ") and "(kernel tree, or the snapshot)" in ln for ln in lines)
    code, out, _ = run("arches", "--apt-packages")
    packages = out.split()
    assert code == 0 and len(packages) == 42
    assert "linux-libc-dev-mips-cross" in packages and "libc6-dev-mips-cross" in packages
    # what CI installs covers every package the command names
    listed = (Path(__file__).parent.parent / ".ci" / "apt-packages.txt").read_text().split()
    assert set(packages) <= set(listed)
    code, out, _ = run("arches", "--apt-packages", "--no-libc")
    assert out.split() == [p for p in packages if p.startswith("linux-libc-dev-")]


def test_on_a_machine_that_is_not_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    """verify, kernel and system say they need Linux (exit 2, no traceback); the default
    comparison leaves system out with a note and still runs."""
    monkeypatch.setattr(sys, "platform", "darwin")
    code, out, err = run("verify")  # its default sources hold system
    assert (code, out) == (2, "") and err.endswith("needs Linux; this machine runs darwin\n")
    code, out, err = run("verify", "embedded")
    assert (code, out) == (2, "")
    assert err == (
        "abicheck: error: verify (it asks the running kernel) needs Linux; "
        "this machine runs darwin\n"
    )
    code, _, err = run("compare", "kernel", "embedded")
    assert code == 2 and "needs Linux; this machine runs darwin" in err
    code, out, err = run("compare", "--fail-on", "never")
    assert code == 0 and "system (system)" not in out
    assert err.startswith(
        "abicheck: note: source 'system' left out of the default comparison: the system "
        "source (this machine's Linux uapi headers) needs Linux"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("parse", "--arch", ""), "argument --arch: expected a value, got an empty one"),
        (
            ("compare", "arch:mips", "--header", " "),
            "argument --header: expected a value, got an empty one",
        ),
        (("parse", "-U", ""), "argument -U: '': macro names must be identifiers"),
        (("parse", "-U", "1x"), "argument -U: '1x': macro names must be identifiers"),
        (("layout", "-U", "A-B"), "argument -U: 'A-B': macro names must be identifiers"),
    ],
)
def test_an_empty_value_or_a_bad_macro_name_is_a_usage_error(
    argv: tuple[str, ...], message: str
) -> None:
    sub = f"abicheck {argv[0]}"
    assert run(*argv, str(FIX / "calls.h")) == (
        2,
        "",
        f"{sub}: error: {message} (see {sub} --help)\n",
    )


def test_two_reports_naming_one_file_are_a_usage_error(tmp_path: Path) -> None:
    same = tmp_path / "same.txt"
    header = str(FIX / "calls.h")
    assert run("compare", header, "-o", str(same), "--json", str(same)) == (
        2,
        "",
        f"abicheck compare: error: -o and --json both name {same}: each report needs its "
        "own file (see abicheck compare --help)\n",
    )
    (tmp_path / "link").symlink_to(same)  # the same file by another name
    code, _, err = run("compare", header, "--html", str(same), "--junit", str(tmp_path / "link"))
    assert code == 2 and f"--junit and --html both name {same}: " in err
    assert not same.exists()  # refused before anything was written
    code, _, err = run("compare", header, "-o", str(same), "--json", str(tmp_path / "r.json"))
    assert code == 0, err
    assert same.exists() and (tmp_path / "r.json").exists()


def test_minus_u_names_are_each_removed() -> None:
    header = str(FIX / "calls.h")
    code, before, err = run("parse", "--builtins", header)
    assert code == 0, err
    assert "__linux__" in before and "__unix__" in before
    code, out, err = run("parse", "--builtins", "-U", "__linux__", "-U", "__unix__", header)
    assert code == 0, err
    assert "__linux__" not in out and "__unix__" not in out and "__CHAR_BIT__" in out


def test_usage_errors_are_one_line_naming_the_subcommand() -> None:
    assert run("compare", "--bogus") == (
        2,
        "",
        "abicheck compare: error: unrecognized arguments: --bogus (see abicheck compare --help)\n",
    )
    assert run("emit") == (
        2,
        "",
        "abicheck emit: error: the following arguments are required: --lang "
        "(see abicheck emit --help)\n",
    )
    code, _, err = run("frob")
    assert code == 2 and err.startswith("abicheck: error: argument COMMAND: invalid choice")
    assert err.count("\n") == 1
    code, _, err = run("audit", "--fail-on", "sometimes", "--baseline", "x.json")
    assert code == 2 and err.startswith("abicheck audit: error: argument --fail-on")


def test_profilers_get_to_write_their_results(tmp_path: Path) -> None:
    """The command ends through os._exit for speed, but not under a profiler."""
    prof = tmp_path / "parse.prof"
    proc = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "abicheck", "parse"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert prof.stat().st_size > 0
    import pstats

    assert pstats.Stats(str(prof)).total_calls > 0


def test_parse_finds_system_headers_as_the_compiler_does() -> None:
    """Without -I, parse searches the C compiler's own include path (gcc -E -v), as gcc
    does; --nostdinc turns that off."""
    code, out, err = run("parse", "--format", "json", "/usr/include/linux/mman.h")
    assert (code, err) == (0, "")
    (result,) = json.loads(out)
    values = {d["name"]: d["value"] for d in result["defines"]}
    assert values["MAP_ANONYMOUS"] == 0x20 and values["MADV_REMOVE"] == 9
    code, _, err = run("parse", "--nostdinc", "/usr/include/linux/mman.h")
    assert code == 2 and "include file <asm/mman.h> not found" in err


def test_parse_searches_the_i_folders_before_the_compiler_s_as_gcc_does(tmp_path: Path) -> None:
    """-I adds folders in front of the compiler's search path (it replaced it, so
    <linux/mman.h> was not found); --nostdinc leaves the -I folders alone."""
    inc = tmp_path / "inc"
    (inc / "asm").mkdir(parents=True)
    (inc / "mine.h").write_text("#define MINE 7\n")
    (inc / "asm" / "mman.h").write_text("#define OWN_ASM_MMAN 1\n")  # found first
    top = tmp_path / "top.h"
    top.write_text("#include <mine.h>\n#include <linux/mman.h>\n")
    got = _parsed("-I", str(inc), str(top))
    assert got["MINE"]["value"] == 7 and got["MAP_SHARED"]["value"] == 1
    assert "OWN_ASM_MMAN" in got and "MAP_ANONYMOUS" not in got  # gcc: the same
    gcc = subprocess.run(
        ["gcc", "-dM", "-E", "-I", str(inc), str(top)], capture_output=True, text=True, check=True
    ).stdout
    assert "#define OWN_ASM_MMAN 1" in gcc and "MAP_ANONYMOUS" not in gcc
    code, _, err = run("parse", "--nostdinc", "-I", str(inc), str(top))
    assert code == 2
    assert err == (
        f"{top}:2: error: include file <linux/mman.h> not found (included from {top}:2;"
        f" searched: {inc})\n"
    )


def test_compare_says_what_its_failing_exit_status_means() -> None:
    code, out, _ = run("compare", "--only", "MADV_REMOVE")
    assert code == 1
    assert out.endswith("exit status 1: a value differs between the sources (--fail-on differs)\n")
    code, out, _ = run("compare", "--only", "MADV_REMOVE", "--fail-on", "never")
    assert code == 0 and "exit status" not in out


# -- parse --arch, --data-model, -U ------------------------------------------------

X32 = Path("/usr/x86_64-linux-gnux32/include")


def _parsed(*argv: str) -> dict[str, dict[str, object]]:
    code, out, err = run("parse", "--format", "json", *argv)
    assert (code, err) == (0, "")
    return {d["name"]: d for d in json.loads(out)[0]["defines"]}


def test_parse_data_model_implies_no_architecture() -> None:
    """--data-model ilp32 is a generic 32-bit target: not i386 (nor x32)."""
    got = _parsed("--data-model", "ilp32", "--builtins", "-I", str(X32), str(X32 / "asm/unistd.h"))
    assert "__i386__" not in got and "__ILP32__" not in got and "__x86_64__" not in got
    assert got["__SIZEOF_LONG__"]["value"] == 4
    assert str(got["__NR_read"]["file"]).endswith("asm/unistd_64.h")


def test_parse_arch_x32_gives_x32s_syscall_numbers() -> None:
    """parse --arch x32 over x32's headers: x32's __NR_* (with bit 30 set), each as
    x86_64-linux-gnux32-gcc reads them."""
    header = X32 / "asm/unistd.h"
    gcc = compiler_macros(header, [X32], cc="x86_64-linux-gnux32-gcc").values
    want = {n: v for n, v in gcc.items() if n.startswith("__NR_")}
    assert len(want) > 340 and want["__NR_read"] == 0x40000000
    got = _parsed("--arch", "x32", str(header))
    assert {n: got[n]["value"] for n in want if n in got} == want


def test_parse_undefine_removes_a_predefine() -> None:
    got = _parsed("--arch", "x32", "-U", "__ILP32__", str(X32 / "asm/unistd.h"))
    assert got["__NR_read"]["value"] == 0  # x86-64's numbers, without __ILP32__
    builtins = _parsed("--arch", "x32", "-U", "__ILP32__", "--builtins", str(X32 / "asm/unistd.h"))
    assert "__ILP32__" not in builtins and builtins["__x86_64__"]["value"] == 1


def test_parse_unknown_or_disagreeing_arch_is_one_line() -> None:
    code, out, err = run("parse", "--arch", "amd46", str(X32 / "asm/unistd.h"))
    assert (code, out) == (2, "")
    assert err.startswith("abicheck: error: unknown architecture 'amd46'; did you mean amd64")
    assert err.count("\n") == 1
    code, out, err = run("parse", "--arch", "x32", "--data-model", "lp64", "x.h")
    assert (code, out) == (2, "")
    assert err == "abicheck: error: --data-model lp64 disagrees with --arch x32, which is ilp32\n"


@pytest.mark.parametrize("name", ["arm64", "m68k", "mips", "ppc64el", "s390x"])
def test_parse_arch_reads_linux_input_h(name: str) -> None:
    """linux/input.h includes <stddef.h>: read for other architectures with the
    freestanding headers, its values those of the architecture's own gcc."""
    arch = lookup(name)
    header = Path("/usr") / arch.triplet / "include" / "linux" / "input.h"
    gcc = compiler_macros(header, cc=cross_compiler(arch), system_includes=True).values
    got = _parsed("--arch", name, str(header))
    files = ("linux/input.h", "linux/input-event-codes.h")
    ours = {n: d["value"] for n, d in got.items() if str(d["file"]).endswith(files)}
    assert len(ours) > 500 and ours["EVIOCGVERSION"] is not None
    # each of the two files' macros gcc's value, or none where gcc has none
    assert {n: gcc.get(n) for n in ours} == ours


def test_header_sources_take_arch_and_undefine(tmp_path: Path) -> None:
    """--arch and -U reach header-path sources, are recorded and read again."""
    out_file = tmp_path / "snap.json"
    header = str(X32 / "linux/mman.h")
    code, _, err = run("snapshot", "--arch", "x32", "-U", "__ILP32__", header, "-o", str(out_file))
    assert (code, err) == (0, "")
    (table,) = json.loads(out_file.read_text())["sources"]
    assert table["origin"]["arch"] == "x32" and table["origin"]["data_model"] == "ilp32"
    assert table["origin"]["notes"] == [["undefines", "__ILP32__"]]
    macros = {m["name"]: m["value"] for m in table["macros"]}
    assert macros["MAP_32BIT"] == 0x40 and macros["PROT_WRITE"] == 2
    code, out, err = run("audit", "--baseline", str(out_file))
    assert (code, err) == (0, "")


def test_parse_arch_without_installed_headers(tmp_path: Path) -> None:
    """An architecture Debian has no headers for: its predefines and the freestanding
    headers after -I (csky: ilp32, unsigned char)."""
    (tmp_path / "limits_test.h").write_text(
        "#include <stdint.h>\n#include <limits.h>\n#include <stddef.h>\n"
        "#define SIZE_OF_SIZE_T sizeof(size_t)\n",
        encoding="utf-8",
    )
    got = _parsed("--arch", "csky", "-I", str(tmp_path), str(tmp_path / "limits_test.h"))
    values = {n: d["value"] for n, d in got.items()}
    assert values["CHAR_MIN"] == 0 and values["CHAR_MAX"] == 255
    assert values["SIZE_MAX"] == 0xFFFFFFFF and values["UINTPTR_MAX"] == 0xFFFFFFFF
    assert values["INT64_MIN"] == -(2**63) and values["LONG_MAX"] == 0x7FFFFFFF
    assert values["SIZE_OF_SIZE_T"] == 4
    assert str(got["INT32_MAX"]["file"]) == "<abicheck>/headers/freestanding/stdint.h"


@pytest.mark.parametrize("name", ["m68k", "i386", "x32", "armel"])
def test_parse_arch_applies_the_abi(name: str, tmp_path: Path) -> None:
    """--arch lays structs out by the architecture's ABI (m68k aligns to 2 bytes),
    as its own gcc does."""
    header = tmp_path / "s.h"
    header.write_text(
        "struct s { char c; int i; long long l; };\n"
        "#define SIZE_S sizeof(struct s)\n#define ALIGN_LL __alignof__(long long)\n",
        encoding="utf-8",
    )
    gcc = compiler_macros(header, [tmp_path], cc=cross_compiler(lookup(name))).values
    assert gcc["SIZE_S"] == (14 if name == "m68k" else 16)
    got = _parsed("--arch", name, str(header))
    assert {n: got[n]["value"] for n in ("SIZE_S", "ALIGN_LL")} == {
        n: gcc[n] for n in ("SIZE_S", "ALIGN_LL")
    }


# -- layout ---------------------------------------------------------------------

LAYOUT = Path(__file__).parent / "fixtures" / "layout"


def test_layout_table_is_pahole_like() -> None:
    # the offsets, sizes and bit positions are x86_64-linux-gnu-gcc's (-S asm operands,
    # as tests/test_layouts.py asks them)
    kinds = str(LAYOUT / "kinds.h")
    code, out, err = run("layout", "--arch", "x86_64", kinds, "anon", "struct bits")
    assert (code, err) == (0, "")
    assert out == (
        f"/* amd64: {kinds} */\n"
        "\n"
        f"struct bits {{ /* {kinds}:15 */\n"
        "    unsigned int       a:3; /* 0:0 4 */\n"
        "    unsigned int       b:7; /* 0:3 4 */\n"
        "\n"
        "    /* XXX 2 bytes 6 bits hole */\n"
        "\n"
        "    unsigned int       c:2; /* 4:0 4 */\n"
        "\n"
        "    /* XXX 6 bits hole */\n"
        "\n"
        "    char               d;   /*   5 1 */\n"
        "    unsigned long long e:5; /* 6:0 8 */\n"
        "\n"
        "    /* XXX 4 bits hole */\n"
        "\n"
        "    int                f:6; /* 7:1 4 */\n"
        "\n"
        "    /* bit_padding: 1 bit */\n"
        "}; /* size: 8, align: 8 */\n"
        "\n"
        f"struct anon {{ /* {kinds}:25 */\n"
        "    int    tag;  /*  0 4 */\n"
        "\n"
        "    /* XXX 4 bytes hole */\n"
        "\n"
        "    int    i;    /*  8 4 */\n"
        "    short  lo;   /*  8 2 */\n"
        "    short  hi;   /* 10 2 */\n"
        "    double d;    /*  8 8 */\n"
        "    char   tail; /* 16 1 */\n"
        "\n"
        "    /* padding: 7 */\n"
        "}; /* size: 24, align: 8 */\n"
    )


def test_layout_of_an_incomplete_type_says_why() -> None:
    header = str(LAYOUT / "incomplete.h")
    code, out, err = run("layout", "--arch", "amd64", header, "has_incomplete")
    assert (code, err) == (0, "")
    assert out.splitlines()[2:] == [
        f"struct has_incomplete {{ /* {header}:5 */",
        "    /* no layout: incomplete type struct missing */",
        "};",
    ]


def test_layout_of_a_header_with_no_struct_is_an_error(tmp_path: Path) -> None:
    header = tmp_path / "macros.h"
    header.write_text("#define A 1\nenum e { E };\ntypedef int i_t;\n")
    for chosen in (["--arch", "amd64"], ["--arch", "amd64", "--arch", "arm64"]):
        code, out, err = run("layout", *chosen, str(header))
        assert (code, out) == (2, "")
        assert err == f"{header}: error: no struct, union or typedef of one declared here\n"
    # the library takes several headers: none is the location then
    from abicheck.layouts import layouts
    from abicheck.model import AbicheckError

    again = tmp_path / "again.h"
    again.write_text("#define B 2\n")
    with pytest.raises(AbicheckError) as info:
        layouts([str(header), str(again)], "amd64")
    assert str(info.value) == (
        f"abicheck: error: no struct, union or typedef of one declared in {header}, {again}"
    )


def test_layout_side_by_side_shows_what_differs() -> None:
    # sizeof, _Alignof and offsetof(struct epoll_event, data) by x86_64-linux-gnu-gcc,
    # aarch64-linux-gnu-gcc, i686-linux-gnu-gcc: 12 1 4, 16 8 8, 12 4 4; struct flock's
    # size, align and (offset, size) of l_start, l_len, l_pid by the same compilers:
    # 32 8 (8 8) (16 8) (24 4), the same, 16 4 (4 4) (8 4) (12 4); l_type, l_whence alike
    code, out, err = run(
        "layout", "--arch", "amd64", "--arch", "arm64", "--arch", "i386", "linux/eventpoll.h",
        "epoll_event", "flock",
    )  # fmt: skip
    assert (code, err) == (0, "")
    blocks = out.split("\n\n")
    assert blocks[0].splitlines() == [
        "struct flock (/usr/x86_64-linux-gnu/include/asm-generic/fcntl.h:196)",
        "         amd64    arm64    i386",
        "-------  -------  -------  ------",
        "size     32       32       16",
        "align    8        8        4",
        "l_start  8 8      8 8      4 4",
        "l_len    16 8     16 8     8 4",
        "l_pid    24 4     24 4     12 4",
    ]
    assert blocks[1].splitlines() == [
        "struct epoll_event (/usr/x86_64-linux-gnu/include/linux/eventpoll.h:83)",
        "       amd64    arm64    i386",
        "-----  -------  -------  ------",
        "size   12       16       12",
        "align  1        8        4",
        "data   4 8      8 8      4 8",
    ]
    code, out, _ = run("layout", "--arch", "amd64", "--arch", "x32", str(LAYOUT / "kinds.h"))
    assert code == 0
    assert f"struct packed_s ({LAYOUT / 'kinds.h'}:5): same on all 2 architectures" in out


def test_layout_markdown() -> None:
    kinds = str(LAYOUT / "kinds.h")
    code, out, _ = run("layout", "--arch", "amd64", "--format", "markdown", kinds, "flex")
    assert code == 0
    assert out == (
        "# abicheck layout\n\n"
        f"`amd64`: `{kinds}`\n\n"
        "## `struct flex`\n\n"
        f"`{kinds}:37`: size 16, align 8\n\n"
        "| offset   | size    | type           | member   |\n"
        "|----------|---------|----------------|----------|\n"
        "| 0        | 2       | unsigned short | len      |\n"
        "|          | 6 bytes |                | *(hole)* |\n"
        "| 8        | 8       | long           | first    |\n"
        "| 16       | 0       | char           | data[]   |\n"
    )
    code, out, _ = run(
        "layout", "--arch", "amd64", "--arch", "m68k", "--format", "markdown", kinds, "flex"
    )
    assert code == 0
    assert "| size  | 16      | 6      |\n| align | 8       | 2      |\n" in out
    assert "| first | 8 8     | 2 4    |\n" in out


def test_layout_all_architectures_notes_the_skipped_ones() -> None:
    code, out, err = run("layout", "--arch", "all", "<linux/eventpoll.h>", "epoll_event")
    assert code == 0
    notes = err.splitlines()
    assert len(notes) == 11 and all(n.startswith("abicheck: note: ") for n in notes)
    assert "abicheck: note: xtensa skipped: give --kernel-tree" in notes[-1]
    assert out.splitlines()[1].split() == [a.name for a in arches_with_headers()]


def arches_with_headers() -> list[arches.Arch]:
    return list(arches.debian_arches())


def test_layout_output_file_and_determinism(tmp_path: Path) -> None:
    target = tmp_path / "layout.json"
    target.write_text("old\n")
    target.chmod(0o640)
    argv = ["layout", "--arch", "all", "--format", "json", "<asm/stat.h>"]
    code, out, _ = run(*argv, "-o", str(target))
    assert (code, out) == (0, "")
    first = target.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["layout.json"]
    code, again, _ = run(*argv)
    assert code == 0 and again.encode() == first
    data = json.loads(first)
    assert [d["arch"] for d in data] == [a.name for a in arches_with_headers()]
    stat_amd64 = next(t for t in data[1]["types"] if t["name"] == "struct stat")
    assert (stat_amd64["size"], stat_amd64["align"]) == (144, 8)  # x86_64-linux-gnu-gcc


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--arch", "amd64", str(LAYOUT / "kinds.h"), "bitz"],
            f"{LAYOUT / 'kinds.h'}: error: no struct, union or typedef matches 'bitz'; "
            "close matches: bits",
        ),
        (
            ["--arch", "amd64", "<linux/eventpoll.h>", "epoll"],
            "<linux/eventpoll.h>: error: no struct, union or typedef matches 'epoll'; "
            "close matches: struct epoll_event",
        ),
        (["--arch", "pdp11", "x.h"], "abicheck: error: unknown architecture 'pdp11'; available:"),
        (
            ["--arch", "m68k", "<no/such.h>"],
            "<no/such.h>: error: no such header in /usr/m68k-linux-gnu/include, "
            "<abicheck>/headers/freestanding",
        ),
        (
            ["--arch", "amd64", str(LAYOUT / "broken.h")],
            f"{LAYOUT / 'broken.h'}:3: error: #error not a header to read",
        ),
        (["--arch", "amd64"], "abicheck layout: error: the following arguments are required"),
    ],
)
def test_layout_errors_are_one_line(argv: list[str], message: str) -> None:
    code, out, err = run("layout", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1, err


# -- closed and failing standard streams, read-only and shared -o targets (issue 15) ---


def _cli(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "abicheck", *argv], text=True, **kwargs)


def test_closed_stdout_is_an_output_error() -> None:
    # `abicheck parse >&-`: fd 1 closed before the interpreter starts
    proc = _cli(["parse"], stdout=None, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2
    assert proc.stderr == "abicheck: error: cannot write output: standard output is closed\n"


def test_closed_stdout_with_o_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    proc = _cli(
        ["snapshot", "-o", str(out)], stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1)
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert json.loads(out.read_text())["sources"]


def test_closed_or_full_stderr_keeps_exit_2(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.h")
    proc = _cli(["parse", missing], capture_output=False, preexec_fn=lambda: os.close(2))
    assert proc.returncode == 2
    with open("/dev/full", "w") as full:
        proc = _cli(["parse", missing], stdout=subprocess.PIPE, stderr=full)
    assert (proc.returncode, proc.stdout) == (2, "")


@pytest.mark.parametrize(
    "mount",
    [
        "mount -t tmpfs -o ro tmpfs {ro}",  # no file there
        # a file already there: the same words (only ENOENT is told as the scratch copy's)
        "mount -t tmpfs tmpfs {ro} && touch {ro}/b.json && mount -o remount,ro {ro}",
    ],
)
def test_output_onto_a_read_only_filesystem_is_exit_2(tmp_path: Path, mount: str) -> None:
    # a real read-only mount, in a mount namespace of its own
    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("no mount namespaces here (unshare -m refused)")
    script = f"{mount.format(ro=ro)} && exec {sys.executable} -m abicheck snapshot -o {ro}/b.json"
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"{ro}/b.json: error: cannot write: Read-only file system\n"


@pytest.mark.skipif(not os.path.isfile("/proc/version"), reason="needs a Linux kernel (its /proc)")
def test_output_onto_a_file_whose_folder_takes_no_new_file_says_so() -> None:
    # /proc/version is a regular file, and /proc makes no new one: the scratch copy
    # fails, not the file (its own error would have been ENOENT, which misleads)
    code, out, err = run("parse", str(FIX / "calls.h"), "-o", "/proc/version")
    assert (code, out) == (2, "")
    assert err == (
        "/proc/version: error: cannot write: cannot make a temporary file in /proc: "
        "No such file or directory\n"
    )


def test_concurrent_runs_onto_one_output_each_write_it_whole(tmp_path: Path) -> None:
    out = tmp_path / "same.h"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "abicheck", "emit", "--lang", "c", "-o", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert results == [(0, "")] * 6
    assert run("emit", "--lang", "c")[1] == out.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["same.h"]


def test_snapshot_of_a_utf8_identifier_is_audited(tmp_path: Path, monkeypatch) -> None:
    # `#define MAP_café 0x40` (gcc takes it): a snapshot abicheck writes, it must read
    monkeypatch.chdir(tmp_path)
    (tmp_path / "h.h").write_text("#define MAP_caf\u00e9 0x40\n#define MAP_A 1\n")
    assert run("snapshot", "h.h", "-o", "b.json") == (0, "", "")
    names = [
        m["name"] for s in json.loads((tmp_path / "b.json").read_text())["sources"]
        for m in s["macros"]
    ]  # fmt: skip
    assert "MAP_caf\u00e9" in names
    code, out, err = run("audit", "--baseline", "b.json", "--fail-on", "any")
    assert (code, err) == (0, ""), out
    assert "0 incompatible, 0 compatible change(s)" in out
