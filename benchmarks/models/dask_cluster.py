"""dask: every unit a task of a Dask cluster (a LocalCluster on 127.0.0.1 by default).

``--dask-scheduler tcp://host:port`` sends the same units to a real cluster:
network and scheduler included.  Scenarios whose units need this machine (a
reference server on its loopback, files in its temporary directory) are
declined then.  See :mod:`benchmarks.runtimes.cluster`.
"""

from __future__ import annotations

from collections.abc import Mapping

from benchmarks.core.contract import Model, Scenario
from benchmarks.core.params import Value
from benchmarks.runtimes.cluster import DaskCluster


class Dask(Model):
    name = "dask"
    summary = "each unit a Dask task (LocalCluster of 2 processes on 127.0.0.1, or --dask-scheduler)"
    capability = DaskCluster()

    def unsupported(self, scenario: Scenario, params: Mapping[str, Value]) -> str | None:
        reason = super().unsupported(scenario, params)
        if reason is None and self.capability.remote() and scenario.sessions is None:
            local = scenario.work(params).local
            if local:
                return f"{local}, which the remote cluster's workers do not share"
        return reason


MODEL = Dask()
