"""``parse --arch all`` (and comma lists): headers resolved per architecture, read with
shared scans in a process pool, giving exactly what one run per architecture gives."""

from __future__ import annotations

import dataclasses
import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from abicheck import arches
from abicheck.cli import _render_json_arch, main
from abicheck.headerargs import resolve_headers
from abicheck.multiarch import (
    ArchPlan,
    ArchText,
    Shared,
    abi_groups,
    arch_list,
    plan_arches,
    read_arches,
    read_plan,
    send_utf8,
    write_arches,
)
from abicheck.parse import (
    HeaderResult,
    Reader,
    TargetSetup,
    freestanding_dir,
    read_headers,
    target_setup,
)
from abicheck.reader.declarations import Statements
from abicheck.reader.memo import Memo
from abicheck.reader.scan import ScanCache, ScannedFile

# real uapi headers: ioctl numbers built on struct sizes, mman flags, termios bits,
# signal numbers, errno, stat, socket options
SAMPLE = [
    "linux/mman.h",
    "asm/ioctls.h",
    "asm/termbits.h",
    "asm/signal.h",
    "asm/errno.h",
    "asm/stat.h",
    "asm/socket.h",
    "linux/fs.h",
    "linux/input.h",
    "linux/if_tun.h",
    "linux/sockios.h",
    "linux/aio_abi.h",
]
FOUR = ["mips", "arm64", "i386", "s390x", "hppa", "sparc64"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def parse_json(*argv: str) -> tuple[int, Any, str]:
    code, out, err = run("parse", "--format", "json", *argv)
    assert code in (0, 2), err
    return code, json.loads(out), err


def per_arch(data: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The multi-architecture list split by architecture, without the arch key."""
    out: dict[str, list[dict[str, Any]]] = {}
    for item in data:
        rest = dict(item)
        out.setdefault(rest.pop("arch"), []).append(rest)
    return out


def test_every_architecture_at_once_gives_each_architectures_own_values() -> None:
    code, data, err = parse_json("--arch", ",".join(FOUR), *SAMPLE)
    assert code == 0, err
    split = per_arch(data)
    assert list(split) == FOUR  # grouped, in the order given
    for name in FOUR:
        code, alone, err = parse_json("--arch", name, *SAMPLE)
        assert code == 0, err
        assert split[name] == alone, name
        assert [h["header"] for h in alone] == SAMPLE
        root = str(arches.include_dirs(arches.lookup(name))[0])  # type: ignore[index]
        assert all(h["path"].startswith(root) for h in alone)
    # what differs between them: mips's and hppa's own numbers
    mman = {a: {d["name"]: d["value"] for d in split[a][0]["defines"]} for a in FOUR}
    assert [mman[a]["MAP_ANONYMOUS"] for a in FOUR] == [0x800, 0x20, 0x20, 0x20, 0x10, 0x20]
    fs = {a: {d["name"]: d["value"] for d in split[a][7]["defines"]} for a in FOUR}
    # _IOR('f', 1, long): the size and the direction bits differ (each cross gcc's
    # value, from the asm operand of `unsigned long long v = FS_IOC_GETFLAGS;` in -S)
    assert [fs[a]["FS_IOC_GETFLAGS"] for a in FOUR] == [
        0x40046601,
        0x80086601,
        0x80046601,
        0x80086601,
        0x40046601,
        0x40086601,
    ]


def test_the_pool_and_one_process_give_the_same_output() -> None:
    plans, notes = plan_arches(arch_list("m68k,x32,ppc64el"), SAMPLE)
    assert notes == []
    one = [text.read() for _, text, _ in write_arches(plans, _render_json_arch, workers=1)]
    two = [text.read() for _, text, _ in write_arches(plans, _render_json_arch, workers=2)]
    assert one == two and len(one) == 3 and '"arch": "x32"' in one[1]


def test_worker_texts_come_through_files_that_are_closed_after() -> None:
    """From the pool, each architecture's text is read from the file its worker wrote
    (the same text as made in one process); every file is closed when the iteration
    ends, finished or not."""
    import os

    plans, _ = plan_arches(arch_list("m68k,x32,ppc64el"), ["linux/mman.h"])
    open_fds = len(os.listdir("/proc/self/fd"))
    kept = []
    texts = []
    for _, text, _ in write_arches(plans, _render_json_arch, workers=2):
        texts.append(text.read())
        kept.append(text)
    assert texts == [t.read() for _, t, _ in write_arches(plans, _render_json_arch)]
    assert '"arch": "x32"' in texts[1]
    assert len(os.listdir("/proc/self/fd")) == open_fds
    with pytest.raises(ValueError, match="while write_arches is at it"):
        kept[0].read()  # (its file is gone: no other file read in its place)
    stopped = write_arches(plans, _render_json_arch, workers=2)
    _, first, _ = next(stopped)
    assert '"arch": "m68k"' in first.read()
    stopped.close()
    assert len(os.listdir("/proc/self/fd")) == open_fds


def _memfd(data: bytes) -> int:
    fd = os.memfd_create("test")
    os.write(fd, data)
    return fd


TEXT = ("\u00b5s \u2014 " * 50_000 + "\n").encode()  # 750 KB, UTF-8 of 2 and 3 bytes


def test_send_utf8_copies_by_sendfile_or_by_chunks_where_it_is_refused(tmp_path: Path) -> None:
    src = _memfd(TEXT + b"left out")
    plain, appended = tmp_path / "plain", tmp_path / "appended"
    appended.write_bytes(b"before\n")
    try:
        with open(plain, "wb") as f:
            send_utf8(src, len(TEXT), f.fileno())
        # sendfile refuses a file opened to append (EINVAL): copied in chunks
        with open(appended, "ab") as f:
            send_utf8(src, len(TEXT), f.fileno())
        with open(os.devnull, "wb") as full, open("/dev/full", "wb") as f:
            send_utf8(src, len(TEXT), full.fileno())
            with pytest.raises(OSError) as exc:
                send_utf8(src, len(TEXT), f.fileno())
    finally:
        os.close(src)
    assert plain.read_bytes() == TEXT
    assert appended.read_bytes() == b"before\n" + TEXT
    assert exc.value.errno == errno.ENOSPC


def test_send_utf8_copies_where_sendfile_writes_to_sockets_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sockets_only(*_: object) -> int:  # as on macOS and FreeBSD
        raise OSError(errno.ENOTSOCK, os.strerror(errno.ENOTSOCK))

    monkeypatch.setattr(os, "sendfile", sockets_only)
    src = _memfd(TEXT)
    try:
        with open(tmp_path / "out", "wb") as f:
            send_utf8(src, len(TEXT), f.fileno())
        with open("/dev/full", "wb") as f, pytest.raises(OSError) as exc:
            send_utf8(src, len(TEXT), f.fileno())  # the write's own error
    finally:
        os.close(src)
    assert (tmp_path / "out").read_bytes() == TEXT
    assert exc.value.errno == errno.ENOSPC


def test_a_worker_text_goes_straight_to_the_commands_file_or_through_text(
    tmp_path: Path,
) -> None:
    """An architecture's text in a worker's file is sent to the command's standard
    output (UTF-8, a text layer over a file) or ``-o`` file as it is; to any other
    stream (a caller's, which may translate newlines or compress) it is read as
    text; a write that fails is the command's output error."""
    import gzip

    from abicheck.cli import AbicheckError, _FileOutput, _Output, _OutputError

    src = _memfd(TEXT)
    try:
        text = ArchText(fd=src, size=len(TEXT))
        out = tmp_path / "out"
        with open(out, "w", encoding="utf-8") as f:
            f.write("[")
            assert not _Output(f).copy_utf8(src, 0)  # a caller's stream
            stream = _Output(f, own=True)  # as the process's standard output
            assert stream.copy_utf8(src, 0)  # (nothing sent: still the file's)
            text.write_to(stream)
            stream.write("]")
        assert out.read_bytes() == b"[" + TEXT + b"]"
        # as under PYTHONUNBUFFERED: the text layer straight over the file
        with io.TextIOWrapper(open(out, "wb", buffering=0), "utf-8", write_through=True) as f:
            f.write("<")
            assert _Output(f, own=True).copy_utf8(src, len(TEXT))
            f.write(">")
        assert out.read_bytes() == b"<" + TEXT + b">"
        with open(out, "wb") as raw:
            text.write_to(_FileOutput(raw, str(out)))
        assert out.read_bytes() == TEXT
        memory = io.StringIO()
        packed = tmp_path / "out.gz"
        with (
            open(out, "w", encoding="utf-16") as utf16,
            gzip.open(packed, "wt", encoding="utf-8") as gz,  # (its fileno: the .gz)
        ):
            for other in (memory, utf16, gz):
                assert not _Output(other, own=True).copy_utf8(src, len(TEXT))
                text.write_to(_Output(other, own=True))
        assert memory.getvalue() == out.read_text(encoding="utf-16") == TEXT.decode()
        assert gzip.decompress(packed.read_bytes()) == TEXT
        with open("/dev/full", "w", encoding="utf-8") as f, pytest.raises(_OutputError):
            text.write_to(_Output(f, own=True))
        with open("/dev/full", "wb") as raw, pytest.raises(AbicheckError, match="/dev/full"):
            text.write_to(_FileOutput(raw, "/dev/full"))
    finally:
        os.close(src)


def test_a_callers_stream_gets_the_worker_texts_as_text(tmp_path: Path) -> None:
    """main(out=...) with a stream of its own: its newline translation applies to
    the architectures' texts too (they are not sent to its file underneath)."""
    argv = ["parse", "--format", "json", "--arch", "m68k,x32", "linux/mman.h"]
    crlf = tmp_path / "crlf"
    with open(crlf, "w", encoding="utf-8", newline="\r\n") as f:
        assert main(argv, f, io.StringIO()) == 0
    data = crlf.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 200
    assert data.replace(b"\r\n", b"\n").decode() == run(*argv)[1]


def test_the_installed_command_writes_every_architecture_to_a_pipe_and_a_file(
    tmp_path: Path,
) -> None:
    """``--arch`` of several ABIs (read by worker processes, their texts sent from
    their files) writes what one process writes, to a pipe, to a file it appends
    to, and with -o."""
    argv = ["parse", "--format", "json", "--arch", "m68k,x32,ppc64el", *SAMPLE[:4]]
    exe = Path(sys.executable).with_name("abicheck")
    code, out, err = run(*argv)
    assert code == 0 and len(out) > 100_000, err
    piped = subprocess.run([str(exe), *argv], capture_output=True, text=True)
    assert (piped.returncode, piped.stdout) == (0, out)
    appended = tmp_path / "appended"
    appended.write_text("x\n")
    with open(appended, "a") as f:
        assert subprocess.run([str(exe), *argv], stdout=f).returncode == 0
    assert appended.read_text() == "x\n" + out
    named = tmp_path / "named"
    assert subprocess.run([str(exe), *argv, "-o", str(named)]).returncode == 0
    assert named.read_text() == out
    with open("/dev/full", "w") as f:
        full = subprocess.run([str(exe), *argv], stdout=f, stderr=subprocess.PIPE, text=True)
    assert full.returncode == 2
    assert full.stderr == "abicheck: error: cannot write output: No space left on device\n"


@pytest.mark.slow
def test_every_installed_architecture_over_a_larger_sample() -> None:
    """All installed architectures over every asm/ and asm-generic/ header and the
    linux/ headers from a to c (some 4,000 reads): each as its own run gives."""
    patterns = ["linux/[a-c]*.h", "asm/*.h", "asm-generic/*.h"]
    code, data, err = parse_json("--arch", "all", *patterns)
    assert (code, err) == (0, "")
    split = per_arch(data)
    installed = [a.name for a in arches.debian_arches() if arches.include_dirs(a)]
    assert list(split) == installed and len(installed) >= 4
    assert sum(len(v) for v in split.values()) > 150 * len(installed)
    for name in installed:
        code, alone, err = parse_json("--arch", name, *patterns)
        assert (code, err) == (0, ""), name
        assert split[name] == alone, name


def test_a_name_is_found_as_include_would_find_it(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for d, value in ((first, 1), (second, 2)):
        (d / "sub").mkdir(parents=True)
        (d / "sub" / "x.h").write_text(f"#define X {value}\n")
    (second / "sub" / "y.h").write_text("#define Y 3\n")
    (first / "sub" / "z.h").mkdir()  # a folder: #include finds the file after it
    (second / "sub" / "z.h").write_text("#define Z 4\n")
    pairs, unmatched = resolve_headers(
        ["sub/x.h", "sub/*.h", "nowhere.h"], [str(first), str(second)]
    )
    assert pairs == [
        ("sub/x.h", str(first / "sub" / "x.h")),
        ("sub/x.h", str(first / "sub" / "x.h")),
        ("sub/y.h", str(second / "sub" / "y.h")),
        ("sub/z.h", str(second / "sub" / "z.h")),
        ("nowhere.h", "nowhere.h"),
    ]
    assert unmatched == ["nowhere.h"]
    code, data, _ = parse_json(
        "--arch", "mips,arm64", "-I", str(first), "-I", str(second), "sub/*.h"
    )
    assert code == 0
    got = [(h["arch"], h["header"], [(d["name"], d["value"]) for d in h["defines"]]) for h in data]
    assert got == [
        ("mips", "sub/x.h", [("X", 1)]),
        ("mips", "sub/y.h", [("Y", 3)]),
        ("mips", "sub/z.h", [("Z", 4)]),
        ("arm64", "sub/x.h", [("X", 1)]),
        ("arm64", "sub/y.h", [("Y", 3)]),
        ("arm64", "sub/z.h", [("Z", 4)]),
    ]


def test_a_shipped_header_found_by_name_is_shown_as_its_macros_name_it() -> None:
    """A name found in abicheck's freestanding headers (``<stddef.h>``): its "path" is
    the one its macros' "file" gives, not the folder abicheck is installed in."""
    shown = "<abicheck>/headers/freestanding/stddef.h"
    _, data, _ = parse_json("--arch", "m68k,x32", "stddef.h")
    _, alone, _ = parse_json("--arch", "m68k", "stddef.h")
    for h in [*data, *alone]:
        assert h["path"] == shown
        assert {d["file"] for d in h["defines"] if d["name"] == "NULL"} == {shown}


def test_a_header_only_some_architectures_have_is_left_out_with_a_note() -> None:
    code, data, err = parse_json("--arch", "mips,arm64,mipsel", "asm/sgidefs.h", "linux/mman.h")
    assert code == 0
    assert [(h["arch"], h["header"]) for h in data] == [
        ("mips", "asm/sgidefs.h"),
        ("mips", "linux/mman.h"),
        ("arm64", "linux/mman.h"),
        ("mipsel", "asm/sgidefs.h"),
        ("mipsel", "linux/mman.h"),
    ]
    assert err == (
        "asm/sgidefs.h: note: not in the include folders of 1 of 3 architectures, "
        "left out there: arm64\n"
    )


@pytest.mark.parametrize("spec", ["linux/no-such-*.h", "linux/no-such.h"])
def test_a_header_no_architecture_has_is_an_error(spec: str) -> None:
    code, out, err = run("parse", "--arch", "all", "linux/mman.h", spec)
    what = "no header matches" if "*" in spec else "no such header"
    assert (code, out) == (2, "")
    assert err == f"{spec}: error: {what} in the include folders of any architecture\n"


def test_one_architecture_resolves_names_and_patterns_too() -> None:
    code, data, _ = parse_json("--arch", "m68k", "asm/poll*.h")
    assert code == 0
    assert [(h["header"], h["path"]) for h in data] == [
        ("asm/poll.h", "/usr/m68k-linux-gnu/include/asm/poll.h"),
    ]
    code, out, err = run("parse", "--arch", "m68k", "asm/no-such-*.h")
    assert (code, out) == (2, "")
    assert err == "asm/no-such-*.h: error: no header matches in the include folders\n"


def test_the_table_is_grouped_by_architecture() -> None:
    code, out, _ = run("parse", "--arch", "alpha,hppa", "asm/mman.h")
    assert code == 0
    blocks = out.split("== ")
    assert [b.splitlines()[0] for b in blocks[1:]] == ["alpha (1 header)", "hppa (1 header)"]
    alpha = next(ln for ln in blocks[1].splitlines() if ln.startswith("MAP_ANONYMOUS "))
    hppa = next(ln for ln in blocks[2].splitlines() if ln.startswith("MAP_ANONYMOUS "))
    assert alpha.split()[:3] == hppa.split()[:3] == ["MAP_ANONYMOUS", "integer", "0x10"]
    assert "/usr/alpha-linux-gnu/include/asm/mman.h" in alpha


def _one_text_twice(tmp_path: Path, text: str) -> tuple[ScanCache, Path, ScannedFile, ScannedFile]:
    """``text`` written to a.h and b.h, both scanned by one ScanCache: (it, a.h, the scans)."""
    a, b = tmp_path / "a.h", tmp_path / "b.h"
    for p in (a, b):
        p.write_text(text)
    cache = ScanCache()
    return cache, a, cache.scan(str(a)), cache.scan(str(b))


def test_a_moved_scan_names_its_own_path(tmp_path: Path) -> None:
    text = "#ifndef G\n#define G\n#define X (1 << 3) /* x */\n#endif\n"
    cache, a, sa, sb = _one_text_twice(tmp_path, text)
    b = tmp_path / "b.h"
    assert len(cache) == 1 and sa.path == str(a) and sb.path == str(b)
    da = [e.macro for e in sa.entries if e.macro is not None]
    db = [e.macro for e in sb.entries if e.macro is not None]
    assert [(m.name, m.text, m.file, m.line, m.comment) for m in db] == [
        ("G", "", str(b), 2, ""),
        ("X", "(1 << 3)", str(b), 3, "x"),
    ]
    assert [m.file for m in da] == [str(a), str(a)] and sb.guard == sa.guard == "G"


def test_compare_header_pattern_merges_each_architectures_matches() -> None:
    from abicheck.sources import SourceOptions, load_sources

    tables = load_sources(["arch:mips", "arch:arm64"], SourceOptions(header="asm/ioctl*.h"))
    values = [{m.name: m.value for m in t.macros} for t in tables]
    # asm/ioctl.h's and asm/ioctls.h's names in one table per architecture
    assert [(v["_IOC_SIZEBITS"], v["TIOCSCTTY"]) for v in values] == [
        (13, 0x5480),
        (14, 0x540E),
    ]
    assert tables[0].origin.path == "/usr/mips-linux-gnu/include/asm/ioctl*.h"
    assert tables[0].origin.noted("headers") == (
        "/usr/mips-linux-gnu/include/asm/ioctl.h /usr/mips-linux-gnu/include/asm/ioctls.h"
    )


def test_compare_all_leaves_out_the_architectures_a_pattern_matches_nothing_in() -> None:
    code, out, err = run("compare", "arch:all", "--header", "asm/sgi*.h", "--format", "json")
    assert code == 0
    data = json.loads(out)
    labels = [s["label"] for s in data["sources"]]
    assert labels == ["arch:mips", "arch:mips64", "arch:mips64el", "arch:mipsel"]
    assert "abicheck: note: arch:alpha left out: no header matching asm/sgi*.h for alpha in " in err
    assert run("compare", "arch:all", "--header", "asm/no-such-*.h")[0] == 2


def test_a_text_that_fails_to_scan_fails_at_each_path(tmp_path: Path) -> None:
    from abicheck.model import AbicheckError

    cache = ScanCache()
    for name in ("a.h", "b.h"):
        (tmp_path / name).write_text("#define A 1\n#if A\n")
        with pytest.raises(AbicheckError) as caught:
            cache.scan(str(tmp_path / name))
        assert str(caught.value) == f"{tmp_path / name}:2: error: unterminated #if"
    assert len(cache) == 0


def test_several_architectures_take_no_data_model_and_need_headers() -> None:
    assert run("parse", "--arch", "all", "--data-model", "lp64", "linux/mman.h") == (
        2,
        "",
        "abicheck: error: --data-model with --arch all: each architecture has its own\n",
    )
    assert run("parse", "--arch", "mips,arm64") == (
        2,
        "",
        "abicheck: error: --arch mips,arm64 needs HEADER arguments (names, paths or patterns)\n",
    )
    code, _, err = run("parse", "--arch", "mips,armx", "linux/mman.h")
    assert code == 2 and err.startswith("abicheck: error: unknown architecture 'armx'")


def test_a_pattern_matching_files_from_here_expands_as_the_shell_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "linux").mkdir()
    (tmp_path / "linux" / "b.h").write_text("#define B 2\n")
    (tmp_path / "linux" / "a.h").write_text("#define A 1\n")
    monkeypatch.chdir(tmp_path)
    pairs, unmatched = resolve_headers(
        ["linux/*.h", "linux/mman.h"], ["/usr/m68k-linux-gnu/include"]
    )
    assert pairs == [
        ("linux/a.h", "linux/a.h"),
        ("linux/b.h", "linux/b.h"),
        ("linux/mman.h", "/usr/m68k-linux-gnu/include/linux/mman.h"),
    ]
    assert unmatched == []
    absolute, _ = resolve_headers([f"{tmp_path}/linux/?.h"], [])
    assert absolute == [(str(tmp_path / "linux" / f"{n}.h"),) * 2 for n in "ab"]


def test_stopping_early_ends_the_workers(tmp_path: Path) -> None:
    import multiprocessing
    import time

    def render(plan: Any, results: Any) -> str:
        if plan.arch != "m68k":
            time.sleep(3)  # still at work when the first result is taken
        (tmp_path / plan.arch).write_text("read")
        return str(plan.arch)

    plans, _ = plan_arches(arch_list("m68k,x32,ppc64el,alpha,sh4"), ["linux/mman.h"])
    results = read_arches(plans, render, workers=2)
    first, _ = next(results)
    results.close()  # as when the output's reader goes away
    assert first.arch == "m68k"
    assert multiprocessing.active_children() == []
    time.sleep(3.5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m68k"]  # the others ended unread


def _read_with(
    shared: Shared, plans: list[ArchPlan], memo: Memo | None = None
) -> tuple[list[Reader], list[list[HeaderResult]]]:
    """Each plan read, one after another, by a reader of ``shared`` (and ``memo``):
    the readers and their results."""
    readers = [shared.reader(p.setup, p.dirs, {}, memo) for p in plans]
    results = [
        read_headers([h for h, _ in p.headers], r, True, paths=[f for _, f in p.headers])
        for p, r in zip(plans, readers, strict=True)
    ]
    return readers, results


def test_architectures_of_one_abi_share_evaluations_and_keep_their_own_values() -> None:
    """mips and mipsel (the same ABI, another byte order) read one after another with
    one memo give exactly what each gives read alone, though the second finds the
    first's definitions of the headers they share and their evaluations."""
    plans, _ = plan_arches(arch_list("mips,mipsel"), SAMPLE)
    assert abi_groups(plans, {}) == [(0, 1)]
    alone = [read_plan(p, {}, True, Shared()) for p in plans]
    shared, memo = Shared(), Memo()
    readers, together = _read_with(shared, plans, memo)
    assert together == alone
    assert all(r.error is None for results in alone for r in results)
    mips, mipsel = ({m.name: m for m in results[7].macros} for results in alone)  # linux/fs.h
    assert mips["FS_IOC_GETFLAGS"].file == "/usr/mips-linux-gnu/include/linux/fs.h"
    assert mipsel["FS_IOC_GETFLAGS"].file == "/usr/mipsel-linux-gnu/include/linux/fs.h"
    # what the sharing rests on: the same definitions (one text, one place below the
    # include folder) and predefined macros of the same text; byte order's its own
    fs = [r.files.get(p.headers[7][1]) for p, r in zip(plans, readers, strict=True)]
    assert fs[0].path != fs[1].path and fs[0].entries is fs[1].entries
    assert readers[0].predefined["__mips__"] is readers[1].predefined["__mips__"]
    assert "__MIPSEB__" in readers[0].predefined and "__MIPSEB__" not in readers[1].predefined
    big, little = (r.predefined["__BYTE_ORDER__"] for r in readers)
    assert (big.text, little.text) == ("__ORDER_BIG_ENDIAN__", "__ORDER_LITTLE_ENDIAN__")


def test_architectures_of_two_abis_share_the_statements_of_one_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """arm64 and i386 (two data models: no memo shared) read with one Shared: the
    enum and typedef statements of a text both have (linux/types.h, below each one's
    include folder) are found once, and each gets what it gets read alone."""
    plans, _ = plan_arches(arch_list("arm64,i386"), ["linux/types.h", "linux/stat.h"])
    assert abi_groups(plans, {}) == [(0,), (1,)]
    alone = [read_plan(p, {}, True, Shared()) for p in plans]
    shared = Shared()
    readers, together = _read_with(shared, plans)
    assert together == alone
    assert readers[0].statements is readers[1].statements is shared.statements
    types = [r.files.get(p.headers[0][1]) for p, r in zip(plans, readers, strict=True)]
    assert types[0].path == "/usr/aarch64-linux-gnu/include/linux/types.h"
    assert types[1].path == "/usr/i686-linux-gnu/include/linux/types.h"
    assert types[0].text_id == types[1].text_id  # one text
    runs = [k for k in shared.statements._runs if k[0] == types[0].text_id]
    assert len(runs) == 1  # its statements found once, for both
    # with reuse off nothing is shared: each reader finds its own
    monkeypatch.setenv("ABICHECK_NO_REUSE", "1")
    fresh = Shared()
    off = [fresh.reader(p.setup, p.dirs, {}) for p in plans]
    assert off[0].statements is not off[1].statements and fresh.statements is None


def test_statements_are_found_by_the_text_not_the_path(tmp_path: Path) -> None:
    _, a, sa, sb = _one_text_twice(tmp_path, "typedef int t_a;\nenum { E_A = 1 };\n")
    statements = Statements(True)
    whole = ((0, len(sa.entries)),)
    found = statements.of_run(sa, whole)
    assert statements.of_run(sb, whole) is found  # the same text at another path
    assert [t[0] for t in found.typedefs] == ["typedef int t_a;"]
    # another text at the same path (the file rewritten, scanned anew): its own
    a.write_text("typedef long t_b;\n")
    again = ScanCache().scan(str(a))
    assert again.path == sa.path and again.text_id != sa.text_id
    other = statements.of_run(again, ((0, len(again.entries)),))
    assert [t[0] for t in other.typedefs] == ["typedef long t_b;"] and other.enums == []


def test_architectures_share_a_memo_only_where_their_data_models_are_the_same() -> None:
    plans, _ = plan_arches(arch_list("all"), ["linux/types.h"])
    groups = abi_groups(plans, {})
    assert sorted(i for g in groups for i in g) == list(range(len(plans)))
    assert [len(g) for g in groups] == sorted((len(g) for g in groups), reverse=True)
    models = [Shared().reader(p.setup, p.dirs, {}).model for p in plans]

    def same(a: int, b: int) -> bool:  # all but the name and architecture, unread
        return dataclasses.replace(models[a], name="lp64", arch="") == dataclasses.replace(
            models[b], name="lp64", arch=""
        )

    group_of = {i: g for g in groups for i in g}
    for a in range(len(plans)):
        for b in range(len(plans)):
            assert same(a, b) == (group_of[a] == group_of[b]), (plans[a].arch, plans[b].arch)
    names = [{plans[i].arch for i in g} for g in groups]
    assert {"mips", "mipsel"} in names and {"armel", "armhf"} in names
    assert {"hppa"} in names  # its wchar_t is long, mips's int


def _target(root: Path) -> TargetSetup:
    setup = target_setup("mips")
    return dataclasses.replace(setup, system_dirs=(freestanding_dir(), str(root)))


def test_has_include_is_decided_in_each_targets_folders(tmp_path: Path) -> None:
    """One text in two targets' folders, its #if asking for a header only one has:
    each target's own answer, though the line's tokens and the memo are shared."""
    roots = [tmp_path / "a", tmp_path / "b"]
    for root in roots:
        root.mkdir()
        (root / "x.h").write_text("#if __has_include(<y.h>)\n#define HAS_Y 1\n#endif\n")
    (roots[0] / "y.h").write_text("")
    shared, memo = Shared(), Memo()
    got = []
    for root in roots:
        setup = _target(root)
        reader = shared.reader(setup, setup.system_dirs, {}, memo)
        got.append([(m.name, m.value, m.file) for m in reader.read(str(root / "x.h"), False)])
    assert got == [[("HAS_Y", 1, str(roots[0] / "x.h"))], []]


def test_one_text_below_two_include_folders_stays_two_files(tmp_path: Path) -> None:
    """Aliases are by the path below an include folder: where two of one target's
    folders hold the same text at the same place, each file keeps its own
    definitions and its own path."""
    first, second = tmp_path / "one", tmp_path / "two"
    for d in (first, second):
        (d / "sub").mkdir(parents=True)
        (d / "sub" / "x.h").write_text("#define X 1\n")
    (tmp_path / "top.h").write_text(
        f'#include "{first}/sub/x.h"\n#define FIRST X\n#undef X\n#include "{second}/sub/x.h"\n'
    )
    setup = dataclasses.replace(_target(first), system_dirs=(str(first), str(second)))
    reader = Shared().reader(setup, setup.system_dirs, {}, Memo())
    got = [(m.name, m.expr, m.file, m.line) for m in reader.read(str(tmp_path / "top.h"), False)]
    assert got == [
        ("FIRST", "X", str(tmp_path / "top.h"), 2),
        ("X", "1", str(second / "sub" / "x.h"), 1),
    ]
    one, two = (reader.files.get(str(d / "sub" / "x.h")) for d in (first, second))
    assert one.entries[0].macro is not two.entries[0].macro
    assert reader.files.aliases == {"\0sub/x.h": str(first / "sub" / "x.h")}


def test_a_memo_is_shared_only_by_readers_of_one_data_model() -> None:
    from abicheck.model import AbicheckError
    from abicheck.parse import Reader, model_key

    mips, mipsel, ppc = (target_setup(a) for a in ("mips", "mipsel", "powerpc"))
    first = Reader(data_model=mips.data_model, predefines=mips.predefines, abi=mips.abi)
    same = Reader(
        data_model=mipsel.data_model, predefines=mipsel.predefines, abi=mipsel.abi, memo=first.memo
    )
    assert same.memo.values is first.memo.values  # shared
    assert same.memo.walks is not first.memo.walks  # but for the walks
    assert model_key(same.model) == model_key(first.model) == first.memo.target
    with pytest.raises(AbicheckError, match="same data model"):
        Reader(
            data_model=ppc.data_model,
            predefines=ppc.predefines,
            unsigned_char=ppc.unsigned_char,
            abi=ppc.abi,
            memo=first.memo,
        )


def test_an_error_is_told_once_with_the_architectures_that_gave_it(tmp_path: Path) -> None:
    mips = tmp_path / "mips.h"
    mips.write_text("#define A 1\n#ifdef __mips__\n#error not on mips\n#endif\n")
    every = tmp_path / "every.h"
    every.write_text("#define B 1\n#error nowhere\n")
    code, out, err = run(
        "parse", "--arch", "amd64,mips,mipsel,arm64", "--format", "json", str(mips), str(every)
    )
    assert code == 2
    assert err == (
        f"{mips}:3: error: #error not on mips [mips, mipsel]\n"
        f"{every}:2: error: #error nowhere [all 4 architectures]\n"
    )
    # the output has every header of every architecture, each failed one with its error
    failed = {
        (h["arch"], Path(h["header"]).name): h.get("error", "").rpartition(" error: ")[2]
        for h in json.loads(out)
    }
    assert failed == {
        **{(a, "every.h"): "#error nowhere" for a in ("amd64", "mips", "mipsel", "arm64")},
        **{(a, "mips.h"): "#error not on mips" for a in ("mips", "mipsel")},
        **{(a, "mips.h"): "" for a in ("amd64", "arm64")},
    }
    code, _, err = run("parse", "--arch", "amd64,mips", str(every))
    assert (code, err) == (2, f"{every}:2: error: #error nowhere [amd64, mips]\n")
    # a message one architecture gives three times is of that architecture only
    warns = tmp_path / "warns.h"
    warns.write_text("#ifdef __mips__\n#if 0x7fffffffffffffff + 1\n#endif\n#endif\n")
    code, _, err = run("parse", "--arch", "amd64,arm64,mips", *[str(warns)] * 3)
    assert (code, err) == (
        0,
        f"{warns}:2: warning: integer overflow in preprocessor expression [mips]\n",
    )
