"""retry_ratelimit: retry with exponential backoff, and a token-bucket rate limiter.

Two resilience patterns of the asyncio guide, in each concurrency model
(parameter ``pattern``):

- ``retry``: N calls to an operation that fails transiently.  Whether attempt
  a of call i fails is drawn from ``random.Random(SEED * 1_000_003 + i)``
  (probability ``FAILURE_RATE``), so every model meets exactly the same
  failures.  A failed attempt raises; the caller waits ``backoff_us * 2**r``
  before retry r (no jitter: the schedule is deterministic) and gives up after
  ``MAX_ATTEMPTS`` attempts.  A call returns ``mix(i)`` plus the attempts it
  used, or ``mix(i) + GAVE_UP``, so the checksum verifies that every call
  followed its injected schedule.  Units are ordinary units (``time.sleep`` /
  ``asyncio.sleep`` between attempts) run by the model's usual fan-out.
- ``ratelimit``: N units share one token bucket of ``rate_per_s`` tokens per
  second and capacity ``burst``; each unit acquires a token (waiting if need
  be), then does a trivial unit of work.  The bucket is refilled at the start
  of every ``run()``, so a correct limiter cannot finish in less than
  ``(N - burst) / rate_per_s``: the timed value is the rate measurement.
  Metrics: ``achieved_rate_per_s = (N - burst) / elapsed`` (tokens granted
  beyond the initial burst, per second: a correct limiter keeps it at or below
  the target, an overhead-free one on it; N / elapsed would exceed even a
  perfect limiter's rate by burst / (N - burst)), ``target_rate_per_s``,
  ``rate_error = achieved / target - 1``, ``first_acquire_us`` (from the
  start of ``run()`` to the first acquire: the model's fan-out start-up, which
  a bucket of small burst never makes up for), ``steady_rate_per_s`` (the
  achieved rate counted from that first acquire) and ``acquire_overhead_us``
  (the mean time an acquire costs its caller beyond the wait the rate imposes:
  the lock, the arithmetic, waking up late).
- ``unlimited`` (not in the default sweep): the same bucket and units with an
  infinite rate, which never waits: ``acquire_overhead_us`` without waits, and
  ``acquires_per_s = N / elapsed`` (which includes the model's own cost per
  unit: compare with ``spawn``, whose units do nothing at all).

The bucket (:mod:`benchmarks.scenarios.retry_ratelimit.token_bucket`) reserves: under its lock a caller
takes a token, possibly one not yet valid, and then sleeps outside the lock
until it is, re-checking the clock (uvloop rounds timers to the millisecond
and may fire early).  Each model gets the bucket it would use: the event-loop
models a lock-free one in the loop's thread (``asyncio.sleep``); threads,
``to_thread``, ``executor-thread`` and ``sequential`` one behind a
``threading.Lock`` (``time.sleep``); the process models one in shared memory
behind a multiprocessing lock of the model's start method, handed to every
pool child when it starts (``Work.process_init``).  ``time.monotonic`` is the
only clock.  Each token is numbered (its slot) and a unit's result includes
it, so a token handed out twice, or lost, changes the checksum.

Outside the timing: pools, loop and bucket (created per measured value).
Inside: refilling the bucket, the N units (acquires, waits, retries,
backoff sleeps) and the model's fan-out.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from functools import partial

from benchmarks.core.contract import Capability, Model, Scenario, Session
from benchmarks.core.params import Param, Value
from benchmarks.core.work import MODULUS, Checksum, Work, checksum, mix, unprepared
from benchmarks.runtimes.aio import gather_only
from benchmarks.runtimes.loops import DefaultExecutor, EventLoop, LoopExecutor
from benchmarks.runtimes.pools import Inline, ProcessPool, ThreadPool
from benchmarks.scenarios.retry_ratelimit.token_bucket import (
    CLOCK,
    Bucket,
    LocalBucket,
    SharedBucket,
    aacquire,
    acquire,
)

#: the parameters each pattern uses besides ``n``
PATTERN_PARAMS = {"retry": {"backoff_us"}, "ratelimit": {"rate_per_s", "burst"}, "unlimited": {"burst"}}

PATTERN = Param("pattern", str, ("retry", "ratelimit"),
                "retry with backoff, a rate limiter at rate_per_s, or one that never waits "
                "(acquire throughput)", quick=("ratelimit",), tiny=("retry", "ratelimit", "unlimited"),
                choices=("retry", "ratelimit", "unlimited"))

# The retry pattern's injected failures.  The seed is chosen so that even the
# smallest test sizes include a call that gives up and calls that need 3 and 4
# attempts (see tests/scenarios/test_retry_ratelimit.py).
SEED = 579
FAILURE_RATE = 0.3
MAX_ATTEMPTS = 5
GAVE_UP = 1000  # added to mix(i) by a call that gave up: distinct from 1..MAX_ATTEMPTS

SLOT_WEIGHT = 0x9E3779B1  # a token's slot, weighted, is part of the unit's result


# -- retry ----------------------------------------------------------------------------------


class TransientError(Exception):
    """An injected, retryable failure of one attempt."""


def flaky_operation(i: int, draw: float) -> int:
    """The operation being retried: fails when this attempt's draw says so."""
    if draw < FAILURE_RATE:
        raise TransientError(f"call {i}: injected failure")
    return mix(i)


