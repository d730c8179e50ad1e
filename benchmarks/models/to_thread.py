"""to_thread: each unit's blocking form goes through ``asyncio.to_thread``.

``to_thread`` uses the loop's default executor, whose size asyncio does not
let you choose: ``min(32, os.cpu_count() + 4)`` threads (6 on a 2-core
machine), recorded as ``default_executor_size``.  That cap, not the
scenario's concurrency, limits how many blocking units overlap.  The default
executor belongs to the loop, and a fresh loop is made for every measured
value, so its threads are started before timing (otherwise every value would
pay thread start-up).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import ExitStack

from benchmarks.core.aio import AsyncModel, Unit, bind_unit
from benchmarks.core.params import Value
from benchmarks.core.pools import default_executor_size, start_default_executor
from benchmarks.core.work import Work


class ToThread(AsyncModel):
    name = "to_thread"
    summary = "asyncio.to_thread on the loop's default executor (fixed size)"

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return default_executor_size()

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        size = default_executor_size()
        return {
            **super().metadata(work, params),
            "default_executor_size": size,
            "concurrency_limit": min(work.limit or work.n, size),
        }

    def unit(self, work: Work, params: Mapping[str, Value], loop: asyncio.AbstractEventLoop,
             resources: ExitStack) -> Unit:
        size = default_executor_size()
        # Start all of the default executor's threads: submit ``size`` tasks that
        # wait for one another, from inside the loop so it owns the executor.
        loop.run_until_complete(start_default_executor(loop, size))
        return bind_unit(asyncio.to_thread, work.call)


MODEL = ToThread()
