"""A token bucket that reserves: the arithmetic as a pure function, and two homes for its state.

A caller takes a token under the bucket's lock (refill at ``rate`` up to
``burst``, then take one; the count may go negative: tokens promised to
callers already waiting) and learns when its token becomes valid; it then
waits outside the lock.  Callers are served in the order they reserve, and
nobody polls.  :func:`take` is a pure function of (state, now), so tests drive
it with a fake clock.  :func:`acquire` also records what each acquire cost its
caller beyond the wait the rate imposed (the lock, the arithmetic, waking up
late): the limiter's overhead.

:class:`LocalBucket` keeps the state in this process, behind a
``threading.Lock`` or, for coroutines of one event loop, none at all.
:class:`SharedBucket` keeps it in shared memory behind a multiprocessing lock,
for the processes of one pool.  ``time.monotonic`` is the clock:
CLOCK_MONOTONIC is system-wide on Linux, so processes agree on it.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing.context
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import NamedTuple, Protocol

CLOCK = time.monotonic
#: a process that died holding a shared bucket's lock fails the others instead of hanging them
LOCK_TIMEOUT_S = 30.0


class BucketState(NamedTuple):
    #: may be negative: tokens already promised to callers that are waiting for them
    tokens: float
    #: clock reading of the last refill
    stamp: float
    #: tokens handed out since the bucket was last filled: the next token's slot
    granted: int
    #: clock reading of the first reservation since then (NaN: none yet)
    first: float


def full_bucket(now: float, burst: int) -> BucketState:
    return BucketState(float(burst), now, 0, math.nan)


def take(state: BucketState, now: float, rate: float, burst: int) -> tuple[BucketState, float]:
    """Reserve one token at ``now``: the new state and the time the token is the caller's.

    By any time t at most ``burst + rate * (t - t0)`` tokens are valid (t0:
    when the bucket was last full), however the reservations are spread.
    ``rate`` may be infinite: the bucket never runs dry.
    """
    if math.isinf(rate):
        tokens = float(burst)
    else:
        tokens = min(float(burst), state.tokens + max(0.0, now - state.stamp) * rate)
    tokens -= 1.0
    ready = now if tokens >= 0.0 else now - tokens / rate
    first = now if state.granted == 0 else state.first
    return BucketState(tokens, max(now, state.stamp), state.granted + 1, first), ready


class Reservation(NamedTuple):
    slot: int
    #: clock reading under the lock, and when the token is valid (>= asked)
    asked: float
    ready: float


def wait_until(deadline: float, clock: Callable[[], float] = CLOCK,
               sleep: Callable[[float], object] = time.sleep) -> None:
    # a deadline, not a poll: sleep again only if woken early
    while (left := deadline - clock()) > 0:
        sleep(left)


class Bucket(Protocol):
    rate: float
    burst: int

    def fill(self, now: float) -> None:
        """Full again, as of ``now``; slots count from 0 and overheads from nothing again."""

    def state(self) -> BucketState: ...

    def reserve(self) -> Reservation: ...

    def record(self, overhead: float) -> None:
        """Add one acquire's overhead, seconds (called by the acquiring thread, no lock)."""

    def overheads(self) -> tuple[float, int]:
        """(sum, count) of the overheads recorded since the last fill."""


def acquire(bucket: Bucket, clock: Callable[[], float] = CLOCK,
            sleep: Callable[[float], object] = time.sleep) -> int:
    """Take a token, wait until it is valid; its slot."""
    start = clock()
    slot, asked, ready = bucket.reserve()
    wait_until(ready, clock, sleep)
    bucket.record(clock() - start - (ready - asked))
    return slot


async def aacquire(bucket: Bucket) -> int:
    """:func:`acquire` for a coroutine: the loop runs others while this one waits."""
    start = CLOCK()
    slot, asked, ready = bucket.reserve()
    # a deadline, not a poll: sleep again only if woken early (uvloop rounds a timer to
    # the nearest millisecond)
    while (left := ready - CLOCK()) > 0:  # noqa: ASYNC110
        await asyncio.sleep(left)
    bucket.record(CLOCK() - start - (ready - asked))
    return slot


