"""analysis of a run measured in rounds: paired verdicts, intervals, the heatmap's marks, drift, compare.

``tests/data/rounds.json`` is a real quick run in 4 rounds of 1 process x 3
values (see ``tests/data/README.md``).  Its numbers are what that machine
measured; the intervals are fixed by them and by the run's seed, so the
rendered texts are asserted exactly.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis import decision_table, load_results, plot_drift, read_runinfo, write_compare, write_report
from analysis.charts.drift import file_drifts, parse_probe
from analysis.charts.heatmap import cell_text
from analysis.data.bundle import Analysis, analyse
from analysis.data.decisions import Speedup
from analysis.data.disagreement import DISAGREE, compared, spread
from analysis.data.pyperf_verdict import PyperfVerdict, disagreement
from analysis.render.document import to_markdown
from analysis.sections.drift import disagreement_blocks
from benchmarks.core.runrecord import RunRecord
from benchmarks.stats.judge import NO_ROUNDS, judge

DATA = Path(__file__).resolve().parent.parent / "data"
ROUNDS = DATA / "rounds.json"
SMALL = DATA / "small.json"
THREADS = "cpu_pure/threads[n=8,size=20000,workers=0]"


def _analysis(frame: pd.DataFrame | None = None) -> Analysis:
    return analyse(load_results(ROUNDS) if frame is None else frame, [read_runinfo(ROUNDS)])


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(ROUNDS, out_dir=tmp_path_factory.mktemp("rounds") / "out")


@pytest.fixture(scope="module")
def report(written: Path) -> str:
    return written.read_text()


@pytest.fixture(scope="module")
def diagnostics(written: Path) -> str:
    return written.with_name("diagnostics.md").read_text()


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
    record = read_runinfo(ROUNDS).record
    assert record is not None
    assert record.rounds is not None
    undecided = record.rounds.undecided
    assert len(undecided) == 2
    for entry in undecided:
        ratio = derived.judge(by_name[entry.benchmark], by_name[entry.against]).ratio
        assert ratio is not None
        assert ratio.half_width == entry.half_width


def test_the_report_gives_every_comparison_its_interval_and_verdict(report: str, diagnostics: str) -> None:
    for line in (
        "| `sleep_fanout` | **asyncio (api=taskgroup)** | "
        "5.25 ms | 19.9x slower [19.3-20.5] | **1.00x** | 1.08x slower [1.04-1.11] |",
        "| `cpu_pure` | threads ≈ sequential ≈ asyncio | 21.3 ms | undecided (1.00x [0.947-1.06]) | "
        "undecided (1.00x [0.947-1.06]) | **1.00x** |",
        "| asyncio (api=gather) | 5.27 ms | undecided (1.01x [0.989-1.03]) |",
        "| sequential | 104 ms | 19.9x slower [19.3-20.5] |",
        "| threads | 21.3 ms | fastest | sd 18%, max +56% |",
        "| sleep_fanout | 1.00x (baseline) | 19.9x faster [19.3-20.5] | 18.5x faster [18.1-19.0] |",
        "| cpu_pure | 1.00x (baseline) | no difference (1.00x [0.983-1.019]) | "
        "undecided (0.997x [0.941-1.06]) |",
    ):
        assert line + "\n" in report, line
    for line in (  # every variant in full, with its spread, in the diagnostics
        "| asyncio (api=gather) | 5.27 ms | 5.26-5.29 ms | 12 | 4 | 1.01x | undecided (1.01x [0.989-1.03]) |",
        "| sequential | 104 ms | 102-106 ms | 12 | 4 | 19.9x | 19.9x slower [19.3-20.5] |",
        "| threads | 21.3 ms | 21.1-21.4 ms | 12 | 4 | 1.00x | fastest | sd 18%, max +56% |",
    ):
        assert line + "\n" in diagnostics, line
    assert "noise band of +-2%" in report
    assert "no interval" not in diagnostics.split("## Noise warnings")[1].split("\n## ")[0]
    for gone in ("significant", "within noise", "untested"):
        assert gone not in report, gone
        assert gone not in diagnostics, gone


def test_the_drift_section(report: str, diagnostics: str) -> None:
    section = diagnostics.split("## Drift during the run\n")[1].split("\n## ")[0]
    assert ("![Drift: CPU probes and the comparisons whose rounds disagree most](charts/drift.png) "
            "([SVG](charts/drift.svg))") in section
    assert "Rounds disagree in none of the 8 paired comparison(s).\n" in section
    assert ("`rounds.json`: 4 round(s) of 1 process(es) per benchmark (at least 4, at most 4; budget no "
            "limit; target +-5%; seed 1719429960; one shuffle over every benchmark). Stopped: 4 round(s), "
            "the most this run allows.") in section
    assert """Left wider than the target when the run stopped (2):

