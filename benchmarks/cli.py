"""Command line: ``python -m benchmarks list`` and ``run``, then the verbs the scenarios add.

A scenario brings its own verbs (tcp_echo: ``serve`` and ``loadgen``) through
``Scenario.commands``; they are listed after the suite's own, in registry order,
and run with the registry handed to them.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from benchmarks.core import stopping
from benchmarks.core.contract import Command
from benchmarks.core.params import BadInput
from benchmarks.harness.listing import declined, listing, listing_json
from benchmarks.harness.profiles import PROFILES
from benchmarks.harness.registry import MODELS, SCENARIOS, commands, load_plugins
from benchmarks.harness.runner import run

PROG = "python -m benchmarks"
#: the suite's own verbs, before the scenarios'
VERBS = ("list", "run")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming what is valid."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message}\n")


def scenario_commands() -> dict[str, Command]:
    """The registered scenarios' verbs, by name; one that would hide a verb of the suite is refused."""
    found = {command.name: command for command in commands()}
    clash = [name for name in VERBS if name in found]
    if clash:
        raise ValueError(f"a scenario's command is named {clash[0]!r}, a verb of the suite itself")
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, allow_abbrev=False,
                     description="Benchmark concurrency models on the same workloads with pyperf.")
    extra = scenario_commands()
    sub = parser.add_subparsers(dest="command", required=True, metavar=f"{{{','.join([*VERBS, *extra])}}}")

    lst = sub.add_parser("list", allow_abbrev=False, help="show scenarios, models, parameters and the matrix")
    lst.add_argument("--profile", choices=list(PROFILES), default="default",
                     help="show the parameters of this profile")
    lst.add_argument("--declined", action="store_true",
                     help="print only the declined pairs and why, sorted (tests/data/declined.txt)")

    lst.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                     help="import MODULE and register its SCENARIOS and MODELS; a path (x.py) is a "
                          "file of workloads (repeatable)")
    lst.add_argument("--scenario", action="append", default=[], metavar="S",
                     help="list only this scenario and its pairs (repeatable; default: all)")
    lst.add_argument("--model", action="append", default=[], metavar="M",
                     help="list only this model and its pairs (repeatable; default: all)")
    lst.add_argument("--json", action="store_true",
                     help="print the selection as JSON (scenarios, models, pairs, unsupported; "
                          "docs/running.md gives its shape)")
    # run's options are pyperf's and the suite's, parsed together by run_parser()
    sub.add_parser("run", allow_abbrev=False, add_help=False,
                   help="verify and time benchmarks, write a results file (run --help: every option)")
    for command in extra.values():
        command.add_arguments(sub.add_parser(command.name, allow_abbrev=False, help=command.help))
    return parser


def run_parser() -> argparse.ArgumentParser:
    """The parser of ``run``: pyperf adds its options to it, then the suite its own."""
    return _Parser(prog=f"{PROG} run", allow_abbrev=False,
                   description="(set by benchmarks.harness.options.add_run_options)")


def main(argv: list[str] | None = None) -> int:
    """The command's exit status; SIGINT, SIGTERM and SIGHUP before a run's master handles its
    own (planning, loading a plugin), in ``list``, or after the master: one line, 130, 143, 129."""
    argv = sys.argv[1:] if argv is None else argv
    return stopping.command(PROG, lambda: _main(argv), argv)


def _main(argv: list[str]) -> int:
    parser = build_parser()
    ns, rest = parser.parse_known_args(argv)
    try:
        if ns.command == "list":
            if rest:
                parser.error(f"unrecognized arguments: {' '.join(rest)}")
            load_plugins(ns.plugin)
            profile = PROFILES[ns.profile]
            if ns.declined:
                print(declined(profile))
            elif ns.json:
                print(listing_json(profile, ns.scenario, ns.model))
            else:
                print(listing(profile, ns.scenario, ns.model))
            return 0
        if ns.command != "run":
            if rest:
                parser.error(f"unrecognized arguments: {' '.join(rest)}")
            return scenario_commands()[ns.command].run(ns, SCENARIOS, MODELS)
        return run(run_parser(), argv[argv.index("run") + 1:])
    except BadInput as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
