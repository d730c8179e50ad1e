"""Every registered (scenario, model) pair computes the scenario's expected answer."""

from __future__ import annotations

import itertools

import pytest

from benchmarks import MODELS, PROFILES, SCENARIOS, Case, checksum, plan
from benchmarks.harness.worker import run_apart
from benchmarks.runtimes.startup import START_METHODS
from tests.support.tiny import TINY

CASES, UNSUPPORTED = plan(overrides=TINY, profile=PROFILES["quick"])

def run_once(case: Case) -> list[int]:
    # gevent, dask and rloop run apart (a monkey-patched process; a cluster per process; a loop
    # that leaks descriptors), as the master verifies them: the same forked child
    if case.model.capability.apart:
        return run_apart(case)[0]
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


OTHER_RUNTIMES = {"trio", "trio-to_thread", "anyio", "anyio-to_thread", "anyio-to_process", "gevent", "dask"}
BUT_TRIO = OTHER_RUNTIMES - {"trio"}  # trio has sessions of its own (nursery, memory channels, fail_after)
# Each declined pair is a decision, with its reason in the scenario or model.
DECLINED = {
    # tcp_echo has no session for the other runtimes yet (its servers are being rewritten)
    "tcp_echo": {"executor-process", "subinterpreters"} | OTHER_RUNTIMES,
    # dask: unit_kind=hash only (its units run in processes of one thread: the GIL changes nothing)
    "granularity": {"asyncio", "uvloop", "rloop", "to_thread", "executor-thread", "trio", "trio-to_thread",
                    "anyio", "anyio-to_thread", "anyio-to_process", "gevent", "dask"},
    # subinterpreters: a capability the session tables do not handle (the derived reason)
    "primitives": {"sequential", "to_thread", "executor-thread", "executor-process",
                   "subinterpreters"} | BUT_TRIO,
    # op=shutdown only: these models cannot stop a running unit (their op=deadline runs)
    "cancel_timeout": {"sequential", "to_thread", "executor-thread", "executor-process",
                       "subinterpreters"} | BUT_TRIO,
    "pipeline": BUT_TRIO | {"subinterpreters"},
    # the ratelimit patterns (no token bucket for them); anyio-to_process: no I/O scenario at all
    "retry_ratelimit": OTHER_RUNTIMES | {"subinterpreters"},
    "sleep_fanout": {"anyio-to_process"},
    "file_io": {"anyio-to_process"},
    "rpc_fanout": {"anyio-to_process"},
    "spawn": {"anyio-to_process", "dask"},  # dask: lifecycle=cold only
}
# Eager task factories exist from Python 3.12 (and some uvloop and Python versions do not work
# together: the reason says so).
MAYBE_DECLINED = {("spawn", "asyncio"), ("spawn", "uvloop"), ("spawn", "rloop")}
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
