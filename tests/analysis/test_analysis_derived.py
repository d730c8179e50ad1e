"""analysis: each results file parsed once, views built once, and every run described by its own registry.

Counting is done by wrapping the function everywhere the analysis has bound
it (every ``analysis.*`` module that imported it), so a second call from any
module is seen.  The registry tests use the fixtures' ``.runinfo`` files:
``exact``, ``small``, ``sweep`` and ``echo`` carry one (``small``'s
``sleep_fanout`` summary is worded unlike today's code), ``granularity``
predates it and is described from its results.
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
from markupsafe import escape

import analysis.data.decisions
import analysis.data.inferred
import analysis.data.views
from analysis import load_results, read_runinfo, write_compare, write_report
from analysis.data.bundle import analyse
from analysis.data.inferred import infer_registry, own_params
from analysis.data.load import RunInfo
from analysis.data.registry import from_runinfo, merge_orders
from analysis.data.samples import Sample
from benchmarks import SCENARIOS
from benchmarks.core.runrecord import RunRecord

DATA = Path(__file__).resolve().parent.parent / "data"
EXACT = DATA / "exact.json"
SMALL = DATA / "small.json"
SWEEP = DATA / "sweep.json"
GRANULARITY = DATA / "granularity.json"  # its .runinfo predates the registry
REPO = Path(__file__).resolve().parent.parent.parent
FIXTURE_SUMMARY = "N requests that each sleep L ms, C at a time (the fixture run's own wording)."


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


def _section(text: str, scenario: str) -> str:
    return next(part for part in text.split("\n### ")[1:] if part.startswith(f"`{scenario}`"))


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


# -- (b) samples, registry, views and decisions are built once per report -----------------------


@pytest.mark.parametrize("files", [(EXACT,), (SMALL, SWEEP), (GRANULARITY,)],
                         ids=["exact", "two", "granularity"])
def test_views_are_built_once_per_report(files: tuple[Path, ...], monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    counted = {f.__name__: _count_calls(monkeypatch, f) for f in (
        analysis.data.views.scenario_views, analysis.data.views.samples, analysis.data.decisions.decisions,
        analysis.data.inferred.run_registry)}
    write_report(*files, out_dir=tmp_path / "out")
    assert {name: len(calls) for name, calls in counted.items()} == {
        "scenario_views": 1, "samples": 1, "decisions": 1, "run_registry": 1}


def test_charts_and_tables_of_a_frame_still_derive_it_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    from analysis import crossover_table, decision_table

    calls = _count_calls(monkeypatch, analysis.data.views.scenario_views)
    frame = load_results(EXACT)
    decision_table(frame)
    crossover_table(frame)
    derived = analyse(frame)
    decision_table(derived)
    crossover_table(derived)
    assert len(calls) == 3  # one per frame handed over, none for what was derived already


# -- (c) a run is described by its own registry --------------------------------------------------


def test_a_report_shows_the_summaries_its_run_wrote(tmp_path: Path) -> None:
    text = write_report(SMALL, out_dir=tmp_path / "out").read_text()
    today = SCENARIOS["sleep_fanout"].summary
    assert today + "." not in FIXTURE_SUMMARY  # the fixture's wording is not today's code's
    assert FIXTURE_SUMMARY in _section(text, "sleep_fanout")
    assert today not in text
    assert SCENARIOS["cpu_pure"].summary + "." in _section(text, "cpu_pure")
    html = (tmp_path / "out" / "report.html").read_text()
    assert f"<p>{escape(FIXTURE_SUMMARY)}</p>" in html


def test_a_plugin_scenario_has_the_summary_its_run_wrote(tmp_path: Path) -> None:
    text = write_report(EXACT, out_dir=tmp_path / "out").read_text()
    assert "### `toy_cpu` (cpu)\n\na plugin's toy CPU work: `n` units of `size` steps.\n" in text
    # a scenario with no timed benchmark is headed like the others, with the kind its run wrote
    assert "### `file_io` (io)\n\nNo benchmark of this scenario was timed." in text


def test_the_first_run_that_describes_a_scenario_describes_it(tmp_path: Path) -> None:
    first = write_report(SMALL, SWEEP, out_dir=tmp_path / "a").read_text()
    assert FIXTURE_SUMMARY in _section(first, "sleep_fanout")
    second = write_report(SWEEP, SMALL, out_dir=tmp_path / "b").read_text()
    assert SCENARIOS["sleep_fanout"].summary + "." in _section(second, "sleep_fanout")


def test_the_registry_decides_order_and_each_scenarios_own_parameters() -> None:
    frame = load_results(EXACT)
    registry = {
        "scenarios": [{"name": "toy_cpu", "kind": "cpu", "summary": "toy", "params": ["n"]},
                      {"name": "sleep_fanout", "kind": "io", "params": ["n", "latency_ms", "concurrency"]}],
        "models": [{"name": "greenlets"}, {"name": "threads"}, {"name": "asyncio"}, {"name": "sequential"}],
    }
    derived = analyse(frame, [RunInfo(EXACT.with_suffix(".runinfo"), "exact.json",
                                      RunRecord.from_dict({"registry": registry}))])
    assert [v.name for v in derived.views] == ["toy_cpu", "sleep_fanout"]
    assert derived.models == ["greenlets", "threads", "asyncio", "sequential"]
    toy = derived.view("toy_cpu")
    assert toy.point_names == ("n",)  # size is then a model variant, as this registry says
    assert [c.label for c in toy.contenders][:3] == [
        "greenlets (size=1000, hubs=1)", "greenlets (size=1000, hubs=2)", "greenlets (size=2000, hubs=1)"]
    assert [c.label for c in derived.view("sleep_fanout").contenders] == [
        "threads", "asyncio (api=gather)", "asyncio (api=taskgroup)", "sequential"]


def test_a_report_imports_nothing_of_benchmarks_but_its_leaf_modules(tmp_path: Path) -> None:
    """The shared file formats (tcp_echo's keys and the run record among them), the statistics, the check
    of output paths, and the one module that holds every use of pyperf's privates."""
    code = ("import sys, analysis; analysis.write_report(*sys.argv[2:], out_dir=sys.argv[1]); "
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] == 'benchmarks')))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out"), str(EXACT), str(GRANULARITY)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
                          cwd=tmp_path, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "benchmarks", "benchmarks.core", "benchmarks.core.echo_keys", "benchmarks.core.formats",
        "benchmarks.core.outputs", "benchmarks.core.runrecord", "benchmarks.core.stopping",
        "benchmarks.pyperf_bridge", "benchmarks.stats", "benchmarks.stats.judge", "benchmarks.stats.paired",
        "benchmarks.stats.ranking", "benchmarks.stats.rerun",
        "benchmarks.stats.resample", "benchmarks.stats.sample", "benchmarks.stats.text"]


