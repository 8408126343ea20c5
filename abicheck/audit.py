"""Release audits: today's tables against a baseline snapshot, change by change.

``audit(baseline, current, suppressions)`` pairs the baseline's tables with today's
and classifies every difference of their integer macros (compiler built-ins are
ignored, and include guards are no integers; families are
:func:`abicheck.compare.family_of`):

=================  ============  ==========================================
kind               severity      meaning
=================  ============  ==========================================
``value_changed``  incompatible  the name has another value than at release
``name_removed``   incompatible  the name was in the baseline, is gone now
``name_added``     compatible    the name is new since the baseline
``source_removed`` incompatible  a baseline table has no counterpart today
                                 (e.g. an architecture was dropped or its
                                 headers were not installed on this runner)
``source_added``   compatible    a table today has no counterpart in the
                                 baseline (its names are not listed one by one)
=================  ============  ==========================================

Layout tables (:mod:`abicheck.sources.layout_tables`: ``sizeof(struct stat)``,
``offsetof(struct stat, st_mode)``, ...) are audited the same way: a changed size,
alignment or offset is ``value_changed``, a member gone ``name_removed``, both
incompatible. A member new since the baseline whose offset is at or past the
baseline's size of its struct is ``member_added_at_end`` (compatible: the members
there were stay where they were). Adding it changes the struct's size, though, and
that ``sizeof`` change is itself a ``value_changed``, incompatible: for arrays of the
struct, types embedding it and callers that allocate it by its old size; suppress it
(``kind = "value_changed"``, ``name = "sizeof(struct x)"``) for a struct that is
extensible by design (one passed with its size, as ``struct clone_args``).

Pairing (``pair``): ``"label"`` pairs tables with equal labels only (``arch:mips``
with ``arch:mips``). ``"auto"`` (the default) does the same, except that when the
baseline and today hold exactly one table each, those two are paired whatever
their labels (a baseline read from the ARM header audited against ``system``);
both labels are kept on every change (``baseline_label`` and ``label``).

Suppressions (:func:`load_suppressions`) are a TOML file of rules::

    # abicheck-suppressions.toml
    [[suppress]]
    name = "MADV_*"             # fnmatch pattern on the macro name (required)
    arch = "hppa"               # fnmatch pattern on the source label, optional;
                                # "hppa" also matches the label "arch:hppa"
    kind = "value_changed"      # one of the change kinds above, optional
    reason = "hppa numbers MADV_* its own way"   # why it is accepted (required)

A change is suppressed by the first rule (in file order) that matches it; every
rule records all the changes it matches, and a rule that matches nothing is
*stale* (:attr:`AuditResult.stale`). Source-level changes have the name ``""``:
only a name pattern such as ``"*"`` matches them.

Exit codes (:meth:`AuditResult.exit_code`), a bit mask as in libabigail's abidiff:

===  =====================================================================
bit  meaning
===  =====================================================================
0    no unsuppressed change
1    error (set by the CLI, never here)
2    usage error (set by the CLI, never here)
4    at least one unsuppressed compatible change
8    at least one unsuppressed incompatible change
===  =====================================================================

The bits always say what was found (:attr:`AuditResult.found`); ``fail_on``
says whether that fails the build: ``exit_code("any")`` returns the bits
whenever any bit is set; ``exit_code("incompatible")`` returns the bits
(4 may be set alongside 8) only if bit 8 is set, and 0 otherwise, so that
compatible changes alone pass; ``exit_code("never")`` is always 0 (reports only).
Suppressed changes and stale suppressions never set bits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Generic, Literal, NoReturn, TypeVar, get_args

from ._callable import callable_module
from .compare import Source, family_of, only_tables, snapshot_labels
from .compare import format_value as _format_value
from .layout_names import name_of, parse_layout_name
from .model import AbicheckError, Macro, Table, read_text

ChangeKind = Literal[
    "value_changed",
    "name_removed",
    "name_added",
    "member_added_at_end",
    "source_removed",
    "source_added",
]
Severity = Literal["incompatible", "compatible"]
FailOn = Literal["incompatible", "any", "never"]
PairMode = Literal["label", "auto"]

CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)
FAIL_ON: tuple[FailOn, ...] = get_args(FailOn)

SEVERITY: Mapping[ChangeKind, Severity] = {
    "value_changed": "incompatible",
    "name_removed": "incompatible",
    "name_added": "compatible",
    "member_added_at_end": "compatible",
    "source_removed": "incompatible",
    "source_added": "compatible",
}

_Matched = TypeVar("_Matched")

#: The name and version of the JSON ``AuditResult.to_json`` gives.
FORMAT = "abicheck-audit/1"

EXIT_NONE = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_COMPATIBLE = 4
EXIT_INCOMPATIBLE = 8


def audited_macros(table: Table) -> dict[str, Macro]:
    """Name -> macro for the macros an audit compares: integers, no built-ins
    (an include guard is empty, so no integer)."""
    out: dict[str, Macro] = {}
    for m in table.macros:
        if m.kind != "integer" or m.value is None or m.builtin:
            continue
        out[m.name] = m
    return out


def _short_label(label: str) -> str:
    return label.split(":", 1)[1] if label.startswith("arch:") else label


# -- suppressions ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suppression:
    """One accepted difference: which names (and sources, kinds) it covers, and why."""

    name: str
    reason: str
    arch: str | None = None
    kind: str | None = None
    file: str = ""
    line: int = 0

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.file else "<suppression>"

    def describe(self) -> str:
        parts = [f"name={self.name}"]
        if self.arch is not None:
            parts.append(f"arch={self.arch}")
        if self.kind is not None:
            parts.append(f"kind={self.kind}")
        return " ".join(parts)

    def matches(self, change: Change) -> bool:
        return self.matches_item(change.name, change.kind, (change.label, change.baseline_label))

    def matches_item(self, name: str, kind: str, labels: Sequence[str]) -> bool:
        """Whether the rule covers ``name`` of that ``kind`` (a change kind, or a binding
        check's status) in a source with one of ``labels``."""
        if not fnmatchcase(name, self.name):
            return False
        if self.kind is not None and kind != self.kind:
            return False
        if self.arch is None:
            return True
        return any(
            fnmatchcase(lab, self.arch) or fnmatchcase(_short_label(lab), self.arch)
            for lab in labels
            if lab
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "arch": self.arch,
            "kind": self.kind,
            "reason": self.reason,
            "file": self.file,
            "line": self.line,
        }


_TOML_POS = re.compile(r"\(at line (\d+), column \d+\)")
_HEADER = re.compile(r"^\s*\[\[\s*suppress\s*\]\]")


def _entry_lines(text: str) -> list[tuple[int, int]]:
    """For each ``[[suppress]]`` table: (header line, last line) numbers, 1-based."""
    lines = text.splitlines()
    starts = [i + 1 for i, ln in enumerate(lines) if _HEADER.match(ln)]
    ends = [s - 1 for s in starts[1:]] + ([len(lines)] if starts else [])
    return list(zip(starts, ends, strict=True))


def _key_line(text: str, span: tuple[int, int] | None, key: str) -> int | None:
    if span is None:
        return None
    lines = text.splitlines()
    pat = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for n in range(span[0], span[1] + 1):
        if n - 1 < len(lines) and pat.match(lines[n - 1]):
            return n
    return span[0]


def parse_suppressions(
    text: str,
    path: str = "<suppressions>",
    kinds: Sequence[str] = CHANGE_KINDS,
    kind_key: str = "kind",
) -> list[Suppression]:
    """Suppressions from TOML text; AbicheckError at ``path:line`` for bad input.

    ``kinds`` are the values the key ``kind_key`` may take: an audit's change kinds
    (``kind``), or a binding check's statuses (``status``)."""
    keys = ("name", "arch", kind_key, "reason")
    import tomllib  # only suppression files need it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS.search(msg)
        line = int(m.group(1)) if m else None
        raise AbicheckError(f"invalid TOML: {_TOML_POS.sub('', msg).strip()}", path, line) from None
    except RecursionError:
        raise AbicheckError("invalid TOML: nested too deeply", path) from None
    for key in sorted(data):
        if key != "suppress":
            line = _key_line(text, (1, len(text.splitlines())), key)
            raise AbicheckError(
                f"unknown key {key!r}: a suppressions file holds [[suppress]] tables", path, line
            )
    entries = data.get("suppress", [])
    if not isinstance(entries, list):
        raise AbicheckError("'suppress' must be an array of tables: [[suppress]]", path, 1)
    spans = _entry_lines(text)
    out: list[Suppression] = []
    for i, entry in enumerate(entries):
        span = spans[i] if i < len(spans) and len(spans) == len(entries) else None

        def bad(
            message: str, key: str | None = None, span: tuple[int, int] | None = span
        ) -> NoReturn:
            line = _key_line(text, span, key) if key else (span[0] if span else None)
            raise AbicheckError(message, path, line)

        if not isinstance(entry, dict):
            bad(f"suppression {i + 1} must be a table")
        for key in sorted(entry):
            if key not in keys:
                bad(f"unknown key {key!r} in suppression (expected {', '.join(keys)})", key)
        for key in keys:
            if key in entry and not isinstance(entry[key], str):
                bad(f"{key!r} must be a string", key)
        name = entry.get("name")
        if not name:
            bad("suppression needs a non-empty 'name' pattern", "name" if "name" in entry else None)
        reason = entry.get("reason", "")
        if not reason.strip():
            bad(
                "suppression needs a 'reason': why is this difference accepted?",
                "reason" if "reason" in entry else None,
            )
        arch = entry.get("arch")
        if arch is not None and not arch:
            bad("'arch' must not be empty (leave it out to match every source)", "arch")
        kind = entry.get(kind_key)
        if kind is not None and kind not in kinds:
            bad(f"{kind_key!r} must be one of {', '.join(kinds)}, not {kind!r}", kind_key)
        line = span[0] if span else 0
        out.append(Suppression(str(name), reason.strip(), arch, kind, path, line))
    return out


def load_suppressions(
    path: str | Path, kinds: Sequence[str] = CHANGE_KINDS, kind_key: str = "kind"
) -> list[Suppression]:
    """Suppressions from a TOML file (see the module docstring for the format)."""
    p = str(path)
    return parse_suppressions(read_text(p), p, kinds, kind_key)


# -- changes ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the baseline and today.

    ``label`` is today's source label (the baseline's for ``source_removed``),
    ``baseline_label`` the baseline table's label ("" for ``source_added``);
    ``old``/``new`` the values (None where absent); ``old_at``/``new_at`` where they
    were defined (``file:line``). ``suppressed_by`` is the first rule matching it.
    """

    kind: ChangeKind
    label: str
    baseline_label: str
    name: str
    family: str
    old: int | None
    new: int | None
    old_at: str = ""
    new_at: str = ""
    suppressed_by: Suppression | None = None

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.kind]

    @property
    def arch(self) -> str:
        """The label the change is reported under (today's, or the baseline's if gone)."""
        return self.label

    @property
    def suppressed(self) -> bool:
        return self.suppressed_by is not None

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.label, self.family, self.name, self.kind)

    def describe(self) -> str:
        """One line for humans: ``MADV_REMOVE: 0x5 -> 0x9``."""
        if self.kind == "source_removed":
            return f"source {self.baseline_label} is in the baseline but was not audited"
        if self.kind == "source_added":
            return f"source {self.label} is new since the baseline"
        if self.kind == "value_changed":
            old, new = format_value(self.old, self.family), format_value(self.new, self.family)
            return f"{self.name}: {old} -> {new}"
        if self.kind == "name_removed":
            return f"{self.name} ({format_value(self.old, self.family)}) removed"
        if self.kind == "member_added_at_end":
            parsed = parse_layout_name(self.name)
            what = parsed.type if parsed else self.family
            return (
                f"{self.name} ({format_value(self.new, self.family)}) added at the end of "
                f"{what}: its size grows, incompatible for arrays of it, types embedding "
                "it and callers that allocate it"
            )
        return f"{self.name} ({format_value(self.new, self.family)}) added"

    def to_json(self) -> dict[str, Any]:
        """The change; what it has not (a source-level change's name, a value's place
        where there is no value) is null, never ""."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "label": self.label or None,
            "baseline_label": self.baseline_label or None,
            "family": self.family or None,
            "name": self.name or None,
            "old": self.old,
            "new": self.new,
            "old_at": self.old_at or None,
            "new_at": self.new_at or None,
            "suppressed_by": None if self.suppressed_by is None else self.suppressed_by.to_json(),
        }


