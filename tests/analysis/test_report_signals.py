"""A signal while ``concbench report`` works (as ``make bench`` runs it after a run): one line, the
signal's status, no traceback; a report folder this invocation created is gone, one an earlier
report wrote is as it was; a signal once the files are moving into place waits until the last."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.render.output import Staging
from benchmarks.core import outputs
from benchmarks.core.stopping import Stopped, stoppable
from tests.support.cli import REPO, default_sigint, env, living_in_session

DATA = REPO / "tests" / "data"


def _results(where: Path) -> Path:
    for name in ("small.json", "small.runinfo"):
        shutil.copy(DATA / name, where / name)
    return where / "small.json"


def _report_signalled(cwd: Path, signals: list[int]) -> tuple[int, str]:
    """``concbench report --latest .`` paused while it stages its report, then ``signals`` (40 ms
    apart) to its process group: its status and stderr."""
    with subprocess.Popen([sys.executable, "-m", "concbench", "report", "--latest", "."], cwd=cwd,
                          env={**env(), "CONCBENCH_PAUSE_AT": "report"}, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, start_new_session=True,
                          preexec_fn=default_sigint) as proc:
        assert proc.stderr is not None
        seen = []
        try:
            for line in proc.stderr:
                seen.append(line)
                if line.startswith("paused at report"):
                    break
            for index, sig in enumerate(signals):
                if index:
                    time.sleep(0.04)
                os.killpg(proc.pid, sig)
            status = proc.wait(timeout=60)
        finally:
            alive = living_in_session(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL) if alive else None
        assert alive == []
        seen.append(proc.stderr.read())
    return status, "".join(seen)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("signals", "status", "line"), [
    ([signal.SIGTERM], 143, "concbench: stopped by SIGTERM"),
    ([signal.SIGHUP], 129, "concbench: stopped by SIGHUP"),
    ([signal.SIGINT, signal.SIGINT], 130, "concbench: interrupted"),  # Ctrl-C twice
])
def test_a_signal_while_a_new_report_is_staged_leaves_no_folder(tmp_path: Path, signals: list[int],
                                                                 status: int, line: str) -> None:
    _results(tmp_path)
    got, stderr = _report_signalled(tmp_path, signals)
    assert got == status, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[1:] == [line]  # after "paused at report": one line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.json", "small.runinfo"]


def test_a_signal_while_a_report_is_redone_leaves_the_earlier_one_whole(tmp_path: Path) -> None:
    results = _results(tmp_path)
    done = subprocess.run([sys.executable, "-m", "concbench", "report", str(results)], cwd=tmp_path,
                          env=env(), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "small.report"
    before = _tree(folder)
    got, stderr = _report_signalled(tmp_path, [signal.SIGINT])
    assert got == 130, stderr
    assert "Traceback" not in stderr
    assert _tree(folder) == before
    assert [p.name for p in folder.iterdir() if p.name.startswith(outputs.STAGING_PREFIX)] == []


def test_a_signal_while_a_report_moves_into_place_waits_for_the_last_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM arrives after the first file of three has moved: all three land, then the stop."""
    moved: list[str] = []
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        real_replace(src, dst)
        moved.append(Path(dst).name)
        if Path(dst).name == "a.txt":
            os.kill(os.getpid(), signal.SIGTERM)

    out = tmp_path / "out"
    staging = Staging(out)
    for name in ("a.txt", "b.txt", "main.md"):
        (staging.dir / name).write_text(name)
    monkeypatch.setattr(outputs.os, "replace", replace)
    with stoppable(), pytest.raises(Stopped) as stopped:
        staging.publish(last="main.md")
    monkeypatch.undo()
    assert stopped.value.signum == signal.SIGTERM
    assert {"a.txt", "b.txt", "main.md"} <= set(moved)
    assert sorted(p.name for p in out.iterdir()) == [outputs.MARKER, "a.txt", "b.txt", "main.md"]
    assert moved[-1] == outputs.MARKER  # the marker, last, lists them
    assert (out / outputs.MARKER).read_text().splitlines()[-3:] == ["a.txt", "b.txt", "main.md"]
