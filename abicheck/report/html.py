"""One self-contained HTML page (``templates/report.html.j2``: inline CSS, no scripts,
no external URLs): a verdict and the summary, the changes (audit) or findings (compare),
the suppressions, then the matrix of names by source with changed or deviating cells
coloured (its header row and name column stay in view as it scrolls), and the
provenance, collapsed.

The template only sees the view model built here (:class:`Page`), and autoescaping
is on, so header text cannot inject markup.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from .. import __version__
from ..audit import AuditResult, Change, Pair, format_value
from ..compare import FAMILIES, Comparison, Row, Source, family_of
from ..compare import format_value as cmp_format_value
from ..resources import data_dir
from .common import columns, deviating, families, pairs_line, snapshot_note, visible_text

if TYPE_CHECKING:
    import jinja2

HTML_TEMPLATE = "report.html.j2"
_V = TypeVar("_V")


def html_environment() -> jinja2.Environment:
    """The jinja2 environment for HTML reports: shipped templates, autoescape, strict."""
    import jinja2  # only HTML reports need it

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# -- the page view model -----------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One matrix cell: its text, CSS classes and tooltip."""

    text: str
    cls: str = ""
    title: str = ""


@dataclass(frozen=True)
class MatrixRow:
    """One name's row: its cells, CSS class (``status-...``) and tooltip."""

    name: str
    cells: tuple[Cell, ...]
    cls: str = ""
    note: str = ""


@dataclass(frozen=True)
class MatrixGroup:
    """One family's rows, a ``<tbody>`` of the matrix."""

    family: str
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class Item:
    """One line of a findings or suppressions list."""

    cls: str
    kind: str
    where: str
    name: str
    text: str
    note: str = ""


@dataclass(frozen=True)
class Stat:
    """One figure of the summary, or one entry of the legend (``value`` its sample)."""

    label: str
    value: str
    cls: str = ""


@dataclass(frozen=True)
class Page:
    """Everything ``report.html.j2`` shows; nothing else reaches the template.
    ``provenance``: (heading, sources) pairs, each source's origin in key order."""

    title: str
    subtitle: str
    stats: tuple[Stat, ...]
    legend: tuple[Stat, ...]
    columns: tuple[str, ...]
    groups: tuple[MatrixGroup, ...]
    findings_title: str
    findings: tuple[Item, ...]
    suppressions: tuple[Item, ...] = ()
    provenance: tuple[tuple[str, tuple[Source, ...]], ...] = ()
    version: str = __version__
    matrix_note: str = ""
    banner: str = ""
    verdict: str = ""
    verdict_cls: str = ""


