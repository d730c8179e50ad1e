"""gevent: the scenario's blocking units in greenlets, in a monkey-patched process of their own.

gevent's ``monkey.patch_all()`` makes ``time.sleep``, sockets, ``select`` and
``subprocess`` cooperative, so the scenario's plain blocking ``call`` runs in
greenlets that take turns on gevent's hub: at most the scenario's concurrency
at once (a ``gevent.pool.Pool``), else one greenlet per unit.  What patching
cannot make cooperative is handed to gevent's threadpool (real threads,
started before timing, recorded as ``threadpool_size``): CPU units (a greenlet
computing would block the hub) and regular-file I/O (``Work.blocks_natively``).

Patching never happens in the master (it hangs pyperf's parent: the patched
Popen keeps a pipe open) nor in a process that runs another model: the
capability is ``apart``.  The master verifies a gevent pair in a forked child
that patches itself, and the pyperf worker that times a gevent benchmark
patches itself (``worker_init``) before it registers anything.  A session
refuses to open in an unpatched process.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from benchmarks.core.contract import Capability, Session
from benchmarks.core.packages import missing, version
from benchmarks.core.params import Value
from benchmarks.core.work import Work
from benchmarks.runtimes.startup import WARMUP_TIMEOUT_S, thread_pool_size


def patched() -> bool:
    """Whether this process is monkey-patched (without importing gevent where it is not)."""
    import sys

    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("socket"))


def in_threads(work: Work) -> bool:
    """Units gevent must hand to real threads: CPU work, and calls no hub can wait on."""
    return work.kind == "cpu" or work.blocks_natively


class GreenletSession(Session):
    """N greenlets calling the blocking unit, behind a Pool of the scenario's limit."""

    def __init__(self, work: Work) -> None:
        import gevent.pool

        self._work = work
        self._gevent = gevent
        self._pool: Any = gevent.pool.Pool(work.limit) if work.limit else gevent.pool.Group()

    def run(self) -> list[int]:
        call, spawn = self._work.call, self._pool.spawn
        greenlets = [spawn(call, i) for i in range(self._work.n)]
        self._gevent.joinall(greenlets, raise_error=True)
        return [g.value for g in greenlets]

    def close(self) -> None:
        self._pool.kill()


class ThreadpoolSession(Session):
    """Every unit through gevent's threadpool, all its threads started before timing."""

    def __init__(self, work: Work, size: int) -> None:
        import gevent.threadpool

        self._work = work
        self._pool = gevent.threadpool.ThreadPool(size)
        try:
            self._pool.size = size  # starts every thread now
            for result in [self._pool.spawn(int, 0) for _ in range(size)]:
                result.get(timeout=WARMUP_TIMEOUT_S)
        except BaseException:
            self._pool.kill()
            raise

    def run(self) -> list[int]:
        call, spawn = self._work.call, self._pool.spawn
        return [result.get() for result in [spawn(call, i) for i in range(self._work.n)]]

    def close(self) -> None:
        self._pool.kill()


@dataclass(frozen=True)
class Greenlets(Capability):
    """Blocking units in greenlets of a monkey-patched process; what cannot cooperate, in
    gevent's threadpool."""

    label: ClassVar[str] = "greenlets of a monkey-patched process (gevent)"
    apart: ClassVar[bool] = True

    def unsupported(self, params: Mapping[str, Value]) -> str | None:
        return missing("gevent")

    def worker_init(self) -> None:
        from gevent import monkey

        with warnings.catch_warnings():
            # late patching (after threading and ssl were imported) is what a worker can do;
            # gevent warns about it, and the suite turns warnings into errors in its tests
            warnings.simplefilter("ignore")
            monkey.patch_all()

    def cpu_units(self, params: Mapping[str, Value]) -> str | None:
        return "threads"

    def threadpool_size(self, work: Work) -> int:
        return thread_pool_size(work, 0)

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return self.threadpool_size(work) if in_threads(work) else 1

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        meta: dict[str, Value] = {"gevent_version": version("gevent"),
                                  "greenlet_version": version("greenlet"),
                                  "monkey_patched": "patch_all() in this benchmark's own worker process",
                                  "concurrency_limit": work.limit or work.n}
        if in_threads(work):
            size = self.threadpool_size(work)
            meta.update(units_in="gevent's threadpool", threadpool_size=size, pool_size=size,
                        concurrency_limit=min(work.limit or work.n, size))
        else:
            meta["units_in"] = "greenlets (gevent.pool.Pool of the limit, else Group)"
        return meta

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        if not patched():
            raise RuntimeError("a gevent session runs only in a process that worker_init monkey-patched")
        if in_threads(work):
            return ThreadpoolSession(work, self.threadpool_size(work))
        return GreenletSession(work)
