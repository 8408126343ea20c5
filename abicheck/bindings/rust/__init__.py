"""A reader of the Rust ``libc`` crate's constant tables, per Linux target, without rustc.

:func:`read` takes a checkout of the crate (the folder holding ``src/lib.rs``) and
gives one :class:`~abicheck.bindings.BindingTable` per Linux target the crate has
a port for (:data:`~abicheck.bindings.rust.targets.TARGETS`): it follows ``mod``
declarations and glob re-exports from ``src/lib.rs`` through
``src/unix/linux_like/...``, takes the ``cfg_if!`` branches and ``#[cfg]`` items
that hold for the target, and evaluates each ``pub const`` of integer type.

Choices where rustc would reject the crate or where the files alone do not say:

- a cfg name the target's facts do not set is false (so are all cargo features);
  the cfgs ``build.rs`` prints for a current rustc are set
  (:data:`~abicheck.bindings.rust.targets.BUILD_CFGS`);
- a name defined twice in one module for one target is an error (rustc's E0428);
  an item shadows a glob-imported one; a name two globs bring from different
  items is ambiguous and left out;
- a target without a ``c_char`` (the crate has no port for it) is left out;
- macro invocations other than ``cfg_if!`` are skipped whole: in ``libc`` they hold
  structs, functions and (``align_const!``) struct-valued constants only;
- non-glob ``use`` declarations are ignored (``libc`` imports types that way).

Each file is parsed once; the cfgs are evaluated per target on the parsed items.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from ...model import AbicheckError
from .. import BindingTable, is_known_arch
from .consts import Evaluator
from .modules import Crate, walk
from .targets import ABICHECK_ARCH, TARGETS, RustTarget, select

#: The crate root files tried, in order.
ROOT_FILES = (PurePosixPath("src/lib.rs"), PurePosixPath("src/unix/mod.rs"))


def read(root: str | Path, targets: Sequence[str] | None = None) -> list[BindingTable]:
    """The tables of the ``libc`` checkout at ``root`` for ``targets`` (selectors as
    :func:`~abicheck.bindings.rust.targets.select` takes them; all when None),
    sorted by target name. Raises :class:`AbicheckError` (at ``file:line`` where it
    applies) for a folder that is not a checkout, or files the reader cannot follow.
    """
    crate = Crate(Path(root))
    start = next((f for f in ROOT_FILES if crate.exists(f)), None)
    if start is None:
        raise AbicheckError("not a checkout of the libc crate: no src/lib.rs", str(root))
    tables = []
    with _collector_paused():
        for target in select(targets):
            table = _table(crate, start, target)
            if table is not None:
                tables.append(table)
    return tables


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused: the reader makes some 10^6 objects (tokens,
    items, tables), and the collector's scans of them would take a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _table(crate: Crate, start: PurePosixPath, target: RustTarget) -> BindingTable | None:
    tree = walk(crate, start, target.facts)
    if "c_char" not in tree.exports("type"):
        return None
    arch = ABICHECK_ARCH.get(target.arch, target.arch)
    macros = Evaluator(tree, target.bits).macros()
    return BindingTable(target.arch, arch, is_known_arch(arch), target.env, macros)


__all__ = ["ROOT_FILES", "TARGETS", "read"]
