"""Reader of Zig's constant tables: the mman flag sets of ``lib/std/os/linux.zig``.

Zig writes most of them as ``packed struct(u32)`` flag sets, one per group of
architectures (``switch (native_arch)``): a ``bool`` field is the flag at its bit,
fields named ``_...`` are padding, an enum-typed field (``TYPE: MAP_TYPE``) gives its
mask under its own name and each member at its position (``MAP_SHARED``); the others
are plain structs of constants (``MSF.ASYNC = 1``). Names come as C spells them
(``MSF.ASYNC`` is ``MS_ASYNC``), each at the line of its field or constant, the
field's or constant's text as ``expr``. An architecture whose arm is
``@compileError`` lacks that set. The file is evaluated, never run, once per
architecture (see :mod:`.zigsyntax` for the syntax read).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..model import AbicheckError, Macro, read_text
from . import BindingTable
from .common import make_table
from .zigsyntax import (
    Binary,
    Call,
    Container,
    EnumLiteral,
    If,
    Member,
    Module,
    Name,
    Node,
    Num,
    Switch,
    Unary,
    Unavailable,
)

#: Zig's namespace -> the C prefix of its names (Zig's ``MS`` is mount's, not msync's).
FAMILIES = {
    "PROT": "PROT_",
    "MAP": "MAP_",
    "MSF": "MS_",
    "MADV": "MADV_",
    "MREMAP": "MREMAP_",
    "MLOCK": "MLOCK_",
    "MFD": "MFD_",
    "MCL": "MCL_",
}
#: The ``Cpu.Arch`` names Zig builds Linux for (the ``arch_bits`` switch of Zig
#: 0.17's linux.zig); with the names the sets' switches mention, the tables given.
LINUX_ARCHES = (
    *("aarch64", "aarch64_be", "alpha", "arc", "arceb", "arm", "armeb", "csky", "hexagon"),
    *("loongarch32", "loongarch64", "m68k", "microblaze", "microblazeel", "mips", "mipsel"),
    *("mips64", "mips64el", "or1k", "powerpc", "powerpcle", "powerpc64", "powerpc64le"),
    *("riscv32", "riscv64", "s390x", "sh", "sheb", "sparc", "sparc64", "thumb", "thumbeb"),
    *("x86", "x86_64", "xtensa", "xtensaeb"),
)
#: ``Cpu.Arch`` -> abicheck's architecture name (others keep Zig's, unknown).
ZIG_ARCHES = {
    "x86": "i386",
    "x86_64": "amd64",
    "arm": "armhf",
    "aarch64": "arm64",
    "loongarch64": "loong64",
    "powerpc64": "ppc64",
    "powerpc64le": "ppc64el",
    "sh": "sh4",
    "sparc": "sparc32",
    **{a: a for a in ("alpha", "arc", "csky", "hexagon", "m68k", "microblaze", "or1k")},
    **{a: a for a in ("mips", "mipsel", "mips64", "mips64el", "powerpc", "riscv32")},
    **{a: a for a in ("riscv64", "s390x", "sparc64", "xtensa")},
}
_MIPS32, _MIPS64 = frozenset({"mips", "mipsel"}), frozenset({"mips64", "mips64el"})
_PPC32, _PPC64 = frozenset({"powerpc", "powerpcle"}), frozenset({"powerpc64", "powerpc64le"})
#: The ``Cpu.Arch`` predicates (``native_arch.isSPARC()``) conditions may use.
_PREDICATES = {
    "isX86": frozenset({"x86", "x86_64"}),
    "isARM": frozenset({"arm", "armeb"}),
    "isThumb": frozenset({"thumb", "thumbeb"}),
    "isAARCH64": frozenset({"aarch64", "aarch64_be"}),
    "isMIPS": _MIPS32 | _MIPS64,
    "isMIPS32": _MIPS32,
    "isMIPS64": _MIPS64,
    "isPowerPC": _PPC32 | _PPC64,
    "isPowerPC32": _PPC32,
    "isPowerPC64": _PPC64,
    "isRISCV": frozenset({"riscv32", "riscv64"}),
    "isLoongArch": frozenset({"loongarch32", "loongarch64"}),
    "isSPARC": frozenset({"sparc", "sparc64"}),
}
_INTEGER_TYPE = re.compile(r"[ui]([0-9]+)")
_MAX_SHIFT = 1024
_ARITHMETIC: dict[str, Callable[[int, int], int]] = {
    "|": operator.or_,
    "&": operator.and_,
    "^": operator.xor,
    "<<": operator.lshift,
    ">>": operator.rshift,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.floordiv,
    "%": operator.mod,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


@dataclass(frozen=True, slots=True)
class _Arch:
    """The value of ``native_arch``."""

    name: str


@dataclass(frozen=True, slots=True)
class _Tag:
    """An enum literal: ``.mips``."""

    name: str


@dataclass(frozen=True, slots=True)
class _Bits:
    """An integer type (``u4``; ``bool`` is one bit)."""

    width: int


Value = int | _Arch | _Tag | _Bits | Container | Unavailable


def read(path: str | Path) -> list[BindingTable]:
    """One table per Zig architecture of the mman flag sets in the Zig file ``path``
    (``lib/std/os/linux.zig``), sorted by architecture; files as ``path`` is given.

    Raises :class:`AbicheckError` at ``path:line`` for what it cannot read."""
    file = str(path)
    try:
        return _read(Module(read_text(file), file))
    except RecursionError:
        raise AbicheckError("expressions nested too deeply", file) from None


def _read(module: Module) -> list[BindingTable]:
    file = module.file
    present = [name for name in FAMILIES if module.has(name)]
    if not present:
        raise AbicheckError(f"no {', '.join(FAMILIES)}: not Zig's lib/std/os/linux.zig", file)
    nodes = [module.parse(name) for name in present]
    mentioned = {label for node in nodes for label in _labels(node)}
    tables = []
    for arch in sorted(set(LINUX_ARCHES) | mentioned):
        evaluator = _Evaluator(module, arch)
        macros = [m for name in present for m in evaluator.family(name)]
        tables.append(make_table(arch, ZIG_ARCHES, {m.name: m for m in macros}.values()))
    return sorted(tables, key=lambda t: (t.arch, t.binding_arch))


def _labels(node: Node) -> set[str]:
    """The architectures the switches of ``node`` (not inside containers) name."""
    if isinstance(node, Switch):
        return {x for labels, arm in node.arms for x in {*(labels or ()), *_labels(arm)}}
    if isinstance(node, If):
        return _labels(node.then) | _labels(node.otherwise)
    return set()


class _Evaluator:
    """The values of a module's constants on one architecture."""

    def __init__(self, module: Module, arch: str) -> None:
        self.module, self.arch, self.file = module, arch, module.file
        self._done: dict[str, Value] = {}
        self._busy: set[str] = set()
        self._busy_members: set[int] = set()

    def family(self, name: str) -> list[Macro]:
        """The C-named constants of the flag set ``name`` (none if unavailable)."""
        value = self.top(name, 0)
        if isinstance(value, Unavailable):
            return []
        if not isinstance(value, Container):
            raise AbicheckError(f"{name} is not a struct", self.file, self.module.parse(name).line)
        return self._container(FAMILIES[name], value)

    def top(self, name: str, line: int) -> Value:
        if name not in self._done:
            if name in self._busy:
                raise AbicheckError(f"{name} depends on itself", self.file, line)
            self._busy.add(name)
            self._done[name] = self.value(self.module.parse(name), ())
            self._busy.discard(name)
        return self._done[name]

    def value(self, node: Node, scope: tuple[Container, ...]) -> Value:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Name):
            return self._name(node, scope)
        if isinstance(node, EnumLiteral):
            return _Tag(node.name)
        if isinstance(node, Unary | Binary):
            return self._operation(node, scope)
        if isinstance(node, Call):
            return self._call(node, scope)
        if isinstance(node, Switch):
            return self.value(self._arm(node, scope), scope)
        if isinstance(node, If):
            chosen = node.then if self._bool(node.cond, scope) else node.otherwise
            return self.value(chosen, scope)
        assert isinstance(node, Container | Unavailable)
        return node

    def integer(self, node: Node, scope: tuple[Container, ...]) -> int:
        value = self.value(node, scope)
        if not isinstance(value, int) or isinstance(value, bool):
            raise AbicheckError("not an integer", self.file, node.line)
        return value

    def _bool(self, node: Node, scope: tuple[Container, ...]) -> bool:
        value = self.value(node, scope)
        if not isinstance(value, bool):
            raise AbicheckError("not a condition", self.file, node.line)
        return value

    def _name(self, node: Name, scope: tuple[Container, ...]) -> Value:
        first, rest = node.parts[0], node.parts[1:]
        value = self._lookup(first, node.line, scope)
        for part in rest:
            decl = value.decl(part) if isinstance(value, Container) else None
            if not isinstance(value, Container) or decl is None or decl.value is None:
                raise AbicheckError(f"cannot read {'.'.join(node.parts)}", self.file, node.line)
            value = self._member(decl, (*scope, value))
        return value

    def _lookup(self, name: str, line: int, scope: tuple[Container, ...]) -> Value:
        if name == "native_arch":
            return _Arch(self.arch)
        if name == "bool":
            return _Bits(1)
        if m := _INTEGER_TYPE.fullmatch(name):
            return _Bits(int(m.group(1)))
        for container in reversed(scope):
            decl = container.decl(name)
            if decl is not None and decl.value is not None:
                return self._member(decl, scope)
        if self.module.has(name):
            return self.top(name, line)
        raise AbicheckError(f"unknown name {name}", self.file, line)

    def _member(self, decl: Member, scope: tuple[Container, ...]) -> Value:
        """The value of a container's constant ``decl``."""
        if id(decl) in self._busy_members:
            raise AbicheckError(f"{decl.name} depends on itself", self.file, decl.line)
        assert decl.value is not None
        self._busy_members.add(id(decl))
        value = self.value(decl.value, scope)
        self._busy_members.discard(id(decl))
        return value

    def _call(self, node: Call, scope: tuple[Container, ...]) -> Value:
        if node.callee == "@as" and len(node.args) == 2:
            return self.value(node.args[1], scope)
        if node.callee == "@intCast" and len(node.args) == 1:
            return self.value(node.args[0], scope)
        subject, _, method = node.callee.partition(".")
        if subject == "native_arch" and method in _PREDICATES and not node.args:
            return self.arch in _PREDICATES[method]
        raise AbicheckError(f"unsupported call {node.callee}(...)", self.file, node.line)

    def _operation(self, node: Unary | Binary, scope: tuple[Container, ...]) -> Value:
        if isinstance(node, Unary):
            if node.op == "!":
                return not self._bool(node.operand, scope)
            operand = self.integer(node.operand, scope)
            return -operand if node.op == "-" else ~operand
        if node.op in ("or", "and"):
            left = self._bool(node.left, scope)
            if left == (node.op == "or"):
                return left  # short-circuit: ``true or x``, ``false and x``
            return self._bool(node.right, scope)
        if node.op in ("==", "!="):
            same = _comparable(self.value(node.left, scope)) == _comparable(
                self.value(node.right, scope)
            )
            return same if node.op == "==" else not same
        return self._arithmetic(node, scope)

    def _arithmetic(self, node: Binary, scope: tuple[Container, ...]) -> Value:
        left, right = self.integer(node.left, scope), self.integer(node.right, scope)
        if node.op in ("<<", ">>") and not 0 <= right <= _MAX_SHIFT:
            raise AbicheckError(f"shift by {right}", self.file, node.line)
        if node.op in ("/", "%") and right == 0:
            raise AbicheckError("division by zero", self.file, node.line)
        return _ARITHMETIC[node.op](left, right)

    def _arm(self, node: Switch, scope: tuple[Container, ...]) -> Node:
        subject = self.value(node.subject, scope)
        if not isinstance(subject, _Arch):
            raise AbicheckError("unsupported switch: not on native_arch", self.file, node.line)
        for labels, arm in node.arms:
            if labels is not None and subject.name in labels:
                return arm
        for labels, arm in node.arms:
            if labels is None:
                return arm
        raise AbicheckError(f"switch has no arm for {subject.name}", self.file, node.line)

    def _container(self, prefix: str, container: Container) -> list[Macro]:
        out = self._packed(prefix, container) if container.packed else []
        if container.kind == "enum":
            out += [self._macro(prefix + m.name, v, m) for m, v in self._members(container)]
        for decl in container.decls:
            value = self._member(decl, (container,))
            if isinstance(value, int) and not isinstance(value, bool):
                out.append(self._macro(prefix + decl.name, value, decl))
        return out

    def _packed(self, prefix: str, container: Container) -> list[Macro]:
        """A packed struct's fields (not ``_...`` padding) as masks at their bits."""
        out: list[Macro] = []
        offset = 0
        for field in container.fields:
            assert field.type is not None
            kind = self.value(field.type, (container,))
            members = self._members(kind) if isinstance(kind, Container) else []
            width = self._width(kind, field)
            if not field.name.startswith("_"):
                out.append(self._macro(prefix + field.name, (1 << width) - 1 << offset, field))
                out += [self._macro(prefix + m.name, v << offset, m) for m, v in members]
            offset += width
        if container.backing is not None:
            backing = self._width(self.value(container.backing, ()), container)
            if offset != backing:
                message = f"packed struct(u{backing}) has {offset} bits of fields"
                raise AbicheckError(message, self.file, container.line)
        return out

    def _width(self, kind: Value, where: Member | Container) -> int:
        if isinstance(kind, Container) and kind.kind == "enum" and kind.backing is not None:
            kind = self.value(kind.backing, ())
        if not isinstance(kind, _Bits):
            raise AbicheckError("unsupported type: not an integer type", self.file, where.line)
        return kind.width

    def _members(self, enum: Container) -> list[tuple[Member, int]]:
        """An enum's members and their values (one more than the last's if not given)."""
        if enum.kind != "enum":
            raise AbicheckError("unsupported type: a struct", self.file, enum.line)
        out = []
        value = 0
        for member in enum.fields:
            value = value if member.value is None else self.integer(member.value, (enum,))
            out.append((member, value))
            value += 1
        return out

    def _macro(self, name: str, value: int, member: Member) -> Macro:
        return Macro(name, "integer", value, member.text, self.file, member.line)


def _comparable(value: Value) -> object:
    """What ``==`` compares: ``native_arch == .mips`` compares names."""
    return value.name if isinstance(value, _Arch | _Tag) else value
