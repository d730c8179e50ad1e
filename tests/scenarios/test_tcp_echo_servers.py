"""Every tcp_echo server on its own, driven by a plain blocking client: byte-exact echoes of
messages of every size, connections kept open, and nothing left listening once stopped."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from benchmarks import MODELS
from benchmarks.scenarios.tcp_echo import SCENARIO
from benchmarks.scenarios.tcp_echo.serve import model_params
from benchmarks.scenarios.tcp_echo.servers import EchoServer

pytestmark = pytest.mark.usefixtures("no_leaks")

# Every model's server and its variants; workers=3 keeps the pre-forked and pooled ones small.
SERVERS = [("sequential", []), ("threads", []),
           ("processes", ["workers=3", "accept=shared"]), ("processes", ["workers=3", "accept=reuseport"]),
           ("asyncio", ["server=streams"]), ("asyncio", ["server=protocol"]),
           ("uvloop", ["server=streams"]), ("uvloop", ["server=protocol"]),
           ("to_thread", []), ("executor-thread", ["workers=3"]),
           ("loop-per-thread", ["workers=3", "server=streams"]),
           ("loop-per-thread", ["workers=3", "server=protocol"])]
# Servers that serve any number of connections at once (no worker serving one to its end)
CONCURRENT = {"threads", "asyncio", "uvloop", "loop-per-thread"}
SIZES = (1, 100, 65536 + 3, 300_000)


@contextmanager
def serving(model: str, assignments: list[str]) -> Iterator[tuple[EchoServer, int]]:
    params = model_params(SCENARIO, MODELS[model], assignments)
    server = SCENARIO.server(MODELS[model], params, "127.0.0.1", 0)
    thread = None
    try:
        server.start()
        thread = server.background()
        if thread is not None:
            thread.start()
        yield server, server.listener.getsockname()[1]
    finally:
        server.stop()
        if thread is not None:
            thread.join()


def exchange(conn: socket.socket, message: bytes) -> None:
    sender = threading.Thread(target=conn.sendall, args=(message,))  # big ones: read while sending
    sender.start()
    got = bytearray()
    while len(got) < len(message):
        chunk = conn.recv(1 << 20)
        assert chunk, "the server closed the connection"
        got += chunk
    sender.join()
    assert bytes(got) == message


def message(size: int, seed: int) -> bytes:
    return bytes((seed + i) % 256 for i in range(size))


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.parametrize(("model", "assignments"), SERVERS, ids=lambda x: x if isinstance(x, str) else
                         ",".join(x) or "-")
def test_each_server_echoes_every_size_byte_for_byte_then_stops_listening(model: str,
                                                                         assignments: list[str]) -> None:
    with serving(model, assignments) as (_, port):
        for client in range(2):  # one after another: every server serves that
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                for size in SIZES:
                    exchange(conn, message(size, client + size))
        if model in CONCURRENT or "accept=shared" in assignments:
            conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
            try:
                for round_ in range(3):  # interleaved on connections that stay open
                    for index, conn in enumerate(conns):
                        exchange(conn, message(100 + round_, index))
            finally:
                for conn in conns:
                    conn.close()
    assert refused(port)


@pytest.mark.parametrize(("model", "assignments"), [("threads", []), ("uvloop", ["server=protocol"]),
                                                    ("sequential", []),
                                                    ("loop-per-thread", ["workers=2", "server=streams"])])
def test_stopping_closes_connections_that_clients_keep_open(model: str, assignments: list[str]) -> None:
    """serve's case: a client idles on its connection when the server is told to stop."""
    conn = None
    try:
        with serving(model, assignments) as (_, port):
            conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            exchange(conn, b"still here")
        assert conn.recv(10) == b""  # closed by the server
        assert refused(port)
    finally:
        if conn is not None:
            conn.close()


def test_prefork_reuseport_workers_each_listen_on_a_socket_of_their_own() -> None:
    import psutil

    with serving("processes", ["workers=3", "accept=reuseport"]) as (server, port):
        listening = [c for p in psutil.Process().children() for c in p.net_connections()
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
        assert len(listening) == 3
        assert not any(c.status == psutil.CONN_LISTEN for c in psutil.Process().net_connections())
        assert server.persistent(1) is False  # the kernel's hash may give one worker two connections


@pytest.mark.parametrize("server", ["streams", "protocol"])
def test_loop_per_thread_hands_connections_to_its_loops_in_turn(server: str) -> None:
    from benchmarks.scenarios.tcp_echo.loopservers import LoopThreadsServer

    with serving("loop-per-thread", ["workers=3", f"server={server}"]) as (echo, port):
        assert isinstance(echo, LoopThreadsServer)
        conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(7)]
        try:
            for index, conn in enumerate(conns):
                exchange(conn, message(100, index))  # served, so its loop has it by now
            assert [len(live) for live in echo.live] == [3, 2, 2]
            loops = {id(thread.loop) for thread in echo.threads}
            assert len(loops) == 3
        finally:
            for conn in conns:
                conn.close()
