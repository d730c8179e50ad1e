"""The I/O scenarios' own machinery: the reference server, temporary files, failures."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import zlib
from pathlib import Path

import pytest

from benchmarks import checksum, plan
from benchmarks.core.work import payload
from benchmarks.scenarios import rpc_fanout
from benchmarks.scenarios.file_io import SCENARIO as FILE_IO
from tests.support.leaks import leaked_children


@pytest.mark.usefixtures("no_leaks")
def test_reference_server_answers_and_stops_when_its_parent_closes_stdin() -> None:
    with rpc_fanout.reference_server(latency_ms=1, size=300) as port:
        (server,) = leaked_children()
        assert rpc_fanout.fetch(7, port=port, size=300) == zlib.crc32(payload(7, 300))
        assert asyncio.run(rpc_fanout.afetch(8, port=port, size=300)) == zlib.crc32(payload(8, 300))
        with pytest.raises(ConnectionError, match="response of 300 bytes, expected 299"):
            rpc_fanout.fetch(1, port=port, size=299)
    assert not server.is_running()


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", ["sequential", "threads", "asyncio", "uvloop", "processes"])
def test_a_killed_server_fails_the_run_clearly(model: str) -> None:
    (case, *_), _ = plan(["rpc_fanout"], [model], {"n": ["4"], "latency_ms": ["1"]})
    with case.session() as session:
        for child in leaked_children():
            if "benchmarks.scenarios.rpc_fanout.refserver" in " ".join(child.cmdline()):
                child.kill()
                child.wait(5)
        with pytest.raises((ConnectionError, OSError)):
            session.run()


@pytest.mark.usefixtures("no_leaks")
def test_file_io_directory_is_removed_even_when_a_unit_fails() -> None:
    seen: list[Path] = []

    def fail_inside() -> None:
        with FILE_IO.prepared({"n": 3, "size_kib": 1}) as work:
            work.call(0)
            seen.extend(Path(tempfile.gettempdir()).glob(f"concbench-file_io-{os.getpid()}-*"))
            assert list(seen[0].iterdir()) == []  # each unit deletes its file
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert len(seen) == 1
    assert not seen[0].exists()



ECHO_TINY = {"connections": ["3"], "round_trips": ["4"], "message_bytes": ["50"]}


def test_echo_digest_agrees_with_summing_every_trip() -> None:
    """The expected answer uses the closed form: two alternating messages, counted."""
    from benchmarks.core.work import MODULUS
    from benchmarks.scenarios.tcp_echo.driver import digest, message

    for connection, trips, size in [(0, 1, 1), (2, 4, 50), (7, 101, 300)]:
        summed = sum(zlib.crc32(message(connection, t, size)) for t in range(trips)) % MODULUS
        assert digest(connection, trips, size) == summed


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", ["threads", "uvloop"])
def test_several_load_generators_share_the_connections(model: str) -> None:
    (case, *_), _ = plan(["tcp_echo"], [model], {**ECHO_TINY, "loadgen_procs": ["2"]})
    with case.session() as session:
        assert len(session.loadgen.members) == 2  # type: ignore[attr-defined]
        assert checksum(session.run()) == case.expected
        metrics = session.metrics()
    assert metrics["latency_samples"] == 3 * 4
    assert 0 < metrics["latency_p50_us"] <= metrics["latency_p90_us"] <= metrics["latency_p99_us"]
    assert metrics["server_user_us_per_rt"] >= 0
    assert metrics["server_kernel_us_per_rt"] >= 0


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", ["asyncio", "uvloop", "to_thread", "executor-thread"])
def test_each_loop_model_opens_the_server_its_capability_and_api_ask_for(model: str) -> None:
    from benchmarks.scenarios.tcp_echo import servers as _echo_servers

    wanted = {"streams": _echo_servers.StreamsServer, "protocol": _echo_servers.ProtocolServer,
              None: _echo_servers.BlockingOnLoopServer}
    cases, _ = plan(["tcp_echo"], [model], ECHO_TINY)
    for case in cases:
        with case.session() as session:
            assert type(session) is wanted[case.params.get("server")]
            if isinstance(session, _echo_servers.BlockingOnLoopServer):
                assert (session.pool is None) == (model == "to_thread")
            assert checksum(session.run()) == case.expected


@pytest.mark.usefixtures("no_leaks")
def test_a_killed_echo_server_fails_the_run_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.scenarios.tcp_echo import driver as _echo_driver

    monkeypatch.setattr(_echo_driver, "TIMEOUT_S", 2.0)
    (case,), _ = plan(["tcp_echo"], ["processes"], ECHO_TINY)
    with case.session() as session:
        for worker in session.workers:  # type: ignore[attr-defined]
            worker.kill()
            worker.join()
        with pytest.raises(ConnectionError, match="load generator: TimeoutError"):
            session.run()


@pytest.mark.usefixtures("no_leaks")
def test_a_dead_load_generator_fails_the_run_clearly() -> None:
    (case, *_), _ = plan(["tcp_echo"], ["asyncio"], ECHO_TINY)
    with case.session() as session:
        (member,) = session.loadgen.members  # type: ignore[attr-defined]
        member.proc.kill()
        member.proc.wait()
        with pytest.raises(ConnectionError, match="load generator has exited"):
            session.run()


@pytest.mark.usefixtures("no_leaks")
def test_load_generator_capacity_is_measured_against_the_native_peer() -> None:
    from benchmarks.scenarios.tcp_echo import capacity as _capacity

    result = _capacity.measure(connections=2, trips=5, size=64, loadgen_procs=1)
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        assert result == {"load_generator_capacity": "not measured: no C compiler"}
    else:
        assert result["load_generator_capacity_peer"] == "native epoll echo (C)"
        assert isinstance(result["load_generator_capacity_rtps"], float)
        assert result["load_generator_capacity_rtps"] > 0


@pytest.mark.usefixtures("no_leaks")
def test_two_servers_at_once_each_get_their_own_ephemeral_port() -> None:
    (case, *_), _ = plan(["tcp_echo"], ["threads"], ECHO_TINY)
    with case.session() as first, case.session() as second:
        ports = {s.listener.getsockname()[1] for s in (first, second)}  # type: ignore[attr-defined]
        assert len(ports) == 2
        assert checksum(first.run()) == checksum(second.run()) == case.expected
