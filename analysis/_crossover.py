"""Crossover: from which value of a swept quantity a model starts beating a reference.

A scenario that sweeps a quantity (unit size, request count, concurrency...)
over three or more values answers "from which size does a process pool pay?"
with one number per contender: the smallest swept value from which its median
is below the reference's median at that value *and at every larger value*
(``always`` when that is the smallest value, ``never`` when it is not faster
at the largest).  Asking for every larger value too keeps a lucky dip in the
middle of a sweep from being quoted as the crossover.  The verdict at that
value uses the decision table's rules (pyperf's t-test, and "within noise"
when the medians differ by less than the larger IQR), so a crossover inside
the noise reads as such.

Two references: the speedup baseline (``sequential`` by default, at its
fastest variant), and the fastest of every *other* model (other variants of
the contender's own model do not count), i.e. from where the contender is the
best choice.  Only scenario parameters are crossed: a model's own parameter
(``workers``, ``chunksize``) has no baseline measured at each of its values.
Everything comes from the views: no scenario or model is known by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# mypy: disable-error-code="import-untyped"
import pandas as pd

from benchmarks.core.formats import PARAM_PREFIX, format_value

from ._analysis import Analysis, as_analysis
from ._decide import Decision
from ._doc import Block, Para, Table
from ._format import Params, Value, format_params, format_ratio, params_key, value_key
from ._stats import Difference, Sample, difference
from ._views import Contender, ScenarioView, scaling_params

#: A crossover needs a sweep of at least this many values to mean more than "faster at the top".
MIN_VALUES = 3
OTHERS = "every other model"

RULE = (
    "**Crossover**, for each quantity a scenario sweeps over three or more values: the smallest value "
    "from which a model's median is below the reference's at that value and at every larger one "
    "(**always**: from the smallest value; **never**: not at the largest). References: {baseline} "
    "(as in the speedups, at its fastest variant) and, in the last column, the fastest of every other "
    "model at each value (other variants of the same model do not count). In brackets: the speedup "
    "at that value (the reference's median / the model's) and the verdict there, by the decision "
    "table's rules: a crossover **within noise** is not established."
)


@dataclass(frozen=True)
class Crossing:
    """Where one contender starts beating one reference."""

    at: Value | None  # the smallest value from which it is faster; None: never
    always: bool  # ``at`` is the smallest swept value
    speedup: float | None = None  # the reference's median / the contender's, at ``at``
    diff: Difference | None = None  # the reference against the contender, at ``at``

    def text(self, param: str) -> str:
        if self.at is None or self.speedup is None or self.diff is None:
            return "never"
        where = f"{param}={format_value(self.at)}"
        if self.always:
            return f"always ({format_ratio(self.speedup)} at {where}, {self.diff.in_words})"
        return f"from {where} ({format_ratio(self.speedup)}, {self.diff.in_words})"


def crossing(values: Sequence[Value], reference: Sequence[Sample], contender: Sequence[Sample]) -> Crossing:
    """The crossover along ``values`` (ascending), given both samples at each value."""
    start = len(values)
    while start > 0 and contender[start - 1].median < reference[start - 1].median:
        start -= 1
    if start == len(values):
        return Crossing(None, False)
    ref, own = reference[start], contender[start]
    return Crossing(values[start], start == 0, ref.median / own.median, difference(ref, own))


@dataclass(frozen=True)
class CrossoverRow:
    contender: Contender
    baseline: Crossing | None  # None when the contender was not run at every value
    others: Crossing | None
    not_run_at: tuple[Value, ...] = ()


@dataclass(frozen=True)
class Crossover:
    """One table: a scenario, the swept parameter, and the values of the others."""

    scenario: str
    param: str
    rest: Params  # the other parameters of the scenario at this table's points
    shown: Params  # those of them that vary in the scenario (the rest is said once)
    values: tuple[Value, ...]
    baseline: str
    rows: tuple[CrossoverRow, ...]


def _row(contender: Contender, values: list[Value], samples: list[Sample | None], refs: list[Sample],
         found: list[Decision]) -> CrossoverRow:
    missing = tuple(v for v, s in zip(values, samples, strict=True) if s is None)
    own = [s for s in samples if s is not None]
    if missing:
        return CrossoverRow(contender, None, None, missing)
    # Every point has the baseline, another model than the contender's: ``next`` always finds one.
    others = [next(e.sample for e in d.entries if e.contender.model != contender.model) for d in found]
    return CrossoverRow(contender, crossing(values, refs, own), crossing(values, others, own))


def view_crossovers(view: ScenarioView, found: list[Decision], baseline: str) -> list[Crossover]:
    """The scenario's crossover tables: one per swept scenario quantity and point of the others."""
    by_point = {d.point: d for d in found if d.scenario == view.name}
    varying = set(view.swept())
    tables = []
    for param in (p for p in scaling_params(view) if p in view.point_names):
        groups: dict[Params, dict[Value, Params]] = {}
        for point in view.points:
            named = dict(point)
            if param in named:
                rest = tuple(p for p in point if p[0] != param)
                groups.setdefault(rest, {})[named[param]] = point
        for rest in sorted(groups, key=params_key):
            at = groups[rest]
            values = sorted(at, key=value_key)
            points = [by_point[at[v]] for v in values]
            best = [d.best_by_model() for d in points]
            if len(values) < MIN_VALUES or any(baseline not in b for b in best):
                continue
            refs = [b[baseline].sample for b in best]
            rows = []
            for contender in view.contenders:
                samples = [view.cells.get((at[v], contender)) for v in values]
                if contender.model != baseline and any(s is not None for s in samples):
                    rows.append(_row(contender, values, samples, refs, points))
            if rows:
                shown = tuple(p for p in rest if p[0] in varying)
                tables.append(Crossover(view.name, param, rest, shown, tuple(values), baseline, tuple(rows)))
    return tables


