"""The system C compiler as an oracle: which macros a header defines and their integer values.

Nothing is linked or run. ``gcc -E -dD`` lists the macros; then one generated C file per
header holds, for each object-like macro ``NAME``, a function whose inline ``asm`` takes
as ``"i"`` (immediate constant) operands the high and low 32 bits of ``NAME``, whether
``NAME < 0``, whether it is an integer constant (``__builtin_constant_p`` and
``__builtin_classify_type``: not floating, pointer, string) and ``sizeof(NAME)``, and
prints them into an assembler comment read back from the ``gcc -S`` output. A macro that
is no C expression makes gcc report an error on its function's line: it is dropped and
the file compiled again (at most :data:`MAX_PASSES` rounds, never one run per macro).
Values wider than 64 bits are left out; integer overflow, division by zero and oversized
shifts are made errors, so macros whose C value is undefined are left out too. A header
whose own C code does not compile is evaluated from its ``#define`` lines alone.

For a foreign architecture the host gcc reads the target's own headers with the
target's predefined macros (``-nostdinc -undef -D...`` from :mod:`abicheck.arches`) and
its data model (``-m32``/``-mx32``/``-m64``) and ``char`` signedness, so the headers take
the branches they take on that target. ``sizeof`` of structures still follows the host
ABI's alignment rules for that data model (e.g. m68k aligns ``int`` to 2 bytes, i386
aligns ``long long`` to 4 in structs): values built from such sizes may differ from the
real target's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from abicheck.arches import Arch, host_arch, include_dirs, is_host
from abicheck.model import AbicheckError

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
_PROBE_RE = re.compile(r"# ABICHECK (\d+)" + r" [$#]?(-?\d+)" * 5 + r"\s*$")
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
    the preprocessor reported them.
    """

    header: str
    names: frozenset[str]
    values: dict[str, int]
    compiler: str
    flags: tuple[str, ...]
    declarations: bool = True
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


def _run(argv: Sequence[str], cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LC_ALL="C", LANG="C")
    env.pop("GCC_COLORS", None)
    try:
        return subprocess.run(
            list(argv), cwd=cwd, env=env, capture_output=True, text=True, errors="replace"
        )
    except FileNotFoundError:
        raise AbicheckError(f"C compiler {argv[0]!r} not found") from None


@lru_cache(maxsize=16)
def compiler_version(cc: str = "gcc") -> str:
    """The first line of ``cc --version``; raises AbicheckError when ``cc`` is missing."""
    if shutil.which(cc) is None:
        raise AbicheckError(f"C compiler {cc!r} not found")
    proc = _run([cc, "--version"])
    if proc.returncode != 0 or not proc.stdout.strip():
        raise AbicheckError(f"C compiler {cc!r} does not run: {proc.stderr.strip()}")
    return proc.stdout.splitlines()[0].strip()


@lru_cache(maxsize=4)
def search_dirs(cc: str = "gcc") -> tuple[str, ...]:
    """The folders ``cc`` searches for ``#include <...>``, in its order (``cc -E -v``);
    () when there is no such compiler."""
    if shutil.which(cc) is None:
        return ()
    proc = _run([cc, "-E", "-v", "-x", "c", "/dev/null"])
    lines = proc.stderr.splitlines()
    try:
        start = lines.index("#include <...> search starts here:") + 1
        end = lines.index("End of search list.")
    except ValueError:
        return ()
    return tuple(ln.strip() for ln in lines[start:end])


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


def compiler_flags(
    arch: Arch | None = None,
    include_dirs_: Sequence[Path | str] = (),
    defines: Mapping[str, str] | None = None,
    cc: str = "gcc",
    system_includes: bool = False,
) -> tuple[str, ...]:
    """The preprocessor/dialect flags :func:`compiler_macros` passes to ``cc``.

    Host (``arch`` None or this machine's): ``-nostdinc`` unless ``system_includes``,
    ``-I`` the given dirs (default: the host's uapi dirs). Foreign arch: ``-nostdinc
    -undef``, ``-D`` the arch's predefines and the host gcc's ``__GNUC__`` version
    macros, the data-model flag, ``-f[un]signed-char``, ``-I`` the given dirs (default:
    the installed cross headers). ``defines`` come last, as ``-DNAME=VALUE``.
    """
    flags: list[str] = []
    dirs = [Path(d) for d in include_dirs_]
    if arch is None or is_host(arch):
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


