"""Invariants of the models: limits hold exactly, failures propagate and clean up."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

from benchmarks import MODELS, Work
from benchmarks.core.work import inline_async
from benchmarks.runtimes.startup import default_executor_size
from tests.support.tiny import available_models

HOLD_S = 0.02  # long enough that every unit allowed to overlap does overlap


class InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.now -= 1


TRACK = InFlight()


def tracked(i: int) -> int:
    with TRACK:
        time.sleep(HOLD_S)
    return i


async def atracked(i: int) -> int:
    with TRACK:
        await asyncio.sleep(HOLD_S)
    return i


def failing(i: int) -> int:
    if i == 3:
        raise ValueError("unit 3 failed")
    return i


# (model, params) pairs whose units run in this process, where peaks can be observed
IN_PROCESS = [
    ("sequential", {}),
    *((m, {"api": api}) for m in ("asyncio", "uvloop") for api in ("gather", "taskgroup", "as_completed")),
    ("threads", {"workers": 0}),
    ("to_thread", {"api": "gather"}),
    ("executor-thread", {"api": "gather", "workers": 0}),
    # 3 loops: a limit of 4 is shared out 2 + 1 + 1
    ("loop-per-thread", {"workers": 3}),
]
IN_PROCESS = [(m, p) for m, p in IN_PROCESS if m in available_models()]


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("limit", [0, 4])
@pytest.mark.parametrize(("model_name", "params"), IN_PROCESS, ids=[f"{m}-{p}" for m, p in IN_PROCESS])
def test_peak_concurrency_equals_declared_limit(
    model_name: str, params: dict[str, object], limit: int
) -> None:
    global TRACK
    TRACK = InFlight()
    work = Work(n=24, kind="io", call=tracked, acall=atracked, limit=limit)
    model = MODELS[model_name]
    with model.open(work, params) as session:  # type: ignore[arg-type]
        assert sorted(session.run()) == list(range(24))
    declared = model.metadata(work, params)["concurrency_limit"]  # type: ignore[arg-type]
    assert TRACK.peak == declared
    assert TRACK.now == 0


def test_to_thread_is_capped_by_the_default_executor() -> None:
    work = Work(n=24, kind="io", call=tracked, acall=atracked, limit=0)
    meta = MODELS["to_thread"].metadata(work, {"api": "gather"})
    assert meta["concurrency_limit"] == default_executor_size() < 24


#: Models checked in a forked child, as the master verifies them: gevent, dask and rloop run apart
#: (a monkey-patched process, a cluster per process, a loop that never closes its descriptors).
APART = [name for name, m in MODELS.items() if m.capability.apart]
IN_A_CHILD = [name for name in APART if name in available_models()]


def fail_one_unit(model_name: str) -> None:
    model = MODELS[model_name]
    params = {p.name: p.default[0] for p in model.params}
    # inline CPU units: every library can run them (neutral)
    work = Work(n=6, kind="cpu", call=failing, acall=inline_async(failing), neutral=True)
    with model.open(work, params) as session, pytest.raises(Exception) as info:  # noqa: PT011
        session.run()
    errors = info.value.exceptions if isinstance(info.value, ExceptionGroup) else [info.value]
    assert [str(e) for e in errors] == ["unit 3 failed"]


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model_name", [name for name in available_models() if name not in APART])
def test_a_failing_unit_fails_the_run_and_leaks_nothing(model_name: str) -> None:
    fail_one_unit(model_name)


@pytest.mark.parametrize("model_name", IN_A_CHILD)
def test_a_failing_unit_fails_the_run_in_a_process_of_its_own(model_name: str) -> None:
    pid = os.fork()
    if pid == 0:  # the child: set up as the pyperf worker would, exit 0 if the check holds
        code = 1
        try:
            capability = MODELS[model_name].capability
            capability.worker_init()
            try:
                fail_one_unit(model_name)
            finally:
                capability.worker_exit()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize(("lifecycle", "started_before_run"), [("warm", 6), ("cold", 0)])
def test_spawn_lifecycle_decides_whether_pools_start_before_timing(
    lifecycle: str, started_before_run: int
) -> None:
    from benchmarks import plan

    (case,), _ = plan(["spawn"], ["threads"], {"n": ["6"], "lifecycle": [lifecycle]})
    before = threading.active_count()
    with case.session() as session:
        assert threading.active_count() - before == started_before_run
        assert len(session.run()) == 6
        assert threading.active_count() - before == started_before_run  # cold: gone again
