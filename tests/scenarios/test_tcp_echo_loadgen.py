"""The tcp_echo load generators on their own: against the C peer and against test servers that
misbehave, record what they read, or pause once."""

from __future__ import annotations

import selectors
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.scenarios.tcp_echo import histograms, native
from benchmarks.scenarios.tcp_echo.driver import GENERATORS, GeneratorSpec, LoadGroup, open_loop_trips
from benchmarks.scenarios.tcp_echo.wire import GO, STATS, WARMUP, digests, digests_of
from tests.support.cli import run_cli

pytestmark = pytest.mark.usefixtures("no_leaks")


@contextmanager
def native_peer() -> Iterator[int]:
    import subprocess

    with subprocess.Popen([str(native.binary("echo_peer"))], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as peer:
        assert peer.stdout is not None
        assert peer.stdin is not None
        try:
            yield int(peer.stdout.readline())
        finally:
            peer.stdin.close()
            peer.wait(10)
            peer.stdout.close()


class FlakyEcho:
    """A one-thread selector echo server with test hooks: ``spoil`` changes one byte of the
    n-th byte echoed, ``pause_after`` sleeps ``pause_s`` once after that many bytes (every
    connection stalls), ``close_after`` closes a connection after that many bytes; ``reads``
    records (CLOCK_MONOTONIC ns, bytes) of every read."""

    def __init__(self, spoil: int = -1, pause_after: int = -1, pause_s: float = 0.0,
                 close_after: int = -1) -> None:
        self.spoil, self.pause_after, self.pause_s = spoil, pause_after, pause_s
        self.close_after = close_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.reads: list[tuple[int, int]] = []
        self.echoed = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._serve)

    def __enter__(self) -> FlakyEcho:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping = True
        self.thread.join(10)
        self.listener.close()

    def _serve(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self.listener, selectors.EVENT_READ)
        conns = []
        while not self.stopping:
            for key, _ in sel.select(0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is self.listener:
                    conn, _ = sock.accept()
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    conns.append(conn)
                    sel.register(conn, selectors.EVENT_READ)
                    continue
                try:
                    self._echo(sock)
                except OSError:  # the generator gave up on this connection (aborted it)
                    sock.close()
                if sock.fileno() < 0:
                    sel.unregister(sock)
        for conn in conns:
            conn.close()
        sel.close()

    def _echo(self, sock: socket.socket) -> None:
        data = bytearray(sock.recv(1 << 20))
        self.reads.append((time.monotonic_ns(), len(data)))
        if not data or 0 <= self.close_after <= self.echoed:
            sock.close()
            return
        if self.echoed <= self.spoil < self.echoed + len(data):
            data[self.spoil - self.echoed] ^= 0xFF
        if self.echoed <= self.pause_after < self.echoed + len(data):
            time.sleep(self.pause_s)
        self.echoed += len(data)
        sock.sendall(data)


def spec(port: int, kind: str, **changes: object) -> GeneratorSpec:
    base = GeneratorSpec(port=port, connections=3, round_trips=40, size=100, kind=kind, warmup=5,
                         timeout_s=10)
    return replace(base, **changes)  # type: ignore[arg-type]


def runs(group: LoadGroup, count: int) -> tuple[list[list[int]], list[dict[str, object]]]:
    group.exchange(WARMUP)
    got = [digests_of(group.exchange(GO)) for _ in range(count)]
    return got, group.exchange(STATS)


CLOSED_SHAPES = [dict(), dict(depth=4), dict(size=65536 + 7, round_trips=6), dict(procs=2, connections=5),
                 dict(reconnect=True)]


@pytest.mark.parametrize("shape", CLOSED_SHAPES, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items())
                         or "default")
@pytest.mark.parametrize("kind", GENERATORS)
def test_closed_loop_against_the_native_peer_counts_every_checked_echo(kind: str,
                                                                       shape: dict[str, int]) -> None:
    with native_peer() as port:
        load = spec(port, kind, **shape)
        with _group(load) as group:
            got, stats = runs(group, 2)
    assert got == [digests(load.connections, load.round_trips, load.size)] * 2
    latency = histograms.merged(stats, "latency")
    assert latency.get_total_count() == 2 * load.total  # the warm-up is not recorded
    assert histograms.merged(stats, "lag").get_total_count() == 0  # closed loop: nothing scheduled


@contextmanager
def _group(load: GeneratorSpec) -> Iterator[LoadGroup]:
    group = LoadGroup(load)
    try:
        yield group
    finally:
        group.close()


