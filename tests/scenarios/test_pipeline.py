"""pipeline: the queue bound is never exceeded, on every model; failures fail the run cleanly."""

from __future__ import annotations

import os
import re
import signal
import threading
import time

import pytest

from benchmarks import Case, checksum, plan
from benchmarks.core.work import Work, inline_async
from benchmarks.runtimes.startup import START_METHODS
from benchmarks.scenarios import cpu_pure
from benchmarks.scenarios.pipeline import SCENARIO
from benchmarks.scenarios.pipeline import sessions as _pipelines
from benchmarks.scenarios.pipeline import workers as _pipeline_workers
from tests.support.leaks import leaked_children

QUEUE_SIZE = 2
SMALL = {"items": ["40"], "stage_steps": ["50"], "queue_size": [str(QUEUE_SIZE)]}
#: the models with a pipeline session (the others are declined, each with its reason) that run in
#: this process (rloop runs apart: the same-answer test checks it in a child)
PIPELINED = list(dict.fromkeys(c.model.name for c in plan(["pipeline"], overrides=SMALL)[0]
                               if not c.model.capability.apart))
QUEUED = [m for m in PIPELINED if m != "sequential"]
# Long against a hand-off (tens of microseconds), so that every slot upstream fills meanwhile.
SLOW_CONSUMER_S = 0.005


def one_case(model: str, **overrides: list[str]) -> Case:
    (case,), _ = plan(["pipeline"], [model], {**SMALL, **overrides})
    return case


def failing(i: int) -> int:
    if i == 3:
        raise ValueError("unit 3 failed")
    return i


def wait_dead(pid: int) -> None:
    """Until child ``pid`` has exited, without reaping it (then multiprocessing could not see its
    exit code).  Not psutil's zombie status: the main thread shows it while others still exit."""
    while True:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return
        except ChildProcessError:
            return  # its owner has reaped it already
        time.sleep(0.01)


def errors_of(exc: BaseException) -> list[BaseException]:
    return list(exc.exceptions) if isinstance(exc, BaseExceptionGroup) else [exc]



@pytest.fixture
def slow_consumer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pipeline's consumer sleeps per item, so that the producer runs into the bound."""
    monkeypatch.setattr(_pipelines.PipelineSession, "consumer_delay_s", SLOW_CONSUMER_S)

@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", PIPELINED)
def test_items_in_flight_never_exceed_the_queues_bound(model: str) -> None:
    case = one_case(model)
    meta = case.metadata()
    with case.session() as session:
        for _ in range(3):  # the same session, run after run: nothing lost or left over
            assert checksum(session.run()) == case.expected
        metrics = session.metrics()
    assert metrics["inflight_bound"] == meta["inflight_bound"]
    assert 1 <= metrics["inflight_peak"] <= metrics["inflight_bound"]
    if model == "sequential":
        assert metrics["inflight_bound"] == 1
    else:
        assert metrics["inflight_bound"] == 2 * QUEUE_SIZE + int(meta["stage_workers"]) + 1
        assert metrics["queue_in_peak"] <= QUEUE_SIZE
        assert metrics["queue_out_peak"] <= QUEUE_SIZE


@pytest.mark.usefixtures("no_leaks", "slow_consumer")
@pytest.mark.parametrize("model", QUEUED)
def test_a_slow_consumer_throttles_the_producer_exactly_at_the_bound(model: str) -> None:
    case = one_case(model, stage_steps=["0"], items=["30"])
    with SCENARIO.open_session(case.model, case.work, case.params) as session:
        assert checksum(session.run()) == case.expected
        metrics = session.metrics()
    # both queues full, every stage holding an item, one in the consumer's hand: and no more
    assert metrics["inflight_peak"] == metrics["inflight_bound"]
    assert metrics["queue_in_peak"] == metrics["queue_out_peak"] == QUEUE_SIZE


@pytest.mark.usefixtures("no_leaks", "slow_consumer")
@pytest.mark.parametrize(("model", "module", "queue_class"), [("threads", _pipeline_workers, "ThreadQueue"),
                                                              ("asyncio", _pipelines, "AsyncQueue")])
