"""analysis: each results file read and parsed once; the HTML template is package data.

Counting is done by wrapping what every reader goes through (``json.loads``,
``Path.read_bytes``) and refusing pyperf's own loaders.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyperf
import pytest

from analysis import write_compare, write_report

DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "small.json"
SWEEP = DATA / "sweep.json"
REPO = Path(__file__).resolve().parent.parent


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
