"""The primitives scenario: its invariants hold on every model, and failures clean up."""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from benchmarks import Case, checksum, plan
from benchmarks.core.work import mix
from benchmarks.runtimes.startup import START_METHODS
from benchmarks.scenarios import primitives
from benchmarks.scenarios.primitives import common
from benchmarks.scenarios.primitives.common import (
    PRIMITIVES,
    Kit,
    LockKit,
    PartyFailed,
    PrimitiveSession,
    Shape,
)
from benchmarks.scenarios.primitives.on_threads_processes import (
    ProcessParties,
    SyncPrimitiveSession,
    process_session,
)

MODEL_NAMES = ["asyncio", "uvloop", "threads", "processes"]


def case_for(model: str, **params: object) -> Case:
    (case,), _ = plan(["primitives"], [model], {k: [str(v)] for k, v in params.items()})
    return case


@pytest.fixture
def party_0_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Party 0 raises halfway through its rounds.  Party processes see the patched module global
    only when forked (spawn and forkserver import the module afresh): see ``failing_case``."""
    monkeypatch.setattr(common, "FAIL_PARTY", 0)


def failing_case(model: str, primitive: str) -> Case:
    fork = {"start_method": "fork"} if model == "processes" else {}
    return case_for(model, primitive=primitive, parties=3, rounds=6, limit=2, **fork)


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("limit", [2, 3])
@pytest.mark.parametrize("model", MODEL_NAMES)
def test_semaphore_peak_concurrency_equals_the_limit(model: str, limit: int) -> None:
    case = case_for(model, primitive="semaphore", parties=6, rounds=30, limit=limit)
    assert case.metadata()["concurrency_limit"] == limit
    with case.session() as session:
        for _ in range(3):
            assert checksum(session.run()) == case.expected
        metrics = session.metrics()
    # every run reached the limit, and none exceeded it (the checksum counts excess holders too)
    assert metrics["peak_concurrency"] == metrics["peak_concurrency_min"] == limit


class NoLock:
    """A lock that excludes nothing (picklable: fork children get it with their arguments)."""

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return True

    def release(self) -> None:
        pass

    async def __aenter__(self) -> None:
        pass

    async def __aexit__(self, *exc: object) -> None:
        pass


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", MODEL_NAMES)
def test_a_lock_that_excludes_nothing_loses_updates(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock checksum is what catches a broken lock: swap in a no-op one and it fails."""
    from benchmarks.scenarios.primitives import on_asyncio as _primitives_async
    from benchmarks.scenarios.primitives import on_threads_processes as _primitives_sync

    def without_lock(make: Any) -> Any:
        def kit(*args: Any) -> Kit:
            made: Kit = make(*args)
            assert isinstance(made, LockKit)
            return dataclasses.replace(made, lock=NoLock())
        return kit

    for module, name in ((_primitives_async, "async_kit"), (_primitives_sync, "thread_kit"),
                         (_primitives_sync, "process_kit")):
        monkeypatch.setattr(module, name, without_lock(getattr(module, name)))
    parties, rounds = 4, 50
    case = case_for(model, primitive="lock", parties=parties, rounds=rounds)
    with case.session() as session:
        results = session.run()
    assert results[-1] < parties * rounds  # the final counter lost updates
    assert checksum(results) != case.expected


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", MODEL_NAMES)
def test_the_lock_changes_hands_and_counts_every_update(model: str) -> None:
    parties, rounds = 4, 50
    case = case_for(model, primitive="lock", parties=parties, rounds=rounds)
    with case.session() as session:
        results = session.run()
        metrics = session.metrics()
    assert results[-1] == parties * rounds
    assert checksum(results) == case.expected
    if model in ("asyncio", "uvloop"):
        # asyncio.Lock is FIFO and every holder yields: it passes to another task every time
        assert metrics["handover_fraction"] == 1.0
    assert 0 < metrics["handover_fraction"] <= 1.0


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", MODEL_NAMES)
def test_every_waiter_wakes_for_every_event_cycle(model: str) -> None:
    parties, rounds = 4, 20
    case = case_for(model, primitive="event", parties=parties, rounds=rounds)
    with case.session() as session:
        assert isinstance(session, PrimitiveSession)
        for _ in range(2):
            results = session.run()
            # each waiter's own answer: mix(party) + sum of (cycle + 1) over the cycles it woke for
            woke_every_cycle = rounds * (rounds + 1) // 2
            assert results == [mix(p) + woke_every_cycle for p in range(parties)] + [parties * rounds]
        wakes = len(session.measured.last_wake)
        metrics = session.metrics()
    assert wakes == 2 * rounds  # one wake-up measurement per cycle
    assert 0 <= metrics["wake_first_p50_us"] <= metrics["wake_last_p50_us"] <= metrics["wake_last_max_us"]
    assert metrics["latency_p100_us"] == metrics["wake_last_max_us"]
    assert session.metrics() == {}  # reset by the call


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", MODEL_NAMES)
def test_pingpong_replies_come_back_in_order(model: str) -> None:
    case = case_for(model, primitive="pingpong", parties=5, rounds=25)
    assert case.metadata()["party_count"] == 2
    with case.session() as session:
        assert session.run() == [mix(token) for token in range(25)] + [25]
        assert session.metrics()["handoff_us"] > 0


