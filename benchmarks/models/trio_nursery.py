"""trio: the scenario's trio coroutines in a nursery (``trio.sleep``, trio sockets, ...).

The scenario's concurrency limit becomes a ``trio.Semaphore``.  CPU units run
inline in trio's thread, as a coroutine that computes does; file I/O goes
through ``trio.to_thread`` (trio has no native file I/O either), whose default
limiter of 40 threads caps it (recorded as ``thread_limiter_size`` by the
``trio-to_thread`` model).  One ``trio.run`` serves every run of a measured
value (see :mod:`benchmarks.runtimes.structured`).  A scenario without a trio form
of its units is declined with that reason.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.structured import TaskGroups


class Trio(Model):
    name = "trio"
    summary = "trio coroutines in a nursery (trio.sleep, trio sockets; a trio.Semaphore for the limit)"
    capability = TaskGroups(lib="trio")


MODEL = Trio()
