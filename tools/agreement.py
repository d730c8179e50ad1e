"""Do two runs of the same selection agree?  Model-vs-baseline ratios of one run against the other's.

    .venv/bin/python tools/agreement.py results/A.json results/B.json [--baseline sequential]

For every benchmark of A that B has too, and every scenario point where the baseline model ran
(one baseline benchmark at that point), the paired ratio baseline/benchmark inside each run
(benchmarks.stats.paired), then: the fraction of ratios that agree within 5% between the runs, the
verdicts that flip from faster to slower (or back), and each run's wall time and rounds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pyperf

from benchmarks.core.runrecord import RunRecord
from benchmarks.harness import history
from benchmarks.stats.paired import Ratio, Rounds, paired_ratio, verdict
from benchmarks.stats.rerun import covering_rerun, shift_for


def scenario_params(record: RunRecord) -> dict[str, list[str]]:
    scenarios = record.registry.scenarios if record.registry is not None else ()
    return {s.name: list(s.params) for s in scenarios}


def recorded_shifts(path: Path) -> dict[str, float] | None:
    """The shift between runs that ``path``'s run measured (what its report widens by), if any."""
    between = RunRecord.read(path.with_suffix(".runinfo")).between_runs
    return dict(between.shifts) if between is not None and "" in between.shifts else None


def measured_shifts(path: Path, earlier: list[Path], baseline: str) -> dict[str, float] | None:
    """The shift ``path``'s run would have measured against ``earlier`` (for runs made before it
    was recorded): its baseline comparisons, made again by each earlier run."""
    suite = pyperf.BenchmarkSuite.load(str(path))
    by_name = {b.get_name(): b for b in suite.get_benchmarks()}
    made = []
    for name, (_, _, _, _, scenario, reference) in _ratios(path, baseline).items():
        ratio = paired_ratio(history.rounds_of(by_name[name]), history.rounds_of(by_name[reference]))
        if ratio is not None:
            made.append(history.Made(scenario, name, reference, ratio))
    found = history.between_runs(made, [pyperf.BenchmarkSuite.load(str(p)) for p in earlier])
    return dict(found.shifts) if found is not None else None


def ratios(path: Path, baseline: str, shifts: dict[str, float] | None = None
           ) -> dict[str, tuple[float, str, float, float, str]]:
    """benchmark -> (baseline time / its time, verdict kind, low, high, scenario), inside this run;
    ``shifts``: its intervals widened by them, as a report of a run that measured them prints."""
    return {name: found[:5] for name, found in _ratios(path, baseline, shifts).items()}


def _ratios(path: Path, baseline: str, shifts: dict[str, float] | None = None
            ) -> dict[str, tuple[float, str, float, float, str, str]]:
    """:func:`ratios`, each with the name of the baseline benchmark last."""
    suite = pyperf.BenchmarkSuite.load(str(path))
    own = scenario_params(RunRecord.read(path.with_suffix(".runinfo")))
    groups: dict[tuple[str, tuple[tuple[str, object], ...]], list[pyperf.Benchmark]] = {}
    for bench in suite.get_benchmarks():
        meta = bench.get_metadata()
        point = tuple((p, meta.get(f"param_{p}")) for p in own.get(meta["scenario"], []))
        groups.setdefault((meta["scenario"], point), []).append(bench)
    found: dict[str, tuple[float, str, float, float, str, str]] = {}
    for members in groups.values():
        bases = [b for b in members if b.get_metadata()["model"] == baseline]
        if len(bases) != 1:
            continue
        base = history.rounds_of(bases[0])
        for bench in members:
            if bench is bases[0]:
                continue
            ratio: Ratio | None = paired_ratio(base, history.rounds_of(bench))
            scenario = str(bench.get_metadata()["scenario"])
            if ratio is not None:
                if shifts is not None:
                    ratio = covering_rerun(ratio, shift_for(scenario, shifts))
                found[bench.get_name()] = (ratio.estimate, verdict(ratio).kind, ratio.low, ratio.high,
                                           scenario, bases[0].get_name())
    return found


