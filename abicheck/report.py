"""Reports that people and CI systems read; nothing here prints itself.

Comparisons (``abicheck compare``): :func:`render_comparison` for the text formats
of :data:`COMPARISON_FORMATS` (helpers prefixed ``_cmp_``), and
:func:`render_comparison_report` for those plus ``junit`` and ``html``.

``render_audit(result, fmt)`` renders an :class:`~abicheck.audit.AuditResult` as

* ``table``: plain text for a terminal (tabulate);
* ``markdown``: GitHub-flavoured, for job summaries and pull-request comments;
* ``json``: :meth:`AuditResult.to_json`, indented, sorted as the audit is;
* ``junit``: JUnit XML, one ``<testcase classname="<source>" name="<family>">`` per
  source and macro family, with a ``<failure>`` listing the family's unsuppressed
  incompatible changes; compatible and suppressed changes go to the test case's
  ``<system-out>``; every suppression is a test case of class ``suppressions``,
  skipped when it is stale;
* ``html``: one self-contained page (``templates/report.html.j2``: inline CSS, no
  scripts, no external URLs): the matrix of names by source with changed cells
  coloured, the changes, the suppressions and the provenance.

Every output is deterministic: no timestamps, no durations, sorted as the input.
The page template only sees the view model built here (:class:`Page`), and
autoescaping is on, so header text cannot inject markup.
"""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from . import __version__, compare
from .audit import AuditResult, Change, SourceInfo, Suppression, format_value
from .compare import FAMILIES, Comparison, Row, family_of
from .compare import format_value as cmp_format_value
from .model import AbicheckError
from .resources import data_dir

if TYPE_CHECKING:
    import jinja2

AUDIT_FORMATS: tuple[str, ...] = ("table", "markdown", "json", "junit", "html")
#: The formats this module adds to :data:`abicheck.report.COMPARISON_FORMATS`.
COMPARISON_EXTRA_FORMATS: tuple[str, ...] = ("junit", "html")
HTML_TEMPLATE = "report.html.j2"
_V = TypeVar("_V")

# compiled at first use by re's cache (3 ms; only JUnit output needs it)
_XML_BAD = "[^\t\n\x20-\x7e\x80-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
#: What a terminal or a markdown viewer must not receive raw: C0 and C1 control
#: characters but newline (ESC starts terminal sequences), DEL, and the
#: bidirectional-text controls that reorder what is shown.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible_text(text: str) -> str:
    """``text`` with control characters but newline shown as escapes (ESC -> ``\\x1b``)."""

    def esc(m: re.Match[str]) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _CONTROL.sub(esc, text)


def _visible_rows(rows: Iterable[Sequence[str]]) -> list[list[str]]:
    return [[visible_text(c) for c in r] for r in rows]


COMPARISON_FORMATS = ("table", "markdown", "json")


def _cmp_name_cell(row: Row) -> str:
    targets = sorted(set(row.aliases.values()))
    return f"{row.name} (alias of {'/'.join(targets)})" if targets else row.name


def _cmp_column(label: str, sources: Sequence[compare.Source]) -> str:
    """Column headers: ``arch:`` dropped when every source is an architecture."""
    if all(s.kind == "arch" for s in sources) and label.startswith("arch:"):
        return label[5:]
    return label


def _cmp_describe(source: compare.Source) -> str:
    """One line of provenance: where the table came from."""
    o = source.origin
    parts: list[str] = []
    frm = o.get("from")
    if frm == "snapshot":
        parts.append(f"snapshot {o.get('snapshot', '')}".strip())
    elif frm == "installed":
        parts.append("installed headers")
    elif frm == "kernel-tree":
        parts.append(f"kernel tree {o.get('kernel_tree', '')}".strip())
    for key in ("header", "path", "module"):
        if key in o:
            parts.append(o[key])
            break
    if "package" in o:
        parts.append(f"{o['package']} {o.get('version', '(version unknown)')}")
    if "compiler" in o:
        parts.append(o["compiler"])
    if "interpreter" in o:
        parts.append(f"Python {o['interpreter'].split()[0]}")
    if "release" in o:
        parts.append(f"kernel {o['release']} ({o.get('machine', '?')})")
    if "data_model" in o:
        parts.append(o["data_model"])
    if not parts:
        parts = [f"{k}={o[k]}" for k in sorted(o)]
    return "; ".join(parts)


