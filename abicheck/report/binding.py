"""A binding check (:class:`~abicheck.bindings.check.BindingResult`) in every format:
the rows that are not ``same``, findings in words, and the provenance."""

from __future__ import annotations

import json as _json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from itertools import groupby

from ..bindings.check import FAILING, STATUSES, BindingResult, BindingRow
from ..compare import format_value
from .common import tabulate, visible_rows, visible_text
from .html import Cell, Item, MatrixRow, Page, Stat, _groups, _provenance, name_order, render_page
from .junit import _xml_text
from .markdown import md_table, md_text

_HEADERS = ["table", "name", "status", "binding", "kernel", "libc", "at"]
_AGAINST = {"arch": "kernel headers", "libc": "C library headers"}


def _short(table: str) -> str:
    """A table's label without its binding's part (``go:mips`` -> ``mips``); a label
    given with ``LABEL=`` as it is."""
    return table.split(":", 1)[-1]


def _value(v: int | None, family: str) -> str:
    return format_value(v, family, absent="")


def shown_rows(result: BindingResult) -> list[BindingRow]:
    """The rows worth a line: all but ``same``, ordered by table, family and name."""
    rows = [r for r in result.rows if r.status != "same"]
    return sorted(rows, key=lambda r: (r.table, name_order(r.name)))


def _cells(r: BindingRow) -> list[str]:
    status = r.status if r.suppressed_by is None else f"{r.status} (suppressed)"
    if r.collides_with:
        status += f" with {r.collides_with}"
    return [
        r.table,
        r.name,
        status,
        _value(r.value, r.family),
        _value(r.kernel, r.family),
        _value(r.libc, r.family),
        r.at,
    ]


def findings(result: BindingResult) -> list[str]:
    """In words: each value finding once with the architectures it holds on, then per
    table the names it lacks and those only it has."""
    out = []
    valued = [r for r in result.active if r.status in ("wrong", "libc-value", "collides")]

    def key(r: BindingRow) -> tuple[str, str, int, int, int, str]:
        return (r.name, r.status, r.value or 0, r.kernel or -1, r.libc or -1, r.collides_with or "")

    for (name, status, *_), group in groupby(sorted(valued, key=key), key=key):
        rows = list(group)
        r = rows[0]
        arches = ", ".join(_short(x.table) for x in rows)
        text = f"{name}: {status} on {arches}: the binding says {_value(r.value, r.family)}"
        if status == "collides":
            text += f", the kernel's value of {r.collides_with}"
        elif r.kernel is not None:
            text += f", the kernel {_value(r.kernel, r.family)}"
        else:
            text += ", the kernel has no such name"
        if r.libc is not None and status != "collides":
            text += f", the C library {_value(r.libc, r.family)}"
        out.append(f"{text} ({r.at})")
    for table, group in groupby(
        sorted(result.active, key=lambda r: r.table), key=lambda r: r.table
    ):
        rows = list(group)
        for status, what in (("missing", "lacks"), ("extra", "alone has")):
            names = [r.name for r in rows if r.status == status]
            if names:
                noun = "name" if len(names) == 1 else "names"
                other = "the kernel has" if status == "missing" else "the kernel lacks"
                out.append(f"{table} {what} {len(names)} {noun} {other}: {', '.join(names)}")
    out += [f"{table} not checked: {why}" for table, why in result.unchecked]
    return out


def summary_line(result: BindingResult) -> str:
    """``1052 same, 0 wrong, ...``: the count of each status, in STATUSES order."""
    counts = result.summary()
    return ", ".join(f"{counts[s]} {s}" for s in STATUSES)


_summary = summary_line


def _head(result: BindingResult) -> str:
    b = result.binding
    where = b["path"] + (f" (commit {b['commit']})" if "commit" in b else "")
    against = ", ".join(_AGAINST[a] for a in result.against)
    return f"abicheck binding: {b['kind']}:{where} against {against}"


def _sources(result: BindingResult) -> list[str]:
    out = []
    for s in result.sources:
        o = s.origin
        what = o.get("header", o.get("path", ""))
        extra = "; ".join(
            x for x in (o.get("headers", ""), o.get("package", ""), o.get("version", "")) if x
        )
        out.append(f"{s.label}: {what}" + (f"; {extra}" if extra else ""))
    return out


