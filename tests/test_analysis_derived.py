"""analysis: each results file read and parsed once, views built once; the HTML template is package data.

Reads are counted by wrapping what every reader goes through (``json.loads``,
``Path.read_bytes``) and refusing pyperf's own loaders; calls by wrapping the
function everywhere the analysis has bound it (every ``analysis.*`` module
that imported it), so a second call from any module is seen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyperf
import pytest

import analysis._decide
import analysis._views
from analysis import load_results, write_compare, write_report
from analysis._analysis import analyse

DATA = Path(__file__).resolve().parent / "data"
EXACT = DATA / "exact.json"
SMALL = DATA / "small.json"
SWEEP = DATA / "sweep.json"
GRANULARITY = DATA / "granularity.json"
REPO = Path(__file__).resolve().parent.parent


def _count_calls(monkeypatch: pytest.MonkeyPatch, function: Callable[..., Any]) -> list[tuple[Any, ...]]:
    """Every call of ``function`` from any analysis module, whichever name it was imported under."""
    calls: list[tuple[Any, ...]] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return function(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name == "analysis" or name.startswith("analysis."):
            for attr, value in list(vars(module).items()):
                if value is function:
                    monkeypatch.setattr(module, attr, counting)
    return calls


# -- (a) each results file is read and parsed once ----------------------------------------------


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Which results files were read, and which pyperf suites decoded, by anything."""
    seen: dict[str, list[str]] = {"read": [], "decoded": []}
    real_loads, real_read = json.loads, Path.read_bytes

    def loads(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
        data = real_loads(text, *args, **kwargs)
        if isinstance(data, dict) and "benchmarks" in data:
            seen["decoded"].append(str(data["benchmarks"][0]["metadata"]["name"]))
        return data

    def read_bytes(path: Path) -> bytes:
        if path.name.endswith(".json"):
            seen["read"].append(path.name)
        return real_read(path)

    def refused(*args: object) -> None:
        raise AssertionError("pyperf asked to read and parse a results file again")

    monkeypatch.setattr(json, "loads", loads)
    monkeypatch.setattr(json, "load", lambda fp, *a, **k: loads(fp.read(), *a, **k))
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(pyperf.BenchmarkSuite, "load", refused)
    monkeypatch.setattr(pyperf.BenchmarkSuite, "loads", refused)
    return seen


def test_a_report_parses_each_results_file_once(parsed: dict[str, list[str]], tmp_path: Path) -> None:
    write_report(SMALL, SWEEP, out_dir=tmp_path / "out")
    assert parsed["read"] == ["small.json", "sweep.json"]
    assert len(parsed["decoded"]) == 2
    assert "Results: `small.json`, `sweep.json`." in (tmp_path / "out" / "report.md").read_text()


def test_a_comparison_parses_each_results_file_once(parsed: dict[str, list[str]], tmp_path: Path) -> None:
    write_compare(SMALL, SWEEP, tmp_path / "cmp")
    assert parsed["read"] == ["small.json", "sweep.json"]
    assert len(parsed["decoded"]) == 2


# -- (b) samples, views and decisions are built once per report -----------------------


@pytest.mark.parametrize("files", [(EXACT,), (SMALL, SWEEP), (GRANULARITY,)],
                         ids=["exact", "two", "granularity"])
def test_views_are_built_once_per_report(files: tuple[Path, ...], monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    counted = {f.__name__: _count_calls(monkeypatch, f) for f in (
        analysis._views.scenario_views, analysis._views.samples, analysis._decide.decisions)}
    write_report(*files, out_dir=tmp_path / "out")
    assert {name: len(calls) for name, calls in counted.items()} == {
        "scenario_views": 1, "samples": 1, "decisions": 1}


def test_charts_and_tables_of_a_frame_still_derive_it_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    from analysis import crossover_table, decision_table

    calls = _count_calls(monkeypatch, analysis._views.scenario_views)
    frame = load_results(EXACT)
    decision_table(frame)
    crossover_table(frame)
    derived = analyse(frame)
    decision_table(derived)
    crossover_table(derived)
    assert len(calls) == 3  # one per frame handed over, none for what was derived already


# -- (e) the HTML template is package data -------------------------------------------------------


def test_the_html_template_is_found_when_installed(tmp_path: Path) -> None:
    """setuptools' build_py is what decides which files a wheel (and so an install) holds."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for package in ("analysis", "benchmarks"):
        shutil.copytree(REPO / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    lib = tmp_path / "lib"
    built = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                            "--build-lib", str(lib)], capture_output=True, text=True, cwd=src, check=False,
                           timeout=300)
    assert built.returncode == 0, built.stderr
    assert (lib / "analysis" / "templates" / "report.html.j2").is_file()
    assert list((lib / "benchmarks" / "scenarios" / "tcp_echo").glob("*.c"))  # the older entry still holds
    code = ("import analysis, analysis._doc as d; print(analysis.__file__); "
            "print(d.to_html([d.Heading(1, 'T'), d.Para('**x**')], 'T'))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                           env={**os.environ, "PYTHONPATH": str(lib)}, check=False, timeout=120)
    assert shown.returncode == 0, shown.stderr
    where, page = shown.stdout.split("\n", 1)
    assert Path(where).is_relative_to(lib)
    assert page.startswith("<!DOCTYPE html>")
    assert "<p><strong>x</strong></p>" in page