Operation = Callable[[int, float], int]


def draws(i: int) -> random.Random:
    """Call i's own generator: one draw per attempt, whichever model runs the call."""
    return random.Random(SEED * 1_000_003 + i)


def backoff_s(retry: int, base_s: float) -> float:
    """The wait before retry ``retry`` (0 for the first retry)."""
    return base_s * 2**retry


def succeeded(i: int, attempts: int) -> int:
    return (mix(i) + attempts) % MODULUS


def gave_up(i: int) -> int:
    return (mix(i) + GAVE_UP) % MODULUS


def with_retry(i: int, *, base_s: float, operation: Operation = flaky_operation,
               sleep: Callable[[float], object] = time.sleep) -> int:
    """Call i: retry transient failures with exponential backoff, give up after MAX_ATTEMPTS."""
    rng = draws(i)
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            sleep(backoff_s(attempt - 1, base_s))
        try:
            value = operation(i, rng.random())
        except TransientError:
            continue
        return (value + attempt + 1) % MODULUS
    return gave_up(i)


async def awith_retry(i: int, *, base_s: float, operation: Operation = flaky_operation,
                      sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> int:
    """:func:`with_retry` for a coroutine: the loop runs other calls during the backoff."""
    rng = draws(i)
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            await sleep(backoff_s(attempt - 1, base_s))
        try:
            value = operation(i, rng.random())
        except TransientError:
            continue
        return (value + attempt + 1) % MODULUS
    return gave_up(i)


async def _trio_sleep(seconds: float) -> None:
    import trio  # only the trio models await this form

    await trio.sleep(seconds)


async def _anyio_sleep(seconds: float) -> None:
    import anyio

    await anyio.sleep(seconds)


def planned_attempts(i: int) -> int | None:
    """Attempts call i needs according to its draws, None if it gives up (no sleeping)."""
    rng = draws(i)
    for attempt in range(MAX_ATTEMPTS):
        if rng.random() >= FAILURE_RATE:
            return attempt + 1
    return None


# -- rate limit -------------------------------------------------------------------------------


def granted_value(i: int, slot: int) -> int:
    """A unit's result: its index and its token's slot (slots of a run are 0..N-1)."""
    return (mix(i) + SLOT_WEIGHT * (slot + 1)) % MODULUS


# The pool child's bucket, installed by ``install_bucket`` when the child starts.
_child_bucket: SharedBucket | None = None


def install_bucket(bucket: SharedBucket) -> None:
    global _child_bucket
    bucket.attach()
    _child_bucket = bucket


def limited(i: int, *, bucket: Bucket | None) -> int:
    """Acquire a token (None: this pool child's shared bucket), then the trivial unit."""
    if bucket is None:
        if _child_bucket is None:
            raise RuntimeError("no token bucket was installed in this process")
        bucket = _child_bucket
    return granted_value(i, acquire(bucket))


async def alimited(i: int, *, bucket: Bucket) -> int:
    return granted_value(i, await aacquire(bucket))


def _other_path(i: int) -> int:
    raise RuntimeError("retry_ratelimit bound the token bucket to the other kind of unit for this model")


async def _aother_path(i: int) -> int:
    return _other_path(i)


def units_run_in(capability: Capability) -> str | None:
    """Where a model of this capability runs the units: "processes", "loop" (the scenario's
    coroutines) or "threads"; None where the scenario has no token bucket for it."""
    # the units of a loop with an executor run where the executor runs them
    runner: object = capability.executor if isinstance(capability, LoopExecutor) else capability
    if isinstance(runner, ProcessPool):
        return "processes"
    if isinstance(runner, EventLoop):
        return "loop"
    if isinstance(runner, (Inline, ThreadPool, DefaultExecutor)):
        return "threads"
    return None


BUCKET_IMPL = {
    "processes": "shared memory (RawArray) behind a multiprocessing Lock of the start method; time.sleep",
    "loop": "lock-free in the event loop's thread; asyncio.sleep",
    "threads": "behind a threading.Lock; time.sleep",
}


class LimitedSession(Session):
    """The model's own session, with the bucket filled before every run and each run timed."""

    def __init__(self, inner: Session, bucket: Bucket, n: int) -> None:
        self._inner = inner
        self._bucket = bucket
        self._n = n
        self._elapsed: list[float] = []
        self._first: list[float] = []
        self._overhead = [0.0, 0.0]  # seconds, acquires

    def run(self) -> list[int]:
        start = CLOCK()
        self._bucket.fill(start)
        results = self._inner.run()
        self._elapsed.append(CLOCK() - start)
        # after the clock stopped: when the model made its first acquire, what acquires cost
        self._first.append(self._bucket.state().first - start)
        overhead, count = self._bucket.overheads()
        self._overhead[0] += overhead
        self._overhead[1] += count
        return results

    def metrics(self) -> dict[str, float]:
        runs, self._elapsed = self._elapsed, []
        firsts, self._first = self._first, []
        (overhead, count), self._overhead = self._overhead, [0.0, 0.0]
        if not runs:
            return {}
        total = sum(runs)
        rate, burst = self._bucket.rate, self._bucket.burst
        common = {"runs": float(len(runs)), "first_acquire_us": sum(firsts) / len(firsts) * 1e6,
                  "acquire_overhead_us": overhead / count * 1e6}
        if math.isinf(rate):
            return {**common, "acquires_per_s": self._n * len(runs) / total}
        achieved = (self._n - burst) * len(runs) / total
        # from the model's first acquire on (the bucket is still full then): the limiter alone,
        # without the time the model's fan-out takes to start its first unit
        steady = (self._n - burst) * len(runs) / (total - sum(firsts))
        return {**common, "target_rate_per_s": rate, "achieved_rate_per_s": achieved,
                "rate_error": achieved / rate - 1.0, "steady_rate_per_s": steady}

    def close(self) -> None:
        self._inner.close()


class RetryRateLimit(Scenario):
    name = "retry_ratelimit"
    summary = ("retry with exponential backoff (seeded failures); a shared token bucket: "
               "achieved vs target rate, cost of an acquire")
    kind = "io"  # units mostly wait: thread pools get one thread per unit
    params = (
        PATTERN,
        Param("n", int, (125,), "number of calls (retry) or of acquires", quick=(20,), tiny=(6,), minimum=1),
        Param("backoff_us", int, (1000,), "retry: wait before the first retry, us (doubles each retry)",
              tiny=(100,),
              minimum=0),
        Param("rate_per_s", int, (2000,), "ratelimit: the bucket's rate, tokens per second", tiny=(5000,),
              minimum=1),
        Param("burst", int, (1,), "ratelimit, unlimited: the bucket's capacity, tokens", minimum=1),
    )

    def model_params(self, model: Model) -> tuple[Param, ...]:
        # the units' waits are timers: how the coroutines are awaited is not what this compares
        return gather_only(model.params)

    def relevant(self, params: Mapping[str, Value]) -> Mapping[str, Value]:
        # each pattern keeps only its own parameters: no retry benchmark named by a rate
        drop = set().union(*PATTERN_PARAMS.values()) - PATTERN_PARAMS[str(params["pattern"])]
        return {k: v for k, v in params.items() if k not in drop}

    def unsupported(self, model: Model, params: Mapping[str, Value]) -> str | None:
        if params["pattern"] != "retry" and units_run_in(model.capability) is None:
            return (f"retry_ratelimit has token buckets for units in threads, processes and an event "
                    f"loop, not for {model.capability.describe()} ({model.name})")
        if params["pattern"] == "ratelimit" and int(params["burst"]) >= int(params["n"]):
            return "burst >= n: the bucket never runs dry, so there is no rate to measure"
        return None

    def work(self, params: Mapping[str, Value]) -> Work:
        n = int(params["n"])
        if params["pattern"] == "retry":
            base_s = int(params["backoff_us"]) / 1e6
            return Work(n=n, kind=self.kind, call=partial(with_retry, base_s=base_s),
                        acall=partial(awith_retry, base_s=base_s),
                        aforms={"trio": partial(awith_retry, base_s=base_s, sleep=_trio_sleep),
                                "anyio": partial(awith_retry, base_s=base_s, sleep=_anyio_sleep)})
        return unprepared(n, self.kind)  # the bucket is made per session, for the model

    def open_session(self, model: Model, work: Work, params: Mapping[str, Value]) -> Session:
        if params["pattern"] == "retry":
            return model.open(work, params)
        rate = math.inf if params["pattern"] == "unlimited" else float(params["rate_per_s"])
        burst = int(params["burst"])
        where = units_run_in(model.capability)
        bucket: Bucket
        if where == "processes":
            shared = SharedBucket(rate, burst, multiprocessing.get_context(str(params["start_method"])),
                                  children=model.parallelism(work, params))
            bucket = shared
            bound = replace(work, call=partial(limited, bucket=None), acall=_aother_path,
                            process_init=partial(install_bucket, shared))
        elif where == "loop":
            bucket = LocalBucket(rate, burst, locked=False)
            bound = replace(work, call=_other_path, acall=partial(alimited, bucket=bucket))
        else:
            bucket = LocalBucket(rate, burst, locked=True)
            bound = replace(work, call=partial(limited, bucket=bucket), acall=_aother_path)
        return LimitedSession(model.open(bound, params), bucket, work.n)

    def model_metadata(self, model: Model, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        meta = super().model_metadata(model, work, params)
        if params["pattern"] == "retry":
            meta["timed"] = ("N calls, each with its injected failures, retries and backoff sleeps, "
                             "through the model's usual fan-out; pools and loop made before timing")
        else:
            meta["timed"] = ("refilling the bucket, then N acquires (waits included) each followed by "
                             "a trivial unit, through the model's usual fan-out; pools, loop and bucket "
                             "made before timing")
            meta["bucket"] = BUCKET_IMPL[str(units_run_in(model.capability))]
        return meta

    def metadata(self, params: Mapping[str, Value]) -> dict[str, Value]:
        n = int(params["n"])
        if params["pattern"] != "retry":
            meta: dict[str, Value] = {"bucket_clock": "time.monotonic (CLOCK_MONOTONIC, shared by processes)"}
            if params["pattern"] == "ratelimit":
                meta["ratelimit_floor_s"] = (n - int(params["burst"])) / int(params["rate_per_s"])
            return meta
        base_s = int(params["backoff_us"]) / 1e6
        plans = [planned_attempts(i) for i in range(n)]
        # backoff of each call: a call that gives up waits before every attempt but the first
        waits = [sum(backoff_s(r, base_s) for r in range((a or MAX_ATTEMPTS) - 1)) for a in plans]
        return {
            "retry_seed": SEED, "retry_failure_rate": FAILURE_RATE, "retry_max_attempts": MAX_ATTEMPTS,
            "retry_attempts_total": sum(a or MAX_ATTEMPTS for a in plans),
            "retry_gave_up": plans.count(None),
            # the sequential model's floor, and every model's
            "retry_backoff_total_s": sum(waits), "retry_backoff_longest_s": max(waits),
        }

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        n = int(params["n"])
        if params["pattern"] == "retry":
            plans = [planned_attempts(i) for i in range(n)]
            return checksum(gave_up(i) if a is None else succeeded(i, a) for i, a in enumerate(plans))
        # every slot 0..N-1 handed out exactly once, to some unit
        return checksum(granted_value(i, i) for i in range(n))


SCENARIO = RetryRateLimit()
