"""Generate Python and C constant modules from tables, through jinja2 templates.

``emit(tables, lang)`` picks the integer macros of the mman families from each
table, validates their names, sanitizes their comments and renders the
language's template (``templates/python.py.j2`` or ``templates/c.h.j2``);
``check(path, rendered)`` says whether a generated file is current.

Nothing from a header reaches the output except identifiers that passed
validation, integers formatted here, and comment text reduced by
:func:`sanitize_text` to characters that cannot end a comment or a string.
Templates only see that prepared data (:class:`TableView` and friends), so a
user's own template cannot leak raw header text either.
"""

from __future__ import annotations

import difflib
import hashlib
import keyword
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

import jinja2

from . import __version__
from .compare import ENUM_FAMILIES, FAMILIES
from .model import AbicheckError, Macro, Table
from .reader.datamodel import LITERAL_SUFFIX
from .resources import TEMPLATES, data_dir, display_name

#: Output language -> template file name.

#: The macro families emitted by default: name prefixes before ``_``.
# compare's families, but for those whose prefix has an underscore: a family
# here is the name's first word (POSIX_MADV_* is libc's, not the kernel's)
DEFAULT_FAMILIES: tuple[str, ...] = tuple(f for f in FAMILIES if "_" not in f)

#: Families whose values are distinct choices, not bits: emitted as ``IntEnum``.

#: Data models (``Table.origin["data_model"]``) and the width of ``long`` in bits.
LONG_BITS: Mapping[str, int] = {"lp64": 64, "ilp32": 32}

FamilyKind = Literal["flag", "enum"]

_BUILTIN_FILES = frozenset({"<built-in>", "<command-line>"})
_C_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MEMBER = re.compile(r"[A-Z][A-Za-z0-9_]*\Z")
_FAMILY = re.compile(r"[A-Z][A-Z0-9]*\Z")
_ALIAS_EXPR = re.compile(r"\s*(\(\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*(?(1)\))\s*\Z")
_HEX_EXPR = re.compile(r"0[xX][0-9a-fA-F]")
#: Names the generated Python module defines itself.
_PY_RESERVED = frozenset(
    {"TABLES", "for_arch", "enum", "Final", "Mapping", "MappingProxyType", "annotations"}
)
_C_KEYWORDS = frozenset(
    [
        "auto",
        "break",
        "case",
        "char",
        "const",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extern",
        "float",
        "for",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "register",
        "restrict",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "struct",
        "switch",
        "typedef",
        "union",
        "unsigned",
        "void",
        "volatile",
        "while",
        "_Alignas",
        "_Alignof",
        "_Atomic",
        "_Bool",
        "_Complex",
        "_Generic",
        "_Imaginary",
        "_Noreturn",
        "_Static_assert",
        "_Thread_local",
    ]
)
_COMMENT_LIMIT = 200


# -- validation and formatting --------------------------------------------


def sanitize_text(text: str, limit: int = _COMMENT_LIMIT) -> str:
    """``text`` made safe inside a C block comment, a Python comment and a ``\"\"\"`` string.

    Control, format and separator characters (newlines, escapes, bidi
    overrides) become spaces, backslashes become ``/``, double quotes ``'``;
    ``*/``, ``/*``, ``??`` (trigraphs) and ``coding:`` (Python's encoding
    declaration) are broken apart; whitespace is collapsed and the result cut
    to ``limit`` characters.
    """
    chars = []
    for ch in text:
        if ch == "\\":
            chars.append("/")
        elif ch == '"':
            chars.append("'")
        elif ch.isprintable():
            chars.append(ch)
        else:
            chars.append(" ")
    out = " ".join("".join(chars).split())
    if len(out) > limit:
        out = out[: limit - 3].rstrip() + "..."
    while True:
        fixed = out.replace("*/", "* /").replace("/*", "/ *").replace("??", "? ?")
        fixed = re.sub(r"coding([:=])", r"coding \1", fixed)
        if fixed == out:
            return out
        out = fixed


