"""A header's declarations: the enum and typedef statements of its active text.

``Statements`` finds a file's statements once per run; ``HeaderDecls`` reads
those of one preprocessed header as its macro values need them (enum
constants' values, typedef names and types), and answers the questions
evaluations ask of them (``ask``, noted for the memo). It owns the typedef
scope pycparser is told of. Struct and union declarations go here next.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, cast

from .._pattern import lazy_compile
from .._record import Record
from .cnodes import c_ast
from .datamodel import BASIC_TYPE_WORDS, QUALIFIERS, STANDARD_TYPEDEFS, TAG_WORDS, DataModel, Value
from .expand import Expander, ExpansionError
from .exprparse import ParseError, Parser
from .fastdecl import fast_declaration
from .fold import Folder, NotConstant
from .memo import (
    IDENT,
    IS_ENUM_CONSTANT,
    IS_TYPE_NAME,
    IS_TYPEDEF,
    RECORD,
    TYPEDEF,
    Answer,
    Deps,
    Key,
    Memo,
    Question,
    Read,
    TokenPairs,
    new_cache,
)
from .scan import MacroDef, ScannedFile, word_finditer, word_search

if TYPE_CHECKING:
    from .layout import Layouts, TypeLayout
from .statements import lower_gnu, split, split_rest
from .tokens import Tok, spell, tokenize
from .walk import Walk

_TYPE_WORDS = (
    BASIC_TYPE_WORDS | QUALIFIERS | TAG_WORDS | {"__signed__", "__const", "restrict", "__restrict"}
)
# each at a word start (word_finditer): no \b in front, which makes a search slow
_ENUM_RE = lazy_compile(r"enum\b\s*(?:([A-Za-z_]\w*)\s*)?\{")  # (its tag)
# a statement's first word (after __extension__)
_STMT_START_RE = lazy_compile(r"\s*(?:__extension__\s+)?([A-Za-z_]\w*)")
_ATTR_RE = r"(?:__attribute(?:__)?\s*\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)\s*)*"
# struct/union [attributes] [tag] [attributes] {
_RECORD_BODY_RE = lazy_compile(
    r"(struct|union)\s+" + _ATTR_RE + r"(?:([A-Za-z_]\w*)\s*)?" + _ATTR_RE + r"\{"
)
_TYPEDEF_RE = lazy_compile(r"typedef\b")
_UNKNOWN = object()  # not asked yet
# words that begin statements no macro turns into a typedef
_STATEMENT_WORDS = frozenset({"static", "extern", "inline", "register", "auto", "_Static_assert"})
_BRACE_RE = lazy_compile(r"[{}]")
_ENUMERATOR_RE = lazy_compile(r"(?:[{,]\s*)([A-Za-z_]\w*)")


class RunDecls(Record, frozen=False):
    """The declarations in one run of a file's text lines, found once per run.

    Each statement comes with the index of the span (text run) it starts in.
    ``typedefs`` are the typedef statements and those led by an identifier that
    may be a macro standing for ``typedef`` (glibc's ``__STD_TYPE``), that
    identifier given ("" for the others); ``records`` the other statements
    defining a struct or union; ``tags`` where each ``struct TAG``/``union TAG`` is
    defined: (statement, span, line). ``names`` are the identifiers in the typedef
    statements; ``plain`` holds the typedefs they declare when no macro is defined
    under any of those names, by which of those names are typedef names before
    the run.
    """

    enums: list[tuple[str, tuple[str, ...], int, str]]  # statement, enumerators, span, tag
    typedefs: list[tuple[str, int, str]]
    typedef_lines: list[int]  # the line each typedef statement starts on
    records: list[tuple[str, int]]
    tags: dict[str, list[tuple[str, int, int]]]
    # statements that run over several spans (a #define inside a struct's body):
    # (statement, first span) -> (offset in the statement, span) where each part starts
    breaks: dict[tuple[str, int], tuple[tuple[int, int], ...]]
    names: frozenset[str]
    plain: dict[tuple[str, ...], dict[str, c_ast.Node]]  # (new_cache: empty without reuse)
    # the typedef statements expanded where macros are in them, as header after
    # header gets them (see HeaderDecls._typedef_texts), the newest first
    expanded: list[_RunTexts]

    __slots__ = (
        "enums",
        "typedefs",
        "typedef_lines",
        "records",
        "tags",
        "breaks",
        "names",
        "plain",
        "expanded",
    )
    _factories = {"expanded": list}

    def __init__(
        self,
        enums: list[tuple[str, tuple[str, ...], int, str]],
        typedefs: list[tuple[str, int, str]],
        typedef_lines: list[int],
        records: list[tuple[str, int]],
        tags: dict[str, list[tuple[str, int, int]]],
        breaks: dict[tuple[str, int], tuple[tuple[int, int], ...]],
        names: frozenset[str],
        plain: dict[tuple[str, ...], dict[str, c_ast.Node]],
        expanded: list[_RunTexts] | None = None,
    ) -> None:
        self.enums = enums
        self.typedefs = typedefs
        self.typedef_lines = typedef_lines
        self.records = records
        self.tags = tags
        self.breaks = breaks
        self.names = names
        self.plain = plain
        self.expanded = [] if expanded is None else expanded


# The expanded typedef statements of a run and what they rest on: the names
# undefined at the spans they are in (name -> spans), the other names looked up
# (span, name, definition), the #pragma pack of each span; and the texts.
_RunTexts = tuple[
    dict[str, tuple[int, ...]],
    tuple[tuple[int, str, MacroDef], ...],
    tuple[int, ...],
    "_Texts",
]


class _Texts(Record, frozen=False):
    """A run's typedef statements as expanded, the identifiers in each and in all,
    and the typedefs they declare by which of those identifiers are typedef names
    before them (as RunDecls.plain; a Memo cache)."""

    texts: list[str]
    mentions: list[frozenset[str]]
    names: frozenset[str]
    declared: dict[tuple[str, ...], dict[str, c_ast.Node]]

    __slots__ = ("texts", "mentions", "names", "declared")

    def __init__(
        self,
        texts: list[str],
        mentions: list[frozenset[str]],
        names: frozenset[str],
        declared: dict[tuple[str, ...], dict[str, c_ast.Node]],
    ) -> None:
        self.texts = texts
        self.mentions = mentions
        self.names = names
        self.declared = declared


MAX_RUN_VARIANTS = 4


class _TypedefScope(Mapping[str, object]):
    """The typedef names pycparser is told of: the header's, read only if it asks
    for a name the header's typedef statements mention."""

    def __init__(self, decls: HeaderDecls) -> None:
        self.decls = decls

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if self.decls.parser.parsing:
            # asked mid-parse about a name not asked about before the parse (two
            # tokens spelled together, say): what has been read decides
            return name in self.decls.decls().typedefs
        return self.decls.is_typedef(name)

    def __getitem__(self, name: str) -> object:
        if name not in self:
            raise KeyError(name)
        return self.decls.typedefs()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.decls.typedefs())

    def __len__(self) -> int:
        return len(self.decls.typedefs())


