"""Sources for ``abicheck compare``, against the real gcc, Debian's cross headers,
the C library and the running interpreter (nothing mocked)."""

from __future__ import annotations

import io
import json
import mmap
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from abicheck.arches import (
    Arch,
    all_arches,
    cross_compiler,
    debian_arches,
    host_arch,
    include_dirs,
    lookup,
)
from abicheck.audit import audit
from abicheck.cc import compiler_macros
from abicheck.cli import main
from abicheck.compare import is_family_name
from abicheck.model import AbicheckError, Table
from abicheck.resources import EMBEDDED_LABEL, data_dir, embedded_header
from abicheck.snapshot import dump_snapshot, load_snapshot
from abicheck.sources import (
    MAKE_SNAPSHOT_COMMAND,
    SourceOptions,
    default_sources,
    installed_dirs,
    load_sources,
    package_versions,
)
from abicheck.sources.arch import generic_y

REPO = Path(__file__).resolve().parent.parent
GOLDEN_PY = REPO / "tests" / "golden" / "arm_mman.py"
FIXTURES = REPO / "tests" / "fixtures" / "sources"
SNAPSHOT = data_dir("headers") / "arches.json"
UNDER_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
INSTALLED = SourceOptions(arch_from="installed")


def family_values(table: Table) -> dict[str, int]:
    """The mman-family integer macros of a table, builtins left out."""
    return {
        m.name: m.value
        for m in table.macros
        if m.value is not None
        and is_family_name(m.name)
        and m.file not in ("<built-in>", "<command-line>")
    }


@pytest.fixture(scope="session")
def cross_packages() -> None:
    """Install the missing cross header packages once, where we are root with apt."""
    missing = [a.cross_package for a in debian_arches() if include_dirs(a) is None]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
            env=env,
            check=False,
        )


def need_headers(arch: Arch) -> tuple[Path, ...]:
    dirs = include_dirs(arch)
    if dirs is None:
        message = f"{arch.cross_package} not installed: apt-get install {arch.cross_package}"
        if UNDER_CI or os.geteuid() == 0:
            pytest.fail(message)
        pytest.skip(message)
    return dirs


# -- architectures: the reader against the compiler oracle ------------------------


@pytest.mark.parametrize("arch", debian_arches(), ids=lambda a: a.name)
def test_arch_matches_compiler(arch: Arch, cross_packages: None) -> None:
    dirs = need_headers(arch)
    (table,) = load_sources([f"arch:{arch.name}"], INSTALLED)
    assert table.label == f"arch:{arch.name}"
    assert table.origin.headers_from == "installed"
    header = table.origin.path
    assert header.endswith("linux/mman.h")
    oracle = compiler_macros(header, include_dirs=dirs, arch=arch)
    expected = {n: v for n, v in oracle.values.items() if is_family_name(n)}
    assert family_values(table) == expected
    # the oracle's names with no value are not given one by the reader either
    assert expected["MAP_ANONYMOUS"] in (0x20, 0x10, 0x800)


def test_arch_origin_records_package_and_version(cross_packages: None) -> None:
    mips = lookup("mips")
    need_headers(mips)
    (table,) = load_sources(["arch:mips"])
    assert table.origin.package == "linux-libc-dev-mips-cross"
    assert table.origin.version == package_versions()["linux-libc-dev-mips-cross"]
    assert table.origin.data_model == "ilp32"
    assert table.origin.headers_from == "installed"
    assert table.values()["MAP_ANONYMOUS"] == 0x800


def test_host_arch_prefers_its_cross_package(cross_packages: None) -> None:
    """The host reads its cross package like any other architecture (the same table on
    every machine), its own /usr/include only without it."""
    host = host_arch()
    need_headers(host)
    (table,) = load_sources([f"arch:{host.name}"], INSTALLED)
    cross = Path("/usr") / host.triplet / "include"
    if (cross / "asm" / "mman.h").is_file():
        assert installed_dirs(host) == (cross,)
        assert table.origin.include_dirs == (str(cross),)
        assert table.origin.package == host.cross_package
    else:
        assert installed_dirs(host) == include_dirs(host)
        assert table.origin.include_dirs[-1] == "/usr/include"
        assert table.origin.package == "linux-libc-dev"


def test_kernel_arch_names_accepted(cross_packages: None) -> None:
    need_headers(lookup("hppa"))
    (parisc,) = load_sources(["arch:parisc"])
    assert parisc.label == "arch:hppa"
    assert parisc.values()["MAP_ANONYMOUS"] == 0x10


