"""A ``tcp_echo`` session: one server, its load generators, and what a measured value records.

Opening a session (outside the clock) starts the server, starts the generator
processes and has them open their connections and do the warm-up trips, so
that a timed ``run`` is the steady state: a ``go`` line to the generators, the
server serving, their answers.  A server that cannot keep connections open
between runs (see ``EchoServer.persistent``) gets new ones every run, warm-up
included, and the metadata says so.

``metrics``, after the timed runs, merges the generators' latency
histograms and gives the server's and the generators' CPU over the same
runs: per round trip, split into user and kernel time, and as a utilisation
(CPU seconds per second of the runs; 1.0 is one CPU busy all the time).  A
server using a whole CPU while the generators do not is the bottleneck.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import replace

from benchmarks.core.contract import Session
from benchmarks.core.echo_keys import (
    ACHIEVED_RATE_RTPS,
    LOADGEN_CPU_UTIL,
    SERVER_CPU_UTIL,
    SERVER_KERNEL_US_PER_RT,
    SERVER_USER_US_PER_RT,
)
from benchmarks.scenarios.tcp_echo import histograms
from benchmarks.scenarios.tcp_echo.allocator import set_state
from benchmarks.scenarios.tcp_echo.driver import (
    REPLY_GRACE_S,
    TIMEOUT_S,
    GeneratorSpec,
    LoadGroup,
    LoopReplies,
)
from benchmarks.scenarios.tcp_echo.loopservers import LoopServer
from benchmarks.scenarios.tcp_echo.servers import EchoServer
from benchmarks.scenarios.tcp_echo.wire import GO, STATS, WARMUP, Reply, digests_of


class EchoSession(Session):
    """The server serves in the background (threads, processes) or in ``serve_inline``; this
    thread waits for the generators."""

    def __init__(self, server: EchoServer, spec: GeneratorSpec, cpus: tuple[int, ...] | None = None,
                 malloc: str = "warm") -> None:
        self.server = server
        self.spec = spec
        self.runs: list[list[Reply]] = []
        self._mark: tuple[float, float, float, float] | None = None
        self._end = 0.0
        self.loadgen: LoadGroup | None = None
        self._affinity = os.sched_getaffinity(0)
        try:
            if cpus is not None:  # before the server starts: its threads and processes inherit it
                os.sched_setaffinity(0, cpus)
            set_state(malloc)  # likewise
            server.start()
            self.loadgen = LoadGroup(spec)
            self.attach()
            self.exchange(WARMUP)
        except BaseException:
            self.close()
            raise

    def attach(self) -> None:
        """Start reading the generators' answers (on the loop, for loop servers)."""

    def exchange(self, command: bytes) -> list[Reply]:
        assert self.loadgen is not None
        self.loadgen.send(command)
        if self.spec.reconnect and (command == GO or (command == WARMUP and self.spec.warmup)):
            self.server.serve_inline(self.spec.connections)
        return self.loadgen.replies()

    def run(self) -> list[int]:
        if self._mark is None:  # the first run since set-up or since metrics()
            self._mark = (time.perf_counter(), *self.server.cpu())
        replies = self.exchange(GO)
        self._end = time.perf_counter()
        self.server.check()
        self.runs.append(replies)
        return digests_of(replies)

    def metrics(self) -> dict[str, float]:
        if self._mark is None:
            return {}
        user, kernel, wait = (now - then for now, then in zip(self.server.cpu(), self._mark[1:], strict=True))
        wall = self._end - self._mark[0]
        runs, self.runs, self._mark = self.runs, [], None
        stats = self.exchange(STATS)
        trips = self.spec.total * len(runs)
        result = {**histograms.summary(histograms.merged(stats, "latency"), "latency"),
                  **histograms.summary(histograms.merged(stats, "lag"), "send_lag"),
                  "round_trips": trips, ACHIEVED_RATE_RTPS: round(trips / wall, 1),
                  SERVER_USER_US_PER_RT: round(1e6 * user / trips, 3),
                  SERVER_KERNEL_US_PER_RT: round(1e6 * kernel / trips, 3),
                  "server_cpu_us_per_rt": round(1e6 * (user + kernel) / trips, 3),
                  SERVER_CPU_UTIL: round((user + kernel) / wall, 3),
                  "server_runq_wait_util": round(wait / wall, 3)}
        return {**result, **generator_cpu(runs, trips)}

    def close(self) -> None:
        try:
            if self.loadgen is not None:
                self.loadgen.close()  # first: the server then sees every connection end
        finally:
            try:
                self.server.stop()
            finally:
                os.sched_setaffinity(0, self._affinity)


def generator_cpu(runs: list[list[Reply]], trips: int) -> dict[str, float]:
    """The generators' own CPU over the runs: per round trip, and the busiest one's utilisation
    and wait for a CPU (fractions of its runs' duration)."""
    def total(key: str, member: int | None = None) -> float:
        return sum(reply.get(key, 0.0) for replies in runs
                   for k, reply in enumerate(replies) if member is None or k == member)

    members = range(len(runs[0]))
    seconds = [max(1e-9, total("client_seconds", k)) for k in members]
    busy = [(total("cpu_user_s", k) + total("cpu_sys_s", k)) / seconds[k] for k in members]
    busiest = max(members, key=lambda k: busy[k])
    return {"loadgen_user_us_per_rt": round(1e6 * total("cpu_user_s") / trips, 3),
            "loadgen_kernel_us_per_rt": round(1e6 * total("cpu_sys_s") / trips, 3),
            LOADGEN_CPU_UTIL: round(busy[busiest], 3),
            "loadgen_runq_wait_util": round(total("wait_s", busiest) / seconds[busiest], 3)}


class LoopEchoSession(EchoSession):
    """The server is on this thread's event loop: every wait for the generators runs that loop."""

    server: LoopServer

    def attach(self) -> None:
        self.replies = LoopReplies()
        assert self.loadgen is not None
        self.server.loop.run_until_complete(self.replies.attach(self.loadgen))

    async def _exchange(self, command: bytes) -> list[Reply]:
        assert self.loadgen is not None
        self.loadgen.send(command)
        async with asyncio.timeout(TIMEOUT_S + REPLY_GRACE_S):
            return await self.replies.read()

    def exchange(self, command: bytes) -> list[Reply]:
        return self.server.loop.run_until_complete(self._exchange(command))

    def close(self) -> None:
        replies = getattr(self, "replies", None)
        if replies is not None:
            replies.close()
        super().close()


def open_session(server: EchoServer, spec: GeneratorSpec, cpus: tuple[int, ...] | None,
                 malloc: str = "warm") -> EchoSession:
    """The session for ``server`` (pinned to ``cpus``, its allocator in state ``malloc``): its
    connections kept open between runs if it can serve them so."""
    spec = replace(spec, port=server.listener.getsockname()[1],
                   reconnect=not server.persistent(spec.connections))
    kind = LoopEchoSession if isinstance(server, LoopServer) else EchoSession
    return kind(server, spec, cpus, malloc)