class Decls(Record, frozen=False):
    """Enum constants and typedefs declared in a header's active text."""

    typedefs: dict[str, c_ast.Node]
    enums: dict[str, Value | str]

    __slots__ = ("typedefs", "enums")
    _factories = {"typedefs": dict, "enums": dict}

    def __init__(
        self,
        typedefs: dict[str, c_ast.Node] | None = None,
        enums: dict[str, Value | str] | None = None,
    ) -> None:
        self.typedefs = {} if typedefs is None else typedefs
        self.enums = {} if enums is None else enums


class Statements:
    """The enum and typedef statements of runs of files' text lines, and their
    tokens and spellings, each found once per run of a text (whichever path it is
    at: readers of several architectures may share one). ``reuse`` False: the
    caches a run's statements hold keep nothing (see Memo.cache)."""

    def __init__(self, reuse: bool) -> None:
        self.reuse = reuse
        self._runs: dict[tuple[int | str, tuple[tuple[int, int], ...]], RunDecls] = {}
        self._tokens: dict[str, tuple[list[Tok], frozenset[str]]] = {}
        self._spelled: dict[str | tuple[str, int], str] = {}

    def of_run(self, sf: ScannedFile, spans: tuple[tuple[int, int], ...]) -> RunDecls:
        """The statements in the given runs of text lines of one file."""
        key = (sf.text_id or sf.path, spans)
        hit = self._runs.get(key)
        if hit is not None:
            return hit
        parts: list[str] = []
        starts: list[int] = []  # offset of each entry's text
        where: list[tuple[int, int]] = []  # (span index, first line) of each entry
        offset = 0
        for k, (start, end) in enumerate(spans):
            for i in range(start, end):
                starts.append(offset)
                where.append((k, sf.entries[i].line))
                parts.append(sf.entries[i].text)
                offset += len(sf.entries[i].text) + 1
        text = "\n".join(parts)

        def locate(pos: int) -> tuple[int, int]:
            e = bisect.bisect_right(starts, pos) - 1
            span, line = where[e]
            return span, line + text.count("\n", starts[e], pos)

        breaks: dict[tuple[str, int], tuple[tuple[int, int], ...]] = {}

        def note_breaks(stmt: str, begin: int, end: int, shift: int = 0) -> None:
            """Where ``stmt`` (text[begin:end], ``shift`` chars more in front) changes span."""
            e0 = bisect.bisect_right(starts, begin) - 1
            e1 = bisect.bisect_right(starts, max(end - 1, begin)) - 1
            if where[e0][0] == where[e1][0]:
                return
            parts = [(0, where[e0][0])]
            for e in range(e0 + 1, e1 + 1):
                if where[e][0] != parts[-1][1]:
                    parts.append((starts[e] - begin + shift, where[e][0]))
            breaks[(stmt, where[e0][0])] = tuple(parts)

        enums: list[tuple[str, tuple[str, ...], int, str]] = []
        for m in word_finditer(_ENUM_RE, text):
            depth = 0
            for b in _BRACE_RE.finditer(text, m.end() - 1):
                if b.group() == "{":
                    depth += 1
                    continue
                depth -= 1
                if depth == 0:
                    k = b.start()
                    stmt = "enum " + text[m.end() - 1 : k + 1] + ";"
                    note_breaks(stmt, m.end() - 1, k + 1, shift=5)
                    enumerators = tuple(_ENUMERATOR_RE.findall(stmt))
                    enums.append((stmt, enumerators, locate(m.start())[0], m.group(1) or ""))
                    break
        typedefs: list[tuple[str, int, str]] = []
        typedef_lines: list[int] = []
        records: list[tuple[str, int]] = []
        tags: dict[str, list[tuple[str, int, int]]] = {}
        pieces, rest = split_rest(text)
        for start, end in pieces:
            lead = _STMT_START_RE.match(text, start, end)
            if lead is None:
                continue
            begin = lead.start(1)
            first = lead.group(1)
            if first != "typedef":
                # a typedef after words that expand to nothing (__BEGIN_DECLS, say)
                t = word_search(_TYPEDEF_RE, text, begin, end)
                if t is not None and "{" not in text[begin : t.start()]:
                    begin, first = t.start(), "typedef"
            stmt = text[begin:end]
            note_breaks(stmt, begin, end)
            defines = word_search(_RECORD_BODY_RE, stmt) is not None
            span, line = locate(begin)
            if first == "typedef":
                typedefs.append((stmt, span, ""))
                typedef_lines.append(line)
            elif first not in _TYPE_WORDS and first not in _STATEMENT_WORDS and not defines:
                typedefs.append((stmt, span, first))
                typedef_lines.append(line)
            elif defines:
                records.append((stmt, span))
            if defines:
                for t in word_finditer(_RECORD_BODY_RE, stmt):
                    if t.group(2):
                        line = locate(begin + t.start())[1]
                        tags.setdefault(f"{t.group(1)} {t.group(2)}", []).append((stmt, span, line))
        lead = _STMT_START_RE.match(text, rest) if rest is not None else None
        opens = word_search(_RECORD_BODY_RE, text, lead.start(1)) if lead is not None else None
        if lead is not None and opens is not None and opens.end() - 1 == text.find("{", rest):
            # a record whose text ends before its ";" (at the end of the file, a
            # syntax error for gcc; or where an #include of text breaks it) is known
            # by its tag, with no layout, rather than missing. Only where the
            # statement's first brace opens a record: not a function's text (struct
            # u *f(void) ATTR { struct s ...}), whose records are no file-scope ones.
            begin = lead.start(1)
            stmt = text[begin:]
            note_breaks(stmt, begin, len(text))
            span = locate(begin)[0]
            records.append((stmt, span))
            for t in word_finditer(_RECORD_BODY_RE, stmt):
                if t.group(2):
                    line = locate(begin + t.start())[1]
                    tags.setdefault(f"{t.group(1)} {t.group(2)}", []).append((stmt, span, line))
        names = frozenset().union(*(self.tokens(t[0])[1] for t in typedefs))
        hit = self._runs[key] = RunDecls(
            enums, typedefs, typedef_lines, records, tags, breaks, names, new_cache(self.reuse)
        )
        return hit

    def clear(self) -> None:
        """Forget every run's statements, tokens and spellings."""
        self._runs.clear()
        self._tokens.clear()
        self._spelled.clear()

    def tokens(self, stmt: str) -> tuple[list[Tok], frozenset[str]]:
        """A declaration's tokens and the identifiers among them (tokenized once)."""
        hit = self._tokens.get(stmt)
        if hit is None:
            toks = tokenize(stmt)
            hit = (toks, frozenset(t.text for t in toks if t.kind == "id"))
            self._tokens[stmt] = hit
        return hit

    def spelled(self, stmt: str, pack: int = 0) -> str:
        """A declaration with no macros in it, as pycparser will read it (``pack``:
        the ``#pragma pack`` in force)."""
        key = (stmt, pack) if pack else stmt
        hit = self._spelled.get(key)
        if hit is None:
            hit = self._spelled[key] = spell(lower_gnu(self.tokens(stmt)[0], pack))
        return hit