class LocalBucket:
    """A bucket in this process: behind a ``threading.Lock``, or none for one thread (a loop)."""

    def __init__(self, rate: float, burst: int, *, locked: bool, clock: Callable[[], float] = CLOCK) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._lock: AbstractContextManager[object] = threading.Lock() if locked else nullcontext()
        self._state = full_bucket(clock(), burst)
        self._overheads: list[float] = []

    def fill(self, now: float) -> None:
        with self._lock:
            self._state = full_bucket(now, self.burst)
            self._overheads = []

    def state(self) -> BucketState:
        with self._lock:
            return self._state

    def reserve(self) -> Reservation:
        with self._lock:
            state = self._state
            now = self.clock()
            self._state, ready = take(state, now, self.rate, self.burst)
        return Reservation(state.granted, now, ready)

    def record(self, overhead: float) -> None:
        self._overheads.append(overhead)  # atomic: the GIL (or the loop's one thread)

    def overheads(self) -> tuple[float, int]:
        return sum(self._overheads), len(self._overheads)


class SharedBucket:
    """A bucket in shared memory behind a multiprocessing lock: one for a whole process pool.

    Create it with the pool's start-method context; it reaches a child only as
    the child starts (a pool initializer's argument), like any multiprocessing
    lock.  Each of at most ``children`` processes calls :meth:`attach` first,
    which gives it its own cells for overheads, so recording needs no lock.
    """

    def __init__(self, rate: float, burst: int, context: multiprocessing.context.BaseContext,
                 children: int) -> None:
        self.rate = rate
        self.burst = burst
        self._lock = context.Lock()
        # the fields of BucketState as doubles (``granted`` is exact up to 2**53)
        self._cells = context.RawArray("d", len(BucketState._fields))
        # per child: overhead sum and count; then how many children attached
        self._overhead_cells = context.RawArray("d", 2 * children + 1)
        self._children = children
        self._index: int | None = None
        self.fill(CLOCK())

    def attach(self) -> None:
        """In a child, before its first acquire: claim this process's overhead cells."""
        self._acquire()
        try:
            index = int(self._overhead_cells[-1])
            self._overhead_cells[-1] = index + 1
        finally:
            self._lock.release()
        if index >= self._children:
            raise RuntimeError(f"more than {self._children} processes share this token bucket")
        self._index = 2 * index

    def _acquire(self) -> None:
        if not self._lock.acquire(timeout=LOCK_TIMEOUT_S):
            raise TimeoutError(f"token bucket lock not acquired in {LOCK_TIMEOUT_S:g} s")

    def fill(self, now: float) -> None:
        self._acquire()
        try:
            self._cells[:] = list(full_bucket(now, self.burst))
            self._overhead_cells[:-1] = [0.0] * (2 * self._children)
        finally:
            self._lock.release()

    def state(self) -> BucketState:
        self._acquire()
        try:
            tokens, stamp, granted, first = self._cells
        finally:
            self._lock.release()
        return BucketState(tokens, stamp, int(granted), first)

    def reserve(self) -> Reservation:
        self._acquire()
        try:
            cells = self._cells
            state = BucketState(cells[0], cells[1], int(cells[2]), cells[3])
            now = CLOCK()
            new, ready = take(state, now, self.rate, self.burst)
            cells[:] = list(new)
        finally:
            self._lock.release()
        return Reservation(state.granted, now, ready)

    def record(self, overhead: float) -> None:
        index = self._index
        if index is None:
            raise RuntimeError("record() in a process that did not attach() to the bucket")
        cells = self._overhead_cells
        cells[index] += overhead
        cells[index + 1] += 1

    def overheads(self) -> tuple[float, int]:
        """Read in the parent while no child is acquiring (between runs)."""
        cells = self._overhead_cells[:-1]
        return sum(cells[0::2]), int(sum(cells[1::2]))
