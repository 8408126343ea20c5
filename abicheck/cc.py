"""The C compiler as an oracle: which macros a header defines and their integer values,
and how it lays out structs and unions.

Nothing is linked or run. ``gcc -E -dD`` lists the macros; then one generated C file per
header holds, for each object-like macro ``NAME``, a function whose inline ``asm`` takes
as ``"i"`` (immediate constant) operands the high and low 32 bits of ``NAME``, whether
``NAME < 0``, whether it is an integer constant (``__builtin_constant_p`` and
``__builtin_classify_type``: not floating, pointer, string) and ``sizeof(NAME)``, and
prints them into an assembler comment read back from the ``gcc -S`` output. A macro that
is no C expression makes gcc report an error on its function's line: it is dropped and
the file compiled again (at most :data:`MAX_PASSES` rounds, never one run per macro).
Where the target has ``__int128``, two more operands carry bits 64 to 127, so its values
are read whole; integer overflow, division by zero and oversized
shifts are made errors, so macros whose C value is undefined are left out too. A header
whose own C code does not compile is evaluated from its ``#define`` lines alone.

For a foreign architecture the host gcc reads the target's own headers with the
target's predefined macros (``-nostdinc -undef -D...`` from :mod:`abicheck.arches`) and
its data model (``-m32``/``-mx32``/``-m64``) and ``char`` signedness, so the headers take
the branches they take on that target. ``sizeof`` of structures still follows the host
ABI's alignment rules for that data model (e.g. m68k aligns ``int`` to 2 bytes, i386
aligns ``long long`` to 4 in structs): values built from such sizes may differ from the
real target's.

With ``own_compiler`` the compiler is the target's own (a cross gcc, see
:func:`cross_compiler`): it gets no ``-nostdinc``/``-undef``/``-D``/``-m`` flags, so
its own predefines, data model, ABI and search path hold and the values are exactly
the target's.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from abicheck.arches import Arch, host_arch, include_dirs, is_host
from abicheck.model import AbicheckError
from abicheck.searchpath import compiler_run as _run
from abicheck.searchpath import search_dirs as search_dirs  # (its home before)

#: Compile passes per header before giving up (each drops the macros that failed).
MAX_PASSES = 6

#: Warnings that mean "no well-defined C value": made errors so such macros drop out.
_WERROR = (
    "-Werror=overflow",
    "-Werror=shift-count-overflow",
    "-Werror=shift-count-negative",
    "-Werror=shift-overflow",
    "-Werror=div-by-zero",
)
_BASE_FLAGS = ("-O0", "-fdiagnostics-plain-output")
#: The flags every macro-probe ``-S`` compile gets besides :func:`compiler_flags`.
PROBE_FLAGS = (*_BASE_FLAGS, *_WERROR)
_PROBE_RE = re.compile(r"# ABICHECK (\d+)" + r" [$#]?(-?\d+)" * 8 + r"\s*$")
_DIAG_RE = re.compile(
    r"^(?P<file>[^:\n]+?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?: "
    r"(?P<sev>fatal error|error|warning|note): (?P<msg>.*)$"
)
_TU_REF_RE = re.compile(r"(?:^|[\s,])([hp])(\d+)\.c:")
_LINEMARK_RE = re.compile(r'^# (\d+) "((?:[^"\\]|\\.)*)"')
# a macro name as -dM/-dD spell it: non-ASCII characters as universal character names
_UCN = r"\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}"
_NAME = rf"(?:[A-Za-z_$]|{_UCN})(?:[\w$]|{_UCN})*"
_UCN_RE = re.compile(_UCN)
_DEFINE_RE = re.compile(rf"^#define ({_NAME})(\()?(.*)$")
_UNDEF_RE = re.compile(rf"^#undef ({_NAME})")


def _name(spelled: str) -> str:
    """A macro name as gcc prints it, its universal character names decoded
    (``MAP_caf\\U000000e9`` is ``MAP_café``, as the reader names it)."""
    if "\\" not in spelled:
        return spelled
    return _UCN_RE.sub(lambda m: chr(int(m.group()[2:], 16)), spelled)


_PREFIX = "__ABICHECK"


@dataclass(frozen=True)
class CompilerTable:
    """What the compiler says about one header.

    ``names`` are all macros defined after including it (builtins and predefines
    included, function-like too); ``values`` the object-like ones that are integer
    constant expressions, with their exact C value (unsigned stay non-negative);
    ``compiler`` is ``cc --version``'s first line and ``flags`` the flags used (both
    provenance); ``declarations`` is False when the header's own C code did not compile,
    so values came from its macros alone (anything needing its types is missing);
    ``locations`` gives each object-like macro's file, line and replacement text as
    the preprocessor reported them; ``folded`` the names among ``values`` whose
    expression is no integer constant expression in C (gcc folds it anyway, e.g.
    ``0 <= (1, 2u)``: a comma operator evaluated, a comparison always true).
    """

    header: str
    names: frozenset[str]
    values: dict[str, int]
    compiler: str
    flags: tuple[str, ...]
    declarations: bool = True
    folded: frozenset[str] = frozenset()
    locations: dict[str, tuple[str, int, str]] = field(default_factory=dict)


@dataclass
class _Define:
    name: str
    function_like: bool
    body: str
    builtin: bool
    text: str
    file: str = ""
    line: int = 0


@dataclass
class _Unit:
    """One header's translation unit through the passes."""

    index: int
    header: str
    include: str
    defines: list[_Define] = field(default_factory=list)
    names: frozenset[str] = frozenset()
    candidates: list[str] = field(default_factory=list)
    replay: bool = False


