"""Generate constant modules from tables, through jinja2 templates.

``emit(tables, lang)`` picks the integer macros of the target's families from each
table, validates their names by the language's rules (:mod:`abicheck.langs`: one
module per language), sanitizes their comments and renders the language's template
(``templates/python.py.j2``, ``templates/c.h.j2``); ``check(path, rendered)`` says
whether a generated file is current.

Nothing from a header reaches the output except identifiers that passed
validation, integers formatted here, and comment text reduced by
:func:`sanitize_text` to characters that cannot end a comment or a string.
Templates only see that prepared data (:class:`TableView` and friends), so a
user's own template cannot leak raw header text either.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath

import jinja2

from . import __version__
from ._callable import callable_module
from .langs import FILTERS, LANGUAGES, Language, language
from .langs.c import c_literal, is_c_identifier
from .langs.common import Constant, EnumClass, Member, TableView, check_int, sanitize_text
from .langs.python import is_py_identifier, py_literal
from .model import AbicheckError, Macro, Table
from .resources import data_dir, display_name
from .targets import FamilyKind, Target
from .targets.mman import MMAN

#: Output language -> template file name.
TEMPLATES: Mapping[str, str] = {name: lang.template for name, lang in LANGUAGES.items()}
#: The macro families emitted by default (the target's).
DEFAULT_FAMILIES: tuple[str, ...] = tuple(f.prefix for f in MMAN.emit_families)
_FAMILY = re.compile(r"[A-Z][A-Z0-9]*\Z")
_ALIAS_EXPR = re.compile(r"\s*(\(\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*(?(1)\))\s*\Z")
_HEX_EXPR = re.compile(r"0[xX][0-9a-fA-F]")
#: Names no family may have: the generated modules define them themselves.
_RESERVED = frozenset({"TABLES", "for_arch", "enum", "Final", "Mapping", "MappingProxyType"})

__all__ = [
    "DEFAULT_FAMILIES",
    "TEMPLATES",
    "Constant",
    "EnumClass",
    "Member",
    "TableView",
    "c_literal",
    "check",
    "emit",
    "environment",
    "is_c_identifier",
    "is_py_identifier",
    "prepare",
    "py_literal",
    "sanitize_text",
]


# -- validation and formatting --------------------------------------------


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
    shown = table.origin.as_dict()
    for key in ("path", "header", "file"):
        value = shown.get(key)
        if value:
            return display_path(value)
    return None


# -- what the templates see -----------------------------------------------


def _parse_families(families: Sequence[str] | None, target: Target) -> dict[str, FamilyKind]:
    """``["MAP", "MADV:enum"]`` -> family -> kind (flag unless the target says otherwise)."""
    out: dict[str, FamilyKind] = {}
    defaults = [f.prefix for f in target.emit_families]
    for spec in defaults if families is None else families:
        name, _, kind = spec.partition(":")
        if not _FAMILY.match(name) or name in _RESERVED:
            raise AbicheckError(
                f"family {spec!r}: a family is an upper-case prefix such as MAP or MADV"
            )
        if kind == "":
            kind = "enum" if name in target.enum_families else "flag"
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


def _selected(table: Table, families: Mapping[str, FamilyKind], lang: Language) -> list[Macro]:
    out = []
    for m in table.macros:
        if m.kind != "integer" or m.value is None or m.builtin:
            continue
        # no name test for include guards: an empty guard is not an integer (kind
        # "other"), and a real constant such as KEY_H (35) must not be dropped
        if _family_of(m.name, families) is None:
            continue
        if not lang.check_name(m.name):
            raise AbicheckError(
                f"macro name {m.name!r} cannot be emitted: not {lang.names}",
                m.file,
                m.line,
            )
        check_int(m.value)
        try:
            lang.check_macro(m, table.origin.data_model or "lp64")
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


def prepare(
    tables: Sequence[Table],
    families: Sequence[str] | None = None,
    lang: str = "python",
    target: Target = MMAN,
) -> list[TableView]:
    """The tables as ``lang``'s template sees them; raises AbicheckError for what
    cannot be emitted in it."""
    if not tables:
        raise AbicheckError("nothing to emit: no tables")
    language_ = language(lang)
    fams = _parse_families(families, target)
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
        data_model = table.origin.data_model or "lp64"
        if data_model not in ("lp64", "ilp32"):
            raise AbicheckError(f"table {table.label!r}: unknown data model {data_model!r}")
        macros = _selected(table, fams, language_)
        if not macros:
            raise AbicheckError(
                f"table {table.label!r} has no integer macros of the families {', '.join(fams)}"
            )
        aliases = _aliases(macros)
        where = {m.name: m for m in macros}
        consts = []
        for m in macros:
            assert m.value is not None
            alias = aliases.get(m.name)
            written = where[alias] if alias is not None else m
            comment = sanitize_text(m.comment)
            if not comment and alias is not None:
                comment = f"Same as {alias}."
            consts.append(
                Constant(
                    name=m.name,
                    value=m.value,
                    alias_of=alias,
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
            TableView(
                label,
                key,
                source,
                data_model,
                tuple(consts),
                language_.classes(consts, fams, where),
            )
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
    env.filters.update(FILTERS)
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


def emit(
    tables: Sequence[Table],
    lang: str,
    template_dir: Path | None = None,
    families: Sequence[str] | None = None,
    target: Target = MMAN,
) -> str:
    """The ``lang`` module (a key of :data:`abicheck.langs.LANGUAGES`) for ``tables``, as
    text ending in a newline.

    Several tables give per-table sections (Python: ``TABLES`` and
    ``for_arch``; C: ``#if defined(ABICHECK_TABLE_<KEY>)``); the Python
    module-level constants and classes are the first table's. ``families``
    overrides the target's (``"NAME"`` or ``"NAME:flag"``/``"NAME:enum"``).
    """
    language_ = language(lang)
    views = prepare(tables, families, lang, target)
    env = environment(template_dir)
    loader = env.loader
    assert isinstance(loader, _TemplateLoader)
    name = language_.template
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
    try:
        text = template.render(
            version=__version__,
            title=target.title,
            source=_header_line(views),
            tables=views,
            first=views[0],
            several=len(views) > 1,
            **language_.context(views),
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


#: The largest file ``emit --check`` compares (generated modules are well under 1 MiB).
MAX_CHECK_BYTES = 64 * 2**20


def check(path: Path, rendered: str) -> str | None:
    """None when ``path`` holds exactly ``rendered``, else a unified diff to ``rendered``.

    Raises AbicheckError for a file that cannot be read, is no regular file (a
    device such as ``/dev/zero``, a FIFO) or is over :data:`MAX_CHECK_BYTES`.
    """
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise AbicheckError("cannot read generated file: not a regular file", str(path))
            if st.st_size > MAX_CHECK_BYTES:
                raise AbicheckError(
                    f"cannot read generated file: over {MAX_CHECK_BYTES >> 20} MiB", str(path)
                )
            data = f.read(MAX_CHECK_BYTES + 1)
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


callable_module(__name__, "emit")
