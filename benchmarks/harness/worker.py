"""The worker side of a run: what pyperf's worker processes time, and the untimed check.

pyperf re-runs ``python -m benchmarks run`` in worker processes
(``PROGRAM_ARGS``) with the suite's options appended
(:mod:`benchmarks.harness.options`); a worker plans the same list in the same
order and pyperf runs the benchmark at the position the master gave it.  Each
measured value opens a fresh session (pools started, loop created) outside the
clock, times ``loops`` runs of it, and checks every run's results after the
clock stops.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.core.work import checksum
from benchmarks.harness.cputime import cpu_seconds
from benchmarks.harness.cputime import record as record_cpu
from benchmarks.harness.environment import current_cpus, format_cpus, gil_state
from benchmarks.harness.plan import Case
from benchmarks.runtimes.startup import die_with_parent

PROGRAM_ARGS = ("-m", "benchmarks", "run")


class VerificationError(Exception):
    pass


class ApartFailure(VerificationError):
    """A pair failed in the child that verified it: the message is the child's one line (the
    exception's type and text there), to be shown as it is."""


def how_it_ended(status: int | None) -> str:
    """What a child's wait status says of its end: "was killed by SIGKILL", "exited with status 1"."""
    if status is None:
        return "ended"
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


def verify(case: Case, results: list[int]) -> None:
    got = checksum(results)
    if got != case.expected:
        why = case.scenario.explain(case.params, results)
        raise VerificationError(why or f"computed checksum {got}, expected {case.expected}")


#: of a pilot's ``min_time``, how long it times runs to estimate one run's time
PILOT_FRACTION = 0.25
#: pyperf's own ceiling on loops
MAX_LOOPS = 2**32


def pilot_loops(run: Callable[[], object], min_time: float, first_s: float) -> int:
    """Loops that make a value last at least ``min_time``, estimated from runs of a session whose
    first run took ``first_s`` (and was checked): a power of two, as pyperf's own calibration
    chooses.  A first run of ``min_time`` or more is one loop, without another run.

    pyperf calibrates loops in a worker process of its own for every benchmark, which here
    doubled the cost of a run's first round; this reuses the verification's session instead.
    """
    if first_s >= min_time:
        return 1
    count, elapsed = 0, 0.0
    start = time.perf_counter()
    while elapsed < min_time * PILOT_FRACTION:
        run()
        count += 1
        elapsed = time.perf_counter() - start
    per_run = elapsed / count
    loops = 1
    while loops * per_run < min_time and loops < MAX_LOOPS:
        loops *= 2
    return loops


def verify_once(case: Case, min_time: float | None = None, limit: float | None = None) -> int | None:
    """One untimed run of ``case`` in a disposable child (:func:`run_apart`: a unit blocked in a
    thread cannot be stopped, its process can), checked; with ``min_time``, then the loops a value
    needs (:func:`pilot_loops`), else None.  ``limit``: the seconds the child gives itself before it
    reports which units are still running and ends."""
    case.expected  # noqa: B018  # a scenario that cannot answer fails before a child starts
    results, loops = run_apart(case, min_time, limit)
    verify(case, results)
    return loops


def _child_run(case: Case, min_time: float | None) -> dict[str, Any]:
    capability = case.model.capability
    capability.worker_init()
    try:
        with case.session() as session:
            start = time.perf_counter()
            results = session.run()
            first_s = time.perf_counter() - start
            return {"results": results,
                    "loops": pilot_loops(session.run, min_time, first_s) if min_time else None}
    finally:
        capability.worker_exit()


def _answer(write: int, answer: dict[str, Any]) -> None:
    data = json.dumps(answer).encode()
    while data:
        data = data[os.write(write, data):]