def by_scenario(names: list[str], kept: set[str],
                found: dict[str, tuple[float, str, float, float, str]]) -> str:
    """``sleep_fanout 19/19, ...``: how many of each scenario's ``names`` are in ``kept``."""
    scenarios: dict[str, list[bool]] = {}
    for name in names:
        scenarios.setdefault(found[name][4], []).append(name in kept)
    return ", ".join(f"{sc} {sum(ok)}/{len(ok)}" for sc, ok in scenarios.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--baseline", default="sequential")
    parser.add_argument("--within", type=float, default=0.05)
    parser.add_argument("--history", type=Path, nargs="*", default=None,
                        help="earlier runs to measure A's shift between runs against (default: the shift "
                             "A's run recorded, if any; none: intervals of A's run only)")
    args = parser.parse_args()
    shifts = (measured_shifts(args.a, args.history, args.baseline) if args.history
              else recorded_shifts(args.a))
    ra, rb = ratios(args.a, args.baseline), ratios(args.b, args.baseline)
    covering = ratios(args.a, args.baseline, shifts) if shifts is not None else ra
    common = sorted(set(ra) & set(rb))
    agree = [n for n in common if abs(ra[n][0] / rb[n][0] - 1) <= args.within]
    opposite = {"faster": "slower", "slower": "faster"}
    flips = [n for n in common if opposite.get(ra[n][1]) == rb[n][1]]
    for path in (args.a, args.b):
        info = RunRecord.read(path.with_suffix(".runinfo"))
        if info.rounds is None:
            raise SystemExit(f"{path.name}: its run recorded no rounds")
        print(f"{path.name}: {info.completed} benchmarks, {info.rounds.completed} rounds, "
              f"stopped: {info.rounds.stop_reason}")
    print(f"ratios against {args.baseline} in both runs: {len(common)}; agree within {args.within:.0%}: "
          f"{len(agree)} ({len(agree) / max(len(common), 1):.0%}); verdicts flipped: {len(flips)}")
    print("by scenario: " + by_scenario(common, set(agree), ra))
    narrow = [n for n in common if all(r[n][3] / r[n][2] <= (1 + args.within) ** 2 for r in (ra, rb))]
    inside = [n for n in common if ra[n][2] <= rb[n][0] <= ra[n][3] or rb[n][2] <= ra[n][0] <= rb[n][3]]
    share = len(inside) / max(len(common), 1)
    print(f"one estimate inside the other run's interval: {len(inside)} ({share:.0%}); "
          f"both intervals within +-{args.within:.0%}: {len(narrow)}, of which agree "
          f"{sum(n in agree for n in narrow)}")
    held = [n for n in common if covering[n][2] <= rb[n][0] <= covering[n][3]]
    how = ("this run only" if shifts is None else
           f"widened by the shift between runs, up to {max(shifts.values()):.2%} (log sd)")
    print(f"rerun coverage: B's estimate inside A's interval ({how}): {len(held)} of {len(common)} "
          f"({len(held) / max(len(common), 1):.1%})")
    print("  by scenario: " + by_scenario(common, set(held), ra))
    for name in flips:
        print(f"  flipped: {name}: {ra[name][1]} {ra[name][0]:.3f} / {rb[name][1]} {rb[name][0]:.3f}")
    worst = sorted(common, key=lambda n: -abs(ra[n][0] / rb[n][0] - 1))[:10]
    for name in worst:
        print(f"  {ra[name][0] / rb[name][0] - 1:+.1%}  {name}: {ra[name][0]:.3f} [{ra[name][2]:.3f}-"
              f"{ra[name][3]:.3f}] vs {rb[name][0]:.3f} [{rb[name][2]:.3f}-{rb[name][3]:.3f}]")


if __name__ == "__main__":
    main()
