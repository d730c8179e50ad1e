"""The architecture holds: no import cycle, the contract and the runtimes import only downwards, and
scenarios never look at a model's name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.support.cli import REPO

PACKAGE = REPO / "benchmarks"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The benchmarks modules ``path`` imports at module level (not inside functions); ``from P
    import sub`` of a submodule counts as importing ``P.sub``."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = [f"{node.module}.{a.name}" for a in node.names
                          if (REPO / Path(*f"{node.module}.{a.name}".split("."))).with_suffix(".py").exists()
                          or (REPO / Path(*f"{node.module}.{a.name}".split("."))).is_dir()]
            found |= set(submodules) if len(submodules) == len(node.names) else {node.module}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.If):  # if TYPE_CHECKING: counts too (a cycle all the same)
            for inner in node.body:
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    found.add(inner.module)
    return {name for name in found if name.split(".")[0] == "benchmarks"}


def test_no_import_cycle_among_the_suites_modules() -> None:
    graph = {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}
    # an import of a package runs its __init__: "benchmarks.scenarios.x" depends on it too
    # a submodule's own packages are imported before it by Python itself: not a cycle
    for module, targets in graph.items():
        graph[module] = {t for t in targets if t in graph and t != module and not module.startswith(t + ".")}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        assert module not in visiting, " -> ".join([*visiting[visiting.index(module):], module])
        visiting.append(module)
        for target in sorted(graph[module]):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


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