def leaf(exc: BaseException) -> BaseException:
    """The exception a group (a trio nursery's, a task group's) holds, where it holds one."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _error(exc: BaseException) -> dict[str, Any]:
    exc = leaf(exc)
    return {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())}"}


def _expire_in(case: Case, limit: float, write: int) -> None:
    """In the child: after ``limit`` seconds, report the pair as too slow, with the units still
    running, and end the process at once (a hung thread is never joined: nothing waits for it)."""

    def expire(signum: int, frame: object) -> None:
        running = list(case.scenario.in_flight(case.params))
        still = f"; still running: unit{'s' if len(running) > 1 else ''} " + ", ".join(
            str(i) for i in running[:10]) + (", ..." if len(running) > 10 else "") if running else ""
        _answer(write, {"error": f"PairTimeout: verification took more than {limit:g} s "
                                 f"(--timeout){still}"})
        os._exit(1)

    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit)


#: how long a child that closed its pipe gets to end before it is killed
ENDING_S = 2.0


def _reap(pid: int, grace: float) -> int | None:
    """Wait up to ``grace`` seconds for the child ``pid`` to end, then kill it: its wait status
    (None: it had to be killed).  A signal or alarm while waiting kills it too."""
    deadline = time.monotonic() + grace
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                pid = 0
                return status
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.001)
    except ChildProcessError:
        pid = 0
        return None
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


#: the stopping signals held while the master forks a verification child
FORK_HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def run_apart(case: Case, min_time: float | None = None,
              limit: float | None = None) -> tuple[list[int], int | None]:
    """One untimed run of ``case`` in a disposable forked child that sets itself up as the
    pyperf worker timing it would (``Capability.worker_init``): gevent's monkey-patching never
    reaches this process, and a Dask cluster ends with the child.  A failure in the child is
    raised here; Ctrl-C, a time limit (SIGALRM) or any error here kills the child.  With
    ``limit``, the child ends itself after that many seconds, saying which units were running."""
    read, write = os.pipe()
    # A stopping signal is held while forking: its handler raising inside fork's own hooks
    # (logging's lock release) was lost as "Exception ignored", and the run went on.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, FORK_HELD)
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    if pid == 0:  # the child: report one JSON object on the pipe, never return
        code = 1
        try:
            os.close(read)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the master's handler
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            signal.setitimer(signal.ITIMER_REAL, 0)  # the master's alarm is the master's
            die_with_parent()
            if limit:
                _expire_in(case, limit, write)
            try:
                answer = _child_run(case, min_time)
                code = 0
            except BaseException as exc:
                answer = _error(exc)
            signal.setitimer(signal.ITIMER_REAL, 0)
            _answer(write, answer)
        finally:
            os._exit(code)
    status, answered = None, False
    try:
        os.close(write)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a held signal arrives here: the child is killed
        chunks = []
        while chunk := os.read(read, 1 << 16):
            chunks.append(chunk)
        answered = True  # the pipe is closed: the child is ending
    finally:
        os.close(read)
        status = _reap(pid, ENDING_S if answered else 0.0)
    if not chunks:
        raise ApartFailure(f"the child process verifying the pair {how_it_ended(status)} without an answer")
    answer = json.loads(b"".join(chunks))
    if "error" in answer:
        raise ApartFailure(answer["error"])
    results: list[int] = answer["results"]
    return results, answer.get("loops")


def run_kinds(args: Any) -> Iterator[str]:
    """What each successive call of a worker's time function is, as pyperf drives it."""
    if (args.calibrate_loops or args.recalibrate_loops
            or args.calibrate_warmups or args.recalibrate_warmups):
        yield from itertools.repeat("calibration")
    yield from itertools.repeat("warmup", args.warmups or 0)
    yield from itertools.repeat("value")


def make_time_func(case: Case, cpus: list[int] | None, metrics_file: str | None = None,
                   kinds: Iterator[str] | None = None, warmup_runs: int = 0) -> Callable[[int], float]:
    """pyperf's time function for ``case``; before its first value, ``warmup_runs`` untimed (and
    checked) runs of one session warm the process up (``--warmup-runs``, the master's choice)."""
    gil = gil_state()  # what the metadata says (computed when this worker started)

    def time_func(loops: int) -> float:
        nonlocal warmup_runs
        # pyperf pins the worker after registering benchmarks: check the pin
        # matches what was recorded in metadata before measuring anything.
        actual = current_cpus()
        if cpus is not None and actual is not None and actual != cpus:
            raise RuntimeError(f"worker runs on CPUs {format_cpus(actual)}, "
                               f"metadata says {format_cpus(cpus)}")
        if warmup_runs:
            with case.session() as session:
                for _ in range(warmup_runs):
                    verify(case, session.run())
            warmup_runs = 0
        with case.session() as session:
            if gil_state() != gil:
                # a free-threaded build enables the GIL to load an extension that needs it
                raise RuntimeError(f"opening the session changed the GIL from {gil!r} to {gil_state()!r} "
                                   "(an extension module that needs the GIL was imported): the "
                                   "measurement would not be what the metadata says")
            runs = []
            cpu_before = cpu_seconds()  # outside the clock: reading /proc takes a few ms
            start = time.perf_counter()
            for _ in range(loops):
                runs.append(session.run())
            elapsed = time.perf_counter() - start
            record_cpu(cpu_seconds() - cpu_before, loops)
            extra = session.metrics()
        for results in runs:
            verify(case, results)
        if extra and metrics_file:
            record = {"benchmark": case.name, "run": next(kinds or iter(["value"])), "loops": loops,
                      "seconds": elapsed, **extra}
            with open(metrics_file, "a") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        return elapsed

    return time_func
