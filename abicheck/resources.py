"""Where the files shipped with abicheck are: the embedded headers and the templates.

In a wheel they are the packages ``abicheck.headers`` and ``abicheck.templates``;
in a source tree they are the top-level ``headers/`` and ``templates/`` folders.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

EMBEDDED_HEADER = "arm/mman.h"
EMBEDDED_LABEL = "arm-2.6.16"


def data_dir(name: str) -> Path:
    """The folder of shipped data ``name`` ("headers" or "templates")."""
    try:
        path = Path(str(resources.files(f"abicheck.{name}")))
        if path.is_dir():
            return path
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / name


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
