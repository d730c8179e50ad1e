"""retry_ratelimit: the token bucket on a fake clock, the retry schedule, every model's rate.

Nothing here asserts a timing except the limiter's own bound (a run can never
be faster than the bucket allows) and a generous lower bound on the rate.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import multiprocessing
import os
import random
import signal
from functools import partial

import pytest

from benchmarks import MODELS, Work, checksum, plan
from benchmarks.core.work import MODULUS, mix
from benchmarks.runtimes.loops import PackagedLoopModel
from benchmarks.scenarios import retry_ratelimit as rr
from benchmarks.scenarios.retry_ratelimit import token_bucket
from benchmarks.scenarios.retry_ratelimit.token_bucket import (
    BucketState,
    LocalBucket,
    SharedBucket,
    acquire,
    full_bucket,
    take,
    wait_until,
)
from tests.support.leaks import leaked_children
from tests.support.tiny import TINY, available_models
from tests.support.units import broken_operation

# -- the bucket's arithmetic, on simulated time -------------------------------------------------


def grant_times(requests: list[float], rate: float, burst: int) -> tuple[list[float], BucketState]:
    """When each request's token becomes valid, for a bucket full at time 0."""
    state = full_bucket(0.0, burst)
    ready = []
    for now in requests:
        state, when = take(state, now, rate, burst)
        ready.append(when)
    return ready, state


def test_a_full_bucket_grants_its_burst_at_once_then_one_token_per_period() -> None:
    ready, state = grant_times([0.0] * 10, rate=10.0, burst=3)
    assert ready == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], abs=1e-12)
    assert state.granted == 10
    assert state.first == 0.0


def test_demand_above_the_rate_gets_exactly_burst_plus_rate_times_t() -> None:
    rate, burst = 100.0, 5
    requests = [k * 0.001 for k in range(2000)]  # 1000 per second, for 2 s
    ready, _ = grant_times(requests, rate, burst)
    for t in (j * 0.0173 + 0.0001 for j in range(115)):  # never on a period boundary
        valid = sum(r <= t for r in ready)
        asked = sum(q <= t for q in requests)
        assert valid == min(asked, burst + math.floor(rate * t)), t


def test_an_idle_bucket_refills_to_its_burst_and_no_more() -> None:
    ready, _ = grant_times([0.0, 0.0, 100.0, 100.0, 100.0, 100.0], rate=2.0, burst=3)
    # 0, 0 from the full bucket; 100 s later it holds 3 again, not 200
    assert ready == pytest.approx([0.0, 0.0, 100.0, 100.0, 100.0, 100.5])


@pytest.mark.parametrize(("rate", "burst"), [(50.0, 1), (1000.0, 4), (7.5, 10)])
def test_never_more_than_rate_times_t_plus_burst_and_no_needless_wait(rate: float, burst: int) -> None:
    rng = random.Random(1)
    now = 0.0
    requests = []
    for _ in range(300):  # idle spells and bursts: arrivals at a quarter to 4x the rate
        now += rng.expovariate(rate * rng.choice((0.25, 1.0, 4.0)))
        requests.append(now)
    ready, _ = grant_times(requests, rate, burst)
    assert all(r >= q for r, q in zip(ready, requests, strict=True))
    assert ready == sorted(ready)  # served in the order they asked
    slack = 1e-9
    for j, k in itertools.combinations(range(len(ready)), 2):
        assert k - j + 1 <= rate * (ready[k] - ready[j]) + burst + slack, (j, k)
    for k, (r, q) in enumerate(zip(ready, requests, strict=True)):
        if r > q:  # whoever waited did so because some window ending at r was full
            assert max(k - j + 1 - rate * (r - ready[j]) for j in range(k + 1)) >= burst - slack, k


def test_an_unlimited_bucket_never_waits() -> None:
    ready, state = grant_times([1.0] * 1000, rate=math.inf, burst=1)
    assert ready == [1.0] * 1000
    assert state.granted == 1000


class FakeClock:
    def __init__(self, early_once: float = 0.0) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._early = early_once

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds - self._early  # a timer that fires early, once
        self._early = 0.0


def test_a_caller_sleeps_exactly_until_its_token() -> None:
    clock = FakeClock()
    bucket = LocalBucket(100.0, 2, locked=True, clock=clock)
    slots = [acquire(bucket, clock, clock.sleep) for _ in range(5)]
    assert slots == [0, 1, 2, 3, 4]
    assert clock.slept == pytest.approx([0.01, 0.01, 0.01])
    assert bucket.overheads() == (0.0, 5)  # a fake clock: nothing costs anything
    bucket.fill(clock())
    assert bucket.reserve() == (0, clock.now, clock.now)  # full again, slots counted afresh
    assert bucket.overheads() == (0.0, 0)


def test_a_timer_that_fires_early_is_slept_again() -> None:
    clock = FakeClock(early_once=0.0004)
    bucket = LocalBucket(100.0, 1, locked=False, clock=clock)
    bucket.reserve()
    ready = bucket.reserve().ready
    wait_until(ready, clock, clock.sleep)
    assert clock.slept == pytest.approx([0.01, 0.0004])
    assert clock.now >= ready


