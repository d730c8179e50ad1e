"""The one table of tiny parameters: every ``Param.tiny`` of the registry, by name.

Small enough that the whole matrix answers in seconds; the same values serve the in-process
tests (``TINY``, plan overrides) and the pyperf runs (``tiny_args``, command-line options).
"""

from __future__ import annotations

from collections.abc import Iterable

from benchmarks import MODELS, SCENARIOS
from benchmarks.core.formats import format_value
from benchmarks.core.params import Param


def _params(scenarios: Iterable[str]) -> list[Param]:
    found = []
    for name in scenarios:
        scenario = SCENARIOS[name]
        found += scenario.params
        for model in MODELS.values():
            found += scenario.model_params(model)
    return found


def tiny(scenarios: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Plan overrides: the tiny sweep of every parameter (of ``scenarios``) that declares one."""
    table: dict[str, list[str]] = {}
    for param in _params(SCENARIOS if scenarios is None else scenarios):
        if param.tiny is None:
            continue
        values = [format_value(v) for v in param.tiny]
        if table.setdefault(param.name, values) != values:
            raise AssertionError(f"two tiny sweeps for parameter {param.name!r}: "
                                 f"{table[param.name]}, {values}")
    return table


def tiny_args(*scenarios: str) -> list[str]:
    """The same table as ``--param`` options for ``python -m benchmarks run``."""
    args = []
    for name, values in tiny(scenarios or None).items():
        args += ["--param", f"{name}={','.join(values)}"]
    return args


TINY = tiny()
TINY_ARGS = tiny_args()


def available_models() -> list[str]:
    """The registered models this interpreter can run (subinterpreters need 3.13+, uvloop must be
    installed): the rest decline every pair with the reason, which test_same_answer checks."""
    return [name for name, model in MODELS.items() if model.capability.unsupported({}) is None]


def models_of(scenario: str, overrides: dict[str, list[str]] | None = None) -> list[str]:
    """The models with a runnable pair of ``scenario`` here."""
    from benchmarks import plan

    cases, _ = plan([scenario], overrides=overrides or {})
    return list(dict.fromkeys(case.model.name for case in cases))
