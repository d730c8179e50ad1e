"""Property-based: every parameter text and every --param assignment either plans or is
refused with one line (BadInput, exit 2 on the command line), never a traceback."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import MODELS, SCENARIOS, plan
from benchmarks.core.params import BadInput, Param, parse_assignments

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
