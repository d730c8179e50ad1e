"""``op=deadline``: ``calls`` calls one after another, each under a deadline it never hits.

One session per way of setting a deadline (see the scenario's docstring): a
plain call with or without a SIGALRM timer, ``submit(...).result(timeout=)``
on a pool of one, and ``asyncio.timeout`` / ``wait_for`` around the model's
own awaitable (a coroutine, ``to_thread`` or ``run_in_executor``).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import Executor
from contextlib import ExitStack
from typing import Any

from benchmarks.core.contract import Session
from benchmarks.core.params import Value
from benchmarks.core.work import Work
from benchmarks.runtimes.aio import AsyncSession, Unit, new_runner
from benchmarks.runtimes.loops import OnLoop

#: Every deadline in ``op=deadline``: far beyond any call, so it is never hit.
DEADLINE_S = 60.0


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

    def __init__(self, capability: OnLoop, work: Work, params: Mapping[str, Value], deadline: str) -> None:
        runner = new_runner(capability.loop.factory())
        resources = ExitStack()
        try:
            call = capability.unit(work, params, runner.get_loop(), resources)
        except BaseException:
            resources.close()
            runner.close()
            raise
        super().__init__(runner, call, work, "gather", resources)  # api unused: run() is our own
        self._calls = ASYNC_CALLS[deadline]

    def run(self) -> list[int]:
        return self._loop.run_until_complete(self._calls(self._unit, self._work.n))
