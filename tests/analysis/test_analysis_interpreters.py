"""analysis: a report of several interpreters (make bench PYTHONS="3.11 3.13 3.13t").

From three real runs of tests/data (tests/data/README.md): CPython 3.11.7,
3.13.5 and its free-threaded twin 3.13.5t, each with sequential, threads,
subinterpreters (unsupported on 3.11) and processes on cpu_pure and cpu_hash.
The numbers are whatever that busy VM measured; the tests pin what the files
fix: which interpreter is which, where each cell goes, and the report's
verdicts on them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import load_results, write_report
from analysis.charts.interpreters import plot_interpreters
from analysis.data.bundle import analyse
from analysis.data.interpreters import Interpreter, distinct, interpreters, twin
from analysis.data.load import read_runinfo
from analysis.data.views import scenario_views
from analysis.sections.versions import pairs

DATA = Path(__file__).resolve().parent.parent / "data"
FILES = [DATA / "gil311.json", DATA / "gil313.json", DATA / "ft313.json"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_report(*FILES, out_dir=tmp_path_factory.mktemp("interp") / "out").read_text()


def _section(report: str, title: str) -> str:
    return report.split(f"\n## {title}\n")[1].split("\n## ")[0]


def test_each_file_knows_its_interpreter() -> None:
    found = interpreters(load_results(*FILES))
    assert {f: i.tag for f, i in found.items()} == {
        "gil311.json": "3.11.7", "gil313.json": "3.13.5", "ft313.json": "3.13.5t"}
    assert [i.label for i in distinct(found)] == ["3.11.7 (GIL)", "3.13.5 (GIL)", "3.13.5t (free-threaded)"]
    free = found["ft313.json"]
    assert free.free_threaded
    assert not free.gil_enabled
    assert twin(free, found.values()) == (found["gil313.json"], True)
    assert twin(free, [found["gil311.json"]]) is None  # another minor version is nobody's twin
    assert twin(found["gil313.json"], found.values()) is None  # only a free-threaded build has one
    # a free-threaded build whose GIL was enabled again is still a free-threaded build
    again = Interpreter((3, 13, 5), True, "cpython", "enabled")
    assert (again.tag, again.gil_enabled, again.build) == ("3.13.5t", True, "free-threaded, GIL enabled")


def test_without_its_twin_the_newest_gil_build_of_its_minor_version_stands_in() -> None:
    free = Interpreter((3, 13, 5), True, "cpython", "disabled")
    older, other = Interpreter((3, 13, 0), False), Interpreter((3, 13, 2), False)
    assert twin(free, [older, other, Interpreter((3, 12, 8), False)]) == (other, False)


def test_labels_tell_a_free_threaded_build_from_its_twin() -> None:
    """Both say python_version '3.13.5 (64-bit)': the tag says which is free-threaded."""
    labels = {c.label for view in scenario_views(load_results(*FILES)) for c in view.contenders}
    assert {"threads [py3.11.7]", "threads [py3.13.5]", "threads [py3.13.5t]"} <= labels


def test_the_headline_cpu_table(report: str) -> None:
    section = _section(report, "Interpreters: the CPU headline")
    assert ("| scenario | interpreter | sequential (time) | threads (GIL) | threads (free-threaded) | "
            "subinterpreters | processes |") in section
    for line in (
        # each against sequential on its own interpreter: paired, so never ", unpaired"
        "| `cpu_pure` | 3.11.7 (GIL) | 22.1 ms | undecided (1.06x [0.875-1.29]) | n/a | unsupported | "
        "undecided (0.94x [0.598-1.48]) |",
        "| `cpu_pure` | 3.13.5t (free-threaded) | 26.7 ms | n/a | undecided (1.08x [0.87-1.34]) | "
        "1.36x slower [1.04-1.79] | undecided (1.07x [0.926-1.24]) |",
        "| `cpu_hash` | 3.13.5 (GIL) | 8.91 ms | undecided (0.883x [0.436-1.79]) | n/a | "
        "1.19x slower [1.18-1.20] | 1.55x slower [1.53-1.58] |",
        # the free-threaded build's single-thread cost, against its GIL twin: two runs, unpaired
        "| `cpu_pure` | 3.13.5t against 3.13.5 | 26.7 ms | 22.0 ms | 1.21x slower [1.14-1.29], unpaired |",
    ):
        assert line + "\n" in section, line
    headline = [row for row in section.split("\n\n")[1].splitlines() if row.startswith("| `")]
    assert len(headline) == 6  # two scenarios x three interpreters
    assert ", unpaired" not in "\n".join(headline)


def test_what_changed_between_versions(report: str) -> None:
    section = _section(report, "What changed between versions")
    assert "**unpaired**" in section
    for line in (
        "**3.11.7 (GIL) -> 3.13.5 (GIL)**: 6 benchmark(s) in both: 6 undecided; "
        "geometric mean of new/old 0.97x.",
        "**3.13.5 (GIL) -> 3.13.5t (free-threaded)**: 8 benchmark(s) in both: 5 slower, 3 undecided; "
        "geometric mean of new/old 1.35x.",
        "| `cpu_pure` | sequential | 22.0 ms | 26.7 ms | 1.21x | 1.21x slower [1.14-1.29] |",
        "| `cpu_hash` | subinterpreters | 10.5 ms | 21.5 ms | 2.03x | 2.03x slower [1.98-2.09] |",
    ):
        assert line + "\n" in section, line
    assert "| `cpu_pure` | subinterpreters | " not in section.split("->")[1]  # not run on 3.11


def test_the_speedups_have_a_row_per_interpreter(report: str) -> None:
    """Each model against sequential on its own interpreter: paired, never one build's threads against
    another's sequential code."""
    section = _section(report, "Speedup against sequential")
    rows = [line for line in section.splitlines() if line.startswith("| cpu_")]
    tags = ("3.11.7", "3.13.5", "3.13.5t")
    assert [row.split(" | ")[0] for row in rows] == [
        f"| {scenario} [py{tag}]" for scenario in ("cpu_pure", "cpu_hash") for tag in tags]
    assert ("| cpu_hash [py3.13.5] | 1.00x (baseline) | undecided (0.883x [0.436-1.79]) | "
            "1.55x slower [1.53-1.58] | 1.19x slower [1.18-1.20] |") in rows
    assert ", unpaired" not in "\n".join(rows)


