"""The verify report as a text table (the JSON form is ``VerifyReport.to_json``)."""

from __future__ import annotations

from abicheck.report import tabulate, visible_text
from abicheck.verify.model import STATUSES, VerifyReport


def render_table(report: VerifyReport) -> str:
    """The report as a text table, kernel release on top and status counts at the bottom."""
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
