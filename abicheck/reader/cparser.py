"""pycparser's own parser, told the typedef names: what reads the expressions and
declarations FastParser and fastdecl leave. Imported when first needed (by
:class:`abicheck.reader.exprparse.Parser`): pycparser's parser and lexer take
milliseconds to import."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pycparser import c_parser

from .cnodes import c_ast
from .datamodel import STANDARD_TYPEDEFS
from .exprparse import ParseError


class ExprParser(c_parser.CParser):  # type: ignore[misc]
    """pycparser, told which identifiers are typedef names before it parses.

    pycparser needs typedef names to tell ``(T)x`` from ``(x)``; the headers
    declare them in text the expression does not include.
    """

    def __init__(self, typedef_names: Callable[[], Mapping[str, object]]) -> None:
        super().__init__()
        self._typedef_names = typedef_names

    def _is_type_in_scope(self, name: str) -> bool:
        if super()._is_type_in_scope(name):
            return True
        return name in self._typedef_names() or name in STANDARD_TYPEDEFS

    def _build_declarations(
        self, spec: Any, decls: Any, typedef_namespace: bool = False
    ) -> list[c_ast.Node]:
        """pycparser's, keeping a typedef's ``_Alignas`` specifiers (its lowered
        ``aligned`` attribute) on the typedef's own TypeDecl, where pycparser drops them."""
        out: list[c_ast.Node] = super()._build_declarations(spec, decls, typedef_namespace)
        if spec["alignment"] and "typedef" in spec["storage"]:
            for d in out:
                node = d.type
                while not isinstance(node, c_ast.TypeDecl) and hasattr(node, "type"):
                    node = node.type
                if isinstance(node, c_ast.TypeDecl):
                    node.align = list(spec["alignment"])
        return out

    def parse_expression(self, text: str) -> c_ast.Node:
        """Parse one C expression; raises ParseError."""
        try:
            ast = self.parse(f"int __abicheck_v = ({text}\n);", "<expr>")
        except c_parser.ParseError as exc:
            raise ParseError(str(exc)) from exc
        return ast.ext[0].init

    def parse_declarations(self, text: str) -> c_ast.FileAST:
        """Parse declarations; raises ParseError."""
        try:
            return self.parse(text, "<decl>")
        except c_parser.ParseError as exc:
            raise ParseError(str(exc)) from exc
