"""GitHub-flavoured markdown, for job summaries and pull-request comments.

The compare and audit reports share one layout: a ``##`` title, the summary and what was found
(findings, or changes), ``###`` sections, and the sources last, folded in a
``<details>`` element. A comparison of every architecture stays far below GitHub's
1 MiB limit for a step summary (about 60 kB).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from ..audit import AuditResult, Change
from ..compare import Comparison
from ..model import RecordLayout
from . import common
from .common import tabulate, visible_text

if TYPE_CHECKING:
    from ..layouts import LayoutReport
    from ..verify.model import VerifyReport


def md_text(text: str) -> str:
    """``text`` for a table cell or a list item: control characters as escapes
    (:func:`~abicheck.report.common.visible_text`), ``\\`` doubled so that it
    renders as one, ``|`` escaped and newlines as spaces so that a cell stays one."""
    return visible_text(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def md_code(text: str) -> str:
    """``text`` as a code span: control characters as escapes, newlines as spaces;
    nothing else, as a backslash in a code span is itself."""
    return "`" + visible_text(text).replace("\n", " ") + "`"


def md_table(
    rows: list[list[str]],
    headers: list[str],
    numparse: bool = True,
    strong: Collection[tuple[int, int]] = (),
) -> str:
    """A GitHub table of :func:`md_text` cells (numbers right-aligned if ``numparse``);
    the cells at the (row, column) positions in ``strong`` in bold."""
    return tabulate(
        [
            [f"**{md_text(c)}**" if (i, j) in strong and c else md_text(c) for j, c in enumerate(r)]
            for i, r in enumerate(rows)
        ],
        headers=[md_text(h) for h in headers],
        tablefmt="github",
        disable_numparse=not numparse,
    )


def _sources_details(title: str, table: str) -> list[str]:
    """A table folded in ``<details>``: blank lines around it, so that GitHub renders it."""
    return ["<details>", f"<summary>{title}</summary>", "", table, "", "</details>"]


def render_comparison_markdown(cmp: Comparison) -> str:
    """The summary and the findings, a table per family (values off the row's majority
    in bold), then the sources, folded."""
    headers = ["name", *common.columns(cmp), "status"]
    out = ["## abicheck compare", "", common.summary(cmp), ""]
    if note := common.snapshot_note(cmp.sources):
        out += [f"> **Note:** {md_text(note)}", ""]
    out += ["### Findings", ""]
    out += [f"- {md_text(f.text)}" for f in cmp.findings] or ["- none"]
    out.append("")
    for family, rows in common.families(cmp).items():
        cells = [common.row_cells(cmp, r) for r in rows]
        column = {lb: 1 + j for j, lb in enumerate(cmp.labels)}
        strong = {(i, column[lb]) for i, r in enumerate(rows) for lb in common.deviating(r)}
        out += [f"### {common.heading(family)}", "", md_table(cells, headers, False, strong), ""]
    prov = [[s.label, s.kind, common.describe(s)] for s in cmp.sources]
    out += _sources_details(
        f"Sources ({len(cmp.sources)})", md_table(prov, ["label", "kind", "origin"])
    )
    return visible_text("\n".join(out) + "\n")


def _changes_section(title: str, changes: list[Change]) -> list[str]:
    rows = common.change_rows(changes)
    headers = list(common.CHANGE_HEADERS)
    if title == "Suppressed changes":
        headers.append("suppressed by")
        for r, c in zip(rows, changes, strict=True):
            r.append(common.suppression_text(c.suppressed_by))
    return ["", f"### {title} ({len(changes)})", "", md_table(rows, headers)]


def render_audit_markdown(result: AuditResult) -> str:
    """The summary, a table per kind of change, the suppressions and the sources."""
    out = ["## ABI audit", "", f"Compared: {md_text(common.pairs_line(result))}", ""]
    out.append(f"**{md_text(result.summary())}**; {common.found_text(result)}.")
    if note := common.snapshot_note(result.current):
        out += ["", f"> **Note:** {md_text(note)}"]
    sections = [
        ("Incompatible changes", [c for c in result.active if c.severity == "incompatible"]),
        ("Compatible changes", [c for c in result.active if c.severity == "compatible"]),
        ("Suppressed changes", list(result.suppressed)),
    ]
    for title, changes in sections:
        if changes:
            out += _changes_section(title, changes)
    if result.suppressions:
        rows = common.suppression_rows(result, "matched {}")
        out += ["", "### Suppressions", "", md_table(rows, ["status", "at", "rule", "reason"])]
    prov = [
        [side, s.label, s.kind, ", ".join(f"{k}={s.origin[k]}" for k in sorted(s.origin))]
        for side, infos in (("baseline", result.baseline), ("current", result.current))
        for s in infos
    ]
    if prov:
        table = md_table(prov, ["side", "label", "kind", "origin"])
        out += ["", *_sources_details(f"Sources ({len(prov)})", table)]
    return visible_text("\n".join(out) + "\n")


def render_verify_markdown(report: VerifyReport) -> str:
    """The kernel it ran on with the status counts, then a row per result."""
    rows = common.verify_rows(report)
    out = [
        "# abicheck verify",
        "",
        f"kernel {md_code(report.kernel)} ({md_text(report.machine)}): "
        f"{common.verify_summary(report)}",
        "",
        md_table(rows, list(common.VERIFY_HEADERS), numparse=False) if rows else "no results",
    ]
    return visible_text("\n".join(out) + "\n")


def render_layout_markdown(report: LayoutReport) -> str:
    """One architecture: a table per type (offset, size, type, member, holes and
    padding as rows). Several: a table per type of its size and alignment per
    architecture and the members whose offset or size differ."""
    names = [a.arch for a in report.arches]
    out = ["# abicheck layout", ""]
    if len(names) == 1:
        (a,) = report.arches
        out += [f"{md_code(a.arch)}: {', '.join(md_code(h) for h in a.headers)}", ""]
        for t in a.types:
            out += [f"## {md_code(t.name)}", ""]
            if t.size is None:
                out += [f"{md_code(t.location)}: no layout: {md_text(t.reason)}", ""]
                continue
            out += [f"{md_code(t.location)}: size {t.size}, align {t.align}", ""]
            out += [md_table(_layout_rows(t), ["offset", "size", "type", "member"], False), ""]
        return visible_text("\n".join(out))
    for row in report.comparison:
        t = report.first(row.name)
        out += [f"## {md_code(row.name)}", "", md_code(t.location), ""]
        if not row.differs:
            out += [common.same_text(row, len(names)), ""]
            continue
        cells = common.side_by_side_cells(row, len(names))
        out += [md_table(cells, ["", *names], numparse=False), ""]
        if not any(m.differs for m in row.members):
            out += [common.same_text(row, len(names)), ""]
    return visible_text("\n".join(out))


def _layout_rows(t: RecordLayout) -> list[list[str]]:
    rows = []
    for what, m, bits in common.layout_entries(t):
        if m is not None:
            spelled, decl = common.declaration(m)
            rows.append([common.place_text(m), str(m.size), spelled, decl])
        else:
            label = {"hole": "hole", "bit_padding": "bit padding", "padding": "padding"}[what]
            rows.append(["", common.bits_text(bits), "", f"*({label})*"])
    return rows