@lru_cache(maxsize=16)
def compiler_version(cc: str = "gcc") -> str:
    """The first line of ``cc --version``; raises AbicheckError when ``cc`` is missing."""
    if shutil.which(cc) is None:
        raise AbicheckError(f"C compiler {cc!r} not found")
    proc = _run([cc, "--version"])
    if proc.returncode != 0 or not proc.stdout.strip():
        raise AbicheckError(f"C compiler {cc!r} does not run: {proc.stderr.strip()}")
    return proc.stdout.splitlines()[0].strip()


@lru_cache(maxsize=16)
def _host_predefines(cc: str) -> dict[str, str]:
    compiler_version(cc)
    proc = _run([cc, "-dM", "-E", "-x", "c", os.devnull])
    out: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        m = _DEFINE_RE.match(line)
        if m and not m.group(2):
            out[_name(m.group(1))] = m.group(3).strip()
    return out


@lru_cache(maxsize=16)
def _supports(cc: str, flag: str) -> bool:
    proc = _run([cc, flag, "-S", "-x", "c", "-o", os.devnull, os.devnull])
    return proc.returncode == 0


def _model_flag(cc: str, arch: Arch) -> list[str]:
    host_long = _host_predefines(cc).get("__SIZEOF_LONG__", "8")
    want_long = "8" if arch.data_model == "lp64" else "4"
    if arch.name == "x32":
        flag = "-mx32"
    elif host_long == want_long:
        return []
    else:
        flag = "-m64" if arch.data_model == "lp64" else "-m32"
    if not _supports(cc, flag):
        raise AbicheckError(
            f"{cc} cannot compile for the {arch.data_model} data model of {arch.name} "
            f"({flag} unsupported)"
        )
    return [flag]


def cross_compiler(arch: Arch) -> str:
    """The name of ``arch``'s own gcc, as Debian's ``gcc-<triplet>`` installs it."""
    return f"{arch.triplet}-gcc"


def compiler_flags(
    arch: Arch | None = None,
    include_dirs_: Sequence[Path | str] = (),
    defines: Mapping[str, str] | None = None,
    cc: str = "gcc",
    system_includes: bool = False,
    own_compiler: bool = False,
) -> tuple[str, ...]:
    """The preprocessor/dialect flags :func:`compiler_macros` passes to ``cc``.

    ``own_compiler`` (``cc`` is the target's own gcc): only ``-I`` the given dirs and
    the ``defines``, nothing else (``arch`` and ``system_includes`` are then unused).

    Host (``arch`` None or this machine's): ``-nostdinc`` unless ``system_includes``,
    ``-I`` the given dirs (default: the host's uapi dirs). Foreign arch: ``-nostdinc
    -undef``, ``-D`` the arch's predefines and the host gcc's ``__GNUC__`` version
    macros, the data-model flag, ``-f[un]signed-char``, ``-I`` the given dirs (default:
    the installed cross headers). ``defines`` come last, as ``-DNAME=VALUE``.
    """
    flags: list[str] = []
    dirs = [Path(d) for d in include_dirs_]
    if own_compiler:
        pass
    elif arch is None or is_host(arch):
        if not system_includes:
            flags.append("-nostdinc")
            if not dirs:
                dirs = list(include_dirs(arch or host_arch()) or ())
    else:
        if system_includes:
            raise AbicheckError(f"system headers are the host's: cannot use them for {arch.name}")
        if not dirs:
            found = include_dirs(arch)
            if found is None:
                raise AbicheckError(f"no uapi headers for {arch.name}: {arch.install_hint}")
            dirs = list(found)
        flags += ["-nostdinc", "-undef"]
        host = _host_predefines(cc)
        for name in ("__GNUC__", "__GNUC_MINOR__", "__GNUC_PATCHLEVEL__", "__GNUC_STDC_INLINE__"):
            if name in host:
                flags.append(f"-D{name}={host[name]}")
        flags += [f"-D{name}={value}" for name, value in arch.predefines]
        flags += _model_flag(cc, arch)
        flags.append("-funsigned-char" if arch.unsigned_char else "-fsigned-char")
    flags += [f"-I{d}" for d in dirs]
    flags += [f"-D{name}={value}" for name, value in (defines or {}).items()]
    return tuple(flags)


def _include_line(header: str | Path) -> tuple[str, str]:
    """(key, ``#include`` line) for a path or a ``<name.h>`` system header."""
    text = str(header)
    if text.startswith("<") and text.endswith(">"):
        return text, f"#include {text}"
    path = Path(header)
    if not path.is_file():
        raise AbicheckError("no such header file", text)
    quoted = str(path.resolve()).replace("\\", "\\\\").replace('"', '\\"')
    return text, f'#include "{quoted}"'


def _balanced(body: str) -> bool:
    """Whether a replacement list has balanced brackets and no ``;``/braces (outside
    literals): such a macro cannot unbalance the probe file and cascade errors."""
    depth = 0
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c in "\"'":
            j = i + 1
            while j < n and body[j] != c:
                j += 2 if body[j] == "\\" else 1
            i = j + 1
            continue
        if c in "{};":
            return False
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


def _parse_dd(lines: Iterable[str]) -> list[_Define]:
    """The #define/#undef sequence of one TU's ``-E -dD`` output, each with the file
    and line the line markers give it."""
    out: list[_Define] = []
    builtin = True  # until the main file (h<n>.c) starts: builtins, -D, stdc-predef.h
    file, at = "", 1
    for line in lines:
        if line.startswith("# "):
            m = _LINEMARK_RE.match(line)
            if m:
                file, at = m.group(2), int(m.group(1))
                if re.fullmatch(r"h\d+\.c", file):
                    builtin = False
                continue
        if line.startswith("#define "):
            m = _DEFINE_RE.match(line)
            if m:
                body = m.group(3)
                function_like = m.group(2) is not None
                name = _name(m.group(1))
                d = _Define(name, function_like, body.strip(), builtin, line, file, at)
                out.append(d)
        elif line.startswith("#undef "):
            m = _UNDEF_RE.match(line)
            if m:
                out.append(_Define(_name(m.group(1)), False, "", builtin, "#undef " + m.group(1)))
        at += 1
    return out


