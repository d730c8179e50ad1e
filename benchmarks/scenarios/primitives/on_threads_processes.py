"""The ``primitives`` scenario with threading's and with multiprocessing's primitives.

The same party functions run in both models, each on the kit of its workload
(:class:`~.common.LockKit`, ...) of duck-typed objects: ``threading.Lock`` /
``Semaphore`` / ``Event``, ``queue.Queue`` and plain Python objects for threads;
``multiprocessing``'s Lock / Semaphore / Event / Queue and shared ``Value`` /
``Array`` from the model's start-method context for processes.  Parties are
long-lived: the threads of a pre-started pool, or processes started (and checked
ready) with the session; each run hands every party its work (``submit`` / one
message on its pipe) and collects its answer, both timed.  The caller of ``run``
is the event setter and the ping-pong caller.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future
from concurrent.futures import wait as wait_futures
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from benchmarks.core.work import mix
from benchmarks.runtimes.startup import close_queue, new_thread_pool, pool_child_init
from benchmarks.scenarios.primitives.common import (
    NOW,
    OVER,
    PEAK,
    POLL_S,
    START_TIMEOUT_S,
    TIMEOUT_S,
    Aborted,
    Box,
    EventKit,
    Kit,
    LockKit,
    Measurements,
    PartyFailed,
    PingPongKit,
    PrimitiveSession,
    SemaphoreKit,
    Shape,
    maybe_fail,
    reset,
    results,
)

#: The yield inside critical sections, like ``await asyncio.sleep(0)`` for tasks: it gives up
#: the CPU (and, for a thread, the GIL: CPython releases it around the call) so that the
#: holder is descheduled while holding and the others really contend.  Not ``time.sleep(0)``:
#: on Linux that is a timed sleep rounded up by the timer slack (50 us by default), and the
#: benchmark would measure the sleep.  Processes need it too: without it a party re-takes the
#: lock it just released before any sleeping waiter wakes, and parties hardly overlap.
yield_cpu: Callable[[], None] = getattr(os, "sched_yield", lambda: time.sleep(0))
#: How long close() lets a party process finish before terminating it.
JOIN_TIMEOUT_S = 5.0


def thread_kit(shape: Shape) -> Kit:
    """The kit of the shape's workload, of threading's primitives."""
    if shape.primitive == "lock":
        return LockKit(start=threading.Barrier(shape.parties), lock=threading.Lock(),
                       counter=Box(), holder=Box(), handovers=Box())
    if shape.primitive == "semaphore":
        return SemaphoreKit(start=threading.Barrier(shape.parties),
                            semaphore=threading.Semaphore(shape.limit),
                            guard=threading.Lock(), holders=[0, 0, 0])
    if shape.primitive == "event":
        return EventKit(events=(threading.Event(), threading.Event()), acks=queue.Queue())
    return PingPongKit(ping=queue.Queue(), pong=queue.Queue())


def process_kit(shape: Shape, context: BaseContext) -> Kit:
    """The kit of the shape's workload, of multiprocessing's primitives from ``context``."""
    # lock=False: the shared integers are guarded by the scenario's own locks (or have one writer)
    if shape.primitive == "lock":
        start, lock = context.Barrier(shape.parties), context.Lock()
        counter, holder, handovers = (context.Value("q", 0, lock=False) for _ in range(3))
        return LockKit(start, lock, counter, holder, handovers)
    if shape.primitive == "semaphore":
        return SemaphoreKit(start=context.Barrier(shape.parties), semaphore=context.Semaphore(shape.limit),
                            guard=context.Lock(), holders=context.Array("q", 3, lock=False))
    if shape.primitive == "event":
        return EventKit(events=(context.Event(), context.Event()), acks=context.Queue())
    return PingPongKit(ping=context.Queue(), pong=context.Queue())


def _acquire(lock: Any, what: str) -> None:
    if not lock.acquire(timeout=TIMEOUT_S):
        raise TimeoutError(f"{what} not acquired in {TIMEOUT_S:g} s")


def lock_party(party: int, shape: Shape, kit: LockKit) -> int:
    lock, counter, holder, handovers = kit.lock, kit.counter, kit.holder, kit.handovers
    kit.start.wait(TIMEOUT_S)
    seen = 0
    for step in range(shape.rounds):
        maybe_fail(party, step, shape.rounds)
        _acquire(lock, "lock")
        try:
            value = counter.value
            if holder.value != party:
                holder.value = party
                handovers.value += 1
            yield_cpu()  # let the other parties run (and queue up on the lock)
            counter.value = value + 1
        finally:
            lock.release()
        seen += value
    return mix(party) + seen


def semaphore_party(party: int, shape: Shape, kit: SemaphoreKit) -> int:
    semaphore, guard, holders = kit.semaphore, kit.guard, kit.holders
    kit.start.wait(TIMEOUT_S)
    done = 0
    for step in range(shape.rounds):
        maybe_fail(party, step, shape.rounds)
        _acquire(semaphore, "semaphore")
        try:
            _acquire(guard, "holder count lock")
            now = holders[NOW] = holders[NOW] + 1
            if now > holders[PEAK]:
                holders[PEAK] = now
            if now > shape.limit:
                holders[OVER] += 1
            guard.release()
            yield_cpu()  # hold the permit while the others run
            _acquire(guard, "holder count lock")
            holders[NOW] -= 1
            guard.release()
        finally:
            semaphore.release()
        done += 1
    return mix(party) + done


def event_waiter(party: int, shape: Shape, kit: EventKit) -> int:
    events, acks, stop = kit.events, kit.acks, kit.stop
    acks.put((party, -1, 0.0))  # ready
    total = 0
    for cycle in range(shape.rounds):
        maybe_fail(party, cycle, shape.rounds)
        if not events[cycle % 2].wait(TIMEOUT_S):
            raise TimeoutError(f"cycle {cycle}: the event was not set in {TIMEOUT_S:g} s")
        woke = time.perf_counter()
        if stop.value:
            raise Aborted("the run failed elsewhere")
        acks.put((party, cycle, woke))
        total += cycle + 1
    return mix(party) + total


def pingpong_partner(party: int, shape: Shape, kit: PingPongKit) -> int:
    ping, pong = kit.ping, kit.pong
    for step in range(shape.rounds):
        maybe_fail(party, step, shape.rounds)
        token = ping.get(timeout=TIMEOUT_S)
        if token is None:
            raise Aborted("the run failed elsewhere")
        pong.put(mix(token))
    return shape.rounds


#: Each kit's party body (the kit argument is of the key's type).
PARTY_BODIES: dict[type[Kit], Callable[[int, Shape, Any], int]] = {
    LockKit: lock_party,
    SemaphoreKit: semaphore_party,
    EventKit: event_waiter,
    PingPongKit: pingpong_partner,
}


class Parties(Protocol):
    def start(self) -> None:
        """Hand every party its work for one run."""

    def check(self) -> None:
        """Raise PartyFailed if a party has failed or died (without waiting)."""

    def results(self) -> list[int]:
        """Every party's answer, in party order, once all have finished."""

    def abort(self) -> None:
        """After a failed run: make the parties stop waiting, so that close() is quick."""

    def close(self) -> None: ...


