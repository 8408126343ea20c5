"""Where the files shipped with abicheck are: the embedded headers and the templates.

In a wheel they are the folders ``abicheck/headers`` and ``abicheck/templates``
beside this module; in a source tree they are the top-level ``headers/`` and
``templates/`` folders.
"""

from __future__ import annotations

from pathlib import Path

EMBEDDED_HEADER = "arm/mman.h"
EMBEDDED_LABEL = "arm-2.6.16"
#: The shipped template of each language ``abicheck emit`` writes.
TEMPLATES = {"python": "python.py.j2", "c": "c.h.j2"}

_HERE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder of shipped data ``name`` ("headers" or "templates")."""
    installed = _HERE / name
    if installed.is_dir():
        return installed
    return _HERE.parent / name


def embedded_header() -> Path:
    """The embedded ARM mman.h (Linux 2.6.16 era) the default jobs read."""
    return data_dir("headers") / EMBEDDED_HEADER


def display_name(path: str | Path) -> str:
    """A path for output: shipped files by their place in the package, others as given."""
    p = Path(path)
    try:
        rel = p.resolve().relative_to(data_dir("headers").resolve())
    except ValueError:
        return str(path)
    return f"<abicheck>/headers/{rel.as_posix()}"
