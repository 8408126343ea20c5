"""Reports that people and CI systems read; nothing here prints itself.

:func:`render_comparison_report` renders a :class:`~abicheck.compare.Comparison`
(``abicheck compare``) and :func:`render_audit` an :class:`~abicheck.audit.AuditResult`
(``abicheck audit``), each in one of five formats, a module each, and
:func:`render_layouts` struct layouts (``abicheck layout``) in three of them:

* ``table`` (:mod:`.text`): plain text for a terminal (tabulate); also parsed headers;
* ``markdown`` (:mod:`.markdown`): GitHub-flavoured, for job summaries and comments;
* ``json`` (:mod:`.json`): the result's ``to_json()``, indented;
* ``junit`` (:mod:`.junit`): JUnit XML, a test case per source and family;
* ``html`` (:mod:`.html`): one self-contained page, the matrix with cells coloured.

A format is a module and one entry in each table below. Every output is
deterministic: no timestamps, no durations, sorted as the input. Control
characters in header text are shown as escapes in every format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

from ..model import AbicheckError

if TYPE_CHECKING:
    from ..audit import AuditResult
    from ..bindings.check import BindingResult
    from ..compare import Comparison
    from ..layouts import LayoutReport
    from ..verify.model import VerifyReport
    from .common import deviating, majority, tabulate, visible_text
    from .html import render_comparison_html
    from .junit import render_comparison_junit
    from .text import render_parse_table

__all__ = [
    "ALL_COMPARISON_FORMATS",
    "AUDIT_FORMATS",
    "BINDING_FORMATS",
    "VERIFY_FORMATS",
    "LAYOUT_FORMATS",
    "COMPARISON_FORMATS",
    "deviating",
    "majority",
    "render_audit",
    "render_binding",
    "render_comparison",
    "render_comparison_html",
    "render_comparison_junit",
    "render_comparison_report",
    "render_layouts",
    "render_parse_table",
    "render_verify",
    "tabulate",
    "visible_text",
]

#: The formats of an audit and of a comparison, in the order of :func:`renderers`.
AUDIT_FORMATS: tuple[str, ...] = ("table", "markdown", "json", "junit", "html")
#: A binding check's formats (its renderers are imported when one is asked for).
BINDING_FORMATS: tuple[str, ...] = AUDIT_FORMATS
#: A verify report's formats (no html: a verify report is one list, not a matrix).
VERIFY_FORMATS: tuple[str, ...] = ("table", "markdown", "json", "junit")
ALL_COMPARISON_FORMATS: tuple[str, ...] = AUDIT_FORMATS
#: The formats of ``abicheck layout``.
LAYOUT_FORMATS: tuple[str, ...] = ("table", "markdown", "json")
#: The text formats, those :func:`render_comparison` takes.
COMPARISON_FORMATS: tuple[str, ...] = ("table", "markdown", "json")

# The format modules are imported when a report is rendered (the html one imports
# jinja2, the junit one xml.etree): a name below is imported from its module when
# first asked for, so ``abicheck parse`` imports the table module only.
_EXPORTS = {
    "deviating": "common",
    "majority": "common",
    "tabulate": "common",
    "visible_text": "common",
    "render_comparison_html": "html",
    "render_comparison_junit": "junit",
    "render_parse_table": "text",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def renderers() -> tuple[
    dict[str, Callable[[AuditResult], str]], dict[str, Callable[[Comparison], str]]
]:
    """The renderers of an audit and of a comparison, by format (:data:`AUDIT_FORMATS`)."""
    from . import html, json, junit, markdown, text

    audit: dict[str, Callable[[AuditResult], str]] = {
        "table": text.render_audit_table,
        "markdown": markdown.render_audit_markdown,
        "json": json.render_json,
        "junit": junit.render_audit_junit,
        "html": html.render_audit_html,
    }
    comparison: dict[str, Callable[[Comparison], str]] = {
        "table": text.render_comparison_table,
        "markdown": markdown.render_comparison_markdown,
        "json": json.render_json,
        "junit": junit.render_comparison_junit,
        "html": html.render_comparison_html,
    }
    return audit, comparison


def _check_format(fmt: str, formats: Sequence[str]) -> None:
    if fmt not in formats:
        raise AbicheckError(f"unknown report format {fmt!r}: expected one of {', '.join(formats)}")


def render_audit(result: AuditResult, fmt: str = "table", color: bool = False) -> str:
    """An audit as text in ``fmt``, one of :data:`AUDIT_FORMATS`; a table in ANSI
    colours with ``color``."""
    _check_format(fmt, AUDIT_FORMATS)
    if fmt == "table":
        from .text import render_audit_table

        return render_audit_table(result, color)
    return renderers()[0][fmt](result)


def render_binding(result: BindingResult, fmt: str = "table") -> str:
    """A binding check as text in ``fmt``, one of :data:`BINDING_FORMATS`."""
    from . import binding

    _check_format(fmt, BINDING_FORMATS)
    by_format: dict[str, Callable[[BindingResult], str]] = {
        "table": binding.render_binding_table,
        "markdown": binding.render_binding_markdown,
        "json": binding.render_binding_json,
        "junit": binding.render_binding_junit,
        "html": binding.render_binding_html,
    }
    return by_format[fmt](result)


def render_verify(report: VerifyReport, fmt: str = "table") -> str:
    """A verify report as text in ``fmt``, one of :data:`VERIFY_FORMATS`."""
    _check_format(fmt, VERIFY_FORMATS)
    if fmt == "json":
        import json as _json

        return _json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    from . import junit, markdown, text

    by_format: dict[str, Callable[[VerifyReport], str]] = {
        "table": text.render_verify_table,
        "markdown": markdown.render_verify_markdown,
        "junit": junit.render_verify_junit,
    }
    return by_format[fmt](report)


def render_layouts(report: LayoutReport, fmt: str = "table") -> str:
    """Struct layouts (:func:`abicheck.layouts`) as text in ``fmt``, one of
    :data:`LAYOUT_FORMATS`."""
    _check_format(fmt, LAYOUT_FORMATS)
    from . import json, markdown, text

    by_format: dict[str, Callable[[LayoutReport], str]] = {
        "table": text.render_layout_table,
        "markdown": markdown.render_layout_markdown,
        "json": json.render_layout_json,
    }
    return by_format[fmt](report)


def render_comparison_report(
    cmp: Comparison,
    fmt: str = "table",
    fail_on: str = "differs",
    width: int | None = None,
    color: bool = False,
) -> str:
    """A comparison as text in ``fmt``, one of :data:`ALL_COMPARISON_FORMATS`;
    ``fail_on`` (compare's ``--fail-on``) is what JUnit counts as a failure; a table
    fits in ``width`` columns and is in ANSI colours with ``color``
    (:func:`~abicheck.report.text.terminal_style` gives both for a stream)."""
    _check_format(fmt, ALL_COMPARISON_FORMATS)
    if fmt == "junit":
        from .junit import render_comparison_junit

        return render_comparison_junit(cmp, fail_on)
    if fmt == "table":
        from .text import render_comparison_table

        return render_comparison_table(cmp, width, color)
    return renderers()[1][fmt](cmp)


def render_comparison(cmp: Comparison, fmt: str = "table") -> str:
    """A comparison in one of the text formats, :data:`COMPARISON_FORMATS`."""
    if fmt not in COMPARISON_FORMATS:
        raise AbicheckError(f"unknown format {fmt!r}; available: {', '.join(COMPARISON_FORMATS)}")
    return renderers()[1][fmt](cmp)
