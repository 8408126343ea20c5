"""Random headers for the differential fuzzer: integer expressions over every C operator,
casts and literal form, object-like and function-like macros (``#``, ``##``, variadics),
``#if``/``#elif`` chains, ``#undef`` and redefinition, and chains of included files.

``generate(seed)`` -> ``{file name: text}``; the main header is :data:`MAIN`. Every macro
a case defines is named ``Z...`` (``ZM`` object-like, ``ZF`` function-like) so the fuzzer
compares only those. The same seed always gives the same files.
"""

from __future__ import annotations

import random
import re

MAIN = "z0.h"

_BINARY = (
    "*", "/", "%", "+", "-", "<<", ">>", "<", ">", "<=", ">=", "==", "!=",
    "&", "^", "|", "&&", "||",
)  # fmt: skip
_UNARY = ("-", "+", "~", "!")
_TYPES = (
    "int", "unsigned", "unsigned int", "signed int", "long", "unsigned long", "long long",
    "unsigned long long", "short", "unsigned short", "char", "signed char", "unsigned char",
    "_Bool", "long int", "signed", "__int128", "unsigned __int128",
)  # fmt: skip
_SUFFIXES = ("", "", "", "u", "U", "l", "L", "ul", "UL", "lu", "ll", "LL", "ull", "LLU", "uLL")
_ESCAPES = (
    "\\n", "\\t", "\\0", "\\\\", "\\'", '\\"', "\\?", "\\a", "\\b", "\\f", "\\v", "\\r",
    "\\x41", "\\x7f", "\\xff", "\\177", "\\377", "\\101", "\\1", "\\e",
)  # fmt: skip