def test_queues_that_ignore_their_bound_are_caught(monkeypatch: pytest.MonkeyPatch, model: str,
                                                    module: object, queue_class: str) -> None:
    """The check is not vacuous: unbounded queues let the producer run ahead of the bound."""
    unbounded = getattr(module, queue_class)
    monkeypatch.setattr(module, queue_class, lambda maxsize: unbounded())
    case = one_case(model, stage_steps=["0"], items=["30"])
    with SCENARIO.open_session(case.model, case.work, case.params) as session:
        assert checksum(session.run()) == case.expected
        metrics = session.metrics()
    assert metrics["inflight_peak"] > metrics["inflight_bound"]
    assert metrics["queue_in_peak"] > QUEUE_SIZE


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", PIPELINED)
def test_a_failing_stage_fails_the_run_and_leaves_nothing_behind(model: str) -> None:
    case = one_case(model)
    work = Work(n=12, kind="cpu", call=failing, acall=inline_async(failing))
    with SCENARIO.open_session(case.model, work, case.params) as session:
        with pytest.raises(Exception) as info:  # noqa: PT011  (an ExceptionGroup for the async models)
            session.run()
        if model in ("threads", "processes"):  # their queues may hold the failed run's items
            with pytest.raises(RuntimeError, match="an earlier run of this pipeline failed"):
                session.run()
    (error,) = errors_of(info.value)
    assert isinstance(error, _pipelines.StageError)
    assert str(error) == "stage failed on item 3: ValueError: unit 3 failed"


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize(("model", "message"), [("processes", r"stage process \d+ exited with code -9"),
                                                ("executor-process", "BrokenProcessPool")])
def test_a_killed_stage_process_fails_the_next_run(model: str, message: str) -> None:
    case = one_case(model)
    with case.session() as session:
        victim = leaked_children()[0].pid
        os.kill(victim, signal.SIGKILL)
        wait_dead(victim)
        with pytest.raises(Exception) as info:  # noqa: PT011
            session.run()
    errors = errors_of(info.value)  # executor-process: each stage coroutine's
    assert all(re.search(message, str(e)) for e in errors), errors


@pytest.mark.usefixtures("no_leaks", "slow_consumer")
def test_a_stage_process_killed_mid_run_fails_the_run_within_seconds() -> None:
    case = one_case("processes", stage_steps=["0"], items=["60"])
    with SCENARIO.open_session(case.model, case.work, case.params) as session:
        victim = session.procs[0]  # type: ignore[attr-defined]
        killer = threading.Timer(0.1, victim.kill)  # while it holds an item: the run cannot finish
        killer.start()
        try:
            with pytest.raises(RuntimeError, match=f"stage process {victim.pid} exited with code -9"):
                session.run()
        finally:
            killer.join()


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("start_method", START_METHODS)
@pytest.mark.parametrize("model", ["processes", "executor-process"])
def test_every_start_method(model: str, start_method: str) -> None:
    case = one_case(model, start_method=[start_method])
    assert case.metadata()["start_method"] == start_method
    with case.session() as session:
        assert checksum(session.run()) == case.expected
        metrics = session.metrics()
    assert metrics["inflight_peak"] <= metrics["inflight_bound"]


@pytest.mark.parametrize("model", PIPELINED)
def test_metadata_says_which_queue_how_many_stages_and_what_is_timed(model: str) -> None:
    meta = one_case(model).metadata()
    queue = {"sequential": "none", "threads": "queue.Queue", "processes": "multiprocessing.Queue",
             "trio": "trio.open_memory_channel (2, of queue_size slots each)"}
    assert meta["queue_impl"] == queue.get(model, "asyncio.Queue")
    assert meta["concurrency_limit"] == meta["stage_workers"]
    if model in ("sequential", "asyncio", "uvloop", "rloop", "trio"):
        assert meta["stage_workers"] == 1
    if model in ("executor-thread", "executor-process"):  # two stage coroutines per pool worker
        assert meta["stage_workers"] == 2 * meta["pool_size"] == 2 * meta["parallelism"]
    elif model != "to_thread":
        assert meta["parallelism"] == meta["stage_workers"]
    for key in ("stage_impl", "inflight_bound", "timed"):
        assert meta[key]


def test_expected_is_the_stage_computed_plainly() -> None:
    params = {"items": 40, "stage_steps": 50, "queue_size": 2}
    assert SCENARIO.expected(params) == checksum(cpu_pure.unit(i, size=50) for i in range(40))
