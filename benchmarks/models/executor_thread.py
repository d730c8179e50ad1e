"""executor-thread: ``loop.run_in_executor`` with an explicit ThreadPoolExecutor.

Like ``to_thread`` but the pool size is yours (``workers``, auto-sized as the
``threads`` model does), so it is not capped by the default executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import ExitStack

from benchmarks.core.aio import AsyncModel, Unit, bind_unit
from benchmarks.core.params import WORKERS, Value
from benchmarks.core.pools import new_thread_pool, thread_pool_size
from benchmarks.core.work import Work


class ExecutorThread(AsyncModel):
    name = "executor-thread"
    summary = "loop.run_in_executor on a ThreadPoolExecutor of `workers` threads"
    params = (*AsyncModel.params, WORKERS)

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return thread_pool_size(work, int(params["workers"]))

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        size = self.parallelism(work, params)
        return {**super().metadata(work, params), "pool_size": size,
                "concurrency_limit": min(work.limit or work.n, size)}

    def unit(self, work: Work, params: Mapping[str, Value], loop: asyncio.AbstractEventLoop,
             resources: ExitStack) -> Unit:
        pool = new_thread_pool(self.parallelism(work, params))
        resources.callback(pool.shutdown, wait=True, cancel_futures=True)
        return bind_unit(loop.run_in_executor, pool, work.call)


MODEL = ExecutorThread()
