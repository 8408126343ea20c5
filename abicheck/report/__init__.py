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
from typing import TYPE_CHECKING

from ..audit import AuditResult
from ..compare import Comparison
from ..model import AbicheckError
from . import html, json, junit, markdown, text
from .common import deviating, majority, tabulate, visible_text
from .html import render_comparison_html
from .junit import render_comparison_junit
from .text import render_parse_table

if TYPE_CHECKING:
    from ..bindings.check import BindingResult
    from ..layouts import LayoutReport
    from ..verify.model import VerifyReport

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

AUDIT_RENDERERS: dict[str, Callable[[AuditResult], str]] = {
    "table": text.render_audit_table,
    "markdown": markdown.render_audit_markdown,
    "json": json.render_json,
    "junit": junit.render_audit_junit,
    "html": html.render_audit_html,
}
COMPARISON_RENDERERS: dict[str, Callable[[Comparison], str]] = {
    "table": text.render_comparison_table,
    "markdown": markdown.render_comparison_markdown,
    "json": json.render_json,
    "junit": junit.render_comparison_junit,
    "html": html.render_comparison_html,
}
AUDIT_FORMATS: tuple[str, ...] = tuple(AUDIT_RENDERERS)
#: A binding check's formats (its renderers are imported when one is asked for).
BINDING_FORMATS: tuple[str, ...] = AUDIT_FORMATS
#: A verify report's formats (no html: a verify report is one list, not a matrix).
VERIFY_FORMATS: tuple[str, ...] = ("table", "markdown", "json", "junit")
ALL_COMPARISON_FORMATS: tuple[str, ...] = tuple(COMPARISON_RENDERERS)
#: The formats of ``abicheck layout``.
LAYOUT_FORMATS: tuple[str, ...] = ("table", "markdown", "json")
#: The text formats, those :func:`render_comparison` takes.
COMPARISON_FORMATS: tuple[str, ...] = ("table", "markdown", "json")


def _check_format(fmt: str, formats: Sequence[str]) -> None:
    if fmt not in formats:
        raise AbicheckError(f"unknown report format {fmt!r}: expected one of {', '.join(formats)}")


def render_audit(result: AuditResult, fmt: str = "table", color: bool = False) -> str:
    """An audit as text in ``fmt``, one of :data:`AUDIT_FORMATS`; a table in ANSI
    colours with ``color``."""
    _check_format(fmt, AUDIT_FORMATS)
    if fmt == "table":
        return text.render_audit_table(result, color)
    return AUDIT_RENDERERS[fmt](result)


def render_binding(result: BindingResult, fmt: str = "table") -> str:
    """A binding check as text in ``fmt``, one of :data:`BINDING_FORMATS`."""
    from . import binding

    _check_format(fmt, BINDING_FORMATS)
    renderers: dict[str, Callable[[BindingResult], str]] = {
        "table": binding.render_binding_table,
        "markdown": binding.render_binding_markdown,
        "json": binding.render_binding_json,
        "junit": binding.render_binding_junit,
        "html": binding.render_binding_html,
    }
    return renderers[fmt](result)


def render_verify(report: VerifyReport, fmt: str = "table") -> str:
    """A verify report as text in ``fmt``, one of :data:`VERIFY_FORMATS`."""
    _check_format(fmt, VERIFY_FORMATS)
    if fmt == "json":
        import json as _json

        return _json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    renderers: dict[str, Callable[[VerifyReport], str]] = {
        "table": text.render_verify_table,
        "markdown": markdown.render_verify_markdown,
        "junit": junit.render_verify_junit,
    }
    return renderers[fmt](report)


def render_layouts(report: LayoutReport, fmt: str = "table") -> str:
    """Struct layouts (:func:`abicheck.layouts`) as text in ``fmt``, one of
    :data:`LAYOUT_FORMATS`."""
    _check_format(fmt, LAYOUT_FORMATS)
    renderers: dict[str, Callable[[LayoutReport], str]] = {
        "table": text.render_layout_table,
        "markdown": markdown.render_layout_markdown,
        "json": json.render_layout_json,
    }
    return renderers[fmt](report)


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
        return junit.render_comparison_junit(cmp, fail_on)
    if fmt == "table":
        return text.render_comparison_table(cmp, width, color)
    return COMPARISON_RENDERERS[fmt](cmp)


def render_comparison(cmp: Comparison, fmt: str = "table") -> str:
    """A comparison in one of the text formats, :data:`COMPARISON_FORMATS`."""
    if fmt not in COMPARISON_FORMATS:
        raise AbicheckError(f"unknown format {fmt!r}; available: {', '.join(COMPARISON_FORMATS)}")
    return COMPARISON_RENDERERS[fmt](cmp)
