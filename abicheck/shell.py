"""Shell completion scripts (bash, zsh, fish) and a man page, made from an argparse
parser: what goes in is the parser ``abicheck.cli.build_parser`` gives, what comes
out is the script or roff text, so both always match the options there are.

No dependency: the parser's own actions say each option's names, help, choices
and whether it takes a value; a value's metavar says what to complete
(``DIR``: folders; ``FILE``, ``HEADER``, ``SOURCE``: files; choices: the words).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

SHELLS = ("bash", "zsh", "fish")

#: Metavars whose values are folders; files are completed for the other
#: metavars of paths, and nothing for free-form values (PREFIX, NAME[=VALUE]).
_DIR_METAVARS = frozenset({"DIR"})
_FILE_METAVARS = frozenset({"FILE", "HEADER", "SOURCE"})


@dataclass(frozen=True)
class Option:
    """One option or positional argument of a command, as a completer needs it."""

    names: tuple[str, ...]  # () for a positional
    metavar: str
    help: str
    choices: tuple[str, ...]
    takes_value: bool
    repeatable: bool

    @property
    def completes(self) -> str:
        """``choices``, ``dirs``, ``files`` or ``none``: what its value completes to."""
        if self.choices:
            return "choices"
        if self.metavar in _DIR_METAVARS:
            return "dirs"
        if self.metavar in _FILE_METAVARS:
            return "files"
        return "none"


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, one-line help, description and arguments."""

    name: str
    help: str
    description: str
    options: tuple[Option, ...]
    words: tuple[str, ...]  # fixed words a positional can be (sources: system, ...)


def _option(parser: argparse.ArgumentParser, action: argparse.Action) -> Option:
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    # the help as --help shows it, defaults and all
    text = parser._get_formatter()._expand_help(action) if action.help else ""
    return Option(
        tuple(action.option_strings),
        metavar or action.dest.upper(),
        " ".join(text.split()),
        tuple(str(c) for c in action.choices or ()),
        action.nargs != 0,
        isinstance(action, argparse._AppendAction) or action.nargs in ("*", "+"),
    )


