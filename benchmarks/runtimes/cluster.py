"""Dask: every unit a task of a Dask cluster, on this machine or on a real one.

By default the cluster is a ``LocalCluster`` of 2 worker processes with one
thread each, every socket on 127.0.0.1 and every HTTP server off (the
scheduler's would bind port 8787 on every address unless told otherwise).
With ``--dask-scheduler tcp://host:port`` the units go to that cluster
instead: what is measured then includes the network and the scheduler, which
is how a user who outgrows one machine would run the same scenarios.  Its
workers' package versions are checked against this process's
(``client.get_versions(check=True)``, which raises on a mismatch) and
recorded with the worker count.

The cluster (or the connection to a remote one) lives for the process: it is
started on the first session, before that session's clock and outside every
value's (about 0.4 s here), and stopped when the process exits
(``Capability.worker_exit``).  A value therefore never pays for starting a
cluster, which is why ``spawn``'s cold lifecycle declines it
(``Capability.per_process``).  Each session sends one task to every worker
first, so the scenario's module is imported there before timing.  A run maps
the units with ``client.map(call, range(n), pure=False)`` (unique keys:
identical calls are never served from an earlier run) and gathers them in one
call; the scenario's concurrency limit, when smaller than the cluster's
threads, becomes a sliding window of ``as_completed``.  ``client.get_executor()``
exists, but its ``map`` fetches results one at a time.
"""

from __future__ import annotations

import atexit
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from benchmarks.core.contract import Capability, Session
from benchmarks.core.packages import missing, version
from benchmarks.core.params import Value
from benchmarks.core.work import Work
from benchmarks.runtimes.startup import WARMUP_TIMEOUT_S, check_picklable

LOCAL_WORKERS = 2
LOCAL_THREADS = 1
HOST = "127.0.0.1"
#: How long a run may wait for its results before failing.
GATHER_TIMEOUT_S = 300.0


def local_cluster_kwargs() -> dict[str, Any]:
    """Loopback only; the scheduler's HTTP server on an ephemeral loopback port, the
    workers' dashboards off; errors only on stderr (at close, the scheduler warns for every
    worker that held a finished unit: a screenful per benchmark in a run's console)."""
    return {"n_workers": LOCAL_WORKERS, "threads_per_worker": LOCAL_THREADS, "processes": True,
            "host": HOST, "dashboard_address": None, "silence_logs": logging.ERROR,
            "scheduler_kwargs": {"dashboard": False, "dashboard_address": f"{HOST}:0"}}


@dataclass
class Connection:
    """The client (and, when local, the cluster) of this process."""

    pid: int
    address: str | None
    client: Any
    cluster: Any
    start_s: float
    workers: int
    threads: int
    versions: str
    #: whether a session's metrics have reported ``start_s`` yet (once per process)
    reported: bool = False

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


class Config:
    """Where the units go: None, a LocalCluster; else a scheduler's address (``--dask-scheduler``)."""

    scheduler: str | None = None


_connection: Connection | None = None


def configure(scheduler: str | None) -> None:
    """Set by the runner from ``--dask-scheduler``, in the master and in every worker."""
    Config.scheduler = scheduler or None


def _noop(i: int) -> int:
    return i


def connect() -> Connection:
    """This process's cluster connection, made (and the cluster started) on first use."""
    global _connection
    address = Config.scheduler
    if _connection is not None and _connection.pid == os.getpid() and _connection.address == address:
        return _connection
    # a connection inherited through fork belongs to the parent: never touch it here
    _connection = None
    atexit.register(disconnect)
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = None
    if address is None:
        cluster = LocalCluster(**local_cluster_kwargs())
        client = Client(cluster, timeout=WARMUP_TIMEOUT_S)
    else:
        client = Client(address, timeout=WARMUP_TIMEOUT_S)
    try:
        client.wait_for_workers(1, timeout=WARMUP_TIMEOUT_S)
        versions: Any = client.get_versions(check=True)  # raises when the workers' packages differ
        info = client.scheduler_info(n_workers=-1)["workers"]
        client.gather(client.map(_noop, range(4 * len(info)), pure=False))
        start_s = time.perf_counter() - start
        packages = versions["client"]["packages"]
        _connection = Connection(
            pid=os.getpid(), address=address, client=client, cluster=cluster, start_s=start_s,
            workers=len(info), threads=sum(int(w["nthreads"]) for w in info.values()),
            versions=f"dask {packages.get('dask')}, distributed {packages.get('distributed')}, "
                     f"python {packages.get('python')} (checked on every worker)")
    except BaseException:
        client.close()
        if cluster is not None:
            cluster.close()
        raise
    return _connection


