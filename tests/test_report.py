"""Audit and comparison reports: text, JSON, JUnit (junitparser) and HTML in real Chromium."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from junitparser import Failure, JUnitXml, Skipped

from abicheck.audit import AuditResult, audit, parse_suppressions
from abicheck.compare import Comparison, compare
from abicheck.model import AbicheckError, Macro, Provenance, Table
from abicheck.parse import Reader
from abicheck.report import (
    AUDIT_FORMATS,
    deviating,
    majority,
    render_audit,
    render_comparison_html,
    render_comparison_junit,
    render_comparison_report,
)
from abicheck.report.text import terminal_style
from abicheck.resources import EMBEDDED_LABEL, embedded_header
from abicheck.snapshot import dump_snapshot, load_snapshot
from abicheck.sources import load_sources

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_MMAN = Path("/usr/include/linux/mman.h")
needs_system = pytest.mark.skipif(not SYSTEM_MMAN.exists(), reason="linux-libc-dev not installed")
#: The architectures of the documentation screenshot (a readable width).
DOC_ARCHES = ("alpha", "amd64", "arm64", "hppa", "mips", "powerpc", "sparc64")

SUPPRESSIONS = """\
[[suppress]]
name = "MAP_ANON"
reason = "glibc defines MAP_ANON itself <script>alert(1)</script>"

