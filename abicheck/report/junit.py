"""JUnit XML, for CI test reports.

An audit is one ``<testcase classname="<source>" name="<family>">`` per source and
macro family, with a ``<failure>`` listing the family's unsuppressed incompatible
changes; compatible and suppressed changes go to the test case's ``<system-out>``;
every suppression is a test case of class ``suppressions``, skipped when it is
stale. A comparison is one test case per source and family, failing for what compare's
``--fail-on`` counts (by default a value off the row's majority).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import __version__
from ..audit import AuditResult, Change
from ..compare import FAIL_ON, Comparison, Row, family_of, snapshot_labels
from ..compare import format_value as cmp_format_value
from ..model import AbicheckError
from .common import (
    deviating,
    families,
    found_text,
    majority,
    suppression_text,
    verify_rows,
    verify_summary,
)

if TYPE_CHECKING:
    from ..verify.model import VerifyReport

# compiled at first use by re's cache (3 ms; only JUnit output needs it)
_XML_BAD = "[^\t\n\x20-\x7e\x80-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
_OFF = ("value(s) off the majority", "differs")
_PARTIAL = ("name(s) off the majority or not defined here", "partial")


def _xml_text(text: str) -> str:
    """Text safe for XML 1.0 (no control characters other than tab and newline)."""
    return re.sub(_XML_BAD, "?", text)


def _testsuites(
    name: str, cases: list[ET.Element], out_text: str = "", snapshot: Sequence[str] = ()
) -> str:
    counts = {
        key: str(sum(1 for c in cases if c.find(tag) is not None))
        for key, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped"))
    }
    counts = {"tests": str(len(cases)), **counts}
    name = _xml_text(name)
    # junit-10.xsd allows no skipped count on <testsuites>, only on <testsuite>
    totals = {k: v for k, v in counts.items() if k != "skipped"}
    root = ET.Element("testsuites", {"name": name, **totals})
    suite = ET.SubElement(root, "testsuite", {"name": name, **counts})
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "abicheck.version", "value": __version__})
    if snapshot:  # tables from the shipped snapshot, not installed headers
        value = _xml_text(" ".join(snapshot))
        ET.SubElement(props, "property", {"name": "abicheck.from_snapshot", "value": value})
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


# -- audits ------------------------------------------------------------------------------


def _change_line(c: Change) -> str:
    where = ", ".join(
        x
        for x in (f"was {c.old_at}" if c.old_at else "", f"now {c.new_at}" if c.new_at else "")
        if x
    )
    line = f"{c.kind}: {c.describe()}" + (f" [{where}]" if where else "")
    if c.suppressed_by is not None:
        line += f" (suppressed by {suppression_text(c.suppressed_by)}: {c.suppressed_by.reason})"
    return line


def _changes_by_case(result: AuditResult) -> dict[tuple[str, str], list[Change]]:
    """(column, family) -> its changes, with an empty list for every family audited."""
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
    return by_case


def render_audit_junit(result: AuditResult) -> str:
    """An audit as JUnit XML (see the module's docstring)."""
    cases = []
    for (col, fam), changes in sorted(_changes_by_case(result).items()):
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
    summary = f"{result.summary()}; {found_text(result)}"
    return _testsuites("abicheck audit", cases, summary, snapshot_labels(result.current))


# -- comparisons ---------------------------------------------------------------------------


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


def render_comparison_junit(cmp: Comparison, fail_on: str = "differs") -> str:
    """A comparison as JUnit XML: one test case per source and family, failing only for
    what ``fail_on`` (compare's ``--fail-on``) counts, so that a failing case means exit
    status 1: ``differs``, a value off the row's majority; ``partial``, that or a name
    defined elsewhere but not here; ``never``, nothing (sources that legitimately differ,
    as architectures do, then pass). What does not fail goes to ``system-out``."""
    if fail_on not in FAIL_ON:
        raise AbicheckError(f"unknown --fail-on {fail_on!r}; available: {', '.join(FAIL_ON)}")
    fams = families(cmp)
    what = _PARTIAL if fail_on == "partial" else _OFF
    cases = []
    for label in cmp.labels:
        for fam, rows in fams.items():
            fails: list[str] = []
            out: list[str] = []
            for row in rows:
                if label in deviating(row):
                    (out if fail_on == "never" else fails).append(_off_majority(row, label))
                elif row.values.get(label) is None:
                    line = f"{row.name}: not defined here"
                    (fails if fail_on == "partial" else out).append(line)
            if fails or out or any(r.values.get(label) is not None for r in rows):
                cases.append(_case(label, fam, fails, out, what=what))
    text = "\n".join(f.text for f in cmp.findings)
    return _testsuites("abicheck compare", cases, text, snapshot_labels(cmp.sources))


# -- verify reports -------------------------------------------------------------------------


def render_verify_junit(report: VerifyReport) -> str:
    """A verify report as JUnit XML: a test case per result (``classname`` the source,
    ``name`` the name and value), failing when rejected, mismatched, crashed or timed
    out, skipped when skipped, the evidence its text."""
    from ..verify.model import FAILING

    cases = []
    for r, cells in zip(report.results, verify_rows(report), strict=True):
        name = f"{r.name}={cells[1]}"
        if r.status in FAILING:
            case = _case(r.source, name, [r.evidence], [], what=(r.status, r.status))
        elif r.status == "skipped":
            case = _case(r.source, name, [], [], skipped=r.evidence or "skipped")
        else:
            case = _case(r.source, name, [], [f"{r.status}: {r.evidence}"])
        cases.append(case)
    summary = f"kernel {report.kernel} ({report.machine}): {verify_summary(report)}"
    return _testsuites("abicheck verify", cases, summary)
