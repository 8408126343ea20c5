"""The ``abicheck`` command's entry point (the console script and ``python -m
abicheck``): :func:`abicheck.cli.run` with Python's cyclic garbage collector off
from the start, before the command's modules are imported, not only once they
are (the collections their thousands of new functions and classes set off took
some 3 ms of a one-header ``abicheck parse``)."""

from __future__ import annotations

import gc
from typing import NoReturn


def run() -> NoReturn:
    """The ``abicheck`` command: :func:`abicheck.cli.run`, which keeps the collector off."""
    gc.disable()
    from .cli import run as cli_run

    cli_run()