[[suppress]]
name = "MAP_HUGE_*"
arch = "mips"
reason = "stale on purpose"
"""


def arm_table() -> Table:
    return Table(
        EMBEDDED_LABEL,
        "header",
        Reader().read(str(embedded_header())),
        Provenance(path="arm/mman.h"),
    )


def system_table() -> Table:
    reader = Reader(["/usr/include/x86_64-linux-gnu", "/usr/include"])
    return Table(
        "system", "system", reader.read(str(SYSTEM_MMAN)), Provenance(path=str(SYSTEM_MMAN))
    )


def arm_audit(tmp_path: Path) -> AuditResult:
    lock = tmp_path / "abi.lock.json"
    lock.write_text(dump_snapshot([arm_table()]), encoding="utf-8")
    supp = parse_suppressions(SUPPRESSIONS, "abicheck-suppressions.toml")
    return audit(load_snapshot(lock), [system_table()], supp)


def arch_comparison(arches: tuple[str, ...] | None = None) -> Comparison:
    specs = ["arch:all"] if arches is None else [f"arch:{a}" for a in arches]
    return compare(load_sources(specs))


# -- text and JSON -----------------------------------------------------------------


# MADV_REMOVE's row, as the table and the markdown both show it
REMOVE_ROW = ["system", "MADV", "MADV_REMOVE", "value_changed", "incompatible", "5", "9"]


@needs_system
def test_audit_text_formats(tmp_path: Path) -> None:
    result = arm_audit(tmp_path)
    table = render_audit(result, "table")
    remove = next(ln for ln in table.splitlines() if "MADV_REMOVE" in ln)
    assert remove.split() == REMOVE_ROW
    assert "stale" in table and "abicheck-suppressions.toml:5" in table
    assert table.rstrip().endswith("exit bits 12 (8 incompatible + 4 compatible)")

    md = render_audit(result, "markdown")
    assert "### Incompatible changes (1)" in md
    remove_md = next(ln for ln in md.splitlines() if "MADV_REMOVE" in ln)
    assert [c.strip() for c in remove_md.strip("|").split("|")] == REMOVE_ROW
    assert "### Suppressed changes (1)" in md and "MAP_ANON" in md
    assert "### Suppressions" in md

    data = json.loads(render_audit(result, "json"))
    assert data == json.loads(json.dumps(result.to_json()))
    assert data["found"] == 12
    for fmt in AUDIT_FORMATS:  # deterministic
        assert render_audit(result, fmt) == render_audit(arm_audit(tmp_path), fmt)


def md_headings(md: str) -> list[str]:
    return [ln for ln in md.splitlines() if ln.startswith("#")]


def test_comparison_markdown_findings_first_bold_cells_sources_folded() -> None:
    md = render_comparison_report(arch_comparison(), "markdown")
    # a job summary may be 1 MiB; this is the largest comparison there is
    assert len(md.encode()) < 100 * 1024
    heads = md_headings(md)
    assert heads[:3] == ["## abicheck compare", "### Findings", "### PROT_"]
    assert [h for h in heads if not h.startswith("### ")] == ["## abicheck compare"]
    assert md.index("### Findings") < md.index("### PROT_") < md.index("<details>")
    assert "\n\n<details>\n<summary>Sources (32)</summary>\n\n| label " in md
    assert md.endswith("\n\n</details>\n")
    assert "| arch:mips " in md[md.index("<details>") :]
    header = next(ln for ln in md.splitlines() if ln.startswith("| name "))
    cols = [c.strip() for c in header.strip("|").split("|")]
    row = next(ln for ln in md.splitlines() if ln.startswith("| PROT_SEM "))
    cells = dict(zip(cols, (c.strip() for c in row.strip("|").split("|")), strict=True))
    odd = ("mips", "mips64", "mips64el", "mipsel", "xtensa")
    assert {c for c, v in cells.items() if v == "**0x10**"} == set(odd)
    assert {c for c, v in cells.items() if v == "8"} == set(cols[1:-1]) - set(odd)
    assert cells["status"] == "differs"
    read = next(ln for ln in md.splitlines() if ln.startswith("| PROT_READ "))
    assert "**" not in read


@needs_system
def test_audit_markdown_has_the_same_layout(tmp_path: Path) -> None:
    md = render_audit(arm_audit(tmp_path), "markdown")
    heads = [h.split(" (")[0] for h in md_headings(md)]  # counts depend on /usr/include
    assert heads == [
        "## ABI audit",
        "### Incompatible changes",
        "### Compatible changes",
        "### Suppressed changes",
        "### Suppressions",
    ]
    assert md.index("### Suppressions") < md.index("<details>\n<summary>Sources (2)</summary>")
    assert md.endswith("\n\n</details>\n")


def test_terminal_style() -> None:
    tty, pipe = True, False
    assert terminal_style(pipe, {}) == (None, False)
    assert terminal_style(pipe, {"COLUMNS": "72"}) == (72, False)
    assert terminal_style(pipe, {"COLUMNS": "x", "FORCE_COLOR": "1"}) == (None, True)
    assert terminal_style(pipe, {"FORCE_COLOR": ""}) == (None, False)  # empty: unset
    assert terminal_style(tty, {"COLUMNS": "120"}) == (120, True)
    assert terminal_style(tty, {"COLUMNS": "120", "TERM": "dumb"}) == (120, False)
    assert terminal_style(tty, {"COLUMNS": "120", "NO_COLOR": "1"}) == (120, False)
    assert terminal_style(tty, {"COLUMNS": "99", "NO_COLOR": "1", "FORCE_COLOR": "1"}) == (
        99,
        False,
    )


def test_audit_table_colours_severities() -> None:
    def t(**values: int) -> Table:
        macros = tuple(
            Macro(n, "integer", v, str(v), "m.h", i + 1) for i, (n, v) in enumerate(values.items())
        )
        return Table("t", "file", macros)

    supp = parse_suppressions('[[suppress]]\nname = "MAP_Z"\nreason = "r"\n', "s.toml")
    result = audit([t(MAP_X=1, MAP_Z=4)], [t(MAP_X=2, MAP_Y=1)], supp)
    plain = render_audit(result, "table")
    assert "\x1b" not in plain and render_audit(result, "table", color=False) == plain
    text = render_audit(result, "table", color=True)
    rows = {ln.split()[2]: ln for ln in text.splitlines() if ln.startswith("t ")}
    assert "\x1b[31;1mincompatible\x1b[0m" in rows["MAP_X"]
    assert "\x1b[32mcompatible\x1b[0m" in rows["MAP_Y"]
    assert "\x1b[2msuppressed by s.toml:1\x1b[0m" in rows["MAP_Z"]
    sgr = ("\x1b[31;1m", "\x1b[32m", "\x1b[2m", "\x1b[1m", "\x1b[0m")
    stripped = text
    for code in sgr:
        stripped = stripped.replace(code, "")
    assert stripped == plain


def test_unknown_format_is_an_error() -> None:
    result = audit([Table("t", "file", ())], [Table("t", "file", ())])
    with pytest.raises(AbicheckError, match="unknown report format 'xml'"):
        render_audit(result, "xml")
    with pytest.raises(AbicheckError, match="unknown report format"):
        one = Table("t", "file", (Macro("MAP_X", "integer", 2, "2", "x.h", 1),))
        render_comparison_report(compare([one]), "pdf")


def test_majority() -> None:
    assert majority([1, 1, 2, None]) == 1
    assert majority([1, 2]) is None
    assert majority([None, None]) is None


# -- JUnit -----------------------------------------------------------------------------


def check_junit_structure(text: str) -> ET.Element:
    """The structure the JUnit schema requires, and counts that add up."""
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert suites and all(child.tag == "testsuite" for child in root)
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites:
        assert suite.get("name")
        cases = suite.findall("testcase")
        allowed = {"properties", "testcase", "system-out", "system-err"}
        assert {c.tag for c in suite} <= allowed
        counted = {
            "tests": len(cases),
            "failures": sum(c.find("failure") is not None for c in cases),
            "errors": sum(c.find("error") is not None for c in cases),
            "skipped": sum(c.find("skipped") is not None for c in cases),
        }
        for key, n in counted.items():
            assert suite.get(key) == str(n), key
            totals[key] += n
        for case in cases:
            assert case.get("name") and case.get("classname")
            assert {c.tag for c in case} <= {"failure", "error", "skipped", "system-out"}
            for f in case.findall("failure"):
                assert f.get("message") and f.get("type") and f.text
        keys = [(c.get("classname"), c.get("name")) for c in cases]
        assert len(keys) == len(set(keys)), "one test case per source and family"
    for key, n in totals.items():
        # junit-10.xsd has no skipped count on <testsuites>
        assert root.get(key) == (None if key == "skipped" else str(n)), key
    return root


@needs_system
def test_audit_junit(tmp_path: Path) -> None:
    result = arm_audit(tmp_path)
    text = render_audit(result, "junit")
    check_junit_structure(text)

    xml = JUnitXml.fromstring(text)
    (suite,) = list(xml)
    cases = {(c.classname, c.name): c for c in suite}
    column = f"{EMBEDDED_LABEL} -> system"
    madv = cases[(column, "MADV")]
    (failure,) = madv.result
    assert isinstance(failure, Failure)
    assert failure.type == "incompatible" and failure.message == "1 incompatible change(s)"
    assert "MADV_REMOVE: 5 -> 9" in (failure.text or "")
    assert "MADV_FREE (8) added" in (madv.system_out or "")
    # MAP_ANON's removal is suppressed: no failure, listed with the reason
    mapc = cases[(column, "MAP")]
    assert mapc.is_passed and "suppressed by" in (mapc.system_out or "")
    assert cases[(column, "PROT")].is_passed
    failing = sorted(
        name for (cls, name), c in cases.items() if not c.is_passed and not c.is_skipped
    )
    assert failing == ["MADV"]
    # the stale suppression is a skipped test case; the matched one passes
    supp = {c.name: c for c in suite if c.classname == "suppressions"}
    stale = supp["abicheck-suppressions.toml:5 name=MAP_HUGE_* arch=mips"]
    assert stale.is_skipped and isinstance(stale.result[0], Skipped)
    assert supp["abicheck-suppressions.toml:1 name=MAP_ANON"].is_passed
    assert suite.tests == len(cases) and suite.failures == 1 and suite.skipped == 1


def test_comparison_junit_arch_matrix() -> None:
    cmp = arch_comparison()
    text = render_comparison_junit(cmp)
    check_junit_structure(text)
    (suite,) = list(JUnitXml.fromstring(text))
    cases = {(c.classname, c.name): c for c in suite}
    # PROT_SEM is 0x10 on the mips family and xtensa, and 8 elsewhere
    for arch in ("mips", "mips64", "mips64el", "mipsel", "xtensa"):
        (failure,) = cases[(f"arch:{arch}", "PROT")].result
        assert "PROT_SEM: 0x10 here, 8 on 27 of 32" in (failure.text or "")
    assert cases[("arch:amd64", "PROT")].is_passed
    labels = {c.classname for c in suite}
    assert len(labels) == 32
    assert render_comparison_report(cmp, "junit") == text


# -- HTML --------------------------------------------------------------------------------


def test_html_is_self_contained_and_escaped() -> None:
    hostile = Macro("MAP_X", "integer", 1, "1", '<img src="http://x/">.h', 1, "</td><script>")
    base = Table("t", "file", (hostile,), Provenance(path="<script>alert(1)</script>"))
    now = Table("t", "file", (Macro("MAP_X", "integer", 2, "2", "x.h", 1),))
    html = render_audit(audit([base], [now]), "html")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "http://" not in html and "https://" not in html
    cmp_html = render_comparison_html(compare([base, Table("u", "file", now.macros)]))
    assert "<script" not in cmp_html and "http" not in cmp_html


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(
                "chromium is not installed: apt-get install -y chromium (.ci/apt-packages.txt)"
            )
        pytest.skip("chromium not installed")
    return path


def run_chromium(chromium: str, tmp: Path, page: Path, *args: str) -> str:
    profile = tmp / "chromium-profile"
    proc = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


class Dom(HTMLParser):
    """The parts of the browser's DOM the tests look at: matrix rows and cells, tags."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.rows: dict[str, list[tuple[set[str], str]]] = {}
        self.columns: list[str] = []
        self.text: list[str] = []
        self._row: str | None = None
        self._cell: tuple[set[str], list[str]] | None = None
        self._col: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if tag == "tr" and "data-name" in a:
            self._row = a["data-name"]
            self.rows[self._row] = []
        elif tag == "td" and self._row is not None:
            self._cell = (set(a.get("class", "").split()), [])
        elif tag == "th" and "col" in a.get("class", "").split():
            self._col = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._row is not None:
            self.rows[self._row].append((self._cell[0], "".join(self._cell[1]).strip()))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "th" and self._col is not None:
            self.columns.append("".join(self._col).strip())
            self._col = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell[1].append(data)
        if self._col is not None:
            self._col.append(data)


