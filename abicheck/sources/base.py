"""What every source kind shares: the options, the context of one run, the kind protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from ..model import AbicheckError, Pairs, Table
from ..reader.datamodel import DataModel
from ..reader.scan import ScanCache
from ..targets import Target
from ..targets.mman import MMAN

if TYPE_CHECKING:
    from ..parse import Reader

ArchFrom = Literal["auto", "installed", "snapshot"]


@dataclass(frozen=True)
class SourceOptions:
    """How sources are read.

    ``include_dirs``, ``defines`` (``-D`` name and value pairs), ``data_model`` (""
    is lp64, or ``arch``'s), ``arch`` (read as that architecture: its predefines, data
    model and installed headers after ``include_dirs``; "" a generic target's) and
    ``undefines`` (``-U``) are for header-path sources (as ``abicheck parse``);
    ``header`` is the header ``arch:`` sources read (found on the architecture's
    include path; default: the target's); ``kernel_tree`` a kernel source tree whose
    uapi dirs ``arch:`` sources read instead of installed headers; ``snapshot``
    overrides the shipped architecture snapshot; ``arch_from`` forces installed
    headers or the snapshot (``auto``: installed where present); ``cc`` is the C
    compiler for the ``libc`` source; ``target`` what the tables are about;
    ``rust_targets`` the Rust targets ``rust:`` sources read (all when empty).
    """

    include_dirs: tuple[str, ...] = ()
    defines: Pairs = ()
    data_model: str = ""
    arch: str = ""
    undefines: tuple[str, ...] = ()
    header: str = ""
    kernel_tree: str | None = None
    snapshot: str | None = None
    arch_from: ArchFrom = "auto"
    cc: str = "gcc"
    target: Target = MMAN
    rust_targets: tuple[str, ...] = ()

    @property
    def arch_header(self) -> str:
        """The header ``arch:`` sources read."""
        return self.header or self.target.header


class _Readers:
    """One Reader per (include dirs, defines, predefines, data model), made on demand."""

    def __init__(self) -> None:
        self._pool: dict[tuple[object, ...], Reader] = {}
        # a file's text scanned once for every reader (every architecture) that reads it
        self._scans = ScanCache()

    def get(
        self,
        dirs: Sequence[str | Path],
        defines: Pairs | None,
        data_model: str,
        predefines: Mapping[str, str] | None,
        unsigned_char: bool = False,
        abi: DataModel | None = None,
    ) -> Reader:
        from ..parse import Reader

        key = (
            tuple(str(d) for d in dirs),
            tuple(defines or ()),
            data_model,
            None if predefines is None else tuple(sorted(predefines.items())),
            unsigned_char,
            abi,
        )
        reader = self._pool.get(key)
        if reader is None:
            reader = Reader(
                key[0],
                dict(defines or ()),
                data_model,
                predefines,
                unsigned_char,
                abi=abi,
                scans=self._scans,
            )
            self._pool[key] = reader
        return reader


class Context:
    """One run's sources: the options, and what their loads share (readers, the
    architecture snapshot once read)."""

    def __init__(self, options: SourceOptions) -> None:
        self.options = options
        self.readers = _Readers()
        self.snapshot_tables: dict[str, Table] | None = None

    def with_options(self, options: SourceOptions) -> Context:
        """A context for other options that shares this one's readers and snapshot."""
        if options == self.options:
            return self
        other = Context(options)
        other.readers = self.readers
        if options.snapshot == self.options.snapshot:
            other.snapshot_tables = self.snapshot_tables
        return other


class SourceKind:
    """One kind of source: which specs it takes, how it loads them, and how it reads
    a table it made again from that table's provenance.

    ``name`` is recorded as ``Provenance.source``; ``forms`` are the spec forms it
    takes, for help and errors; ``keywords`` the exact specs it answers to.
    """

    name: ClassVar[str]
    forms: ClassVar[tuple[str, ...]]
    keywords: ClassVar[tuple[str, ...]] = ()
    #: Files: handled by suffix (lower case, with the dot), tried after keywords.
    suffixes: ClassVar[tuple[str, ...]] = ()
    #: A spec prefix such as ``arch:``.
    prefix: ClassVar[str] = ""

    def handles(self, spec: str) -> bool:
        """Whether ``spec`` names a source of this kind (files: their path exists)."""
        if spec in self.keywords:
            return True
        return bool(self.prefix) and spec.startswith(self.prefix)

    def load(self, spec: str, ctx: Context) -> list[Table]:
        """The tables of ``spec`` (one or more)."""
        raise NotImplementedError

    def reread(self, table: Table, ctx: Context) -> Table:
        """``table`` read again today from what its provenance records (its label kept
        by the caller). By default: its keyword again."""
        if not self.keywords:
            raise AbicheckError(f"a {self.name} table cannot be read again")
        tables = self.load(self.keywords[0], ctx)
        return tables[0]
