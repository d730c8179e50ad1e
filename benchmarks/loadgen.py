"""The load generator of ``tcp_echo``: the same client for every server model.

Run as ``python -m benchmarks.loadgen --port P --connections C --round-trips M
--size S``; it lives in its own process, outside every model's code.  Each
line ``go`` on stdin starts one run: C connections, each doing M round trips
of an S-byte message (send, wait for the whole echo, check it byte for byte),
after which it prints one JSON line: the per-connection digests (sum of the
CRC-32 of every echoed message) and the run's duration seen by the client.
The line ``stats`` prints, and forgets, the per-request latencies (ns) of the
runs since the last ``stats``; it is asked for outside the timed region.  End
of stdin ends the process.  It prints a ``ready`` line once started, so that
its start-up is never inside a timed run.  It uses uvloop with Protocols, the fastest client
Python offers, and every wait has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import zlib
from functools import partial
from typing import cast

from ._wire import HOST, fastest_loop, payload
from ._work import MODULUS

TIMEOUT_S = 30.0


def message(connection: int, trip: int, trips: int, size: int) -> bytes:
    return payload(connection * trips + trip, size)


class EchoClient(asyncio.Protocol):
    def __init__(self, index: int, trips: int, size: int, latencies: list[int],
                 done: asyncio.Future[int]) -> None:
        self._index = index
        self._trips = trips
        self._size = size
        self._latencies = latencies
        self._done = done
        self._trip = 0
        self._digest = 0
        self._buffer = bytearray()
        self._sent = b""
        self._start = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self._send()

    def _send(self) -> None:
        self._sent = message(self._index, self._trip, self._trips, self._size)
        self._buffer.clear()
        self._start = time.perf_counter_ns()
        self._transport.write(self._sent)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) < self._size:
            return
        self._latencies.append(time.perf_counter_ns() - self._start)
        if self._buffer != self._sent:
            self._fail(ConnectionError(f"connection {self._index}: echo of trip {self._trip} differs"))
            return
        self._digest = (self._digest + zlib.crc32(self._buffer)) % MODULUS
        self._trip += 1
        if self._trip < self._trips:
            self._send()
        else:
            self._transport.close()
            if not self._done.done():
                self._done.set_result(self._digest)

    def _fail(self, exc: Exception) -> None:
        self._transport.abort()
        if not self._done.done():
            self._done.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done.done():
            self._done.set_exception(ConnectionError(
                f"connection {self._index} closed after {self._trip} of {self._trips} trips"))


async def one_run(port: int, connections: range, trips: int, size: int,
                  latencies: list[int], limit_s: float) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    futures = []
    async with asyncio.timeout(limit_s):
        for index in connections:
            done: asyncio.Future[int] = loop.create_future()
            futures.append(done)
            await loop.create_connection(partial(EchoClient, index, trips, size, latencies, done), HOST, port)
        digests = await asyncio.gather(*futures)
    return {"digests": list(digests), "client_seconds": time.perf_counter() - start}


async def serve_commands(port: int, connections: range, trips: int, size: int, limit_s: float) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    latencies: list[int] = []
    sys.stdout.write(json.dumps({"ready": True}) + "\n")  # started and imported: time may start
    sys.stdout.flush()
    while line := (await reader.readline()).strip():
        if line == b"go":
            try:
                reply: dict[str, object] = await one_run(port, connections, trips, size, latencies, limit_s)
            except (OSError, TimeoutError) as exc:
                reply = {"error": f"{type(exc).__name__}: {exc}"}
        elif line == b"stats":
            reply = {"latencies_ns": latencies}
            latencies = []
        else:
            reply = {"error": f"unknown command {line!r}"}
        try:
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:
            return  # the server side has gone: nobody is left to report to


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadgen")
    for flag in ("--port", "--connections", "--round-trips", "--size"):
        parser.add_argument(flag, type=int, required=True)
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds a run may take")
    parser.add_argument("--first-connection", type=int, default=0,
                        help="index of this process's first connection (several generators share C)")
    args = parser.parse_args()
    _, factory = fastest_loop()
    loop = factory()
    try:
        loop.run_until_complete(serve_commands(args.port, range(args.first_connection,
                                                                  args.first_connection + args.connections),
                                               args.round_trips, args.size, args.timeout))
    finally:
        loop.close()


if __name__ == "__main__":
    main()
