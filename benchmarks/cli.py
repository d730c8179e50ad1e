"""Command line: ``python -m benchmarks list`` and ``python -m benchmarks run``."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from benchmarks.core.params import BadInput
from benchmarks.harness.listing import listing
from benchmarks.harness.profiles import PROFILES
from benchmarks.harness.runner import RunOptions, run

PROG = "python -m benchmarks"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming what is valid."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, allow_abbrev=False,
                     description="Benchmark concurrency models on the same workloads with pyperf.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{list,run}")
    profiles = ", ".join(f"{p.name}: {p.help}" for p in PROFILES.values())

    lst = sub.add_parser("list", allow_abbrev=False, help="show scenarios, models, parameters and the matrix")
    lst.add_argument("--profile", choices=list(PROFILES), default="default",
                     help="show the parameters of this profile")

    rn = sub.add_parser(
        "run", allow_abbrev=False, help="verify and time benchmarks, write a results file",
        epilog="Any other option is passed to pyperf's Runner (for example --affinity, "
               "--processes, --values, --min-time); it overrides the profile's setting.")
    rn.add_argument("--scenario", action="append", default=[], metavar="S",
                    help="run this scenario (repeatable; default: all)")
    rn.add_argument("--model", action="append", default=[], metavar="M",
                    help="run this model (repeatable; default: all)")
    rn.add_argument("--param", action="append", default=[], metavar="NAME=V[,V...]",
                    help="set or sweep a parameter for every selected pair that has it")
    rn.add_argument("--profile", choices=list(PROFILES), default="default", help=profiles)
    rn.add_argument("-o", "--output", metavar="FILE",
                    help="results file (default: results/<time>_<host>_py<version>.json); never overwritten")
    rn.add_argument("--skip", action="append", default=[], help=argparse.SUPPRESS)
    rn.add_argument("--metrics-file", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    ns, rest = parser.parse_known_args(argv)
    try:
        if ns.command == "list":
            if rest:
                parser.error(f"unrecognized arguments: {' '.join(rest)}")
            print(listing(PROFILES[ns.profile]))
            return 0
        opts = RunOptions(scenarios=ns.scenario, models=ns.model, params=ns.param,
                          profile=ns.profile, output=ns.output, skip=ns.skip,
                          metrics_file=ns.metrics_file)
        return run(opts, rest)
    except BadInput as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
