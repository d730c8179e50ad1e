"""concbench: the same workloads under every Python concurrency model, timed by pyperf.

The public names are loaded on first use, so that importing a leaf module
(``benchmarks.core.formats``, which the analysis shares) does not import every
scenario and model.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "Capability": "benchmarks.core.contract",
    "Command": "benchmarks.core.contract",
    "Model": "benchmarks.core.contract",
    "Scenario": "benchmarks.core.contract",
    "Session": "benchmarks.core.contract",
    "SessionKind": "benchmarks.core.contract",
    "BadInput": "benchmarks.core.params",
    "Param": "benchmarks.core.params",
    "Checksum": "benchmarks.core.work",
    "Work": "benchmarks.core.work",
    "checksum": "benchmarks.core.work",
    "PROFILES": "benchmarks.harness.profiles",
    "Case": "benchmarks.harness.plan",
    "plan": "benchmarks.harness.plan",
    "MODELS": "benchmarks.harness.registry",
    "SCENARIOS": "benchmarks.harness.registry",
    "register": "benchmarks.harness.registry",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'benchmarks' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
