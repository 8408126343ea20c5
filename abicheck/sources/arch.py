"""``arch:NAME`` and ``arch:all``: an architecture's uapi header, from installed cross
headers, a kernel source tree, or the snapshot shipped with abicheck.

Installed: Debian's ``linux-libc-dev-<arch>-cross`` under ``/usr/<triplet>/include``
(also for the host, so a table is the same on every machine with the packages; else,
for the host, its own ``/usr/include``), after abicheck's freestanding headers
(``headers/freestanding``, in place of a compiler's own ``<stddef.h>``, ``<stdint.h>``,
...; not shown in the provenance, as gcc's own folder is not). Whichever way, a table
read from the target's own header holds the target's integer macros only
(:func:`arch_macros`), and one read from another header every integer macro of that
header and its includes but the compiler's builtins (:func:`integer_macros`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from .. import __version__
from ..arches import Arch, all_arches, include_dirs, kernel_tree_include_dirs, lookup
from ..headerargs import is_pattern, resolve_headers
from ..model import AbicheckError, Macro, Provenance, Table
from ..parse import freestanding_dir
from ..resources import data_dir, display_name
from ..snapshot import load_snapshot
from ..targets import Target
from .base import Context, SourceKind
from .packages import HOST_UAPI_PACKAGE, package_version

#: The shipped snapshot of every architecture's mman constants, in ``headers/``.
ARCH_SNAPSHOT = "arches.json"
#: The script that makes it, from the source tree with every cross package and
#: Debian's linux-source-6.1 (for the architectures Debian has no cross headers for)
#: installed.
MAKE_SNAPSHOT_COMMAND = "scripts/make-arch-snapshot"


def installed_dirs(arch: Arch) -> tuple[Path, ...] | None:
    """The installed include dirs ``arch:`` sources read, or None when there are none.

    The architecture's cross package (``/usr/<triplet>/include``) where installed, also
    for the host; else, for the host, its own ``/usr/include`` (:func:`arches.include_dirs`).
    """
    if not arch.cross_package:
        # no Debian package: whatever lies under /usr/<triplet> is another's (hppa's
        # libc package links /usr/hppa64-linux-gnu/include to hppa's headers)
        return None
    cross = Path("/usr") / arch.triplet / "include"
    if (cross / "asm").is_dir():
        return (cross,)
    return include_dirs(arch)


def integer_macros(macros: Iterable[Macro]) -> tuple[Macro, ...]:
    """Every integer macro (one with a value) but the compiler's builtins."""
    return tuple(m for m in macros if m.value is not None and not m.builtin)


def arch_macros(macros: Iterable[Macro], target: Target) -> tuple[Macro, ...]:
    """The macros an ``arch:`` table of the target's header keeps: the target's integers.

    Installed headers, kernel trees and snapshots are cut down alike, so that a table
    has the same names whichever way it was read (a baseline made from installed
    headers audits cleanly against the shipped snapshot).
    """
    return tuple(m for m in integer_macros(macros) if target.has(m.name))


def generic_y(tree: Path, arch: Arch, folder: Path) -> bool:
    """Stand-ins for the ``asm/`` headers a kernel tree without ``make headers`` lacks.

    The kernel generates ``asm/X.h`` as ``#include <asm-generic/X.h>`` for each
    header its ``asm-generic/Kbuild`` makes mandatory that the architecture does not
    have (``generic-y``). Writes them under ``folder/asm/`` (to be searched last) and
    says whether any were needed (none where the tree has ``generated/uapi``).
    """
    generated = tree / "arch" / arch.kernel / "include" / "generated" / "uapi"
    own = tree / "arch" / arch.kernel / "include" / "uapi" / "asm"
    generic = tree / "include" / "uapi" / "asm-generic"
    kbuild = generic / "Kbuild"
    if kbuild.is_file():  # a real tree lists what every arch must have
        text = kbuild.read_text(encoding="utf-8", errors="replace")
        names = set(re.findall(r"^mandatory-y\s*\+=\s*(\S+\.h)", text, re.M))
    else:
        names = {p.name for p in generic.glob("*.h")}
    wanted = sorted(n for n in names if not (own / n).is_file())
    if generated.is_dir() or not wanted:
        return False
    asm = folder / "asm"
    asm.mkdir(parents=True, exist_ok=True)
    for name in wanted:
        (asm / name).write_text(f"#include <asm-generic/{name}>\n", encoding="utf-8")
    return True


def _find(header: str, dirs: Sequence[Path]) -> Path | None:
    for d in dirs:
        p = d / header
        if p.is_file():
            return p
    return None


