"""The ``primitives`` scenario with trio's primitives between the tasks of a nursery.

The same workloads, results and metrics as :mod:`.on_asyncio`, in trio's
idiom: ``trio.Lock``, ``trio.Semaphore``, ``trio.Event``, memory channels
(``trio.open_memory_channel``, unbounded as asyncio's queues here) for the
acknowledgements and the ping-pong, ``trio.sleep(0)`` as the yield.  Two
differences trio imposes, both outside what is compared: trio has no Barrier,
so the start gate is a count and an Event (reset before every run); and a
``trio.Event`` cannot be cleared (by design), so "clearing" one of the two
events used in turn replaces it with a fresh Event, once every waiter has
acknowledged it and waits on the other.  Parties are tasks of a nursery
created by each run, the run is bounded by ``trio.fail_after``, and the one
``trio.run`` of the session lives in a thread of its own
(:class:`benchmarks.core.structured.TrioRunner`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

from benchmarks.core.structured import TrioRunner
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


async def lock_party(party: int, shape: Shape, kit: LockKit) -> int:
    import trio

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
            await trio.lowlevel.checkpoint()  # let the other parties run (and queue up on the lock)
            counter.value = value + 1
        seen += value
    return mix(party) + seen


async def semaphore_party(party: int, shape: Shape, kit: SemaphoreKit) -> int:
    import trio

    semaphore, holders = kit.semaphore, kit.holders
    await kit.start.wait()
    done = 0
    for step in range(shape.rounds):
        maybe_fail(party, step, shape.rounds)
        async with semaphore:
            now = holders[NOW] = holders[NOW] + 1  # one thread: no lock around the count
            if now > holders[PEAK]:
                holders[PEAK] = now
            if now > shape.limit:
                holders[OVER] += 1
            await trio.lowlevel.checkpoint()  # hold the permit while the others run
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
        event = events[cycle % 2]
        set_at = time.perf_counter()
        event.set()
        wakes = []
        for _ in range(shape.parties):
            party, acked, woke = await acks.get()
            if acked != cycle:
                raise RuntimeError(f"party {party} acknowledged cycle {acked} during cycle {cycle}")
            wakes.append(woke)
        event.clear()  # every waiter now waits on the other event
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


PARTY_BODIES: dict[type[Kit], Callable[[int, Shape, Any], Coroutine[Any, Any, int]]] = {
    LockKit: lock_party,
    SemaphoreKit: semaphore_party,
    EventKit: event_waiter,
    PingPongKit: pingpong_partner,
}


class TrioPrimitiveSession(PrimitiveSession):
    def __init__(self, shape: Shape) -> None:
        super().__init__(shape)
        self.kit = trio_kit(shape)
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
        body = PARTY_BODIES[type(kit)]
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
