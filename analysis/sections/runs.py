"""What the ``.runinfo`` side files add to a report: pairs not timed, and how each run went.

A pyperf file only holds what was measured.  The run info says which pairs
were never run (unsupported, with the reason) and which failed verification or
timing (with the error), so a reader can tell "slow" from "missing".  When a
side file is absent the report says those pairs are unknown, never "none".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._format import Params, format_params, params_key
from ..data.load import RunInfo
from ..data.registry import UNKNOWN, Registry
from ..render.document import Block, Para, Table


def _params(record: Mapping[str, Any], order: Sequence[str] = ()) -> Params:
    """The record's parameters, in ``order`` (run info files store them sorted by name)."""
    params = record.get("params")
    if not isinstance(params, dict):
        return ()
    rank = {name: i for i, name in enumerate(order)}
    return tuple(sorted(params.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _records(runinfos: Sequence[RunInfo], kind: str, scenario: str, order: Sequence[str],
             registry: Registry) -> list[tuple[RunInfo, dict[str, Any]]]:
    found = [(ri, rec) for ri in runinfos for rec in getattr(ri, kind)
             if isinstance(rec, dict) and rec.get("scenario") == scenario]
    return sorted(found, key=lambda pair: (registry.model_key(str(pair[1].get("model"))),
                                           params_key(_params(pair[1], order)), pair[0].results))


def runinfo_scenarios(runinfos: Sequence[RunInfo], registry: Registry) -> list[str]:
    """Scenarios named by an unsupported or failed pair, in registry order."""
    names = {str(rec.get("scenario")) for ri in runinfos for rec in (*ri.unsupported, *ri.failed)
             if isinstance(rec, dict) and rec.get("scenario")}
    return sorted(names, key=registry.scenario_key)


def _table(pairs: list[tuple[RunInfo, dict[str, Any]]], columns: tuple[str, ...],
           several_files: bool, order: Sequence[str]) -> Table:
    rows = []
    for ri, rec in pairs:
        cells = [str(rec.get("model", "?")), format_params(_params(rec, order)),
                 *(" ".join(str(rec.get(c, "?")).split()) for c in columns)]
        rows.append(tuple(([f"`{ri.results}`"] if several_files else []) + cells))
    headers = (("file",) if several_files else ()) + ("model", "parameters", *columns)
    return Table(headers, tuple(rows))


def outcome_blocks(scenario: str, runinfos: Sequence[RunInfo], order: Sequence[str] = (),
                   registry: Registry = UNKNOWN) -> list[Block]:
    """The scenario's unsupported and failed pairs, from every results file's run info.

    ``order`` lists parameter names in the order to show them (the scenario's first);
    pairs are sorted by model, in ``registry`` order.
    """
    several = len(runinfos) > 1
    blocks: list[Block] = []
    unknown = [f"`{ri.results}`" for ri in runinfos if ri.problem]
    kinds = (("unsupported", "Unsupported pairs (not run)", ("reason",)),
             ("failed", "Failed pairs (not timed, or timing failed)", ("stage", "error")))
    for kind, title, columns in kinds:
        pairs = _records(runinfos, kind, scenario, order, registry)
        if pairs:
            blocks += [Para(f"**{title}:**"), _table(pairs, columns, several, order)]
        elif not unknown:
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
        data = ri.data
        command = " ".join(str(part) for part in data.get("command") or ["?"])
        finished = f"{data.get('completed', '?')} of {data.get('planned', '?')}"
        rows.append((f"`{ri.results}`", f"`{command}`", str(data.get("profile", "?")), finished,
                     "yes" if data.get("interrupted") else "no", str(len(ri.unsupported)),
                     str(len(ri.failed))))
    blocks: list[Block] = []
    if rows:
        headers = ("results", "command", "profile", "timed", "interrupted", "unsupported", "failed")
        blocks.append(Table(headers, tuple(rows), "lllrlrr"))
    return blocks + notes
