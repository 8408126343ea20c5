"""The C preprocessor part of the reader: file scanning, directives and macro expansion.

``scan_file`` turns one file into logical lines (comments removed, continuations
spliced), with its directives parsed and its conditionals matched, once per run.
``Preprocessor`` walks a header through its includes and conditionals and
leaves the macro table as it stands at the end. ``expand`` is the macro
expander (C11 6.10.3, with hide sets), used for ``#if`` and for values.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import AbicheckError

MAX_INCLUDE_DEPTH = 200
MAX_FILE_BYTES = 256 * 2**20
MAX_EXPANSION_TOKENS = 100_000
TOO_LARGE = "macro expansion too large (exponential expansion?)"


# --------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------


@dataclass(slots=True)
class Tok:
    """A preprocessing token; ``kind`` is id, num, chr, str, punct or other."""

    kind: str
    text: str
    space: bool = False
    hide: frozenset[str] = frozenset()
    # Set on an identifier left unexpanded because its macro was in its hide set.
    blocked: bool = False

    def copy(self, hide: frozenset[str] | None = None, space: bool | None = None) -> Tok:
        return Tok(
            self.kind,
            self.text,
            self.space if space is None else space,
            self.hide if hide is None else hide,
            self.blocked,
        )


# white space, then one token: a character constant, a string literal (either
# with its prefix), an identifier, a pp-number, a punctuator, or any other
# character; the kind is told from the token's first (and last) character
_TOKEN_RE = re.compile(
    r"""
    ([ \t\f\v\r\n]*)
    ( (?:L|u|U)?'(?:\\.|[^'\\\n])*'
    | (?:L|u8|u|U)?"(?:\\.|[^"\\\n])*"
    | [A-Za-z_$][A-Za-z0-9_$]*
    | \.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*
    | \.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||\#\#|[-+*/%&|^]=
    | [\[\](){}.,;:?~!<>=+\-*/%&|^\#]
    | [^ \t\f\v\r\n]
    )
    """,
    re.X | re.S,
)
_KIND_BY_FIRST = (
    dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$", "id")
    | dict.fromkeys("0123456789", "num")
    | dict.fromkeys("[](){},;:?~!<>=+-*/%&|^#", "punct")
)


def tokenize(text: str) -> list[Tok]:
    """Split one logical line into preprocessing tokens (kind id, num, chr, str,
    punct or other)."""
    toks: list[Tok] = []
    for ws, t in _TOKEN_RE.findall(text):
        kind = _KIND_BY_FIRST.get(t[0], "other")
        if kind == "id":
            last = t[-1]
            if last == "'":
                kind = "chr"  # L'x', u'x', U'x'
            elif last == '"':
                kind = "str"  # L"..", u8"..", ...
        elif kind == "other":
            c = t[0]
            if c == ".":
                kind = "num" if len(t) > 1 and t[1] in "0123456789" else "punct"
            elif c == "'" and len(t) > 1:
                kind = "chr"
            elif c == '"' and len(t) > 1:
                kind = "str"
        toks.append(Tok(kind, t, ws != ""))
    return toks


def spell(toks: Iterable[Tok]) -> str:
    """Tokens back to text, one space where the source had white space."""
    out: list[str] = []
    for t in toks:
        if t.space and out:
            out.append(" ")
        out.append(t.text)
    return "".join(out)


# --------------------------------------------------------------------------
# Scanning: one file -> logical lines and parsed directives
# --------------------------------------------------------------------------


class MacroDef:
    """One ``#define`` as written. ``params`` is None for object-like macros.

    ``body`` is the replacement list's tokens, made from ``text`` when first
    used (many definitions are never expanded). Compared by identity.
    """

    __slots__ = ("name", "params", "variadic", "_body", "text", "file", "line", "comment")

    def __init__(
        self,
        name: str,
        params: tuple[str, ...] | None,
        variadic: bool,
        body: tuple[Tok, ...] | None,
        text: str,
        file: str,
        line: int,
        comment: str,
    ) -> None:
        self.name = name
        self.params = params
        self.variadic = variadic
        self._body = body
        self.text = text
        self.file = file
        self.line = line
        self.comment = comment

    @property
    def body(self) -> tuple[Tok, ...]:
        body = self._body
        if body is None:
            toks = tokenize(self.text)
            if toks:
                toks[0].space = False
            body = self._body = tuple(toks)
        return body

    def __repr__(self) -> str:
        return f"MacroDef({self.name!r}, {self.params!r}, {self.text!r}, {self.file}:{self.line})"

    @property
    def expr(self) -> str:
        """The replacement text as written; function-like macros lead with their parameters."""
        if self.params is None:
            return self.text
        params = list(self.params)
        if self.variadic and params and params[-1] == "__VA_ARGS__":
            params[-1] = "..."
        return f"({', '.join(params)}) {self.text}".rstrip()


@dataclass(slots=True)
class Entry:
    """A directive's logical line, or (``directive`` empty) a run of text lines
    between directives, joined by newlines.

    For conditional directives, ``nxt`` is the index of the next branch
    (``#elif``/``#else``/``#endif``) and ``end`` the index of the ``#endif``.
    """

    line: int
    text: str
    directive: str = ""
    rest: str = ""
    comment: str = ""
    toks: list[Tok] | None = None
    macro: MacroDef | None = None
    nxt: int = 0
    end: int = 0

    def tokens(self) -> list[Tok]:
        """An ``#if``'s or ``#elif``'s expression tokens, made at first use (the
        conditionals in skipped blocks are never evaluated)."""
        if self.toks is None:
            self.toks = tokenize(self.rest)
        return self.toks


@dataclass(slots=True)
class ScannedFile:
    path: str
    entries: list[Entry]
    guard: str | None = None
    has_text: bool = False
    decl_hint: bool = False


_SCAN_RE = re.compile(r"/\*|//|\"|'|\\\r?\n")
_STR_END = {'"': re.compile(r'(?:\\.|[^"\\\n])*"'), "'": re.compile(r"(?:\\.|[^'\\\n])*'")}
_DIRECTIVE_RE = re.compile(r"\s*#\s*([A-Za-z_]\w*)?(.*)", re.S)
_DEFINE_RE = re.compile(r"([A-Za-z_$][\w$]*)(\()?(.*)", re.S)
_PARAMS_RE = re.compile(r"([^)]*)\)(.*)", re.S)
_IDENT_RE = re.compile(r"[A-Za-z_$][\w$]*\Z")
_CONDITIONALS = frozenset({"if", "ifdef", "ifndef", "elif", "else", "endif", "elifdef", "elifndef"})
_PLAIN_NUMBER_RE = re.compile(r"[0-9][0-9A-Za-z]*\Z")
_DECL_HINT_RE = re.compile(r"\b(?:enum|typedef)\b")


def read_source(path: str) -> str:
    """A file's text: UTF-8, no NUL bytes; anything else is an AbicheckError at its line."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise AbicheckError("is a directory, not a header", path)
        if not stat.S_ISREG(st.st_mode):
            raise AbicheckError("not a regular file (a device, FIFO or socket?)", path)
        if st.st_size > MAX_FILE_BYTES:
            raise AbicheckError(
                f"file too large: {st.st_size} bytes (headers are read up to "
                f"{MAX_FILE_BYTES // 2**20} MiB)",
                path,
            )
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise AbicheckError("no such file", path) from None
    except OSError as exc:
        raise AbicheckError(f"cannot read: {exc.strerror}", path) from None
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise AbicheckError("NUL byte: binary file, not a C header", path, line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise AbicheckError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}): binary file?", path, line
        ) from None


