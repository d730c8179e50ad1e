"""granularity: the same total CPU work cut into units of 10 us to 25 ms.

The question a reviewer asks: "is a process pool worth it for tasks this
small?"  Every benchmark of one ``unit_kind`` does the same total work,
``total_ms`` of it (nominal, see below), split into ``total_ms / unit_us``
units; only the size of a unit changes.  The time of a model against
``unit_us`` shows where dispatching a unit stops dominating: the crossover
at which a process pool starts to beat sequential and threads.

Two kinds of unit (parameter ``unit_kind``):

- ``pure``: pure-Python arithmetic (``cpu_pure``'s LCG steps): holds the GIL,
  so only processes can run units in parallel.
- ``hash``: SHA-256 of ``size`` bytes, fed as 64 KiB slices of one buffer
  built once per process: hashlib releases the GIL for every update over
  2 KiB, which every size here is, so threads can run in parallel too.
  Unlike ``cpu_hash``'s unit, which builds its own buffer, no unit allocates:
  a 37 MB buffer per 25 ms unit cost more in page faults than in hashing
  (measured: 102 ms sequential against 50 ms for smaller units of the same
  total), and the unit's cost would not be proportional to its size.

Sizes are nominal: a unit of ``unit_us`` microseconds has ``unit_us *
STEPS_PER_US`` LCG steps or ``unit_us * BYTES_PER_US`` bytes, constants
measured on the 2-core reference machine (unoptimised CPython 3.11).  The
work, and so the checksum, is the same everywhere; the microseconds a unit
really takes on the machine of a run are measured once before timing and
recorded as ``unit_us_measured``.

The default sweep, 10 us to 25 ms in 50 ms of work, is chosen to fit the
default profile in a few minutes: 25 ms is the largest unit that still gives
each of 2 CPUs one, and a 10 us point already sends 5000 units through a
process pool.  ``--param total_ms=400 --param unit_us=100000`` goes further.

Models: sequential (the baseline), threads, processes, executor-process
(``run_in_executor`` on a process pool, the asyncio way to use more CPUs) and
dask (each unit a Dask task: from which unit size a cluster pays),
all with pools of one worker per CPU, created and started before timing.
``processes`` sends one unit per pickled task (``chunksize=1``, what
``executor.submit`` and ``map`` do unless told otherwise); ``--param
chunksize=N`` measures batching.  The default sweep uses the platform's start
method: a warm pool's per-unit cost should not depend on how its workers were
started, and ``--param start_method=fork,forkserver,spawn`` checks that.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Mapping, Sequence
from functools import partial

from benchmarks.core.contract import Model, Scenario
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Checksum, Work, checksum, inline_work
from benchmarks.runtimes.aio import gather_only
from benchmarks.runtimes.loops import EventLoop, LoopExecutor
from benchmarks.runtimes.pools import Inline, ProcessPool, ThreadPool
from benchmarks.scenarios import cpu_pure

#: LCG steps per microsecond and SHA-256 bytes per microsecond on the reference machine.
STEPS_PER_US = 5
BYTES_PER_US = 1500
#: Units timed, one after another, to measure a unit's real size before timing.
MEASURE_UNITS_MS = 50.0

UNIT_KINDS = ("pure", "hash")

INLINE_ON_LOOP = ("a CPU unit in a coroutine runs inline in the loop's thread: that is the sequential "
                  "model plus task overhead (cpu_pure measures it); granularity compares ways to run CPU "
                  "work in parallel")
THREADS_ON_LOOP = ("for CPU units run_in_executor on a thread pool is the threads model plus one "
                   "loop callback per unit; granularity keeps the asyncio bridge that can beat "
                   "the GIL, executor-process")

OTHER_THREADS = ("CPU units handed to a library's thread pool run as the threads model's do, plus one "
                 "callback per unit; granularity compares ways to run CPU work in parallel")
OTHER_PROCESSES = ("anyio.to_process pipes each unit to a worker process as executor-process does, "
                   "which granularity keeps as the async bridge to processes (cpu_pure and cpu_hash "
                   "measure anyio.to_process)")

#: More tasks than this per value would cost a Dask cluster (about 2 ms per task here) seconds per
#: value of dispatch alone, and the default profile's budget with it.
MAX_CLUSTER_TASKS = 1000


#: bytes per hashlib update: large enough that the GIL is released, small enough to stay in cache
BLOCK = 65536


@functools.cache
def _block() -> memoryview:
    """One buffer per process, built at the first unit (never at import: pyperf imports this
    module in every worker)."""
    return memoryview(bytes(range(256)) * (BLOCK // 256))


def hash_unit(i: int, *, size: int) -> int:
    """SHA-256 of the unit's index followed by ``size`` bytes, in slices of one shared buffer."""
    digest = hashlib.sha256(i.to_bytes(8, "little"))
    block = _block()
    whole, rest = divmod(size, BLOCK)
    for _ in range(whole):
        digest.update(block)
    if rest:
        digest.update(block[:rest])
    return int.from_bytes(digest.digest()[:7], "big")


def unit_size(kind: str, unit_us: int) -> int:
    """LCG steps or bytes of one unit of nominal size ``unit_us``."""
    return unit_us * (STEPS_PER_US if kind == "pure" else BYTES_PER_US)


