"""concbench: which Python concurrency model is fastest for *your* workload?

In a file of yours::

    import time
    import concbench

    sleepy = concbench.workload(units=200, concurrency=50)

    @sleepy.unit
    def wait(i):
        time.sleep(0.001)
        return i * i

then ``concbench ask sleepy.py --model threads --model sequential``.  This
package's top level imports nothing heavy: a user's file imports it in every
worker process, pool child and subinterpreter that runs its units.
"""

from concbench._workload import Workload, WorkloadError, workload

__all__ = ["Workload", "WorkloadError", "workload"]
