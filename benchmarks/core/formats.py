"""What a results file looks like beside its pyperf JSON, shared by the harness and the analysis.

A leaf module: the analysis imports it without importing any scenario or model.
"""

from __future__ import annotations

from pathlib import Path

#: ``<stem>.runinfo``: the command, the profile, the plan and every pair not timed (JSON)
RUNINFO_SUFFIX = ".runinfo"
#: ``<stem>.metrics.jsonl``: one JSON object per timed call of a session with metrics
METRICS_SUFFIX = ".metrics.jsonl"
#: A benchmark's metadata ``param_<name>`` holds the value of its parameter ``<name>``, and
#: ``params`` their names, comma-separated, the scenario's own before the model's.
PARAM_PREFIX = "param_"


def format_value(value: object) -> str:
    """A parameter value as benchmark names and reports write it (floats keep their ``.0``)."""
    return repr(value) if isinstance(value, float) else str(value)


def param_names(text: object) -> list[str]:
    """The names in a ``params`` metadata value: ``"n,latency_ms"`` -> ``["n", "latency_ms"]``."""
    return [name for name in str(text or "").split(",") if name]


def results_stem(results: Path) -> str:
    """``x.json`` (or a compressed ``x.json.gz``) -> ``x``: the name its side files share."""
    return results.name.removesuffix(".gz").removesuffix(".json")


def side_file(results: Path, suffix: str) -> Path:
    """The side file of a results file: ``results/x.json`` -> ``results/x.runinfo``."""
    return results.with_name(results_stem(results) + suffix)
