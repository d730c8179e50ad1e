"""From results to decisions: tidy DataFrame, charts, Markdown and HTML report, comparison.

Data flows one way: pyperf results files -> :func:`load_results` (one row per
measured value) -> :func:`analyse` (samples, the runs' registries, views and
decisions, derived once) -> pure chart functions (``plot_*(data, ...,
out_dir)``, given the frame or what :func:`analyse` derived from it, returning
the file written) -> :func:`write_report` / :func:`write_compare`.  The
command line, ``python -m analysis report|compare|csv``, is a thin layer over
these.
"""

from ._analysis import analyse, decision_table
from ._charts import plot_latency_percentiles, plot_models, plot_scaling
from ._compare import compare_frames, plot_compare, write_compare
from ._crossover import crossover_table
from ._heatmap import plot_speedup_heatmap
from ._load import AnalysisError, load_results, read_runinfo
from ._output import write_csv
from ._report import write_report
from ._style import model_color

__all__ = [
    "AnalysisError", "analyse", "compare_frames", "crossover_table", "decision_table", "load_results",
    "model_color", "plot_compare", "plot_latency_percentiles", "plot_models", "plot_scaling",
    "plot_speedup_heatmap", "read_runinfo", "write_compare", "write_csv", "write_report",
]
