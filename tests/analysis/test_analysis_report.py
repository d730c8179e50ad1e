"""analysis: the report, the comparison and the command line, including bad input.

The HTML report is checked here by parsing it (``html.parser``): what must
hold is structural: every chart is embedded (a ``data:`` PNG that decodes),
nothing is loaded from elsewhere (no external ``src``, ``href``, style sheet or
script: the one script is inline), and every scenario has a section.  A parser
checks exactly that, deterministically and in milliseconds.  How the page
renders (no sideways scrolling at 1280 px, the answers on the first screen,
every link landing) is checked in a real browser: ``test_report_browser.py``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pyperf
import pytest

import analysis.cli
import analysis.report
from analysis import AnalysisError, compare_frames, load_results, read_runinfo, write_compare, write_report
from analysis.cli import main
from analysis.data.views import scenario_views
from analysis.render.document import to_markdown
from analysis.sections.environment import environment_notes
from analysis.sections.runs import outcome_blocks, run_blocks

DATA = Path(__file__).resolve().parent.parent / "data"
EXACT = DATA / "exact.json"
SMALL = DATA / "small.json"
SWEEP = DATA / "sweep.json"
REPO = Path(__file__).resolve().parent.parent.parent
ERROR = "python -m analysis: error: "
OUTPUTS = [".concbench-output", "charts", "diagnostics.html", "diagnostics.md", "report.html", "report.md",
           "results.csv", "summary.md"]


def _one_line_error(err: str) -> None:
    assert err.startswith(ERROR), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.ids: list[str] = []
        self.external: list[str] = []
        self.tags: set[str] = set()
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.scripts += tag == "script"
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "img":
            self.images.append(str(values.get("src")))
        for name in ("src", "href"):
            link = values.get(name)
            if link and not (link.startswith("data:") or link.startswith("#")):
                self.external.append(link)


@pytest.fixture(scope="module")
def exact_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(EXACT, out_dir=tmp_path_factory.mktemp("exact") / "out")


@pytest.fixture(scope="module")
def _small_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(SMALL, out_dir=tmp_path_factory.mktemp("small") / "out").parent


@pytest.fixture
def previous(_small_report: Path, tmp_path: Path) -> tuple[Path, dict[Path, bytes]]:
    """A report already in ``tmp_path/out``, and the bytes of every file in it."""
    out = Path(shutil.copytree(_small_report, tmp_path / "out"))
    return out, _snapshot(out)


def _snapshot(out: Path) -> dict[Path, bytes]:
    return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_report_files(exact_report: Path) -> None:
    out = exact_report.parent
    assert exact_report == out / "report.md"
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    charts = sorted(p.name for p in (out / "charts").iterdir())
    assert charts == sorted(f"{stem}.{fmt}" for fmt in ("png", "svg") for stem in (
        "sleep_fanout-models", "toy_cpu-models", "toy_cpu-scaling-size", "toy_cpu-scaling-hubs",
        "toy_cpu-latency", "speedup-vs-sequential"))
    for chart in (out / "charts").iterdir():
        assert chart.stat().st_size > 1000


def test_report_markdown_says_what_matters(exact_report: Path) -> None:
    text = exact_report.read_text()
    for fragment in (
        "## Environment", "| Python | cpython 3.11.7 (64-bit) |", "built without PGO/LTO",
        "## Decision table",
        # exact.json predates rounds: ratios of medians, no interval, never a verdict
        # a point is named by what tells it from the scenario's others (here nothing), its parameters
        # said once in the scenario's section
        "| `sleep_fanout` | asyncio (api=gather) | 10.0 ms | 100x (no interval) | **1.00x** | "
        "1.20x (no interval) | - |",
        "- Scenario parameters with a single value: n=100, latency_ms=10.0, concurrency=unbounded.",
        # every variant: its median and verdict (its spread is in the diagnostics)
        "#### Every model and variant\n\n| model | median | verdict |",
        "| asyncio (api=taskgroup) | 10.0 ms | no interval (measured before rounds) |",
        "| threads | 12.0 ms | no interval (measured before rounds) |",
        "#### size=1000\n\n| model | median | verdict | noise |",
        "| greenlets (hubs=2) | 15.0 ms | no interval (measured before rounds) |  |",
        "| sleep_fanout | 1.00x (baseline) | 100x (no interval) | 83.3x (no interval) | - |",  # speedups
        # the diagnostics in one paragraph, and a link
        "## How far to trust it\n\n0 comparison(s) stayed wider than the target when the run stopped; "
        "2 benchmark(s) fail one of pyperf's stability checks. How the run went, the drift chart and every "
        "one of these: see [the diagnostics](diagnostics.md).",
        "### `sleep_fanout` (io)", "### `toy_cpu` (cpu)", "### `file_io`",
        "**Not run** (unsupported here, [why](diagnostics.md#not-run-sleep_fanout)): uvloop.",
        "| greenlets | n=8, size=1000, hubs=3 | verification | VerificationError: computed checksum",
        "| processes | every point | no fork on this platform |",  # file_io: nothing timed, said in full
        "![toy_cpu: latency percentiles](charts/toy_cpu-latency.png)",
        "| `exact.json` | `python -m benchmarks run --profile default` | default | 10 of 11 | no | 2 | 1 |",
    ):
        assert fragment in text, fragment
    for moved in ("## Drift during the run", "## Noise warnings", "9.92-10.1 ms",
                  "Other measurements", "Model parameters with a single value", "| p50 |"):
        assert moved not in text, moved
    assert "Crossover" not in text  # toy_cpu sweeps size over two values: too few to say anything


def test_the_diagnostics_hold_what_left_the_report(exact_report: Path) -> None:
    text = exact_report.with_name("diagnostics.md").read_text()
    for fragment in (
        "# concbench diagnostics", "How far to trust [the report](report.md)",
        "## Noise warnings", "sd 61%, max +125%",
        "## Drift during the run",
        "No paired comparison to check: these results were measured before rounds.",
        "## Pairs not run", "### `sleep_fanout`", "| uvloop | every point | uvloop is not installed |",
        "## Every variant in full",
        "| asyncio (api=taskgroup) | 10.0 ms | 9.92-10.1 ms | 6 | - | 1.00x | "
        "no interval (measured before rounds) |",
        "| greenlets (hubs=2) | 15.0 ms | 14.5-15.5 ms | 3 | - | 1.50x | "
        "no interval (measured before rounds) |  |",
        "## Other measurements",
    ):
        assert fragment in text, fragment
    html = exact_report.with_name("report.html").read_text()
    assert '<a href="diagnostics.html">the diagnostics</a>' in html  # the page links the other page
    assert '<a href="report.html">the report</a>' in exact_report.with_name("diagnostics.html").read_text()


def test_summary_fits_a_pull_request_comment(exact_report: Path) -> None:
    text = exact_report.with_name("summary.md").read_text()
    assert len(text) < 10_000
    assert text.startswith("# concbench: the answers\n\n**Environment**: Fixture CPU, 2 CPUs; cpython 3.11.7")
    assert "| sleep_fanout | asyncio (api=gather) | 100x faster | threads: 1.20x slower |  |" in text
    assert "Measured by `python -m benchmarks run --profile default`" in text
    for local in ("![", "/tmp", str(REPO)):  # no image, no local folder
        assert local not in text, local


def test_summary_names_no_local_folder() -> None:
    from analysis.sections.summary import portable

    words = ("run", "/home/me/work/x.py:f", "--output=/tmp/out/r.json", "rel/y.py")
    assert [portable(w) for w in words] == ["run", "x.py:f", "--output=r.json", "rel/y.py"]


def test_same_results_give_byte_identical_markdown(exact_report: Path, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "exact.json"
    copy.parent.mkdir()
    shutil.copy(EXACT, copy)
    shutil.copy(EXACT.with_suffix(".runinfo"), copy.with_suffix(".runinfo"))
    shutil.copy(EXACT.with_suffix(".metrics.jsonl"), copy.with_suffix(".metrics.jsonl"))
    again = write_report(copy)  # default directory, next to the results file
    assert again == tmp_path / "elsewhere" / "exact.report" / "report.md"
    assert again.read_bytes() == exact_report.read_bytes()


def test_other_measurements(exact_report: Path) -> None:
    """Every number of exact.metrics.jsonl (tests/data/make_exact.py), as the report shows it."""
    text = exact_report.read_text()
    sleep = """| model | values | `peak_concurrency` | `rate_error` | `wakeup_p50_us` |