def test_which_interpreters_are_compared() -> None:
    found = distinct(interpreters(load_results(*FILES)))
    assert [(a.tag, b.tag) for a, b in pairs(found)] == [("3.11.7", "3.13.5"), ("3.13.5", "3.13.5t")]
    # without its twin a free-threaded build is compared with the newest older GIL build
    assert [(a.tag, b.tag) for a, b in pairs([found[0], found[2]])] == [("3.11.7", "3.13.5t")]


def test_each_scenario_has_its_models_by_interpreter(report: str, tmp_path: Path) -> None:
    scenario = report.split("\n### `cpu_pure` (cpu)\n")[1].split("\n### ")[0]
    assert "| model | 3.11.7 (GIL) | 3.13.5 (GIL) | 3.13.5t (free-threaded) |" in scenario
    assert ("| subinterpreters | unsupported | 22.2 ms: undecided (1.00x [0.965-1.04]) | "
            "34.7 ms: 1.36x slower [1.04-1.79] |") in scenario
    assert "![cpu_pure: time per run by model and interpreter](charts/cpu_pure-interpreters.png)" in scenario
    frame = load_results(*FILES)
    chart = plot_interpreters(analyse(frame), "cpu_pure", tmp_path, formats=("png",))
    assert chart is not None
    assert chart.stat().st_size > 1000
    assert plot_interpreters(load_results(FILES[0]), "cpu_pure", tmp_path) is None  # one interpreter


def test_the_answers_compare_the_winner_with_its_own_interpreters_baseline(report: str) -> None:
    """Paired, against sequential measured in the same rounds, not the fastest sequential of any file."""
    assert ("| cpu_hash | threads [py3.13.5] ≈ sequential [py3.13.5] ≈ subinterpreters [py3.13.5] ≈ "
            "processes [py3.11.7] | undecided (0.883x [0.436-1.79]) | "
            "sequential [py3.13.5]: undecided (1.13x [0.559-2.30]) |") in _section(report, "Answers")


def test_a_report_of_one_interpreter_has_no_interpreter_sections(tmp_path: Path) -> None:
    text = write_report(FILES[0], out_dir=tmp_path / "out").read_text()
    assert "## Interpreters" not in text
    assert "## What changed between versions" not in text
    assert "By interpreter" not in text
    assert read_runinfo(FILES[0]).unsupported[0].model == "subinterpreters"
