"""The console: a status line rewritten in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

from benchmarks.harness.progress import Console, Progress, format_duration


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_status_line_is_rewritten_and_permanent_lines_go_above_it() -> None:
    out = Terminal()
    console = Console(out)
    console.status("verifying [1/2]")
    console.status("verifying [2/2]")
    console.say("FAILED verification: x")
    console.status("round 1 [1/1]")
    console.close()
    assert out.getvalue() == ("\r\x1b[Kverifying [1/2]\r\x1b[Kverifying [2/2]\r\x1b[KFAILED verification: x\n"
                              "\r\x1b[Kround 1 [1/1]\n")


def test_elsewhere_every_status_is_a_line_of_its_own() -> None:
    out = io.StringIO()
    console = Console(out)
    progress = Progress([1.0, 1.0], console, label="round 1")
    progress.start(0, "a")
    progress.finish(0)
    progress.start(1, "b")
    console.say("done")
    console.close()
    lines = out.getvalue().splitlines()
    assert [line.split(":")[-1].strip() for line in lines[:2]] == ["a", "b"]
    assert lines[0].startswith("round 1 [1/2] elapsed 0:00, ETA --:--")
    assert lines[1].startswith("round 1 [2/2] elapsed 0:00, ETA ")
    assert lines[2] == "done"


def test_durations() -> None:
    assert [format_duration(s) for s in (0, 59.4, 61, 3600, 3725)] == [
        "0:00", "0:59", "1:01", "1:00:00", "1:02:05"]
