"""The check of a binding: each of its architecture tables against the kernel's headers
of the same architecture and, where asked, the C library's.

Per architecture and name (of the target's families), one status:

==============  ==========================================================================
``same``        the binding's value is the kernel's (equal bits in a 32- or 64-bit word:
                Go writes 0x88000000 as -0x78000000)
``wrong``       it differs from the kernel's, and from the C library's
``libc-value``  it differs from the kernel's (or the kernel lacks the name) but is the C
                library's: a C-library-vs-kernel divergence, not the binding's bug
``collides``    the kernel lacks the name and its value is another name's there
``extra``       a name only the binding has, with no collision
``missing``     a name of the kernel's the binding lacks
==============  ==========================================================================

Nothing here prints: :class:`BindingResult` is data that :mod:`abicheck.report` renders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, get_args

from ..arches import Arch, lookup
from ..audit import Suppression, SuppressionUse
from ..compare import Source
from ..model import AbicheckError, Macro, Table, sorted_macros
from ..targets import Target

if TYPE_CHECKING:
    from ..sources import Context, SourceOptions

Status = Literal["same", "wrong", "libc-value", "collides", "extra", "missing"]
STATUSES: tuple[Status, ...] = get_args(Status)
FailOn = Literal["wrong", "any", "never"]
FAIL_ON: tuple[FailOn, ...] = get_args(FailOn)
#: The statuses ``--fail-on wrong`` (the default) fails on.
FAILING: frozenset[Status] = frozenset({"wrong", "collides"})
AGAINST = ("arch", "libc")
FORMAT = "abicheck-binding/1"


def same_bits(a: int, b: int) -> bool:
    """Whether two values are one constant: equal, or the same 32- or 64-bit word
    read signed and unsigned."""
    if a == b:
        return True
    return any(a % (1 << w) == b % (1 << w) and -(1 << w) < min(a, b) for w in (32, 64))


@dataclass(frozen=True, slots=True)
class BindingRow:
    """One name of one binding table: its status and the values beside it."""

    table: str
    arch: str
    name: str
    family: str
    status: Status
    value: int | None
    kernel: int | None
    libc: int | None
    at: str
    collides_with: str | None = None
    suppressed_by: Suppression | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "arch": self.arch,
            "name": self.name,
            "family": self.family,
            "status": self.status,
            "value": self.value,
            "kernel": self.kernel,
            "libc": self.libc,
            "at": self.at or None,
            "collides_with": self.collides_with,
            "suppressed_by": None if self.suppressed_by is None else self.suppressed_by.to_json(),
        }


@dataclass(frozen=True)
class BindingResult:
    """A binding checked: its tables' rows, the sources checked against, and what was
    left unchecked (architectures abicheck does not know, with the reason)."""

    binding: Mapping[str, str]
    against: tuple[str, ...]
    rows: tuple[BindingRow, ...]
    sources: tuple[Source, ...]
    unchecked: tuple[tuple[str, str], ...]
    suppressions: tuple[SuppressionUse[BindingRow], ...] = ()

    @property
    def active(self) -> tuple[BindingRow, ...]:
        return tuple(r for r in self.rows if r.suppressed_by is None)

    def summary(self) -> dict[str, int]:
        counts = Counter(r.status for r in self.active)
        return {s: counts.get(s, 0) for s in STATUSES}

    def exit_code(self, fail_on: FailOn = "wrong") -> int:
        """1 when an unsuppressed row fails ``fail_on`` (``wrong``: wrong or collides;
        ``any``: anything but same; ``never``), else 0."""
        if fail_on not in FAIL_ON:
            raise AbicheckError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        if fail_on == "never":
            return 0
        failing = FAILING if fail_on == "wrong" else set(STATUSES) - {"same"}
        return int(any(r.status in failing for r in self.active))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "binding": dict(self.binding),
            "against": list(self.against),
            "rows": [r.to_json() for r in self.rows],
            "summary": self.summary(),
            "unchecked": [{"table": t, "reason": why} for t, why in self.unchecked],
            "suppressions": [
                {**u.suppression.to_json(), "stale": u.stale, "matches": len(u.matches)}
                for u in self.suppressions
            ],
            "sources": [s.to_json() for s in self.sources],
        }


def _values(table: Table | None, target: Target) -> dict[str, Macro]:
    if table is None:
        return {}
    return {m.name: m for m in table.macros if m.value is not None and target.has(m.name)}


def _status(
    value: int, name: str, kernel: Mapping[str, Macro], libc: Mapping[str, Macro], target: Target
) -> tuple[Status, str | None]:
    k, c = kernel.get(name), libc.get(name)
    assert all(m.value is not None for m in (k, c) if m is not None)
    if k is not None and same_bits(value, k.value or 0):
        return "same", None
    if c is not None and same_bits(value, c.value or 0):
        return "libc-value", None
    if k is not None:
        return "wrong", None
    alias = dict(target.aliases).get(name)
    if alias is not None and alias in kernel and same_bits(value, kernel[alias].value or 0):
        return "extra", None  # another spelling of a kernel name, not a collision
    family = target.family_of(name)
    if value != 0:
        for other in sorted(kernel):
            if target.family_of(other) == family and same_bits(value, kernel[other].value or 0):
                return "collides", other
    return "extra", None


def check_table(
    table: Table,
    arch: str,
    kernel: Table,
    libc: Table | None,
    target: Target,
) -> list[BindingRow]:
    """The rows of one binding table against its architecture's kernel (and C library)."""
    ours, theirs, c = _values(table, target), _values(kernel, target), _values(libc, target)
    rows = []
    for name in sorted(set(ours) | set(theirs)):
        m, k, lc = ours.get(name), theirs.get(name), c.get(name)
        kv, cv = (None if x is None else x.value for x in (k, lc))
        family = target.family_of(name)
        if m is None or m.value is None:
            rows.append(BindingRow(table.label, arch, name, family, "missing", None, kv, cv, ""))
            continue
        status, other = _status(m.value, name, theirs, c, target)
        rows.append(
            BindingRow(table.label, arch, name, family, status, m.value, kv, cv, m.location, other)
        )
    return rows


