"""A user's workload under every model: the same answer, the declined pairs with their reasons, and
every way a unit can go wrong named by its unit (a wrong result, an exception, a hang)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks import MODELS, PROFILES, Case, checksum, plan
from benchmarks.harness import registry
from benchmarks.harness.worker import VerificationError, run_apart, verify_once
from concbench._engine.digest import canonical, digest, unpack
from tests.concbench.conftest import DATA, load
from tests.support.leaks import leaked_children

QUICK = PROFILES["quick"]
BLOCKING = ("sequential", "threads", "processes", "to_thread", "executor-thread", "executor-process",
            "subinterpreters", "trio-to_thread", "anyio-to_thread", "gevent", "dask")


@pytest.fixture(scope="module")
def sleepy() -> Iterator[None]:
    before = dict(registry.SCENARIOS)
    load(DATA / "sleepy.py")
    yield
    registry.SCENARIOS.clear()
    registry.SCENARIOS.update(before)


def cases_of(scenarios: list[str], models: list[str], **overrides: list[str]) -> tuple[
        list[Case], dict[str, str]]:
    cases, unsupported = plan(scenarios, models, overrides, QUICK)
    return cases, {case.model.name: reason for case, reason in unsupported}


@pytest.mark.usefixtures("sleepy", "no_leaks")
@pytest.mark.parametrize("model", list(MODELS))
def test_every_model_returns_the_same_answer(model: str) -> None:
    # one point each: the first scale, anyio's asyncio backend (the trio model covers trio)
    backend = {"backend": ["asyncio"]} if any(p.name == "backend" for p in MODELS[model].params) else {}
    cases, declined = cases_of(["sleepy", "given_answer"], [model], scale=["2"], **backend)
    if MODELS[model].capability.unsupported({}) is not None:
        pytest.skip(f"{model} cannot run here: {declined[model]}")
    assert cases, declined
    for case in cases:
        results = run_apart(case)[0]  # as the master verifies every pair of a workload
        assert sorted(unpack(r)[0] for r in results) == list(range(case.work.n))
        assert checksum(results) == case.expected, case.scenario.explain(case.params, results)


def test_results_are_digested_whatever_their_order_and_the_hash_seed() -> None:
    assert canonical({"b": {2, 1}, "a": [1.5, None]}) == canonical({"a": [1.5, None], "b": {1, 2}})
    assert len({digest(v) for v in (1, 1.0, "1", b"1", True, [1], (1, 2), [2, 1], {1: 2}, {(1, 2)})}) == 10
    assert digest((1, 2)) == digest([1, 2])
    # a fixed value, so that a change of the encoding (or of PYTHONHASHSEED's effect) shows
    assert digest({"x": {"b", "a"}, "y": 0.1}) == digest({"y": 0.1, "x": {"a", "b"}}) == 0x8D8B07D9


def test_a_blocking_only_workload_declines_the_async_models_saying_which_decorator(write: Any) -> None:
    load(write("blocky.py", """
        w = concbench.workload(units=4)
        @w.unit
        def f(i):
            return i
    """))
    cases, declined = cases_of(["w"], list(MODELS))
    for model in ("asyncio", "uvloop", "rloop", "loop-per-thread",
                  *(m for m in ("veloxloop",) if MODELS[m].capability.unsupported({}) is None)):
        assert declined[model] == "w has no async form of its unit (add one with @w.async_unit)"
    for model in ("trio", "anyio"):
        assert declined[model] == (f"w has no {model} form of its unit (add an anyio one with "
                                   "@w.anyio_unit)")
    runnable = {case.model.name for case in cases}
    assert runnable >= {m for m in BLOCKING if MODELS[m].capability.unsupported({}) is None} - {"dask"}


WRONG = """
    import threading
    w = concbench.workload(units=12)
    @w.unit
    def f(i):
        # a unit that answers differently off the main thread: a thread-safety bug of the user's
        if i in (5, 9) and threading.current_thread() is not threading.main_thread():
            return -i
        return i
