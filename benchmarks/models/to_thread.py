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

from benchmarks.core.contract import Model
from benchmarks.runtimes.loops import DefaultExecutor, LoopExecutor


class ToThread(Model):
    name = "to_thread"
    summary = "asyncio.to_thread on the loop's default executor (fixed size)"
    capability = LoopExecutor(executor=DefaultExecutor())


MODEL = ToThread()
