"""Proof of extension: a new model is one class that declares its capability.

``MODELS`` makes this module a plugin (``--plugin tests.harness.test_extension_models``), so the
same classes reach pyperf's worker processes in the run below.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyperf
import pytest

from benchmarks import MODELS as REGISTERED
from benchmarks import PROFILES, Capability, Case, Model, Session, Work, checksum, plan, register
from benchmarks import SCENARIOS as REGISTERED_SCENARIOS
from benchmarks.core.params import Value
from benchmarks.runtimes.pools import ThreadPool
from tests.support.cli import MINIMAL_PYPERF, run_cli
from tests.support.tiny import TINY, tiny_args

PLUGIN = __name__


class RenamedPool(Model):
    """Nothing but a thread pool under another name: every scenario must treat it as one."""

    name = "renamed-pool"
    summary = "a thread pool under another name (extension test)"
    capability = ThreadPool()


class ThreadPerUnitSession(Session):
    def __init__(self, work: Work) -> None:
        self._work = work

    def run(self) -> list[int]:
        results = [0] * self._work.n

        def one(i: int) -> None:
            results[i] = self._work.call(i)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(self._work.n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return results


class ThreadPerUnit(Capability):
    """A capability no scenario has heard of: a new thread for every unit."""

    label = "a new thread for every unit"

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return work.n

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        return ThreadPerUnitSession(work)


class Spawner(Model):
    name = "thread-per-unit"
    summary = "a new thread for every unit (extension test)"
    capability = ThreadPerUnit()


MODELS = [RenamedPool(), Spawner()]


@pytest.fixture
def registered() -> Iterator[None]:
    register(models=MODELS)
    yield
    for model in MODELS:
        del REGISTERED[model.name]


def verified(model: str) -> tuple[list[Case], dict[str, str]]:
    """Every pair of ``model`` at tiny parameters, each run once and checked; and the declined."""
    cases, unsupported = plan(models=[model], overrides=TINY, profile=PROFILES["quick"])
    for case in cases:
        with case.session() as session:
            assert checksum(session.run()) == case.expected, case.name
    return cases, {f"{c.scenario.name}{dict(c.params)}": reason for c, reason in unsupported}


@pytest.mark.usefixtures("registered", "no_leaks")
def test_a_thread_pool_under_another_name_runs_wherever_threads_do() -> None:
    renamed, renamed_declined = verified(RenamedPool.name)
    threads, threads_declined = verified("threads")
    assert [c.params for c in renamed] == [c.params for c in threads]
    for mine, theirs in zip(renamed, threads, strict=True):  # the same set-up, other name
        assert {**mine.metadata(), "model": "threads"} == theirs.metadata()
    assert renamed_declined == threads_declined


@pytest.mark.usefixtures("registered", "no_leaks")
def test_an_unknown_capability_runs_the_plain_scenarios_and_is_declined_by_the_others() -> None:
    cases, declined = verified(Spawner.name)
    with_sessions = {name for name, s in REGISTERED_SCENARIOS.items() if s.sessions is not None}
    assert with_sessions == {"tcp_echo", "primitives", "pipeline", "cancel_timeout"}
    assert {c.scenario.name for c in cases} == set(REGISTERED_SCENARIOS) - with_sessions
    assert declined  # and each says why, naming the capability
    for point, reason in declined.items():
        scenario = point.split("{")[0]
        if scenario in with_sessions:
            assert reason.startswith(f"{scenario} has sessions for "), reason
            assert f"not for {ThreadPerUnit.label} ({Spawner.name})" in reason
        else:  # its retry pattern runs; the rate-limited patterns need a token bucket for it
            assert scenario == "retry_ratelimit", point
            assert "token buckets" in reason


@pytest.mark.usefixtures("registered")
def test_list_names_the_plugin_models() -> None:
    proc = run_cli("list", "--plugin", PLUGIN, cwd=Path.cwd())
    assert proc.returncode == 0, proc.stderr
    assert f"  {RenamedPool.name}: {RenamedPool.summary}" in proc.stdout
    assert f"  {Spawner.name}: {Spawner.summary}" in proc.stdout


@pytest.mark.pyperf
def test_a_quick_run_with_the_plugin_models(tmp_path: Path) -> None:
    out = tmp_path / "plugin.json"
    proc = run_cli("run", "--plugin", PLUGIN, "--model", RenamedPool.name, "--model", Spawner.name,
                   "--scenario", "cpu_pure", "--scenario", "tcp_echo", "--profile", "quick",
                   *tiny_args("cpu_pure", "tcp_echo"), *MINIMAL_PYPERF, "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    benches = pyperf.BenchmarkSuite.load(str(out)).get_benchmarks()
    timed = {(b.get_metadata()["scenario"], b.get_metadata()["model"]) for b in benches}
    # tcp_echo has a session for thread pools (a thread per connection), none for the new capability
    assert timed == {("cpu_pure", RenamedPool.name), ("cpu_pure", Spawner.name),
                     ("tcp_echo", RenamedPool.name)}
    unsupported = json.loads(out.with_suffix(".runinfo").read_text())["unsupported"]
    assert [u["model"] for u in unsupported if u["scenario"] == "tcp_echo"] == [Spawner.name]
    assert "1 pair(s) not run" in proc.stderr