#: Helper macros heading every probe file: ``OK(X)`` is 1 when ``X`` is an integer constant
#: (so non-constants and pointers fold to 0 up front instead of failing one by one late).
_HELPERS = (
    f"#define {_PREFIX}_OK(X) (__builtin_constant_p(X) && __builtin_classify_type(X) >= 1"
    " && __builtin_classify_type(X) <= 4)",
    f"#define {_PREFIX}_V(X) __builtin_choose_expr({_PREFIX}_OK(X), (X), 0)",
)


def _probe_source(unit: _Unit) -> str:
    """The C file evaluating ``unit.candidates``, probe k on line ``_first_probe_line + k``.

    After the helpers, the header's ``#include`` line; in replay mode the header's own
    #define and #undef lines (from ``-dD``) stand in for it, one per line. Probe k's asm
    comment carries V's high and low 32 bits, ``V < 0``, ``OK`` and ``sizeof``.
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
            f'("# ABICHECK {k} %0 %1 %2 %3 %4" :: '
            f'"i"((unsigned)((unsigned long long){v} >> 32)), "i"((unsigned){v}), '
            f'"i"({v} < 0), "i"({_PREFIX}_OK({name})), "i"(sizeof({name}))); }}'
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
    flags = compiler_flags(arch, include_dirs, defines, cc, system_includes)
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
        done: dict[int, dict[str, int]] = {}
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
    base_values = done[baseline.index]
    for u in units[:-1]:
        if u.index not in done:
            continue
        values = dict(done[u.index])
        values.update((n, base_values[n]) for n in shared[u.index] if n in base_values)
        results[u.header] = CompilerTable(
            header=u.header,
            names=u.names,
            values=dict(sorted(values.items())),
            compiler=version,
            flags=flags,
            declarations=not u.replay,
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


def _read_values(asm: str, candidates: Sequence[str]) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in asm.splitlines():
        m = _PROBE_RE.search(line)
        if not m:
            continue
        k, hi, lo, neg, ok, size = (int(g) for g in m.groups())
        if not ok or size > 8 or k >= len(candidates):
            continue
        value = ((hi & 0xFFFFFFFF) << 32) | (lo & 0xFFFFFFFF)
        values[candidates[k]] = value - (1 << 64) if neg else value
    return dict(sorted(values.items()))


def compiler_macros(
    header: str | Path,
    include_dirs: Sequence[Path | str] = (),
    defines: Mapping[str, str] | None = None,
    arch: Arch | None = None,
    cc: str = "gcc",
    system_includes: bool = False,
) -> CompilerTable:
    """The macros ``cc`` sees after ``#include``-ing ``header``, and their integer values.

    ``header`` is a path, or ``"<sys/mman.h>"`` for a header found on the include path.
    ``include_dirs`` are searched first (``-I``); ``defines`` are added as ``-D``.
    ``arch`` None or the host: plain ``cc``, with ``-nostdinc`` and the host's uapi include
    dirs unless ``system_includes`` (then libc's headers work too, e.g. ``<sys/mman.h>``).
    A foreign ``arch``: the host ``cc`` evaluates the target's headers (default: its
    installed cross headers) with the target's predefines and data model, see the module
    docstring. Raises AbicheckError when the compiler is missing, the header is
    missing or fails to preprocess (located at gcc's ``file:line``), or its macros
    cannot be evaluated.
    """
    key = str(header)
    result = compiler_macros_many([header], include_dirs, defines, arch, cc, system_includes)
    table = result[key]
    if isinstance(table, AbicheckError):
        raise table
    return table