def logical_lines(text: str, path: str) -> list[tuple[int, str, str]]:
    """Split C source into logical lines: (first physical line, text, comment text).

    Comments become one space (a block comment may join physical lines, as in
    C translation phase 3); backslash-newlines are spliced; the comment text
    kept is that of the comments that begin on the logical line.
    """
    out: list[tuple[int, str, str]] = []
    buf: list[str] = []
    comments: list[str] = []
    phys = 1  # the physical line at pos
    start = 1  # the first physical line of the logical line in buf
    pos = 0
    n = len(text)
    search = _SCAN_RE.search
    while True:
        m = search(text, pos)
        end = n if m is None else m.start()
        if end > pos:
            # plain text up to the next comment, literal or continuation: its
            # newlines end logical lines, all at once
            pieces = text[pos:end].split("\n")
            if len(pieces) > 1:
                buf.append(pieces[0])
                out.append((start, "".join(buf), " ".join(comments)))
                buf = []
                comments = []
                last = len(pieces) - 1
                out += [(phys + k, pieces[k], "") for k in range(1, last)]
                phys += last
                start = phys
                buf.append(pieces[last])
            else:
                buf.append(pieces[0])
        if m is None:
            break
        tok = m.group()
        if tok == "/*":
            end = text.find("*/", m.end())
            if end < 0:
                raise AbicheckError("unterminated comment", path, phys)
            body = text[m.end() : end]
            phys += body.count("\n")
            comments.append(body)
            buf.append(" ")
            pos = end + 2
        elif tok == "//":
            end = m.end()
            while True:
                nl = text.find("\n", end)
                if nl < 0:
                    end = len(text)
                    break
                if text[nl - 1] == "\\" or text[nl - 2 : nl] == "\\\r":
                    phys += 1
                    end = nl + 1
                    continue
                end = nl
                break
            comments.append(text[m.end() : end].replace("\\\n", " "))
            buf.append(" ")
            pos = end
        elif tok in ('"', "'"):
            lit = _STR_END[tok].match(text, m.end())
            if lit is None:
                buf.append(tok)
                pos = m.end()
            else:
                buf.append(text[m.start() : lit.end()])
                pos = lit.end()
        else:  # backslash-newline
            phys += 1
            pos = m.end()
    if buf and any(buf):
        out.append((start, "".join(buf), " ".join(comments)))
    return out


