"""analysis of a run measured in rounds: paired verdicts, intervals, the heatmap's marks.

``tests/data/rounds.json`` is a real quick run in 4 rounds of 1 process x 3
values (see ``tests/data/README.md``).  Its numbers are what that machine
measured; the intervals are fixed by them and by the run's seed, so the
rendered texts are asserted exactly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis import decision_table, load_results, read_runinfo, write_report
from analysis._analysis import Analysis, analyse
from analysis._decide import Speedup
from analysis._heatmap import cell_text
from analysis._judge import NO_ROUNDS, judge

DATA = Path(__file__).resolve().parent.parent / "data"
ROUNDS = DATA / "rounds.json"
SMALL = DATA / "small.json"


def _analysis(frame: pd.DataFrame | None = None) -> Analysis:
    return analyse(load_results(ROUNDS) if frame is None else frame, [read_runinfo(ROUNDS)])


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_report(ROUNDS, out_dir=tmp_path_factory.mktemp("rounds") / "out").read_text()


def test_the_decision_table_is_paired() -> None:
    table = decision_table(_analysis()).set_index(["scenario", "contender"])
    cells = {key: (row["rank"], round(row.ratio_to_fastest, 4), row.verdict, row.verdict_text)
             for key, row in table.iterrows()}
    assert cells == {
        ("sleep_fanout", "asyncio (api=taskgroup)"): (1, 1.0, "fastest", "fastest"),
        ("sleep_fanout", "asyncio (api=gather)"): (2, 1.007, "undecided", "undecided (1.01x [0.989-1.03])"),
        ("sleep_fanout", "asyncio (api=as_completed)"): (3, 1.0126, "undecided",
                                                         "undecided (1.01x [0.996-1.03])"),
        ("sleep_fanout", "threads"): (4, 1.0751, "slower", "1.08x slower [1.04-1.11]"),
        ("sleep_fanout", "sequential"): (5, 19.9172, "slower", "19.9x slower [19.3-20.5]"),
        # threads' median is 2% below sequential's, but per round they are level: undecided
        ("cpu_pure", "threads"): (1, 1.0, "fastest", "fastest"),
        ("cpu_pure", "sequential"): (2, 1.0029, "undecided", "undecided (1.00x [0.947-1.06])"),
        ("cpu_pure", "asyncio"): (3, 1.0037, "undecided", "undecided (1.00x [0.947-1.06])"),
    }
    assert set(table["rounds"]) == {4}
    sequential = table.loc[("sleep_fanout", "sequential")]
    assert (round(sequential.low, 3), round(sequential.high, 3)) == (19.324, 20.529)


def test_intervals_are_the_ones_the_run_stopped_on() -> None:
    """The report bootstraps with the run's seed: the half-widths its runner recorded come back exactly."""
    derived = _analysis()
    by_name = {s.benchmark: s for s in derived.samples}
    undecided = read_runinfo(ROUNDS).data["rounds"]["undecided"]
    assert len(undecided) == 2
    for record in undecided:
        ratio = derived.judge(by_name[record["benchmark"]], by_name[record["against"]]).ratio
        assert ratio is not None
        assert ratio.half_width == record["half_width"]


def test_the_report_gives_every_comparison_its_interval_and_verdict(report: str) -> None:
    for line in (
        "| `sleep_fanout` | n=20, latency_ms=5.0, concurrency=unbounded | **asyncio (api=taskgroup)** | "
        "5.25 ms | 19.9x slower [19.3-20.5] | **1.00x** | 1.08x slower [1.04-1.11] |",
        "| `cpu_pure` | n=8, size=20000 | **threads** | 21.3 ms | undecided (1.00x [0.947-1.06]) | "
        "undecided (1.00x [0.947-1.06]) | **1.00x** |",
        "| 2 | asyncio (api=gather) | 5.27 ms | 5.26-5.29 ms | 12 | 4 | 1.01x | "
        "undecided (1.01x [0.989-1.03]) |  |",
        "| 5 | sequential | 104 ms | 102-106 ms | 12 | 4 | 19.9x | 19.9x slower [19.3-20.5] |  |",
        "| 1 | threads | 21.3 ms | 21.1-21.4 ms | 12 | 4 | 1.00x | fastest | sd 18%, max +56% |",
        "| sleep_fanout | 1.00x (baseline) | 19.9x faster [19.3-20.5] | 18.5x faster [18.1-19.0] |",
        "| cpu_pure | 1.00x (baseline) | no difference (1.00x [0.983-1.02]) | "
        "undecided (0.997x [0.941-1.06]) |",
    ):
        assert line + "\n" in report, line
    assert "noise band of +-2%" in report
    assert "no interval" not in report.split("## Noise warnings")[1]  # only in the legends above
    for gone in ("significant", "within noise", "untested"):
        assert gone not in report, gone


def test_heatmap_cells_say_their_verdict() -> None:
    derived = _analysis()
    by_name = {s.benchmark: s for s in derived.samples}
    seq = by_name["cpu_pure/sequential[n=8,size=20000]"]
    asyncio = by_name["cpu_pure/asyncio[n=8,size=20000,api=gather]"]
    fanout = [by_name[f"sleep_fanout/{m}[n=20,latency_ms=5.0,concurrency=unbounded{extra}]"]
              for m, extra in (("threads", ",workers=0"), ("sequential", ""))]
    decided = derived.judge(*fanout)
    assert cell_text(Speedup(1 / decided.estimate, decided)) == ("18.5x\n[18.1-19.0]", True)
    tie = derived.judge(asyncio, seq)
    assert cell_text(Speedup(1 / tie.estimate, tie)) == ("1.00x\nno difference", False)
    assert cell_text(Speedup(1.0, None)) == ("1.00x\nbaseline", False)
    assert cell_text(None) == ("n/a", False)
    old = judge(*[s for s in analyse(load_results(SMALL)).samples][:2], same_run=True)
    assert (old.kind, old.text) == ("no interval", NO_ROUNDS)
    assert cell_text(Speedup(1 / old.estimate, old))[0].endswith("\nno interval")


def test_the_same_run_gives_the_same_report_byte_for_byte(report: str, tmp_path: Path) -> None:
    copy_ = tmp_path / "rounds.json"
    shutil.copy(ROUNDS, copy_)
    shutil.copy(ROUNDS.with_suffix(".runinfo"), copy_.with_suffix(".runinfo"))
    assert write_report(copy_).read_text() == report
