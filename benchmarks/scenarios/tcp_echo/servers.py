"""The echo servers of ``tcp_echo``, one per kind of model: the model under test is the server.

Every session binds 127.0.0.1 on an ephemeral port, starts the load generator
(:mod:`benchmarks.scenarios.tcp_echo.loadgen`, its own process, the same for every model,
driven through :mod:`benchmarks.scenarios.tcp_echo.driver`) and starts its own workers before
timing.  The event-loop servers share :class:`LoopServer`: a streams server, a Protocol server,
and one that hands blocking socket calls to threads.  A timed ``run`` tells the generator to
go, serves until every connection is done, and returns the generator's
per-connection digests.  Each server is written as a careful engineer would
write it for its model; every blocking call has a timeout.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import socket
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, cast

from benchmarks.core.contract import Session
from benchmarks.core.pools import (
    default_executor_size,
    new_thread_pool,
    pool_child_init,
    start_default_executor,
)
from benchmarks.scenarios.loopback import HOST
from benchmarks.scenarios.tcp_echo.driver import (
    GO,
    REPLY_GRACE_S,
    STATS,
    TIMEOUT_S,
    LoadGroup,
    LoopReplies,
    Reply,
    digests_of,
    latencies_of,
    percentiles,
)

CHUNK = 65536


def echo_blocking(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(TIMEOUT_S)
        while data := conn.recv(CHUNK):
            conn.sendall(data)


def process_cpu(pid: int) -> tuple[float, float]:
    """User and kernel CPU seconds of another process (Linux /proc; clock-tick resolution).

    A process that has gone (a killed worker) counts as zero: the run fails anyway.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