def _clean_comment(text: str) -> str:
    lines = [ln.strip().lstrip("*").strip() for ln in text.strip().splitlines()]
    return " ".join(ln for ln in lines if ln)


def parse_define(rest: str, path: str, line: int, comment: str) -> MacroDef:
    """``NAME(params) body`` or ``NAME body`` -> MacroDef."""
    rest = rest.strip()
    m = _DEFINE_RE.match(rest)
    if m is None:
        raise AbicheckError("macro name missing after #define", path, line)
    name, paren, tail = m.group(1), m.group(2), m.group(3)
    params: tuple[str, ...] | None = None
    variadic = False
    if paren:
        pm = _PARAMS_RE.match(tail)
        if pm is None:
            raise AbicheckError(f"missing ')' in parameter list of macro {name}", path, line)
        plist = [p.strip() for p in pm.group(1).split(",")] if pm.group(1).strip() else []
        names: list[str] = []
        for i, p in enumerate(plist):
            if p == "..." and i == len(plist) - 1:
                variadic = True
                names.append("__VA_ARGS__")
            elif p.endswith("...") and i == len(plist) - 1 and _IDENT_RE.match(p[:-3].strip()):
                variadic = True
                names.append(p[:-3].strip())
            elif _IDENT_RE.match(p):
                names.append(p)
            else:
                raise AbicheckError(f"bad parameter {p!r} in macro {name}", path, line)
        params = tuple(names)
        tail = pm.group(2)
    elif tail and not tail[0].isspace():
        # C99 requires white space after the name; gcc warns and goes on.
        pass
    text = tail.strip()
    if _PLAIN_NUMBER_RE.match(text):  # most bodies: one number, no tokenizer needed
        return MacroDef(name, params, variadic, (Tok("num", text),), text, path, line, comment)
    return MacroDef(name, params, variadic, None, text, path, line, comment)


