"""The parties of ``primitives`` on one event loop's tasks: the same bodies for asyncio and trio.

The kits of :mod:`.on_asyncio` and :mod:`.on_trio` answer the same calls (a
start gate's ``wait``, ``async with`` a lock or semaphore, an event's ``wait``,
``set`` and ``clear``, a queue's ``put_nowait`` and ``get``), so the bodies are
written once; the one thing that differs is the library's yield, its
``sleep(0)`` (``asyncio.sleep`` or ``trio.sleep``, each a check and then the
library's own checkpoint), given to :func:`party_bodies`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from benchmarks.core.work import mix
from benchmarks.scenarios.primitives.common import (
    NOW,
    OVER,
    PEAK,
    EventKit,
    Kit,
    LockKit,
    Measurements,
    PingPongKit,
    SemaphoreKit,
    Shape,
    maybe_fail,
)

#: A party's body: (party, shape, kit of the key's type) -> its answer.
Body = Callable[[int, Shape, Any], Coroutine[Any, Any, int]]


def party_bodies(sleep: Callable[[float], Awaitable[None]]) -> dict[type[Kit], Body]:
    """Each kit's party body, yielding with ``sleep(0)`` where a party lets the others run."""

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
                await sleep(0)  # let the other parties run (and queue up on the lock)
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
                await sleep(0)  # hold the permit while the others run
                holders[NOW] -= 1
            done += 1
        return mix(party) + done

    return {LockKit: lock_party, SemaphoreKit: semaphore_party, EventKit: event_waiter,
            PingPongKit: pingpong_partner}


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
