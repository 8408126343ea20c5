"""Put constant tables side by side and say where they disagree.

:func:`compare` takes tables (from :mod:`abicheck.sources`) and gives one :class:`Row`
per macro name with each source's value and a status:

* ``same``: every source has it, with one value;
* ``differs``: two sources give it different values (an ABI break);
* ``partial``: some sources lack it (added or removed over time), the others agree.

Which names are compared: integer macros (those with a value) whose name is in one of
the target's families (:mod:`abicheck.targets`; for ``mman``: ``PROT_``, ``MAP_``,
``MADV_``, ...), so compiler
builtins (file ``<built-in>``/``<command-line>``), include guards (``_ASM_..._H``),
helpers such as ``HUGETLB_FLAG_ENCODE_*`` and anything else a header drags in stay out.
When no table has a name of those families (``arch:`` sources read with another
``--header``, such as ``linux/fcntl.h``), every integer macro but the builtins is
compared instead, so such a comparison is never empty for want of mman names.
``only`` replaces the families by name prefixes (``MADV`` or ``MADV_``: names starting
with it; a bare word matches as a family, ``MADV`` being ``MADV_``), still skipping
builtins and ``_``-prefixed names unless the prefix starts with ``_``.

A name defined as another compared name of the same source (``MAP_ANON`` as
``MAP_ANONYMOUS``) is an alias: its value is the target's, and ``Row.aliases`` records
the target per source.

:class:`Finding` texts say in words what differs, which names sources lack, and for
many-source comparisons (architecture matrices) which sources deviate from the majority.
Nothing here prints.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from ._callable import callable_module
from .layout_names import is_layout_family, name_of, parse_layout_name
from .model import AbicheckError, Macro, Table
from .targets import Target
from .targets.mman import MMAN

#: The default target's families, in display order (see :mod:`abicheck.targets`).
FAMILIES: tuple[str, ...] = MMAN.prefixes
STATUSES = ("same", "differs", "partial")
#: The name and version of the JSON ``to_json`` gives (schemas/compare.schema.json).
FORMAT = "abicheck-compare/1"
FAIL_ON = ("differs", "partial", "never")
_IDENT = re.compile(r"\(*\s*([A-Za-z_]\w*)\s*\)*")
#: At most this many sources: findings name every source; more: majority summaries.
SMALL = 6

Status = Literal["same", "differs", "partial"]


def family_of(name: str, target: Target = MMAN) -> str:
    """The family of ``name`` in ``target`` (longest matching prefix), or its first word."""
    return target.family_of(name)


def is_family_name(name: str, target: Target = MMAN) -> bool:
    """Whether ``name`` belongs to one of ``target``'s families."""
    return target.has(name)


def _every_name(name: str) -> bool:
    return True


def check_filter(
    only: Sequence[str], names: Iterable[str], option: str = "--only", target: Target = MMAN
) -> None:
    """Raise AbicheckError when a prefix of ``only`` matches none of ``names``: a
    filter that matches nothing is an error, not a pass. The message names the
    target's families there are (or all, when none is) and the closest names, as
    ruff does for an unknown rule selector."""
    import difflib

    present = sorted(set(names))
    for p in only:
        if any(n.startswith(p) for n in present):
            continue
        ours = {target.family_of(n) for n in present if target.has(n)}
        families = [f for f in target.prefixes if f in ours] or sorted(
            {n.split("_", 1)[0] for n in present if "_" in n and not n.startswith("_")}
        )
        close = difflib.get_close_matches(p.upper(), present, n=3, cutoff=0.6)
        close += [f + "_" for f in families if f.startswith(p.upper().rstrip("_"))][:3]
        hint = f"; did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
        raise AbicheckError(
            f"{option} {p}: no name starts with it; families here: "
            f"{', '.join(families) or 'none'}{hint}"
        )


def _prefixes(only: Sequence[str]) -> list[str]:
    """``--only`` values as name prefixes (a bare word is a family: MS means MS_)."""
    prefixes = []
    for p in only:
        p = p.strip()
        if not p:
            raise AbicheckError("--only needs a non-empty name prefix")
        prefixes.append(p if "_" in p.strip("_") or p.endswith("_") else p + "_")
    return prefixes


