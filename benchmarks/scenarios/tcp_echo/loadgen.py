"""The Python load generator of ``tcp_echo`` (``--param generator=python``): Protocols on uvloop.

The same command line and line protocol (:mod:`.wire`) as the native generator
(``echo_loadgen.c``, the default), for machines without a C compiler and as a
check on it.  It costs about as much CPU per round trip as the fastest Python
servers, so on a small machine it is usually the bottleneck: the run's
capacity measurement says so.

Closed loop: each connection keeps ``--depth`` requests in flight, latency from
the moment each was written.  Open loop (``--rate``): trip i of connection c is
due at t0 + (i * C + c) / rate; a pacer sends whatever is due and sleeps
until the next, latency is measured from the intended time and the pacer's
own lateness is recorded apart.  Latencies are kept raw during runs (an
append) and folded into an HdrHistogram when ``stats`` asks, outside the clock.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import zlib
from array import array
from collections import deque
from typing import cast

from benchmarks.core.work import MODULUS
from benchmarks.runtimes.startup import die_with_parent
from benchmarks.scenarios.loopback import fastest_loop
from benchmarks.scenarios.tcp_echo import histograms
from benchmarks.scenarios.tcp_echo.cpu import own_cpu, runqueue_wait
from benchmarks.scenarios.tcp_echo.wire import (
    CONNECT,
    GO,
    STATS,
    WARMUP,
    encode_error,
    encode_run,
    line,
    message,
)


class Connection(asyncio.Protocol):
    """One connection's trips of a run; the hot path does only what checking requires."""

    def __init__(self, index: int, size: int, depth: int, latencies: array[int]) -> None:
        self.index = index
        self._size = size
        self._depth = depth
        self._latencies = latencies
        self._messages = (message(index, 0, size), message(index, 1, size))
        self._crcs = tuple(zlib.crc32(m) for m in self._messages)
        self._stamps: deque[int] = deque()
        self._pending = bytearray()
        self.closed = False
        self.begin(0, closed_loop=True)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def begin(self, trips: int, closed_loop: bool) -> None:
        self.trips, self.done, self.queued, self.digest = trips, 0, 0, 0
        self._closed_loop = closed_loop
        self.finished: asyncio.Future[None] = asyncio.get_event_loop().create_future()
        if trips == 0:
            self.finished.set_result(None)
        elif closed_loop:
            self.send(min(self._depth, trips), time.monotonic_ns())

    def send(self, count: int, stamp: int) -> None:
        """Write the next ``count`` requests; their latency counts from ``stamp``."""
        first = self.queued
        self.queued += count
        self._stamps.extend([stamp] * count)
        if count == 1:
            self.transport.write(self._messages[first & 1])
        else:
            self.transport.write(b"".join(self._messages[t & 1] for t in range(first, self.queued)))

    def data_received(self, data: bytes) -> None:
        size = self._size
        if not self._pending and len(data) == size:  # the usual case for small messages: no copy
            self._echoed(data)
            return
        self._pending += data
        while len(self._pending) >= size and self._echoed(bytes(self._pending[:size])):
            del self._pending[:size]

    def _echoed(self, echo: bytes) -> bool:
        now = time.monotonic_ns()
        if self.done >= self.queued:
            return self._fail(f"connection {self.index}: the server sent more than it was sent")
        if echo != self._messages[self.done & 1]:
            return self._fail(f"connection {self.index}: echo of trip {self.done} differs")
        self._latencies.append(now - self._stamps.popleft())
        self.digest = (self.digest + self._crcs[self.done & 1]) % MODULUS
        self.done += 1
        if self.done == self.trips:
            self.finished.set_result(None)
        elif self._closed_loop and self.queued < self.trips:
            self.send(1, now)
        return True

    def _fail(self, why: str) -> bool:
        self.transport.abort()
        if not self.finished.done():
            self.finished.set_exception(ConnectionError(why))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.finished.done():
            self.finished.set_exception(ConnectionError(
                f"connection {self.index} closed by the server after {self.done} of {self.trips} trips"))


async def until(due_ns: int) -> int:
    """Sleep until CLOCK_MONOTONIC reaches ``due_ns``; the time it then is."""
    # uvloop's timers count whole milliseconds: a shorter sleep returns at once, early; so
    # sleep again for what is left (the loop serves its connections meanwhile)
    now = time.monotonic_ns()
    while now < due_ns:
        await asyncio.sleep((due_ns - now) / 1e9)
        now = time.monotonic_ns()
    return now