def _final_macros(defines: list[_Define]) -> dict[str, _Define]:
    live: dict[str, _Define] = {}
    for d in defines:
        if d.text.startswith("#undef "):
            live.pop(d.name, None)
        else:
            live[d.name] = d
    return live


@dataclass
class _Diag:
    unit: int | None
    sev: str
    file: str
    line: int
    msg: str
    probe_lines: set[int] = field(default_factory=set)


def _diagnostics(stderr: str, prefix: str) -> tuple[list[_Diag], list[str]]:
    """Error groups (error + its notes) of a multi-file gcc run, each attributed to the
    TU ``<prefix><n>.c`` it came from; plus errors with no location (driver/cc1)."""
    groups: list[_Diag] = []
    unlocated: list[str] = []
    unit: int | None = None
    current: _Diag | None = None
    own = re.compile(rf"^{prefix}(\d+)\.c$")
    for line in stderr.splitlines():
        for kind, num in _TU_REF_RE.findall(line):
            if kind == prefix:
                unit = int(num)
        m = _DIAG_RE.match(line)
        if not m:
            continue
        sev, file = m.group("sev"), m.group("file")
        if m.group("line") is None and not file.startswith("<"):
            if "[-Werror=" in line:
                # a value diagnostic gcc gives no location (deep in a folded
                # expression): part of the probe whose errors it follows, or, first
                # of all, of the unit's own code
                if current is None:
                    current = _Diag(unit, sev, file, 0, m.group("msg"))
                    groups.append(current)
                continue
            # the driver or cc1 itself (bad flag, missing program): not about any TU
            if sev in ("error", "fatal error") and "warnings being treated" not in line:
                unlocated.append(line)
            continue
        lineno = int(m.group("line") or 0)
        own_m = own.match(file)
        if own_m:
            unit = int(own_m.group(1))
        if sev == "note":
            if current is not None and own_m:
                current.probe_lines.add(lineno)
            continue
        if sev == "warning":
            current = None
            continue
        current = _Diag(unit, sev, file, lineno, m.group("msg"))
        if own_m:
            current.probe_lines.add(lineno)
        groups.append(current)
    return groups, unlocated


def _error_for(unit: _Unit, diag: _Diag, prefix: str) -> AbicheckError:
    if re.match(rf"^{prefix}\d+\.c$", diag.file):
        return AbicheckError(diag.msg, unit.header)
    return AbicheckError(diag.msg, diag.file, diag.line)


#: ``OK(X)``: 1 when ``X`` is an integer constant (so non-constants and pointers fold to 0
#: up front instead of failing one by one late); ``V(X)``: X where OK, else 0.
_OK = (
    "(__builtin_constant_p(X) && __builtin_classify_type(X) >= 1"
    " && __builtin_classify_type(X) <= 4)"
)
_V = f"__builtin_choose_expr({_OK}, (X), 0)"
#: Helper macros heading every probe file. Each takes the macro's name as X and invokes
#: no other: an expansion with a comma outside parentheses (``0 ? 1, 2 : 3``) would be
#: split into arguments of a helper it were passed on to.
_HELPERS = (
    f"#define {_PREFIX}_OK(X) {_OK}",
    f"#define {_PREFIX}_V(X) {_V}",
    # bits 64 + S to 95 + S of V(X), where the target has __int128 (else 0)
    "#ifdef __SIZEOF_INT128__",
    f"#define {_PREFIX}_W(X, S) ((unsigned)((unsigned __int128){_V} >> (64 + S)))",
    "#else",
    f"#define {_PREFIX}_W(X, S) 0u",
    "#endif",
    # 1 when X is an integer constant expression in C (a null pointer constant needs
    # one), 0 where gcc only folds it to a constant (a comma operator it evaluates)
    f"#define {_PREFIX}_ICE(X) (sizeof(int) == "
    f"sizeof(*(8 ? ((void *)((long)(X) * 0l)) : (int *)8)))",
)


def _probe_source(unit: _Unit) -> str:
    """The C file evaluating ``unit.candidates``, probe k on line ``_first_probe_line + k``.

    After the helpers, the header's ``#include`` line; in replay mode the header's own
    #define and #undef lines (from ``-dD``) stand in for it, one per line. Probe k's asm
    comment carries V's high and low 32 bits, ``V < 0``, ``OK``, ``sizeof`` and bits
    64 to 95 and 96 to 127 (of an ``__int128``), and whether it is an integer
    constant expression.
    """
    out = list(_HELPERS)
    if unit.replay:
        out += [d.text for d in unit.defines if not d.builtin]
    else:
        out.append(unit.include)
    for k, name in enumerate(unit.candidates):
        v = f"{_PREFIX}_V({name})"
        out.append(
            f"void {_PREFIX}_{k}(void) {{ __asm__ __volatile__ "
            f'("# ABICHECK {k} %0 %1 %2 %3 %4 %5 %6 %7" :: '
            f'"i"((unsigned)((unsigned long long){v} >> 32)), "i"((unsigned){v}), '
            f'"i"({v} < 0), "i"({_PREFIX}_OK({name})), "i"(sizeof({name})), '
            f'"i"({_PREFIX}_W({name}, 0)), "i"({_PREFIX}_W({name}, 32)), '
            f'"i"({_PREFIX}_ICE({name}))); }}'
        )
    return "\n".join(out) + "\n"


def _first_probe_line(unit: _Unit) -> int:
    head = sum(1 for d in unit.defines if not d.builtin) if unit.replay else 1
    return len(_HELPERS) + head + 1


