"""The ``primitives`` scenario with trio's primitives between the tasks of a nursery.

The same workloads, results and metrics as :mod:`.on_asyncio`, with the same
party bodies (:mod:`.parties`), in trio's idiom: ``trio.Lock``, ``trio.Semaphore``,
``trio.Event``, memory channels (``trio.open_memory_channel``, unbounded as asyncio's queues here) for the
acknowledgements and the ping-pong, ``trio.sleep(0)`` as the yield.  Two
differences trio imposes, both outside what is compared: trio has no Barrier,
so the start gate is a count and an Event (reset before every run); and a
``trio.Event`` cannot be cleared (by design), so "clearing" one of the two
events used in turn replaces it with a fresh Event, once every waiter has
acknowledged it and waits on the other.  Parties are tasks of a nursery
created by each run, the run is bounded by ``trio.fail_after``, and the one
``trio.run`` of the session lives in a thread of its own
(:class:`benchmarks.runtimes.structured.TrioRunner`).
"""

from __future__ import annotations

import math
from typing import Any

from benchmarks.runtimes.structured import TrioRunner
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


class Gate:
    """A start gate for ``parties`` tasks: the last to arrive lets everyone through."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self.reset()

    def reset(self) -> None:
        import trio

        self.arrived = 0
        self.open = trio.Event()

    async def wait(self) -> None:
        self.arrived += 1
        if self.arrived == self.parties:
            self.open.set()
        else:
            await self.open.wait()


class ClearableEvent:
    """A trio.Event that can be "cleared": cleared, it is a fresh Event."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        import trio

        self.event = trio.Event()

    def set(self) -> None:
        self.event.set()

    async def wait(self) -> None:
        await self.event.wait()


class Channel:
    """Both ends of an unbounded memory channel, used as asyncio's queues are here."""

    def __init__(self) -> None:
        import trio

        self.send, self.receive = trio.open_memory_channel[Any](math.inf)

    def put_nowait(self, item: Any) -> None:
        self.send.send_nowait(item)

    async def get(self) -> Any:
        return await self.receive.receive()


def trio_kit(shape: Shape) -> Kit:
    import trio

    if shape.primitive == "lock":
        return LockKit(start=Gate(shape.parties), lock=trio.Lock(), counter=Box(), holder=Box(),
                       handovers=Box())
    if shape.primitive == "semaphore":
        return SemaphoreKit(start=Gate(shape.parties), semaphore=trio.Semaphore(shape.limit),
                            holders=[0, 0, 0])
    if shape.primitive == "event":
        return EventKit(events=(ClearableEvent(), ClearableEvent()), acks=Channel())
    return PingPongKit(ping=Channel(), pong=Channel())





class TrioPrimitiveSession(PrimitiveSession):
    def __init__(self, shape: Shape) -> None:
        super().__init__(shape)
        import trio

        self.kit = trio_kit(shape)
        self._bodies = party_bodies(trio.sleep)
        self._runner = TrioRunner()

    def _run(self) -> list[int]:
        return self._runner.call(self._bounded)

    async def _bounded(self) -> list[int]:
        import trio

        with trio.fail_after(TIMEOUT_S):
            return await self._main()

    async def _main(self) -> list[int]:
        import trio

        shape, kit = self.shape, self.kit
        reset(kit)
        if isinstance(kit, LockKit | SemaphoreKit):
            kit.start.reset()
        for event in kit.events if isinstance(kit, EventKit) else ():
            event.clear()
        body = self._bodies[type(kit)]
        answers = [0] * shape.workers

        async def party(p: int) -> None:
            answers[p] = await body(p, shape, kit)

        own: list[int] = []
        async with trio.open_nursery() as nursery:  # a failing party cancels the others
            for p in range(shape.workers):
                nursery.start_soon(party, p)
            if isinstance(kit, EventKit):
                own = [await event_setter(shape, kit, self.measured)]
            elif isinstance(kit, PingPongKit):
                own = await pingpong_caller(shape, kit)
        self.measured.finish(kit)
        return results(kit, answers, own)

    def close(self) -> None:
        self._runner.close()
