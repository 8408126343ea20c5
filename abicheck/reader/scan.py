"""Scanning: one file -> logical lines (comments removed, continuations spliced),
its directives parsed and its conditionals matched, once per run (``FileCache``)."""

from __future__ import annotations

import codecs
import contextlib
import itertools
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator

from .._pattern import lazy_compile
from .._record import Record
from ..model import ASCII_IDENTIFIER_PATTERN, AbicheckError, identifier_re
from .tokens import Tok, tokenize

MAX_FILE_BYTES = 256 * 2**20


# Bodies by their text, shared by the definitions of the same text in other files
# (the expander copies a body's tokens, never changes them; FileCache.clear empties it)
_BODIES: dict[str, tuple[Tok, ...]] = {}
_TEXT_IDS = itertools.count(1)  # ScannedFile.text_id: one number a scan, never again


class MacroDef:
    """One ``#define`` as written. ``params`` is None for object-like macros.

    ``body`` is the replacement list's tokens, made from ``text`` when first
    used (many definitions are never expanded), shared with the definitions of
    the same text (not to be changed). Compared by identity.
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
            body = _BODIES.get(self.text)
            if body is None:
                toks = tokenize(self.text)
                if toks and toks[0].space:  # (a -D value may lead with a space)
                    toks[0] = toks[0].copy(space=False)  # not the shared token
                body = _BODIES[self.text] = tuple(toks)
            self._body = body
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


class Entry(Record, frozen=False):
    """A directive's logical line, or (``directive`` empty) a run of text lines
    between directives, joined by newlines (``text``: a directive's is its
    ``directive`` and ``rest``, kept only there; a ``#define``'s rest is its
    ``macro``).

    For conditional directives, ``nxt`` is the index of the next branch
    (``#elif``/``#else``/``#endif``) and ``end`` the index of the ``#endif``.
    """

    line: int
    text: str
    directive: str
    rest: str
    comment: str
    toks: list[Tok] | None
    macro: MacroDef | None
    nxt: int
    end: int

    __slots__ = ("line", "text", "directive", "rest", "comment", "toks", "macro", "nxt", "end")

    def __init__(
        self,
        line: int,
        text: str,
        directive: str = "",
        rest: str = "",
        comment: str = "",
        toks: list[Tok] | None = None,
        macro: MacroDef | None = None,
        nxt: int = 0,
        end: int = 0,
    ) -> None:
        self.line = line
        self.text = text
        self.directive = directive
        self.rest = rest
        self.comment = comment
        self.toks = toks
        self.macro = macro
        self.nxt = nxt
        self.end = end

    def tokens(self) -> list[Tok]:
        """An ``#if``'s or ``#elif``'s expression tokens, made at first use (the
        conditionals in skipped blocks are never evaluated)."""
        if self.toks is None:
            self.toks = tokenize(self.rest)
        return self.toks


class ScannedFile(Record, frozen=False):
    """A file scanned: its entries in order, its include guard (the macro of a
    file that is all ``#ifndef G ... #endif``, else None) and the characters
    scanned; ``text_id`` tells its text apart: the scans of one text (at other paths, see
    :func:`moved`) have its number, every other scan another one (0: told apart by
    its path alone)."""

    path: str
    entries: list[Entry]
    guard: str | None
    size: int  # the characters of the text scanned
    text_id: int

    __slots__ = ("path", "entries", "guard", "size", "text_id")

    def __init__(
        self,
        path: str,
        entries: list[Entry],
        guard: str | None = None,
        size: int = 0,
        text_id: int = 0,
    ) -> None:
        self.path = path
        self.entries = entries
        self.guard = guard
        self.size = size
        self.text_id = text_id


_SCAN_RE = re.compile(r"/\*|//|\"|'|\\\r?\n")
# the rest of a literal (unrolled: a run of plain characters matched at once)
_STR_END = {
    '"': lazy_compile(r'[^"\\\n]*(?:\\.[^"\\\n]*)*"'),
    "'": lazy_compile(r"[^'\\\n]*(?:\\.[^'\\\n]*)*'"),
}
_DIRECTIVE_RE = re.compile(r"\s*#\s*([A-Za-z_]\w*)?(.*)", re.S)
# Names are ASCII, $ and C11 Annex D letters (UTF-8 names, as gcc 12 takes them); the
# Annex D pattern is compiled only for text that is not ASCII (model.identifier_re)
_ASCII_DEFINE_RE = re.compile(rf"({ASCII_IDENTIFIER_PATTERN})(\()?(.*)", re.S)
_PARAMS_RE = re.compile(r"([^)]*)\)(.*)", re.S)
# a whole #define line with an ASCII name: _DIRECTIVE_RE and _ASCII_DEFINE_RE in one;
# most bodies, one number alone (_PLAIN_NUMBER_RE once stripped), in a group of their own
_ASCII_DEFINE_LINE_RE = re.compile(
    rf"\s*#\s*define(?!\w)\s*({ASCII_IDENTIFIER_PATTERN})"
    r"(?:[ \t]+([0-9][0-9A-Za-z]*)[ \t\r\n\f\v]*\Z|(\()?(.*))",
    re.S,
)
_ASCII_IDENT_RE = re.compile(rf"{ASCII_IDENTIFIER_PATTERN}\Z")


def _define_match(rest: str) -> re.Match[str] | None:
    """``NAME``, ``(`` if there is one, and the rest, of a ``#define``'s text."""
    m = _ASCII_DEFINE_RE.match(rest)
    end = m.end(1) if m is not None else 0
    if end < len(rest) and rest[end] >= "\x80":  # a name that is not ASCII, or goes on so
        return identifier_re("(", r")(\()?(.*)", re.S).match(rest)
    return m


class _IdentRe:
    """The pattern of a whole identifier (``IDENT_RE.match(text)``)."""

    def match(self, text: str) -> re.Match[str] | None:
        return (_ASCII_IDENT_RE if text.isascii() else identifier_re()).match(text)


IDENT_RE = _IdentRe()
_CONDITIONALS = frozenset({"if", "ifdef", "ifndef", "elif", "else", "endif", "elifdef", "elifndef"})
_PLAIN_NUMBER_RE = re.compile(r"[0-9][0-9A-Za-z]*\Z")
# a word at a word's start is checked by word_start, not \b: a pattern that begins
# with a literal is searched for many times faster than one that begins with \b


def word_start(text: str, pos: int) -> bool:
    """Whether ``pos`` begins a word of ``text`` (as ``\b`` before a word character)."""
    return pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == "_")


def word_finditer(
    pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None
) -> Iterator[re.Match[str]]:
    """``pattern``'s matches in text[start:end] that begin a word, as ``\b`` in
    front of it would find them (a match that does not begin a word hides none)."""
    end = len(text) if end is None else end
    search = pattern.search
    m = search(text, start, end)
    while m is not None:
        if word_start(text, m.start()):
            yield m
            m = search(text, max(m.end(), m.start() + 1), end)
        else:
            m = search(text, m.start() + 1, end)


def word_search(
    pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None
) -> re.Match[str] | None:
    """``pattern``'s first match in text[start:end] that begins a word."""
    return next(word_finditer(pattern, text, start, end), None)


def read_source(path: str) -> str:
    """A file's text: UTF-8, any byte that is not read as Latin-1; a NUL byte (a
    binary file) is an AbicheckError at its line."""
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
    return data.decode("utf-8", errors=_LATIN1_FALLBACK)


def _latin1_bytes(exc: UnicodeError) -> tuple[str, int]:
    """A byte that is no UTF-8 read as Latin-1 (its own code point), as gcc takes any
    byte in comments and literals: ``é`` in a Latin-1 comment stays ``é``."""
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


_LATIN1_FALLBACK = "abicheck-latin1"
codecs.register_error(_LATIN1_FALLBACK, _latin1_bytes)


def logical_lines(text: str, path: str) -> list[tuple[int, str, str]]:
    """Split C source into logical lines: (first physical line, text, comment text),
    but for empty ones between others.

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
                # (empty lines left out: scan_text skips them)
                out += [(phys + k, pieces[k], "") for k in range(1, last) if pieces[k]]
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
    m = _define_match(rest)
    if m is None:
        raise AbicheckError("macro name missing after #define", path, line)
    return _define(m.group(1), m.group(2), m.group(3), path, line, comment)


def _define(
    name: str, paren: str | None, tail: str, path: str, line: int, comment: str
) -> MacroDef:
    """The MacroDef of a ``#define`` split into its name, ``(`` if one follows it,
    and the rest."""
    # names interned: the same ones come back in file after file, kept for the run
    name = sys.intern(name)
    if name == "defined":
        raise AbicheckError('"defined" cannot be used as a macro name', path, line)
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
            elif p.endswith("...") and i == len(plist) - 1 and IDENT_RE.match(p[:-3].strip()):
                variadic = True
                names.append(p[:-3].strip())
            elif IDENT_RE.match(p):
                names.append(p)
            else:
                raise AbicheckError(f"bad parameter {p!r} in macro {name}", path, line)
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise AbicheckError(f"duplicate macro parameter {twice!r} in macro {name}", path, line)
        params = tuple(map(sys.intern, names))
        tail = pm.group(2)
    elif tail and not tail[0].isspace():
        # C99 requires white space after the name; gcc warns and goes on.
        pass
    text = tail.strip()
    if "#" in text:  # (few bodies: tokenized here only to check their # and ##)
        _check_hashes(tokenize(text), name, params, variadic, path, line)
    if _PLAIN_NUMBER_RE.match(text):  # most bodies: one number, no tokenizer needed
        return MacroDef(name, params, variadic, (Tok("num", text),), text, path, line, comment)
    return MacroDef(name, params, variadic, None, text, path, line, comment)


def _check_hashes(
    toks: list[Tok],
    name: str,
    params: tuple[str, ...] | None,
    variadic: bool,
    path: str,
    line: int,
) -> None:
    """Raises AbicheckError, as gcc refuses the definition, for ``##`` at either end
    of a body, or (in a function-like macro's) ``#`` not followed by a parameter."""
    if toks and (toks[0].text == "##" or toks[-1].text == "##"):
        raise AbicheckError(
            f"'##' cannot appear at either end of a macro expansion (macro {name})", path, line
        )
    if params is None:
        return
    known = set(params) | ({"__VA_ARGS__", "__VA_OPT__"} if variadic else set())
    for i, t in enumerate(toks):
        if t.text == "#" and (
            i + 1 == len(toks) or toks[i + 1].kind != "id" or toks[i + 1].text not in known
        ):
            raise AbicheckError(
                f"'#' is not followed by a macro parameter (macro {name})", path, line
            )


def scan_file(path: str) -> ScannedFile:
    """Read and scan one file: logical lines, parsed directives, matched conditionals."""
    return scan_text(read_source(path), path)


def scan_text(text: str, path: str) -> ScannedFile:
    """Scan the text of the file at ``path`` (as :func:`scan_file`)."""
    entries: list[Entry] = []
    # open conditionals: [index of the #if, index of its latest branch]
    stack: list[list[int]] = []
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
            entries.append(Entry(run_line, joined))
            run = []
        d = _ASCII_DEFINE_LINE_RE.match(ltext)  # most directives: as parse_define reads them
        if (
            d is not None
            and (d.end(1) == len(ltext) or ltext[d.end(1)] < "\x80")
            and d.group(1) != "defined"  # (refused by _define)
        ):
            note = _clean_comment(comment) if comment else ""
            number = d.group(2)
            if number is not None:  # what _define makes of it, made at once
                name = sys.intern(d.group(1))
                body = (Tok("num", number),)
                macro = MacroDef(name, None, False, body, number, path, line, note)
            else:
                macro = _define(d.group(1), d.group(3), d.group(4), path, line, note)
            entries.append(Entry(line, "", "define", "", note, None, macro))
            continue
        m = _DIRECTIVE_RE.match(ltext)
        assert m is not None
        # the name shared (a copy per directive was a fifth of a scanned file), and no
        # line text kept: only text runs' is read (the directive's is in rest)
        name = sys.intern(m.group(1) or "")
        rest = m.group(2)
        e = Entry(line, "", name or "#", rest)
        idx = len(entries)
        if name == "define":
            e.comment = _clean_comment(comment) if comment else ""
            e.macro = parse_define(rest, path, line, e.comment)
            e.rest = ""  # all of it is in the macro
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
        entries.append(Entry(run_line, joined))
    if stack:
        opener_entry = entries[stack[-1][0]]
        raise AbicheckError(f"unterminated #{opener_entry.directive}", path, opener_entry.line)
    for k, e in enumerate(entries):
        if not e.directive:
            e.end = k + 1  # the walk goes on after it
    guard = _find_guard(entries)
    return ScannedFile(path, entries, guard, len(text), next(_TEXT_IDS))


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
    if not IDENT_RE.match(guard) or first.end != len(entries) - 1 or first.nxt != first.end:
        return None
    return guard


def moved(sf: ScannedFile, path: str) -> ScannedFile:
    """``sf`` as the scan of the same text at ``path``: its entries shared but each
    ``#define``'s, whose MacroDef (made anew, its tokens shared) names ``path``."""
    entries = [
        e
        if (m := e.macro) is None
        else Entry(
            e.line,
            e.text,
            e.directive,
            e.rest,
            e.comment,
            e.toks,
            MacroDef(m.name, m.params, m.variadic, m._body, m.text, path, m.line, m.comment),
            e.nxt,
            e.end,
        )
        for e in sf.entries
    ]
    return ScannedFile(path, entries, sf.guard, sf.size, sf.text_id)


class ScanCache:
    """Scans by file content, for FileCaches to share (one per Reader, a Reader per
    architecture): a text scanned before at any path is not scanned again, only
    moved to its new path (:func:`moved`). A file that fails to scan is not kept
    (its error names its own path)."""

    def __init__(self) -> None:
        self._by_text: dict[str, ScannedFile] = {}
        # path -> the scan of its text (made at whichever path had it first)
        self._by_path: dict[str, ScannedFile] = {}
        # (alias, id of the scan of a text) -> its entries moved to the alias (scan_as)
        self._aliased: dict[tuple[str, int], list[Entry]] = {}

    def _of(self, path: str) -> ScannedFile:
        hit = self._by_path.get(path)
        if hit is None:
            text = read_source(path)
            hit = self._by_text.get(text)
            if hit is None:
                hit = self._by_text[text] = scan_text(text, path)
            self._by_path[path] = hit
        return hit

    def prescan(self, path: str) -> None:
        """Read and scan ``path`` now, if its text is new (a file that fails is left
        for its reading to report)."""
        with contextlib.suppress(AbicheckError):
            self._of(path)

    def scan(self, path: str) -> ScannedFile:
        """The scan of the file at ``path`` (raises AbicheckError as scan_file)."""
        hit = self._of(path)
        return hit if hit.path == path else moved(hit, path)

    def __len__(self) -> int:
        """How many distinct texts were scanned."""
        return len(self._by_text)

    def scan_as(self, path: str, alias: str) -> ScannedFile:
        """The scan of the file at ``path`` whose ``#define``s name ``alias``, not
        ``path``: every file of the same text scanned as the same alias (the same
        header under another architecture's include folder) gets the same MacroDefs,
        for evaluations to be shared (raises AbicheckError as scan_file)."""
        hit = self._of(path)
        aliased = self._aliased.get((alias, id(hit)))  # (hit lives in _by_text)
        if aliased is None:
            aliased = self._aliased[(alias, id(hit))] = moved(hit, alias).entries
        return ScannedFile(path, aliased, hit.guard, hit.size, hit.text_id)


ALIAS_MARK = "\0"  # begins an alias (ScanCache.scan_as): no path holds a NUL


class FileCache:
    """Scanned files by path, so a file is read and scanned once until
    :meth:`clear`; with ``shared``, a file whose text another FileCache (or path)
    scanned is not scanned again (:class:`ScanCache`). ``size`` is the characters
    of the files held.

    With ``roots`` (an architecture's include folders) too, a file under one of
    them is scanned as an alias of its path below the root (``ScanCache.scan_as``),
    so that the same header of other architectures has the same MacroDefs;
    :attr:`aliases` maps each alias given out back to this cache's path (one path
    an alias: a second path below another root is scanned as itself).
    """

    def __init__(self, shared: ScanCache | None = None, roots: Iterable[str] = ()) -> None:
        self._files: dict[str, ScannedFile | AbicheckError] = {}
        self._exists: dict[str, bool] = {}
        self._scan = scan_file if shared is None else shared.scan
        self.size = 0
        self._roots = tuple(os.path.join(r, "") for r in roots) if shared is not None else ()
        self._shared = shared
        self.aliases: dict[str, str] = {}
        if self._roots:
            self._scan = self._scan_aliased

    def _scan_aliased(self, path: str) -> ScannedFile:
        assert self._shared is not None
        root = next((r for r in self._roots if path.startswith(r)), None)
        alias = None if root is None else ALIAS_MARK + path[len(root) :]
        if alias is None or alias in self.aliases:
            return self._shared.scan(path)
        sf = self._shared.scan_as(path, alias)
        self.aliases[alias] = path
        return sf

    def get(self, path: str) -> ScannedFile:
        hit = self._files.get(path)
        if hit is None:
            try:
                hit = self._scan(path)
                self.size += hit.size
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

    def clear(self) -> None:
        """Forget every file: each is read and scanned again when next asked for."""
        self._files.clear()
        self._exists.clear()
        _BODIES.clear()
        self.aliases.clear()
        self.size = 0
