"""Structured concurrency: trio's nurseries and anyio's task groups, on asyncio or on trio.

:class:`TaskGroups` is the capability of the trio and anyio models: the
scenario's units, one task each, in a nursery (trio) or a task group (anyio),
at most the scenario's concurrency in flight (a ``Semaphore`` of the library).
A unit is the library's own form of it (``Work.aform``: ``trio.sleep``, trio
sockets, ...), or the blocking ``call`` handed to the library's thread pool
(``to_thread``: trio's and anyio's default ``CapacityLimiter``, 40 threads
unless told otherwise) or to anyio's worker processes (``to_process``: a
limiter of one process per CPU).  The limiter's size is recorded
(``thread_limiter_size``, ``process_limiter_size``) and caps the units in
flight, as the default executor's 6 threads cap ``asyncio.to_thread``.

One event loop serves every run of a session, started before timing as for
the asyncio models: a ``trio.run`` or ``anyio.run`` in a thread of its own,
which each run enters with the library's ``from_thread.run`` (a thread
hand-off of about 30 us, measured here, inside the clock; recorded as
``run_entry``).  Neither library has a loop object to re-enter: a
``trio.run`` per run would time its ~0.2 ms start-up, and anyio stops its
worker processes when the run that started them ends.  Thread and process pools are warmed up before timing:
``limiter`` blocking calls that wait for each other start every thread, and
``to_process`` calls are sent until every worker process has answered.
"""

from __future__ import annotations

import os
import platform
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, ClassVar, TypeVar

from benchmarks.core.contract import Capability, Session
from benchmarks.core.packages import missing, version
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Work
from benchmarks.runtimes.aio import Unit, bind_unit
from benchmarks.runtimes.startup import WARMUP_TIMEOUT_S, check_picklable, cpu_count

T = TypeVar("T")

BACKENDS = ("asyncio", "trio")
BACKEND = Param("backend", str, BACKENDS, "anyio's event loop backend", choices=BACKENDS)
#: trio's and anyio's default thread limiter (``CapacityLimiter(40)`` in both)
DEFAULT_THREAD_LIMITER = 40
OFFLOADS = (None, "to_thread", "to_process")
#: how long ``close`` waits for the trio thread to finish its run
STOP_TIMEOUT_S = 10.0


# -- one event loop per session --------------------------------------------------------------


class Runner(ABC):
    """The event loop of one session: each ``call`` runs a coroutine function to completion."""

    entry: ClassVar[str]

    @abstractmethod
    def call(self, fn: Callable[[], Coroutine[Any, Any, T]]) -> T: ...

    @abstractmethod
    def close(self) -> None: ...


