"""Run ``python -m benchmarks`` as a user would, in a scratch directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Small enough that every pair answers in well under a second.
TINY_ARGS = ["--param", "n=4", "--param", "latency_ms=1", "--param", "size=300", "--param", "size_kib=4",
             "--param", "response_bytes=100", "--param", "connections=2", "--param", "round_trips=3",
             "--param", "message_bytes=100", "--param", "parties=3", "--param", "rounds=5",
             "--param", "items=4", "--param", "stage_steps=100", "--param", "queue_size=2",
             "--param", "unit_us=100", "--param", "total_ms=1",
             "--param", "calls=4"]


def tiny_args(*scenarios: str) -> list[str]:
    """``--param`` options of TINY_ARGS that the given scenarios (and their models) take."""
    from benchmarks import MODELS, SCENARIOS

    known = {p.name for s in scenarios for m in MODELS.values()
             for p in (*SCENARIOS[s].params, *SCENARIOS[s].model_params(m))}
    pairs = zip(TINY_ARGS[::2], TINY_ARGS[1::2], strict=True)
    return [arg for flag, value in pairs if value.split("=")[0] in known for arg in (flag, value)]


# One round of one worker process, one value, no warm-up, one loop: a run through pyperf, not a
# measurement.
MINIMAL_PYPERF = ["--rounds", "1", "-p", "1", "-n", "1", "-w", "0", "-l", "1", "--quiet"]


def env() -> dict[str, str]:
    # PYTHONPATH is on pyperf's allow-list, so workers import this checkout too.
    return {**os.environ, "PYTHONPATH": str(REPO)}


def run_cli(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=cwd, env=env(),
                          capture_output=True, text=True, timeout=timeout, check=False)
