"""threads: a ThreadPoolExecutor of ``workers`` threads runs the units.

``workers=0`` (auto) sizes the pool to the CPU count for CPU scenarios and to
the scenario's concurrency (N when unbounded) for I/O scenarios, so the pool
size is the concurrency limit.  The pool is created and all its threads are
started before timing.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor

from benchmarks.core.contract import Model, Session
from benchmarks.core.params import WORKERS, Value
from benchmarks.core.pools import new_thread_pool, thread_pool_size
from benchmarks.core.work import Work


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


class Threads(Model):
    name = "threads"
    summary = "ThreadPoolExecutor of `workers` threads"
    params = (WORKERS,)

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return thread_pool_size(work, int(params["workers"]))

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        size = self.parallelism(work, params)
        return {"pool_size": size, "concurrency_limit": size}

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        return PoolSession(new_thread_pool(self.parallelism(work, params)), work)


MODEL = Threads()