class ArchSource(SourceKind):
    """``arch:NAME``, ``arch:all``: see the module docstring."""

    name = "arch"
    forms = ("arch:NAME", "arch:all")
    prefix: ClassVar[str] = "arch:"

    def load(self, spec: str, ctx: Context) -> list[Table]:
        name = spec[len(self.prefix) :]
        if not name.strip():
            available = ", ".join(a.name for a in all_arches())
            raise AbicheckError(f"arch: needs a name; available: all, {available}")
        if name.strip().lower() == "all":
            return [self.arch(a, ctx) for a in all_arches()]
        return [self.arch(lookup(name), ctx)]

    def reread(self, table: Table, ctx: Context) -> Table:
        o = table.origin
        name = o.arch or (table.label[5:] if table.label.startswith("arch:") else "")
        if not name:
            raise AbicheckError("its origin records no architecture")
        options = replace(ctx.options, header=o.header or ctx.options.header)
        if o.headers_from == "kernel-tree" and o.kernel_tree and not options.kernel_tree:
            options = replace(options, kernel_tree=o.kernel_tree)
        return self.arch(lookup(name), ctx.with_options(options))

    def arch(self, arch: Arch, ctx: Context) -> Table:
        o = ctx.options
        if o.kernel_tree is not None:
            return self.kernel_tree(arch, Path(o.kernel_tree), ctx)
        found = installed_dirs(arch) if o.arch_from != "snapshot" else None
        if found is not None:
            return self.installed(arch, found, "installed", ctx)
        if o.arch_from == "installed":
            raise AbicheckError(f"no uapi headers for {arch.name}: {arch.install_hint}")
        return self.snapshot(arch, ctx)

    def installed(
        self,
        arch: Arch,
        dirs: Sequence[Path],
        headers_from: str,
        ctx: Context,
        kernel_tree: str = "",
        shown_dirs: Sequence[Path] | None = None,
    ) -> Table:
        o = ctx.options
        header = o.arch_header
        if is_pattern(header):
            # every header the pattern matches there, as parse --arch expands it
            found, _ = resolve_headers([header], [str(d) for d in dirs])
            paths = [Path(p) for _, p in found]
            path = Path(dirs[0]) / header
        else:
            one = _find(header, dirs)
            paths = [] if one is None else [one]
            path = paths[0] if paths else Path(header)
        if not paths:
            what = "header matching" if is_pattern(header) else ""
            raise AbicheckError(
                f"no {what}{' ' if what else ''}{header} for {arch.name} in "
                f"{', '.join(map(str, dirs))}"
            )
        # abicheck's freestanding headers first, where gcc has its own (<stddef.h>, ...)
        searched = (freestanding_dir(), *map(str, dirs))
        reader = ctx.readers.get(
            searched, None, arch.data_model, arch.predefined(), arch.unsigned_char, abi=arch.abi
        )
        package = ""
        if headers_from == "installed":
            cross = Path("/usr") / arch.triplet / "include"
            package = arch.cross_package if Path(dirs[0]) == cross else HOST_UAPI_PACKAGE
        origin = Provenance(
            source=self.name,
            path=str(path),
            header=header,
            include_dirs=tuple(map(str, dirs if shown_dirs is None else shown_dirs)),
            data_model=arch.data_model,
            arch=arch.name,
            kernel_arch=arch.kernel,
            headers_from=headers_from,
            kernel_tree=kernel_tree,
            package=package,
            version=package_version(package) if package else "",
            reader=f"abicheck {__version__}",
        )
        if len(paths) == 1 and not is_pattern(header):
            macros = reader.read(str(paths[0]))
        else:  # each name once, from the first header (sorted) that has it
            merged: dict[str, Macro] = {}
            for p in paths:
                for m in reader.read(str(p)):
                    merged.setdefault(m.name, m)
            macros = tuple(sorted(merged.values(), key=lambda m: m.name))
            origin = origin.note("headers", " ".join(str(p) for p in paths))
        kept = (
            arch_macros(macros, o.target) if header == o.target.header else integer_macros(macros)
        )
        return Table(f"arch:{arch.name}", "arch", kept, origin)

    def kernel_tree(self, arch: Arch, tree: Path, ctx: Context) -> Table:
        """``arch`` from a kernel source tree (see :func:`generic_y`)."""
        dirs = list(kernel_tree_include_dirs(tree, arch))
        with tempfile.TemporaryDirectory(prefix="abicheck-generic-y-") as tmp:
            if not generic_y(tree, arch, Path(tmp)):
                return self.installed(arch, dirs, "kernel-tree", ctx, str(tree))
            table = self.installed(
                arch, [*dirs, Path(tmp)], "kernel-tree", ctx, str(tree), shown_dirs=dirs
            )
        origin = table.origin.note(
            "generic_y", "asm/ headers missing from the tree read from asm-generic/"
        )
        return replace(table, origin=origin)

    def snapshot(self, arch: Arch, ctx: Context) -> Table:
        o = ctx.options
        path = Path(o.snapshot) if o.snapshot else data_dir("headers") / ARCH_SNAPSHOT
        if o.arch_header != o.target.header:
            raise AbicheckError(
                f"no {o.arch_header} for {arch.name}: the shipped snapshot has only "
                f"{o.target.header}; {arch.install_hint}"
            )
        if ctx.snapshot_tables is None:
            ctx.snapshot_tables = {t.label: t for t in load_snapshot(path)}
        table = ctx.snapshot_tables.get(f"arch:{arch.name}")
        if table is None:
            raise AbicheckError(
                f"no uapi headers for {arch.name}: {arch.install_hint}; "
                f"the snapshot {display_name(path)} has none either "
                f"(it has: {', '.join(sorted(ctx.snapshot_tables)) or 'nothing'})"
            )
        origin = replace(table.origin, headers_from="snapshot", snapshot=display_name(path))
        return replace(
            table, kind="arch", macros=arch_macros(table.macros, o.target), origin=origin
        )