def _selector(only: Sequence[str] | None, target: Target) -> Callable[[str], bool]:
    if not only:
        return target.has
    prefixes = _prefixes(only)

    def select(name: str) -> bool:
        return any(
            name.startswith(p) and (p.startswith("_") or not name.startswith("_")) for p in prefixes
        )

    return select


def only_tables(tables: Sequence[Table], only: Sequence[str]) -> list[Table]:
    """``tables`` keeping the macros whose names have one of the ``only`` prefixes
    (as for :func:`compare`; a bare word is a family). Raises AbicheckError for a
    prefix that matches no integer name of any table."""
    prefixes = _prefixes(only)
    names = (m.name for t in tables for m in t.macros if m.value is not None and not m.builtin)
    check_filter(prefixes, names)
    select = _selector(only, MMAN)
    return [replace(t, macros=tuple(m for m in t.macros if select(m.name))) for t in tables]


def format_value(
    value: int | None, family: str = "", absent: str = "-", target: Target = MMAN
) -> str:
    """A value as people write it: decimal for enumerations, small and negative values
    and layouts (sizes, offsets: ``family`` a type); hex for flag bits; ``absent`` when
    there is none."""
    if value is None:
        return absent
    if family in target.enum_families or 0 <= value < 10 or value < 0:
        return str(value)
    if is_layout_family(family):
        return str(value)
    return hex(value)


@dataclass(frozen=True)
class Row:
    """One name across the sources: ``values`` label -> value (None: absent there),
    ``aliases`` label -> the name it is defined as in that source."""

    name: str
    family: str
    values: dict[str, int | None]
    status: Status
    aliases: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "values": dict(self.values)}
        data["status"] = self.status
        if self.aliases:
            data["aliases"] = dict(self.aliases)
        return data


@dataclass(frozen=True)
class Finding:
    """One finding in words. ``kind``: ``differs`` (a value disagrees; ``name`` the
    macro), ``lacks`` (a source lacks names others have; ``name`` the source label),
    ``partial`` (in a many-source matrix, which sources have a name; ``name`` the macro),
    ``added_at_end`` (layouts: a member some sources have past the end of the struct
    where the others lack it; ``name`` its offsetof)."""

    kind: Literal["differs", "lacks", "partial", "added_at_end"]
    name: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "text": self.text}


@dataclass(frozen=True)
class Source:
    """A table's label, kind and provenance: a comparison's column, an audited table."""

    label: str
    kind: str
    origin: Mapping[str, str]

    @classmethod
    def of(cls, table: Table) -> Source:
        return cls(table.label, table.kind, table.origin.as_dict())

    @property
    def from_snapshot(self) -> bool:
        """Whether the table came from abicheck's shipped snapshot, not from headers."""
        return self.origin.get("from") == "snapshot"

    def to_json(self) -> dict[str, Any]:
        """Label, kind and origin (keys sorted, so the JSON is the same on every run)."""
        return {
            "label": self.label,
            "kind": self.kind,
            "origin": {k: str(self.origin[k]) for k in sorted(self.origin)},
        }


def snapshot_labels(sources: Iterable[Source]) -> list[str]:
    """The labels of the sources read from the shipped snapshot, not from headers."""
    return [s.label for s in sources if s.from_snapshot]


@dataclass(frozen=True)
class Comparison:
    """The compared sources (in input order), rows (by family, then name) and findings."""

    sources: tuple[Source, ...]
    rows: tuple[Row, ...]
    findings: tuple[Finding, ...]

    @property
    def labels(self) -> list[str]:
        return [s.label for s in self.sources]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def to_json(self) -> dict[str, Any]:
        """``{"sources": [...], "rows": [...], "findings": [...]}`` (see the issue)."""
        return {
            "format": FORMAT,
            "sources": [s.to_json() for s in self.sources],
            "from_snapshot": snapshot_labels(self.sources),
            "summary": {status: self.count(status) for status in STATUSES},
            "rows": [r.to_json() for r in self.rows],
            "findings": [f.to_json() for f in self.findings],
        }

    def exit_code(self, fail_on: str = "differs") -> int:
        """1 when a row fails ``fail_on`` (``differs``: some row differs; ``partial``:
        some row differs or is partial; ``never``), else 0."""
        if fail_on not in FAIL_ON:
            raise AbicheckError(f"unknown --fail-on {fail_on!r}; available: {', '.join(FAIL_ON)}")
        if fail_on == "never":
            return 0
        failing = {"differs"} if fail_on == "differs" else {"differs", "partial"}
        return 1 if any(r.status in failing for r in self.rows) else 0


