"""Verification: every pair runs once, untimed, and its checksum is checked before any timing.

Each pair is verified in a disposable forked child (:func:`benchmarks.harness.worker.run_apart`):
a unit blocked in a thread or a C call cannot be interrupted, but its process can be ended, so
``--timeout`` holds for every pair.  A pair that fails (a wrong answer, an exception, more than
``--timeout`` seconds) is reported and never timed; the others go on.  The same run is the pilot
that picks a benchmark's loops when they are not known yet, and says what a round of it will roughly cost.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.core.work import Checksum
from benchmarks.harness.environment import format_cpus
from benchmarks.harness.master.loops import LoopSource
from benchmarks.harness.master.signals import time_limit
from benchmarks.harness.master.state import Run, one_line
from benchmarks.harness.plan import Case
from benchmarks.harness.progress import Progress
from benchmarks.harness.worker import ApartFailure, verify_once

#: how long the master waits past ``--timeout`` for a child that verifies a pair apart to report
APART_GRACE_S = 2.0


def verify(run: Run, loops: LoopSource) -> dict[str, float]:
    """Verify every pair; the seconds each took (Ctrl-C stops here and sets ``run.interrupted``)."""
    cost: dict[str, float] = {}
    verifying = Progress([1.0] * len(run.cases), run.console, label="verifying")
    try:
        for index, case in enumerate(run.cases):
            verifying.start(index, case.name)
            start = time.monotonic()
            try:
                limit = run.args.timeout
                # every pair runs apart: a unit blocked in a thread cannot be stopped, but its
                # process can.  The child times itself (and names the units still running);
                # this process's alarm is the backstop for a child that cannot answer
                with time_limit(limit + APART_GRACE_S if limit else None):
                    picked = verify_once(case, loops.pilot_for(case), limit)
                if picked is not None:
                    loops.pilot[case.name] = picked
            except Exception as exc:  # any failure of a pair is reported, others go on
                error = str(exc) if isinstance(exc, ApartFailure) else one_line(exc)
                run.console.say(f"FAILED verification: {case.name}: {error}")
                run.fail(case, "verification", error)
            cost[case.name] = time.monotonic() - start
            verifying.finish(index)
    except KeyboardInterrupt:
        run.interrupted = True
    return cost


def write_expected(cases: Sequence[Case], path: Path) -> None:
    """The checksums of ``cases`` (verified: computed already) for the workers that time them."""
    path.write_text(json.dumps({case.name: str(case.expected) for case in cases}))


def read_expected(path: Path) -> dict[str, Checksum]:
    """What :func:`write_expected` wrote, by benchmark name."""
    return {name: Checksum.parse(text) for name, text in json.loads(path.read_text()).items()}


def to_time(run: Run) -> list[Case]:
    """The pairs that passed, in plan order (none once the run is interrupted)."""
    if run.interrupted:
        return []
    rejected = {f.name for f in run.failed}
    return [case for case in run.cases if case.name not in rejected]


def affinity_warnings(cases: Sequence[Case], cpus: list[int] | None) -> list[str]:
    """CPU-bound pairs that want more workers than the run has CPUs."""
    if cpus is None:
        return []
    warnings = []
    for case in cases:
        if case.scenario.kind != "cpu":
            continue  # waiting units need no CPU of their own
        wanted = min(case.model.parallelism(case.work, case.params), case.work.n)
        if wanted > len(cpus):
            warnings.append(f"{case.name}: {wanted} workers share {len(cpus)} CPU(s) "
                            f"({format_cpus(cpus)}): at most {len(cpus)} run in parallel")
    return warnings
