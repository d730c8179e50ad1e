"""The capabilities that run a scenario's blocking units: inline, a thread pool, a process pool.

- :class:`Inline`: every unit in the calling thread, one after another.
- :class:`ThreadPool`: a ``ThreadPoolExecutor`` of ``workers`` threads.
- :class:`ProcessPool`: a ``ProcessPoolExecutor`` of ``workers`` processes and a start method.

Each carries its generic "run N units" session.  The pools are created, and
every thread and process started, when a session opens, outside the timed
region (see :mod:`benchmarks.runtimes.startup`).  The event-loop capabilities
(:mod:`benchmarks.runtimes.loops`) hand units to these pools too.  A scenario
with sessions of its own asks a capability for what it needs (``size``,
``start_method``) instead of asking the model who it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import ClassVar

from benchmarks.core.contract import Capability, Session
from benchmarks.core.params import WORKERS, Param, Value
from benchmarks.core.work import Work
from benchmarks.runtimes.startup import (
    START_METHOD,
    new_process_pool,
    new_thread_pool,
    process_pool_size,
    thread_pool_size,
)

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
