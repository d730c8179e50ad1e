"""trio-to_thread: each blocking unit through ``trio.to_thread.run_sync``, tasks of a nursery.

trio's default ``CapacityLimiter`` lets 40 threads run at once (asyncio's
default executor: ``min(32, cpus + 4)``, 6 here): that cap, recorded as
``thread_limiter_size``, limits how many blocking units overlap.  trio keeps
idle threads in a process-wide cache for 10 s; all 40 are started before timing.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.structured import TaskGroups


class TrioToThread(Model):
    name = "trio-to_thread"
    summary = "trio.to_thread.run_sync in a nursery (default limiter: 40 threads)"
    capability = TaskGroups(lib="trio", offload="to_thread")


MODEL = TrioToThread()