- `cpu_pure/sequential[n=8,size=20000]` against `cpu_pure/threads[n=8,size=20000,workers=0]`: +-5.94% \
after 4 round(s), wider than +-5%
- `cpu_pure/asyncio[n=8,size=20000,api=gather]` against `cpu_pure/threads[n=8,size=20000,workers=0]`: \
+-5.98% after 4 round(s), wider than +-5%
""" in section
    assert diagnostics.index("## Noise warnings") < diagnostics.index("## Drift during the run")
    # the report says it in one paragraph, with a link
    assert ("## How far to trust it\n\nThe machine drifted by up to 23% (a CPU's slowest probe over its "
            "fastest); rounds disagree in 0 of 8 paired comparisons; 2 comparison(s) stayed wider than +-5% "
            "when the run stopped; 1 benchmark(s) fail one of pyperf's stability checks. How the run went, "
            "the drift chart and every one of these: see [the diagnostics](diagnostics.md).\n") in report


def test_rounds_that_disagree_are_listed() -> None:
    """One round of threads made 1.5x slower, as a vCPU slowing down during its turn would."""
    frame = load_results(ROUNDS)
    frame.loc[(frame.benchmark == THREADS) & (frame["round"] == 2), "value"] *= 1.5
    text = to_markdown(disagreement_blocks(list(compared(_analysis(frame), "sequential"))))
    assert """Rounds disagree in 1 of 7 paired comparison(s):

| scenario | parameters | model | against | per-round ratios | max/min | verdict |
| --- | --- | --- | --- | --- | ---: | --- |
| `cpu_pure` | n=8, size=20000 | threads | sequential | 0.984, 0.973, 1.58, 0.983 | 1.62x | \
undecided (1.10x [0.749-1.63]) |
""" in text
    assert f"more than {DISAGREE:g} times the smallest" in text


def test_the_disagreement_rule() -> None:
    assert DISAGREE == 1.2
    assert spread([1.0, 1.2]) == pytest.approx(1.2)  # not more than 1.2: agree
    assert spread([0.9, 1.1]) > DISAGREE
    assert spread([1.3]) == 1.0


def test_the_drift_chart(tmp_path: Path) -> None:
    (drift,) = file_drifts(_analysis())
    assert sorted(drift.probes) == [0, 1]
    assert len(drift.probes[0]) == 8 * 4  # one probe per benchmark and round
    assert drift.probes[0][0] == (0.0, 1329.3)
    assert len(drift.medians) == 8
    png = plot_drift(_analysis(), tmp_path)
    assert png is not None
    assert png.read_bytes().startswith(b"\x89PNG")
    assert png.with_suffix(".svg").exists()
    assert plot_drift(load_results(SMALL), tmp_path / "none") is None  # no probe, no round
    assert parse_probe("0:1812.3,1:1790.1") == {0: 1812.3, 1: 1790.1}
    assert parse_probe("0:fast") == parse_probe(None) == {}


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


def _later(tmp_path: Path) -> Path:
    """rounds.json again, cpu_pure/sequential 1.3x slower and one more round of sleep_fanout/threads."""
    data = json.loads(ROUNDS.read_text())
    for bench in data["benchmarks"]:
        name = bench["metadata"]["name"]
        if name.startswith("sleep_fanout/threads"):
            extra = copy.deepcopy(bench["runs"][-1])
            extra["metadata"]["round"] = 4
            bench["runs"].append(extra)
        elif name == "cpu_pure/sequential[n=8,size=20000]":
            for run in bench["runs"]:
                run["values"] = [v * 1.3 for v in run.get("values", [])]
    path = tmp_path / "later.json"
    path.write_text(json.dumps(data))
    return path


def test_compare_is_unpaired_and_says_why_pyperf_differs(tmp_path: Path) -> None:
    _path, markdown = write_compare(ROUNDS, _later(tmp_path), tmp_path / "cmp")
    assert ("8 benchmark(s) in common: 0 faster and 1 slower beyond the noise band of +-2%, 3 no difference, "
            "4 undecided.") in markdown
    assert "**unpaired**: two runs share no rounds" in markdown
    for line in (
        "| `cpu_pure` | sequential | n=8, size=20000 | 21.7 ms | 28.2 ms | 1.30x | +30.0% | "
        "1.30x slower [1.29-1.31] | 1.30x slower |",
        "| `sleep_fanout` | threads | n=20, latency_ms=5.0, concurrency=unbounded, workers=0 | 5.66 ms | "
        "5.64 ms | 0.99x | -0.5% | undecided (0.995x [0.962-1.03]) | 1.00x slower |",
        "| `cpu_pure` | threads | n=8, size=20000, workers=0 | 21.3 ms | 21.3 ms | 1.00x | +0.0% | "
        "undecided (1.00x [0.936-1.07]) | not significant |",
    ):
        assert line + "\n" in markdown, line
    assert """Where `pyperf compare_to` says otherwise (1), and why:

