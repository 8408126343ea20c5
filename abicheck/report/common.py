"""What several report formats share: control characters shown as escapes, tables,
a row's majority, and the words and cells both text formats give a result."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .._pattern import lazy_compile
from ..model import MemberLayout, RecordLayout

# audit and compare are imported by the functions that use them: the parse table
# (text.render_parse_table) needs neither
if TYPE_CHECKING:
    from ..audit import AuditResult, Change, Suppression
    from ..compare import Comparison, Row, Source
    from ..layouts import MemberRow, TypeRow

if TYPE_CHECKING:
    from ..verify.model import VerifyReport, VerifyResult

#: What a terminal or a markdown viewer must not receive raw: C0 and C1 control
#: characters but newline (ESC starts terminal sequences), DEL, and the
#: bidirectional-text controls that reorder what is shown.
_CONTROL = lazy_compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible_text(text: str) -> str:
    """``text`` with control characters but newline shown as escapes (ESC -> ``\\x1b``)."""

    if text.isprintable():  # (none of _CONTROL's characters is printable)
        return text

    def esc(m: re.Match[str]) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _CONTROL.sub(esc, text)


def visible_rows(rows: Iterable[Sequence[str]]) -> list[list[str]]:
    """Table rows with :func:`visible_text` applied to every cell."""
    return [[visible_text(c) for c in r] for r in rows]


def tabulate(rows: Any, **options: Any) -> str:
    """``tabulate.tabulate``, imported at the first table that needs it: importing it
    takes about 15 ms, and many runs (JSON output, snapshots) print no table, or one
    of text columns only (``abicheck parse``), which :func:`text_table` lays out."""
    headers = options.get("headers")
    if options.keys() == {"headers"} and isinstance(headers, list):
        text = text_table(rows, headers)
        if text is not None:
            return text
    from tabulate import tabulate as _tabulate

    return str(_tabulate(rows, **options))


# what tabulate might read as a number, or as a boolean (in a column of numbers, it
# right-aligns those too): float() takes it, or digits with thousands separators
# (1,000.5), or True and False
_THOUSANDS = re.compile(r"[+-]?[0-9,]*\.?[0-9]*")


def _number_like(cell: str) -> bool:
    if cell in ("True", "False"):
        return True
    try:
        float(cell)
    except ValueError:
        return _THOUSANDS.fullmatch(cell) is not None
    return True


def text_table(rows: Any, headers: Sequence[str]) -> str | None:
    """``rows`` (lists of strings) under ``headers`` as ``tabulate(rows, headers)``
    lays them out when every column is text (left-aligned, each as wide as its widest
    cell or its header and two spaces, two spaces between, trailing blanks cut), or
    None where it would not be that: a column of numbers only (right-aligned), a cell
    that is not printable ASCII (wide characters, newlines) or has blanks at its ends
    (tabulate strips them), or no rows."""
    if not isinstance(rows, list) or not rows:
        return None
    n = len(headers)
    widths = [len(h) + 2 for h in headers]
    for row in [headers, *rows]:
        if not isinstance(row, list) or len(row) != n:
            return None
        for j, cell in enumerate(row):
            if not isinstance(cell, str) or not (cell.isascii() and cell.isprintable()):
                return None
            if cell and (cell[0] == " " or cell[-1] == " "):
                return None
            if len(cell) > widths[j]:
                widths[j] = len(cell)
    for j in range(n):
        cells = [row[j] for row in rows]
        # a column all numbers is right-aligned; all empty is text
        if any(cells) and all(_number_like(c) for c in cells if c):
            return None
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def majority(values: Iterable[int | None]) -> int | None:
    """The value most cells share, or None when no single value is the most common."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    top = counts.most_common()
    if len(top) > 1 and top[0][1] == top[1][1]:
        return None
    return top[0][0]


def deviating(row: Row) -> set[str]:
    """The labels whose value differs from the row's majority (all present ones if none)."""
    if row.status != "differs":
        return set()
    maj = majority(row.values.values())
    return {lb for lb, v in row.values.items() if v is not None and v != maj}


# -- comparisons -----------------------------------------------------------------------


def columns(cmp: Comparison) -> list[str]:
    """Column names: ``arch:`` dropped when every source is an architecture."""
    all_arch = all(s.kind == "arch" for s in cmp.sources)
    return [
        s.label[5:] if all_arch and s.label.startswith("arch:") else s.label for s in cmp.sources
    ]


def families(cmp: Comparison) -> dict[str, list[Row]]:
    """The rows by family, in the comparison's order."""
    groups: dict[str, list[Row]] = {}
    for row in cmp.rows:
        groups.setdefault(row.family, []).append(row)
    return groups


