"""The integer constants a target's module tree exports, evaluated.

Names resolve as rustc resolves them for the target: a bare name in the module's
own scope, ``crate::``/``::`` at the crate root, ``self::``/``super::`` and module
paths from there; type aliases are followed to a primitive integer type (``isize``
and ``usize`` are the target's pointer width). A constant whose type or value is
not an integer (a struct, a pointer, a float, a call) is left out.
"""

from __future__ import annotations

from ...model import AbicheckError, Macro
from .exprs import (
    PRIMITIVES,
    SIZED,
    IntType,
    Lit,
    Node,
    NotInteger,
    Value,
    evaluate,
    parse_expr,
    spaced,
)
from .items import Const, Path
from .modules import Entry, Module

#: The C type each of libc's ``c_*`` aliases stands for (``Macro.ctype``).
C_TYPES = {
    "c_char": "char",
    "c_schar": "signed char",
    "c_uchar": "unsigned char",
    "c_short": "short",
    "c_ushort": "unsigned short",
    "c_int": "int",
    "c_uint": "unsigned int",
    "c_long": "long",
    "c_ulong": "unsigned long",
    "c_longlong": "long long",
    "c_ulonglong": "unsigned long long",
}
_MAX_ALIASES = 16


class Evaluator:
    """Evaluates the constants of one target's tree (``root``), each once."""

    def __init__(self, root: Module, pointer_bits: int) -> None:
        self.root = root
        self.pointer = pointer_bits
        self._values: dict[tuple[int, int], Value | NotInteger] = {}
        self._busy: set[tuple[int, int]] = set()

    def macros(self) -> tuple[Macro, ...]:
        """Every ``pub`` integer constant the crate root exports, sorted by name."""
        out = []
        for _name, entry in sorted(self.root.exports("const").items()):
            if entry is not None and entry[2] == 2:
                macro = self.macro(entry)
                if macro is not None:
                    out.append(macro)
        return tuple(out)

    def macro(self, entry: Entry) -> Macro | None:
        """The constant ``entry`` as a Macro, or None when it is not an integer. Equal
        ones are shared between targets."""
        item, module, _ = entry
        assert isinstance(item, Const)
        try:
            value = self.value(entry)[0]
            ctype = self.type_of(module, item.type or ())[1]
        except NotInteger:
            return None
        key = (value, ctype, module.rel)
        macro = item.memo.get(key)
        if not isinstance(macro, Macro):
            text = expr_text(item)
            macro = Macro(item.name, "integer", value, text, module.rel, item.line, ctype=ctype)
            item.memo[key] = macro
        return macro

    def value(self, entry: Entry) -> Value:
        """The value of the constant ``entry`` and its declared type."""
        item, module, _ = entry
        assert isinstance(item, Const)
        if item.type is None:
            raise NotInteger("type")
        declared = self.type_of(module, item.type)[0]
        tree = _tree(item)
        if type(tree) is Lit and not tree.suffix:  # most constants: no lookups to make
            return declared.wrap(tree.value), declared
        key = (id(item), id(module))
        known = self._values.get(key)
        if known is None:
            if key in self._busy:
                raise AbicheckError(
                    f"constant {item.name} refers to itself", module.shown, item.line
                )
            self._busy.add(key)
            try:
                known = self._compute(tree, declared, module)
            except NotInteger as err:
                known = err
            finally:
                self._busy.discard(key)
            self._values[key] = known
        if isinstance(known, NotInteger):
            raise known
        return known

    def _compute(self, tree: Node, declared: IntType, module: Module) -> Value:
        value, _ = evaluate(
            tree,
            declared,
            lambda path: self.lookup(module, path),
            lambda path: self.type_of(module, path)[0],
        )
        return declared.wrap(value), declared

    def lookup(self, module: Module, path: Path) -> Value:
        """The value of the constant ``path`` names from ``module``."""
        entry = self._find(module, path, "const")
        return self.value(entry)

    def type_of(self, module: Module, path: Path, depth: int = 0) -> tuple[IntType, str]:
        """The integer type ``path`` names from ``module``, and the C type of the
        first ``c_*`` alias on the way (empty if none)."""
        known = module.types.get(path)
        if known is None:
            try:
                known = self._type_of(module, path, depth)
            except NotInteger as err:
                known = err
            module.types[path] = known
        if isinstance(known, NotInteger):
            raise known
        return known  # type: ignore[return-value]

    def _type_of(self, module: Module, path: Path, depth: int) -> tuple[IntType, str]:
        name = path[-1]
        if len(path) == 1 and name in PRIMITIVES:
            return PRIMITIVES[name], ""
        if len(path) == 1 and name in SIZED:
            return IntType(self.pointer, name == "isize"), ""
        entry = self._find(module, path, "type")
        alias, home, _ = entry
        target = getattr(alias, "target", None)
        if target is None or depth > _MAX_ALIASES:
            raise NotInteger(name)
        typ, ctype = self.type_of(home, target, depth + 1)
        return typ, C_TYPES.get(name, ctype)

    def _find(self, module: Module, path: Path, space: str) -> Entry:
        home = module.module_at(path[:-1]) if len(path) > 1 else module
        entry = home.scope(space).get(path[-1]) if home is not None else None
        if entry is None:
            raise NotInteger("::".join(path))  # undefined for the target, or ambiguous
        return entry


def _tree(item: Const) -> Node:
    """The parsed expression of ``item``, parsed on first use (for all targets)."""
    node = item.memo.get("tree")
    if node is None:
        try:
            node = parse_expr(item.expr)
        except NotInteger as err:
            node = err
        item.memo["tree"] = node
    if isinstance(node, NotInteger):
        raise node
    return node  # type: ignore[return-value]


def expr_text(item: Const) -> str:
    """The expression of ``item`` as :func:`~.exprs.spaced` writes it (made once)."""
    text = item.memo.get("text")
    if not isinstance(text, str):
        text = item.memo["text"] = spaced(item.expr)
    return text


__all__ = ["C_TYPES", "Evaluator", "expr_text"]
