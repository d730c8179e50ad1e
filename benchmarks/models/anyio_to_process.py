"""anyio-to_process: each unit through ``anyio.to_process.run_sync``, for the CPU scenarios.

anyio starts its worker processes itself (``python -m anyio.to_process``, read
from a pipe: a parent that dies closes it and they exit), at most one per CPU
(its default process limiter, recorded as ``process_limiter_size``), and
pickles each call.  Every worker is started, and the scenario's module imported
in it, before timing.  Units that wait gain nothing from processes: the I/O
scenarios are declined (their reason says so).
"""

from __future__ import annotations

from collections.abc import Mapping

from benchmarks.core.contract import Model, Scenario
from benchmarks.core.params import Value
from benchmarks.runtimes.structured import TaskGroups


class AnyioToProcess(Model):
    name = "anyio-to_process"
    summary = "anyio.to_process.run_sync in a task group (CPU scenarios; one process per CPU)"
    capability = TaskGroups(lib="anyio", offload="to_process")

    def unsupported(self, scenario: Scenario, params: Mapping[str, Value]) -> str | None:
        if scenario.kind != "cpu":
            return ("anyio.to_process is for CPU work: units that wait would only queue for one "
                    "of its few worker processes (the processes model measures that)")
        return super().unsupported(scenario, params)


MODEL = AnyioToProcess()
