"""abicheck.emit: Python and C constant modules, checked by the real gcc, interpreter and mypy.

Set ABICHECK_UPDATE_GOLDEN=1 to rewrite tests/golden/ from the current code (then
review the diff by eye: a golden is a review artifact).
"""

from __future__ import annotations

import ast
import ctypes
import importlib.util
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gcc_layout import CROSS, CROSS_ARM64, compiles, gcc_bitfields, gcc_values, have

import abicheck
from abicheck import emit as em
from abicheck.arches import all_arches, lookup
from abicheck.cli import main
from abicheck.langs.arch_guards import ARCH_GUARDS
from abicheck.model import AbicheckError, Macro, Provenance, Table
from abicheck.parse import Reader
from abicheck.resources import embedded_header
from abicheck.sources import installed_dirs

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
# the installed package's copy (byte for byte the repository's: tests/test_parse.py)
ARM_HEADER = embedded_header()
PACKAGE_ROOT = Path(abicheck.__file__).resolve().parent.parent
FIXTURES = TESTS / "fixtures" / "emit"
GOLDEN = TESTS / "golden"
ARM_LABEL = "arm-2.6.16"  # the label the CLI gives the embedded header
SYSTEM_HEADER = Path("/usr/include/linux/mman.h")
SYSTEM_DIRS = ["/usr/include/x86_64-linux-gnu", "/usr/include"]
GCC = shutil.which("gcc")
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"]

needs_gcc = pytest.mark.skipif(GCC is None, reason="gcc not installed")
needs_system = pytest.mark.skipif(
    not SYSTEM_HEADER.is_file(), reason="linux-libc-dev headers not installed"
)


# -- tables, read with the real reader --------------------------------------


def arm_table() -> Table:
    # the absolute path, as an installed package would see it: display_path
    # must still name it headers/arm/mman.h
    macros = Reader().read(str(ARM_HEADER))
    return Table(ARM_LABEL, "header", macros, Provenance(path=str(ARM_HEADER)))


def system_table() -> Table:
    macros = Reader(SYSTEM_DIRS).read(str(SYSTEM_HEADER))
    return Table("system", "system", macros, Provenance(path=str(SYSTEM_HEADER)))


def fixture_table(name: str, label: str | None = None) -> Table:
    path = FIXTURES / name
    rel = path.relative_to(REPO).as_posix()
    return Table(label or path.stem, "file", Reader().read(str(path)), Provenance(path=rel))


def expected_values(table: Table) -> dict[str, int]:
    """What a human expects emitted: the integer macros of the default families."""
    out = {}
    for m in table.macros:
        fam = m.name.partition("_")[0]
        builtin = m.file in ("<built-in>", "<command-line>")
        if m.kind == "integer" and fam in em.DEFAULT_FAMILIES and not builtin:
            assert m.value is not None
            out[m.name] = m.value
    return out


# -- running the real tools -------------------------------------------------


