"""The planner and the report rank, pair and judge alike: both go through benchmarks.stats.

On committed results files (a fixture and the reference run), the planner's
tracks are rebuilt from the same pyperf runs the report reads; the fastest
member of every group, the pairs the planner keeps measuring and the width of
each pair's interval must be the report's.
"""

from __future__ import annotations

from pathlib import Path

import pyperf
import pytest

from analysis import analyse, load_results, read_runinfo
from analysis.data.bundle import Analysis
from benchmarks.harness.rounds import Track, baseline_of, comparisons
from benchmarks.stats import ranking
from tests.support.cli import REPO

FILES = [REPO / "tests" / "data" / "rounds.json", REPO / "results" / "20261201T185055Z_vm_py3.11.7.json"]


def _tracks(results: Path) -> tuple[Analysis, list[Track]]:
    """The report of ``results`` and the planner's tracks rebuilt from the same pyperf runs."""
    report = analyse(load_results(results), [read_runinfo(results)])
    suite = pyperf.BenchmarkSuite.load(str(results))
    tracks: list[Track] = []
    for view in report.views:
        for point in view.points:
            tracks += [Track(s.benchmark, (view.name, point), model=c.model,
                             runs=list(suite.get_benchmark(s.benchmark).get_runs()))
                       for c, s in view.at(point)]
    return report, tracks


@pytest.mark.parametrize("results", FILES, ids=lambda p: p.name)
def test_the_planner_and_the_report_rank_and_pair_alike(results: Path) -> None:
    report, tracks = _tracks(results)
    seed = report.judge.seeds[results.name]
    baseline = report.baseline()
    assert baseline_of(tracks) == baseline
    planned = {(c.name, c.reference): c for c in comparisons(tracks, seed)}

    def half_width(a: str, b: str) -> float:
        found = planned.get((a, b)) or planned[b, a]
        return found.half_width

    judged: set[frozenset[str]] = set()  # the pairs the report judges
    against_base: set[frozenset[str]] = set()  # every member against the baseline's best
    for decision in report.decisions:
        members = [t for t in tracks if t.group == (decision.scenario, decision.point)]
        fastest = decision.fastest.sample.benchmark
        assert members[ranking.fastest([t.measured() for t in members])].name == fastest
        for entry in decision.entries[1:]:
            versus = entry.versus_fastest
            assert versus is not None
            assert versus.ratio is not None
            assert planned[entry.sample.benchmark, fastest].half_width == versus.ratio.half_width
            judged.add(frozenset((entry.sample.benchmark, fastest)))
        base = decision.best_by_model().get(baseline)
        if base is not None:
            against_base |= {frozenset((e.sample.benchmark, base.sample.benchmark)) for e in decision.entries
                             if e is not base}
        for model, best in decision.best_by_model().items():
            if base is None or model == baseline:
                continue
            ratio = report.judge(best.sample, base.sample).ratio
            assert ratio is not None
            assert half_width(best.sample.benchmark, base.sample.benchmark) == pytest.approx(ratio.half_width)
            judged.add(frozenset((best.sample.benchmark, base.sample.benchmark)))
    pairs = {frozenset(pair) for pair in planned}
    assert judged <= pairs
    # beyond those, the planner keeps only each variant against the baseline (the report's per-variant tables)
    assert pairs - judged <= against_base
    assert len(judged) > 3


@pytest.mark.parametrize("results", FILES, ids=lambda p: p.name)
def test_the_planners_and_the_reports_rankings_agree(results: Path) -> None:
    """Every group in the same order on both sides, ranked by the ratio the report prints: no
    ratio against the fastest is below 1 (the reference run's rpc_fanout printed rloop at 0.986x
    of its "fastest" when the fastest was the lowest mean over the rounds every member shared)."""
    report, tracks = _tracks(results)
    for decision in report.decisions:
        members = [t for t in tracks if t.group == (decision.scenario, decision.point)]
        measured = [t.measured() for t in members]
        planned = [members[i].name for i in ranking.ranked(measured)]
        assert planned == [e.sample.benchmark for e in decision.entries]
        fastest = decision.fastest.sample
        for entry in decision.entries[1:]:
            assert entry.versus_fastest is not None
            assert entry.ratio == entry.versus_fastest.estimate == ranking.estimate(entry.sample, fastest)
            assert entry.ratio >= 1, (decision.scenario, entry.sample.benchmark)
