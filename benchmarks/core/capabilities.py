"""The capabilities a model can declare, each with its generic "run N units" session.

- :class:`Inline`: every unit in the calling thread, one after another.
- :class:`ThreadPool`: a ``ThreadPoolExecutor`` of ``workers`` threads.
- :class:`ProcessPool`: a ``ProcessPoolExecutor`` of ``workers`` processes and a start method.
- :class:`EventLoop`: the scenario's coroutines on an asyncio-compatible :class:`Loop`.
- :class:`LoopExecutor`: an event loop handing each blocking unit to an executor: the
  loop's default executor (``asyncio.to_thread``), a thread pool or a process pool
  (``loop.run_in_executor``).

Pools and loops are created, and every thread and process started, when a
session opens, outside the timed region (see :mod:`benchmarks.core.pools`).
A scenario with sessions of its own asks a capability for what it needs
(``size``, ``start_method``, ``loop``, ``unit``) instead of asking the model
who it is.
"""

from __future__ import annotations

import asyncio
import platform
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import ClassVar

from benchmarks.core.aio import API, APIS, AsyncSession, LoopFactory, Unit, bind_unit
from benchmarks.core.contract import Capability, Session
from benchmarks.core.params import WORKERS, Param, Value
from benchmarks.core.pools import (
    START_METHOD,
    default_executor_size,
    new_process_pool,
    new_thread_pool,
    process_pool_size,
    start_default_executor,
    thread_pool_size,
)
from benchmarks.core.work import Work

CHUNKSIZE = Param("chunksize", int, (1,), "units per pickled task (ProcessPoolExecutor.map)", minimum=1)


class SequentialSession(Session):
    def __init__(self, work: Work) -> None:
        self._work = work

    def run(self) -> list[int]:
        call = self._work.call
        return [call(i) for i in range(self._work.n)]


class PoolSession(Session):
    """Runs every unit through an executor with ``map`` (results in index order)."""

    def __init__(self, pool: Executor, work: Work, chunksize: int = 1) -> None:
        self._pool = pool
        self._work = work
        self._chunksize = chunksize

    def run(self) -> list[int]:
        return list(self._pool.map(self._work.call, range(self._work.n), chunksize=self._chunksize))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class Inline(Capability):
    """Every unit one after another in the calling thread: nothing is ever in flight but one."""

    label: ClassVar[str] = "inline execution in the calling thread"

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"concurrency_limit": 1}

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        return SequentialSession(work)


@dataclass(frozen=True)
class ThreadPool(Capability):
    """``workers`` threads; 0 sizes the pool to the CPUs (CPU work) or to the units in flight (I/O)."""

    label: ClassVar[str] = "a thread pool"

    def params(self) -> tuple[Param, ...]:
        return (WORKERS,)

    def size(self, work: Work, params: Mapping[str, Value]) -> int:
        return thread_pool_size(work, int(params.get("workers", 0)))

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return self.size(work, params)

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        size = self.size(work, params)
        return {"pool_size": size, "concurrency_limit": size}

    def new_pool(self, work: Work, params: Mapping[str, Value]) -> ThreadPoolExecutor:
        """A pool of ``size`` threads, every one of them started."""
        return new_thread_pool(self.size(work, params))

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        return PoolSession(self.new_pool(work, params), work)


@dataclass(frozen=True)
class ProcessPool(Capability):
    """``workers`` processes (0: one per CPU) started with ``start_method``; with ``chunked``,
    the generic session sends ``chunksize`` units per pickled task."""

    chunked: bool = False
    label: ClassVar[str] = "a process pool"

    def params(self) -> tuple[Param, ...]:
        return (WORKERS, START_METHOD, *((CHUNKSIZE,) if self.chunked else ()))

    def size(self, work: Work, params: Mapping[str, Value]) -> int:
        return process_pool_size(work, int(params.get("workers", 0)))

    def start_method(self, params: Mapping[str, Value]) -> str:
        return str(params.get("start_method", START_METHOD.default[0]))

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return self.size(work, params)

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        size = self.size(work, params)
        meta: dict[str, Value] = {"pool_size": size, "concurrency_limit": size,
                                  "start_method": self.start_method(params)}
        if self.chunked:
            meta["chunksize"] = int(params["chunksize"])
        return meta

    def new_pool(self, work: Work, params: Mapping[str, Value]) -> ProcessPoolExecutor:
        """A pool of ``size`` processes, each started and with the scenario's module imported."""
        return new_process_pool(self.size(work, params), self.start_method(params), work.call,
                                work.process_init)

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        return PoolSession(self.new_pool(work, params), work, chunksize=int(params.get("chunksize", 1)))


