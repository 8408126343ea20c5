"""Python constants modules read with :mod:`ast` (imported by the ``module`` source
kind when a ``.py`` file is given: most runs need neither this nor ``ast``)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from pathlib import Path

from ..model import AbicheckError, Macro, Provenance, Table, is_identifier, read_text, sorted_macros
from ..resources import display_name
from ..snapshot import VALUE_END, in_value_range


class _Int:
    """Evaluates the constant expressions a Python constants module may assign.

    Every literal, name and intermediate result must lie in ``[-2**63, 2**64)`` (what a
    C integer can hold): anything else raises AbicheckError at the expression's line,
    before a big power, shift or product is ever computed. Expressions that are not
    integer arithmetic (calls, strings, floats, division by zero, negative shifts or
    exponents) evaluate to None and are skipped.
    """

    _BINOPS: dict[type[ast.operator], Callable[[int, int], int]] = {
        ast.Add: lambda a, b: a + b,
        ast.Sub: lambda a, b: a - b,
        ast.Mult: lambda a, b: a * b,
        ast.FloorDiv: lambda a, b: a // b,
        ast.Mod: lambda a, b: a % b,
        ast.BitOr: lambda a, b: a | b,
        ast.BitAnd: lambda a, b: a & b,
        ast.BitXor: lambda a, b: a ^ b,
        ast.LShift: lambda a, b: a << b,
        ast.RShift: lambda a, b: a >> b,
        ast.Pow: lambda a, b: a**b,
    }

    def __init__(self, names: Mapping[str, int], path: str) -> None:
        self.names = names
        self.path = path

    def checked(self, value: int, node: ast.expr) -> int:
        if not in_value_range(value):
            text = _expr_text(node)
            if len(text) > 60:
                text = text[:57] + "..."
            raise AbicheckError(
                f"{text} is outside the range of a C integer [-2**63, 2**64)",
                self.path,
                node.lineno,
            )
        return value

    def eval(self, node: ast.expr) -> int | None:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, int) and not isinstance(v, bool):
                return self.checked(v, node)
            return None
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            if operand is None:
                return None
            if isinstance(node.op, ast.USub):
                return self.checked(-operand, node)
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(node.op, ast.Invert):
                return self.checked(~operand, node)
            return None
        if isinstance(node, ast.BinOp):
            fn = self._BINOPS.get(type(node.op))
            left, right = self.eval(node.left), self.eval(node.right)
            if fn is None or left is None or right is None:
                return None
            if isinstance(node.op, ast.LShift | ast.RShift | ast.Pow) and right < 0:
                return None
            if isinstance(node.op, ast.FloorDiv | ast.Mod) and right == 0:
                return None
            huge = (isinstance(node.op, ast.LShift) and left != 0 and right >= 128) or (
                isinstance(node.op, ast.Pow) and abs(left) > 1 and right >= 128
            )
            if huge:  # certainly out of range: say so without computing it
                return self.checked(VALUE_END, node)
            return self.checked(fn(left, right), node)
        return None


def constants_module_table(path: str | Path, label: str | None = None) -> Table:
    """A Python module's module-level integer constants, read with :mod:`ast` only.

    ``NAME = expr`` and ``NAME: T = expr`` where ``expr`` is an integer literal or a
    constant expression of literals and earlier such names (``+ - * // % ** << >> | &
    ^ ~``); other assignments are ignored. The module is never imported or run.
    Values (and every intermediate result) outside ``[-2**63, 2**64)`` and names that
    are not C identifiers are errors at the module's ``file:line``.
    """
    p = str(path)
    text = read_text(p)
    try:
        tree = ast.parse(text, filename=p)
    except SyntaxError as exc:
        raise AbicheckError(f"not a Python module: {exc.msg}", p, exc.lineno) from None
    except (RecursionError, MemoryError):
        raise AbicheckError("not a Python module abicheck can read: nested too deeply", p) from None
    values: dict[str, int] = {}
    macros: dict[str, Macro] = {}
    ev = _Int(values, p)
    for stmt in tree.body:
        targets: list[ast.expr]
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        try:
            result = ev.eval(value)
        except RecursionError:
            raise AbicheckError("expression nested too deeply", p, stmt.lineno) from None
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if result is None:
                values.pop(target.id, None)
                macros.pop(target.id, None)
                continue
            if not is_identifier(target.id):
                raise AbicheckError(
                    f"{target.id!r} is not a C identifier: it cannot name a constant",
                    p,
                    target.lineno,
                )
            values[target.id] = result
            macros[target.id] = Macro(
                target.id, "integer", result, _expr_text(value), p, stmt.lineno
            )
    origin = Provenance(
        "module", path=display_name(p), notes=(("read", "Python constants module (ast, not run)"),)
    )
    return Table(label or p, "file", sorted_macros(macros.values()), origin)


def _expr_text(node: ast.expr) -> str:
    """The expression as Python source, or a stand-in for one that cannot be shown: too
    deeply nested, or holding a literal of more digits than ``repr`` of an int may give
    (Python's limit on int-to-decimal conversion, 4,300 digits by default)."""
    try:
        return ast.unparse(node)
    except RecursionError:
        return "(expression nested too deeply to show)"
    except ValueError:
        return "(an integer literal too long to show)"