def _alias_target(m: Macro, names: Mapping[str, Macro]) -> str | None:
    match = _IDENT.fullmatch(m.expr.strip())
    if match is None:
        return None
    target = match.group(1)
    return target if target != m.name and target in names else None


def compare(
    tables: Sequence[Table], only: Sequence[str] | None = None, target: Target = MMAN
) -> Comparison:
    """Compare ``tables`` name by name (see the module docstring).

    Names compared: with ``only``, those with one of its prefixes; else those of the
    ``target``'s families when any table has one, and every integer name when none
    does (builtins always left out).

    Raises :class:`AbicheckError` for no tables, two tables with the same label, or
    no name to compare.
    """
    if not tables:
        raise AbicheckError("nothing to compare: no sources")
    labels = [t.label for t in tables]
    dupes = sorted(label for label, n in Counter(labels).items() if n > 1)
    if dupes:
        raise AbicheckError(f"source label given twice: {', '.join(dupes)}")
    select = _selector(only, target)
    integers = [[m for m in t.macros if m.value is not None and not m.builtin] for t in tables]
    if not any(integers):  # (before --only, which would say no family is here)
        raise _nothing(labels)
    if only:
        check_filter(_prefixes(only), (m.name for ms in integers for m in ms), target=target)
    if not only and not any(target.has(m.name) for ms in integers for m in ms):
        select = _every_name  # no names of the target anywhere: compare all integer names
    per_source = [{m.name: m for m in ms if select(m.name)} for ms in integers]
    names = sorted(
        {n for chosen in per_source for n in chosen},
        key=lambda n: (target.rank(target.family_of(n)), n),
    )
    if not names:  # a source that gives nothing is no pass
        raise _nothing(labels)
    rows = []
    for name in names:
        values: dict[str, int | None] = {}
        aliases: dict[str, str] = {}
        for t, chosen in zip(tables, per_source, strict=True):
            m = chosen.get(name)
            values[t.label] = m.value if m else None
            if m is not None and (alias := _alias_target(m, chosen)):
                aliases[t.label] = alias
        present = {v for v in values.values() if v is not None}
        status: Status
        if len(present) > 1:
            status = "differs"
        elif None in values.values():
            status = "partial"
        else:
            status = "same"
        rows.append(Row(name, target.family_of(name), values, status, aliases))
    sources = tuple(Source.of(t) for t in tables)
    return Comparison(sources, tuple(rows), tuple(_findings(tables, rows, target)))


# -- findings in words ---------------------------------------------------------------


def _nothing(labels: Sequence[str]) -> AbicheckError:
    which = "the source" if len(labels) == 1 else "any source"
    return AbicheckError(f"nothing to compare: no integer macro in {which} ({_join(labels)})")


def _join(items: Sequence[str]) -> str:
    return ", ".join(items)


def _short(label: str, arch_matrix: bool) -> str:
    return label[5:] if arch_matrix and label.startswith("arch:") else label


def _differs_text(row: Row, labels: Sequence[str], arch_matrix: bool, target: Target) -> str:
    groups: dict[int, list[str]] = {}
    for label in labels:
        v = row.values[label]
        if v is not None:
            groups.setdefault(v, []).append(_short(label, arch_matrix))
    fv = [(value, members) for value, members in groups.items()]
    if len(labels) <= SMALL:
        parts = [
            f"{_join(members)} {'says' if len(members) == 1 else 'say'} "
            f"{format_value(value, row.family, target=target)}"
            for value, members in fv
        ]
        return f"{row.name}: {', '.join(parts)}"
    fv.sort(key=lambda vm: (-len(vm[1]), vm[0]))
    noun = "architectures" if arch_matrix else "sources"
    parts = []
    for i, (value, members) in enumerate(fv):
        if i == 0 and len(members) > SMALL:
            parts.append(
                f"{format_value(value, row.family, target=target)} on {len(members)} {noun}"
            )
        else:
            parts.append(f"{format_value(value, row.family, target=target)} on {_join(members)}")
    missing = [_short(lb, arch_matrix) for lb in labels if row.values[lb] is None]
    text = f"{row.name}: {'; '.join(parts)}"
    if missing:
        text += f"; absent on {_join(missing)}"
    return text