def format_value(v: int | None, family: str = "") -> str:
    """Values as the reports show them (as :func:`abicheck.compare.format_value`: decimal
    for enumerations and small values, hex for flags), "" when absent."""
    return _format_value(v, family, absent="")


#: Provenance of one audited table: the same record a comparison keeps per column.
SourceInfo = Source


@dataclass(frozen=True)
class Pair:
    """A baseline table and today's counterpart, as name -> value (either side may be absent)."""

    baseline_label: str
    label: str
    old: Mapping[str, int]
    new: Mapping[str, int]

    @property
    def column(self) -> str:
        """The label reports use for this pair."""
        if not self.label:
            return self.baseline_label
        if self.baseline_label and self.baseline_label != self.label:
            return f"{self.baseline_label} -> {self.label}"
        return self.label

    def names(self) -> list[str]:
        return sorted(set(self.old) | set(self.new))


@dataclass(frozen=True)
class SuppressionUse(Generic[_Matched]):
    """A suppression and what it matched, changes or a binding check's rows (empty:
    stale)."""

    suppression: Suppression
    matches: tuple[_Matched, ...]

    @property
    def stale(self) -> bool:
        return not self.matches


@dataclass(frozen=True)
class AuditResult:
    """Everything an audit found, sorted, ready to render."""

    changes: tuple[Change, ...]
    pairs: tuple[Pair, ...]
    suppressions: tuple[SuppressionUse[Change], ...]
    baseline: tuple[Source, ...]
    current: tuple[Source, ...]
    pair_mode: PairMode = "auto"

    @property
    def active(self) -> tuple[Change, ...]:
        """The changes no suppression covers."""
        return tuple(c for c in self.changes if c.suppressed_by is None)

    @property
    def suppressed(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.suppressed_by is not None)

    @property
    def matched(self) -> tuple[SuppressionUse[Change], ...]:
        return tuple(u for u in self.suppressions if u.matches)

    @property
    def stale(self) -> tuple[Suppression, ...]:
        return tuple(u.suppression for u in self.suppressions if not u.matches)

    @property
    def found(self) -> int:
        """The bits for what was found: 4 compatible, 8 incompatible (unsuppressed)."""
        bits = EXIT_NONE
        for c in self.active:
            bits |= EXIT_INCOMPATIBLE if c.severity == "incompatible" else EXIT_COMPATIBLE
        return bits

    def exit_code(self, fail_on: FailOn = "incompatible") -> int:
        """The exit status: :attr:`found` if it fails under ``fail_on``, else 0."""
        if fail_on not in FAIL_ON:
            raise AbicheckError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        bits = self.found
        if fail_on == "never":
            return EXIT_NONE
        if fail_on == "any":
            return bits
        return bits if bits & EXIT_INCOMPATIBLE else EXIT_NONE

    def counts(self) -> dict[str, int]:
        active = self.active
        return {
            "incompatible": sum(c.severity == "incompatible" for c in active),
            "compatible": sum(c.severity == "compatible" for c in active),
            "suppressed": len(self.changes) - len(active),
            "stale_suppressions": len(self.stale),
        }

    def summary(self) -> str:
        n = self.counts()
        text = (
            f"{n['incompatible']} incompatible, {n['compatible']} compatible change(s), "
            f"{n['suppressed']} suppressed"
        )
        if n["stale_suppressions"]:
            text += f", {n['stale_suppressions']} stale suppression(s)"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "pair": self.pair_mode,
            "summary": self.counts(),
            "found": self.found,
            "pairs": [
                {"baseline": p.baseline_label or None, "current": p.label or None}
                for p in self.pairs
            ],
            "changes": [c.to_json() for c in self.changes],
            "suppressions": [
                {
                    **u.suppression.to_json(),
                    "stale": u.stale,
                    "matches": [
                        {"label": c.label, "name": c.name, "kind": c.kind} for c in u.matches
                    ],
                }
                for u in self.suppressions
            ],
            "baseline": [s.to_json() for s in self.baseline],
            "current": [s.to_json() for s in self.current],
            "from_snapshot": snapshot_labels(self.current),
        }