class SlowClock(FakeClock):
    """Reading the clock costs 1 us; every sleep wakes up 300 us late."""

    def __call__(self) -> float:
        self.now += 1e-6
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds + 300e-6


def test_the_overhead_of_an_acquire_is_what_it_costs_beyond_the_imposed_wait() -> None:
    clock = SlowClock()
    bucket = LocalBucket(100.0, 1, locked=True, clock=clock)
    # a token at hand: 3 clock readings after the caller's own (under the lock, before
    # waiting, after it); then one that waits ~10 ms and wakes up 300 us late
    acquire(bucket, clock, clock.sleep)
    acquire(bucket, clock, clock.sleep)
    total, count = bucket.overheads()
    assert count == 2
    assert total == pytest.approx(3e-6 + (300e-6 + 3e-6), abs=1e-12)


def test_a_token_handed_out_twice_changes_the_checksum() -> None:
    n = 6
    expected = rr.SCENARIO.expected({"pattern": "ratelimit", "n": n})
    any_order = [rr.granted_value(i, slot) for i, slot in zip(range(n), [3, 0, 5, 1, 4, 2], strict=True)]
    assert checksum(any_order) == expected
    twice = [rr.granted_value(i, min(i, 4)) for i in range(n)]  # slot 4 twice, slot 5 never
    assert checksum(twice) != expected


# -- the retry schedule ---------------------------------------------------------------------------


def failures(i: int) -> int:
    """The injected schedule, written out again: failed attempts before success (5: gave up)."""
    rng = random.Random(rr.SEED * 1_000_003 + i)
    failed = 0
    while failed < rr.MAX_ATTEMPTS and rng.random() < rr.FAILURE_RATE:
        failed += 1
    return failed


def right_answer(i: int) -> int:
    failed = failures(i)
    return (mix(i) + (rr.GAVE_UP if failed == rr.MAX_ATTEMPTS else failed + 1)) % MODULUS


def counting(attempts: list[int]) -> rr.Operation:
    def operation(i: int, draw: float) -> int:
        attempts.append(i)
        return rr.flaky_operation(i, draw)

    return operation


def test_retries_follow_the_seeded_draws_with_exact_exponential_backoff() -> None:
    base_s = 0.001
    for i in range(250):
        sleeps: list[float] = []
        attempts: list[int] = []
        value = rr.with_retry(i, base_s=base_s, operation=counting(attempts), sleep=sleeps.append)
        failed = failures(i)
        assert len(attempts) == min(failed + 1, rr.MAX_ATTEMPTS)
        assert sleeps == [base_s * 2**r for r in range(len(attempts) - 1)]
        assert value == right_answer(i)


def test_async_retries_follow_the_same_schedule() -> None:
    base_s = 0.0002

    async def all_calls() -> None:
        for i in range(250):
            sleeps: list[float] = []

            async def fake_sleep(seconds: float, sleeps: list[float] = sleeps) -> None:
                sleeps.append(seconds)

            attempts: list[int] = []
            value = await rr.awith_retry(i, base_s=base_s, operation=counting(attempts), sleep=fake_sleep)
            assert len(attempts) == min(failures(i) + 1, rr.MAX_ATTEMPTS)
            assert sleeps == [base_s * 2**r for r in range(len(attempts) - 1)]
            assert value == right_answer(i)

    asyncio.run(all_calls())


DEFAULT_N = next(p for p in rr.SCENARIO.params if p.name == "n").default


@pytest.mark.parametrize("n", [int(TINY["n"][0]), *DEFAULT_N])
def test_the_seed_puts_give_ups_and_long_retries_in_every_run(n: int) -> None:
    failed = [failures(i) for i in range(n)]
    assert rr.MAX_ATTEMPTS in failed  # a call that gives up
    assert {0, 2, 3} <= set(failed)
    meta = rr.SCENARIO.metadata({"pattern": "retry", "n": n, "backoff_us": 1000})
    assert meta["retry_gave_up"] == failed.count(rr.MAX_ATTEMPTS)
    assert meta["retry_attempts_total"] == sum(min(f + 1, rr.MAX_ATTEMPTS) for f in failed)
    assert rr.SCENARIO.expected({"pattern": "retry", "n": n}) == checksum(right_answer(i) for i in range(n))


# -- every model, for real --------------------------------------------------------------------------

RATE, N = 1000, 60  # 59 ms a run: long enough to see a limiter that does not limit


#: the models with a token bucket of their own, that run in this process (rloop runs apart: the
#: same-answer test checks it in a child process)
RATE_LIMITED = [m for m in MODELS if plan(["retry_ratelimit"], [m], {"pattern": ["ratelimit"]})[0]
                and not MODELS[m].capability.apart]
