"""The preprocessor walk: a header through its includes and conditionals, leaving
the macro table as it stands at the end; a file's walk is replayed where it read
the same state (the replay memo)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Literal

from .._pattern import lazy_compile
from .._record import Record
from ..model import AbicheckError, Diagnostic
from .expand import Expander, ExpansionError
from .scan import IDENT_RE, Entry, FileCache, MacroDef, ScannedFile
from .tokens import Tok, spell, tokenize

MAX_INCLUDE_DEPTH = 200
# Preprocessing events (macros read and written, text runs, includes) one header's
# walk may make: real headers make a few thousand; unguarded headers that include
# the next one twice, 41 deep, would make 2**41.
MAX_WALK_EVENTS = 2_000_000


# (tokens, macros, path, line) -> (truth, the macro names it consulted, warnings)
IfEvaluator = Callable[
    [list[Tok], Mapping[str, MacroDef], str, int], tuple[bool, Iterable[str], tuple[str, ...]]
]

# What a walk did, in order, so that a file's walk can be replayed (plain tuples:
# the walk logs every macro it reads). A run of active text lines is (file, first
# index, index past the last).
TextRun = tuple[ScannedFile, int, int]
MacroRead = tuple[Literal["r"], str, MacroDef | None]  # name, definition read
MacroWritten = tuple[Literal["w"], str, MacroDef | None]  # name, definition or None
OnceChecked = tuple[Literal["q"], str, bool]  # path, whether #pragma once marked it
OnceMarked = tuple[Literal["o"], str]  # path
TextSeen = tuple[Literal["c"], TextRun]
# #pragma pack: the packing and the push stack after it
PackSet = tuple[Literal["p"], int, tuple[tuple[str, int], ...]]
Warned = tuple[Literal["d"], Diagnostic]
Dep = MacroRead | OnceChecked  # what a walk read of the state before it
Effect = MacroWritten | OnceMarked | TextSeen | PackSet | Warned  # what it did
# one walk of a file: its dependencies, its effects, the names it wrote and the
# paths it marked #pragma once (those of the effects, for _summarize)
Summary = tuple[tuple[Dep, ...], tuple[Effect, ...], frozenset[str], frozenset[str]]
# a replayed walk: its deps, then its effects, as one event (copied out only
# where an enclosing file's walk is summarized)
Replayed = tuple[Literal["s"], Summary]
Event = Dep | Effect | Replayed
MAX_MEMO_VARIANTS = 4
# a name's #define or #undef: text runs before it, what it became, its write before
Write = tuple[int, "MacroDef | None", "Write | None"]


_DIGITS = lazy_compile(r"[0-9]+\Z")
# a linemarker's flags: 1 or 2, then 3, then 4
_FLAGS_AFTER: dict[str, tuple[str, ...]] = {"1": ("3", "4"), "2": ("3", "4"), "3": ("4",)}
# Directives the walk takes and does nothing with (gcc's #warning is a warning; the
# null directive is "#", and so is a linemarker, # 1 "file", which is checked first)
_IGNORED = frozenset({"#", "warning", "ident", "sccs", "assert", "unassert", "import"})


def _undef_name(rest: str, path: str, line: int) -> str:
    """The name ``#undef`` removes (gcc takes the first word of ``rest`` and warns
    of the rest); raises AbicheckError, as gcc refuses it, for none or ``defined``."""
    words = rest.split()
    if not words or not IDENT_RE.match(words[0]):
        raise AbicheckError("macro name missing after #undef", path, line)
    if words[0] == "defined":
        raise AbicheckError('"defined" cannot be used as a macro name', path, line)
    return words[0]


class Walk(Record, frozen=False):
    """The state of one preprocessing run: the macro table and what was seen."""

    macros: dict[str, MacroDef]
    # runs of active text lines: (file, first index, index past the last)
    text_chunks: list[TextRun]
    once: set[str]
    log: list[Event]
    # each name's latest #define or #undef: (how many text runs came before it, the
    # definition or None, the name's write before it or None), a chain back through
    # the name's writes: the macro table as it stood at any run
    last_write: dict[str, Write]
    last_run: int  # how many text runs came before the latest write (-1: none)
    initial: Mapping[str, MacroDef]
    # #pragma pack as it changed: (text runs before it, the packing; 0 is none)
    packs: list[tuple[int, int]]
    pack_stack: tuple[tuple[str, int], ...]  # pushed (label, packing) pairs
    # what gcc warns about and reads on (an #if's undefined behaviour), in order
    warnings: list[Diagnostic]
    replayed: int  # the events of the replays in the log but one each (see events)

    _factories = {
        "text_chunks": list,
        "once": set,
        "log": list,
        "last_write": dict,
        "initial": dict,
        "packs": list,
        "warnings": list,
    }

    def __init__(
        self,
        macros: dict[str, MacroDef],
        text_chunks: list[TextRun] | None = None,
        once: set[str] | None = None,
        log: list[Event] | None = None,
        last_write: dict[str, Write] | None = None,
        last_run: int = -1,
        initial: Mapping[str, MacroDef] | None = None,
        packs: list[tuple[int, int]] | None = None,
        pack_stack: tuple[tuple[str, int], ...] = (),
        warnings: list[Diagnostic] | None = None,
        replayed: int = 0,
    ) -> None:
        self.macros = macros
        self.text_chunks = [] if text_chunks is None else text_chunks
        self.once = set() if once is None else once
        self.log = [] if log is None else log
        self.last_write = {} if last_write is None else last_write
        self.last_run = last_run
        self.initial = {} if initial is None else initial
        self.packs = [] if packs is None else packs
        self.pack_stack = pack_stack
        self.warnings = [] if warnings is None else warnings
        self.replayed = replayed

    def events(self) -> int:
        """How many events the walk made, a replay's each counted."""
        return len(self.log) + self.replayed

    def warn(self, d: Diagnostic) -> None:
        self.warnings.append(d)
        self.log.append(("d", d))

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
        self.record(len(self.text_chunks), name, d)

    def record(self, n: int, name: str, d: MacroDef | None) -> None:
        """Note that ``name`` became ``d`` after ``n`` text runs."""
        self.last_write[name] = (n, d, self.last_write.get(name))
        self.last_run = n

    def pack_at(self, run: int) -> int:
        """The ``#pragma pack`` in force at text run ``run`` (0: none)."""
        value = 0
        for n, v in self.packs:
            if n > run:
                break
            value = v
        return value

    def at(self, run: int) -> Mapping[str, MacroDef]:
        """The macro table as it stood when text run ``run`` was met (a view that
        remembers what it looked up: ask it after the walk)."""
        if self.last_run <= run:
            return self.macros
        return _MacrosAt(self, run)