# -- the audit -------------------------------------------------------------------


def _unique_labels(tables: Sequence[Table], side: str, file: str | None) -> dict[str, Table]:
    out: dict[str, Table] = {}
    for t in tables:
        if t.label in out:
            raise AbicheckError(
                f"two {side} sources are labelled {t.label!r}", file or t.origin.noted("file")
            )
        out[t.label] = t
    return out


def _pair_tables(
    baseline: Sequence[Table],
    current: Sequence[Table],
    pair: PairMode,
    baseline_file: str | None = None,
) -> list[tuple[Table | None, Table | None]]:
    if pair not in ("label", "auto"):
        raise AbicheckError(f"pairing must be 'label' or 'auto', not {pair!r}")
    old = _unique_labels(baseline, "baseline", baseline_file)
    new = _unique_labels(current, "current", None)
    if pair == "auto" and len(old) == 1 and len(new) == 1:
        return [(baseline[0], current[0])]
    return [(old.get(label), new.get(label)) for label in sorted(set(old) | set(new))]


def _at_end(name: str, old: Mapping[str, Macro], new: Macro) -> bool:
    """Whether ``name``, new since ``old``, is a member at or past the end of its
    struct as ``old`` had it."""
    parsed = parse_layout_name(name)
    if parsed is None or parsed.what not in ("offsetof", "bitoffsetof") or new.value is None:
        return False
    size = old.get(name_of("sizeof", parsed.type))
    if size is None or size.value is None:
        return False
    offset = new.value // 8 if parsed.what == "bitoffsetof" else new.value
    return offset >= size.value