def test_arch_all_one_table_per_arch() -> None:
    tables = load_sources(["arch:all"])
    assert [t.label for t in tables] == [f"arch:{a.name}" for a in all_arches()]
    for t in tables:
        assert t.origin.headers_from in ("installed", "snapshot")


def test_unknown_arch_lists_available() -> None:
    with pytest.raises(AbicheckError, match="unknown architecture 'vax'; available: alpha, "):
        load_sources(["arch:vax"])
    with pytest.raises(AbicheckError, match="available: all, alpha"):
        load_sources(["arch:"])


# -- the shipped snapshot -------------------------------------------------------------


def test_snapshot_covers_every_arch() -> None:
    tables = {t.label: t for t in load_snapshot(SNAPSHOT)}
    assert sorted(tables) == [f"arch:{a.name}" for a in all_arches()]
    for arch in all_arches():
        table = tables[f"arch:{arch.name}"]
        assert table.origin.version
        if arch.cross_package:
            assert table.origin.package == arch.cross_package
            assert table.origin.headers_from == "installed"
            assert table.origin.include_dirs == (f"/usr/{arch.triplet}/include",)
        else:
            assert table.origin.package == table.origin.kernel_tree == "linux-source-6.1"
            assert table.origin.headers_from == "kernel-tree"
            assert table.origin.include_dirs[0] == (
                f"linux-source-6.1/arch/{arch.kernel}/include/uapi"
            )
        # the families only, as every arch: table holds them
        assert table.macros and all(is_family_name(m.name) for m in table.macros)


def shipped_versions() -> dict[str, str]:
    return {t.label: t.origin.version for t in load_snapshot(SNAPSHOT)}


def version_note() -> str:
    """Which installed cross packages differ from those the snapshot was made from."""
    installed = package_versions()
    shipped = shipped_versions()
    stale = [
        f"{a.cross_package} {installed.get(a.cross_package)} "
        f"(snapshot: {shipped[f'arch:{a.name}']})"
        for a in debian_arches()
        if shipped[f"arch:{a.name}"] != installed.get(a.cross_package)
    ]
    return "; installed packages differ from the snapshot's: " + ", ".join(stale) if stale else ""


def test_snapshot_agrees_with_live_headers(cross_packages: None) -> None:
    """Every architecture's families in the shipped snapshot are those installed today,
    whatever the package versions (a version difference only explains a failure)."""
    debian = debian_arches()
    for arch in debian:
        need_headers(arch)
    shipped = {t.label: t.values() for t in load_snapshot(SNAPSHOT)}
    specs = [f"arch:{a.name}" for a in debian]
    live = {t.label: family_values(t) for t in load_sources(specs, INSTALLED)}
    shipped = {label: values for label, values in shipped.items() if label in live}
    differ = sorted(label for label in shipped if shipped[label] != live.get(label))
    assert not differ, f"snapshot differs from the installed headers for {differ}{version_note()}"


def normalized(text: str) -> str:
    """Snapshot text with each table's package version left out."""
    data = json.loads(text)
    for source in data["sources"]:
        source["origin"].pop("version", None)
    return json.dumps(data, indent=2)


KERNEL_TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")  # linux_tree (conftest.py) unpacks it


KERNEL_ONLY = [a for a in all_arches() if not a.cross_package]


@pytest.mark.parametrize("arch", KERNEL_ONLY, ids=lambda a: a.name)
def test_kernel_only_arch_matches_compiler(arch: Arch, linux_tree: Path, tmp_path: Path) -> None:
    """Architectures Debian has no cross headers for, read from the kernel tree, agree
    with gcc given the same tree, the architecture's predefines and data model."""
    (table,) = load_sources([f"arch:{arch.name}"], SourceOptions(kernel_tree=str(linux_tree)))
    assert table.origin.headers_from == "kernel-tree"
    dirs = [*map(Path, table.origin.include_dirs), tmp_path]
    generic_y(linux_tree, arch, tmp_path)
    oracle = compiler_macros(table.origin.path, include_dirs=dirs, arch=arch)
    ours = table.values()
    # both ways: each of the table's values gcc's, and each of gcc's family names there
    assert ours == {n: v for n, v in oracle.values.items() if is_family_name(n)}
    assert is_family_name("MAP_ANONYMOUS") and "MAP_ANONYMOUS" in ours


