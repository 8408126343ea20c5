"""Where the files shipped with abicheck are: the embedded headers and the templates.

In a wheel they are the folders ``abicheck/headers`` and ``abicheck/templates``
beside this module; in a source tree they are the top-level ``headers/`` and
``templates/`` folders.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

EMBEDDED_HEADER = "arm/mman.h"
EMBEDDED_LABEL = "arm-2.6.16"
#: How output names the files shipped in ``headers/``, wherever abicheck is installed.
SHIPPED_PREFIX = "<abicheck>/headers/"

# (strings, and os.path: a one-header parse imports no pathlib, 2.5 ms with the
# urllib.parse and ipaddress it imports)
_HERE = os.path.dirname(os.path.realpath(__file__))


def data_path(name: str) -> str:
    """The folder of shipped data ``name`` ("headers" or "templates"), as a string."""
    installed = os.path.join(_HERE, name)
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(_HERE), name)


def data_dir(name: str) -> Path:
    """The folder of shipped data ``name`` ("headers" or "templates")."""
    from pathlib import Path

    return Path(data_path(name))


def embedded_header() -> Path:
    """The embedded ARM mman.h (Linux 2.6.16 era) the default jobs read."""
    return data_dir("headers") / EMBEDDED_HEADER


def display_name(path: str | os.PathLike[str]) -> str:
    """A path for output: shipped files by their place in the package, others as given."""
    full = os.path.realpath(path)  # (what Path.resolve() gives)
    headers = os.path.realpath(data_path("headers"))
    if full == headers:
        return f"{SHIPPED_PREFIX}."
    if not full.startswith(headers + "/"):
        return str(path)
    return f"{SHIPPED_PREFIX}{full[len(headers) + 1 :]}"


def embedded_display_name() -> str:
    """The embedded header as output names it: ``<abicheck>/headers/arm/mman.h``."""
    return SHIPPED_PREFIX + EMBEDDED_HEADER


def shipped_path(path: str) -> str:
    """A recorded path as a file to read: ``<abicheck>/headers/X`` is the shipped X,
    any other path is itself."""
    if path.startswith(SHIPPED_PREFIX):
        return str(data_dir("headers") / path[len(SHIPPED_PREFIX) :])
    return path
