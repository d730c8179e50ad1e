"""The blocking echo servers of ``tcp_echo`` and what every server offers; no load generator here.

An :class:`EchoServer` is a listening socket and what serves it, written as a
careful engineer would write it for its model: ``TCP_NODELAY`` on every
connection (asyncio and uvloop set it on their transports), ``recv_into`` one
buffer per connection, reused, and waits bounded by the socket's own
``SO_RCVTIMEO`` / ``SO_SNDTIMEO`` (a Python-level timeout would add a
``poll`` before every call).  The same objects serve a benchmark session
(:mod:`.sessions`) and ``python -m benchmarks serve``.

- :class:`IterativeServer` (``sequential``): one connection at a time, to its end.
- :class:`ThreadPerConnection` (``threads``): an accepting thread, a thread per connection.
- :class:`PreforkServer` (``processes``): forked workers, each serving one connection at a
  time, accepting from one shared socket (``accept=shared``) or each from its own
  ``SO_REUSEPORT`` socket on the same port, the kernel spreading connections by hash
  (``accept=reuseport``).

A server whose blocking workers serve one connection each to its end, fewer
of them than there are connections, cannot keep connections open between
runs: ``persistent`` says so, and the generator then opens them every run.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import socket
import struct
import threading

from benchmarks.runtimes.startup import pool_child_init
from benchmarks.scenarios.tcp_echo.cpu import own_cpu, process_cpu, runqueue_wait

CHUNK = 65536
ACCEPTS = ("shared", "reuseport")


def listen(host: str, port: int, backlog: int = 512, *, bind_only: bool = False) -> socket.socket:
    """A TCP socket bound to (host, port); listening unless ``bind_only`` (it then only holds the
    port, with SO_REUSEPORT, for workers that listen on sockets of their own)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if bind_only:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if not bind_only:
            sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def tune(conn: socket.socket, timeout_s: float | None) -> None:
    conn.setblocking(True)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if timeout_s:
        limit = struct.pack("ll", int(timeout_s), int(timeout_s % 1 * 1e6))
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, limit)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)


def echo_blocking(conn: socket.socket, timeout_s: float | None) -> None:
    """Echo until the peer closes; the one buffer is reused for every read."""
    with conn:
        tune(conn, timeout_s)
        view = memoryview(bytearray(CHUNK))
        while got := conn.recv_into(view):
            conn.sendall(view[:got])


class EchoServer:
    """A listening socket and what serves it. ``timeout_s`` bounds every blocking call (None in
    ``serve``, where clients may idle)."""

    #: blocking workers that each serve one connection to its end (None: no such limit)
    contexts: int | None = None

    def __init__(self, listener: socket.socket, timeout_s: float | None) -> None:
        self.listener = listener
        self.timeout_s = timeout_s
        self.errors: list[BaseException] = []

    def persistent(self, connections: int) -> bool:
        """Whether ``connections`` may stay open from one run to the next."""
        return self.contexts is None or self.contexts >= connections

    def start(self) -> None:
        """Start serving in the background, as far as the model serves in the background."""

    def serve_inline(self, connections: int) -> None:
        """Serve one run's ``connections`` in the calling thread (a server that serves there)."""

    def background(self) -> threading.Thread | None:
        """For ``serve``: a thread serving what ``serve_inline`` serves in a session, if anything."""
        return None

    def cpu(self) -> tuple[float, float, float]:
        """User and kernel CPU seconds so far, and seconds its threads waited for a CPU."""
        return (*own_cpu(), runqueue_wait())

    def check(self) -> None:
        if self.errors:
            raise ConnectionError(f"{type(self).__name__} failed: {self.errors[0]!r}")

    def stop(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept (Linux)
        except OSError:
            pass  # not listening (a port holder), or already shut
        self.listener.close()


class IterativeServer(EchoServer):
    """sequential: one connection at a time, in the calling thread, to its end."""

    contexts = 1
    current: socket.socket | None = None

    def persistent(self, connections: int) -> bool:
        return False  # it serves in the calling thread, which must return at the end of a run

    def serve_inline(self, connections: int) -> None:
        self.listener.settimeout(self.timeout_s)
        for _ in range(connections):
            conn, _ = self.listener.accept()
            echo_blocking(conn, self.timeout_s)

    def background(self) -> threading.Thread:
        self.lock = threading.Lock()
        self.stopped = False

        def forever() -> None:
            while True:
                try:
                    conn, _ = self.listener.accept()
                    with self.lock:
                        if self.stopped:
                            conn.close()
                            return
                        self.current = conn
                    echo_blocking(conn, self.timeout_s)
                except OSError:
                    if self.listener.fileno() < 0:
                        return  # stopped
        return threading.Thread(target=forever, name="concbench-echo-iterative")

    def stop(self) -> None:
        super().stop()
        if not hasattr(self, "lock"):
            return  # a session's: it served in the caller's thread, which has returned
        with self.lock:
            self.stopped = True
            if self.current is not None:  # a client still connected (serve): wake the thread
                try:
                    self.current.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class ThreadPerConnection(EchoServer):
    """threads: an accepting thread starts a thread for every connection."""

    def start(self) -> None:
        self.lock = threading.Lock()
        self.live: set[socket.socket] = set()
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, name="concbench-echo-accept")
        self.acceptor.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # stop() shut the listener down
            with self.lock:
                self.live.add(conn)
            thread = threading.Thread(target=self._handle, args=(conn,), name="concbench-echo-conn")
            thread.start()
            self.threads = [t for t in self.threads if t.is_alive()]  # serve: clients come and go
            self.threads.append(thread)

    def _handle(self, conn: socket.socket) -> None:
        try:
            echo_blocking(conn, self.timeout_s)
        except OSError as exc:
            if self.listener.fileno() >= 0:  # an error while stopping is the stop itself
                self.errors.append(exc)
        finally:
            with self.lock:
                self.live.discard(conn)

    def stop(self) -> None:
        super().stop()
        self.acceptor.join()
        with self.lock:
            for conn in self.live:  # clients still connected (serve): wake their threads
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in self.threads:
            thread.join()


