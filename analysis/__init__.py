"""From results to decisions: tidy DataFrame, charts, Markdown and HTML report, comparison.

Data flows one way: pyperf results files -> :func:`load_results` (one row per
measured value) -> :func:`analyse` (samples, the runs' registries, views and
decisions, derived once) -> pure chart functions (``plot_*(data, ...,
out_dir)``, given the frame or what :func:`analyse` derived from it, returning
the file written) -> :func:`write_report` / :func:`write_compare`.  The
command line, ``python -m analysis report|compare|csv``, is a thin layer over
these.

The package is in rooms, and imports run one way (``tests/analysis/test_layout.py`` checks it):
``data/`` (loading and everything derived from the results, built once), ``sections/`` (one module
per report section, reading ``data/``, never another section), ``charts/`` (one module per chart
kind, reading ``data/``, never a section) and ``render/`` (the document model, its Markdown and
HTML writers, templates, output files); ``report``, ``compare`` and ``cli`` assemble them.  Beneath
every room: numbers as text (``_format``).  The statistics (paired ratios, intervals, verdicts,
ranking) are :mod:`benchmarks.stats`, which the planner imports too.

The public names are loaded on first use (PEP 562), so that ``import analysis`` stays cheap
until a name is used.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "AnalysisError": "analysis.data.load",
    "analyse": "analysis.data.bundle",
    "compare_frames": "analysis.compare",
    "crossover_table": "analysis.sections.crossover",
    "decision_table": "analysis.data.bundle",
    "load_results": "analysis.data.load",
    "model_color": "analysis.charts.style",
    "plot_compare": "analysis.compare",
    "plot_drift": "analysis.charts.drift",
    "plot_interpreters": "analysis.charts.interpreters",
    "plot_latency_percentiles": "analysis.charts.latency",
    "plot_models": "analysis.charts.models",
    "plot_scaling": "analysis.charts.scaling",
    "plot_speedup_heatmap": "analysis.charts.heatmap",
    "read_runinfo": "analysis.data.load",
    "write_compare": "analysis.compare",
    "write_csv": "analysis.render.output",
    "write_report": "analysis.report",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
