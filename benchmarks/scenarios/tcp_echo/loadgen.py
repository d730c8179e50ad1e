"""The load generator of ``tcp_echo``: the same client for every server model.

Run as ``python -m benchmarks.scenarios.tcp_echo.loadgen --port P --connections C --round-trips M
--size S``; it lives in its own process, outside every model's code.  Each
line ``go`` on stdin starts one run: C connections, each doing M round trips
of an S-byte message (send, wait for the whole echo, check it byte for byte),
after which it prints one JSON line: the per-connection digests (sum of the
CRC-32 of every echoed message) and the run's duration seen by the client.
The line ``stats`` prints, and forgets, the per-request latencies (ns) of the
runs since the last ``stats``; it is asked for outside the timed region.  End
of stdin ends the process.  It prints a ``ready`` line once started, so that
its start-up is never inside a timed run.  Those lines are encoded, and
decoded by the server side, in :mod:`benchmarks.scenarios.tcp_echo.driver`.  It uses uvloop with
Protocols, the fastest client Python offers, and every wait has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from functools import partial
from typing import cast

from benchmarks.core.pools import die_with_parent
from benchmarks.scenarios.loopback import HOST, fastest_loop
from benchmarks.scenarios.tcp_echo.driver import (
    GO,
    STATS,
    TIMEOUT_S,
    digest,
    encode_error,
    encode_ready,
    encode_run,
    encode_stats,
    message,
)


class EchoClient(asyncio.Protocol):
    """One connection's M round trips; the hot path does only what checking requires."""

    def __init__(self, index: int, trips: int, size: int, latencies: list[int],
                 done: asyncio.Future[int]) -> None:
        self._index = index
        self._trips = trips
        self._size = size
        self._latencies = latencies
        self._done = done
        self._trip = 0
        self._pending = bytearray()
        self._messages = (message(index, 0, size), message(index, 1, size))
        self._sent = self._messages[0]
        self._start = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self._start = time.perf_counter_ns()
        self._transport.write(self._sent)

    def data_received(self, data: bytes) -> None:
        if not self._pending and len(data) == self._size:
            echoed = data  # the usual case for small messages: one read, no copy
        else:
            self._pending += data
            if len(self._pending) < self._size:
                return
            echoed = bytes(self._pending)
            self._pending.clear()
        self._latencies.append(time.perf_counter_ns() - self._start)
        if echoed != self._sent:
            self._fail(ConnectionError(f"connection {self._index}: echo of trip {self._trip} differs"))
            return
        self._trip += 1
        if self._trip < self._trips:
            self._sent = self._messages[self._trip & 1]
            self._start = time.perf_counter_ns()
            self._transport.write(self._sent)
        else:
            self._transport.close()
            if not self._done.done():
                self._done.set_result(digest(self._index, self._trips, self._size))

    def _fail(self, exc: Exception) -> None:
        self._transport.abort()
        if not self._done.done():
            self._done.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done.done():
            self._done.set_exception(ConnectionError(
                f"connection {self._index} closed after {self._trip} of {self._trips} trips"))


async def one_run(port: int, connections: range, trips: int, size: int,
                  latencies: list[int], limit_s: float) -> tuple[list[int], float]:
    """Every connection's digest, and the run's duration seen by the client."""
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    futures = []
    async with asyncio.timeout(limit_s):
        for index in connections:
            done: asyncio.Future[int] = loop.create_future()
            futures.append(done)
            await loop.create_connection(partial(EchoClient, index, trips, size, latencies, done), HOST, port)
        digests = await asyncio.gather(*futures)
    return list(digests), time.perf_counter() - start


def say(line: bytes) -> None:
    sys.stdout.buffer.write(line)
    sys.stdout.buffer.flush()


async def serve_commands(port: int, connections: range, trips: int, size: int, limit_s: float) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    latencies: list[int] = []
    say(encode_ready())  # started and imported: time may start
    while line := (await reader.readline()).strip():
        if line == GO:
            try:
                reply = encode_run(*await one_run(port, connections, trips, size, latencies, limit_s))
            except (OSError, TimeoutError) as exc:
                reply = encode_error(f"{type(exc).__name__}: {exc}")
        elif line == STATS:
            reply = encode_stats(latencies)
            latencies = []
        else:
            reply = encode_error(f"unknown command {line!r}")
        try:
            say(reply)
        except BrokenPipeError:
            return  # the server side has gone: nobody is left to report to


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scenarios.tcp_echo.loadgen")
    for flag in ("--port", "--connections", "--round-trips", "--size"):
        parser.add_argument(flag, type=int, required=True)
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds a run may take")
    parser.add_argument("--first-connection", type=int, default=0,
                        help="index of this process's first connection (several generators share C)")
    args = parser.parse_args()
    die_with_parent()  # a master or worker killed outright takes this process along
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
