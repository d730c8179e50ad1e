"""The suite's options of ``python -m benchmarks run``, on pyperf's own argument parser.

One channel, as pyperformance's benchmarks do it: the options are parsed once,
with pyperf's, and :func:`forward` appends them to every worker's command line
from the parsed namespace.  What the master decides for its workers (where
they write metrics) is an option in that namespace too, set before any worker
starts (:func:`set_metrics_file`).
"""

from __future__ import annotations

import argparse
import math
import re

from benchmarks.harness.profiles import PROFILES, Profile
from benchmarks.harness.rounds import RoundSettings

# Each option, its destination in the namespace and whether workers need it.
_FORWARDED = (("--scenario", "scenario"), ("--model", "model"), ("--param", "param"),
              ("--plugin", "plugin"))
# --rounds, --budget, --seed and --fresh-loops steer the master alone: workers time one value at a time


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Our options, after pyperf's: ``--profile`` and ``-o`` replace pyperf's own (cProfile output,
    append-to-file), which the suite does not offer.  Then the help is arranged (:func:`arrange_help`)."""
    parser.conflict_handler = "resolve"
    selection = parser.add_argument_group("selection")
    budget = parser.add_argument_group("profile and budget")
    output = parser.add_argument_group("output")
    selection.add_argument("--scenario", action="append", default=[], metavar="S",
                           help="run this scenario (repeatable; default: all)")
    selection.add_argument("--model", action="append", default=[], metavar="M",
                           help="run this model (repeatable; default: all)")
    selection.add_argument("--param", action="append", default=[], metavar="NAME=V[,V...]",
                           help="set or sweep a parameter for every selected pair that has it")
    selection.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                           help="import MODULE and register its SCENARIOS and MODELS (repeatable)")
    budget.add_argument("--profile", dest="suite_profile", choices=list(PROFILES), default="default",
                        help="(default: default) " + "; ".join(f"{p.name}: {p.help}"
                                                             for p in PROFILES.values()).replace("%", "%%"))
    budget.add_argument("--rounds", type=_positive_int, metavar="N",
                        help="measure exactly N rounds (default: the profile's minimum, then more until "
                             "every comparison's interval is narrow enough or the budget is spent)")
    budget.add_argument("--budget", type=parse_duration, metavar="DURATION",
                        help="time for the whole run, e.g. 10m, 90s, 1h30m (default: the profile's: "
                             + ", ".join(f"{p.name} {_minutes(p.budget_s)}" for p in PROFILES.values()) + ")")
    budget.add_argument("--seed", type=int, metavar="N",
                        help="seed of the order of benchmarks in each round (default: random, recorded)")
    budget.add_argument("--python-gil", choices=("0", "1"),
                        help="PYTHON_GIL for the workers: 0 runs a free-threaded build without the GIL "
                             "(its default), 1 with it; refused on a build that has a GIL")
    budget.add_argument("--fresh-loops", action="store_true",
                        help="pick every benchmark's loops again instead of reusing those an earlier run "
                             "on this machine and interpreter kept (in .loops.json beside the results)")
    budget.add_argument("--dask-scheduler", metavar="tcp://HOST:PORT", type=_scheduler_address,
                        help="run the dask model's units on this cluster (default: a LocalCluster on "
                             "127.0.0.1, started once per worker process)")
    output.add_argument("-o", "--output", dest="results", metavar="FILE",
                        help="results file (default: results/<time>_<host>_py<version>.json); "
                             "never overwritten")
    output.add_argument("--resume", metavar="FILE",
                        help="continue the interrupted or killed run whose results (or hidden partial "
                             "file) are FILE: measure only what it missed, publish one new file")
    # pyperf's --append adds runs to an existing file in place; results files are never edited
    output.add_argument("--append", action=_Refused, nargs="?", help=argparse.SUPPRESS,
                        default=None, metavar="FILE")
    output.add_argument("--metrics-file", help=argparse.SUPPRESS)
    output.add_argument("--failure-log", help=argparse.SUPPRESS)
    # the master's checksums, by benchmark: a worker does not compute its expected answer again
    output.add_argument("--expected-file", help=argparse.SUPPRESS)
    # the master's, per benchmark: untimed runs of one session before a worker's first value
    output.add_argument("--warmup-runs", type=int, default=0, help=argparse.SUPPRESS)
    # pyperf reads these two; their options are ours now
    parser.set_defaults(output=None, profile=None)
    arrange_help(parser)


#: pyperf's options a user sets, shown after the suite's own in this order (the rest are hidden)
PYPERF_SHOWN = ("--processes", "--values", "--warmups", "--loops", "--min-time", "--timeout", "--affinity",
                "--inherit-environ", "--copy-env", "--no-locale", "--python", "--verbose", "--quiet",
                "--metadata", "--hist", "--stats", "--dump", "--hook", "--tracemalloc", "--track-memory",
                "--debug-single-value")
#: pyperf's options whose default a profile sets: their help says the profile's values instead
PROFILE_SET = ("--processes", "--values", "--warmups", "--loops", "--min-time", "--timeout")
PYPERF_GROUP = "pyperf's options (each overrides the profile's setting)"
RUN_DESCRIPTION = ("Verify every selected pair (a scenario and a model at one parameter point: every model "
                   "must give the scenario's known answer), then time the pairs in interleaved rounds, each "
                   "benchmark in fresh pyperf worker processes, until every comparison's interval is narrow "
                   "enough or the profile's budget is spent. The results file (pyperf JSON) and its "
                   ".runinfo go to results/, and `concbench report --latest results` turns them into a "
                   "report. Start with --profile quick to check a selection.")


def _minutes(seconds: float | None) -> str:
    return "none" if seconds is None else f"{seconds / 60:g} min"


def _profile_values(flag: str) -> str:
    """``quick 1, default 1, ask 1, rigorous 2``: what each profile passes pyperf for ``flag``."""
    values = []
    for profile in PROFILES.values():
        args = list(profile.pyperf_args)
        value = args[args.index(flag) + 1] if flag in args else "pyperf's"
        values.append(f"{profile.name} {value}")
    return ", ".join(values)


def arrange_help(parser: argparse.ArgumentParser) -> None:
    """``run --help``: the suite's groups first, then :data:`PYPERF_SHOWN` in a group of their own,
    with the profiles' values as their defaults; pyperf's other options (its worker's own:
    ``--worker``, ``--pipe``, ``--worker-task``, ...; ``--rigorous`` and ``--fast``, which
    ``--profile`` replaces) hidden from the help and the usage line, and still accepted."""
    shown = parser.add_argument_group(PYPERF_GROUP)
    ours = {a for group in parser._action_groups[2:] for a in group._group_actions}
    kept: list[tuple[int, argparse.Action]] = []
    for action in list(parser._optionals._group_actions):
        if action in ours or "--help" in action.option_strings:
            continue
        parser._optionals._group_actions.remove(action)
        long = next((f for f in action.option_strings if f.startswith("--")), action.option_strings[-1])
        if long not in PYPERF_SHOWN:
            action.help = argparse.SUPPRESS
            continue
        if long in PROFILE_SET:
            text = (action.help or "").split(" (default")[0]
            action.help = f"{text} (default: the profile's: {_profile_values(long)})"
        kept.append((PYPERF_SHOWN.index(long), action))
    shown._group_actions += [action for _, action in sorted(kept, key=lambda pair: pair[0])]
    parser.description = RUN_DESCRIPTION


class _Refused(argparse.Action):
    """An option of pyperf's that the suite does not offer: a usage error as soon as it is parsed."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        parser.error(f"{option_string} is not offered: results files are never edited; a run writes a "
                     "new file (-o NEW.json), and --resume FILE continues an interrupted one into a new file")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _scheduler_address(text: str) -> str:
    if not re.fullmatch(r"(tcp|tls)://[^\s:/]+:\d{1,5}", text.strip()):
        raise argparse.ArgumentTypeError(f"invalid scheduler address {text!r}: expected tcp://HOST:PORT")
    return text.strip()


