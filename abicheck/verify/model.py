"""The verifier's data: a probe's ``Outcome``, a ``VerifyResult`` per (name, value, source)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

#: Every status a result can have; the last four make ``exit_code()`` 1.
STATUSES = ("verified", "accepted", "skipped", "rejected", "mismatch", "crashed", "timeout")
FAILING = frozenset({"rejected", "mismatch", "crashed", "timeout"})
#: The evidence of a probe whose child could not be started (fork or pipe failed).
NOT_PROBED = "not probed: "


@dataclass(frozen=True)
class VerifyResult:
    """What the kernel did with one (name, value) from one source."""

    name: str
    value: int | None
    source: str
    status: str
    errno: int | None
    errno_name: str
    evidence: str
    hint: str = ""

    def to_json(self) -> dict[str, Any]:
        """Every field but ``errno_name`` and ``hint`` (the evidence quotes the hint)."""
        return {k: v for k, v in asdict(self).items() if k not in ("errno_name", "hint")}


def result_key(r: VerifyResult) -> tuple[str, int, str]:
    return (r.name, -1 if r.value is None else r.value, r.source)


@dataclass(frozen=True)
class VerifyReport:
    """All results of one run, sorted by (name, value, source), and the kernel they ran on."""

    kernel: str
    machine: str
    results: tuple[VerifyResult, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "abicheck-verify/1",
            "kernel": self.kernel,
            "machine": self.machine,
            "results": [r.to_json() for r in self.results],
        }

    def unprobed(self) -> str | None:
        """Why no probe could run at all (no child process could be started), or None."""
        why = None
        for r in self.results:
            if r.status != "skipped":
                return None
            if r.evidence.startswith(NOT_PROBED):
                why = r.evidence[len(NOT_PROBED) :]
        return why

    def exit_code(self) -> int:
        """1 when some result is rejected, a mismatch, crashed or timed out, else 0."""
        return 1 if any(r.status in FAILING for r in self.results) else 0

    def get(self, name: str, source: str | None = None) -> list[VerifyResult]:
        """The results for ``name`` (from ``source`` if given)."""
        return [
            r for r in self.results if r.name == name and (source is None or r.source == source)
        ]


@dataclass(frozen=True)
class ProbeContext:
    """What a probe may use: a scratch directory (removed after the run) and the kernel."""

    tmpdir: str
    disk: bool  # tmpdir is on a filesystem with a page cache (not tmpfs)
    allow_dangerous: bool
    release: tuple[int, int]
    machine: str


@dataclass(frozen=True)
class Outcome:
    """What a probe saw: a status of ``STATUSES``, the evidence, the errno of a refused call."""

    status: str
    evidence: str
    errno: int | None = None

    def to_json(self) -> list[Any]:
        return [self.status, self.evidence, self.errno]

    @classmethod
    def from_json(cls, data: list[Any]) -> Outcome:
        """The outcome ``to_json`` gave (as a probe's child sends it to the parent)."""
        status, evidence, err = data
        return cls(str(status), str(evidence), err)


class Verdict(Exception):
    """Raised by a probe's helper to end the probe with ``outcome`` (e.g. a refused call)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.evidence)
        self.outcome = outcome


#: A probe: (name, value under test, context) -> what the kernel did with it.
Probe = Callable[[str, int, ProbeContext], Outcome]