def is_c_identifier(name: str) -> bool:
    """An ASCII C identifier that is not a C keyword."""
    return bool(_C_IDENT.match(name)) and name not in _C_KEYWORDS


def is_py_identifier(name: str) -> bool:
    """A C identifier that is also usable as a Python name (no keyword, no soft keyword)."""
    return (
        is_c_identifier(name)
        and not keyword.iskeyword(name)
        and not keyword.issoftkeyword(name)
        and not name.startswith("__")
    )


def _check_int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise AbicheckError(f"not an integer: {type(value).__name__}")
    return value


def py_literal(value: object, hex: bool = False) -> str:
    """A Python integer literal for ``value``: ``0x20``, ``-1``, ``5``."""
    v = _check_int(value)
    if hex and v >= 0:
        return f"{v:#x}"
    return str(v)


#: C type name -> the literal suffix that gives a constant that type.
_SUFFIXES: Mapping[str, str] = LITERAL_SUFFIX
#: Types narrower than int (no literal has them): written as a cast.
_CAST_TYPES = frozenset(
    {
        "_Bool",
        "char",
        "signed char",
        "unsigned char",
        "short",
        "unsigned short",
        "__int128",
        "unsigned __int128",
    }
)


def _smallest_literal(v: int, long_bits: int, digits: Callable[[int], str]) -> str:
    wide = "L" if long_bits == 64 else "LL"
    if v >= 0:
        if v < 2**31:
            return digits(v)
        if v < 2**32:
            return digits(v) + "U"
        if v < 2**63:
            return digits(v) + wide
        if v < 2**64:
            return digits(v) + "U" + wide
        raise AbicheckError(f"value {v:#x} does not fit 64 bits")
    if v >= -(2**31):
        return f"({v})" if v > -(2**31) else f"(-{digits(2**31 - 1)} - 1)"
    if v > -(2**63):
        return f"(-{digits(-v)}{wide})"
    if v == -(2**63):
        return f"(-{digits(2**63 - 1)}{wide} - 1)"
    raise AbicheckError(f"value {v} does not fit 64 bits")


def _fits(v: int, ctype: str, long_bits: int) -> bool:
    bits = {
        "_Bool": 1,
        "char": 8,
        "short": 16,
        "int": 32,
        "long": long_bits,
        "long long": 64,
        "__int128": 128,
    }
    base = ctype.removeprefix("unsigned ").removeprefix("signed ")
    width = bits[base]
    if ctype.startswith("unsigned ") or ctype == "_Bool":
        return 0 <= v < 1 << width
    # plain char: signed or not depending on the target, so either range
    low = -(1 << (width - 1))
    high = (1 << width) if ctype == "char" else (1 << (width - 1))
    return low <= v < high


def c_literal(value: object, data_model: str = "lp64", hex: bool = False, ctype: str = "") -> str:
    """A C integer constant with ``value`` and the C type ``ctype``.

    The suffix gives the type: none for ``int``, ``U``, ``L``, ``UL``, ``LL``,
    ``ULL``; types narrower than ``int`` are written as a cast,
    ``((unsigned char)44)``. Without ``ctype`` the constant gets the smallest
    type holding it: ``int``, ``unsigned int``, then ``long``/``unsigned long``
    (lp64) or ``long long``/``unsigned long long`` (ilp32). Negative values
    are parenthesized, the most negative value of a type written as
    ``(-MAX - 1)``.
    """
    v = _check_int(value)
    if data_model not in LONG_BITS:
        raise AbicheckError(f"unknown data model {data_model!r}")
    long_bits = LONG_BITS[data_model]

    def digits(n: int) -> str:
        return f"{n:#x}" if hex else str(n)

    if not ctype:
        return _smallest_literal(v, long_bits, digits)
    if not isinstance(ctype, str) or (ctype not in _SUFFIXES and ctype not in _CAST_TYPES):
        raise AbicheckError(f"cannot write a constant of C type {ctype!r}")
    if not _fits(v, ctype, long_bits):
        raise AbicheckError(f"value {v} does not fit C type {ctype}")
    if ctype in _CAST_TYPES:
        return f"(({ctype}){_smallest_literal(v, long_bits, digits)})"
    suffix = _SUFFIXES[ctype]
    if v >= 0:
        # the value fits the type, so the suffix's first candidate type is the type
        return digits(v) + suffix
    bits = 32 if ctype == "int" else (long_bits if ctype == "long" else 64)
    if v == -(1 << (bits - 1)):
        return f"(-{digits((1 << (bits - 1)) - 1)}{suffix} - 1)"
    # small negative values in decimal, as without a type
    return f"(-{-v if -v < 2**31 else digits(-v)}{suffix})"


