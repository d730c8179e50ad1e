"""What every model of the ``primitives`` scenario shares: the shape of a run, the kit
of objects each workload's parties share, its result layout, its extra measurements and
the session that times it.

The scenario module (:mod:`benchmarks.scenarios.primitives`) describes what is
measured; :mod:`benchmarks.scenarios.primitives.on_asyncio` runs it with asyncio's
primitives and :mod:`benchmarks.scenarios.primitives.on_threads_processes` with threading's and
multiprocessing's.  Results, for every model (checksummed by the runner):

- ``lock``: per party ``mix(party) + the sum of the counter values it read``,
  then the final counter.  With mutual exclusion the parties read every value
  0..P*R-1 exactly once, so the sum is fixed; a lost update changes it.
- ``semaphore``: per party ``mix(party) + its completed acquisitions``, then the
  number of acquisitions that found more than ``limit`` holders (0).
- ``event``: per waiter ``mix(party) + sum of (cycle + 1)`` over the cycles it
  woke for, then the number of acknowledgements the setter received.
- ``pingpong``: the R replies ``mix(token)`` the caller received, then the
  number of tokens the partner handled.
"""

from __future__ import annotations

import statistics
import time
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from benchmarks.core.contract import Session

PRIMITIVES = ("lock", "semaphore", "event", "pingpong")
#: Any single wait (a lock, an event, a queue, a party's answer) longer than this is a bug.
TIMEOUT_S = 30.0
#: How often a waiting setter looks whether a party has failed (only while nothing arrives).
POLL_S = 0.1
#: Starting party processes (spawn imports the package in each) may take this long.
START_TIMEOUT_S = 60.0
#: Holders: current, peak, acquisitions that saw more than the limit (indices of a 3-slot array).
NOW, PEAK, OVER = 0, 1, 2
#: Tests only: the party that raises halfway through its rounds (None: none does).  The failure
#: tests monkeypatch it here.  Party processes see the patched value only when forked: spawn and
#: forkserver import this module afresh, so those tests fork.
FAIL_PARTY: int | None = None


class PartyFailed(RuntimeError):
    """A party raised, died or stopped answering: the run fails with this."""


class Aborted(RuntimeError):
    """A party was told to stop because the run already failed elsewhere."""


@dataclass(frozen=True)
class Shape:
    """One run's parameters (picklable: party processes receive it)."""

    primitive: str
    parties: int
    rounds: int
    limit: int

    @property
    def workers(self) -> int:
        """Parties other than the caller of ``run``: ping-pong has one partner."""
        return 1 if self.primitive == "pingpong" else self.parties

    @property
    def result_count(self) -> int:
        return (self.rounds if self.primitive == "pingpong" else self.parties) + 1