def _visible(value: _V) -> _V:
    """``value`` with :func:`visible_text` applied to every string in it (dataclasses,
    tuples, mappings), so that no raw control character reaches the page."""
    if isinstance(value, str):
        return visible_text(value)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_visible(v) for v in value)  # type: ignore[return-value]
    if isinstance(value, Mapping):
        return {_visible(k): _visible(v) for k, v in value.items()}  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _visible(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def render_page(page: Page) -> str:
    """The HTML of a :class:`Page`: control characters in any of its text (labels in the
    title, column heads, subtitle, cells, provenance) shown as escapes, as the text
    formats show them (:func:`visible_text`); autoescape then handles ``<>&"``."""
    return html_environment().get_template(HTML_TEMPLATE).render(page=_visible(page))


def _provenance(sources: Iterable[Source]) -> tuple[Source, ...]:
    """The sources with their origins in key order, as the page lists them."""
    return tuple(
        Source(s.label, s.kind, {k: str(s.origin[k]) for k in sorted(s.origin)}) for s in sources
    )


def _groups(rows: Iterable[tuple[str, MatrixRow]]) -> tuple[MatrixGroup, ...]:
    """(family, row) pairs as matrix groups, families in the order they first come."""
    groups: dict[str, list[MatrixRow]] = {}
    for family, row in rows:
        groups.setdefault(family, []).append(row)
    return tuple(MatrixGroup(f, tuple(members)) for f, members in groups.items())


# -- audits ----------------------------------------------------------------------------


def name_order(name: str) -> tuple[int, str, str]:
    """Sort key for matrix rows: the mman families in their usual order, then the others."""
    fam = family_of(name)
    rank = FAMILIES.index(fam) if fam in FAMILIES else len(FAMILIES)
    return (rank, fam, name)


_CELL_CLASS = {"incompatible": "differs incompatible", "compatible": "differs compatible"}
_AUDIT_LEGEND = (
    Stat("incompatible change", "0x5 → 0x9", "differs incompatible"),
    Stat("compatible change", "+ 0x8", "differs compatible"),
    Stat("suppressed change", "− 0x20", "differs suppressed"),
    Stat("absent", "", "absent"),
)


def _audit_cell(c: Change | None, value: int | None, family: str) -> Cell:
    if c is None:
        return Cell(format_value(value, family), "same" if value is not None else "absent")
    if c.kind == "value_changed":
        text = f"{format_value(c.old, c.family)} → {format_value(c.new, c.family)}"
    elif c.kind in ("name_added", "member_added_at_end"):
        text = f"+ {format_value(c.new, c.family)}"
    else:
        text = f"− {format_value(c.old, c.family)}"
    cls = "differs suppressed" if c.suppressed else _CELL_CLASS[c.severity]
    title = c.kind.replace("_", " ")
    if c.suppressed_by is not None:
        title += f", suppressed: {c.suppressed_by.reason}"
    return Cell(text, cls, title)


def _matrix_pairs(result: AuditResult) -> list[Pair]:
    """The pairs with both sides, the matrix's columns."""
    return [p for p in result.pairs if p.label and p.baseline_label]


def _audit_rows(result: AuditResult) -> Iterable[tuple[str, MatrixRow]]:
    pairs = _matrix_pairs(result)
    index = {(c.label, c.baseline_label, c.name): c for c in result.changes}
    for name in sorted({n for p in pairs for n in p.names()}, key=name_order):
        family = family_of(name)
        cells = tuple(
            _audit_cell(
                index.get((p.label, p.baseline_label, name)),
                p.new.get(name, p.old.get(name)),
                family,
            )
            for p in pairs
        )
        changed = any("differs" in cell.cls for cell in cells)
        yield family, MatrixRow(name, cells, "status-changed" if changed else "status-same")


def _audit_stats(result: AuditResult) -> tuple[Stat, ...]:
    n = result.counts()
    shown = (
        ("incompatible", "incompatible", "incompatible"),
        ("compatible", "compatible", "compatible"),
        ("suppressed", "suppressed", "suppressed"),
        ("stale suppressions", "stale_suppressions", "stale"),
    )
    stats = [Stat(label, str(n[key]), cls if n[key] else "") for label, key, cls in shown]
    return (*stats, Stat("exit bits", str(result.found), ""))


def _audit_findings(result: AuditResult) -> tuple[Item, ...]:
    changes = sorted(
        result.changes, key=lambda c: (c.severity != "incompatible", c.suppressed, c.sort_key())
    )
    return tuple(
        Item(
            "suppressed" if c.suppressed else c.severity,
            c.kind.replace("_", " "),
            c.label if c.baseline_label in ("", c.label) else f"{c.baseline_label} → {c.label}",
            c.name,
            c.describe(),
            ""
            if c.suppressed_by is None
            else f"suppressed by {c.suppressed_by.location}: {c.suppressed_by.reason}",
        )
        for c in changes
    )


def _audit_suppressions(result: AuditResult) -> tuple[Item, ...]:
    return tuple(
        Item(
            "stale" if u.stale else "matched",
            "stale" if u.stale else f"matched {len(u.matches)}",
            u.suppression.location,
            u.suppression.describe(),
            u.suppression.reason,
            ", ".join(f"{c.label}:{c.name}" if c.name else c.label for c in u.matches),
        )
        for u in result.suppressions
    )


def _audit_verdict(result: AuditResult) -> tuple[str, str]:
    """The line the page opens with and its class: ``fail`` for an unsuppressed
    incompatible change, else ``pass``."""
    n = result.counts()
    extra = [
        f"{n['suppressed']} suppressed" if n["suppressed"] else "",
        f"{n['stale_suppressions']} stale suppression(s)" if n["stale_suppressions"] else "",
    ]
    tail = "; ".join(x for x in extra if x)
    tail = f" ({tail})" if tail else ""
    if n["incompatible"]:
        return f"Fail: {n['incompatible']} incompatible change(s) since the baseline{tail}", "fail"
    if n["compatible"]:
        return f"Pass: only compatible changes ({n['compatible']}) since the baseline{tail}", "pass"
    return f"Pass: no change since the baseline{tail}", "pass"


def audit_page(result: AuditResult) -> Page:
    """The HTML view of an audit: a column per audited pair, changed cells coloured."""
    verdict, verdict_cls = _audit_verdict(result)
    return Page(
        title="ABI audit",
        subtitle=f"baseline vs today: {pairs_line(result)}",
        stats=_audit_stats(result),
        legend=_AUDIT_LEGEND,
        columns=tuple(p.column for p in _matrix_pairs(result)),
        groups=_groups(_audit_rows(result)),
        findings_title="Changes",
        findings=_audit_findings(result),
        suppressions=_audit_suppressions(result),
        provenance=(
            ("Baseline", _provenance(result.baseline)),
            ("Today", _provenance(result.current)),
        ),
        matrix_note="Cells show today's value; changed cells show baseline → today.",
        banner=snapshot_note(result.current),
        verdict=verdict,
        verdict_cls=verdict_cls,
    )


def render_audit_html(result: AuditResult) -> str:
    """An audit as one self-contained HTML page."""
    return render_page(audit_page(result))


# -- comparisons -------------------------------------------------------------------------

_COMPARISON_LEGEND = (
    Stat("off the row's majority", "0x9", "differs"),
    Stat("agrees", "0x5", "same"),
    Stat("not defined", "", "absent"),
)
_FINDING_CLASS = {
    "differs": "differs",
    "lacks": "info",
    "partial": "partial",
    "added_at_end": "partial",
}


def _comparison_cell(row: Row, label: str, odd: set[str]) -> Cell:
    v = row.values.get(label)
    if v is None:
        return Cell("", "absent", f"{row.name} is not defined in {label}")
    text = cmp_format_value(v, row.family)
    title = f"{label}: {row.name} = {text}"
    if label in row.aliases:
        title += f" (alias of {row.aliases[label]})"
    return Cell(text, "differs" if label in odd else "same", title)


def _comparison_rows(cmp: Comparison) -> Iterable[tuple[str, MatrixRow]]:
    for family, rows in families(cmp).items():
        for row in rows:
            odd = deviating(row)
            cells = tuple(_comparison_cell(row, lb, odd) for lb in cmp.labels)
            note = "alias of " + "/".join(sorted(set(row.aliases.values()))) if row.aliases else ""
            yield family, MatrixRow(row.name, cells, f"status-{row.status}", note)


def _comparison_stats(cmp: Comparison) -> tuple[Stat, ...]:
    differs, partial = cmp.count("differs"), cmp.count("partial")
    return (
        Stat("sources", str(len(cmp.sources))),
        Stat("names", str(len(cmp.rows))),
        Stat("differ", str(differs), "differs" if differs else ""),
        Stat("partial", str(partial), "partial" if partial else ""),
        Stat("same", str(cmp.count("same"))),
    )


def _comparison_verdict(cmp: Comparison) -> tuple[str, str]:
    """The line the page opens with and its class (``differs``, ``partial``, ``pass``)."""
    n, differs, partial = len(cmp.rows), cmp.count("differs"), cmp.count("partial")
    if differs:
        return f"{differs} of {n} names differ between the sources", "differs"
    if partial:
        return f"No value differs; {partial} of {n} names are missing from some sources", (
            "partial"
        )
    return f"Every source agrees on all {n} names", "pass"


def comparison_page(cmp: Comparison, title: str = "ABI constants across sources") -> Page:
    """The HTML view of a comparison: the matrix, cells off the row's majority coloured."""
    findings = tuple(
        Item(_FINDING_CLASS.get(f.kind, "info"), f.kind, "", f.name, f.text) for f in cmp.findings
    )
    return Page(
        title=title,
        subtitle=", ".join(cmp.labels),
        stats=_comparison_stats(cmp),
        legend=_COMPARISON_LEGEND,
        columns=tuple(columns(cmp)),
        groups=_groups(_comparison_rows(cmp)),
        findings_title="Findings",
        findings=findings,
        provenance=(("Sources", _provenance(cmp.sources)),),
        verdict=_comparison_verdict(cmp)[0],
        verdict_cls=_comparison_verdict(cmp)[1],
        matrix_note="Coloured cells differ from the value most sources give "
        "(all values are coloured when no value has a majority).",
        banner=snapshot_note(cmp.sources),
    )


def render_comparison_html(cmp: Comparison, title: str = "ABI constants across sources") -> str:
    """A comparison as one self-contained HTML page."""
    return render_page(comparison_page(cmp, title))