def dom_of(chromium: str, tmp: Path, html: str) -> Dom:
    page = tmp / "report.html"
    page.write_text(html, encoding="utf-8")
    dom = Dom()
    dom.feed(run_chromium(chromium, tmp, page, "--dump-dom"))
    return dom


def png_pixels(data: bytes) -> tuple[int, int, Iterator[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB/RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 4 if ctype == 6 else 3
    raw, stride = zlib.decompress(idat), width * bpp
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        f, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, ul = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + left) & 255
            elif f == 2:
                line[i] = (line[i] + up) & 255
            elif f == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif f == 4:
                p = left + up - ul
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else ul
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line

    def pixels() -> Iterator[tuple[int, int, int]]:
        for line in rows:
            for x in range(0, stride, bpp):
                yield line[x], line[x + 1], line[x + 2]

    return width, height, pixels()


def screenshot(chromium: str, tmp: Path, html: str, size: str = "1280,900") -> bytes:
    page = tmp / "shot.html"
    page.write_text(html, encoding="utf-8")
    out = tmp / "shot.png"
    run_chromium(chromium, tmp, page, f"--screenshot={out}", f"--window-size={size}")
    return out.read_bytes()


def _pipe() -> tuple[int, int]:
    """A pipe whose two ends are above 9, so that the shell's ``3<&`` and ``4>&``
    below cannot overwrite one with the other."""
    ends = []
    for fd in os.pipe():
        ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return ends[0], ends[1]


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe):
    no driver, no websocket; one page at a fixed window size."""

    def __init__(self, chromium: str, profile: Path, width: int, height: int) -> None:
        to_r, self._to = _pipe()
        self._from, from_w = _pipe()
        args = [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            # fds 3 and 4, as --remote-debugging-pipe wants (bash: dash takes no fd above 9)
            ["bash", "-c", f'exec "$@" 3<&{to_r} 4>&{from_w}', "bash", *args],
            pass_fds=(to_r, from_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_r)
        os.close(from_w)
        self._id, self._buf, self._events = 0, b"", []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call("Page.enable", session=True)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            assert left > 0, "chromium did not answer"
            ready, _, _ = select.select([self._from], [], [], left)
            if ready:
                chunk = os.read(self._from, 1 << 20)
                assert chunk, "chromium closed its pipe"
                self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                assert "error" not in reply, reply["error"]
                return reply["result"]
            self._events.append(reply)

    def open(self, url: str) -> None:
        self._events.clear()
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + 60
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            self._events.append(self._read(deadline))

    def js(self, expression: str) -> Any:
        r = self.call(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        assert "exceptionDetails" not in r, r["exceptionDetails"]
        return r["result"].get("value")

    def screenshot(self) -> bytes:
        return base64.b64decode(
            self.call("Page.captureScreenshot", session=True, format="png")["data"]
        )

    def close(self) -> None:
        with contextlib.suppress(AssertionError):  # it may close before it answers
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to)
        os.close(self._from)


@pytest.fixture
def browser(chromium: str, tmp_path: Path) -> Iterator[Browser]:
    """Chromium with a 1400 x 900 window, driven over the DevTools protocol."""
    b = Browser(chromium, tmp_path / "cdp-profile", 1400, 900)
    try:
        yield b
    finally:
        b.close()


def show(b: Browser, tmp: Path, html: str) -> None:
    page = tmp / "page.html"
    page.write_text(html, encoding="utf-8")
    b.open(page.as_uri())


def shot(b: Browser, tmp: Path, name: str) -> bytes:
    """A screenshot of the window, kept beside the test (and in $ABICHECK_SCREENSHOTS)."""
    data = b.screenshot()
    (tmp / name).write_bytes(data)
    if where := os.environ.get("ABICHECK_SCREENSHOTS"):
        (Path(where) / name).write_bytes(data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1400, 900)
    return data


NEXT_FRAMES = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def colours_at(b: Browser, x: float, y: float, size: int = 4) -> set[tuple[int, int, int]]:
    """The colours painted in the ``size`` x ``size`` square at (x, y) of the window,
    once two frames have been drawn (a scroll just made painted, not still the old
    one: under load a screenshot showed the cell's neighbour)."""
    b.js(NEXT_FRAMES)
    sx, sy = b.js("[scrollX, scrollY]")  # the clip is in page coordinates
    clip = {"x": x + sx, "y": y + sy, "width": size, "height": size, "scale": 1}
    r = b.call("Page.captureScreenshot", session=True, format="png", clip=clip)
    return set(png_pixels(base64.b64decode(r["data"]))[2])


SECTIONS = (
    "[...document.querySelectorAll('body > header, body > section')].map(e => e.id || 'header')"
)
RECT = (
    "(s => {{ const r = document.querySelector(s).getBoundingClientRect(); "
    "return {{x: r.x, y: r.y, w: r.width, h: r.height}}; }})({!r})"
)


def rect(b: Browser, selector: str) -> dict[str, float]:
    return dict(b.js(RECT.format(selector)))


# in the scrolled matrix, what is under the name column and the header row
UNDER_STICKY = """(() => {
  const box = document.querySelector('#matrix .scroll'), r = box.getBoundingClientRect();
  const corner = document.querySelector('#matrix thead th.name').getBoundingClientRect();
  const at = (x, y) => document.elementFromPoint(x, y);
  const heads = [], names = [], misaligned = [];
  for (let x = corner.right + 4; x < r.right - 4; x += 20) {
    const th = at(x, corner.top + corner.height / 2).closest('th');
    if (th && !heads.includes(th.textContent)) heads.push(th.textContent);
  }
  for (let y = corner.bottom + 4; y < r.bottom - 4; y += 12) {
    const name = at(r.left + 10, y).closest('tr'), far = at(r.right - 30, y).closest('tr');
    const n = name && name.dataset.name;
    if (n && !names.includes(n)) names.push(n);
    if (name !== far) misaligned.push(y);
  }
  return {corner: at(r.left + 10, corner.top + corner.height / 2).textContent,
          heads, names, misaligned, scrolled: [box.scrollLeft, box.scrollTop]};
})()"""


def test_arch_all_html_in_1400_pixels_scrolls_with_names_and_header_in_view(
    browser: Browser, tmp_path: Path
) -> None:
    cmp = arch_comparison()
    show(browser, tmp_path, render_comparison_html(cmp))
    # the summary and the findings first, the matrix after, the provenance collapsed
    assert browser.js(SECTIONS) == ["header", "findings", "matrix", "provenance"]
    assert browser.js("document.querySelector('#provenance details').open") is False
    assert rect(browser, "#provenance")["h"] < 60
    assert browser.js("document.querySelector('#verdict').textContent") == (
        "32 of 96 names differ between the sources"
    )
    # the page never scrolls sideways: the matrix of 32 architectures scrolls in its box
    page = "(d => [d.scrollWidth, d.clientWidth])(document.documentElement)"
    assert browser.js(page) == [1385, 1385]  # 1400 less the page's vertical scroll bar
    box = rect(browser, "#matrix .scroll")
    assert box["x"] + box["w"] <= 1400 and box["h"] <= 900
    assert browser.js(
        "(s => s.scrollWidth > s.clientWidth)(document.querySelector('#matrix .scroll'))"
    )
    shot(browser, tmp_path, "arch-all-top.png")

    browser.js("document.querySelector('#matrix .scroll').scrollIntoView()")
    before = browser.js(UNDER_STICKY)
    assert before["heads"][:3] == ["alpha", "amd64", "arc"]
    assert before["names"][:2] == ["PROT_ADI", "PROT_BTI"]
    browser.js(
        "(s => { s.scrollLeft = s.scrollWidth; s.scrollTop = 600; })"
        "(document.querySelector('#matrix .scroll'))"
    )
    after = browser.js(UNDER_STICKY)
    shot(browser, tmp_path, "arch-all-scrolled.png")
    assert after["scrolled"][0] > 1000 and after["scrolled"][1] == 600
    # the architecture header stays on top, now showing the last architectures
    assert after["corner"] == "name"
    assert after["heads"][-1] == "xtensa" and "alpha" not in after["heads"]
    # the name column stays at the left, showing the rows scrolled to, level with them
    assert after["names"] and "PROT_ADI" not in after["names"]
    assert set(after["names"]) <= {r.name for r in cmp.rows}
    assert after["misaligned"] == []
    # painted as such: the header's grey under the corner, not a value cell's white
    corner = rect(browser, "#matrix thead th.name")
    assert colours_at(browser, corner["x"] + 2, corner["y"] + 2) == {(0xF6, 0xF8, 0xFA)}


DIFFERS_BG = (0xFF, 0xF1, 0xC2)


def test_the_differ_card_has_the_colour_of_differing_cells(
    browser: Browser, tmp_path: Path
) -> None:
    show(browser, tmp_path, render_comparison_html(arch_comparison(DOC_ARCHES)))
    style = "(s => getComputedStyle(document.querySelector(s)).backgroundColor)({!r})"
    card = browser.js(style.format("#summary li.differs"))
    assert card == browser.js(style.format("#matrix td.val.differs")) == "rgb(255, 241, 194)"
    shot(browser, tmp_path, "doc-arches.png")
    box = rect(browser, "#summary li.differs")
    assert colours_at(browser, box["x"] + 3, box["y"] + 3) == {DIFFERS_BG}
    browser.js("document.querySelector('#matrix td.val.differs').scrollIntoView({block: 'center'})")
    cell = rect(browser, "#matrix td.val.differs")
    assert colours_at(browser, cell["x"] + 2, cell["y"] + 1, 2) == {DIFFERS_BG}


def test_a_clean_audit_shows_a_pass_verdict(browser: Browser, tmp_path: Path) -> None:
    table = arm_table()
    show(browser, tmp_path, render_audit(audit([table], [table]), "html"))
    assert browser.js(SECTIONS) == ["header", "findings", "matrix", "provenance"]
    assert browser.js("document.querySelector('#verdict').className") == "verdict pass"
    assert browser.js("document.querySelector('#verdict').textContent") == (
        "Pass: no change since the baseline"
    )
    shot(browser, tmp_path, "clean-audit.png")
    box = rect(browser, "#verdict")
    assert box["y"] < 200  # at the top of the page
    assert colours_at(browser, box["x"] + 3, box["y"] + 3) == {(0xD2, 0xF4, 0xD3)}

    def t(v: int) -> Table:
        return Table("t", "file", (Macro("MAP_X", "integer", v, str(v), "m.h", 1),))

    show(browser, tmp_path, render_audit(audit([t(1)], [t(2)]), "html"))
    assert browser.js("document.querySelector('#verdict').className") == "verdict fail"
    assert browser.js("document.querySelector('#verdict').textContent") == (
        "Fail: 1 incompatible change(s) since the baseline"
    )
    box = rect(browser, "#verdict")
    assert colours_at(browser, box["x"] + 3, box["y"] + 3) == {(0xFF, 0xD7, 0xD5)}


@needs_system
def test_audit_html_in_chromium(chromium: str, tmp_path: Path) -> None:
    dom = dom_of(chromium, tmp_path, render_audit(arm_audit(tmp_path), "html"))
    assert "script" not in dom.tags and "img" not in dom.tags
    assert dom.columns == [f"{EMBEDDED_LABEL} -> system"]
    (remove,) = dom.rows["MADV_REMOVE"]
    assert {"differs", "incompatible"} <= remove[0] and remove[1] == "5 → 9"
    (free,) = dom.rows["MADV_FREE"]
    assert {"differs", "compatible"} <= free[0] and free[1] == "+ 8"
    (anon,) = dom.rows["MAP_ANON"]
    assert {"differs", "suppressed"} <= anon[0] and anon[1] == "− 0x20"
    (same,) = dom.rows["PROT_READ"]
    assert "differs" not in same[0] and same[1] == "1"
    differing = sorted(name for name, cells in dom.rows.items() if "differs" in cells[0][0])
    assert len(differing) == len(arm_audit(tmp_path).changes)
    text = " ".join(dom.text)
    # the hostile reason is text on the page, not markup
    assert "<script>alert(1)</script>" in text
    assert "stale" in text and "abicheck-suppressions.toml:5" in text
    assert "arm/mman.h" in text and str(SYSTEM_MMAN) in text  # provenance

    width, height, pixels = png_pixels(
        screenshot(chromium, tmp_path, render_audit(arm_audit(tmp_path), "html"))
    )
    assert (width, height) == (1280, 900)
    colours = set(pixels)
    assert (0xFF, 0xD7, 0xD5) in colours  # the incompatible colour is painted
    assert (0xD2, 0xF4, 0xD3) in colours  # and the compatible one


def test_comparison_html_in_chromium(chromium: str, tmp_path: Path) -> None:
    cmp = arch_comparison()
    dom = dom_of(chromium, tmp_path, render_comparison_html(cmp))
    assert len(dom.columns) == 32 and dom.columns[0] == "alpha"
    sem = dom.rows["PROT_SEM"]
    off = {dom.columns[i]: text for i, (cls, text) in enumerate(sem) if "differs" in cls}
    assert off == dict.fromkeys(("mips", "mips64", "mips64el", "mipsel", "xtensa"), "0x10")
    assert all(text == "8" for cls, text in sem if "differs" not in cls)
    # a name every architecture agrees on has no coloured cell
    assert not any("differs" in cls for cls, _ in dom.rows["PROT_READ"])
    # names some architectures lack: empty 'absent' cells
    assert {cls_text[1] for cls_text in dom.rows["MAP_32BIT"] if "absent" in cls_text[0]} == {""}
    # every row the comparison says differs has coloured cells, and only those
    for row in cmp.rows:
        cells = dom.rows[row.name]
        coloured = {cmp.labels[i] for i, (cls, _) in enumerate(cells) if "differs" in cls}
        assert coloured == deviating(row), row.name
    assert render_comparison_report(cmp, "html") == render_comparison_html(cmp)


def test_comparison_screenshot(chromium: str, tmp_path: Path) -> None:
    html = render_comparison_html(arch_comparison(DOC_ARCHES))
    data = screenshot(chromium, tmp_path, html)
    width, height, pixels = png_pixels(data)
    assert (width, height) == (1280, 900)
    assert (0xFF, 0xF1, 0xC2) in set(pixels)  # the 'differs' colour is painted
    if os.environ.get("ABICHECK_UPDATE_DOCS"):
        (ROOT / "docs" / "report.png").write_bytes(data)
    assert (ROOT / "docs" / "report.png").stat().st_size > 10_000


JUNIT_XSD = Path(__file__).parent / "fixtures" / "junit" / "junit-10.xsd"


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    """Jenkins' junit-10.xsd (fixtures/junit/SOURCE.md), the schema CI reporters use."""
    return xmlschema.XMLSchema(str(JUNIT_XSD))


def schema_errors(schema: xmlschema.XMLSchema, text: str) -> list[str]:
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(text)]


