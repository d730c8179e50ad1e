"""anyio-to_thread: each blocking unit through ``anyio.to_thread.run_sync``, on asyncio or trio.

anyio's default thread limiter is ``CapacityLimiter(40)`` on both backends
(recorded as ``thread_limiter_size``); all 40 threads are started before timing.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.structured import TaskGroups


class AnyioToThread(Model):
    name = "anyio-to_thread"
    summary = "anyio.to_thread.run_sync in a task group (default limiter: 40 threads)"
    capability = TaskGroups(lib="anyio", offload="to_thread")


MODEL = AnyioToThread()