def crossovers(views: list[ScenarioView], found: list[Decision], baseline: str) -> list[Crossover]:
    return [table for view in views for table in view_crossovers(view, found, baseline)]


def crossover_table(data: pd.DataFrame | Analysis, baseline: str | None = None) -> pd.DataFrame:
    """Every crossover as a frame: one row per table, contender and reference."""
    analysis = as_analysis(data)
    base = analysis.baseline(baseline)
    rows = []
    for table in crossovers(analysis.views, analysis.decisions, base):
        for row in table.rows:
            for against, found in ((base, row.baseline), (OTHERS, row.others)):
                rows.append({
                    "scenario": table.scenario, "swept": table.param,
                    **{PARAM_PREFIX + k: v for k, v in table.rest},
                    "contender": row.contender.label, "model": row.contender.model, "against": against,
                    "faster_from": None if found is None else found.at,
                    "always": None if found is None else found.always,
                    "speedup": None if found is None else found.speedup,
                    "verdict": None if found is None or found.diff is None else found.diff.in_words,
                    "not_run_at": ", ".join(format_value(v) for v in row.not_run_at) or None,
                })
    # object columns keep a swept value as it was (1000 stays an int, "unbounded" a word) and None as None
    table = pd.DataFrame(rows, dtype=object)
    return table.astype({"speedup": "float64"}) if rows else table


def crossover_blocks(tables: list[Crossover]) -> list[Block]:
    """A short title and a table each; the rule is explained once, in :data:`RULE`."""
    blocks: list[Block] = []
    for table in tables:
        where = f" at {format_params(table.shown)}" if table.shown else ""
        rows = []
        for row in table.rows:
            if row.baseline is None or row.others is None:
                gaps = ", ".join(f"{table.param}={format_value(v)}" for v in row.not_run_at)
                rows.append((row.contender.label, f"not run at {gaps}", "-"))
            else:
                rows.append((row.contender.label, row.baseline.text(table.param),
                             row.others.text(table.param)))
        blocks += [Para(f"**Crossover** along `{table.param}`{where}:"),
                   Table(("model", f"faster than {table.baseline}", f"faster than {OTHERS}"), tuple(rows))]
    return blocks