def scan_file(path: str) -> ScannedFile:
    """Read and scan one file: logical lines, parsed directives, matched conditionals."""
    text = read_source(path)
    entries: list[Entry] = []
    # open conditionals: [index of the #if, index of its latest branch]
    stack: list[list[int]] = []
    decl_hint = False
    has_text = False
    run: list[str] = []  # the text lines since the last directive, kept as one entry
    run_line = 0
    for line, ltext, comment in logical_lines(text, path):
        stripped = ltext.lstrip()
        if stripped[:1] != "#":
            if stripped:
                if not run:
                    run_line = line
                run.append(ltext)
            continue
        if run:
            joined = "\n".join(run)
            has_text = True
            decl_hint = decl_hint or _DECL_HINT_RE.search(joined) is not None
            entries.append(Entry(run_line, joined))
            run = []
        m = _DIRECTIVE_RE.match(ltext)
        assert m is not None
        name = m.group(1) or ""
        rest = m.group(2)
        e = Entry(line, ltext, name or "#", rest)
        idx = len(entries)
        if name == "define":
            e.comment = _clean_comment(comment) if comment else ""
            e.macro = parse_define(rest, path, line, e.comment)
        elif name in _CONDITIONALS:
            if name in ("if", "ifdef", "ifndef"):
                stack.append([idx, idx])
            else:
                if not stack:
                    raise AbicheckError(f"#{name} without #if", path, line)
                opener, last = stack[-1]
                if name != "endif" and entries[last].directive == "else":
                    raise AbicheckError(f"#{name} after #else", path, line)
                entries[last].nxt = idx
                stack[-1][1] = idx
                if name == "endif":
                    stack.pop()
                    j = opener
                    while j != idx:
                        entries[j].end = idx
                        j = entries[j].nxt
                    e.end = idx
        entries.append(e)
    if run:
        joined = "\n".join(run)
        has_text = True
        decl_hint = decl_hint or _DECL_HINT_RE.search(joined) is not None
        entries.append(Entry(run_line, joined))
    if stack:
        opener_entry = entries[stack[-1][0]]
        raise AbicheckError(f"unterminated #{opener_entry.directive}", path, opener_entry.line)
    for k, e in enumerate(entries):
        if not e.directive:
            e.end = k + 1  # the walk goes on after it
    return ScannedFile(path, entries, _find_guard(entries), has_text, decl_hint)


def _find_guard(entries: list[Entry]) -> str | None:
    """The include-guard macro if the whole file is ``#ifndef G ... #endif``."""
    if not entries:
        return None
    first = entries[0]
    if first.directive == "ifndef":
        guard = first.rest.strip()
    elif first.directive == "if" and first.tokens():
        t = [x.text for x in first.tokens()]
        if t[:2] == ["!", "defined"]:
            guard = "".join(t[2:]).strip("()")
        else:
            return None
    else:
        return None
    if not _IDENT_RE.match(guard) or first.end != len(entries) - 1 or first.nxt != first.end:
        return None
    return guard


# --------------------------------------------------------------------------
# Macro expansion
# --------------------------------------------------------------------------


class ExpansionError(Exception):
    """A macro invocation that cannot be expanded (unterminated arguments, ...)."""


def _stringify(arg: list[Tok]) -> Tok:
    parts: list[str] = []
    for i, t in enumerate(arg):
        if i and t.space:
            parts.append(" ")
        if t.kind in ("str", "chr"):
            parts.append(t.text.replace("\\", "\\\\").replace('"', '\\"'))
        else:
            parts.append(t.text)
    return Tok("str", '"' + "".join(parts) + '"')


_PLACEMARKER = "placemarker"


def _paste(left: Tok, right: Tok) -> list[Tok]:
    toks = tokenize(left.text + right.text)
    if not toks:
        return []
    toks[0] = toks[0].copy(space=left.space)
    return toks


# (expander, function-like macro, its arguments, the invocation's hide set) ->
# the invocation's full expansion, or None to expand it the usual way
CallExpander = Callable[["Expander", MacroDef, list[list[Tok]], frozenset[str]], list[Tok] | None]


