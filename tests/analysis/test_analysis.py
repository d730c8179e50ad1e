"""analysis: loading, statistics, the decision table and charts, from committed fixtures.

``tests/data/exact.json`` is hand-made (``tests/data/make_exact.py``) so the
expected numbers are known; ``small.json`` and ``sweep.json`` are real quick
runs of this suite (``python -m benchmarks run --profile quick ...``).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pandas as pd
import pyperf
import pytest
from pyperf._compare import is_significant_benchs

from analysis import (
    decision_table,
    load_results,
    model_color,
    plot_latency_percentiles,
    plot_models,
    plot_scaling,
    plot_speedup_heatmap,
    write_csv,
)
from analysis._format import format_number, format_ratio, format_time
from analysis.charts.style import OKABE_ITO
from analysis.data.pyperf_verdict import compare_to
from analysis.data.samples import Sample, noise_warnings
from analysis.data.views import scenario_views

DATA = Path(__file__).resolve().parent.parent / "data"
EXACT = DATA / "exact.json"
SMALL = DATA / "small.json"
SWEEP = DATA / "sweep.json"
ECHO = DATA / "echo.json"  # tcp_echo, with its .metrics.jsonl side file
ROUNDS = DATA / "rounds.json"  # measured in rounds: run metadata round, cpu_probe_us, cpu_probe_spread
THREADS = "cpu_pure/threads[n=8,size=20000,workers=0]"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def exact() -> pd.DataFrame:
    return load_results(EXACT)


def test_one_row_per_measured_value_warmups_and_calibration_excluded(exact: pd.DataFrame) -> None:
    # sleep_fanout: 4 benchmarks x 2 runs x 3 values; toy_cpu: 6+6+3 at size 1000, 6+6+1 at 2000
    assert len(exact) == 24 + 15 + 13
    seq = exact[(exact.scenario == "sleep_fanout") & (exact.model == "sequential")]
    assert seq["value"].tolist() == [1.00, 1.02, 0.98, 1.01, 0.99, 1.00]
    assert seq["run"].tolist() == [0, 0, 0, 1, 1, 1]
    assert seq["value_index"].tolist() == [0, 1, 2, 0, 1, 2]
    # warm-ups were 1.2x and calibration 1.5x the first value: never rows
    assert not exact["value"].isin([1.2, 1.5]).any()


def test_columns_scenario_model_parameters_and_environment(exact: pd.DataFrame) -> None:
    assert list(exact.columns[:6]) == ["file", "scenario", "scenario_kind", "model", "benchmark", "params"]
    params = [c for c in exact.columns if c.startswith("param_")]
    assert params == ["param_n", "param_latency_ms", "param_concurrency", "param_api", "param_workers",
                      "param_size", "param_hubs"]
    first = exact.iloc[0].to_dict()
    expected = {
        "file": "exact.json", "scenario": "sleep_fanout", "scenario_kind": "io", "model": "sequential",
        "benchmark": "sleep_fanout/sequential[n=100,latency_ms=10.0,concurrency=unbounded]",
        "params": "n,latency_ms,concurrency", "param_n": 100, "param_latency_ms": 10.0,
        "param_concurrency": "unbounded", "param_api": None, "param_workers": None, "run": 0,
        "value_index": 0, "value": 1.0, "unit": "second", "loops": 1, "inner_loops": 1,
        "python_version": "3.11.7 (64-bit)", "python_implementation": "cpython", "python_pgo": "no",
        "python_lto": "no", "hostname": "fixture-host", "cpu_count": 2, "loop": None, "start_method": None,
        "profile": "default", "latency_p50": None,
    }
    assert {k: first[k] for k in expected} == expected
    threads = exact[exact.model == "threads"].iloc[0]
    # an int stays an int next to models that lack the parameter (no 0 -> 0.0)
    assert threads["param_workers"] == 0
    assert isinstance(threads["param_workers"], int)
    assert threads["pool_size"] == 100
    toy = exact[(exact.scenario == "toy_cpu") & (exact.model == "sequential")].iloc[0]
    assert (toy["latency_p50"], toy["latency_p90"], toy["latency_p99"]) == (0.002, 0.004, 0.009)
    # then the side file's other numbers, sorted, and how many timed values they are the median of
    assert list(exact.columns[-9:]) == [
        "latency_p50", "latency_p90", "latency_p99", "metric_handoff_us", "metric_peak_concurrency",
        "metric_rate_error", "metric_steals", "metric_wakeup_p50_us", "metrics_n"]


def test_real_quick_run_loads_with_its_environment() -> None:
    frame = load_results(SMALL)
    assert len(frame) == 10 * 6  # 10 benchmarks, 2 processes x 3 values
    assert set(frame["scenario"]) == {"sleep_fanout", "cpu_pure"}
    assert set(frame["model"]) == {"sequential", "asyncio", "threads"}
    for column in ("python_version", "python_implementation", "hostname", "cpu_count", "profile"):
        assert frame[column].notna().all(), column
    assert set(frame.loc[frame.scenario == "sleep_fanout", "param_concurrency"]) == {"unbounded"}


def test_each_value_knows_its_round_and_the_cpu_probe_before_it(tmp_path: Path) -> None:
    frame = load_results(ROUNDS)
    assert list(frame.columns[12:24]) == ["run", "value_index", "value", "cpu_time", "unit", "loops",
                                          "inner_loops", "round", "date", "cpu_probe_us", "cpu_probe_spread",
                                          "cpu_steal"]
    threads = frame[frame.benchmark == THREADS]
    assert threads["round"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert isinstance(threads["round"].iloc[0], int)
    first = threads.iloc[0]
    assert (first["date"], first["cpu_probe_us"], first["cpu_probe_spread"]) == (
        "2026-12-01 10:26:32.962130", "0:1339.7,1:1456.4", 1.087)
    assert threads["cpu_probe_us"].nunique() == 4  # one probe per round, on every value it preceded
    back = pd.read_csv(write_csv(frame, tmp_path / "values.csv"))
    assert back["round"].tolist() == frame["round"].tolist()
    assert back["cpu_probe_us"].tolist() == frame["cpu_probe_us"].tolist()
    assert back["cpu_probe_spread"].tolist() == frame["cpu_probe_spread"].tolist()
    # before rounds: no round, no probe, but pyperf's date
    old = load_results(SMALL)
    assert old["round"].isna().all()
    assert old["cpu_probe_us"].isna().all()
    assert old["date"].notna().all()


def test_a_sample_keeps_its_values_by_round_and_process() -> None:
    from analysis.data.views import samples

    found = {s.benchmark: s for s in samples(load_results(ROUNDS))}
    threads = found[THREADS]
    assert [r for r, _ in threads.rounds or ()] == [0, 1, 2, 3]
    raw = next(b for b in json.loads(ROUNDS.read_text())["benchmarks"] if b["metadata"]["name"] == THREADS)
    in_round_2 = [run["values"] for run in raw["runs"] if run.get("values") and run["metadata"]["round"] == 2]
    assert threads.by_round[2] == tuple(tuple(v) for v in in_round_2)
    assert threads.by_round[2][0][0] == pytest.approx(0.03514, rel=1e-3)  # the slow value pyperf flags
    assert sum(len(v) for processes in threads.by_round.values() for v in processes) == threads.n == 12
    assert {s.rounds for s in samples(load_results(SMALL))} == {None}


def test_latency_percentiles_from_the_metrics_side_file(tmp_path: Path) -> None:
    frame = load_results(ECHO)
    records = [json.loads(line) for line in ECHO.with_suffix(".metrics.jsonl").read_text().splitlines()]
    for bench, group in frame.groupby("benchmark"):
        timed = [r for r in records if r["benchmark"] == bench and r["run"] == "value"]
        assert len(timed) == len(group) == 6  # one record per measured value; warm-ups left out
        for pct in (50, 90, 99):
            expected = statistics.median(r[f"latency_p{pct}_us"] for r in timed) / 1e6
            assert group[f"latency_p{pct}"].tolist() == [pytest.approx(expected)] * 6
    png = plot_latency_percentiles(frame, "tcp_echo", tmp_path)
    _check_files(png)


def _by_benchmark(frame: pd.DataFrame, columns: list[str]) -> dict[str, dict[str, object]]:
    """The first row of each benchmark (side-file columns repeat on every row), NaN as None."""
    first = frame.groupby("benchmark", sort=False)[columns].first()
    return {str(bench): {c: (None if pd.isna(v) else v) for c, v in row.items()}
            for bench, row in first.iterrows()}


METRIC_COLUMNS = ["metric_handoff_us", "metric_peak_concurrency", "metric_rate_error", "metric_steals",
                  "metric_wakeup_p50_us", "metrics_n"]
#: tests/data/make_exact.py's METRICS, as medians over each benchmark's timed values
EXACT_METRICS = {
    "sleep_fanout/sequential[n=100,latency_ms=10.0,concurrency=unbounded]": {
        "metric_peak_concurrency": 1.0, "metric_wakeup_p50_us": 12.5, "metrics_n": 6},
    "sleep_fanout/asyncio[n=100,latency_ms=10.0,concurrency=unbounded,api=gather]": {
        "metric_peak_concurrency": 100.0, "metric_wakeup_p50_us": 42.5, "metrics_n": 6},
    "sleep_fanout/asyncio[n=100,latency_ms=10.0,concurrency=unbounded,api=taskgroup]": {
        "metric_peak_concurrency": 100.0, "metric_wakeup_p50_us": 1234.875, "metrics_n": 6},
    "sleep_fanout/threads[n=100,latency_ms=10.0,concurrency=unbounded,workers=0]": {
        "metric_peak_concurrency": 100.0, "metric_rate_error": -0.0123, "metrics_n": 6},
    "toy_cpu/sequential[n=8,size=1000]": {},
    "toy_cpu/greenlets[n=8,size=1000,hubs=1]": {"metric_handoff_us": 2.5, "metric_steals": 0.5,
                                                "metrics_n": 6},
    "toy_cpu/greenlets[n=8,size=1000,hubs=2]": {"metric_handoff_us": 1.3e-05, "metrics_n": 3},
    "toy_cpu/sequential[n=8,size=2000]": {},
    "toy_cpu/greenlets[n=8,size=2000,hubs=1]": {"metric_handoff_us": 3.5, "metrics_n": 6},
    "toy_cpu/greenlets[n=8,size=2000,hubs=2]": {},
}


def test_every_number_of_the_metrics_side_file_becomes_a_column(exact: pd.DataFrame) -> None:
    # Medians over "value" records only (calibration 999 and warm-up 555 left out); a word,
    # a boolean, a NaN, the records' own keys (loops, seconds) and a benchmark that is not in
    # the results are not metrics; the truncated last line is skipped.
    assert [c for c in exact.columns if c.startswith("metric")] == METRIC_COLUMNS
    expected = {bench: {c: cells.get(c) for c in METRIC_COLUMNS} for bench, cells in EXACT_METRICS.items()}
    assert _by_benchmark(exact, METRIC_COLUMNS) == expected
    assert exact["metric_peak_concurrency"].dtype == "float64"
    assert isinstance(exact["metrics_n"].iloc[0], int)  # a count stays whole
    # repeated on every row of the benchmark, like the latency columns
    threads = exact[exact.benchmark.str.startswith("sleep_fanout/threads")]
    assert threads["metric_rate_error"].tolist() == [-0.0123] * 6


def test_metrics_in_the_csv(exact: pd.DataFrame, tmp_path: Path) -> None:
    back = pd.read_csv(write_csv(exact, tmp_path / "values.csv"))
    assert _by_benchmark(back, METRIC_COLUMNS) == {
        bench: {c: cells.get(c) for c in METRIC_COLUMNS} for bench, cells in EXACT_METRICS.items()}
    header = (tmp_path / "values.csv").read_text().splitlines()[0]
    assert header.endswith(",latency_p99," + ",".join(METRIC_COLUMNS))


def test_latency_and_metrics_of_a_real_side_file() -> None:
    frame = load_results(ECHO)
    # latency_p<NN>_us keep their own columns; latency_samples is any other number
    assert [c for c in frame.columns if c.startswith("metric")] == ["metric_latency_samples", "metrics_n"]
    assert set(frame["metric_latency_samples"]) == {80.0}
    assert set(frame["metrics_n"]) == {6}
    assert not any(c.startswith("metric") for c in load_results(SMALL).columns)  # no side file


def test_latency_percentiles_from_metadata_with_a_unit() -> None:
    from analysis.data.load import latency_columns

    assert latency_columns({"latency_p99_us": 1500, "latency_p50": 0.25, "latency_p99.9_ms": 2,
                            "latency_samples": 80, "other": 1}) == {
        "latency_p99": pytest.approx(0.0015), "latency_p50": 0.25, "latency_p99.9": 0.002}


def test_several_files_make_one_frame() -> None:
    frame = load_results(SMALL, EXACT)
    assert list(dict.fromkeys(frame["file"])) == ["small.json", "exact.json"]
    assert len(frame) == 60 + 52


def test_csv_export_round_trips_values(exact: pd.DataFrame, tmp_path: Path) -> None:
    path = write_csv(exact, tmp_path / "values.csv")
    back = pd.read_csv(path)
    assert list(back.columns) == list(exact.columns)
    assert back["value"].tolist() == exact["value"].tolist()
    assert back["benchmark"].tolist() == exact["benchmark"].tolist()


def test_formatting_is_fixed_precision() -> None:
    assert [format_time(x) for x in (1.0, 0.0123, 0.00012345, 2.5e-8, 0.9999, 123.4)] == [
        "1.00 s", "12.3 ms", "123 us", "25.0 ns", "1.00 s", "123 s"]
    assert [format_ratio(x) for x in (1.0, 1.2345, 18.66, 100.4)] == ["1.00x", "1.23x", "18.7x", "100x"]
    assert [format_ratio(x) for x in (0.25, 1 / 652, 1 / 14.3)] == ["0.25x", "1/652x", "1/14.3x"]
    assert [format_number(x) for x in (16.0, 12.5, 1234.875, 99.96, 3.5, 0.5, -0.0123, 1.3e-05, 0.0)] == [
        "16", "12.5", "1235", "100", "3.50", "0.500", "-0.0123", "1.30e-05", "0"]


def _decision(exact: pd.DataFrame, scenario: str, **point: object) -> pd.DataFrame:
    table = decision_table(exact)
    rows = table[table.scenario == scenario]
    for name, value in point.items():
        rows = rows[rows[f"param_{name}"] == value]
    return rows.set_index("contender")


NO_ROUNDS = ("no interval", "no interval (measured before rounds)")


def test_decision_table_picks_the_winner_and_marks_noise(exact: pd.DataFrame) -> None:
    rows = _decision(exact, "sleep_fanout")
    assert rows["rank"].to_dict() == {"asyncio (api=gather)": 1, "asyncio (api=taskgroup)": 2,
                                      "threads": 3, "sequential": 4}
    assert rows.loc["asyncio (api=gather)", "verdict"] == "fastest"
    assert rows.loc["asyncio (api=gather)", "median"] == pytest.approx(0.0100)
    # exact.json predates rounds: ratios of medians, and never a verdict
    tie = rows.loc["asyncio (api=taskgroup)"]
    assert (tie["ratio_to_fastest"], tie["verdict"], tie["verdict_text"]) == (1.0, *NO_ROUNDS)
    threads = rows.loc["threads"]
    assert threads["ratio_to_fastest"] == pytest.approx(1.2)
    assert (threads["verdict"], threads["verdict_text"]) == NO_ROUNDS
    assert rows[["low", "high", "rounds"]].isna().all().all()
    assert rows.loc["sequential", "ratio_to_fastest"] == pytest.approx(100.0)


def test_decision_table_on_a_scenario_and_model_the_registry_does_not_know(exact: pd.DataFrame) -> None:
    small = _decision(exact, "toy_cpu", size=1000)
    assert list(small.index) == ["greenlets (hubs=1)", "greenlets (hubs=2)", "sequential"]
    assert small.loc["greenlets (hubs=1)", "noisy"]
    assert small.loc["greenlets (hubs=2)", "verdict"] == "no interval"
    assert small.loc["sequential", "ratio_to_fastest"] == pytest.approx(2.0)
    assert small.loc["sequential", "verdict"] == "no interval"
    large = _decision(exact, "toy_cpu", size=2000)
    assert large.loc["greenlets (hubs=2)", "verdict"] == "no interval"


def _bench(values: tuple[float, ...]) -> pyperf.Benchmark:
    run = pyperf.Run(values, metadata={"name": "b", "unit": "second"}, collect_metadata=False)
    return pyperf.Benchmark([run])


@pytest.mark.parametrize(("base", "new"), [
    ((0.0100, 0.0101, 0.0099, 0.0100, 0.0102, 0.0098), (0.0120, 0.0121, 0.0119, 0.0120, 0.0122, 0.0118)),
    ((0.0100, 0.0101, 0.0099), (0.0100, 0.0102, 0.0098)),  # the same: not significant
    ((1.0, 1.0), (2.0, 2.0)),  # no spread: pyperf's test divides by zero, and pyperf says "significant"
    ((1.0,), (2.0,)),  # one value each: pyperf says "significant"
    ((1.0, 1.1, 0.9), (1.0, 1.1, 0.9, 1.05, 0.95, 1.0)),  # different sizes: pyperf says "significant"
])
def test_compare_to_says_what_pyperf_compare_to_says(base: tuple[float, ...], new: tuple[float, ...]) -> None:
    found = compare_to(_sample(base), _sample(new))
    assert found.significant == is_significant_benchs(_bench(base), _bench(new))[0]
    assert found.ratio == pytest.approx(statistics.fmean(new) / statistics.fmean(base))


def _sample(values: tuple[float, ...], loops: int = 1) -> Sample:
    return Sample("f.json", "b", "s", "cpu", "m", (), values, shortest_raw=min(values) * loops)


def test_noise_checks_use_pyperfs_thresholds() -> None:
    assert noise_warnings(_sample((1.0, 1.01, 0.99))) == []
    shorts = [w.short for w in noise_warnings(_sample((1.0, 1.0, 1.0, 1.0, 1.0, 3.0)))]
    assert shorts == ["sd 61%", "max +125%"]
    assert [w.short for w in noise_warnings(_sample((0.0005, 0.0005)))] == ["short"]


def test_contenders_are_models_with_their_own_parameters(exact: pd.DataFrame) -> None:
    views = {v.name: v for v in scenario_views(exact)}
    assert list(views) == ["sleep_fanout", "toy_cpu"]  # registry scenario first, then unknown ones
    sleep = views["sleep_fanout"]
    assert sleep.point_names == ("n", "latency_ms", "concurrency")
    assert [c.label for c in sleep.contenders] == [
        "sequential", "asyncio (api=gather)", "asyncio (api=taskgroup)", "threads"]
    assert sleep.fixed["threads"] == (("workers", 0),)
    toy = views["toy_cpu"]
    assert toy.point_names == ("n", "size")  # shared by every model of the scenario
    assert toy.swept() == ["size", "hubs"]


def test_a_model_keeps_its_colour_everywhere() -> None:
    assert model_color("sequential") == OKABE_ITO[0]
    assert model_color("asyncio") == OKABE_ITO[1]
    assert model_color("executor-process") == OKABE_ITO[7]
    assert model_color("greenlets") == model_color("greenlets") != model_color("trio")
    assert model_color("greenlets") not in OKABE_ITO


def _check_files(png: Path | None) -> None:
    """The PNG returned and the SVG beside it exist, are what they claim and are not empty."""
    assert png is not None
    assert png.suffix == ".png"
    assert png.read_bytes().startswith(PNG_MAGIC)
    assert png.stat().st_size > 1000
    svg = png.with_suffix(".svg").read_bytes()
    assert svg.startswith(b"<?xml")
    assert b"</svg>" in svg


def test_every_chart_is_written_as_png_and_svg(exact: pd.DataFrame, tmp_path: Path) -> None:
    written = [
        plot_models(exact, "sleep_fanout", tmp_path),
        plot_models(exact, "toy_cpu", tmp_path),
        plot_scaling(exact, "toy_cpu", "size", tmp_path),
        plot_scaling(exact, "toy_cpu", "hubs", tmp_path),
        plot_latency_percentiles(exact, "toy_cpu", tmp_path),
        plot_speedup_heatmap(exact, tmp_path),
        plot_speedup_heatmap(exact, tmp_path, baseline="greenlets"),
    ]
    for png in written:
        _check_files(png)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {p.with_suffix(s).name for p in written if p for s in (".png", ".svg")}
    assert len(names) == 14


def test_one_format_on_request(exact: pd.DataFrame, tmp_path: Path) -> None:
    svg = plot_models(exact, "sleep_fanout", tmp_path, formats=("svg",))
    assert [p.name for p in tmp_path.iterdir()] == [svg.name] == ["sleep_fanout-models.svg"]
    with pytest.raises(ValueError, match="unknown chart format"):
        plot_models(exact, "sleep_fanout", tmp_path, formats=("gif",))


def test_charts_of_a_real_sweep(tmp_path: Path) -> None:
    frame = load_results(SWEEP)
    _check_files(plot_scaling(frame, "sleep_fanout", "concurrency", tmp_path))


def test_charts_that_do_not_apply(exact: pd.DataFrame, tmp_path: Path) -> None:
    assert plot_latency_percentiles(exact, "sleep_fanout", tmp_path) is None  # no latency metadata
    with pytest.raises(ValueError, match="takes fewer than two values"):
        plot_scaling(exact, "sleep_fanout", "n", tmp_path)
    with pytest.raises(ValueError, match="no benchmark of scenario 'nope'"):
        plot_models(exact, "nope", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_charts_are_deterministic(exact: pd.DataFrame, tmp_path: Path) -> None:
    one = plot_models(exact, "sleep_fanout", tmp_path / "a", ("svg",)).read_bytes()
    two = plot_models(exact, "sleep_fanout", tmp_path / "b", ("svg",)).read_bytes()
    assert one == two
    assert b"<dc:date>" not in one


def test_a_pyperf_suite_without_concbench_metadata_is_refused(tmp_path: Path) -> None:
    from analysis import AnalysisError

    run = pyperf.Run([1.0], metadata={"name": "plain"}, collect_metadata=False)
    path = tmp_path / "plain.json"
    pyperf.BenchmarkSuite([pyperf.Benchmark([run])]).dump(str(path))
    with pytest.raises(AnalysisError, match="has no scenario, model, params metadata"):
        load_results(path)


def test_each_value_has_its_cpu_time_and_each_run_its_steal(tmp_path: Path) -> None:
    """``cpu_times`` (one per value, in order) lands beside each value; a list of another length
    than the values, or none, gives NaN rather than CPU times of other values."""
    data = json.loads(ROUNDS.read_text())
    bench = next(b for b in data["benchmarks"] if b["metadata"]["name"] == THREADS)
    measured = [run for run in bench["runs"] if run.get("values")]
    measured[0]["metadata"].update(cpu_times="0.01,0.02,0.03", cpu_steal=0.05)
    measured[1]["metadata"].update(cpu_times="0.01,0.02")  # 3 values: not theirs
    copy = tmp_path / ROUNDS.name
    copy.write_text(json.dumps(data))
    threads = load_results(copy).query("benchmark == @THREADS")
    assert threads["cpu_time"].iloc[:3].tolist() == [0.01, 0.02, 0.03]
    assert threads["cpu_time"].iloc[3:].isna().all()
    assert threads["cpu_steal"].iloc[:3].tolist() == [0.05] * 3
    assert threads["cpu_steal"].iloc[3:].isna().all()

