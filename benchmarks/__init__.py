"""concbench: the same workloads under every Python concurrency model, timed by pyperf."""

from benchmarks.core.contract import Model, Scenario, Session
from benchmarks.core.params import BadInput, Param
from benchmarks.core.work import Checksum, Work, checksum
from benchmarks.harness.plan import PROFILES, Case, plan
from benchmarks.harness.registry import MODELS, SCENARIOS

__all__ = [
    "MODELS", "PROFILES", "SCENARIOS", "BadInput", "Case", "Checksum", "Model", "Param",
    "Scenario", "Session", "Work", "checksum", "plan",
]
