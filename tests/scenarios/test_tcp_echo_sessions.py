"""tcp_echo sessions: a server with its generators, as the harness times them."""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
import zlib
from pathlib import Path
from typing import ClassVar, NoReturn

import pytest

from benchmarks import Model, checksum, plan
from benchmarks.core.work import MODULUS
from benchmarks.runtimes.aio import LoopFactory
from benchmarks.runtimes.loops import EventLoop, Loop
from benchmarks.scenarios.tcp_echo import SCENARIO, allocator, capacity, driver, kinds, native
from benchmarks.scenarios.tcp_echo.sessions import EchoSession
from benchmarks.scenarios.tcp_echo.wire import digest, message
from tests.support.cli import env

ECHO_TINY = {"connections": ["3"], "round_trips": ["4"], "message_bytes": ["50"], "warmup_trips": ["3"]}
# in this process: a model that runs apart (rloop: its loops keep two descriptors open) is
# checked in a child of its own by the same-answer test
ALL_KINDS = [c for c in plan(["tcp_echo"], [], ECHO_TINY)[0] if not c.model.capability.apart]


def test_echo_digest_agrees_with_summing_every_trip() -> None:
    """The expected answer uses the closed form: two alternating messages, counted."""
    for connection, trips, size in [(0, 1, 2), (2, 4, 50), (7, 101, 300), (300, 3, 9)]:
        summed = sum(zlib.crc32(message(connection, t, size)) for t in range(trips)) % MODULUS
        assert digest(connection, trips, size) == summed


def test_messages_alternate_end_in_a_newline_and_hold_no_other() -> None:
    for connection in range(0, 400, 7):
        even, odd = message(connection, 0, 64), message(connection, 1, 64)
        assert even != odd
        assert even.endswith(b"\n")
        assert even.count(b"\n") == odd.count(b"\n") == 1


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("case", ALL_KINDS,
                         ids=lambda c: c.name.split("[")[0] + str(c.params.get("server", "")))
def test_connections_outlive_runs_exactly_when_the_metadata_says_so(case: object) -> None:
    from benchmarks.harness.plan import Case

    assert isinstance(case, Case)
    with case.session() as session:
        assert isinstance(session, EchoSession)
        reuse = case.metadata()["connection_reuse"]
        assert reuse == ("per_run" if session.spec.reconnect else "persistent")
        for _ in range(2):
            assert checksum(session.run()) == case.expected
        metrics = session.metrics()
    assert metrics["latency_samples"] == 2 * 3 * 4  # the timed runs, not the warm-up
    assert metrics["round_trips"] == 2 * 3 * 4
    assert 0 < metrics["latency_p50_us"] <= metrics["latency_p99_us"] <= metrics["latency_p99.9_us"]
    for key in ("server_cpu_util", "server_runq_wait_util", "loadgen_cpu_util", "loadgen_runq_wait_util",
                "server_user_us_per_rt", "server_kernel_us_per_rt", "loadgen_kernel_us_per_rt"):
        assert metrics[key] >= 0, key
    assert "send_lag_samples" not in metrics  # a closed loop schedules nothing


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="placement=split needs two CPUs")
def test_split_placement_pins_server_and_generators_apart_and_restores_the_caller() -> None:
    (case, *_), _ = plan(["tcp_echo"], ["threads"], {**ECHO_TINY, "loadgen_procs": ["2"]})
    before = os.sched_getaffinity(0)
    server_cpus, loadgen_cpus = kinds.placement(case.params) or ((), ())
    with case.session() as session:
        assert isinstance(session, EchoSession)
        assert os.sched_getaffinity(0) == set(server_cpus)
        assert session.loadgen is not None
        for member in session.loadgen.members:
            assert os.sched_getaffinity(member.proc.pid) == set(loadgen_cpus)
        assert checksum(session.run()) == case.expected
    assert os.sched_getaffinity(0) == before
    assert set(server_cpus).isdisjoint(loadgen_cpus)
    assert case.metadata()["server_cpus"] == ",".join(map(str, server_cpus))


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("generator", driver.GENERATORS)
def test_open_loop_sessions_schedule_their_requests_and_say_how_late_they_sent(generator: str) -> None:
    params = {**ECHO_TINY, "mode": ["open"], "offered_rate": ["3000"], "open_window_ms": ["20"],
              "generator": [generator]}
    (case, *_), _ = plan(["tcp_echo"], ["uvloop"], params)
    assert "round_trips" not in case.params  # the rate and the window set the trips
    assert case.metadata()["offered_rate_rtps"] == 3000.0
    with case.session() as session:
        assert checksum(session.run()) == case.expected
        metrics = session.metrics()
    assert metrics["latency_samples"] == metrics["send_lag_samples"] == 3 * 20


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", ["threads", "uvloop"])
def test_several_load_generators_share_the_connections(model: str) -> None:
    (case, *_), _ = plan(["tcp_echo"], [model], {**ECHO_TINY, "loadgen_procs": ["2"]})
    with case.session() as session:
        assert isinstance(session, EchoSession)
        assert session.loadgen is not None
        assert len(session.loadgen.members) == 2
        assert checksum(session.run()) == case.expected
        assert session.metrics()["latency_samples"] == 3 * 4


@pytest.mark.usefixtures("no_leaks")
def test_a_killed_echo_server_fails_the_run_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(driver, "TIMEOUT_S", 2.0)
    (case,), _ = plan(["tcp_echo"], ["processes"], ECHO_TINY)
    with case.session() as session:
        assert isinstance(session, EchoSession)
        for worker in session.server.workers:  # type: ignore[attr-defined]
            worker.kill()
            worker.join()
        with pytest.raises(ConnectionError, match=r"load generator: |pre-forked worker"):
            session.run()


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", ["asyncio", "threads"])
def test_a_dead_load_generator_fails_the_run_clearly(model: str) -> None:
    (case, *_), _ = plan(["tcp_echo"], [model], ECHO_TINY)
    with case.session() as session:
        assert isinstance(session, EchoSession)
        assert session.loadgen is not None
        (member,) = session.loadgen.members
        member.proc.kill()
        member.proc.wait()
        with pytest.raises(ConnectionError, match="load generator has exited"):
            session.run()


