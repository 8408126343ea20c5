"""The differential fuzzer (tests/fuzz): a fixed-seed run against gcc, and its parts.

The run fails on a wrong value, a different set of macros, a batch-versus-alone
difference, a traceback or a hang; values gcc gives and the reader does not are
figures (printed), see README "Fuzzing".
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
from fuzz.check import Hang, _deadline, check_cases, compare, new_reader, write_case
from fuzz.gen import generate
from fuzz.minimise import ddmin, minimise
from fuzz.run import report, run

from abicheck import cc
from abicheck.model import AbicheckError

#: Cases of the fixed-seed run (about a minute and a half on two busy cores).
CASES = 800


def test_fixed_seed_run() -> None:
    fig = run(seed=0, cases=CASES)
    print(report(fig))
    assert [f"{f.seed} {f.kind} {f.name}: {f.detail}" for f in fig.failures] == []
    assert fig.cases == CASES
    assert fig.gcc_values > 4000
    # what is missing is reported, not failed; this floor only shows the run compared
    assert fig.agreed >= 0.95 * fig.gcc_values


def test_generator_deterministic_and_complete() -> None:
    assert generate(7) == generate(7)
    assert generate(7) != generate(8)
    text = "\n".join(t for s in range(300) for t in generate(s).values())
    for op in ("*", "/", "%", "+", "-", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
               "^", "|", "~", "!", "?", ":", ",", " < ", " > ", " & "):  # fmt: skip
        assert op in text, op
    for form in (r"\b0[xX][0-9a-fA-F]+", r"\b0[bB][01]+", r"\b0[0-7]+\b", r"\d(?:ull|LLU|UL|lu)\b",
                 r"L'", r"u'", r"U'", r"'\\x[0-9a-f]+'", r"'\\[0-7]+'", r"'\\n'",
                 r"\(unsigned long long\) ", r"\bsizeof\(", r" ## ", r"##", r"\(#x\)",
                 r"__VA_ARGS__", r"rest\.\.\.", r"__VA_OPT__", r"^#elif ", r"^#else",
                 r"^#undef ", r"^#ifdef ", r"^#ifndef ", r'^#include "z\d\.h"',
                 r"^#include ZINC\d", r"defined\(", r"defined Z"):  # fmt: skip
        assert re.search(form, text, re.M), form
    assert max(len(generate(s)) for s in range(300)) == 4


def test_compare_reports_a_wrong_value(tmp_path: Path) -> None:
    files = {"z0.h": "#define ZM0 (1 << 4)\n#define ZM1 (ZM0 - 1)\n"}
    main = write_case(tmp_path, 1, files)
    oracle = cc.compiler_macros_many([main], include_dirs=[str(tmp_path)])[main]
    ours = new_reader().read(main)
    assert compare(1, oracle, ours, ours).failures == []
    tampered = tuple(replace(m, value=14) if m.name == "ZM1" else m for m in ours)
    (failure,) = compare(1, oracle, tampered, tampered).failures
    assert (failure.kind, failure.name) == ("wrong", "ZM1")
    assert failure.detail.endswith(": 14, gcc 15: (ZM0 - 1)")
    (failure,) = compare(1, oracle, ours, tampered).failures
    assert (failure.kind, failure.name) == ("batch-vs-alone", "ZM1")


def test_compare_counts_missing_and_refused(tmp_path: Path) -> None:
    files = {"z0.h": "#define ZM0 3\n#if 1 +\n#endif\n"}
    main = write_case(tmp_path, 2, files)
    oracle = cc.compiler_macros_many([main], include_dirs=[str(tmp_path)])[main]
    assert isinstance(oracle, AbicheckError)
    fig = check_cases(tmp_path / "run", [(2, files)])
    assert (fig.cases, fig.both_refused, fig.failures) == (1, 1, [])


def test_compare_counts_folded_and_undefined_apart(tmp_path: Path) -> None:
    # ZA: gcc folds 1 from no constant expression (its comma is evaluated), the reader
    # gives none; ZB: undefined in C, the reader gives gcc's value with a note, the
    # oracle's -Werror drops it; ZC agreed
    files = {"z0.h": "#define ZA (0 <= (1, 2u))\n#define ZB (8 << 31)\n#define ZC 3\n"}
    fig = check_cases(tmp_path, [(4, files)])
    assert fig.failures == []
    got = (
        fig.gcc_values,
        fig.agreed,
        fig.folded,
        fig.undefined,
        fig.extra,
        sum(fig.missing.values()),
    )
    assert got == (2, 1, 1, 1, 0, 0)
    assert fig.open == []


def test_deadline_is_a_hang() -> None:
    start = time.monotonic()
    with pytest.raises(Hang), _deadline(1):
        time.sleep(5)
    assert time.monotonic() - start < 3


def test_ddmin_one_minimal() -> None:
    assert ddmin(list(range(20)), lambda s: 3 in s and 17 in s) == [3, 17]
    assert ddmin(list(range(8)), lambda s: sum(s) >= 7) in ([7], [0, 7])


def test_minimise_keeps_the_failure_gcc_shows(tmp_path: Path) -> None:
    """A real predicate through gcc: ZM2 is 5; the lines it needs stay, the rest go."""
    files = {
        "z0.h": '#include "z1.h"\n#define ZM9 77\n#define ZM2 (ZM1 + 2)\n#define ZM8 (ZM9 * 2)\n',
        "z1.h": "#ifndef ZG\n#define ZG\n#define ZM7 1\n#if ZM7\n#define ZM1 3\n#endif\n#endif\n",
    }
    count = [0]

    def fails(trial: dict[str, str]) -> bool:
        count[0] += 1
        main = write_case(tmp_path / str(count[0]), 3, trial)
        got = cc.compiler_macros_many([main], include_dirs=[str(tmp_path)])[main]
        return not isinstance(got, AbicheckError) and got.values.get("ZM2") == 5

    assert minimise(files, fails) == {
        "z0.h": '#include "z1.h"\n#define ZM2 (ZM1 + 2)\n',
        "z1.h": "#define ZM1 3\n",
    }