#: the models that run the retry pattern in this process
RETRYING = [m for m in MODELS if plan(["retry_ratelimit"], [m], {"pattern": ["retry"]})[0]
            and not MODELS[m].capability.apart]


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", RATE_LIMITED)
def test_every_model_keeps_to_the_rate_and_close_to_it(model: str) -> None:
    (case,), _ = plan(["retry_ratelimit"], [model],
                      {"pattern": ["ratelimit"], "n": [str(N)], "rate_per_s": [str(RATE)], "burst": ["1"]})
    with case.session() as session:
        for _ in range(2):
            assert checksum(session.run()) == case.expected
        metrics = session.metrics()
    assert metrics["runs"] == 2
    assert metrics["target_rate_per_s"] == RATE
    # the invariant: never more than burst + rate * t tokens by time t (float rounding aside)
    assert metrics["achieved_rate_per_s"] <= metrics["steady_rate_per_s"] <= RATE * (1 + 1e-9)
    # generous: other work shares this 2-core machine (0.47 seen at a load average of 9); the
    # fake-clock tests above check that nobody waits longer than the bound requires
    assert metrics["achieved_rate_per_s"] >= 0.25 * RATE
    assert metrics["rate_error"] == pytest.approx(metrics["achieved_rate_per_s"] / RATE - 1)
    assert metrics["first_acquire_us"] >= 0
    assert metrics["acquire_overhead_us"] >= 0
    assert session.metrics() == {}  # measurements are of the runs since the last call


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", ["sequential", "uvloop", "executor-thread", "processes"])
def test_an_unlimited_bucket_measures_the_cost_of_an_acquire(model: str) -> None:
    (case,), _ = plan(["retry_ratelimit"], [model], {"pattern": ["unlimited"], "n": ["50"]})
    with case.session() as session:
        assert checksum(session.run()) == case.expected
        metrics = session.metrics()
    assert set(metrics) == {"runs", "first_acquire_us", "acquire_overhead_us", "acquires_per_s"}
    assert metrics["acquire_overhead_us"] > 0
    assert metrics["acquires_per_s"] > 0


def test_each_model_gets_the_bucket_its_units_can_share() -> None:
    where = {}
    for name in available_models():
        cases, declined = plan(["retry_ratelimit"], [name], {"pattern": ["ratelimit"]})
        if not cases:  # no token bucket for it and the reason says so, or the model declines the scenario
            case, reason = declined[0]
            assert "token buckets" in reason or case.model.unsupported(case.scenario, case.params) == reason
            continue
        case = cases[0]
        where[name] = str(rr.units_run_in(case.model.capability))
        assert case.metadata()["bucket"] == rr.BUCKET_IMPL[where[name]]
    fast_loops = {name: "loop" for name in available_models() if isinstance(MODELS[name], PackagedLoopModel)}
    assert where == {"sequential": "threads", "asyncio": "loop", "uvloop": "loop", "threads": "threads",
                     "processes": "processes", "to_thread": "threads", "executor-thread": "threads",
                     "executor-process": "processes", "rloop": "loop", **fast_loops}


# -- failures ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model_name", RETRYING)
def test_an_error_that_is_not_transient_is_not_retried_and_fails_the_run(model_name: str) -> None:
    model = MODELS[model_name]
    params = {p.name: p.default[0] for p in model.params}
    broken = partial(rr.awith_retry, base_s=0.0001, operation=broken_operation)
    work = Work(n=6, kind="io", call=partial(rr.with_retry, base_s=0.0001, operation=broken_operation),
                acall=broken, aforms={"trio": partial(broken, sleep=rr._trio_sleep),
                                      "anyio": partial(broken, sleep=rr._anyio_sleep)})
    with model.open(work, params) as session, pytest.raises(Exception) as info:  # noqa: PT011
        session.run()
    errors = info.value.exceptions if isinstance(info.value, ExceptionGroup) else [info.value]
    assert [str(e) for e in errors] == ["call 3 is broken"]


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", ["processes", "executor-process"])
def test_a_dead_pool_child_fails_the_run_and_leaves_nothing(model: str) -> None:
    from concurrent.futures.process import BrokenProcessPool

    (case,), _ = plan(["retry_ratelimit"], [model], {"pattern": ["ratelimit"], "n": ["20"]})
    before = {p.pid for p in leaked_children()}  # an earlier test's child, not yet reaped
    with case.session() as session:
        # kill, but do not reap: the pool must see its child exit (one reaped elsewhere looks
        # alive to multiprocessing forever, and the pool's shutdown would spin waiting for it)
        pool_child = next(p for p in leaked_children() if p.pid not in before)
        os.kill(pool_child.pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            session.run()


def _grab_and_die(bucket: SharedBucket) -> None:
    bucket._lock.acquire()
    os._exit(0)


@pytest.mark.usefixtures("no_leaks")
def test_a_child_that_died_holding_the_bucket_fails_the_others_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(token_bucket, "LOCK_TIMEOUT_S", 0.2)
    context = multiprocessing.get_context("fork")
    bucket = SharedBucket(100.0, 1, context, children=1)
    assert bucket.reserve().slot == 0
    child = context.Process(target=_grab_and_die, args=(bucket,))
    child.start()
    child.join(10)
    assert child.exitcode == 0
    with pytest.raises(TimeoutError, match=r"token bucket lock not acquired in 0\.2 s"):
        bucket.reserve()
    child.close()
