"""The loops from PyPI beyond uvloop and rloop: why one is unavailable, and known failures."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import pytest

from benchmarks import MODELS, SCENARIOS
from benchmarks.core.packages import version
from benchmarks.runtimes.loops import ApartEventLoop, PackagedLoop, PackagedLoopModel

HERE = sys.version_info[:2]
#: the loops declared by a model module of their own
PACKAGED = {name: m for name, m in MODELS.items() if isinstance(m, PackagedLoopModel)}


class Absent(PackagedLoop):
    name: ClassVar[str] = "absent"
    package: ClassVar[str] = "concbench_no_such_loop"


def absent(pythons: tuple[tuple[int, int], ...], glibc: tuple[int, int] = (2, 17)) -> PackagedLoop:
    return type("AbsentHere", (Absent,), {"wheel_pythons": pythons, "wheel_glibc": glibc})()


def test_every_fast_loop_is_a_model() -> None:
    assert set(PACKAGED) == {"veloxloop", "rsloop", "talyn", "zuvloop", "uringcore"}


def test_a_loop_without_a_wheel_for_this_python_says_so() -> None:
    reason = absent(((3, 99),)).unavailable()
    assert reason == f"concbench_no_such_loop publishes no wheel for Python {HERE[0]}.{HERE[1]}"


def test_a_loop_whose_wheels_need_a_newer_glibc_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platform.libc_ver", lambda: ("glibc", "2.36"))
    reason = absent((HERE,), glibc=(2, 39)).unavailable()
    assert reason == ("concbench_no_such_loop publishes Linux wheels for glibc 2.39 or newer only "
                      "(this system has 2.36)")
    assert absent((HERE,), glibc=(2, 36)).unavailable() == \
        "concbench_no_such_loop is not installed for this interpreter"


class Failing(PackagedLoop):
    """An installed package (pyperf) standing in for a loop that fails where the table says."""

    name: ClassVar[str] = "failing"
    package: ClassVar[str] = "pyperf"
    known_failures: ClassVar[Mapping[str, Mapping[str, str]]] = {
        version("pyperf"): {"cpu_pure": "it computes nothing"}, "0.0.1": {"*": "an older version"}}


class FailingModel(PackagedLoopModel):
    name = "failing"
    summary = "a loop with a known failure (test)"
    capability = ApartEventLoop(Failing())


def test_a_known_failure_of_the_installed_version_declines_that_scenario_only() -> None:
    model = FailingModel()
    assert model.unsupported(SCENARIOS["cpu_pure"], {}) == \
        f"pyperf {version('pyperf')} fails here: it computes nothing"
    assert model.unsupported(SCENARIOS["cpu_hash"], {}) is None  # another version's "*" is not this one's
    assert Failing().unavailable() is None


def test_a_known_failure_of_every_scenario_makes_the_loop_unavailable() -> None:
    loop = type("Crashing", (Failing,), {"known_failures": {version("pyperf"): {"*": "it crashes"}}})()
    assert loop.unavailable() == f"pyperf {version('pyperf')} fails here: it crashes"
    assert loop.failure("tcp_echo") == f"pyperf {version('pyperf')} fails here: it crashes"


def test_an_installed_loop_that_does_not_import_says_why(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "concbench_broken_loop"
    package.mkdir()
    failing = "raise ImportError('libpython3.14.so.1.0: cannot open\\n shared object')\n"
    (package / "__init__.py").write_text(failing)
    monkeypatch.syspath_prepend(str(tmp_path))
    loop = type("Broken", (PackagedLoop,), {"name": "broken", "package": "concbench_broken_loop",
                                            "wheel_pythons": (HERE,)})()
    assert loop.unavailable() == ("concbench_broken_loop is installed but does not load here: "
                                  "libpython3.14.so.1.0: cannot open shared object")


def test_a_loop_defining_a_policy_on_314_imports_without_the_deprecation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """veloxloop 0.2 subclasses asyncio.AbstractEventLoopPolicy as it is imported, which 3.14
    deprecates: the suite never sets a policy, so that warning must not fail its runs."""
    package = tmp_path / "concbench_policy_loop"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import asyncio, warnings\n"
        "warnings.warn(\"'asyncio.AbstractEventLoopPolicy' is deprecated\", DeprecationWarning)\n"
        "new_event_loop = asyncio.new_event_loop\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    loop = type("Policy", (PackagedLoop,), {"name": "policy", "package": "concbench_policy_loop",
                                            "wheel_pythons": (HERE,)})()
    assert loop.unavailable() is None
    made = loop.factory()()
    made.close()
