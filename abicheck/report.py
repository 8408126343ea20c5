"""Text renderings of results: what the CLI prints. Nothing here prints itself.

Comparisons (``abicheck compare``): :func:`render_comparison` with the formats of
:data:`COMPARISON_FORMATS`; the helpers are prefixed ``_cmp_``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from tabulate import tabulate

from .compare import Comparison, Row, Source, format_value
from .model import AbicheckError

COMPARISON_FORMATS = ("table", "markdown", "json")


def _cmp_name_cell(row: Row) -> str:
    targets = sorted(set(row.aliases.values()))
    return f"{row.name} (alias of {'/'.join(targets)})" if targets else row.name


def _cmp_column(label: str, sources: Sequence[Source]) -> str:
    """Column headers: ``arch:`` dropped when every source is an architecture."""
    if all(s.kind == "arch" for s in sources) and label.startswith("arch:"):
        return label[5:]
    return label


def _cmp_describe(source: Source) -> str:
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
        *(format_value(row.values[s.label], row.family) for s in cmp.sources),
        row.status,
    ]


def _cmp_summary(cmp: Comparison) -> str:
    n = len(cmp.rows)
    return (
        f"{n} name{'s' if n != 1 else ''} in {len(cmp.sources)} sources: "
        f"{cmp.count('same')} same, {cmp.count('differs')} differ, "
        f"{cmp.count('partial')} partial"
    )


def render_comparison_table(cmp: Comparison) -> str:
    """Plain text: one tabulate table per family, then sources, findings and a summary."""
    headers = ["name", *(_cmp_column(s.label, cmp.sources) for s in cmp.sources), "status"]
    out: list[str] = []
    for family, rows in _cmp_families(cmp):
        out.append(f"{family}_")
        out.append(
            tabulate([_cmp_cells(cmp, r) for r in rows], headers=headers, disable_numparse=True)
        )
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
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_comparison_markdown(cmp: Comparison) -> str:
    """GitHub markdown: a section per family, the sources and the findings as lists."""
    headers = ["name", *(_cmp_column(s.label, cmp.sources) for s in cmp.sources), "status"]
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
    return "\n".join(out) + "\n"


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
