"""cancel_timeout: what a deadline costs per call, and what stopping N waiting units costs.

Two operations (parameter ``op``), each with its own parameters (the others
are dropped through ``Scenario.relevant``, so no benchmark is repeated for a
parameter it ignores):

- ``deadline`` (``calls``, ``deadline``): ``calls`` calls one after another, each
  finishing long before its deadline (``DEADLINE_S`` = 60 s, never hit).  The
  model parameter ``deadline`` says how the deadline is set, ``none`` being the
  baseline of the same model, so a deadline's per-call overhead is
  ``(time(variant) - time(none)) / calls`` read from one run:

  - asyncio, uvloop: the unit is a coroutine doing one ``await asyncio.sleep(0)``;
    ``timeout`` wraps it in ``async with asyncio.timeout()``, ``wait_for`` in
    ``asyncio.wait_for()`` (before Python 3.12 that wraps the coroutine in a Task
    with a timer of its own; from 3.12 it is built on ``asyncio.timeout``).
  - to_thread, executor-thread, executor-process: the same async deadlines on the
    model's own awaitable (``asyncio.to_thread`` / ``loop.run_in_executor`` on a
    pool of one, started before timing); the executor round trip dominates.
    ``wait_for`` is left out of their default sweep (``--param deadline=wait_for``
    adds it): the loop-side cost is what asyncio and uvloop already measure.
  - threads, processes: ``pool.submit(unit, i).result(timeout=60)`` against
    ``.result()`` on a pool of one; for processes the round trip dominates.
  - sequential: a plain call against one armed with ``signal.setitimer`` (a SIGALRM
    handler raising TimeoutError, the way synchronous code gets a deadline; main
    thread only), cleared after the call.

- ``shutdown`` (``n``): start ``n`` units that wait "forever", wait until all are
  waiting, stop them all, confirm each stopped (see :mod:`benchmarks.scenarios.cancel_timeout.shutdown`):
  asyncio/uvloop tasks are cancelled, threads see a shared Event, processes get
  ``terminate()``.  Starting is inside the timed region because ``run`` must be
  repeatable; the shutdown alone is the metric ``shutdown_us`` (and
  ``shutdown_us_per_unit``, ``start_us``).  The ``processes`` model defaults to
  the fork start method here: with forkserver or spawn every child re-imports
  this package (60-80 ms each on the reference machine), which is the ``spawn``
  scenario's subject, not this one's.

Defaults: ``calls=200``, ``n=50``: 22 benchmarks, each near pyperf's floor of
7-11 s (4 minutes on the shared 2-core reference machine).  pyperf calibrates
loops so that each value lasts at least 100 ms, so fewer calls per run lose no
precision; 50 forked processes per run keep ``processes`` under half a second
per run on a loaded machine.

Every unit's result is ``mix(i)``, and for ``shutdown`` only when that unit
was verified stopped, so the checksum catches a lost, repeated or unstopped
unit.  Fair because each pair does the same logical work (``calls`` sequential
deadline-guarded calls, or ``n`` units started and stopped) with the model's
own idiom, and the baseline of each variant is measured by the same model.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import Executor
from contextlib import ExitStack
from dataclasses import replace
from typing import Any, NamedTuple

from benchmarks.core.aio import AsyncModel, AsyncSession, Unit
from benchmarks.core.contract import Model, Scenario, Session
from benchmarks.core.params import Param, Value
from benchmarks.core.pools import START_METHOD, START_METHODS, new_process_pool, new_thread_pool
from benchmarks.core.work import Checksum, Work, checksum, mix
from benchmarks.scenarios.cancel_timeout.shutdown import (
    FOREVER_S,
    STOP_TIMEOUT_S,
    ProcessShutdown,
    TaskShutdown,
    ThreadShutdown,
)

#: Every deadline in ``op=deadline``: far beyond any call, so it is never hit.
DEADLINE_S = 60.0

OP = Param("op", str, ("deadline", "shutdown"), "deadline: per-call deadline overhead; "
           "shutdown: start N waiting units and stop them all", choices=("deadline", "shutdown"))
CALLS = Param("calls", int, (200,), "op=deadline: calls made one after another", quick=(50,), minimum=1)
N = Param("n", int, (50,), "op=shutdown: units started, then stopped", quick=(10,), minimum=1)
DEADLINE = Param("deadline", str, ("none",), "op=deadline: how each call gets its deadline "
                 "(none: the baseline)", choices=("none", "timeout", "wait_for", "result_timeout", "alarm"))


class Variants(NamedTuple):
    """The deadline variants one model can express, and which of them are swept."""

    allowed: tuple[str, ...]
    default: tuple[str, ...]
    #: the smoke test: the deadline code path, without its baseline
    quick: tuple[str, ...]


ASYNC_DEADLINES = ("none", "timeout", "wait_for")
POOL_DEADLINES = ("none", "result_timeout")
DEADLINES: dict[str, Variants] = {
    "sequential": Variants(("none", "alarm"), ("none", "alarm"), ("alarm",)),
    "threads": Variants(POOL_DEADLINES, POOL_DEADLINES, ("result_timeout",)),
    "processes": Variants(POOL_DEADLINES, POOL_DEADLINES, ("result_timeout",)),
    **{m: Variants(ASYNC_DEADLINES, ASYNC_DEADLINES, ("timeout",)) for m in ("asyncio", "uvloop")},
    **{m: Variants(ASYNC_DEADLINES, ("none", "timeout"), ("timeout",))
       for m in ("to_thread", "executor-thread", "executor-process")},
}

SHUTDOWN_UNSUPPORTED = {
    "sequential": "one thread running one unit at a time cannot hold N units waiting at once",
    "to_thread": "a blocking call running in an executor thread cannot be cancelled (Future.cancel() "
                 "fails once it runs); the thread is busy until the call returns",
    "executor-thread": "a blocking call running in an executor thread cannot be cancelled (Future.cancel() "
                       "fails once it runs); the thread is busy until the call returns",
    "executor-process": "a call running in a ProcessPoolExecutor cannot be cancelled, and Python before "
                        "3.14 has no API to terminate the pool's workers",
}

DEADLINE_IMPL = {
    "none": "no deadline (the baseline)",
    "timeout": f"async with asyncio.timeout({DEADLINE_S:g})",
    "wait_for": f"asyncio.wait_for(unit, {DEADLINE_S:g})",
    "result_timeout": f"pool.submit(unit, i).result(timeout={DEADLINE_S:g}) (none: .result())",
    "alarm": f"signal.setitimer(ITIMER_REAL, {DEADLINE_S:g}) before the call, 0 after",
}
STOP_IMPL = {
    "asyncio": "Task.cancel() on each task, asyncio.wait(tasks); each must end cancelled, finally run",
    "threads": "threading.Event.set() seen by every thread, Thread.join() each",
    "processes": "Process.terminate() (SIGTERM) each, Process.join(); exit code must be -SIGTERM",
}


def unit(i: int) -> int:
    return mix(i)


async def aunit(i: int) -> int:
    await asyncio.sleep(0)  # one trip through the loop: the call really suspends
    return mix(i)


# -- op=deadline ---------------------------------------------------------------------------


def _on_alarm(signum: int, frame: object) -> None:
    raise TimeoutError(f"a call ran past its {DEADLINE_S:g} s deadline")


class SequentialCalls(Session):
    def __init__(self, call: Callable[[int], int], n: int, alarm: bool) -> None:
        self._call = call
        self._n = n
        self._alarm = alarm
        # signal.signal works only in the main thread: a session opened elsewhere fails here
        self._previous = signal.signal(signal.SIGALRM, _on_alarm) if alarm else None
        # A timer armed before (pytest-timeout uses one) is put back, less the time spent here.
        self._previous_timer = signal.getitimer(signal.ITIMER_REAL)
        self._opened = time.monotonic()

    def run(self) -> list[int]:
        call = self._call
        if not self._alarm:
            return [call(i) for i in range(self._n)]
        results = []
        setitimer, timer = signal.setitimer, signal.ITIMER_REAL
        for i in range(self._n):
            setitimer(timer, DEADLINE_S)
            try:
                results.append(call(i))
            finally:
                setitimer(timer, 0)
        return results

    def close(self) -> None:
        if not self._alarm:
            return
        signal.signal(signal.SIGALRM, self._previous)
        left, interval = self._previous_timer
        if left > 0:
            elapsed = time.monotonic() - self._opened
            signal.setitimer(signal.ITIMER_REAL, max(left - elapsed, 1e-3), interval)


class PoolCalls(Session):
    """One ``submit`` at a time on a pool of one, each waited for with or without a timeout."""

    def __init__(self, pool: Executor, call: Callable[[int], int], n: int, with_timeout: bool) -> None:
        self._pool = pool
        self._call = call
        self._n = n
        self._timeout = with_timeout

    def run(self) -> list[int]:
        submit, call = self._pool.submit, self._call
        if self._timeout:
            return [submit(call, i).result(timeout=DEADLINE_S) for i in range(self._n)]
        # The baseline has no timeout by definition; a broken pool still raises (BrokenExecutor).
        return [submit(call, i).result() for i in range(self._n)]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


async def _calls_none(call: Unit, n: int) -> list[int]:
    return [await call(i) for i in range(n)]


async def _calls_timeout(call: Unit, n: int) -> list[int]:
    results = []
    for i in range(n):
        async with asyncio.timeout(DEADLINE_S):
            results.append(await call(i))
    return results


async def _calls_wait_for(call: Unit, n: int) -> list[int]:
    return [await asyncio.wait_for(call(i), DEADLINE_S) for i in range(n)]


ASYNC_CALLS: dict[str, Callable[[Unit, int], Coroutine[Any, Any, list[int]]]] = {
    "none": _calls_none,
    "timeout": _calls_timeout,
    "wait_for": _calls_wait_for,
}


class AsyncCalls(AsyncSession):
    """The model's own awaitable for unit i (coroutine, to_thread, run_in_executor), one at a time."""

    def __init__(self, model: AsyncModel, work: Work, params: Mapping[str, Value], deadline: str) -> None:
        loop = model.loop_factory()()
        resources = ExitStack()
        try:
            call = model.unit(work, params, loop, resources)
        except BaseException:
            resources.close()
            loop.close()
            raise
        super().__init__(loop, call, work, "gather", resources)  # api unused: run() is our own
        self._calls = ASYNC_CALLS[deadline]

    def run(self) -> list[int]:
        return self._loop.run_until_complete(self._calls(self._unit, self._work.n))


