"""The module tree of a crate for one target, and the names each module sees.

:class:`Crate` reads and parses each file once; :func:`walk` builds, for one
target's cfg facts, the tree of :class:`Module` from the crate root, following
``mod`` declarations (``x.rs`` or ``x/mod.rs`` in the module's directory, or the
``#[path]``) and ``cfg_if!`` branches. :meth:`Module.scope` gives the names a
module sees (its own items, shadowing those of its glob imports) and
:meth:`Module.exports` those a glob import of it brings (``pub`` and ``pub(...)``
ones, through ``pub use`` globs too). Two globs bringing different items under one
name make it ambiguous (:data:`AMBIGUOUS`), as rustc does; using it is an error
there, and this reader leaves such a constant out.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ...model import AbicheckError
from .cfg import Facts, holds
from .items import CfgIf, Const, GlobUse, Item, ModDecl, TypeAlias, parse_items
from .lexer import Source

#: How deep ``mod`` declarations may nest (a ``#[path]`` loop would not end).
MAX_DEPTH = 32

Named = Const | TypeAlias
#: A name's item, the module that defines it, and its visibility there.
Entry = tuple[Named, "Module", int]
Table = dict[str, Entry | None]
#: The entry of a name two glob imports bring from different items.
AMBIGUOUS = None


class Crate:
    """The crate's files under ``root``, each read and parsed once when first needed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._items: dict[PurePosixPath, tuple[Item, ...]] = {}

    def items(self, rel: PurePosixPath) -> tuple[Item, ...]:
        """The items of the file ``rel`` (relative to the root)."""
        if rel not in self._items:
            path = self.root / rel
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                raise AbicheckError(f"cannot read: {err}", str(path)) from None
            self._items[rel] = parse_items(Source(text, str(path)))
        return self._items[rel]

    def exists(self, rel: PurePosixPath) -> bool:
        return (self.root / rel).is_file()

    def where(self, rel: PurePosixPath) -> str:
        """The path of ``rel`` as errors name it."""
        return str(self.root / rel)


class Module:
    """One module of the tree for one target: its file, directory, children, items."""

    def __init__(
        self, file: PurePosixPath, folder: PurePosixPath, parent: Module | None, shown: str
    ) -> None:
        self.file = file
        self.rel = file.as_posix()
        self.shown = shown
        self.folder = folder
        self.parent = parent
        self.root: Module = parent.root if parent else self
        self.children: dict[str, Module] = {}
        self.own: dict[str, Table] = {"const": {}, "type": {}}
        self.globs: list[GlobUse] = []
        self._tables: dict[str, tuple[Table, Table]] = {}
        #: The evaluator's: type paths resolved from here.
        self.types: dict[tuple[str, ...], object] = {}
        self._busy = False

    def scope(self, space: str) -> Table:
        """Every name of ``space`` (``const`` or ``type``) this module sees."""
        return self._resolved(space)[0]

    def exports(self, space: str) -> Table:
        """The names of ``space`` a glob import of this module brings."""
        return self._resolved(space)[1]

    def _resolved(self, space: str) -> tuple[Table, Table]:
        if space not in self._tables:
            self._tables[space] = self._resolve(space)
        return self._tables[space]

    def _resolve(self, space: str) -> tuple[Table, Table]:
        own = self.own[space]
        seen: Table = {}
        exported: Table = {}
        for glob in self.globs:
            target = self.module_at(glob.path)
            if target is None:
                continue  # another crate's module, or an enum's variants
            if target._busy:
                raise AbicheckError(
                    f"cycle of glob imports through {'::'.join(glob.path)}",
                    self.shown,
                    glob.line,
                )
            self._busy = True
            brought = target.exports(space)
            self._busy = False
            _merge(seen, brought, 2)
            if glob.vis:
                _merge(exported, brought, glob.vis)
        seen.update(own)
        if all(g.vis == 2 for g in self.globs) and all(e and e[2] for e in own.values()):
            return seen, seen  # the common case: everything here is public
        exported.update({k: e for k, e in own.items() if e is not None and e[2] > 0})
        return seen, exported

    def module_at(self, path: tuple[str, ...]) -> Module | None:
        """The module ``path`` names from here (``self``/``super``/``crate`` or, as
        Rust 2015 resolves a ``use``, a child here or at the crate root)."""
        head, rest = path[0], path[1:]
        module: Module | None
        if head == "crate":
            module = self.root
        elif head == "self":
            module = self
        elif head == "super":
            module = self.parent
        else:
            module = self.children.get(head) or self.root.children.get(head)
        for name in rest:
            if module is None:
                return None
            module = module.parent if name == "super" else module.children.get(name)
        return module


