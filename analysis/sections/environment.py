"""The environment summary: where and with what the numbers were measured.

One line says it all for the first screen (:func:`environment_line`); the
full table, one column per results file, follows collapsed.  A fact that
differs between the benchmarks of one file (several event loops, several start
methods) lists every value.
The notes say what a reviewer must know before quoting a number: an
unoptimised interpreter, a smoke-test profile, files from different machines.
"""

from __future__ import annotations

from collections.abc import Callable

# mypy: disable-error-code="import-untyped"
import pandas as pd

from benchmarks.core.formats import format_value

from ..data.interpreters import distinct, interpreters
from ..render.document import Block, Bullets, Fold, Table


def _values(rows: pd.DataFrame, column: str) -> list[str]:
    if column not in rows:
        return []
    return sorted({format_value(v) for v in rows[column] if v is not None and v == v})


def _join(rows: pd.DataFrame, column: str) -> str:
    return ", ".join(_values(rows, column)) or "?"


def _loops(rows: pd.DataFrame) -> str:
    pairs = rows[["loop", "loop_version"]].dropna().drop_duplicates()
    return ", ".join(sorted(f"{loop} {version}" for loop, version in pairs.itertuples(index=False))) or "-"


def _versions(rows: pd.DataFrame) -> str:
    names = (("pyperf", "pyperf_version"), ("uvloop", "uvloop_version"), ("concbench", "concbench_version"))
    return ", ".join(f"{name} {_join(rows, col)}" for name, col in names)


FACTS: tuple[tuple[str, Callable[[pd.DataFrame], str]], ...] = (
    ("Python", lambda r: f"{_join(r, 'python_implementation')} {_join(r, 'python_version')}"),
    ("Build", lambda r: f"PGO {_join(r, 'python_pgo')}, LTO {_join(r, 'python_lto')}; "
                        f"GIL {_join(r, 'python_gil')}"),
    ("configure", lambda r: f"`{_join(r, 'python_config_args')}`"),
    ("Host", lambda r: f"{_join(r, 'hostname')}: {_join(r, 'cpu_model_name')}, {_join(r, 'cpu_count')} CPUs"),
    ("Worker CPUs", lambda r: f"{_join(r, 'worker_cpu_affinity')} ({_join(r, 'worker_cpus')} CPUs; "
                              "every pool a worker starts shares them)"),
    ("Platform", lambda r: _join(r, "platform")),
    ("Event loops", _loops),
    ("Process start methods", lambda r: _join(r, "start_method") if _values(r, "start_method") else "-"),
    ("Default executor (to_thread)", lambda r: f"{_join(r, 'default_executor_size')} threads"
                                                if _values(r, "default_executor_size") else "-"),
    ("Profile", lambda r: _join(r, "profile")),
    ("Versions", _versions),
)


def environment_blocks(frame: pd.DataFrame) -> list[Block]:
    files = list(dict.fromkeys(frame["file"]))
    by_file = {f: frame[frame["file"] == f] for f in files}
    values = [(label, [fact(by_file[f]) for f in files]) for label, fact in FACTS]
    if all(len(set(cells)) == 1 for _, cells in values):  # one column says it for every file
        headers: tuple[str, ...] = ("", "value" if len(files) == 1 else "value (every file)")
        rows: tuple[tuple[str, ...], ...] = tuple((label, cells[0]) for label, cells in values)
    else:
        headers = ("", *(f"`{f}`" for f in files))
        # Long values repeated in every column bury the one that differs.
        rows = tuple((label, *cells) if len(set(cells)) > 1
                     else (label, cells[0], *["same"] * (len(cells) - 1)) for label, cells in values)
    notes = environment_notes(frame, files)
    return [*([Bullets(tuple(notes))] if notes else []),
            Fold("The full environment: build, configure flags, CPUs, platform, loops, versions",
                 (Table(headers, rows),))]


def environment_line(frame: pd.DataFrame) -> str:
    """``cpython 3.11.7 (GIL; PGO no, LTO no) on vm: AMD EPYC, 2 CPUs (workers on 0,1); profile default``."""
    found = distinct(interpreters(frame))
    pythons = ", ".join(i.label for i in found)
    hosts = frame.groupby("hostname", sort=False, dropna=False)
    where = "; ".join(sorted({f"{_join(r, 'hostname')}: {_join(r, 'cpu_model_name')}, "
                              f"{_join(r, 'cpu_count')} CPUs (workers on {_join(r, 'worker_cpu_affinity')})"
                              for _, r in hosts}))
    implementation = _join(frame, "python_implementation")
    return (f"Measured with {implementation} {pythons}, PGO {_join(frame, 'python_pgo')}, "
            f"LTO {_join(frame, 'python_lto')}, on {where}; profile {_join(frame, 'profile')}.")


def environment_notes(frame: pd.DataFrame, files: list[str]) -> list[str]:
    notes = []
    if "no" in _values(frame, "python_pgo") or "no" in _values(frame, "python_lto"):
        notes.append("**Interpreter built without PGO/LTO**: absolute times are slower than an optimised "
                     "build's. Ratios measured in one run remain comparable.")
    if "quick" in _values(frame, "profile"):
        notes.append("**Profile `quick`**: small parameters and few values, a smoke run: do not cite these "
                     "numbers.")
    for column, what in (("hostname", "hosts"), ("python_version", "Python versions"),
                         ("cpu_count", "CPU counts")):
        if len(_values(frame, column)) > 1:
            notes.append(f"The results come from different {what}: differences between files include "
                         "that difference.")
    if len(files) > 1 and frame.duplicated(["benchmark", "run", "value_index"]).any():
        notes.append("Some benchmarks are in several files: they are shown once per file, tagged in "
                     "brackets with what tells the files apart (Python version, host or file name).")
    return notes


def environment_short(frame: pd.DataFrame) -> str:
    """One line for a pull request: CPU, cores, Python and its build, date, profile (no host name)."""
    found = distinct(interpreters(frame))
    dates = sorted(str(d)[:10] for d in frame["date"].dropna()) if "date" in frame else []
    when = (f"measured {dates[0]}" + (f" to {dates[-1]}" if dates[-1] != dates[0] else "") + "; "
            if dates else "")
    return (f"{_join(frame, 'cpu_model_name')}, {_join(frame, 'cpu_count')} CPUs; "
            f"{_join(frame, 'python_implementation')} {', '.join(i.label for i in found)}, "
            f"PGO {_join(frame, 'python_pgo')}, LTO {_join(frame, 'python_lto')}; {when}"
            f"profile {_join(frame, 'profile')}")
