"""What the phases of one run share: its inputs, its console and results writer, the pairs that
failed, the warnings, and whether it was interrupted."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyperf

from benchmarks.core.runrecord import Failed
from benchmarks.harness.master.signals import Signals
from benchmarks.harness.plan import Case
from benchmarks.harness.progress import Console
from benchmarks.harness.results import ResultsWriter
from benchmarks.harness.resume import Earlier
from benchmarks.harness.rounds import RoundSettings


def one_line(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]  # a task group's one failure: say what it was
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Notes:
    """Warnings by kind: the console gets one line per kind with a count, the .runinfo all."""

    def __init__(self) -> None:
        self.by_kind: dict[str, list[str]] = {}

    def add(self, kind: str, detail: str) -> None:
        self.by_kind.setdefault(kind, []).append(detail)

    def summary(self) -> list[str]:
        return [f"{kind}: {len(details)} (details in the .runinfo file, 'warnings')"
                for kind, details in self.by_kind.items()]


@dataclass
class Run:
    """One run of the master, from its first phase to its last."""

    runner: pyperf.Runner
    cases: list[Case]
    unsupported: list[tuple[Case, str]]
    cpus: list[int] | None
    #: the options given to pyperf's runner
    argv: list[str]
    settings: RoundSettings
    #: monotonic seconds when the run began
    started: float
    console: Console
    writer: ResultsWriter
    #: the run this one resumes
    earlier: Earlier | None
    notes: Notes = field(default_factory=Notes)
    failed: list[Failed] = field(default_factory=list)
    #: Ctrl-C or SIGTERM: every phase after it keeps what finished and measures no more
    interrupted: bool = False
    #: the results file published at the end (None: nothing was measured, or not published yet)
    published: Path | None = None
    #: the master's signal handling (None: a run driven without it, as in some tests)
    signals: Signals | None = None

    @property
    def args(self) -> Any:
        """pyperf's parsed options; the rounds set a benchmark's loops and warm-ups in them."""
        return self.runner.args

    def shielded(self) -> AbstractContextManager[None]:
        """A block that a stopping signal does not break (it is noted, and the run stops after)."""
        return self.signals.shielded() if self.signals is not None else nullcontext()

    def fail(self, case: Case, stage: str, error: str) -> None:
        self.failed.append(Failed.from_dict(case.record(stage=stage, error=error)))
