"""Crossover: from which value of a swept quantity a model starts beating a reference.

A scenario that sweeps a quantity (unit size, request count, concurrency...)
over three or more values answers "from which size does a process pool pay?"
with one number per contender: the smallest swept value from which the
verdict (:mod:`benchmarks.stats.judge`: a paired ratio whose whole 95% interval lies
beyond the +-2% band) calls it faster than the reference, at that value *and
at every larger value* (``always`` when that is the smallest value).  Asking
for every larger value too keeps a lucky dip in the middle of a sweep from
being quoted as the crossover; asking for a decided verdict keeps noise from
being quoted as one.  When the verdict at the largest value is not "faster"
the answer is ``never`` (slower or no difference there) or ``not established``
(undecided there: more rounds would tell).  Files measured before rounds have
no verdict: their crossover is read off the medians and says so
(``by medians ..., no interval``), never "faster".

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
from benchmarks.stats.judge import NO_INTERVAL, Judge, Versus

from .._format import Params, Value, format_params, format_ratio, params_key, value_key
from ..data.bundle import Analysis, as_analysis
from ..data.decisions import Decision
from ..data.samples import Sample
from ..data.views import Contender, ScenarioView, scaling_params
from ..render.document import Block, Para, Table

#: A crossover needs a sweep of at least this many values to mean more than "faster at the top".
MIN_VALUES = 3
OTHERS = "every other model"

RULE = (
    "**Crossover**, for each quantity a scenario sweeps over three or more values: the smallest value "
    "from which the verdict calls a model faster than the reference (the whole 95% interval of the "
    "paired ratio beyond the +-2% band) at that value and at every larger one (**always**: from the "
    "smallest value; **never**: slower or no difference at the largest; **not established**: "
    "undecided at the largest). References: {baseline} (as in the speedups, at its fastest variant) "
    "and, in the last column, the fastest of every other model at each value (other variants of the "
    "same model do not count). In brackets: the verdict at that value. A run made before rounds has "
    "no verdict: **by medians** gives where the model's median is below the reference's, with no "
    "interval, and is not a result."
)


@dataclass(frozen=True)
class Crossing:
    """Where one contender starts beating one reference."""

    at: Value | None  # the smallest value from which it is faster; None: never, or not established
    always: bool  # ``at`` is the smallest swept value
    versus: Versus | None = None  # the contender against the reference at ``at``, else at the largest
    by_medians: bool = False  # measured before rounds: no verdict, only medians
    largest: Value | None = None  # the largest swept value

    @property
    def speedup(self) -> float | None:
        """The reference's time / the contender's at ``at``."""
        return None if self.at is None or self.versus is None else 1 / self.versus.estimate

    def text(self, param: str) -> str:
        if self.by_medians:
            if self.at is None or self.versus is None:
                return f"by medians never ({NO_INTERVAL})"
            ratio = format_ratio(1 / self.versus.estimate)
            if self.always:
                return f"by medians always ({ratio} at {param}={format_value(self.at)}, {NO_INTERVAL})"
            return f"by medians from {param}={format_value(self.at)} ({ratio}, {NO_INTERVAL})"
        if self.at is None or self.versus is None:
            if self.versus is not None and self.versus.kind == "undecided":
                return f"not established: {self.versus.text} at {param}={format_value(self.largest)}"
            return "never"
        where = f"{param}={format_value(self.at)}"
        if self.always:
            return f"always ({self.versus.text} at {where})"
        return f"from {where} ({self.versus.text})"


def crossing(values: Sequence[Value], reference: Sequence[Sample], contender: Sequence[Sample],
             judge: Judge) -> Crossing:
    """The crossover along ``values`` (ascending), given both samples at each value."""
    against = [judge(own, ref) for own, ref in zip(contender, reference, strict=True)]
    by_medians = any(v.ratio is None for v in against)

    def faster(v: Versus) -> bool:
        # before rounds there is no verdict: the medians say where, with no interval
        return v.estimate < 1 if by_medians else v.kind == "faster"

    start = len(values)
    while start > 0 and faster(against[start - 1]):
        start -= 1
    if start == len(values):
        return Crossing(None, False, against[-1], by_medians, values[-1])
    return Crossing(values[start], start == 0, against[start], by_medians, values[-1])


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
         found: list[Decision], judge: Judge) -> CrossoverRow:
    missing = tuple(v for v, s in zip(values, samples, strict=True) if s is None)
    own = [s for s in samples if s is not None]
    if missing:
        return CrossoverRow(contender, None, None, missing)
    # Every point has the baseline, another model than the contender's: ``next`` always finds one.
    others = [next(e.sample for e in d.entries if e.contender.model != contender.model) for d in found]
    return CrossoverRow(contender, crossing(values, refs, own, judge), crossing(values, others, own, judge))


def view_crossovers(view: ScenarioView, found: list[Decision], baseline: str,
                    judge: Judge) -> list[Crossover]:
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
                    rows.append(_row(contender, values, samples, refs, points, judge))
            if rows:
                shown = tuple(p for p in rest if p[0] in varying)
                tables.append(Crossover(view.name, param, rest, shown, tuple(values), baseline, tuple(rows)))
    return tables


def crossovers(views: list[ScenarioView], found: list[Decision], baseline: str,
               judge: Judge) -> list[Crossover]:
    return [table for view in views for table in view_crossovers(view, found, baseline, judge)]


def crossover_table(data: pd.DataFrame | Analysis, baseline: str | None = None) -> pd.DataFrame:
    """Every crossover as a frame: one row per table, contender and reference."""
    analysis = as_analysis(data)
    base = analysis.baseline(baseline)
    rows = []
    for table in crossovers(analysis.views, analysis.decisions, base, analysis.judge):
        for row in table.rows:
            for against, found in ((base, row.baseline), (OTHERS, row.others)):
                rows.append({
                    "scenario": table.scenario, "swept": table.param,
                    **{PARAM_PREFIX + k: v for k, v in table.rest},
                    "contender": row.contender.label, "model": row.contender.model, "against": against,
                    "faster_from": None if found is None else found.at,
                    "always": None if found is None else found.always,
                    "speedup": None if found is None else found.speedup,
                    "verdict": None if found is None or found.at is None or found.versus is None
                    else found.versus.kind,
                    "verdict_text": None if found is None else found.text(table.param),
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
