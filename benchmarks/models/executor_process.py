"""executor-process: ``loop.run_in_executor`` with an explicit ProcessPoolExecutor.

Pool size and start method as in the ``processes`` model; one unit per
pickled task (run_in_executor has no chunking).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import ExitStack

from benchmarks.core.aio import AsyncModel, Unit, bind_unit
from benchmarks.core.params import WORKERS, Value
from benchmarks.core.pools import START_METHOD, process_pool_size
from benchmarks.core.work import Work
from benchmarks.models.processes import open_process_pool, process_metadata


class ExecutorProcess(AsyncModel):
    name = "executor-process"
    summary = "loop.run_in_executor on a ProcessPoolExecutor of `workers` processes"
    params = (*AsyncModel.params, WORKERS, START_METHOD)

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return process_pool_size(work, int(params["workers"]))

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {**super().metadata(work, params), **process_metadata(work, params)}

    def unit(self, work: Work, params: Mapping[str, Value], loop: asyncio.AbstractEventLoop,
             resources: ExitStack) -> Unit:
        pool = open_process_pool(work, params)
        resources.callback(pool.shutdown, wait=True, cancel_futures=True)
        return bind_unit(loop.run_in_executor, pool, work.call)


MODEL = ExecutorProcess()
