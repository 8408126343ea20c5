"""C semantics the reader must follow as gcc does (issue 15): each class of
mistake with a minimised header of its own. Expected values came from gcc 12
(x86-64 unless said otherwise): each macro's value read from an asm operand
in ``gcc -S`` output, ``__asm__("# V %0" :: "i"((long long)(NAME)))``."""

from __future__ import annotations

from pathlib import Path

from abicheck.model import Macro
from abicheck.parse import Reader


def _read(tmp_path: Path, text: str, name: str = "h.h", **kw: object) -> dict[str, Macro]:
    """The macro table of a header holding ``text``, by name."""
    path = tmp_path / name
    path.write_text(text)
    return {m.name: m for m in Reader(**kw).read(str(path))}  # type: ignore[arg-type]


def _values(tmp_path: Path, text: str, *names: str, **kw: object) -> dict[str, int | None]:
    t = _read(tmp_path, text, **kw)
    return {n: t[n].value for n in names}


# -- 1. declarations are read with the macros as they stood where they are -----


def test_declarations_use_the_macros_of_their_position(tmp_path: Path) -> None:
    header = """\
#define E 1
enum { GET_E = E };
typedef char t_e[E];
#undef E
#define E 2
#define V GET_E
#define W sizeof(t_e)
"""
    # gcc 12: V 1, W 1, E 2
    assert _values(tmp_path, header, "V", "W", "E") == {"V": 1, "W": 1, "E": 2}


# -- 10. a header including itself under changing conditions ------------------------


def test_a_header_may_include_itself_while_its_conditions_change(tmp_path: Path) -> None:
    steps = "".join(
        f"#{'if' if n == 0 else 'elif'} N == {n}\n#undef N\n#define N {n + 1}\n" for n in range(5)
    )
    header = (
        "#ifndef N\n#define N 0\n#define COUNT 0\n#endif\n"
        f"#if N < 5\n#undef COUNT\n#define COUNT (N + 1)\n{steps}#endif\n"
        '#include "h.h"\n#endif\n#define LAST N\n'
    )
    # gcc 12: N 5, LAST 5, COUNT 6 (read five levels deep, no cycle)
    assert _values(tmp_path, header, "N", "LAST", "COUNT") == {"N": 5, "LAST": 5, "COUNT": 6}
