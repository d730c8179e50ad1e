"""Every registered (scenario, model) pair computes the scenario's expected answer, or is declined
as tests/data/declined.txt says, with its reason."""

from __future__ import annotations

import itertools

import pytest

from benchmarks import MODELS, PROFILES, SCENARIOS, Case, checksum, plan
from benchmarks.harness.listing import declined, unavailable_models
from benchmarks.harness.worker import run_apart
from benchmarks.runtimes.startup import START_METHODS
from tests.support.cli import REPO
from tests.support.tiny import TINY

CASES, UNSUPPORTED = plan(overrides=TINY, profile=PROFILES["quick"])

def run_once(case: Case) -> list[int]:
    # gevent, dask and rloop run apart (a monkey-patched process; a cluster per process; a loop
    # that leaks descriptors), as the master verifies them: the same forked child
    if case.model.capability.apart:
        return run_apart(case)[0]
    with case.session() as session:
        return session.run()


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_same_answer(case: Case) -> None:
    results = run_once(case)
    assert len(results) == case.work.n
    assert checksum(results) == case.expected


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("start_method", START_METHODS)
@pytest.mark.parametrize("model", ["processes", "executor-process"])
def test_every_start_method(model: str, start_method: str) -> None:
    overrides = {"n": TINY["n"], "size": TINY["size"], "start_method": [start_method]}
    cases, _ = plan(["cpu_pure"], [model], overrides)
    (case,) = cases
    assert case.params["start_method"] == start_method
    assert checksum(run_once(case)) == case.expected


#: The pairs the default profile declines, and why, as ``list --declined`` prints them on the
#: suite's reference interpreter: CPython 3.11 with every optional package (make's .venv).
GOLDEN = REPO / "tests" / "data" / "declined.txt"
REGENERATE = ".venv/bin/python -m benchmarks list --declined > tests/data/declined.txt"
PYTHON, UNAVAILABLE = "# python: ", "# unavailable, left out: "


def _header(lines: list[str], prefix: str) -> str:
    (value,) = (line.removeprefix(prefix) for line in lines if line.startswith(prefix))
    return value


def _wholly_declined(lines: list[str], leave_out: set[str]) -> set[str]:
    """The pairs (``scenario/model``) of ``lines`` declined at every parameter point, except
    those of the models in ``leave_out``."""
    pairs = {line.split(" ")[0] for line in lines if not line.startswith("#") and " [all]: " in line}
    return {pair for pair in pairs if pair.split("/")[1] not in leave_out}


def _changes(golden: list[str], live: list[str]) -> str:
    gone = "".join(f"\n  - {line}" for line in golden if line not in live)
    new = "".join(f"\n  + {line}" for line in live if line not in golden)
    return (f"the declined pairs are not those of tests/data/declined.txt:{gone}{new}\n"
            f"if that is meant, regenerate the file: {REGENERATE}")


def test_declined_pairs_are_those_of_the_golden_file() -> None:
    """Each declined pair is a decision, with its reason in the scenario or model: a change to
    one shows here, in the diff of tests/data/declined.txt."""
    golden = GOLDEN.read_text().splitlines()
    live = declined(PROFILES["default"]).splitlines()
    if [line for line in live if line.startswith("#")] == [line for line in golden if line.startswith("#")]:
        assert live == golden, _changes(golden, live)
        return
    # Another interpreter (make test-ft's free-threaded 3.13t, a virtualenv without uvloop): what
    # the environment decides differs, the models it lacks (all of their pairs), the parameter
    # points a Python version lacks (spawn's eager task factory before 3.12), the reasons they
    # add.  Compared here: which pairs of the models available on both are wholly declined.
    leave_out = {*_header(golden, UNAVAILABLE).split(", "), *_header(live, UNAVAILABLE).split(", ")}
    expected, found = _wholly_declined(golden, leave_out), _wholly_declined(live, leave_out)
    assert found == expected, _changes(sorted(expected), sorted(found)) + (
        f" on Python 3.11 with every optional package (this is {_header(live, PYTHON)})")


def test_registry_fully_exercised() -> None:
    """Fails when a registered scenario or model has no runnable pair here, or a pair is neither
    run nor declined with a reason."""
    covered = {(c.scenario.name, c.model.name) for c in CASES}
    declined_pairs = {(c.scenario.name, c.model.name) for c, _ in UNSUPPORTED}
    assert covered | declined_pairs == set(itertools.product(SCENARIOS, MODELS))
    assert {s for s, _ in covered} == set(SCENARIOS)
    # models whose capability this interpreter lacks (subinterpreters before 3.13, uvloop not
    # installed) decline every pair, each with the reason
    assert {m for _, m in covered} == set(MODELS) - set(unavailable_models())
    assert all(len(reason) > 20 for _, reason in UNSUPPORTED)


def test_parameter_names_do_not_collide() -> None:
    for scenario, model in itertools.product(SCENARIOS.values(), MODELS.values()):
        names = [p.name for p in (*scenario.params, *model.params)]
        assert len(names) == len(set(names)), (scenario.name, model.name)


def test_expected_is_independent_of_models() -> None:
    """cpu_pure's closed form agrees with iterating the generator."""
    from benchmarks.scenarios import cpu_pure

    for i in range(5):
        assert cpu_pure.closed_form(i, 1234) == cpu_pure.unit(i, size=1234)