class HeaderDecls:
    """The enum constants and typedefs of one preprocessed header, read lazily:
    enum bodies when one of their constants is asked for, the typedef statements
    when a name they mention is. ``recording`` holds, innermost last, the reads
    of the evaluations under way (see ask)."""

    def __init__(
        self, walk: Walk, statements: Statements, parser: Parser, memo: Memo, model: DataModel
    ) -> None:
        self.walk = walk
        self.macros = walk.macros
        self.statements = statements
        self.parser = parser
        self.memo = memo
        self.model = model
        parser.scope = {}
        self._decls: Decls | None = None
        # typedef statements by run: (a run with no macros in them, or the expanded texts)
        self._typedef_runs: list[RunDecls | _Texts] = []
        self._mentions: list[frozenset[str]] = []  # the identifiers in them
        self._mentioned: frozenset[str] | None = None  # all of those
        self._typedefs_read = 0  # how many of those runs pycparser has read
        # (statement, text run, its enumerators)
        self._pending_enums: dict[str, tuple[str, int, tuple[str, ...]]] = {}
        # enum TAG -> the first statement defining it (its tag dropped) and its text run
        self._enum_tags: dict[str, tuple[str, int]] = {}
        self._enum_nodes: dict[str, c_ast.Node | None] = {}  # (see _enum_definition)
        self.recording: list[list[Read]] = []
        self.typedef_answers: dict[str, bool] = {}  # IS_TYPEDEF's answers
        self.typedef_nodes: dict[str, c_ast.Node | None] = {}  # TYPEDEF's, once final
        self._typedef_names: dict[str, bool] = {}  # is_typedef's
        self._views: dict[int, Mapping[str, MacroDef]] = {}  # (see _at)
        # struct/union TAG -> where statements define it: (statement, text run, file, line)
        # (see _tag_index)
        self._tags: dict[str, list[tuple[str, int, str, int]]] | None = None
        self._records: dict[str, tuple[c_ast.Node, str, int] | None] = {}
        self._layouts: Layouts | None = None
        # the statements of each run of the active text, its file, and the run index
        # of each of its spans
        self._run_decls: list[tuple[RunDecls, str, list[int]]] = []
        # (statement, text run) -> where its parts in later runs start (see RunDecls)
        self._breaks: dict[tuple[str, int], tuple[tuple[int, int], ...]] = {}

    def typedef_key(self, text: str, names: Iterable[str]) -> tuple[str, ...]:
        """``text`` and which of ``names`` are typedef names as pycparser is told: what
        its parse rests on. Asking reads the typedefs it needs now, before pycparser
        parses (it asks mid-parse, and reading them then would parse within its parse)."""
        scope = self.parser.scope
        return (text, *sorted(n for n in names if n in scope))

    # -- what evaluations read of the declarations, recorded for the cache ----

    def ask(self, question: Question, key: Key) -> Answer:
        """The answer to one question about the header's declarations, noted for
        the evaluation under way (a cached result holds where the answers do)."""
        # what the header cannot change is not noted: a result resting on nothing
        # else is then reused without checks (int, size_t, a cast's syntax)
        if question is IS_TYPE_NAME:
            by_syntax = _type_name_by_syntax(cast(TokenPairs, key))
            if by_syntax is not None:
                return by_syntax
        elif question is IS_TYPEDEF and (key in BASIC_TYPE_WORDS or key in STANDARD_TYPEDEFS):
            return True
        answer = self.answer(question, key)
        if self.recording:
            self.recording[-1].append((question, key, answer))
        return answer

    def answer(self, question: Question, key: Key) -> Answer:
        """The answer to ``question`` about ``key`` here, not noted."""
        if question is IS_TYPE_NAME:
            return self._is_type_name(cast(TokenPairs, key))
        name = cast(str, key)
        if question is IS_TYPEDEF:
            # asked again and again (each cached value that rests on it, checked);
            # once known, the answer stays: typedefs are only ever added
            hit = self.typedef_answers.get(name)
            if hit is None:
                hit = self.typedef_answers[name] = (
                    name in BASIC_TYPE_WORDS or name in STANDARD_TYPEDEFS or self.is_typedef(name)
                )
            return hit
        if question is TYPEDEF:
            hit = self.typedef_nodes.get(name, _UNKNOWN)
            if hit is not _UNKNOWN:
                return hit
            if not self.mentioned(name):
                self.typedef_nodes[name] = None
                return None
            node = self.typedefs(name).get(name)
            if self._typedefs_read == len(self._typedef_runs):
                # all read: final (read part way, a later typedef of the name may
                # replace this one)
                self.typedef_nodes[name] = node
            return node
        if question is IS_ENUM_CONSTANT:
            decls = self.decls()
            return name in decls.enums or name in self._pending_enums
        if question is RECORD:
            if name.startswith("enum "):
                return self._enum_definition(name)
            found = self._record(name)
            return None if found is None else found[0]
        return self._ident_answer(name)

    def _is_type_name(self, toks: TokenPairs) -> bool:
        by_syntax = _type_name_by_syntax(toks)
        return self.is_typedef(toks[0][1]) if by_syntax is None else by_syntax

    def is_type(self, name: str) -> bool:
        """Whether ``name`` is a typedef name here, as pycparser is told (ExprParser)."""
        return bool(self.ask(IS_TYPEDEF, name))

    def is_enum_constant(self, name: str) -> bool:
        """``#define X X`` naming an enum constant X is no recursion: X is the constant."""
        return bool(self.ask(IS_ENUM_CONSTANT, name))

    def ident(self, name: str) -> Value:
        """An identifier's value (an enum constant's), or NotConstant with why it has none."""
        answer = self.ask(IDENT, name)
        if isinstance(answer, Value):
            return answer
        raise NotConstant(cast(str, answer))

    def _ident_answer(self, name: str) -> Value | str:
        decls = self.decls()
        v = decls.enums.get(name)
        if v is None and name in self._pending_enums:
            self._eval_enum(self._pending_enums[name])
            v = decls.enums.get(name)
        if v is not None:
            return v
        m = self.macros.get(name)
        if m is not None and m.params is not None:
            return f"function-like macro {name} used without arguments"
        return f"undefined identifier {name}"

    def typedef(self, name: str) -> c_ast.Node | None:
        """A typedef name's type AST, or None."""
        return cast("c_ast.Node | None", self.ask(TYPEDEF, name))

    def record(self, key: str) -> c_ast.Node | None:
        """The AST defining ``struct TAG``, ``union TAG`` or ``enum TAG`` (``key``),
        or None."""
        return cast("c_ast.Node | None", self.ask(RECORD, key))

    @property
    def layouts(self) -> Layouts:
        """This header's type layouts (made at first use)."""
        if self._layouts is None:
            from .layout import Layouts  # not for a header whose values need no layout

            folder = Folder(self.model, self.ident, self.typedef)
            layouts = self._layouts = Layouts(
                self.model,
                folder.fold,
                self.typedef,
                self.record,
                self.recording,
                defined=self._defines_tag,
            )
            folder.layouts = lambda: layouts
        return self._layouts

    def release(self) -> None:
        """Let go of the layouts once the header is read. They and the folder they fold
        with hold this object's bound methods, and it holds them: a cycle that only
        the garbage collector frees, and reading pauses it, so every header read
        stayed in memory to the end of the run. Made afresh if asked for again. The
        parser is told of typedef names no longer through this object either (it
        would keep it until the reader's next header)."""
        layouts, self._layouts = self._layouts, None
        if layouts is not None:
            vars(layouts).clear()  # its fold, typedef and record: the cycle's links
        scope = self.parser.scope
        if isinstance(scope, _TypedefScope) and scope.decls is self:
            self.parser.scope = {}

    def _record(self, key: str) -> tuple[c_ast.Node, str, int] | None:
        """The definition of ``key`` and its file and line, found once per header."""
        if key in self._records:
            return self._records[key]
        self.decls()
        found = None
        for stmt, run, path, line in self._tag_index().get(key, ()):
            text = self.expand(stmt, run)
            node = None
            piece = _own_statement(text, key)
            if piece is not None:
                ast = self.parse(piece)
                node = _find_record(ast, key) if ast is not None else None
            if node is None:
                ast = self.parse(text)
                node = _find_record(ast, key) if ast is not None else None
            if node is not None:
                found = (node, path, line)
                break
        self._records[key] = found
        return found

    def _enum_definition(self, key: str) -> c_ast.Node | None:
        """The ``c_ast.Enum`` with the enumerators of ``enum TAG`` (``key``), or None
        where no statement defines it or pycparser cannot read it."""
        if key in self._enum_nodes:
            return self._enum_nodes[key]
        self.decls()
        node = None
        where = self._enum_tags.get(key)
        if where is not None:
            ast = self.parse(self.expand(*where))
            if ast is not None and ast.ext and isinstance(ast.ext[0], c_ast.Decl):
                node = ast.ext[0].type
            if not isinstance(node, c_ast.Enum) or node.values is None:
                node = None
        self._enum_nodes[key] = node
        return node

    def where(self, key: str) -> tuple[str, int] | None:
        """The file and line defining ``struct TAG``/``union TAG``, if it is defined."""
        found = self._record(key)
        return None if found is None else (found[1], found[2])

    def record_keys(self) -> list[str]:
        """Every ``struct TAG``/``union TAG`` a statement of the header defines, in order."""
        return list(self._tag_index())

    def named_types(
        self, wanted: Collection[str] | None = None
    ) -> list[tuple[str, c_ast.Node | None, str, int]]:
        """Every struct and union the header defines and every typedef of an unnamed
        one (only the ``wanted`` ones, if given), in the order they appear: ("struct
        stat" or "typedef NAME", the type's AST or None where it cannot be read,
        file, line)."""
        self.decls()
        out: list[tuple[int, int, str, c_ast.Node | None, str]] = []
        typedef_names = None
        if wanted is not None:
            typedef_names = [w[8:] for w in wanted if w.startswith("typedef ")]
        for key, places in self._tag_index().items():
            if wanted is not None and key not in wanted:
                continue
            found = self._record(key)
            run, path, line = places[0][1], places[0][2], places[0][3]
            if found is not None:
                path, line = found[1], found[2]
                run = next(p[1] for p in places if (p[2], p[3]) == (path, line))
            out.append((run, line, key, None if found is None else found[0], path))
        typedef_places = [
            (stmt, runs_at[span], path, line, first)
            for rd, path, runs_at in self._run_decls
            for (stmt, span, first), line in zip(rd.typedefs, rd.typedef_lines, strict=True)
        ]  # every typedef statement: (statement, text run, file, line, led by a macro)
        for stmt, run, path, line, first in typedef_places:
            if typedef_names is not None and not any(n in stmt for n in typedef_names):
                continue  # names no wanted typedef (a macro could, but not in the uapi)
            text = self.expand(stmt, run)
            if first and not text.startswith("typedef"):
                continue
            ast = self.parse(text)
            for ext in ast.ext if ast is not None else ():
                t = ext.type if isinstance(ext, c_ast.Typedef) else None
                record = t.type if isinstance(t, c_ast.TypeDecl) else None
                if (
                    isinstance(record, (c_ast.Struct, c_ast.Union))
                    and record.name is None
                    and record.decls is not None
                ):
                    name = f"typedef {ext.name}"
                    if wanted is None or name in wanted:
                        out.append((run, line, name, t, path))
        out.sort(key=lambda e: (e[0], e[1]))
        return [(name, node, path, line) for _, line, name, node, path in out]

    def layout_of(self, node: c_ast.Node) -> TypeLayout:
        """The layout of a type AST here (raises NotConstant with why it has none)."""
        return self.layouts.of(node)

    def parse(self, text: str) -> c_ast.FileAST | None:
        """pycparser's AST for one expanded declaration, or None if it will not parse;
        cached by the text and which of its identifiers are typedef names here
        (asking that reads the typedefs before pycparser parses, not during)."""
        toks, names = self.statements.tokens(text)
        key = self.typedef_key(text, names)
        if key in self.memo.decl_asts:
            return self.memo.decl_asts[key]
        ast = fast_declaration(text, self.parser.scope, toks)
        if ast is None:
            try:
                ast = self.parser.declaration(text)
            except (ParseError, RecursionError):
                ast = None
        self.memo.decl_asts[key] = ast
        return ast

    # -- declarations ------------------------------------------------------

    def decls(self) -> Decls:
        """Enum constants and typedefs of the header's active text, found once and
        read lazily: enum bodies when one of their constants is asked for, the
        typedef statements when a name they mention is (see typedefs). Each
        statement is read with the macros as they stood where it stands."""
        if self._decls is not None:
            return self._decls
        decls = self._decls = Decls()
        self.parser.scope = _TypedefScope(self)
        runs: list[tuple[ScannedFile, list[tuple[int, int]], list[int]]] = []
        for g, (sf, start, end) in enumerate(self.walk.text_chunks):
            if runs and runs[-1][0] is sf:
                runs[-1][1].append((start, end))
                runs[-1][2].append(g)
            else:
                runs.append((sf, [(start, end)], [g]))
        macros = self.macros
        written = self.walk.last_write

        def ever(name: str) -> bool:
            return name in macros or name in written

        for sf, spans, runs_at in runs:
            rd = self.statements.of_run(sf, tuple(spans))
            names = rd.names
            if rd.typedefs and not (
                macros.keys().isdisjoint(names) and written.keys().isdisjoint(names)
            ):
                expanded = self._typedef_texts(rd, runs_at, ever)
                self._typedef_runs.append(expanded)
                self._mentions += expanded.mentions
            elif rd.typedefs:
                self._typedef_runs.append(rd)
                self._mentions.append(rd.names)
            self._run_decls.append((rd, sf.path, runs_at))
            for stmt, enumerators, span, tag in rd.enums:
                for name in enumerators:
                    self._pending_enums.setdefault(name, (stmt, runs_at[span], enumerators))
                if tag:
                    run = runs_at[span]
                    if tag in macros or tag in written:
                        key = self._tag_key(f"enum {tag}", run)
                    else:
                        key = f"enum {tag}"
                    self._enum_tags.setdefault(key, (stmt, run))
            for (stmt, span), parts in rd.breaks.items():
                self._breaks[(stmt, runs_at[span])] = tuple((o, runs_at[k]) for o, k in parts)
        return decls

    def _typedef_texts(
        self, rd: RunDecls, runs_at: list[int], ever: Callable[[str], bool]
    ) -> _Texts:
        """The typedef statements of a run in which macros may stand, expanded (those
        led by a macro standing for ``typedef`` only where it does). Reused from
        an earlier header while the definitions at each span of every name they
        rest on are the same: a run such as linux/types.h's is in nearly every
        header."""
        walk = self.walk
        packs = tuple(walk.pack_at(r) for r in runs_at) if walk.packs else ()
        macros = self.macros
        written = walk.last_write
        for undefined, defined, packed, found in rd.expanded:
            if packed != packs:
                continue
            if not (macros.keys().isdisjoint(undefined) and written.keys().isdisjoint(undefined)):
                suspects = (macros.keys() & undefined.keys()) | (written.keys() & undefined.keys())
                if any(
                    self._at(runs_at[k]).get(n) is not None for n in suspects for k in undefined[n]
                ):
                    continue
            if all(self._at(runs_at[k]).get(n) is d for k, n, d in defined):
                return found
        texts = []
        # (span, name): each name the texts rest on, at the span it stands in
        rests: set[tuple[int, str]] = set()
        breaks = False
        for stmt, span, first in rd.typedefs:
            run = runs_at[span]
            breaks = breaks or (stmt, run) in self._breaks
            seen: set[str] = set()
            rests.update((span, n) for n in self.statements.tokens(stmt)[1])
            if first and not ever(first):
                continue
            text = self.expand(stmt, run, seen)
            rests.update((span, n) for n in seen)
            if first and not text.startswith("typedef"):
                continue
            texts.append(text)
        mentions = [self.statements.tokens(text)[1] for text in texts]
        made = _Texts(texts, mentions, frozenset().union(*mentions), self.memo.cache())
        if self.memo.reuse and not breaks:  # (parts of a statement in other runs: not kept)
            absent: dict[str, list[int]] = {}
            present: list[tuple[int, str, MacroDef]] = []
            for k, n in sorted(rests):
                d = self._at(runs_at[k]).get(n)
                if d is None:
                    absent.setdefault(n, []).append(k)
                else:
                    present.append((k, n, d))
            entry = (
                {n: tuple(ks) for n, ks in absent.items()},
                tuple(present),
                packs,
                made,
            )
            rd.expanded.insert(0, entry)
            del rd.expanded[MAX_RUN_VARIANTS:]
        return made

    def _tag_index(self) -> dict[str, list[tuple[str, int, str, int]]]:
        """Where statements define each ``struct TAG``/``union TAG``: (statement, text
        run, file, line), found at the first question about records (most headers ask
        none)."""
        tags = self._tags
        if tags is None:
            tags = self._tags = {}
            self.decls()
            macros = self.macros
            written = self.walk.last_write
            for rd, path, runs_at in self._run_decls:
                for key, where in rd.tags.items():
                    tag = key.partition(" ")[2]
                    ever = tag in macros or tag in written
                    for stmt, span, line in where:
                        run = runs_at[span]
                        named = self._tag_key(key, run) if ever else key
                        tags.setdefault(named, []).append((stmt, run, path, line))
        return tags

    def _defines_tag(self, key: str) -> bool:
        if key.startswith("enum "):
            self.decls()
            return key in self._enum_tags
        return key in self._tag_index()

    def _at(self, run: int) -> Mapping[str, MacroDef]:
        """The macro table at text run ``run`` (:meth:`Walk.at`), one view per run: a
        view remembers the definitions it looked up, and statement after statement
        of a run asks it the same names."""
        view = self._views.get(run)
        if view is None:
            view = self._views[run] = self.walk.at(run)
        return view

    def _tag_key(self, key: str, run: int) -> str:
        """``struct TAG`` with TAG a macro standing for another name where the statement
        stands (sparc's #define __new_sigaction sigaction): ``struct`` that name."""
        kind, _, tag = key.partition(" ")
        macros = self._at(run)
        seen = {tag}
        d = macros.get(tag)
        while d is not None and d.params is None and len(d.body) == 1 and d.body[0].kind == "id":
            tag = d.body[0].text
            if tag in seen:
                break
            seen.add(tag)
            d = macros.get(tag)
        return f"{kind} {tag}"

    def mentioned(self, name: str) -> bool:
        """Whether a typedef statement of the header's active text names ``name``
        (after its macros are expanded): if not, it declares no typedef ``name``."""
        if self._mentioned is None:
            self.decls()
            self._mentioned = frozenset().union(*self._mentions)
        return name in self._mentioned

    def typedefs(self, until: str | None = None) -> dict[str, c_ast.Node]:
        """The typedefs of the header's active text, read by pycparser as far as
        needed: in order, run by run, up to the one declaring ``until`` (all if None)."""
        typedefs = self.decls().typedefs
        runs = self._typedef_runs
        if self._typedefs_read == len(runs) or (until is not None and until in typedefs):
            return typedefs
        self.parser.scope = typedefs  # the scope each statement is read in
        while self._typedefs_read < len(runs):
            rd = runs[self._typedefs_read]
            self._typedefs_read += 1
            if isinstance(rd, _Texts):
                # what the texts declare depends on which of their names are typedefs
                key = tuple(sorted(n for n in rd.names if n in typedefs))
                declared = rd.declared.get(key)
                if declared is None:
                    declared = rd.declared[key] = {}
                    for text in rd.texts:
                        self._typedef_stmt(text, declared)
                        typedefs.update(declared)
                typedefs.update(declared)
            else:
                # what the run declares depends on which of its names are typedefs already
                key = tuple(sorted(n for n in rd.names if n in typedefs))
                plain = rd.plain.get(key)
                if plain is None:
                    plain = rd.plain[key] = {}
                    for stmt, _, first in rd.typedefs:
                        if first:
                            continue  # led by no macro: no typedef
                        self._typedef_stmt(self.statements.spelled(stmt), plain)
                        typedefs.update(plain)
                typedefs.update(plain)
            if until is not None and until in typedefs:
                break
        self.parser.scope = _TypedefScope(self) if self._typedefs_read < len(runs) else typedefs
        return typedefs

    def is_typedef(self, name: str) -> bool:
        """Whether the header declares the typedef name ``name`` (found once: reading
        the typedefs as far as it needs, the answer is final)."""
        hit = self._typedef_names.get(name)
        if hit is None:
            hit = self._typedef_names[name] = self.mentioned(name) and name in self.typedefs(name)
        return hit

    def expand(self, stmt: str, run: int | None = None, seen: set[str] | None = None) -> str:
        """A declaration with its macros expanded, as pycparser will read it: with the
        macros as they stood at text run ``run`` (None: the end). The expansion is
        reused while the definitions it looked up are the same. ``seen``, if given,
        gets the names looked up beyond the statement's own (a statement in one run)."""
        if run is not None and (stmt, run) in self._breaks:
            return self._expand_parts(stmt, self._breaks[(stmt, run)])
        toks, names = self.statements.tokens(stmt)
        macros = self.macros if run is None else self._at(run)
        pack = self.walk.pack_at(run) if run is not None and self.walk.packs else 0
        # no name a macro now, and none ever written: none a macro at the run either
        # (the exact test asks the run's view name by name)
        if self.macros.keys().isdisjoint(names) and (
            macros is self.macros or self.walk.last_write.keys().isdisjoint(names)
        ):
            return self.statements.spelled(stmt, pack)
        if macros is not self.macros and not any(
            # only a name defined at the end or ever written can be defined at the run
            map(
                macros.__contains__,
                (self.macros.keys() & names) | (self.walk.last_write.keys() & names),
            )
        ):
            return self.statements.spelled(stmt, pack)
        key = (stmt, pack) if pack else stmt
        hit = self.memo.decl_expansions.get(key)
        if hit is not None and tuple(map(macros.get, hit[0][0])) == hit[0][1]:
            if seen is not None:
                seen.update(hit[0][0])
            return hit[1]
        looked_up: set[str] = set()
        with contextlib.suppress(ExpansionError):
            toks = Expander(macros, looked_up.add).expand(toks)
        text = spell(lower_gnu(toks, pack))
        if seen is not None:
            seen |= looked_up
        names_seen = tuple(looked_up)
        self.memo.decl_expansions[key] = ((names_seen, tuple(map(macros.get, names_seen))), text)
        return text

    def _expand_parts(self, stmt: str, parts: tuple[tuple[int, int], ...]) -> str:
        """A statement that runs over several text runs, each part expanded with the
        macros of its own run (a #define between a struct's members applies to the
        members after it); reused while each part's definitions are the same."""
        walk = self.walk
        pack = walk.pack_at(parts[0][1])
        offsets = tuple(o for o, _ in parts)
        key = (stmt, offsets, pack)
        hit = self.memo.part_expansions.get(key)
        views = [self._at(run) for _, run in parts]
        if hit is not None and all(
            tuple(map(view.get, names)) == defs
            for view, (names, defs) in zip(views, hit[0], strict=True)
        ):
            return hit[1]
        toks: list[Tok] = []
        deps: list[Deps] = []
        ends = [*offsets[1:], len(stmt)]
        for start, end, view in zip(offsets, ends, views, strict=True):
            piece = tokenize(stmt[start:end])
            looked_up: set[str] = set()
            with contextlib.suppress(ExpansionError):
                piece = Expander(view, looked_up.add).expand(piece)
            if piece:
                piece[0] = piece[0].copy(space=True)
            toks += piece
            names = tuple(looked_up)
            deps.append((names, tuple(map(view.get, names))))
        text = spell(lower_gnu(toks, pack))
        self.memo.part_expansions[key] = (tuple(deps), text)
        return text

    def _typedef_stmt(self, text: str, typedefs: dict[str, c_ast.Node]) -> None:
        """Add the typedefs one expanded statement declares."""
        ast = self.parse(text)
        if ast is None:
            return
        for ext in ast.ext:
            if isinstance(ext, c_ast.Typedef):
                typedefs[ext.name] = ext.type

    def _eval_enum(self, where: tuple[str, int, tuple[str, ...]]) -> None:
        """Give the constants of one enum their values (or why they have none).

        An enum whose values rest on nothing outside it (most do) is folded
        once per run and its values reused, by its text after macro expansion.
        """
        decls = self.decls()
        stmt, run, names = where
        for n in names:
            self._pending_enums.pop(n, None)
        text = self.expand(stmt, run)
        known = self.memo.enum_values.get(text)
        if known is not None:
            decls.enums.update(known)
            return
        ast = self.parse(text)
        enum = None
        if ast is not None and ast.ext and isinstance(ast.ext[0], c_ast.Decl):
            enum = ast.ext[0].type
        if not isinstance(enum, c_ast.Enum) or enum.values is None:
            for n in names:
                decls.enums.setdefault(n, "enum declaration pycparser cannot read")
            return
        own: dict[str, Value] = {}
        outside = False

        def ident(name: str) -> Value:
            nonlocal outside
            v = own.get(name)
            if v is not None:
                return v
            outside = True
            return self.ident(name)

        def typedef(name: str) -> c_ast.Node | None:
            nonlocal outside
            outside = True
            return self.typedef(name)

        def layouts() -> Layouts:
            nonlocal outside
            outside = True  # a size, alignment or offset rests on the header's records
            return self.layouts

        folder = Folder(self.model, ident, typedef, layouts=layouts)
        values: list[tuple[str, Value | str]] = []
        value: Value | str
        nxt: Value | str = folder.make(0, folder.INT)
        for e in enum.values.enumerators:
            if e.value is not None:
                try:
                    nxt = folder.fold(e.value)
                except NotConstant as exc:
                    nxt = f"enum constant {e.name}: {exc}"
                except RecursionError:
                    nxt = f"enum constant {e.name}: nested too deeply"
            if isinstance(nxt, Value):
                t = folder.INT if folder.INT.fits(nxt.value) else nxt.type
                value = own[e.name] = Value(nxt.value, t)
                nxt = folder.make(nxt.value + 1, t)
            else:
                value = nxt
            decls.enums[e.name] = value
            values.append((e.name, value))
        if not outside:
            self.memo.enum_values[text] = values


