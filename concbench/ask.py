"""``concbench ask TARGET --model A --model B [--model C]``: which is faster here, and by how much?

TARGET is a scenario of the registry (``concbench list``) or a user's file, ``FILE.py[:NAME]``,
which becomes ``--plugin FILE.py --scenario NAME`` (NAME: the only scenario the file registers,
unless given).  The command measures that scenario under the 2-3 models only, at one parameter
point: a ``--param`` with several values is refused, and a parameter whose default is a sweep is
pinned to its first value (said on stderr, and spelled out in the command it prints).  It runs the
suite's master (``benchmarks.harness``) with the ``ask`` profile: paired, interleaved rounds until
every comparison's 95% interval is within +-2%, or the budget (``--budget``, 2 minutes by default,
verification included) is spent; ``--rounds N`` fixes the count.  Its progress goes to stderr.

On stdout, in this order: the answer, one line per model against the fastest
(:mod:`concbench._answer`); a Markdown block for a pull request's comment; where the results file
and its report are (the report is written after the answer).  Exit status: 0 answered, 1 a model
failed or fewer than two could be measured, 2 bad input (one line naming the valid choices),
130 interrupted (what was measured by then is answered).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from concbench._answer import Request, markdown, missing_lines, read_answer, verdict_line
from concbench.cli import FILE_ARGUMENT

PROG = "concbench ask"
#: ``FILE.py`` or ``FILE.py:NAME``
FILE_TARGET = FILE_ARGUMENT  # as run and list take a file
#: the whole command's time when --budget is not given
DEFAULT_BUDGET = "2m"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming what is valid."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, allow_abbrev=False,
                     description="Which of 2-3 concurrency models is faster for one workload on this "
                                 "machine, and by how much (paired rounds, 95% intervals, +-2% band).")
    parser.add_argument("target", metavar="TARGET",
                        help="a scenario (concbench list) or a file of yours, FILE.py[:NAME]")
    parser.add_argument("--model", action="append", default=[], metavar="M",
                        help="a model to compare (give 2 or 3)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="one value of a parameter (repeatable; a sweep is `concbench run`'s)")
    parser.add_argument("--budget", metavar="DURATION",
                        help=f"time for the whole command, verification included (default: {DEFAULT_BUDGET})")
    parser.add_argument("--rounds", type=int, metavar="N", help="measure exactly N rounds (N >= 1)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="results file (default: results/<time>_<host>_py<version>.json)")
    parser.add_argument("--no-report", action="store_true", help="do not write the full report")
    return parser


# -- what to measure (the registry is imported here, not at module level: `concbench --help`
# stays light)


def scenario_of_plugin(plugin: str, name: str | None) -> str:
    """The scenario ``plugin`` registers: ``name``, else the only one; several without a name, or
    none, is bad input naming the choices."""
    from benchmarks.core.params import BadInput
    from benchmarks.harness.registry import SCENARIOS, load_plugins

    before = set(SCENARIOS)
    load_plugins([plugin])
    added = [s for s in SCENARIOS if s not in before]
    if name is not None:
        if name not in added:
            raise BadInput(f"{plugin} registers no scenario {name!r}: "
                           f"choose from {', '.join(added) or '(none)'}")
        return name
    if not added:
        raise BadInput(f"{plugin} registers no scenario")
    if len(added) > 1:
        raise BadInput(f"{plugin} registers several scenarios: choose one as {plugin}:NAME, "
                       f"NAME one of {', '.join(added)}")
    return added[0]


def resolve_target(target: str) -> tuple[str, str | None]:
    """(scenario, plugin to load or None) for a TARGET."""
    from benchmarks.core.params import BadInput
    from benchmarks.harness.registry import SCENARIOS

    found = FILE_TARGET.fullmatch(target)
    if found:
        return scenario_of_plugin(found["path"], found["name"]), found["path"]
    if target not in SCENARIOS:
        raise BadInput(f"unknown scenario {target!r}: choose from {', '.join(SCENARIOS)}, "
                       "or a file of yours, FILE.py[:NAME]")
    return target, None


def check_models(models: Sequence[str]) -> None:
    from benchmarks.core.params import BadInput
    from benchmarks.harness.registry import MODELS

    for model in models:
        if model not in MODELS:
            raise BadInput(f"unknown model {model!r}: choose from {', '.join(MODELS)}")
    if len(set(models)) != len(models):
        raise BadInput(f"a model is given twice: ask compares 2 or 3 different models, "
                       f"from {', '.join(MODELS)}")
    if not 2 <= len(models) <= 3:
        raise BadInput(f"ask compares 2 or 3 models (--model M, repeated), {len(models)} given: "
                       f"choose from {', '.join(MODELS)}")


def pin_point(scenario: str, models: Sequence[str], typed: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """One value per parameter: the user's (one only), else the first of a default sweep.

    Returns the values to pass on and the names pinned from a default sweep.
    """
    from benchmarks.core.formats import format_value
    from benchmarks.core.params import BadInput, parse_assignments
    from benchmarks.harness.registry import MODELS, SCENARIOS

    given = parse_assignments(list(typed))
    for name, values in given.items():
        if len(values) != 1:
            raise BadInput(f"ask measures one parameter point: give one value of {name!r}, not "
                           f"{','.join(values)} (a sweep is `concbench run`'s)")
    found = SCENARIOS[scenario]
    declared = [*found.params, *(p for m in models for p in found.model_params(MODELS[m]))]
    point = {name: values[0] for name, values in given.items()}
    pinned = []
    for param in declared:
        if param.name not in point and len(param.default) > 1:
            point[param.name] = format_value(param.default[0])
            pinned.append(f"{param.name}={point[param.name]}")
    return point, pinned


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """The run's own output, and its workers', to stderr: stdout holds the answer alone."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv: Sequence[str]) -> int:
    started = time.monotonic()
    ns = build_parser().parse_args(list(argv))
    from benchmarks.core.params import BadInput

    try:
        return _ask(ns, started)
    except BadInput as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # before the run's master handles signals, or in the report
        from benchmarks.core.stopping import status_of, stopped_line

        print(stopped_line(PROG, exc), file=sys.stderr)
        return status_of(exc)


