"""threads: a ThreadPoolExecutor of ``workers`` threads runs the units.

``workers=0`` (auto) sizes the pool to the CPU count for CPU scenarios and to
the scenario's concurrency (N when unbounded) for I/O scenarios, so the pool
size is the concurrency limit.  The pool is created and all its threads are
started before timing.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.pools import ThreadPool


class Threads(Model):
    name = "threads"
    summary = "ThreadPoolExecutor of `workers` threads"
    capability = ThreadPool()


MODEL = Threads()