| --- | ---: | ---: | ---: | ---: |
| sequential | 6 | 1 | - | 12.5 |
| asyncio (api=gather) | 6 | 100 | - | 42.5 |
| asyncio (api=taskgroup) | 6 | 100 | - | 1235 |
| threads | 6 | 100 | -0.0123 | - |
"""
    toy = """| parameters | model | values | `handoff_us` | `steals` |
| --- | --- | ---: | ---: | ---: |
| size=1000 | greenlets (hubs=1) | 6 | 2.50 | 0.500 |
| size=1000 | greenlets (hubs=2) | 3 | 1.30e-05 | - |
| size=2000 | greenlets (hubs=1) | 6 | 3.50 | - |
"""
    text = exact_report.with_name("diagnostics.md").read_text()  # the diagnostics' detail
    measured = text.split("\n## Other measurements")[1]
    sections = {part.split("`")[1]: part for part in measured.split("\n### ")[1:]}
    assert sleep in sections["sleep_fanout"]
    assert toy in sections["toy_cpu"]
    assert text.count("**Other measurements**: the numbers a scenario records") == 1  # explained once
    for absent in ("`drift`", "`flag`", "`note`", "`seconds`", "`loops`", "999", "555"):
        assert absent not in text, absent
    html = (exact_report.parent / "diagnostics.html").read_text()
    assert ('<tr><td>threads</td><td class="r">6</td><td class="r">100</td><td class="r">-0.0123</td>'
            '<td class="r">-</td></tr>') in html
    assert '<th class="r"><code>wakeup_p50_us</code></th>' in html


def test_no_other_measurements_without_metrics(previous: tuple[Path, dict[Path, bytes]]) -> None:
    out, _ = previous  # the report of small.json, which has no metrics side file
    assert "Other measurements" not in (out / "report.md").read_text()


def test_html_is_self_contained_with_every_chart_and_scenario(exact_report: Path) -> None:
    page = _Page()
    page.feed((exact_report.parent / "report.html").read_text())
    # a script too would be external if it had a src; the one link out is to the diagnostics' page beside it
    assert {link.partition("#")[0] for link in page.external} == {"diagnostics.html"}
    assert not {"link", "iframe"} & page.tags
    assert page.scripts == 1  # the page's own, inline
    pngs = sorted((exact_report.parent / "charts").glob("*.png"))
    assert len(page.images) == len(pngs) == 6
    for src in page.images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        assert base64.b64decode(src[len(prefix):]).startswith(b"\x89PNG\r\n\x1a\n")
    embedded = {base64.b64decode(src.split(",", 1)[1]) for src in page.images}
    assert embedded == {p.read_bytes() for p in pngs}
    for scenario in ("sleep_fanout", "toy_cpu", "file_io"):
        assert f"scenario-{scenario}" in page.ids
    assert {"environment", "decision-table", "trust", "speedup", "runs"} <= set(page.ids)


def test_report_without_runinfo_says_so(tmp_path: Path) -> None:
    results = tmp_path / "exact.json"
    shutil.copy(EXACT, results)
    runinfo = read_runinfo(results)
    assert runinfo.problem == "missing"
    text = to_markdown([*outcome_blocks("sleep_fanout", [runinfo]), *run_blocks([runinfo])])
    assert "Unsupported and failed pairs of `exact.json`: unknown, no run info" in text
    assert "run info `exact.runinfo` missing" in text
    assert "none" not in text


def test_report_of_two_runs_tells_their_benchmarks_apart() -> None:
    frame = load_results(SMALL, SWEEP)
    labels = {c.label for view in scenario_views(frame) for c in view.contenders}
    assert {"asyncio (api=gather) [small.json]", "asyncio (api=gather) [sweep.json]"} <= labels
    assert [view.name for view in scenario_views(frame)] == ["sleep_fanout", "cpu_pure", "cpu_hash"]
    notes = " ".join(environment_notes(frame, ["small.json", "sweep.json"]))
    assert "Some benchmarks are in several files" in notes


def test_a_failure_part_way_leaves_the_previous_report_intact(
        previous: tuple[Path, dict[Path, bytes]], monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = previous

    def broken(*args: object) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(analysis.report, "plot_scaling", broken)
    with pytest.raises(OSError, match="disk full"):
        write_report(EXACT, out_dir=out)
    assert _snapshot(out) == before  # same files, same bytes, no staging left behind
    with pytest.raises(OSError, match="disk full"):
        write_report(EXACT, out_dir=out.parent / "first")
    assert not (out.parent / "first").exists()  # a failed first report leaves nothing
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS


def test_compare_two_runs(tmp_path: Path) -> None:
    path, markdown = write_compare(SMALL, SWEEP, tmp_path)
    assert path == tmp_path / "compare.md"
    assert path.read_text() == markdown
    assert sorted(p.name for p in tmp_path.iterdir()) == [".concbench-output", "compare.md", "compare.png",
                                                           "compare.svg"]
    assert "4 benchmark(s) in common" in markdown
    assert markdown.count("| `sleep_fanout` |") == 4
    assert "Only in `small.json` (6), not compared:" in markdown
    assert "![new/base per benchmark](compare.png)" in markdown


def test_compare_a_run_with_itself_finds_no_result() -> None:
    frame = load_results(EXACT)
    found, only_base, only_new = compare_frames(frame, frame)
    assert len(found) == 10
    assert only_base == only_new == []
    for c in found:
        assert c.ratio == 1.0
        assert not c.is_result
        assert c.change == "+0.0%"


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp_path / "empty.json"
    empty.write_text("")
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"version": "1.0", "benchmarks": [')
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"results": [1, 2, 3]}))
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"version": "1.0", "benchmarks": [{"runs": "x"}]}))
    plain = tmp_path / "plain.json"
    run = pyperf.Run([1.0], metadata={"name": "plain"}, collect_metadata=False)
    pyperf.BenchmarkSuite([pyperf.Benchmark([run])]).dump(str(plain))
    return {
        "missing": (tmp_path / "missing.json", "does not exist"),
        "empty": (empty, "is empty"),
        "corrupt": (corrupt, "is not valid JSON"),
        "foreign": (foreign, "is JSON but not a pyperf results file"),
        "broken": (broken, "benchmark 0: runs is str, expected a list"),
        "plain": (plain, "not a concbench results file"),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "corrupt", "foreign", "broken", "plain"])
def test_bad_results_file_is_one_line_and_keeps_the_previous_report(
        case: str, tmp_path: Path, previous: tuple[Path, dict[Path, bytes]],
        capsys: pytest.CaptureFixture[str]) -> None:
    out, before = previous
    path, message = _bad_files(tmp_path)[case]
    assert main(["report", str(path), "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    _one_line_error(captured.err)
    assert message in captured.err
    assert str(path) in captured.err
    assert _snapshot(out) == before
    # a good file next to a bad one is refused too
    assert main(["report", str(SMALL), str(path), "-o", str(out)]) == 2
    assert _snapshot(out) == before


def test_compare_without_common_benchmark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(EXACT), str(SMALL), "-o", str(tmp_path / "cmp")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(ERROR)
    assert "have no benchmark in common" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "cmp").exists()
    with pytest.raises(AnalysisError, match="no benchmark in common"):
        write_compare(EXACT, SMALL, tmp_path / "cmp")


def test_output_directory_that_cannot_be_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("not a directory")
    for out in (a_file, a_file / "sub"):
        assert main(["report", str(SMALL), "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(ERROR)
        assert str(out) in err
        assert err.count("\n") == 1
    assert a_file.read_text() == "not a directory"
    if os.geteuid() != 0:  # root ignores permissions
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert main(["report", str(SMALL), "-o", str(locked)]) == 2


def test_unknown_baseline_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(SMALL), "--baseline", "nope", "-o", str(tmp_path / "out")]) == 2
    assert "baseline model 'nope' is not in the results" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_report_latest_picks_the_newest_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[tuple[Path, ...]] = []

    def fake_report(*paths: Path, out_dir: str | None, baseline: str | None, progress: object) -> Path:
        reported.append(paths)
        return tmp_path / "somewhere" / "report.md"

    monkeypatch.setattr(analysis.cli, "write_report", fake_report)
    results = tmp_path / "results"
    results.mkdir()
    marker = tmp_path / "started"
    marker.write_text("")
    os.utime(marker, ns=(2, 2))
    assert main(["report", "--latest", str(results)]) == 2
    assert "no results file in" in capsys.readouterr().err
    old, new = results / "old.json", results / "new.json"
    old.write_text("{}")
    new.write_text("{}")
    os.utime(old, ns=(1, 1))
    os.utime(new, ns=(3, 3))
    assert main(["report", "--latest", str(results)]) == 0
    # where both documents are, by absolute path (this pinned report.md's path alone)
    assert capsys.readouterr().out == "".join(f"{tmp_path}/somewhere/{name}\n"
                                              for name in ("report.md", "report.html", "summary.md"))
    assert main(["report", "--latest", str(results), "--newer-than", str(marker)]) == 0
    assert reported == [(new,), (new,)]
    os.utime(new, ns=(1, 1))  # a run that wrote nothing must not report an older file
    assert main(["report", "--latest", str(results), "--newer-than", str(marker)]) == 2
    assert "written after" in capsys.readouterr().err


def test_report_and_compare_say_where_they_wrote_by_absolute_path(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # relative output directories, as make report and make compare give
    assert main(["report", str(SMALL), "-o", "rep"]) == 0
    assert capsys.readouterr().out == "".join(f"{tmp_path}/rep/{name}\n"
                                              for name in ("report.md", "report.html", "summary.md"))
    assert main(["compare", str(SMALL), str(SWEEP), "-o", "cmp"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Compare `sweep.json` against `small.json`")
    # no change to draw (runs before rounds have no verdict): no chart, and where compare.md is
    assert out.endswith(f"\nWritten: {tmp_path}/cmp/compare.md\n")
    assert main(["compare", str(SMALL), str(SWEEP), "-o", "cmp", "--all"]) == 0
    out = capsys.readouterr().out
    # the Markdown printed has no chart (a link in a terminal leads nowhere), where it is written does
    assert "![" not in out
    assert out.endswith(f"\nWritten: {tmp_path}/cmp/compare.md (chart: {tmp_path}/cmp/compare.png)\n")
    assert "![new/base per benchmark](compare.png)" in (tmp_path / "cmp" / "compare.md").read_text()


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["report"], ["frobnicate"], ["compare", "a.json"], ["report", "a.json", "--latest"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        _one_line_error(capsys.readouterr().err)


def test_python_dash_m_analysis(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ok = subprocess.run([sys.executable, "-m", "analysis", "compare", str(SMALL), str(SWEEP), "-o",
                         str(tmp_path / "cmp")], capture_output=True, text=True, env=env, cwd=tmp_path,
                        check=False, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("# Compare `sweep.json` against `small.json`")
    bad = subprocess.run([sys.executable, "-m", "analysis", "report", str(tmp_path / "nope.json")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=120)
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr == f"{ERROR}results file '{tmp_path / 'nope.json'}' does not exist\n"
