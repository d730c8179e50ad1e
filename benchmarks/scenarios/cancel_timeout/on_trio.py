"""``cancel_timeout`` on trio: deadlines with ``trio.fail_after``, shutdown by cancelling a nursery.

``op=deadline``: ``calls`` calls one after another, each a coroutine doing one
``await trio.lowlevel.checkpoint()`` (trio's ``sleep(0)``: the call really suspends, as asyncio's
``sleep(0)`` does), inside ``with trio.fail_after(60)`` or, for the baseline,
without.  ``op=shutdown``: N tasks of a nursery sleep "forever"; once all are
waiting, ``nursery.cancel_scope.cancel()`` stops them, and each must have seen
``trio.Cancelled`` and run its ``finally`` block.  Both run inside the
session's one ``trio.run`` (:class:`benchmarks.runtimes.structured.TrioRunner`).
"""

from __future__ import annotations

import time
from functools import partial

from benchmarks.core.contract import Session
from benchmarks.runtimes.aio import Unit
from benchmarks.runtimes.structured import TrioRunner
from benchmarks.scenarios.cancel_timeout import deadline
from benchmarks.scenarios.cancel_timeout.shutdown import FOREVER_S, ShutdownSession, TaskState


async def _no_deadline(unit: Unit, n: int) -> list[int]:
    return [await unit(i) for i in range(n)]


async def _fail_after(unit: Unit, n: int) -> list[int]:
    import trio

    results = []
    limit = deadline.DEADLINE_S  # read per run: the tests shorten it
    try:
        for i in range(n):
            with trio.fail_after(limit):
                results.append(await unit(i))
    except trio.TooSlowError as exc:  # as in every other model, a missed deadline is a TimeoutError
        raise TimeoutError(f"a call ran past its {limit:g} s deadline") from exc
    return results


class TrioCalls(Session):
    """The work's trio form of the unit, ``n`` calls one after another, each under
    ``trio.fail_after`` or, the baseline, not."""

    def __init__(self, unit: Unit, n: int, fail_after: bool) -> None:
        self._calls = partial(_fail_after if fail_after else _no_deadline, unit, n)
        self._runner = TrioRunner()

    def run(self) -> list[int]:
        return self._runner.call(self._calls)

    def close(self) -> None:
        self._runner.close()


class TrioShutdown(ShutdownSession):
    """N tasks of a nursery sleeping "forever"; the nursery's cancel scope cancelled."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self._runner = TrioRunner()

    def run(self) -> list[int]:
        return self._runner.call(self._start_and_cancel)

    async def _start_and_cancel(self) -> list[int]:
        import trio
        import trio.lowlevel

        n = self.n
        state = TaskState(n)
        cancelled = [False] * n

        async def sleeper(i: int) -> None:
            state.entered += 1
            try:
                await trio.sleep(FOREVER_S)
            except trio.Cancelled:
                cancelled[i] = True
                raise
            finally:
                state.finally_ran[i] = True  # where a real task releases what it holds

        began = time.perf_counter()
        with trio.move_on_after(2 * self.stop_timeout) as bound:
            async with trio.open_nursery() as nursery:
                for i in range(n):
                    nursery.start_soon(sleeper, i)
                give_up = began + self.stop_timeout
                while state.entered < n:  # normally one pass: each task runs to its sleep in turn
                    if time.perf_counter() > give_up:
                        raise RuntimeError(f"only {state.entered} of {n} tasks started in "
                                           f"{self.stop_timeout:g} s")
                    await trio.lowlevel.checkpoint()
                all_waiting = time.perf_counter()
                nursery.cancel_scope.cancel()
        all_stopped = time.perf_counter()
        if bound.cancelled_caught:
            raise RuntimeError(f"the nursery did not finish within {2 * self.stop_timeout:g} s")
        self._timed(began, all_waiting, all_stopped)
        self._results(cancelled, "ended without seeing trio.Cancelled")
        return self._results(state.finally_ran, "were cancelled without running their finally block")

    def close(self) -> None:
        self._runner.close()
