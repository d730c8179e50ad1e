"""Property-based: every results file, however broken, loads or is refused with one line.

Random bytes, truncated or corrupted JSON, gzip of anything, JSON of the wrong shape, a real
fixture with parts removed or retyped: ``load_results`` returns a frame or raises
AnalysisError with a one-line message (the command line's exit 2); nothing else escapes.
"""

from __future__ import annotations

import copy
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
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
