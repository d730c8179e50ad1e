"""Start N units that wait "forever", then stop them all: one session per kind of unit.

Used by the ``cancel_timeout`` scenario (``op=shutdown``).  Every session's
``run`` does the same four things, all timed because ``run`` must be
repeatable on one session:

1. start N units (tasks, threads or processes);
2. wait until every unit has reached its blocking wait (it says so itself);
3. stop them all the way the model offers: ``Task.cancel()``, setting a
   shared ``threading.Event``, ``Process.terminate()`` (SIGTERM);
4. wait for every unit to end, then check *how* each ended.

Steps 3-4 (the shutdown proper) are also timed on their own and reported by
``metrics()`` as ``shutdown_us`` (median of the runs since the last call) and
``shutdown_us_per_unit``; steps 1-2 as ``start_us``.  Unit i contributes
``mix(i)`` to the results only if it was verified stopped (task cancelled with
its ``finally`` block run / thread returned after seeing the event / process
exit code -SIGTERM); any other ending, or a unit still running
``stop_timeout`` seconds after the stop, fails the run with a message that
says which units and how.  ``close`` reaps whatever a failed run left behind.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import statistics
import threading
import time
from collections.abc import Callable, Coroutine
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, ClassVar

from benchmarks.core.contract import Session
from benchmarks.core.work import mix
from benchmarks.runtimes.aio import LoopFactory, close_loop
from benchmarks.runtimes.startup import pool_child_init

#: How long a unit waits when nobody stops it: far longer than any run.
FOREVER_S = 3600.0
#: How long starting N units, or stopping them, may take before the run fails.
STOP_TIMEOUT_S = 30.0


def _describe(indices: list[int], n: int) -> str:
    shown = ", ".join(map(str, indices[:5])) + (", ..." if len(indices) > 5 else "")
    return f"{len(indices)} of {n} units ({shown})"


class ShutdownSession(Session):
    """The bookkeeping every kind of unit shares: timings and per-unit verification.

    Each subclass names its ``unit`` (what one waiting unit does) and every session has a
    ``stop_timeout``; the tests derive sessions whose units misbehave, with a short timeout.
    """

    stop_timeout: ClassVar[float] = STOP_TIMEOUT_S

    def __init__(self, n: int) -> None:
        self.n = n
        self._start_s: list[float] = []
        self._shutdown_s: list[float] = []

    def _timed(self, began: float, all_waiting: float, all_stopped: float) -> None:
        self._start_s.append(all_waiting - began)
        self._shutdown_s.append(all_stopped - all_waiting)

    def _results(self, stopped: list[bool], how: str) -> list[int]:
        """``mix(i)`` for every unit; fails naming the units that did not stop as they should."""
        wrong = [i for i, ok in enumerate(stopped) if not ok]
        if wrong:
            raise RuntimeError(f"{_describe(wrong, self.n)} {how}")
        return [mix(i) for i in range(self.n)]

    def metrics(self) -> dict[str, float]:
        if not self._shutdown_s:
            return {}
        shutdown = statistics.median(self._shutdown_s)
        metrics = {"start_us": statistics.median(self._start_s) * 1e6,
                   "shutdown_us": shutdown * 1e6,
                   "shutdown_us_per_unit": shutdown * 1e6 / self.n}
        self._start_s.clear()
        self._shutdown_s.clear()
        return metrics


# -- asyncio and uvloop: tasks, cancelled -------------------------------------------------


class TaskState:
    """What the tasks of one run report about themselves."""

    def __init__(self, n: int) -> None:
        self.entered = 0
        self.finally_ran = [False] * n


TaskUnit = Callable[[int, TaskState], Coroutine[Any, Any, object]]


async def sleeper(i: int, state: TaskState) -> None:
    state.entered += 1
    try:
        await asyncio.sleep(FOREVER_S)
    finally:
        state.finally_ran[i] = True  # where a real task releases what it holds


class TaskShutdown(ShutdownSession):
    """N tasks sleeping "forever"; ``cancel()`` on each, then wait for all of them."""

    unit = staticmethod(sleeper)

    def __init__(self, loop_factory: LoopFactory, n: int) -> None:
        super().__init__(n)
        self._tasks: list[asyncio.Task[object]] = []
        #: how many ``finally`` blocks ran in the last run (n when every task was cancelled)
        self.finally_blocks = 0
        self._loop = loop_factory()

    def run(self) -> list[int]:
        return self._loop.run_until_complete(self._start_and_cancel())

    async def _start_and_cancel(self) -> list[int]:
        n = self.n
        state = TaskState(n)
        began = time.perf_counter()
        tasks = self._tasks = [asyncio.create_task(self.unit(i, state)) for i in range(n)]
        give_up = began + self.stop_timeout
        while state.entered < n:  # normally one pass: each task runs to its sleep in turn
            if time.perf_counter() > give_up:
                raise RuntimeError(f"only {state.entered} of {n} tasks started in {self.stop_timeout:g} s")
            await asyncio.sleep(0)
        all_waiting = time.perf_counter()
        for task in tasks:
            task.cancel()
        _, pending = await asyncio.wait(tasks, timeout=self.stop_timeout)
        all_stopped = time.perf_counter()
        self._timed(began, all_waiting, all_stopped)
        self.finally_blocks = sum(state.finally_ran)
        if pending:
            still = sorted(tasks.index(t) for t in pending)
            raise RuntimeError(f"{_describe(still, n)} still running {self.stop_timeout:g} s after "
                               "cancel(): they swallow CancelledError")
        ended = [t.cancelled() or _retrieve(t) for t in tasks]
        self._results(ended, "ended without being cancelled (returned or raised instead)")
        return self._results(state.finally_ran, "were cancelled without running their finally block")

    def close(self) -> None:
        loop = self._loop
        try:
            left = [t for t in self._tasks if not t.done()]
            for task in left:
                task.cancel()
            if left:
                loop.run_until_complete(asyncio.wait(left, timeout=self.stop_timeout))
        finally:
            close_loop(loop)


def _retrieve(task: asyncio.Task[object]) -> bool:
    """False, after retrieving the task's exception (so asyncio does not log it as lost)."""
    task.exception()
    return False


