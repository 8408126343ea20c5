"""Plain text for a terminal (tabulate): comparisons, audits, verify reports, parsed headers.

Every cell goes through :func:`~abicheck.report.common.visible_text` before
tabulate measures it, so the columns line up and no control character reaches
the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..audit import AuditResult
from ..compare import Comparison
from ..model import BUILTIN_FILE, Macro
from . import common
from .common import tabulate, visible_rows, visible_text

if TYPE_CHECKING:
    from ..arches import Arch
    from ..verify.model import VerifyReport


def render_comparison_table(cmp: Comparison) -> str:
    """One tabulate table per family, then sources, findings and a summary."""
    headers = [visible_text(h) for h in ["name", *common.columns(cmp), "status"]]
    out: list[str] = []
    for family, rows in common.families(cmp).items():
        out.append(common.heading(family))
        cells = visible_rows(common.row_cells(cmp, r) for r in rows)
        out.append(tabulate(cells, headers=headers, disable_numparse=True))
        out.append("")
    if not cmp.rows:
        out.append("(no names to compare)\n")
    if note := common.snapshot_note(cmp.sources):
        out += [f"Note: {note}", ""]
    out.append("Sources:")
    out += [f"  {s.label} ({s.kind}): {common.describe(s)}" for s in cmp.sources]
    out.append("")
    if cmp.findings:
        out.append("Findings:")
        out += [f"  - {f.text}" for f in cmp.findings]
    else:
        out.append("Findings: none, every source agrees on every name.")
    out.append("")
    out.append(common.summary(cmp))
    return visible_text("\n".join(out) + "\n")


def render_audit_table(result: AuditResult) -> str:
    """The changes, the suppressions and the summary with the exit bits."""
    out = [f"abicheck audit: {common.pairs_line(result)}", ""]
    if note := common.snapshot_note(result.current):
        out += [f"Note: {note}", ""]
    if result.changes:
        rows = visible_rows(common.change_rows(result.changes))
        out.append(tabulate(rows, headers=common.CHANGE_HEADERS))
    else:
        out.append("no changes since the baseline")
    if result.suppressions:
        rows = visible_rows(common.suppression_rows(result, "{} matched"))
        out += ["", "suppressions:", tabulate(rows, headers=["status", "at", "rule", "reason"])]
    out += ["", f"{result.summary()}; {common.found_text(result)}"]
    return visible_text("\n".join(out) + "\n")


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
    from ..verify.model import STATUSES  # verify (ctypes) only when its report is shown

    rows = []
    for r in report.results:
        if r.value is None:
            value = "-"
        elif r.name.startswith(("MAP_", "PROT_")):
            value = f"{r.value:#x}"
        else:
            value = str(r.value)
        # names and source labels come from headers and the command line
        rows.append([visible_text(x) for x in (r.name, value, r.source, r.status, r.evidence)])
    body = tabulate(rows, headers=["name", "value", "source", "status", "evidence"])
    counts = {s: sum(r.status == s for r in report.results) for s in STATUSES}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return f"kernel {report.kernel} ({report.machine})\n{body}\n{summary or 'no results'}\n"


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
