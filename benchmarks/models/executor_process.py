"""executor-process: ``loop.run_in_executor`` with an explicit ProcessPoolExecutor.

Pool size and start method as in the ``processes`` model; one unit per
pickled task (run_in_executor has no chunking).
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.loops import LoopExecutor
from benchmarks.runtimes.pools import ProcessPool


class ExecutorProcess(Model):
    name = "executor-process"
    summary = "loop.run_in_executor on a ProcessPoolExecutor of `workers` processes"
    capability = LoopExecutor(executor=ProcessPool())


MODEL = ExecutorProcess()
