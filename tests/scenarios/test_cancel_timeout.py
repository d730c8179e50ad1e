"""cancel_timeout: every unit stopped the way it should, deadlines are real, nothing leaks."""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import TypeVar

import pytest

from benchmarks import MODELS, PROFILES, Case, Work, checksum, plan
from benchmarks.core.params import Value
from benchmarks.core.work import mix
from benchmarks.runtimes.loops import UVLOOP, PackagedLoopModel
from benchmarks.runtimes.startup import START_METHODS, pool_child_init
from benchmarks.scenarios.cancel_timeout import DEADLINE, SCENARIO, deadline
from benchmarks.scenarios.cancel_timeout.shutdown import (
    FOREVER_S,
    STOP_TIMEOUT_S,
    Countdown,
    ProcessShutdown,
    ShutdownSession,
    TaskShutdown,
    TaskState,
    ThreadShutdown,
    sleeper,
)
from tests.support.leaks import leaked_children
from tests.support.tiny import available_models

N = 8
SHORT_S = 0.3  # how long a misbehaving unit holds out in the failure tests: generous, never asserted
LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": UVLOOP.factory()}


S = TypeVar("S", bound=ShutdownSession)


def misbehaving(session: type[S], unit: object, stop_timeout: float = SHORT_S) -> type[S]:
    """The session class with another unit (one that does not stop as asked) and timeout."""
    return type(f"Misbehaving{session.__name__}", (session,),
                {"unit": staticmethod(unit), "stop_timeout": stop_timeout})


def expected(n: int) -> list[int]:
    return [mix(i) for i in range(n)]


# -- the plan ------------------------------------------------------------------------------


def test_each_operation_has_only_its_own_parameters() -> None:
    cases, unsupported = plan(["cancel_timeout"])
    names = [c.name for c in cases] + [c.name for c, _ in unsupported]
    assert len(names) == len(set(names))
    # (a model whose capability has no session here has no deadline parameter either)
    for case in [*cases, *(c for c, _ in unsupported if SCENARIO.session_kind(c.model) is not None)]:
        if case.params["op"] == "deadline":
            assert "n" not in case.params
            # a capability the scenario declines outright takes no model parameter here
            assert {"calls", "deadline"} <= set(case.params) or case in (c for c, _ in unsupported)
        else:
            assert not {"calls", "deadline"} & set(case.params)
    # each model's deadline variants, its baseline included, are swept by default
    swept = {(c.model.name, c.params["deadline"]) for c in cases if c.params["op"] == "deadline"}
    assert {("asyncio", "none"), ("asyncio", "timeout"), ("asyncio", "wait_for"),
            ("threads", "none"), ("threads", "result_timeout"), ("sequential", "alarm")} <= swept
    assert {("trio", "none"), ("trio", "fail_after")} <= swept
    shutdown = {c.model.name for c in cases if c.params["op"] == "shutdown"}
    # the fast loops from PyPI (veloxloop, talyn, ...) run wherever installed, as rloop does
    fast = {name for name, model in MODELS.items() if isinstance(model, PackagedLoopModel)}
    here = fast & set(available_models())
    assert shutdown == {"asyncio", "uvloop", "rloop", "threads", "processes", "trio", *here}
    assert {c.model.name for c, _ in unsupported} == {
        "sequential", "to_thread", "executor-thread", "executor-process", "trio-to_thread", "anyio",
        "anyio-to_thread", "anyio-to_process", "gevent", "dask", "subinterpreters", "loop-per-thread",
        *(fast - here)}


def test_budget() -> None:
    first_models = ["sequential", "asyncio", "uvloop", "threads", "processes", "to_thread", "executor-thread",
                    "executor-process"]
    assert len(plan(["cancel_timeout"], first_models)[0]) <= 22
    assert len(plan(["cancel_timeout"], first_models, profile=PROFILES["quick"])[0]) <= 12
    # rloop (as uvloop: 4) and trio (3: none, fail_after, shutdown)
    assert len(plan(["cancel_timeout"], ["rloop", "trio"])[0]) <= 7


def test_a_deadline_a_model_cannot_express_is_declined_with_a_reason() -> None:
    _, unsupported = plan(["cancel_timeout"], ["threads"], {"op": ["deadline"], "deadline": ["wait_for"]})
    ((case, reason),) = unsupported
    assert case.params["deadline"] == "wait_for"
    assert "none, result_timeout" in reason