def _ask(ns: argparse.Namespace, started: float) -> int:
    from benchmarks.core.params import BadInput
    from benchmarks.harness.options import parse_duration
    from benchmarks.harness.plan import plan
    from benchmarks.harness.profiles import PROFILES
    from benchmarks.harness.results import default_path

    if ns.rounds is not None and ns.rounds < 1:
        raise BadInput(f"--rounds must be an integer >= 1, not {ns.rounds}")
    try:
        budget_s = parse_duration(ns.budget or DEFAULT_BUDGET)
    except argparse.ArgumentTypeError as exc:
        raise BadInput(f"--budget: {exc}") from None
    check_models(ns.model)
    scenario, plugin = resolve_target(ns.target)
    point, pinned = pin_point(scenario, ns.model, ns.param)
    runnable, unsupported = plan([scenario], ns.model, {k: [v] for k, v in point.items()}, PROFILES["ask"])
    if len(runnable) > len({c.model.name for c in runnable}):
        raise BadInput("ask measures one parameter point: give one value of each swept parameter")
    if pinned:
        print(f"{PROG}: at {', '.join(pinned)}, the first of each default sweep (--param to choose)",
              file=sys.stderr)
    if len(runnable) < 2:
        for case, reason in unsupported:
            print(f"not measured: {case.model.name}: unsupported: {reason}")
        print(f"no answer: fewer than two of {', '.join(ns.model)} can run {scenario} here")
        return 1

    from benchmarks.cli import run_parser
    from benchmarks.harness.runner import measure_run

    output = Path(ns.output) if ns.output else default_path()
    run_argv = ["--profile", "ask", "--scenario", scenario, *(w for m in ns.model for w in ("--model", m)),
                *(w for k, v in point.items() for w in ("--param", f"{k}={v}")), "-o", str(output)]
    if plugin is not None:
        run_argv += ["--plugin", plugin]
    if ns.rounds is not None:
        run_argv += ["--rounds", str(ns.rounds)]
    else:  # what is left of the whole command's budget
        run_argv += ["--budget", f"{max(budget_s - (time.monotonic() - started), 1.0):.1f}"]
    with stdout_to_stderr():
        outcome = measure_run(run_parser(), run_argv)
    wall_s = time.monotonic() - started
    request = Request(ns.target, tuple(ns.model), tuple(ns.param), ns.rounds, ns.budget)
    status = answer(outcome.results, outcome.runinfo, request, wall_s, report=not ns.no_report)
    return outcome.status if outcome.status else status


def answer(results: Path | None, runinfo: Path, request: Request, wall_s: float, *, report: bool) -> int:
    """Print the answer of a finished run, then write its report: the exit status."""
    from benchmarks.core.runrecord import RunRecord

    if results is None:
        for line in missing_lines(RunRecord.read(runinfo)):
            print(line)
        print("no answer: nothing was measured")
        return 1
    found = read_answer(results, runinfo)
    for v in found.versus:
        print(verdict_line(found, v, request, wall_s))
    for line in missing_lines(found.record):
        print(line)
    if len(found.members) < 2:
        print(f"no answer: only {found.fastest.model} was measured")
        print(f"results: {results.resolve()}")
        return 1
    print()
    print(markdown(found, request, wall_s))
    print(f"results: {results.resolve()}")
    sys.stdout.flush()
    status = 1 if found.record.failed else 0
    if not report:
        print(f"report: not written (--no-report); `concbench report {results}` writes it")
        return status
    from analysis.report import write_report

    try:
        path = write_report(results)
    except Exception as exc:  # the answer stands; say why the report does not
        print(f"report: not written: {type(exc).__name__}: {exc}")
        return 1
    print(f"report: {Path(os.path.abspath(path))}")
    # last: what to paste into a review
    print(f"summary: {Path(os.path.abspath(path)).with_name('summary.md')}")
    return status