class Expander:
    """Expands token lists against a macro table (C11 6.10.3 with hide sets).

    ``on_lookup`` is told every identifier looked up in the table, so a caller
    can cache results keyed on the definitions they depended on.
    """

    def __init__(
        self,
        macros: Mapping[str, MacroDef],
        on_lookup: Callable[[str], object] | None = None,
        substitute: Callable[[MacroDef], Tok | None] | None = None,
        budget: int = MAX_EXPANSION_TOKENS,
        call: CallExpander | None = None,
    ) -> None:
        self.macros = macros
        self.on_lookup = on_lookup
        self.substitute = substitute
        self.budget = budget
        self.call = call

    def expand(self, toks: Iterable[Tok]) -> list[Tok]:
        """Fully macro-expand a token list.

        ``substitute`` may replace an object-like macro by one token standing
        for its value, where that gives the same result as its expansion;
        ``call`` may give the full expansion of a function-like macro's
        invocation, where it has it ready and nothing after it can change it.
        """
        stack = list(reversed(list(toks)))
        out: list[Tok] = []
        macros = self.macros
        on_lookup = self.on_lookup
        substitute = self.substitute
        while stack:
            t = stack.pop()
            if t.kind != "id":
                out.append(t)
                continue
            name = t.text
            if on_lookup is not None:
                on_lookup(name)
            m = macros.get(name)
            if m is None:
                out.append(t)
                continue
            if name in t.hide:
                t = t.copy()
                t.blocked = True
                out.append(t)
                continue
            if m.params is None:
                if substitute is not None:
                    lit = substitute(m)
                    if lit is not None:
                        lit.space = t.space
                        out.append(lit)
                        continue
                hide = t.hide | {name}
                repl = [Tok(x.kind, x.text, x.space, hide) for x in m.body]
                if repl:
                    repl[0].space = t.space
                self._push(stack, repl)
                continue
            # function-like: needs '(' next
            if not stack or stack[-1].text != "(" or stack[-1].kind != "punct":
                out.append(t)
                continue
            stack.pop()
            args, rparen = self._collect_args(stack, m)
            hide = t.hide & rparen.hide
            if self.call is not None:
                done = self.call(self, m, args, hide)
                if done is not None:
                    if done:
                        done[0] = done[0].copy(space=t.space)
                    out += done
                    continue
            repl = self._subst(m, args, hide | {name})
            if repl:
                repl[0].space = t.space
            self._push(stack, repl)
        return out

    def _charge(self, n: int) -> None:
        """Count ``n`` more tokens against the budget; ExpansionError past it."""
        self.budget -= n
        if self.budget < 0:
            raise ExpansionError(TOO_LARGE)

    def _push(self, stack: list[Tok], repl: list[Tok]) -> None:
        self._charge(len(repl))
        stack.extend(reversed(repl))

    def _collect_args(self, stack: list[Tok], m: MacroDef) -> tuple[list[list[Tok]], Tok]:
        assert m.params is not None
        args: list[list[Tok]] = [[]]
        depth = 0
        nparams = len(m.params)
        while stack:
            t = stack.pop()
            if t.kind == "punct":
                if t.text == "(":
                    depth += 1
                elif t.text == ")":
                    if depth == 0:
                        if nparams == 0 and args == [[]]:
                            args = []
                        if len(args) < nparams and m.variadic and len(args) == nparams - 1:
                            args.append([])
                        if len(args) != nparams:
                            raise ExpansionError(
                                f"macro {m.name} takes {nparams} arguments, given {len(args)}"
                            )
                        return args, t
                    depth -= 1
                elif t.text == "," and depth == 0 and not (m.variadic and len(args) == nparams):
                    args.append([])
                    continue
            args[-1].append(t)
        raise ExpansionError(f"unterminated argument list invoking macro {m.name}")

    def _subst(self, m: MacroDef, args: list[list[Tok]], hide: frozenset[str]) -> list[Tok]:
        """The body of ``m`` with its parameters replaced by ``args``: fresh tokens,
        each with ``hide`` added to its hide set."""
        params = m.params or ()
        index = {p: i for i, p in enumerate(params)}
        unions: dict[frozenset[str], frozenset[str]] = {}  # most tokens share a hide set

        def fresh(x: Tok) -> Tok:
            u = unions.get(x.hide)
            if u is None:
                u = unions[x.hide] = x.hide | hide
            return Tok(x.kind, x.text, x.space, u, x.blocked)

        body = m.body
        out: list[Tok] = []
        expanded: dict[int, list[Tok]] = {}
        placemarkers = False
        i = 0
        n = len(body)
        while i < n:
            t = body[i]
            kind = t.kind
            if kind == "id":
                k = index.get(t.text)
                if k is None:
                    out.append(Tok("id", t.text, t.space, hide))  # body tokens hide nothing
                    i += 1
                    continue
                if i + 1 < n and body[i + 1].text == "##":
                    arg = [fresh(x) for x in args[k]]
                    if not arg:
                        # C11 6.10.3.3: an empty argument next to ## is a placemarker,
                        # which pastes to the other operand, not to what precedes it
                        out.append(Tok(_PLACEMARKER, "", t.space, hide))
                        placemarkers = True
                else:
                    exp = expanded.get(k)
                    if exp is None:
                        exp = expanded[k] = self.expand(args[k])
                    # charged before the copy is made: nested calls multiply
                    self._charge(len(exp))
                    arg = [fresh(x) for x in exp]
                if arg:
                    arg[0].space = t.space
                out += arg
                i += 1
                continue
            if kind == "punct" and i + 1 < n:
                # '#' param: stringify
                if t.text == "#" and m.params is not None:
                    nxt = body[i + 1]
                    if nxt.kind == "id" and nxt.text in index:
                        s = _stringify(args[index[nxt.text]])
                        s.space = t.space
                        s.hide = hide
                        out.append(s)
                        i += 2
                        continue
                # '##' paste
                elif t.text == "##":
                    rhs = body[i + 1]
                    if rhs.kind == "id" and rhs.text in index:
                        rtoks = [fresh(x) for x in args[index[rhs.text]]]
                        # GNU: , ## __VA_ARGS__ drops the comma when empty
                        if (
                            m.variadic
                            and not rtoks
                            and out
                            and out[-1].text == ","
                            and rhs.text == params[-1]
                        ):
                            out.pop()
                    else:
                        rtoks = [fresh(rhs)]
                    if out and rtoks:
                        left = out.pop()
                        if left.kind == _PLACEMARKER:
                            rtoks[0].space = left.space
                            out += rtoks
                        else:
                            out += [fresh(x) for x in _paste(left, rtoks[0])]
                            out += rtoks[1:]
                    else:
                        out += rtoks
                    self._charge(len(rtoks))
                    i += 2
                    continue
            out.append(Tok(kind, t.text, t.space, hide))
            i += 1
        if placemarkers:
            out = [t for t in out if t.kind != _PLACEMARKER]
        return out