def test_the_schema_rejects_what_it_should_and_accepts_pytest(
    junit_schema: xmlschema.XMLSchema, tmp_path: Path
) -> None:
    """The schema is the strict one: ``skipped`` on <testsuites> (what abicheck once
    wrote) is refused, and pytest's own --junitxml output passes it."""
    bad = '<testsuites tests="1" skipped="0"><testsuite name="s" tests="1" failures="0" '
    bad += 'errors="0"><testcase name="c" classname="k"/></testsuite></testsuites>'
    assert any("skipped" in e for e in schema_errors(junit_schema, bad))
    (tmp_path / "test_x.py").write_text(
        "import pytest\ndef test_ok(): pass\ndef test_bad(): assert 0\n"
        "@pytest.mark.skip(reason='r')\ndef test_skip(): pass\n"
    )
    xml = tmp_path / "pytest.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=120,
    )
    text = xml.read_text(encoding="utf-8")
    assert 'failures="1"' in text and 'skipped="1"' in text
    assert schema_errors(junit_schema, text) == []


@needs_system
def test_junit_reports_are_valid_against_junit_10_xsd(
    junit_schema: xmlschema.XMLSchema, tmp_path: Path
) -> None:
    cmp = arch_comparison()
    texts = {
        "audit": render_audit(arm_audit(tmp_path), "junit"),
        "audit with control characters": render_audit(hostile_audit(), "junit"),
        **{
            f"compare --fail-on {f}": render_comparison_report(cmp, "junit", f)
            for f in ("differs", "partial", "never")
        },
    }
    for what, text in texts.items():
        assert schema_errors(junit_schema, text) == [], what


