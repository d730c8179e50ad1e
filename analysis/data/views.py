"""The frame seen as scenarios, parameter points and contenders.

A *point* is one value of each of the scenario's own parameters (``n``,
``latency_ms``, ...): only benchmarks at the same point are compared.  A
*contender* is a model together with its own parameters (``api``,
``workers``, ``start_method``...): ``asyncio (api=taskgroup)`` and
``asyncio (api=gather)`` compete as two entries.  Labels name only the model
parameters that take several values, so a report of default runs reads
``threads``, not ``threads (workers=0)``.

Which parameters belong to the scenario, and the order of scenarios and
models, come from the runs' own registries (:mod:`analysis.data.registry`), or
are read off the results of runs that predate them (:mod:`analysis.data.inferred`).
Nothing depends on knowing a scenario or a model in advance.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

# mypy: disable-error-code="import-untyped"
import pandas as pd

from benchmarks.core.formats import PARAM_PREFIX, param_names

from .._format import Params, Value, format_params, is_number, params_key
from .inferred import own_params, run_registry
from .interpreters import interpreters
from .load import LATENCY_COLUMN, METRIC_PREFIX, METRICS_COUNT
from .registry import Registry
from .samples import Sample


def _cell(value: object) -> object:
    return None if isinstance(value, float) and math.isnan(value) else value


def _number(value: object) -> float | None:
    """A frame cell as a float; None where it is missing (None or NaN)."""
    return float(value) if isinstance(value, numbers.Real) and not math.isnan(value) else None


def _rounds(group: pd.DataFrame) -> tuple[tuple[int, tuple[tuple[float, ...], ...]], ...] | None:
    """The benchmark's values by round and worker process; None if any run has no round."""
    by_round: dict[int, list[tuple[float, ...]]] = {}
    for (_run, number), run in group.groupby(["run", "round"], sort=False, dropna=False):
        if not isinstance(number, numbers.Integral):
            return None  # measured before rounds (or a round lost): no pairing can be trusted
        by_round.setdefault(int(number), []).append(tuple(float(v) for v in run["value"]))
    return tuple((number, tuple(processes)) for number, processes in sorted(by_round.items()))


def _cpu(group: pd.DataFrame) -> tuple[float | None, tuple[tuple[int, float], ...]]:
    """The median CPU time of the values that recorded one, and its median round by round."""
    if "cpu_time" not in group.columns:
        return None, ()
    timed = group[group["cpu_time"].notna()]
    if timed.empty:
        return None, ()
    by_round = tuple((int(number), float(part["cpu_time"].median()))
                     for number, part in timed.groupby("round", sort=True)
                     if isinstance(number, numbers.Integral))
    return float(timed["cpu_time"].median()), by_round


def _units(checksum: object) -> int | None:
    """``"100:336548153886744076"`` (units:digest, as the run records its expected answer) -> 100."""
    count = str(checksum).partition(":")[0]
    return int(count) if count.isdigit() and int(count) > 0 else None


def samples(frame: pd.DataFrame) -> list[Sample]:
    """One Sample per (file, benchmark), in the order of the frame."""
    latency_cols = [(float(m.group(1)), col) for col in frame.columns if (m := LATENCY_COLUMN.match(col))]
    metric_cols = [col for col in frame.columns if col.startswith(METRIC_PREFIX)]
    out = []
    for (file, bench), group in frame.groupby(["file", "benchmark"], sort=False):
        first = group.iloc[0]
        names = param_names(first["params"])
        raw = group["value"] * group["loops"] * group["inner_loops"]
        latency = tuple((pct, float(v)) for pct, col in latency_cols  # type: ignore[arg-type]
                        if (v := _cell(first[col])) is not None)
        metrics = tuple((col.removeprefix(METRIC_PREFIX), v) for col in metric_cols
                        if (v := _number(first[col])) is not None)
        count = _number(first[METRICS_COUNT]) if metrics else None
        cpu_median, cpu_rounds = _cpu(group)
        out.append(Sample(
            file=str(file), benchmark=str(bench), scenario=str(first["scenario"]),
            kind=str(first["scenario_kind"] or "?"), model=str(first["model"]),
            params=tuple((n, first[PARAM_PREFIX + n]) for n in names),
            values=tuple(float(v) for v in group["value"]), unit=str(first["unit"]),
            shortest_raw=float(raw.min()), latency=latency, metrics=metrics,
            metrics_n=int(count or 0), rounds=_rounds(group), units=_units(first.get("expected_checksum")),
            cpu_median=cpu_median, cpu_rounds=cpu_rounds,
        ))
    return out


@dataclass(frozen=True)
class Contender:
    model: str
    variant: Params  # every model-specific parameter
    label: str
    file: str | None = None  # set only when several files hold the same benchmark
    tag: str | None = None  # how the file is named in labels, e.g. "py3.12.1"


