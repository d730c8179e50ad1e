"""Every registered (scenario, model) pair computes the scenario's expected answer."""

from __future__ import annotations

import itertools

import pytest

from benchmarks import MODELS, PROFILES, SCENARIOS, Case, checksum, plan
from benchmarks.core.pools import START_METHODS
from tests.support.tiny import TINY

CASES, UNSUPPORTED = plan(overrides=TINY, profile=PROFILES["quick"])


def run_once(case: Case) -> list[int]:
    with case.session() as session:
        return session.run()


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_same_answer(case: Case) -> None:
    results = run_once(case)
    assert len(results) == case.work.n
    assert checksum(results) == case.expected


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("start_method", START_METHODS)
@pytest.mark.parametrize("model", ["processes", "executor-process"])
def test_every_start_method(model: str, start_method: str) -> None:
    overrides = {"n": TINY["n"], "size": TINY["size"], "start_method": [start_method]}
    cases, _ = plan(["cpu_pure"], [model], overrides)
    (case,) = cases
    assert case.params["start_method"] == start_method
    assert checksum(run_once(case)) == case.expected


# Each declined pair is a decision, with its reason in the scenario or model.
DECLINED = {
    # subinterpreters: a capability these scenarios' session tables do not handle (derived reason)
    "tcp_echo": {"executor-process", "subinterpreters"},
    "granularity": {"asyncio", "uvloop", "to_thread", "executor-thread"},
    "primitives": {"sequential", "to_thread", "executor-thread", "executor-process", "subinterpreters"},
    "pipeline": {"subinterpreters"},
    # op=shutdown only: these models cannot stop a running unit (their op=deadline runs)
    "cancel_timeout": {"sequential", "to_thread", "executor-thread", "executor-process", "subinterpreters"},
    # pattern=ratelimit/unlimited only: no token bucket shared across subinterpreters
    "retry_ratelimit": {"subinterpreters"},
}
# Eager task factories exist from Python 3.12 (and some uvloop and Python versions do not work
# together: the reason says so).
MAYBE_DECLINED = {("spawn", "asyncio"), ("spawn", "uvloop")}
# Models whose capability this interpreter lacks (subinterpreters before 3.13, uvloop not
# installed) decline every pair, each with the reason.
UNAVAILABLE = {name for name, model in MODELS.items() if model.capability.unsupported({}) is not None}


def test_registry_fully_exercised() -> None:
    """Fails when a registered scenario or model has no runnable pair here."""
    covered = {(c.scenario.name, c.model.name) for c in CASES}
    declined = {(c.scenario.name, c.model.name) for c, _ in UNSUPPORTED}
    assert covered | declined == set(itertools.product(SCENARIOS, MODELS))
    assert {s for s, _ in covered} == set(SCENARIOS)
    assert {m for _, m in covered} == set(MODELS) - UNAVAILABLE
    expected = {(s, m) for s, models in DECLINED.items() for m in models}
    environment = MAYBE_DECLINED | set(itertools.product(SCENARIOS, UNAVAILABLE))
    assert expected - environment <= declined <= expected | environment
    assert all(len(reason) > 20 for _, reason in UNSUPPORTED)


def test_parameter_names_do_not_collide() -> None:
    for scenario, model in itertools.product(SCENARIOS.values(), MODELS.values()):
        names = [p.name for p in (*scenario.params, *model.params)]
        assert len(names) == len(set(names)), (scenario.name, model.name)


def test_expected_is_independent_of_models() -> None:
    """cpu_pure's closed form agrees with iterating the generator."""
    from benchmarks.scenarios import cpu_pure

    for i in range(5):
        assert cpu_pure.closed_form(i, 1234) == cpu_pure.unit(i, size=1234)
