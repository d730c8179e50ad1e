"""Proof of extension: a scenario's command line verbs come from ``Scenario.commands``, not from cli.py.

A plugin scenario registered here brings a verb; ``python -m benchmarks``'s parser lists it after
the built-in ones and ``main`` dispatches to it with the registry.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping, Sequence
from typing import ClassVar

import pytest

from benchmarks import (
    MODELS,
    SCENARIOS,
    BadInput,
    Checksum,
    Command,
    Model,
    Param,
    Scenario,
    Work,
    checksum,
    register,
)
from benchmarks.cli import build_parser, main
from benchmarks.core.params import Value
from benchmarks.core.work import inline_async
from benchmarks.scenarios.tcp_echo import TcpEcho


class Greet(Command):
    name = "greet"
    help = "say hello to a registered scenario (extension test)"
    seen: ClassVar[list[tuple[str, Mapping[str, Scenario], Mapping[str, Model]]]] = []

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--who", required=True)

    def run(self, args: argparse.Namespace, scenarios: Mapping[str, Scenario],
            models: Mapping[str, Model]) -> int:
        if args.who not in scenarios:
            raise BadInput(f"no scenario {args.who!r} to greet")
        self.seen.append((args.who, scenarios, models))
        return 7


def one(i: int) -> int:
    return i


class Greeter(Scenario):
    name = "greeter"
    summary = "N units returning their index, with a verb of its own (extension test)"
    kind = "cpu"
    params = (Param("n", int, (3,), "number of units", minimum=1),)

    def work(self, params: Mapping[str, Value]) -> Work:
        return Work(n=int(params["n"]), kind=self.kind, call=one, acall=inline_async(one))

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        return checksum(range(int(params["n"])))

    def commands(self) -> Sequence[Command]:
        return (Greet(),)


@pytest.fixture
def registered() -> Iterator[None]:
    register(scenarios=[Greeter()])
    yield
    del SCENARIOS[Greeter.name]


def verbs() -> list[str]:
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return list(sub.choices)


def test_the_built_in_verbs_come_first_then_tcp_echos() -> None:
    assert verbs() == ["list", "run", "serve", "loadgen"]
    assert [c.name for c in SCENARIOS["tcp_echo"].commands()] == ["serve", "loadgen"]


@pytest.mark.usefixtures("registered")
def test_a_registered_scenarios_verb_is_listed_and_dispatched(capsys: pytest.CaptureFixture[str]) -> None:
    assert verbs() == ["list", "run", "serve", "loadgen", "greet"]
    Greet.seen.clear()
    assert main(["greet", "--who", "tcp_echo"]) == 7
    ((who, scenarios, models),) = Greet.seen
    assert who == "tcp_echo"
    assert scenarios is SCENARIOS
    assert models is MODELS
    # bad input from the verb is the CLI's one line and exit status 2, as for the built-in verbs
    assert main(["greet", "--who", "nobody"]) == 2
    assert capsys.readouterr().err == "python -m benchmarks: error: no scenario 'nobody' to greet\n"
    with pytest.raises(SystemExit) as exc:
        main(["greet", "--who", "tcp_echo", "--bogus"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_scenarios_offering_the_same_verb_share_it() -> None:
    class OtherEcho(TcpEcho):
        name = "tcp_echo_other"

    register(scenarios=[OtherEcho()])
    try:
        assert verbs() == ["list", "run", "serve", "loadgen"]
    finally:
        del SCENARIOS[OtherEcho.name]


def test_a_verb_that_would_hide_a_built_in_one_is_refused() -> None:
    class Run(Greet):
        name = "run"

    class Shadow(Greeter):
        name = "shadow"

        def commands(self) -> Sequence[Command]:
            return (Run(),)

    register(scenarios=[Shadow()])
    try:
        with pytest.raises(ValueError, match="'run', a verb of the suite itself"):
            build_parser()
    finally:
        del SCENARIOS[Shadow.name]