def _cmp_families(cmp: Comparison) -> list[tuple[str, list[Row]]]:
    groups: list[tuple[str, list[Row]]] = []
    for row in cmp.rows:
        if not groups or groups[-1][0] != row.family:
            groups.append((row.family, []))
        groups[-1][1].append(row)
    return groups


def _cmp_cells(cmp: Comparison, row: Row) -> list[str]:
    return [
        _cmp_name_cell(row),
        *(cmp_format_value(row.values[s.label], row.family) for s in cmp.sources),
        row.status,
    ]


def _cmp_summary(cmp: Comparison) -> str:
    n = len(cmp.rows)
    return (
        f"{n} name{'s' if n != 1 else ''} in {len(cmp.sources)} "
        f"source{'s' if len(cmp.sources) != 1 else ''}: "
        f"{cmp.count('same')} same, {cmp.count('differs')} differ, "
        f"{cmp.count('partial')} partial"
    )


def render_comparison_table(cmp: Comparison) -> str:
    """Plain text: one tabulate table per family, then sources, findings and a summary."""
    headers = ["name", *(_cmp_column(s.label, cmp.sources) for s in cmp.sources), "status"]
    headers = [visible_text(h) for h in headers]
    out: list[str] = []
    for family, rows in _cmp_families(cmp):
        out.append(f"{family}_")
        cells = _visible_rows(_cmp_cells(cmp, r) for r in rows)
        out.append(tabulate(cells, headers=headers, disable_numparse=True))
        out.append("")
    if not cmp.rows:
        out.append("(no names to compare)\n")
    out.append("Sources:")
    out += [f"  {s.label} ({s.kind}): {_cmp_describe(s)}" for s in cmp.sources]
    out.append("")
    if cmp.findings:
        out.append("Findings:")
        out += [f"  - {f.text}" for f in cmp.findings]
    else:
        out.append("Findings: none, every source agrees on every name.")
    out.append("")
    out.append(_cmp_summary(cmp))
    return visible_text("\n".join(out) + "\n")


def _md_escape(text: str) -> str:
    return visible_text(text).replace("|", "\\|")


def render_comparison_markdown(cmp: Comparison) -> str:
    """GitHub markdown: a section per family, the sources and the findings as lists."""
    headers = ["name", *(_cmp_column(s.label, cmp.sources) for s in cmp.sources), "status"]
    headers = [_md_escape(h) for h in headers]
    out = ["# abicheck compare", "", _cmp_summary(cmp), ""]
    for family, rows in _cmp_families(cmp):
        out += [f"## {family}_", ""]
        cells = [[_md_escape(c) for c in _cmp_cells(cmp, r)] for r in rows]
        out += [tabulate(cells, headers=headers, tablefmt="github", disable_numparse=True), ""]
    out += ["## Sources", ""]
    out += [
        f"- `{_md_escape(s.label)}` ({s.kind}): {_md_escape(_cmp_describe(s))}" for s in cmp.sources
    ]
    out += ["", "## Findings", ""]
    out += [f"- {_md_escape(f.text)}" for f in cmp.findings] or ["- none"]
    return visible_text("\n".join(out) + "\n")


def render_comparison_json(cmp: Comparison) -> str:
    """``Comparison.to_json()`` as indented JSON."""
    return json.dumps(cmp.to_json(), indent=2, ensure_ascii=False) + "\n"


