"""Where the files shipped with abicheck are: the embedded headers and the templates.

In a wheel they are the folders ``abicheck/headers`` and ``abicheck/templates``
beside this module; in a source tree they are the top-level ``headers/`` and
``templates/`` folders.
"""

from __future__ import annotations

from pathlib import Path

EMBEDDED_HEADER = "arm/mman.h"
EMBEDDED_LABEL = "arm-2.6.16"
#: How output names the files shipped in ``headers/``, wherever abicheck is installed.
SHIPPED_PREFIX = "<abicheck>/headers/"

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
    return f"{SHIPPED_PREFIX}{rel.as_posix()}"


def embedded_display_name() -> str:
    """The embedded header as output names it: ``<abicheck>/headers/arm/mman.h``."""
    return SHIPPED_PREFIX + EMBEDDED_HEADER


def shipped_path(path: str) -> str:
    """A recorded path as a file to read: ``<abicheck>/headers/X`` is the shipped X,
    any other path is itself."""
    if path.startswith(SHIPPED_PREFIX):
        return str(data_dir("headers") / path[len(SHIPPED_PREFIX) :])
    return path
