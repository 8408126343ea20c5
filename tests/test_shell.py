"""Shell completion and the man page, made from the parser: bash runs the script it
completes with, fish completes from its script (``complete -C``), zsh's compinit
takes its script, and groff renders the page; the scripts are also checked line by
line."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from abicheck.cli import build_parser, main
from abicheck.shell import commands

ARCH_MIPS = ["arch:mips", "arch:mips64", "arch:mips64el", "arch:mipsel"]


def script(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main(list(argv), out, err) == 0, err.getvalue()
    return out.getvalue()


def _every_option() -> list[tuple[str, str]]:
    return [(c.name, n) for c in commands(build_parser()) for o in c.options for n in o.names]


# -- bash ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bash") / "abicheck.bash"
    path.write_text(script("completion", "bash"), encoding="utf-8")
    return path


def complete(bash_script: Path, line: str, cwd: Path) -> list[str]:
    """What bash offers at the end of ``line`` (a trailing space: a new word)."""
    words = line.split()
    if line.endswith(" "):
        words.append("")
    array = " ".join("'" + w + "'" for w in words)
    program = (
        f"source {bash_script}; COMP_WORDS=({array}); COMP_CWORD={len(words) - 1}; "
        '_abicheck; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    bash = shutil.which("bash") or "/bin/bash"
    proc = subprocess.run([bash, "-c", program], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return [w for w in proc.stdout.splitlines() if w]


def test_bash_script_is_valid_bash(bash_script: Path) -> None:
    bash = shutil.which("bash") or "/bin/bash"
    proc = subprocess.run([bash, "-n", str(bash_script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_bash_completes_commands_options_and_values(bash_script: Path, tmp_path: Path) -> None:
    (tmp_path / "include").mkdir()
    (tmp_path / "mman.h").write_text("", encoding="utf-8")
    names = [c.name for c in commands(build_parser())]
    assert complete(bash_script, "abicheck ", tmp_path) == [*names, "-h", "--help", "--version"]
    assert complete(bash_script, "abicheck au", tmp_path) == ["audit"]
    assert complete(bash_script, "abicheck audit --fo", tmp_path) == ["--format"]
    assert complete(bash_script, "abicheck audit --format ", tmp_path) == [
        "table",
        "markdown",
        "json",
        "junit",
        "html",
    ]
    assert complete(bash_script, "abicheck verify --format j", tmp_path) == ["json", "junit"]
    assert complete(bash_script, "abicheck compare arch:mip", tmp_path) == ARCH_MIPS
    assert complete(bash_script, "abicheck compare sys", tmp_path) == ["system"]
    assert complete(bash_script, "abicheck parse -I ", tmp_path) == ["include"]  # folders only
    assert complete(bash_script, "abicheck parse mm", tmp_path) == ["mman.h"]
    assert complete(bash_script, "abicheck audit --baseline m", tmp_path) == ["mman.h"]
    assert complete(bash_script, "abicheck completion ", tmp_path) == ["bash", "zsh", "fish"]
    assert complete(bash_script, "abicheck compare --only ", tmp_path) == []  # a free prefix


def test_bash_knows_every_option(bash_script: Path, tmp_path: Path) -> None:
    for command, option in _every_option():
        offered = complete(bash_script, f"abicheck {command} {option}", tmp_path)
        assert option in offered, (command, option)


# -- zsh and fish -------------------------------------------------------------------


def test_zsh_script() -> None:
    text = script("completion", "zsh")
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "#compdef abicheck"
    assert "'audit:classify changes since a baseline snapshot'" in lines
    fmt = "(table markdown json junit html)"
    assert f"'--format[the report'\\''s format (default table)]:FORMAT:{fmt}' \\" in lines
    assert (
        "'(-o --output)'{-o,--output}'[write the report to FILE (default: stdout)]:FILE:_files' \\"
        in lines
    )
    assert "'*-I[include folder]:DIR:_files -/' \\" in lines
    assert "'*:SHELL:(bash zsh fish)' ;;" not in lines and "':SHELL:(bash zsh fish)' ;;" in lines
    for command, option in _every_option():
        assert any(option in line for line in lines), (command, option)
    assert text.count("_arguments \\") == len(commands(build_parser()))
    # every quote closed: an even number of unescaped single quotes
    assert text.replace("'\\''", "").count("'") % 2 == 0


def test_fish_script() -> None:
    lines = script("completion", "fish").splitlines()
    assert (
        "complete -c abicheck -n '__fish_seen_subcommand_from audit' -l format -x "
        "-a 'table markdown json junit html' -d 'the report\\'s format (default table)'"
    ) in lines
    assert (
        "complete -c abicheck -n '__fish_seen_subcommand_from parse' -s I -x "
        "-a '(__fish_complete_directories)' -d 'include folder'"
    ) in lines
    assert (
        "complete -c abicheck -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'"
    ) in lines
    for command, option in _every_option():
        flag = f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}"
        when = f"-n '__fish_seen_subcommand_from {command}'"
        assert any(when in line and flag in line for line in lines), (command, option)


def test_unknown_shell_is_a_usage_error() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["completion", "tcsh"], out, err) == 2
    assert err.getvalue().startswith("abicheck completion: error: argument SHELL: invalid choice")


# -- the man page -------------------------------------------------------------------


def test_manpage_renders_without_warnings(tmp_path: Path) -> None:
    page = tmp_path / "abicheck.1"
    assert main(["manpage", "-o", str(page)], io.StringIO(), io.StringIO()) == 0
    assert page.read_text(encoding="utf-8") == script("manpage")  # no date: reproducible
    groff = shutil.which("groff")
    assert groff, "groff renders man pages here"
    proc = subprocess.run(
        [groff, "-man", "-Tutf8", "-ww", "-rHY=0", "-P-cbou", str(page)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    text = " ".join(proc.stdout.split())  # as groff justifies it, spaces aside
    assert "abicheck - Read C headers' #define tables and cross-check ABI constants." in text
    for c in commands(build_parser()):
        assert f"abicheck {c.name}" in text
    for command, option in _every_option():
        assert option in text, (command, option)
    assert "3 internal error, a bug in abicheck" in text  # EXIT STATUS, as written
    assert "--format {table,markdown,json,junit,html}" in text


# -- zsh and fish themselves (CI installs them: .ci/apt-packages.txt) ---------------


def _shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (.ci/apt-packages.txt lists it)")
    return found


def test_fish_completes_from_its_script(tmp_path: Path) -> None:
    fish = _shell("fish")
    path = tmp_path / "abicheck.fish"
    path.write_text(script("completion", "fish"))
    assert subprocess.run([fish, "-n", str(path)], capture_output=True).returncode == 0

    def complete_in_fish(line: str) -> list[str]:
        proc = subprocess.run(
            [fish, "--no-config", "-c", f"source {path}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        return [row.split("\t")[0] for row in proc.stdout.splitlines()]

    assert complete_in_fish("abicheck audit --format ") == [
        "html",
        "json",
        "junit",
        "markdown",
        "table",
    ]
    assert complete_in_fish("abicheck comp") == ["compare", "completion"]
    assert "--layouts" in complete_in_fish("abicheck compare --lay")


def test_zsh_reads_its_script(tmp_path: Path) -> None:
    zsh = _shell("zsh")
    folder = tmp_path / "zfunc"
    folder.mkdir()
    (folder / "_abicheck").write_text(script("completion", "zsh"))
    assert subprocess.run([zsh, "-n", str(folder / "_abicheck")]).returncode == 0
    # compinit finds it on fpath and binds it to the command
    proc = subprocess.run(
        [
            zsh,
            "-f",
            "-c",
            f"fpath=({folder} $fpath); autoload -U compinit; compinit -u -d {tmp_path}/dump; "
            "print -r -- $_comps[abicheck]",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (0, "_abicheck", "")
