"""The reader against the system C compiler, the oracle for values.

gcc evaluates every macro of the host's kernel uapi headers without running
code (abicheck.cc: asm operands in ``-S`` output); the reader, given the same
include folders and gcc's own predefined macros, must agree on every value it
gives and give values to at least 97% of those gcc evaluates.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from abicheck import arches, cc
from abicheck.model import AbicheckError
from abicheck.parse import Reader
from abicheck.reader.datamodel import STANDARD_TYPEDEFS

FIX = Path(__file__).parent / "fixtures" / "parse"


@cache
def gcc_setup() -> tuple[list[str], dict[str, str], frozenset[str]]:
    """gcc's own include folder plus the host's, its predefined object-like macros,
    and the names of its predefined function-like macros (which -D cannot give)."""
    gcc_include = subprocess.run(
        ["gcc", "-print-file-name=include"], capture_output=True, text=True, check=True
    ).stdout.strip()
    host = arches.host_arch()
    dirs = [gcc_include] + [str(d) for d in arches.include_dirs(host) or ()]
    out = subprocess.run(
        ["gcc", "-nostdinc", "-dM", "-E", "-x", "c", "/dev/null"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    builtins: dict[str, str] = {}
    functions = set()
    for line in out.splitlines():
        _, name, *rest = line.split(" ", 2)
        if "(" in name:
            functions.add(name.split("(")[0])
        else:
            builtins[name] = rest[0] if rest else ""
    return dirs, builtins, frozenset(functions)


def uapi_headers() -> list[str]:
    host = arches.host_arch()
    asm = Path("/usr/include") / host.multiarch / "asm"
    headers: list[Path] = []
    for folder in (Path("/usr/include/linux"), Path("/usr/include/asm-generic"), asm):
        headers += sorted(folder.glob("*.h"))
    return [str(h) for h in headers]


def test_fixture_values_agree_with_gcc() -> None:
    dirs, builtins, _ = gcc_setup()
    for name in ("values.h", "decls.h", "calls.h"):
        header = str(FIX / name)
        oracle = cc.compiler_macros(header, include_dirs=dirs)
        ours = {m.name: m for m in Reader(dirs, predefines=builtins).read(header)}
        own = {n: v for n, v in oracle.values.items() if ours[n].file == header}
        assert len(own) >= 8
        unvalued = sorted(n for n in own if ours[n].value is None)
        assert unvalued == [], unvalued
        for n, v in own.items():
            if ours[n].value is not None:
                assert ours[n].value == v, (name, n)


def test_uapi_tree_agrees_with_gcc() -> None:
    headers = uapi_headers()
    assert len(headers) > 500
    dirs, builtins, builtin_functions = gcc_setup()
    oracle = cc.compiler_macros_many(headers, include_dirs=dirs)
    reader = Reader(dirs, predefines=builtins)
    evaluated = matched = 0
    wrong: list[str] = []
    missing: Counter[str] = Counter()
    compared_headers = 0
    for h in headers:
        o = oracle[h]
        if isinstance(o, AbicheckError):
            # gcc could not read it (an #error, a missing include): neither can we
            with pytest.raises(AbicheckError):
                reader.read(h)
            continue
        compared_headers += 1
        ours = {m.name: m for m in reader.read(h)}
        assert set(ours) - builtin_functions == set(o.names) - builtin_functions, h
        for name, value in o.values.items():
            m = ours[name]
            if m.file.startswith("<"):
                continue
            evaluated += 1
            if m.value is None:
                missing[m.reason.split(" (")[0][:40]] += 1
            elif m.value != value:
                wrong.append(f"{m.location}: {name} = {m.value}, gcc says {value}")
            else:
                matched += 1
        # Nothing evaluated that gcc says is no integer constant, but for sizeof of
        # standard typedefs (size_t, __u32...) the reader knows where gcc needs a
        # declaration the header does not include.
        # (A header whose C does not compile gives gcc no enum constants: skip it here.)
        extra = {n for n, m in ours.items() if m.value is not None and n not in o.values}
        if not o.declarations:
            extra = set()
        for name in sorted(extra):
            m = ours[name]
            words = set(re.findall(r"\w+", m.expr))
            assert words & (set(STANDARD_TYPEDEFS) | extra), f"{m.location}: {name}: gcc: no value"
    assert compared_headers > 500
    assert wrong == []
    # every value gcc gives, given (79,340 of 79,340 on Debian 12's uapi)
    assert not missing, (matched, evaluated, missing.most_common(10))
    assert matched == evaluated > 50_000


def test_host_sample_with_the_recorded_predefines() -> None:
    """``abicheck parse``'s default on the host: gcc's search path in gcc's order (its
    own <stdint.h> and <limits.h> first, which need __STDC_HOSTED__, __INT16_MAX__,
    __SCHAR_MAX__, ...) and the host's recorded predefines, over 60 of /usr/include's
    headers: every value gcc's, and every one given."""
    headers = sorted(str(p) for p in Path("/usr/include").glob("*.h"))
    oracle = cc.compiler_macros_many(headers, system_includes=True)
    sample = [h for h in headers if not isinstance(oracle[h], AbicheckError)][:60]
    assert len(sample) == 60
    _, builtins, _ = gcc_setup()
    reader = Reader(cc.search_dirs(), predefines=arches.host_arch().predefined())
    evaluated = 0
    wrong: list[str] = []
    missing: set[str] = set()
    for h in sample:
        o = oracle[h]
        assert not isinstance(o, AbicheckError)
        ours = {m.name: m for m in reader.read(h)}
        for name, value in o.values.items():
            if name in builtins:
                continue
            evaluated += 1
            m = ours.get(name)
            if m is None or m.value is None:
                missing.add(name)
            elif m.value != value:
                wrong.append(f"{m.location}: {name} = {m.value}, gcc says {value}")
    assert wrong == []
    assert evaluated > 10000
    assert sorted(missing) == []