class EchoSession(Session):
    """A listening socket and a load generator; subclasses serve.

    Besides latency, ``metrics`` reports the server's own CPU time per round
    trip, split into user and kernel time: on loopback the kernel's TCP work
    is a large, loop-independent share of each round trip, and the user-space
    share is where event loops differ.
    """

    _cpu_mark: tuple[float, float] | None = None

    def __init__(self, connections: int, trips: int, size: int, loadgen_procs: int) -> None:
        self.connections = connections
        self.listener = socket.create_server((HOST, 0), backlog=max(128, 2 * connections))
        self.listener.settimeout(TIMEOUT_S)
        port = self.listener.getsockname()[1]
        try:
            self.loadgen = LoadGroup(port, connections, trips, size, loadgen_procs)
        except BaseException:
            self.listener.close()
            raise

    def run(self) -> list[int]:
        self.mark_cpu()
        self.loadgen.send(GO)
        self.serve()
        return digests_of(self.loadgen.replies())

    def serve(self) -> None:
        raise NotImplementedError

    def server_cpu(self) -> tuple[float, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
        return usage.ru_utime, usage.ru_stime

    def mark_cpu(self) -> None:
        """Start the CPU count at the first run after set-up or after ``metrics``."""
        if self._cpu_mark is None:
            self._cpu_mark = self.server_cpu()

    def summarize(self, replies: list[Reply]) -> dict[str, float]:
        latencies = latencies_of(replies)
        result = percentiles(latencies)
        if self._cpu_mark is not None and latencies:
            user, kernel = (now - then for now, then in zip(self.server_cpu(), self._cpu_mark, strict=True))
            result["server_user_us_per_rt"] = round(1e6 * user / len(latencies), 3)
            result["server_kernel_us_per_rt"] = round(1e6 * kernel / len(latencies), 3)
        self._cpu_mark = None
        return result

    def metrics(self) -> dict[str, float]:
        self.loadgen.send(STATS)
        return self.summarize(self.loadgen.replies())

    def close(self) -> None:
        self.loadgen.close()
        self.listener.close()


class IterativeServer(EchoSession):
    """sequential: one connection at a time, in the calling thread."""

    def serve(self) -> None:
        for _ in range(self.connections):
            conn, _ = self.listener.accept()
            echo_blocking(conn)


class ThreadPerConnection(EchoSession):
    """threads: a new thread for every accepted connection."""

    def serve(self) -> None:
        errors: list[BaseException] = []

        def handle(conn: socket.socket) -> None:
            try:
                echo_blocking(conn)
            except OSError as exc:
                errors.append(exc)

        threads = []
        for _ in range(self.connections):
            conn, _ = self.listener.accept()
            thread = threading.Thread(target=handle, args=(conn,))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(TIMEOUT_S)
        if errors or any(t.is_alive() for t in threads):
            raise ConnectionError(f"thread-per-connection server failed: {errors[:1]}")


def _prefork_worker(listener: socket.socket) -> None:
    pool_child_init()
    listener.settimeout(None)  # idle workers wait for the next run's connections
    while True:
        conn, _ = listener.accept()
        echo_blocking(conn)


class PreforkServer(EchoSession):
    """processes: pre-forked workers sharing the listening socket, one connection each at a time."""

    def __init__(self, connections: int, trips: int, size: int, loadgen_procs: int, workers: int) -> None:
        super().__init__(connections, trips, size, loadgen_procs)
        context = multiprocessing.get_context("fork")
        self.workers = [context.Process(target=_prefork_worker, args=(self.listener,), daemon=True)
                        for _ in range(workers)]
        for worker in self.workers:
            worker.start()

    def serve(self) -> None:
        return None  # the workers serve; run() waits for the generator's answer

    def server_cpu(self) -> tuple[float, float]:
        own = super().server_cpu()
        workers = [process_cpu(w.pid) for w in self.workers if w.pid is not None]
        return own[0] + sum(u for u, _ in workers), own[1] + sum(k for _, k in workers)

    def close(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.join(TIMEOUT_S)
            worker.close()
        super().close()


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


async def echo_stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


class LoopServer(EchoSession):
    """asyncio / uvloop: a server on an event loop of the session's own, which also reads the replies.

    A subclass sets up serving in ``start``, before timing, and serves a run's
    connections in ``serve_connections``, unless the loop's callbacks do.
    """

    #: the callback server of a subclass that has one, closed with the session
    server: asyncio.AbstractServer | None = None

    def __init__(self, connections: int, trips: int, size: int, loadgen_procs: int,
                 loop_factory: Callable[[], asyncio.AbstractEventLoop]) -> None:
        self.loop = loop_factory()
        self.replies = LoopReplies()
        try:
            super().__init__(connections, trips, size, loadgen_procs)
        except BaseException:
            self.loop.close()
            raise
        try:
            self.loop.run_until_complete(self._start())
        except BaseException:
            self.close()
            raise

    async def _start(self) -> None:
        await self.start()
        await self.replies.attach(self.loadgen)

    async def start(self) -> None:
        """Set up serving (a server, threads), before timing."""

    async def serve_connections(self) -> None:
        """Serve one run's connections; by default the loop's callbacks do, and this returns at once."""

    async def _run(self) -> list[int]:
        self.loadgen.send(GO)
        async with asyncio.timeout(TIMEOUT_S + REPLY_GRACE_S):
            await self.serve_connections()
            replies = await self.replies.read()
        return digests_of(replies)

    def run(self) -> list[int]:
        self.mark_cpu()
        return self.loop.run_until_complete(self._run())

    def metrics(self) -> dict[str, float]:
        self.loadgen.send(STATS)
        return self.summarize(self.loop.run_until_complete(asyncio.wait_for(self.replies.read(), TIMEOUT_S)))

    def release(self) -> None:
        """Release what ``start`` made besides the loop's own; called once the default executor is down."""

    def close(self) -> None:
        loop = self.loop
        try:
            if self.server is not None:
                self.server.close()
                loop.run_until_complete(self.server.wait_closed())
            self.replies.close()
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            self.release()
            try:
                super().close()
            finally:
                loop.close()


class StreamsServer(LoopServer):
    """asyncio / uvloop, ``server=streams``: ``asyncio.start_server`` with a reader and a writer."""

    async def start(self) -> None:
        self.listener.setblocking(False)
        self.server = await asyncio.start_server(echo_stream, sock=self.listener)


class ProtocolServer(LoopServer):
    """asyncio / uvloop, ``server=protocol``: ``loop.create_server`` with a Protocol that echoes."""

    async def start(self) -> None:
        self.listener.setblocking(False)
        self.server = await self.loop.create_server(EchoProtocol, sock=self.listener)


class BlockingOnLoopServer(LoopServer):
    """to_thread, executor-thread: the loop hands every blocking socket call (accept, recv, sendall)
    to a thread: the default executor (``pool_size`` 0), or a pool of ``pool_size`` threads.
    """

    def __init__(self, connections: int, trips: int, size: int, loadgen_procs: int,
                 loop_factory: Callable[[], asyncio.AbstractEventLoop], pool_size: int) -> None:
        self.pool_size = pool_size
        self.pool: ThreadPoolExecutor | None = None
        super().__init__(connections, trips, size, loadgen_procs, loop_factory)

    async def start(self) -> None:
        if self.pool_size:
            # Blocks the loop while the pool's threads start: before timing, with nothing else on it.
            self.pool = new_thread_pool(self.pool_size)
        else:  # to_thread: start its threads now
            await start_default_executor(self.loop, default_executor_size())

    def blocking(self, func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        if self.pool is not None:
            return self.loop.run_in_executor(self.pool, partial(func, *args))
        return asyncio.to_thread(func, *args)

    async def serve_connections(self) -> None:
        async def handle(conn: socket.socket) -> None:
            with conn:
                conn.settimeout(TIMEOUT_S)
                while data := await self.blocking(conn.recv, CHUNK):
                    await self.blocking(conn.sendall, data)

        handlers = []
        for _ in range(self.connections):
            conn, _ = await self.blocking(self.listener.accept)
            handlers.append(asyncio.create_task(handle(conn)))
        await asyncio.gather(*handlers)

    def release(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
