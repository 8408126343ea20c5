"""What the reader keeps from one header for the next, each answer keyed by what it rests on.

A ``Memo`` holds every cache whose answers rest on a header's state (its macro
definitions, its declarations); the caches of pure functions of their key (a
file's scan, a literal's value, a text's tokens) stay with their owners.
``Memo(reuse=False)`` keeps nothing, and function-like macros are then
expanded the usual way rather than from templates: every header is read from
scratch, the reference that reuse is checked against (``ABICHECK_NO_REUSE=1``
sets it for a run of the command).
"""

from __future__ import annotations

import enum
import os
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from .cnodes import c_ast
from .datamodel import Value
from .scan import MacroDef
from .tokens import Tok

if TYPE_CHECKING:
    from .evaluation import Result, Subs, Template
    from .walk import Summary

NO_REUSE_ENV = "ABICHECK_NO_REUSE"

# The definitions a result looked up, and what each was then (None: undefined).
Deps = tuple[tuple[str, ...], tuple[MacroDef | None, ...]]
NO_DEPS: Deps = ((), ())


class Question(enum.Enum):
    """What an evaluation asks of a header's declarations."""

    IS_TYPEDEF = "is this name a typedef name, as pycparser is told"
    TYPEDEF = "this typedef name's type"
    IS_ENUM_CONSTANT = "is this name an enum constant"
    IDENT = "this identifier's value, or why it has none"
    IS_TYPE_NAME = "do these tokens spell a type name"
    RECORD = "the definition of this struct or union"


IS_TYPEDEF = Question.IS_TYPEDEF
TYPEDEF = Question.TYPEDEF
IS_ENUM_CONSTANT = Question.IS_ENUM_CONSTANT
IDENT = Question.IDENT
IS_TYPE_NAME = Question.IS_TYPE_NAME
RECORD = Question.RECORD

TokenPairs = tuple[tuple[str, str], ...]  # (kind, text) of each token
# A name, or (for IS_TYPE_NAME) the tokens of an expansion.
Key: TypeAlias = "str | TokenPairs"
# IS_* questions: a bool; TYPEDEF: a type AST or None; IDENT: a Value or why not.
Answer: TypeAlias = "bool | Value | str | c_ast.Node | None"


# One question an evaluation asked and the answer it got: (question, key, answer)
# (a plain tuple: a NamedTuple class took 0.2 ms to make at import)
Read = tuple[Question, Key, Answer]


Reads = tuple[Read, ...]

K = TypeVar("K")
V = TypeVar("V")


class _Forgetful(dict[K, V]):
    """A cache that keeps nothing: every look-up misses."""

    def __setitem__(self, key: K, value: V) -> None:
        pass

    def setdefault(self, key: K, default: Any = None) -> Any:
        return default


def new_cache(reuse: bool) -> dict[Any, Any]:
    """A new cache: a dict, or (``reuse`` False) one that keeps nothing."""
    return {} if reuse else _Forgetful()


def reuse_default() -> bool:
    """Whether reuse is on when the caller does not say: off where ABICHECK_NO_REUSE is set."""
    return os.environ.get(NO_REUSE_ENV, "") in ("", "0")


class Memo:
    """The caches one Reader keeps across headers; with ``reuse`` off they keep nothing."""

    def __init__(self, reuse: bool = True) -> None:
        self.reuse = reuse
        # the data model its evaluations were made under (parse.model_key), once used
        self.target: tuple[object, ...] | None = None
        # (path, -I index) -> walks of that file: (state read, effects)
        self.walks: dict[tuple[str, int], list[Summary]] = self.cache()
        # id(tokens of an #if line) -> (those tokens, [(macros consulted, (truth,
        # warnings))])
        self.if_results: dict[
            int,
            tuple[
                list[Tok],
                list[tuple[tuple[tuple[str, MacroDef | None], ...], tuple[bool, tuple[str, ...]]]],
            ],
        ] = self.cache()
        # a macro -> its last results (the newest first) and what each rested on
        self.values: dict[MacroDef, list[tuple[Deps, Subs, Reads, Result]]] = self.cache()
        # results that rest on nothing but the definition (literals, function-like)
        self.fixed: dict[MacroDef, Result] = self.cache()
        self.templates: dict[MacroDef, Template] = self.cache()
        # (expression text, the typedef names in it) -> its AST or why it has none
        self.asts: dict[tuple[str, ...], c_ast.Node | str] = self.cache()
        # (declaration text, the typedef names in it) -> its AST (None: unreadable)
        self.decl_asts: dict[tuple[str, ...], c_ast.FileAST | None] = self.cache()
        # declaration -> (the definitions its expansion looked up, the expanded text)
        self.decl_expansions: dict[str | tuple[str, int], tuple[Deps, str]] = self.cache()
        # (statement, where its parts start, packing) -> each part's definitions, the text
        self.part_expansions: dict[
            tuple[str, tuple[int, ...], int], tuple[tuple[Deps, ...], str]
        ] = self.cache()
        # an enum declaration resting on nothing outside it -> its constants' values
        self.enum_values: dict[str, list[tuple[str, Value | str]]] = self.cache()
        # a macro body with no identifiers (1 << 3), by its text: (value, reason,
        # whether it is primary, the expansion budget it takes)
        self.plain_values: dict[str, tuple[Value | None, str, bool, int]] = self.cache()

    def cache(self) -> dict[Any, Any]:
        """A new cache: a dict, or one that keeps nothing when reuse is off."""
        return new_cache(self.reuse)

    def for_another_target(self) -> Memo:
        """A memo sharing this one's caches with a Reader of another target whose
        data model is the same (an architecture of the same ABI), but for the walks:
        a file's walk rests on where its includes resolve, in its own target's
        folders. The other caches' answers are checked against the definitions,
        declarations and results they rest on, not against the data model."""
        import copy  # (only for several architectures)

        view = copy.copy(self)
        view.walks = self.cache()
        return view

    def clear(self) -> None:
        """Empty every cache, in place (their holders keep them): reuse starts over."""
        for cache in vars(self).values():
            if isinstance(cache, dict):
                cache.clear()