def heading(family: str) -> str:
    """A family as a heading: ``MAP_`` for a macro family, the type for a layout's."""
    from ..layout_names import is_layout_family  # not for a parse table

    return family if is_layout_family(family) else f"{family}_"


def row_cells(cmp: Comparison, row: Row) -> list[str]:
    """A row as the text formats show it: name (and alias), one value per source, status."""
    targets = sorted(set(row.aliases.values()))
    name = f"{row.name} (alias of {'/'.join(targets)})" if targets else row.name
    from ..compare import format_value as cmp_format_value

    values = (cmp_format_value(row.values[s.label], row.family) for s in cmp.sources)
    return [name, *values, row.status]


def summary(cmp: Comparison) -> str:
    """``N names in M sources: ... same, ... differ, ... partial``."""
    n = len(cmp.rows)
    return (
        f"{n} name{'s' if n != 1 else ''} in {len(cmp.sources)} "
        f"source{'s' if len(cmp.sources) != 1 else ''}: "
        f"{cmp.count('same')} same, {cmp.count('differs')} differ, "
        f"{cmp.count('partial')} partial"
    )


def describe(source: Source) -> str:
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


# -- audits ------------------------------------------------------------------------------

CHANGE_HEADERS = ["source", "family", "name", "change", "severity", "old", "new"]


def change_rows(changes: Sequence[Change]) -> list[list[str]]:
    """One row of :data:`CHANGE_HEADERS` per change."""
    from ..audit import format_value

    return [
        [
            c.label,
            c.family,
            c.name,
            c.kind,
            f"suppressed by {c.suppressed_by.location}" if c.suppressed_by else c.severity,
            format_value(c.old, c.family),
            format_value(c.new, c.family),
        ]
        for c in changes
    ]


def suppression_text(s: Suppression | None) -> str:
    """Where a suppression is and what it matches ("" for none)."""
    return "" if s is None else f"{s.location} ({s.describe()})"


def pairs_line(result: AuditResult) -> str:
    """The audited pairs, comma-separated."""
    cols = [p.column for p in result.pairs]
    return ", ".join(cols) if cols else "(nothing)"


def found_text(result: AuditResult) -> str:
    """The exit bits and what they mean: ``exit bits 12 (8 incompatible + 4 compatible)``."""
    found = result.found
    words = []
    if found & 8:
        words.append("8 incompatible")
    if found & 4:
        words.append("4 compatible")
    return f"exit bits {found} ({' + '.join(words) if words else 'no change'})"


def suppression_rows(result: AuditResult, matched: str) -> list[list[str]]:
    """One row (status, at, rule, reason) per suppression; ``matched`` formats the
    count of a rule that matched (``"{} matched"``)."""
    return [
        [
            "stale" if u.stale else matched.format(len(u.matches)),
            u.suppression.location,
            u.suppression.describe(),
            u.suppression.reason,
        ]
        for u in result.suppressions
    ]


def snapshot_note(sources: Iterable[Source]) -> str:
    """One line saying which tables came from abicheck's shipped snapshot rather than
    installed headers, and how to read real ones ("" when none did)."""
    from ..compare import snapshot_labels

    labels = snapshot_labels(sources)
    if not labels:
        return ""
    return (
        f"{len(labels)} table(s) from abicheck's shipped snapshot, not installed headers: "
        f"{', '.join(labels)} (installed headers win where Debian has them: apt-get "
        "install $(abicheck arches --apt-packages); for the others, --kernel-tree DIR)"
    )


# -- verify reports -------------------------------------------------------------------

VERIFY_HEADERS = ("name", "value", "source", "status", "evidence")


def verify_value(r: VerifyResult) -> str:
    """A verified value as people write it: hex for MAP_ and PROT_ flags, else decimal."""
    if r.value is None:
        return "-"
    return f"{r.value:#x}" if r.name.startswith(("MAP_", "PROT_")) else str(r.value)


def verify_rows(report: VerifyReport) -> list[list[str]]:
    """A row of :data:`VERIFY_HEADERS` cells per result, in the report's order."""
    return [[r.name, verify_value(r), r.source, r.status, r.evidence] for r in report.results]


def verify_summary(report: VerifyReport) -> str:
    """``3 verified, 1 rejected``: the count of each status there is, in
    :data:`~abicheck.verify.model.STATUSES` order, or ``no results``."""
    from ..verify.model import STATUSES  # verify (ctypes) only when its report is shown

    counts = {s: sum(r.status == s for r in report.results) for s in STATUSES}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no results"


