"""cancel_timeout: what a deadline costs per call, and what stopping N waiting units costs.

Two operations (parameter ``op``), each with its own parameters (the others
are dropped through ``Scenario.relevant``, so no benchmark is repeated for a
parameter it ignores):

- ``deadline`` (``calls``, ``deadline``): ``calls`` calls one after another, each
  finishing long before its deadline (``DEADLINE_S`` = 60 s, never hit).  The
  model parameter ``deadline`` says how the deadline is set, ``none`` being the
  baseline of the same model, so a deadline's per-call overhead is
  ``(time(variant) - time(none)) / calls`` read from one run:

  - asyncio, uvloop: the unit is a coroutine doing one ``await asyncio.sleep(0)``;
    ``timeout`` wraps it in ``async with asyncio.timeout()``, ``wait_for`` in
    ``asyncio.wait_for()`` (before Python 3.12 that wraps the coroutine in a Task
    with a timer of its own; from 3.12 it is built on ``asyncio.timeout``).
  - to_thread, executor-thread, executor-process: the same async deadlines on the
    model's own awaitable (``asyncio.to_thread`` / ``loop.run_in_executor`` on a
    pool of one, started before timing); the executor round trip dominates.
    ``wait_for`` is left out of their default sweep (``--param deadline=wait_for``
    adds it): the loop-side cost is what asyncio and uvloop already measure.
  - threads, processes: ``pool.submit(unit, i).result(timeout=60)`` against
    ``.result()`` on a pool of one; for processes the round trip dominates.
  - sequential: a plain call against one armed with ``signal.setitimer`` (a SIGALRM
    handler raising TimeoutError, the way synchronous code gets a deadline; main
    thread only), cleared after the call.

- ``shutdown`` (``n``): start ``n`` units that wait "forever", wait until all are
  waiting, stop them all, confirm each stopped (see :mod:`benchmarks.scenarios.cancel_timeout.shutdown`):
  asyncio/uvloop tasks are cancelled, threads see a shared Event, processes get
  ``terminate()``.  Starting is inside the timed region because ``run`` must be
  repeatable; the shutdown alone is the metric ``shutdown_us`` (and
  ``shutdown_us_per_unit``, ``start_us``).  The ``processes`` model defaults to
  the fork start method here: with forkserver or spawn every child re-imports
  this package (60-80 ms each on the reference machine), which is the ``spawn``
  scenario's subject, not this one's.

Defaults: ``calls=200``, ``n=50``: 22 benchmarks, each near pyperf's floor of
7-11 s (4 minutes on the shared 2-core reference machine).  pyperf calibrates
loops so that each value lasts at least 100 ms, so fewer calls per run lose no
precision; 50 forked processes per run keep ``processes`` under half a second
per run on a loaded machine.

Every unit's result is ``mix(i)``, and for ``shutdown`` only when that unit
was verified stopped, so the checksum catches a lost, repeated or unstopped
unit.  Fair because each pair does the same logical work (``calls`` sequential
deadline-guarded calls, or ``n`` units started and stopped) with the model's
own idiom, and the baseline of each variant is measured by the same model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from benchmarks.core.contract import C, Capability, Declined, Scenario, Session, SessionKind, SessionTable
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Checksum, Work, checksum, mix
from benchmarks.runtimes.cluster import DaskCluster
from benchmarks.runtimes.greenlets import Greenlets
from benchmarks.runtimes.loops import DefaultExecutor, EventLoop, LoopExecutor, OnLoop
from benchmarks.runtimes.pools import Inline, ProcessPool, ThreadPool
from benchmarks.runtimes.startup import START_METHOD, START_METHODS, new_process_pool, new_thread_pool
from benchmarks.runtimes.structured import TaskGroups
from benchmarks.scenarios.cancel_timeout.deadline import DEADLINE_S, AsyncCalls, PoolCalls, SequentialCalls
from benchmarks.scenarios.cancel_timeout.shutdown import (
    FOREVER_S,
    STOP_TIMEOUT_S,
    ProcessShutdown,
    TaskShutdown,
    ThreadShutdown,
)

OP = Param("op", str, ("deadline", "shutdown"), "deadline: per-call deadline overhead; "
           "shutdown: start N waiting units and stop them all", choices=("deadline", "shutdown"))
CALLS = Param("calls", int, (200,), "op=deadline: calls made one after another", quick=(50,), tiny=(4,),
              minimum=1)
N = Param("n", int, (50,), "op=shutdown: units started, then stopped", quick=(10,), tiny=(6,), minimum=1)
DEADLINE = Param("deadline", str, ("none",), "op=deadline: how each call gets its deadline "
                 "(none: the baseline)",
                 choices=("none", "timeout", "wait_for", "result_timeout", "alarm", "fail_after"))


ASYNC_DEADLINES = ("none", "timeout", "wait_for")
POOL_DEADLINES = ("none", "result_timeout")

DEADLINE_IMPL = {
    "none": "no deadline (the baseline)",
    "timeout": f"async with asyncio.timeout({DEADLINE_S:g})",
    "wait_for": f"asyncio.wait_for(unit, {DEADLINE_S:g})",
    "result_timeout": f"pool.submit(unit, i).result(timeout={DEADLINE_S:g}) (none: .result())",
    "alarm": f"signal.setitimer(ITIMER_REAL, {DEADLINE_S:g}) before the call, 0 after",
    "fail_after": f"with trio.fail_after({DEADLINE_S:g})",
}
STOP_IMPL = {
    "asyncio": "Task.cancel() on each task, asyncio.wait(tasks); each must end cancelled, finally run",
    "threads": "threading.Event.set() seen by every thread, Thread.join() each",
    "processes": "Process.terminate() (SIGTERM) each, Process.join(); exit code must be -SIGTERM",
}


def unit(i: int) -> int:
    return mix(i)


async def aunit(i: int) -> int:
    await asyncio.sleep(0)  # one trip through the loop: the call really suspends
    return mix(i)


async def trio_unit(i: int) -> int:
    import trio.lowlevel  # only the trio model awaits this form

    await trio.lowlevel.checkpoint()  # trio's sleep(0): the call really suspends
    return mix(i)


#: the processes model defaults to fork here: forkserver and spawn children re-import the
#: package (60-80 ms each), which is the spawn scenario's subject, not this one's
FORK_FIRST = replace(START_METHOD, default=("fork",) if "fork" in START_METHODS else START_METHOD.default)


# -- op=deadline: one kind of session per capability --------------------------------------


class Deadlines(SessionKind[C]):
    """The deadline variants a capability can express (``allowed``), the ones swept by default
    and the quick profile's (the deadline code path without its baseline)."""

    allowed: tuple[str, ...]
    default: tuple[str, ...]
    quick: tuple[str, ...]
    unit_impl: str = "unit(i), a plain call returning mix(i)"

    def model_params(self, capability: C, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return (replace(DEADLINE, default=self.default, quick=self.quick),)

    def unsupported(self, capability: C, params: Mapping[str, Value]) -> str | None:
        deadline = str(params["deadline"])
        if deadline not in self.allowed:
            return (f"deadline={deadline} does not apply to {capability.describe()}: its calls take "
                    f"{', '.join(self.allowed)}")
        return None

    def metadata(self, capability: C, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"timed": f"{work.n} calls one after another, each with the deadline variant",
                "deadline_impl": DEADLINE_IMPL[str(params["deadline"])], "deadline_s": DEADLINE_S,
                "parallelism": 1, "concurrency_limit": 1, "unit_impl": self.unit_impl}


class AlarmDeadlines(Deadlines[Inline]):
    allowed = default = ("none", "alarm")
    quick = ("alarm",)

    def open(self, capability: Inline, work: Work, params: Mapping[str, Value]) -> Session:
        return SequentialCalls(work.call, work.n, alarm=params["deadline"] == "alarm")


class ResultDeadlines(Deadlines[ThreadPool | ProcessPool]):
    """``submit(unit, i).result(timeout=)`` on a pool of one thread or process."""

    allowed = default = POOL_DEADLINES
    quick = ("result_timeout",)

    def model_params(self, capability: ThreadPool | ProcessPool,
                     params: tuple[Param, ...]) -> tuple[Param, ...]:
        own = super().model_params(capability, params)
        return (*own, FORK_FIRST) if isinstance(capability, ProcessPool) else own

    def open(self, capability: ThreadPool | ProcessPool, work: Work, params: Mapping[str, Value]) -> Session:
        pool = (new_process_pool(1, capability.start_method(params), work.call)
                if isinstance(capability, ProcessPool) else new_thread_pool(1))
        return PoolCalls(pool, work.call, work.n, params["deadline"] == "result_timeout")

    def metadata(self, capability: ThreadPool | ProcessPool, work: Work,
                 params: Mapping[str, Value]) -> dict[str, Value]:
        worker = "process" if isinstance(capability, ProcessPool) else "thread"
        meta = {**super().metadata(capability, work, params), "pool_size": 1,
                "unit_impl": f"pool.submit(unit, i) on a pool of 1 {worker}"}
        if isinstance(capability, ProcessPool):
            meta["start_method"] = capability.start_method(params)
        return meta


def _one_at_a_time(params: Mapping[str, Value]) -> dict[str, Value]:
    """The model's pool parameters for one call at a time: a pool of one."""
    return {**params, "workers": 1}


class AsyncDeadlines(Deadlines[OnLoop]):
    """``asyncio.timeout`` / ``wait_for`` around the model's own awaitable, one call at a time."""

    allowed = ASYNC_DEADLINES
    quick = ("timeout",)

    def __init__(self, default: tuple[str, ...]) -> None:
        self.default = default

    def model_params(self, capability: OnLoop, params: tuple[Param, ...]) -> tuple[Param, ...]:
        own = super().model_params(capability, params)
        if isinstance(capability, LoopExecutor) and isinstance(capability.executor, ProcessPool):
            return (*own, START_METHOD)
        return own

    def open(self, capability: OnLoop, work: Work, params: Mapping[str, Value]) -> Session:
        return AsyncCalls(capability, work, _one_at_a_time(params), str(params["deadline"]))

    def metadata(self, capability: OnLoop, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        pool = _one_at_a_time(params)
        meta = super().metadata(capability, work, params)
        meta.update(capability.metadata(work, pool), parallelism=capability.parallelism(work, pool),
                    concurrency_limit=1, unit_impl=_async_unit_impl(capability))
        return meta


def _async_unit_impl(capability: OnLoop) -> str:
    if not isinstance(capability, LoopExecutor):
        return "coroutine: await asyncio.sleep(0), return mix(i)"
    if isinstance(capability.executor, DefaultExecutor):
        return "asyncio.to_thread(unit, i)"
    worker = "process" if isinstance(capability.executor, ProcessPool) else "thread"
    return f"loop.run_in_executor(pool of 1 {worker}, unit, i)"


def _not_trio(capability: TaskGroups) -> str | None:
    if capability.lib != "trio":
        return ("anyio's cancel scopes and task groups would need sessions of their own; trio's, which "
                "anyio's mirror, are measured by the trio model")
    if capability.offload is not None:
        return ("a blocking call running in a trio.to_thread thread cannot be cancelled "
                "(abandon_on_cancel only stops waiting for it); the thread is busy until it returns")
    return None


class TrioDeadlines(Deadlines[TaskGroups]):
    """``trio.fail_after`` around a coroutine doing one checkpoint, one call at a time."""

    allowed = default = ("none", "fail_after")
    quick = ("fail_after",)
    unit_impl = "coroutine: await trio.lowlevel.checkpoint(), return mix(i)"

    def unsupported(self, capability: TaskGroups, params: Mapping[str, Value]) -> str | None:
        return _not_trio(capability) or super().unsupported(capability, params)

    def open(self, capability: TaskGroups, work: Work, params: Mapping[str, Value]) -> Session:
        from benchmarks.scenarios.cancel_timeout.on_trio import TrioCalls

        unit = work.aform("trio")
        if unit is None:
            raise RuntimeError("this work has no trio form of its unit")
        return TrioCalls(unit, work.n, params["deadline"] == "fail_after")

    def metadata(self, capability: TaskGroups, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        meta = super().metadata(capability, work, params)
        meta.update({k: v for k, v in capability.metadata(work, params).items()
                     if k in ("library", "trio_version", "loop", "loop_version", "run_entry")})
        return meta


DEADLINE_SESSIONS: SessionTable = {
    Inline: AlarmDeadlines(),
    ThreadPool: ResultDeadlines(),
    ProcessPool: ResultDeadlines(),
    EventLoop: AsyncDeadlines(default=ASYNC_DEADLINES),
    # wait_for is left out of their default sweep: the loop-side cost is what the event
    # loops already measure, and the executor round trip dominates
    LoopExecutor: AsyncDeadlines(default=("none", "timeout")),
    TaskGroups: TrioDeadlines(),
    Greenlets: Declined("gevent's deadlines (gevent.Timeout) would need a session of their own in a patched "
                        "process: not written yet"),
    DaskCluster: Declined("a deadline on a Dask task is a timeout on waiting for its future, which is the "
                          "scheduler round trip spawn measures"),
}


# -- op=shutdown ---------------------------------------------------------------------------


class Shutdowns(SessionKind[C]):
    stop_impl: str

    def model_params(self, capability: C, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return ()

    def metadata(self, capability: C, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"timed": f"start {work.n} units + wait until all wait + stop all + check each "
                         "(shutdown alone: metric shutdown_us)",
                "unit_wait_s": FOREVER_S, "stop_timeout_s": STOP_TIMEOUT_S, "concurrency_limit": work.n,
                "parallelism": work.n, "stop_impl": self.stop_impl}


class CancelTasks(Shutdowns[EventLoop]):
    stop_impl = "Task.cancel() on each task, asyncio.wait(tasks); each must end cancelled, finally run"

    def open(self, capability: EventLoop, work: Work, params: Mapping[str, Value]) -> Session:
        return TaskShutdown(capability.loop.factory(), work.n)

    def metadata(self, capability: EventLoop, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {**super().metadata(capability, work, params), **capability.metadata(work, params),
                "parallelism": 1}


class CancelNursery(Shutdowns[TaskGroups]):
    stop_impl = ("nursery.cancel_scope.cancel(); each task must see trio.Cancelled and run its finally "
                 "block")

    def unsupported(self, capability: TaskGroups, params: Mapping[str, Value]) -> str | None:
        return _not_trio(capability)

    def open(self, capability: TaskGroups, work: Work, params: Mapping[str, Value]) -> Session:
        from benchmarks.scenarios.cancel_timeout.on_trio import TrioShutdown

        return TrioShutdown(work.n)

    def metadata(self, capability: TaskGroups, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        meta = {**super().metadata(capability, work, params), "parallelism": 1}
        meta.update({k: v for k, v in capability.metadata(work, params).items()
                     if k in ("library", "trio_version", "loop", "loop_version", "run_entry")})
        return meta


class SetEvent(Shutdowns[ThreadPool]):
    stop_impl = "threading.Event.set() seen by every thread, Thread.join() each"

    def open(self, capability: ThreadPool, work: Work, params: Mapping[str, Value]) -> Session:
        return ThreadShutdown(work.n)


class Terminate(Shutdowns[ProcessPool]):
    stop_impl = "Process.terminate() (SIGTERM) each, Process.join(); exit code must be -SIGTERM"

    def model_params(self, capability: ProcessPool, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return (FORK_FIRST,)

    def open(self, capability: ProcessPool, work: Work, params: Mapping[str, Value]) -> Session:
        return ProcessShutdown(work.n, capability.start_method(params))

    def metadata(self, capability: ProcessPool, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        # no pool: the n processes started and terminated in every run
        return {**super().metadata(capability, work, params),
                "start_method": capability.start_method(params), "pool_size": work.n}


def _running_call(capability: Capability) -> str:
    assert isinstance(capability, LoopExecutor)
    if isinstance(capability.executor, ProcessPool):
        return ("a call running in a ProcessPoolExecutor cannot be cancelled, and Python before "
                "3.14 has no API to terminate the pool's workers")
    return ("a blocking call running in an executor thread cannot be cancelled (Future.cancel() "
            "fails once it runs); the thread is busy until the call returns")


SHUTDOWN_SESSIONS: SessionTable = {
    EventLoop: CancelTasks(),
    ThreadPool: SetEvent(),
    ProcessPool: Terminate(),
    Inline: Declined("one thread running one unit at a time cannot hold N units waiting at once"),
    LoopExecutor: Declined(_running_call),
    TaskGroups: CancelNursery(),
    Greenlets: Declined("killing greenlets (gevent.killall) would need a session of its own in a patched "
                        "process: not written yet"),
    DaskCluster: Declined("a Dask task running on a worker cannot be stopped: Future.cancel() only drops "
                          "tasks that have not started"),
}


class ByOp(SessionKind[Capability]):
    """One capability's session for each ``op``: the parameters of both, the session of one."""

    def __init__(self, **by_op: SessionKind[Any]) -> None:
        self.by_op = by_op

    def _kind(self, params: Mapping[str, Value]) -> SessionKind[Any]:
        return self.by_op[str(params["op"])]

    def model_params(self, capability: Capability, params: tuple[Param, ...]) -> tuple[Param, ...]:
        merged: dict[str, Param] = {}
        for kind in self.by_op.values():
            for param in kind.model_params(capability, params):
                merged.setdefault(param.name, param)
        return tuple(merged.values())

    def unsupported(self, capability: Capability, params: Mapping[str, Value]) -> str | None:
        return self._kind(params).unsupported(capability, params)

    def open(self, capability: Capability, work: Work, params: Mapping[str, Value]) -> Session:
        return self._kind(params).open(capability, work, params)

    def metadata(self, capability: Capability, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return self._kind(params).metadata(capability, work, params)


class CancelTimeout(Scenario):
    name = "cancel_timeout"
    summary = ("per-call cost of a deadline (asyncio.timeout, wait_for, result(timeout=)) and the cost "
               "of starting and stopping N waiting units (cancel, Event, terminate)")
    kind = "io"
    params = (OP, CALLS, N)
    # every capability here has both operations (declined ones say why)
    sessions: ClassVar[SessionTable] = {
        cls: ByOp(deadline=DEADLINE_SESSIONS[cls], shutdown=SHUTDOWN_SESSIONS[cls])
        for cls in DEADLINE_SESSIONS
    }

    def relevant(self, params: Mapping[str, Value]) -> Mapping[str, Value]:
        drop = {"n"} if params["op"] == "deadline" else {"calls", "deadline"}
        return {k: v for k, v in params.items() if k not in drop}

    def work(self, params: Mapping[str, Value]) -> Work:
        if params["op"] == "deadline":
            return Work(n=int(params["calls"]), kind=self.kind, call=unit, acall=aunit, limit=1,
                        aforms={"trio": trio_unit})
        # op=shutdown: the sessions start their own waiting units; Work gives the count
        return Work(n=int(params["n"]), kind=self.kind, call=unit, acall=aunit)

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        n = int(params["calls"] if params["op"] == "deadline" else params["n"])
        return checksum(mix(i) for i in range(n))


SCENARIO = CancelTimeout()
