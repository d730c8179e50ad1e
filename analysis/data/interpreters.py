"""Which interpreter measured each results file: its version, whether it is free-threaded, its GIL.

Read from each file's metadata: ``python_version`` (``3.13.5 (64-bit)``),
``python_free_threaded_build`` (``yes`` / ``no``; files written before the key
existed are read as ``no`` unless ``python_gil`` says ``disabled``) and
``python_gil`` (``disabled``, ``enabled``, or ``enabled (not a free-threaded
build)``: a free-threaded build can run with its GIL enabled again).  The tag,
``3.13.5t`` for a free-threaded build, names an interpreter as ``make bench
PYTHONS="3.13t"`` and the results files of a matrix run do.

A free-threaded build's **GIL twin** is the GIL build of the same version
(``tools/build-python.sh --twin`` builds both from one source): the two differ
only in the build option, so sequential code on one against the other is the
free-threaded build's single-thread cost.  Without the same version, the
newest GIL build of the same minor version stands in, and the report says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# mypy: disable-error-code="import-untyped"
import pandas as pd


@dataclass(frozen=True, order=True)
class Interpreter:
    version: tuple[int, ...]
    free_threaded: bool
    implementation: str = "cpython"
    gil: str = "?"  # ``python_gil`` as recorded

    @property
    def tag(self) -> str:
        """``3.13.5t``, ``3.11.7``; another implementation than CPython is named: ``pypy3.10.14``."""
        prefix = "" if self.implementation in ("cpython", "?") else self.implementation
        return prefix + ".".join(map(str, self.version)) + ("t" if self.free_threaded else "")

    @property
    def gil_enabled(self) -> bool:
        return not self.gil.startswith("disabled")

    @property
    def build(self) -> str:
        """``GIL``, ``free-threaded`` or ``free-threaded, GIL enabled``."""
        if not self.free_threaded:
            return "GIL"
        return "free-threaded" if not self.gil_enabled else "free-threaded, GIL enabled"

    @property
    def label(self) -> str:
        return f"{self.tag} ({self.build})"


def _version(text: object) -> tuple[int, ...]:
    found = re.match(r"\s*(\d+(?:\.\d+)*)", str(text))
    return tuple(int(x) for x in found.group(1).split(".")) if found else (0,)


def interpreters(frame: pd.DataFrame) -> dict[str, Interpreter]:
    """Results file -> the interpreter that measured it, in the frame's file order."""
    columns = [c for c in ("python_version", "python_free_threaded_build", "python_gil",
                           "python_implementation") if c in frame]
    first = frame.groupby("file", sort=False)[columns].first()
    found = {}
    for file, row in first.iterrows():
        gil = str(row.get("python_gil") or "?")
        built = row.get("python_free_threaded_build")
        free = built == "yes" if isinstance(built, str) else gil.startswith("disabled")
        found[str(file)] = Interpreter(_version(row.get("python_version")), free,
                                       str(row.get("python_implementation") or "?"), gil)
    return found


def twin(interpreter: Interpreter, among: Iterable[Interpreter]) -> tuple[Interpreter, bool] | None:
    """(the GIL twin of a free-threaded build, whether it is the same version); None if there is none."""
    if not interpreter.free_threaded:
        return None
    gil = sorted({i for i in among if not i.free_threaded and i.implementation == interpreter.implementation})
    same = [i for i in gil if i.version == interpreter.version]
    if same:
        return same[0], True
    minor = [i for i in gil if i.version[:2] == interpreter.version[:2]]
    return (minor[-1], False) if minor else None


def distinct(found: dict[str, Interpreter]) -> list[Interpreter]:
    """The interpreters of a report, oldest first, a free-threaded build after its GIL twin."""
    return sorted(set(found.values()))


def by_interpreter(files: Sequence[str], found: dict[str, Interpreter]) -> dict[Interpreter, list[str]]:
    grouped: dict[Interpreter, list[str]] = {}
    for f in files:
        grouped.setdefault(found[f], []).append(f)
    return grouped