def _prefork_worker(listener: socket.socket, address: tuple[str, int] | None, ready: int,
                    timeout_s: float | None) -> None:
    pool_child_init()
    if address is not None:  # reuseport: a listening socket of its own on the shared port
        listener = listen(*address, bind_only=True)
        listener.listen(512)
    os.write(ready, b"!")
    while True:
        conn, _ = listener.accept()
        try:
            echo_blocking(conn, timeout_s)
        except OSError:
            pass  # that client's problem: the next one is served


class PreforkServer(EchoServer):
    """processes: ``workers`` processes forked before serving, one connection each at a time."""

    START_TIMEOUT_S = 30.0

    def __init__(self, listener: socket.socket, timeout_s: float | None, workers: int, accept: str) -> None:
        super().__init__(listener, timeout_s)
        self.contexts = workers
        self.accept = accept
        self.workers: list[multiprocessing.process.BaseProcess] = []

    def persistent(self, connections: int) -> bool:
        # By hash the kernel may hand two connections to one worker, which serves one at a time
        return self.accept == "shared" and super().persistent(connections)

    def start(self) -> None:
        context = multiprocessing.get_context("fork")
        address = self.listener.getsockname()[:2] if self.accept == "reuseport" else None
        read, write = os.pipe()
        try:
            for _ in range(int(self.contexts or 1)):
                worker = context.Process(target=_prefork_worker, daemon=True,
                                         args=(self.listener, address, write, self.timeout_s))
                worker.start()
                self.workers.append(worker)
            got = b""
            while len(got) < len(self.workers):  # every worker listens before any client connects
                if not select.select([read], [], [], self.START_TIMEOUT_S)[0]:
                    raise RuntimeError(f"pre-forked workers not listening after {self.START_TIMEOUT_S:g} s")
                got += os.read(read, len(self.workers))
        finally:
            os.close(read)
            os.close(write)

    def cpu(self) -> tuple[float, float, float]:
        user, kernel, wait = super().cpu()
        for pid in [w.pid for w in self.workers if w.pid is not None]:
            worker = process_cpu(pid)
            user, kernel, wait = user + worker[0], kernel + worker[1], wait + runqueue_wait(pid)
        return user, kernel, wait

    def check(self) -> None:
        dead = [w.exitcode for w in self.workers if not w.is_alive()]
        if dead:
            raise ConnectionError(f"{len(dead)} pre-forked worker(s) died (exit status {dead[0]})")

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.join(self.START_TIMEOUT_S)
            worker.close()
        super().stop()