@pytest.mark.parametrize("kind", GENERATORS)
@pytest.mark.parametrize(("server", "message"), [
    (dict(spoil=3 * 100 * 5 + 250), "echo of trip"),  # a byte of the timed run, past the warm-up
    (dict(spoil=3 * 100 * 5 + 399), "echo of trip"),  # a message's closing newline
    (dict(close_after=3 * 100 * 5 + 100), "closed by the server after"),
])
def test_a_wrong_or_short_echo_is_an_error_naming_the_connection(kind: str, server: dict[str, int],
                                                                 message: str) -> None:
    with FlakyEcho(**server) as peer, _group(spec(peer.port, kind)) as group:
        group.exchange(WARMUP)
        with pytest.raises(ConnectionError, match=f"connection [0-9]+.*{message}|{message}"):
            group.exchange(GO)


@pytest.mark.parametrize("kind", GENERATORS)
def test_open_loop_sends_nothing_before_its_intended_time(kind: str) -> None:
    """Request j (trip i of connection c, j = i * C + c) is due at t0 + j / rate; the server's read
    of the bytes up to request j can never come before that."""
    rate, connections = 2000.0, 3
    load = spec(0, kind, rate=rate, connections=connections, warmup=0,
                round_trips=open_loop_trips(rate, 0.15, connections))
    with FlakyEcho() as peer, _group(replace(load, port=peer.port)) as group:
        group.exchange(WARMUP)
        (reply,) = group.exchange(GO)
        stats = group.exchange(STATS)
    interval = int(1e9 / rate)
    received = 0
    for at, size in peer.reads:
        received += size
        requests = received // load.size  # all of these were sent by now, whichever connections
        assert at >= reply["t0_ns"] + (requests - 1) * interval
    assert received == load.total * load.size
    assert histograms.merged(stats, "lag").get_total_count() == load.total


@pytest.mark.parametrize("kind", GENERATORS)
def test_a_pause_shows_in_the_open_loop_p99_and_hides_in_the_closed_loop(kind: str) -> None:
    """One 100 ms stall of the whole server: an open loop keeps sending on schedule and charges
    each request from its intended time, so the ~10% of requests due during the pause push p99
    past 50 ms; a closed loop sends nothing while it waits, so only C requests wait and p99
    stays under the pause (coordinated omission)."""
    pause = dict(pause_after=200 * 100, pause_s=0.1)  # after 200 requests of 100 bytes
    rate, connections = 2000.0, 3
    open_load = spec(0, kind, connections=connections, rate=rate, warmup=0,
                     round_trips=open_loop_trips(rate, 1.0, connections))
    closed_load = spec(0, kind, connections=connections, warmup=0, round_trips=open_load.round_trips)
    p99 = {}
    for name, load in (("open", open_load), ("closed", closed_load)):
        with FlakyEcho(**pause) as peer, _group(replace(load, port=peer.port)) as group:
            group.exchange(WARMUP)
            assert digests_of(group.exchange(GO)) == digests(connections, load.round_trips, load.size)
            p99[name] = histograms.merged(group.exchange(STATS), "latency").get_value_at_percentile(99)
    assert p99["open"] >= 50e6
    assert p99["closed"] < 100e6


@pytest.mark.parametrize(("args", "message"), [
    (["127.0.0.1:70000"], "invalid port '70000': expected an integer from 1 to 65535"),
    (["127.0.0.1:0"], "invalid port '0': expected an integer from 1 to 65535"),
    (["127.0.0.1:http"], "invalid port 'http'"),
    (["no-such-host.invalid:80"], "invalid host 'no-such-host.invalid': not an IP address"),
    (["8000"], "invalid address '8000': expected HOST:PORT"),
    (["127.0.0.1:9", "--connections", "0"], "invalid --connections 0: expected an integer >= 1"),
    (["127.0.0.1:9", "--generator", "rust"], "invalid choice: 'rust'"),
])
def test_loadgen_refuses_bad_addresses_and_options_in_one_line(tmp_path: Path, args: list[str],
                                                               message: str) -> None:
    proc = run_cli("loadgen", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert message in proc.stderr


def test_loadgen_reports_a_refused_connection_clearly(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: connections are refused
        proc = run_cli("loadgen", f"127.0.0.1:{port}", "--runs", "1", cwd=tmp_path)
    assert proc.returncode == 1
    assert "ConnectionRefusedError" in proc.stderr
