"""The registry: every scenario and every model, by name.

Adding a scenario or a model is one module plus one line here.  The matrix
(scenario x model x parameter sweep) is derived in :mod:`benchmarks.harness.plan`.
"""

from __future__ import annotations

from benchmarks.core.contract import Model, Scenario
from benchmarks.models import (
    asyncio_loop,
    executor_process,
    executor_thread,
    processes,
    sequential,
    threads,
    to_thread,
    uvloop_loop,
)
from benchmarks.scenarios import (
    cancel_timeout,
    cpu_hash,
    cpu_pure,
    file_io,
    granularity,
    pipeline,
    primitives,
    retry_ratelimit,
    rpc_fanout,
    sleep_fanout,
    spawn,
    tcp_echo,
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        sleep_fanout.SCENARIO,
        cpu_pure.SCENARIO,
        cpu_hash.SCENARIO,
        file_io.SCENARIO,
        rpc_fanout.SCENARIO,
        tcp_echo.SCENARIO,
        spawn.SCENARIO,
        granularity.SCENARIO,
        primitives.SCENARIO,
        pipeline.SCENARIO,
        cancel_timeout.SCENARIO,
        retry_ratelimit.SCENARIO,
    )
}

MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        sequential.MODEL,
        asyncio_loop.MODEL,
        uvloop_loop.MODEL,
        threads.MODEL,
        processes.MODEL,
        to_thread.MODEL,
        executor_thread.MODEL,
        executor_process.MODEL,
    )
}
