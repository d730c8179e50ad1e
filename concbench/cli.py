"""The ``concbench`` command: one entry point for the suite's verbs.

``run`` and ``list`` (and the verbs scenarios add) are the harness's
(:mod:`benchmarks.cli`); ``report``, ``compare`` and ``csv`` the analysis's
(:mod:`analysis.cli`); ``ask`` is this package's own (:mod:`concbench.ask`).
``python -m benchmarks`` and ``python -m analysis`` keep working: this module only routes.

A workload file given to ``run`` or ``list`` as an argument (``sleepy.py``, or
``sleepy.py:NAME`` for one of its workloads) stands for ``--plugin sleepy.py``
and a ``--scenario`` for each of its workloads.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PROG = "concbench"
ANALYSIS_VERBS = ("report", "compare", "csv")
USAGE = """usage: concbench VERB [options]   (concbench VERB --help: every option)

Which Python concurrency model is fastest for your workload, and by how much?

  ask TARGET --model A --model B   a two-model question, answered in one line (TARGET: FILE.py or a scenario)
  run [FILE.py] [options]          verify and time every pair, write results/
  list [FILE.py] [--json]          scenarios, models, their parameters and the declined pairs
  report RESULTS.json | --latest results   the report of a run
  compare BASE.json NEW.json       what changed between two runs (--fail-on-slower 5%: a CI gate)
  csv RESULTS.json -o FILE.csv     every measured value as CSV
  serve | loadgen                  tcp_echo's server of one model, and its load generator
"""
#: verbs that take workload files as arguments
FILE_VERBS = ("run", "list")
#: options whose value may end in .py without being a workload file argument
VALUE_OPTIONS = ("--plugin", "-o", "--output", "--resume", "--scenario", "--model", "--param")
FILE_ARGUMENT = re.compile(r"(?P<path>[^-].*\.py)(?::(?P<name>\w+))?")


class FileError(Exception):
    """A workload file argument that cannot be used: one line, exit status 2."""


def workload_names(path: str) -> list[str]:
    """The workloads of the file at ``path``, in file order."""
    from concbench._engine.loader import LoadError, load, workloads

    try:
        names = list(workloads(load(path)))
    except LoadError as exc:
        raise FileError(str(exc)) from None
    if not names:
        raise FileError(f"{path} defines no workload: assign concbench.workload(...) to a global")
    return names


def expand_files(argv: list[str]) -> list[str]:
    """``argv`` with each workload file argument replaced by ``--plugin FILE --scenario NAME...``."""
    out: list[str] = []
    plugins: set[str] = set()
    for k, token in enumerate(argv):
        match = FILE_ARGUMENT.fullmatch(token)
        if match is None or k == 0 or argv[k - 1] in VALUE_OPTIONS:
            out.append(token)
            continue
        path, name = match["path"], match["name"]
        names = workload_names(path)
        if name is not None and name not in names:
            raise FileError(f"{path} has no workload {name!r}: choose from {', '.join(names)}")
        if path not in plugins:
            plugins.add(path)
            out += ["--plugin", path]
        for chosen in [name] if name else names:
            out += ["--scenario", chosen]
    return out


@contextmanager
def named(module: Any) -> Iterator[None]:
    """The harness's or the analysis's messages name the command the user typed, for this call."""
    before = module.PROG
    module.PROG = PROG
    try:
        yield
    finally:
        module.PROG = before


def main(argv: list[str] | None = None) -> int:
    """The command's exit status.  SIGINT, SIGTERM and SIGHUP are handled before anything heavy is
    imported (:mod:`benchmarks.core.stopping`): at any moment, one line and 130, 143 or 129.  Called
    as the program (no ``argv``), they are ignored once its work is done (it exits next)."""
    from benchmarks.core.stopping import command

    words = sys.argv[1:] if argv is None else argv
    return command(PROG, lambda: _main(words), words, for_good=argv is None)


def _main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] == "ask":
        from concbench.ask import main as ask_main
        return ask_main(argv[1:])
    if argv[0] in ANALYSIS_VERBS:
        from analysis import cli as analysis_cli
        with named(analysis_cli):
            return analysis_cli.main(argv)
    from benchmarks import cli as harness_cli
    verbs = ["ask", *FILE_VERBS, *ANALYSIS_VERBS, *harness_cli.scenario_commands()]
    if argv[0] not in verbs:
        print(f"{PROG}: error: unknown command {argv[0]!r}: choose from {', '.join(verbs)}", file=sys.stderr)
        return 2
    if argv[0] in FILE_VERBS:
        try:
            argv = expand_files(argv)
        except FileError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 2
    with named(harness_cli):
        return harness_cli.main(argv)
