"""Property-based: every results file, however broken, loads or is refused with one line.

Random bytes, truncated or corrupted JSON, gzip of anything, JSON of the wrong shape, a real
fixture with parts removed or retyped: ``load_results`` returns a frame or raises
AnalysisError with a one-line message (the command line's exit 2); nothing else escapes.
"""

from __future__ import annotations

import copy
import gzip
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis import AnalysisError, load_results
from tests.support.cli import REPO

FIXTURE = REPO / "tests" / "data" / "small.json"
VALID = FIXTURE.read_bytes()
DOC = json.loads(VALID)


def outcome(data: bytes, suffix: str = ".json") -> str | None:
    """None if the bytes load as results, else the one-line refusal."""
    with tempfile.TemporaryDirectory(prefix="cbprop-") as directory:
        path = Path(directory) / f"r{suffix}"
        path.write_bytes(data)
        try:
            frame = load_results(path)
        except AnalysisError as exc:
            return str(exc)
    assert len(frame) > 0
    return None


def one_line(message: str | None) -> bool:
    return message is None or (message.strip() != "" and "\n" not in message)


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    assert one_line(outcome(data))


@SETTINGS
@given(st.integers(min_value=0, max_value=len(VALID.rstrip()) - 1))
def test_truncated_json(cut: int) -> None:
    message = outcome(VALID[:cut])
    assert message is not None
    assert one_line(message)


@SETTINGS
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.integers(min_value=0, max_value=255))
def test_a_corrupted_byte(at: int, byte: int) -> None:
    assert one_line(outcome(VALID[:at] + bytes([byte]) + VALID[at + 1:]))


@SETTINGS
@given(st.binary(max_size=200), st.booleans())
def test_gzip_of_anything(data: bytes, valid: bool) -> None:
    packed = gzip.compress(VALID if valid else data)
    message = outcome(packed, ".json.gz")
    assert one_line(message)
    if valid:
        assert message is None
    assert one_line(outcome(packed[: len(packed) // 2], ".json.gz"))  # a cut gzip stream


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                   max_size=3),
                       max_leaves=10)


@SETTINGS
@given(JSONISH)
def test_json_of_the_wrong_shape(doc: Any) -> None:
    assert one_line(outcome(json.dumps(doc).encode()))


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc[:3]):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(DOC)


@SETTINGS
@given(st.sampled_from(PATHS), JSONISH, st.booleans())
def test_a_real_file_with_one_part_removed_or_retyped(path: tuple[Any, ...], value: Any,
                                                      remove: bool) -> None:
    doc = copy.deepcopy(DOC)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if remove:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    assert one_line(outcome(json.dumps(doc).encode()))