# -- the scenario --------------------------------------------------------------------------


def _pool_params(params: Mapping[str, Value]) -> dict[str, Value]:
    """The model's pool parameters for one call at a time: a pool of one."""
    return {**params, "workers": 1}


class CancelTimeout(Scenario):
    name = "cancel_timeout"
    summary = ("per-call cost of a deadline (asyncio.timeout, wait_for, result(timeout=)) and the cost "
               "of starting and stopping N waiting units (cancel, Event, terminate)")
    kind = "io"
    params = (OP, CALLS, N)

    def model_params(self, model: Model) -> tuple[Param, ...]:
        variants = DEADLINES[model.name]
        deadline = replace(DEADLINE, default=variants.default, quick=variants.quick)
        if model.name == "processes":
            fork = ("fork",) if "fork" in START_METHODS else START_METHOD.default
            return (deadline, replace(START_METHOD, default=fork))
        if model.name == "executor-process":
            return (deadline, START_METHOD)
        return (deadline,)

    def relevant(self, params: Mapping[str, Value]) -> Mapping[str, Value]:
        drop = {"n"} if params["op"] == "deadline" else {"calls", "deadline"}
        return {k: v for k, v in params.items() if k not in drop}

    def unsupported(self, model: Model, params: Mapping[str, Value]) -> str | None:
        if params["op"] == "shutdown":
            return SHUTDOWN_UNSUPPORTED.get(model.name)
        deadline = str(params["deadline"])
        allowed = DEADLINES[model.name].allowed
        if deadline not in allowed:
            return f"deadline={deadline} does not apply to {model.name}: its calls take {', '.join(allowed)}"
        return None

    def work(self, params: Mapping[str, Value]) -> Work:
        if params["op"] == "deadline":
            return Work(n=int(params["calls"]), kind=self.kind, call=unit, acall=aunit, limit=1)
        # op=shutdown: the sessions start their own waiting units; Work gives the count
        return Work(n=int(params["n"]), kind=self.kind, call=unit, acall=aunit)

    def open_session(self, model: Model, work: Work, params: Mapping[str, Value]) -> Session:
        if params["op"] == "deadline":
            return self._deadline_session(model, work, params)
        if model.name == "threads":
            return ThreadShutdown(work.n)
        if model.name == "processes":
            return ProcessShutdown(work.n, str(params["start_method"]))
        if isinstance(model, AsyncModel):
            return TaskShutdown(model.loop_factory(), work.n)
        raise ValueError(f"cancel_timeout has no shutdown for model {model.name!r}")

    def _deadline_session(self, model: Model, work: Work, params: Mapping[str, Value]) -> Session:
        deadline = str(params["deadline"])
        if model.name == "sequential":
            return SequentialCalls(work.call, work.n, alarm=deadline == "alarm")
        if model.name == "threads":
            return PoolCalls(new_thread_pool(1), work.call, work.n, deadline == "result_timeout")
        if model.name == "processes":
            pool = new_process_pool(1, str(params["start_method"]), work.call)
            return PoolCalls(pool, work.call, work.n, deadline == "result_timeout")
        if isinstance(model, AsyncModel):
            return AsyncCalls(model, work, _pool_params(params), deadline)
        raise ValueError(f"cancel_timeout has no deadline calls for model {model.name!r}")

    def model_metadata(self, model: Model, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        if params["op"] == "deadline":
            return self._deadline_metadata(model, work, params)
        meta: dict[str, Value] = {
            "timed": f"start {work.n} units + wait until all wait + stop all + check each "
                     "(shutdown alone: metric shutdown_us)",
            "unit_wait_s": FOREVER_S, "stop_timeout_s": STOP_TIMEOUT_S, "concurrency_limit": work.n,
        }
        if isinstance(model, AsyncModel):
            return {**meta, **model.metadata(work, params), "parallelism": 1,
                    "stop_impl": STOP_IMPL["asyncio"]}
        meta.update(parallelism=work.n, stop_impl=STOP_IMPL[model.name])
        if model.name == "processes":
            # no pool: the n processes started and terminated in every run
            meta.update(start_method=str(params["start_method"]), pool_size=work.n)
        return meta

    def _deadline_metadata(self, model: Model, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        deadline = str(params["deadline"])
        meta: dict[str, Value] = {
            "timed": f"{work.n} calls one after another, each with the deadline variant",
            "deadline_impl": DEADLINE_IMPL[deadline], "deadline_s": DEADLINE_S,
            "parallelism": 1, "concurrency_limit": 1,
        }
        if isinstance(model, AsyncModel):
            pool = _pool_params(params)
            meta.update(model.metadata(work, pool), parallelism=model.parallelism(work, pool),
                        concurrency_limit=1)
            meta["unit_impl"] = {"to_thread": "asyncio.to_thread(unit, i)",
                                 "executor-thread": "loop.run_in_executor(pool of 1 thread, unit, i)",
                                 "executor-process": "loop.run_in_executor(pool of 1 process, unit, i)",
                                 }.get(model.name, "coroutine: await asyncio.sleep(0), return mix(i)")
        elif model.name in ("threads", "processes"):
            worker = "thread" if model.name == "threads" else "process"
            meta.update(pool_size=1, unit_impl=f"pool.submit(unit, i) on a pool of 1 {worker}")
            if model.name == "processes":
                meta["start_method"] = str(params["start_method"])
        else:
            meta["unit_impl"] = "unit(i), a plain call returning mix(i)"
        return meta

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        n = int(params["calls"] if params["op"] == "deadline" else params["n"])
        return checksum(mix(i) for i in range(n))


SCENARIO = CancelTimeout()
