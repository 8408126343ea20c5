"""Progress on stderr for long runs (audits over many architectures).

``Progress()`` is a callback ``(done, total, label) -> None`` that writes
``[3/21] arch:mips`` over the previous progress line, only when its stream is a
terminal and the environment variable ``CI`` is unset or empty; in pipes, files
and CI it writes nothing, so logs and captured output stay clean.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import TextIO

#: The callback loaders and audits accept: ``on_progress(done, total, label)``.
ProgressCallback = Callable[[int, int, str], None]

_CLEAR = "\r\x1b[K"


def no_progress(done: int, total: int, label: str) -> None:
    """A progress callback that does nothing."""


def progress_enabled(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether progress goes to ``stream``: a terminal, outside CI."""
    env = os.environ if environ is None else environ
    if env.get("CI", ""):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    """Writes ``[done/total] label`` to a terminal, overwriting its line; silent otherwise.

    ``done`` counts finished steps: call it with ``done=0`` before the first step
    (the label says what is being worked on), and with ``done == total`` at the end,
    which clears the line. :meth:`close` clears it too, e.g. after an error.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        enabled: bool | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = progress_enabled(self.stream, environ) if enabled is None else enabled
        self._shown = False

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        if total > 0 and done >= total:
            self.close()
            return
        width = len(str(total))
        text = f"[{done:>{width}}/{total}] {label}".replace("\n", " ").replace("\r", " ")
        self.stream.write(_CLEAR + text)
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        """Clear the progress line, if one is shown."""
        if self.enabled and self._shown:
            self.stream.write(_CLEAR)
            self.stream.flush()
            self._shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
