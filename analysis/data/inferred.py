"""The registry of each results file: the one its run wrote, else one read off its results.

Runs that predate the ``registry`` key of ``.runinfo`` are described from what
they hold, without summaries.  Order: the harness plans scenario by scenario in
registry order and, within a scenario, model by model, so each scenario's
models appear in registry order, in the results file and in each list of pairs
not timed; :func:`~analysis.data.registry.merge_orders` makes one order of those
lists, so a model that the first scenario did not run still gets its place.

A scenario's own parameters: every benchmark's ``params`` lists the
scenario's parameters (those that apply at that point) before the model's,
and a scenario sweeps its parameters alike for every model, unsupported pairs
only taking values away.  So, from the first name on, a name is the
scenario's if every benchmark of the group has it in that position, at least
two models ran there (one model alone cannot tell its own parameters from the
scenario's, unless the scenario has only one) and the sets of values the
models took are nested.  The group is then split by its value, as a
scenario's variants (``op=deadline``, ``op=shutdown``) may take different
parameters.  That keeps a parameter that some models never ran (``n`` of
``op=shutdown``) and leaves out one that every model has but sweeps in its
own way (``deadline``: ``none, alarm`` for one model, ``none, timeout`` for
another).  What the results cannot tell apart (a model parameter of the same
name and values in every model that ran) counts as the scenario's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from benchmarks.core.runrecord import PairEntry

from .._format import Value
from .load import RunInfo
from .registry import ModelInfo, Registry, ScenarioInfo, from_runinfo, merge, merge_orders
from .samples import Sample


def _nested(members: Sequence[Sample], depth: int) -> bool:
    """Each model's set of values in this position contains the next smaller one."""
    values: dict[str, set[Value]] = {}
    for s in members:
        values.setdefault(s.model, set()).add(s.params[depth][1])
    sets = sorted(values.values(), key=len)
    return all(small <= large for small, large in itertools.pairwise(sets))


def own_params(group: Sequence[Sample]) -> tuple[str, ...]:
    """The parameters of a scenario, from its benchmarks (see the module docstring)."""
    several = len({s.model for s in group}) > 1
    branches: list[list[str]] = []

    def walk(members: Sequence[Sample], depth: int, names: list[str]) -> None:
        at = {s.params[depth][0] if depth < len(s.params) else None for s in members}
        name = at.pop() if len(at) == 1 else None
        if name is None or (several and len({s.model for s in members}) < 2) or not _nested(members, depth):
            branches.append(names)
            return
        by_value: dict[Value, list[Sample]] = {}
        for s in members:
            by_value.setdefault(s.params[depth][1], []).append(s)
        for split in by_value.values():
            walk(split, depth + 1, [*names, name])

    walk(group, 0, [])
    return tuple(merge_orders(branches))


def _pairs(records: Iterable[PairEntry]) -> list[tuple[str, str]]:
    return [(str(r.scenario), str(r.model)) for r in records if r.scenario and r.model]


def infer_registry(found: Sequence[Sample], untimed: Iterable[Iterable[PairEntry]] = ()) -> Registry:
    """A registry read off one run's benchmarks and its lists of pairs not timed (each in plan order)."""
    sources = [[(s.scenario, s.model) for s in found], *(_pairs(records) for records in untimed)]
    model_orders: list[list[str]] = []
    for pairs in sources:
        by_scenario: dict[str, list[str]] = {}
        for scenario, model in pairs:
            by_scenario.setdefault(scenario, []).append(model)
        model_orders += by_scenario.values()
    groups: dict[str, list[Sample]] = {}
    for s in found:
        groups.setdefault(s.scenario, []).append(s)
    kinds = {s.scenario: s.kind for s in found if s.kind != "?"}
    order = merge_orders([scenario for scenario, _ in pairs] for pairs in sources)
    scenarios = tuple(ScenarioInfo(name, kinds.get(name), params=own_params(groups.get(name, [])),
                                   inferred=True) for name in order)
    return Registry(scenarios, tuple(ModelInfo(name) for name in merge_orders(model_orders)))


def run_registry(found: Sequence[Sample], runinfos: Sequence[RunInfo] = ()) -> Registry:
    """Each results file's registry, in the order of the files, merged into one."""
    files = list(dict.fromkeys([*(s.file for s in found), *(ri.results for ri in runinfos)]))
    registries = []
    for file in files:
        infos = [ri for ri in runinfos if ri.results == file]
        written = [r for ri in infos if (r := from_runinfo(ri.record)) is not None]
        if written:
            registries += written
        else:
            untimed = [records for ri in infos for records in (ri.unsupported, ri.failed)]
            registries.append(infer_registry([s for s in found if s.file == file], untimed))
    return merge(registries) if registries else Registry()