def c_ident(name: object) -> str:
    """``name`` if it is a valid C identifier (a jinja filter for user templates)."""
    if not isinstance(name, str) or not is_c_identifier(name):
        raise AbicheckError(f"not a C identifier: {name!r}")
    return name


def py_ident(name: object) -> str:
    """``name`` if it is a valid Python name (a jinja filter for user templates)."""
    if not isinstance(name, str) or not is_py_identifier(name):
        raise AbicheckError(f"not a usable Python identifier: {name!r}")
    return name


def label_key(label: str) -> str:
    """A table label as an upper-case C identifier fragment (``arch:mipsel`` -> ``ARCH_MIPSEL``)."""
    key = re.sub(r"[^A-Z0-9]+", "_", label.upper()).strip("_")
    return key or "TABLE"


# -- where the embedded headers live --------------------------------------


def display_path(path: str | Path) -> str:
    """How a source path appears in generated files: ``<abicheck>/headers/arm/mman.h``
    for an embedded header wherever the package is installed, the path as given otherwise."""
    return display_name(path)


def _source_path(table: Table) -> str | None:
    for key in ("path", "header", "file"):
        value = table.origin.get(key)
        if value:
            return display_path(value)
    return None


# -- what the templates see -----------------------------------------------


@dataclass(frozen=True)
class Constant:
    """One emitted macro: ``name`` validated, ``comment`` sanitized.

    ``alias_of`` names another emitted constant this one is defined as;
    ``hex`` says the header wrote it in hexadecimal; ``ctype`` is the C type
    of its value (one :func:`c_literal` knows), empty where the source did
    not say.
    """

    name: str
    value: int
    alias_of: str | None
    comment: str
    hex: bool
    family: str | None
    ctype: str = ""


@dataclass(frozen=True)
class Member:
    """One member of an enum class; ``alias_of`` is another member's name."""

    name: str
    value: int
    alias_of: str | None
    comment: str
    hex: bool


@dataclass(frozen=True)
class EnumClass:
    """A family as a Python class: ``base`` is ``IntFlag`` or ``IntEnum``."""

    name: str
    base: str
    doc: str
    members: tuple[Member, ...]


@dataclass(frozen=True)
class TableView:
    """One table prepared for a template.

    ``label`` and ``source`` are sanitized text, ``key`` the label as a C
    identifier fragment, ``constants`` sorted by name with aliases last
    (after what they refer to), ``values`` every constant sorted by name.
    """

    label: str
    key: str
    source: str
    data_model: str
    constants: tuple[Constant, ...]
    classes: tuple[EnumClass, ...]

    @property
    def values(self) -> tuple[Constant, ...]:
        return tuple(sorted(self.constants, key=lambda c: c.name))


def _parse_families(families: Sequence[str] | None) -> dict[str, FamilyKind]:
    """``["MAP", "MADV:enum"]`` -> family -> kind (flag unless known or said otherwise)."""
    out: dict[str, FamilyKind] = {}
    for spec in DEFAULT_FAMILIES if families is None else families:
        name, _, kind = spec.partition(":")
        if not _FAMILY.match(name) or name in _PY_RESERVED:
            raise AbicheckError(
                f"family {spec!r}: a family is an upper-case prefix such as MAP or MADV"
            )
        if kind == "":
            kind = "enum" if name in ENUM_FAMILIES else "flag"
        if kind not in ("flag", "enum"):
            raise AbicheckError(f"family {spec!r}: kind must be 'flag' or 'enum'")
        resolved: FamilyKind = "enum" if kind == "enum" else "flag"
        if out.get(name, resolved) != resolved:
            raise AbicheckError(f"family {name} given as both {out[name]} and {resolved}")
        out[name] = resolved
    if not out:
        raise AbicheckError("no macro families to emit")
    return out