@dataclass(frozen=True)
class DefaultExecutor:
    """The loop's default executor, which ``asyncio.to_thread`` uses: its size is not yours to
    choose, ``min(32, cpus + 4)`` threads."""

    label: ClassVar[str] = "the loop's default executor"

    def params(self) -> tuple[Param, ...]:
        return ()

    def size(self, work: Work, params: Mapping[str, Value]) -> int:
        return default_executor_size()

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"default_executor_size": self.size(work, params)}


class Loop:
    """An asyncio-compatible event loop implementation: asyncio's own, uvloop, ..."""

    name: ClassVar[str] = "asyncio"

    def factory(self) -> LoopFactory:
        return asyncio.new_event_loop

    def version(self) -> str:
        return platform.python_version()

    def unavailable(self) -> str | None:
        """Why this loop cannot be used here (not installed), or None."""
        return None


ASYNCIO = Loop()


@dataclass(frozen=True)
class OnLoop(Capability):
    """What every capability that runs on an asyncio event loop shares: the loop, a fresh one
    per measured value, and how the unit awaitables are awaited (``api``)."""

    loop: Loop = ASYNCIO
    label: ClassVar[str] = "an asyncio event loop (its coroutines, or an executor behind it)"
    #: the ``api`` values swept by default
    apis: tuple[str, ...] = ("gather",)

    def params(self) -> tuple[Param, ...]:
        return (replace(API, default=self.apis),)

    def describe(self) -> str:
        return f"{self.label} ({self.loop.name})"

    def unsupported(self, params: Mapping[str, Value]) -> str | None:
        missing = self.loop.unavailable()
        if missing:
            return missing
        if params.get("api") == "taskgroup" and not hasattr(asyncio, "TaskGroup"):
            return "asyncio.TaskGroup needs Python 3.11 or newer"
        return None

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"loop": self.loop.name, "loop_version": self.loop.version(),
                "concurrency_limit": work.limit or work.n}

    def unit(self, work: Work, params: Mapping[str, Value], loop: asyncio.AbstractEventLoop,
             resources: ExitStack) -> Unit:
        """The awaitable for unit i on ``loop``; pools it needs are registered in ``resources``."""
        raise NotImplementedError

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        loop = self.loop.factory()()
        if params.get("task_factory") == "eager":
            # 3.12+: a task runs synchronously until its first suspension (only
            # scenarios that declare the task_factory parameter ask for it)
            loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
        resources = ExitStack()
        try:
            unit = self.unit(work, params, loop, resources)
        except BaseException:
            resources.close()
            loop.close()
            raise
        api = str(params.get("api", "gather"))
        assert api in APIS
        return AsyncSession(loop, unit, work, api, resources)


@dataclass(frozen=True)
class EventLoop(OnLoop):
    """The scenario's own coroutines on the loop; CPU units run inline in the loop's thread."""

    label: ClassVar[str] = "an event loop"

    def unit(self, work: Work, params: Mapping[str, Value], loop: asyncio.AbstractEventLoop,
             resources: ExitStack) -> Unit:
        return work.acall


@dataclass(frozen=True)
class LoopExecutor(OnLoop):
    """An event loop that awaits each blocking unit on an executor: the default executor
    (``asyncio.to_thread``) or a thread or process pool (``loop.run_in_executor``)."""

    executor: DefaultExecutor | ThreadPool | ProcessPool = field(default_factory=DefaultExecutor)
    label: ClassVar[str] = "an event loop handing units to an executor"

    def describe(self) -> str:
        return f"an event loop ({self.loop.name}) handing units to {self.executor.label}"

    def params(self) -> tuple[Param, ...]:
        return (*super().params(), *self.executor.params())

    def size(self, work: Work, params: Mapping[str, Value]) -> int:
        return self.executor.size(work, params)

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return self.size(work, params)

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        meta = {**super().metadata(work, params), **self.executor.metadata(work, params)}
        if not isinstance(self.executor, ProcessPool):  # a process pool's limit is its size already
            meta["concurrency_limit"] = min(work.limit or work.n, self.size(work, params))
        return meta

    def unit(self, work: Work, params: Mapping[str, Value], loop: asyncio.AbstractEventLoop,
             resources: ExitStack) -> Unit:
        if isinstance(self.executor, DefaultExecutor):
            # The default executor belongs to the loop, and a fresh loop is made for every
            # measured value: start all its threads now, from inside the loop that owns it.
            loop.run_until_complete(start_default_executor(loop, self.size(work, params)))
            return bind_unit(asyncio.to_thread, work.call)
        pool = self.executor.new_pool(work, params)
        resources.callback(pool.shutdown, wait=True, cancel_futures=True)
        return bind_unit(loop.run_in_executor, pool, work.call)
