"""``concbench compare`` as a CI gate: its exit status on committed runs, its filters, its summary,
and its refusal to judge runs of different machines (issue 23, part 5).

Fixtures: ``gate_base.json`` / ``gate_slower.json`` are two real runs of the same benchmark ids, the
second doing three times the work per unit (``tests/data/README.md``); the two committed reference
runs in ``results/`` are the same code run twice; ``gil311`` / ``gil313`` two interpreters.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import load_results
from analysis.compare import machine_differences, run_compare
from concbench.cli import main

DATA = Path(__file__).resolve().parent.parent / "data"
REPO = Path(__file__).resolve().parent.parent.parent
BASE, SLOWER = DATA / "gate_base.json", DATA / "gate_slower.json"
SAME_CODE = (REPO / "results" / "20261201T183638Z_vm_py3.11.7.json",
             REPO / "results" / "20261201T185055Z_vm_py3.11.7.json")
ERROR = "concbench: error: "


def _compare(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["compare", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _one_line(err: str) -> None:
    assert err.startswith(ERROR), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


def test_a_real_slowdown_fails_the_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _compare(capsys, str(BASE), str(SLOWER), "-o", str(tmp_path / "c"),
                                "--fail-on-slower", "5%")
    assert (status, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == "# Compare `gate_slower.json` against `gate_base.json`"
    # the summary opens the page
    assert lines[2].startswith("2 benchmark(s) in common: 0 faster and 2 slower beyond the noise band of "
                               "+-2%, 0 no difference, 0 undecided.")
    assert "**Gate failed**: 2 ratio(s) slower than +5% over their whole interval" in lines[2]
    assert out.count("**over the gate**") - out.count("marked **over the gate**") == 2
    # the same files without the gate: the same page, exit 0
    status, out, _ = _compare(capsys, str(BASE), str(SLOWER), "-o", str(tmp_path / "c"))
    assert status == 0
    assert "Gate" not in out


def test_a_threshold_above_the_slowdown_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # threads' interval there is [1.45-2.36]: wholly above +5%, not wholly above +50%
    status, out, _ = _compare(capsys, str(BASE), str(SLOWER), "-o", str(tmp_path / "c"),
                              "--model", "threads", "--fail-on-slower", "50%")
    assert status == 0
    assert "**Gate passed**" in out


def test_the_same_code_run_twice_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _compare(capsys, *map(str, SAME_CODE), "-o", str(tmp_path / "c"),
                                "--fail-on-slower", "5%")
    assert (status, err) == (0, "")
    assert ("297 benchmark(s) in common: 2 faster and 2 slower beyond the noise band of +-2%, "
            "50 no difference, 243 undecided.") in out
    assert "**Gate passed**: no ratio's whole interval is slower than +5%." in out
    # only the four changes are listed by default; --all lists every row
    assert "The 4 change(s) of 297 rows" in out
    assert out.count("\n| `") == 4
    status, out, _ = _compare(capsys, *map(str, SAME_CODE), "-o", str(tmp_path / "c"), "--all")
    assert status == 0
    assert out.count("\n| `") == 297


def test_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _compare(capsys, *map(str, SAME_CODE), "-o", str(tmp_path / "c"), "--all",
                              "--scenario", "cpu_pure", "--scenario", "cpu_hash", "--model", "threads")
    assert status == 0
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert rows
    assert {row.split(" | ")[0:2][0] for row in rows} == {"| `cpu_pure`", "| `cpu_hash`"}
    assert {row.split(" | ")[1] for row in rows} == {"threads"}
    assert out.count("\n| `") == int(out.split("\n\n")[1].split(" ")[0])  # the summary counts what is shown


@pytest.mark.parametrize(("option", "name", "valid"), [("--scenario", "cpu_puree", "cpu_pure, cpu_hash"),
                                                       ("--model", "thread", "sequential, threads")])
def test_an_unknown_name_is_one_line_naming_the_valid_ones(
        option: str, name: str, valid: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _compare(capsys, str(DATA / "gil311.json"), str(DATA / "gil311.json"),
                                "-o", str(tmp_path / "c"), option, name)
    assert (status, out) == (2, "")
    _one_line(err)
    assert f"neither run has a {option[2:]} {name!r}: choose from " in err
    assert valid in err
    assert not (tmp_path / "c").exists()


def test_different_machines_are_named_first_and_the_gate_refuses_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, new = str(DATA / "gil311.json"), str(DATA / "gil313.json")
    status, out, err = _compare(capsys, base, new, "-o", str(tmp_path / "c"), "--fail-on-slower", "5%")
    assert (status, out) == (2, "")
    _one_line(err)
    assert "interpreter 'cpython 3.11.7' (base) against 'cpython 3.13.5' (new)" in err
    assert "--allow-different-machines" in err
    assert not (tmp_path / "c").exists()
    status, out, err = _compare(capsys, base, new, "-o", str(tmp_path / "c"), "--fail-on-slower", "5%",
                                "--allow-different-machines")
    assert (status, err) == (0, "")
    assert out.split("\n\n")[1].startswith("**Not the same CPU, kernel or interpreter**: interpreter "
                                           "'cpython 3.11.7' (base) against 'cpython 3.13.5' (new).")
    # without the gate there is nothing to refuse: the page says so, first
    status, out, _ = _compare(capsys, base, new, "-o", str(tmp_path / "c2"))
    assert status == 0
    assert out.split("\n\n")[1].startswith("**Not the same CPU")


def test_which_differences_are_named() -> None:
    frame = load_results(DATA / "gil311.json")
    assert machine_differences(frame, frame) == []
    other = frame.assign(cpu_model_name="AMD EPYC 7B13", platform="Linux-6.1.0-x86_64-with-glibc2.36")
    assert machine_differences(frame, other) == [
        "CPU 'Intel(R) Xeon(R) Processor' (base) against 'AMD EPYC 7B13' (new)",
        "kernel 'Linux-6.18.44-fc-v857-x86_64-with-glibc2.36' (base) against "
        "'Linux-6.1.0-x86_64-with-glibc2.36' (new)"]
    free = frame.assign(python_free_threaded_build="yes")
    assert machine_differences(frame, free) == [
        "interpreter 'cpython 3.11.7' (base) against 'cpython 3.11.7t' (new)"]


@pytest.mark.parametrize("argv", [["--fail-on-slower", "five"], ["--fail-on-slower", "-1%"],
                                  ["--frobnicate"]])
def test_bad_options_are_one_line(argv: list[str], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["compare", str(BASE), str(SLOWER), "-o", str(tmp_path / "c"), *argv])
    assert exc.value.code == 2
    _one_line(capsys.readouterr().err)


def test_a_missing_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _compare(capsys, str(BASE), str(tmp_path / "nope.json"), "-o", str(tmp_path / "c"),
                                "--fail-on-slower", "5%")
    assert (status, out) == (2, "")
    _one_line(err)


def test_the_markdown_has_no_absolute_path(tmp_path: Path) -> None:
    compared = run_compare(BASE, SLOWER, tmp_path / "c", fail_on_slower=0.05)
    written = compared.path.read_text(encoding="utf-8")
    assert "![new/base per benchmark](compare.png) ([SVG](compare.svg))" in written
    for text in (written, compared.markdown):
        assert str(tmp_path) not in text
        assert str(REPO) not in text
        assert "](/" not in text
    assert "![" not in compared.markdown  # the printed copy leaves the chart out