"""


def test_a_wrong_answer_names_the_unit(write: Any) -> None:
    load(write("wrong.py", WRONG))
    (case,), _ = cases_of(["w"], ["threads"])
    with pytest.raises(VerificationError, match=r"^unit 5 returned a different result than sequential "
                       r"\(digest [0-9a-f]{8}, sequential's [0-9a-f]{8}\); 1 more unit\(s\) differ: 9$"):
        verify_once(case)
    (sequential,), _ = cases_of(["w"], ["sequential"])
    verify_once(sequential)


RAISES = """
    import anyio, time
    w = concbench.workload(units=20, expected=[i * i for i in range(20)])
    @w.unit
    def f(i):
        if i == 17:
            raise ValueError("bad")
        return i * i
    @w.anyio_unit
    async def g(i):
        await anyio.sleep(0)
        return f(i)
"""


@pytest.mark.parametrize("model", ["sequential", "threads", "processes", "asyncio", "trio"])
def test_a_unit_that_raises_is_named_in_any_process(write: Any, model: str) -> None:
    load(write("raises.py", RAISES))
    (case,), _ = cases_of(["w"], [model])
    with pytest.raises(VerificationError, match=r"UnitFailed: unit 17 raised ValueError: bad$"):
        verify_once(case)


def test_a_unit_that_raises_computing_the_expected_answer_says_so(write: Any) -> None:
    load(write("raises.py", RAISES.replace(", expected=[i * i for i in range(20)]", "")))
    (case,), _ = cases_of(["w"], ["threads"])
    with pytest.raises(Exception, match=r"^unit 17 raised ValueError: bad \(while computing the expected"):
        verify_once(case)


def test_a_unit_that_hangs_past_the_limit_fails_in_time_and_leaves_nothing(write: Any) -> None:
    load(write("hangs.py", """
        import threading
        w = concbench.workload(units=6, concurrency=3)
        @w.unit
        def f(i):
            if i == 2 and threading.current_thread() is not threading.main_thread():
                threading.Event().wait()  # forever: no thread can be stopped
            return i
    """))
    (case,), _ = cases_of(["w"], ["threads"])
    start = time.monotonic()
    with pytest.raises(VerificationError, match=r"PairTimeout: verification took more than 1 s "
                                                r"\(--timeout\); still running: unit 2$"):
        verify_once(case, limit=1.0)
    assert time.monotonic() - start < 10
    assert leaked_children() == []


SETUPS = """
    import threading
    from pathlib import Path
    LOG = Path(__file__).with_suffix(".log")
    w = concbench.workload(units=4)
    @w.setup
    def lock():
        LOG.write_text("made\\n")
        yield threading.Lock()
        with LOG.open("a") as f:
            f.write("torn down\\n")
    @w.unit
    def f(i, lock):
        with lock:
            return i
"""


def test_a_setup_generator_is_torn_down_after_the_run_and_after_a_failure(write: Any) -> None:
    path = write("setups.py", SETUPS)
    (scenario,) = load(path)
    (case,), _ = cases_of(["w"], ["threads"])
    log = path.with_suffix(".log")
    case.expected  # noqa: B018  # made and torn down once to compute it
    with case.session() as session:
        assert checksum(session.run()) == case.expected
        assert log.read_text() == "made\n"
    assert log.read_text() == "made\ntorn down\n"

    def failing_run() -> None:
        with scenario.prepared(case.params):
            log.write_text("made\n")
            raise KeyError("the run failed")

    with pytest.raises(KeyError):
        failing_run()
    assert log.read_text() == "made\ntorn down\n"


def test_a_setup_value_that_cannot_be_pickled_fails_the_pairs_that_ship_it(write: Any) -> None:
    load(write("setups.py", SETUPS))
    (threads,), _ = cases_of(["w"], ["threads"])
    verify_once(threads)  # shared memory: the lock never crosses
    (processes,), _ = cases_of(["w"], ["processes"])
    with pytest.raises(VerificationError, match=r"SetupNotPicklable: set-up 'lock' returned a value "
                                                r"that cannot be pickled \(TypeError: cannot pickle"):
        verify_once(processes)


def test_a_unit_is_loaded_by_path_in_a_spawned_child(sleepy: None) -> None:
    (case,), _ = cases_of(["given_answer"], ["processes"], start_method=["spawn"])
    verify_once(case)
