"""pycparser's AST classes (``c_ast``), imported without pycparser's parser.

``import pycparser.c_ast`` runs ``pycparser/__init__``, which imports its parser,
the parser's lexer (regular expressions compiled at import) and ``subprocess``:
some 8 ms, most of a one-header ``abicheck parse``'s own start-up, for a parser
that reads only the odd expression or declaration FastParser and fastdecl leave
(:mod:`abicheck.reader.cparser`, imported when first needed). Every module of the
reader takes ``c_ast`` from here.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING


def _import_c_ast() -> ModuleType:
    """``pycparser.c_ast``, with the package ``pycparser`` lazy where it is not yet
    imported: an :class:`importlib.util.LazyLoader` module that runs its
    ``__init__`` at the first access of any attribute of it (``from pycparser
    import c_parser``, ``pycparser.CParser``), so to any other code it is the
    package as ever. ``c_ast`` is imported as the import system would, from the
    package's folder, and bound on the package (which LazyLoader keeps when it loads
    it), so that the parser imported later is built on these same classes. (As
    LazyLoader is before Python 3.12, the package's loading is not thread-safe:
    abicheck's own first use of it is the import of :mod:`.cparser`, which the
    import system runs once.)
    """
    from importlib import import_module

    if "pycparser" in sys.modules or "pycparser.c_ast" in sys.modules:
        return import_module("pycparser.c_ast")  # imported already: the usual way
    from importlib.machinery import PathFinder
    from importlib.util import LazyLoader, find_spec, module_from_spec

    spec = find_spec("pycparser")  # finds the package; runs nothing of it
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return import_module("pycparser.c_ast")  # (not installed: its own error)
    sub_spec = PathFinder.find_spec("pycparser.c_ast", spec.submodule_search_locations)
    if sub_spec is None or sub_spec.loader is None:
        # not files in a folder (a zip or frozen bundle's importer): the usual way
        return import_module("pycparser.c_ast")
    spec.loader = LazyLoader(spec.loader)
    package = module_from_spec(spec)
    sys.modules["pycparser"] = package
    try:
        spec.loader.exec_module(package)  # lazy: only marks it to load on first use
        module = module_from_spec(sub_spec)
        sys.modules["pycparser.c_ast"] = module
        sub_spec.loader.exec_module(module)  # c_ast imports only sys and typing
    except BaseException:
        sys.modules.pop("pycparser.c_ast", None)
        sys.modules.pop("pycparser", None)
        raise
    # bound as the import system binds a submodule on its parent (setting an
    # attribute of a lazy module does not load it; reading one does)
    setattr(package, "c_ast", module)  # noqa: B010 (mypy: ModuleType has no c_ast)
    return module


if TYPE_CHECKING:
    from pycparser import c_ast as c_ast
else:
    c_ast = _import_c_ast()
