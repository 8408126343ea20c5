"""Modules that can be called as their main function.

``abicheck.compare`` is both a module and, in the public API, the function
``compare``: importing the submodule makes it the package's attribute whichever is
asked for first, so the module itself is made callable and calls the function.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any


class _CallableModule(ModuleType):
    __call_target__: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, self.__call_target__)(*args, **kwargs)


def callable_module(module: str, function: str) -> None:
    """Make the module named ``module`` callable as its function ``function``."""
    mod = sys.modules[module]
    mod.__class__ = _CallableModule
    mod.__call_target__ = function  # type: ignore[attr-defined]