def test_import_of_the_statistics_loads_neither_pandas_nor_matplotlib() -> None:
    """The runner imports the statistics for its stopping rule; the analysis' names load lazily."""
    code = ("import sys, benchmarks.stats.judge, benchmarks.stats.ranking; "
            "heavy = ('pandas', 'matplotlib', 'jinja2', 'pyperf', 'analysis'); "
            "print(' '.join(m for m in heavy if m in sys.modules) or '-'); "
            "import analysis; analysis.write_report; print('pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["-", "True"]  # nothing heavy, until a public name is used


def test_the_public_names_are_all_there() -> None:
    import analysis

    for name in analysis.__all__:
        assert callable(getattr(analysis, name)), name
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        analysis.nope  # noqa: B018


def test_registries_merge_in_order_of_first_appearance() -> None:
    assert merge_orders([["sequential", "threads"], ["sequential", "asyncio", "threads"]]) == [
        "sequential", "asyncio", "threads"]
    assert merge_orders([["a", "b"], ["c"]]) == ["a", "b", "c"]
    assert merge_orders([["a", "b"], ["b", "a"]]) == ["a", "b"]  # they disagree: first appearance


def _read(runinfo: dict[str, object]) -> RunRecord:
    """A run info as the analysis reads it (leniently: :func:`analysis.read_runinfo`)."""
    return RunRecord.from_dict(runinfo, lenient=True)


def test_a_malformed_registry_counts_as_none() -> None:
    for bad in (None, [], "x", {"scenarios": "x"}, {"scenarios": [{"summary": "no name"}], "models": [1]}):
        assert from_runinfo(_read({"registry": bad})) is None
    found = from_runinfo(_read({"registry": {"scenarios": [
        {"name": "s", "params": ["a", 3, "b"], "summary": 7}]}}))
    assert found is not None
    assert (found.scenarios[0].params, found.scenarios[0].summary) == (("a", "b"), None)


# -- (d) a run that predates the registry is described from its results --------------------------


def test_a_run_without_registry_is_described_from_its_results(tmp_path: Path) -> None:
    assert from_runinfo(read_runinfo(GRANULARITY).record) is None
    derived = analyse(load_results(GRANULARITY), [read_runinfo(GRANULARITY)])
    view = derived.view("granularity")
    assert view.point_names == ("unit_kind", "unit_us", "total_ms")
    assert derived.models == ["sequential", "threads", "processes", "executor-process"]
    # the models of the run info's unsupported pairs follow, in the order of those pairs
    assert [m.name for m in derived.registry.models] == [
        "sequential", "threads", "processes", "executor-process", "asyncio", "uvloop", "to_thread",
        "executor-thread"]
    text = write_report(GRANULARITY, out_dir=tmp_path / "out").read_text()
    assert _section(text, "granularity").startswith("`granularity` (cpu)\n\n- Swept: `unit_us`")
    assert SCENARIOS["granularity"].summary not in text


def test_a_run_with_a_registry_and_one_without_in_one_report(tmp_path: Path) -> None:
    text = write_report(SMALL, GRANULARITY, out_dir=tmp_path / "out").read_text()
    assert [part.split("`")[1] for part in text.split("\n### ")[1:]] == [
        "sleep_fanout", "cpu_pure", "granularity"]
    assert FIXTURE_SUMMARY in _section(text, "sleep_fanout")
    assert _section(text, "granularity").startswith("`granularity` (cpu)\n\n- Swept:")


def _sample(model: str, **params: Any) -> Sample:
    return Sample("run.json", f"s/{model}{params}", "s", "io", model, tuple(params.items()), (1.0,))


def test_own_parameters_when_variants_of_a_scenario_take_different_ones() -> None:
    # cancel_timeout's shape: op=shutdown takes n, which one model never ran (unsupported);
    # every model has deadline, but each sweeps its own values of it: a model parameter.
    group = [
        _sample("sequential", op="deadline", calls=200, deadline="none"),
        _sample("sequential", op="deadline", calls=200, deadline="alarm"),
        *(_sample(m, op="deadline", calls=200, deadline=d) for m in ("asyncio", "threads")
          for d in ("none", "timeout" if m == "asyncio" else "result_timeout")),
        _sample("asyncio", op="shutdown", n=50),
        _sample("threads", op="shutdown", n=50, start_method="fork"),
    ]
    assert own_params(group) == ("op", "calls", "n")
    # retry_ratelimit's shape: each pattern keeps only its own parameters
    group = [_sample(m, pattern=p, n=10, **extra) for m in ("sequential", "asyncio")
             for p, extra in (("retry", {"backoff_us": 100}), ("ratelimit", {"rate_per_s": 5, "burst": 1}))]
    group += [_sample("asyncio", pattern="retry", n=10, backoff_us=100, api="gather")]
    assert own_params(group) == ("pattern", "n", "backoff_us", "rate_per_s", "burst")


def test_own_parameters_of_common_shapes() -> None:
    own: tuple[tuple[str, dict[str, Any]], ...] = (
        ("sequential", {}), ("threads", {"workers": 0}),
        ("processes", {"workers": 0, "start_method": "fork"}))
    sweep = [_sample(m, n=n, **extra) for n in (1, 10) for m, extra in own]
    assert own_params(sweep) == ("n",)
    # one model alone: nothing tells its parameters from the scenario's, so all are the scenario's
    assert own_params([_sample("threads", n=1, workers=w) for w in (1, 2)]) == ("n", "workers")
    # a point only one model of several ran says nothing about what follows
    lone = [_sample("sequential", n=1), *(_sample("threads", n=n, workers=0) for n in (1, 2))]
    assert own_params(lone) == ("n",)
    assert own_params([]) == ()


def test_model_order_when_the_first_scenario_lacks_models() -> None:
    found = [_sample(m) for m in ("sequential", "threads", "processes")]
    found += [Sample("run.json", f"t/{m}", "t", "io", m, (), (1.0,)) for m in (
        "sequential", "asyncio", "threads", "processes")]
    registry = infer_registry(found)
    assert [m.name for m in registry.models] == ["sequential", "asyncio", "threads", "processes"]
    assert [s.name for s in registry.scenarios] == ["s", "t"]
    assert all(s.summary is None and s.inferred for s in registry.scenarios)


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
    assert (lib / "analysis" / "render" / "templates" / "report.html.j2").is_file()
    assert list((lib / "benchmarks" / "scenarios" / "tcp_echo").glob("*.c"))  # the older entry still holds
    code = ("import analysis, analysis.render.document as d; print(analysis.__file__); "
            "print(d.to_html([d.Heading(1, 'T'), d.Para('**x**')], 'T'))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                           env={**os.environ, "PYTHONPATH": str(lib)}, check=False, timeout=120)
    assert shown.returncode == 0, shown.stderr
    where, page = shown.stdout.split("\n", 1)
    assert Path(where).is_relative_to(lib)
    assert page.startswith("<!DOCTYPE html>")
    assert "<p><strong>x</strong></p>" in page