# -- layouts -----------------------------------------------------------------------------


def declaration(m: MemberLayout) -> tuple[str, str]:
    """A member as C declares it, split into type and declarator: ``char[5]`` and
    ``name`` -> ``char``, ``name[5]``; a bit-field's width after its name (``a:3``)."""
    spelled, name = m.type, m.name
    if spelled.endswith(" (*)()"):
        spelled, name = spelled[: -len(" (*)()")], f"(*{name})()"
    dims = ""
    while spelled.endswith("]") and "[" in spelled:
        cut = spelled.rindex("[")
        spelled, dims = spelled[:cut], spelled[cut:] + dims
    if dims.startswith("[]") and m.size:  # a size the reader worked out, not spelled
        dims = "[?]" + dims[2:]
    if m.bit_width is not None:
        dims += f":{m.bit_width}"
    return spelled, name + dims


def bits_text(bits: int) -> str:
    """A length in bits as bytes and bits: ``4 bytes``, ``5 bits``, ``1 byte 2 bits``."""
    nbytes, rest = divmod(bits, 8)
    parts = []
    if nbytes:
        parts.append(f"{nbytes} byte{'s' if nbytes != 1 else ''}")
    if rest or not nbytes:
        parts.append(f"{rest} bit{'s' if rest != 1 else ''}")
    return " ".join(parts)


LayoutEntry = tuple[str, MemberLayout | None, int]


def layout_entries(t: RecordLayout) -> list[LayoutEntry]:
    """``t``'s members in order with its holes among them, as (what, member, bits):
    ("member", m, 0), ("hole", None, length in bits) before the member that ends it,
    and at the end ("bit_padding", None, bits) to the next byte and ("padding", None,
    bits) to the end (:func:`abicheck.layouts.holes`)."""
    from ..layouts import holes

    gaps = list(holes(t))
    size_bits = (t.size or 0) * 8
    tail = gaps.pop() if gaps and gaps[-1][1] == size_bits else None
    before = {end: end - start for start, end in gaps}
    out: list[LayoutEntry] = []
    for m in t.members:
        start = m.bit_offset if m.bit_offset is not None else m.offset * 8
        if start in before:
            out.append(("hole", None, before.pop(start)))
        out.append(("member", m, 0))
    if tail is not None:
        start, end = tail
        if start % 8:
            out.append(("bit_padding", None, 8 - start % 8))
        if end - _round_up(start) > 0:
            out.append(("padding", None, end - _round_up(start)))
    return out


def _round_up(bits: int) -> int:
    return -(-bits // 8) * 8


def place_text(m: MemberLayout) -> str:
    """A member's offset as pahole shows it: ``8``, a bit-field's ``4:3`` (its byte,
    then its bit in that byte)."""
    if m.bit_offset is None:
        return str(m.offset)
    return f"{m.offset}:{m.bit_offset - 8 * m.offset}"


def arch_cell(size: int | None, present: bool) -> str:
    """A type's size or alignment in a side-by-side cell: ``-`` where the type is not
    declared, ``n/a`` where it has no layout."""
    if not present:
        return "-"
    return "n/a" if size is None else str(size)


def member_cell(row: MemberRow, i: int) -> str:
    """A member's offset and size on the ``i``-th architecture: ``8 4``, a bit-field's
    ``4:3 4``; ``-`` where that architecture's type has no such member."""
    offset, size, bit = row.offsets[i], row.sizes[i], row.bit_offsets[i]
    if offset is None:
        return "-"
    place = str(offset) if bit is None else f"{offset}:{bit - 8 * offset}"
    return f"{place} {size}"


def same_text(row: TypeRow, count: int) -> str:
    """What a side-by-side says of a type nothing differs in, or of members that do not."""
    if not row.differs:
        size = next((s for s in row.sizes if s is not None), None)
        align = next((a for a in row.aligns if a is not None), None)
        shown = "no layout" if size is None else f"size {size}, align {align}"
        return f"same on all {count} architectures ({shown})"
    return f"members: same offsets and sizes on all {count} architectures"


def side_by_side_cells(row: TypeRow, count: int) -> list[list[str]]:
    """A side-by-side's rows for one type on ``count`` architectures: its size, its
    alignment, and each member whose offset or size differs (:func:`member_cell`)."""
    cells = [
        ["size", *(arch_cell(s, p) for s, p in zip(row.sizes, row.present, strict=True))],
        ["align", *(arch_cell(a, p) for a, p in zip(row.aligns, row.present, strict=True))],
    ]
    for m in row.members:
        if m.differs:
            cells.append([m.name, *(member_cell(m, i) for i in range(count))])
    return cells