def _get(channel: Any, parties: Parties) -> Any:
    """``channel.get()``, failing as soon as a party fails rather than after the timeout."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            return channel.get(timeout=POLL_S)
        except queue.Empty:  # multiprocessing's Queue raises it too
            parties.check()
            if time.monotonic() > deadline:
                raise PartyFailed(f"no party answered in {TIMEOUT_S:g} s") from None


def event_setter(shape: Shape, kit: EventKit, parties: Parties, measured: Measurements) -> int:
    events, acks = kit.events, kit.acks
    for _ in range(shape.parties):
        _get(acks, parties)  # every waiter is ready
    for cycle in range(shape.rounds):
        # Two events used in turn: clearing this one after every waiter acknowledged it is
        # safe, since they now wait on the other one.
        event = events[cycle % 2]
        set_at = time.perf_counter()
        event.set()
        wakes = []
        for _ in range(shape.parties):
            party, acked, woke = _get(acks, parties)
            if acked != cycle:
                raise PartyFailed(f"party {party} acknowledged cycle {acked} during cycle {cycle}")
            wakes.append(woke)
        event.clear()
        measured.wake(set_at, wakes)
    return shape.parties * shape.rounds


def pingpong_caller(shape: Shape, kit: PingPongKit, parties: Parties) -> list[int]:
    ping, pong = kit.ping, kit.pong
    replies = []
    for token in range(shape.rounds):
        ping.put(token)
        replies.append(_get(pong, parties))
    return replies


def run_caller(shape: Shape, kit: Kit, parties: Parties, measured: Measurements) -> list[int]:
    """One run: reset the shared state, start the parties, play the caller's part, collect."""
    reset(kit)
    parties.start()
    own: list[int] = []
    if isinstance(kit, EventKit):
        own = [event_setter(shape, kit, parties, measured)]
    elif isinstance(kit, PingPongKit):
        own = pingpong_caller(shape, kit, parties)
    answers = parties.results()
    measured.finish(kit)
    return results(kit, answers, own)


