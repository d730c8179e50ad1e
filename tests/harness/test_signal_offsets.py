"""Randomised: SIGINT, SIGTERM, SIGHUP and Ctrl-C twice at random moments of a small real run.

Every signalled run must end with the first signal's status (130, 143, 129) or, when the signal
came after its end, 0; never print a traceback; publish what finished with its ``.runinfo`` (or
write nothing, if it was stopped before it claimed its results file), leave no hidden file of its
own, and leave no process of its session running.

The offsets are drawn from 0 to a little past the length of an unsignalled run of the same
selection, counted from the moment the command has set its own signal handlers (seen in
``/proc/PID/status``): before that moment the interpreter itself is starting (about 10-20 ms)
and a Ctrl-C there is Python's own traceback of its start-up, out of the suite's hands.  A
signal to the group meets the same in a pyperf worker that is starting: that worker's start-up
traceback (frames in ``site``) is allowed; every other traceback fails the test.  The
signal goes to the whole process group (a terminal's Ctrl-C, a hang-up) or to the command alone
(``kill``, ``timeout``), drawn at random too.  The number of runs is bounded by time; the seed is
random, printed with every failure (``CONCBENCH_SIGNAL_SEED=N`` replays its offsets).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyperf
import pytest

from tests.support.cli import MINIMAL_PYPERF, default_sigint, env, living_in_session

pytestmark = pytest.mark.pyperf

#: two cheap scenarios of two models: verification, a round of four benchmarks, a publication
SELECTION = ["run", "--scenario", "cpu_pure", "--scenario", "sleep_fanout", "--model", "sequential",
             "--model", "threads", "--param", "n=2", "--param", "size=100", "--param", "latency_ms=1",
             *MINIMAL_PYPERF]
PLANNED = 4
#: the signals of one try, by name; Ctrl-C twice is sent 0-100 ms apart
KINDS = {"SIGINT": [signal.SIGINT], "SIGTERM": [signal.SIGTERM], "SIGHUP": [signal.SIGHUP],
         "SIGINT twice": [signal.SIGINT, signal.SIGINT]}
STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
#: wall time for the signalled runs, after the reference run (each try is at least one run)
BUDGET_S = 10.0
#: runs at once: a run mostly waits for its workers
AT_ONCE = 2
MUST_END_S = 60


@dataclass
class Try:
    kind: str
    offset_s: float
    gap_s: float
    group: bool

    def __str__(self) -> str:
        to = "its process group" if self.group else "the command alone"
        gap = f", {self.gap_s * 1000:.0f} ms apart" if len(KINDS[self.kind]) > 1 else ""
        return f"{self.kind} at {self.offset_s:.3f} s{gap} to {to}"


def _handlers_set(pid: int) -> bool:
    """Whether the process catches SIGTERM yet (the command's own handlers are in place)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            caught = next(line for line in f if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


def _run(where: Path, attempt: Try | None) -> tuple[int | None, str, float]:
    """Run the selection in ``where``, signalled as ``attempt`` says: its status (None: it was
    still running at the end of MUST_END_S), its stderr, and its length from the ready moment."""
    where.mkdir()
    err = where.parent / f"{where.name}.stderr"
    with err.open("w") as stderr, subprocess.Popen(
            [sys.executable, "-m", "concbench", *SELECTION, "-o", str(where / "r.json")], cwd=where,
            env=env(), stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
            preexec_fn=default_sigint) as proc:
        status = None
        try:
            deadline = time.monotonic() + MUST_END_S
            while not _handlers_set(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            ready = time.monotonic()
            if attempt is not None:
                time.sleep(attempt.offset_s)
                for index, sig in enumerate(KINDS[attempt.kind]):
                    if index:
                        time.sleep(attempt.gap_s)
                    if proc.poll() is None:
                        os.killpg(proc.pid, sig) if attempt.group else os.kill(proc.pid, sig)
            status = proc.wait(timeout=MUST_END_S)
            took = time.monotonic() - ready
        finally:
            alive = living_in_session(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL) if alive else None
    text = err.read_text()
    assert alive == [], f"left running: {alive}\n{text}"
    return status, text, took


def _without_child_start_ups(stderr: str) -> str:
    """``stderr`` less the tracebacks of a child interpreter (a pyperf worker) that a signal to the
    group met while that interpreter was still starting (in ``site``): as with the command's own
    start-up, no code of the suite runs there yet."""
    kept: list[str] = []
    block: list[str] = []
    for line in stderr.splitlines(keepends=True):
        if block or line.lstrip().startswith("Traceback (most recent call last):"):
            block.append(line)
            if line.startswith("KeyboardInterrupt"):
                if not any('File "<frozen site>"' in b for b in block):
                    kept += block
                block = []
            continue
        kept.append(line)
    return "".join(kept + block)


def _check(where: Path, status: int | None, stderr: str, attempt: Try | None) -> str:
    """The invariants of one run: what became of it ("stopped", "late": it had ended)."""
    first = STATUS[KINDS[attempt.kind][0]] if attempt is not None else 0
    assert status in (first, 0), f"exit status {status}, not {first} or 0\n{stderr}"
    own = _without_child_start_ups(stderr)
    assert "Traceback" not in own, stderr
    assert "Exception ignored" not in own, stderr
    results, runinfo = where / "r.json", where / "r.runinfo"
    written = sorted(p.name for p in where.iterdir())
    assert written in ([], ["r.runinfo"], ["r.json", "r.runinfo"]), f"written: {written}\n{stderr}"
    if status == 0:  # the signal came after the run's end: a whole run
        assert written == ["r.json", "r.runinfo"], stderr
    if not written:  # stopped while it planned: nothing claimed, nothing written
        return "stopped before any file"
    info = json.loads(runinfo.read_text())
    measured = len(pyperf.BenchmarkSuite.load(str(results)).get_benchmarks()) if results.exists() else 0
    assert info["results"] == ("r.json" if measured else None), info
    assert info["completed"] == measured, (info["completed"], measured)
    assert info["interrupted"] or measured == PLANNED, info  # a run not interrupted has finished
    if status == 0:
        return "late"
    return f"stopped, {measured} of {PLANNED} published"


def test_signals_at_random_moments_publish_what_finished_with_no_traceback(tmp_path: Path) -> None:
    seed = int(os.environ.get("CONCBENCH_SIGNAL_SEED") or random.SystemRandom().randrange(2**32))
    rng = random.Random(seed)
    status, stderr, length = _run(tmp_path / "reference", None)
    assert _check(tmp_path / "reference", status, stderr, None) == "late", f"seed {seed}\n{stderr}"
    span = 1.1 * length

    kinds = rng.sample(list(KINDS), len(KINDS))

    def draw(index: int) -> Try:  # the kinds in turn: each is tried, however slow the machine
        return Try(kinds[index % len(kinds)], rng.uniform(0, span), rng.uniform(0, 0.1), rng.random() < 0.5)

    def one(index: int, attempt: Try) -> str:
        where = tmp_path / f"try{index}"
        status, stderr, _ = _run(where, attempt)
        return _check(where, status, stderr, attempt)

    tried: list[tuple[Try, str]] = []
    started = time.monotonic()
    with ThreadPoolExecutor(AT_ONCE) as pool:
        while time.monotonic() - started < BUDGET_S or len(tried) < len(KINDS):
            batch = [draw(len(tried) + k) for k in range(AT_ONCE)]
            futures = [(a, pool.submit(one, len(tried) + k, a)) for k, a in enumerate(batch)]
            for attempt, future in futures:
                try:
                    tried.append((attempt, future.result()))
                except AssertionError as exc:
                    raise AssertionError(f"seed {seed} (CONCBENCH_SIGNAL_SEED={seed} replays the offsets), "
                                         f"{attempt}: {exc}") from None
    outcomes: dict[str, int] = {}
    for _, outcome in tried:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    print(f"seed {seed}: {len(tried)} signalled runs over 0-{span:.2f} s: "
          + ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())))
