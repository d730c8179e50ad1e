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

from benchmarks.core.aio import AsyncModel
from benchmarks.core.contract import Model, Scenario, Session
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Checksum, Work, checksum, inline_async
from benchmarks.scenarios import cpu_pure
from benchmarks.scenarios.pipeline.sessions import (
    AsyncPipeline,
    PipelineSession,
    SequentialPipeline,
    inflight_bound,
)
from benchmarks.scenarios.pipeline.workers import ProcessPipeline, ThreadPipeline

ITEMS = Param("items", int, (1000,), "items through the pipeline per run", quick=(100,), minimum=1)
STAGE_STEPS = Param("stage_steps", int, (0, 1000),
                    "LCG steps the stage computes per item (0: hand-offs only)", quick=(500,), minimum=0)
QUEUE_SIZE = Param("queue_size", int, (16,), "slots in each of the two queues (the back-pressure bound)",
                   quick=(4,), minimum=1)

#: the models' parameters that mean something here (api and chunksize do not)
MODEL_PARAMS = ("workers", "start_method")
WORKER_MODELS = ("sequential", "threads", "processes")

STAGE_IMPL = {
    "sequential": "inline in the calling thread, one item at a time",
    "asyncio": "one stage task computing inline in the loop's thread (inline CPU work cannot overlap)",
    "uvloop": "one stage task computing inline in the loop's thread (inline CPU work cannot overlap)",
    "threads": "K threads",
    "processes": "K processes",
    "to_thread": "K stage coroutines awaiting asyncio.to_thread (K = default executor size)",
    "executor-thread": "K stage coroutines awaiting loop.run_in_executor on a ThreadPoolExecutor of K/2",
    "executor-process": "K stage coroutines awaiting loop.run_in_executor on a ProcessPoolExecutor of K/2",
}

TIMED_WORKERS = ("the items' pass through the pipeline; stage workers (and for processes their imports and "
                 "both queue paths) and the producer thread started before timing and reused by every run")
TIMED_ASYNC = ("the items' pass through the pipeline, with its 2 queues and K+3 tasks created per run; "
               "loop and pools started before timing")
TIMED_SEQUENTIAL = "produce, compute and consume each item in turn in the calling thread; no queues"


#: stage coroutines per pool worker for the explicit executors: while one item's result
#: travels back, the worker already has the next (measured: executor-process with one
#: coroutine per worker took 370 ms for 1000 items of 1000 steps, with two 215 ms, four 217)
STAGES_PER_POOL_WORKER = 2


def stage_workers(model: Model, work: Work, params: Mapping[str, Value]) -> int:
    """K: the stage workers, as many as the model runs units at once (1 for sequential, asyncio),
    two per pool worker for the explicit executors."""
    if model.name in ("executor-thread", "executor-process"):
        return STAGES_PER_POOL_WORKER * model.parallelism(work, params)
    return model.parallelism(work, params)


def open_pipeline(model: Model, work: Work, params: Mapping[str, Value],
                  consumer_delay_s: float = 0.0) -> PipelineSession:
    """The model's pipeline over ``work`` (``work.call`` is the stage); tests slow its consumer."""
    size = int(params["queue_size"])
    k = stage_workers(model, work, params)
    if model.name == "sequential":
        return SequentialPipeline(work)
    if model.name == "threads":
        return ThreadPipeline(work, size, k, consumer_delay_s)
    if model.name == "processes":
        return ProcessPipeline(work, size, k, str(params["start_method"]), consumer_delay_s)
    if isinstance(model, AsyncModel):
        return AsyncPipeline(work, size, k, model.loop_factory(), partial(model.unit, work, params),
                             consumer_delay_s)
    raise ValueError(f"pipeline has no session for model {model.name!r}")


class Pipeline(Scenario):
    name = "pipeline"
    summary = "producer -> CPU stage -> consumer over two bounded queues (back-pressure checked)"
    kind = "cpu"
    params = (ITEMS, STAGE_STEPS, QUEUE_SIZE)

    def model_params(self, model: Model) -> tuple[Param, ...]:
        return tuple(p for p in model.params if p.name in MODEL_PARAMS)

    def unsupported(self, model: Model, params: Mapping[str, Value]) -> str | None:
        if model.name in WORKER_MODELS or isinstance(model, AsyncModel):
            return None
        return f"pipeline has no session written for the {model.name} model"

    def work(self, params: Mapping[str, Value]) -> Work:
        call = partial(cpu_pure.unit, size=int(params["stage_steps"]))
        return Work(n=int(params["items"]), kind=self.kind, call=call, acall=inline_async(call))

    def open_session(self, model: Model, work: Work, params: Mapping[str, Value]) -> Session:
        return open_pipeline(model, work, params)

    def model_metadata(self, model: Model, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        k = stage_workers(model, work, params)
        size = int(params["queue_size"])
        stage = STAGE_IMPL.get(model.name, model.summary)
        if model.name == "sequential":
            return {"queue_impl": "none", "stage_impl": stage, "stage_workers": 1, "inflight_bound": 1,
                    "parallelism": 1, "concurrency_limit": 1, "timed": TIMED_SEQUENTIAL}
        meta: dict[str, Value] = {}
        if isinstance(model, AsyncModel):
            meta.update(model.metadata(work, params))  # loop, its version, pool size, start method
            meta.update(queue_impl=AsyncPipeline.queue_impl, timed=TIMED_ASYNC)
        else:
            impl = ThreadPipeline if model.name == "threads" else ProcessPipeline
            meta.update(queue_impl=impl.queue_impl, pool_size=k, timed=TIMED_WORKERS)
            if "start_method" in params:
                meta["start_method"] = str(params["start_method"])
        meta.update(stage_impl=stage, stage_workers=k, queue_size=size,
                    inflight_bound=inflight_bound(size, k), parallelism=model.parallelism(work, params),
                    concurrency_limit=k)
        return meta

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        size = int(params["stage_steps"])
        return checksum(cpu_pure.closed_form(i, size) for i in range(int(params["items"])))


SCENARIO = Pipeline()