@pytest.mark.usefixtures("no_leaks")
def test_two_servers_at_once_each_get_their_own_ephemeral_port() -> None:
    (case, *_), _ = plan(["tcp_echo"], ["threads"], ECHO_TINY)
    with case.session() as first, case.session() as second:
        assert isinstance(first, EchoSession)
        assert isinstance(second, EchoSession)
        assert first.server.listener.getsockname()[1] != second.server.listener.getsockname()[1]
        assert checksum(first.run()) == checksum(second.run()) == case.expected


def test_a_helper_in_the_cache_needs_no_compiler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The root of tools/python-root.sh has no C compiler: it runs the helpers the host built into
    the shared cache, and declines the native generator only when they are not there."""
    monkeypatch.setattr(native, "cache_dir", lambda: tmp_path)
    monkeypatch.setattr(native, "compiler", lambda: None)
    assert not native.available()
    with pytest.raises(native.NoCompiler, match="echo_loadgen needs a C compiler"):
        native.binary("echo_loadgen")
    for name in native.NAMES:
        native.cached(name).parent.mkdir(parents=True, exist_ok=True)
        native.cached(name).write_text("built by the host")
    assert native.available()
    assert native.binary("echo_loadgen") == native.cached("echo_loadgen")


@pytest.mark.usefixtures("no_leaks")
def test_load_generator_capacity_is_measured_against_the_native_peer() -> None:
    load = driver.GeneratorSpec(port=0, connections=2, round_trips=5, size=64, warmup=2)
    result = capacity.measure(load)
    if not native.available():
        assert result == {"load_generator_capacity": "not measured: no C compiler"}
        return
    assert result["load_generator_capacity_peer"] == "native epoll echo (C)"
    assert isinstance(result["load_generator_capacity_rtps"], float)
    assert result["load_generator_capacity_rtps"] > 0
    assert result["load_generator_capacity_limit"] in ("generator", "peer or machine")


def test_a_result_near_the_generators_capacity_is_flagged() -> None:
    meta = {"load_generator_capacity_rtps": 100_000.0, "round_trips_total": 20_000}
    assert SCENARIO.warnings(meta, 0.5) == []  # 40 000 /s
    (warning,) = SCENARIO.warnings(meta, 0.24)  # 83 333 /s
    assert warning.startswith("83,333 round trips/s is 83% of the load generator's capacity (100,000/s)")


def test_auto_round_trips_keep_a_window_long_enough_to_be_a_rate() -> None:
    for size, total in ((100, 20_000), (4096, 20_000), (65536, 2_000), (1 << 20, 2_000)):
        params = {"connections": 16, "round_trips": "auto", "message_bytes": size}
        assert kinds.trips(params) * 16 >= total


FAULTS_PER_ROUND_TRIP = """
import resource, sys
from benchmarks import checksum, plan
params = {"connections": ["3"], "round_trips": ["200"], "message_bytes": ["50"], "warmup_trips": ["3"],
          "malloc": [sys.argv[1]], "server": ["protocol"]}
(case,), _ = plan(["tcp_echo"], ["asyncio"], params)
with case.session() as session:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    assert checksum(session.run()) == case.expected
    print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / (3 * 200))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the mmap threshold is glibc's")
def test_a_fresh_allocator_costs_asyncio_a_page_fault_per_read_and_a_warm_one_none() -> None:
    """allocator.py's explanation of the slow first runs, as an invariant of a fresh process (a
    used heap may hold a free 256 KiB chunk and hide it): asyncio's recv(256 KiB) is an mmap, so a
    fault, per read under the start-up threshold, and never one above the warm one."""
    faults = {}
    for state in allocator.STATES:
        proc = subprocess.run([sys.executable, "-c", FAULTS_PER_ROUND_TRIP, state], env=env(),
                              capture_output=True, text=True, timeout=120, check=True)
        faults[state] = float(proc.stdout)
    assert faults["fresh"] >= 1.0
    assert faults["warm"] < 0.1


class _NoPipeLoop(asyncio.SelectorEventLoop):
    """A loop without connect_read_pipe, as veloxloop 0.2, talyn 0.10 and uringcore 0.9 are."""

    async def connect_read_pipe(self, *args: object, **kwargs: object) -> NoReturn:
        raise NotImplementedError


class _NoPipes(Loop):
    name: ClassVar[str] = "no-pipes"

    def factory(self) -> LoopFactory:
        return _NoPipeLoop


class _NoPipesModel(Model):
    name = "no-pipes"
    summary = "asyncio's loop without connect_read_pipe (test)"
    capability = EventLoop(_NoPipes())


@pytest.mark.usefixtures("no_leaks")
def test_a_loop_without_connect_read_pipe_reads_its_generators_by_add_reader() -> None:
    """The generators' answers reach a server's loop that cannot make pipe transports."""
    (case,), _ = plan(["tcp_echo"], ["asyncio"], {**ECHO_TINY, "server": ["protocol"]})
    with case.scenario.prepared(case.params) as work, \
            case.scenario.open_session(_NoPipesModel(), work, case.params) as session:
        assert isinstance(session, EchoSession)
        assert isinstance(session.server.loop, _NoPipeLoop)  # type: ignore[attr-defined]
        for _ in range(2):
            assert checksum(session.run()) == case.expected
