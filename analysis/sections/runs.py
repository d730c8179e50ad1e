"""What the ``.runinfo`` side files add to a report: pairs not timed, and how each run went.

A pyperf file only holds what was measured.  The run info says which pairs
were never run (unsupported, with the reason) and which failed verification or
timing (with the error), so a reader can tell "slow" from "missing".  When a
side file is absent the report says those pairs are unknown, never "none".
"""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.core.runrecord import PairEntry, RunRecord

from .._format import Params, format_params, params_key
from ..data.load import RunInfo, recorded
from ..data.registry import UNKNOWN, Registry
from ..render.document import Block, Para, Table


def _params(record: PairEntry, order: Sequence[str] = ()) -> Params:
    """The record's parameters, in ``order`` (run info files store them sorted by name)."""
    rank = {name: i for i, name in enumerate(order)}
    return tuple(sorted(record.params.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _records(runinfos: Sequence[RunInfo], kind: str, scenario: str, order: Sequence[str],
             registry: Registry) -> list[tuple[RunInfo, PairEntry]]:
    found = [(ri, rec) for ri in runinfos for rec in (ri.unsupported if kind == "unsupported" else ri.failed)
             if rec.scenario == scenario]
    return sorted(found, key=lambda pair: (registry.model_key(str(recorded(pair[1], "model", None))),
                                           params_key(_params(pair[1], order)), pair[0].results))


def runinfo_scenarios(runinfos: Sequence[RunInfo], registry: Registry) -> list[str]:
    """Scenarios named by an unsupported or failed pair, in registry order."""
    names = {str(rec.scenario) for ri in runinfos for rec in (*ri.unsupported, *ri.failed) if rec.scenario}
    return sorted(names, key=registry.scenario_key)


def _table(pairs: list[tuple[RunInfo, PairEntry]], columns: tuple[str, ...],
           several_files: bool, order: Sequence[str]) -> Table:
    rows = []
    for ri, rec in pairs:
        # a key the file lacks shows as "?"
        cells = [str(recorded(rec, "model")), format_params(_params(rec, order)),
                 *(" ".join(str(recorded(rec, c)).split()) for c in columns)]
        rows.append(tuple(([f"`{ri.results}`"] if several_files else []) + cells))
    headers = (("file",) if several_files else ()) + ("model", "parameters", *columns)
    return Table(headers, tuple(rows))


def _grouped(pairs: list[tuple[RunInfo, PairEntry]], several_files: bool, order: Sequence[str],
             own: Sequence[str]) -> Table:
    """Unsupported pairs, one row per model and reason: the points it covers, by the scenario's own
    parameters (``own``) that tell them apart, or "every point"."""
    points = [_params(rec, order) for _, rec in pairs]
    varying = {name for name in own if len({dict(p).get(name) for p in points}) > 1}
    every = {tuple(kv for kv in p if kv[0] in varying) for p in points}
    groups: dict[tuple[str, str, str], list[Params]] = {}
    for (ri, rec), point in zip(pairs, points, strict=True):
        key = (ri.results, str(recorded(rec, "model")), " ".join(str(recorded(rec, "reason")).split()))
        groups.setdefault(key, []).append(tuple(kv for kv in point if kv[0] in varying))
    # models left out at the same points for the same reason share a row
    merged: dict[tuple[str, str, str], list[str]] = {}
    for (results, model, reason), found in groups.items():
        where = ("every point" if set(found) == every
                 else "; ".join(format_params(p) for p in dict.fromkeys(found)))
        merged.setdefault((results, where, reason), []).append(model)
    rows = [tuple(([f"`{results}`"] if several_files else []) + [", ".join(models), where, reason])
            for (results, where, reason), models in merged.items()]
    headers = (("file",) if several_files else ()) + ("model", "parameters", "reason")
    return Table(headers, tuple(rows))


def outcome_blocks(scenario: str, runinfos: Sequence[RunInfo], order: Sequence[str] = (),
                   registry: Registry = UNKNOWN, own: Sequence[str] | None = None,
                   why: str | None = None) -> list[Block]:
    """The scenario's unsupported and failed pairs, from every results file's run info.

    ``order`` lists parameter names in the order to show them (the scenario's first); ``own``: the
    scenario's parameters (default: ``order``), by which the unsupported pairs of a model are grouped;
    ``why``: where their reasons are (a link), to name the models alone here;
    pairs are sorted by model, in ``registry`` order.
    """
    several = len(runinfos) > 1
    blocks: list[Block] = []
    unknown = [f"`{ri.results}`" for ri in runinfos if ri.problem]
    kinds = (("unsupported", "Unsupported pairs (not run)", ("reason",)),
             ("failed", "Failed pairs (not timed, or timing failed)", ("stage", "error")))
    for kind, title, columns in kinds:
        pairs = _records(runinfos, kind, scenario, order, registry)
        if pairs and kind == "unsupported" and why is not None:
            models = ", ".join(dict.fromkeys(str(recorded(rec, "model")) for _, rec in pairs))
            blocks.append(Para(f"**Not run** (unsupported here, [why]({why})): {models}."))
        elif pairs:
            table = (_grouped(pairs, several, order, order if own is None else own) if kind == "unsupported"
                     else _table(pairs, columns, several, order))
            blocks += [Para(f"**{title}:**"), table]
        elif not unknown and why is None:  # the report says it once, in its Runs table
            blocks.append(Para(f"{title}: none."))
    if unknown:
        blocks.append(Para(f"Unsupported and failed pairs of {', '.join(unknown)}: unknown, "
                           "no run info (see Runs)."))
    return blocks


def run_blocks(runinfos: Sequence[RunInfo]) -> list[Block]:
    """One row per results file: the command, the profile and how many pairs finished."""
    rows = []
    notes: list[Block] = []
    for ri in runinfos:
        if ri.problem:
            notes.append(Para(f"`{ri.results}`: run info `{ri.path.name}` {ri.problem}: the command, "
                              "unsupported and failed pairs are unknown."))
            continue
        record = ri.record or RunRecord()
        command = " ".join(str(part) for part in record.command or ["?"])
        finished = f"{recorded(record, 'completed')} of {recorded(record, 'planned')}"
        rows.append((f"`{ri.results}`", f"`{command}`", str(recorded(record, "profile")), finished,
                     "yes" if record.interrupted else "no", str(len(ri.unsupported)),
                     str(len(ri.failed))))
    blocks: list[Block] = []
    if rows:
        headers = ("results", "command", "profile", "timed", "interrupted", "unsupported", "failed")
        blocks.append(Table(headers, tuple(rows), "lllrlrr"))
    return blocks + notes
