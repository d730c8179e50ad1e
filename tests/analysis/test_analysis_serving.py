"""analysis: an echo server under load: throughput, what bounds it, latency against load, the flag.

From the two real ``tcp_echo`` runs of tests/data (``echo_closed``: message
sizes 100 B and 64 KiB, closed loop; ``echo_open``: offered rates 20,000 and
60,000/s, open loop), and copies of their frames changed in one known way, so
that each rule is seen to fire on what the run recorded, and only there.  The
numbers asserted are the fixture's own (medians over its timed values); the
runs were made niced on a busy machine, so nothing here says which server is
faster.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pandas as pd
import pytest

from analysis import load_results, write_report
from analysis.charts.serving import plot_latency_load, plot_throughput
from analysis.data.bundle import Analysis, analyse
from analysis.data.load import RunInfo, read_runinfo
from analysis.data.served import GENERATOR, NEITHER, SERVER, bound_by, generator_bound, served
from analysis.render.document import to_markdown
from analysis.sections.decision_table import GENERATOR_MARK, decision_blocks
from analysis.sections.serving import serving_blocks, where

DATA = Path(__file__).resolve().parent.parent / "data"
CLOSED = DATA / "echo_closed.json"
OPEN = DATA / "echo_open.json"
ECHO = DATA / "echo.json"  # an older tcp_echo run: no rates, no CPU, no capacity
TAIL = "depth=1,warmup_trips=25,loadgen_procs=1,generator=native,placement=split,malloc=warm,mode=closed"
ASYNCIO_100 = f"tcp_echo/asyncio[connections=4,round_trips=250,message_bytes=100,{TAIL},server=protocol]"
THREADS_64K = f"tcp_echo/threads[connections=4,round_trips=250,message_bytes=65536,{TAIL}]"


def _runinfo(path: Path) -> RunInfo:
    return read_runinfo(path)


def _analysis(path: Path, frame: pd.DataFrame | None = None, runinfo: bool = True) -> Analysis:
    return analyse(load_results(path) if frame is None else frame, [_runinfo(path)] if runinfo else [])


def _section(analysis: Analysis) -> str:
    return to_markdown(serving_blocks(analysis, analysis.view("tcp_echo")))


def _decision(analysis: Analysis) -> str:
    return to_markdown(decision_blocks(analysis.decisions, analysis.models, analysis.views,
                                       generator_bound(analysis)))


def _median_of_values(path: Path, benchmark: str, key: str) -> float:
    records = [json.loads(line) for line in path.with_suffix(".metrics.jsonl").read_text().splitlines()]
    return statistics.median(r[key] for r in records if r["benchmark"] == benchmark and r["run"] == "value")


# -- bound by, on its edges ------------------------------------------------------------------------------

def test_bound_by_the_generator_from_the_warn_fraction_of_its_capacity() -> None:
    # capacity 1000, warn fraction 0.8: 800 round trips/s is the edge, whatever the CPUs did
    assert bound_by(800.0, 1000.0, 0.8, 0.95, 0.1) == GENERATOR
    assert bound_by(799.99, 1000.0, 0.8, 0.95, 0.1) == SERVER
    assert bound_by(800.0, 1000.0, 0.8, None, None) == GENERATOR  # said without any CPU recorded


def test_bound_by_the_generator_from_its_cpu() -> None:
    assert bound_by(100.0, 1000.0, 0.8, 0.95, 0.9) == GENERATOR
    assert bound_by(100.0, 1000.0, 0.8, 0.95, 0.8999) == SERVER
    assert bound_by(100.0, None, None, 0.2, 0.9) == GENERATOR


def test_bound_by_the_server_only_when_it_is_busy_and_nothing_else_is() -> None:
    assert bound_by(100.0, 1000.0, 0.8, 0.9, 0.5) == SERVER
    assert bound_by(100.0, 1000.0, 0.8, 0.8999, 0.5) == NEITHER == "neither (idle CPU)"
    # no capacity (or no warn fraction): the CPU alone decides
    assert bound_by(5000.0, None, 0.8, 0.9, 0.5) == SERVER
    assert bound_by(5000.0, 1000.0, None, 0.5, 0.5) == NEITHER


def test_bound_by_is_not_said_without_both_utilisations() -> None:
    assert bound_by(100.0, 1000.0, 0.8, 0.95, None) is None
    assert bound_by(100.0, 1000.0, 0.8, None, 0.5) is None


# -- the table, the sentences -----------------------------------------------------------------------------

def test_the_table_gives_each_benchmarks_rate_cpu_and_bound() -> None:
    text = _section(_analysis(CLOSED))
    for line in (
        "| parameters | model | round trips/s | of capacity | server CPU | generator CPU | user us/rt | "
        "kernel us/rt | bound by |",
        # 65,532.2 of a capacity of 65,849.1 (99.5%): past 0.8 of it, so the generator's
        "| message_bytes=100 | asyncio (server=protocol) | 65,532 | 100% | 0.62 | 0.34 | 2.57 | 7.05 | "
        "generator |",
        "| message_bytes=100 | uvloop (server=streams) | 58,492 | 89% | 0.64 | 0.30 | 2.71 | 8.22 | "
        "generator |",
        "| message_bytes=100 | threads | 42,908 | 65% | 0.53 | 0.38 | 1.70 | 10.9 | neither (idle CPU) |",
        "| message_bytes=65536 | uvloop (server=protocol) | 31,351 | 79% | 0.51 | 0.50 | 2.30 | 14.2 | "
        "neither (idle CPU) |",
        "| message_bytes=65536 | threads | 28,483 | 71% | 0.56 | 0.56 | 0.941 | 19.2 | neither (idle CPU) |",
    ):
        assert line in text, line
    # the numbers are the medians over the run's timed values, as its side file has them
    assert _median_of_values(CLOSED, ASYNCIO_100, "achieved_rate_rtps") == pytest.approx(65532.2)
    assert _median_of_values(CLOSED, THREADS_64K, "server_user_us_per_rt") == pytest.approx(0.9405)


def test_one_sentence_per_message_size_with_the_cpu_split() -> None:
    text = _section(_analysis(CLOSED))
    assert ("- At 100 B asyncio (server=protocol) serves 1.06x uvloop (server=protocol)'s rate: 2.57 vs "
            "3.13 us user, 7.05 vs 3.10 us kernel per round trip; yet asyncio (server=protocol) spends no "
            "less CPU per round trip: the server's CPU is not the gap. Not both bound by their server "
            "(asyncio (server=protocol): generator; uvloop (server=protocol): generator), so the ratio is "
            "not the servers' alone.") in text
    assert ("- At 64 KiB uvloop (server=protocol) serves 1.08x asyncio (server=protocol)'s rate: 2.30 vs "
            "1.30 us user, 14.2 vs 16.7 us kernel per round trip; the gap is in the kernel, where uvloop "
            "(server=protocol) spends less, though more in user space.") in text
    assert where((("message_bytes", 100),)) == "At 100 B"
    assert where((("message_bytes", 65536), ("connections", 16))) == "At 64 KiB, connections=16"


def test_the_baseline_is_found_by_its_loop_not_its_name() -> None:
    frame = load_results(CLOSED)
    frame["model"] = frame["model"].replace({"asyncio": "stdlib-loop"})
    text = _section(_analysis(CLOSED, frame, runinfo=False))
    assert "- At 64 KiB uvloop (server=protocol) serves 1.08x stdlib-loop (server=protocol)'s rate" in text
    # a server that records no loop is no loop server: uvloop is then the only one, with nothing to compare
    frame = load_results(CLOSED)
    frame.loc[frame["model"] == "asyncio", "loop"] = None
    assert "serves" not in _section(_analysis(CLOSED, frame, runinfo=False))


def test_the_rate_falls_back_to_round_trips_over_the_median_time() -> None:
    frame = load_results(CLOSED).drop(columns=["metric_achieved_rate_rtps"])
    analysis = _analysis(CLOSED, frame)
    rates = {r.sample.benchmark: r.rate for r in served(analysis, analysis.view("tcp_echo"))}
    median = statistics.median(frame.loc[frame["benchmark"] == ASYNCIO_100, "value"])
    assert rates[ASYNCIO_100] == pytest.approx(1000 / median)  # round_trips_total: 4 connections x 250
    # the very rate the run's own warning gives ("65,490 round trips/s is 99% of ...")
    assert "| message_bytes=100 | asyncio (server=protocol) | 65,490 | 99% |" in _section(analysis)


def test_an_older_run_without_rates_or_cpu_gets_a_table_without_bounds() -> None:
    text = _section(_analysis(ECHO))
    # 80 round trips in 3.54 ms (sequential's median), no capacity, no CPU: nothing to judge it by
    assert "| sequential | 22,601 | - | - | - | - | - | - |" in text
    assert "bound by" in text


def test_open_loop_saturation_points() -> None:
    text = _section(_analysis(OPEN))
    # 139% of the closed loop's capacity: an open loop drives past it, so it is no ceiling there
    # (no "of capacity"), and the CPUs alone say what bound it
    assert ("| offered_rate=60000 | uvloop (server=protocol) | 59,833 | - | 0.38 | 0.81 | 2.09 | 4.50 | "
            "neither (idle CPU) |") in text
    # uvloop's generator used 95% of its CPU at 20,000/s: the generator's, though far from its capacity
    assert ("| offered_rate=20000 | uvloop (server=protocol) | 19,945 | - | 0.26 | 0.95 | 6.46 | 6.05 | "
            "generator |") in text
    assert ("- asyncio (server=protocol) none (at 20,000/s offered, 18,075/s achieved); asyncio "
            "(server=streams) none (at 20,000/s offered, 18,281/s achieved); uvloop (server=protocol) "
            "60,000/s; uvloop (server=streams) 60,000/s; threads 60,000/s.") in text
    assert "- At" not in text  # no throughput sentence for an open loop: every server gets what is offered


# -- the charts -------------------------------------------------------------------------------------------

def test_the_throughput_chart_is_written_as_png_and_svg(tmp_path: Path) -> None:
    png = plot_throughput(_analysis(CLOSED), "tcp_echo", tmp_path)
    assert png is not None
    assert png.name == "tcp_echo-throughput.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    svg = png.with_suffix(".svg").read_text()
    # the capacities of both sizes, in the panels' titles
    assert "65,849/s" in svg
    assert "39,868/s" in svg
    # a closed-loop run has no load sweep to draw
    assert plot_latency_load(_analysis(CLOSED), "tcp_echo", tmp_path) is None


def test_the_latency_against_load_chart_is_written_for_an_open_loop(tmp_path: Path) -> None:
    analysis = _analysis(OPEN)
    png = plot_latency_load(analysis, "tcp_echo", tmp_path)
    assert png is not None
    assert png.name == "tcp_echo-latency-load.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "achieved = offered" in png.with_suffix(".svg").read_text()
    # an open loop has no closed-loop panel: its rates are what was offered
    assert plot_throughput(analysis, "tcp_echo", tmp_path / "t") is None


def test_the_report_shows_both_charts_and_the_table(tmp_path: Path) -> None:
    report = write_report(CLOSED, OPEN, out_dir=tmp_path / "out")
    text = report.read_text()
    charts = report.parent / "charts"
    for stem in ("tcp_echo-throughput", "tcp_echo-latency-load"):
        assert f"](charts/{stem}.png) ([SVG](charts/{stem}.svg))" in text
        assert (charts / f"{stem}.png").is_file()
        assert (charts / f"{stem}.svg").is_file()
    assert "**Throughput and what bounds it**" in text


def test_the_report_of_an_echo_run_is_byte_identical_when_made_again(tmp_path: Path) -> None:
    first = write_report(CLOSED, out_dir=tmp_path / "a")
    second = write_report(CLOSED, out_dir=tmp_path / "b")
    for name in ("report.md", "report.html", "charts/tcp_echo-throughput.svg",
                 "charts/tcp_echo-throughput.png"):
        assert (first.parent / name).read_bytes() == (second.parent / name).read_bytes(), name


# -- the decision table's flag ----------------------------------------------------------------------------

def test_generator_bound_cells_are_flagged_in_the_decision_table() -> None:
    text = _decision(_analysis(CLOSED))
    assert ("| `tcp_echo` message_bytes=100 | asyncio (server=protocol) ≈ uvloop (server=protocol) | "
            "15.3 ms | **1.00x** †gen | "
            "undecided (1.06x [0.529-2.14]) †gen | 1.54x slower [1.022-2.31] |") in text
    # at 64 KiB nothing came near the generator's capacity, nor its CPU
    row = next(line for line in text.splitlines() if line.startswith("| `tcp_echo` message_bytes=65536"))
    assert GENERATOR_MARK not in row
    assert f"**{GENERATOR_MARK}**: bound by the load generator, not the server" in text


def test_the_flag_follows_the_rule_without_the_runs_warnings() -> None:
    frame = load_results(CLOSED)
    assert generator_bound(_analysis(CLOSED, frame, runinfo=False)) == generator_bound(_analysis(CLOSED))
    # the busiest generator process at 90% of a CPU: threads at 64 KiB becomes the generator's
    frame.loc[frame["benchmark"] == THREADS_64K, "metric_loadgen_cpu_util"] = 0.9
    # (without the run info the bootstrap has no recorded seed: other intervals, the same flags)
    text = _decision(_analysis(CLOSED, frame, runinfo=False))
    row = next(line for line in text.splitlines() if line.startswith("| `tcp_echo` message_bytes=65536"))
    asyncio, uvloop, threads = row.strip("| ").split(" | ")[-3:]
    assert (GENERATOR_MARK in asyncio, GENERATOR_MARK in uvloop, threads.endswith(f" {GENERATOR_MARK}")) == (
        False, False, True)


def test_the_runs_warning_alone_flags_a_benchmark() -> None:
    frame = load_results(CLOSED)
    frame["capacity_warn_fraction"] = None  # the rule can no longer say "near the capacity"
    assert len(generator_bound(_analysis(CLOSED, frame, runinfo=False))) == 0
    flagged = generator_bound(_analysis(CLOSED, frame))  # the .runinfo warns about three benchmarks
    assert ("echo_closed.json", ASYNCIO_100) in flagged
    assert len(flagged) == 3


def test_no_flag_and_no_note_without_a_load_generator() -> None:
    analysis = _analysis(DATA / "rounds.json")
    assert generator_bound(analysis) == frozenset()
    assert GENERATOR_MARK not in _decision(analysis)