@pytest.mark.timeout(30)
@pytest.mark.usefixtures("no_leaks", "party_0_fails")
@pytest.mark.parametrize("primitive", PRIMITIVES)
@pytest.mark.parametrize("model", MODEL_NAMES)
def test_a_failing_party_fails_the_run_and_close_cleans_up(model: str, primitive: str) -> None:
    with failing_case(model, primitive).session() as session, pytest.raises(Exception) as info:  # noqa: PT011
        session.run()
    errors = info.value.exceptions if isinstance(info.value, ExceptionGroup) else [info.value]
    assert any("party 0 failed at step 3 (injected)" in str(e) for e in errors), errors
    with pytest.raises(PartyFailed, match="failed earlier"):
        session.run()


@contextmanager
def killed_party(shape: Shape) -> Iterator[SyncPrimitiveSession]:
    with process_session(shape, "fork") as session:
        assert checksum(session.run()) == primitives.SCENARIO.expected(
            {"primitive": shape.primitive, "parties": shape.parties, "rounds": shape.rounds,
             "limit": shape.limit})
        parties = session.parties
        assert isinstance(parties, ProcessParties)
        pid = parties.pids[-1]
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        yield session


@pytest.mark.timeout(30)
@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("primitive", PRIMITIVES)
def test_a_dead_party_process_fails_the_run(primitive: str) -> None:
    with killed_party(Shape(primitive, parties=3, rounds=6, limit=2)) as session, \
            pytest.raises(PartyFailed, match=r"party process \d died \(exit code -9\)"):
        session.run()


def test_expected_follows_the_result_layout() -> None:
    """expected() is plain arithmetic; check it against the layout spelled out by hand."""
    params: dict[str, str | int] = {"parties": 3, "rounds": 4, "limit": 2}
    own = [mix(p) for p in range(3)]
    layouts = {
        "lock": [*own, sum(range(12)), 12],  # the values read are 0..11; then the final counter
        "semaphore": [*own, 3 * 4, 0],
        "event": [*own, 3 * (1 + 2 + 3 + 4), 12],
        "pingpong": [*(mix(t) for t in range(4)), 4],
    }
    for primitive, values in layouts.items():
        expected = primitives.SCENARIO.expected({**params, "primitive": primitive})
        assert expected.digest == checksum(values).digest
        assert expected.count == (5 if primitive == "pingpong" else 4)


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("start_method", START_METHODS)
@pytest.mark.parametrize("primitive", ["lock", "event"])
def test_party_processes_work_with_every_start_method(primitive: str, start_method: str) -> None:
    """forkserver and spawn pickle the shared primitives and re-import this package in each party."""
    case = case_for("processes", primitive=primitive, parties=2, rounds=5, start_method=start_method)
    assert case.metadata()["start_method"] == start_method
    with case.session() as session:
        assert checksum(session.run()) == case.expected