def disconnect() -> None:
    """Stop this process's cluster (or close its connection to a remote one)."""
    global _connection
    if _connection is not None and _connection.pid == os.getpid():
        connection, _connection = _connection, None
        connection.close()


def _import_on_worker(unit: Any) -> int:
    del unit  # unpickling it imported the scenario's module on this worker
    return os.getpid()


class DaskSession(Session):
    def __init__(self, connection: Connection, work: Work) -> None:
        self._client = connection.client
        self._work = work
        self._start_s: float | None = None if connection.reported else connection.start_s
        connection.reported = True
        check_picklable(work.call)  # its own error, not the client's
        # one task on every worker: each imports the scenario's module before timing
        workers = list(self._client.scheduler_info(n_workers=-1)["workers"])
        futures = [self._client.submit(_import_on_worker, work.call, workers=[w], pure=False)
                   for w in workers]
        self._client.gather(futures)
        self._window = work.limit if work.limit and work.limit < connection.threads else 0

    def run(self) -> list[int]:
        client, work = self._client, self._work
        if not self._window:
            futures = client.map(work.call, range(work.n), pure=False)
            results: list[int] = client.gather(futures)
            return results
        return self._windowed()

    def _windowed(self) -> list[int]:
        from distributed import as_completed

        client, work = self._client, self._work
        results = [0] * work.n
        index: dict[Any, int] = {}

        def submit(i: int) -> Any:
            future = client.submit(work.call, i, pure=False)
            index[future.key] = i
            return future

        window = min(self._window, work.n)
        flow = as_completed([submit(i) for i in range(window)])
        following = iter(range(window, work.n))
        for future in flow:
            results[index.pop(future.key)] = future.result(timeout=GATHER_TIMEOUT_S)
            i = next(following, None)
            if i is not None:
                flow.add(submit(i))
        return results

    def metrics(self) -> dict[str, float]:
        if self._start_s is None:
            return {}
        start, self._start_s = self._start_s, None
        return {"cluster_start_s": start}  # the process's start-up, once, outside every value


@dataclass(frozen=True)
class DaskCluster(Capability):
    """Every unit a Dask task: a LocalCluster on 127.0.0.1, or the cluster ``--dask-scheduler``
    names."""

    label: ClassVar[str] = "a Dask cluster"
    apart: ClassVar[bool] = True
    per_process: ClassVar[bool] = True

    def unsupported(self, params: Mapping[str, Value]) -> str | None:
        return missing("distributed")

    def worker_exit(self) -> None:
        disconnect()

    def cpu_units(self, params: Mapping[str, Value]) -> str | None:
        return "cluster"

    def remote(self) -> bool:
        return Config.scheduler is not None

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return connect().threads if self.remote() else LOCAL_WORKERS * LOCAL_THREADS

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        threads = self.parallelism(work, params)
        meta: dict[str, Value] = {
            "dask_version": version("dask"), "distributed_version": version("distributed"),
            "dask_cluster_scope": "one per process: started before the first value, outside every "
                                  "value's clock (metric cluster_start_s), stopped at exit",
            "dask_submit": "client.map(call, range(n), pure=False) then client.gather",
            "concurrency_limit": min(work.limit or work.n, threads), "pool_size": threads,
        }
        if self.remote():
            connection = connect()  # the versions are checked when connecting
            meta.update(dask_scheduler=str(Config.scheduler), dask_workers=connection.workers,
                        dask_threads=connection.threads, dask_worker_versions=connection.versions,
                        dask_measures="network and scheduler included")
        else:
            meta.update(dask_scheduler=f"LocalCluster on {HOST} (ephemeral ports, HTTP servers off)",
                        dask_workers=LOCAL_WORKERS, dask_threads=threads,
                        dask_measures="the local scheduler and worker processes (loopback TCP)")
        return meta

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        return DaskSession(connect(), work)
