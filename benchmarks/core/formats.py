"""What a results file looks like beside its pyperf JSON, shared by the harness and the analysis.

A leaf module: the analysis imports it without importing any scenario or model.
"""

from __future__ import annotations

#: ``<stem>.runinfo``: the command, the profile, the plan and every pair not timed (JSON)
RUNINFO_SUFFIX = ".runinfo"
#: ``<stem>.metrics.jsonl``: one JSON object per timed call of a session with metrics
METRICS_SUFFIX = ".metrics.jsonl"


def format_value(value: object) -> str:
    """A parameter value as benchmark names and reports write it (floats keep their ``.0``)."""
    return repr(value) if isinstance(value, float) else str(value)