def junit_failures(text: str) -> list[tuple[str, str]]:
    root = ET.fromstring(text)
    return sorted(
        (c.get("classname", ""), c.get("name", ""))
        for c in root.iter("testcase")
        if c.find("failure") is not None
    )


def test_comparison_junit_fails_only_for_what_fail_on_counts() -> None:
    cmp = arch_comparison()
    never = render_comparison_report(cmp, "junit", "never")
    assert junit_failures(never) == []
    assert '<testsuites name="abicheck compare" tests="288" failures="0" errors="0">' in never
    (suite,) = list(JUnitXml.fromstring(never))
    cases = {(c.classname, c.name): c for c in suite}
    # the variation is still told, as the case's output
    assert "PROT_SEM: 0x10 here, 8 on 27 of 32" in (cases[("arch:mips", "PROT")].system_out or "")
    assert cmp.exit_code("never") == 0

    differs = render_comparison_report(cmp, "junit", "differs")
    assert differs == render_comparison_report(cmp, "junit")  # the default, as before
    assert ("arch:mips", "PROT") in junit_failures(differs)
    assert len(junit_failures(differs)) == 32 and cmp.exit_code("differs") == 1

    partial = render_comparison_report(cmp, "junit", "partial")
    (psuite,) = list(JUnitXml.fromstring(partial))
    pcases = {(c.classname, c.name): c for c in psuite}
    # amd64 has MAP_32BIT, alpha does not: alpha's MAP case fails for it under partial only
    (fail,) = pcases[("arch:alpha", "MAP")].result
    assert isinstance(fail, Failure) and fail.type == "partial"
    assert "MAP_32BIT: not defined here" in (fail.text or "")
    assert "MAP_32BIT: not defined here" in (cases[("arch:alpha", "MAP")].system_out or "")
    assert set(junit_failures(differs)) < set(junit_failures(partial))
    with pytest.raises(AbicheckError, match="unknown --fail-on 'odd'"):
        render_comparison_junit(cmp, "odd")


