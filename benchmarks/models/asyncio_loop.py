"""asyncio: the scenario's coroutines on the default event loop.

Variants (parameter ``api``): ``asyncio.gather``, ``asyncio.TaskGroup`` (3.11+)
and ``asyncio.as_completed``; the scenario's concurrency limit becomes an
``asyncio.Semaphore``.  CPU scenarios run inline in the loop's thread.
"""

from __future__ import annotations

from dataclasses import replace

from benchmarks.core.aio import API, AsyncModel


class AsyncioModel(AsyncModel):
    name = "asyncio"
    summary = "coroutines on the default asyncio loop (gather / TaskGroup / as_completed)"
    # every variant is benchmarked by default: they are what users choose between
    params = (replace(API, default=tuple(API.choices or ())),)


MODEL = AsyncioModel()