# -- op=deadline ---------------------------------------------------------------------------


ALL_DEADLINE_CASES = [c for c in plan(
    ["cancel_timeout"],
    overrides={"op": ["deadline"], "calls": ["5"], "deadline": list(DEADLINE.choices or ())},
)[0] if not c.model.capability.apart]  # rloop runs apart: the same-answer test checks it in a child


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("case", ALL_DEADLINE_CASES, ids=lambda c: c.name)
def test_every_deadline_variant_gives_the_same_answer_repeatedly(case: Case) -> None:
    handler = signal.getsignal(signal.SIGALRM)
    timer_armed = signal.getitimer(signal.ITIMER_REAL)[0] > 0  # pytest-timeout's, if any
    with case.session() as session:
        for _ in range(2):  # pyperf calls run() several times on one session
            assert session.run() == expected(5)
        if case.params["deadline"] == "alarm":
            assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # cleared after each call
    # whatever used SIGALRM before gets its handler and its timer back
    assert signal.getsignal(signal.SIGALRM) == handler
    assert (signal.getitimer(signal.ITIMER_REAL)[0] > 0) == timer_armed


def slow(i: int) -> int:
    time.sleep(SHORT_S)
    return mix(i)


async def aslow(i: int) -> int:
    await asyncio.sleep(SHORT_S)
    return mix(i)


async def trio_slow(i: int) -> int:
    import trio

    await trio.sleep(SHORT_S)
    return mix(i)


NON_BASELINE = [(c.model.name, dict(c.params)) for c in ALL_DEADLINE_CASES if c.params["deadline"] != "none"]


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize(("model_name", "params"), NON_BASELINE,
                         ids=[f"{m}-{p['deadline']}" for m, p in NON_BASELINE])