def test_the_command_line_says_one_line_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(VALID[: len(VALID) // 2])
    done = subprocess.run([sys.executable, "-m", "analysis", "report", str(bad), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=tmp_path, check=False, timeout=60,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "is not valid JSON" in done.stderr
    assert not (tmp_path / "out").exists()


# -- the run info: read leniently, so that a broken part costs that part only


def _run_info() -> dict[str, Any]:
    """A real run info with every part the analysis reads filled in."""
    doc = json.loads((REPO / "tests" / "data" / "rounds.runinfo").read_text())
    pair = {"name": "cpu_pure/threads[n=8]", "scenario": "cpu_pure", "model": "threads", "params": {"n": 8}}
    doc["rounds"] |= {"order": "blocks", "budget_notes": ["round 4: in part"]}
    warmups = {"per_process": 1, "free_after_first_round_s": 0.2, "dropped": ["b"], "one_run": 2}
    return doc | {"warmups": warmups, "unsupported": [pair | {"reason": "no"}],
                  "failed": [pair | {"stage": "timing", "error": "x"}],
                  "warnings": {"affinity": [f"{BENCHMARK}: pinned"]}, "slow_cpu": [BENCHMARK]}


ROUNDS = REPO / "tests" / "data" / "rounds.json"
BENCHMARK = "cpu_pure/threads[n=8,size=20000,workers=0]"
RUN_INFO = _run_info()
ROUNDS_FRAME = load_results(ROUNDS)


@SETTINGS
@given(st.sampled_from(_paths(RUN_INFO)), JSONISH, st.booleans())
def test_a_run_info_with_one_part_removed_or_retyped_is_read_and_used(path: tuple[Any, ...], value: Any,
                                                                       remove: bool) -> None:
    from analysis.data.bundle import analyse, run_seeds
    from analysis.data.inferred import run_registry
    from analysis.data.load import read_runinfo
    from analysis.data.reasons import Evidence
    from analysis.data.served import generator_bound
    from analysis.render.document import to_markdown
    from analysis.sections.drift import run_rounds_blocks
    from analysis.sections.runs import outcome_blocks, run_blocks, runinfo_scenarios

    doc = copy.deepcopy(RUN_INFO)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if remove:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    with tempfile.TemporaryDirectory(prefix="cbprop-") as directory:
        results = Path(directory) / ROUNDS.name
        results.with_suffix(".runinfo").write_text(json.dumps(doc))
        info = read_runinfo(results)
    assert info.record is not None
    assert info.problem is None
    registry = run_registry([], [info])
    blocks = [*run_blocks([info]), *run_rounds_blocks([info])]
    for scenario in runinfo_scenarios([info], registry):
        blocks += outcome_blocks(scenario, [info], (), registry)
    assert to_markdown(blocks)
    assert set(run_seeds([info])) <= {ROUNDS.name}
    analysis = analyse(ROUNDS_FRAME, [info])  # the warnings' readers
    assert set(Evidence.of(analysis, "sequential").warnings) <= {(ROUNDS.name, BENCHMARK)}
    assert not generator_bound(analysis)


ROUNDS_DOC = json.loads((REPO / "tests" / "data" / "rounds.json").read_text())


def _text(value: Any) -> bool:
    """Text pyperf keeps as metadata: not blank, one line."""
    return isinstance(value, str) and value.strip() != "" and "\n" not in value and "\r" not in value


#: a key the readers rely on -> whether a value is one it can use (an oracle apart from the code)
USABLE: dict[str, Any] = {
    "round": lambda v: type(v) is int and v >= 0,
    "cpu_probe_spread": lambda v: type(v) in (int, float) and math.isfinite(v),
    "scenario": _text,
    "model": _text,
    "param_n": lambda v: _text(v) or isinstance(v, bool) or (type(v) in (int, float) and math.isfinite(v)),
}
HOSTILE = st.one_of(st.text(max_size=4), st.floats(), st.booleans(), st.none(),
                    st.integers(min_value=-3, max_value=3), st.lists(st.integers(), max_size=2),
                    st.sampled_from([math.inf, -math.inf, math.nan, "1", "0", 1.5, -1]))
#: where metadata lives: a benchmark's own, or one of its runs'
PLACES = [("bench", b, None) for b in range(len(ROUNDS_DOC["benchmarks"]))] + [
    ("run", b, r) for b, bench in enumerate(ROUNDS_DOC["benchmarks"]) for r in range(len(bench["runs"]))]


def _refusal(doc: Any) -> tuple[str | None, str]:
    """(None if ``doc`` loads, else its one-line refusal; the file's path)."""
    with tempfile.TemporaryDirectory(prefix="cbprop-") as directory:
        path = Path(directory) / "r.json"
        path.write_text(json.dumps(doc))  # NaN and Infinity as JSON allows them (Python's json does)
        try:
            load_results(path)
        except AnalysisError as exc:
            return str(exc), str(path)
    return None, str(path)


@SETTINGS
@given(st.sampled_from(PLACES), st.sampled_from(sorted(USABLE)), HOSTILE)
def test_metadata_of_the_wrong_type_is_refused_naming_file_and_key(place: tuple[str, int, int | None],
                                                                   key: str, value: Any) -> None:
    """A string ``round`` gave a KeyError traceback in ``report`` and passed ``compare``."""
    kind, bench, run = place
    # a benchmark's scenario and model are its runs' common metadata: one run's own differs from them
    assume(kind == "bench" or key not in ("scenario", "model"))
    doc = copy.deepcopy(ROUNDS_DOC)
    owner = doc["benchmarks"][bench] if kind == "bench" else doc["benchmarks"][bench]["runs"][run]
    owner.setdefault("metadata", {})[key] = value
    message, path = _refusal(doc)
    if USABLE[key](value):
        assert message is None, message
    else:
        assert message is not None, f"{key}={value!r} loaded"
        assert one_line(message)
        assert repr(path) in message
        assert repr(key) in message


@SETTINGS
@given(st.sampled_from(PLACES[len(ROUNDS_DOC["benchmarks"]):]),
       st.one_of(st.sampled_from([math.inf, -math.inf, math.nan, 0, 0.0, -1.0, "1e-3", None, True]),
                 st.floats(max_value=0), st.floats(min_value=1e-9, max_value=1)))
def test_a_value_that_is_not_a_positive_finite_number_is_refused(place: tuple[str, int, int | None],
                                                                  value: Any) -> None:
    """An ``Infinity`` value gave a traceback in ``report`` and ``compare``."""
    doc = copy.deepcopy(ROUNDS_DOC)
    _kind, bench, run = place
    target = doc["benchmarks"][bench]["runs"][run]
    target["values"] = [*target.get("values", []), value]
    message, path = _refusal(doc)
    if type(value) is float and math.isfinite(value) and value > 0:
        assert message is None, message
    else:
        assert message is not None, f"value {value!r} loaded"
        assert one_line(message)
        assert repr(path) in message
        assert "a value is" in message