def render_binding_table(result: BindingResult) -> str:
    rows = shown_rows(result)
    same = sum(r.status == "same" for r in result.rows)
    out = [visible_text(_head(result)), ""]
    if rows:
        out.append(
            tabulate(visible_rows(_cells(r) for r in rows), headers=_HEADERS, disable_numparse=True)
        )
    out.append(f"({same} names the same as the kernel's, not shown)")
    out += ["", "Findings:" if findings(result) else "Findings: none."]
    out += [f"  - {visible_text(f)}" for f in findings(result)]
    out += ["", "Checked against:"] + [f"  {visible_text(s)}" for s in _sources(result)]
    out += ["", _summary(result)]
    return "\n".join(out) + "\n"


def render_binding_markdown(result: BindingResult) -> str:
    out = [f"## {md_text(_head(result))}", "", f"**{_summary(result)}**", "", "### Findings", ""]
    out += [f"- {md_text(f)}" for f in findings(result)] or ["None."]
    rows = shown_rows(result)
    if rows:
        out += ["", "<details><summary>Rows that are not the same</summary>", ""]
        out += [
            md_table([[md_text(c) for c in _cells(r)] for r in rows], _HEADERS),
            "",
            "</details>",
        ]
    out += ["", "### Checked against", ""] + [f"- {md_text(s)}" for s in _sources(result)]
    return "\n".join(out) + "\n"


def render_binding_json(result: BindingResult) -> str:
    return _json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


def render_binding_junit(result: BindingResult) -> str:
    """One test case per binding table and family; a failing row is a failure."""
    suites = ET.Element("testsuites", name="abicheck binding")
    suite = ET.SubElement(suites, "testsuite", name=_xml_text(_head(result)))
    cases = failures = 0
    key = lambda r: (r.table, r.family)  # noqa: E731
    for (table, family), group in groupby(sorted(result.rows, key=key), key=key):
        rows = list(group)
        case = ET.SubElement(suite, "testcase", classname=_xml_text(table), name=_xml_text(family))
        cases += 1
        bad = [r for r in rows if r.status in FAILING and r.suppressed_by is None]
        if bad:
            failures += 1
            text = "\n".join(" ".join(_cells(r)) for r in bad)
            ET.SubElement(
                case, "failure", message=f"{len(bad)} wrong or colliding", type="binding"
            ).text = _xml_text(text)
        others = [r for r in rows if r.status != "same" and r not in bad]
        if others:
            ET.SubElement(case, "system-out").text = _xml_text(
                "\n".join(" ".join(_cells(r)) for r in others)
            )
    for el in (suites, suite):
        el.set("tests", str(cases))
        el.set("failures", str(failures))
        el.set("errors", "0")
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


_CLASS = {
    "same": "same",
    "wrong": "differs incompatible",
    "collides": "differs incompatible",
    "libc-value": "differs compatible",
    "extra": "differs",
    "missing": "absent",
}


def _matrix(result: BindingResult) -> Iterable[tuple[str, MatrixRow]]:
    tables = sorted({r.table for r in result.rows})
    index = {(r.table, r.name): r for r in result.rows}
    for name in sorted({r.name for r in result.rows}, key=name_order):
        cells = []
        for t in tables:
            r = index.get((t, name))
            if r is None:
                cells.append(Cell("", "absent"))
                continue
            cls = "differs suppressed" if r.suppressed_by else _CLASS[r.status]
            title = (
                r.status if r.kernel is None else f"{r.status}; kernel {_value(r.kernel, r.family)}"
            )
            cells.append(Cell(_value(r.value, r.family), cls, title))
        family = next(r.family for r in result.rows if r.name == name)
        yield family, MatrixRow(name, tuple(cells))


def render_binding_html(result: BindingResult) -> str:
    counts = result.summary()
    stats = tuple(Stat(s, str(counts[s]), _CLASS[s].split()[-1]) for s in STATUSES)
    page = Page(
        title=f"Binding check: {result.binding['kind']}",
        subtitle=_head(result),
        stats=stats,
        legend=tuple(Stat(s, "", _CLASS[s]) for s in STATUSES),
        columns=tuple(_short(t) for t in sorted({r.table for r in result.rows})),
        groups=_groups(_matrix(result)),
        findings_title="Findings",
        findings=tuple(Item("", "", "", "", f) for f in findings(result)),
        provenance=(("Checked against", _provenance(result.sources)),),
    )
    return render_page(page)
