"""rpc_fanout: N requests to a server that answers each after L ms; the client is under test.

The asyncio guide's ``fetch_data(url)`` pattern over real loopback TCP: each
request opens a connection, sends its index, and reads a response of
``response_bytes`` bytes until the server closes.  The server
(:mod:`benchmarks.scenarios.rpc_fanout.refserver`) is the same for every model and runs in its own
process, started before timing and stopped after, on an ephemeral port.
Blocking models use ``socket``; event-loop models use asyncio streams; trio
models trio's socket streams (``trio.open_tcp_stream``), anyio models
``anyio.connect_tcp`` (each under its library's ``fail_after``).  At
most ``concurrency`` requests are in flight (Semaphore or pool size).  Every
network wait has a timeout, so a broken pair fails instead of hanging.  The
checksum is over the CRC-32 of every response.
"""

from __future__ import annotations

import asyncio
import select
import socket
import subprocess
import sys
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial

from benchmarks.core.contract import Scenario
from benchmarks.core.params import CONCURRENCY, Param, Value
from benchmarks.core.work import Checksum, Work, checksum, payload, unprepared
from benchmarks.runtimes.children import started
from benchmarks.scenarios.loopback import HOST, fastest_loop
from benchmarks.scenarios.sleep_fanout import concurrency_limit

TIMEOUT_S = 10.0
SERVER_START_TIMEOUT_S = 30.0


def _check(data: bytes, size: int) -> int:
    if len(data) != size:
        raise ConnectionError(f"response of {len(data)} bytes, expected {size}")
    return zlib.crc32(data)


def fetch(i: int, *, port: int, size: int) -> int:
    with socket.create_connection((HOST, port), timeout=TIMEOUT_S) as sock:
        sock.sendall(b"%d\n" % i)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return _check(b"".join(chunks), size)


async def afetch(i: int, *, port: int, size: int) -> int:
    async with asyncio.timeout(TIMEOUT_S):
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            writer.write(b"%d\n" % i)
            data = await reader.read()
        finally:
            writer.close()
            await writer.wait_closed()
    return _check(data, size)


async def trio_fetch(i: int, *, port: int, size: int) -> int:
    import trio  # only the trio models await this form

    with trio.fail_after(TIMEOUT_S):
        async with await trio.open_tcp_stream(HOST, port) as stream:
            await stream.send_all(b"%d\n" % i)
            chunks = []
            while chunk := await stream.receive_some(65536):
                chunks.append(chunk)
    return _check(b"".join(chunks), size)


async def anyio_fetch(i: int, *, port: int, size: int) -> int:
    import anyio

    with anyio.fail_after(TIMEOUT_S):
        async with await anyio.connect_tcp(HOST, port) as stream:
            await stream.send(b"%d\n" % i)
            chunks = []
            try:
                while True:
                    chunks.append(await stream.receive(65536))
            except anyio.EndOfStream:
                pass
    return _check(b"".join(chunks), size)


#: why a remote cluster cannot run these units
LOCAL = "its units call a reference server on this machine's loopback"
#: the libraries with a form of the unit besides asyncio's
LIBRARIES = {"trio": trio_fetch, "anyio": anyio_fetch}


@contextmanager
def reference_server(latency_ms: float, size: int) -> Iterator[int]:
    """Start the reference server; yield its port; stop it, whatever happens."""
    cmd = [sys.executable, "-m", f"{__name__}.refserver", "--latency-ms", str(latency_ms),
           "--size", str(size)]
    proc = started("the reference server",
                   subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE))
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], SERVER_START_TIMEOUT_S)
        line = proc.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            raise RuntimeError(f"reference server did not start (exit status {proc.poll()})")
        yield int(line)
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # the server's signal to stop
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


class RpcFanout(Scenario):
    name = "rpc_fanout"
    summary = "N requests over loopback TCP to a server that answers after L ms (the client is under test)"
    kind = "io"
    params = (
        Param("n", int, (200,), "number of requests", quick=(20,), tiny=(6,), minimum=1),
        Param("latency_ms", float, (10.0,), "server delay per request, ms", quick=(5.0,), tiny=(1.0,),
              minimum=0),
        Param("response_bytes", int, (1024,), "response size, bytes", tiny=(100,), minimum=1),
        CONCURRENCY,
    )

    def work(self, params: Mapping[str, Value]) -> Work:
        return unprepared(int(params["n"]), self.kind, concurrency_limit(params), libraries=LIBRARIES,
                          local=LOCAL)

    @contextmanager
    def prepared(self, params: Mapping[str, Value]) -> Iterator[Work]:
        size = int(params["response_bytes"])
        with reference_server(float(params["latency_ms"]), size) as port:
            yield Work(n=int(params["n"]), kind=self.kind, call=partial(fetch, port=port, size=size),
                       acall=partial(afetch, port=port, size=size), limit=concurrency_limit(params),
                       aforms={lib: partial(form, port=port, size=size) for lib, form in LIBRARIES.items()},
                       local=LOCAL)

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        size = int(params["response_bytes"])
        return checksum(zlib.crc32(payload(i, size)) for i in range(int(params["n"])))

    def metadata(self, params: Mapping[str, Value]) -> dict[str, Value]:
        loop, _ = fastest_loop()
        return {"server": "benchmarks.scenarios.rpc_fanout.refserver, own process", "server_loop": loop,
                "connection_per_request": "yes"}


SCENARIO = RpcFanout()
