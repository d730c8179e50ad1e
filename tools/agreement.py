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
from benchmarks.stats.paired import Rounds, paired_ratio, verdict


def rounds_of(bench: pyperf.Benchmark) -> Rounds:
    found: dict[int, list[list[float]]] = {}
    for run in bench.get_runs():
        if run.values:
            found.setdefault(int(run.get_metadata()["round"]), []).append(list(run.values))
    return found


def scenario_params(record: RunRecord) -> dict[str, list[str]]:
    scenarios = record.registry.scenarios if record.registry is not None else ()
    return {s.name: list(s.params) for s in scenarios}


def ratios(path: Path, baseline: str) -> dict[str, tuple[float, str, float, float, str]]:
    """benchmark -> (baseline time / its time, verdict kind, low, high, scenario), inside this run."""
    suite = pyperf.BenchmarkSuite.load(str(path))
    own = scenario_params(RunRecord.read(path.with_suffix(".runinfo")))
    groups: dict[tuple[str, tuple[tuple[str, object], ...]], list[pyperf.Benchmark]] = {}
    for bench in suite.get_benchmarks():
        meta = bench.get_metadata()
        point = tuple((p, meta.get(f"param_{p}")) for p in own.get(meta["scenario"], []))
        groups.setdefault((meta["scenario"], point), []).append(bench)
    found = {}
    for members in groups.values():
        bases = [b for b in members if b.get_metadata()["model"] == baseline]
        if len(bases) != 1:
            continue
        base = rounds_of(bases[0])
        for bench in members:
            if bench is bases[0]:
                continue
            ratio = paired_ratio(base, rounds_of(bench))
            if ratio is not None:
                found[bench.get_name()] = (ratio.estimate, verdict(ratio).kind, ratio.low, ratio.high,
                                           str(bench.get_metadata()["scenario"]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--baseline", default="sequential")
    parser.add_argument("--within", type=float, default=0.05)
    args = parser.parse_args()
    ra, rb = ratios(args.a, args.baseline), ratios(args.b, args.baseline)
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
    scenarios: dict[str, list[bool]] = {}
    for name in common:
        scenarios.setdefault(ra[name][4], []).append(name in agree)
    print("by scenario: " + ", ".join(f"{sc} {sum(ok)}/{len(ok)}" for sc, ok in scenarios.items()))
    narrow = [n for n in common if all(r[n][3] / r[n][2] <= (1 + args.within) ** 2 for r in (ra, rb))]
    inside = [n for n in common if ra[n][2] <= rb[n][0] <= ra[n][3] or rb[n][2] <= ra[n][0] <= rb[n][3]]
    share = len(inside) / max(len(common), 1)
    print(f"one estimate inside the other run's interval: {len(inside)} ({share:.0%}); "
          f"both intervals within +-{args.within:.0%}: {len(narrow)}, of which agree "
          f"{sum(n in agree for n in narrow)}")
    for name in flips:
        print(f"  flipped: {name}: {ra[name][1]} {ra[name][0]:.3f} / {rb[name][1]} {rb[name][0]:.3f}")
    worst = sorted(common, key=lambda n: -abs(ra[n][0] / rb[n][0] - 1))[:10]
    for name in worst:
        print(f"  {ra[name][0] / rb[name][0] - 1:+.1%}  {name}: {ra[name][0]:.3f} [{ra[name][2]:.3f}-"
              f"{ra[name][3]:.3f}] vs {rb[name][0]:.3f} [{rb[name][2]:.3f}-{rb[name][3]:.3f}]")


if __name__ == "__main__":
    main()
