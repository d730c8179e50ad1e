"""Property-based: every parameter text, every --param assignment and every command line of
``run`` (random options from its option table, parsed and planned, never run) either plans or is
refused with one line (BadInput, exit 2 on the command line), never a traceback."""

from __future__ import annotations

import contextlib
import io
import math
import os
import sys
from collections.abc import Callable
from typing import TypeVar

from hypothesis import example, given, settings
from hypothesis import strategies as st

from benchmarks import MODELS, SCENARIOS, plan
from benchmarks.cli import run_parser
from benchmarks.core.params import BadInput, Param, parse_assignments
from benchmarks.harness.options import add_run_options, forward
from benchmarks.harness.runner import prepare
from benchmarks.pyperf_bridge import new_runner

PARAMS: dict[str, Param] = {}
for _scenario in SCENARIOS.values():
    for _param in _scenario.params:
        PARAMS.setdefault(_param.name, _param)
    for _model in MODELS.values():
        for _param in _scenario.model_params(_model):
            PARAMS.setdefault(_param.name, _param)

T = TypeVar("T")


def attempt(func: Callable[[], T]) -> tuple[T | None, str | None]:
    """The result, or the one-line message of the BadInput it raised (any other error fails)."""
    try:
        return func(), None
    except BadInput as exc:
        return None, str(exc)


TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "-0", "0", "1", "-1", "0.5", "1e3", " 3 ", "unbounded",
                     "fork", "gather", "", ",", "1,2", "٣"]),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(PARAMS)), text=TEXT)
def test_a_parameter_value_parses_to_a_valid_value_or_one_line(name: str, text: str) -> None:
    param = PARAMS[name]
    value, message = attempt(lambda: param.parse(text))
    if message is not None:
        assert "\n" not in message
        assert f"parameter {name!r}" in message
        assert "expected" in message
        return
    assert value is not None
    assert param.check(value) == value
    if isinstance(value, float):
        assert math.isfinite(value)
    if param.choices is not None:
        assert value in param.choices
    if param.minimum is not None and isinstance(value, (int, float)):
        assert value >= param.minimum


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.text(max_size=20), max_size=4))
def test_param_assignments_split_or_are_refused_in_one_line(items: list[str]) -> None:
    parsed, message = attempt(lambda: parse_assignments(items))
    if message is not None:
        assert "\n" not in message
        assert "expected NAME=VALUE" in message
        return
    assert parsed is not None
    assert all(name and name == name.strip() for name in parsed)
    assert all("," not in value for values in parsed.values() for value in values)
    assert all(values for values in parsed.values())  # "n=," planned nothing and exited 0


@settings(max_examples=150, deadline=None)
@given(overrides=st.dictionaries(st.one_of(st.sampled_from(sorted(PARAMS)), st.text(max_size=8)),
                                 st.lists(TEXT, min_size=1, max_size=2), max_size=3),
       scenario=st.sampled_from(sorted(SCENARIOS)))
def test_a_selection_plans_or_is_refused_in_one_line(overrides: dict[str, list[str]], scenario: str) -> None:
    planned, message = attempt(lambda: plan([scenario], overrides=overrides))
    if message is not None:
        assert "\n" not in message
        return
    assert planned is not None
    cases, unsupported = planned
    for case in cases:  # every planned value went through Param.check
        for key, value in case.params.items():
            if isinstance(value, float):
                assert math.isfinite(value), key
    assert all(len(reason) > 10 for _, reason in unsupported)


def _run_options() -> list[tuple[str, int]]:
    """Every option of ``run`` (pyperf's and the suite's), with how many values it takes (0 or 1)."""
    parser = run_parser()
    new_runner(parser, {}, (), forward, check_only=True)
    add_run_options(parser)
    found = []
    for action in parser._actions:
        takes = 0 if action.nargs == 0 else 1
        found += [(flag, takes) for flag in action.option_strings if flag.startswith("--")]
    return sorted(set(found))


RUN_OPTIONS = _run_options()
#: values that reach every kind of check, and a plugin never imports an arbitrary module
VALUES = st.one_of(st.sampled_from(["", " ", "0", "1", "-1", "2", "99", "abc", "1e9", "nan", "inf", "n=,",
                                    "n=2", "=", "0-1", "0,1", "1-0", "cpu_pure", "sequential", "quick", "90s",
                                    "tcp://h:1", "--", "-o", "x.json", "no.such.module", "os.path", "1bad"]),
                   st.text(alphabet="abn=,.-01 ", max_size=6))


def _argv() -> st.SearchStrategy[list[str]]:
    def render(option: tuple[str, int], value: str) -> list[str]:
        flag, takes = option
        if flag == "--plugin":
            value = value if value in ("", "no.such.module", "os.path", "1bad", "n=2") else "no.such.module"
        return [flag] if takes == 0 else [flag, value]

    item = st.builds(render, st.sampled_from(RUN_OPTIONS), VALUES)
    return st.lists(item, max_size=3).map(lambda items: [word for words in items for word in words])


def _parse_only(argv: list[str]) -> tuple[int, str]:
    """``run``'s parsing and planning of ``argv``, never its work: (exit status, what it printed)."""
    said = io.StringIO()
    with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
        try:
            prepare(run_parser(), ["--scenario", "cpu_pure", *argv], check_only=True)
        except BadInput as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2, said.getvalue()
        except SystemExit as exc:
            return (exc.code if isinstance(exc.code, int) else 1), said.getvalue()
    return 0, said.getvalue()


@settings(max_examples=300, deadline=None)
@given(argv=_argv())
@example(argv=["--param", "n=,"])  # the inputs issue 22 found ending in a traceback or an empty run
@example(argv=["--plugin", ""])
@example(argv=["--affinity", "abc"])
@example(argv=["--affinity", "99"])
def test_random_argv_parses_or_exits_0_1_2_with_no_traceback(argv: list[str]) -> None:
    """Every option of run with values of every kind: parsed and planned, or refused; never a
    traceback (any other exception fails here) and, on exit 2, one line and nothing written."""
    before = sorted(os.listdir("."))
    status, said = _parse_only(argv)
    assert status in (0, 1, 2), (argv, said)
    assert "Traceback" not in said
    if status == 2:
        assert said.strip().count("\n") == 0, said
    assert sorted(os.listdir(".")) == before
