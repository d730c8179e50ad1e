"""pipeline: producer -> CPU stage -> consumer, joined by bounded queues (back-pressure).

A producer emits the items 0..N-1 into a queue of ``queue_size`` slots, K stage
workers take them, compute ``cpu_pure``'s unit of ``stage_steps`` LCG steps
(pure Python, holds the GIL) and put the value into a second queue of the same
size, and a consumer collects the values.  What is measured is how fast each
model moves N items through that shape: the stage's CPU work plus every
hand-off.  ``stage_steps=0`` (the stage returns i + 1) leaves the hand-offs alone.

Variants (sessions in :mod:`benchmarks.scenarios.pipeline.sessions`):

- ``sequential``: no queues, each item produced, computed and consumed in turn (the baseline);
- ``asyncio``, ``uvloop``: producer task -> ``asyncio.Queue`` -> one stage task
  computing inline -> ``asyncio.Queue`` -> consumer task.  K = 1 because inline
  CPU work cannot overlap: more stage tasks would only take turns;
- ``trio``: the same shape in a nursery, joined by two trio memory channels of
  ``queue_size`` slots (``trio.open_memory_channel``); K = 1 as for asyncio;
- ``threads``: a producer thread, K stage threads (``workers``, auto: one per
  CPU) and the calling thread as consumer, joined by ``queue.Queue``;
- ``processes``: a producer thread, K stage processes (``start_method``), the
  calling thread as consumer, joined by ``multiprocessing.Queue``;
- ``to_thread``, ``executor-thread``, ``executor-process``: the mixed pipeline,
  the asyncio one whose K stage coroutines each await the stage on the default
  executor (K = its size), a thread pool or a process pool (K = twice the pool
  size, so a worker has its next item while a result travels back).
  With the GIL the thread variants' stages take turns: a finding, not a flaw.

Timed: the N items' pass through the pipeline.  Outside: the loop, pools, stage
threads and processes (started, their modules imported, both queue paths used
once), and the producer thread; asyncio queues and tasks are created per run
(microseconds).  Every session's ``run`` checks that no item was lost or
duplicated (the checksum of cpu_pure's closed forms) and ``metrics`` reports
the peak number of items in flight against the bound the queues impose,
``2 * queue_size + K + 1``, and each queue's peak size.  Fair because every
model runs the same stage on the same items through queues of the same size,
each with the queue its model offers.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import ClassVar

from benchmarks.core.contract import Declined, Scenario, Session, SessionKind, SessionTable
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Checksum, Work, checksum, inline_work
from benchmarks.runtimes.cluster import DaskCluster
from benchmarks.runtimes.greenlets import Greenlets
from benchmarks.runtimes.loops import DefaultExecutor, LoopExecutor, OnLoop
from benchmarks.runtimes.pools import Inline, ProcessPool, ThreadPool
from benchmarks.runtimes.structured import TaskGroups
from benchmarks.scenarios import cpu_pure
from benchmarks.scenarios.pipeline.sessions import (
    AsyncPipeline,
    SequentialPipeline,
    TrioPipeline,
    inflight_bound,
)
from benchmarks.scenarios.pipeline.workers import ProcessPipeline, ThreadPipeline

ITEMS = Param("items", int, (1000,), "items through the pipeline per run", quick=(100,), tiny=(4,), minimum=1)
STAGE_STEPS = Param("stage_steps", int, (0, 1000),
                    "LCG steps the stage computes per item (0: hand-offs only)", quick=(500,), tiny=(100,),
                    minimum=0)
QUEUE_SIZE = Param("queue_size", int, (16,), "slots in each of the two queues (the back-pressure bound)",
                   quick=(4,), tiny=(2,), minimum=1)

#: the models' parameters that mean something here (api and chunksize do not)
MODEL_PARAMS = ("workers", "start_method")

TIMED_WORKERS = ("the items' pass through the pipeline; stage workers (and for processes their imports and "
                 "both queue paths) and the producer thread started before timing and reused by every run")
TIMED_ASYNC = ("the items' pass through the pipeline, with its 2 queues and K+3 tasks created per run; "
               "loop and pools started before timing")
TIMED_TRIO = ("the items' pass through the pipeline, with its 2 memory channels and 4 tasks created per run "
              "and one trio.from_thread.run into the session's trio.run; that run started before timing")
TIMED_SEQUENTIAL = "produce, compute and consume each item in turn in the calling thread; no queues"


#: stage coroutines per pool worker for the explicit executors: while one item's result
#: travels back, the worker already has the next (measured: executor-process with one
#: coroutine per worker took 370 ms for 1000 items of 1000 steps, with two 215 ms, four 217)
STAGES_PER_POOL_WORKER = 2


def _pool_params(params: tuple[Param, ...]) -> tuple[Param, ...]:
    return tuple(p for p in params if p.name in MODEL_PARAMS)


class Sequential(SessionKind[Inline]):
    def open(self, capability: Inline, work: Work, params: Mapping[str, Value]) -> Session:
        return SequentialPipeline(work)

    def metadata(self, capability: Inline, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"queue_impl": "none", "stage_impl": "inline in the calling thread, one item at a time",
                "stage_workers": 1, "inflight_bound": 1, "parallelism": 1, "concurrency_limit": 1,
                "timed": TIMED_SEQUENTIAL}


class Workers(SessionKind[ThreadPool | ProcessPool]):
    """K stage threads or processes (the pool's size) between a producer thread and the caller."""

    def model_params(self, capability: ThreadPool | ProcessPool,
                     params: tuple[Param, ...]) -> tuple[Param, ...]:
        return _pool_params(params)

    def open(self, capability: ThreadPool | ProcessPool, work: Work, params: Mapping[str, Value]) -> Session:
        size, k = int(params["queue_size"]), capability.size(work, params)
        if isinstance(capability, ProcessPool):
            return ProcessPipeline(work, size, k, capability.start_method(params))
        return ThreadPipeline(work, size, k)

    def metadata(self, capability: ThreadPool | ProcessPool, work: Work,
                 params: Mapping[str, Value]) -> dict[str, Value]:
        k, size = capability.size(work, params), int(params["queue_size"])
        impl = ProcessPipeline if isinstance(capability, ProcessPool) else ThreadPipeline
        meta: dict[str, Value] = {"queue_impl": impl.queue_impl, "pool_size": k, "timed": TIMED_WORKERS}
        if isinstance(capability, ProcessPool):
            meta["start_method"] = capability.start_method(params)
        meta.update(stage_impl=f"K {impl.worker}", stage_workers=k, queue_size=size,
                    inflight_bound=inflight_bound(size, k), parallelism=k, concurrency_limit=k)
        return meta


def stage_workers(capability: OnLoop, work: Work, params: Mapping[str, Value]) -> int:
    """K on a loop: 1 stage task computing inline (inline CPU work cannot overlap), the default
    executor's size, or two stage coroutines per worker of an explicit pool."""
    if isinstance(capability, LoopExecutor):
        size = capability.size(work, params)
        return size if isinstance(capability.executor, DefaultExecutor) else STAGES_PER_POOL_WORKER * size
    return 1


def _stage_impl(capability: OnLoop) -> str:
    if not isinstance(capability, LoopExecutor):
        return "one stage task computing inline in the loop's thread (inline CPU work cannot overlap)"
    executor = capability.executor
    if isinstance(executor, DefaultExecutor):
        return "K stage coroutines awaiting asyncio.to_thread (K = default executor size)"
    pool = "ThreadPoolExecutor" if isinstance(executor, ThreadPool) else "ProcessPoolExecutor"
    return f"K stage coroutines awaiting loop.run_in_executor on a {pool} of K/2"


class OnTheLoop(SessionKind[OnLoop]):
    """Producer, K stage coroutines and consumer on the model's loop, joined by asyncio.Queue."""

    def model_params(self, capability: OnLoop, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return _pool_params(params)

    def open(self, capability: OnLoop, work: Work, params: Mapping[str, Value]) -> Session:
        return AsyncPipeline(work, int(params["queue_size"]), stage_workers(capability, work, params),
                             capability.loop.factory(), partial(capability.unit, work, params))

    def metadata(self, capability: OnLoop, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        k, size = stage_workers(capability, work, params), int(params["queue_size"])
        meta = capability.metadata(work, params)  # loop, its version, pool size, start method
        meta.update(queue_impl=AsyncPipeline.queue_impl, timed=TIMED_ASYNC,
                    stage_impl=_stage_impl(capability), stage_workers=k, queue_size=size,
                    inflight_bound=inflight_bound(size, k),
                    parallelism=capability.parallelism(work, params), concurrency_limit=k)
        return meta


class OnTrio(SessionKind[TaskGroups]):
    """Producer, one stage task computing inline and consumer in a trio nursery."""

    def model_params(self, capability: TaskGroups, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return ()

    def unsupported(self, capability: TaskGroups, params: Mapping[str, Value]) -> str | None:
        if capability.lib != "trio":
            return ("anyio's memory object streams would need a session of their own; trio's memory "
                    "channels, which they mirror, are measured by the trio model")
        if capability.offload is not None:
            return ("the trio pipeline's stage computes inline; stages awaiting trio.to_thread are not "
                    "written yet (to_thread and the executors measure that shape on asyncio)")
        return None

    def open(self, capability: TaskGroups, work: Work, params: Mapping[str, Value]) -> Session:
        return TrioPipeline(work, int(params["queue_size"]))

    def metadata(self, capability: TaskGroups, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        size = int(params["queue_size"])
        meta = {k: v for k, v in capability.metadata(work, params).items()
                if k in ("library", "trio_version", "loop", "loop_version", "run_entry")}
        meta.update(queue_impl=TrioPipeline.queue_impl, timed=TIMED_TRIO,
                    stage_impl="one stage task computing inline in trio's thread (inline CPU work cannot "
                               "overlap)",
                    stage_workers=1, queue_size=size, inflight_bound=inflight_bound(size, 1),
                    parallelism=1, concurrency_limit=1)
        return meta


class Pipeline(Scenario):
    name = "pipeline"
    summary = "producer -> CPU stage -> consumer over two bounded queues (back-pressure checked)"
    kind = "cpu"
    params = (ITEMS, STAGE_STEPS, QUEUE_SIZE)

    sessions: ClassVar[SessionTable] = {
        Inline: Sequential(),
        ThreadPool: Workers(),
        ProcessPool: Workers(),
        OnLoop: OnTheLoop(),
        TaskGroups: OnTrio(),
        Greenlets: Declined("gevent's pipeline would be the threads pipeline (queue.Queue, threads) patched "
                            "into greenlets, whose stage computing inline cannot overlap: not written yet"),
        DaskCluster: Declined("Dask has no bounded queue between tasks: a pipeline of tasks is a graph, "
                              "and back-pressure, what this scenario checks, is not its model"),
    }

    def work(self, params: Mapping[str, Value]) -> Work:
        call = partial(cpu_pure.unit, size=int(params["stage_steps"]))
        return inline_work(int(params["items"]), self.kind, call)

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        size = int(params["stage_steps"])
        return checksum(cpu_pure.closed_form(i, size) for i in range(int(params["items"])))


SCENARIO = Pipeline()
