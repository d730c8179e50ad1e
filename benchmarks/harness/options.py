"""The suite's options of ``python -m benchmarks run``, on pyperf's own argument parser.

One channel, as pyperformance's benchmarks do it: the options are parsed once,
with pyperf's, and :func:`forward` appends them to every worker's command line
from the parsed namespace.  What the master decides for its workers (where
they write metrics) is an option in that namespace too, set before any worker
starts (:func:`set_metrics_file`).
"""

from __future__ import annotations

import argparse

from benchmarks.harness.profiles import PROFILES, Profile

# Each option, its destination in the namespace and whether workers need it.
_FORWARDED = (("--scenario", "scenario"), ("--model", "model"), ("--param", "param"),
              ("--plugin", "plugin"))


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Our options, after pyperf's: ``--profile`` and ``-o`` replace pyperf's own (cProfile output,
    append-to-file), which the suite does not offer."""
    parser.conflict_handler = "resolve"
    group = parser.add_argument_group("concbench")
    group.add_argument("--scenario", action="append", default=[], metavar="S",
                       help="run this scenario (repeatable; default: all)")
    group.add_argument("--model", action="append", default=[], metavar="M",
                       help="run this model (repeatable; default: all)")
    group.add_argument("--param", action="append", default=[], metavar="NAME=V[,V...]",
                       help="set or sweep a parameter for every selected pair that has it")
    group.add_argument("--profile", dest="suite_profile", choices=list(PROFILES), default="default",
                       help="; ".join(f"{p.name}: {p.help}" for p in PROFILES.values()))
    group.add_argument("-o", "--output", dest="results", metavar="FILE",
                       help="results file (default: results/<time>_<host>_py<version>.json); "
                            "never overwritten")
    group.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                       help="import MODULE and register its SCENARIOS and MODELS (repeatable)")
    group.add_argument("--metrics-file", help=argparse.SUPPRESS)
    # pyperf reads these two; their options are ours now
    parser.set_defaults(output=None, profile=None)


def chosen_profile(parser: argparse.ArgumentParser, argv: list[str]) -> Profile:
    """The profile named in ``argv``: its pyperf settings go before the user's own options."""
    known, _ = parser.parse_known_args(argv)
    return PROFILES[known.suite_profile]


def forward(cmd: list[str], args: argparse.Namespace) -> None:
    """pyperf's ``add_cmdline_args``: our options for a worker's command line."""
    for flag, dest in _FORWARDED:
        for value in getattr(args, dest):
            cmd += [flag, value]
    cmd += ["--profile", args.suite_profile]
    if args.metrics_file:
        cmd += ["--metrics-file", args.metrics_file]


def set_metrics_file(args: argparse.Namespace, path: str) -> None:
    """The master's decision, made before its first worker: where workers append metrics."""
    args.metrics_file = path