def _family_of(name: str, families: Mapping[str, FamilyKind]) -> str | None:
    best = None
    for fam in families:
        fits = name.startswith(fam + "_") and len(name) > len(fam) + 1
        if fits and (best is None or len(fam) > len(best)):
            best = fam
    return best


def _selected(table: Table, families: Mapping[str, FamilyKind]) -> list[Macro]:
    out = []
    for m in table.macros:
        if m.kind != "integer" or m.value is None or m.file in _BUILTIN_FILES:
            continue
        # no name test for include guards: an empty guard is not an integer (kind
        # "other"), and a real constant such as KEY_H (35) must not be dropped
        if _family_of(m.name, families) is None:
            continue
        if not is_py_identifier(m.name) or m.name in _PY_RESERVED:
            raise AbicheckError(
                f"macro name {m.name!r} cannot be emitted: not a valid C and Python identifier",
                m.file,
                m.line,
            )
        _check_int(m.value)
        if m.ctype:
            try:
                c_literal(m.value, table.origin.get("data_model", "lp64"), ctype=m.ctype)
            except AbicheckError as exc:
                raise AbicheckError(
                    f"macro {m.name} cannot be emitted: {exc.message}", m.file, m.line
                ) from None
        out.append(m)
    return out


def _aliases(macros: Sequence[Macro]) -> dict[str, str]:
    """name -> the emitted non-alias constant it is defined as, for macros written as a name."""
    by_name = {m.name: m for m in macros}
    direct: dict[str, str] = {}
    for m in macros:
        match = _ALIAS_EXPR.match(m.expr)
        if match:
            target = by_name.get(match.group(2))
            if target is not None and target is not m and target.value == m.value:
                direct[m.name] = target.name
    resolved: dict[str, str] = {}
    for name in direct:
        seen = {name}
        end = direct[name]
        while end in direct and direct[end] not in seen:
            seen.add(end)
            end = direct[end]
        if end not in direct:
            resolved[name] = end
    return resolved


def _member_name(name: str, family: str) -> str:
    rest = name[len(family) + 1 :]
    if _MEMBER.match(rest) and is_py_identifier(rest):
        return rest
    return name


def _classes(
    constants: Sequence[Constant], families: Mapping[str, FamilyKind], where: Mapping[str, Macro]
) -> tuple[EnumClass, ...]:
    classes = []
    for fam in sorted(families):
        # *_SHIFT values are bit positions, not values of the family
        consts = [c for c in constants if c.family == fam and not c.name.endswith("_SHIFT")]
        if not consts:
            continue
        member_of: dict[str, str] = {}  # constant name -> member name
        taken: dict[str, str] = {}  # member name -> constant name
        for c in consts:
            member = _member_name(c.name, fam)
            if member in taken:
                m = where[c.name]
                raise AbicheckError(
                    f"{c.name} and {taken[member]} would both be member {fam}.{member}",
                    m.file,
                    m.line,
                )
            taken[member] = c.name
            member_of[c.name] = member
        members = [
            Member(
                member_of[c.name],
                c.value,
                member_of.get(c.alias_of) if c.alias_of is not None else None,
                c.comment,
                c.hex,
            )
            for c in consts
        ]
        members.sort(key=lambda m: (m.alias_of is not None, m.name))
        kind = families[fam]
        base = "IntEnum" if kind == "enum" else "IntFlag"
        what = "values" if kind == "enum" else "flags"
        classes.append(EnumClass(fam, base, f"The {fam}_* {what}.", tuple(members)))
    return tuple(classes)