def test_audit_junit_per_architecture() -> None:
    def t(label: str, **values: int) -> Table:
        macros = tuple(
            Macro(n, "integer", v, str(v), "m.h", i + 1) for i, (n, v) in enumerate(values.items())
        )
        return Table(label, "arch", macros)

    base = [
        t("arch:alpha", MADV_A=1, MAP_B=2),
        t("arch:hppa", MADV_A=1, MAP_B=2),
        t("arch:mips", MADV_A=1),
    ]
    now = [t("arch:alpha", MADV_A=1, MAP_B=2, MAP_C=4), t("arch:hppa", MADV_A=70, MAP_B=2)]
    text = render_audit(audit(base, now), "junit")
    check_junit_structure(text)
    (suite,) = list(JUnitXml.fromstring(text))
    cases = {(c.classname, c.name): c for c in suite}
    assert sorted(cases) == [
        ("arch:alpha", "MADV"),
        ("arch:alpha", "MAP"),
        ("arch:hppa", "MADV"),
        ("arch:hppa", "MAP"),
        ("arch:mips", "(source)"),
        ("arch:mips", "MADV"),
    ]
    assert cases[("arch:alpha", "MAP")].is_passed
    assert "MAP_C (4) added" in (cases[("arch:alpha", "MAP")].system_out or "")
    (fail,) = cases[("arch:hppa", "MADV")].result
    assert "MADV_A: 1 -> 70" in (fail.text or "")
    (gone,) = cases[("arch:mips", "(source)")].result
    assert "arch:mips is in the baseline but was not audited" in (gone.text or "")
    assert suite.failures == 2


# -- labels and comments with control characters ----------------------------------------


def hostile_tables() -> tuple[Table, Table]:
    vt = Table(
        "m\x0b.h",
        "file",
        (
            Macro("MAP_X", "integer", 1, "1", "m.h", 1),
            Macro("MAP_Y", "integer", 2, "2", "m.h", 2),
        ),
        Provenance(path="m\x0b.h"),
    )
    esc = Table(
        "sys\x1b[31mred",
        "file",
        (Macro("MAP_X", "integer", 2, "2", "s.h", 1),),
        Provenance(path="s\x9b.h"),
    )
    return vt, esc


def hostile_audit() -> AuditResult:
    vt, _ = hostile_tables()
    supp = parse_suppressions(
        '[[suppress]]\nname = "MAP_Y"\nreason = "evil \\u001b[2J \\u202e here"\n', "s.toml"
    )
    today = Table(vt.label, "file", (Macro("MAP_X", "integer", 3, "3", "m.h", 1),))
    return audit([vt], [today], supp)


