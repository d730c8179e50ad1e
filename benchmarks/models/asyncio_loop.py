"""asyncio: the scenario's coroutines on the default event loop.

Variants (parameter ``api``): ``asyncio.gather``, ``asyncio.TaskGroup`` (3.11+)
and ``asyncio.as_completed``; the scenario's concurrency limit becomes an
``asyncio.Semaphore``.  CPU scenarios run inline in the loop's thread.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.aio import APIS
from benchmarks.runtimes.loops import ASYNCIO, EventLoop


class AsyncioModel(Model):
    name = "asyncio"
    summary = "coroutines on the default asyncio loop (gather / TaskGroup / as_completed)"
    # every variant is benchmarked by default: they are what users choose between
    capability = EventLoop(ASYNCIO, apis=tuple(APIS))


MODEL = AsyncioModel()
