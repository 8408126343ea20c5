"""What every emitted language shares: the view of tables the templates see, safe text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import AbicheckError

_COMMENT_LIMIT = 200


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


def check_int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise AbicheckError(f"not an integer: {type(value).__name__}")
    return value


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