_COMPARISON_RENDERERS: dict[str, Callable[[Comparison], str]] = {
    "table": render_comparison_table,
    "markdown": render_comparison_markdown,
    "json": render_comparison_json,
}


def render_comparison(cmp: Comparison, fmt: str = "table") -> str:
    """``cmp`` as text in ``fmt`` (one of :data:`COMPARISON_FORMATS`)."""
    renderer = _COMPARISON_RENDERERS.get(fmt)
    if renderer is None:
        raise AbicheckError(f"unknown format {fmt!r}; available: {', '.join(COMPARISON_FORMATS)}")
    return renderer(cmp)


def tabulate(rows: Any, **options: Any) -> str:
    """``tabulate.tabulate``, imported at the first table: importing it takes
    about 20 ms, and many runs (JSON output, snapshots) print no table."""
    from tabulate import tabulate as _tabulate

    return str(_tabulate(rows, **options))


# -- jinja2 ----------------------------------------------------------------------


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
    name: str
    cells: tuple[Cell, ...]
    cls: str = ""
    note: str = ""


@dataclass(frozen=True)
class MatrixGroup:
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
class Source:
    """Provenance of one column (or baseline table)."""

    label: str
    kind: str
    origin: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Stat:
    label: str
    value: str
    cls: str = ""


@dataclass(frozen=True)
class Page:
    """Everything ``report.html.j2`` shows; nothing else reaches the template."""

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