def _partial_text(row: Row, labels: Sequence[str], arch_matrix: bool) -> str:
    have = [_short(lb, arch_matrix) for lb in labels if row.values[lb] is not None]
    lack = [_short(lb, arch_matrix) for lb in labels if row.values[lb] is None]
    if len(have) <= len(lack):
        return f"{row.name}: only on {_join(have)}"
    return f"{row.name}: absent on {_join(lack)}"


def _lacks(rows: Iterable[Row], labels: Sequence[str]) -> list[Finding]:
    out = []
    for label in labels:
        by_holders: dict[tuple[str, ...], list[str]] = {}
        for row in rows:
            if row.values[label] is None:
                holders = tuple(lb for lb in labels if row.values[lb] is not None)
                by_holders.setdefault(holders, []).append(row.name)
        for holders, names in sorted(by_holders.items(), key=lambda kv: (-len(kv[0]), kv[0])):
            others = [lb for lb in labels if lb != label]
            who = (
                "the others have"
                if len(others) > 1 and list(holders) == others
                else f"{_join(holders)} " + ("has" if len(holders) == 1 else "have")
            )
            noun = "name" if len(names) == 1 else "names"
            out.append(
                Finding(
                    "lacks", label, f"{label} lacks {len(names)} {noun} that {who}: {_join(names)}"
                )
            )
    return out


def _findings(tables: Sequence[Table], rows: Sequence[Row], target: Target) -> list[Finding]:
    labels = [t.label for t in tables]
    arches = [
        t.kind == "arch" or (t.kind == "layout" and t.origin.source == "arch") for t in tables
    ]
    arch_matrix = (len(tables) > SMALL or sum(arches) > 1) and any(arches)
    findings = [
        Finding("differs", r.name, _differs_text(r, labels, arch_matrix, target))
        for r in rows
        if r.status == "differs"
    ]
    if len(labels) <= SMALL:
        findings += _lacks([r for r in rows if r.status != "same"], labels)
    else:
        findings += [
            Finding("partial", r.name, _partial_text(r, labels, arch_matrix))
            for r in rows
            if r.status == "partial"
        ]
    findings += _added_at_end(rows, labels, arch_matrix)
    return findings


def _added_at_end(rows: Sequence[Row], labels: Sequence[str], arch_matrix: bool) -> list[Finding]:
    """Members some sources have at or past the end of their struct where the others,
    whose struct ends there, lack them: added at the end (which changes its size)."""
    by_name = {r.name: r for r in rows}
    out = []
    for row in rows:
        parsed = parse_layout_name(row.name)
        if row.status != "partial" or parsed is None:
            continue
        if parsed.what not in ("offsetof", "bitoffsetof"):
            continue
        size_row = by_name.get(name_of("sizeof", parsed.type))
        if size_row is None:
            continue
        bits = 8 if parsed.what == "bitoffsetof" else 1
        lack = [lb for lb in labels if row.values[lb] is None and size_row.values[lb] is not None]
        have = [lb for lb in labels if row.values[lb] is not None]
        if not lack or not have:
            continue
        ends = {size_row.values[lb] for lb in lack}
        first = min(v for lb in have if (v := row.values[lb]) is not None) // bits
        if first < max(e for e in ends if e is not None):
            continue
        size_text = "/".join(str(e) for e in sorted(e for e in ends if e is not None))
        out.append(
            Finding(
                "added_at_end",
                row.name,
                f"{row.name}: {parsed.member} is at the end of {parsed.type} on "
                f"{_join([_short(lb, arch_matrix) for lb in have])}, past its size "
                f"({size_text}) on {_join([_short(lb, arch_matrix) for lb in lack])}: a member "
                f"added at the end, which changes sizeof({parsed.type}) (incompatible for "
                "arrays of it, types embedding it and callers that allocate it)",
            )
        )
    return out


callable_module(__name__, "compare")