- `sleep_fanout` threads (n=20, latency_ms=5.0, concurrency=unbounded, workers=0): pyperf calls it \
significant only because its t-test cannot compare samples of different sizes (12 vs 15 values) and then \
reports any difference as significant; here, unequal sizes only widen the interval.
""" in markdown


def test_compare_of_runs_before_rounds_gives_no_verdict(tmp_path: Path) -> None:
    _path, markdown = write_compare(SMALL, DATA / "sweep.json", tmp_path)
    assert ("4 benchmark(s) in common: 0 faster and 0 slower beyond the noise band of +-2%, 0 no difference, "
            "0 undecided, 4 with no interval (measured before rounds).") in markdown
    assert markdown.count("no interval (measured before rounds)") >= 4
    assert "says otherwise" not in markdown  # no verdict to disagree with


def test_why_pyperf_disagrees_in_each_case() -> None:
    derived = _analysis()
    by_name = {s.benchmark: s for s in derived.samples}
    seq, asyncio = by_name["cpu_pure/sequential[n=8,size=20000]"], by_name[
        "cpu_pure/asyncio[n=8,size=20000,api=gather]"]
    tie = judge(asyncio, seq, same_run=False)
    assert tie.kind == "no difference"
    assert disagreement(tie, PyperfVerdict(False, 1.0)) is None
    text = disagreement(tie, PyperfVerdict(True, 1.01))
    assert text is not None
    assert text.startswith("pyperf's t-test finds a difference, but the whole interval lies within +-2%")
    fanout = by_name["sleep_fanout/sequential[n=20,latency_ms=5.0,concurrency=unbounded]"]
    slower = judge(fanout, asyncio, same_run=False)
    assert slower.kind == "slower"
    text = disagreement(slower, PyperfVerdict(False, 4.8))
    assert text is not None
    assert text.startswith("pyperf finds it not significant because it pools")
    text = disagreement(slower, PyperfVerdict(True, 0.5))
    assert text is not None
    assert text.startswith("pyperf compares the means of the pooled values, which point the other way")
    assert disagreement(slower, PyperfVerdict(True, 4.8)) is None
    undecided = judge(by_name[THREADS], seq, same_run=False)
    assert undecided.kind == "undecided"
    text = disagreement(undecided, PyperfVerdict(True, 1.02))
    assert text is not None
    assert "pools the values of every process and round as if each were independent" in text


def test_a_report_of_two_runs_marks_their_cross_run_ratios_unpaired(tmp_path: Path) -> None:
    text = write_report(ROUNDS, _later(tmp_path), out_dir=tmp_path / "out").read_text()
    for line in (
        "| threads [rounds.json] | 21.3 ms | fastest | sd 18%, max +56% |",
        "| sequential [rounds.json] | 21.7 ms | undecided (1.00x [0.947-1.06]) |  |",  # one run: paired
        "| sequential [later.json] | 28.2 ms | 1.30x slower [1.23-1.38], unpaired |  |",  # two: marked
    ):
        assert line + "\n" in text, line


def test_a_blocked_run_with_rounds_the_budget_cut_says_so(tmp_path: Path) -> None:
    from analysis.data.load import RunInfo
    from analysis.render.document import Bullets, Para
    from analysis.sections.drift import run_rounds_blocks

    note = ("round 4: 12 of 80 benchmark(s) fit in the time left (90 s), those of the comparisons "
            "whose interval is widest for what they cost")
    info = RunInfo(tmp_path / "r.runinfo", "r.json", RunRecord.from_dict({"rounds": {
        "completed": 5, "processes_per_round": 1, "min": 3, "max": 12, "seed": 9, "budget_s": 840,
        "target_half_width": 0.02, "stop_reason": "the time budget", "order": "blocks",
        "budget_notes": [note]}}))
    blocks = run_rounds_blocks([info])
    assert isinstance(blocks[0], Para)
    assert ("seed 9; the models of each comparison one after another, blocks and models shuffled)"
            in blocks[0].text)
    assert isinstance(blocks[1], Para)
    assert blocks[1].text.startswith("Rounds measured in part, the budget paying only for the comparisons")
    assert blocks[2] == Bullets((note,))


def test_benchmarks_measured_without_warm_up_are_listed(tmp_path: Path) -> None:
    from analysis.data.load import RunInfo
    from analysis.render.document import Bullets, Para
    from analysis.sections.drift import run_rounds_blocks

    rounds = {"completed": 4, "processes_per_round": 1, "min": 3, "max": 12, "seed": 9, "budget_s": 840,
              "target_half_width": 0.02, "stop_reason": "the time budget", "order": "blocks"}
    info = RunInfo(tmp_path / "r.runinfo", "r.json", RunRecord.from_dict({"rounds": rounds, "warmups": {
        "per_process": 1, "free_after_first_round_s": 0.2, "dropped": ["s/sequential[n=5]"]}}))
    blocks = run_rounds_blocks([info])
    assert blocks[1] == Para("Measured without warm-up after their first round (1): one-loop runs of 0.2 s "
                             "or more whose warm-up in that round was within 5% of their value:")
    assert blocks[2] == Bullets(("`s/sequential[n=5]`",))
    info = RunInfo(tmp_path / "r.runinfo", "r.json",
                   RunRecord.from_dict({"rounds": rounds, "warmups": {"dropped": []}}))
    assert len(run_rounds_blocks([info])) == 1  # nothing dropped, nothing said
    info = RunInfo(tmp_path / "r.runinfo", "r.json",
                   RunRecord.from_dict({"rounds": rounds, "warmups": {"one_run": 3}}))
    assert run_rounds_blocks([info])[1] == Para(
        "Warmed up by one untimed run of a session instead of pyperf's warm-up of a whole value "
        "(benchmarks of several loops): 3.")


def test_a_round_cut_short_is_not_drawn_as_the_median_of_all() -> None:
    """The reference run's round 9 measured 2 of 234 benchmarks: its median is theirs, not the machine's."""
    from analysis.charts.drift import FileDrift, full_rounds, round_values

    drift = FileDrift("x.json", medians=[("threads", [(1, 1.0), (2, 1.1), (3, 0.7)]),
                                         ("asyncio", [(1, 0.9), (2, 1.0)]),
                                         ("sequential", [(1, 1.0), (2, 0.95)]),
                                         ("processes", [(1, 1.05), (2, 1.0), (3, 0.72)])])
    assert round_values(drift)[3] == [0.7, 0.72]
    assert full_rounds(drift) == [1, 2, 3]  # 2 of 4: half, still drawn
    drift.medians.append(("uvloop", [(1, 1.0), (2, 1.0)]))
    assert full_rounds(drift) == [1, 2]  # 2 of 5: left out of the median line