# --------------------------------------------------------------------------
# The preprocessor walk
# --------------------------------------------------------------------------


class FileCache:
    """Scanned files by path, so a file is read and scanned once per run."""

    def __init__(self) -> None:
        self._files: dict[str, ScannedFile | AbicheckError] = {}
        self._exists: dict[str, bool] = {}

    def get(self, path: str) -> ScannedFile:
        hit = self._files.get(path)
        if hit is None:
            try:
                hit = scan_file(path)
            except AbicheckError as exc:
                hit = exc
            self._files[path] = hit
        if isinstance(hit, AbicheckError):
            raise hit
        return hit

    def isfile(self, path: str) -> bool:
        """Whether an include may resolve to ``path``: it exists and is no folder
        (a device or FIFO is found, and then refused by name when read)."""
        hit = self._exists.get(path)
        if hit is None:
            hit = self._exists[path] = os.path.exists(path) and not os.path.isdir(path)
        return hit


# (tokens, macros, path, line) -> (truth, the macro names it consulted)
IfEvaluator = Callable[[list[Tok], Mapping[str, MacroDef], str, int], tuple[bool, Iterable[str]]]

# What a walk did, in order, so that a file's walk can be replayed:
# ("r", name, definition read), ("w", name, definition written or None),
# ("q", path, whether #pragma once had marked it), ("o", path) marked,
# ("c", (file, start, end)) a run of active text.
Event = tuple[Any, ...]
MAX_MEMO_VARIANTS = 4


@dataclass
class Walk:
    """The state of one preprocessing run: the macro table and what was seen."""

    macros: dict[str, MacroDef]
    # runs of active text lines: (file, first index, index past the last)
    text_chunks: list[tuple[ScannedFile, int, int]] = field(default_factory=list)
    once: set[str] = field(default_factory=set)
    log: list[Event] = field(default_factory=list)

    def read(self, name: str) -> MacroDef | None:
        d = self.macros.get(name)
        self.log.append(("r", name, d))
        return d

    def write(self, name: str, d: MacroDef | None) -> None:
        if d is None:
            self.macros.pop(name, None)
        else:
            self.macros[name] = d
        self.log.append(("w", name, d))


