"""primitives: synchronisation primitives under contention, each model with its own.

asyncio, uvloop and rloop use asyncio's Lock / Semaphore / Event / Queue
between tasks, ``trio`` trio's (memory channels for queues, see
:mod:`.on_trio`) between the tasks of a nursery, ``threads`` threading's
(and ``queue.Queue``) between threads, ``processes`` multiprocessing's (from
the model's start-method context, with shared ``Value`` / ``Array`` memory)
between processes.  Parameter
``primitive`` picks the workload; P is ``parties``, R is ``rounds``:

- ``lock``: P parties wait at a barrier, then each runs R critical sections on
  one Lock: read a shared counter, yield, write counter + 1.  The yield is
  ``await asyncio.sleep(0)`` for tasks and ``os.sched_yield()`` for threads
  (CPython releases the GIL around it) and processes, so that the holder is
  descheduled while holding and the others really contend.  Not
  ``time.sleep(0)``: on Linux it sleeps for the timer slack (~60 us here), which
  the benchmark would then measure.  Processes need the yield too: without it a
  party re-takes the multiprocessing Lock it just released before a sleeping
  waiter wakes, and parties hardly overlap (measured: the lock changed hands in
  0.1-30% of acquisitions, and a Semaphore(2) often never had two holders).
  A lock that let two parties in loses an update and fails the checksum.
  Recorded: ``handover_fraction``, how often the lock passed to another party.
- ``semaphore``: the same barrier, then each party acquires a
  Semaphore(``limit``) R times and holds it across the same yield, counting
  holders (under a lock for threads and processes); the peak number of holders
  is recorded and must equal the limit.
- ``event``: P waiters block on an Event, the caller of the run sets it, all
  wake and acknowledge through a queue; R such broadcast cycles per run (two
  events used in turn, each cleared once every waiter acknowledged it).
  Recorded: wake-up latency from ``set()`` to the first and to the last
  waiter's wake-up (``time.perf_counter``, CLOCK_MONOTONIC on Linux, the same
  clock in every process).
- ``pingpong``: the caller and one partner hand a token back and forth R times
  through two queues (asyncio.Queue, queue.Queue, multiprocessing.Queue, whose
  ``put`` goes through a feeder thread).  Recorded: time per hand-off.

Outside the timed region: the loop, the primitives and queues, the thread pool
with every thread started, the party processes started and heard from.
Inside: one run: handing every party its work (asyncio: creating its task;
threads: ``submit``; processes: one pipe message), all the operations above,
and collecting each party's answer; also the clock reads the event cycle
needs.  Every model does the same logical operations, checked by the same
checksum; sequential, to_thread and the executor models are declared
unsupported (their reasons say why).  Every wait has a timeout, with one
exception inside multiprocessing: ``Event.set()`` waits for every process
registered as waiting to wake, so a party process killed while waiting on the
event would block it (pyperf's worker timeout ends that).

Metrics per timed call (``.metrics.jsonl``): ``op_us`` (lock, semaphore: per
acquisition), ``handover_fraction`` (lock), ``peak_concurrency`` and its
minimum over the runs ``peak_concurrency_min`` (semaphore),
``wake_first_p50_us`` / ``wake_last_p50_us`` / ``wake_last_max_us`` and
``cycle_us`` (event; the last waiter's p50 and max are also written as
``latency_p50_us`` / ``latency_p100_us``, which the report shows), and
``handoff_us`` (pingpong).  ``parties`` does not apply to pingpong, nor
``limit`` to anything but the semaphore: sweeping them repeats those
benchmarks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from benchmarks.core.contract import C, Capability, Declined, Scenario, Session, SessionKind, SessionTable
from benchmarks.core.params import Param, Value
from benchmarks.core.work import MODULUS, Checksum, Work, mix, unprepared
from benchmarks.runtimes.cluster import DaskCluster
from benchmarks.runtimes.greenlets import Greenlets
from benchmarks.runtimes.loops import DefaultExecutor, EventLoop, LoopExecutor
from benchmarks.runtimes.pools import Inline, ProcessPool, ThreadPool
from benchmarks.runtimes.startup import START_METHOD
from benchmarks.runtimes.structured import TaskGroups
from benchmarks.scenarios.primitives.common import PRIMITIVES, Shape

PRIMITIVE = Param("primitive", str, PRIMITIVES, "synchronisation primitive under test",
                  quick=PRIMITIVES, choices=PRIMITIVES)
PARTIES = Param("parties", int, (8,), "tasks / threads / processes contending (lock, semaphore) or "
                "waiting (event); pingpong always has two", quick=(4,), tiny=(3,), minimum=1)
ROUNDS = Param("rounds", int, (200,), "acquisitions per party (lock, semaphore), broadcast cycles (event) "
               "or round trips (pingpong) per run", quick=(50,), tiny=(5,), minimum=1)
LIMIT = Param("limit", int, (2,), "semaphore permits (semaphore only)", minimum=1)

NOTHING_TO_CONTEND = ("one thread has no one to contend with, wake or hand a token to: "
                      "every primitive here needs parties running at once")


def _on_executor(capability: Capability) -> str:
    assert isinstance(capability, LoopExecutor)
    if isinstance(capability.executor, DefaultExecutor):
        return ("asyncio.to_thread's parties would be default-executor threads sharing threading's "
                "primitives: that is the threads model")
    if isinstance(capability.executor, ProcessPool):
        return ("an executor is no synchronisation primitive: its processes would share "
                "multiprocessing's, which the processes model measures with its own processes")
    return ("an executor is no synchronisation primitive: its threads would share threading's "
            "primitives, which the threads model measures")


# What each model's parties use (metadata), per primitive.
IMPLEMENTATION = {
    "async": {
        "lock": "asyncio.Lock around a Python int",
        "semaphore": "asyncio.Semaphore; holder count in a Python list",
        "event": "2 asyncio.Event used in turn; acknowledgements through an asyncio.Queue",
        "pingpong": "2 asyncio.Queue",
    },
    "threads": {
        "lock": "threading.Lock around a Python int",
        "semaphore": "threading.Semaphore; holder count in a list under a threading.Lock",
        "event": "2 threading.Event used in turn; acknowledgements through a queue.Queue",
        "pingpong": "2 queue.Queue",
    },
    "trio": {
        "lock": "trio.Lock around a Python int",
        "semaphore": "trio.Semaphore; holder count in a Python list",
        "event": "2 trio.Event used in turn (cleared = replaced by a fresh one); acknowledgements through "
                 "an unbounded trio memory channel",
        "pingpong": "2 unbounded trio memory channels",
    },
    "processes": {
        "lock": "multiprocessing Lock around a shared Value('q')",
        "semaphore": "multiprocessing Semaphore; holder count in a shared Array('q') under a Lock",
        "event": "2 multiprocessing Event used in turn; acknowledgements through a multiprocessing Queue",
        "pingpong": "2 multiprocessing Queue",
    },
}
YIELD = {
    "async": "await asyncio.sleep(0)",
    "trio": "await trio.sleep(0)",
    "threads": "os.sched_yield() (CPython releases the GIL around it)",
    "processes": "os.sched_yield()",
}
START_GATE = {"async": "asyncio.Barrier", "trio": "a count and a trio.Event (trio has no Barrier)",
              "threads": "threading.Barrier",
              "processes": "multiprocessing Barrier"}
PARTIES_IMPL = {
    "async": "tasks of an asyncio.TaskGroup created by each run",
    "trio": "tasks of a trio nursery created by each run",
    "threads": "threads of a ThreadPoolExecutor started before timing; one submit per party per run",
    "processes": "processes started before timing; one pipe message per party per run",
}
TIMED = {
    "lock": "P parties x R critical sections (read counter, yield, write counter+1)",
    "semaphore": "P parties x R acquisitions held across a yield, holders counted",
    "event": "R cycles: set, P waiters wake and acknowledge, clear",
    "pingpong": "R round trips of a token between the caller and one partner",
}


def shape_of(params: Mapping[str, Value]) -> Shape:
    return Shape(primitive=str(params["primitive"]), parties=int(params["parties"]),
                 rounds=int(params["rounds"]), limit=int(params["limit"]))


class Parties(SessionKind[C]):
    """The parties of one family of primitives: tasks, threads or processes."""

    family: str

    def model_params(self, capability: C, params: tuple[Param, ...]) -> tuple[Param, ...]:
        # asyncio's `api` and the pool sizes mean nothing here: parties are the scenario's own
        return ()

    def metadata(self, capability: C, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        shape = shape_of(params)
        family = self.family
        caller_takes_part = int(shape.primitive in ("event", "pingpong"))
        meta: dict[str, Value] = {
            "primitive_impl": IMPLEMENTATION[family][shape.primitive],
            "parties_impl": PARTIES_IMPL[family],
            "party_count": shape.workers + caller_takes_part,
            # how many parties may be inside the primitive at once
            "concurrency_limit": {"lock": 1, "semaphore": min(shape.limit, shape.parties),
                                  "event": shape.parties, "pingpong": 1}[shape.primitive],
            "timed": TIMED[shape.primitive] + "; plus starting and collecting the parties",
        }
        if shape.primitive in ("lock", "semaphore"):
            meta.update(yield_while_holding=YIELD[family], start_gate=START_GATE[family])
        return meta


class Tasks(Parties[EventLoop]):
    family = "async"

    def open(self, capability: EventLoop, work: Work, params: Mapping[str, Value]) -> Session:
        from benchmarks.scenarios.primitives.on_asyncio import async_session

        return async_session(shape_of(params), capability.loop.factory())

    def metadata(self, capability: EventLoop, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {**super().metadata(capability, work, params), "parallelism": 1,
                "loop": capability.loop.name, "loop_version": capability.loop.version()}


class TrioTasks(Parties[TaskGroups]):
    family = "trio"

    def unsupported(self, capability: TaskGroups, params: Mapping[str, Value]) -> str | None:
        if capability.lib != "trio":
            return ("anyio's primitives would need a session of their own; trio's, which anyio's mirror, "
                    "and asyncio's are measured by the trio and asyncio models")
        if capability.offload is not None:
            return ("trio.to_thread's parties would be trio's cached threads sharing threading's "
                    "primitives: that is the threads model")
        return None

    def open(self, capability: TaskGroups, work: Work, params: Mapping[str, Value]) -> Session:
        from benchmarks.scenarios.primitives.on_trio import TrioPrimitiveSession

        return TrioPrimitiveSession(shape_of(params))

    def metadata(self, capability: TaskGroups, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        meta = {**super().metadata(capability, work, params), "parallelism": 1}
        for key in ("library", "trio_version", "loop", "loop_version", "run_entry"):
            meta[key] = capability.metadata(work, params)[key]
        return meta


class Threads(Parties[ThreadPool]):
    family = "threads"

    def open(self, capability: ThreadPool, work: Work, params: Mapping[str, Value]) -> Session:
        from benchmarks.scenarios.primitives.on_threads_processes import thread_session

        return thread_session(shape_of(params))

    def metadata(self, capability: ThreadPool, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        shape = shape_of(params)
        return {**super().metadata(capability, work, params),
                "parallelism": shape.workers + int(shape.primitive in ("event", "pingpong")),
                "pool_size": shape.workers}


class Processes(Parties[ProcessPool]):
    family = "processes"

    def model_params(self, capability: ProcessPool, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return (START_METHOD,)

    def open(self, capability: ProcessPool, work: Work, params: Mapping[str, Value]) -> Session:
        from benchmarks.scenarios.primitives.on_threads_processes import process_session

        return process_session(shape_of(params), capability.start_method(params))

    def metadata(self, capability: ProcessPool, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        shape = shape_of(params)
        return {**super().metadata(capability, work, params),
                "parallelism": shape.workers + int(shape.primitive in ("event", "pingpong")),
                "pool_size": shape.workers, "start_method": capability.start_method(params)}


class Primitives(Scenario):
    name = "primitives"
    summary = ("Lock, Semaphore, Event broadcast and Queue ping-pong under contention: "
               "asyncio vs threading vs multiprocessing primitives")
    kind = "io"  # parties mostly wait for each other
    params = (PRIMITIVE, PARTIES, ROUNDS, LIMIT)

    sessions: ClassVar[SessionTable] = {
        EventLoop: Tasks(),
        ThreadPool: Threads(),
        ProcessPool: Processes(),
        Inline: Declined(NOTHING_TO_CONTEND),
        LoopExecutor: Declined(_on_executor),
        TaskGroups: TrioTasks(),
        Greenlets: Declined("gevent's primitives are threading's, monkey-patched into greenlet-aware ones: "
                            "a session for them is not written yet (the threads model measures threading's)"),
        DaskCluster: Declined("a Dask cluster's tasks share no primitives here: distributed's Lock and "
                              "Semaphore go through the scheduler, a different measurement"),
    }

    def work(self, params: Mapping[str, Value]) -> Work:
        return unprepared(shape_of(params).result_count, self.kind)

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        """The layout of :mod:`.common`, from plain loops (no model involved)."""
        shape = shape_of(params)
        parties, rounds = shape.parties, shape.rounds
        own = sum(mix(p) for p in range(parties))
        if shape.primitive == "lock":
            total = parties * rounds
            return Checksum(parties + 1, (own + sum(range(total)) + total) % MODULUS)
        if shape.primitive == "semaphore":
            return Checksum(parties + 1, (own + parties * rounds + 0) % MODULUS)
        if shape.primitive == "event":
            per_waiter = sum(cycle + 1 for cycle in range(rounds))
            return Checksum(parties + 1, (own + parties * per_waiter + parties * rounds) % MODULUS)
        replies = sum(mix(token) for token in range(rounds))
        return Checksum(rounds + 1, (replies + rounds) % MODULUS)


SCENARIO = Primitives()