def _type_name_by_syntax(toks: TokenPairs) -> bool | None:
    """Whether tokens in parentheses name a type, where their syntax decides it
    (None: where it rests on whether their first word is a typedef name)."""
    for kind, text in toks:
        if kind != "id" and kind != "num" and text not in ("*", "(", ")", "[", "]"):
            return False
    first = toks[0][1]
    return True if first in _TYPE_WORDS or first in STANDARD_TYPEDEFS else None


# (both looked for again in each header that asks for the record: kept, as the
# answer rests on their arguments only)
@functools.lru_cache(maxsize=4096)
def _own_statement(text: str, key: str) -> str | None:
    """Where an expanded statement is several (macros that expand to whole
    functions, say, met with no ``;`` after them), the one defining ``key``,
    when no typedef before it could change how it reads; else None."""
    pieces = split(text)
    if not pieces or (len(pieces) == 1 and pieces[0][0] == 0):
        return None
    kind, _, tag = key.partition(" ")
    for start, end in pieces:
        for m in word_finditer(_RECORD_BODY_RE, text, start, end):
            if m.group(1) == kind and m.group(2) == tag:
                if word_search(_TYPEDEF_RE, text, 0, start):
                    return None
                return text[start:end].strip()
    return None


@functools.lru_cache(maxsize=4096)
def _find_record(ast: c_ast.Node, key: str) -> c_ast.Node | None:
    """The struct or union ``key`` ("struct TAG") defined (with a body) in ``ast``."""
    kind, _, tag = key.partition(" ")
    cls = c_ast.Struct if kind == "struct" else c_ast.Union
    stack = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, cls) and node.name == tag and node.decls is not None:
            return node
        stack.extend(child for _, child in reversed(node.children()))
    return None
