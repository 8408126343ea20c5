"""GitHub-flavoured markdown, for job summaries and pull-request comments."""

from __future__ import annotations

from ..audit import AuditResult, Change
from ..compare import Comparison
from . import common
from .common import tabulate, visible_text


def md_text(text: str) -> str:
    """``text`` for a table cell or a list item: control characters as escapes
    (:func:`~abicheck.report.common.visible_text`), ``\\`` doubled so that it
    renders as one, ``|`` escaped and newlines as spaces so that a cell stays one."""
    return visible_text(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def md_code(text: str) -> str:
    """``text`` as a code span: control characters as escapes, newlines as spaces;
    nothing else, as a backslash in a code span is itself."""
    return "`" + visible_text(text).replace("\n", " ") + "`"


def md_table(rows: list[list[str]], headers: list[str], numparse: bool = True) -> str:
    """A GitHub table of :func:`md_text` cells (numbers right-aligned if ``numparse``)."""
    return tabulate(
        [[md_text(c) for c in r] for r in rows],
        headers=[md_text(h) for h in headers],
        tablefmt="github",
        disable_numparse=not numparse,
    )


def render_comparison_markdown(cmp: Comparison) -> str:
    """A section per family, the sources and the findings as lists."""
    headers = ["name", *common.columns(cmp), "status"]
    out = ["# abicheck compare", "", common.summary(cmp), ""]
    if note := common.snapshot_note(cmp.sources):
        out += [f"> **Note:** {md_text(note)}", ""]
    for family, rows in common.families(cmp).items():
        cells = [common.row_cells(cmp, r) for r in rows]
        out += [f"## {common.heading(family)}", "", md_table(cells, headers, numparse=False), ""]
    out += ["## Sources", ""]
    out += [f"- {md_code(s.label)} ({s.kind}): {md_text(common.describe(s))}" for s in cmp.sources]
    out += ["", "## Findings", ""]
    out += [f"- {md_text(f.text)}" for f in cmp.findings] or ["- none"]
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
        out += ["", "### Sources", "", md_table(prov, ["side", "label", "kind", "origin"])]
    return visible_text("\n".join(out) + "\n")