def test_kernel_only_arches_by_hand(linux_tree: Path) -> None:
    """Values read off the 6.1 tree by hand: xtensa numbers its flags as mips does
    (arch/xtensa/include/uapi/asm/mman.h: MAP_ANONYMOUS 0x0800, MAP_LOCKED 0x8000),
    32-bit sparc as sparc64 (arch/sparc/include/uapi/asm/mman.h: MAP_LOCKED 0x100),
    loong64 takes asm-generic's."""
    specs = ["arch:xtensa", "arch:sparc32", "arch:loong64", "arch:mips"]
    tables = {
        t.label: t.values() for t in load_sources(specs, SourceOptions(kernel_tree=str(linux_tree)))
    }
    assert tables["arch:xtensa"]["MAP_ANONYMOUS"] == 0x800
    assert tables["arch:xtensa"]["MAP_LOCKED"] == 0x8000
    assert tables["arch:sparc32"]["MAP_LOCKED"] == 0x100
    assert tables["arch:loong64"]["MAP_LOCKED"] == 0x2000
    assert tables["arch:loong64"]["MADV_REMOVE"] == 9


def test_kernel_tree_agrees_with_installed_headers(linux_tree: Path, cross_packages: None) -> None:
    """A Debian architecture read from the kernel tree has the values of its cross package.

    Not hppa: 6.1.4's parisc MADV_* values (MADV_HUGEPAGE 67, ...) became the other
    architectures' in a later 6.1 stable release, which linux-source-6.1 has."""
    for name in ("mips", "ppc64", "arm64", "alpha"):
        need_headers(lookup(name))
        (tree,) = load_sources([f"arch:{name}"], SourceOptions(kernel_tree=str(linux_tree)))
        (installed,) = load_sources([f"arch:{name}"], INSTALLED)
        assert tree.values() == installed.values(), name


