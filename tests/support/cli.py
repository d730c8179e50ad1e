"""Run ``python -m benchmarks`` as a user would, in a scratch directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent.parent

# One round of one worker process, one value, no warm-up, one loop: a run through pyperf, not a
# measurement.
MINIMAL_PYPERF = ["--rounds", "1", "-p", "1", "-n", "1", "-w", "0", "-l", "1", "--quiet"]


def default_sigint() -> None:
    """``preexec_fn`` of a run a test interrupts with SIGINT: a shell's background job (CI, an
    agent) may start the tests with SIGINT ignored, which every child would inherit; a user's
    terminal does not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def env() -> dict[str, str]:
    # PYTHONPATH is on pyperf's allow-list, so workers import this checkout too.
    return {**os.environ, "PYTHONPATH": str(REPO)}


def run_cli(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=cwd, env=env(),
                          capture_output=True, text=True, timeout=timeout, check=False)


def living_in_session(sid: int, grace_s: float = 10) -> list[str]:
    """The command lines of processes still running in session ``sid`` after up to ``grace_s``
    (exited ones may linger as zombies until the container's init reaps them: they hold nothing)."""
    deadline = time.monotonic() + grace_s
    while True:
        alive = []
        for p in psutil.process_iter(["pid", "status", "cmdline"]):
            try:
                if os.getsid(p.pid) == sid and p.info["status"] != psutil.STATUS_ZOMBIE:
                    alive.append(" ".join(p.info["cmdline"] or []))
            except OSError:
                continue
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)