class Preprocessor:
    """Runs headers through includes and conditionals, collecting their macros.

    ``include_dirs`` are searched for ``<...>`` and, after the including
    file's folder, for ``"..."``. ``eval_if`` decides ``#if``/``#elif``.
    """

    def __init__(
        self,
        files: FileCache,
        include_dirs: Iterable[str],
        eval_if: IfEvaluator,
    ) -> None:
        self.files = files
        self.include_dirs = [os.path.normpath(d) for d in include_dirs]
        self.eval_if = eval_if
        # (path, -I index) -> walks of it: (state read, effects)
        self._memo: dict[tuple[str, int], list[tuple[tuple[Event, ...], tuple[Event, ...]]]] = {}

    def run(self, path: str, predefined: Mapping[str, MacroDef]) -> Walk:
        walk = Walk(dict(predefined))
        self._file(walk, path, [], -1)
        return walk

    def _file(self, walk: Walk, path: str, chain: list[tuple[str, int]], dir_index: int) -> None:
        """Walk one file, or replay an earlier walk of it that read the same state.

        A walk's effect (the macros it defines and undefines, the files it marks
        ``#pragma once``, its active text) depends only on the state it reads: the
        definitions of the macros it tests or expands before writing them, and
        the once-marks it checks. Headers include the same files again and
        again from the same state; those walks are replayed from the log.
        """
        key = (path, dir_index)
        variants = self._memo.get(key)
        if variants:
            for deps, effects in variants:
                if self._holds(walk, deps):
                    self._replay(walk, deps, effects)
                    return
        start = len(walk.log)
        self._walk(walk, path, chain, dir_index)
        variants = self._memo.setdefault(key, [])
        if len(variants) < MAX_MEMO_VARIANTS:
            variants.append(_summarize(walk.log, start))

    @staticmethod
    def _holds(walk: Walk, deps: tuple[Event, ...]) -> bool:
        macros = walk.macros
        once = walk.once
        for ev in deps:
            if ev[0] == "r":
                if macros.get(ev[1]) is not ev[2]:
                    return False
            elif (ev[1] in once) != ev[2]:
                return False
        return True

    @staticmethod
    def _replay(walk: Walk, deps: tuple[Event, ...], effects: tuple[Event, ...]) -> None:
        log = walk.log
        log.extend(deps)
        for ev in effects:
            kind = ev[0]
            if kind == "w":
                if ev[2] is None:
                    walk.macros.pop(ev[1], None)
                else:
                    walk.macros[ev[1]] = ev[2]
            elif kind == "o":
                walk.once.add(ev[1])
            else:
                walk.text_chunks.append(ev[1])
        log.extend(effects)

    def _walk(self, walk: Walk, path: str, chain: list[tuple[str, int]], dir_index: int) -> None:
        sf = self.files.get(path)
        entries = sf.entries
        n = len(entries)
        i = 0
        while i < n:
            e = entries[i]
            d = e.directive
            if not d:
                if sf.decl_hint:
                    chunk = (sf, i, e.end)
                    walk.text_chunks.append(chunk)
                    walk.log.append(("c", chunk))
                i = e.end
                continue
            if d == "define":
                assert e.macro is not None
                walk.write(e.macro.name, e.macro)
                i += 1
            elif d in ("if", "ifdef", "ifndef"):
                j = i
                taken = self._cond(walk, sf, e)
                while not taken:
                    j = entries[j].nxt
                    b = entries[j]
                    if b.directive == "endif":
                        break
                    if b.directive == "else":
                        taken = True
                        break
                    taken = self._cond(walk, sf, b)
                i = j + 1
            elif d in ("elif", "else", "elifdef", "elifndef"):
                i = e.end + 1
            elif d == "endif":
                i += 1
            elif d == "undef":
                walk.write(e.rest.strip(), None)
                i += 1
            elif d in ("include", "include_next"):
                self._include(walk, sf, e, chain, dir_index, next_=d == "include_next")
                i += 1
            elif d == "error":
                raise AbicheckError(f"#error {e.rest.strip()}", path, e.line)
            elif d == "pragma":
                if e.rest.split() == ["once"]:
                    walk.once.add(path)
                    walk.log.append(("o", path))
                i += 1
            else:  # warning, line, ident, null and unknown directives
                i += 1

    def _cond(self, walk: Walk, sf: ScannedFile, e: Entry) -> bool:
        d = e.directive
        if d in ("ifdef", "ifndef", "elifdef", "elifndef"):
            name = e.rest.strip()
            if not _IDENT_RE.match(name):
                raise AbicheckError(f"#{d} needs a macro name", sf.path, e.line)
            return (walk.read(name) is not None) == (d in ("ifdef", "elifdef"))
        toks = e.tokens()
        if not toks:
            raise AbicheckError(f"#{d} with no expression", sf.path, e.line)
        truth, names = self.eval_if(toks, walk.macros, sf.path, e.line)
        for n in names:
            walk.read(n)
        return truth

    def _include(
        self,
        walk: Walk,
        sf: ScannedFile,
        e: Entry,
        chain: list[tuple[str, int]],
        dir_index: int,
        next_: bool,
    ) -> None:
        spec = e.rest.strip()
        if not spec or spec[0] not in '<"':
            toks = Expander(walk.macros, walk.read).expand(tokenize(spec))
            spec = spell(toks).strip()
            if spec.startswith("<"):
                spec = spec.replace(" ", "")
        if len(spec) < 3 or not (
            (spec[0] == "<" and spec.endswith(">")) or (spec[0] == '"' and spec.endswith('"'))
        ):
            raise AbicheckError(f'#include expects "FILE" or <FILE>, got {spec!r}', sf.path, e.line)
        name = spec[1:-1]
        here = chain + [(sf.path, e.line)]
        found, idx = self._resolve(
            name, spec[0] == '"', sf.path, dir_index if next_ else None, dir_index
        )
        if found is None:
            trail = " <- ".join(f"{p}:{ln}" for p, ln in reversed(here))
            raise AbicheckError(
                f"include file {spec} not found (included from {trail}; searched: "
                f"{', '.join(self.include_dirs) or 'no -I folders'})",
                sf.path,
                e.line,
            )
        once = found in walk.once
        walk.log.append(("q", found, once))
        if once:
            return
        target = self.files.get(found)
        if target.guard is not None and walk.read(target.guard) is not None:
            return
        if any(p == found for p, _ in here):
            cycle = " -> ".join([p for p, _ in here[[p for p, _ in here].index(found) :]] + [found])
            raise AbicheckError(f"include cycle: {cycle}", sf.path, e.line)
        if len(here) >= MAX_INCLUDE_DEPTH:
            raise AbicheckError(
                f"#include nested more than {MAX_INCLUDE_DEPTH} deep", sf.path, e.line
            )
        self._file(walk, found, here, idx)

    def _resolve(
        self,
        name: str,
        quoted: bool,
        current: str,
        next_after: int | None,
        current_index: int = -1,
    ) -> tuple[str | None, int]:
        """The path ``name`` resolves to and the index of the -I folder it was found in.

        A quoted include found beside the including file inherits that file's
        folder index, as in gcc, so an ``#include_next`` in it searches on from there.
        """
        if os.path.isabs(name):
            return (name, -1) if self.files.isfile(name) else (None, -1)
        if quoted and next_after is None:
            cand = os.path.normpath(os.path.join(os.path.dirname(current), name))
            if self.files.isfile(cand):
                return cand, current_index
        start = 0 if next_after is None else next_after + 1
        for k in range(start, len(self.include_dirs)):
            cand = os.path.join(self.include_dirs[k], name)
            if self.files.isfile(cand):
                return os.path.normpath(cand), k
        return None, -1


def _summarize(log: list[Event], start: int) -> tuple[tuple[Event, ...], tuple[Event, ...]]:
    """From the events of one file's walk: the state it read before writing it
    (its dependencies), and what it wrote (its effects), each in order."""
    deps: list[Event] = []
    effects: list[Event] = []
    written: set[str] = set()
    seen: set[str] = set()
    marked: set[str] = set()
    checked: set[str] = set()
    for i in range(start, len(log)):
        ev = log[i]
        kind = ev[0]
        if kind == "r":
            name = ev[1]
            if name not in written and name not in seen:
                seen.add(name)
                deps.append(ev)
        elif kind == "w":
            written.add(ev[1])
            effects.append(ev)
        elif kind == "q":
            if ev[1] not in marked and ev[1] not in checked:
                checked.add(ev[1])
                deps.append(ev)
        else:
            if kind == "o":
                marked.add(ev[1])
            effects.append(ev)
    return tuple(deps), tuple(effects)