def test_snapshot_made_with_the_snapshot_script(tmp_path: Path, cross_packages: None) -> None:
    """The documented script, run as a user would, makes the shipped file: byte for
    byte when the installed packages are the snapshot's, else up to their versions."""
    for arch in debian_arches():
        need_headers(arch)
    if not KERNEL_TARBALL.is_file():
        pytest.fail(f"{KERNEL_TARBALL}: apt-get install linux-source-6.1")
    assert MAKE_SNAPSHOT_COMMAND == "scripts/make-arch-snapshot"
    made_file = tmp_path / "arches.json"
    argv = [sys.executable, str(REPO / MAKE_SNAPSHOT_COMMAND), "-o", str(made_file)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert (proc.returncode, proc.stderr) == (0, "")
    made = made_file.read_text(encoding="utf-8")
    shipped = SNAPSHOT.read_text(encoding="utf-8")
    if version_note():
        assert normalized(made) == normalized(shipped), version_note()
    else:
        assert made == shipped


def test_installed_and_snapshot_tables_have_the_same_names(
    tmp_path: Path, cross_packages: None
) -> None:
    """A baseline made from installed headers audits cleanly against the shipped snapshot
    (no helper macro of the include chain, HUGETLB_FLAG_ENCODE_*, counts as removed)."""
    need_headers(lookup("mips"))
    (installed,) = load_sources(["arch:mips"], INSTALLED)
    assert installed.get("HUGETLB_FLAG_ENCODE_SHIFT") is None
    assert installed.get("MAP_ANONYMOUS") is not None
    baseline = tmp_path / "mips.json"
    baseline.write_text(dump_snapshot([installed]), encoding="utf-8")
    (snap,) = load_sources(["arch:mips"], SourceOptions(arch_from="snapshot"))
    result = audit(load_snapshot(baseline), [snap])
    assert [c for c in result.changes] == [], version_note()
    assert result.exit_code("any") == 0
    # and the other way round, through the command line
    lock = tmp_path / "snap.json"
    err = io.StringIO()
    assert main(["snapshot", "arch:mips", "--arch-from", "snapshot", "-o", str(lock)]) == 0
    code = main(
        ["audit", "--baseline", str(lock), "--arch-from", "installed", "--fail-on", "any"],
        io.StringIO(),
        err,
    )
    assert (code, err.getvalue()) == (0, "")


def test_snapshot_used_when_forced_and_says_so() -> None:
    (snap,) = load_sources(["arch:mips64el"], SourceOptions(arch_from="snapshot"))
    assert snap.origin.headers_from == "snapshot"
    assert snap.origin.snapshot.endswith("arches.json")
    assert snap.values()["MAP_ANONYMOUS"] == 0x800
    (live,) = load_sources(["arch:mips64el"], INSTALLED)
    assert family_values(live) == snap.values()


def test_snapshot_fallback_only_for_default_header() -> None:
    message = (
        "no asm/mman.h for alpha: the shipped snapshot has only linux/mman.h; "
        "install linux-libc-dev-alpha-cross"
    )
    with pytest.raises(AbicheckError, match=message):
        load_sources(["arch:alpha"], SourceOptions(arch_from="snapshot", header="asm/mman.h"))
    err = io.StringIO()
    argv = ["compare", "arch:mips", "--header", "linux/fcntl.h", "--arch-from", "snapshot"]
    assert main(argv, io.StringIO(), err) == 2
    assert err.getvalue() == (
        "abicheck: error: no linux/fcntl.h for mips: the shipped snapshot has only "
        "linux/mman.h; install linux-libc-dev-mips-cross\n"
    )


def test_arch_all_with_another_header_leaves_out_arches_without_headers() -> None:
    err = io.StringIO()
    argv = ["compare", "arch:all", "--header", "linux/fcntl.h", "--only", "O_DIRECT"]
    out = io.StringIO()
    assert main(argv, out, err) == 1  # O_DIRECT differs across architectures
    notes = err.getvalue().splitlines()
    assert len(notes) == len([a for a in all_arches() if not a.cross_package])
    assert notes[0] == (
        "abicheck: note: arch:csky left out: no linux/fcntl.h for csky: the shipped snapshot "
        "has only linux/mman.h; give --kernel-tree (Debian has no cross headers for it)"
    )
    assert "21 sources" in out.getvalue()


def test_snapshot_override_missing_arch(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(dump_snapshot(load_sources(["arch:sh4"], INSTALLED)))
    opts = SourceOptions(arch_from="snapshot", snapshot=str(path))
    assert load_sources(["arch:sh4"], opts)[0].origin.headers_from == "snapshot"
    with pytest.raises(AbicheckError, match="install linux-libc-dev-alpha-cross.*has none"):
        load_sources(["arch:alpha"], opts)


#: O_CREAT in each architecture's asm/fcntl.h (the generic one is octal 0100).
O_CREAT = {"amd64": 0o100, "alpha": 0o1000, "mips": 0x100, "sparc64": 0x200, "hppa": 0o400}


@pytest.mark.parametrize("name", sorted(O_CREAT))
def test_arch_other_header_keeps_every_integer_macro(
    name: str, tmp_path: Path, cross_packages: None
) -> None:
    """With --header other than linux/mman.h, an arch: table is every integer macro of
    that header and its includes (the compiler's builtins left out), as gcc says."""
    arch = lookup(name)
    need_headers(arch)
    (table,) = load_sources([f"arch:{name}"], SourceOptions(header="linux/fcntl.h"))
    assert table.origin.path.endswith("/linux/fcntl.h")
    dirs = list(table.origin.include_dirs)
    oracle = compiler_macros(table.origin.path, include_dirs=dirs, arch=arch)
    empty = tmp_path / "empty.h"
    empty.write_text("")
    builtins = compiler_macros(empty, include_dirs=dirs, arch=arch).names
    expected = {n: v for n, v in oracle.values.items() if n not in builtins}
    assert table.values() == expected
    assert not any(m.file in ("<built-in>", "<command-line>") for m in table.macros)
    assert expected["O_CREAT"] == O_CREAT[name]
    assert "F_GETFL" in expected and "AT_FDCWD" in expected


def test_arch_header_option(cross_packages: None) -> None:
    need_headers(lookup("alpha"))
    (table,) = load_sources(["arch:alpha"], SourceOptions(header="asm/mman.h"))
    assert table.origin.path == "/usr/alpha-linux-gnu/include/asm/mman.h"
    assert table.values()["MADV_DONTNEED"] == 6
    with pytest.raises(AbicheckError, match="no linux/nope.h for alpha"):
        load_sources(["arch:alpha"], SourceOptions(header="linux/nope.h"))


# -- system, libc, python ---------------------------------------------------------------


def test_system_matches_compiler() -> None:
    (table,) = load_sources(["system"])
    assert table.label == table.kind == "system"
    assert table.origin.path == "/usr/include/linux/mman.h"
    assert table.origin.package == "linux-libc-dev"
    oracle = compiler_macros("/usr/include/linux/mman.h")
    assert family_values(table) == {n: v for n, v in oracle.values.items() if is_family_name(n)}
    assert table.values()["MADV_REMOVE"] == 9


def test_libc_matches_compiled_program(tmp_path: Path) -> None:
    """The libc source equals what a compiled C program prints for each name."""
    (table,) = load_sources(["libc"])
    names = sorted(family_values(table))
    assert "MAP_ANONYMOUS" in names and "POSIX_MADV_DONTNEED" in names
    lines = ["#include <stdio.h>", "#include <sys/mman.h>", "int main(void) {"]
    for n in names:
        lines.append(f'  printf("%s %d %llu\\n", "{n}", ({n}) < 0, (unsigned long long)({n}));')
    lines += ["  return 0;", "}"]
    src = tmp_path / "probe.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "probe"
    subprocess.run(["gcc", "-o", str(exe), str(src)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    printed = {}
    for line in out.splitlines():
        name, neg, value = line.split()
        printed[name] = int(value) - (1 << 64) if neg == "1" else int(value)
    assert family_values(table) == printed
    assert table.origin.compiler.startswith("gcc")
    assert table.origin.path.endswith("sys/mman.h")
    # the package owning the file read: libc6-dev, or libc6-dev-amd64-cross when that
    # is installed (gcc's search path has /usr/x86_64-linux-gnu/include first)
    owner = subprocess.run(
        ["dpkg-query", "-S", table.origin.path], capture_output=True, text=True
    ).stdout.split(":")[0]
    assert table.origin.package == owner and owner.startswith("libc6-dev")
    assert table.get("MAP_ANON") is not None and table.get("MAP_ANON").expr == "MAP_ANONYMOUS"  # type: ignore[union-attr]


def test_python_matches_import_mmap() -> None:
    (table,) = load_sources(["python"])
    probe = (
        "import json, mmap; print(json.dumps({n: getattr(mmap, n) for n in dir(mmap) "
        "if n.isupper() and isinstance(getattr(mmap, n), int)}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert table.values() == json.loads(out)
    assert table.values()["MADV_REMOVE"] == mmap.MADV_REMOVE
    assert table.origin.noted("interpreter") == sys.version.replace("\n", " ")
    # the same on every interpreter of this version: no path of this one (its venv)
    assert "executable" not in table.origin.as_dict()
    assert sys.executable not in json.dumps(table.origin.as_dict())


def test_default_sources() -> None:
    tables = default_sources()
    assert [t.label for t in tables] == [EMBEDDED_LABEL, "system", "libc", "python"]
    arm = tables[0]
    assert arm.values()["MADV_REMOVE"] == 5
    assert arm.origin.path == "<abicheck>/headers/arm/mman.h"


def test_default_sources_without_a_compiler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a fresh machine with no gcc, the default comparison leaves libc out and says
    so in ``notes``; named explicitly, libc is still an error (exit 2)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert shutil.which("gcc") is None
    tables = default_sources()
    labels = [t.label for t in tables]
    assert "libc" not in labels
    assert labels[0] == EMBEDDED_LABEL and labels[-1] == "python"
    assert tables.notes == [
        "abicheck: note: source 'libc' left out of the default comparison: "
        "C compiler 'gcc' not found"
    ]
    with pytest.raises(AbicheckError, match="C compiler 'gcc' not found"):
        load_sources(["libc"])
    # through the command line, as a user right after pip install would run it
    env = dict(os.environ, PATH=str(bin_dir), PYTHONPATH=str(REPO))
    run = [sys.executable, "-m", "abicheck", "compare", "--format", "json"]
    proc = subprocess.run(run, capture_output=True, text=True, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    sources = [s["label"] for s in json.loads(proc.stdout)["sources"]]
    assert sources == labels
    proc = subprocess.run([*run, "libc"], capture_output=True, text=True, env=env)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == "abicheck: error: C compiler 'gcc' not found\n"


def test_default_sources_with_a_missing_cc_option() -> None:
    tables = default_sources(SourceOptions(cc="no-such-cc-abicheck"))
    assert "libc" not in [t.label for t in tables]
    (note,) = tables.notes
    assert note.endswith(
        "left out of the default comparison: C compiler 'no-such-cc-abicheck' not found"
    )
    assert default_sources().notes == []


def test_kernel_source() -> None:
    (table,) = load_sources(["kernel"])
    assert table.label == table.kind == "kernel"
    assert table.values()["MADV_DONTNEED"] == 4


# -- files ----------------------------------------------------------------------------------


def test_header_path_and_label() -> None:
    path = str(embedded_header())
    (plain,) = load_sources([path])
    assert plain.label == path and plain.kind == "header"
    (named,) = load_sources([f"old={path}"])
    assert named.label == "old"
    assert named.values()["MADV_REMOVE"] == 5


def test_header_options(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "base.h").write_text("#define MAP_BASE 0x40\n")
    header = tmp_path / "h.h"
    header.write_text(
        '#include "base.h"\n#define MAP_X (MAP_BASE << 1)\n#define MAP_L (sizeof(long))\n'
        "#ifdef EXTRA\n#define MAP_EXTRA 1\n#endif\n"
    )
    opts = SourceOptions(include_dirs=(str(inc),), defines={"EXTRA": "1"}, data_model="ilp32")
    (t,) = load_sources([str(header)], opts)
    assert family_values(t) == {"MAP_BASE": 0x40, "MAP_X": 0x80, "MAP_L": 4, "MAP_EXTRA": 1}
    assert t.origin.data_model == "ilp32"


def test_python_constants_module_read_not_run(tmp_path: Path) -> None:
    (golden,) = load_sources([f"py={GOLDEN_PY}"])
    (arm,) = load_sources(["embedded"])
    assert golden.values() == family_values(arm)
    assert golden.get("MAP_ANON").expr == "MAP_ANONYMOUS"  # type: ignore[union-attr]
    module = tmp_path / "consts.py"
    module.write_text(
        "import os\nos.system('touch SHOULD_NOT_EXIST')\n"
        "A = 1\nB: int = A << 4\nC = D = -(B | 3)\nS = 'text'\nF = 1.5\nT = True\n"
        "E = A ** 1000\nG = os.getpid()\nH = B // 0\nclass K:\n    INNER = 5\n"
        "A2 = A\nA = 'rebound'\n"
    )
    (table,) = load_sources([str(module)])
    assert table.values() == {"B": 16, "C": -19, "D": -19, "E": 1, "A2": 1}
    assert not (tmp_path / "SHOULD_NOT_EXIST").exists()
    assert table.get("B").line == 4  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # 40 squarings would take 2**40 digits: refused at the first product out of range
        (
            "A_0 = 3\n" + "".join(f"A_{i} = A_{i - 1} * A_{i - 1}\n" for i in range(1, 41)),
            7,
            "A_5 * A_5 is outside the range of a C integer",
        ),
        ("A = 2\nB = (A ** 100000) // A\n", 2, "A ** 100000 is outside"),
        ("A = 1 << 10000000\n", 1, "1 << 10000000 is outside"),
        ("A = 1 << 63\nB = -A\nC = B - 1\n", 3, "B - 1 is outside"),
        ("A = 0xFFFF_FFFF_FFFF_FFFF\nB = (A + 1) - 1\n", 2, "A + 1 is outside"),
        ("\n\nBIG = 10 ** 30\n", 3, "10 ** 30 is outside"),
        ("HUGE = 123456789012345678901234567890\n", 1, "is outside"),
    ],
)
def test_python_module_values_bounded(tmp_path: Path, text: str, line: int, message: str) -> None:
    """Every intermediate and final value lies in [-2**63, 2**64), names are C
    identifiers: else an error at the module's line, found fast whatever the input."""
    module = tmp_path / "consts.py"
    module.write_text(text, encoding="utf-8")
    with pytest.raises(AbicheckError) as info:
        load_sources([str(module)])
    assert (info.value.file, info.value.line) == (str(module), line)
    assert message in info.value.message
    assert str(info.value).startswith(f"{module}:{line}: error: ")


def test_python_module_range_edges(tmp_path: Path) -> None:
    module = tmp_path / "edges.py"
    module.write_text(
        "LO = -(1 << 63)\nHI = 0xFFFF_FFFF_FFFF_FFFF\nONE = 1 ** 100000\nZ = 0 << 100000\n"
        "N = (-1) ** 100001\nR = 5 >> 1000\nNEG = 1 << -1\n",
        encoding="utf-8",
    )
    (table,) = load_sources([str(module)])
    assert table.values() == {
        "LO": -(1 << 63),
        "HI": (1 << 64) - 1,
        "ONE": 1,
        "Z": 0,
        "N": -1,
        "R": 0,
    }


def test_python_module_nested_too_deeply(tmp_path: Path) -> None:
    module = tmp_path / "deep.py"
    module.write_text("A = " + " + ".join(["1"] * 100000) + "\n", encoding="utf-8")
    with pytest.raises(AbicheckError) as info:
        load_sources([str(module)])
    assert info.value.file == str(module)
    assert "nested too deeply" in info.value.message


def test_outputs_do_not_depend_on_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same relative header (and constants module, and snapshot) in two checkouts
    gives byte-identical emit, emit --check and snapshot output: paths stay as given."""
    outputs = []
    for checkout in ("a", "b"):
        root = tmp_path / checkout / "project"
        shutil.copytree(FIXTURES, root / "headers")
        shutil.copy(GOLDEN_PY, root / "consts.py")
        monkeypatch.chdir(root)
        header = "headers/mman.h"
        results = []
        for argv in (
            ["snapshot", header, "py=consts.py", "-o", "snap.json"],
            ["snapshot", "snap.json", "-o", "again.json"],
            ["emit", "--lang", "c", header, "-o", "mman_consts.h"],
            ["emit", "--lang", "python", header, "-o", "mman_consts.py"],
        ):
            err = io.StringIO()
            assert (main(argv, io.StringIO(), err), err.getvalue()) == (0, ""), argv
        for name in ("snap.json", "again.json", "mman_consts.h", "mman_consts.py"):
            text = (root / name).read_text(encoding="utf-8")
            assert str(tmp_path) not in text, name
            results.append(text)
        outputs.append(results)
    assert outputs[0] == outputs[1]
    snap = json.loads(outputs[0][0])
    origins = {s["label"]: s["origin"] for s in snap["sources"]}
    assert origins["headers/mman.h"]["path"] == "headers/mman.h"
    assert origins["py"]["path"] == "consts.py"
    files = {m["file"] for s in snap["sources"] for m in s["macros"]}
    assert files == {"headers/mman.h", "headers/mman-bits.h", "consts.py"}
    again = json.loads(outputs[0][1])
    assert {dict(s["origin"]["notes"])["file"] for s in again["sources"]} == {"snap.json"}
    # the file emitted in one checkout is up to date in the other
    err = io.StringIO()
    code = main(
        [
            "emit",
            "--lang",
            "c",
            "headers/mman.h",
            "--check",
            str(tmp_path / "a" / "project" / "mman_consts.h"),
        ],
        io.StringIO(),
        err,
    )
    assert (code, err.getvalue()) == (0, "")


def test_shipped_files_named_by_their_place_in_the_package() -> None:
    (table,) = load_sources([str(embedded_header())])
    assert table.origin.path == "<abicheck>/headers/arm/mman.h"
    (snap,) = load_sources(["arch:alpha"], SourceOptions(arch_from="snapshot"))
    assert snap.origin.snapshot == "<abicheck>/headers/arches.json"
    tables = load_sources([str(SNAPSHOT)])
    assert {t.origin.noted("file") for t in tables} == {"<abicheck>/headers/arches.json"}


def test_python_module_syntax_error(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("A = 1\nB = (\n")
    with pytest.raises(AbicheckError) as info:
        load_sources([str(module)])
    assert info.value.file == str(module)
    assert info.value.line is not None and info.value.line >= 2


def test_snapshot_file_source(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text(dump_snapshot(default_sources()))
    tables = load_sources([str(path)])
    assert [t.label for t in tables] == sorted(["arm-2.6.16", "system", "libc", "python"])
    with pytest.raises(AbicheckError, match="LABEL= needs a source of one table"):
        load_sources([f"x={path}"])
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": 1,\n')
    with pytest.raises(AbicheckError) as info:
        load_sources([str(bad)])
    assert info.value.file == str(bad) and info.value.line == 2


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope.h", "no such file, and not a source keyword; sources are: HEADER.h"),
        ("=x.h", "LABEL=SPEC needs both parts"),
        ("", "empty source spec"),
        ("arch:all=x", "unknown architecture 'all=x'"),
        ("x=arch:all", "LABEL= needs a source of one table; 'arch:all' gives 32"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(AbicheckError, match=message.replace(".", r"\.")):
        load_sources([spec])


def test_folder_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(AbicheckError, match="is a folder"):
        load_sources([str(tmp_path)])
    with pytest.raises(AbicheckError, match="'system' given twice"):
        load_sources(["system", "system"])


def test_broken_header_located(tmp_path: Path) -> None:
    header = tmp_path / "broken.h"
    header.write_text("#define MAP_A 1\n#if\n#endif\n")
    with pytest.raises(AbicheckError) as info:
        load_sources([str(header)])
    assert info.value.file == str(header) and info.value.line == 2


def kernel_tree(root: Path, arch: Arch, drop: tuple[str, ...] = ()) -> Path:
    """A kernel-source-shaped tree (``arch/<karch>/include/uapi``, ``include/uapi``)
    laid out from the arch's real Debian cross headers, less the ``asm/`` files in ``drop``."""
    src = Path("/usr") / arch.triplet / "include"
    uapi = root / "arch" / arch.kernel / "include" / "uapi"
    shutil.copytree(src / "asm", uapi / "asm")
    for name in drop:
        (uapi / "asm" / name).unlink()
    for sub in ("linux", "asm-generic"):
        shutil.copytree(src / sub, root / "include" / "uapi" / sub)
    return root


@pytest.mark.parametrize(("name", "drop"), [("mips", ()), ("riscv64", ("mman.h",))])
def test_kernel_tree(
    tmp_path: Path, name: str, drop: tuple[str, ...], cross_packages: None
) -> None:
    """A tree read like the installed headers; generic-y asm headers stood in for."""
    arch = lookup(name)
    need_headers(arch)
    tree = kernel_tree(tmp_path, arch, drop)
    (table,) = load_sources([f"arch:{name}"], SourceOptions(kernel_tree=str(tree)))
    assert table.origin.headers_from == "kernel-tree"
    assert table.origin.path == str(tree / "include" / "uapi" / "linux" / "mman.h")
    if drop:
        assert table.origin.noted("generic_y")
    (live,) = load_sources([f"arch:{name}"], INSTALLED)
    assert family_values(table) == family_values(live)
    with pytest.raises(AbicheckError, match="not a kernel source tree"):
        load_sources(["arch:alpha"], SourceOptions(kernel_tree=str(tree)))


@pytest.mark.parametrize("name", ["arm64", "armhf", "m68k", "mips64el", "sparc64", "x32"])
def test_arch_source_reads_linux_input_h(name: str) -> None:
    """``arch:`` sources search abicheck's freestanding headers (linux/input.h
    includes <stddef.h>): the values are the architecture's own gcc's."""
    arch = lookup(name)
    need_headers(arch)
    (table,) = load_sources([f"arch:{name}"], SourceOptions(header="linux/input.h"))
    assert table.origin.include_dirs == (f"/usr/{arch.triplet}/include",)
    shipped = "<abicheck>/headers/freestanding/"
    ours = {m.name: m.value for m in table.macros if not m.file.startswith(shipped)}
    assert len(ours) > 500 and ours["EV_MAX"] == 0x1F
    header = Path("/usr") / arch.triplet / "include" / "linux" / "input.h"
    gcc = compiler_macros(header, cc=cross_compiler(arch), system_includes=True).values
    assert {n: gcc.get(n) for n in ours} == ours
    # and each macro of linux/input.h and input-event-codes.h has gcc's value, or
    # none where gcc has none (a function-like macro, a string)
    own = [m for m in table.macros if m.file.rsplit("/", 1)[-1].startswith("input")]
    assert len(own) > 500
    assert {m.name: m.value for m in own} == {m.name: gcc.get(m.name) for m in own}


def test_a_hung_dpkg_query_is_given_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a dpkg-query that never answers (a locked database, say): no versions, no hang
    from abicheck.sources import packages

    fake = tmp_path / "dpkg-query"
    fake.write_text("#!/bin/sh\nexec sleep 600\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setattr(packages, "DPKG_TIMEOUT", 1)
    packages._dpkg_versions.cache_clear()
    packages.package_of.cache_clear()
    start = time.monotonic()
    try:
        assert packages.package_versions() == {}
        assert packages.package_version("libc6-dev") == ""
        assert packages.package_of("/usr/include/stdio.h") == ""
    finally:
        packages._dpkg_versions.cache_clear()
        packages.package_of.cache_clear()
    assert time.monotonic() - start < 10


def test_python_module_utf8_names_as_gcc_takes_them(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("K = 2\n\u00c9TAT = K\nE\u0301TE = 3\n", encoding="utf-8")
    (table,) = load_sources([str(module)])
    # (Python reads names NFKC-normalised: E + combining acute is É)
    assert {m.name: m.value for m in table.macros} == {"K": 2, "\u00c9TAT": 2, "\u00c9TE": 3}


def test_python_module_with_a_5000_digit_literal(tmp_path: Path) -> None:
    # Python will not turn an int of over 4,300 digits into text: still exit 2, not 3
    module = tmp_path / "big.py"
    module.write_text("OK = 1\nX = 0x" + "f" * 5000 + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["compare", str(module)], out, err) == 2
    assert out.getvalue() == ""
    assert err.getvalue() == (
        f"{module}:2: error: (an integer literal too long to show) is outside the range"
        " of a C integer [-2**63, 2**64)\n"
    )
