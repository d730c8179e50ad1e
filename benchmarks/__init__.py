"""concbench: the same workloads under every Python concurrency model, timed by pyperf."""

from ._model import Model, Session
from ._params import BadInput, Param
from ._plan import PROFILES, Case, plan
from ._registry import MODELS, SCENARIOS
from ._scenario import Scenario
from ._work import Checksum, Work, checksum

__all__ = [
    "MODELS", "PROFILES", "SCENARIOS", "BadInput", "Case", "Checksum", "Model", "Param",
    "Scenario", "Session", "Work", "checksum", "plan",
]