def import_module(path: Path) -> dict[str, object]:
    """Import ``path`` in a fresh interpreter; return its public names' int values and tables."""
    code = (
        "import importlib.util, json, sys, enum\n"
        "spec = importlib.util.spec_from_file_location('generated', sys.argv[1])\n"
        "mod = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(mod)\n"
        "consts = {n: getattr(mod, n) for n in mod.__all__\n"
        "          if type(getattr(mod, n)) is int}\n"
        "classes = {n: {k: int(v) for k, v in getattr(mod, n).__members__.items()}\n"
        "           for n in mod.__all__ if isinstance(getattr(mod, n), enum.EnumType)}\n"
        "bases = {n: getattr(mod, n).__mro__[1].__name__ for n in classes}\n"
        "arches = {label: dict(mod.for_arch(label)) for label in mod.TABLES}\n"
        "json.dump({'consts': consts, 'classes': classes, 'bases': bases,\n"
        "           'tables': mod.TABLES, 'for_arch': arches, 'doc': mod.__doc__}, sys.stdout)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-B", "-c", code, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def run_mypy(path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def compile_c(
    tmp_path: Path, header: str, *, system_first: bool, defines: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    assert GCC is not None
    (tmp_path / "generated.h").write_text(header, encoding="utf-8")
    pre = "#define _GNU_SOURCE\n#include <sys/mman.h>\n" if system_first else ""
    src = tmp_path / "use.c"
    src.write_text(pre + '#include "generated.h"\nint main(void) { return 0; }\n')
    return subprocess.run(
        [GCC, *CFLAGS, *(f"-D{d}" for d in defines), str(src)],
        capture_output=True,
        text=True,
        check=False,
    )


# -- the system table: imports, type-checks, compiles -----------------------


@needs_system
def test_python_from_system_imports_and_equals_table(tmp_path: Path) -> None:
    table = system_table()
    out = tmp_path / "sysmman.py"
    out.write_text(em.emit([table], "python"), encoding="utf-8")
    got = import_module(out)
    want = expected_values(table)
    assert got["consts"] == want
    assert got["tables"] == {"system": want}
    assert got["for_arch"] == {"system": want}
    classes = got["classes"]
    assert isinstance(classes, dict)
    assert classes["MAP"]["ANONYMOUS"] == want["MAP_ANONYMOUS"]
    assert classes["MADV"]["REMOVE"] == want["MADV_REMOVE"]
    # bit positions are no flags
    assert "HUGE_SHIFT" not in classes["MAP"]
    assert got["bases"] == {
        "MADV": "IntEnum",
        "MAP": "IntFlag",
        "MCL": "IntFlag",
        "MLOCK": "IntFlag",
        "MREMAP": "IntFlag",
        "MS": "IntFlag",
        "OVERCOMMIT": "IntEnum",
        "PKEY": "IntFlag",
        "PROT": "IntFlag",
    }
    # every class member is a module constant of the same value
    for cls, members in classes.items():
        for member, value in members.items():
            full = member if member.startswith(cls + "_") else f"{cls}_{member}"
            assert want[full] == value


@needs_system
def test_python_from_system_passes_mypy_strict(tmp_path: Path) -> None:
    out = tmp_path / "sysmman.py"
    out.write_text(em.emit([system_table()], "python"), encoding="utf-8")
    run_mypy(out)


@needs_gcc
@needs_system
def test_c_from_system_compiles_after_sys_mman(tmp_path: Path) -> None:
    header = em.emit([system_table()], "c")
    proc = compile_c(tmp_path, header, system_first=True)
    assert proc.returncode == 0, proc.stderr
    proc = compile_c(tmp_path, header, system_first=False)
    assert proc.returncode == 0, proc.stderr


@needs_gcc
@needs_system
def test_c_from_system_has_the_tables_values(tmp_path: Path) -> None:
    """Run the defines through gcc's preprocessor and compare every value with the table."""
    assert GCC is not None
    table = system_table()
    want = expected_values(table)
    (tmp_path / "generated.h").write_text(em.emit([table], "c"), encoding="utf-8")
    names = sorted(want)
    body = "\n".join(f"long long v_{i} = (long long)({n});" for i, n in enumerate(names))
    (tmp_path / "values.c").write_text(f'#include "generated.h"\n{body}\n')
    proc = subprocess.run(
        [GCC, "-std=c11", "-E", "-P", str(tmp_path / "values.c")],
        capture_output=True,
        text=True,
        check=True,
    )
    got: dict[str, int] = {}
    for m in re.finditer(r"long long v_(\d+) = \(long long\)\((.*)\);", proc.stdout):
        got[names[int(m.group(1))]] = eval_c_int(m.group(2))
    assert got == want


def eval_c_int(text: str) -> int:
    """The value of a C integer constant expression as the generator writes them."""
    text = re.sub(r"(0[xX][0-9a-fA-F]+|\d+)[uUlL]+", r"\1", text)
    value = eval(text, {"__builtins__": {}})  # only digits, parens, minus: checked below
    assert re.fullmatch(r"[-() 0-9a-fA-FxX]*", text), text
    assert isinstance(value, int)
    return value


@needs_gcc
def test_c_from_arm_fails_naming_madv_remove(tmp_path: Path) -> None:
    proc = compile_c(tmp_path, em.emit([arm_table()], "c"), system_first=True)
    assert proc.returncode != 0
    assert "static assertion failed" in proc.stderr
    assert "MADV_REMOVE differs from the abicheck table (expected 0x5)" in proc.stderr
    # on its own (no <sys/mman.h>) the ARM header just defines its constants
    proc = compile_c(tmp_path, em.emit([arm_table()], "c"), system_first=False)
    assert proc.returncode == 0, proc.stderr


# -- golden files: the ARM header -------------------------------------------


@pytest.mark.parametrize(("lang", "golden"), [("python", "arm_mman.py"), ("c", "arm_mman.h")])
def test_golden_arm(lang: str, golden: str) -> None:
    rendered = em.emit([arm_table()], lang)
    path = GOLDEN / golden
    if os.environ.get("ABICHECK_UPDATE_GOLDEN") and path.read_bytes() != rendered.encode():
        path.write_bytes(rendered.encode("utf-8"))
        pytest.fail(f"{path} rewritten from the current code: review its diff")
    assert path.read_bytes() == rendered.encode("utf-8")
    assert em.check(path, rendered) is None


def test_golden_arm_python_values(tmp_path: Path) -> None:
    """The golden module's values as a human reads them off headers/arm/mman.h."""
    got = import_module(GOLDEN / "arm_mman.py")
    consts = got["consts"]
    assert isinstance(consts, dict)
    assert consts["MADV_REMOVE"] == 5
    assert consts["MAP_ANONYMOUS"] == 0x20
    assert consts["MAP_ANON"] == 0x20
    assert consts["MAP_NONBLOCK"] == 0x10000
    assert consts["PROT_GROWSUP"] == 0x02000000
    assert consts["MS_SYNC"] == 4
    assert consts["MAP_FILE"] == 0
    assert len(consts) == 32
    text = (GOLDEN / "arm_mman.py").read_text()
    assert "MAP_ANON: Final = MAP_ANONYMOUS\n" in text
    assert "    ANON = ANONYMOUS\n" in text
    assert text.startswith(
        "# Generated by abicheck 0.1.0: do not edit.\n"
        "# From arm-2.6.16 (<abicheck>/headers/arm/mman.h).\n"
    )
    run_mypy(GOLDEN / "arm_mman.py")


@needs_gcc
def test_golden_arm_python_values_are_gccs() -> None:
    """Every one of the golden module's 32 values as gcc computes it from the header."""
    consts = import_module(GOLDEN / "arm_mman.py")["consts"]
    assert isinstance(consts, dict) and len(consts) == 32
    names = sorted(consts)
    gcc = gcc_values("gcc", f'#include "{ARM_HEADER}"', names)
    assert gcc == {n: consts[n] for n in names}


@needs_gcc
def test_golden_arm_c_compiles(tmp_path: Path) -> None:
    header = (GOLDEN / "arm_mman.h").read_text()
    assert "#define MAP_ANON MAP_ANONYMOUS /* Same as MAP_ANONYMOUS. */\n" in header
    assert "#define MADV_REMOVE 0x5 /* remove these pages & resources */\n" in header
    proc = compile_c(tmp_path, header, system_first=False)
    assert proc.returncode == 0, proc.stderr


# -- determinism --------------------------------------------------------------


def test_deterministic_and_sorted() -> None:
    table = arm_table()
    shuffled = list(table.macros)
    random.Random(4).shuffle(shuffled)
    other = Table(table.label, table.kind, tuple(shuffled), table.origin)
    for lang in ("python", "c"):
        first = em.emit([table], lang)
        assert first == em.emit([table], lang) == em.emit([other], lang)
        assert "\r" not in first and first.endswith("\n") and not first.endswith("\n\n")
        first.encode("utf-8")


def test_deterministic_across_processes(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from abicheck.emit import emit\nfrom abicheck.model import Provenance, Table\n"
        "from abicheck.parse import Reader\n"
        "p = sys.argv[1]\n"
        "t = Table('arm-2.6.16', 'header', Reader().read(p), Provenance(path=p))\n"
        "sys.stdout.buffer.write((emit([t], 'python') + emit([t], 'c')).encode())\n"
    )
    outs = set()
    for seed in ("0", "1", "12345"):
        # the same abicheck as this process imported (installed, or the source tree)
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(PACKAGE_ROOT))
        proc = subprocess.run(
            [sys.executable, "-c", code, str(ARM_HEADER)],
            capture_output=True,
            cwd=tmp_path,
            env=env,
            check=True,
        )
        outs.add(proc.stdout)
    assert len(outs) == 1
    table = arm_table()
    assert outs.pop().decode() == em.emit([table], "python") + em.emit([table], "c")


def test_python_constants_sorted_with_aliases_last() -> None:
    view = em.prepare([arm_table()])[0]
    names = [c.name for c in view.constants]
    assert names[-1] == "MAP_ANON"
    assert names[:-1] == sorted(names[:-1])
    assert [c.name for c in view.values] == sorted(names)


# -- hostile input ------------------------------------------------------------

PAYLOADS = ("pwned", "__import__", "system(", "eval(", "/etc/passwd", "import os")


def _strip_py_docstrings(source: str) -> str:
    """The module's code with every docstring-position string removed (via the AST)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            node.body = [  # type: ignore[attr-defined]
                s
                for s in body
                if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            ] or [ast.Pass()]
    return ast.unparse(tree)


def test_hostile_python(tmp_path: Path) -> None:
    table = fixture_table("hostile.h")
    source = em.emit([table], "python")
    tree = ast.parse(source)
    # only the statements the template writes, and no code from the header
    allowed = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.Expr, ast.ClassDef)
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef):
            assert stmt.name == "for_arch"
            continue
        assert isinstance(stmt, allowed), ast.dump(stmt)
        if isinstance(stmt, ast.Expr):
            assert isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
    code = _strip_py_docstrings(source)
    for payload in PAYLOADS:
        assert payload not in code, payload
    calls = [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call)]
    assert {ast.unparse(c.func) for c in calls} == {
        "TABLES.get",
        "TABLES.items",
        "label.rpartition",
        "len",
        "KeyError",
        "', '.join",
        "MappingProxyType",
    }
    # comments cannot break out, and nothing invisible or escaped survives
    assert "\\" not in source
    assert all(ch == "\n" or ch.isprintable() for ch in source)
    assert source.count('"""') % 2 == 0
    assert "coding:" not in source and "coding=" not in source
    assert "\n#include" not in source
    # the module works and holds the integer macros, with keyword names kept prefixed
    out = tmp_path / "hostile_mod.py"
    out.write_text(source, encoding="utf-8")
    got = import_module(out)
    assert got["consts"] == expected_values(table)
    classes = got["classes"]
    assert isinstance(classes, dict)
    assert classes["MAP"]["MAP_import"] == 0x100
    assert classes["MAP"]["MAP_None"] == 0x200
    assert classes["MAP"]["NEG"] == -1
    assert classes["MAP"]["ALLBITS"] == 2**64 - 1
    assert classes["MADV"] == {"CODING": 3, "MADV_1GB": 9, "MADV_class": 7, "MADV_match": 8}
    assert classes["MS"] == {"MS_name": 4, "MS_value": 8}
    for name in ("PROT_PWN", "PROT_STR", "MCL_EVAL", "MAP_FN"):
        assert name not in source
    run_mypy(out)


_C_LINE = re.compile(
    r"""
    \#ifndef\ [A-Z_]+ | \#define\ [A-Z_]+ | \#endif(\ /\*\ [A-Z_]+\ \*/)? | \#else | \s*
    | \#ifdef\ (?P<n1>\w+)
    | _Static_assert\(\((?P<n2>\w+)\)\ ==\ \((?P<lit>[-()\ 0-9a-fxUL]+)\),
      \ "(?P<n3>\w+)\ differs\ from\ the\ abicheck\ table\ \(expected\ (?P=lit)\)"\);
    | \#define\ (?P<n4>\w+)\ (?P<value>[-()\ 0-9a-fxUL]+|\w+)(\ /\*\ (?P<comment>.*)\ \*/)?
    """,
    re.VERBOSE,
)


def test_hostile_c(tmp_path: Path) -> None:
    table = fixture_table("hostile.h")
    header = em.emit([table], "c")
    names = set(expected_values(table))
    lines = header.splitlines()
    # past the leading comment block, every line has one of the shapes the template writes
    start = lines.index("#ifndef ABICHECK_HOSTILE_H")
    for line in lines[start:]:
        m = _C_LINE.fullmatch(line)
        assert m, line
        for group in ("n1", "n2", "n3", "n4"):
            if m.group(group):
                assert m.group(group) in names
        if m.group("comment") is not None:
            assert "*/" not in m.group("comment") and "/*" not in m.group("comment")
    code = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
    for payload in PAYLOADS:
        assert payload not in code, payload
    assert "\\" not in header and "??" not in header
    assert all(ch == "\n" or ch.isprintable() for ch in header)
    assert "#define MAP_ALLBITS 0xffffffffffffffffUL" in header
    assert "#define MAP_MIN (-0x7fffffffffffffffL - 1)" in header
    assert "#define MAP_NEG (-1)" in header
    assert "#define MAP_ALIAS MAP_import" in header
    if GCC is not None:
        for system_first in (False, True):
            proc = compile_c(tmp_path, header, system_first=system_first)
            assert proc.returncode == 0, proc.stderr


def test_names_that_cannot_be_emitted_are_refused() -> None:
    table = fixture_table("dollar.h")
    with pytest.raises(AbicheckError) as exc:
        em.emit([table], "python")
    assert exc.value.file is not None and exc.value.file.endswith("dollar.h")
    assert exc.value.line == 3
    assert "MAP_$EVIL" in str(exc.value)
    assert str(exc.value).startswith(f"{exc.value.file}:3: error: ")
    with pytest.raises(AbicheckError):
        em.emit([table], "c")
    # the same defence for tables built by other means
    for bad in ('MAP_X"); import os; ("', "MAP_X\n#include <x>", "MAP_Ä", "MAP_X "):
        macro = Macro(bad, "integer", 1, "1", "made.h", 7)
        with pytest.raises(AbicheckError) as exc:
            em.emit([Table("t", "file", (macro,))], "c")
        assert exc.value.location == "made.h:7"


def test_non_integer_values_are_refused() -> None:
    macro = Macro("MAP_X", "integer", True, "1", "made.h", 1)
    with pytest.raises(AbicheckError):
        em.emit([Table("t", "file", (macro,))], "python")
    big = Macro("MAP_X", "integer", 2**64, "1", "made.h", 1)
    with pytest.raises(AbicheckError):
        em.emit([Table("t", "file", (big,))], "c")


def test_hostile_label_and_path() -> None:
    macro = Macro("MAP_X", "integer", 1, "1", "made.h", 1, "ok")
    label = 'evil"\n#include </etc/passwd>\n */ \\'
    path = 'x -*- coding: utf-7 -*- */\n"""import os'
    table = Table(label, "file", (macro,), Provenance(path=path))
    py = em.emit([table], "python")
    second = py.splitlines()[1]
    assert second.startswith("# From evil' #include </etc/passwd> * /")
    assert "coding:" not in py and "\\" not in py
    ast.parse(py)
    c = em.emit([table], "c")
    assert "#include" not in re.sub(r"/\*.*?\*/", "", c, flags=re.S)
    assert "#ifndef ABICHECK_EVIL_INCLUDE_ETC_PASSWD_H" in c


# -- check --------------------------------------------------------------------


def test_check_current_and_stale(tmp_path: Path) -> None:
    table = arm_table()
    rendered = em.emit([table], "python")
    path = tmp_path / "arm_mman.py"
    path.write_text(rendered, encoding="utf-8")
    assert em.check(path, rendered) is None
    path.write_text(rendered.replace("MADV_REMOVE: Final = 0x5", "MADV_REMOVE: Final = 0x9"))
    diff = em.check(path, rendered)
    assert diff is not None
    assert diff.startswith(f"--- {path}\n+++ {path} (regenerated)\n")
    assert "-MADV_REMOVE: Final = 0x9\n" in diff
    assert "+MADV_REMOVE: Final = 0x5\n" in diff
    path.write_text(rendered.rstrip("\n"))
    diff = em.check(path, rendered)
    assert diff is not None and "\\ No newline at end of file" in diff
    path.write_bytes(rendered.replace("\n", "\r\n").encode())
    assert em.check(path, rendered) is not None
    with pytest.raises(AbicheckError) as exc:
        em.check(tmp_path / "missing.py", rendered)
    assert "missing.py" in str(exc.value)


# -- several tables -----------------------------------------------------------


@needs_system
def test_several_tables_python(tmp_path: Path) -> None:
    arm, system = arm_table(), system_table()
    out = tmp_path / "both.py"
    out.write_text(em.emit([arm, system], "python"), encoding="utf-8")
    got = import_module(out)
    assert got["tables"] == {ARM_LABEL: expected_values(arm), "system": expected_values(system)}
    assert got["consts"] == expected_values(arm)  # module level: the first table
    doc = got["doc"]
    assert isinstance(doc, str) and f"first table, {ARM_LABEL}" in doc
    run_mypy(out)


def test_for_arch_accepts_bare_arch_names(tmp_path: Path) -> None:
    macros = arm_table().macros
    tables = [Table("arch:armel", "arch", macros), Table("arch:armhf", "arch", macros)]
    out = tmp_path / "arches.py"
    out.write_text(em.emit(tables, "python"), encoding="utf-8")
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('g', sys.argv[1])\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "assert m.for_arch('armhf')['MADV_REMOVE'] == 5\n"
        "assert m.for_arch('arch:armel') == m.TABLES['arch:armel']\n"
        "try:\n    m.for_arch('mips')\nexcept KeyError as e:\n    print(e)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-B", "-c", code, str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "no table 'mips'; tables: arch:armel, arch:armhf" in proc.stdout


@needs_gcc
@needs_system
def test_several_tables_c(tmp_path: Path) -> None:
    header = em.emit([arm_table(), system_table()], "c")
    assert "#if defined(ABICHECK_TABLE_ARM_2_6_16)" in header
    assert "#elif defined(ABICHECK_TABLE_SYSTEM)" in header
    proc = compile_c(tmp_path, header, system_first=True, defines=("ABICHECK_TABLE_SYSTEM",))
    assert proc.returncode == 0, proc.stderr
    proc = compile_c(tmp_path, header, system_first=True, defines=("ABICHECK_TABLE_ARM_2_6_16",))
    assert proc.returncode != 0 and "MADV_REMOVE differs" in proc.stderr
    proc = compile_c(tmp_path, header, system_first=True)
    assert proc.returncode != 0 and "define one of ABICHECK_TABLE_ARM_2_6_16 " in proc.stderr


def test_table_labels_must_stay_distinct() -> None:
    macros = arm_table().macros
    with pytest.raises(AbicheckError, match="same C name"):
        em.emit([Table("arch:arm", "arch", macros), Table("arch-arm", "arch", macros)], "c")
    with pytest.raises(AbicheckError, match="two tables"):
        em.emit([Table("a", "arch", macros), Table("a", "arch", macros)], "c")
    with pytest.raises(AbicheckError, match="no tables"):
        em.emit([], "c")


@needs_gcc
def test_ilp32_suffixes(tmp_path: Path) -> None:
    assert GCC is not None
    macros = (
        Macro("MAP_BIG", "integer", 2**40, "(1ULL << 40)", "made.h", 1),
        Macro("MAP_TOP", "integer", 2**64 - 1, "~0ULL", "made.h", 2),
        Macro("MAP_U", "integer", 2**31, "0x80000000", "made.h", 3),
    )
    header = em.emit([Table("arch:i386", "arch", macros, Provenance(data_model="ilp32"))], "c")
    assert "#define MAP_BIG 0x10000000000LL\n" in header
    assert "#define MAP_TOP 0xffffffffffffffffULL\n" in header
    assert "#define MAP_U 0x80000000U\n" in header
    (tmp_path / "g.h").write_text(header)
    checks = (
        '#include "g.h"\n'
        '_Static_assert(_Generic(MAP_BIG, long long: 1, default: 0), "type");\n'
        '_Static_assert(_Generic(MAP_TOP, unsigned long long: 1, default: 0), "type");\n'
        '_Static_assert(_Generic(MAP_U, unsigned int: 1, default: 0), "type");\n'
    )
    (tmp_path / "t.c").write_text(checks)
    proc = subprocess.run(
        [GCC, "-m32", *CFLAGS, str(tmp_path / "t.c")], capture_output=True, text=True, check=False
    )
    if "unrecognized" in proc.stderr:
        pytest.skip("gcc cannot target -m32")
    assert proc.returncode == 0, proc.stderr


# -- the pieces ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "model", "text"),
    [
        (0x20, "lp64", "0x20"),
        (0, "lp64", "0x0"),
        (2**31 - 1, "lp64", "0x7fffffff"),
        (2**31, "lp64", "0x80000000U"),
        (2**32 - 1, "ilp32", "0xffffffffU"),
        (2**32, "lp64", "0x100000000L"),
        (2**32, "ilp32", "0x100000000LL"),
        (2**63, "lp64", "0x8000000000000000UL"),
        (2**64 - 1, "lp64", "0xffffffffffffffffUL"),
        (2**64 - 1, "ilp32", "0xffffffffffffffffULL"),
        (-1, "lp64", "(-1)"),
        (-(2**31), "lp64", "(-0x7fffffff - 1)"),
        (-(2**31) - 1, "lp64", "(-0x80000001L)"),
        (-(2**63), "ilp32", "(-0x7fffffffffffffffLL - 1)"),
    ],
)
def test_c_literal(value: int, model: str, text: str) -> None:
    assert em.c_literal(value, model, hex=True) == text


@needs_gcc
def test_c_literals_keep_value_and_type(tmp_path: Path) -> None:
    """gcc agrees on each literal's value and that its type is the smallest that holds it."""
    assert GCC is not None
    cases = [
        (5, "int"),
        (2**31 - 1, "int"),
        (2**31, "unsigned int"),
        (2**32, "long"),
        (2**63 - 1, "long"),
        (2**63, "unsigned long"),
        (2**64 - 1, "unsigned long"),
        (-1, "int"),
        (-(2**31), "int"),
        (-(2**31) - 1, "long"),
        (-(2**63), "long"),
    ]
    lines = []
    for i, (v, ctype) in enumerate(cases):
        for hexa in (False, True):
            lit = em.c_literal(v, "lp64", hex=hexa)
            lines.append(f'_Static_assert(_Generic({lit}, {ctype}: 1, default: 0), "t{i}");')
            if v >= 0:
                lines.append(f'_Static_assert({lit} == {v}UL, "v{i}");')
            else:
                lines.append(f'_Static_assert({lit} == -{-v - 1}L - 1, "v{i}");')
    (tmp_path / "lit.c").write_text("\n".join(lines) + "\n")
    proc = subprocess.run(
        [GCC, *CFLAGS, str(tmp_path / "lit.c")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_py_literal() -> None:
    assert em.py_literal(0x20, hex=True) == "0x20"
    assert em.py_literal(-1, hex=True) == "-1"
    assert em.py_literal(7) == "7"
    with pytest.raises(AbicheckError):
        em.py_literal("7")


def test_sanitize_text() -> None:
    s = em.sanitize_text
    assert s("a */ b /* c") == "a * / b / * c"
    assert s('say """hi"""') == "say '''hi'''"
    assert s("back\\slash\\") == "back/slash/"
    assert s("x\ny\r\tz\x1b\x00\u202e\u2028w") == "x y z w"
    assert s("??/") == "? ?/"
    assert s("???") == "? ? ?"
    assert s("????????") == "? ? ? ? ? ? ? ?"
    assert s("-*- coding: latin-1 -*-") == "-*- coding : latin-1 -*-"
    assert s("coding=x") == "coding =x"
    assert s("*/*/") == "* / * /"
    assert s("**//**//") == "** // ** //"
    assert s("/*/") == "/ * /"
    assert len(s("A" * 1000)) == 200 and s("A" * 1000).endswith("...")
    assert s("  spaced   out  ") == "spaced out"


def test_member_names() -> None:
    view = em.prepare([fixture_table("hostile.h")])[0]
    members = {c.name: [m.name for m in c.members] for c in view.classes}
    assert "import" not in members["MAP"] and "MAP_import" in members["MAP"]
    assert "None" not in members["MAP"] and "MAP_None" in members["MAP"]
    assert "class" not in members["MADV"] and "match" not in members["MADV"]
    assert "name" not in members["MS"] and "value" not in members["MS"]


def test_member_name_collision_is_refused() -> None:
    macros = (
        Macro("MAP_import", "integer", 1, "1", "made.h", 1),
        Macro("MAP_MAP_import", "integer", 2, "2", "made.h", 2),
    )
    with pytest.raises(AbicheckError, match="MAP.MAP_import") as exc:
        em.emit([Table("t", "file", macros)], "python")
    assert exc.value.location in ("made.h:1", "made.h:2")


def test_families_override_and_selection() -> None:
    table = arm_table()
    view = em.prepare([table], families=["MAP"])[0]
    assert {c.family for c in view.constants} == {"MAP"}
    assert [c.name for c in view.classes] == ["MAP"]
    view = em.prepare([table], families=["MADV:flag", "MS:enum"])[0]
    assert {c.name: c.base for c in view.classes} == {"MADV": "IntFlag", "MS": "IntEnum"}
    for bad in (["map"], ["MAP:bits"], ["TABLES"], [], ["MAP_"]):
        with pytest.raises(AbicheckError):
            em.prepare([table], families=bad)
    with pytest.raises(AbicheckError, match="no integer macros"):
        em.prepare([table], families=["OVERCOMMIT"])
    # builtins, include guards and non-integers never appear
    names = {c.name for c in em.prepare([table])[0].constants}
    assert "__ARM_MMAN_H__" not in names and "__linux__" not in names
    guard = Macro("MAP_MMAN_H", "other", None, "", "made.h", 1, reason="empty")
    builtin = Macro("MAP_BUILTIN", "integer", 1, "1", "<built-in>", 0)
    fine = Macro("MAP_X", "integer", 1, "1", "made.h", 2)
    # an integer named like a guard is a constant (KEY_H is 35): emitted
    named_h = Macro("MAP_H", "integer", 4, "4", "made.h", 3)
    view = em.prepare([Table("t", "file", (guard, builtin, fine, named_h))])[0]
    assert [c.name for c in view.constants] == ["MAP_H", "MAP_X"]


def test_display_path() -> None:
    assert em.display_path(ARM_HEADER) == "<abicheck>/headers/arm/mman.h"
    assert em.display_path(str(ARM_HEADER)) == "<abicheck>/headers/arm/mman.h"
    assert em.display_path("<abicheck>/headers/arm/mman.h") == "<abicheck>/headers/arm/mman.h"
    assert em.display_path("/usr/include/linux/mman.h") == "/usr/include/linux/mman.h"
    assert em.display_path("rel/x.h") == "rel/x.h"


# -- templates ----------------------------------------------------------------


def test_user_template_dir(tmp_path: Path) -> None:
    (tmp_path / "python.py.j2").write_text(
        "{% for c in first.values %}{{ c.name | py_ident }} = {{ c.value | py_literal }}\n"
        "{% endfor %}"
    )
    out = em.emit([arm_table()], "python", template_dir=tmp_path)
    assert "MADV_REMOVE = 5\n" in out and "MAP_ANON = 32\n" in out
    with pytest.raises(AbicheckError, match="no template c.h.j2"):
        em.emit([arm_table()], "c", template_dir=tmp_path)
    (tmp_path / "c.h.j2").write_text("{{ no_such_variable }}\n")
    with pytest.raises(AbicheckError, match="no_such_variable") as exc:
        em.emit([arm_table()], "c", template_dir=tmp_path)
    assert exc.value.file == str(tmp_path / "c.h.j2")
    (tmp_path / "c.h.j2").write_text("line one\n{% for %}\n")
    with pytest.raises(AbicheckError, match="template syntax") as exc:
        em.emit([arm_table()], "c", template_dir=tmp_path)
    assert exc.value.line == 2


def test_unknown_language() -> None:
    with pytest.raises(AbicheckError, match="unknown language 'rust'"):
        em.emit([arm_table()], "rust")


def test_bundled_templates_are_found() -> None:
    root = em.bundled_templates()
    for name in em.TEMPLATES.values():
        assert root.joinpath(name).is_file()


# -- C types kept (issue 4: "a suffix that keeps its value and type") -----------

#: tests/fixtures/emit/types.h: name -> (lp64 literal, C type) and the same for ilp32.
TYPED = {
    "MAP_ULONG": (("1UL", "unsigned long"), ("1UL", "unsigned long")),
    "MAP_LONG_DEC": (("0x80000000L", "long"), ("0x80000000LL", "long long")),
    "MAP_SHIFTED": (("0x78000000U", "unsigned int"), ("0x78000000U", "unsigned int")),
    "MAP_MINUS_L": (("(-1L)", "long"), ("(-1L)", "long")),
    "MAP_ALL_ONES": (
        ("0xffffffffffffffffUL", "unsigned long"),
        ("0xffffffffffffffffULL", "unsigned long long"),
    ),
    "MAP_UCHAR": (
        ("((unsigned char)44)", "unsigned char"),
        ("((unsigned char)44)", "unsigned char"),
    ),
    "MAP_SHORT": (("((short)(-3))", "short"), ("((short)(-3))", "short")),
    "MAP_LL": (("5LL", "long long"), ("5LL", "long long")),
    "MAP_ULL": (("0x10ULL", "unsigned long long"), ("0x10ULL", "unsigned long long")),
    "MAP_PLAIN": (("7", "int"), ("7", "int")),
    "MAP_MIN_LONG": (
        ("(-0x7fffffffffffffffL - 1)", "long"),
        ("(-0x7fffffffffffffffLL - 1)", "long long"),
    ),
    "MAP_ALIAS": (("MAP_ULONG", "unsigned long"), ("MAP_ULONG", "unsigned long")),
}


@pytest.mark.parametrize("model", ["lp64", "ilp32"])
def test_c_keeps_each_constants_type(model: str) -> None:
    path = FIXTURES / "types.h"
    table = Table(
        "types", "file", Reader([], {}, model).read(str(path)), Provenance(data_model=model)
    )
    header = em.emit([table], "c")
    defines = dict(re.findall(r"^#define (MAP_\w+) (.*?)(?: /\*.*)?$", header, re.M))
    assert set(defines) == set(TYPED)
    for name, per_model in TYPED.items():
        assert defines[name] == per_model[model == "ilp32"][0], name


@needs_gcc
@pytest.mark.parametrize("model", ["lp64", "ilp32"])
def test_c_types_agree_with_the_original_macros_in_gcc(tmp_path: Path, model: str) -> None:
    """The fixture, its macros renamed ORIG_*, and the emitted header in one translation
    unit: gcc agrees each emitted constant has the original's value and type."""
    assert GCC is not None
    path = FIXTURES / "types.h"
    table = Table(
        "types", "file", Reader([], {}, model).read(str(path)), Provenance(data_model=model)
    )
    (tmp_path / "generated.h").write_text(em.emit([table], "c"), encoding="utf-8")
    renamed = re.sub(r"\bMAP_", "ORIG_MAP_", path.read_text(encoding="utf-8"))
    (tmp_path / "orig.h").write_text(renamed, encoding="utf-8")
    lines = ['#include "orig.h"', '#include "generated.h"']
    for name, per_model in TYPED.items():
        ctype = per_model[model == "ilp32"][1]
        for n in (name, f"ORIG_{name}"):
            lines.append(f'_Static_assert(_Generic({n}, {ctype}: 1, default: 0), "{n} type");')
        lines.append(
            f"_Static_assert(__builtin_types_compatible_p(__typeof__({name}), "
            f'__typeof__(ORIG_{name})), "{name} same type");'
        )
        lines.append(f'_Static_assert({name} == ORIG_{name}, "{name} value");')
    (tmp_path / "t.c").write_text("\n".join(lines) + "\n", encoding="utf-8")
    flags = ["-std=gnu11", *CFLAGS[1:], "-Wno-sign-compare"]
    arch = ["-m32"] if model == "ilp32" else []
    proc = subprocess.run(
        [GCC, *arch, *flags, str(tmp_path / "t.c")], capture_output=True, text=True, check=False
    )
    if model == "ilp32" and "unrecognized" in proc.stderr:
        pytest.skip("gcc cannot target -m32")
    assert proc.returncode == 0, proc.stderr
    # the emitted header alone still checks a header that already has the names
    proc = subprocess.run(
        [GCC, *arch, *CFLAGS, "-include", str(path), str(tmp_path / "generated.h")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("value", "ctype", "model", "text"),
    [
        (1, "unsigned long", "lp64", "0x1UL"),
        (1, "long long", "ilp32", "0x1LL"),
        (2**31, "long", "lp64", "0x80000000L"),
        (2**31, "long long", "ilp32", "0x80000000LL"),
        (44, "unsigned char", "lp64", "((unsigned char)0x2c)"),
        (-3, "short", "lp64", "((short)(-3))"),
        (-1, "long", "lp64", "(-1L)"),
        (-(2**31), "long", "ilp32", "(-0x7fffffffL - 1)"),
        (-(2**63), "long", "lp64", "(-0x7fffffffffffffffL - 1)"),
        (-(2**31), "int", "lp64", "(-0x7fffffff - 1)"),
        (2**31, "", "lp64", "0x80000000U"),  # type unknown: the smallest that holds it
    ],
)
def test_c_literal_with_type(value: int, ctype: str, model: str, text: str) -> None:
    assert em.c_literal(value, model, hex=True, ctype=ctype) == text


def test_c_literal_refuses_types_it_cannot_write() -> None:
    with pytest.raises(AbicheckError, match="does not fit"):
        em.c_literal(2**31, "ilp32", ctype="long")
    with pytest.raises(AbicheckError, match="does not fit"):
        em.c_literal(-1, "lp64", ctype="unsigned int")
    with pytest.raises(AbicheckError, match="C type"):
        em.c_literal(1, "lp64", ctype="int); system(1")
    bad = Macro("MAP_X", "integer", 300, "300", "made.h", 4, ctype="unsigned char")
    with pytest.raises(AbicheckError, match="MAP_X") as exc:
        em.emit([Table("t", "file", (bad,))], "c")
    assert exc.value.location == "made.h:4"


# -- template errors: where in which template ----------------------------------


def _template_error(tmp_path: Path, text: bytes, **others: bytes) -> AbicheckError:
    (tmp_path / "c.h.j2").write_bytes(text)
    for name, body in others.items():
        (tmp_path / name.replace("_", ".")).write_bytes(body)
    with pytest.raises(AbicheckError) as exc:
        em.emit([arm_table()], "c", template_dir=tmp_path)
    return exc.value


def test_template_not_utf8(tmp_path: Path) -> None:
    err = _template_error(tmp_path, b"ok\n\xff\xfe binary\n")
    assert str(err) == f"{tmp_path / 'c.h.j2'}:2: error: template is not UTF-8 text (byte 0xff)"
    err = _template_error(tmp_path, b"ok\nx\x00y\n")
    assert str(err) == f"{tmp_path / 'c.h.j2'}:2: error: NUL byte: binary file, not a template"


def test_template_undefined_names_the_line(tmp_path: Path) -> None:
    err = _template_error(tmp_path, b"one\ntwo\n{{ no_such_variable }}\n")
    assert str(err) == f"{tmp_path / 'c.h.j2'}:3: error: template: 'no_such_variable' is undefined"
    err = _template_error(
        tmp_path, b"one\n{% for c in first.values %}\n{{ c.nope }}\n{% endfor %}\n"
    )
    assert (err.file, err.line) == (str(tmp_path / "c.h.j2"), 3)
    assert "nope" in err.message
    # in an included template: that template's line
    err = _template_error(tmp_path, b"a\n{% include 'part.j2' %}\n", part_j2=b"p\n{{ zzz }}\n")
    assert str(err) == f"{tmp_path / 'part.j2'}:2: error: template: 'zzz' is undefined"
    # a filter refusing a value, and a failing operation
    err = _template_error(tmp_path, b"a\n\n{{ 'x y' | c_ident }}\n")
    assert str(err) == f"{tmp_path / 'c.h.j2'}:3: error: not a C identifier: 'x y'"
    err = _template_error(tmp_path, b"a\n{{ 1 // 0 }}\n")
    assert (err.file, err.line) == (str(tmp_path / "c.h.j2"), 2)


def test_template_missing_include(tmp_path: Path) -> None:
    err = _template_error(tmp_path, b"a\n{% include 'missing.j2' %}\n")
    assert str(err) == f"{tmp_path / 'c.h.j2'}:2: error: included template missing.j2 not found"
    err = _template_error(tmp_path, b"a\n{% include 'bad.j2' %}\n", bad_j2=b"p\n{% for %}\n")
    assert (err.file, err.line) == (str(tmp_path / "bad.j2"), 2)
    assert err.message.startswith("template syntax:")


def test_constants_named_like_include_guards_are_emitted(tmp_path: Path) -> None:
    """KEY_H is 35 in <linux/input-event-codes.h>, not an include guard: it is emitted;
    the file's real guard (an empty define, not an integer) is not."""
    table = fixture_table("key.h")
    py = em.emit([table], "python", families=["KEY"])
    module = tmp_path / "keys.py"
    module.write_text(py)
    values = import_module(module)["consts"]
    assert values == {"KEY_G": 34, "KEY_H": 35, "KEY_J": 36}
    assert "_KEY_CODES_H" not in py
    c = em.emit([table], "c", families=["KEY"])
    assert re.search(r"#define KEY_H\b", c) and "_KEY_CODES_H" not in c


@pytest.mark.skipif(
    not Path("/usr/include/linux/input-event-codes.h").is_file(),
    reason="linux-libc-dev headers not installed",
)
def test_key_h_from_the_installed_input_event_codes(tmp_path: Path) -> None:
    path = "/usr/include/linux/input-event-codes.h"
    table = Table("input", "header", Reader().read(path), Provenance(path=path))
    module = tmp_path / "input.py"
    module.write_text(em.emit([table], "python", families=["KEY"]))
    consts = import_module(module)["consts"]
    assert isinstance(consts, dict) and consts["KEY_H"] == 35


# -- formatters and linters leave the generated files alone ------------------------


def em_tables(sources: list[str]) -> list[Table]:
    from abicheck.sources import load_sources

    return list(load_sources(sources or ["embedded"]))


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    assert Path(found).exists(), f"{name} is a test dependency"
    return found


@pytest.mark.parametrize("sources", [[], ["arch:all"], [str(FIXTURES / "hostile.h")]])
def test_python_output_is_a_fixed_point_of_ruff_format_and_black(
    sources: list[str], tmp_path: Path
) -> None:
    """ruff format and black with default settings change nothing, and ruff check's
    default rules with E501 at 88 find nothing (goldens and generated modules)."""
    path = tmp_path / "consts.py"
    tables = em_tables(sources)
    path.write_text(em.emit(tables, "python"), encoding="utf-8")
    for argv in (
        [_tool("ruff"), "format", "--isolated", "--check", str(path)],
        [_tool("black"), "--check", "-q", str(path)],
        [_tool("ruff"), "check", "--isolated", "--select", "E,F,E501", str(path)],
    ):
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode == 0, (argv[:2], proc.stdout + proc.stderr)
    golden = GOLDEN / "arm_mman.py"
    proc = subprocess.run(
        [_tool("ruff"), "format", "--isolated", "--check", str(golden)], capture_output=True
    )
    assert proc.returncode == 0


def test_c_output_says_clang_format_off_and_passes_it(tmp_path: Path) -> None:
    text = (GOLDEN / "arm_mman.h").read_text()
    assert text.splitlines()[0] == "// clang-format off"
    clang_format = shutil.which("clang-format")
    assert clang_format, "apt-get install clang-format (CI installs it)"
    proc = subprocess.run(
        [clang_format, "--dry-run", "-Werror", str(GOLDEN / "arm_mman.h")], capture_output=True
    )
    assert proc.returncode == 0, proc.stderr


def test_check_refuses_devices_and_huge_files(tmp_path: Path) -> None:
    # `emit --check /dev/zero` read it whole (6 GB and a MemoryError): now refused at once
    proc = subprocess.run(
        [sys.executable, "-m", "abicheck", "emit", "--lang", "c", "--check", "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == "/dev/zero: error: cannot read generated file: not a regular file\n"
    big = tmp_path / "big.py"
    with open(big, "wb") as f:
        f.truncate(em.MAX_CHECK_BYTES + 1)  # sparse: no disk used
    with pytest.raises(AbicheckError) as exc:
        em.check(big, "x\n")
    assert str(exc.value) == f"{big}: error: cannot read generated file: over 64 MiB"


# -- layouts: C checks and ctypes classes ------------------------------------------------

LAYOUTS = TESTS / "fixtures" / "layouts"
EMIT_ARCHES = ("amd64", "i386", "m68k", "arm64")
COMPILERS = {**CROSS, "arm64": CROSS_ARM64}
needs_cross = pytest.mark.skipif(
    not have(*COMPILERS.values()) or any(installed_dirs(lookup(a)) is None for a in EMIT_ARCHES),
    reason="needs gcc, i686-, m68k- and aarch64-linux-gnu-gcc and their uapi headers",
)


def test_each_arch_guard_holds_for_its_own_compiler_only() -> None:
    """Every installed cross gcc (and the host's) preprocesses the guards of all the
    architectures: its own holds, no other does."""
    source = "".join(f"#if {g}\nGUARD_{n}\n#endif\n" for n, g in ARCH_GUARDS.items())
    assert set(ARCH_GUARDS) == {a.name for a in all_arches()}
    checked = []
    for arch in all_arches():
        cc = "gcc" if arch.name == "amd64" else f"{arch.triplet}-gcc"
        cc = "i686-linux-gnu-gcc" if arch.name == "i386" else cc
        if shutil.which(cc) is None:
            continue
        proc = subprocess.run(
            [cc, "-E", "-P", "-x", "c", "-"], input=source, capture_output=True, text=True
        )
        assert proc.stdout.split() == [f"GUARD_{arch.name}"], cc
        checked.append(arch.name)
    assert {"amd64", "i386", "m68k", "arm64"} <= set(checked)


@needs_cross
def test_c_layout_checks_compile_with_each_arch_gcc_and_a_wrong_value_fails(
    tmp_path: Path,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["emit", "--lang", "c", "--header", "asm/stat.h", "--type", "struct stat"]
    argv += [f"arch:{a}" for a in EMIT_ARCHES]
    assert main(argv, out, err) == 0, err.getvalue()
    text = out.getvalue()
    assert "#if defined(__x86_64__) && !defined(__ILP32__)\n" in text
    assert "#elif defined(__m68k__)\n" in text
    # gcc -S (asm operands): sizeof(struct stat) is 144 on x86_64, st_mode at 24
    assert (
        '_Static_assert(sizeof(struct stat) == 144, "abicheck: sizeof(struct stat) is not '
        '144 on arch:amd64");\n'
    ) in text
    assert "_Static_assert(__builtin_offsetof(struct stat, st_mode) == 24, " in text
    (tmp_path / "layouts.h").write_text(text, encoding="utf-8")
    use = f'#include <asm/stat.h>\n#include "{tmp_path / "layouts.h"}"\n'
    for arch in EMIT_ARCHES:
        cc = COMPILERS[arch]
        proc = compiles(cc, use, "-Wall", "-Werror")
        assert proc.returncode == 0, (cc, proc.stderr)
        # one value made wrong in this arch's block: its compiler refuses the header
        size = gcc_values(cc, "#include <asm/stat.h>", ["sizeof(struct stat)"])
        wrong = text.replace(
            f"sizeof(struct stat) == {size['sizeof(struct stat)']}, "
            f'"abicheck: sizeof(struct stat) is not {size["sizeof(struct stat)"]} on arch:{arch}"',
            f"sizeof(struct stat) == {size['sizeof(struct stat)'] + 4}, "
            f'"abicheck: sizeof(struct stat) is not {size["sizeof(struct stat)"]} on arch:{arch}"',
        )
        assert wrong != text
        (tmp_path / "layouts.h").write_text(wrong, encoding="utf-8")
        proc = compiles(cc, use)
        assert proc.returncode != 0 and "static assertion failed" in proc.stderr, cc
        (tmp_path / "layouts.h").write_text(text, encoding="utf-8")
    # an architecture with no table: an #error, not a silent pass
    if have("powerpc-linux-gnu-gcc"):
        proc = compiles("powerpc-linux-gnu-gcc", use)
        assert "abicheck: no layouts for this architecture" in proc.stderr


@needs_gcc
def test_ctypes_classes_have_gcc_s_and_abicheck_s_layout_on_the_host(tmp_path: Path) -> None:
    """The generated module, imported: every class's sizeof and every field's offset
    (bit offset and width for bit-fields) are abicheck's and gcc's."""
    assert GCC is not None
    header = LAYOUTS / "shapes.h"
    out, err = io.StringIO(), io.StringIO()
    assert main(["emit", "--lang", "python", "--type", "*", str(header)], out, err) == 0, err
    text = out.getvalue()
    assert '    _layout_ = "ms"' in text and "    _pack_ = 1\n" in text  # struct pk is packed
    assert '    _anonymous_ = ("_anon5", )\n' in text  # struct fx's union
    path = tmp_path / "shapes_layouts.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("shapes_layouts", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    head = f'#include "{header}"'
    records = Reader().layouts(str(header))
    assert [r.name for r in records] == [
        "struct inner",
        "struct fx",
        "struct pk",
        "typedef anon_t",
        "union u",
    ]
    classes = module.for_arch(str(header))
    for r in records:
        ctype = r.name.removeprefix("typedef ")
        cls = classes[ctype]
        plain = [m for m in r.members if m.bit_width is None]
        fields = [m for m in r.members if m.bit_width is not None]
        exprs = [f"sizeof({ctype})"] + [f"__builtin_offsetof({ctype}, {m.name})" for m in plain]
        gcc = gcc_values(GCC, head, exprs)
        assert ctypes.sizeof(cls) == r.size == gcc[exprs[0]], ctype
        for m, e in zip(plain, exprs[1:], strict=True):
            assert getattr(cls, m.name).offset == m.offset == gcc[e], (ctype, m.name)
        gcc_bits = gcc_bitfields(GCC, head, ctype, [m.name for m in fields]) if fields else {}
        for m in fields:
            descr = getattr(cls, m.name)
            # a ctypes bit-field's size is (width << 16) | bit offset in its unit
            at = descr.offset * 8 + (descr.size & 0xFFFF)
            assert (at, descr.size >> 16) == (m.bit_offset, m.bit_width) == gcc_bits[m.name]
    assert [m.name for m in records[1].members if m.bit_width is not None] == ["f1", "f2", "ull"]


HOST_UAPI = Path("/usr/x86_64-linux-gnu/include")
needs_amd64 = pytest.mark.skipif(
    GCC is None
    or not (HOST_UAPI / "linux" / "bpf.h").is_file()
    or ctypes.sizeof(ctypes.c_void_p) != 8
    or os.uname().machine != "x86_64",
    reason="needs an x86-64 host with gcc and linux-libc-dev-amd64-cross",
)


@needs_amd64
@pytest.mark.parametrize("header", ["linux/eventpoll.h", "linux/perf_event.h", "linux/bpf.h"])
def test_ctypes_classes_of_real_uapi_headers_on_the_host(tmp_path: Path, header: str) -> None:
    """Every struct and union of three uapi headers (packed epoll_event; perf's
    bit-fields and anonymous unions; bpf's aligned unions and padding bit-fields) as
    arch:amd64 classes, imported: ctypes gives abicheck's layout, and gcc's."""
    assert GCC is not None
    out, err = io.StringIO(), io.StringIO()
    argv = ["emit", "--lang", "python", "--header", header, "--type", "*", "arch:amd64"]
    assert main(argv, out, err) == 0, err.getvalue()
    path = tmp_path / "uapi_layouts.py"
    path.write_text(out.getvalue(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("uapi_layouts", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    amd64 = lookup("amd64")
    reader = Reader([str(HOST_UAPI)], None, "lp64", amd64.predefined(), abi=amd64.abi)
    records = [r for r in reader.layouts(str(HOST_UAPI / header)) if r.size is not None]
    classes = module.for_arch("amd64")
    assert sorted(classes) == sorted(r.name.removeprefix("typedef ") for r in records)
    exprs: dict[tuple[str, str], str] = {}
    for r in records:
        ctype = r.name.removeprefix("typedef ")
        exprs[ctype, ""] = f"sizeof({ctype})"
        for m in r.members:
            if m.bit_width is None:
                exprs[ctype, m.name] = f"__builtin_offsetof({ctype}, {m.name})"
    flags = ["-I", str(HOST_UAPI)]
    gcc = gcc_values(GCC, f"#include <{header}>", list(exprs.values()), flags)
    bit_fields = 0
    for r in records:
        ctype = r.name.removeprefix("typedef ")
        cls = classes[ctype]
        assert ctypes.sizeof(cls) == r.size == gcc[exprs[ctype, ""]], ctype
        fields = [m.name for m in r.members if m.bit_width is not None]
        gcc_bits = (
            gcc_bitfields(GCC, f"#include <{header}>", ctype, fields, flags) if fields else {}
        )
        for m in r.members:
            descr = getattr(cls, m.name)
            if m.bit_width is None:
                assert descr.offset == m.offset == gcc[exprs[ctype, m.name]], (ctype, m.name)
            else:
                at = descr.offset * 8 + (descr.size & 0xFFFF)
                got = (at, descr.size >> 16)
                assert got == (m.bit_offset, m.bit_width) == gcc_bits[m.name], (ctype, m.name)
                bit_fields += 1
    if header == "linux/perf_event.h":
        assert bit_fields > 30  # struct perf_event_attr's flags, perf_event_mmap_page's caps


def test_ctypes_refuses_bit_fields_it_cannot_place(tmp_path: Path) -> None:
    header = tmp_path / "odd.h"
    header.write_text("struct odd { unsigned long long v : 24; char c; };\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["emit", "--lang", "python", "--type", "struct odd", str(header)], out, err) == 2
    assert err.getvalue() == (
        "abicheck: error: struct odd: ctypes cannot place its bit-fields where gcc does\n"
    )
    assert main(["emit", "--lang", "c", "--type", "struct even", str(header)], out, err) == 2
    assert "--type struct even: no struct, union or typedef matches it" in err.getvalue()


@pytest.mark.parametrize("lang", ["c", "python"])
def test_a_type_with_no_layout_is_refused_at_its_line(tmp_path: Path, lang: str) -> None:
    header = tmp_path / "neg.h"
    header.write_text("struct ok { int b; };\nstruct s { int a[-1]; };\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    out, err = io.StringIO(), io.StringIO()
    argv = ["emit", "--lang", lang, "--type", "struct *", str(header), "-o", str(output)]
    assert main(argv, out, err) == 2
    assert (
        err.getvalue()
        == f"{header}:2: error: struct s has no layout to emit: array of negative size\n"
    )
    assert not output.exists()
    argv = ["emit", "--lang", lang, "--type", "struct ok", str(header), "-o", str(output)]
    assert main(argv, out, io.StringIO()) == 0
    made = {"c": "_Static_assert(sizeof(struct ok) == 4,", "python": '"""struct ok: 4 bytes."""'}
    assert made[lang] in output.read_text()
