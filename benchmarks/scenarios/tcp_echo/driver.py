"""The server side's handle on the ``tcp_echo`` load generators: start, command, read, stop.

A :class:`GeneratorSpec` says what to run: which generator (``native``, the C
one, or ``python``), against which address, how many connections, trips,
bytes, requests in flight (``depth``), warm-up trips, an offered rate for an
open loop, whether connections are reopened every run.  :class:`LoadGroup`
starts one or more generator processes from it, splitting the connections,
and talks to them in the line protocol of :mod:`.wire`, reading blocking
(:meth:`LoadGroup.replies`) or on an event loop (:class:`LoopReplies`), so that
a server on that loop serves while it waits.  Every wait is bounded: the
generator times its runs out itself and says so, and each read of its answer
has a backstop a little longer than that.
"""

from __future__ import annotations

import asyncio
import math
import os
import select
import subprocess
import sys
from dataclasses import dataclass, replace
from functools import partial
from typing import IO

from benchmarks.runtimes.children import started
from benchmarks.scenarios.tcp_echo import native
from benchmarks.scenarios.tcp_echo.wire import Reply, decode

#: Seconds one run may take; the generator is told so, and servers' blocking calls use it too.
TIMEOUT_S = 30.0
REPLY_GRACE_S = 5.0
# A "stats" reply carries two histograms: a few hundred kilobytes at most.
REPLY_LIMIT = 1 << 26
PYTHON_MODULE = f"{__package__}.loadgen"
GENERATORS = ("native", "python")
PLACEMENTS = ("split", "shared")


def split_cpus(procs: int) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """``placement=split``: (the server's CPUs, the generators' CPUs) out of this process's own.

    The generators get the last ``procs`` CPUs (at most all but one), the server
    the rest.  Left to itself, the scheduler puts a waker and its wakee on one CPU
    (a loopback echo is all wake-ups), and server and generator then share one CPU
    while the other idles.  None: fewer than two CPUs, nothing to split.
    """
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    mine = min(max(1, procs), len(cpus) - 1)
    return tuple(cpus[:-mine]), tuple(cpus[-mine:])


