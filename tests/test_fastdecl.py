"""The fast declaration path builds exactly the AST pycparser builds, or leaves
the statement to pycparser."""

from __future__ import annotations

import glob
import os
from typing import Any

import pytest
from pycparser import c_ast

from abicheck.model import AbicheckError
from abicheck.parse import Reader, target_setup
from abicheck.reader import declarations, fastdecl
from abicheck.reader.exprparse import Parser
from abicheck.reader.tokens import tokenize

# FastParser types every integer constant "int"; the folder reads the suffix
_INT_CONSTANTS = {
    "int",
    "unsigned int",
    "long int",
    "unsigned long int",
    "long long int",
    "unsigned long long int",
}


def difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two ASTs differ (None: the same nodes, attributes and children)."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if d := difference(x, y, f"{path}[{i}]"):
                return d
        return None
    if not isinstance(a, c_ast.Node):
        return None if a == b else f"{path}: {a!r} vs {b!r}"
    for name in (*a.attr_names, "attributes"):
        if isinstance(a, c_ast.Constant) and name == "type" and a.type in _INT_CONSTANTS:
            if b.type not in _INT_CONSTANTS:
                return f"{path}.type: {a.type} vs {b.type}"
            continue
        if d := difference(getattr(a, name, None), getattr(b, name, None), f"{path}.{name}"):
            return d
    ca, cb = a.children(), b.children()
    if [n for n, _ in ca] != [n for n, _ in cb]:
        return f"{path}: children {[n for n, _ in ca]} vs {[n for n, _ in cb]}"
    for (n, x), (_, y) in zip(ca, cb, strict=True):
        if d := difference(x, y, f"{path}.{n}"):
            return d
    return None


def pycparser_ast(text: str, typedefs: set[str]) -> c_ast.FileAST:
    p = Parser()
    p.scope = dict.fromkeys(typedefs, True)
    result: c_ast.FileAST = p.declaration(text)
    return result


@pytest.mark.parametrize(
    "text",
    [
        "struct s { int a; unsigned long b[4][2]; char *const *p; __u32 f : 3, : 0, g : 5; };",
        "typedef struct { __u8 x; union { int i; long l; }; struct t u; } name_t, *name_p;",
        "union u { struct { int a; } s; int b[]; };",
        "typedef unsigned short __u16;",  # a typedef name declared again
        "typedef enum { A = 1U << 3, B, C = (A | B), } e_t;",
        "enum e { X = sizeof(struct s), Y };",
        "struct v { _Alignas ( __abicheck_max_align ( 2 ) ) char __abicheck_attrs ; __u16 a; };",
        "_Alignas ( __abicheck_aligned (4 ) )typedef struct vring_used vring_used_t;",
        "struct empty { };",
        "struct fwd;",
        "const volatile int x, y[3 * 4];",
    ],
)
def test_fast_path_builds_pycparsers_ast(text: str) -> None:
    scope = {"__u8": True, "__u16": True, "__u32": True}
    fast = fastdecl.fast_declaration(text, scope)
    assert fast is not None
    assert difference(fast, pycparser_ast(text, set(scope))) is None


@pytest.mark.parametrize(
    "text",
    [
        "typedef void (*handler_t)(int);",  # a function declarator
        "typedef void fn_t(void);",
        "static inline int f(void) { return 0; }",
        "struct s { int a; }",  # no semicolon
        "struct s { unknown_t a; };",  # not a typedef name here
        "struct s { int int; };",
        "typedef struct s;",
    ],
)
def test_fast_path_leaves_the_rest_to_pycparser(text: str) -> None:
    assert fastdecl.fast_declaration(text, {}) is None


def test_fast_path_over_real_uapi_trees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every declaration the reader parses in the uapi trees of three
    architectures: where the fast path gives an AST it is pycparser's."""
    real = fastdecl.fast_declaration
    counts = {"fast": 0, "pycparser": 0}
    bad: list[str] = []

    def checked(text: str, scope: Any, tokens: Any = None) -> c_ast.FileAST | None:
        names = {t.text for t in tokenize(text) if t.kind == "id" and t.text in scope}
        fast = real(text, scope, tokens)
        if fast is None:
            counts["pycparser"] += 1
            return None
        counts["fast"] += 1
        d = difference(fast, pycparser_ast(text, names))
        if d is not None:
            bad.append(f"{d} :: {text[:200]}")
        return fast

    monkeypatch.setattr(declarations, "fast_declaration", checked)
    read = 0
    for name in ("amd64", "mips", "m68k"):
        setup = target_setup(name)
        if len(setup.system_dirs) < 2:
            pytest.fail(f"{name}'s cross headers are not installed (.ci/apt-packages.txt)")
        reader = Reader(
            setup.system_dirs,
            {},
            setup.data_model,
            setup.predefines,
            setup.unsigned_char,
            abi=setup.abi,
        )
        root = next(d for d in setup.system_dirs[1:] if os.path.isdir(f"{d}/linux"))
        for h in sorted(glob.glob(f"{root}/linux/*.h"))[:250]:
            try:
                reader.read(h)
            except AbicheckError:  # a header that cannot be read alone (#error)
                continue
            read += 1
    assert read > 600
    assert bad == []
    assert counts["fast"] > 20 * counts["pycparser"], counts
