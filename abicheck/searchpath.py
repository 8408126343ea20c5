"""Where a C compiler searches for ``#include <...>``, asked once and remembered.

:func:`search_dirs` is what ``abicheck parse`` given no ``-I`` searches; the answer
is kept in the user's cache folder (:func:`search_cache_file`), so that a run starts
no compiler. Kept apart from :mod:`abicheck.cc` (the compiler as an oracle), whose
import a run of ``parse`` does without.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from functools import lru_cache

from ._pattern import lazy_compile
from .model import AbicheckError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from pathlib import Path


def compiler_run(argv: Sequence[str], cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    """``argv`` run with the C locale and no colours, its output as text; raises
    AbicheckError when the program is missing."""
    import subprocess  # not for a run that finds the search path in the cache

    env = dict(os.environ, LC_ALL="C", LANG="C")
    env.pop("GCC_COLORS", None)
    try:
        return subprocess.run(
            list(argv), cwd=cwd, env=env, capture_output=True, text=True, errors="replace"
        )
    except FileNotFoundError:
        raise AbicheckError(f"C compiler {argv[0]!r} not found") from None


@lru_cache(maxsize=4)
def search_dirs(cc: str = "gcc") -> tuple[str, ...]:
    """The folders ``cc`` searches for ``#include <...>``, in its order (``cc -E -v``);
    () when there is no such compiler.

    The answer is kept in the user's cache folder (:func:`search_cache_file`), so
    that a run of ``abicheck parse`` starts no compiler: it is used again while the
    compiler's driver and ``cc1`` are the same files (path, size, modification time),
    the environment variables gcc reads its search path from are the same, every
    folder of it still exists and every one gcc skipped as nonexistent still does not.
    """
    exe = which(cc)
    if exe is None:
        return ()
    key = json.dumps([cc, exe, [os.environ.get(v) for v in SEARCH_ENV]])
    try:
        cache: str | None = _search_cache_name()
    except RuntimeError:  # no home folder to keep it in
        cache = None
    entries = _read_search_cache(cache) if cache is not None else {}
    entry = entries.get(key)
    if isinstance(entry, dict) and _search_entry_holds(entry, exe):
        return tuple(entry["dirs"])
    proc = compiler_run([cc, "-E", "-v", "-x", "c", "/dev/null"])
    lines = proc.stderr.splitlines()
    try:
        start = lines.index("#include <...> search starts here:") + 1
        end = lines.index("End of search list.")
    except ValueError:
        return ()
    dirs = [ln.strip() for ln in lines[start:end]]
    skipped = [m[1] for ln in lines if (m := _NONEXISTENT_RE.match(ln))]
    # the compiler proper, as the driver runs it: " /usr/lib/gcc/.../cc1 -E -quiet -v ..."
    cc1 = [ln.split()[0] for ln in lines if ln.startswith(" /") and ln.split()[0].endswith("/cc1")]
    files = [_file_id(f) for f in [exe, *cc1[:1]]]
    if cache is not None and proc.returncode == 0 and None not in files:
        entries.pop(key, None)  # (the newest last)
        entries[key] = {"files": files, "dirs": dirs, "skipped": skipped}
        _write_search_cache(cache, entries)
    return tuple(dirs)


def which(cmd: str) -> str | None:
    """``shutil.which(cmd)`` as it is on POSIX: the first executable file ``cmd`` on
    ``$PATH`` (or, naming a folder, ``cmd`` itself if it is one), or None; without
    importing shutil (1.7 ms of a one-header parse: it imports zlib, bz2 and lzma)."""
    if os.path.dirname(cmd):
        return cmd if _is_executable(cmd) else None
    path = os.environ.get("PATH")
    if path is None:
        try:
            path = os.confstr("CS_PATH")
        except (AttributeError, ValueError):
            path = os.defpath
    if not path:
        return None
    seen: set[str] = set()
    for folder in path.split(os.pathsep):
        if folder not in seen:
            seen.add(folder)
            name = os.path.join(folder, cmd)
            if _is_executable(name):
                return name
    return None


def _is_executable(path: str) -> bool:
    return os.path.exists(path) and os.access(path, os.F_OK | os.X_OK) and not os.path.isdir(path)


#: The environment variables gcc's ``#include`` search path depends on.
SEARCH_ENV = ("CPATH", "C_INCLUDE_PATH", "GCC_EXEC_PREFIX", "COMPILER_PATH")
_NONEXISTENT_RE = lazy_compile(r'ignoring nonexistent directory "(.*)"$')
#: The compilers whose search paths the cache keeps, the most recent ones.
_SEARCH_CACHE_ENTRIES = 16


def search_cache_file() -> Path:
    """Where :func:`search_dirs` keeps its answers: ``abicheck/search-dirs.json`` in
    ``$XDG_CACHE_HOME`` (an absolute path), else in ``~/.cache``; RuntimeError when
    there is no home folder either."""
    from pathlib import Path

    return Path(_search_cache_name())


def _search_cache_name() -> str:
    """:func:`search_cache_file` as a string, made without pathlib."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        root = base
    else:
        home = os.path.expanduser("~")  # (what Path.home() gives)
        if home[:1] == "~":
            raise RuntimeError("Could not determine home directory.")
        root = os.path.join(home, ".cache")
    return os.path.join(root, "abicheck", "search-dirs.json")


def _file_id(path: str) -> list[str | int] | None:
    """A file's path, size and modification time (None if it cannot be read)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [path, st.st_size, st.st_mtime_ns]


def _search_entry_holds(entry: dict[str, object], exe: str) -> bool:
    """Whether a cached search path is still the compiler's (see :func:`search_dirs`)."""
    files, dirs, skipped = entry.get("files"), entry.get("dirs"), entry.get("skipped")
    if not (isinstance(files, list) and isinstance(dirs, list) and isinstance(skipped, list)):
        return False
    if not files or files[0][:1] != [exe]:
        return False
    return (
        all(isinstance(f, list) and f and _file_id(str(f[0])) == f for f in files)
        and all(isinstance(d, str) and os.path.isdir(d) for d in dirs)
        and not any(os.path.exists(str(d)) for d in skipped)
    )


def _read_search_cache(path: str) -> dict[str, object]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):  # none yet, unreadable or garbled: start afresh
        return {}
    return data if isinstance(data, dict) else {}


def _write_search_cache(path: str, entries: dict[str, object]) -> None:
    """``entries`` (the last :data:`_SEARCH_CACHE_ENTRIES`) to ``path``, whole: written
    beside it and renamed over it; a cache that cannot be written is left alone."""
    import tempfile

    kept = dict(list(entries.items())[-_SEARCH_CACHE_ENTRIES:])
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".search-dirs.", dir=folder)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(kept, f, indent=1)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
