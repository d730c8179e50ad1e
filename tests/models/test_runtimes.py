"""The other runtimes' invariants: thread limiters, forms of the units, gevent kept apart."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import pyperf
import pytest

from benchmarks import MODELS, Scenario, Work, checksum
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Checksum, mix
from benchmarks.runtimes.greenlets import Greenlets, patched
from benchmarks.runtimes.structured import DEFAULT_THREAD_LIMITER
from tests.support.cli import MINIMAL_PYPERF, run_cli
from tests.support.tiny import tiny_args


class Peak:
    """A blocking unit that records how many calls overlap (they sleep long enough to)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def call(self, i: int) -> int:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.02)
        with self.lock:
            self.now -= 1
        return mix(i)


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize(("model", "backend"), [("trio-to_thread", "trio"), ("anyio-to_thread", "asyncio"),
                                                ("anyio-to_thread", "trio")])
def test_the_thread_limiter_caps_the_blocking_units_at_its_recorded_size(model: str, backend: str) -> None:
    peak = Peak()
    n = 2 * DEFAULT_THREAD_LIMITER + 5  # more units than threads, all wanting to run at once
    work = Work(n=n, kind="io", call=peak.call, acall=partial(_never, "acall"))
    capability = MODELS[model].capability
    params = {"backend": backend}
    assert capability.metadata(work, params)["thread_limiter_size"] == DEFAULT_THREAD_LIMITER
    with capability.open(work, params) as session:
        results = session.run()
    assert checksum(results) == checksum(mix(i) for i in range(n))
    assert peak.peak == DEFAULT_THREAD_LIMITER


async def _never(what: str, i: int) -> int:
    raise AssertionError(f"{what} must not be awaited")


class AsyncioOnly(Scenario):
    """Units whose only async form is asyncio's."""

    name = "asyncio_only"
    summary = "a unit with an asyncio form only (test)"
    kind = "io"
    params = (Param("n", int, (3,), "units", minimum=1),)

    def work(self, params: Mapping[str, Value]) -> Work:
        return Work(n=int(params["n"]), kind=self.kind, call=mix, acall=partial(_never, "asyncio's form"))

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        return checksum(mix(i) for i in range(int(params["n"])))


def test_a_library_without_a_form_of_the_units_is_declined_with_that_reason() -> None:
    scenario, params = AsyncioOnly(), {"n": 3}
    assert MODELS["trio"].unsupported(scenario, params) == "asyncio_only has no trio form of its unit"
    assert MODELS["anyio"].unsupported(scenario, {**params, "backend": "trio"}) == (
        "asyncio_only has no anyio form of its unit")
    # handing the blocking call to threads needs no async form; asyncio's own form is acall
    for model in ("trio-to_thread", "anyio-to_thread", "asyncio", "gevent", "threads"):
        assert MODELS[model].unsupported(scenario, params) is None, model


def test_a_gevent_session_never_opens_in_an_unpatched_process() -> None:
    assert not patched()
    work = Work(n=1, kind="io", call=mix, acall=partial(_never, "acall"))
    with pytest.raises(RuntimeError, match="monkey-patched"):
        Greenlets().open(work, {})
    assert not patched()


@pytest.mark.pyperf
def test_gevent_runs_through_pyperf_beside_the_thread_models(tmp_path: Path) -> None:
    """A mixed selection: gevent's pairs are verified in a forked child and timed in workers that
    patch themselves; the threads and to_thread pairs of the same run are not patched."""
    out = tmp_path / "mixed.json"
    scenarios = ("sleep_fanout", "file_io", "rpc_fanout")
    proc = run_cli("run", "--model", "gevent", "--model", "threads", "--model", "to_thread",
                   *(arg for s in scenarios for arg in ("--scenario", s)), "--profile", "quick",
                   *tiny_args(*scenarios), *MINIMAL_PYPERF, "-o", str(out), cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    benches = pyperf.BenchmarkSuite.load(str(out)).get_benchmarks()
    timed = {(b.get_metadata()["scenario"], b.get_metadata()["model"]) for b in benches}
    assert timed == {(s, m) for s in scenarios for m in ("gevent", "threads", "to_thread")}
    for bench in benches:
        meta = bench.get_metadata()
        if meta["model"] == "gevent":
            assert meta["units_in"].startswith("gevent's threadpool" if meta["scenario"] == "file_io"
                                               else "greenlets")
    assert json.loads(out.with_suffix(".runinfo").read_text())["failed"] == []
    assert "gevent.monkey" not in sys.modules or not patched()  # nor this process, for that matter


@pytest.mark.usefixtures("no_leaks")
def test_anyio_to_process_workers_end_by_themselves_and_are_reaped_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Left to anyio, the run's end kills its workers twice, and the second kill's poll could reap a
    process under asyncio's child watcher ("Unknown child process pid N, will report returncode 255"):
    the session ends them first, at the end of their input, so anyio kills none."""
    from anyio._backends import _asyncio as backend

    killed: list[int] = []
    kill = backend.Process.kill
    monkeypatch.setattr(backend.Process, "kill", lambda self: (killed.append(self.pid), kill(self))[1])
    work = Work(n=4, kind="cpu", call=mix, acall=partial(_never, "acall"))
    with MODELS["anyio-to_process"].capability.open(work, {"backend": "asyncio"}) as session:
        results = session.run()
    assert checksum(results) == checksum(mix(i) for i in range(4))
    assert killed == []
