"""Integer constant expressions: pycparser ASTs folded with C semantics.

``Folder`` visits an expression AST and returns a ``Value`` (an int and its C
integer type). Integer literals take the type C gives them, operands go
through the integer promotions and the usual arithmetic conversions, results
wrap to their type's width, division truncates, and sizeof follows a data
model. What is not an integer constant raises ``NotConstant`` with the reason.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any, ClassVar

from .._pattern import lazy_compile
from .cnodes import c_ast
from .datamodel import BASIC_TYPE_WORDS, STANDARD_TYPEDEFS, CType, DataModel, Value, word_type
from .statements import BUILTIN, PREFERRED, TYPEOF


class NotConstant(Exception):
    """The expression has no integer value; the message is the reason."""


_PP_OVERFLOW = "integer overflow in preprocessor expression"
#: the reason a comma operator evaluated outside #if gives no value
COMMA = "comma operator: not a constant expression"


# pycparser's types of floating constants
_FLOAT_CONSTANTS = frozenset({"float", "double", "long double"})
_NON_INTEGER_WORDS = frozenset({"float", "double", "void"})

_INT_SUFFIX_RE = re.compile(r"([0-9a-fA-FxXbB]+?)([uU]?(?:ll|LL|l|L)?[uU]?)$")
_ESCAPES = {
    "n": 10,
    "t": 9,
    "r": 13,
    "a": 7,
    "b": 8,
    "f": 12,
    "v": 11,
    "e": 27,
    "\\": 92,
    "'": 39,
    '"': 34,
    "?": 63,
}


def _char_values(body: str, wide: bool = False) -> list[int]:
    """The values of a character constant's chars, escapes decoded (bytes unless ``wide``)."""
    out: list[int] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.extend([ord(c)] if wide else c.encode("utf-8"))
            i += 1
            continue
        i += 1
        if i >= len(body):
            raise NotConstant("bad escape in character constant")
        c = body[i]
        if c in "01234567":
            j = i
            while j < len(body) and j < i + 3 and body[j] in "01234567":
                j += 1
            out.append(int(body[i:j], 8))
            i = j
        elif c == "x":
            j = i + 1
            while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                j += 1
            if j == i + 1:
                raise NotConstant("\\x used with no hex digits")
            out.append(int(body[i + 1 : j], 16))
            i = j
        elif c in "uU":
            n = 4 if c == "u" else 8
            digits = body[i + 1 : i + 1 + n]
            if len(digits) != n or any(x not in "0123456789abcdefABCDEF" for x in digits):
                raise NotConstant(f"\\{c} needs {n} hex digits")
            code = int(digits, 16)
            if wide:
                out.append(code)
            else:
                try:
                    out.extend(chr(code).encode("utf-8"))
                except (ValueError, UnicodeEncodeError):
                    raise NotConstant(f"\\{c}{digits} is not a character") from None
            i += 1 + n
        elif c in _ESCAPES:
            out.append(_ESCAPES[c])
            i += 1
        else:
            out.append(ord(c))
            i += 1
    return out


_STRING_ESCAPE_RE = lazy_compile(
    r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]*)|u([0-9a-fA-F]{0,4})|U([0-9a-fA-F]{0,8})|(.))", re.S
)


def _code_units(text: str, width: int) -> int:
    """How many ``width``-byte code units the source characters ``text`` take."""
    if width == 1:
        return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    if width == 2:
        return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text)


