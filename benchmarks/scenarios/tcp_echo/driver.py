"""The server side's handle on the ``tcp_echo`` load generator, and the generator's line protocol.

The generator (:mod:`benchmarks.scenarios.tcp_echo.loadgen`) runs in processes
of its own, driven over stdin and stdout.  This module starts and stops those
processes (:class:`LoadGroup` splits the connections between several), and it
is the one home of what the generator and its readers agree on: the messages
it sends and the digest a correct echo of them gives (:func:`message`,
:func:`digest`), the commands (:data:`GO`, :data:`STATS`), the JSON reply
lines the generator writes (``encode_*``) and every reader's parsing of them
(:func:`decode`, ``*_of``), whether it reads blocking
(:meth:`LoadGenerator.reply`) or on an event loop (:class:`LoopReplies`).
Every wait is bounded: the generator times its runs out itself and says so,
and each read of its answer has a backstop a little longer than that.
"""

from __future__ import annotations

import asyncio
import json
import select
import subprocess
import sys
import zlib
from collections.abc import Iterable
from functools import partial
from typing import Any

from benchmarks.core.work import MODULUS, payload

#: Seconds one run may take; the generator is told so, and servers' blocking calls use it too.
TIMEOUT_S = 30.0
LOADGEN_MODULE = f"{__package__}.loadgen"
# A "stats" reply carries every latency of the runs since the last one.
REPLY_LIMIT = 1 << 28
REPLY_GRACE_S = 5.0

#: Commands, one per line on the generator's stdin: start one run; report (and forget) the latencies.
GO = b"go"
STATS = b"stats"

Reply = dict[str, Any]


def message(connection: int, trip: int, size: int) -> bytes:
    """Two messages per connection, alternating, so a server echoing stale data is caught."""
    return payload(2 * connection + trip % 2, size)


def digest(connection: int, trips: int, size: int) -> int:
    """The sum of the CRC-32 of every message of a connection, as a correct echo returns them."""
    even, odd = (zlib.crc32(message(connection, t, size)) for t in (0, 1))
    return ((trips + 1) // 2 * even + trips // 2 * odd) % MODULUS


def digests(connections: int, trips: int, size: int) -> list[int]:
    """What the load generator reports for a correct echo: per connection, its digest."""
    return [digest(c, trips, size) for c in range(connections)]


def _line(reply: Reply) -> bytes:
    return json.dumps(reply).encode() + b"\n"


def encode_ready() -> bytes:
    """Sent once the generator has started and imported everything: time may start."""
    return _line({"ready": True})


def encode_run(per_connection: list[int], client_seconds: float) -> bytes:
    """The answer to ``go``: per-connection digests and the run's duration seen by the client."""
    return _line({"digests": per_connection, "client_seconds": client_seconds})


def encode_stats(latencies_ns: list[int]) -> bytes:
    """The answer to ``stats``: every round trip's latency since the last ``stats``."""
    return _line({"latencies_ns": latencies_ns})


def encode_error(error: str) -> bytes:
    return _line({"error": error})


def decode(line: bytes) -> Reply:
    """One reply line; an empty line (the generator died) or an error becomes ConnectionError."""
    if not line:
        raise ConnectionError("the load generator did not answer (it died or timed out)")
    reply: Reply = json.loads(line)
    if "error" in reply:
        raise ConnectionError(f"load generator: {reply['error']}")
    return reply


def digests_of(replies: Iterable[Reply]) -> list[int]:
    return [d for reply in replies for d in reply["digests"]]


def latencies_of(replies: Iterable[Reply]) -> list[int]:
    return [x for reply in replies for x in reply["latencies_ns"]]


def client_seconds_of(replies: Iterable[Reply]) -> float:
    """A run's duration seen by the clients: the slowest generator's."""
    return max(reply["client_seconds"] for reply in replies)


def percentiles(samples: list[int]) -> dict[str, float]:
    """p50/p90/p99 (nearest rank) of latencies in ns, as microseconds."""
    ordered = sorted(samples)
    if not ordered:
        return {}
    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] / 1000.0
    return {"latency_samples": len(ordered), "latency_p50_us": rank(0.50),
            "latency_p90_us": rank(0.90), "latency_p99_us": rank(0.99)}


class LoadGenerator:
    """One load generator process, driven over its stdin and stdout."""

    def __init__(self, port: int, connections: int, trips: int, size: int, first: int) -> None:
        cmd = [sys.executable, "-m", LOADGEN_MODULE, "--port", str(port), "--connections", str(connections),
               "--round-trips", str(trips), "--size", str(size),
               "--first-connection", str(first), "--timeout", str(TIMEOUT_S)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            self.reply()  # "ready": its start-up stays out of the timed runs
        except BaseException:
            self.close()
            raise

    def send(self, command: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(command + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise ConnectionError(f"the load generator has exited (status {self.proc.poll()})") from None

    def reply(self) -> Reply:
        assert self.proc.stdout is not None
        # The generator times its own runs out first, and says so; this wait is the backstop.
        ready, _, _ = select.select([self.proc.stdout], [], [], TIMEOUT_S + REPLY_GRACE_S)
        return decode(self.proc.stdout.readline() if ready else b"")

    def close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except BrokenPipeError:
                    pass  # it had exited already; what matters is that the descriptor is closed
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class LoadGroup:
    """The load generator processes of one session; connections are split between them."""

    def __init__(self, port: int, connections: int, trips: int, size: int, procs: int) -> None:
        procs = min(procs, connections)
        shares = [connections // procs + (k < connections % procs) for k in range(procs)]
        firsts = [sum(shares[:k]) for k in range(procs)]
        self.members: list[LoadGenerator] = []
        try:
            for share, first in zip(shares, firsts, strict=True):
                self.members.append(LoadGenerator(port, share, trips, size, first))
        except BaseException:
            self.close()
            raise

    def send(self, command: bytes) -> None:
        for member in self.members:
            member.send(command)

    def replies(self) -> list[Reply]:
        return [member.reply() for member in self.members]

    def close(self) -> None:
        for member in self.members:
            member.close()


class LoopReplies:
    """A group's replies read on an event loop, so that a server on that loop serves while it waits.

    The caller bounds each wait (its own timeout around the run).  ``close``
    closes the transports, and with them the read ends of the generators' stdout.
    """

    def __init__(self) -> None:
        self.pipes: list[asyncio.BaseTransport] = []
        self.readers: list[asyncio.StreamReader] = []

    async def attach(self, group: LoadGroup) -> None:
        loop = asyncio.get_running_loop()
        for member in group.members:
            reader = asyncio.StreamReader(limit=REPLY_LIMIT)
            pipe, _ = await loop.connect_read_pipe(partial(asyncio.StreamReaderProtocol, reader),
                                                   member.proc.stdout)
            self.pipes.append(pipe)
            self.readers.append(reader)

    async def read(self) -> list[Reply]:
        lines = await asyncio.gather(*(reader.readline() for reader in self.readers))
        return [decode(line) for line in lines]

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.close()