def parse_duration(text: str) -> float:
    """``90s``, ``10m``, ``1h30m`` or plain seconds -> seconds."""
    parts = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?", text.strip())
    if not text.strip() or parts is None:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: expected e.g. 90s, 10m, 1h30m")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in parts.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if not math.isfinite(total) or total <= 0:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: it must be positive")
    return total


def warmups_given(argv: list[str]) -> bool:
    """Whether ``argv`` sets pyperf's ``--warmups`` (the profile's default does not count)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-w", "--warmups")
    known, _ = parser.parse_known_args(argv)
    return known.warmups is not None


def round_settings(args: argparse.Namespace, profile: Profile, seed: int,
                   keep_warmups: bool = False) -> RoundSettings:
    """The profile's rounds, with ``--rounds``, ``--budget``, ``--seed`` and pyperf's
    ``--processes`` (processes per round) applied; ``keep_warmups`` (the user set ``--warmups``)
    keeps every warm-up the profile would drop."""
    fixed = args.rounds
    return RoundSettings(
        processes=args.processes,
        min_rounds=fixed or profile.min_rounds,
        max_rounds=fixed or max(profile.max_rounds, profile.min_rounds),
        budget_s=None if fixed else (args.budget or profile.budget_s),
        target=profile.target,
        seed=seed if args.seed is None else args.seed,
        warmup_free_s=None if keep_warmups else profile.warmup_free_s,
        run_warmup=profile.run_warmup and not keep_warmups,
        decide=profile.decide,
    )


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
    if args.dask_scheduler:
        cmd += ["--dask-scheduler", args.dask_scheduler]
    if args.metrics_file:
        cmd += ["--metrics-file", args.metrics_file]
    if args.failure_log:
        cmd += ["--failure-log", args.failure_log]
    if args.expected_file:
        cmd += ["--expected-file", args.expected_file]
    if args.warmup_runs:
        cmd += ["--warmup-runs", str(args.warmup_runs)]


def set_metrics_file(args: argparse.Namespace, path: str) -> None:
    """The master's decision, made before its first worker: where workers append metrics."""
    args.metrics_file = path
