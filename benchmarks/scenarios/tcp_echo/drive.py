"""``python -m benchmarks loadgen HOST:PORT``: the suite's load generator against any echo server.

The same generator processes a benchmark uses (native by default), the same
warm-up, checks and histograms; it prints one line per run and a summary:
round trips per second (median and range), latency percentiles over every
run, and the generator's own CPU use, so that a number it reports can be
trusted only if the generator was not the busy one.  ``--rate`` turns it into
an open loop: requests at fixed intended times, latency measured from them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Mapping

from benchmarks.core.contract import Command, Model, Scenario
from benchmarks.core.echo_keys import OFFERED_RATE_RTPS
from benchmarks.core.params import BadInput
from benchmarks.scenarios.tcp_echo import histograms
from benchmarks.scenarios.tcp_echo.driver import GENERATORS, GeneratorSpec, LoadGroup, open_loop_trips
from benchmarks.scenarios.tcp_echo.serve import check_host, check_port
from benchmarks.scenarios.tcp_echo.sessions import generator_cpu
from benchmarks.scenarios.tcp_echo.wire import GO, STATS, WARMUP, digests, digests_of


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("address", metavar="HOST:PORT", help="the echo server ([::1]:PORT for IPv6)")
    parser.add_argument("--generator", choices=GENERATORS, default="native")
    for flag, default, what in (("--connections", 16, "connections"),
                                ("--message-bytes", 100, "bytes per message (the last is a newline)"),
                                ("--round-trips", 1250, "round trips per connection per run (closed loop)"),
                                ("--depth", 1, "requests in flight per connection (closed loop)"),
                                ("--warmup-trips", 125, "untimed round trips per connection first"),
                                ("--runs", 5, "timed runs"), ("--procs", 1, "generator processes")):
        parser.add_argument(flag, type=int, default=default, help=f"{what} (default {default})")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="open loop: round trips per second over all connections (default: closed loop)")
    parser.add_argument("--duration-ms", type=int, default=1000, help="open loop: length of one run")
    parser.add_argument("--cpus", help="pin the generator processes to these CPUs, e.g. 1 or 2,3")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")


def split_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise BadInput(f"invalid address {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000")
    return check_host(host.strip("[]")), check_port(port, allow_zero=False)


def spec_of(args: argparse.Namespace) -> GeneratorSpec:
    host, port = split_address(args.address)
    for name in ("connections", "round_trips", "depth", "runs", "procs", "duration_ms"):
        if getattr(args, name) < 1:
            flag = f"--{name.replace('_', '-')}"
            raise BadInput(f"invalid {flag} {getattr(args, name)}: expected an integer >= 1")
    if args.message_bytes < 2 or args.warmup_trips < 0 or args.rate < 0:
        raise BadInput("invalid --message-bytes, --warmup-trips or --rate: expected >= 2, >= 0 and >= 0")
    try:
        cpus = tuple(int(c) for c in args.cpus.split(",")) if args.cpus else None
    except ValueError:
        raise BadInput(f"invalid --cpus {args.cpus!r}: expected CPU numbers, e.g. 1 or 2,3") from None
    trips = (open_loop_trips(args.rate, args.duration_ms / 1000, args.connections) if args.rate
             else args.round_trips)
    return GeneratorSpec(port=port, host=host, connections=args.connections, round_trips=trips,
                         size=args.message_bytes, kind=args.generator, depth=args.depth,
                         warmup=args.warmup_trips, rate=args.rate, procs=args.procs, cpus=cpus)


def drive(args: argparse.Namespace) -> int:
    spec = spec_of(args)
    expected = digests(spec.connections, spec.round_trips, spec.size)
    try:
        group = LoadGroup(spec)
    except OSError as exc:  # the cpus, say
        raise BadInput(f"cannot start the load generator: {exc}") from None
    rates, runs = [], []
    try:
        group.exchange(WARMUP)
        for index in range(args.runs):
            replies = group.exchange(GO)
            if digests_of(replies) != expected:
                raise ConnectionError("the server's echoes were wrong (digests differ)")
            runs.append(replies)
            rates.append(spec.total / max(r["client_seconds"] for r in replies))
            if not args.json:
                print(f"run {index + 1}: {rates[-1]:,.0f} round trips/s", flush=True)
        stats = group.exchange(STATS)
    except ConnectionError as exc:
        print(f"loadgen: error: {exc}", file=sys.stderr)
        return 1
    finally:
        group.close()
    summary = {"generator": spec.describe(), "connections": spec.connections, "message_bytes": spec.size,
               "round_trips_per_run": spec.total, "runs": args.runs,
               "rate_rtps_median": round(statistics.median(rates), 1),
               "rate_rtps_min": round(min(rates), 1), "rate_rtps_max": round(max(rates), 1),
               **histograms.summary(histograms.merged(stats, "latency"), "latency"),
               **histograms.summary(histograms.merged(stats, "lag"), "send_lag"),
               **generator_cpu(runs, spec.total * args.runs)}
    if spec.rate:
        summary[OFFERED_RATE_RTPS] = spec.rate
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key}: {value:,}" if isinstance(value, (int, float)) else f"{key}: {value}")
    return 0


class Loadgen(Command):
    name = "loadgen"
    help = "drive any echo server at HOST:PORT with the suite's load generator"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        add_arguments(parser)

    def run(self, args: argparse.Namespace, scenarios: Mapping[str, Scenario],
            models: Mapping[str, Model]) -> int:
        return drive(args)
