"""anyio: the scenario's anyio coroutines in a task group, on asyncio or on trio (``backend``).

``anyio.sleep``, anyio sockets, an ``anyio.Semaphore`` for the scenario's
limit; CPU units inline in the loop's thread.  The backend is swept by default
where units wait (the I/O scenarios) and is asyncio alone where they compute or
block (``gather_only``): there the backend only runs the fan-out.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.structured import TaskGroups


class Anyio(Model):
    name = "anyio"
    summary = "anyio coroutines in a task group, backend asyncio or trio"
    capability = TaskGroups(lib="anyio")


MODEL = Anyio()