def _ucn(digits: str, n: int) -> str:
    """The character ``\\u`` (``n`` 4) or ``\\U`` (``n`` 8) ``digits`` names; NotConstant
    where C does not allow it (C11 6.4.3)."""
    if len(digits) != n:
        raise NotConstant(f"incomplete universal character name \\{'u' if n == 4 else 'U'}")
    code = int(digits, 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF or (code < 0xA0 and code not in (36, 64, 96)):
        raise NotConstant(f"\\{'u' if n == 4 else 'U'}{digits} is not a valid universal character")
    return chr(code)


def string_units(body: str, width: int) -> int:
    """The code units of a string literal's ``body`` (between its quotes) encoded in
    ``width``-byte units (1: UTF-8, 2: UTF-16, 4: UTF-32), escapes decoded, the
    terminating null not counted; NotConstant for a malformed escape."""
    if "\\" not in body:
        return _code_units(body, width)
    n = 0
    pos = 0
    for m in _STRING_ESCAPE_RE.finditer(body):
        n += _code_units(body[pos : m.start()], width)
        pos = m.end()
        octal, hexa, u4, u8, _other = m.groups()
        if octal is not None or hexa is not None:
            if hexa == "":
                raise NotConstant("\\x used with no hex digits")
            n += 1  # one unit, its value cut to the unit's width (gcc: a warning)
        elif u4 is not None or u8 is not None:
            n += _code_units(_ucn(u4, 4) if u4 is not None else _ucn(u8, 8), width)
        else:
            n += 1
    return n + _code_units(body[pos:], width)


#: a string literal's encoding prefix -> the size of its code units (L's is wchar_t's)
STRING_UNIT = {"": 1, "u8": 1, "u": 2, "U": 4}


def string_size(literals: list[str], wchar_bytes: int) -> int:
    """sizeof of adjacent string literals (their texts, prefixes and quotes
    included), concatenated as C11 6.4.5 says: one encoding prefix, if any, is
    the whole's; two different ones are an error (as in gcc)."""
    prefixes = {lit[: lit.index('"')] for lit in literals} - {""}
    if len(prefixes) > 1:
        raise NotConstant("concatenation of string literals with different prefixes")
    prefix = prefixes.pop() if prefixes else ""
    width = wchar_bytes if prefix == "L" else STRING_UNIT[prefix]
    units = sum(string_units(lit[lit.index('"') + 1 : -1], width) for lit in literals)
    return (units + 1) * width


class Folder(c_ast.NodeVisitor):  # type: ignore[misc]
    """Folds an expression AST to a ``Value``.

    ``ident`` resolves an identifier that is left after macro expansion (an
    enum constant) or raises NotConstant; ``typedef`` resolves a typedef name
    to its type AST or None. In ``preprocessor`` mode (``#if``) every integer
    is intmax_t or uintmax_t, as C11 6.10.1 says.
    """

    def __init__(
        self,
        model: DataModel,
        ident: Callable[[str], Value],
        typedef: Callable[[str], c_ast.Node | None],
        preprocessor: bool = False,
        layouts: Callable[[], Any] | None = None,
        literals: Literals | None = None,
    ) -> None:
        self.model = model
        self.types = model.types()
        self.sizes = model.sizes()
        self.ident = ident
        self.typedef = typedef
        self.pp = preprocessor
        # what gives a reader.layout.Layouts, the sizes, alignments and offsets of
        # types, asked for only when one is needed (None: only the basic types have them)
        self.layouts = layouts
        self.INT = self.types["int"]
        self.size_t = self.types[word_type("size_t", model)]
        # integer literals' values: shared with ``literals`` (outside #if, its model's)
        self._literals: dict[str, Value] = (
            literals.values if literals is not None and not preprocessor else {}
        )
        # What C leaves undefined but gcc gives a value for, met while folding (the
        # caller clears and reads it): a shift by the width or more, and in #if a
        # signed overflow (gcc: "integer overflow in preprocessor expression")
        self.notes: list[str] = []

    # -- helpers -----------------------------------------------------------

    # node class -> Folder's visit_<Kind> function, found once per kind for every
    # Folder (functions, not a Folder's bound methods: those would tie each Folder
    # to itself in a cycle, kept until a garbage collection, which reading pauses)
    _visitors: ClassVar[dict[type[c_ast.Node], Callable[[Folder, c_ast.Node], Value]]] = {}

    def fold(self, node: c_ast.Node) -> Value:
        """The value of ``node``: its ``visit_<Kind>`` method, found once per kind."""
        visitor = Folder._visitors.get(node.__class__)
        if visitor is None:
            name = "visit_" + node.__class__.__name__
            found = getattr(Folder, name, Folder.generic_visit)
            visitor = Folder._visitors[node.__class__] = found
        return visitor(self, node)

    def generic_visit(self, node: c_ast.Node) -> Any:
        raise NotConstant(f"not an integer constant expression ({type(node).__name__})")

    def make(self, v: int, t: CType) -> Value:
        """``v`` as a value of type ``t`` (intmax_t's or uintmax_t's under ``#if``), wrapped."""
        if self.pp:
            t = self.types["long long"] if t.signed else self.types["unsigned long long"]
            w = t.wrap(v)
            if w != v and t.signed:
                self.notes.append(_PP_OVERFLOW)
            return Value(w, t)
        return Value(t.wrap(v), t)

    def _signed(self, v: int, t: CType, op: str) -> Value:
        """The result ``v`` of arithmetic ``op`` in type ``t``, wrapped; outside #if a
        note where it overflows a signed type: undefined in C, gcc wraps it."""
        r = self.make(v, t)
        if r.value != v and t.signed and not self.pp:
            self.notes.append(f"signed overflow in {op} ({t.name}): undefined in C, gcc's value")
        return r

    def promote(self, t: CType) -> CType:
        if self.pp:
            return self.types["long long"] if t.signed else self.types["unsigned long long"]
        if t.rank < 3:
            return self.INT
        return t

    def usual(self, a: CType, b: CType) -> CType:
        if a is b and a.rank >= 3 and not self.pp:
            return a  # the common case: both one type, promoted already
        a, b = self.promote(a), self.promote(b)
        if a is b or a == b:
            return a
        if a.signed == b.signed:
            return a if a.rank >= b.rank else b
        u, s = (a, b) if not a.signed else (b, a)
        if u.rank >= s.rank:
            return u
        if s.bits > u.bits:
            return s
        return s.unsigned()

    # -- leaves ------------------------------------------------------------

    def visit_Constant(self, node: c_ast.Constant) -> Value:
        text: str = node.value
        v = self._literals.get(text)
        if v is not None:  # an integer literal met before (only those are kept)
            return v
        kind = node.type
        if kind == "string":
            raise NotConstant("string literal")
        if kind in ("float", "double", "long double"):
            raise NotConstant("floating-point constant")
        if kind == "char" or text.endswith("'"):
            return self._char(text)
        v = self._literals[text] = self._int_literal(text)
        return v

    def _char(self, text: str) -> Value:
        prefix, _, body = text.partition("'")
        codes = _char_values(body[:-1], wide=prefix != "")
        if not codes:
            raise NotConstant("empty character constant")
        if prefix == "":
            if len(codes) == 1:
                return self.make(self.types["char"].wrap(codes[0]), self.INT)
            v = 0
            for c in codes:
                v = (v << 8) | (c & 0xFF)
            return self.make(v, self.INT)
        kind = {"u8": "unsigned char", "u": "unsigned short", "U": "unsigned int"}.get(
            prefix, self.model.wchar
        )
        code = codes[-1]
        if prefix == "u" and code > 0xFFFF:
            code = 0xDC00 | ((code - 0x10000) & 0x3FF)  # gcc keeps the low surrogate
        t = self.types[kind]
        return self.make(t.wrap(code), t)  # its type's value, then (in #if) intmax_t's

    def _int_literal(self, text: str) -> Value:
        if text[-1:] not in "uUlL" and text.isascii() and text.isalnum():
            digits, suffix = text, ""  # no suffix, no digit separator: what the regex finds
        else:
            m = _INT_SUFFIX_RE.match(text.replace("'", ""))
            if m is None:
                raise NotConstant(f"bad integer constant {text}")
            digits, suffix = m.group(1), m.group(2).lower()
        try:
            if digits[:2] in ("0x", "0X"):
                v, decimal = int(digits[2:], 16), False
            elif digits[:2] in ("0b", "0B"):
                v, decimal = int(digits[2:], 2), False
            elif digits.startswith("0") and len(digits) > 1:
                v, decimal = int(digits, 8), False
            else:
                v, decimal = int(digits, 10), True
        except ValueError:
            raise NotConstant(f"bad integer constant {text}") from None
        unsigned = "u" in suffix
        if self.pp and v < (1 << 64):
            # C11 6.10.1p4: in #if every integer literal is intmax_t or, with a u
            # suffix or too large for it, uintmax_t (not int/unsigned int first:
            # 0xE1FB3855 is a positive intmax_t there, so -0xE1FB3855 < 1)
            signed = not unsigned and v < (1 << 63)
            return self.make(v, self.types["long long" if signed else "unsigned long long"])
        for c in _CANDIDATES[suffix.count("l"), unsigned, decimal]:
            ct = self.types[c]
            if ct.fits(v):
                return self.make(v, ct)
        # No standard type holds it. gcc reads the literal to 64 bits ("integer
        # constant is too large for its type" past them) and gives it its widest
        # type: in #if uintmax_t ("so large that it is unsigned"), in C __int128
        # where the target has it, else long long, unsigned for a u suffix.
        v &= (1 << 64) - 1
        if self.pp:
            return self.make(v, self.types["unsigned long long"])
        widest = "__int128" if self.model.has_int128 else "long long"
        return self.make(v, self.types["unsigned " + widest if unsigned else widest])

    def visit_ID(self, node: c_ast.ID) -> Value:
        return self.ident(node.name)

    # -- operators ---------------------------------------------------------

    def visit_UnaryOp(self, node: c_ast.UnaryOp) -> Value:
        op = node.op
        if op == "sizeof":
            return self.make(self._sizeof(node.expr), self.size_t)
        if op == "_Alignof":
            return self.make(self._alignof(node.expr), self.size_t)
        if op in ("&", "*", "++", "--", "p++", "p--"):
            raise NotConstant(f"operator {op.lstrip('p')} on an lvalue")
        a = self.fold(node.expr)
        if op == "!":
            return self.make(int(a.value == 0), self.INT)
        t = self.promote(a.type)
        if op == "-":
            return self._signed(-a.value, t, op)
        if op == "+":
            return self.make(a.value, t)
        if op == "~":
            return self.make(~a.value, t)
        raise NotConstant(f"operator {op}")

    def visit_BinaryOp(self, node: c_ast.BinaryOp) -> Value:
        left = node.left
        if left.__class__ is not c_ast.BinaryOp:  # one operator: no chain to walk
            return self._binary(node.op, self.fold(left), node.right)
        left, spine = _chain(node)
        acc = self.fold(left)
        for b in spine:
            acc = self._binary(b.op, acc, b.right)
        return acc

    def _binary(self, op: str, a: Value, right: c_ast.Node) -> Value:
        if op == "&&" or op == "||":
            if (op == "&&") != bool(a.value):
                self.type_of(right)  # not evaluated, but it must be well-formed
                return self.make(int(op == "||"), self.INT)
            return self.make(int(self.fold(right).value != 0), self.INT)
        b = self.fold(right)
        if op == "<<" or op == ">>":
            return self._shift(op, a, b.value)
        t = self.usual(a.type, b.type)
        # a Value's value is in its type's range: only a converted one needs wrapping
        x = a.value if a.type is t else t.wrap(a.value)
        y = b.value if b.type is t else t.wrap(b.value)
        f = _WRAPPING.get(op)
        if f is not None:
            return self._signed(f(x, y), t, op)
        f = _BITWISE.get(op)
        if f is not None:
            return self.make(f(x, y), t)
        f = _COMPARISONS.get(op)
        if f is not None:
            return self.make(int(f(x, y)), self.INT)
        if op == "/" or op == "%":
            if y == 0:
                raise NotConstant("division by zero")
            q = abs(x) // abs(y)
            if (x < 0) != (y < 0):
                q = -q
            return self._signed(q if op == "/" else x - y * q, t, op)
        raise NotConstant(f"operator {op}")

    def _shift(self, op: str, a: Value, n: int) -> Value:
        """``a << n`` or ``a >> n``. A count of the width or more is undefined in C;
        gcc gives 0 (-1 shifting a negative value right) and a note says so. A
        negative count: in #if gcc shifts the other way, in C it gives no constant."""
        t = self.promote(a.type)
        x = t.wrap(a.value)
        if n < 0:
            if not self.pp:
                raise NotConstant(f"negative shift count {n}")
            op, n = ("<<" if op == ">>" else ">>"), -n
        if n >= t.bits:
            if not self.pp:
                self.notes.append(
                    f"shift count {n} >= width of {t.name}: undefined in C, gcc's value"
                )
            if op == ">>":
                return self.make(-1 if x < 0 else 0, t)
            if self.pp and t.signed and x:
                self.notes.append(_PP_OVERFLOW)
            return self.make(0, t)
        if op == "<<":
            if x < 0 and not self.pp:
                self.notes.append(
                    f"left shift of negative value ({t.name}): undefined in C, gcc's value"
                )
            return self._signed(x << n, t, op)
        return self.make(x >> n, t)

    def visit_TernaryOp(self, node: c_ast.TernaryOp) -> Value:
        # the branch not taken is not evaluated, but its type counts (C11 6.5.15)
        c = self.fold(node.cond)
        chosen, other = (node.iftrue, node.iffalse) if c.value else (node.iffalse, node.iftrue)
        # GNU x ?: y is a TernaryOp whose iftrue is its cond: x is evaluated once
        v = c if chosen is node.cond else self.fold(chosen)
        o = self.type_of(other)
        if o is None:
            return v  # a type the folder does not model (a call's, a pointer's)
        return self.make(v.value, self.usual(v.type, o))

    def visit_ExprList(self, node: c_ast.ExprList) -> Value:
        if len(node.exprs) > 1 and not self.pp:
            # C11 6.6p3: no comma operator in a constant expression but in an operand
            # not evaluated (type_of's); gcc: not an enumerator's value, and
            # __builtin_constant_p is 0. In #if gcc reads it (a pedantic warning)
            raise NotConstant(COMMA)
        v: Value | None = None
        for e in node.exprs:
            v = self.fold(e)
        if v is None:
            raise NotConstant("empty expression")
        return v

    def visit_Cast(self, node: c_ast.Cast) -> Value:
        t = self._type_of(node.to_type.type)
        if isinstance(node.expr, c_ast.UnaryOp) and node.expr.op == "&":
            # ((size_t)&((T *)0)->m): offsetof spelled the classic way
            v = self.make(self._null_member(node.expr.expr)[0] // 8, self.size_t)
        else:
            v = self.fold(node.expr)
        if t.name == "_Bool":
            return self.make(int(v.value != 0), t)
        return self.make(v.value, t)

    def visit_FuncCall(self, node: c_ast.FuncCall) -> Value:
        name = node.name.name if isinstance(node.name, c_ast.ID) else "?"
        args = node.args.exprs if node.args is not None else []
        callee = node.name
        if (
            isinstance(callee, c_ast.FuncCall)
            and isinstance(callee.name, c_ast.ID)
            and callee.name.name == TYPEOF
            and callee.args is not None
            and len(callee.args.exprs) == 1
            and len(args) == 1
        ):
            # (__typeof__(x))(a): a converted to x's type
            t = self.fold(callee.args.exprs[0]).type
            return self.make(self.fold(args[0]).value, t)
        if name == "__builtin_constant_p" and len(args) == 1:
            try:
                self.fold(args[0])
            except NotConstant:
                return self.make(0, self.INT)
            return self.make(1, self.INT)
        if name == PREFERRED and len(args) == 1 and isinstance(args[0], c_ast.UnaryOp):
            return self.make(self._alignof(args[0].expr, preferred=True), self.size_t)
        if name == BUILTIN and len(args) == 1 and isinstance(args[0], c_ast.FuncCall):
            inner = args[0].args.exprs if args[0].args is not None else []
            if len(inner) != 2 or not isinstance(inner[0], c_ast.Typename):
                raise NotConstant("bad __builtin_offsetof")
            if self.layouts is None:
                raise NotConstant("__builtin_offsetof needs the type's layout")
            return self.make(self.layouts().offsetof(inner[0], inner[1]), self.size_t)
        if name in _BSWAP and len(args) == 1:
            bits = _BSWAP[name]
            t = self.types["unsigned short" if bits == 16 else "unsigned int"]
            if bits == 64:
                t = self.types["unsigned long long"]
            v = self.fold(args[0]).value & ((1 << bits) - 1)
            return self.make(int.from_bytes(v.to_bytes(bits // 8, "little"), "big"), t)
        raise NotConstant(f"function call {name}()")

    # -- the type of an expression, not evaluated --------------------------

    def type_of(self, node: c_ast.Node) -> CType | None:
        """The C type of the expression ``node``, worked out as for an operand that is
        not evaluated (of sizeof, the branch not taken, the right of ``&&`` or ``||``
        not reached): no value, so no division by zero or shift out of range, but
        NotConstant where it is ill-formed (an undeclared identifier). None where
        the type is none the folder models (a pointer's, a floating or a call's)."""
        kind = node.__class__
        if kind is c_ast.Constant:
            if node.type == "string" or node.type in _FLOAT_CONSTANTS:
                return None
            return self.visit_Constant(node).type
        if kind is c_ast.ID:
            return self.ident(node.name).type
        if kind is c_ast.BinaryOp:
            left, spine = _chain(node)
            acc = self.type_of(left)
            for b in spine:
                r = self.type_of(b.right)
                op = b.op
                if op in _INT_RESULT:
                    acc = self.INT
                elif acc is None or r is None:
                    acc = None
                elif op == "<<" or op == ">>":
                    acc = self.promote(acc)
                else:
                    acc = self.usual(acc, r)
            return acc
        if kind is c_ast.UnaryOp:
            op = node.op
            if op == "sizeof" or op == "_Alignof":
                return self.fold(node).type  # a size: no undefined behaviour
            t = self.type_of(node.expr)
            if op == "!":
                return self.INT
            if op in ("-", "+", "~"):
                return None if t is None else self.promote(t)
            return None
        if kind is c_ast.TernaryOp:
            self.type_of(node.cond)
            a, b = self.type_of(node.iftrue), self.type_of(node.iffalse)
            return None if a is None or b is None else self.usual(a, b)
        if kind is c_ast.Cast:
            try:
                t = self._type_of(node.to_type.type)
            except NotConstant:
                return None  # to a pointer, a floating type, ...
            if not (isinstance(node.expr, c_ast.UnaryOp) and node.expr.op == "&"):
                self.type_of(node.expr)
            return self.make(0, t).type
        if kind is c_ast.ExprList:
            t = None
            for e in node.exprs:
                t = self.type_of(e)
            return t
        if kind is c_ast.FuncCall:
            try:
                return self.fold(node).type  # the builtins: constant, their type fixed
            except NotConstant:
                if isinstance(node.name, c_ast.ID) and node.name.name not in _BUILTIN_CALLS:
                    # a function no header declares to the reader: int, as C89's
                    # implicit declaration (and gcc, with a warning) has it; its
                    # arguments must be well-formed all the same
                    for arg in node.args.exprs if node.args is not None else ():
                        self.type_of(arg)
                    return self.INT
                return None
        return None

    # -- types -------------------------------------------------------------

    def _type_of(self, decl: c_ast.Node) -> CType:
        """The integer type a type AST names, or NotConstant."""
        if isinstance(decl, c_ast.PtrDecl):
            raise NotConstant("cast to a pointer type")
        if isinstance(decl, c_ast.TypeDecl):
            return self._type_of(decl.type)
        if isinstance(decl, c_ast.IdentifierType):
            return self._basic(decl.names)
        if isinstance(decl, c_ast.Enum):
            return self.INT
        if isinstance(decl, (c_ast.Struct, c_ast.Union)):
            raise NotConstant(f"cast to {type(decl).__name__.lower()} {decl.name or ''}".strip())
        raise NotConstant(f"cast to a non-integer type ({type(decl).__name__})")

    def _basic(self, names: list[str]) -> CType:
        words = [n for n in names if n not in ("const", "volatile", "signed")]
        signed = "signed" in names
        if len(words) == 1 and words[0] not in BASIC_TYPE_WORDS:
            td = self.typedef(words[0])
            if td is None:
                if words[0] not in STANDARD_TYPEDEFS:
                    raise NotConstant(f"unknown type {words[0]}")
                return self._basic(word_type(words[0], self.model).split())
            return self._type_of(td)
        if "float" in words or "double" in words:
            raise NotConstant("floating-point type")
        if "void" in words:
            raise NotConstant("void type")
        unsigned = "unsigned" in words
        base = [w for w in words if w not in ("unsigned", "int")]
        if base == ["_Bool"]:
            return self.types["_Bool"]
        if base == ["char"]:
            key = "unsigned char" if unsigned else ("signed char" if signed else "char")
            return self.types[key]
        key = {
            (): "int",
            ("short",): "short",
            ("long",): "long",
            ("long", "long"): "long long",
        }.get(tuple(base), "__int128" if base == ["__int128"] else "")
        if not key:
            raise NotConstant(f"unknown type {' '.join(names)}")
        return self.types["unsigned " + key if unsigned else key]

    def _alignof(self, node: c_ast.Node, preferred: bool = False) -> int:
        """``_Alignof(T)`` (``__alignof__`` if ``preferred``) of a type name."""
        if not isinstance(node, c_ast.Typename):
            raise NotConstant("_Alignof of an expression")
        if self.layouts is not None:
            layout = self.layouts().of(node)
            return int(layout.preferred if preferred else layout.align)
        size = self._size_of_type(node.type)
        return min(size, 8)

    def _null_member(self, node: c_ast.Node) -> tuple[int, Any]:
        """The bit offset and layout of ``((T *)0)->m...``, the member of a null pointer."""
        if self.layouts is None:
            raise NotConstant("operator & on an lvalue")
        path: list[c_ast.Node] = []
        base = node
        while isinstance(base, (c_ast.StructRef, c_ast.ArrayRef)):
            if isinstance(base, c_ast.StructRef) and base.type == "->":
                break
            path.append(base)
            base = base.name
        if not isinstance(base, c_ast.StructRef) or base.type != "->":
            raise NotConstant("operator & on an lvalue")
        ptr = base.name
        if not (
            isinstance(ptr, c_ast.Cast)
            and isinstance(ptr.to_type.type, c_ast.PtrDecl)
            and self.fold(ptr.expr).value == 0
        ):
            raise NotConstant("operator & on an lvalue")
        # a->b.c[2] as the designator b.c[2] within *a
        designator: c_ast.Node = base.field
        for p in reversed(path):
            if isinstance(p, c_ast.StructRef):
                designator = c_ast.StructRef(designator, ".", p.field)
            else:
                designator = c_ast.ArrayRef(designator, p.subscript)
        layouts = self.layouts()
        record = layouts.of(ptr.to_type.type.type)
        return layouts.member(record, designator)  # type: ignore[no-any-return]

    def _sizeof(self, node: c_ast.Node) -> int:
        if isinstance(node, c_ast.Typename):
            if self.layouts is not None:
                return self.layouts().of(node).size  # type: ignore[no-any-return]
            return self._size_of_type(node.type)
        if isinstance(node, (c_ast.StructRef, c_ast.ArrayRef)):
            return self._null_member(node)[1].size  # type: ignore[no-any-return]
        if isinstance(node, c_ast.Constant) and node.type == "string":
            return string_size([node.value], self.sizes[self.model.wchar])
        if isinstance(node, c_ast.Constant) and node.type in _FLOAT_CONSTANTS:
            return self.sizes[node.type]
        t = self.type_of(node)  # not evaluated: only its type counts (C11 6.5.3.4)
        if t is None:
            return self.fold(node).type.bits // 8  # the reason it has no integer type
        return t.bits // 8

    def _size_of_type(self, decl: c_ast.Node) -> int:
        if isinstance(decl, c_ast.PtrDecl):
            return self.sizes["pointer"]
        if isinstance(decl, c_ast.ArrayDecl):
            if decl.dim is None:
                raise NotConstant("sizeof of an array of unknown size")
            return self.fold(decl.dim).value * self._size_of_type(decl.type)
        if isinstance(decl, c_ast.TypeDecl):
            return self._size_of_type(decl.type)
        if isinstance(decl, c_ast.IdentifierType):
            words = [n for n in decl.names if n not in ("const", "volatile")]
            if len(words) == 1 and words[0] not in BASIC_TYPE_WORDS:
                td = self.typedef(words[0])
                if td is not None:
                    return self._size_of_type(td)
            if words == ["long", "double"]:
                return self.sizes["long double"]
            if len(words) == 1 and words[0] in _NON_INTEGER_WORDS:
                return self.sizes[words[0]]
            return self._basic(decl.names).bits // 8
        if isinstance(decl, c_ast.Enum):
            return 4
        if isinstance(decl, (c_ast.Struct, c_ast.Union)):
            kind = type(decl).__name__.lower()
            raise NotConstant(f"needs sizeof of {kind} {decl.name or '(anonymous)'}")
        raise NotConstant(f"sizeof of {type(decl).__name__}")


def _chain(node: c_ast.BinaryOp) -> tuple[c_ast.Node, list[c_ast.BinaryOp]]:
    """A left-leaning chain ``a + b - c ...``: its leftmost operand and its operators
    from the innermost out (walked in a loop, not by recursion)."""
    spine = []
    left: c_ast.Node = node
    while isinstance(left, c_ast.BinaryOp):
        spine.append(left)
        left = left.left
    spine.reverse()
    return left, spine


# the arithmetic operators whose signed overflow is noted, the bitwise ones and the
# comparisons (an int result), by their spelling
_WRAPPING: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}
_BITWISE: dict[str, Callable[[int, int], int]] = {
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
}
_COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def _candidates(longs: int, unsigned: bool, decimal: bool) -> tuple[str, ...]:
    """The types an integer literal with ``longs`` l's in its suffix may have, in
    C11 6.4.4.1's order: the first that holds its value is its type."""
    out: list[str] = []
    for n in [["int", "long", "long long"], ["long", "long long"], ["long long"]][longs]:
        if unsigned:
            out.append("unsigned " + n)
        elif decimal:
            out.append(n)
        else:
            out += [n, "unsigned " + n]
    return tuple(out)


_CANDIDATES = {
    (longs, u, d): _candidates(longs, u, d)
    for longs in (0, 1, 2)
    for u in (False, True)
    for d in (False, True)
}

# the operators whose result is an int whatever their operands
_INT_RESULT = frozenset({"&&", "||", "<", ">", "<=", ">=", "==", "!="})
# calls the folder gives a value (or a reason) of its own
_BUILTIN_CALLS = frozenset(
    {
        "__builtin_constant_p",
        PREFERRED,
        BUILTIN,
        "__builtin_bswap16",
        "__builtin_bswap32",
        "__builtin_bswap64",
        "offsetof",
    }
)

_BSWAP = {"__builtin_bswap16": 16, "__builtin_bswap32": 32, "__builtin_bswap64": 64}


def _no_ident(name: str) -> Value:
    raise NotConstant(f"undefined identifier {name}")


class Literals:
    """Integer literals' values under a data model, each worked out once."""

    def __init__(self, model: DataModel) -> None:
        self.model = model
        self._folder = Folder(model, _no_ident, lambda _n: None)
        self.values: dict[str, Value] = {}  # for Folders of this model to share

    def value(self, text: str) -> Value | None:
        """The value of the integer literal ``text``, or None if it is none."""
        v = self.values.get(text)
        if v is None:
            try:
                v = self._folder._int_literal(text)
            except NotConstant:
                return None
            self.values[text] = v
        return v

    def clear(self) -> None:
        """Forget the values worked out (in place: the Folders sharing them see it)."""
        self.values.clear()