def test_junit_with_control_characters_is_valid_xml() -> None:
    cmp_xml = render_comparison_junit(compare(list(hostile_tables())))
    audit_xml = render_audit(hostile_audit(), "junit")
    for text in (cmp_xml, audit_xml):
        root = ET.fromstring(text)  # invalid XML 1.0 raises here
        classnames = {c.get("classname") for c in root.iter("testcase")}
        assert "m?.h" in classnames
        junit = JUnitXml.fromstring(text)
        assert junit.tests == len(list(root.iter("testcase")))
    assert 'classname="sys?[31mred"' in cmp_xml


def test_text_reports_show_control_characters_as_escapes() -> None:
    cmp = compare(list(hostile_tables()))
    outputs = {
        "compare table": render_comparison_report(cmp, "table"),
        "compare markdown": render_comparison_report(cmp, "markdown"),
        "audit table": render_audit(hostile_audit(), "table"),
        "audit markdown": render_audit(hostile_audit(), "markdown"),
    }
    for what, text in outputs.items():
        bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
        assert bad == [], what
        assert "\u202e" not in text, what
        assert "m\\x0b.h" in text.replace("\\\\", "\\"), what
    assert "sys\\x1b[31mred" in outputs["compare table"]
    assert "s\\x9b.h" in outputs["compare table"]
    assert "evil \\x1b[2J \\u202e here" in outputs["audit table"]
    # markdown doubles the backslash so that it renders as one
    assert "evil \\\\x1b[2J \\\\u202e here" in outputs["audit markdown"]
    # the columns still line up (escaped before tabulate measured them)
    header, _, first = outputs["compare table"].splitlines()[1:4]
    assert header.index("status") == first.index("differs")