@dataclass
class ScenarioView:
    name: str
    kind: str
    point_names: tuple[str, ...]
    points: list[Params] = field(default_factory=list)
    contenders: list[Contender] = field(default_factory=list)
    cells: dict[tuple[Params, Contender], Sample] = field(default_factory=dict)
    #: model -> its parameters that have one value throughout (not in labels)
    fixed: dict[str, Params] = field(default_factory=dict)

    def at(self, point: Params) -> list[tuple[Contender, Sample]]:
        return [(c, self.cells[point, c]) for c in self.contenders if (point, c) in self.cells]

    def label(self, contender: Contender, drop: Iterable[str] = ()) -> str:
        """The model and those of its parameters that vary here (except ``drop``)."""
        skip = set(drop)
        fixed = {name for name, _ in self.fixed.get(contender.model, ())}
        shown = tuple(p for p in contender.variant if p[0] not in fixed and p[0] not in skip)
        text = contender.model + (f" ({format_params(shown)})" if shown else "")
        return text + (f" [{contender.tag}]" if contender.tag else "")

    def shown(self, point: Params) -> Params:
        """The parameters of ``point`` that tell it from the scenario's other points."""
        swept = set(self.swept())
        return tuple(p for p in point if p[0] in swept)

    def swept(self) -> list[str]:
        """Parameters (scenario's first) that take two or more values here."""
        seen: dict[str, set[Value]] = {}
        for sample in self.cells.values():
            for name, value in sample.params:
                seen.setdefault(name, set()).add(value)
        names = [n for n in self.point_names if len(seen.get(n, ())) > 1]
        return names + sorted(n for n, v in seen.items() if len(v) > 1 and n not in self.point_names)


def _point_names(scenario: str, group: list[Sample], registry: Registry) -> tuple[str, ...]:
    info = registry.scenario(scenario)
    present = {n for s in group for n, _ in s.params}
    return tuple(n for n in (info.params if info else own_params(group)) if n in present)


def source_tags(group: Iterable[Sample], frame: pd.DataFrame) -> dict[str, str]:
    """Short names telling files apart: the interpreter (``py3.13.5t``), else host, else the file name."""
    files = list(dict.fromkeys(s.file for s in group))
    found = interpreters(frame)
    tags = {f: f"py{found[f].tag}" for f in files}
    if len(set(tags.values())) == len(files):
        return tags
    first = frame.groupby("file", sort=False)["hostname"].first()
    tags = {f: str(first.get(f)).split()[0] for f in files}
    if len(set(tags.values())) == len(files):
        return tags
    return {f: f for f in files}


def scenario_views(frame: pd.DataFrame, registry: Registry | None = None,
                   found: list[Sample] | None = None) -> list[ScenarioView]:
    """The frame's scenarios in registry order; ``found``: its :func:`samples`, if already built.

    Without a registry, the one read off the frame's results (no run info: none written).
    """
    everything = samples(frame) if found is None else found
    registry = run_registry(everything) if registry is None else registry
    keys = [(s.scenario, s.model, s.params) for s in everything]
    duplicated = len(set(keys)) < len(keys)
    tags = source_tags(everything, frame) if duplicated else {}
    by_scenario: dict[str, list[Sample]] = {}
    for s in everything:
        by_scenario.setdefault(s.scenario, []).append(s)
    views = []
    for name in sorted(by_scenario, key=registry.scenario_key):
        group = by_scenario[name]
        view = ScenarioView(name, group[0].kind, _point_names(name, group, registry))
        split = [(s, tuple(p for p in s.params if p[0] in view.point_names),
                  tuple(p for p in s.params if p[0] not in view.point_names)) for s in group]
        values: dict[tuple[str, str], set[Value]] = {}
        for s, _, variant in split:
            for pname, value in variant:
                values.setdefault((s.model, pname), set()).add(value)
        for s, _, variant in split:
            view.fixed[s.model] = tuple(p for p in variant if len(values[s.model, p[0]]) == 1)
        contenders: dict[Contender, None] = {}
        for s, point, variant in split:
            unlabelled = Contender(s.model, variant, "", s.file if tags else None, tags.get(s.file))
            contender = replace(unlabelled, label=view.label(unlabelled))
            contenders[contender] = None
            view.cells[point, contender] = s
        file_order = list(dict.fromkeys(s.file for s in group))
        view.contenders = sorted(contenders, key=lambda c: (
            registry.model_key(c.model), params_key(c.variant), file_order.index(c.file) if c.file else 0))
        view.points = sorted({point for point, _ in view.cells}, key=params_key)
        views.append(view)
    return views


def point_label(view: ScenarioView, point: Params, code: bool = True) -> str:
    """`` `tcp_echo` message_bytes=100 ``: the scenario and what tells this point from its others."""
    shown = view.shown(point)
    return (f"`{view.name}`" if code else view.name) + (f" {format_params(shown)}" if shown else "")


def scaling_params(view: ScenarioView) -> list[str]:
    """Swept parameters that are quantities (concurrency, size...), not choices (api, start method).

    A sweep such as ``concurrency=10,100,unbounded`` qualifies: the word goes last on the axis.
    """
    numeric = {n for s in view.cells.values() for n, v in s.params if is_number(v)}
    return [n for n in view.swept() if n in numeric]
