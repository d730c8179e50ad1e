"""``python -m benchmarks list``: scenarios, models, their parameters, the matrix; and, with
``--declined``, the declined pairs alone, in the plain sorted form ``tests/data/declined.txt``
keeps (a test compares it with the code's)."""

from __future__ import annotations

import json
import sys
import sysconfig
from collections.abc import Iterable, Sequence

from benchmarks.core.formats import format_value
from benchmarks.core.params import Param
from benchmarks.harness.plan import Case, choose, plan
from benchmarks.harness.profiles import Profile
from benchmarks.harness.registry import MODELS, SCENARIOS


def _param_lines(params: Iterable[Param], profile: Profile) -> list[str]:
    lines = []
    for p in params:
        sweep = ",".join(format_value(v) for v in p.sweep(profile.quick_params))
        lines.append(f"      --param {p.name}={sweep}  ({p.help}; {p.describe_valid()})")
    return lines


def listing(profile: Profile, scenarios: Sequence[str] = (), models: Sequence[str] = ()) -> str:
    """Everything, or only ``scenarios`` and ``models`` (default: all), with their pairs."""
    chosen = {name: SCENARIOS[name] for name in choose("scenario", scenarios, SCENARIOS)}
    chosen_models = {name: MODELS[name] for name in choose("model", models, MODELS)}
    lines = [f"Scenarios (parameters as in the {profile.name!r} profile):"]
    for scenario in chosen.values():
        lines.append(f"  {scenario.name} [{scenario.kind}]: {scenario.summary}")
        lines += _param_lines(scenario.params, profile)
    lines.append("Models:")
    for model in chosen_models.values():
        lines.append(f"  {model.name}: {model.summary}")
        lines += _param_lines(model.params, profile)
    cases, unsupported = plan(list(chosen), list(chosen_models), profile=profile)
    lines.append(f"Matrix: {len(cases)} benchmark(s), {len(unsupported)} unsupported")
    width = max(len(name) for name in chosen)
    header = " ".join(f"{name:>16}" for name in chosen_models)
    lines.append(f"  {'':{width}} {header}")
    for s_name in chosen:
        cells = []
        for m_name in chosen_models:
            ok = sum(1 for c in cases if c.scenario.name == s_name and c.model.name == m_name)
            no = sum(1 for c, _ in unsupported if c.scenario.name == s_name and c.model.name == m_name)
            cells.append(f"{ok} run" + (f", {no} unsup." if no else ""))
        lines.append(f"  {s_name:{width}} " + " ".join(f"{cell:>16}" for cell in cells))
    if unsupported:
        lines.append("Unsupported:")
        lines += [f"  {case.name}: {reason}" for case, reason in unsupported]
    return "\n".join(lines)


def _params_json(params: Iterable[Param], profile: Profile) -> list[dict[str, object]]:
    return [{"name": p.name, "values": list(p.sweep(profile.quick_params)), "help": p.help,
             "valid": p.describe_valid()} for p in params]


def listing_json(profile: Profile, scenarios: Sequence[str] = (), models: Sequence[str] = ()) -> str:
    """``list --json``: the same selection as :func:`listing`, as JSON of a stable shape (version 1,
    docs/running.md): ``profile``, ``scenarios`` and ``models`` (each ``name``, ``summary``,
    ``params``; scenarios also ``kind``), ``pairs`` (``benchmark``, ``scenario``, ``model``,
    ``params``) and ``unsupported`` (the same, and ``reason``), in registry order."""
    chosen = choose("scenario", scenarios, SCENARIOS)
    chosen_models = choose("model", models, MODELS)
    cases, unsupported = plan(chosen, chosen_models, profile=profile)

    def pair(case: Case) -> dict[str, object]:
        return {"benchmark": case.name, "scenario": case.scenario.name, "model": case.model.name,
                "params": dict(case.params)}

    document = {
        "version": 1,
        "profile": profile.name,
        "scenarios": [{"name": s.name, "kind": s.kind, "summary": s.summary,
                       "params": _params_json(s.params, profile)} for s in (SCENARIOS[n] for n in chosen)],
        "models": [{"name": m.name, "summary": m.summary, "params": _params_json(m.params, profile)}
                   for m in (MODELS[n] for n in chosen_models)],
        "pairs": [pair(c) for c in cases],
        "unsupported": [{**pair(c), "reason": reason} for c, reason in unsupported],
    }
    return json.dumps(document, indent=1)


def interpreter() -> str:
    """This interpreter as the declined pairs depend on it: "3.11", "3.13t" (free-threaded)."""
    threading = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
    return f"{sys.version_info.major}.{sys.version_info.minor}{threading}"


def unavailable_models() -> list[str]:
    """The registered models whose capability cannot run here at all (a library not installed,
    subinterpreters before 3.13): every pair of theirs is declined with that one reason."""
    return [name for name, model in MODELS.items() if model.capability.unsupported({}) is not None]


def declined(profile: Profile) -> str:
    """The pairs ``profile`` declines, one line per pair and reason, sorted: ``scenario/model
    [all]: reason`` (every parameter point of the pair declined) or ``[some]`` (only some).

    The header names the interpreter and the models unavailable on it, whose pairs are left
    out: their one reason says what this interpreter lacks, not what the suite decided.
    """
    cases, unsupported = plan(profile=profile)
    unavailable = unavailable_models()
    runnable = {(c.scenario.name, c.model.name) for c in cases}
    lines = sorted({f"{c.scenario.name}/{c.model.name} "
                    f"[{'some' if (c.scenario.name, c.model.name) in runnable else 'all'}]: {reason}"
                    for c, reason in unsupported if c.model.name not in unavailable})
    header = [f"# python -m benchmarks list --declined --profile {profile.name}: declined pairs, and why",
              f"# python: {interpreter()}",
              f"# unavailable, left out: {', '.join(unavailable) or '-'}",
              "# [all]: every parameter point of the pair is declined; [some]: only some"]
    return "\n".join(header + lines)
