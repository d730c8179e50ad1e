"""A token bucket that reserves: the arithmetic as a pure function, and two homes for its state.

A caller takes a token under the bucket's lock (refill at ``rate`` up to
``burst``, then take one; the count may go negative: tokens promised to
callers already waiting) and learns when its token becomes valid; it then
waits outside the lock.  Callers are served in the order they reserve, and
nobody polls.  :func:`take` is a pure function of (state, now), so tests drive
it with a fake clock.

:class:`LocalBucket` keeps the state in this process, behind a
``threading.Lock`` or, for coroutines of one event loop, none at all.
:class:`SharedBucket` keeps it in shared memory behind a multiprocessing lock,
for the processes of one pool.  ``time.monotonic`` is the clock:
CLOCK_MONOTONIC is system-wide on Linux, so processes agree on it.
"""

from __future__ import annotations

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


def wait_until(deadline: float, clock: Callable[[], float] = CLOCK,
               sleep: Callable[[float], object] = time.sleep) -> None:
    # a deadline, not a poll: sleep again only if woken early
    while (left := deadline - clock()) > 0:
        sleep(left)


class Bucket(Protocol):
    rate: float
    burst: int

    def fill(self, now: float) -> None:
        """Full again, as of ``now``; the slots count from 0 again."""

    def state(self) -> BucketState: ...

    def reserve(self) -> tuple[float, int]:
        """Take a token: (when it is valid, its slot)."""


class LocalBucket:
    """A bucket in this process: behind a ``threading.Lock``, or none for one thread (a loop)."""

    def __init__(self, rate: float, burst: int, *, locked: bool, clock: Callable[[], float] = CLOCK) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._lock: AbstractContextManager[object] = threading.Lock() if locked else nullcontext()
        self._state = full_bucket(clock(), burst)

    def fill(self, now: float) -> None:
        with self._lock:
            self._state = full_bucket(now, self.burst)

    def state(self) -> BucketState:
        with self._lock:
            return self._state

    def reserve(self) -> tuple[float, int]:
        with self._lock:
            state = self._state
            self._state, ready = take(state, self.clock(), self.rate, self.burst)
        return ready, state.granted


class SharedBucket:
    """A bucket in shared memory behind a multiprocessing lock: one for a whole process pool.

    Create it with the pool's start-method context; it reaches a child only as
    the child starts (a pool initializer's argument), like any multiprocessing lock.
    """

    def __init__(self, rate: float, burst: int, context: multiprocessing.context.BaseContext) -> None:
        self.rate = rate
        self.burst = burst
        self._lock = context.Lock()
        # the fields of BucketState as doubles (``granted`` is exact up to 2**53)
        self._cells = context.RawArray("d", len(BucketState._fields))
        self.fill(CLOCK())

    def _acquire(self) -> None:
        if not self._lock.acquire(timeout=LOCK_TIMEOUT_S):
            raise TimeoutError(f"token bucket lock not acquired in {LOCK_TIMEOUT_S:g} s")

    def fill(self, now: float) -> None:
        self._acquire()
        try:
            self._cells[:] = list(full_bucket(now, self.burst))
        finally:
            self._lock.release()

    def state(self) -> BucketState:
        self._acquire()
        try:
            tokens, stamp, granted, first = self._cells
        finally:
            self._lock.release()
        return BucketState(tokens, stamp, int(granted), first)

    def reserve(self) -> tuple[float, int]:
        self._acquire()
        try:
            cells = self._cells
            state = BucketState(cells[0], cells[1], int(cells[2]), cells[3])
            new, ready = take(state, CLOCK(), self.rate, self.burst)
            cells[:] = list(new)
        finally:
            self._lock.release()
        return ready, state.granted