class Box:
    """A shared integer for tasks and threads, read and written like ``multiprocessing.Value``."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


def maybe_fail(party: int, step: int, rounds: int) -> None:
    """Raise if the tests chose this party to fail (:data:`FAIL_PARTY`) and it is halfway."""
    if party == FAIL_PARTY and step == rounds // 2:
        raise RuntimeError(f"party {party} failed at step {step} (injected)")


# The kits: what the parties of one session share, one type per workload.  Each model family
# fills them with its own objects (asyncio's, threading's or multiprocessing's, used the same
# way); frozen, since a party process holds its own copy and a rebound field would not reach it.


@dataclass(frozen=True)
class LockKit:
    #: every party waits here first, so that all of them contend from the start
    start: Any
    lock: Any
    counter: Any  # ``.value``, like the two below
    #: the party that held the lock last, and how often it passed to another party
    holder: Any
    handovers: Any


@dataclass(frozen=True)
class SemaphoreKit:
    start: Any  # as for the lock
    semaphore: Any
    holders: Any  # [now, peak, over]
    #: threads and processes: a lock around ``holders`` (tasks share one thread and need none)
    guard: Any = None


@dataclass(frozen=True)
class EventKit:
    events: tuple[Any, Any]
    acks: Any
    #: threads: set (to 1) when a run failed, so that woken waiters stop instead of acknowledging
    #: (party processes are terminated instead; tasks are cancelled)
    stop: Box = field(default_factory=Box)


@dataclass(frozen=True)
class PingPongKit:
    ping: Any
    pong: Any


Kit: TypeAlias = LockKit | SemaphoreKit | EventKit | PingPongKit


@dataclass
class Measurements:
    """The runs since the last ``metrics()`` call: their times, wake-ups, peaks."""

    shape: Shape
    seconds: list[float]
    first_wake: list[float]
    last_wake: list[float]
    peaks: list[int]
    handovers: list[int]

    @classmethod
    def empty(cls, shape: Shape) -> Measurements:
        return cls(shape, [], [], [], [], [])

    def finish(self, kit: Kit) -> None:
        """After a run: what the shared state says about it."""
        if isinstance(kit, LockKit):
            self.handovers.append(kit.handovers.value)
        elif isinstance(kit, SemaphoreKit):
            self.peaks.append(kit.holders[PEAK])

    def wake(self, set_at: float, wakes: list[float]) -> None:
        self.first_wake.append(min(wakes) - set_at)
        self.last_wake.append(max(wakes) - set_at)

    def summary(self) -> dict[str, float]:
        shape = self.shape
        if not self.seconds:
            return {}
        per_run_us = statistics.fmean(self.seconds) * 1e6
        out: dict[str, float] = {}
        if shape.primitive in ("lock", "semaphore"):
            out["op_us"] = per_run_us / (shape.parties * shape.rounds)
        if shape.primitive == "lock":
            # 1.0: the lock changed hands at every acquisition; (P-1)/(P*R): no contention at all
            out["handover_fraction"] = statistics.fmean(self.handovers) / (shape.parties * shape.rounds)
        if shape.primitive == "semaphore":
            out["peak_concurrency"] = float(max(self.peaks))
            out["peak_concurrency_min"] = float(min(self.peaks))
        if shape.primitive == "event":
            last_p50 = statistics.median(self.last_wake) * 1e6
            last_max = max(self.last_wake) * 1e6
            out.update(cycle_us=per_run_us / shape.rounds,
                       wake_first_p50_us=statistics.median(self.first_wake) * 1e6,
                       wake_last_p50_us=last_p50, wake_last_max_us=last_max,
                       # the report's generic latency columns: the last waiter's wake-up
                       latency_p50_us=last_p50, latency_p100_us=last_max)
        if shape.primitive == "pingpong":
            out["handoff_us"] = per_run_us / (2 * shape.rounds)
        return out


class PrimitiveSession(Session):
    """Times nothing itself beyond a clock read around each run (for the metrics).

    A run that fails leaves the parties in an unknown state: the session
    tells them to stop (``_abort``) and refuses further runs; ``close`` still
    releases everything.
    """

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.measured = Measurements.empty(shape)
        self._broken: str | None = None

    def run(self) -> list[int]:
        if self._broken is not None:
            raise PartyFailed(f"this session failed earlier ({self._broken}); open a new one")
        start = time.perf_counter()
        try:
            results = self._run()
        except BaseException as exc:
            self._broken = f"{type(exc).__name__}: {exc}"
            self._abort()
            raise
        self.measured.seconds.append(time.perf_counter() - start)
        return results

    def metrics(self) -> dict[str, float]:
        summary = self.measured.summary()
        self.measured = Measurements.empty(self.shape)
        return summary

    @abstractmethod
    def _run(self) -> list[int]:
        """One run of every party; the results in the layout of the module docstring."""

    def _abort(self) -> None:
        """Unblock parties still waiting after a failed run (so that close() is quick)."""


def reset(kit: Kit) -> None:
    """Before a run: the shared state every run starts from."""
    if isinstance(kit, LockKit):
        kit.counter.value = kit.handovers.value = 0
        kit.holder.value = -1
    elif isinstance(kit, SemaphoreKit):
        kit.holders[NOW] = kit.holders[PEAK] = kit.holders[OVER] = 0


def results(kit: Kit, parties: list[int], own: list[int]) -> list[int]:
    """The parties' and the caller's answers in the layout of the module docstring."""
    if isinstance(kit, LockKit):
        return [*parties, kit.counter.value]
    if isinstance(kit, SemaphoreKit):
        return [*parties, kit.holders[OVER]]
    if isinstance(kit, EventKit):
        return [*parties, *own]
    return [*own, *parties]
