"""The event-loop echo servers of ``tcp_echo``: asyncio or uvloop, only the loop factory differs.

- :class:`StreamsServer` (``server=streams``): ``asyncio.start_server``, a reader and a writer.
- :class:`ProtocolServer` (``server=protocol``): ``loop.create_server`` and a Protocol whose
  ``data_received`` writes what it got, pausing reads while the transport's buffer is full.
- :class:`BlockingOnLoopServer` (``to_thread``, ``executor-thread``): the loop accepts, and hands
  every blocking ``recv_into`` / ``sendall`` to a thread: the default executor, or a pool.
- :class:`LoopThreadsServer` (``loop-per-thread``): a loop in each of several threads, serving
  the connections an accepting thread hands them in turn (streams or a Protocol).

Each owns a fresh loop (the last, several).  In a benchmark session the caller runs that loop while
it waits for the load generator (:mod:`.sessions`); ``serve`` runs it in a thread
of its own (:meth:`LoopServer.background`).
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, cast

from benchmarks.runtimes.loopthreads import STOP_TIMEOUT_S, LoopThread
from benchmarks.runtimes.startup import default_executor_size, new_thread_pool, start_default_executor
from benchmarks.scenarios.tcp_echo.servers import CHUNK, EchoServer, tune

LoopFactory = Callable[[], asyncio.AbstractEventLoop]



async def echo_stream(live: set[asyncio.Transport], reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
    """A streams server's handler: echo until the client closes, its transport in ``live`` meanwhile
    (what ``stop()`` aborts)."""
    transport = cast(asyncio.Transport, writer.transport)
    live.add(transport)
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass  # aborted by stop(), or a client that went away: nothing left to echo
    finally:
        live.discard(transport)
        writer.close()

class EchoProtocol(asyncio.Protocol):
    def __init__(self, live: set[asyncio.Transport]) -> None:
        self.live = live

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self.live.add(self.transport)

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)

    # Flow control: a client that sends faster than it reads must not grow our buffer without end.
    def pause_writing(self) -> None:
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.live.discard(self.transport)


class LoopServer(EchoServer):
    """A server on an event loop of its own; ``live`` holds the open connections' transports."""

    server: asyncio.AbstractServer | None = None

    def __init__(self, listener: socket.socket, timeout_s: float | None, loop_factory: LoopFactory) -> None:
        super().__init__(listener, timeout_s)
        self.loop = loop_factory()
        self.live: set[asyncio.Transport] = set()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.listener.setblocking(False)
        self.loop.run_until_complete(self.open())

    async def open(self) -> None:
        raise NotImplementedError

    async def close_connections(self) -> None:
        for _ in range(10):  # a connection accepted just before the server closed joins late
            for transport in list(self.live):
                transport.abort()  # clients still connected (serve)
            await asyncio.sleep(0)  # let their connection_lost (and a late connection_made) run
            if not self.live:
                return

    def release(self) -> None:
        """What ``open`` made besides the loop's own; called once the default executor is down."""

    def background(self) -> threading.Thread:
        self.thread = threading.Thread(target=self.loop.run_forever, name="concbench-echo-loop")
        return self.thread

    def stop(self) -> None:
        loop = self.loop
        if self.thread is not None:  # serve: take the loop back from its thread
            loop.call_soon_threadsafe(loop.stop)
            self.thread.join()
        try:
            if self.server is not None:
                self.server.close()
            loop.run_until_complete(self.close_connections())
            if self.server is not None:
                loop.run_until_complete(self.server.wait_closed())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            self.release()
            try:
                super().stop()
            finally:
                loop.close()


class ProtocolServer(LoopServer):
    async def open(self) -> None:
        self.server = await self.loop.create_server(partial(EchoProtocol, self.live), sock=self.listener)