class Generator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.latencies: array[int] = array("q")
        self.lags: array[int] = array("q")
        self.conns: list[Connection] = []
        self.interval_ns = int(1e9 / args.rate) if args.rate > 0 else 0

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        self.close()
        for index in range(self.args.first_connection, self.args.first_connection + self.args.connections):
            conn = Connection(index, self.args.size, self.args.depth, self.latencies)
            await loop.create_connection(lambda c=conn: c, self.args.host, self.args.port)  # type: ignore[misc]
            self.conns.append(conn)

    def close(self) -> None:
        for conn in self.conns:
            conn.transport.close()
        self.conns = []

    async def run(self, trips: int, record: bool) -> tuple[list[int], float, int]:
        """Every connection's digest after ``trips`` trips each, the run's duration and start."""
        if self.args.reconnect or not self.conns or any(c.closed for c in self.conns):
            await self.connect()
        mark, lag_mark = len(self.latencies), len(self.lags)
        start = time.monotonic_ns()
        async with asyncio.timeout(self.args.timeout):
            for conn in self.conns:
                conn.begin(trips, closed_loop=self.interval_ns == 0)
            if self.interval_ns and trips:
                await self.pace(trips, start)
            await asyncio.gather(*(conn.finished for conn in self.conns))
        seconds = (time.monotonic_ns() - start) / 1e9
        if not record:
            del self.latencies[mark:], self.lags[lag_mark:]
        digests = [conn.digest for conn in self.conns]
        if self.args.reconnect:
            self.close()
        return digests, seconds, start

    async def pace(self, trips: int, t0: int) -> None:
        """Open loop: send each request at its intended time, whatever the server does."""
        total = self.args.total_connections or self.args.first_connection + self.args.connections
        for trip in range(trips):
            for conn in self.conns:
                due = t0 + (trip * total + conn.index) * self.interval_ns
                now = await until(due)
                self.lags.append(now - due)
                conn.send(1, due)

    def stats(self) -> bytes:
        reply = {"latency_hdr": histograms.encode(histograms.of(self.latencies)),
                 "lag_hdr": histograms.encode(histograms.of(self.lags))}
        del self.latencies[:], self.lags[:]  # the connections keep appending to the same arrays
        return line(reply)

    async def answer(self, command: bytes) -> bytes:
        try:
            if command == GO:
                before = (*own_cpu(), runqueue_wait())
                digests, seconds, start = await self.run(self.args.round_trips, record=True)
                user, kernel, wait = (now - then for now, then in zip((*own_cpu(), runqueue_wait()), before,
                                                                      strict=True))
                return encode_run(digests, seconds, user, kernel, wait, start)
            if command in (CONNECT, WARMUP):
                if not self.args.reconnect:
                    await self.connect()
                if command == WARMUP and self.args.warmup:
                    await self.run(self.args.warmup, record=False)
                return line({"warmed" if command == WARMUP else "connected": self.args.connections})
            if command == STATS:
                return self.stats()
            return encode_error(f"unknown command {command!r}")
        except (OSError, TimeoutError) as exc:
            self.close()
            return encode_error(f"{type(exc).__name__}: {exc}")


async def serve_commands(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    generator = Generator(args)
    say(line({"ready": True}))  # started and imported: time may start
    try:
        while command := (await reader.readline()).strip():
            try:
                say(await generator.answer(command))
            except BrokenPipeError:
                return  # the server side has gone: nobody is left to report to
    finally:
        generator.close()


def say(text: bytes) -> None:
    sys.stdout.buffer.write(text)
    sys.stdout.buffer.flush()


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scenarios.tcp_echo.loadgen")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    for flag, default in (("--connections", 1), ("--size", 100), ("--round-trips", 100), ("--depth", 1),
                          ("--warmup", 0), ("--first-connection", 0), ("--total-connections", 0)):
        parser.add_argument(flag, type=int, default=default)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="open loop: round trips/s over all connections")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a run may take")
    parser.add_argument("--reconnect", action="store_true", help="new connections every run")
    return parser


def main() -> None:
    args = parser().parse_args()
    die_with_parent()  # a master or worker killed outright takes this process along
    _, factory = fastest_loop()
    loop = factory()
    try:
        loop.run_until_complete(serve_commands(args))
    finally:
        loop.close()


if __name__ == "__main__":
    main()