def test_html_shows_control_characters_as_escapes() -> None:
    """Labels reach <title>, the column heads and the subtitle with their control
    characters shown as escapes, as the text formats show them."""
    cmp = compare(list(hostile_tables()))
    pages = {
        "compare html": render_comparison_report(cmp, "html"),
        "audit html": render_audit(hostile_audit(), "html"),
    }
    for what, html in pages.items():
        bad = [c for c in html if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
        assert bad == [], what
        assert "\u202e" not in html, what
    html = pages["compare html"]
    title = html[html.index("<title>") : html.index("</title>")]
    assert "m\\x0b.h, sys\\x1b[31mred" in title
    assert '<p class="subtitle">m\\x0b.h, sys\\x1b[31mred</p>' in html
    assert '<th scope="col" class="col">sys\\x1b[31mred</th>' in html
    assert "s\\x9b.h" in html  # provenance
    assert "evil \\x1b[2J \\u202e here" in pages["audit html"]


def test_summary_says_source_for_one() -> None:
    one = Table("only", "file", (Macro("MAP_X", "integer", 1, "1", "m.h", 1),))
    text = render_comparison_report(compare([one]), "table")
    assert text.endswith("1 name in 1 source: 1 same, 0 differ, 0 partial\n")
    two = compare(list(hostile_tables()))
    assert render_comparison_report(two, "table").endswith(
        "2 names in 2 sources: 0 same, 1 differ, 1 partial\n"
    )


def test_tables_from_the_shipped_snapshot_are_said_so_in_every_format() -> None:
    from abicheck.sources import SourceOptions

    tables = load_sources(["arch:mips", "arch:alpha"], SourceOptions(arch_from="snapshot"))
    cmp = compare(tables)
    note = (
        "2 table(s) from abicheck's shipped snapshot, not installed headers: arch:mips, "
        "arch:alpha (installed headers win where Debian has them: apt-get install "
        "$(abicheck arches --apt-packages); for the others, --kernel-tree DIR)"
    )
    assert f"\nNote: {note}\n" in render_comparison_report(cmp, "table")
    assert "> **Note:** 2 table(s) from abicheck" in render_comparison_report(cmp, "markdown")
    data = json.loads(render_comparison_report(cmp, "json"))
    assert data["from_snapshot"] == ["arch:mips", "arch:alpha"]
    root = ET.fromstring(render_comparison_report(cmp, "junit"))
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["abicheck.from_snapshot"] == "arch:mips arch:alpha"
    assert 'class="banner" role="note"' in render_comparison_report(cmp, "html")
    result = audit(tables, tables)
    assert json.loads(render_audit(result, "json"))["from_snapshot"] == ["arch:alpha", "arch:mips"]
    assert f"\nNote: {note.replace('arch:mips, arch:alpha', 'arch:alpha, arch:mips')}\n" in (
        render_audit(result, "table")
    )
    # installed headers: no note anywhere
    plain = compare(load_sources(["arch:mips"], SourceOptions(arch_from="installed")))
    assert "Note:" not in render_comparison_report(plain, "table")
    assert json.loads(render_comparison_report(plain, "json"))["from_snapshot"] == []


# attributes junit-10.xsd allows on each element (the schema CI test reporters use)
_JUNIT_ATTRS = {
    "testsuites": {"name", "time", "tests", "failures", "disabled", "errors"},
    "testsuite": {"name", "tests", "failures", "errors", "time", "disabled", "skipped"}
    | {"timestamp", "hostname", "id", "package", "file", "log", "url", "version"},
    "testcase": {"name", "assertions", "time", "classname", "status"}
    | {"file", "line", "log", "group", "url"},
}


def test_junit_attributes_are_those_junit_10_xsd_allows(tmp_path: Path) -> None:
    texts = [
        render_comparison_report(arch_comparison(), "junit"),
        render_audit(arm_audit(tmp_path), "junit"),
    ]
    for text in texts:
        root = ET.fromstring(text)
        for el in root.iter():
            if el.tag in _JUNIT_ATTRS:
                assert set(el.attrib) <= _JUNIT_ATTRS[el.tag], (el.tag, el.attrib)
        assert "skipped" not in root.attrib


def test_a_suppressed_change_names_the_rule_that_matched_it(tmp_path: Path) -> None:
    result = arm_audit(tmp_path)
    suppressed = [c for c in result.changes if c.suppressed_by is not None]
    assert suppressed
    text = render_audit(result, "table")
    for c in suppressed:
        row = next(ln for ln in text.splitlines() if f" {c.name} " in ln and c.kind in ln)
        assert f"suppressed by {c.suppressed_by.location}" in row  # type: ignore[union-attr]


# cells text_table must lay out as tabulate does, or leave to it: text, numbers of
# every form tabulate reads (signs, exponents, inf, thousands separators), hex
# (text to tabulate), booleans, empty cells, blanks at the ends, wide and control
# characters
TABLE_CELLS = [
    "MAP_SHARED", "0x10", "-1", "1", "1.5", "1e5", "inf", "nan", "1,000", "1_0", "True",
    "", " a", "a ", "a  b", "café", "a\tb", "a\nb", "(x)", "1e999", ".", "+",
]  # fmt: skip


def test_text_table_is_what_tabulate_lays_out() -> None:
    from tabulate import tabulate as real

    from abicheck.report.common import tabulate, text_table

    headers = ["name", "value", "comment / reason"]
    seen_fast = seen_slow = 0
    for a in TABLE_CELLS:
        for b in TABLE_CELLS:
            for rows in ([[a, b, "x"]], [[a, b, ""], ["MAP_X", "", b], [b, a, a]]):
                want = real(rows, headers=headers)
                assert tabulate(rows, headers=headers) == want, rows
                fast = text_table(rows, headers)
                assert fast in (None, want), rows
                seen_fast += fast is not None
                seen_slow += fast is None
    assert seen_fast > 100 and seen_slow > 100  # both ways taken, many times
    assert text_table([], headers) is None
    assert text_table([["MAP_X", "1", "-1"]], headers) is None  # right-aligned by tabulate


@needs_system
def test_parse_tables_of_the_host_uapi_are_tabulate_s() -> None:
    from abicheck.parse import read_headers
    from abicheck.report import common
    from abicheck.report.text import render_parse_table

    reader = Reader(["/usr/include/x86_64-linux-gnu", "/usr/include"])
    headers = [str(h) for h in sorted(Path("/usr/include/linux").glob("*.h"))[:120]]
    results = [r for r in read_headers(headers, reader) if r.error is None]
    assert len(results) > 100
    text_table = common.text_table
    laid_out = []

    def counted(rows: Any, headers: list[str]) -> str | None:
        text = text_table(rows, headers)
        laid_out.append(text is not None)
        return text

    for res in results:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(common, "text_table", counted)
            fast = render_parse_table(res.header, res.macros, True)
            mp.setattr(common, "text_table", lambda rows, headers: None)  # tabulate itself
            slow = render_parse_table(res.header, res.macros, True)
        assert fast == slow, res.header
    assert sum(laid_out) > 100  # nearly every table without tabulate


def test_every_audit_and_comparison_format_has_a_renderer() -> None:
    from abicheck.report import AUDIT_FORMATS, renderers

    audit_renderers, comparison_renderers = renderers()
    assert tuple(audit_renderers) == AUDIT_FORMATS == tuple(comparison_renderers)


def test_parse_json_is_written_header_by_header() -> None:
    # each header's object is out before the next result is asked for (a whole tree's
    # results are not held), and a macro's line is the same in each header showing it
    import io

    from abicheck.parse import HeaderResult
    from abicheck.report import json as report_json

    a = Macro("A", "integer", 1, "1", "/x/a.h", 1, "one")
    b = Macro("B", "other", None, "", "/x/a.h", 2, reason="empty")
    results = [
        HeaderResult("a.h", (a, b)),
        HeaderResult("b.h", (a,), path="/x/b.h"),
        HeaderResult("c.h", error=AbicheckError("bad", "/x/c.h", 3)),
    ]
    out = io.StringIO()
    written = []

    def given() -> Iterator[HeaderResult]:
        for res in results:
            written.append(out.getvalue())
            yield res

    report_json.write_parse_json(given(), out)
    line_a = (
        '{"name": "A", "kind": "integer", "value": 1, "expr": "1", "file": "/x/a.h", '
        '"line": 1, "comment": "one", "reason": ""}'
    )
    line_b = (
        '{"name": "B", "kind": "other", "value": null, "expr": "", "file": "/x/a.h", '
        '"line": 2, "comment": "", "reason": "empty"}'
    )
    first = f'[\n  {{"header": "a.h", "defines": [\n    {line_a},\n    {line_b}\n  ]}}'
    second = f'  {{"header": "b.h", "path": "/x/b.h", "defines": [\n    {line_a}\n  ]}}'
    third = '  {"header": "c.h", "error": "/x/c.h:3: error: bad", "defines": []}'
    assert out.getvalue() == f"{first},\n{second},\n{third}\n]\n"
    assert written == ["[\n", first, f"{first},\n{second}"]
    empty = io.StringIO()
    report_json.write_parse_json(iter(()), empty)
    assert empty.getvalue() == "[\n]\n"


def test_visible_text_printable_text_is_itself() -> None:
    # printable text is returned as it is without the pattern (none of the control
    # characters it escapes is printable): the same as the pattern gives, everywhere
    from abicheck.report import common

    pattern = re.compile(common._CONTROL.pattern)

    def by_pattern(text: str) -> str:
        def esc(m: re.Match[str]) -> str:
            c = ord(m.group())
            return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

        return pattern.sub(esc, text)

    chars = [chr(c) for c in [*range(0x3000), 0xFEFF, 0xFFFD, 0x1F600, 0xE0001]]
    assert [common.visible_text(c) for c in chars] == [by_pattern(c) for c in chars]
    mixed = "MAP_\u202eX\x1b[0m\tnl\n\u00e9\u2066"
    assert (
        common.visible_text(mixed)
        == by_pattern(mixed)
        == ("MAP_\\u202eX\\x1b[0m\\x09nl\n\u00e9\\u2066")
    )
    assert common.visible_text("0x01 /* shared */") == "0x01 /* shared */"
