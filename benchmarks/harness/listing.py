"""``python -m benchmarks list``: scenarios, models, their parameters, the matrix."""

from __future__ import annotations

from collections.abc import Iterable

from benchmarks.core.formats import format_value
from benchmarks.core.params import Param
from benchmarks.harness.plan import plan
from benchmarks.harness.profiles import Profile
from benchmarks.harness.registry import MODELS, SCENARIOS


def _param_lines(params: Iterable[Param], profile: Profile) -> list[str]:
    lines = []
    for p in params:
        sweep = ",".join(format_value(v) for v in p.sweep(profile.quick_params))
        lines.append(f"      --param {p.name}={sweep}  ({p.help}; {p.describe_valid()})")
    return lines


def listing(profile: Profile) -> str:
    lines = [f"Scenarios (parameters as in the {profile.name!r} profile):"]
    for scenario in SCENARIOS.values():
        lines.append(f"  {scenario.name} [{scenario.kind}]: {scenario.summary}")
        lines += _param_lines(scenario.params, profile)
    lines.append("Models:")
    for model in MODELS.values():
        lines.append(f"  {model.name}: {model.summary}")
        lines += _param_lines(model.params, profile)
    cases, unsupported = plan(profile=profile)
    lines.append(f"Matrix: {len(cases)} benchmark(s), {len(unsupported)} unsupported")
    width = max(len(name) for name in SCENARIOS)
    header = " ".join(f"{name:>16}" for name in MODELS)
    lines.append(f"  {'':{width}} {header}")
    for s_name in SCENARIOS:
        cells = []
        for m_name in MODELS:
            ok = sum(1 for c in cases if c.scenario.name == s_name and c.model.name == m_name)
            no = sum(1 for c, _ in unsupported if c.scenario.name == s_name and c.model.name == m_name)
            cells.append(f"{ok} run" + (f", {no} unsup." if no else ""))
        lines.append(f"  {s_name:{width}} " + " ".join(f"{cell:>16}" for cell in cells))
    if unsupported:
        lines.append("Unsupported:")
        lines += [f"  {case.name}: {reason}" for case, reason in unsupported]
    return "\n".join(lines)
