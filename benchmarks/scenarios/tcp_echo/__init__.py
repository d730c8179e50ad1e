"""tcp_echo: a TCP echo server under a fixed load; the model under test is the server.

A load generator in processes of its own, the same for every model (the
native one, ``echo_loadgen.c``, by default; ``generator=python`` for the
Python one), opens C connections before the clock starts and does a warm-up
of ``warmup_trips`` round trips on each; a measured value is then the
steady state: M round trips of S bytes on each connection (closed loop, each
connection keeping ``depth`` requests in flight), every echo checked byte for
byte.  With ``mode=open`` the generator instead offers ``offered_rate`` round
trips per second for ``open_window_ms``, each request sent at its intended
time and its latency measured from then, so that sweeping the rate gives
each server's throughput-latency curve and its saturation point.  Latency
percentiles come from HdrHistograms recorded by each generator process and
merged; the server's and the generator's CPU over the runs are metrics too
(see :mod:`.sessions`).  Before timing, the run measures what the generator
can drive against a trivial C peer (:mod:`.capacity`) and warns about results
that come close to it.

Servers (:mod:`.servers`, :mod:`.loopservers`): iterative (``sequential``), a
thread per connection (``threads``), pre-forked processes with a shared
accept or ``SO_REUSEPORT`` (``processes``, parameter ``accept``), asyncio and
uvloop with streams or a Protocol (``server``), and blocking socket calls
handed to ``asyncio.to_thread`` or to a pool (``executor-thread``), and a loop in each of
several threads, an accepting thread handing them connections in turn (``loop-per-thread``).  A server
whose blocking workers serve one connection each, fewer of them than
connections, gets new connections every run (metadata ``connection_reuse``).
"""

from __future__ import annotations

import resource
from collections.abc import Mapping, Sequence
from typing import ClassVar

from benchmarks.core.contract import Command, Model, Scenario, SessionTable
from benchmarks.core.echo_keys import (
    CAPACITY_RTPS,
    MODE,
    OFFERED_RATE_RTPS,
    OPEN_LOOP,
    ROUND_TRIPS_TOTAL,
    WARN_FRACTION,
)
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Checksum, Work, checksum, unprepared
from benchmarks.runtimes.loops import EventLoop, LoopExecutor
from benchmarks.runtimes.loopthreads import LoopThreads
from benchmarks.runtimes.pools import Inline, ProcessPool, ThreadPool
from benchmarks.scenarios.tcp_echo.allocator import STATES, describe
from benchmarks.scenarios.tcp_echo.drive import Loadgen
from benchmarks.scenarios.tcp_echo.driver import GENERATORS, PLACEMENTS
from benchmarks.scenarios.tcp_echo.kinds import (
    BlockingOnTheLoop,
    EchoKind,
    Iterative,
    LoopsInThreads,
    OnTheLoop,
    PerConnectionThreads,
    Preforked,
    generator_spec,
    placement,
    trips,
)
from benchmarks.scenarios.tcp_echo.serve import Serve
from benchmarks.scenarios.tcp_echo.servers import EchoServer
from benchmarks.scenarios.tcp_echo.wire import digests

#: A server this close to what the load generator can drive is measuring the generator.
CAPACITY_WARN_FRACTION = 0.8
MODES = ("closed", OPEN_LOOP)
#: parameters that mean something in one mode only
CLOSED_ONLY = ("round_trips", "depth")
OPEN_ONLY = ("offered_rate", "open_window_ms")


def _thousands(rate: float) -> str:
    """188382.4 -> ``188k``; below 10,000 the number itself (``2,350``)."""
    return f"{rate / 1000:.0f}k" if rate >= 10_000 else f"{rate:,.0f}"


#: file descriptors a server process needs besides its connections (listeners, pipes, modules)
FD_RESERVE = 256


