"""Header arguments of ``parse`` (and of ``arch:`` sources): names, paths and glob
patterns, resolved in include folders as ``#include <...>`` would find them; and
whether ``--arch`` names several architectures. Kept apart from
:mod:`abicheck.multiarch`, which reading one header's ``parse`` does without."""

from __future__ import annotations

import os
from collections.abc import Sequence

from ._pattern import lazy_compile
from .resources import shipped_path

#: ``--arch`` for every installed Debian architecture.
ALL = "all"

_MAGIC = lazy_compile(r"[*?[]")


def is_arch_list(spec: str) -> bool:
    """Whether ``--arch`` names several architectures: ``all`` or a comma list."""
    return spec.strip().lower() == ALL or "," in spec


def is_pattern(spec: str) -> bool:
    """Whether a header argument is a glob pattern (``*``, ``?`` or ``[``)."""
    return _MAGIC.search(spec) is not None


def _glob(spec: str, root_dir: str | None = None) -> list[str]:
    """``glob.glob(spec, root_dir=root_dir)``, glob imported for patterns only."""
    import glob

    return glob.glob(spec, root_dir=root_dir)


def resolve_headers(
    specs: Sequence[str], dirs: Sequence[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Header arguments -> ``(name shown, path read)`` pairs, and the arguments that
    matched nothing.

    An existing path is itself (a pattern that matches files from here, or an
    absolute one, expands as the shell would); another name is looked up in ``dirs`` in order, as
    ``#include <name>`` would (the first folder holding it), and shown as given; a
    glob pattern expands in every folder of ``dirs`` (sorted, each name found where
    ``#include`` would find it). A name found nowhere is kept as its own path (reading
    it gives "no such file"); a pattern matching nothing gives no pair.
    """
    out: list[tuple[str, str]] = []
    unmatched: list[str] = []
    for spec in specs:
        if os.path.exists(shipped_path(spec)) or (os.path.isabs(spec) and not is_pattern(spec)):
            out.append((spec, spec))
        elif is_pattern(spec) and (
            os.path.isabs(spec) or any(os.path.isfile(p) for p in _glob(spec))
        ):  # paths, as the shell would expand them
            paths = sorted(p for p in _glob(spec) if os.path.isfile(p))
            if not paths:
                unmatched.append(spec)
            out += [(p, p) for p in paths]
        elif is_pattern(spec):
            # each name where #include finds it: in the first folder (of dirs, in
            # order) whose matches hold it as a file
            first: dict[str, str] = {}
            for d in dirs:
                for n in _glob(spec, d):
                    if n not in first and os.path.isfile(p := os.path.join(d, n)):
                        first[n] = os.path.normpath(p)
            if not first:
                unmatched.append(spec)
            out += sorted(first.items())
        else:
            found = _find(spec, dirs)
            if found is None:
                unmatched.append(spec)
            out.append((spec, found or spec))
    return out, unmatched


def _find(name: str, dirs: Sequence[str]) -> str | None:
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return os.path.normpath(p)
    return None
