"""A loop per thread: ``workers`` threads, each running an asyncio event loop of its own.

Unit i runs on loop ``i % loops`` (round-robin), as the asyncio model's coroutine (``acall``),
awaited there with the same fan-out (:func:`benchmarks.runtimes.aio.fan_out_indices`); the
master thread hands each loop its share with ``run_coroutine_threadsafe`` and joins the
results in index order.  The threads and their loops are started when the session opens and
stopped when it closes: outside the timed region, as the pools' threads are.

On a GIL build the loops take turns holding the GIL, so this measures what the GIL costs an
async program split over threads; on a free-threaded build it is how asyncio uses several CPUs.
A scenario's concurrency limit is shared out between the loops (an ``asyncio.Semaphore`` each,
their sizes adding up to the limit), and there are never more loops than units or than the
limit allows (metadata ``loop_threads``).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from benchmarks.core.contract import Capability, Session
from benchmarks.core.params import WORKERS, Param, Value
from benchmarks.core.work import Work
from benchmarks.runtimes.aio import LoopFactory, close_loop, fan_out_indices
from benchmarks.runtimes.loops import ASYNCIO, Loop
from benchmarks.runtimes.startup import WARMUP_TIMEOUT_S

T = TypeVar("T")

#: Seconds a loop's thread may take to stop once asked (its last units have finished by then)
STOP_TIMEOUT_S = 30.0


def cpus() -> int:
    """The CPUs this process may use (all of them before 3.13's ``process_cpu_count``)."""
    return getattr(os, "process_cpu_count", os.cpu_count)() or 1


def shares(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` integers as equal as possible (the first ones larger)."""
    return [total // parts + (k < total % parts) for k in range(parts)]


class LoopThread:
    """One thread running one event loop until :meth:`stop`; the loop is closed in its thread."""

    def __init__(self, factory: LoopFactory, name: str) -> None:
        self.loop = factory()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        if not self._ready.wait(WARMUP_TIMEOUT_S):
            raise RuntimeError(f"{name}: its event loop did not start within {WARMUP_TIMEOUT_S:g} s")

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.call_soon(self._ready.set)
            self.loop.run_forever()
        finally:
            close_loop(self.loop)

    def call(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        """Run ``coroutine`` on this thread's loop; its result or exception comes back in the future."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def stop(self) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(STOP_TIMEOUT_S)
        if self._thread.is_alive():
            raise RuntimeError(f"{self._thread.name}: its event loop did not stop within "
                               f"{STOP_TIMEOUT_S:g} s")


class LoopThreadsSession(Session):
    def __init__(self, work: Work, loop: Loop, count: int, api: str) -> None:
        self._work = work
        self._api = api
        self._limits = shares(work.limit, count) if work.limit else [0] * count
        self._threads: list[LoopThread] = []
        try:
            for k in range(count):
                self._threads.append(LoopThread(loop.factory(), f"concbench-loop-{k}"))
        except BaseException:
            self.close()
            raise

    def run(self) -> list[int]:
        work, count = self._work, len(self._threads)
        futures: list[Future[list[int]]] = [
            thread.call(fan_out_indices(work.acall, range(k, work.n, count), self._limits[k], self._api))
            for k, thread in enumerate(self._threads)]
        results = [0] * work.n
        for k, future in enumerate(futures):
            results[k::count] = future.result()
        return results

    def close(self) -> None:
        for thread in self._threads:
            thread.stop()


@dataclass(frozen=True)
class LoopThreads(Capability):
    """``workers`` threads with an event loop each (0: one per CPU this process may use)."""

    loop: Loop = ASYNCIO
    label: ClassVar[str] = "an event loop per thread"

    def params(self) -> tuple[Param, ...]:
        return (WORKERS,)

    def describe(self) -> str:
        return f"{self.label} ({self.loop.name})"

    def unsupported(self, params: Mapping[str, Value]) -> str | None:
        return self.loop.unavailable()

    def threads(self, work: Work, params: Mapping[str, Value]) -> int:
        """Loop threads: ``workers`` (0: the CPUs), never more than the units or the limit."""
        wanted = int(params.get("workers", 0)) or cpus()
        return max(1, min(wanted, work.n, work.limit or work.n))

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return self.threads(work, params)

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"loop": self.loop.name, "loop_version": self.loop.version(),
                "loop_threads": self.threads(work, params), "workers": int(params.get("workers", 0)),
                "concurrency_limit": work.limit or work.n}

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        return LoopThreadsSession(work, self.loop, self.threads(work, params), "gather")