# -- threads: a shared stop Event ----------------------------------------------------------


class Countdown:
    """Set once ``n`` units have arrived; cheaper than a Barrier (nobody waits on it but one)."""

    def __init__(self, n: int) -> None:
        self._lock = threading.Lock()
        self._left = n
        self.done = threading.Event()

    def arrive(self) -> None:
        with self._lock:
            self._left -= 1
            if self._left == 0:
                self.done.set()

    @property
    def left(self) -> int:
        return self._left


ThreadUnit = Callable[[int, threading.Event, Countdown, list[bool]], None]


def waiter(i: int, stop: threading.Event, started: Countdown, stopped: list[bool]) -> None:
    started.arrive()
    if stop.wait(FOREVER_S):
        stopped[i] = True


class ThreadShutdown(ShutdownSession):
    """N threads waiting on one Event; ``set()`` it, then join every thread."""

    unit = staticmethod(waiter)

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    def run(self) -> list[int]:
        n = self.n
        stop = self._stop = threading.Event()
        started = Countdown(n)
        stopped = [False] * n
        began = time.perf_counter()
        # daemon: a unit that never stops must not keep the interpreter alive at exit
        threads = self._threads = [
            threading.Thread(target=self.unit, args=(i, stop, started, stopped),
                             name=f"concbench-waiter-{i}", daemon=True)
            for i in range(n)
        ]
        for thread in threads:
            thread.start()
        if not started.done.wait(self.stop_timeout):
            raise RuntimeError(f"only {n - started.left} of {n} threads started in {self.stop_timeout:g} s")
        all_waiting = time.perf_counter()
        stop.set()
        give_up = time.monotonic() + self.stop_timeout
        for thread in threads:
            thread.join(max(0.0, give_up - time.monotonic()))
        all_stopped = time.perf_counter()
        self._timed(began, all_waiting, all_stopped)
        alive = [i for i, t in enumerate(threads) if t.is_alive()]
        if alive:
            raise RuntimeError(f"{_describe(alive, n)} still running {self.stop_timeout:g} s after "
                               "the stop event was set")
        return self._results(stopped, "returned without seeing the stop event")

    def close(self) -> None:
        self._stop.set()  # a failed run may have raised before setting it
        for thread in self._threads:
            if thread.ident is not None:
                thread.join(self.stop_timeout)


