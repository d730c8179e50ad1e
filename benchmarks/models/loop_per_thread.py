"""loop-per-thread: ``workers`` threads, each running its own asyncio loop; units round-robin.

The asyncio model's coroutines, spread over several loops instead of one: unit i on loop
``i % loops``, each loop in a thread of its own, all started before timing (see
:mod:`benchmarks.runtimes.loopthreads`).  ``workers=0`` is one loop per CPU.  On a GIL build
only one loop runs Python at a time, so CPU units gain nothing and the threads' hand-offs cost;
on a free-threaded build the loops run in parallel.  Fair against ``asyncio``: the same
coroutines, the same fan-out (gather) on each loop, the same concurrency limit in all.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.loopthreads import LoopThreads


class LoopPerThread(Model):
    name = "loop-per-thread"
    summary = "`workers` threads, each running its own asyncio loop; units spread round-robin over them"
    capability = LoopThreads()


MODEL = LoopPerThread()