def _run_chunked(argv: Sequence[str], files: Sequence[str], cwd: str) -> list[tuple[str, str]]:
    """Run ``argv + files`` split into contiguous chunks, one gcc per CPU at most, in
    parallel; returns each chunk's (stdout, stderr) in order."""
    jobs = max(1, min(os.cpu_count() or 1, -(-len(files) // 16)))
    size = -(-len(files) // jobs)
    parts = [files[i : i + size] for i in range(0, len(files), size)]
    from concurrent.futures import ThreadPoolExecutor  # (a run of parse needs none)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        procs = list(pool.map(lambda part: _run([*argv, *part], cwd), parts))
    return [(p.stdout, p.stderr) for p in procs]


def _collect(outputs: list[tuple[str, str]], prefix: str, cc: str) -> list[_Diag]:
    diags: list[_Diag] = []
    for _, stderr in outputs:
        found, unlocated = _diagnostics(stderr, prefix)
        if unlocated:
            raise AbicheckError(f"{cc} failed: {unlocated[0]}")
        if any(d.unit is None for d in found):
            raise AbicheckError(f"{cc} failed: {next(d.msg for d in found if d.unit is None)}")
        diags += found
    return diags


_IDENT_RE = re.compile(r"[A-Za-z_]\w*")


def compiler_macros_many(
    headers: Iterable[str | Path],
    include_dirs: Sequence[Path | str] = (),
    defines: Mapping[str, str] | None = None,
    arch: Arch | None = None,
    cc: str = "gcc",
    system_includes: bool = False,
    own_compiler: bool = False,
) -> dict[str, CompilerTable | AbicheckError]:
    """Evaluate many headers, each in its own translation unit, with few gcc runs.

    ``headers`` are paths or ``"<sys/mman.h>"``-style names; the other arguments are as
    for :func:`compiler_macros`. Returns, keyed by ``str(header)`` in input order, each
    header's :class:`CompilerTable` or the :class:`AbicheckError` it failed with (missing
    file, preprocessing error, or macros not evaluable). One ``gcc -E`` and at most
    :data:`MAX_PASSES` ``gcc -S`` rounds cover all headers (each round split over the
    CPUs); builtin and predefined macros are evaluated once and shared. Raises
    AbicheckError only when the compiler itself is missing or rejects the flags.
    """
    version = compiler_version(cc)
    flags = compiler_flags(arch, include_dirs, defines, cc, system_includes, own_compiler)
    results: dict[str, CompilerTable | AbicheckError] = {}
    units: list[_Unit] = []
    for header in headers:
        try:
            key, include = _include_line(header)
        except AbicheckError as err:
            results[str(header)] = err
            continue
        results[key] = AbicheckError("not evaluated", key)
        units.append(_Unit(len(units), key, include))
    if not units:
        return results
    # The baseline unit includes nothing: it evaluates the builtins and predefines once.
    baseline = _Unit(len(units), "<builtins>", "")
    units.append(baseline)

    import tempfile  # (not for a run of parse)

    with tempfile.TemporaryDirectory(prefix="abicheck-cc-") as tmp:
        # Pass 0: preprocess every unit once, keeping the #define/#undef sequence.
        for u in units:
            Path(tmp, f"h{u.index}.c").write_text(u.include + "\n")
        outputs = _run_chunked(
            [cc, "-E", "-dD", *_BASE_FLAGS, *flags], [f"h{u.index}.c" for u in units], tmp
        )
        failed: dict[int, AbicheckError] = {}
        for d in _collect(outputs, "h", cc):
            if d.unit is not None and d.unit not in failed:
                failed[d.unit] = _error_for(units[d.unit], d, "h")
        if baseline.index in failed:
            raise failed[baseline.index]
        chunks: dict[int, list[str]] = {}
        cur: list[str] | None = None
        start = re.compile(r'^# 0 "h(\d+)\.c"$')
        for stdout, _ in outputs:
            for line in stdout.splitlines():
                m = start.match(line)
                if m:
                    cur = chunks.setdefault(int(m.group(1)), [])
                elif cur is not None:
                    cur.append(line)
        pending: list[_Unit] = []
        shared: dict[int, list[str]] = {}
        for u in units:
            if u.index in failed:
                results[u.header] = failed[u.index]
                continue
            u.defines = _parse_dd(chunks.get(u.index, []))
            live = _final_macros(u.defines)
            u.names = frozenset(live)
            reuse = [] if u is baseline else _shared_builtins(live)
            shared[u.index] = reuse
            skip = set(reuse)
            u.candidates = sorted(
                name
                for name, d in live.items()
                if name not in skip
                and not d.function_like
                and d.body
                and not name.startswith(_PREFIX)
                and _balanced(d.body)
            )
            pending.append(u)

        # Passes 1..MAX_PASSES: compile probes, drop the macros gcc rejects.
        done: dict[int, tuple[dict[str, int], set[str]]] = {}
        for _ in range(MAX_PASSES):
            if not pending:
                break
            for u in pending:
                Path(tmp, f"p{u.index}.c").write_text(_probe_source(u))
                Path(tmp, f"p{u.index}.s").unlink(missing_ok=True)
            outputs = _run_chunked(
                [cc, "-S", *_BASE_FLAGS, *_WERROR, *flags], [f"p{u.index}.c" for u in pending], tmp
            )
            by_unit: dict[int, list[_Diag]] = {}
            for d in _collect(outputs, "p", cc):
                by_unit.setdefault(d.unit if d.unit is not None else -1, []).append(d)
            still: list[_Unit] = []
            for u in pending:
                errs = by_unit.get(u.index, [])
                asm = Path(tmp, f"p{u.index}.s")
                if not errs and asm.is_file():
                    done[u.index] = _read_values(asm.read_text(errors="replace"), u.candidates)
                    continue
                first = _first_probe_line(u)
                drop: set[int] = set()
                header_errors = []
                for d in errs:
                    lines = {n - first for n in d.probe_lines if n >= first}
                    if lines:
                        drop |= lines
                    else:
                        header_errors.append(d)
                if header_errors and not u.replay:
                    # The header's own C does not compile: evaluate its macros alone.
                    u.replay = True
                elif header_errors or not drop:
                    results[u.header] = (
                        _error_for(u, header_errors[0], "p")
                        if header_errors
                        else AbicheckError(f"{cc} -S produced no output", u.header)
                    )
                    continue
                u.candidates = [c for k, c in enumerate(u.candidates) if k not in drop]
                still.append(u)
            pending = still
        for u in pending:
            results[u.header] = AbicheckError(
                f"macros still not evaluable after {MAX_PASSES} compiler passes", u.header
            )
    if baseline.index not in done:
        failure = results.pop(baseline.header, None)
        if isinstance(failure, AbicheckError):
            raise failure
        raise AbicheckError(f"{cc}: could not evaluate the builtin macros")
    results.pop(baseline.header, None)
    base_values, base_folded = done[baseline.index]
    for u in units[:-1]:
        if u.index not in done:
            continue
        values = dict(done[u.index][0])
        values.update((n, base_values[n]) for n in shared[u.index] if n in base_values)
        folded = done[u.index][1] | (base_folded & set(shared[u.index]))
        results[u.header] = CompilerTable(
            header=u.header,
            names=u.names,
            values=dict(sorted(values.items())),
            compiler=version,
            flags=flags,
            declarations=not u.replay,
            folded=frozenset(folded),
            locations={
                d.name: (d.file, d.line, d.body)
                for d in _final_macros(u.defines).values()
                if not d.function_like
            },
        )
    return results


def _shared_builtins(live: Mapping[str, _Define]) -> list[str]:
    """Builtin/predefined macros whose value cannot depend on the header: defined before
    it and referring only to macros that are likewise untouched (or not macros)."""
    untouched = {name for name, d in live.items() if d.builtin}
    out = []
    for name in untouched:
        body_ids = _IDENT_RE.findall(live[name].body)
        if all(i in untouched or i not in live for i in body_ids):
            out.append(name)
    return sorted(out)


def _read_values(asm: str, candidates: Sequence[str]) -> tuple[dict[str, int], set[str]]:
    """The probes' values by name, and the names whose value is no integer constant
    expression (gcc folded it)."""
    values: dict[str, int] = {}
    folded: set[str] = set()
    for line in asm.splitlines():
        m = _PROBE_RE.search(line)
        if not m:
            continue
        k, hi, lo, neg, ok, size, w2, w3, ice = (int(g) for g in m.groups())
        if not ok or size not in (1, 2, 4, 8, 16) or k >= len(candidates):
            continue
        value = ((hi & 0xFFFFFFFF) << 32) | (lo & 0xFFFFFFFF)
        bits = 64
        if size == 16:  # an __int128: its high 64 bits too
            value |= ((w3 & 0xFFFFFFFF) << 96) | ((w2 & 0xFFFFFFFF) << 64)
            bits = 128
        values[candidates[k]] = value - (1 << bits) if neg else value
        if not ice:
            folded.add(candidates[k])
    return dict(sorted(values.items())), folded


def compiler_macros(
    header: str | Path,
    include_dirs: Sequence[Path | str] = (),
    defines: Mapping[str, str] | None = None,
    arch: Arch | None = None,
    cc: str = "gcc",
    system_includes: bool = False,
    own_compiler: bool = False,
) -> CompilerTable:
    """The macros ``cc`` sees after ``#include``-ing ``header``, and their integer values.

    ``header`` is a path, or ``"<sys/mman.h>"`` for a header found on the include path.
    ``include_dirs`` are searched first (``-I``); ``defines`` are added as ``-D``.
    ``arch`` None or the host: plain ``cc``, with ``-nostdinc`` and the host's uapi include
    dirs unless ``system_includes`` (then libc's headers work too, e.g. ``<sys/mman.h>``).
    A foreign ``arch``: the host ``cc`` evaluates the target's headers (default: its
    installed cross headers) with the target's predefines and data model, see the module
    docstring; with ``own_compiler``, ``cc`` is the target's own gcc and gets no target
    flags at all. Raises AbicheckError when the compiler is missing, the header is
    missing or fails to preprocess (located at gcc's ``file:line``), or its macros
    cannot be evaluated.
    """
    key = str(header)
    result = compiler_macros_many(
        [header], include_dirs, defines, arch, cc, system_includes, own_compiler
    )
    table = result[key]
    if isinstance(table, AbicheckError):
        raise table
    return table


# -- layouts: struct/union sizes, alignments and member offsets from gcc's DWARF --------

#: Flags of the DWARF compile: DWARF 5 (``DW_AT_data_bit_offset`` for bitfields, the
#: same on every target), ``-dA`` to have each DIE and attribute named in comments.
DWARF_FLAGS = ("-g", "-gdwarf-5", "-dA", "-fno-eliminate-unused-debug-types")
#: The folders under an include root whose types :func:`compiler_layouts` keeps.
UAPI_FOLDERS = ("linux", "asm", "asm-generic")

_DIE_RE = re.compile(r"\(DIE \((0x[0-9a-f]+)\) (DW_TAG_\w+)\)$")
_END_RE = re.compile(r"end of children of DIE (0x[0-9a-f]+)")
_ATTR_RE = re.compile(r"(DW_AT_\w+)(?:: \"(.*)\"| \((?:(-?(?:0x)?[0-9a-f]+), )?(.*)\))?$")
_LEB_RE = re.compile(r"^[su]leb128 (-?(?:0x)?[0-9a-f]+); ")
#: Where a ``-dA`` comment starts: the target's comment marker (``#``, ``|``, ``@``,
#: ``!``, ``;``, ``//``) after a tab, then what gcc writes there (arc's ``@`` also
#: starts symbol operands, so the text after it is checked too).
_COMMENT_RE = re.compile(r"\t ?(?:#|//|;|!|@|\|) (?=\(|DW_|end of|[su]leb128 )")
_NUM_RE = re.compile(r"-?(?:0x[0-9a-fA-F]+|\d+)")
_LAYOUT_RE = re.compile(r"# ABICHECK (\d+) [$#]?(-?\d+) [$#]?(-?\d+)\s*$")
_QUALIFIERS = frozenset(
    ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type")
    + ("DW_TAG_restrict_type", "DW_TAG_atomic_type")
)
_SIZED = frozenset(
    ("DW_TAG_base_type", "DW_TAG_structure_type", "DW_TAG_union_type")
    + ("DW_TAG_enumeration_type", "DW_TAG_pointer_type")
)


@dataclass(frozen=True)
class Member:
    """One member of a :class:`Layout`, reachable by ``name`` from the outer type.

    ``offset`` (bytes) and ``bit_offset`` count from the start of the outer type;
    ``size`` is the member's type's size in bytes (0 for a flexible array);
    ``bit_offset``/``bit_width`` are set for bitfields only, whose ``offset`` is then
    ``bit_offset // 8`` (the byte holding the first bit).
    """

    name: str
    offset: int
    size: int
    bit_offset: int | None = None
    bit_width: int | None = None


@dataclass(frozen=True)
class Layout:
    """One struct, union or typedef of an unnamed struct/union as gcc lays it out.

    ``name`` is ``struct NAME``, ``union NAME`` or ``typedef NAME``; ``file`` its
    declaring file relative to the include root and ``line`` its line; ``size`` and
    ``align`` are ``sizeof`` and ``_Alignof``; ``members`` in declaration order, the
    members of anonymous struct/union members in their place (flattened).
    """

    name: str
    file: str
    line: int
    size: int
    align: int
    members: tuple[Member, ...]


@dataclass
class _Die:
    tag: str
    parent: int | None
    attrs: dict[str, int | str] = field(default_factory=dict)
    children: list[int] = field(default_factory=list)


def _split_asm_comment(line: str) -> tuple[str, str] | None:
    """(operand text, comment) of a ``-dA`` line, or None when it carries no comment."""
    m = _COMMENT_RE.search(line)
    if m is None:
        return None
    return line[: m.start()].strip(), line[m.end() :].strip()


def _operand_value(operands: str) -> int | str | None:
    """An attribute's value from its directive: the string of ``.ascii``/``.string``,
    else the number its last operand is (None for a label)."""
    if operands.startswith((".ascii", ".string")):
        text = operands.split(None, 1)[1].strip()
        return text.strip('"').removesuffix("\\0")
    parts = operands.replace(",", " ").split()
    if len(parts) >= 2 and _NUM_RE.fullmatch(parts[-1]):
        return int(parts[-1], 0)
    return None


def _dwarf_lines(asm: str) -> Iterator[tuple[int | str | None, str]]:
    """(value, comment) of each commented ``-dA`` line; riscv's ``uleb128 N;`` comment
    prefix gives the value its ``.byte`` encoding spells."""
    for line in asm.splitlines():
        split = _split_asm_comment(line)
        if split is None:
            continue
        operands, comment = split
        leb = _LEB_RE.match(comment)
        if leb:
            yield int(leb.group(1), 0), comment[leb.end() :]
        else:
            yield _operand_value(operands), comment


def parse_dwarf_asm(asm: str) -> dict[int, _Die]:
    """The DIEs of a ``gcc -S -g -dA`` output, by their offset, with parents,
    children and the attributes the comments name (numbers, strings, ``decl_file`` as
    its normalized path)."""
    has_children: dict[int, bool] = {}
    code: int | None = None
    for value, comment in _dwarf_lines(asm):
        if comment == "(abbrev code)":
            code = value if isinstance(value, int) else None
        elif comment in ("DW_children_yes", "DW_children_no") and code is not None:
            has_children[code] = comment == "DW_children_yes"
            code = None
    dies: dict[int, _Die] = {}
    stack: list[int] = []
    current: _Die | None = None
    for value, comment in _dwarf_lines(asm):
        m = _DIE_RE.search(comment)
        if m:
            offset, tag = int(m.group(1), 16), m.group(2)
            current = _Die(tag, stack[-1] if stack else None)
            dies[offset] = current
            if current.parent is not None:
                dies[current.parent].children.append(offset)
            if isinstance(value, int) and has_children.get(value, False):
                stack.append(offset)
            continue
        m = _END_RE.search(comment)
        if m:
            if stack and stack[-1] == int(m.group(1), 16):
                stack.pop()
            current = None
            continue
        m = _ATTR_RE.match(comment) if current is not None else None
        if current is None or m is None:
            continue
        attr, quoted, implicit, paren = m.groups()
        if quoted is not None:
            current.attrs[attr] = quoted
        elif attr == "DW_AT_decl_file" and paren is not None:
            current.attrs[attr] = os.path.normpath(paren)
        elif implicit is not None:
            current.attrs[attr] = int(implicit, 0)
        elif paren is not None and _NUM_RE.fullmatch(paren):
            current.attrs[attr] = int(paren, 0)
        elif value is not None:
            current.attrs[attr] = value
    return dies


def _int_attr(die: _Die, attr: str) -> int | None:
    value = die.attrs.get(attr)
    return value if isinstance(value, int) else None


def _children(dies: Mapping[int, _Die], die: _Die, tag: str) -> Iterator[_Die]:
    """``die``'s children of kind ``tag``, in order."""
    return (dies[c] for c in die.children if dies[c].tag == tag)


def _type_size(dies: Mapping[int, _Die], ref: int | None, depth: int = 0) -> int | None:
    """``sizeof`` of the type DIE at ``ref`` (None for void, functions, incomplete
    types); arrays multiply their dimensions, an unbounded one counting 0."""
    die = dies.get(ref) if ref is not None else None
    if die is None or depth > 64:
        return None
    if die.tag in _SIZED:
        return _int_attr(die, "DW_AT_byte_size")
    if die.tag in _QUALIFIERS:
        return _type_size(dies, _int_attr(die, "DW_AT_type"), depth + 1)
    if die.tag == "DW_TAG_array_type":
        size = _type_size(dies, _int_attr(die, "DW_AT_type"), depth + 1)
        if size is None:
            return None
        for sub in _children(dies, die, "DW_TAG_subrange_type"):
            count = _int_attr(sub, "DW_AT_count")
            upper = _int_attr(sub, "DW_AT_upper_bound")
            lower = _int_attr(sub, "DW_AT_lower_bound") or 0
            if count is None:
                count = 0 if upper is None else upper + 1 - lower
            size *= max(count, 0)
        return size
    return None


def _strip_typedefs(dies: Mapping[int, _Die], ref: int | None) -> _Die | None:
    die = dies.get(ref) if ref is not None else None
    while die is not None and die.tag in _QUALIFIERS:
        ref = _int_attr(die, "DW_AT_type")
        die = dies.get(ref) if ref is not None else None
    return die


def _members(
    dies: Mapping[int, _Die], record: _Die, base: int, big_endian: bool, out: list[Member]
) -> None:
    """Append ``record``'s members, those of its anonymous struct/union members in
    their place, at ``base`` bytes from the outer type's start."""
    for die in _children(dies, record, "DW_TAG_member"):
        type_ref = _int_attr(die, "DW_AT_type")
        width = _int_attr(die, "DW_AT_bit_size")
        bit = _int_attr(die, "DW_AT_data_bit_offset")
        offset = _int_attr(die, "DW_AT_data_member_location") or 0
        old = _int_attr(die, "DW_AT_bit_offset")
        if width is not None and bit is None and old is not None:
            # DWARF 2 style (gcc 12 still writes it for bitfields in unions): bits
            # counted from the storage unit's most significant end
            unit = _int_attr(die, "DW_AT_byte_size") or _type_size(dies, type_ref) or 0
            bit = offset * 8 + (old if big_endian else unit * 8 - old - width)
        name = die.attrs.get("DW_AT_name")
        if not isinstance(name, str):
            inner = _strip_typedefs(dies, type_ref)
            if inner is not None and inner.tag in ("DW_TAG_structure_type", "DW_TAG_union_type"):
                _members(dies, inner, base + offset, big_endian, out)
            continue
        size = _type_size(dies, type_ref) or 0
        if width is not None:
            bits = base * 8 + (bit if bit is not None else offset * 8)
            out.append(Member(name, bits // 8, size, bits, width))
        else:
            out.append(Member(name, base + offset, size))


def _dwarf_types(
    dies: Mapping[int, _Die], keep: Callable[[str], str | None], big_endian: bool
) -> dict[str, tuple[str, int, int, tuple[Member, ...]]]:
    """The named structs/unions and typedefs of unnamed ones among ``dies`` that
    ``keep`` maps (declaring file -> its display name, None to leave out), as
    name -> (file, line, DWARF size, members)."""
    out: dict[str, tuple[str, int, int, tuple[Member, ...]]] = {}
    kinds = {"DW_TAG_structure_type": "struct", "DW_TAG_union_type": "union"}
    for die in dies.values():
        name = die.attrs.get("DW_AT_name")
        if not isinstance(name, str) or "DW_AT_declaration" in die.attrs:
            continue
        record = die
        if die.tag == "DW_TAG_typedef":
            ref = _int_attr(die, "DW_AT_type")
            target = dies.get(ref) if ref is not None else None
            if target is None or target.tag not in kinds or "DW_AT_name" in target.attrs:
                continue
            record, key = target, f"typedef {name}"
        elif die.tag in kinds:
            key = f"{kinds[die.tag]} {name}"
        else:
            continue
        size = _int_attr(record, "DW_AT_byte_size")
        file = die.attrs.get("DW_AT_decl_file")
        shown = keep(file) if isinstance(file, str) else None
        if size is None or shown is None:
            continue
        members: list[Member] = []
        _members(dies, record, 0, big_endian, members)
        out[key] = (shown, _int_attr(die, "DW_AT_decl_line") or 0, size, tuple(members))
    return out


def _layout_probe(include: str, names: Sequence[str]) -> str:
    """The C file taking ``sizeof`` and ``_Alignof`` of each of ``names`` (probe k on
    line k + 2) as asm ``"i"`` operands."""
    out = [include]
    for k, name in enumerate(names):
        out.append(
            f"void {_PREFIX}_{k}(void) {{ __asm__ __volatile__ "
            f'("# ABICHECK {k} %0 %1" :: "i"(sizeof({name})), "i"(_Alignof({name}))); }}'
        )
    return "\n".join(out) + "\n"


def _c_name(key: str) -> str:
    """``typedef NAME`` -> ``NAME``; ``struct NAME``/``union NAME`` as they are."""
    return key.removeprefix("typedef ")


@dataclass(frozen=True)
class LayoutTables:
    """What :func:`compiler_layouts` found: ``layouts`` by type name; ``tu`` the
    header (from the input) whose translation unit each layout comes from;
    ``errors`` the headers whose C did not compile, each with gcc's first error;
    ``compiler`` is ``cc --version``'s first line, ``flags`` those of the DWARF
    compile."""

    layouts: dict[str, Layout]
    tu: dict[str, str]
    errors: dict[str, str]
    compiler: str
    flags: tuple[str, ...]


def compiler_layouts(
    headers: Sequence[str],
    root: Path | str,
    cc: str = "gcc",
    flags: Sequence[str] = (),
    folders: Sequence[str] = UAPI_FOLDERS,
) -> LayoutTables:
    """Every struct, union and typedef of an unnamed struct/union declared under
    ``root/<folders>``, laid out by ``cc`` in the translation units ``#include <h>``
    of each of ``headers`` (names relative to ``root``, e.g. ``linux/stat.h``).

    One ``-S`` round with :data:`DWARF_FLAGS` reads the types from gcc's annotated
    DWARF; a type seen in several units is taken from its own declaring header's unit
    where that is one of ``headers`` and compiles, else from the first unit (in
    ``headers`` order) that has it. A second ``-S`` round takes each type's
    ``sizeof`` and ``_Alignof`` as asm operands (a type gcc rejects there is left
    out: the file is compiled again without it). Raises AbicheckError only when
    ``cc`` is missing or rejects the flags.
    """
    version = compiler_version(cc)
    big_endian = _host_predefines(cc).get("__BYTE_ORDER__") == "__ORDER_BIG_ENDIAN__"
    base = Path(root)
    prefixes = tuple(os.path.join(os.path.normpath(base), f) + os.sep for f in folders)

    def keep(path: str) -> str | None:
        path = os.path.normpath(path)
        if path.startswith(prefixes):
            return os.path.relpath(path, base)
        return None

    errors: dict[str, str] = {}
    found: dict[str, tuple[str, tuple[str, int, int, tuple[Member, ...]]]] = {}
    order = {h: i for i, h in enumerate(headers)}
    import tempfile

    with tempfile.TemporaryDirectory(prefix="abicheck-layout-") as tmp:
        for i, h in enumerate(headers):
            Path(tmp, f"h{i}.c").write_text(f"#include <{h}>\n")
        outputs = _run_chunked(
            [cc, "-S", *_BASE_FLAGS, *DWARF_FLAGS, *flags],
            [f"h{i}.c" for i in range(len(headers))],
            tmp,
        )
        for d in _collect(outputs, "h", cc):
            if d.unit is not None and headers[d.unit] not in errors:
                where = f"{keep(d.file) or d.file}:{d.line}" if d.line else d.file
                errors[headers[d.unit]] = f"{where}: {d.sev}: {d.msg}"
        for i, h in enumerate(headers):
            asm = Path(tmp, f"h{i}.s")
            if h in errors or not asm.is_file():
                errors.setdefault(h, f"{cc} -S produced no output")
                continue
            dies = parse_dwarf_asm(asm.read_text(errors="replace"))
            for key, info in _dwarf_types(dies, keep, big_endian).items():
                seen = found.get(key)
                if seen is None or (info[0] == h and seen[1][0] != seen[0]):
                    found[key] = (h, info)
        by_tu: dict[str, list[str]] = {}
        for key, (h, _) in sorted(found.items(), key=lambda kv: (order[kv[1][0]], kv[0])):
            by_tu.setdefault(h, []).append(key)
        sizes = _size_align(by_tu, cc, flags, tmp)
    layouts: dict[str, Layout] = {}
    tu: dict[str, str] = {}
    for key in sorted(found):
        h, (file, line, _dwarf_size, members) = found[key]
        got = sizes.get(key)
        if got is None:
            continue
        layouts[key] = Layout(key, file, line, got[0], got[1], members)
        tu[key] = h
    all_flags = (*_BASE_FLAGS, *DWARF_FLAGS, *flags)
    return LayoutTables(layouts, tu, dict(sorted(errors.items())), version, all_flags)


def _size_align(
    by_tu: Mapping[str, list[str]], cc: str, flags: Sequence[str], tmp: str
) -> dict[str, tuple[int, int]]:
    """``(sizeof, _Alignof)`` of each type of ``by_tu`` (header -> its type names), in
    that header's unit; at most :data:`MAX_PASSES` rounds, each dropping what failed."""
    pending = {i: (h, list(names)) for i, (h, names) in enumerate(by_tu.items())}
    out: dict[str, tuple[int, int]] = {}
    for _ in range(MAX_PASSES):
        if not pending:
            break
        for i, (h, names) in pending.items():
            source = _layout_probe(f"#include <{h}>", [_c_name(n) for n in names])
            Path(tmp, f"p{i}.c").write_text(source)
            Path(tmp, f"p{i}.s").unlink(missing_ok=True)
        outputs = _run_chunked([cc, "-S", *_BASE_FLAGS, *flags], [f"p{i}.c" for i in pending], tmp)
        drop: dict[int, set[int]] = {}
        for d in _collect(outputs, "p", cc):
            if d.unit is not None:
                drop.setdefault(d.unit, set()).update(n - 2 for n in d.probe_lines if n >= 2)
        still: dict[int, tuple[str, list[str]]] = {}
        for i, (h, names) in pending.items():
            asm = Path(tmp, f"p{i}.s")
            if i not in drop and asm.is_file():
                for line in asm.read_text(errors="replace").splitlines():
                    m = _LAYOUT_RE.search(line)
                    if m and int(m.group(1)) < len(names):
                        out[names[int(m.group(1))]] = (int(m.group(2)), int(m.group(3)))
                continue
            lost = drop.get(i, set())
            if lost:
                still[i] = (h, [n for k, n in enumerate(names) if k not in lost])
        pending = still
    return out
