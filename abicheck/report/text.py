"""Plain text for a terminal (tabulate): comparisons, audits, verify reports, parsed
headers, struct layouts.

Every cell goes through :func:`~abicheck.report.common.visible_text` before
tabulate measures it, so the columns line up and no control character reaches
the terminal. For a terminal, comparisons and audits take a ``width`` (a family's
table wider than it is split into groups of sources, each with the name column) and
``color`` (ANSI colours for what differs; :func:`terminal_style` says when); without
them (pipes, files) the text is plain and whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .._pattern import lazy_compile
from ..model import BUILTIN_FILE, Macro, RecordLayout
from . import common
from .common import tabulate, visible_rows, visible_text

if TYPE_CHECKING:
    from ..arches import Arch
    from ..audit import AuditResult
    from ..compare import Comparison, Row
    from ..layouts import LayoutReport
    from ..verify.model import VerifyReport


#: ANSI SGR codes: what differs, what partly is, what is incompatible or compatible,
#: what is suppressed, and headings.
_SGR = {
    "differs": "33;1",
    "partial": "36",
    "incompatible": "31;1",
    "compatible": "32",
    "suppressed": "2",
    "heading": "1",
}


_SGR_CODE = lazy_compile("\x1b\\[[0-9;]*m")


def _plain(text: str) -> str:
    """``text`` without the colours :func:`_paint` gave it."""
    return _SGR_CODE.sub("", text)


def _paint(text: str, what: str, color: bool) -> str:
    """``text`` in the colour of ``what`` when ``color``, else as it is."""
    return f"\x1b[{_SGR[what]}m{text}\x1b[0m" if color and text and what in _SGR else text


def terminal_style(isatty: bool, environ: Mapping[str, str]) -> tuple[int | None, bool]:
    """The ``width`` and ``color`` for a table written to a stream: the width is
    ``$COLUMNS``, else the terminal's when the stream is one, else None (not split);
    colour when the stream is a terminal (not ``TERM=dumb``), ``NO_COLOR`` turning it
    off and, failing that, ``FORCE_COLOR`` on (both when set and not empty)."""
    width: int | None = None
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    elif isatty:
        import shutil  # (with its archive modules) not for a table to a file or pipe

        width = shutil.get_terminal_size().columns
    if environ.get("NO_COLOR"):
        color = False
    elif environ.get("FORCE_COLOR"):
        color = True
    else:
        color = isatty and environ.get("TERM") != "dumb"
    return width, color


def _column_groups(widths: Sequence[int], fixed: int, width: int) -> list[range]:
    """Consecutive runs of the columns of ``widths`` (each with its two spaces) that fit
    in ``width`` beside the ``fixed`` columns; at least one column a run."""
    groups: list[range] = []
    start, used = 0, fixed
    for i, w in enumerate(widths):
        if i > start and used + w + 2 > width:
            groups.append(range(start, i))
            start, used = i, fixed
        used += w + 2
    groups.append(range(start, len(widths)))
    return groups


def _family_tables(
    cmp: Comparison, family: str, rows: Sequence[Row], width: int | None, color: bool
) -> list[str]:
    """A family's heading and table; tables in groups of sources when wider than
    ``width``, the name and status columns in each."""
    cols = [visible_text(c) for c in common.columns(cmp)]
    cells = visible_rows(common.row_cells(cmp, r) for r in rows)
    for r, row in zip(cells, rows, strict=True):
        odd = common.deviating(row)
        for j, label in enumerate(cmp.labels):
            if label in odd:
                r[1 + j] = _paint(r[1 + j], "differs", color)
        r[-1] = _paint(r[-1], row.status, color)
    headers = ["name", *cols, "status"]
    table = tabulate(cells, headers=headers, disable_numparse=True)
    heading = _paint(visible_text(common.heading(family)), "heading", color)
    if width is None or max(len(ln) for ln in _plain(table).splitlines()) <= width:
        return [heading, table]

    def col_width(j: int) -> int:  # as tabulate sets it: the header has 2 of padding
        return max(len(headers[j]) + 2, *(len(_plain(r[j])) for r in cells))

    fixed = col_width(0) + 2 + col_width(len(headers) - 1)
    widths = [col_width(1 + j) for j in range(len(cols))]
    out = []
    for g in _column_groups(widths, fixed, width):
        part = [[r[0], *(r[1 + j] for j in g), r[-1]] for r in cells]
        part_headers = ["name", *(cols[j] for j in g), "status"]
        out.append(
            _paint(
                f"{visible_text(common.heading(family))} ({cols[g[0]]} to {cols[g[-1]]})",
                "heading",
                color,
            )
        )
        out += [tabulate(part, headers=part_headers, disable_numparse=True), ""]
    return out[:-1]


def _wrapped(lines: Sequence[str], width: int | None, indent: str) -> list[str]:
    """``lines`` wrapped at ``width`` (continuations indented by ``indent``), or as
    they are without one."""
    if width is None:
        return list(lines)
    import textwrap

    return [
        w
        for ln in lines
        for w in textwrap.wrap(ln, width, subsequent_indent=indent, break_on_hyphens=False) or [""]
    ]


def render_comparison_table(cmp: Comparison, width: int | None = None, color: bool = False) -> str:
    """One tabulate table per family, then sources, findings and a summary; for a
    terminal ``width`` columns wide and in colour with ``color``."""
    out: list[str] = []
    for family, rows in common.families(cmp).items():
        out += _family_tables(cmp, family, rows, width, color)
        out.append("")
    if not cmp.rows:
        out.append("(no names to compare)\n")
    if note := common.snapshot_note(cmp.sources):
        out += _wrapped([f"Note: {visible_text(note)}"], width, "  ")
        out.append("")
    out.append("Sources:")
    lines = [f"  {s.label} ({s.kind}): {common.describe(s)}" for s in cmp.sources]
    out += _wrapped([visible_text(ln) for ln in lines], width, "      ")
    out.append("")
    if cmp.findings:
        out.append("Findings:")
        out += _wrapped([visible_text(f"  - {f.text}") for f in cmp.findings], width, "    ")
    else:
        out.append("Findings: none, every source agrees on every name.")
    out.append("")
    out.append(_paint(visible_text(common.summary(cmp)), "heading", color))
    return "\n".join(out) + "\n"


def render_audit_table(result: AuditResult, color: bool = False) -> str:
    """The changes, the suppressions and the summary with the exit bits; severities
    in colour with ``color``."""
    out = [visible_text(f"abicheck audit: {common.pairs_line(result)}"), ""]
    if note := common.snapshot_note(result.current):
        out += [visible_text(f"Note: {note}"), ""]
    if result.changes:
        rows = visible_rows(common.change_rows(result.changes))
        for r, c in zip(rows, result.changes, strict=True):
            r[4] = _paint(r[4], "suppressed" if c.suppressed else c.severity, color)
        out.append(tabulate(rows, headers=common.CHANGE_HEADERS))
    else:
        out.append("no changes since the baseline")
    if result.suppressions:
        rows = visible_rows(common.suppression_rows(result, "{} matched"))
        out += ["", "suppressions:", tabulate(rows, headers=["status", "at", "rule", "reason"])]
    summary = visible_text(f"{result.summary()}; {common.found_text(result)}")
    out += ["", _paint(summary, "heading", color)]
    return "\n".join(out) + "\n"


def _value_text(m: Macro) -> str:
    if m.value is None:
        return ""
    return hex(m.value) if m.value >= 0 else str(m.value)


def _note(m: Macro) -> str:
    note = m.comment if m.kind != "other" else f"({m.reason})"
    if not note and m.kind == "integer" and m.expr.isidentifier():
        note = f"= {m.expr}"
    if m.kind == "function":
        note = f"function-like {m.expr}" + (f"; {m.comment}" if m.comment else "")
    return note


def render_parse_table(header: str, macros: Sequence[Macro], builtins: bool) -> str:
    """One header's macros as a tabulate table (built-in macros only if asked)."""
    shown = [m for m in macros if builtins or m.file != BUILTIN_FILE]
    rows = visible_rows((m.name, m.kind, _value_text(m), m.location, _note(m)) for m in shown)
    text = f"{visible_text(header)}\n" + tabulate(
        rows, headers=["name", "kind", "value", "defined at", "comment / reason"]
    )
    hidden = len(macros) - len(shown)
    if hidden:
        text += f"\n({hidden} compiler-predefined macros not shown; --builtins shows them)"
    return text + "\n"


