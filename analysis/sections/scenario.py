"""A scenario's own tables: what it swept, its latency percentiles, and the other numbers it records.

The scenario's fold in the report (:func:`analysis.report.scenario_blocks`)
puts these between its charts; each reads the scenario's view alone, so a new
scenario or model appears with no code here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.core.formats import format_value

from .._format import format_number, format_params, format_time, value_key
from ..data.bundle import Analysis
from ..data.samples import Sample
from ..data.views import ScenarioView
from ..render.document import Block, Bullets, Para, Table

METRICS = ("**Other measurements**: the numbers a scenario records besides time (`.metrics.jsonl`), each "
           "the median over a benchmark's timed values (warm-ups excluded), in the unit its name gives "
           "(`_us`: microseconds); **values**: how many timed values recorded them; **-**: not recorded.")


def _keyed_table(view: ScenarioView, items: Callable[[Sample], tuple[tuple[Any, float], ...]],
                 key_header: Callable[[Any], str], cell: Callable[[float], str],
                 extra_header: tuple[str, ...] = (),
                 extra: Callable[[Sample], tuple[str, ...]] = lambda s: ()) -> Table | None:
    """One row per contender and point, one column per key any of them recorded; None if none did."""
    rows = [(point, c, s) for point in view.points for c, s in view.at(point) if items(s)]
    if not rows:
        return None
    keys = sorted({key for _, _, s in rows for key, _ in items(s)})
    several = len(view.points) > 1
    table = []
    for point, c, s in rows:
        got = dict(items(s))
        cells = [cell(got[k]) if k in got else "-" for k in keys]
        # the parameters that tell the points apart; the others are said once, above the charts
        table.append(((format_params(view.shown(point)),) if several else ()) + (c.label, *extra(s), *cells))
    headers = (("parameters",) if several else ()) + ("model", *extra_header, *map(key_header, keys))
    align = ("l" if several else "") + "l" + "r" * (len(extra_header) + len(keys))
    return Table(headers, tuple(table), align)


def latency_blocks(view: ScenarioView) -> list[Block]:
    """Latency percentiles as a table too, for readers of the Markdown alone."""
    table = _keyed_table(view, lambda s: s.latency, lambda p: f"p{p:g}", format_time)
    if table is None:
        return []
    return [Para("Request latency (median over timed calls of each call's percentile):"), table]


def metrics_blocks(view: ScenarioView) -> list[Block]:
    """The other numbers the scenario records, one column per key; nothing if it records none."""
    table = _keyed_table(view, lambda s: s.metrics, lambda k: f"`{k}`", format_number,
                         extra_header=("values",), extra=lambda s: (str(s.metrics_n),))
    if table is None:
        return []
    return [Para("**Other measurements**:"), table]


def _facts(view: ScenarioView) -> list[str]:
    facts = []
    for name in view.swept():
        values = sorted({v for s in view.cells.values() for n, v in s.params if n == name}, key=value_key)
        what = "Swept" if name in view.point_names else "Model variants"
        facts.append(f"{what}: `{name}` = {', '.join(format_value(v) for v in values)}.")
    single = [p for p in (view.points[0] if view.points else ()) if p[0] not in view.swept()]
    if single:
        facts.append(f"Scenario parameters with a single value: {format_params(tuple(single))}.")
    return facts


def fixed_blocks(view: ScenarioView) -> list[Block]:
    """The model parameters that took one value (pool sizes, start methods): the diagnostics' detail."""
    fixed = [f"{model}: {format_params(params)}" for model, params in view.fixed.items() if params]
    return [Para("Model parameters with a single value: " + "; ".join(fixed) + ".")] if fixed else []


def intro_blocks(analysis: Analysis, view: ScenarioView) -> list[Block]:
    """The scenario's summary, as its run described it, and what it swept (the model parameters that
    took one value are in the diagnostics: :func:`fixed_blocks`)."""
    blocks: list[Block] = []
    info = analysis.registry.scenario(view.name)
    if info is not None and info.summary:
        blocks.append(Para(info.summary + "."))
    facts = _facts(view)
    if facts:
        blocks.append(Bullets(tuple(facts)))
    return blocks
