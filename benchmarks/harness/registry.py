"""The registry: every scenario and every model, by name.

Adding a scenario or a model is one module plus one entry here.  The matrix
(scenario x model x parameter sweep) is derived in :mod:`benchmarks.harness.plan`.
Scenarios and models defined elsewhere join at run time through a *plugin*:
a module with ``SCENARIOS`` and / or ``MODELS`` lists, named with
``--plugin MODULE`` on the command line (and forwarded to every pyperf worker).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.core.contract import Command, Model, Scenario
from benchmarks.core.params import BadInput
from benchmarks.models import (
    anyio_taskgroup,
    anyio_to_process,
    anyio_to_thread,
    asyncio_loop,
    dask_cluster,
    executor_process,
    executor_thread,
    gevent_greenlets,
    loop_per_thread,
    processes,
    rloop_loop,
    rsloop_loop,
    sequential,
    subinterpreters,
    talyn_loop,
    threads,
    to_thread,
    trio_nursery,
    trio_to_thread,
    uringcore_loop,
    uvloop_loop,
    veloxloop_loop,
    zuvloop_loop,
)
from benchmarks.scenarios import (
    cancel_timeout,
    cpu_hash,
    cpu_pure,
    file_io,
    granularity,
    pipeline,
    primitives,
    retry_ratelimit,
    rpc_fanout,
    sleep_fanout,
    spawn,
    tcp_echo,
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        sleep_fanout.SCENARIO,
        cpu_pure.SCENARIO,
        cpu_hash.SCENARIO,
        file_io.SCENARIO,
        rpc_fanout.SCENARIO,
        tcp_echo.SCENARIO,
        spawn.SCENARIO,
        granularity.SCENARIO,
        primitives.SCENARIO,
        pipeline.SCENARIO,
        cancel_timeout.SCENARIO,
        retry_ratelimit.SCENARIO,
    )
}

MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        sequential.MODEL,
        asyncio_loop.MODEL,
        uvloop_loop.MODEL,
        rloop_loop.MODEL,
        veloxloop_loop.MODEL,
        rsloop_loop.MODEL,
        talyn_loop.MODEL,
        zuvloop_loop.MODEL,
        uringcore_loop.MODEL,
        threads.MODEL,
        loop_per_thread.MODEL,
        processes.MODEL,
        to_thread.MODEL,
        executor_thread.MODEL,
        executor_process.MODEL,
        subinterpreters.MODEL,
        trio_nursery.MODEL,
        trio_to_thread.MODEL,
        anyio_taskgroup.MODEL,
        anyio_to_thread.MODEL,
        anyio_to_process.MODEL,
        gevent_greenlets.MODEL,
        dask_cluster.MODEL,
    )
}


T = TypeVar("T", Scenario, Model)


def _add(registry: dict[str, T], item: T, what: str) -> None:
    if registry.get(item.name, item) is not item:
        raise BadInput(f"a {what} named {item.name!r} is already registered")
    registry[item.name] = item


def register(scenarios: Iterable[Scenario] = (), models: Iterable[Model] = ()) -> None:
    """Add scenarios and models after the built-in ones; a name already taken is refused."""
    for scenario in scenarios:
        _add(SCENARIOS, scenario, "scenario")
    for model in models:
        _add(MODELS, model, "model")


#: a dotted module name, as ``import`` takes it
_MODULE_NAME = re.compile(r"[^\W\d]\w*(\.[^\W\d]\w*)*")


def load_plugins(modules: Sequence[str]) -> list[Scenario]:
    """Import each plugin module and register its ``SCENARIOS`` and ``MODELS``; a path (``x.py``,
    ``dir/x``) is a user's workload file, each of its workloads a scenario.  Returns the scenarios
    registered, in order."""
    added: list[Scenario] = []
    for name in modules:
        if is_path(name):
            added += _load_workloads(name)
            continue
        if not _MODULE_NAME.fullmatch(name):
            raise BadInput(f"invalid --plugin {name!r}: expected a module name such as "
                           "mypackage.scenarios, or a workload file such as mywork.py")
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise BadInput(f"cannot import plugin {name!r}: {exc}") from None
        except Exception as exc:  # the plugin's own code failed as it was imported: say so in one line
            why = " ".join(str(exc).split())
            raise BadInput(f"cannot import plugin {name!r}: {type(exc).__name__}: {why}") from None
        scenarios = list(getattr(module, "SCENARIOS", ()))
        models = list(getattr(module, "MODELS", ()))
        if not scenarios and not models:
            raise BadInput(f"plugin {name!r} defines neither SCENARIOS nor MODELS")
        wrong = [x for x in scenarios if not isinstance(x, Scenario)] + [
            x for x in models if not isinstance(x, Model)]
        if wrong:
            raise BadInput(f"plugin {name!r}: SCENARIOS must list Scenario instances and MODELS Model "
                           f"instances, not {type(wrong[0]).__name__}")
        register(scenarios, models)
        added += scenarios
    return added


def is_path(spec: str) -> bool:
    """Whether a ``--plugin`` value is a workload file rather than a module name."""
    from concbench._engine.loader import is_path as file_like

    return file_like(spec)


def _load_workloads(path: str) -> list[Scenario]:
    """The workloads of a user's file as scenarios, registered (loading it twice adds nothing)."""
    from concbench._engine.loader import LoadError, load, workloads
    from concbench._engine.scenario import WorkloadScenario, scenario_for

    try:
        found = workloads(load(path))
        if not found:
            raise LoadError(f"{path} defines no workload: assign concbench.workload(...) to a global")
        taken = {p.name for model in MODELS.values() for p in model.params}
        added: list[Scenario] = []
        for name, (attr, workload) in found.items():
            have = SCENARIOS.get(name)
            if isinstance(have, WorkloadScenario) and have.workload is workload:
                added.append(have)  # the same file named twice
                continue
            if have is not None:
                raise LoadError(f"{path}: workload {name!r} has the name of a registered scenario: "
                                "give it another name= (taken: " + ", ".join(SCENARIOS) + ")")
            added.append(scenario_for(name, attr, workload, str(Path(path).resolve()), sorted(taken)))
    except LoadError as exc:
        raise BadInput(str(exc)) from None
    register(added)
    return added


def commands() -> list[Command]:
    """The verbs the registered scenarios add to the command line, in registry order; a kind of
    command that several scenarios offer (a subclass's inherited ``serve``) is listed once."""
    found: dict[str, Command] = {}
    for scenario in SCENARIOS.values():
        for command in scenario.commands():
            taken = found.setdefault(command.name, command)
            if type(taken) is not type(command):
                raise ValueError(f"scenario {scenario.name!r} adds a command {command.name!r}, "
                                 "which another scenario's command already is")
    return list(found.values())


def registry_record(*selections: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """The scenarios and models of a run, in registry order, for its ``.runinfo``: the report
    describes a results file with what the run recorded, not with today's registry.

    ``selections`` are iterables of planned cases, or of ``(case, reason)`` pairs.
    """
    scenarios: set[str] = set()
    models: set[str] = set()
    for selection in selections:
        for item in selection:
            case = item[0] if isinstance(item, tuple) else item
            scenarios.add(case.scenario.name)
            models.add(case.model.name)
    return {
        "scenarios": [{"name": s.name, "kind": s.kind, "summary": s.summary,
                       "params": [p.name for p in s.params]}
                      for s in SCENARIOS.values() if s.name in scenarios],
        "models": [{"name": m.name, "summary": m.summary, "capability": m.capability.describe()}
                   for m in MODELS.values() if m.name in models],
    }