class HostThread(Runner):
    """One run of the library (``trio.run``, ``anyio.run``) in a thread of its own for the whole
    session, entered by each run with the library's ``from_thread.run``."""

    entry = ("from_thread.run into one trio.run / anyio.run per session, started before timing "
             "in a thread of its own")

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._token: Any = None
        self._stop: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="concbench-structured-run", daemon=True)
        self._thread.start()
        if not self._ready.wait(WARMUP_TIMEOUT_S) or self._token is None:
            self.close()
            raise RuntimeError(f"the event loop did not start in {WARMUP_TIMEOUT_S:g} s: {self._error!r}")

    def _main(self) -> None:
        try:
            self.start_run(self._host)
        except BaseException as exc:  # reported by call() or the constructor
            self._error = exc
        finally:
            self._ready.set()

    async def _host(self) -> None:
        self._token, self._stop = self.current_token(), self.new_event()
        self._ready.set()
        # Returning ends the run, which cancels a call still running (one a timed-out
        # verification left behind) and lets anyio stop its worker processes.
        await self._stop.wait()
        await self.before_end()

    async def before_end(self) -> None:
        """Last thing inside the run, once the session is closed."""

    @abstractmethod
    def start_run(self, host: Callable[[], Coroutine[Any, Any, None]]) -> None: ...

    @abstractmethod
    def current_token(self) -> Any: ...

    @abstractmethod
    def new_event(self) -> Any: ...

    @abstractmethod
    def from_thread(self, fn: Callable[..., Any], sync: bool) -> Any: ...

    def call(self, fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if not self._thread.is_alive():
            raise RuntimeError(f"the session's event loop has ended: {self._error!r}")
        result: T = self.from_thread(fn, sync=False)
        return result

    def close(self) -> None:
        if self._thread.is_alive() and self._stop is not None:
            try:
                self.from_thread(self._stop.set, sync=True)
            except RuntimeError:
                pass  # the run finished meanwhile (trio.RunFinishedError is a RuntimeError)
        self._thread.join(STOP_TIMEOUT_S)
        if self._thread.is_alive():
            raise RuntimeError(f"the session's event loop did not stop in {STOP_TIMEOUT_S:g} s")


class TrioRunner(HostThread):
    def start_run(self, host: Callable[[], Coroutine[Any, Any, None]]) -> None:
        import trio

        trio.run(host)

    def current_token(self) -> Any:
        import trio

        return trio.lowlevel.current_trio_token()

    def new_event(self) -> Any:
        import trio

        return trio.Event()

    def from_thread(self, fn: Callable[..., Any], sync: bool) -> Any:
        import trio

        run = trio.from_thread.run_sync if sync else trio.from_thread.run
        return run(fn, trio_token=self._token)


class AnyioRunner(HostThread):
    #: anyio's own worker threads on asyncio (on trio it uses trio's thread cache), and the
    #: threads with which asyncio waits for a child process (to_process's workers)
    HELPER_THREADS = ("AnyIO worker thread", "asyncio-waitpid-")

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self._before = set(threading.enumerate())
        super().__init__()

    def close(self) -> None:
        super().close()
        # the run's end told its worker threads (and worker processes) to stop: wait until
        # they have, so that nothing of this session outlives close()
        for thread in threading.enumerate():
            if thread.name.startswith(self.HELPER_THREADS) and thread not in self._before:
                thread.join(STOP_TIMEOUT_S)

    def start_run(self, host: Callable[[], Coroutine[Any, Any, None]]) -> None:
        import anyio

        anyio.run(host, backend=self.backend)

    async def before_end(self) -> None:
        await end_process_workers()

    def current_token(self) -> Any:
        import anyio.lowlevel

        return anyio.lowlevel.current_token()

    def new_event(self) -> Any:
        import anyio

        return anyio.Event()

    def from_thread(self, fn: Callable[..., Any], sync: bool) -> Any:
        import anyio.from_thread

        run = anyio.from_thread.run_sync if sync else anyio.from_thread.run
        return run(fn, token=self._token)


# -- the fan-outs: nursery and task group -----------------------------------------------------


async def _fan_out(open_group: Callable[[], Any], semaphore_type: Callable[[int], Any], unit: Unit,
                   n: int, limit: int) -> list[int]:
    """Units 0..n-1 as tasks of a nursery or task group, at most ``limit`` at once (0: no limit)."""
    results = [0] * n
    semaphore = semaphore_type(limit) if limit else None

    async def one(i: int) -> None:
        if semaphore is None:
            results[i] = await unit(i)
            return
        async with semaphore:
            results[i] = await unit(i)

    async with open_group() as group:
        for i in range(n):
            group.start_soon(one, i)
    return results


async def trio_fan_out(unit: Unit, n: int, limit: int) -> list[int]:
    import trio

    return await _fan_out(trio.open_nursery, trio.Semaphore, unit, n, limit)


async def anyio_fan_out(unit: Unit, n: int, limit: int) -> list[int]:
    import anyio

    return await _fan_out(anyio.create_task_group, anyio.Semaphore, unit, n, limit)


# -- warming the pools up ---------------------------------------------------------------------


async def _warm_threads(to_thread: Callable[..., Awaitable[Any]], size: int, fan_out: Any) -> None:
    """Start ``size`` pool threads: ``size`` blocking calls that wait for each other."""
    barrier = threading.Barrier(size)

    async def wait(i: int) -> int:
        await to_thread(barrier.wait, WARMUP_TIMEOUT_S)
        return 0

    await fan_out(wait, size, 0)


async def end_process_workers() -> None:
    """End ``anyio.to_process``'s worker processes of this run as a worker ends itself: at the
    end of its input, each reaped once, by asyncio's child watcher.

    Left to anyio, the end of the run kills them twice: a callback when the main task ends
    (SIGKILL), then the pool's shutdown task (``process.kill()`` again on each process whose
    exit asyncio has not yet seen).  On CPython 3.11 ``Popen.kill`` polls first, and that poll
    reaps a process the first SIGKILL ended, under the watcher thread waiting for it: asyncio
    then logs ``Unknown child process pid N, will report returncode 255`` (8 times in 240
    sessions here).  A worker that has ended is skipped by both.  The workers are anyio's
    (``to_process._process_pool_workers``, a run variable it has no public accessor for);
    a worker still running a unit after the stop timeout is left to anyio's kill.
    """
    import anyio
    from anyio import to_process

    try:
        workers = list(to_process._process_pool_workers.get())
    except LookupError:  # this run started no worker process
        return
    with anyio.move_on_after(STOP_TIMEOUT_S):
        for process in workers:
            if process.returncode is None and process.stdin is not None:
                await process.stdin.aclose()
        for process in workers:
            await process.wait()


def _worker_pid(unit: Callable[[int], int], delay: float) -> int:
    del unit  # receiving it made the worker import the scenario's module
    time.sleep(delay)
    return os.getpid()


async def _warm_processes(unit: Callable[[int], int], size: int) -> None:
    """Call ``anyio.to_process`` until ``size`` distinct worker processes have answered."""
    import anyio

    pids: set[int] = set()
    with anyio.fail_after(WARMUP_TIMEOUT_S):
        while len(pids) < size:
            async def one(i: int) -> int:
                pids.add(await anyio.to_process.run_sync(_worker_pid, unit, 0.05))
                return 0

            await anyio_fan_out(one, size, 0)


# -- the capability ---------------------------------------------------------------------------


class StructuredSession(Session):
    def __init__(self, runner: Runner, fan_out: Callable[[Unit, int, int], Coroutine[Any, Any, list[int]]],
                 unit: Unit, work: Work) -> None:
        self._runner = runner
        self._fan_out = fan_out
        self._unit = unit
        self._work = work

    def run(self) -> list[int]:
        return self._runner.call(partial(self._fan_out, self._unit, self._work.n, self._work.limit))

    def close(self) -> None:
        self._runner.close()


@dataclass(frozen=True)
class TaskGroups(Capability):
    """Units as tasks of a trio nursery or an anyio task group; ``offload`` hands each blocking
    unit to the library's threads (``to_thread``) or, anyio only, worker processes."""

    #: "trio" or "anyio"
    lib: str = "trio"
    offload: str | None = None
    label: ClassVar[str] = "structured concurrency (a trio nursery or an anyio task group)"

    def __post_init__(self) -> None:
        assert self.lib in ("trio", "anyio"), self.lib
        assert self.offload in OFFLOADS, self.offload
        assert not (self.lib == "trio" and self.offload == "to_process"), "trio has no to_process"

    def library(self) -> str | None:
        # a blocking unit handed to threads or processes needs no async form
        return self.lib if self.offload is None else None

    def describe(self) -> str:
        how = {None: "its own coroutines", "to_thread": f"{self.lib}.to_thread",
               "to_process": "anyio.to_process"}[self.offload]
        group = "a trio nursery" if self.lib == "trio" else "an anyio task group"
        return f"{group} running {how}"

    def params(self) -> tuple[Param, ...]:
        if self.lib != "anyio":
            return ()
        # where units block in threads or processes the backend only runs the fan-out: asyncio
        # alone by default (--param backend=asyncio,trio sweeps both)
        return (BACKEND if self.offload is None else replace(BACKEND, default=("asyncio",)),)

    def backend(self, params: Mapping[str, Value]) -> str:
        return "trio" if self.lib == "trio" else str(params.get("backend", "asyncio"))

    def unsupported(self, params: Mapping[str, Value]) -> str | None:
        return missing(self.lib) or (missing("trio") if self.backend(params) == "trio" else None)

    def cpu_units(self, params: Mapping[str, Value]) -> str | None:
        return {None: "inline", "to_thread": "threads", "to_process": "processes"}[self.offload]

    def limiter_size(self) -> int:
        """The default limiter's size: 40 threads, or one process per CPU (anyio.to_process)."""
        return cpu_count() if self.offload == "to_process" else DEFAULT_THREAD_LIMITER

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return 1 if self.offload is None else self.limiter_size()

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        backend = self.backend(params)
        meta: dict[str, Value] = {"library": self.lib, f"{self.lib}_version": version(self.lib),
                                  "backend": backend, "loop": backend,
                                  "loop_version": version("trio") if backend == "trio" else
                                  platform.python_version(),
                                  "run_entry": HostThread.entry,
                                  "concurrency_limit": work.limit or work.n}
        if self.offload is not None:
            size = self.limiter_size()
            key = "process_limiter_size" if self.offload == "to_process" else "thread_limiter_size"
            meta[key] = size
            meta["concurrency_limit"] = min(work.limit or work.n, size)
        return meta

    def _unit(self, work: Work) -> Unit:
        if self.offload is None:
            unit = work.aform(self.lib)
            assert unit is not None, "pairs without the library's form are unsupported"
            return unit
        if self.lib == "trio":
            import trio

            return bind_unit(trio.to_thread.run_sync, work.call)
        import anyio

        run_sync = anyio.to_thread.run_sync if self.offload == "to_thread" else anyio.to_process.run_sync
        return bind_unit(run_sync, work.call)

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        runner: Runner = TrioRunner() if self.lib == "trio" else AnyioRunner(self.backend(params))
        fan_out = trio_fan_out if self.lib == "trio" else anyio_fan_out
        try:
            unit = self._unit(work)
            if self.offload == "to_thread":
                to_thread = unit.func if isinstance(unit, partial) else unit
                runner.call(partial(_warm_threads, to_thread, self.limiter_size(), fan_out))
            elif self.offload == "to_process":
                check_picklable(work.call)
                runner.call(partial(_warm_processes, work.call, self.limiter_size()))
        except BaseException:
            runner.close()
            raise
        return StructuredSession(runner, fan_out, unit, work)