def test_every_deadline_variant_really_bounds_the_call(
    model_name: str, params: Mapping[str, Value], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a deadline shorter than the call, each variant raises TimeoutError."""
    monkeypatch.setattr(deadline, "DEADLINE_S", SHORT_S / 6)
    work = Work(n=2, kind="io", call=slow, acall=aslow, limit=1, aforms={"trio": trio_slow})
    with SCENARIO.open_session(MODELS[model_name], work, params) as session, pytest.raises(TimeoutError):
        session.run()


# -- op=shutdown: tasks --------------------------------------------------------------------

CANCELLED: list[int] = []


async def recording_sleeper(i: int, state: TaskState) -> None:
    try:
        await sleeper(i, state)
    except asyncio.CancelledError:
        CANCELLED.append(i)
        raise


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("loop", list(LOOPS))
def test_every_task_is_cancelled_and_runs_its_finally(loop: str) -> None:
    with misbehaving(TaskShutdown, recording_sleeper, STOP_TIMEOUT_S)(LOOPS[loop], N) as session:
        for _ in range(3):
            CANCELLED.clear()
            assert session.run() == expected(N)
            assert session.finally_blocks == N
            assert sorted(CANCELLED) == list(range(N))
        metrics = session.metrics()
        assert set(metrics) == {"start_us", "shutdown_us", "shutdown_us_per_unit"}
        assert all(value > 0 for value in metrics.values())
        assert session.metrics() == {}  # measurements are of the runs since the last call


async def returns_when_cancelled(i: int, state: TaskState) -> None:
    try:
        await sleeper(i, state)
    except asyncio.CancelledError:
        if i != 3:
            raise
        # swallowed: the task ends normally


async def keeps_sleeping_when_cancelled(i: int, state: TaskState) -> None:
    try:
        await sleeper(i, state)
    except asyncio.CancelledError:
        if i != 3:
            raise
        await asyncio.sleep(FOREVER_S)  # the second cancel() (from close) is obeyed


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("loop", list(LOOPS))
@pytest.mark.parametrize(("unit", "message"), [
    (returns_when_cancelled, r"1 of 8 units \(3\) ended without being cancelled"),
    (keeps_sleeping_when_cancelled, r"1 of 8 units \(3\) still running .* swallow CancelledError"),
])
def test_a_task_that_swallows_cancellation_fails_the_run(loop: str, unit: object, message: str) -> None:
    with misbehaving(TaskShutdown, unit)(LOOPS[loop], N) as session:
        with pytest.raises(RuntimeError, match=message):
            session.run()


# -- op=shutdown: threads ------------------------------------------------------------------


@pytest.mark.usefixtures("no_leaks")
def test_every_thread_sees_the_event_and_is_joined() -> None:
    before = threading.active_count()
    with ThreadShutdown(N) as session:
        for _ in range(3):
            assert session.run() == expected(N)
            assert threading.active_count() == before  # joined within the run
        assert session.metrics()["shutdown_us"] > 0


def deaf_waiter(i: int, stop: threading.Event, started: Countdown, stopped: list[bool]) -> None:
    started.arrive()
    if i == 3:
        time.sleep(SHORT_S * 2)  # does not look at the event in time (stop_timeout is SHORT_S)
        return
    if stop.wait(FOREVER_S):
        stopped[i] = True


def impatient_waiter(i: int, stop: threading.Event, started: Countdown, stopped: list[bool]) -> None:
    started.arrive()
    if stop.wait(0 if i == 3 else FOREVER_S):  # unit 3 gives up waiting by itself
        stopped[i] = True


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize(("unit", "message"), [
    (deaf_waiter, r"1 of 8 units \(3\) still running .* after the stop event was set"),
    (impatient_waiter, r"1 of 8 units \(3\) returned without seeing the stop event"),
])
def test_a_thread_that_does_not_stop_on_the_event_fails_the_run(unit: object, message: str) -> None:
    with misbehaving(ThreadShutdown, unit)(N) as session:
        with pytest.raises(RuntimeError, match=message):
            session.run()


# -- op=shutdown: processes ----------------------------------------------------------------


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("start_method", START_METHODS)
def test_every_process_is_terminated_and_reaped(start_method: str) -> None:
    n = N if start_method == "fork" else 2  # forkserver and spawn children import the package
    with ProcessShutdown(n, start_method) as session:
        for _ in range(2):
            assert session.run() == expected(n)
            assert leaked_children() == []  # reaped within the run
        assert session.metrics()["shutdown_us_per_unit"] > 0


def _ready(i: int, ready: Connection) -> None:
    ready.send_bytes(i.to_bytes(4, "little"))
    ready.close()


def ignores_sigterm(i: int, ready: Connection) -> None:
    pool_child_init()
    if i == 3:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _ready(i, ready)
    time.sleep(FOREVER_S)


def _exit_3(signum: int, frame: object) -> None:
    sys.exit(3)


def exits_3_on_sigterm(i: int, ready: Connection) -> None:
    pool_child_init()
    if i == 3:
        signal.signal(signal.SIGTERM, _exit_3)
    _ready(i, ready)
    time.sleep(FOREVER_S)


def never_ready(i: int, ready: Connection) -> None:
    pool_child_init()
    if i != 3:
        _ready(i, ready)
        time.sleep(FOREVER_S)


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.skipif("fork" not in START_METHODS, reason="these units are defined in a test module")
@pytest.mark.parametrize(("unit", "message"), [
    (ignores_sigterm, r"1 of 8 units \(3\) still running .* ignore SIGTERM"),
    (exits_3_on_sigterm, r"1 of 8 units \(3\) did not end by SIGTERM \(exit codes \[3\]\)"),
    (never_ready, r"only 7 of 8 processes reported ready"),
])
def test_a_process_that_does_not_die_by_sigterm_fails_the_run(unit: object, message: str) -> None:
    with misbehaving(ProcessShutdown, unit)(N, "fork") as session:
        with pytest.raises(RuntimeError, match=message):
            session.run()


# -- the whole scenario, as the runner drives it -------------------------------------------


@pytest.mark.usefixtures("no_leaks")
def test_shutdown_cases_verify_through_the_checksum() -> None:
    cases, _ = plan(["cancel_timeout"], overrides={"op": ["shutdown"], "n": ["5"]})
    for case in (c for c in cases if not c.model.capability.apart):
        with case.session() as session:
            assert checksum(session.run()) == case.expected
            assert set(session.metrics()) >= {"shutdown_us", "shutdown_us_per_unit"}