def _subparsers(
    parser: argparse.ArgumentParser,
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sub


def commands(parser: argparse.ArgumentParser, words: Sequence[str] = ()) -> list[Command]:
    """Each subcommand of ``parser`` with its options (help left out), in the
    parser's order; ``words`` are what a SOURCE positional can be besides a file."""
    sub = _subparsers(parser)
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    out = []
    for name, p in sub.choices.items():
        options = tuple(
            _option(p, a) for a in p._actions if not isinstance(a, argparse._HelpAction)
        )
        has_sources = any(o.metavar == "SOURCE" and not o.names for o in options)
        out.append(
            Command(
                name,
                " ".join(helps.get(name, "").split()),
                " ".join((p.description or "").split()),
                options,
                tuple(words) if has_sources else (),
            )
        )
    return out


# -- bash ---------------------------------------------------------------------------


def _sh_words(words: Sequence[str]) -> str:
    return " ".join(words)


def _bash(prog: str, cmds: Sequence[Command], top: Sequence[str]) -> Iterator[str]:
    fn = "_" + re.sub(r"\W", "_", prog)
    yield f'# bash completion for {prog}: eval "$({prog} completion bash)"'
    yield f"{fn}() {{"
    yield '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"'
    yield '    local cmd="" i'
    yield "    for ((i = 1; i < COMP_CWORD; i++)); do"
    yield '        case "${COMP_WORDS[i]}" in'
    yield f'            {"|".join(c.name for c in cmds)}) cmd="${{COMP_WORDS[i]}}"; break ;;'
    yield "        esac"
    yield "    done"
    yield '    case "$cmd" in'
    yield '    "")'
    words = _sh_words([*(c.name for c in cmds), *top])
    yield f'        COMPREPLY=($(compgen -W "{words}" -- "$cur")) ;;'
    for c in cmds:
        yield f"    {c.name})"
        yield '        case "$prev" in'
        for kind in ("choices", "dirs", "files", "none"):
            for o in c.options:
                if not o.names or not o.takes_value or o.completes != kind:
                    continue
                pattern = "|".join(o.names)
                if kind == "choices":
                    reply = f'COMPREPLY=($(compgen -W "{_sh_words(o.choices)}" -- "$cur"))'
                elif kind == "dirs":
                    reply = 'COMPREPLY=($(compgen -d -- "$cur"))'
                elif kind == "files":
                    reply = 'COMPREPLY=($(compgen -f -- "$cur"))'
                else:
                    reply = "COMPREPLY=()"
                yield f"        {pattern}) {reply}; return ;;"
        yield "        esac"
        flags = _sh_words(["-h", "--help", *(n for o in c.options for n in o.names)])
        yield '        if [[ "$cur" == -* ]]; then'
        yield f'            COMPREPLY=($(compgen -W "{flags}" -- "$cur"))'
        positional = [o for o in c.options if not o.names]
        if positional and positional[0].completes == "choices":
            yield "        else"
            choices = _sh_words(positional[0].choices)
            yield f'            COMPREPLY=($(compgen -W "{choices}" -- "$cur"))'
        elif positional and positional[0].completes == "files":
            yield "        else"
            if c.words:
                yield f'            COMPREPLY=($(compgen -W "{_sh_words(c.words)}" -- "$cur")'
                yield '                       $(compgen -f -- "$cur"))'
            else:
                yield '            COMPREPLY=($(compgen -f -- "$cur"))'
        yield "        fi ;;"
    yield "    esac"
    yield "}"
    yield f"complete -o filenames -F {fn} {prog}"


# -- zsh ----------------------------------------------------------------------------


def _zsh_quote(text: str) -> str:
    """``text`` inside single quotes: each quote closed, escaped and reopened."""
    return text.replace("'", "'\\''")


def _zsh_text(text: str) -> str:
    """An ``[explanation]`` of an ``_arguments`` spec: backslashes and brackets
    escaped (a ``]`` would end it), then quoted for the shell."""
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return _zsh_quote(text)


def _zsh_message(text: str) -> str:
    """A ``:message:`` of an ``_arguments`` spec or a ``name:description`` of
    ``_describe``: backslashes and colons escaped, then quoted for the shell."""
    return _zsh_quote(text.replace("\\", "\\\\").replace(":", "\\:"))


def _zsh_action(o: Option) -> str:
    if o.completes == "choices":
        return f"({' '.join(o.choices)})"
    if o.completes == "dirs":
        return "_files -/"
    if o.completes == "files":
        return "_files"
    return " "


def _zsh_spec(o: Option, words: Sequence[str]) -> str:
    if not o.names:
        action = _zsh_action(o)
        if words and o.completes == "files":
            action = f"_alternative 'words:{o.metavar}:({' '.join(words)})' 'files:file:_files'"
            action = action.replace("'", "'\\''")
        return f"'{'*' if o.repeatable else ''}:{_zsh_message(o.metavar)}:{action}'"
    value = f":{_zsh_message(o.metavar)}:{_zsh_action(o)}" if o.takes_value else ""
    body = f"[{_zsh_text(o.help)}]{value}'"
    if len(o.names) == 1:
        return f"'{'*' if o.repeatable else ''}{o.names[0]}{body}"
    exclusive = "" if o.repeatable else f"({' '.join(o.names)})"
    star = "*" if o.repeatable else ""
    return f"'{exclusive}{star}'{{{','.join(o.names)}}}'{body}"


def _zsh(prog: str, cmds: Sequence[Command], top: Sequence[str]) -> Iterator[str]:
    fn = "_" + re.sub(r"\W", "_", prog)
    yield f"#compdef {prog}"
    yield f"# zsh completion for {prog}: {prog} completion zsh > ~/.zfunc/{fn} (on fpath)"
    yield f"{fn}() {{"
    yield "    local curcontext=$curcontext state line"
    yield "    _arguments -C \\"
    yield "        '(- *)'{-h,--help}'[show help and exit]' \\"
    yield "        '(- *)--version[show the version and exit]' \\"
    yield "        '1:command:->command' \\"
    yield "        '*::argument:->argument'"
    yield "    case $state in"
    yield "    command)"
    yield "        local -a commands"
    yield "        commands=("
    for c in cmds:
        yield f"            '{c.name}:{_zsh_message(c.help)}'"
    yield "        )"
    yield "        _describe -t commands command commands ;;"
    yield "    argument)"
    yield "        case $line[1] in"
    for c in cmds:
        yield f"        {c.name})"
        specs = ["'(- *)'{-h,--help}'[show help and exit]'"]
        specs += [_zsh_spec(o, c.words) for o in c.options]
        yield "            _arguments \\"
        for i, spec in enumerate(specs):
            yield f"                {spec}" + (" \\" if i < len(specs) - 1 else " ;;")
    yield "        esac ;;"
    yield "    esac"
    yield "}"
    yield f'{fn} "$@"'


# -- fish ---------------------------------------------------------------------------


def _fish_text(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(prog: str, cmds: Sequence[Command], top: Sequence[str]) -> Iterator[str]:
    first = f"-n 'not __fish_seen_subcommand_from {' '.join(c.name for c in cmds)}'"
    yield f"# fish completion for {prog}:"
    yield f"#   {prog} completion fish > ~/.config/fish/completions/{prog}.fish"
    yield f"complete -c {prog} -f"
    yield f"complete -c {prog} {first} -s h -l help -d 'show help and exit'"
    yield f"complete -c {prog} {first} -l version -d 'show the version and exit'"
    for c in cmds:
        yield f"complete -c {prog} {first} -a {c.name} -d {_fish_text(c.help)}"
    for c in cmds:
        when = f"-n '__fish_seen_subcommand_from {c.name}'"
        yield f"complete -c {prog} {when} -s h -l help -d 'show help and exit'"
        for o in c.options:
            if not o.names:
                if o.completes == "choices":
                    yield f"complete -c {prog} {when} -a {_fish_text(' '.join(o.choices))}"
                elif o.completes == "files":
                    extra = f" -a {_fish_text(' '.join(c.words))}" if c.words else ""
                    yield f"complete -c {prog} {when} -F{extra}"
                continue
            flags = " ".join(
                f"-l {n[2:]}" if n.startswith("--") else f"-s {n[1:]}" for n in o.names
            )
            if not o.takes_value:
                value = ""
            elif o.completes == "choices":
                value = f" -x -a {_fish_text(' '.join(o.choices))}"
            elif o.completes == "dirs":
                value = " -x -a '(__fish_complete_directories)'"
            elif o.completes == "files":
                value = " -r -F"
            else:
                value = " -x"
            yield f"complete -c {prog} {when} {flags}{value} -d {_fish_text(o.help)}"


def completion(parser: argparse.ArgumentParser, shell: str, words: Sequence[str] = ()) -> str:
    """The completion script of ``parser`` for ``shell`` (one of :data:`SHELLS`);
    ``words`` are offered for SOURCE arguments besides file names."""
    makers = {"bash": _bash, "zsh": _zsh, "fish": _fish}
    if shell not in makers:
        raise ValueError(f"shell must be one of {', '.join(SHELLS)}, not {shell!r}")
    top = ["-h", "--help", "--version"]
    return "\n".join(makers[shell](parser.prog, commands(parser, words), top)) + "\n"


# -- man page -----------------------------------------------------------------------


def _roff(text: str) -> str:
    r"""Text for a roff line: backslashes escaped, hyphens as ``\-`` (so that options
    can be searched for and copied), a leading dot or quote made literal."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def _roff_option(o: Option) -> str:
    names = ", ".join(f"\\fB{_roff(n)}\\fR" for n in o.names)
    if o.takes_value:
        value = "{" + ",".join(o.choices) + "}" if o.choices else o.metavar
        names += f" \\fI{_roff(value)}\\fR"
    return names


def manpage(parser: argparse.ArgumentParser, version: str, epilog: str = "") -> str:
    """``parser`` as a roff man page (section 1): the synopsis, every command with
    its options and their help, and ``epilog`` (the exit status) as written.
    Deterministic: no date."""
    prog = parser.prog
    out = [
        f'.TH {prog.upper()} 1 "" "{prog} {version}" "User Commands"',
        ".SH NAME",
        f"{prog} \\- {_roff(' '.join((parser.description or '').split()))}",
        ".SH SYNOPSIS",
        f".B {prog}",
        "\\fICOMMAND\\fR [\\fIOPTION\\fR]... [\\fIARGUMENT\\fR]...",
        ".br",
        f".B {prog}",
        "\\fB\\-\\-version\\fR | \\fB\\-\\-help\\fR",
        ".SH COMMANDS",
    ]
    for c in commands(parser):
        out += [f'.SS "{prog} {c.name}"', _roff(c.description or c.help)]
        for o in c.options:
            out += [".TP", _roff_option(o) if o.names else f"\\fI{_roff(o.metavar)}\\fR"]
            out.append(_roff(o.help))
    if epilog:
        title, _, body = epilog.partition("\n")
        out += [f'.SH "{title.rstrip(":").upper()}"', ".nf"]
        out += [_roff(line) for line in body.splitlines()]
        out.append(".fi")
    return "\n".join(out) + "\n"