class StreamsServer(LoopServer):
    async def open(self) -> None:
        self.server = await asyncio.start_server(self.echo, sock=self.listener)

    async def echo(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await echo_stream(self.live, reader, writer)


class BlockingOnLoopServer(LoopServer):
    """The loop accepts; each connection's blocking calls run on ``pool_size`` threads of a pool,
    or on the default executor (``pool_size`` 0), which ``asyncio.to_thread`` uses."""

    def __init__(self, listener: socket.socket, timeout_s: float | None, loop_factory: LoopFactory,
                 pool_size: int) -> None:
        super().__init__(listener, timeout_s, loop_factory)
        self.pool_size = pool_size
        self.contexts = pool_size or default_executor_size()  # each blocked recv holds a thread
        self.pool: ThreadPoolExecutor | None = None
        self.conns: set[socket.socket] = set()
        self.handlers: set[asyncio.Task[None]] = set()
        self.stopping = False

    async def open(self) -> None:
        if self.pool_size:
            # Blocks the loop while the pool's threads start: before timing, with nothing else on it.
            self.pool = new_thread_pool(self.pool_size)
        else:  # to_thread: start its threads now
            await start_default_executor(self.loop, default_executor_size())
        self.acceptor = self.loop.create_task(self.accept())

    def blocking(self, func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        if self.pool is not None:
            return self.loop.run_in_executor(self.pool, partial(func, *args))
        return asyncio.to_thread(func, *args)

    async def accept(self) -> None:
        while True:
            conn, _ = await self.loop.sock_accept(self.listener)
            self.conns.add(conn)  # now, not when its task first runs: stop() must find it
            task = self.loop.create_task(self.handle(conn))
            self.handlers.add(task)
            task.add_done_callback(self.handlers.discard)

    async def handle(self, conn: socket.socket) -> None:
        try:
            with conn:
                tune(conn, self.timeout_s)
                view = memoryview(bytearray(CHUNK))
                while got := await self.blocking(conn.recv_into, view):
                    await self.blocking(conn.sendall, view[:got])
        except OSError as exc:
            if not self.stopping:  # an error while stopping is the stop itself
                self.errors.append(exc)
        finally:
            self.conns.discard(conn)

    async def close_connections(self) -> None:
        self.stopping = True
        self.acceptor.cancel()
        for conn in list(self.conns):  # wake the threads blocked in their recv
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        await asyncio.gather(*self.handlers, self.acceptor, return_exceptions=True)

    def release(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


class LoopThreadsServer(EchoServer):
    """``loops`` threads with an event loop each; one accepting thread hands every connection to
    the next loop in turn, where a streams or Protocol server (``kind``) serves it.

    One listener handing sockets out, rather than an ``SO_REUSEPORT`` socket per loop: the
    kernel spreads ``SO_REUSEPORT`` connections by a hash of their addresses, so 16 connections
    over 2 loops land 8 + 8 only sometimes (10 + 6 is as likely) and the split would change from
    one session to the next, a noise no other server here has; handing them out round-robin puts
    exactly connections / loops on each, every time, on any OS.  Accepting costs nothing timed:
    the generator opens its connections before the clock.
    """

    def __init__(self, listener: socket.socket, timeout_s: float | None, loop_factory: LoopFactory,
                 loops: int, kind: str) -> None:
        super().__init__(listener, timeout_s)
        self.factory = loop_factory
        self.count = loops
        self.kind = kind
        self.threads: list[LoopThread] = []
        self.live: list[set[asyncio.Transport]] = [set() for _ in range(loops)]
        self.acceptor: threading.Thread | None = None

    def start(self) -> None:
        self.listener.setblocking(True)
        for k in range(self.count):
            self.threads.append(LoopThread(self.factory, f"concbench-echo-loop-{k}"))
        self.acceptor = threading.Thread(target=self._accept, name="concbench-echo-accept")
        self.acceptor.start()

    def _accept(self) -> None:
        for turn in itertools.count():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # stop() shut the listener down
            k = turn % self.count
            conn.setblocking(False)
            self.threads[k].call(self._adopt(conn, self.live[k]))

    async def _adopt(self, conn: socket.socket, live: set[asyncio.Transport]) -> None:
        loop = asyncio.get_running_loop()
        try:
            if self.kind == "protocol":
                await loop.connect_accepted_socket(partial(EchoProtocol, live), sock=conn)
                return
            reader = asyncio.StreamReader()
            echo = partial(echo_stream, live)
            await loop.connect_accepted_socket(lambda: asyncio.StreamReaderProtocol(reader, echo), sock=conn)
        except OSError as exc:
            conn.close()
            self.errors.append(exc)


    def stop(self) -> None:
        try:
            super().stop()  # no new connections: the acceptor returns
            if self.acceptor is not None:
                self.acceptor.join()
            for thread, live in zip(self.threads, self.live, strict=True):
                thread.call(_abort(live)).result(STOP_TIMEOUT_S)
        finally:
            for thread in self.threads:
                thread.stop()


async def _abort(live: set[asyncio.Transport]) -> None:
    """Abort the connections still open (clients of ``serve``) and let them finish closing."""
    for _ in range(10):
        for transport in list(live):
            transport.abort()
        await asyncio.sleep(0)
        if not live:
            return