def prepare(tables: Sequence[Table], families: Sequence[str] | None = None) -> list[TableView]:
    """The tables as the templates see them; raises AbicheckError for what cannot be emitted."""
    if not tables:
        raise AbicheckError("nothing to emit: no tables")
    fams = _parse_families(families)
    views: list[TableView] = []
    keys: dict[str, str] = {}
    labels: set[str] = set()
    for table in tables:
        label = sanitize_text(table.label, limit=100)
        key = label_key(table.label)
        if table.label in labels:
            raise AbicheckError(f"two tables are labelled {table.label!r}")
        if key in keys:
            raise AbicheckError(
                f"tables {keys[key]!r} and {table.label!r} need different labels "
                "(they give the same C name)"
            )
        labels.add(table.label)
        keys[key] = table.label
        data_model = table.origin.get("data_model", "lp64")
        if data_model not in LONG_BITS:
            raise AbicheckError(f"table {table.label!r}: unknown data model {data_model!r}")
        macros = _selected(table, fams)
        if not macros:
            raise AbicheckError(
                f"table {table.label!r} has no integer macros of the families {', '.join(fams)}"
            )
        aliases = _aliases(macros)
        where = {m.name: m for m in macros}
        consts = []
        for m in macros:
            assert m.value is not None
            target = aliases.get(m.name)
            written = where[target] if target is not None else m
            comment = sanitize_text(m.comment)
            if not comment and target is not None:
                comment = f"Same as {target}."
            consts.append(
                Constant(
                    name=m.name,
                    value=m.value,
                    alias_of=target,
                    comment=comment,
                    hex=bool(_HEX_EXPR.search(written.expr)) or abs(m.value) > 0xFFFF,
                    family=_family_of(m.name, fams),
                    ctype=m.ctype,
                )
            )
        consts.sort(key=lambda c: (c.alias_of is not None, c.name))
        path = _source_path(table)
        source = sanitize_text(f"{table.label} ({path})" if path else table.label, limit=300)
        views.append(
            TableView(label, key, source, data_model, tuple(consts), _classes(consts, fams, where))
        )
    return views


# -- rendering ------------------------------------------------------------


def bundled_templates() -> Path:
    """The bundled templates' folder (in the package, or the source tree's)."""
    return data_dir("templates")


class _TemplateLoader(jinja2.BaseLoader):
    """Templates from one folder, named in errors as ``<shown>/<name>``.

    A template that is not UTF-8 text is an :class:`AbicheckError` at its
    line; ``names`` collects the file names of the templates loaded, so that
    a render error can be traced to the template line that raised it.
    """

    def __init__(self, root: Path, shown: str) -> None:
        self.root = root
        self.shown = shown
        self.names: set[str] = set()

    def shown_name(self, template: str) -> str:
        """How errors name the template ``template``."""
        pieces = jinja2.loaders.split_template_path(template)
        return str(PurePosixPath(self.shown, *pieces))

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = jinja2.loaders.split_template_path(template)
        path = self.root.joinpath(*pieces)
        shown = self.shown_name(template)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise jinja2.TemplateNotFound(template) from None
        except OSError as exc:
            raise AbicheckError(f"cannot read template: {exc.strerror}", shown) from None
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise AbicheckError(
                f"template is not UTF-8 text (byte {data[exc.start]:#04x})", shown, line
            ) from None
        if "\0" in source:
            line = source.count("\n", 0, source.index("\0")) + 1
            raise AbicheckError("NUL byte: binary file, not a template", shown, line)
        self.names.add(shown)
        return source, shown, lambda: True


def environment(template_dir: Path | None = None) -> jinja2.Environment:
    """The jinja2 environment: StrictUndefined, no autoescape, and the formatting filters."""
    if template_dir is not None:
        loader = _TemplateLoader(Path(template_dir), str(Path(template_dir)))
    else:
        loader = _TemplateLoader(bundled_templates(), "templates")
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        newline_sequence="\n",
    )
    filters: dict[str, Callable[..., str]] = {
        "c_literal": c_literal,
        "py_literal": py_literal,
        "c_ident": c_ident,
        "py_ident": py_ident,
        "sanitize": sanitize_text,
    }
    env.filters.update(filters)
    return env


