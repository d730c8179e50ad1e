"""``python -m benchmarks serve``: starts, says where, echoes, stops cleanly, leaves nothing behind."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from tests.support.cli import env, run_cli

STOPS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "end of stdin": None}


@contextmanager
def serve(*args: str) -> Iterator[tuple[subprocess.Popen[str], str, int]]:
    cmd = [sys.executable, "-m", "benchmarks", "serve", "tcp_echo", *args]
    with subprocess.Popen(cmd, env=env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            where = proc.stdout.readline().strip()
            assert where, proc.stderr.read() if proc.stderr else ""
            host, _, port = where.rpartition(":")
            yield proc, host.strip("[]"), int(port)
        finally:
            if proc.poll() is None:
                proc.kill()


def echo(host: str, port: int, payload: bytes) -> bytes:
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = conn.recv(65536)
            if not chunk:
                break
            got += chunk
        return got


def closed(conn: socket.socket) -> bool:
    """The server closed it: an end of file, or a reset when it was still waiting to be accepted."""
    try:
        return conn.recv(10) == b""
    except ConnectionResetError:
        return True


def listening(pid: int) -> list[str]:
    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return [f"{c.laddr.ip}:{c.laddr.port}" for p in procs for c in p.net_connections()
            if c.status == psutil.CONN_LISTEN]


@pytest.mark.parametrize("stop", list(STOPS))
@pytest.mark.parametrize("model", [["--model", "uvloop", "--param", "server=protocol"],
                                   ["--model", "asyncio", "--param", "server=streams"],
                                   ["--model", "threads"], ["--model", "sequential"],
                                   ["--model", "processes", "--param", "workers=2"],
                                   ["--model", "to_thread"]], ids=lambda m: m[1])
def test_serve_echoes_on_loopback_and_stops_cleanly(model: list[str], stop: str) -> None:
    with serve(*model) as (proc, host, port):
        assert host == "127.0.0.1"
        assert set(listening(proc.pid)) == {f"127.0.0.1:{port}"}  # loopback only, nothing else
        children = psutil.Process(proc.pid).children(recursive=True)
        assert echo(host, port, b"x" * 70_000 + b"\n") == b"x" * 70_000 + b"\n"
        idle = socket.create_connection((host, port), timeout=10)  # a client that stays connected
        try:
            if STOPS[stop] is None:
                assert proc.stdin is not None
                proc.stdin.close()
            else:
                proc.send_signal(STOPS[stop])
            assert proc.wait(timeout=30) == 0
            assert closed(idle)  # not left hanging
        finally:
            idle.close()
        _, alive = psutil.wait_procs(children, timeout=5)
        assert alive == []
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, port), timeout=5)


def test_serve_binds_ipv6_loopback_when_asked() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        pytest.skip("no ::1 here")
    with serve("--model", "uvloop", "--host", "::1") as (proc, host, port):
        assert host == "::1"
        assert echo(host, port, b"six\n") == b"six\n"
        assert proc.stdin is not None
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0


@pytest.mark.parametrize(("args", "message"), [
    (["tcp_echo", "--model", "uvloop", "--port", "70000"],
     "invalid port '70000': expected an integer from 0 to 65535"),
    (["tcp_echo", "--model", "uvloop", "--port", "-1"], "invalid port '-1'"),
    (["tcp_echo", "--model", "uvloop", "--host", "no-such-host.invalid"],
     "invalid host 'no-such-host.invalid': not an IP address and it does not resolve"),
    (["tcp_echo", "--model", "nope"], "unknown model 'nope': choose from sequential, asyncio"),
    (["cpu_pure", "--model", "uvloop"], "no server to serve for scenario 'cpu_pure': choose from tcp_echo"),
    (["tcp_echo", "--model", "uvloop", "--param", "workers=2"],
     "unknown parameter 'workers' for the uvloop server: choose from server"),
    (["tcp_echo", "--model", "uvloop", "--param", "server=streams,protocol"], "takes one value here"),
    (["tcp_echo", "--model", "uvloop", "--param", "server=tornado"],
     "invalid value 'tornado' for parameter 'server': expected one of streams, protocol"),
    (["tcp_echo", "--model", "executor-process"], "the executor-process model has no tcp_echo server"),
    (["tcp_echo"], "the following arguments are required: --model"),
])
def test_serve_refuses_bad_input_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    proc = run_cli("serve", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert message in proc.stderr
    assert proc.stdout == ""


def test_serve_reports_a_port_in_use(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        proc = run_cli("serve", "tcp_echo", "--model", "threads", "--port", str(port), cwd=tmp_path)
    assert proc.returncode == 1
    assert f"cannot bind 127.0.0.1 port {port}: Address already in use" in proc.stderr