class ThreadParties:
    """The parties are the threads of a pool started (all of them) before timing."""

    def __init__(self, shape: Shape, kit: Kit) -> None:
        self._shape = shape
        self._kit = kit
        self._pool = new_thread_pool(shape.workers)
        self._futures: list[Future[int]] = []

    def start(self) -> None:
        body = PARTY_BODIES[type(self._kit)]
        self._futures = [self._pool.submit(body, p, self._shape, self._kit)
                         for p in range(self._shape.workers)]

    def check(self) -> None:
        for party, future in enumerate(self._futures):
            if future.done() and future.exception() is not None:
                raise PartyFailed(f"party {party} failed: {future.exception()}") from future.exception()

    def results(self) -> list[int]:
        _, pending = wait_futures(self._futures, timeout=TIMEOUT_S, return_when=FIRST_EXCEPTION)
        self.check()
        if pending:
            raise PartyFailed(f"{len(pending)} part(y/ies) did not finish in {TIMEOUT_S:g} s")
        return [future.result() for future in self._futures]

    def abort(self) -> None:
        kit = self._kit
        if isinstance(kit, LockKit | SemaphoreKit):
            kit.start.abort()  # parties still waiting to start get BrokenBarrierError
        elif isinstance(kit, EventKit):
            kit.stop.value = 1
            for event in kit.events:
                event.set()
        else:
            kit.ping.put(None)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def party_process(party: int, shape: Shape, kit: Kit, conn: Connection) -> None:
    """A party process: one run per message received, until told to stop."""
    pool_child_init()
    body = PARTY_BODIES[type(kit)]
    conn.send(("ready", party))
    while True:
        try:
            command = conn.recv()  # idle between runs: close() or the parent's death ends it
        except EOFError:
            return
        if command is None:
            return
        try:
            answer: tuple[str, object] = ("ok", body(party, shape, kit))
        except Exception as exc:
            answer = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(answer)


