"""What a run says about its scenarios and models: their order, each scenario's own parameters, summaries.

The run writes it into its ``.runinfo`` under ``registry``::

    {"scenarios": [{"name": ..., "kind": ..., "summary": ..., "params": [...]}, ...],
     "models": [{"name": ..., "summary": ..., "capability": ...}, ...]}

both in registry order and limited to the run's own scenarios and models;
``params`` are the scenario's own parameter names in declaration order (the
rest of a benchmark's ``params`` metadata are the model's).  A report
describes each run as the code that made it described it, and never imports
``benchmarks``: an old results file keeps its own summaries.  Several runs
reported together are merged in order of first appearance (:func:`merge_orders`).
Runs that predate the key are described from their results instead
(:mod:`analysis.data.inferred`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from benchmarks.core.runrecord import RunRecord


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    kind: str | None = None
    summary: str | None = None
    params: tuple[str, ...] = ()  # its own parameters, in declaration order
    inferred: bool = False  # read off the results of a run that predates the registry


@dataclass(frozen=True)
class ModelInfo:
    name: str
    summary: str | None = None
    capability: str | None = None


@dataclass(frozen=True)
class Registry:
    scenarios: tuple[ScenarioInfo, ...] = ()
    models: tuple[ModelInfo, ...] = ()

    @cached_property
    def _scenarios(self) -> dict[str, int]:
        return {s.name: i for i, s in enumerate(self.scenarios)}

    @cached_property
    def _models(self) -> dict[str, int]:
        return {m.name: i for i, m in enumerate(self.models)}

    def scenario(self, name: str) -> ScenarioInfo | None:
        index = self._scenarios.get(name)
        return None if index is None else self.scenarios[index]

    def scenario_key(self, name: str) -> tuple[int, str]:
        """Registry order; a scenario it does not know goes last, by name."""
        index = self._scenarios.get(name)
        return (index, "") if index is not None else (len(self.scenarios), name)

    def model_key(self, name: str) -> tuple[int, str]:
        index = self._models.get(name)
        return (index, "") if index is not None else (len(self.models), name)


#: No run's registry: every scenario and model sorts by name.
UNKNOWN = Registry()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def from_runinfo(record: RunRecord | None) -> Registry | None:
    """The registry a run wrote into its run info; None if it wrote none (or nothing usable).

    The run info is read leniently (:func:`~analysis.data.load.read_runinfo`): a misshapen registry
    is none, and an entry without a name is left out; here, a text that is not one counts as absent."""
    raw = record.registry if record is not None else None
    if raw is None:
        return None
    scenarios = tuple(ScenarioInfo(e.name, _text(e.kind), _text(e.summary),
                                   tuple(p for p in e.params if isinstance(p, str)))
                      for e in raw.scenarios)
    models = tuple(ModelInfo(m.name, _text(m.summary), _text(m.capability)) for m in raw.models)
    return Registry(scenarios, models) if scenarios or models else None


def merge_orders(sequences: Iterable[Sequence[str]]) -> list[str]:
    """Every name once, in an order that keeps each sequence's own order, else first appearance.

    Each run lists its scenarios and models in registry order, but only those it ran:
    ``[sequential, threads]`` and ``[sequential, asyncio, threads]`` merge into
    ``[sequential, asyncio, threads]``, not ``[sequential, threads, asyncio]``.  Where the
    sequences disagree (runs of two versions of the registry), first appearance decides.
    """
    orders = [list(dict.fromkeys(s)) for s in sequences]
    first = list(dict.fromkeys(name for order in orders for name in order))
    after: dict[str, set[str]] = {name: set() for name in first}
    waiting = dict.fromkeys(first, 0)  # how many names must still come before this one
    for order in orders:
        for a, b in itertools.pairwise(order):
            if b not in after[a]:
                after[a].add(b)
                waiting[b] += 1
    merged: list[str] = []
    left = dict.fromkeys(first)
    while left:
        name = next((n for n in left if waiting[n] <= 0), next(iter(left)))
        merged.append(name)
        del left[name]
        for later in after[name]:
            waiting[later] -= 1
    return merged


def _first(values: Iterable[str | None]) -> str | None:
    return next((v for v in values if v is not None), None)


def _scenario(name: str, entries: list[ScenarioInfo]) -> ScenarioInfo:
    # A parameter list a run declared beats one read off another run's results.
    declared = [e for e in entries if not e.inferred] or entries
    return ScenarioInfo(name, _first(e.kind for e in entries), _first(e.summary for e in entries),
                        tuple(merge_orders(e.params for e in declared)), all(e.inferred for e in entries))


def merge(registries: Sequence[Registry]) -> Registry:
    """The registries of several runs as one; an entry's first summary wins."""
    if len(registries) == 1:
        return registries[0]
    scenarios: dict[str, list[ScenarioInfo]] = {}
    models: dict[str, list[ModelInfo]] = {}
    for registry in registries:
        for s in registry.scenarios:
            scenarios.setdefault(s.name, []).append(s)
        for m in registry.models:
            models.setdefault(m.name, []).append(m)
    scenario_order = merge_orders([s.name for s in r.scenarios] for r in registries)
    model_order = merge_orders([m.name for m in r.models] for r in registries)
    return Registry(
        tuple(_scenario(name, scenarios[name]) for name in scenario_order),
        tuple(ModelInfo(name, _first(m.summary for m in models[name]),
                        _first(m.capability for m in models[name])) for name in model_order))