def suppress(
    rows: Sequence[BindingRow], suppressions: Sequence[Suppression]
) -> tuple[list[BindingRow], tuple[SuppressionUse[BindingRow], ...]]:
    """Rows with the first matching suppression noted, and what each rule matched.
    A rule matches a row by name, status (its ``kind``) and architecture or table label."""
    uses: list[list[BindingRow]] = [[] for _ in suppressions]
    out = []
    for r in rows:
        first = None
        for i, s in enumerate(suppressions):
            if r.status != "same" and s.matches_item(r.name, r.status, (r.table, f"arch:{r.arch}")):
                first = first or s
                uses[i].append(r)
        out.append(r if first is None else replace(r, suppressed_by=first))
    return out, tuple(SuppressionUse(s, tuple(m)) for s, m in zip(suppressions, uses, strict=True))


def _binding_info(tables: Sequence[Table]) -> dict[str, str]:
    o = tables[0].origin
    info = {"kind": o.source, "path": o.path}
    commit = o.noted("commit")
    if commit:
        info["commit"] = commit
    return info


def check_binding(
    tables: Sequence[Table],
    options: SourceOptions | None = None,
    against: Sequence[str] = AGAINST,
    arches: Sequence[str] | None = None,
    suppressions: Sequence[Suppression] = (),
) -> BindingResult:
    """Check a binding's tables (from one ``go:``, ``rust:``, ``zig:`` ... source):
    each against the kernel headers of its architecture (``arch:NAME``, installed or
    the shipped snapshot) and, with ``libc`` in ``against``, the C library's
    (``libc:NAME``, where its headers are installed). ``arches`` keeps only those
    architectures (abicheck's names; one that matches no table is an error).
    Architectures abicheck does not know are listed in ``unchecked``, never dropped.
    """
    from ..sources import Context, SourceOptions
    from ..sources.libc_arch import LibcArchSource

    if not tables:
        raise AbicheckError("no binding tables to check")
    bad = [a for a in against if a not in AGAINST]
    if bad or not against:
        raise AbicheckError(f"--against must be arch, libc or both, not {', '.join(bad)!r}")
    ctx = Context(options or SourceOptions())
    target = ctx.options.target
    chosen = _chosen(tables, arches)
    rows: list[BindingRow] = []
    sources: dict[str, Source] = {}
    unchecked: list[tuple[str, str]] = []
    refs: dict[str, tuple[Table | None, Table | None]] = {}
    for t in chosen:
        try:
            arch = lookup(t.origin.arch)
        except AbicheckError:
            unchecked.append((t.label, f"{t.origin.arch}: not an architecture abicheck knows"))
            continue
        if arch.name not in refs:  # read once per architecture (Rust: gnu and musl)
            kernel = _kernel(arch, ctx) if "arch" in against else None
            libc = None
            if "libc" in against:
                try:
                    libc = LibcArchSource().arch(arch, ctx)
                except AbicheckError as exc:
                    if kernel is None:
                        raise
                    unchecked.append((f"libc:{arch.name}", exc.message))
            refs[arch.name] = (kernel, libc)
        kernel, libc = refs[arch.name]
        reference = kernel or libc
        assert reference is not None
        for s in (kernel, libc):
            if s is not None:
                sources.setdefault(s.label, Source.of(s))
        covered = {target.family_of(m.name) for m in reference.macros}
        left = sorted({target.family_of(m.name) for m in t.macros if target.has(m.name)} - covered)
        if left:
            why = f"families {', '.join(left)}: no {reference.label} header of theirs was read"
            unchecked.append((t.label, why))
        kept = replace(t, macros=tuple(m for m in t.macros if target.family_of(m.name) in covered))
        rows += check_table(kept, arch.name, reference, libc if kernel else None, target)
    rows, uses = suppress(rows, suppressions)
    return BindingResult(
        _binding_info(tables),
        tuple(a for a in AGAINST if a in against),
        tuple(rows),
        tuple(sources[k] for k in sorted(sources)),
        tuple(unchecked),
        uses,
    )


def _kernel(arch: Arch, ctx: Context) -> Table:
    """The kernel's table of ``arch``: the target's header, and the target's further
    headers (``linux/memfd.h``) where they are installed (the snapshot has the first)."""
    from ..sources import ARCH

    table = ARCH.arch(arch, ctx)
    target = ctx.options.target
    names = {m.name for m in table.macros}
    extra = []
    for header in target.more_headers:
        try:
            more = ARCH.arch(arch, ctx.with_options(replace(ctx.options, header=header)))
        except AbicheckError:
            continue  # not installed: its families go unchecked, with a note
        extra += [m for m in more.macros if target.has(m.name) and m.name not in names]
    return replace(table, macros=sorted_macros([*table.macros, *extra]))


def _chosen(tables: Sequence[Table], arches: Sequence[str] | None) -> list[Table]:
    ordered = sorted(tables, key=lambda t: t.label)
    if not arches:
        return ordered
    wanted = {lookup(a).name for a in arches}
    kept = [t for t in ordered if t.origin.arch in wanted]
    have = {t.origin.arch for t in ordered}
    missing = sorted(wanted - have)
    if missing:
        raise AbicheckError(
            f"--arch {', '.join(missing)}: the binding has no such table; "
            f"it has: {', '.join(sorted(have))}"
        )
    return kept
