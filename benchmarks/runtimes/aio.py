"""The event-loop side shared by every capability that runs on an asyncio loop.

Every async model runs the same coroutine, ``fan_out``: one awaitable per
unit, optionally behind an ``asyncio.Semaphore`` (the scenario's
concurrency), awaited with gather, a TaskGroup or as_completed.  Models differ
only in the loop factory and in what one unit's awaitable is (the scenario's
coroutine, ``asyncio.to_thread`` or ``loop.run_in_executor``).  A fresh loop is
created for every measured value, outside the timed region, as pyperf's
``bench_async_func`` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from contextlib import ExitStack
from dataclasses import replace
from functools import partial
from typing import Any

from benchmarks.core.contract import Session
from benchmarks.core.params import Param
from benchmarks.core.work import Work

Unit = Callable[[int], Awaitable[int]]
LoopFactory = Callable[[], asyncio.AbstractEventLoop]


async def _gather(aws: list[Awaitable[int]]) -> list[int]:
    return list(await asyncio.gather(*aws))


async def _taskgroup(aws: list[Awaitable[int]]) -> list[int]:
    async with asyncio.TaskGroup() as group:  # type: ignore[attr-defined,unused-ignore]
        tasks = [group.create_task(_await(aw)) for aw in aws]
    return [task.result() for task in tasks]


async def _as_completed(aws: list[Awaitable[int]]) -> list[int]:
    return [await future for future in asyncio.as_completed(aws)]


async def _await(aw: Awaitable[int]) -> int:
    return await aw


APIS: dict[str, Callable[[list[Awaitable[int]]], Coroutine[Any, Any, list[int]]]] = {
    "gather": _gather,
    "taskgroup": _taskgroup,
    "as_completed": _as_completed,
}

API = Param(
    "api",
    str,
    ("gather",),
    "how the unit coroutines are awaited",
    choices=tuple(APIS),
)


def bind_unit(func: Callable[..., Awaitable[int]], *args: Any) -> Unit:
    """``func(*args, i)`` as unit i, without wrapping it in another coroutine."""
    return partial(func, *args)


#: Of each parameter that only says how coroutines are awaited, the one value swept where units
#: never wait: asyncio's ``api`` and anyio's ``backend``.
AWAITING_DEFAULTS = {API.name: ("gather",), "backend": ("asyncio",)}


def gather_only(params: tuple[Param, ...]) -> tuple[Param, ...]:
    """A model's parameters with ``api`` defaulting to gather alone (and anyio's ``backend``
    to asyncio alone).

    For scenarios whose units never wait (CPU work, blocking file calls),
    how the coroutines are awaited changes nothing worth three benchmarks;
    ``--param api=...`` (``--param backend=...``) still sweeps it.
    """
    return tuple(replace(p, default=AWAITING_DEFAULTS[p.name]) if p.name in AWAITING_DEFAULTS else p
                 for p in params)


async def _limited(semaphore: asyncio.Semaphore, unit: Unit, i: int) -> int:
    async with semaphore:
        return await unit(i)


async def fan_out(unit: Unit, n: int, limit: int, api: str) -> list[int]:
    return await fan_out_indices(unit, range(n), limit, api)


async def fan_out_indices(unit: Unit, indices: Iterable[int], limit: int, api: str) -> list[int]:
    """Units ``indices`` on the running loop, at most ``limit`` at once (0: no limit)."""
    if limit:
        unit = partial(_limited, asyncio.Semaphore(limit), unit)
    return await APIS[api]([unit(i) for i in indices])


def close_loop(loop: asyncio.AbstractEventLoop, resources: ExitStack | None = None) -> None:
    """Release a session's pools (``resources``), then its loop: its async generators, its
    default executor, the loop itself.  Every session with a loop of its own ends here."""
    try:
        if resources is not None:
            resources.close()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


#: how a session's loop is chosen, for metadata
LOOP_CHOICE = "asyncio.Runner(loop_factory=...)"


def new_runner(factory: LoopFactory) -> asyncio.Runner:
    """A runner whose loop is ``factory()``, made now: the loop is chosen by its factory, never by
    the event-loop policy (deprecated in 3.14, and process-wide: a policy a library installed
    would swap every model's loop).  ``asyncio.Runner(loop_factory=)`` exists on every Python the
    suite runs on (3.11+), so no policy is ever used."""
    runner = asyncio.Runner(loop_factory=factory)
    runner.get_loop()
    return runner


class AsyncSession(Session):
    """The fan-out on a runner's loop.  Timed with the loop's ``run_until_complete``, not
    ``Runner.run``: on the main thread that swaps the SIGINT handler twice per call, 35-80 us more
    per measured value here (3 tries, 20,000 calls each, against 10-35 us), which is not the
    models' cost.  The runner closes the loop (async generators, default executor, loop)."""

    def __init__(self, runner: asyncio.Runner, unit: Unit, work: Work, api: str,
                 resources: ExitStack) -> None:
        self._runner = runner
        self._loop = runner.get_loop()
        self._unit = unit
        self._work = work
        self._api = api
        self._resources = resources

    def run(self) -> list[int]:
        work = self._work
        return self._loop.run_until_complete(fan_out(self._unit, work.n, work.limit, self._api))

    def close(self) -> None:
        try:
            self._resources.close()
        finally:
            self._runner.close()
