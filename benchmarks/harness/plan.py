"""From a selection on the command line to the ordered list of benchmarks.

The order is deterministic (registry order, then parameter sweeps in
declaration order) because pyperf workers pick their benchmark by position.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from benchmarks.core.contract import Model, Scenario, Session
from benchmarks.core.formats import format_value
from benchmarks.core.params import BadInput, Param, Value
from benchmarks.core.work import Checksum, Work
from benchmarks.harness.profiles import PROFILES, Profile
from benchmarks.harness.registry import MODELS, SCENARIOS


@dataclass(frozen=True)
class Case:
    """One benchmark: a scenario, a model and one value of every parameter."""

    scenario: Scenario
    model: Model
    params: Mapping[str, Value]

    @property
    def name(self) -> str:
        values = ",".join(f"{k}={format_value(v)}" for k, v in self.params.items())
        return f"{self.scenario.name}/{self.model.name}[{values}]"

    @cached_property
    def work(self) -> Work:
        return self.scenario.work(self.params)

    @cached_property
    def expected(self) -> Checksum:
        return self.scenario.expected(self.params)

    def know_expected(self, expected: Checksum) -> None:
        """Take the master's checksum for this case: a pyperf worker need not compute it again
        (for a user's workload, that is the whole workload run once more)."""
        self.__dict__["expected"] = expected  # what the cached property would have stored

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Scenario resources, then the model's pools and loop: ready to time ``run``."""
        with self.scenario.prepared(self.params) as work, \
                self.scenario.open_session(self.model, work, self.params) as session:
            yield session

    def unsupported(self) -> str | None:
        # the model first: what this interpreter lacks (uvloop, 3.13's subinterpreters) is the
        # reason, and a scenario's own check may need what is missing (spawn probes the loop)
        return (self.model.unsupported(self.scenario, self.params)
                or self.scenario.unsupported(self.model, self.params))

    def metadata(self) -> dict[str, Value]:
        """Everything the analysis needs, as columns: never parse the name."""
        meta: dict[str, Value] = {
            "scenario": self.scenario.name,
            "scenario_kind": self.scenario.kind,
            "model": self.model.name,
            "params": ",".join(self.params),
            "expected_checksum": str(self.expected),
        }
        meta.update({f"param_{k}": v for k, v in self.params.items()})
        meta.update(self.scenario.metadata(self.params))
        meta.update(self.scenario.model_metadata(self.model, self.work, self.params))
        return meta

    def record(self, **extra: object) -> dict[str, object]:
        """A JSON-ready description, for the run info file."""
        return {"name": self.name, "scenario": self.scenario.name, "model": self.model.name,
                "params": dict(self.params), **extra}


def choose(kind: str, names: Sequence[str], registry: Mapping[str, object]) -> list[str]:
    if not names:
        return list(registry)
    for name in names:
        if name not in registry:
            raise BadInput(f"unknown {kind} {name!r}: choose from {', '.join(registry)}")
    # registry order, whatever the command-line order, without duplicates
    return [name for name in registry if name in names]


def _sweep(param: Param, overrides: Mapping[str, list[str]], quick: bool,
           variant: bool = False) -> tuple[Value, ...]:
    """The values of ``param``; ``variant``: a model's parameter (how it runs, not what it runs),
    of which a quick profile takes the first value only, unless the parameter says otherwise."""
    if param.name in overrides:
        return tuple(dict.fromkeys(param.parse(text) for text in overrides[param.name]))
    values = param.sweep(quick)
    if quick and variant and param.quick is None:
        values = values[:1]
    return tuple(param.check(v) for v in values)


def plan(
    scenarios: Sequence[str] = (),
    models: Sequence[str] = (),
    overrides: Mapping[str, list[str]] | None = None,
    profile: Profile = PROFILES["default"],
) -> tuple[list[Case], list[tuple[Case, str]]]:
    """Expand a selection into (runnable cases, unsupported cases with reasons)."""
    overrides = overrides or {}
    chosen_s = [SCENARIOS[n] for n in choose("scenario", scenarios, SCENARIOS)]
    chosen_m = [MODELS[n] for n in choose("model", models, MODELS)]
    known = {p.name for s in chosen_s for p in s.params}
    known |= {p.name for s in chosen_s for m in chosen_m for p in s.model_params(m)}
    for name in overrides:
        if name not in known:
            raise BadInput(
                f"unknown parameter {name!r} for the selected benchmarks: "
                f"choose from {', '.join(sorted(known))}"
            )
    runnable: list[Case] = []
    unsupported: list[tuple[Case, str]] = []
    for scenario, model in itertools.product(chosen_s, chosen_m):
        variants = scenario.model_params(model)
        declared = (*scenario.params, *variants)
        sweeps = [_sweep(p, overrides, profile.quick_params, p in variants) for p in declared]
        seen: set[tuple[tuple[str, Value], ...]] = set()
        for values in itertools.product(*sweeps):
            params = scenario.relevant(dict(zip((p.name for p in declared), values, strict=True)))
            if tuple(params.items()) in seen:
                continue  # differs from an earlier point only in parameters that do not apply
            seen.add(tuple(params.items()))
            case = Case(scenario, model, dict(params))
            reason = case.unsupported()
            if reason is None:
                runnable.append(case)
            else:
                unsupported.append((case, reason))
    return runnable, unsupported