def _diff(old_t: Table, new_t: Table) -> list[Change]:
    old, new = audited_macros(old_t), audited_macros(new_t)
    out = []
    for name in sorted(set(old) | set(new)):
        o, n = old.get(name), new.get(name)
        ov = None if o is None else o.value
        nv = None if n is None else n.value
        if o is not None and n is not None and ov == nv:
            continue
        kind: ChangeKind = (
            "name_added" if o is None else "name_removed" if n is None else "value_changed"
        )
        if n is not None and o is None and _at_end(name, old, n):
            kind = "member_added_at_end"
        out.append(
            Change(
                kind,
                new_t.label,
                old_t.label,
                name,
                family_of(name),
                ov,
                nv,
                "" if o is None else o.location,
                "" if n is None else n.location,
            )
        )
    return out


def _values(t: Table | None) -> dict[str, int]:
    if t is None:
        return {}
    return {name: m.value for name, m in audited_macros(t).items() if m.value is not None}


def audit(
    baseline: Sequence[Table],
    current: Sequence[Table],
    suppressions: Sequence[Suppression] = (),
    pair: PairMode = "auto",
    baseline_file: str | None = None,
    only: Sequence[str] = (),
) -> AuditResult:
    """Compare today's tables with the baseline's; see the module docstring.

    ``baseline_file`` (the snapshot the baseline was read from) locates errors about
    the baseline; :func:`abicheck.snapshot.load_snapshot` itself rejects a file with
    two tables of one label. ``only`` keeps the names with one of its prefixes, on
    both sides (as for :func:`abicheck.compare.compare`; one matching nothing is
    an error).
    """
    if not baseline:
        raise AbicheckError("the baseline holds no tables", baseline_file)
    if only:
        kept = only_tables([*baseline, *current], only)
        baseline, current = kept[: len(baseline)], kept[len(baseline) :]
    changes: list[Change] = []
    pairs: list[Pair] = []
    for old_t, new_t in _pair_tables(baseline, current, pair, baseline_file):
        pairs.append(
            Pair(
                "" if old_t is None else old_t.label,
                "" if new_t is None else new_t.label,
                _values(old_t),
                _values(new_t),
            )
        )
        if old_t is not None and new_t is not None:
            changes.extend(_diff(old_t, new_t))
        elif old_t is not None:
            changes.append(Change("source_removed", old_t.label, old_t.label, "", "", None, None))
        elif new_t is not None:
            changes.append(Change("source_added", new_t.label, "", "", "", None, None))
    changes.sort(key=Change.sort_key)

    matches: list[list[Change]] = [[] for _ in suppressions]
    final: list[Change] = []
    for c in changes:
        first: Suppression | None = None
        for i, s in enumerate(suppressions):
            if s.matches(c):
                first = first or s
                matches[i].append(c)
        final.append(c if first is None else _with(c, first))
    uses = tuple(
        SuppressionUse(s, tuple(_with(c, _first(c, suppressions)) for c in m))
        for s, m in zip(suppressions, matches, strict=True)
    )
    return AuditResult(
        tuple(final),
        tuple(pairs),
        uses,
        _infos(baseline),
        _infos(current),
        pair,
    )


def _first(c: Change, suppressions: Sequence[Suppression]) -> Suppression | None:
    return next((s for s in suppressions if s.matches(c)), None)


def _with(c: Change, s: Suppression | None) -> Change:
    return replace(c, suppressed_by=s)


def _infos(tables: Sequence[Table]) -> tuple[Source, ...]:
    return tuple(Source.of(t) for t in sorted(tables, key=lambda t: t.label))


callable_module(__name__, "audit")
