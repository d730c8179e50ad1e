"""The architecture holds: the contract and the runtimes import only downwards, and scenarios never
look at a model's name (no import cycle: tests/test_import_rules.py, over benchmarks/ and analysis/)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from tests.support.cli import REPO

PACKAGE = REPO / "benchmarks"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def forbidden(package: str, *others: str) -> dict[str, set[str]]:
    """Of ``package``'s modules, those importing any of ``others`` (anywhere, functions too)."""
    found = {}
    for path in (PACKAGE / package).rglob("*.py"):
        names = {node.module for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.ImportFrom) and node.module}
        names |= {alias.name for node in ast.walk(ast.parse(path.read_text()))
                  if isinstance(node, ast.Import) for alias in node.names}
        hits = {n for n in names if any(n == o or n.startswith(o + ".") for o in others)}
        if hits:
            found[path.relative_to(PACKAGE).as_posix()] = hits
    return found


def test_the_contract_knows_nothing_of_the_harness_scenarios_models_or_runtimes() -> None:
    assert forbidden("core", "benchmarks.harness", "benchmarks.scenarios", "benchmarks.models",
                     "benchmarks.runtimes") == {}


def test_the_runtimes_know_nothing_of_the_harness_scenarios_or_models() -> None:
    assert forbidden("runtimes", "benchmarks.harness", "benchmarks.scenarios", "benchmarks.models") == {}


def test_no_scenario_compares_a_model_name() -> None:
    pattern = re.compile(r"model\.name\s*(==|!=|in\b|not in\b)"
                         r"|\bname\s*==\s*\"(sequential|threads|processes|asyncio|uvloop)\"")
    offending = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
                 for path in (PACKAGE / "scenarios").rglob("*.py")
                 for number, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert offending == []


def every_import(path: Path) -> set[str]:
    """Every module ``path`` imports, at any level (inside functions, under ``if``), relative
    imports resolved: ``from benchmarks.harness import registry`` counts as ``benchmarks.harness``."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            found.add(".".join([*base, *([node.module] if node.module else [])]))
    return found


def test_workloads_never_climb_into_the_harness() -> None:
    """Scenarios and models get the registry from the caller (``Command.run``), never by import."""
    offending = sorted(f"{path.relative_to(REPO)}: {name}"
                       for folder in ("scenarios", "models", "core")
                       for path in (PACKAGE / folder).rglob("*.py")
                       for name in every_import(path)
                       if name == "benchmarks.harness" or name.startswith("benchmarks.harness."))
    assert offending == []


def test_the_import_finder_sees_imports_inside_functions() -> None:
    probe = PACKAGE / "scenarios" / "tcp_echo" / "serve.py"
    assert "benchmarks.scenarios.tcp_echo" in every_import(probe)  # imported inside serve()
    assert "benchmarks.scenarios.tcp_echo.allocator" in every_import(probe)



def test_the_registry_loads_no_extension_a_subinterpreter_refuses() -> None:
    """A subinterpreter imports the registry to unpickle its unit; hdrh's extension refuses to load
    there, so it is imported only where a histogram is made."""
    code = ("import sys\nfrom benchmarks import MODELS, SCENARIOS\nlen(MODELS), len(SCENARIOS)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'hdrh', 'pyhdrh'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_every_model_is_one_module_and_one_registry_entry() -> None:
    """The promise for models: a module of benchmarks/models each, one ``MODEL`` in it, one line
    in the registry; a loop from PyPI (veloxloop, talyn, ...) declares its loop in that module too,
    so adding one touches nothing else."""
    from benchmarks import MODELS
    from benchmarks.runtimes.loops import PackagedLoopModel

    modules = {p.stem for p in (PACKAGE / "models").glob("*.py") if p.stem != "__init__"}
    builtin = {name: m for name, m in MODELS.items() if type(m).__module__.startswith("benchmarks.models.")}
    by_module = {type(m).__module__.removeprefix("benchmarks.models."): name for name, m in builtin.items()}
    assert set(by_module) == modules  # a module per model, no model without one
    assert len(by_module) == len(builtin)  # no module with two
    registry = (PACKAGE / "harness" / "registry.py").read_text()
    entries = {module: len(re.findall(rf"(?<![\w.]){module}\.MODEL\b", registry)) for module in modules}
    assert entries == dict.fromkeys(modules, 1)
    packaged = [m for m in builtin.values() if isinstance(m, PackagedLoopModel)]
    assert {m.name for m in packaged} >= {"veloxloop", "rsloop", "talyn", "zuvloop", "uringcore"}
    assert all(type(m.capability.loop).__module__ == type(m).__module__ for m in packaged)
