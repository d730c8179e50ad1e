"""analysis: the crossover table, on synthetic frames with known answers and on a real granularity run.

``tests/data/granularity.json`` is a real quick run (see ``tests/data/README.md``):
``unit_us`` = 10, 100, 1000 and two start methods, measured before rounds, so
its crossovers are read off its medians and carry no verdict.  The synthetic
frames are measured in rounds (one value per round) and cover what it does
not: always, never, not established, a non-monotonic curve, ties, gaps and
sweeps too short to say anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyperf
import pytest

from analysis import crossover_table, load_results, write_report
from analysis.data.bundle import analyse
from analysis.data.load import frame_from_suites
from analysis.data.samples import Sample
from analysis.render.document import to_markdown
from analysis.sections.crossover import crossing, crossover_blocks, crossovers
from benchmarks.stats.judge import Judge

DATA = Path(__file__).resolve().parent.parent / "data"
GRANULARITY = DATA / "granularity.json"
SIZES = (1, 10, 100, 1000)


def _bench(model: str, params: dict[str, Any], values: tuple[float, ...], rounds: bool) -> pyperf.Benchmark:
    """One run per value, each its own round; or, before rounds, one run of every value."""
    text = ",".join(f"{k}={v}" for k, v in params.items())
    meta = {"name": f"grain/{model}[{text}]", "scenario": "grain", "scenario_kind": "cpu", "model": model,
            "params": ",".join(params), "unit": "second", "loops": 1,
            **{f"param_{k}": v for k, v in params.items()}}
    if not rounds:
        return pyperf.Benchmark([pyperf.Run(values, metadata=meta, collect_metadata=False)])
    return pyperf.Benchmark([pyperf.Run([v], metadata={**meta, "round": r}, collect_metadata=False)
                             for r, v in enumerate(values)])


def _spread(median: float, wide: bool = False) -> tuple[float, ...]:
    """Four values around ``median`` (the median of four is the mean of the middle two)."""
    d = median * (0.3 if wide else 0.01)
    return (median - 2 * d, median - d / 2, median + d / 2, median + 2 * d)


def _frame(curves: dict[tuple[str, tuple[tuple[str, Any], ...]], dict[int, float]], kind: str = "a",
           wide: frozenset[str] = frozenset(), rounds: bool = True) -> list[pyperf.Benchmark]:
    """(model, its own parameters) -> {size: median}, at ``kind``.

    Sequential's values come in the reverse order of the others', so that its
    per-round ratios with them vary (by up to 4%) and their intervals have a width.
    """
    benches = []
    for (model, own), medians in curves.items():
        for size, median in medians.items():
            values = _spread(median, wide=model in wide)
            benches.append(_bench(model, {"kind": kind, "size": size, **dict(own)},
                                  values[::-1] if model == "sequential" else values, rounds))
    return benches


def _load(*groups: list[pyperf.Benchmark]) -> pd.DataFrame:
    suite = pyperf.BenchmarkSuite([b for group in groups for b in group])
    return frame_from_suites([("synthetic.json", suite, {})])


FLAT = dict.fromkeys(SIZES, 1.0)
CURVES = {
    ("sequential", ()): FLAT,
    ("always", ()): {1: 0.5, 10: 0.5, 100: 0.5, 1000: 0.5},
    ("late", ()): {1: 0.9, 10: 1.1, 100: 0.8, 1000: 0.4},  # faster at 1, slower at 10, then faster
    ("dip", ()): {1: 1.1, 10: 0.9, 100: 1.1, 1000: 1.2},  # faster in the middle only
    ("tie", ()): {1: 0.9, 10: 0.9, 100: 0.9, 1000: 1.0},  # level with the baseline at the top
    ("noisy", ()): {1: 2.0, 10: 2.0, 100: 2.0, 1000: 0.98},
    ("pool", (("workers", 1),)): {1: 3.0, 10: 2.0, 100: 0.9, 1000: 0.6},
    ("pool", (("workers", 2),)): {1: 3.0, 10: 2.0, 100: 2.0, 1000: 0.45},
}


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return _load(_frame(CURVES, wide=frozenset({"noisy"})))


def _cells(table: pd.DataFrame, against: str) -> dict[str, tuple[object, ...]]:
    rows = table[table.against == against]
    return {r.contender: (r.faster_from, r.always, None if pd.isna(r.speedup) else round(r.speedup, 3),
                          r.verdict) for r in rows.itertuples()}


def test_crossover_on_a_synthetic_frame(synthetic: pd.DataFrame) -> None:
    table = crossover_table(synthetic)
    assert set(table.scenario) == {"grain"}
    assert set(table.swept) == {"size"}  # workers is a model parameter: no baseline at each value
    never = (None, False, None, None)
    assert _cells(table, "sequential") == {
        "always": (1, True, 2.0, "faster"),
        "late": (100, False, 1.25, "faster"),  # faster at 1 too, but not at 10
        "dip": never,
        "tie": never,  # level with the baseline at the top: undecided there, so not established
        # 2% faster by medians at the top, but its values spread 30%: undecided there. (Before
        # rounds, pyperf's t-test and the IQR rule made this "from 1000, within noise".)
        "noisy": never,
        "pool (workers=1)": (100, False, 1.111, "faster"),
        "pool (workers=2)": (1000, False, 2.222, "faster"),
    }
    texts = table[table.against == "sequential"].set_index("contender").verdict_text
    assert texts["tie"] == "not established: undecided (1.00x [0.949-1.05]) at size=1000"
    assert texts["dip"] == "never"
    # Against the fastest other model at each value: late (0.4) beats the 0.45 of pool
    # (workers=2) at the top, and so takes "always" away from always (0.5).
    assert _cells(table, "every other model") == {
        "always": never, "late": (1000, False, 1.125, "faster"), "dip": never, "tie": never,
        "noisy": never, "pool (workers=1)": never, "pool (workers=2)": never,
    }
    # A model's variants are not each other's rivals: alone with sequential, pool (workers=1)
    # beats every other model from 100, although pool (workers=2) is faster at 1000.
    pool = crossover_table(_load(_frame({("sequential", ()): FLAT, **{
        k: v for k, v in CURVES.items() if k[0] == "pool"}})))
    assert _cells(pool, "every other model")["pool (workers=1)"] == (100, False, 1.111, "faster")
    assert table.not_run_at.isna().all()


def test_crossover_is_rendered_exactly(synthetic: pd.DataFrame) -> None:
    text = _render(synthetic)
    assert "**Crossover** along `size`:\n" in text  # kind has one value: not repeated in the title
    for line in (
        "| model | faster than sequential | faster than every other model |",
        "| always | always (2.00x faster [1.90-2.11] at size=1) | never |",
        "| late | from size=100 (1.25x faster [1.19-1.32]) | from size=1000 (1.12x faster [1.12-1.13]) |",
        "| dip | never | never |",
        "| tie | not established: undecided (1.00x [0.949-1.05]) at size=1000 | never |",
        "| noisy | not established: undecided (0.872x [0.34-2.23]) at size=1000 | "
        "not established: undecided (2.18x [0.895-5.31]) at size=1000 |",
        "| pool (workers=1) | from size=100 (1.11x faster [1.05-1.17]) | never |",
        "| pool (workers=2) | from size=1000 (2.22x faster [2.11-2.34]) | never |",
    ):
        assert line + "\n" in text, line


def test_before_rounds_the_crossover_is_read_off_the_medians_with_no_verdict() -> None:
    """The rule of the median, as before rounds, but never called faster: no interval, no verdict."""
    frame = _load(_frame(CURVES, wide=frozenset({"noisy"}), rounds=False))
    assert _cells(crossover_table(frame), "sequential") == {
        "always": (1, True, 2.0, "no interval"), "late": (100, False, 1.25, "no interval"),
        "dip": (None, False, None, None), "tie": (None, False, None, None),
        "noisy": (1000, False, 1.02, "no interval"), "pool (workers=1)": (100, False, 1.111, "no interval"),
        "pool (workers=2)": (1000, False, 2.222, "no interval"),
    }
    text = _render(frame)
    for line in (
        "| always | by medians always (2.00x at size=1, no interval) | by medians never (no interval) |",
        "| late | by medians from size=100 (1.25x, no interval) | "
        "by medians from size=1000 (1.12x, no interval) |",
        "| noisy | by medians from size=1000 (1.02x, no interval) | by medians never (no interval) |",
    ):
        assert line + "\n" in text, line
    assert "faster" not in text.replace("faster than", "")


def _render(frame: pd.DataFrame) -> str:
    """The crossover tables of a frame as the report writes them (without drawing its charts)."""
    derived = analyse(frame)
    return to_markdown(crossover_blocks(crossovers(derived.views, derived.decisions, derived.baseline(),
                                                   derived.judge)))


def _in_rounds(name: str, values: tuple[float, ...]) -> Sample:
    """A sample of ``values``, one per round."""
    rounds = tuple((r, ((v,),)) for r, v in enumerate(values))
    return Sample("f", name, "s", "cpu", "m", (), values, rounds=rounds)


def _samples(*medians: float) -> list[Sample]:
    return [_in_rounds(f"b{m}", _spread(m)) for m in medians]


def test_crossing_rule() -> None:
    judge = Judge()
    ref = [_in_rounds("ref", _spread(1.0)[::-1])] * 3
    assert crossing((1, 2, 3), ref, _samples(0.5, 0.5, 0.5), judge).always
    assert crossing((1, 2, 3), ref, _samples(2.0, 0.5, 0.5), judge).at == 2
    assert crossing((1, 2, 3), ref, _samples(0.5, 2.0, 0.5), judge).at == 3  # non-monotonic: the last stretch
    found = crossing((1, 2, 3), ref, _samples(0.5, 0.5, 2.0), judge)
    assert (found.at, found.always, found.speedup, found.text("n")) == (None, False, None, "never")
    level = crossing((1, 2, 3), ref, _samples(0.5, 0.5, 1.0), judge)
    assert level.at is None
    assert level.text("n").startswith("not established: undecided (1.00x [")


def test_each_point_of_the_other_parameters_has_its_own_table() -> None:
    b_curves = {("sequential", ()): FLAT, ("late", ()): {1: 2.0, 10: 0.5, 100: 0.5, 1000: 0.5}}
    frame = _load(_frame(CURVES), _frame(b_curves, kind="b"))
    table = crossover_table(frame)
    assert list(dict.fromkeys(zip(table.param_kind, table.contender, strict=True)))[-1] == ("b", "late")
    late = table[(table.contender == "late") & (table.against == "sequential")]
    assert late.set_index("param_kind").faster_from.to_dict() == {"a": 100, "b": 10}
    text = _render(frame)
    assert "**Crossover** along `size` at kind=a:\n" in text
    assert "**Crossover** along `size` at kind=b:\n" in text


def test_no_table_where_it_would_say_nothing() -> None:
    two_sizes = {m: {1: v[1], 10: v[10]} for m, v in CURVES.items()}
    no_baseline_at_10 = {**CURVES, ("sequential", ()): {1: 1.0, 100: 1.0, 1000: 1.0}}
    for curves in (two_sizes, no_baseline_at_10):
        frame = _load(_frame(curves))
        assert crossover_table(frame).empty
        assert _render(frame) == "\n"  # no blocks at all


def test_a_contender_missing_at_a_value_is_said() -> None:
    gappy = {**CURVES, ("late", ()): {1: 0.9, 100: 0.8, 1000: 0.4}}
    frame = _load(_frame(gappy))
    table = crossover_table(frame)
    late = table[table.contender == "late"]
    assert late.not_run_at.tolist() == ["10", "10"]
    assert late.faster_from.isna().all()
    assert "| late | not run at size=10 | - |\n" in _render(frame)


def test_another_baseline(synthetic: pd.DataFrame) -> None:
    table = crossover_table(synthetic, baseline="dip")
    cells = _cells(table, "dip")
    assert "dip" not in cells
    assert cells["sequential"] == (100, False, 1.1, "faster")  # the baseline is an ordinary row now
    assert cells["late"] == (100, False, 1.375, "faster")


def test_crossover_of_a_real_granularity_run(tmp_path: Path) -> None:
    frame = load_results(GRANULARITY)
    table = crossover_table(frame)
    assert set(zip(table.scenario, table.swept, table.param_unit_kind, table.param_total_ms,
                   strict=True)) == {("granularity", "unit_us", "pure", 5)}
    # By medians, process pools cross sequential at 1000 us under both start methods, and one
    # thread per CPU too; the run predates rounds, so none of it is a verdict.  (The t-test and
    # the IQR rule once called threads and fork "within noise", executor-process fork "significant".)
    assert {c: (at, verdict) for c, (at, _, _, verdict) in _cells(table, "sequential").items()} == {
        "threads": (1000, "no interval"),
        "processes (start_method=fork)": (1000, "no interval"),
        "processes (start_method=forkserver)": (1000, "no interval"),
        "executor-process (start_method=fork)": (1000, "no interval"),
        "executor-process (start_method=forkserver)": (1000, "no interval"),
    }
    others = _cells(table, "every other model")
    assert {c: at for c, (at, _, _, _) in others.items()} == {
        "threads": None, "processes (start_method=fork)": None, "processes (start_method=forkserver)": None,
        "executor-process (start_method=fork)": 1000, "executor-process (start_method=forkserver)": 1000,
    }
    report = write_report(GRANULARITY, out_dir=tmp_path / "out")
    text = report.read_text()
    for line in (
        "**Crossover** along `unit_us`:",
        "| threads | by medians from unit_us=1000 (1.02x, no interval) | by medians never (no interval) |",
        "| processes (start_method=forkserver) | by medians from unit_us=1000 (1.22x, no interval) | "
        "by medians never (no interval) |",
        "| executor-process (start_method=fork) | by medians from unit_us=1000 (1.24x, no interval) | "
        "by medians from unit_us=1000 (1.02x, no interval) |",
    ):
        assert line in text, line
    assert text.count("**Crossover**, for each quantity") == 1  # the rule, once, before the scenarios
    assert text.index("**Crossover**, for each quantity") < text.index("### `granularity`")
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<p><strong>Crossover</strong> along <code>unit_us</code>:</p>" in html
    assert "<td>by medians from unit_us=1000 (1.24x, no interval)</td>" in html
    again = write_report(GRANULARITY, out_dir=tmp_path / "again")
    assert again.read_bytes() == report.read_bytes()
