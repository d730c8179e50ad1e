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
import time
from collections.abc import Callable, Coroutine
from typing import Any

from benchmarks.core.aio import LoopFactory, close_loop
from benchmarks.core.work import mix
from benchmarks.scenarios.primitives.common import (
    NOW,
    OVER,
    PEAK,
    TIMEOUT_S,
    Box,
    EventKit,
    Kit,
    LockKit,
    Measurements,
    PingPongKit,
    PrimitiveSession,
    SemaphoreKit,
    Shape,
    maybe_fail,
    reset,
    results,
)


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


async def lock_party(party: int, shape: Shape, kit: LockKit) -> int:
    lock, counter, holder, handovers = kit.lock, kit.counter, kit.holder, kit.handovers
    await kit.start.wait()
    seen = 0
    for step in range(shape.rounds):
        maybe_fail(party, step, shape.rounds)
        async with lock:
            value = counter.value
            if holder.value != party:
                holder.value = party
                handovers.value += 1
            await asyncio.sleep(0)  # let the other parties run (and queue up on the lock)
            counter.value = value + 1
        seen += value
    return mix(party) + seen


async def semaphore_party(party: int, shape: Shape, kit: SemaphoreKit) -> int:
    semaphore, holders = kit.semaphore, kit.holders
    await kit.start.wait()
    done = 0
    for step in range(shape.rounds):
        maybe_fail(party, step, shape.rounds)
        async with semaphore:
            # one thread: no lock needed around the holder count
            now = holders[NOW] = holders[NOW] + 1
            if now > holders[PEAK]:
                holders[PEAK] = now
            if now > shape.limit:
                holders[OVER] += 1
            await asyncio.sleep(0)  # hold the permit while the others run
            holders[NOW] -= 1
        done += 1
    return mix(party) + done


async def event_waiter(party: int, shape: Shape, kit: EventKit) -> int:
    events, acks = kit.events, kit.acks
    acks.put_nowait((party, -1, 0.0))  # ready
    total = 0
    for cycle in range(shape.rounds):
        maybe_fail(party, cycle, shape.rounds)
        await events[cycle % 2].wait()
        acks.put_nowait((party, cycle, time.perf_counter()))
        total += cycle + 1
    return mix(party) + total


async def event_setter(shape: Shape, kit: EventKit, measured: Measurements) -> int:
    events, acks = kit.events, kit.acks
    for _ in range(shape.parties):
        await acks.get()  # every waiter is ready
    for cycle in range(shape.rounds):
        # Two events used in turn: clearing this one after every waiter acknowledged it is
        # safe, since they now wait on the other one.
        event = events[cycle % 2]
        set_at = time.perf_counter()
        event.set()
        wakes = []
        for _ in range(shape.parties):
            party, acked, woke = await acks.get()
            if acked != cycle:
                raise RuntimeError(f"party {party} acknowledged cycle {acked} during cycle {cycle}")
            wakes.append(woke)
        event.clear()
        measured.wake(set_at, wakes)
    return shape.parties * shape.rounds


async def pingpong_partner(party: int, shape: Shape, kit: PingPongKit) -> int:
    ping, pong = kit.ping, kit.pong
    for step in range(shape.rounds):
        maybe_fail(party, step, shape.rounds)
        token = await ping.get()
        pong.put_nowait(mix(token))
    return shape.rounds


async def pingpong_caller(shape: Shape, kit: PingPongKit) -> list[int]:
    ping, pong = kit.ping, kit.pong
    replies = []
    for token in range(shape.rounds):
        ping.put_nowait(token)
        replies.append(await pong.get())
    return replies


#: Each kit's party body (the kit argument is of the key's type).
PARTY_BODIES: dict[type[Kit], Callable[[int, Shape, Any], Coroutine[Any, Any, int]]] = {
    LockKit: lock_party,
    SemaphoreKit: semaphore_party,
    EventKit: event_waiter,
    PingPongKit: pingpong_partner,
}


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
