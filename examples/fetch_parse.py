"""fetch_parse: HTTP GETs to a slow local server, each JSON answer parsed.

Measures how a model overlaps waiting.  Unit i asks for /item/i; the server answers after `delay_ms`
and the unit sums the numbers of the JSON body.  The server runs in its own process, so it never
shares a GIL with the model measured.  Blocking unit: http.client; async unit: HTTP/1.1 over asyncio
streams.  At most `concurrency` requests are in flight.

Measured: see docs/examples.md
"""

from __future__ import annotations

import asyncio
import ctypes
import http.client
import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator

import concbench

ITEMS = 50  # numbers in each answer
START_TIMEOUT_S = 10.0  # for the server to report its port
STOP_TIMEOUT_S = 5.0  # for it to exit once told to
REQUEST_TIMEOUT_S = 10.0  # for one request, connect to last byte

fetch_parse = concbench.workload(units=64, concurrency=16, kind="io", params={"delay_ms": 20},
                                 summary="GET and parse JSON from a local server that answers after delay_ms",
                                 expected=lambda units: [sum(values(i)) for i in range(units)])


def values(i: int) -> list[int]:
    return [(i * 31 + k * k) % 1009 for k in range(ITEMS)]


@fetch_parse.setup
def server(delay_ms: int) -> Iterator[tuple[str, int]]:
    """A server process on 127.0.0.1 (a free port), stopped after the last unit or on any failure."""
    with subprocess.Popen([sys.executable, __file__, str(delay_ms), str(os.getpid())],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE) as proc:
        try:
            assert proc.stdout is not None  # stdout=PIPE
            ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT_S)
            line = proc.stdout.readline() if ready else b""
            if not line.strip().isdigit():
                raise RuntimeError(f"the HTTP server reported no port within {START_TIMEOUT_S:g} s")
            yield ("127.0.0.1", int(line))
        finally:
            proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()


@fetch_parse.unit
def get(i: int, server: tuple[str, int]) -> int:
    conn = http.client.HTTPConnection(*server, timeout=REQUEST_TIMEOUT_S)
    try:
        conn.request("GET", f"/item/{i}")
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"GET /item/{i}: HTTP {response.status}")
        return sum(json.loads(response.read())["values"])
    finally:
        conn.close()


@fetch_parse.async_unit
async def aget(i: int, server: tuple[str, int]) -> int:
    async with asyncio.timeout(REQUEST_TIMEOUT_S):
        reader, writer = await asyncio.open_connection(*server)
        try:
            writer.write(f"GET /item/{i} HTTP/1.1\r\nHost: {server[0]}\r\nConnection: close\r\n\r\n".encode())
            head, _, payload = (await reader.read()).partition(b"\r\n\r\n")  # read to the server's close
        finally:
            writer.close()
            await writer.wait_closed()
    if not head.startswith(b"HTTP/1.1 200 "):
        raise RuntimeError(f"GET /item/{i}: {head.splitlines()[:1]}")
    return sum(json.loads(payload)["values"])


async def serve(delay_s: float) -> None:
    """The server: one asyncio loop, answers each GET /item/<i> after ``delay_s``, then closes."""
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = (await reader.readuntil(b"\r\n\r\n")).split(b" ", 2)[1].removeprefix(b"/item/")
        await asyncio.sleep(delay_s)
        data = json.dumps({"id": int(target), "values": values(int(target))}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(answer, "127.0.0.1", 0, backlog=512)
    print(listener.sockets[0].getsockname()[1], flush=True)
    await listener.serve_forever()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the group: the parent stops us
    if sys.platform.startswith("linux"):  # the kernel ends this server when the thread that started it ends
        ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != int(sys.argv[2]):  # the parent died before prctl took effect
        sys.exit(1)
    asyncio.run(serve(int(sys.argv[1]) / 1000))