# -- processes: terminated ----------------------------------------------------------------


ProcessUnit = Callable[[int, Connection], None]


def blocked_child(i: int, ready: Connection) -> None:
    pool_child_init()
    ready.send_bytes(i.to_bytes(4, "little"))  # one write under PIPE_BUF: atomic among writers
    ready.close()
    time.sleep(FOREVER_S)


class ProcessShutdown(ShutdownSession):
    """N processes blocked in a sleep; ``terminate()`` each, join, check exit code -SIGTERM."""

    unit = staticmethod(blocked_child)

    def __init__(self, n: int, start_method: str) -> None:
        super().__init__(n)
        self._context = multiprocessing.get_context(start_method)
        self._procs: list[BaseProcess] = []

    def run(self) -> list[int]:
        n = self.n
        reader, writer = self._context.Pipe(duplex=False)
        try:
            began = time.perf_counter()
            procs = self._procs = [
                # typeshed declares Process on each concrete context, not on BaseContext
                self._context.Process(target=self.unit, args=(i, writer),  # type: ignore[attr-defined]
                                      name=f"concbench-blocked-{i}", daemon=True)
                for i in range(n)
            ]
            for proc in procs:
                proc.start()
            writer.close()  # children hold their own ends: EOF here once they all exit
            self._await_ready(reader)
            all_waiting = time.perf_counter()
            for proc in procs:
                proc.terminate()
            give_up = time.monotonic() + self.stop_timeout
            for proc in procs:
                proc.join(max(0.0, give_up - time.monotonic()))
            all_stopped = time.perf_counter()
        finally:
            writer.close()
            reader.close()
        self._timed(began, all_waiting, all_stopped)
        alive = [i for i, p in enumerate(procs) if p.exitcode is None]
        if alive:
            raise RuntimeError(f"{_describe(alive, n)} still running {self.stop_timeout:g} s after "
                               "terminate(): they ignore SIGTERM")
        codes = [p.exitcode for p in procs]
        for proc in procs:
            proc.close()  # its sentinel descriptor
        self._procs = []
        wrong = sorted({c for c in codes if c != -signal.SIGTERM}, key=str)
        return self._results([c == -signal.SIGTERM for c in codes],
                             f"did not end by SIGTERM (exit codes {wrong})")

    def _await_ready(self, reader: Connection) -> None:
        seen: set[int] = set()
        give_up = time.monotonic() + self.stop_timeout
        while len(seen) < self.n:
            left = give_up - time.monotonic()
            try:
                if left <= 0 or not reader.poll(left):
                    raise RuntimeError(f"only {len(seen)} of {self.n} processes reported ready "
                                       f"in {self.stop_timeout:g} s")
                seen.add(int.from_bytes(reader.recv_bytes(), "little"))
            except EOFError:
                raise RuntimeError(f"only {len(seen)} of {self.n} processes reported ready; "
                                   "the others exited first") from None
        if seen != set(range(self.n)):
            raise RuntimeError(f"processes reported ready under unexpected indices: {sorted(seen)[:5]}...")

    def close(self) -> None:
        for proc in self._procs:
            if proc.pid is not None and proc.exitcode is None:
                proc.kill()
        for proc in self._procs:
            if proc.pid is not None:
                proc.join(self.stop_timeout)
            if proc.pid is None or proc.exitcode is not None:
                proc.close()
        self._procs = []
