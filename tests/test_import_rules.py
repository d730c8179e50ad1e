"""The tree's one-way rules between its packages, checked on the source: any import, anywhere.

* ``benchmarks/`` (the measuring side) never imports ``analysis/`` (the reporting side).
* ``analysis/`` imports from ``benchmarks/`` only what both sides share: the statistics
  (``benchmarks.stats``), the run record and the results files' format (``benchmarks.core.runrecord``,
  ``benchmarks.core.formats``, and tcp_echo's keys, ``benchmarks.core.echo_keys``), the check of
  every user-given output path (``benchmarks.core.outputs``), how a command ends on a signal
  (``benchmarks.core.stopping``) and the one module
  that holds every use of pyperf's privates (``benchmarks.pyperf_bridge``).
* ``benchmarks.stats`` is a leaf: it imports nothing of the project outside itself.
* ``benchmarks.core.runrecord`` imports nothing of the project but ``benchmarks.core``.
* ``benchmarks.core.outputs`` and ``benchmarks.core.stopping`` import nothing of the project.
* No import cycle among the modules of both packages.

Imports inside functions count for the one-way rules (they run all the same); the cycle check
reads module-level imports, as Python runs them at import time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support.cli import REPO

PACKAGES = ("benchmarks", "analysis")
#: what the analysis may import of benchmarks (a module or a package and everything below it)
SHARED = ("benchmarks.stats", "benchmarks.core.runrecord", "benchmarks.core.formats",
          "benchmarks.core.outputs", "benchmarks.core.echo_keys", "benchmarks.core.stopping",
          "benchmarks.pyperf_bridge")
#: a leaf package or module -> what of the project it may import (modules or packages)
LEAVES = {
    "benchmarks.stats": ("benchmarks.stats",),
    "benchmarks.core.runrecord": ("benchmarks.core",),
    "benchmarks.core.outputs": (),
    "benchmarks.core.stopping": (),
}


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a relative ``from . import x`` names, seen from ``module``."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts[: len(parts) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _exists(root: Path, module: str) -> bool:
    path = root / Path(*module.split("."))
    return path.with_suffix(".py").exists() or path.is_dir()


def imports(root: Path, path: Path, *, top_level_only: bool = False) -> Iterator[tuple[int, str]]:
    """(line, module) of every project import in ``path``; ``from P import a`` names ``P.a`` where
    that is a module of the tree, else ``P``."""
    module = module_name(root, path)
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:  # module level, and under if/try at module level (TYPE_CHECKING, fallbacks)
        nodes = [n for top in tree.body for n in ([top] if isinstance(top, ast.Import | ast.ImportFrom)
                                                   else ast.walk(top) if isinstance(top, ast.If | ast.Try)
                                                   else [])]
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, path.name == "__init__.py", node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield node.lineno, sub if _exists(root, sub) else base


def project_files(root: Path) -> dict[str, Path]:
    return {module_name(root, p): p for pkg in PACKAGES if (root / pkg).is_dir()
            for p in sorted((root / pkg).rglob("*.py"))}


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(root: Path) -> list[str]:
    """Every import that breaks a one-way rule, as ``path:line: importer -> imported (rule)``."""
    found = []
    for module, path in project_files(root).items():
        where = path.relative_to(root)
        for line, target in imports(root, path):
            top = target.split(".")[0]
            if top not in PACKAGES or target == "benchmarks":
                continue
            rule = None
            if module.startswith("benchmarks") and top == "analysis":
                rule = "benchmarks never imports analysis"
            elif module.startswith("analysis") and top == "benchmarks" and not _within(target, SHARED):
                rule = "analysis imports only the shared modules of benchmarks"
            for leaf, allowed in LEAVES.items():
                if _within(module, (leaf,)) and not _within(target, allowed):
                    rule = f"{leaf} is a leaf"
            if rule:
                found.append(f"{where}:{line}: {module} -> {target} ({rule})")
    return sorted(found)


def cycles(root: Path) -> list[list[str]]:
    files = project_files(root)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets = {t for _, t in imports(root, path, top_level_only=True)}
        # importing a package runs its __init__; a submodule's own packages are not a cycle
        graph[module] = {t for t in targets if t in files and t != module and not module.startswith(t + ".")}
    found: list[list[str]] = []
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        if module in visiting:
            found.append([*visiting[visiting.index(module):], module])
            return
        visiting.append(module)
        for target in sorted(graph[module]):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
    return found


def test_the_packages_import_one_way() -> None:
    assert violations(REPO) == []


def test_no_import_cycle_across_the_packages() -> None:
    assert cycles(REPO) == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_checker_sees_each_kind_of_violation(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "benchmarks/__init__.py": "",
        "benchmarks/harness/__init__.py": "",
        "benchmarks/harness/runner.py": "def f():\n    import analysis.report\n",
        "benchmarks/stats/__init__.py": "",
        "benchmarks/stats/paired.py": "from benchmarks.harness import runner\n",
        "benchmarks/core/__init__.py": "",
        "benchmarks/core/runrecord.py": "from ..stats import paired\n",
        "benchmarks/core/formats.py": "",
        "analysis/__init__.py": "",
        "analysis/report.py": "from benchmarks.core.formats import X\n"
                              "from benchmarks.harness.runner import f\nfrom .cycle import y\n",
        "analysis/cycle.py": "from analysis.report import z\n",
    })
    assert violations(root) == [
        "analysis/report.py:2: analysis.report -> benchmarks.harness.runner "
        "(analysis imports only the shared modules of benchmarks)",
        "benchmarks/core/runrecord.py:1: benchmarks.core.runrecord -> benchmarks.stats.paired "
        "(benchmarks.core.runrecord is a leaf)",
        "benchmarks/harness/runner.py:2: benchmarks.harness.runner -> analysis.report "
        "(benchmarks never imports analysis)",
        "benchmarks/stats/paired.py:1: benchmarks.stats.paired -> benchmarks.harness.runner "
        "(benchmarks.stats is a leaf)",
    ]
    assert cycles(root) == [["analysis.cycle", "analysis.report", "analysis.cycle"]]
