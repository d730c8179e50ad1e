"""tcp_echo: a TCP echo server under a fixed load; the model under test is the server.

One load generator (:mod:`benchmarks.scenarios.tcp_echo.loadgen`), the same for every model and
in its own process, opens C connections and does M round trips of S bytes on
each, checking every echo byte for byte.  pyperf times that fixed amount of
work, seen from the server's process (from "go" to the generator's answer);
throughput is C*M round trips divided by that time.  Per-request latencies
are measured by the generator and, after timing, written as p50/p90/p99 to
the run's ``.metrics.jsonl`` side file (see the README).

Servers: asyncio and uvloop with streams or a Protocol (parameter
``server``), a thread per connection (``threads``), pre-forked processes
sharing the listening socket (``processes``, fork start method, ``workers``
of them, default one per connection), blocking socket calls handed to
``asyncio.to_thread`` or to an explicit pool (``executor-thread``), and an
iterative server that serves one connection at a time (``sequential``).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from typing import ClassVar

from benchmarks.core.capabilities import EventLoop, Inline, LoopExecutor, ProcessPool, ThreadPool
from benchmarks.core.contract import Scenario, Session, SessionKind, SessionTable
from benchmarks.core.params import WORKERS, Param, Value
from benchmarks.core.pools import default_executor_size
from benchmarks.core.work import Checksum, Work, checksum, unprepared
from benchmarks.scenarios.tcp_echo.driver import digests
from benchmarks.scenarios.tcp_echo.servers import (
    BlockingOnLoopServer,
    IterativeServer,
    LoopServer,
    PreforkServer,
    ProtocolServer,
    StreamsServer,
    ThreadPerConnection,
)

#: A server this close to what the load generator can drive is measuring the generator.
CAPACITY_WARN_FRACTION = 0.8

#: The values of the ``server`` parameter of the event-loop models, and the server each one opens.
LOOP_SERVERS: dict[str, type[LoopServer]] = {"streams": StreamsServer, "protocol": ProtocolServer}

SERVER = Param("server", str, tuple(LOOP_SERVERS), "asyncio server API", choices=tuple(LOOP_SERVERS))


def _shape(params: Mapping[str, Value]) -> tuple[int, int, int, int]:
    return (int(params["connections"]), int(params["round_trips"]), int(params["message_bytes"]),
            int(params["loadgen_procs"]))


def _workers(params: Mapping[str, Value]) -> int:
    """Pool size for the pre-forked and executor servers: default one per connection."""
    return int(params.get("workers", 0)) or int(params["connections"])


class Iterative(SessionKind[Inline]):
    """One connection at a time, in the calling thread."""

    def model_params(self, capability: Inline, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return ()

    def open(self, capability: Inline, work: Work, params: Mapping[str, Value]) -> Session:
        return IterativeServer(*_shape(params))

    def metadata(self, capability: Inline, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"server_impl": "iterative, one connection at a time", "parallelism": 1,
                "concurrency_limit": 1}


class PerConnectionThreads(SessionKind[ThreadPool]):
    """A thread per accepted connection: a pool's size would only cap the connections served."""

    def model_params(self, capability: ThreadPool, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return ()

    def open(self, capability: ThreadPool, work: Work, params: Mapping[str, Value]) -> Session:
        return ThreadPerConnection(*_shape(params))

    def metadata(self, capability: ThreadPool, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        connections = int(params["connections"])
        return {"server_impl": "a thread per connection", "parallelism": connections,
                "concurrency_limit": connections}


class Preforked(SessionKind[ProcessPool]):
    """``workers`` processes forked with the listening socket, each accepting in turn."""

    def model_params(self, capability: ProcessPool, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return (WORKERS,)

    def unsupported(self, capability: ProcessPool, params: Mapping[str, Value]) -> str | None:
        if "fork" not in multiprocessing.get_all_start_methods():
            return "pre-forked workers need the fork start method"
        return None

    def open(self, capability: ProcessPool, work: Work, params: Mapping[str, Value]) -> Session:
        return PreforkServer(*_shape(params), workers=_workers(params))

    def metadata(self, capability: ProcessPool, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        workers = _workers(params)
        return {"server_impl": "pre-forked workers sharing the listening socket", "start_method": "fork",
                "pool_size": workers, "parallelism": workers,
                "concurrency_limit": min(workers, int(params["connections"]))}


class OnTheLoop(SessionKind[EventLoop]):
    """A streams or Protocol server (parameter ``server``) on the model's loop."""

    def model_params(self, capability: EventLoop, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return (SERVER,)

    def open(self, capability: EventLoop, work: Work, params: Mapping[str, Value]) -> Session:
        server = LOOP_SERVERS[str(params["server"])]
        return server(*_shape(params), loop_factory=capability.loop.factory())

    def metadata(self, capability: EventLoop, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"server_impl": f"{capability.loop.name} {params['server']}", "parallelism": 1,
                **capability.metadata(work, params)}


class BlockingOnTheLoop(SessionKind[LoopExecutor]):
    """The loop hands every blocking socket call to its executor's threads."""

    def model_params(self, capability: LoopExecutor, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return (WORKERS,) if isinstance(capability.executor, ThreadPool) else ()

    def unsupported(self, capability: LoopExecutor, params: Mapping[str, Value]) -> str | None:
        if isinstance(capability.executor, ProcessPool):
            return ("a socket cannot be handed to a process pool call by call; the process-based "
                    "server is the `processes` model (pre-forked workers)")
        return None

    def open(self, capability: LoopExecutor, work: Work, params: Mapping[str, Value]) -> Session:
        pool_size = _workers(params) if isinstance(capability.executor, ThreadPool) else 0
        return BlockingOnLoopServer(*_shape(params), loop_factory=capability.loop.factory(),
                                    pool_size=pool_size)

    def metadata(self, capability: LoopExecutor, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        meta: dict[str, Value] = {"loop": capability.loop.name,
                                  "concurrency_limit": int(params["connections"])}
        if isinstance(capability.executor, ThreadPool):
            workers = _workers(params)
            meta.update(server_impl=f"{capability.loop.name}, blocking socket calls through run_in_executor",
                        pool_size=workers, parallelism=workers)
        else:
            size = default_executor_size()
            meta.update(server_impl=f"{capability.loop.name}, blocking socket calls through "
                                    "asyncio.to_thread", default_executor_size=size, parallelism=size)
        return meta


class TcpEcho(Scenario):
    name = "tcp_echo"
    summary = "C connections x M round trips of S bytes against the model's echo server (server under test)"
    kind = "io"
    params = (
        Param("connections", int, (16,), "concurrent client connections", quick=(4,), tiny=(2,), minimum=1),
        Param("round_trips", int, (100,), "round trips per connection", quick=(20,), tiny=(3,), minimum=1),
        Param("message_bytes", int, (100, 65536), "message size, bytes", quick=(100,), tiny=(100,),
              minimum=1),
        Param("loadgen_procs", int, (1,), "load generator processes sharing the connections", minimum=1),
    )
    sessions: ClassVar[SessionTable] = {
        Inline: Iterative(),
        ThreadPool: PerConnectionThreads(),
        ProcessPool: Preforked(),
        EventLoop: OnTheLoop(),
        LoopExecutor: BlockingOnTheLoop(),
    }

    def work(self, params: Mapping[str, Value]) -> Work:
        return unprepared(int(params["connections"]), self.kind)

    def calibrate(self, params: Mapping[str, Value]) -> dict[str, Value]:
        from benchmarks.scenarios.tcp_echo.capacity import measure

        return measure(int(params["connections"]), int(params["round_trips"]), int(params["message_bytes"]),
                       int(params["loadgen_procs"]))

    def warnings(self, metadata: Mapping[str, Value], median_s: float) -> list[str]:
        capacity = metadata.get("load_generator_capacity_rtps")
        total = metadata.get("round_trips_total")
        if not isinstance(capacity, float) or not isinstance(total, int):
            return []
        rate = total / median_s
        if rate < CAPACITY_WARN_FRACTION * capacity:
            return []
        return [f"{rate:,.0f} round trips/s is {rate / capacity:.0%} of the load generator's capacity "
                f"({capacity:,.0f}/s): the generator, not the server, may set this number"]

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        shape = (int(params["connections"]), int(params["round_trips"]), int(params["message_bytes"]))
        return checksum(digests(*shape))

    def metadata(self, params: Mapping[str, Value]) -> dict[str, Value]:
        from benchmarks.scenarios.loopback import fastest_loop

        return {"load_generator": "benchmarks.scenarios.tcp_echo.loadgen, Protocol clients, own processes",
                "load_generator_loop": fastest_loop()[0],
                "round_trips_total": int(params["connections"]) * int(params["round_trips"])}


SCENARIO = TcpEcho()
