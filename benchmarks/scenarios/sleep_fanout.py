"""sleep_fanout: N simulated requests, each waiting L ms, at most C in flight.

The I/O-bound fan-out of the asyncio guide, with the network replaced by a
timer so that only the concurrency machinery is measured.  Synchronous models
block in ``time.sleep`` (which releases the GIL); event-loop models await
``asyncio.sleep``.  With C units in flight the ideal time is
``ceil(N / C) * L``; whatever a model needs beyond that is its overhead.

C is ``unbounded`` (everything in flight at once) or a limit; event-loop
models enforce it with an ``asyncio.Semaphore``, pool models with their pool
size (``workers=0`` sizes the pool to C, or to N when C is unbounded).  The
trio and anyio models await ``trio.sleep`` / ``anyio.sleep`` (their forms of
the unit) behind their own Semaphore; gevent's greenlets call the blocking
``time.sleep``, which its monkey-patching makes cooperative.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from functools import partial

from benchmarks.core.contract import Scenario
from benchmarks.core.params import CONCURRENCY, UNBOUNDED, Param, Value
from benchmarks.core.work import Checksum, Work, checksum, mix


def unit(i: int, *, latency_s: float) -> int:
    time.sleep(latency_s)
    return mix(i)


async def aunit(i: int, *, latency_s: float) -> int:
    await asyncio.sleep(latency_s)
    return mix(i)


async def trio_unit(i: int, *, latency_s: float) -> int:
    import trio  # only the trio models await this form, and trio may not be installed

    await trio.sleep(latency_s)
    return mix(i)


async def anyio_unit(i: int, *, latency_s: float) -> int:
    import anyio

    await anyio.sleep(latency_s)
    return mix(i)


def concurrency_limit(params: Mapping[str, Value]) -> int:
    """The scenario's ``concurrency`` as a Work limit (0: unbounded)."""
    limit = params["concurrency"]
    return 0 if limit == UNBOUNDED else int(limit)


class SleepFanout(Scenario):
    name = "sleep_fanout"
    summary = "N requests that each wait L ms, C at a time (I/O-bound fan-out)"
    kind = "io"
    params = (
        Param("n", int, (100,), "number of requests", quick=(20,), tiny=(6,), minimum=1),
        Param("latency_ms", float, (10.0,), "wait per request, ms", quick=(5.0,), tiny=(1.0,), minimum=0),
        CONCURRENCY,
    )

    def work(self, params: Mapping[str, Value]) -> Work:
        latency_s = float(params["latency_ms"]) / 1000.0
        return Work(
            n=int(params["n"]),
            kind=self.kind,
            call=partial(unit, latency_s=latency_s),
            acall=partial(aunit, latency_s=latency_s),
            limit=concurrency_limit(params),
            aforms={"trio": partial(trio_unit, latency_s=latency_s),
                    "anyio": partial(anyio_unit, latency_s=latency_s)},
        )

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        return checksum(mix(i) for i in range(int(params["n"])))


SCENARIO = SleepFanout()