class Includes:
    """Include resolution: ``dirs`` (the ``-I`` folders) are searched for ``<...>``
    and, after the including file's folder, for ``"..."``."""

    def __init__(self, files: FileCache, include_dirs: Iterable[str]) -> None:
        self.files = files
        self.dirs = [os.path.normpath(d) for d in include_dirs]

    def folder_of(self, path: str) -> int | None:
        """The index of the -I folder ``path`` lies in (the innermost, when folders
        nest), or None: where an ``#include_next`` from it searches on."""
        found = [k for k, d in enumerate(self.dirs) if path.startswith(d + os.sep)]
        return max(found, key=lambda k: len(self.dirs[k])) if found else None

    def resolve(
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
        for k in range(start, len(self.dirs)):
            cand = os.path.join(self.dirs[k], name)
            if self.files.isfile(cand):
                return os.path.normpath(cand), k
        return None, -1


class Preprocessor:
    """Runs headers through includes and conditionals, collecting their macros.

    ``eval_if`` decides ``#if``/``#elif``; ``memo`` holds the walks of files
    to replay, by (path, -I index) (see _file).
    """

    def __init__(
        self,
        includes: Includes,
        eval_if: IfEvaluator,
        memo: dict[tuple[str, int], list[Summary]],
    ) -> None:
        self.includes = includes
        self.files = includes.files
        self.eval_if = eval_if
        self._memo = memo

    def run(self, path: str, predefined: Mapping[str, MacroDef]) -> Walk:
        walk = Walk(dict(predefined), initial=predefined)
        # the header's own walk is not kept: each header is read once, and a header
        # is hardly ever included as read (found beside a header by a quoted
        # include: -I index -1)
        self._walk(walk, path, [], -1)
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
            for summary in variants:
                if self._holds(walk, summary[0]):
                    self._replay(walk, summary)
                    return
        start = len(walk.log)
        self._walk(walk, path, chain, dir_index)
        variants = self._memo.setdefault(key, [])
        if len(variants) < MAX_MEMO_VARIANTS:
            variants.append(_summarize(walk.log, start))

    @staticmethod
    def _holds(walk: Walk, deps: tuple[Dep, ...]) -> bool:
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
    def _replay(walk: Walk, summary: Summary) -> None:
        deps, effects = summary[0], summary[1]
        macros = walk.macros
        last_write = walk.last_write
        n = -1
        chunks = walk.text_chunks
        for ev in effects:
            if ev[0] == "w":
                name, d = ev[1], ev[2]
                if d is None:
                    macros.pop(name, None)
                else:
                    macros[name] = d
                # walk.record, inlined: a replay writes thousands of names
                n = len(chunks)
                last_write[name] = (n, d, last_write.get(name))
            elif ev[0] == "o":
                walk.once.add(ev[1])
            elif ev[0] == "p":
                walk.packs.append((len(walk.text_chunks), ev[1]))
                walk.pack_stack = ev[2]
            elif ev[0] == "d":
                walk.warnings.append(ev[1])
            else:
                walk.text_chunks.append(ev[1])
        if n >= 0:
            walk.last_run = n
        walk.log.append(("s", summary))
        walk.replayed += len(deps) + len(effects) - 1

    def _walk(self, walk: Walk, path: str, chain: list[tuple[str, int]], dir_index: int) -> None:
        sf = self.files.get(path)
        entries = sf.entries
        n = len(entries)
        i = 0
        while i < n:
            e = entries[i]
            d = e.directive
            if not d:
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
                name = e.rest.strip()
                if not IDENT_RE.match(name) or name == "defined":
                    name = _undef_name(name, path, e.line)
                walk.write(name, None)
                i += 1
            elif d in ("include", "include_next"):
                self._include(walk, sf, e, chain, dir_index, next_=d == "include_next")
                i += 1
            elif d == "error":
                raise AbicheckError(f"#error {e.rest.strip()}", path, e.line)
            elif d == "pragma":
                words = e.rest.split()
                if words == ["once"]:
                    walk.once.add(path)
                    walk.log.append(("o", path))
                elif words and words[0].startswith("pack"):
                    _pragma_pack(walk, e.rest, sf.path, e.line)
                i += 1
            elif d == "line":
                self._line(walk, sf, e)
                i += 1
            elif d == "#" and e.rest.strip():  # a linemarker: # 5 "f.h" 1
                self._line(walk, sf, e, marker=True)
                i += 1
            elif d in _IGNORED:  # warning, ident, null (#) ...
                i += 1
            else:
                raise AbicheckError(f"invalid preprocessing directive #{d}", path, e.line)

    def _cond(self, walk: Walk, sf: ScannedFile, e: Entry) -> bool:
        d = e.directive
        if d in ("ifdef", "ifndef", "elifdef", "elifndef"):
            name = e.rest.strip()
            if not IDENT_RE.match(name):
                raise AbicheckError(f"#{d} needs a macro name", sf.path, e.line)
            return (walk.read(name) is not None) == (d in ("ifdef", "elifdef"))
        toks = e.tokens()
        if not toks:
            raise AbicheckError(f"#{d} with no expression", sf.path, e.line)
        truth, names, warnings = self.eval_if(toks, walk.macros, sf.path, e.line)
        for n in names:
            walk.read(n)
        for w in warnings:
            walk.warn(Diagnostic(sf.path, e.line, w))
        return truth

    def _line(self, walk: Walk, sf: ScannedFile, e: Entry, marker: bool = False) -> None:
        """Refuse a ``#line`` gcc refuses (no line number, one that is not a digit
        sequence, a file name that is no plain string literal), or a linemarker
        (``# 5 "f.h" 1``, not macro-expanded; its flags as gcc takes them). The
        renumbering itself is not applied: locations stay the lines of the file as it
        is on disk."""
        toks = e.tokens()
        what = "#" if marker else "#line"
        if marker and toks[0].kind != "num":
            raise AbicheckError(f"invalid preprocessing directive #{toks[0].text}", sf.path, e.line)
        if not marker and any(t.kind == "id" for t in toks):
            try:
                toks = Expander(walk.macros, walk.read).expand(list(toks))
            except ExpansionError as exc:
                raise AbicheckError(f"in #line: {exc}", sf.path, e.line) from None
        if not toks:
            raise AbicheckError("unexpected end of file after #line", sf.path, e.line)
        first = toks[0].text
        # (__LINE__ and __COUNTER__, which the reader does not expand, are numbers)
        if not _DIGITS.match(first) and (marker or first not in ("__LINE__", "__COUNTER__")):
            raise AbicheckError(
                f'"{first}" after {what} is not a positive integer', sf.path, e.line
            )
        rest = toks[1:]
        if rest and rest[0].text == "R" and len(rest) > 1 and not rest[1].space:
            rest = rest[1:]  # a raw string literal, R"(...)"
        if rest and not (rest[0].kind == "str" and rest[0].text.startswith('"')):
            raise AbicheckError(f'"{rest[0].text}" is not a valid filename', sf.path, e.line)
        if marker:  # flags: 1 or 2, then 3, then 4, each at most once
            allowed: tuple[str, ...] = ("1", "2", "3", "4")
            for flag in rest[1:]:
                if flag.text not in allowed:
                    raise AbicheckError(
                        f'invalid flag "{flag.text}" in line directive', sf.path, e.line
                    )
                allowed = _FLAGS_AFTER.get(flag.text, ())

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
            try:
                toks = Expander(walk.macros, walk.read).expand(tokenize(spec))
            except ExpansionError as exc:
                directive = "#include_next" if next_ else "#include"
                raise AbicheckError(f"in {directive}: {exc}", sf.path, e.line) from None
            spec = spell(toks).strip()
            if spec.startswith("<"):
                spec = spec.replace(" ", "")
        if len(spec) < 3 or not (
            (spec[0] == "<" and spec.endswith(">")) or (spec[0] == '"' and spec.endswith('"'))
        ):
            raise AbicheckError(f'#include expects "FILE" or <FILE>, got {spec!r}', sf.path, e.line)
        name = spec[1:-1]
        here = chain + [(sf.path, e.line)]
        found, idx = self.includes.resolve(
            name, spec[0] == '"', sf.path, dir_index if next_ else None, dir_index
        )
        if found is None:
            trail = " <- ".join(f"{p}:{ln}" for p, ln in reversed(here))
            raise AbicheckError(
                f"include file {spec} not found (included from {trail}; searched: "
                f"{', '.join(self.includes.dirs) or 'no -I folders'})",
                sf.path,
                e.line,
            )
        once = found in walk.once
        walk.log.append(("q", found, once))
        if once:
            return
        try:
            target = self.files.get(found)
        except AbicheckError as exc:
            if exc.file != found or exc.line is not None:
                raise  # (at a line of the file: a NUL byte)
            # a file refused whole (a FIFO, a device, too large, unreadable): told
            # at the #include, as gcc tells it, the file named
            trail = " <- ".join(f"{p}:{ln}" for p, ln in reversed(here))
            raise AbicheckError(
                f"include file {spec}, {found}: {exc.message} (included from {trail})",
                sf.path,
                e.line,
            ) from None
        if target.guard is not None and walk.read(target.guard) is not None:
            return
        # A file may include itself (or an includer) under changing conditions: a
        # bounded recursion, as gcc reads it; only the depth limit stops one that
        # does not end.
        if len(here) >= MAX_INCLUDE_DEPTH:
            raise AbicheckError(
                f"#include nested more than {MAX_INCLUDE_DEPTH} deep", sf.path, e.line
            )
        if walk.events() > MAX_WALK_EVENTS:
            raise AbicheckError(
                f"#include: the includes make over {MAX_WALK_EVENTS:,} preprocessing events "
                "(headers that include others again and again without guards)",
                sf.path,
                e.line,
            )
        self._file(walk, found, here, idx)


_PACK_RE = lazy_compile(
    r"\s*pack\s*\(\s*(?:(push|pop)\s*(?:,\s*([A-Za-z_]\w*)\s*)?,?\s*)?(\d+)?\s*\)\s*$"
)


def _pragma_pack(walk: Walk, rest: str, path: str, line: int) -> None:
    """``#pragma pack(N)``, ``pack()``, ``pack(push[, ID][, N])``, ``pack(pop[, ID])``
    as gcc has them; a malformed one is ignored, as gcc ignores it (with a warning)."""
    m = _PACK_RE.match(rest)
    if m is None:
        return
    how, label, n = m.group(1), m.group(2), m.group(3)
    value = walk.packs[-1][1] if walk.packs else 0
    stack = walk.pack_stack  # (label, packing) pairs
    if n is not None and int(n) not in (1, 2, 4, 8, 16):
        raise AbicheckError(f"#pragma pack({n}): alignment must be 1, 2, 4, 8 or 16", path, line)
    if how == "push":
        stack = (*stack, (label or "", value))
        if n is not None:
            value = int(n)
    elif how == "pop":
        k = len(stack) - 1
        if label:  # pops down to the push of that label
            while k >= 0 and stack[k][0] != label:
                k -= 1
        if k >= 0:
            value, stack = stack[k][1], stack[:k]
        if n is not None:
            value = int(n)
    else:
        value = int(n) if n is not None else 0
    walk.packs.append((len(walk.text_chunks), value))
    walk.pack_stack = stack
    walk.log.append(("p", value, stack))


class _MacrosAt(Mapping[str, MacroDef]):
    """A walk's macro table as it stood at one text run: the final table but for
    the names defined or undefined after that run (looked up in the writes)."""

    def __init__(self, walk: Walk, run: int) -> None:
        self.walk = walk
        self.run = run
        self._earlier: dict[str, MacroDef | None] = {}  # names written after the run

    def get(self, name: str, default: object = None) -> MacroDef | None:  # type: ignore[override]
        walk = self.walk
        last = walk.last_write.get(name)
        if last is None or last[0] <= self.run:
            return walk.macros.get(name)
        earlier = self._earlier
        if name in earlier:
            return earlier[name]
        w: Write | None = last
        while w is not None and w[0] > self.run:
            w = w[2]
        d = earlier[name] = w[1] if w is not None else walk.initial.get(name)
        return d

    def __getitem__(self, name: str) -> MacroDef:
        d = self.get(name)
        if d is None:
            raise KeyError(name)
        return d

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return (
            n for n in {**self.walk.initial, **dict.fromkeys(self.walk.last_write)} if n in self
        )

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _summarize(log: list[Event], start: int) -> Summary:
    """From the events of one file's walk: the state it read before writing it
    (its dependencies), and what it wrote (its effects), each in order; a replayed
    walk's deps come before its effects."""
    deps: list[Dep] = []
    effects: list[Effect] = []
    written: set[str] = set()
    seen: set[str] = set()
    marked: set[str] = set()
    checked: set[str] = set()
    for ev in log[start:]:
        if ev[0] == "w":  # (the most frequent first)
            written.add(ev[1])
            effects.append(ev)
        elif ev[0] == "r":
            name = ev[1]
            if name not in written and name not in seen:
                seen.add(name)
                deps.append(ev)
        elif ev[0] == "q":
            if ev[1] not in marked and ev[1] not in checked:
                checked.add(ev[1])
                deps.append(ev)
        elif ev[0] == "s":
            sub_deps, sub_effects, sub_written, sub_marked = ev[1]
            for dep in sub_deps:
                if dep[0] == "r":
                    if dep[1] not in written and dep[1] not in seen:
                        seen.add(dep[1])
                        deps.append(dep)
                elif dep[1] not in marked and dep[1] not in checked:
                    checked.add(dep[1])
                    deps.append(dep)
            effects.extend(sub_effects)
            written |= sub_written
            marked |= sub_marked
        else:
            if ev[0] == "o":
                marked.add(ev[1])
            effects.append(ev)
    return tuple(deps), tuple(effects), frozenset(written), frozenset(marked)
