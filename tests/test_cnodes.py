"""abicheck.reader.cnodes: pycparser's c_ast without its parser, the package lazy
until used, and then the package as ever, its parser building these same classes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from abicheck.reader.cnodes import c_ast
from abicheck.reader.exprparse import ParseError, Parser


def _fresh(code: str) -> str:
    """``code`` run in a new interpreter: its standard output."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_c_ast_is_imported_without_pycparsers_parser() -> None:
    out = _fresh(
        "import sys\n"
        "from abicheck.reader.cnodes import c_ast\n"
        "print(c_ast.__name__, sys.modules['pycparser.c_ast'] is c_ast)\n"
        "print(sorted(m for m in ('pycparser.c_parser', 'pycparser.c_lexer', 'subprocess')\n"
        "             if m in sys.modules))\n"
    )
    assert out == "pycparser.c_ast True\n[]\n"


def test_the_package_used_later_is_whole_and_shares_the_classes() -> None:
    # another library's use of pycparser after abicheck's import: every way of
    # reaching c_ast and the parser works, and the parser's nodes are c_ast's classes
    out = _fresh(
        "from abicheck.reader.cnodes import c_ast\n"
        "import pycparser\n"
        "import pycparser.c_ast\n"
        "from pycparser import *\n"
        "from pycparser import c_parser\n"
        "ast = pycparser.CParser().parse('struct s { int a; };')\n"
        "print(pycparser.c_ast is c_ast, c_parser.c_ast is c_ast)\n"
        "print(type(ast.ext[0].type) is c_ast.Struct, pycparser.__version__.split('.')[0])\n"
    )
    assert out == "True True\nTrue 3\n"


def test_fallback_parser_builds_c_ast_nodes() -> None:
    # a cast to a typedef name: for pycparser's parser, told the typedef names
    parser = Parser()
    parser.scope = {"myint": object()}
    node = parser.expression("(myint)3")
    assert isinstance(node, c_ast.Cast)
    assert isinstance(node.expr, c_ast.Constant) and node.expr.value == "3"
    decl = parser.declaration("struct s { myint a; };")
    assert isinstance(decl, c_ast.FileAST)
    assert isinstance(decl.ext[0].type, c_ast.Struct) and decl.ext[0].type.name == "s"


def test_fallback_parser_errors_are_parse_errors() -> None:
    parser = Parser()
    with pytest.raises(ParseError):
        parser.expression("1 +")
    with pytest.raises(ParseError):
        parser.declaration("struct { int a }")
    assert parser.parsing is False


def test_a_c_ast_not_found_as_a_file_is_imported_the_usual_way() -> None:
    # pycparser served by an importer that is no folder of files (a zip, a frozen
    # bundle): the lazy path cannot find c_ast beside the package, and imports it as
    # any other code would (the package whole)
    out = _fresh(
        "import sys\n"
        "from importlib.machinery import PathFinder\n"
        "real = PathFinder.find_spec.__func__\n"
        "asked = []\n"
        "def find_spec(cls, name, path=None, target=None):\n"
        "    if name == 'pycparser.c_ast' and not asked:\n"
        "        asked.append(name)\n"
        "        return None\n"
        "    return real(cls, name, path, target)\n"
        "PathFinder.find_spec = classmethod(find_spec)\n"
        "from abicheck.reader.cnodes import c_ast\n"
        "print(asked, c_ast.__name__, 'pycparser.c_parser' in sys.modules)\n"
    )
    assert out == "['pycparser.c_ast'] pycparser.c_ast True\n"