def _visible(value: _V) -> _V:
    """``value`` with :func:`visible_text` applied to every string in it (dataclasses,
    tuples), so that no raw control character reaches the page."""
    if isinstance(value, str):
        return visible_text(value)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_visible(v) for v in value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _visible(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def render_page(page: Page) -> str:
    """The HTML of a :class:`Page`: control characters in any of its text (labels in the
    title, column heads, subtitle, cells, provenance) shown as escapes, as the text
    formats show them (:func:`visible_text`); autoescape then handles ``<>&"``."""
    return html_environment().get_template(HTML_TEMPLATE).render(page=_visible(page))


def _sources(infos: Iterable[SourceInfo]) -> tuple[Source, ...]:
    return tuple(
        Source(s.label, s.kind, tuple((k, str(s.origin[k])) for k in sorted(s.origin)))
        for s in infos
    )


# -- audits: text --------------------------------------------------------------------


def _supp_text(s: Suppression | None) -> str:
    return "" if s is None else f"{s.location} ({s.describe()})"


def _change_rows(changes: Sequence[Change]) -> list[list[str]]:
    return [
        [
            c.label,
            c.family,
            c.name,
            c.kind,
            "suppressed" if c.suppressed else c.severity,
            format_value(c.old, c.family),
            format_value(c.new, c.family),
        ]
        for c in changes
    ]


_CHANGE_HEADERS = ["source", "family", "name", "change", "severity", "old", "new"]


def _pairs_line(result: AuditResult) -> str:
    cols = [p.column for p in result.pairs]
    return ", ".join(cols) if cols else "(nothing)"


def _found_text(result: AuditResult) -> str:
    found = result.found
    return f"exit bits {found} ({_bits_meaning(found)})"


def _bits_meaning(bits: int) -> str:
    words = []
    if bits & 8:
        words.append("8 incompatible")
    if bits & 4:
        words.append("4 compatible")
    return " + ".join(words) if words else "no change"


def _render_audit_table(result: AuditResult) -> str:
    out = [f"abicheck audit: {_pairs_line(result)}", ""]
    if result.changes:
        out.append(tabulate(_visible_rows(_change_rows(result.changes)), headers=_CHANGE_HEADERS))
    else:
        out.append("no changes since the baseline")
    if result.suppressions:
        rows = [
            [
                "stale" if u.stale else f"{len(u.matches)} matched",
                u.suppression.location,
                u.suppression.describe(),
                u.suppression.reason,
            ]
            for u in result.suppressions
        ]
        table = tabulate(_visible_rows(rows), headers=["status", "at", "rule", "reason"])
        out += ["", "suppressions:", table]
    out += ["", f"{result.summary()}; {_found_text(result)}"]
    return visible_text("\n".join(out) + "\n")


def _md(text: str) -> str:
    return visible_text(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(rows: list[list[str]], headers: list[str]) -> str:
    return tabulate(
        [[_md(c) for c in r] for r in rows], headers=[_md(h) for h in headers], tablefmt="github"
    )


def _render_audit_markdown(result: AuditResult) -> str:
    out = ["## ABI audit", "", f"Compared: {_md(_pairs_line(result))}", ""]
    out.append(f"**{_md(result.summary())}**; {_found_text(result)}.")
    sections = [
        ("Incompatible changes", [c for c in result.active if c.severity == "incompatible"]),
        ("Compatible changes", [c for c in result.active if c.severity == "compatible"]),
        ("Suppressed changes", list(result.suppressed)),
    ]
    for title, changes in sections:
        if not changes:
            continue
        rows = _change_rows(changes)
        headers = list(_CHANGE_HEADERS)
        if title == "Suppressed changes":
            headers.append("suppressed by")
            for r, c in zip(rows, changes, strict=True):
                r.append(_supp_text(c.suppressed_by))
        out += ["", f"### {title} ({len(changes)})", "", _md_table(rows, headers)]
    if result.suppressions:
        rows = [
            [
                "stale" if u.stale else f"matched {len(u.matches)}",
                u.suppression.location,
                u.suppression.describe(),
                u.suppression.reason,
            ]
            for u in result.suppressions
        ]
        out += ["", "### Suppressions", "", _md_table(rows, ["status", "at", "rule", "reason"])]
    prov = []
    for side, infos in (("baseline", result.baseline), ("current", result.current)):
        for s in infos:
            origin = ", ".join(f"{k}={s.origin[k]}" for k in sorted(s.origin))
            prov.append([side, s.label, s.kind, origin])
    if prov:
        out += ["", "### Sources", "", _md_table(prov, ["side", "label", "kind", "origin"])]
    return visible_text("\n".join(out) + "\n")


# -- audits: JUnit -------------------------------------------------------------------


def _xml_text(text: str) -> str:
    """Text safe for XML 1.0 (no control characters other than tab and newline)."""
    return re.sub(_XML_BAD, "?", text)


def _testsuites(name: str, cases: list[ET.Element], out_text: str = "") -> str:
    tests = len(cases)
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    counts = {
        "tests": str(tests),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": str(skipped),
    }
    name = _xml_text(name)
    root = ET.Element("testsuites", {"name": name, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": name, **counts})
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "abicheck.version", "value": __version__})
    suite.extend(cases)
    if out_text:
        ET.SubElement(suite, "system-out").text = _xml_text(out_text)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _case(
    classname: str,
    name: str,
    failures: list[str],
    out: list[str],
    skipped: str = "",
    what: tuple[str, str] = ("incompatible change(s)", "incompatible"),
) -> ET.Element:
    case = ET.Element("testcase", {"classname": _xml_text(classname), "name": _xml_text(name)})
    if failures:
        msg = _xml_text(f"{len(failures)} {what[0]}")
        fail = ET.SubElement(case, "failure", {"message": msg, "type": _xml_text(what[1])})
        fail.text = _xml_text("\n".join(failures))
    if skipped:
        ET.SubElement(case, "skipped", {"message": _xml_text(skipped)})
    if out:
        ET.SubElement(case, "system-out").text = _xml_text("\n".join(out))
    return case


def _change_line(c: Change) -> str:
    where = ", ".join(
        x
        for x in (f"was {c.old_at}" if c.old_at else "", f"now {c.new_at}" if c.new_at else "")
        if x
    )
    line = f"{c.kind}: {c.describe()}" + (f" [{where}]" if where else "")
    if c.suppressed_by is not None:
        line += f" (suppressed by {_supp_text(c.suppressed_by)}: {c.suppressed_by.reason})"
    return line


def _render_audit_junit(result: AuditResult) -> str:
    by_case: dict[tuple[str, str], list[Change]] = {}
    for p in result.pairs:
        for name in p.names():
            by_case.setdefault((p.column, family_of(name)), [])
        if not p.label or not p.baseline_label:
            by_case.setdefault((p.column, "(source)"), [])
    column = {(p.baseline_label, p.label): p.column for p in result.pairs}
    for c in result.changes:
        key = (
            "" if c.kind == "source_added" else c.baseline_label,
            "" if c.kind == "source_removed" else c.label,
        )
        col = column.get(key, c.label)
        by_case.setdefault((col, c.family or "(source)"), []).append(c)
    cases = []
    for (col, fam), changes in sorted(by_case.items()):
        fails = [
            _change_line(c) for c in changes if not c.suppressed and c.severity == "incompatible"
        ]
        out = [_change_line(c) for c in changes if c.suppressed or c.severity == "compatible"]
        cases.append(_case(col, fam, fails, out))
    for u in result.suppressions:
        s = u.suppression
        name = f"{s.location} {s.describe()}"
        if u.stale:
            cases.append(_case("suppressions", name, [], [s.reason], "stale: matched nothing"))
        else:
            lines = [f"{c.label}: {c.describe()}" for c in u.matches]
            cases.append(_case("suppressions", name, [], [s.reason, *lines]))
    return _testsuites("abicheck audit", cases, f"{result.summary()}; {_found_text(result)}")


def name_order(name: str) -> tuple[int, str, str]:
    """Sort key for matrix rows: the mman families in their usual order, then the others."""
    fam = family_of(name)
    rank = FAMILIES.index(fam) if fam in FAMILIES else len(FAMILIES)
    return (rank, fam, name)


# -- audits: HTML --------------------------------------------------------------------


_CELL_CLASS = {"incompatible": "differs incompatible", "compatible": "differs compatible"}


def _audit_cell(c: Change | None, value: int | None, family: str) -> Cell:
    if c is None:
        return Cell(format_value(value, family), "same" if value is not None else "absent")
    if c.kind == "value_changed":
        text = f"{format_value(c.old, c.family)} → {format_value(c.new, c.family)}"
    elif c.kind == "name_added":
        text = f"+ {format_value(c.new, c.family)}"
    else:
        text = f"− {format_value(c.old, c.family)}"
    cls = "differs suppressed" if c.suppressed else _CELL_CLASS[c.severity]
    title = c.kind.replace("_", " ")
    if c.suppressed_by is not None:
        title += f", suppressed: {c.suppressed_by.reason}"
    return Cell(text, cls, title)


def audit_page(result: AuditResult) -> Page:
    """The HTML view of an audit."""
    pairs = [p for p in result.pairs if p.label and p.baseline_label]
    index = {(c.label, c.baseline_label, c.name): c for c in result.changes}
    names = sorted({n for p in pairs for n in p.names()}, key=name_order)
    groups: dict[str, list[MatrixRow]] = {}
    for name in names:
        cells = tuple(
            _audit_cell(
                index.get((p.label, p.baseline_label, name)),
                p.new.get(name, p.old.get(name)),
                family_of(name),
            )
            for p in pairs
        )
        changed = any("differs" in cell.cls for cell in cells)
        groups.setdefault(family_of(name), []).append(
            MatrixRow(name, cells, "status-changed" if changed else "status-same")
        )
    n = result.counts()
    stats = (
        Stat("incompatible", str(n["incompatible"]), "incompatible" if n["incompatible"] else ""),
        Stat("compatible", str(n["compatible"]), "compatible" if n["compatible"] else ""),
        Stat("suppressed", str(n["suppressed"]), "suppressed" if n["suppressed"] else ""),
        Stat(
            "stale suppressions",
            str(n["stale_suppressions"]),
            "stale" if n["stale_suppressions"] else "",
        ),
        Stat("exit bits", str(result.found), ""),
    )
    findings = tuple(
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
        for c in sorted(
            result.changes, key=lambda c: (c.severity != "incompatible", c.suppressed, c.sort_key())
        )
    )
    supps = tuple(
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
    return Page(
        title="ABI audit",
        subtitle=f"baseline vs today: {_pairs_line(result)}",
        stats=stats,
        legend=(
            Stat("incompatible change", "0x5 → 0x9", "differs incompatible"),
            Stat("compatible change", "+ 0x8", "differs compatible"),
            Stat("suppressed change", "− 0x20", "differs suppressed"),
            Stat("absent", "", "absent"),
        ),
        columns=tuple(p.column for p in pairs),
        groups=tuple(MatrixGroup(f, tuple(rows)) for f, rows in groups.items()),
        findings_title="Changes",
        findings=findings,
        suppressions=supps,
        provenance=(
            ("Baseline", _sources(result.baseline)),
            ("Today", _sources(result.current)),
        ),
        matrix_note="Cells show today's value; changed cells show baseline → today.",
    )


# -- entry points ----------------------------------------------------------------------


def _check_format(fmt: str, formats: Sequence[str]) -> None:
    if fmt not in formats:
        raise AbicheckError(f"unknown report format {fmt!r}: expected one of {', '.join(formats)}")


def render_audit(result: AuditResult, fmt: str = "table") -> str:
    """An audit as text in ``fmt``: table, markdown, json, junit or html."""
    _check_format(fmt, AUDIT_FORMATS)
    if fmt == "table":
        return _render_audit_table(result)
    if fmt == "markdown":
        return _render_audit_markdown(result)
    if fmt == "json":
        return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "junit":
        return _render_audit_junit(result)
    return render_page(audit_page(result))


def majority(values: Iterable[int | None]) -> int | None:
    """The value most cells share, or None when no single value is the most common."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    top = counts.most_common()
    if len(top) > 1 and top[0][1] == top[1][1]:
        return None
    return top[0][0]


# -- comparisons -----------------------------------------------------------------------


def _cmp_columns(cmp: Comparison) -> list[str]:
    """Column names: ``arch:`` dropped when every source is an architecture."""
    all_arch = all(s.kind == "arch" for s in cmp.sources)
    return [
        s.label[5:] if all_arch and s.label.startswith("arch:") else s.label for s in cmp.sources
    ]


def deviating(row: Row) -> set[str]:
    """The labels whose value differs from the row's majority (all present ones if none)."""
    if row.status != "differs":
        return set()
    maj = majority(row.values.values())
    return {lb for lb, v in row.values.items() if v is not None and v != maj}


def _cmp_cell(row: Row, label: str, odd: set[str]) -> Cell:
    v = row.values.get(label)
    if v is None:
        return Cell("", "absent", f"{row.name} is not defined in {label}")
    text = cmp_format_value(v, row.family)
    title = f"{label}: {row.name} = {text}"
    if label in row.aliases:
        title += f" (alias of {row.aliases[label]})"
    if label in odd:
        return Cell(text, "differs", title)
    return Cell(text, "same", title)


def comparison_page(cmp: Comparison, title: str = "ABI constants across sources") -> Page:
    """The HTML view of a comparison: the matrix, cells off the row's majority coloured."""
    labels = cmp.labels
    groups: dict[str, list[MatrixRow]] = {}
    for row in cmp.rows:
        odd = deviating(row)
        cells = tuple(_cmp_cell(row, lb, odd) for lb in labels)
        note = ""
        if row.aliases:
            note = "alias of " + "/".join(sorted(set(row.aliases.values())))
        groups.setdefault(row.family, []).append(
            MatrixRow(row.name, cells, f"status-{row.status}", note)
        )
    differs, partial = cmp.count("differs"), cmp.count("partial")
    stats = (
        Stat("sources", str(len(labels))),
        Stat("names", str(len(cmp.rows))),
        Stat("differ", str(differs), "differs" if differs else ""),
        Stat("partial", str(partial), "partial" if partial else ""),
        Stat("same", str(cmp.count("same"))),
    )
    cls = {"differs": "incompatible", "lacks": "info", "partial": "partial"}
    findings = tuple(
        Item(cls.get(f.kind, "info"), f.kind, "", f.name, f.text) for f in cmp.findings
    )
    sources = tuple(
        Source(s.label, s.kind, tuple((k, str(s.origin[k])) for k in sorted(s.origin)))
        for s in cmp.sources
    )
    return Page(
        title=title,
        subtitle=", ".join(labels),
        stats=stats,
        legend=(
            Stat("off the row's majority", "0x9", "differs"),
            Stat("agrees", "0x5", "same"),
            Stat("not defined", "", "absent"),
        ),
        columns=tuple(_cmp_columns(cmp)),
        groups=tuple(MatrixGroup(f, tuple(rows)) for f, rows in groups.items()),
        findings_title="Findings",
        findings=findings,
        provenance=(("Sources", sources),),
        matrix_note="Coloured cells differ from the value most sources give "
        "(all values are coloured when no value has a majority).",
    )


def render_comparison_html(cmp: Comparison, title: str = "ABI constants across sources") -> str:
    """A comparison as one self-contained HTML page."""
    return render_page(comparison_page(cmp, title))


_OFF = ("value(s) off the majority", "differs")


def _off_majority(row: Row, label: str) -> str:
    fam = row.family
    here = cmp_format_value(row.values[label], fam)
    maj = majority(row.values.values())
    if maj is not None:
        n = sum(1 for v in row.values.values() if v == maj)
        return f"{row.name}: {here} here, {cmp_format_value(maj, fam)} on {n} of {len(row.values)}"
    groups: dict[int, list[str]] = {}
    for lb, v in row.values.items():
        if v is not None and v != row.values[label]:
            groups.setdefault(v, []).append(lb)
    others = "; ".join(
        f"{cmp_format_value(v, fam)} on {', '.join(lbs)}" for v, lbs in sorted(groups.items())
    )
    return f"{row.name}: {here} here; {others} (no majority)"


def render_comparison_junit(cmp: Comparison) -> str:
    """A comparison as JUnit XML: one test case per source and family; a failure where
    the source's value is off the row's majority; names it lacks go to ``system-out``."""
    labels = cmp.labels
    fams: dict[str, list[Row]] = {}
    for row in cmp.rows:
        fams.setdefault(row.family, []).append(row)
    cases = []
    for label in labels:
        for fam, rows in fams.items():
            fails, out = [], []
            for row in rows:
                v = row.values.get(label)
                if label in deviating(row):
                    fails.append(_off_majority(row, label))
                elif v is None:
                    out.append(f"{row.name}: not defined here")
            if fails or out or any(r.values.get(label) is not None for r in rows):
                cases.append(_case(label, fam, fails, out, what=_OFF))
    text = "\n".join(f.text for f in cmp.findings)
    return _testsuites("abicheck compare", cases, text)


#: Every format a comparison renders in: :mod:`abicheck.report`'s and this module's.
ALL_COMPARISON_FORMATS: tuple[str, ...] = ("table", "markdown", "json", "junit", "html")


def render_comparison_report(cmp: Comparison, fmt: str = "table") -> str:
    """A comparison in any of :data:`ALL_COMPARISON_FORMATS` (text ones via abicheck.report)."""
    _check_format(fmt, ALL_COMPARISON_FORMATS)
    if fmt == "junit":
        return render_comparison_junit(cmp)
    if fmt == "html":
        return render_comparison_html(cmp)
    return render_comparison(cmp, fmt)