def _template_line(exc: BaseException, names: set[str]) -> tuple[str | None, int | None]:
    """The innermost template frame of ``exc``'s traceback: (template file, line)."""
    where: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename in names:
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where


def _header_line(views: Sequence[TableView]) -> str:
    if len(views) == 1:
        return views[0].source
    return sanitize_text(f"{len(views)} tables ({', '.join(v.label for v in views)})", 1000)


def _guard(views: Sequence[TableView]) -> str:
    keys = "_".join(v.key for v in views)
    if len(keys) > 48:
        keys = hashlib.sha256("\n".join(v.key for v in views).encode()).hexdigest()[:12].upper()
    return f"ABICHECK_{keys}_H"


def emit(
    tables: Sequence[Table],
    lang: str,
    template_dir: Path | None = None,
    families: Sequence[str] | None = None,
) -> str:
    """The ``lang`` (``python`` or ``c``) module for ``tables``, as text ending in a newline.

    Several tables give per-table sections (Python: ``TABLES`` and
    ``for_arch``; C: ``#if defined(ABICHECK_TABLE_<KEY>)``); the Python
    module-level constants and classes are the first table's. ``families``
    overrides :data:`DEFAULT_FAMILIES` (``"NAME"`` or ``"NAME:flag"``/``"NAME:enum"``).
    """
    if lang not in TEMPLATES:
        raise AbicheckError(f"unknown language {lang!r}; available: {', '.join(TEMPLATES)}")
    views = prepare(tables, families)
    env = environment(template_dir)
    loader = env.loader
    assert isinstance(loader, _TemplateLoader)
    name = TEMPLATES[lang]
    origin = loader.shown_name(name)
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        if exc.name == name:
            raise AbicheckError(f"no template {name} for language {lang}", origin) from None
        raise AbicheckError(f"included template {exc.name} not found", origin) from None
    except jinja2.TemplateSyntaxError as exc:
        raise AbicheckError(
            f"template syntax: {exc.message}", exc.filename or origin, exc.lineno
        ) from None
    exports = sorted([c.name for c in views[0].constants] + [c.name for c in views[0].classes]) + [
        "TABLES",
        "for_arch",
    ]
    try:
        text = template.render(
            version=__version__,
            source=_header_line(views),
            tables=views,
            first=views[0],
            several=len(views) > 1,
            guard=_guard(views),
            exports=exports,
        )
    except jinja2.TemplateSyntaxError as exc:  # in an included template
        raise AbicheckError(
            f"template syntax: {exc.message}", exc.filename or origin, exc.lineno
        ) from None
    except AbicheckError as exc:
        if exc.file is not None:  # a template that cannot be read
            raise
        file, line = _template_line(exc, loader.names)
        raise AbicheckError(exc.message, file or origin, line) from None
    except jinja2.TemplateNotFound as exc:  # {% include %}, {% extends %}, {% import %}
        file, line = _template_line(exc, loader.names)
        raise AbicheckError(
            f"included template {exc.name} not found", file or origin, line
        ) from None
    except jinja2.TemplateError as exc:
        file, line = _template_line(exc, loader.names)
        raise AbicheckError(f"template: {exc.message or exc}", file or origin, line) from None
    except Exception as exc:  # an operation in the template failed: the template's fault
        file, line = _template_line(exc, loader.names)
        raise AbicheckError(
            f"template: {type(exc).__name__}: {exc}", file or origin, line
        ) from None
    text = text.replace("\r\n", "\n")
    return text.rstrip("\n") + "\n"


def check(path: Path, rendered: str) -> str | None:
    """None when ``path`` holds exactly ``rendered``, else a unified diff to ``rendered``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AbicheckError(f"cannot read generated file: {exc.strerror}", str(path)) from None
    if data == rendered.encode("utf-8"):
        return None
    old = data.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = rendered.splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(old, new, f"{path}", f"{path} (regenerated)"):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    if not lines:  # same lines, different bytes (only possible with invalid UTF-8)
        return f"--- {path}\n+++ {path} (regenerated)\n(files differ in encoding)\n"
    return "".join(lines)