def _merge(into: Table, brought: Table, vis: int) -> None:
    """Add the names a glob with visibility ``vis`` brings; a clash of different
    items makes the name :data:`AMBIGUOUS`."""
    if vis < 2:
        brought = {k: e and (e[0], e[1], min(vis, e[2])) for k, e in brought.items()}
    clashes = {name: _either(into[name], brought[name]) for name in into.keys() & brought}
    into.update(brought)
    into.update(clashes)


def _either(old: Entry | None, new: Entry | None) -> Entry | None:
    if old is None or new is None or old[0] is not new[0] or old[1] is not new[1]:
        return AMBIGUOUS
    return new if new[2] > old[2] else old


def walk(crate: Crate, start: PurePosixPath, facts: Facts) -> Module:
    """The module tree from the root file ``start`` for a target with ``facts``.

    Raises :class:`AbicheckError` at ``file:line`` for a ``mod`` whose file is
    missing (or is both ``x.rs`` and ``x/mod.rs``), a name defined twice in one
    module (rustc's E0428), or modules nested deeper than :data:`MAX_DEPTH`."""
    root = Module(start, start.parent, None, crate.where(start))
    _Walker(crate, facts).add(root, crate.items(start), 0)
    return root


class _Walker:
    def __init__(self, crate: Crate, facts: Facts) -> None:
        self.crate = crate
        self.facts = facts

    def add(self, module: Module, items: tuple[Item, ...], depth: int) -> None:
        for item in items:
            if isinstance(item, CfgIf):
                self.add(module, self.branch(item), depth)
            elif item.cfg is not None and not holds(item.cfg, self.facts):
                continue
            elif isinstance(item, GlobUse):
                module.globs.append(item)
            elif isinstance(item, ModDecl):
                self.mod(module, item, depth)
            else:
                self.define(module, item)

    def branch(self, item: CfgIf) -> tuple[Item, ...]:
        for cfg, items in item.branches:
            if cfg is None or holds(cfg, self.facts):
                return items
        return ()

    def define(self, module: Module, item: Named) -> None:
        space = "const" if isinstance(item, Const) else "type"
        table = module.own[space]
        old = table.get(item.name)
        if old is not None:
            raise AbicheckError(
                f"{space} {item.name} defined twice for this target (first at line {old[0].line})",
                module.shown,
                item.line,
            )
        table[item.name] = (item, module, item.vis)

    def mod(self, parent: Module, decl: ModDecl, depth: int) -> None:
        where = parent.shown
        if depth >= MAX_DEPTH:
            raise AbicheckError(f"modules nested deeper than {MAX_DEPTH}", where, decl.line)
        if decl.name in parent.children:
            raise AbicheckError(f"module {decl.name} declared twice", where, decl.line)
        if decl.body is not None:
            child = Module(parent.file, parent.folder / decl.name, parent, parent.shown)
            parent.children[decl.name] = child
            self.add(child, decl.body, depth + 1)
            return
        file, folder = self.locate(parent, decl)
        child = Module(file, folder, parent, self.crate.where(file))
        parent.children[decl.name] = child
        self.add(child, self.crate.items(file), depth + 1)

    def locate(self, parent: Module, decl: ModDecl) -> tuple[PurePosixPath, PurePosixPath]:
        """The file of ``mod name;`` and the directory of that module's own ``mod``s."""
        if decl.path is not None:
            file = parent.file.parent / decl.path
            found = [file] if self.crate.exists(file) else []
        else:
            candidates = [parent.folder / f"{decl.name}.rs", parent.folder / decl.name / "mod.rs"]
            found = [f for f in candidates if self.crate.exists(f)]
        where = parent.shown
        if len(found) != 1:
            looked = decl.path or f"{decl.name}.rs or {decl.name}/mod.rs"
            problem = "no file" if not found else "two files"
            raise AbicheckError(f"{problem} for module {decl.name} ({looked})", where, decl.line)
        file = found[0]
        if decl.path is None and file.name != "mod.rs":
            return file, parent.folder / decl.name
        return file, file.parent


__all__ = ["AMBIGUOUS", "MAX_DEPTH", "Crate", "Entry", "Module", "Table", "walk"]