def render_verify_table(report: VerifyReport) -> str:
    """The report as a text table, kernel release on top and status counts at the bottom."""
    # names and source labels come from headers and the command line
    rows = visible_rows(common.verify_rows(report))
    body = tabulate(rows, headers=list(common.VERIFY_HEADERS))
    return f"kernel {report.kernel} ({report.machine})\n{body}\n{common.verify_summary(report)}\n"


def render_arches_table(arches: Sequence[Arch], installed: dict[str, bool]) -> str:
    """The architecture registry as a table: names, ABI facts, package, installed."""
    rows = [
        [
            a.name,
            a.kernel,
            a.data_model,
            "big" if a.big_endian else "little",
            "unsigned" if a.unsigned_char else "signed",
            a.cross_package or "(kernel tree, or the snapshot)",
            "yes" if installed[a.name] else "no",
        ]
        for a in arches
    ]
    headers = ["arch", "kernel", "data model", "endian", "char", "headers package", "installed"]
    return tabulate(rows, headers=headers) + "\n"


# -- layouts -------------------------------------------------------------------------


def render_layout_table(report: LayoutReport) -> str:
    """One architecture: each type as pahole shows it (members with their offset and
    size, holes and padding, size and alignment). Several: each type side by side,
    its size and alignment per architecture and the members whose offset or size
    differ."""
    if len(report.arches) == 1:
        (a,) = report.arches
        out = [f"/* {a.arch}: {', '.join(a.headers)} */", ""]
        for t in a.types:
            out += [*_pahole(t), ""]
        if not a.types:
            out += ["/* no struct or union */", ""]
        return visible_text("\n".join(out))
    names = [a.arch for a in report.arches]
    out = []
    for row in report.comparison:
        t = report.first(row.name)
        title = f"{row.name} ({t.location})"
        if not row.differs:
            out += [f"{title}: {common.same_text(row, len(names))}", ""]
            continue
        cells = common.side_by_side_cells(row, len(names))
        out.append(title)
        out.append(tabulate(visible_rows(cells), headers=["", *names], disable_numparse=True))
        if not any(m.differs for m in row.members):
            out.append(common.same_text(row, len(names)))
        out.append("")
    return visible_text("\n".join(out))


def _pahole(t: RecordLayout) -> list[str]:
    out = [f"{t.name} {{ /* {t.location} */"]
    if t.size is None:
        return [*out, f"    /* no layout: {t.reason} */", "};"]
    decls = [common.declaration(m) for m in t.members]
    tw = max((len(d[0]) for d in decls), default=0)
    dw = max((len(d[1]) + 1 for d in decls), default=0)
    pw = max((len(common.place_text(m)) for m in t.members), default=1)
    sw = max((len(str(m.size)) for m in t.members), default=1)
    by_member = dict(zip(map(id, t.members), decls, strict=True))
    for what, m, bits in common.layout_entries(t):
        if m is not None:
            spelled, decl = by_member[id(m)]
            place = common.place_text(m)
            out.append(f"    {spelled:<{tw}} {decl + ';':<{dw}} /* {place:>{pw}} {m.size:>{sw}} */")
        elif what == "hole":
            out += ["", f"    /* XXX {common.bits_text(bits)} hole */", ""]
        elif what == "bit_padding":
            out += ["", f"    /* bit_padding: {common.bits_text(bits)} */"]
        else:
            out += ["", f"    /* padding: {bits // 8} */"]
    out.append(f"}}; /* size: {t.size}, align: {t.align} */")
    return out
