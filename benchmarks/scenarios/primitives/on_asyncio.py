"""The ``primitives`` scenario on an event loop (asyncio or uvloop: only the factory differs).

Parties are tasks of one ``asyncio.TaskGroup`` created by each run (creating
them is timed, as handing work to long-lived threads or processes is for the
other models); the caller of ``run`` is the event setter and the ping-pong
caller.  The primitives are created with the session, before timing, and are
reused by every run.  A party that raises cancels the others (TaskGroup) and
the whole run is bounded by ``asyncio.timeout``.
"""

from __future__ import annotations

import asyncio

from benchmarks.runtimes.aio import LoopFactory, close_loop
from benchmarks.scenarios.primitives.common import (
    TIMEOUT_S,
    Box,
    EventKit,
    Kit,
    LockKit,
    PingPongKit,
    PrimitiveSession,
    SemaphoreKit,
    Shape,
    reset,
    results,
)
from benchmarks.scenarios.primitives.parties import event_setter, party_bodies, pingpong_caller


def async_kit(shape: Shape) -> Kit:
    """The kit of the shape's workload, of asyncio's primitives."""
    # Python 3.10+: asyncio's primitives bind to the running loop on first use, not when created.
    if shape.primitive == "lock":
        return LockKit(start=asyncio.Barrier(shape.parties), lock=asyncio.Lock(),
                       counter=Box(), holder=Box(), handovers=Box())
    if shape.primitive == "semaphore":
        return SemaphoreKit(start=asyncio.Barrier(shape.parties), semaphore=asyncio.Semaphore(shape.limit),
                            holders=[0, 0, 0])
    if shape.primitive == "event":
        return EventKit(events=(asyncio.Event(), asyncio.Event()), acks=asyncio.Queue())
    return PingPongKit(ping=asyncio.Queue(), pong=asyncio.Queue())


#: Each kit's party body (the kit argument is of the key's type).
PARTY_BODIES = party_bodies(asyncio.sleep)


class AsyncPrimitiveSession(PrimitiveSession):
    def __init__(self, shape: Shape, kit: Kit, loop_factory: LoopFactory) -> None:
        super().__init__(shape)
        self.kit = kit
        self._loop = loop_factory()

    def _run(self) -> list[int]:
        return self._loop.run_until_complete(self._bounded())

    async def _bounded(self) -> list[int]:
        async with asyncio.timeout(TIMEOUT_S):
            return await self._main()

    async def _main(self) -> list[int]:
        shape, kit = self.shape, self.kit
        reset(kit)
        body = PARTY_BODIES[type(kit)]
        own: list[int] = []
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(body(p, shape, kit)) for p in range(shape.workers)]
            if isinstance(kit, EventKit):
                own = [await event_setter(shape, kit, self.measured)]
            elif isinstance(kit, PingPongKit):
                own = await pingpong_caller(shape, kit)
        self.measured.finish(kit)
        return results(kit, [task.result() for task in tasks], own)

    def close(self) -> None:
        close_loop(self._loop)


def async_session(shape: Shape, loop_factory: LoopFactory) -> AsyncPrimitiveSession:
    return AsyncPrimitiveSession(shape, async_kit(shape), loop_factory)
