"""How each kind of model serves ``tcp_echo``: one :class:`EchoKind` per capability.

Each kind builds its model's server (for a session, and for ``serve``), says
which model parameters it takes and whether the generator's connections can
stay open between runs, and describes the server as metadata.  The table from
capability to kind is the scenario's (``TcpEcho.sessions`` in the package).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from typing import Generic

from benchmarks.core.contract import C, Session, SessionKind
from benchmarks.core.params import WORKERS, Param, Value
from benchmarks.core.work import Work
from benchmarks.runtimes.loops import EventLoop, LoopExecutor
from benchmarks.runtimes.loopthreads import LoopThreads
from benchmarks.runtimes.loopthreads import cpus as loop_thread_cpus
from benchmarks.runtimes.pools import Inline, ProcessPool, ThreadPool
from benchmarks.runtimes.startup import default_executor_size
from benchmarks.scenarios.tcp_echo.driver import TIMEOUT_S, GeneratorSpec, open_loop_trips, split_cpus
from benchmarks.scenarios.tcp_echo.loopservers import (
    BlockingOnLoopServer,
    LoopThreadsServer,
    ProtocolServer,
    StreamsServer,
)
from benchmarks.scenarios.tcp_echo.servers import (
    ACCEPTS,
    EchoServer,
    IterativeServer,
    PreforkServer,
    ThreadPerConnection,
    listen,
)

LOOP_SERVERS = {"streams": StreamsServer, "protocol": ProtocolServer}
SERVER = Param("server", str, tuple(LOOP_SERVERS), "asyncio server API", choices=tuple(LOOP_SERVERS))
ACCEPT = Param("accept", str, ("shared",), "pre-forked workers: one shared listening socket, or one "
               "SO_REUSEPORT socket each", choices=ACCEPTS)


#: ``round_trips=auto``: a measured value of this many round trips for messages up to AUTO_BYTES,
#: proportionally fewer for larger ones (never under AUTO_MIN_TOTAL): long enough to be a rate
AUTO_TOTAL = 20_000
AUTO_BYTES = 4096
AUTO_MIN_TOTAL = 2_000


def trips(params: Mapping[str, Value]) -> int:
    """Round trips per connection in one measured value."""
    connections = int(params["connections"])
    if params.get("mode") == "open":
        window_s = int(params["open_window_ms"]) / 1000
        return open_loop_trips(float(params["offered_rate"]), window_s, connections)
    if params["round_trips"] == "auto":
        size = int(params["message_bytes"])
        total = max(AUTO_MIN_TOTAL, AUTO_TOTAL * min(AUTO_BYTES, size) // size)
        return -(-total // connections)
    return int(params["round_trips"])


def placement(params: Mapping[str, Value]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """(server CPUs, generator CPUs), or None: no pinning."""
    if params.get("placement", "split") != "split":
        return None
    return split_cpus(int(params.get("loadgen_procs", 1)))


def generator_spec(params: Mapping[str, Value], host: str = "127.0.0.1", port: int = 0) -> GeneratorSpec:
    open_loop = params.get("mode") == "open"
    cpus = placement(params)
    return GeneratorSpec(port=port, host=host, connections=int(params["connections"]),
                         round_trips=trips(params),
                         size=int(params["message_bytes"]), kind=str(params.get("generator", "native")),
                         depth=1 if open_loop else int(params.get("depth", 1)),
                         warmup=int(params.get("warmup_trips", 0)), procs=int(params.get("loadgen_procs", 1)),
                         rate=float(params["offered_rate"]) if open_loop else 0.0,
                         cpus=None if cpus is None else cpus[1])


def _workers(params: Mapping[str, Value]) -> int:
    """Pool size for the pre-forked and executor servers: default one per connection."""
    return int(params.get("workers", 0)) or int(params.get("connections", 16))


class EchoKind(SessionKind[C], Generic[C]):
    """How one kind of model serves: its server, and whether connections outlive a run."""

    def server(self, capability: C, params: Mapping[str, Value], host: str, port: int,
               timeout_s: float | None) -> EchoServer:
        raise NotImplementedError

    def persistent(self, capability: C, params: Mapping[str, Value]) -> bool:
        return True

    def open(self, capability: C, work: Work, params: Mapping[str, Value]) -> Session:
        from benchmarks.scenarios.tcp_echo.sessions import open_session

        server = self.server(capability, params, "127.0.0.1", 0, TIMEOUT_S)
        cpus = placement(params)
        return open_session(server, generator_spec(params), None if cpus is None else cpus[0],
                            str(params.get("malloc", "warm")))

    def facts(self, capability: C, params: Mapping[str, Value]) -> dict[str, Value]:
        return {}

    def metadata(self, capability: C, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        reuse = "persistent" if self.persistent(capability, params) else "per_run"
        return {"connection_reuse": reuse, **self.facts(capability, params)}


class Iterative(EchoKind[Inline]):
    def model_params(self, capability: Inline, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return ()

    def server(self, capability: Inline, params: Mapping[str, Value], host: str, port: int,
               timeout_s: float | None) -> EchoServer:
        return IterativeServer(listen(host, port), timeout_s)

    def persistent(self, capability: Inline, params: Mapping[str, Value]) -> bool:
        return False

    def facts(self, capability: Inline, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"server_impl": "iterative, one connection at a time", "parallelism": 1,
                "concurrency_limit": 1}


class PerConnectionThreads(EchoKind[ThreadPool]):
    """A thread per accepted connection: a pool's size would only cap the connections served."""

    def model_params(self, capability: ThreadPool, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return ()

    def server(self, capability: ThreadPool, params: Mapping[str, Value], host: str, port: int,
               timeout_s: float | None) -> EchoServer:
        return ThreadPerConnection(listen(host, port), timeout_s)

    def facts(self, capability: ThreadPool, params: Mapping[str, Value]) -> dict[str, Value]:
        connections = int(params.get("connections", 0))
        return {"server_impl": "a thread per connection", "parallelism": connections,
                "concurrency_limit": connections}


class Preforked(EchoKind[ProcessPool]):
    """``workers`` processes forked before serving, each serving one connection at a time."""

    def model_params(self, capability: ProcessPool, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return (WORKERS, ACCEPT)

    def unsupported(self, capability: ProcessPool, params: Mapping[str, Value]) -> str | None:
        if "fork" not in multiprocessing.get_all_start_methods():
            return "pre-forked workers need the fork start method"
        return None

    def server(self, capability: ProcessPool, params: Mapping[str, Value], host: str, port: int,
               timeout_s: float | None) -> EchoServer:
        accept = str(params.get("accept", "shared"))
        listener = listen(host, port, bind_only=accept == "reuseport")
        return PreforkServer(listener, timeout_s, workers=_workers(params), accept=accept)

    def persistent(self, capability: ProcessPool, params: Mapping[str, Value]) -> bool:
        return params.get("accept", "shared") == "shared" and _workers(params) >= int(params["connections"])

    def facts(self, capability: ProcessPool, params: Mapping[str, Value]) -> dict[str, Value]:
        workers = _workers(params)
        how = "sharing the listening socket" if params.get("accept", "shared") == "shared" else "SO_REUSEPORT"
        return {"server_impl": f"pre-forked workers, {how}", "start_method": "fork", "pool_size": workers,
                "parallelism": workers, "concurrency_limit": min(workers, int(params.get("connections", 1)))}


class OnTheLoop(EchoKind[EventLoop]):
    """A streams or Protocol server (parameter ``server``) on the model's loop."""

    def model_params(self, capability: EventLoop, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return (SERVER,)

    def server(self, capability: EventLoop, params: Mapping[str, Value], host: str, port: int,
               timeout_s: float | None) -> EchoServer:
        return LOOP_SERVERS[str(params["server"])](listen(host, port), timeout_s, capability.loop.factory())

    def facts(self, capability: EventLoop, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"server_impl": f"{capability.loop.name} {params['server']}", "parallelism": 1,
                "loop": capability.loop.name, "loop_version": capability.loop.version(),
                "concurrency_limit": int(params.get("connections", 1))}


class LoopsInThreads(EchoKind[LoopThreads]):
    """A streams or Protocol server on each of ``workers`` loops in threads (0: one per CPU the
    server may use), connections handed to them in turn (see :class:`LoopThreadsServer`)."""

    def model_params(self, capability: LoopThreads, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return (WORKERS, SERVER)

    def loops(self, params: Mapping[str, Value]) -> int:
        """Loop threads: ``workers``, else the CPUs the server may use (in a session, those
        ``placement`` leaves it); never more than the session's connections."""
        cpus = placement(params) if "placement" in params else None  # serve pins nothing
        wanted = int(params.get("workers", 0)) or (len(cpus[0]) if cpus else loop_thread_cpus())
        return max(1, min(wanted, int(params.get("connections", wanted))))

    def server(self, capability: LoopThreads, params: Mapping[str, Value], host: str, port: int,
               timeout_s: float | None) -> EchoServer:
        return LoopThreadsServer(listen(host, port), timeout_s, capability.loop.factory(),
                                 loops=self.loops(params), kind=str(params["server"]))

    def facts(self, capability: LoopThreads, params: Mapping[str, Value]) -> dict[str, Value]:
        loops = self.loops(params)
        return {"server_impl": f"{capability.loop.name} {params['server']} on {loops} loop threads, "
                               "connections handed out in turn by one accepting thread",
                "loop": capability.loop.name, "loop_version": capability.loop.version(),
                "loop_threads": loops, "workers": int(params.get("workers", 0)), "parallelism": loops,
                "concurrency_limit": int(params.get("connections", 1))}


class BlockingOnTheLoop(EchoKind[LoopExecutor]):
    """The loop accepts, and hands every blocking socket call to its executor's threads."""

    def model_params(self, capability: LoopExecutor, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return (WORKERS,) if isinstance(capability.executor, ThreadPool) else ()

    def unsupported(self, capability: LoopExecutor, params: Mapping[str, Value]) -> str | None:
        if isinstance(capability.executor, ProcessPool):
            return ("a socket cannot be handed to a process pool call by call; the process-based "
                    "server is the `processes` model (pre-forked workers)")
        return None

    def _pool(self, capability: LoopExecutor, params: Mapping[str, Value]) -> int:
        return _workers(params) if isinstance(capability.executor, ThreadPool) else 0

    def server(self, capability: LoopExecutor, params: Mapping[str, Value], host: str, port: int,
               timeout_s: float | None) -> EchoServer:
        return BlockingOnLoopServer(listen(host, port), timeout_s, capability.loop.factory(),
                                    pool_size=self._pool(capability, params))

    def persistent(self, capability: LoopExecutor, params: Mapping[str, Value]) -> bool:
        threads = self._pool(capability, params) or default_executor_size()
        return threads >= int(params["connections"])

    def facts(self, capability: LoopExecutor, params: Mapping[str, Value]) -> dict[str, Value]:
        threads = self._pool(capability, params)
        how = "run_in_executor" if threads else "asyncio.to_thread"
        meta: dict[str, Value] = {"loop": capability.loop.name, "server_impl":
                                  f"{capability.loop.name}, blocking socket calls through {how}",
                                  "concurrency_limit": int(params.get("connections", 1))}
        if threads:
            meta.update(pool_size=threads, parallelism=threads)
        else:
            meta.update(default_executor_size=default_executor_size(), parallelism=default_executor_size())
        return meta