@dataclass(frozen=True)
class GeneratorSpec:
    """One load: what every generator process of a group is told (see ``echo_loadgen.c``)."""

    port: int
    connections: int
    round_trips: int
    size: int
    host: str = "127.0.0.1"
    kind: str = "native"
    depth: int = 1
    warmup: int = 0
    #: open loop: round trips per second over all connections (0: closed loop)
    rate: float = 0.0
    reconnect: bool = False
    procs: int = 1
    timeout_s: float | None = None
    #: CPUs the generator processes are pinned to (None: wherever the scheduler puts them)
    cpus: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in GENERATORS:
            raise ValueError(f"unknown load generator {self.kind!r}: choose from {', '.join(GENERATORS)}")

    @property
    def total(self) -> int:
        return self.connections * self.round_trips

    def shares(self) -> list[tuple[int, int]]:
        """(first connection, connections) of each process: as even as the division allows."""
        procs = min(self.procs, self.connections)
        counts = [self.connections // procs + (k < self.connections % procs) for k in range(procs)]
        return [(sum(counts[:k]), count) for k, count in enumerate(counts)]

    def command(self, first: int, count: int) -> list[str]:
        program = ([str(native.binary("echo_loadgen"))] if self.kind == "native"
                   else [sys.executable, "-m", PYTHON_MODULE])
        timeout = TIMEOUT_S if self.timeout_s is None else self.timeout_s
        args = {"host": self.host, "port": self.port, "connections": count, "first-connection": first,
                "total-connections": self.connections, "size": self.size, "round-trips": self.round_trips,
                "warmup": self.warmup, "depth": self.depth, "rate": self.rate, "timeout": timeout}
        flags = [x for name, value in args.items() for x in (f"--{name}", str(value))]
        return [*program, *flags, *(["--reconnect"] if self.reconnect else [])]

    def describe(self) -> str:
        what = ("native: echo_loadgen.c, one epoll thread" if self.kind == "native"
                else "python: loadgen.py, Protocols on the fastest loop")
        loop = (f"open loop at {self.rate:g} round trips/s" if self.rate
                else f"closed loop, depth {self.depth}")
        return f"{what}, {min(self.procs, self.connections)} process(es), {loop}"

    def with_port(self, port: int) -> GeneratorSpec:
        return replace(self, port=port)


def open_loop_trips(rate: float, window_s: float, connections: int) -> int:
    """Trips per connection of an open-loop run of ``window_s`` at ``rate`` (at least one)."""
    return max(1, math.ceil(rate * window_s / connections))


class LoadGenerator:
    """One load generator process, driven over its stdin and stdout."""

    def __init__(self, command: list[str], cpus: tuple[int, ...] | None = None) -> None:
        self.proc = started("the load generator", subprocess.Popen(command, stdin=subprocess.PIPE,
                                                                   stdout=subprocess.PIPE))
        try:
            if cpus is not None:
                os.sched_setaffinity(self.proc.pid, cpus)
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
        return decode(self.proc.stdout.readline(REPLY_LIMIT) if ready else b"")

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

    def __init__(self, spec: GeneratorSpec) -> None:
        self.spec = spec
        self.members: list[LoadGenerator] = []
        try:
            for first, count in spec.shares():
                self.members.append(LoadGenerator(spec.command(first, count), spec.cpus))
        except BaseException:
            self.close()
            raise

    def send(self, command: bytes) -> None:
        for member in self.members:
            member.send(command)

    def replies(self) -> list[Reply]:
        return [member.reply() for member in self.members]

    def exchange(self, command: bytes) -> list[Reply]:
        self.send(command)
        return self.replies()

    def close(self) -> None:
        for member in self.members:
            member.close()


class _ReplyPipe(asyncio.Protocol):
    """Feeds a generator's stdout to a StreamReader.  asyncio's StreamReaderProtocol would ask the
    transport for its SSL context, which rloop's pipe transports cannot answer (a logged
    AttributeError on every attach)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.reader.set_transport(transport)

    def data_received(self, data: bytes) -> None:
        self.reader.feed_data(data)

    def eof_received(self) -> bool:
        self.reader.feed_eof()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is None:
            self.reader.feed_eof()
        else:
            self.reader.set_exception(exc)


class _WatchedPipe:
    """A generator's stdout fed to a StreamReader by ``add_reader``, for loops without
    ``connect_read_pipe`` (veloxloop 0.2, talyn 0.10, uringcore 0.9): the same lines, read
    when the loop sees the pipe readable.  Closing it closes the read end, as a transport's
    ``close`` does."""

    def __init__(self, loop: asyncio.AbstractEventLoop, pipe: IO[bytes],
                 reader: asyncio.StreamReader) -> None:
        self.loop = loop
        self.pipe = pipe
        self.reader = reader
        self.fd = pipe.fileno()
        os.set_blocking(self.fd, False)
        loop.add_reader(self.fd, self._readable)
        self.watching = True

    def _readable(self) -> None:
        try:
            data = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return
        except OSError as exc:
            self._unwatch()
            self.reader.set_exception(exc)
            return
        if data:
            self.reader.feed_data(data)
        else:
            self._unwatch()
            self.reader.feed_eof()

    def _unwatch(self) -> None:
        if self.watching:
            self.watching = False
            self.loop.remove_reader(self.fd)

    def close(self) -> None:
        self._unwatch()
        self.pipe.close()


class LoopReplies:
    """A group's replies read on an event loop, so that a server on that loop serves while it waits.

    The caller bounds each wait (its own timeout around the run).  ``close``
    closes the transports, and with them the read ends of the generators' stdout.
    """

    def __init__(self) -> None:
        self.pipes: list[asyncio.BaseTransport | _WatchedPipe] = []
        self.readers: list[asyncio.StreamReader] = []

    async def attach(self, group: LoadGroup) -> None:
        loop = asyncio.get_running_loop()
        for member in group.members:
            reader = asyncio.StreamReader(limit=REPLY_LIMIT)
            assert member.proc.stdout is not None
            try:
                pipe, _ = await loop.connect_read_pipe(partial(_ReplyPipe, reader), member.proc.stdout)
            except NotImplementedError:
                self.pipes.append(_WatchedPipe(loop, member.proc.stdout, reader))
            else:
                self.pipes.append(pipe)
            self.readers.append(reader)

    async def read(self) -> list[Reply]:
        lines = await asyncio.gather(*(reader.readline() for reader in self.readers))
        return [decode(text) for text in lines]

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.close()