def most_connections() -> tuple[int, str]:
    """The most connections one server process can hold here: one descriptor each, under the
    open-file limit (a run past it would fail only at --timeout, its accepts refused)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 2**31 - 1, "no open-file limit"
    return max(1, soft - FD_RESERVE), (f"open files per process here: {soft} (ulimit -n), "
                                       f"{FD_RESERVE} kept aside")


class TcpEcho(Scenario):
    name = "tcp_echo"
    summary = "C connections x M round trips of S bytes against the model's echo server (server under test)"
    kind = "io"
    params = (
        Param("connections", int, (16,), "concurrent client connections", quick=(4,), tiny=(2,), minimum=1,
              maximum=most_connections),
        Param("round_trips", int, ("auto",), "round trips per connection in one measured value; auto: "
              "20,000 in all for messages up to 4 KiB, fewer for larger ones", quick=(250,), tiny=(3,),
              minimum=1, special="auto"),
        Param("message_bytes", int, (100, 65536), "message size, bytes (the last is a newline)",
              quick=(100,), tiny=(100,), minimum=2),
        Param("depth", int, (1,), "requests in flight per connection (pipelining), closed loop", minimum=1),
        Param("warmup_trips", int, (125,), "round trips per connection when a session opens, untimed",
              quick=(25,), tiny=(2,), minimum=0),
        Param("loadgen_procs", int, (1,), "load generator processes sharing the connections", minimum=1),
        Param("generator", str, ("native",), "load generator: native (C, epoll) or python (uvloop)",
              choices=GENERATORS),
        Param("placement", str, ("split",), "split: the generators pinned to the last CPU(s), the server to "
              "the others; shared: wherever the scheduler puts them", choices=PLACEMENTS),
        Param("malloc", str, ("warm",), "the server process's allocator: warm (as after freeing a 1 MiB "
              "block) or fresh (glibc's start-up mmap threshold; see allocator.py)", choices=STATES),
        Param("mode", str, ("closed",), "closed loop (throughput) or open loop at offered_rate (latency)",
              choices=MODES),
        Param("offered_rate", int, (25000, 50000, 100000, 150000, 200000, 250000, 300000),
              "open loop: round trips per second offered over all connections", minimum=1),
        Param("open_window_ms", int, (200,), "open loop: how long the offered load lasts in one value",
              minimum=1),
    )
    sessions: ClassVar[SessionTable] = {
        Inline: Iterative(),
        ThreadPool: PerConnectionThreads(),
        ProcessPool: Preforked(),
        EventLoop: OnTheLoop(),
        LoopExecutor: BlockingOnTheLoop(),
        LoopThreads: LoopsInThreads(),
    }

    def relevant(self, params: Mapping[str, Value]) -> Mapping[str, Value]:
        drop = OPEN_ONLY if params.get("mode", "closed") == "closed" else CLOSED_ONLY
        return {k: v for k, v in params.items() if k not in drop}

    def work(self, params: Mapping[str, Value]) -> Work:
        return unprepared(int(params["connections"]), self.kind)

    def unsupported(self, model: Model, params: Mapping[str, Value]) -> str | None:
        if params.get("generator", "native") == "native":
            from benchmarks.scenarios.tcp_echo import native

            if not native.available():
                return ("the native load generator needs a C compiler (cc); --param generator=python "
                        "runs without one")
        return super().unsupported(model, params)

    def commands(self) -> Sequence[Command]:
        return (Serve(), Loadgen())

    def server(self, model: Model, params: Mapping[str, Value], host: str, port: int) -> EchoServer:
        """The model's server, for ``serve``: bound to (host, port), no timeouts (clients may idle)."""
        kind = self.session_kind(model)
        assert isinstance(kind, EchoKind), "unsupported models have no server"
        return kind.server(model.capability, params, host, port, None)

    def calibrate(self, params: Mapping[str, Value]) -> dict[str, Value]:
        from benchmarks.scenarios.tcp_echo.capacity import measure

        cpus = placement(params)
        capacity = measure(generator_spec(params), None if cpus is None else cpus[0])
        return {**capacity, WARN_FRACTION: CAPACITY_WARN_FRACTION}

    def calibrated(self, found: Sequence[tuple[Mapping[str, Value], Mapping[str, Value]]]) -> str:
        rates = sorted(float(r) for _params, values in found if isinstance(r := values.get(CAPACITY_RTPS),
                                                                           int | float))
        if not rates:
            return "the load generator's capacity was not measured"
        text = f"the load generator drives up to {_thousands(rates[-1])} round trips/s here"
        if len(rates) > 1:
            text += f" ({_thousands(rates[0])} at the slowest of {len(rates)} parameter points)"
        return text

    def warnings(self, metadata: Mapping[str, Value], median_s: float) -> list[str]:
        capacity = metadata.get(CAPACITY_RTPS)
        total = metadata.get(ROUND_TRIPS_TOTAL)
        if metadata.get(MODE) == OPEN_LOOP:
            # the capacity is a closed loop's, one round trip in flight per connection: an open
            # loop, which sends on schedule whatever is in flight, drives past it (139% was seen)
            return []
        if not isinstance(capacity, float) or not isinstance(total, int):
            return []
        rate = total / median_s
        if rate < CAPACITY_WARN_FRACTION * capacity:
            return []
        return [f"{rate:,.0f} round trips/s is {rate / capacity:.0%} of the load generator's capacity "
                f"({capacity:,.0f}/s): the generator, not the server, may set this number"]

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        return checksum(digests(int(params["connections"]), trips(params), int(params["message_bytes"])))

    def metadata(self, params: Mapping[str, Value]) -> dict[str, Value]:
        spec = generator_spec(params)
        meta: dict[str, Value] = {
            "load_generator": spec.describe(), ROUND_TRIPS_TOTAL: spec.total,
            "warmup_round_trips_total": spec.warmup * spec.connections,
            MODE: str(params.get("mode", "closed")),
            "server_allocator": describe(str(params.get("malloc", "warm"))),
            "timed": "one run on connections opened and warmed up before the clock (unless connection_reuse "
                     "is per_run): a go line to the generators, their trips, their answers"}
        if spec.rate:
            meta.update({OFFERED_RATE_RTPS: spec.rate, "open_window_s": spec.total / spec.rate})
        cpus = placement(params)
        if cpus is not None:
            meta.update(server_cpus=",".join(map(str, cpus[0])), loadgen_cpus=",".join(map(str, cpus[1])))
        return meta


SCENARIO = TcpEcho()
