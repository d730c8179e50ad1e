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

import asyncio
import multiprocessing
from collections.abc import Mapping

from benchmarks.core.aio import AsyncModel
from benchmarks.core.contract import Model, Scenario, Session
from benchmarks.core.params import WORKERS, Param, Value
from benchmarks.core.pools import default_executor_size
from benchmarks.core.work import Checksum, Work, checksum, unprepared
from benchmarks.scenarios.tcp_echo.servers import (
    AsyncEchoServer,
    IterativeServer,
    PreforkServer,
    ThreadPerConnection,
)

SERVER = Param("server", str, ("streams", "protocol"), "asyncio server API", choices=("streams", "protocol"))

UNSUPPORTED = {
    "executor-process": "a socket cannot be handed to a process pool call by call; "
                        "the process-based server is the `processes` model (pre-forked workers)",
}


def digests(connections: int, trips: int, size: int) -> list[int]:
    """What the load generator reports for a correct echo: per connection, the sum of CRC-32s."""
    import zlib

    from benchmarks.core.work import MODULUS
    from benchmarks.scenarios.tcp_echo.loadgen import message

    return [sum(zlib.crc32(message(c, t, size)) for t in range(trips)) % MODULUS
            for c in range(connections)]


def _workers(params: Mapping[str, Value]) -> int:
    """Pool size for the pre-forked and executor servers: default one per connection."""
    return int(params.get("workers", 0)) or int(params["connections"])


class TcpEcho(Scenario):
    name = "tcp_echo"
    summary = "C connections x M round trips of S bytes against the model's echo server (server under test)"
    kind = "io"
    params = (
        Param("connections", int, (16,), "concurrent client connections", quick=(4,), minimum=1),
        Param("round_trips", int, (100,), "round trips per connection", quick=(20,), minimum=1),
        Param("message_bytes", int, (100, 65536), "message size, bytes", quick=(100,), minimum=1),
        Param("loadgen_procs", int, (1,), "load generator processes sharing the connections", minimum=1),
    )

    def model_params(self, model: Model) -> tuple[Param, ...]:
        if model.name in ("asyncio", "uvloop"):
            return (SERVER,)
        if model.name in ("processes", "executor-thread"):
            return (WORKERS,)
        return ()

    def unsupported(self, model: Model, params: Mapping[str, Value]) -> str | None:
        if model.name in UNSUPPORTED:
            return UNSUPPORTED[model.name]
        if model.name == "processes" and "fork" not in multiprocessing.get_all_start_methods():
            return "pre-forked workers need the fork start method"
        return None

    def work(self, params: Mapping[str, Value]) -> Work:
        return unprepared(int(params["connections"]), self.kind)

    def open_session(self, model: Model, work: Work, params: Mapping[str, Value]) -> Session:
        shape = (int(params["connections"]), int(params["round_trips"]), int(params["message_bytes"]),
                 int(params["loadgen_procs"]))
        workers = _workers(params)
        if model.name == "sequential":
            return IterativeServer(*shape)
        if model.name == "threads":
            return ThreadPerConnection(*shape)
        if model.name == "processes":
            return PreforkServer(*shape, workers=workers)
        if model.name == "to_thread":
            return AsyncEchoServer(*shape, loop_factory=asyncio.new_event_loop, style="blocking")
        if model.name == "executor-thread":
            return AsyncEchoServer(*shape, loop_factory=asyncio.new_event_loop, style="blocking",
                                   pool_size=workers)
        if isinstance(model, AsyncModel):
            return AsyncEchoServer(*shape, loop_factory=model.loop_factory(), style=str(params["server"]))
        raise ValueError(f"tcp_echo has no server for model {model.name!r}")

    def model_metadata(self, model: Model, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        connections = int(params["connections"])
        workers = _workers(params)
        if model.name == "sequential":
            return {"server_impl": "iterative, one connection at a time", "parallelism": 1,
                    "concurrency_limit": 1}
        if model.name == "threads":
            return {"server_impl": "a thread per connection", "parallelism": connections,
                    "concurrency_limit": connections}
        if model.name == "processes":
            return {"server_impl": "pre-forked workers sharing the listening socket", "start_method": "fork",
                    "pool_size": workers, "parallelism": workers,
                    "concurrency_limit": min(workers, connections)}
        if model.name == "to_thread":
            size = default_executor_size()
            return {"server_impl": "asyncio, blocking socket calls through asyncio.to_thread",
                    "loop": "asyncio", "default_executor_size": size, "parallelism": size,
                    "concurrency_limit": connections}
        if model.name == "executor-thread":
            return {"server_impl": "asyncio, blocking socket calls through run_in_executor",
                    "loop": "asyncio", "pool_size": workers, "parallelism": workers,
                    "concurrency_limit": connections}
        return {"server_impl": f"{model.metadata(work, params).get('loop')} {params['server']}",
                "parallelism": 1, **model.metadata(work, params)}

    def calibrate(self, params: Mapping[str, Value]) -> dict[str, Value]:
        from benchmarks.scenarios.tcp_echo.capacity import measure

        return measure(int(params["connections"]), int(params["round_trips"]), int(params["message_bytes"]),
                       int(params["loadgen_procs"]))

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        shape = (int(params["connections"]), int(params["round_trips"]), int(params["message_bytes"]))
        return checksum(digests(*shape))

    def metadata(self, params: Mapping[str, Value]) -> dict[str, Value]:
        from benchmarks.scenarios.loopback import fastest_loop

        return {"load_generator": "benchmarks.scenarios.tcp_echo.loadgen, Protocol clients, own processes",
                "load_generator_loop": fastest_loop()[0],
                "round_trips_total": int(params["connections"]) * int(params["round_trips"])}


SCENARIO = TcpEcho()