class ProcessParties:
    """The parties are processes started, and heard from, before timing."""

    # ``context``: get_context(name)'s type (a BaseContext) does not declare Process
    def __init__(self, shape: Shape, kit: Kit, context: Any) -> None:
        self._conns: list[Connection] = []
        self._procs: list[BaseProcess] = []
        self._answers: dict[int, int] = {}
        self._aborted = False
        try:
            for party in range(shape.workers):
                ours, theirs = context.Pipe()
                self._conns.append(ours)
                proc = context.Process(target=party_process, args=(party, shape, kit, theirs),
                                       name=f"concbench-primitives-{party}", daemon=True)
                try:
                    proc.start()
                finally:
                    theirs.close()  # else a dead party's pipe would never reach EOF here
                self._procs.append(proc)
            for party in range(shape.workers):
                self._receive(party, START_TIMEOUT_S)
        except BaseException:
            self.close()
            raise

    @property
    def pids(self) -> list[int | None]:
        return [proc.pid for proc in self._procs]

    def _receive(self, party: int, timeout: float) -> Any:
        conn = self._conns[party]
        if not conn.poll(timeout):
            raise PartyFailed(f"party process {party} did not answer in {timeout:g} s")
        try:
            kind, value = conn.recv()
        except (EOFError, OSError):  # a duplex Pipe is a socket pair: a dead peer may reset it
            self._procs[party].join(1.0)
            raise PartyFailed(f"party process {party} died "
                              f"(exit code {self._procs[party].exitcode})") from None
        if kind == "error":
            raise PartyFailed(f"party {party} failed: {value}")
        return value

    def _collect(self, timeout: float) -> None:
        pending = {id(conn): party for party, conn in enumerate(self._conns) if party not in self._answers}
        ready = multiprocessing.connection.wait([self._conns[p] for p in pending.values()], timeout)
        for conn in ready:
            party = pending[id(conn)]
            self._answers[party] = self._receive(party, 0)

    def start(self) -> None:
        self._answers = {}
        for party, conn in enumerate(self._conns):
            try:
                conn.send(True)
            except OSError:
                self._receive(party, 0)  # reports the death (EOF) rather than the broken pipe
                raise

    def check(self) -> None:
        self._collect(0)

    def results(self) -> list[int]:
        deadline = time.monotonic() + TIMEOUT_S
        while len(self._answers) < len(self._conns):
            if time.monotonic() > deadline:
                raise PartyFailed(f"a party process did not finish in {TIMEOUT_S:g} s")
            self._collect(max(0.0, deadline - time.monotonic()))
        return [self._answers[party] for party in range(len(self._conns))]

    def abort(self) -> None:
        # Nothing to signal: a party that died may have left a lock of the shared primitives
        # (or of a Queue) held, and Event.set() waits, without a timeout, for every process
        # registered as waiting, dead ones included.  close() terminates the parties instead.
        self._aborted = True

    def close(self) -> None:
        for conn in self._conns:
            try:
                conn.send(None)
            except OSError:
                pass  # already gone
        deadline = time.monotonic() + (0 if self._aborted else JOIN_TIMEOUT_S)
        for proc in self._procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():  # stuck in a run that failed, or in exiting after one
                proc.terminate()
                proc.join(JOIN_TIMEOUT_S)
            if proc.is_alive():
                proc.kill()
                proc.join(JOIN_TIMEOUT_S)
            proc.close()
        for conn in self._conns:
            conn.close()


class SyncPrimitiveSession(PrimitiveSession):
    def __init__(self, shape: Shape, kit: Kit, parties: Parties) -> None:
        super().__init__(shape)
        self.kit = kit
        self.parties = parties

    def _run(self) -> list[int]:
        return run_caller(self.shape, self.kit, self.parties, self.measured)

    def _abort(self) -> None:
        self.parties.abort()

    def close(self) -> None:
        try:
            self.parties.close()
        finally:
            for channel in queues(self.kit):
                if hasattr(channel, "join_thread"):
                    close_queue(channel)


def queues(kit: Kit) -> tuple[Any, ...]:
    if isinstance(kit, EventKit):
        return (kit.acks,)
    if isinstance(kit, PingPongKit):
        return (kit.ping, kit.pong)
    return ()


def thread_session(shape: Shape) -> SyncPrimitiveSession:
    kit = thread_kit(shape)
    return SyncPrimitiveSession(shape, kit, ThreadParties(shape, kit))


def process_session(shape: Shape, start_method: str) -> SyncPrimitiveSession:
    context = multiprocessing.get_context(start_method)
    kit = process_kit(shape, context)
    return SyncPrimitiveSession(shape, kit, ProcessParties(shape, kit, context))
