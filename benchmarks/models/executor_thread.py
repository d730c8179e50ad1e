"""executor-thread: ``loop.run_in_executor`` with an explicit ThreadPoolExecutor.

Like ``to_thread`` but the pool size is yours (``workers``, auto-sized as the
``threads`` model does), so it is not capped by the default executor.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.loops import LoopExecutor
from benchmarks.runtimes.pools import ThreadPool


class ExecutorThread(Model):
    name = "executor-thread"
    summary = "loop.run_in_executor on a ThreadPoolExecutor of `workers` threads"
    capability = LoopExecutor(executor=ThreadPool())


MODEL = ExecutorThread()
