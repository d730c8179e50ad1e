"""From results to decisions: tidy DataFrame, charts, Markdown and HTML report, comparison.

Data flows one way: pyperf results files -> :func:`load_results` (one row per
measured value) -> :func:`analyse` (samples, the runs' registries, views and
decisions, derived once) -> pure chart functions (``plot_*(data, ...,
out_dir)``, given the frame or what :func:`analyse` derived from it, returning
the file written) -> :func:`write_report` / :func:`write_compare`.  The
command line, ``python -m analysis report|compare|csv``, is a thin layer over
these.

The public names are loaded on first use (PEP 562), so that ``import
analysis`` stays cheap until a name is used.  The statistics (paired ratios,
verdicts, ranking) are :mod:`benchmarks.stats`, shared with the planner.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "AnalysisError": "analysis._load",
    "analyse": "analysis._analysis",
    "compare_frames": "analysis._compare",
    "crossover_table": "analysis._crossover",
    "decision_table": "analysis._analysis",
    "load_results": "analysis._load",
    "model_color": "analysis._style",
    "plot_compare": "analysis._compare",
    "plot_drift": "analysis._drift_chart",
    "plot_interpreters": "analysis._interp_chart",
    "plot_latency_percentiles": "analysis._charts",
    "plot_models": "analysis._charts",
    "plot_scaling": "analysis._charts",
    "plot_speedup_heatmap": "analysis._heatmap",
    "read_runinfo": "analysis._load",
    "write_compare": "analysis._compare",
    "write_csv": "analysis._output",
    "write_report": "analysis._report",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
