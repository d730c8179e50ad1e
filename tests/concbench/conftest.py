"""Helpers of the workload tests: a file of workloads written into tmp_path, loaded as the CLI
loads it, and its pairs planned."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.core.contract import Scenario
from benchmarks.harness import registry

DATA = Path(__file__).resolve().parent.parent / "data" / "workloads"


@pytest.fixture
def write(tmp_path: Path) -> Iterator[object]:
    """``write(name, source)``: a workload file in tmp_path; its scenarios leave the registry after."""
    before = dict(registry.SCENARIOS)

    def make(name: str, source: str) -> Path:
        path = tmp_path / name
        path.write_text("import concbench\n" + textwrap.dedent(source))
        return path

    yield make
    registry.SCENARIOS.clear()
    registry.SCENARIOS.update(before)


def load(path: Path | str) -> list[Scenario]:
    return registry.load_plugins([str(path)])