class _Gen:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.objects: list[str] = []  # object-like macros defined so far
        self.functions: list[tuple[str, int, str]] = []  # (name, arity, kind)
        self.pp_safe: set[str] = set()  # macros #if can expand (no sizeof, no cast)
        self.nesting = 0  # conditionals open: a function-like macro there may not exist
        self.serial = 0

    # -- expressions -------------------------------------------------------

    def number(self) -> str:
        r = self.rng
        pick = r.random()
        if pick < 0.3:
            value = r.choice((0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 100, 255, 256))
        elif pick < 0.6:
            value = r.randrange(0, 1 << r.choice((8, 16, 31, 32)))
        else:
            value = r.randrange(0, 1 << r.choice((33, 48, 63, 64)))
        form = r.random()
        if form < 0.4:
            text = str(value)
        elif form < 0.7:
            text = r.choice(("0x", "0X")) + format(value, r.choice(("x", "X")))
        elif form < 0.85:
            text = "0" + format(value, "o") if value else "0"
        else:
            text = r.choice(("0b", "0B")) + format(value, "b")
        return text + r.choice(_SUFFIXES)

    def char(self) -> str:
        r = self.rng
        prefix = r.choice(("", "", "", "L", "u", "U"))
        body = r.choice(_ESCAPES) if r.random() < 0.5 else r.choice("aZ09 ~#%")
        if not prefix and r.random() < 0.1:
            body += r.choice("bc")  # multi-character constant
        return f"{prefix}'{body}'"

    def primary(self, pp: bool, depth: int) -> str:
        r = self.rng
        pick = r.random()
        if pick < 0.45:
            return self.number()
        if pick < 0.55:
            return self.char()
        objects = [o for o in self.objects if o in self.pp_safe] if pp else self.objects
        if pick < 0.75 and objects:
            name = r.choice(objects)
            if pp and r.random() < 0.3:
                return r.choice((f"defined({name})", f"defined {name}"))
            return name
        if pick < 0.85 and self.functions:
            return self.call(pp, depth)
        if pp and pick < 0.9:
            return r.choice(("ZUNDEFINED", "defined(ZUNDEFINED)", "__INT_MAX__", "__CHAR_BIT__"))
        if not pp and pick < 0.95:
            what = r.choice(_TYPES) if r.random() < 0.6 else f"({self.expr(pp, depth + 1)})"
            return f"sizeof({what})" if what[0] != "(" else f"sizeof {what}"
        return self.number()

    def call(self, pp: bool, depth: int) -> str:
        r = self.rng
        functions = [f for f in self.functions if f[0] in self.pp_safe] if pp else self.functions
        if not functions:
            return self.number()
        name, arity, kind = r.choice(functions)
        if kind == "str":
            # the argument is stringized: any tokens will do
            arg = r.choice(("a", "a b", " x + 1 ", '"s"', "", "(1,2)", "'c'"))
            return f"{name}({arg})"
        if kind == "paste":
            return f"{name}({r.choice(('0x', '1', '0'))}, {r.choice(('1', 'F', '7'))})"
        objects = [o for o in self.objects if o in self.pp_safe] if pp else self.objects
        if kind == "pastename" and objects:
            target = r.choice(objects)
            return f"{name}({target[:2]}, {target[2:]})"
        if kind == "pastename":
            return f"{name}(Z, M0)" if "ZM0" in self.objects else "1"
        n = r.randrange(arity, arity + 3) if kind in ("var", "gnuvar", "vaopt") else arity
        args = [self.expr(pp, depth + 1) for _ in range(n)]
        return f"{name}({', '.join(args)})"

    def expr(self, pp: bool = False, depth: int = 0) -> str:
        r = self.rng
        if depth > 3 or r.random() < 0.25 + 0.15 * depth:
            return self.primary(pp, depth)
        pick = r.random()
        if pick < 0.45:
            op = r.choice(_BINARY)
            left, right = self.expr(pp, depth + 1), self.expr(pp, depth + 1)
            if op in ("<<", ">>") and r.random() < 0.8:
                right = str(r.randrange(0, 32))
            if op in ("/", "%") and r.random() < 0.8:
                right = str(r.randrange(1, 17))
            text = f"{left} {op} {right}"
        elif pick < 0.6:
            text = r.choice(_UNARY) + " " + self.expr(pp, depth + 1)
        elif pick < 0.7:
            c, a, b = (self.expr(pp, depth + 1) for _ in range(3))
            text = f"{c} ? {a} : {b}"
        elif pick < 0.85 and not pp:
            text = f"({r.choice(_TYPES)}) {self.expr(pp, depth + 1)}"
        elif pick < 0.88:
            text = f"{self.expr(pp, depth + 1)}, {self.expr(pp, depth + 1)}"
        else:
            text = self.primary(pp, depth)
        return f"({text})" if r.random() < 0.8 else text

    # -- directives --------------------------------------------------------

    def new_object(self) -> str:
        name = f"ZM{self.serial}"
        self.serial += 1
        return name

    def define_object(self, out: list[str]) -> None:
        r = self.rng
        if self.objects and r.random() < 0.08:
            name = r.choice(self.objects)
            out.append(f"#undef {name}")
            if r.random() < 0.5:
                self.objects.remove(name)
                return
        else:
            name = self.new_object()
        sep = r.choice((" ", "\t", " /* c */ ", "  "))
        body = self.expr()
        out.append(f"#define {name}{sep}{body}")
        self.mark(name, body)
        if name not in self.objects:
            self.objects.append(name)

    def define_function(self, out: list[str]) -> None:
        r = self.rng
        name = f"ZF{self.serial}"
        self.serial += 1
        kind = r.choice(("plain", "plain", "str", "paste", "pastename", "var", "gnuvar", "vaopt"))
        op = r.choice(_BINARY)
        if kind == "plain":
            arity = r.randrange(0, 4)
            params = [f"p{i}" for i in range(arity)]
            body = f" {op} ".join(f"({p})" for p in params) or self.number()
            if arity and r.random() < 0.3:
                body = f"({r.choice(_TYPES)}) ({body})"
            text = f"#define {name}({', '.join(params)}) ({body})"
        elif kind == "str":
            arity = 1
            text = f"#define {name}(x) sizeof(#x)"
        elif kind == "paste":
            arity = 2
            text = f"#define {name}(a, b) a ## b"
        elif kind == "pastename":
            arity = 2
            text = f"#define {name}(a, b) a##b"
        elif kind == "var":
            arity = 1
            text = f"#define {name}(x, ...) ((x) {op} ZSUM(0, ## __VA_ARGS__))"
        elif kind == "gnuvar":
            arity = 1
            text = f"#define {name}(x, rest...) ((x) {op} ZSUM(0, ##rest))"
        else:
            arity = 1
            text = f"#define {name}(x, ...) ((x) __VA_OPT__({op} ZSUM(__VA_ARGS__)))"
        out.append(text)
        self.functions.append((name, arity, kind))
        self.mark(name, text.split(")", 1)[1])

    def mark(self, name: str, body: str) -> None:
        """Record whether #if can expand ``name`` (defined with ``body``)."""
        self.pp_safe.discard(name)
        refs = set(re.findall(r"\bZ[MF]\d+", body))
        if not _NOT_PP.search(body) and refs <= self.pp_safe and not self.nesting:
            self.pp_safe.add(name)

    def conditional(self, out: list[str], depth: int) -> None:
        r = self.rng
        kind = r.choice(("if", "if", "ifdef", "ifndef"))
        if kind == "if":
            out.append(f"#if {self.expr(pp=True)}")
        else:
            names = [*self.objects, "ZUNDEFINED"]
            out.append(f"#{kind} {r.choice(names)}")
        self.nesting += 1
        for _ in range(r.randrange(0, 3)):
            self.block(out, depth + 1)
            out.append(f"#elif {self.expr(pp=True)}")
        self.block(out, depth + 1)
        if r.random() < 0.5:
            out.append("#else")
            self.block(out, depth + 1)
        self.nesting -= 1
        out.append("#endif")

    def block(self, out: list[str], depth: int) -> None:
        for _ in range(self.rng.randrange(1, 4)):
            self.statement(out, depth)

    def statement(self, out: list[str], depth: int) -> None:
        pick = self.rng.random()
        if pick < 0.6:
            self.define_object(out)
        elif pick < 0.8:
            self.define_function(out)
        elif depth < 2:
            self.conditional(out, depth)
        else:
            self.define_object(out)