def unit_call(kind: str, unit_us: int) -> partial[int]:
    size = unit_size(kind, unit_us)
    return partial(cpu_pure.unit, size=size) if kind == "pure" else partial(hash_unit, size=size)


def units(params: Mapping[str, Value]) -> int:
    total_us = int(params["total_ms"]) * 1000
    unit_us = int(params["unit_us"])
    if unit_us > total_us:
        return 1
    return total_us // unit_us


class Granularity(Scenario):
    name = "granularity"
    summary = ("the same total CPU work (`total_ms`) cut into units of `unit_us`: "
               "where a process pool starts to pay")
    kind = "cpu"
    params = (
        Param("unit_kind", str, UNIT_KINDS, "pure-Python (holds the GIL) or SHA-256 (releases it)",
              quick=("pure",), tiny=UNIT_KINDS, choices=UNIT_KINDS),
        Param("unit_us", int, (10, 100, 250, 1000, 25_000), "nominal microseconds of work per unit",
              quick=(100, 1000), tiny=(100,), minimum=1),
        Param("total_ms", int, (50,), "nominal total milliseconds of work, split into units",
              quick=(10,), tiny=(1,), minimum=1),
    )

    def model_params(self, model: Model) -> tuple[Param, ...]:
        return gather_only(model.params)

    def unsupported(self, model: Model, params: Mapping[str, Value]) -> str | None:
        capability = model.capability
        if isinstance(capability, EventLoop):
            return INLINE_ON_LOOP
        if isinstance(capability, LoopExecutor) and not isinstance(capability.executor, ProcessPool):
            return THREADS_ON_LOOP
        if isinstance(capability, (Inline, ThreadPool, ProcessPool, LoopExecutor)):
            return None
        # the other capabilities, by where their CPU units run
        where = capability.cpu_units(params)
        if where == "inline":
            return INLINE_ON_LOOP
        if where == "threads":
            return OTHER_THREADS
        if where == "processes":
            return OTHER_PROCESSES
        if where != "cluster":
            return None  # a capability that does not say: run it, as any plain scenario would
        if params["unit_kind"] != "pure":
            return ("every unit of a Dask cluster runs in a worker process of its own thread, so "
                    "whether it releases the GIL changes nothing there: unit_kind=pure finds the crossover")
        if units(params) > MAX_CLUSTER_TASKS:
            return (f"{units(params)} tasks per value at a cluster's ~2 ms of dispatch each would spend "
                    f"seconds dispatching {params['total_ms']} ms of work: a cluster's crossover lies "
                    "among the larger units")
        return None  # where a cluster starts to pay is this scenario's question

    def work(self, params: Mapping[str, Value]) -> Work:
        call = unit_call(str(params["unit_kind"]), int(params["unit_us"]))
        return inline_work(units(params), self.kind, call)

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        kind = str(params["unit_kind"])
        size = unit_size(kind, int(params["unit_us"]))
        n = units(params)
        if kind == "pure":
            return checksum(cpu_pure.closed_form(i, size) for i in range(n))
        # hashlib computing the same digests in one piece, not through hash_unit's slices
        data = bytes(range(256)) * (size // 256 + 1)
        return checksum(int.from_bytes(hashlib.sha256(i.to_bytes(8, "little") + data[:size]).digest()[:7],
                                       "big") for i in range(n))

    def metadata(self, params: Mapping[str, Value]) -> dict[str, Value]:
        kind = str(params["unit_kind"])
        # total_ms / unit_us units, rounded down: the work really done is recorded
        return {"units": units(params), "total_us_nominal": units(params) * int(params["unit_us"]),
                "unit_size": unit_size(kind, int(params["unit_us"])),
                "unit_size_is": "LCG steps" if kind == "pure" else "bytes hashed"}

    def calibrate(self, params: Mapping[str, Value]) -> dict[str, Value]:
        """How long one unit really takes here: the best of enough units to last ~50 ms."""
        call = unit_call(str(params["unit_kind"]), int(params["unit_us"]))
        best = float("inf")
        deadline = time.perf_counter() + MEASURE_UNITS_MS / 1000
        runs = 0
        while runs < 3 or time.perf_counter() < deadline:
            start = time.perf_counter()
            call(runs)
            best = min(best, time.perf_counter() - start)
            runs += 1
        return {"unit_us_measured": round(best * 1e6, 2)}

    def calibrated(self, found: Sequence[tuple[Mapping[str, Value], Mapping[str, Value]]]) -> str:
        """``pure units of 100, 1000 us (nominal) take 96.1, 1010 us here``, per kind of unit."""
        by_kind: dict[str, dict[int, str]] = {}
        for params, values in found:
            measured = values.get("unit_us_measured")
            if isinstance(measured, int | float):
                by_kind.setdefault(str(params["unit_kind"]), {})[int(params["unit_us"])] = (
                    f"{measured:.3g}" if measured < 1000 else f"{measured:,.0f}")
        return "; ".join(f"{kind} units of {', '.join(map(str, sizes))} us (nominal) take "
                         f"{', '.join(sizes.values())} us here" for kind, sizes in by_kind.items())


SCENARIO = Granularity()
