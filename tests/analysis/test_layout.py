"""analysis/ keeps its rooms one-way: checked from the source, with an AST import checker.

The rooms (``analysis/__init__.py`` and ``sections/__init__.py`` say why):

* the base, the top-level module every room may use: numbers as text (``_format``); it imports no
  room (the statistics are ``benchmarks.stats``, outside analysis/);
* ``data/``: loading and everything derived from the results; imports the base and itself only;
* ``render/``: the document model, its writers, output files; never a section or a chart;
* ``sections/``: one module per report section; data, base and render, never another section;
* ``charts/``: one module per chart kind; never a section, never render;
* the entry points (``report``, ``compare``, ``cli``, ``__init__``, ``__main__``), which may use all.

Every import counts, at module level or inside a function (a lazy import is an arrow all the
same), and so does any import cycle among the package's modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.cli import REPO

BASE = frozenset({"_format"})
ENTRIES = frozenset({"__init__", "__main__", "report", "compare", "cli"})
#: room -> the rooms its modules may import (a section's own room is checked apart: never another)
ALLOWED = {
    "base": {"base"},
    "data": {"base", "data"},
    "render": {"base", "data", "render"},
    "sections": {"base", "data", "render", "sections"},
    "charts": {"base", "data", "charts"},
}
ROOMS = frozenset(ALLOWED) - {"base"}


def modules(package: Path) -> dict[str, Path]:
    """Dotted name (``analysis.data.load``; a package by its own name) -> its file."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its file (functions included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from pkg import sub`` imports the submodule pkg.sub where there is one
            subs = [f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in known]
            targets = subs if len(subs) == len(node.names) else [module, *subs]
        else:
            continue
        for target in targets:
            while target and target not in known:  # ``a.b.name`` -> the module ``a.b``
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def room(name: str) -> str:
    """``base``, a room's name, ``entry``, or ``stray`` for a top-level module in no room."""
    parts = name.split(".")[1:]
    if not parts:
        return "entry"  # the package's __init__
    if len(parts) > 1 or parts[0] in ROOMS:
        return parts[0]
    return "base" if parts[0] in BASE else "entry" if parts[0] in ENTRIES else "stray"


def graph(package: Path) -> dict[str, set[str]]:
    found = modules(package)
    known = set(found)
    # importing a submodule runs its packages' __init__ first; that is Python's order, not an arrow
    return {name: {t for t in imports(name, path, known) if not name.startswith(t + ".")}
            for name, path in found.items()}


def cycles(arrows: dict[str, set[str]]) -> list[list[str]]:
    """The cycles a depth-first walk meets: at least one wherever there is any."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(arrows.get(module, ())):
            if state.get(target) == 1:
                found.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(arrows):
        if module not in state:
            visit(module)
    return found


def violations(package: Path) -> list[str]:
    """Every import that breaks the rooms' rules, every stray module, and every import cycle."""
    arrows = graph(package)
    found = []
    for name, targets in sorted(arrows.items()):
        mine = room(name)
        if mine == "stray":
            found.append(f"{name}: a top-level module in no room")
            continue
        for target in sorted(targets):
            theirs = room(target)
            if mine == "sections" and theirs == "sections":
                found.append(f"{name} -> {target}: a section imports another section")
            elif mine in ALLOWED and theirs not in ALLOWED[mine]:
                found.append(f"{name} -> {target}: {mine} imports {theirs}")
    found += ["import cycle: " + " -> ".join(cycle) for cycle in cycles(arrows)]
    return found


def test_analysis_rooms_import_one_way_without_cycles() -> None:
    assert violations(REPO / "analysis") == []


def test_every_room_holds_modules() -> None:
    names = modules(REPO / "analysis")
    for name in ROOMS:
        assert len([n for n in names if n.startswith(f"analysis.{name}.")]) >= 3, name


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / "pkg" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


CLEAN = {
    "__init__.py": "", "report.py": "from .sections import a\nfrom .charts import c\n",
    "_format.py": "", "data/__init__.py": "", "data/load.py": "from .._format import x\n",
    "data/table.py": "from .load import y\n",
    "render/__init__.py": "", "render/document.py": "from ..data.load import Error\n",
    "sections/__init__.py": "",
    "sections/a.py": "from ..data.table import t\nfrom ..render.document import Para\n",
    "sections/b.py": "from ..data import table\n",
    "charts/__init__.py": "", "charts/style.py": "",
    "charts/c.py": "from .style import s\nfrom ..data.load import y\n",
}


def _cycles(found: list[str]) -> list[set[str]]:
    prefix = "import cycle: "
    return [set(v.removeprefix(prefix).split(" -> ")) for v in found if v.startswith(prefix)]


def test_the_checker_passes_a_tree_that_keeps_the_rules(tmp_path: Path) -> None:
    assert violations(_tree(tmp_path, CLEAN)) == []


def test_the_checker_reports_every_kind_of_violation(tmp_path: Path) -> None:
    broken = {
        **CLEAN,
        # a section importing another section, lazily inside a function
        "sections/a.py": "def f():\n    from .b import g\n",
        # a chart importing a section, the absolute way
        "charts/c.py": "from pkg.sections.b import h\n",
        # data importing render, charts and a section
        "data/table.py": ("from ..render import document\nfrom ..charts.style import s\n"
                          "from ..sections import a\nfrom .load import y\n"),
        # a cycle inside data
        "data/load.py": "from .table import t\n",
        # a flat module beside the rooms
        "_helper.py": "",
    }
    found = violations(_tree(tmp_path, broken))
    assert "pkg.sections.a -> pkg.sections.b: a section imports another section" in found
    assert "pkg.charts.c -> pkg.sections.b: charts imports sections" in found
    assert "pkg.data.table -> pkg.render.document: data imports render" in found
    assert "pkg.data.table -> pkg.charts.style: data imports charts" in found
    assert "pkg.data.table -> pkg.sections.a: data imports sections" in found
    assert "pkg._helper: a top-level module in no room" in found
    assert {"pkg.data.load", "pkg.data.table"} in _cycles(found)
    # and a cycle outside data, across rooms, is found as well
    looped = {**CLEAN, "render/document.py": "from ..sections.a import x\n"}
    found = violations(_tree(tmp_path / "loop", looped))
    assert _cycles(found) == [{"pkg.render.document", "pkg.sections.a"}]