_NOT_PP = re.compile(r"\bsizeof\b|\((?:unsigned|signed|int|long|short|char|_Bool|__int128)\b")

_PRELUDE = "#define ZSUM(...) (__VA_ARGS__)"


def generate(seed: int) -> dict[str, str]:
    """The files of case ``seed``: :data:`MAIN` and the headers it includes, in a chain
    (``z0.h`` includes ``z1.h``, and so on, some guarded, some by a computed name)."""
    rng = random.Random(seed)
    g = _Gen(rng)
    n_files = rng.choice((1, 1, 2, 3, 4))
    files: dict[str, str] = {}
    bodies: list[list[str]] = [[] for _ in range(n_files)]
    # the last file is read first: generate it first, so later files use its macros
    for k in reversed(range(n_files)):
        out = bodies[k]
        if k == n_files - 1:
            out.append(_PRELUDE)
        else:
            nxt = f"z{k + 1}.h"
            pick = rng.random()
            if pick < 0.6:
                out.append(f'#include "{nxt}"')
            elif pick < 0.8:
                out.append(f'#define ZINC{k} "{nxt}"')
                out.append(f"#include ZINC{k}")
            else:
                out.append(f'#include "{nxt}"')
                out.append(f'#include "{nxt}"')  # twice: the guard (or not) decides
        for _ in range(rng.randrange(3, 14)):
            g.statement(out, 0)
    for k, out in enumerate(bodies):
        lines = out
        if rng.random() < 0.5:
            guard = f"ZGUARD{k}"
            lines = [f"#ifndef {guard}", f"#define {guard}", *out, "#endif"]
        files[f"z{k}.h"] = "\n".join(lines) + "\n"
    return files
