"""Loops kept per machine and interpreter, so that two runs there measure the same thing.

A value is ``loops`` runs of one fresh session (:mod:`benchmarks.harness.worker`),
and the first run of a session is often slower than the next (a pool's
workers wake, caches fill): measured here, 10-15% for process pools and
``to_thread``.  The value's time per run therefore depends a little on
``loops``, and a pilot that picks a power of two from a noisy estimate picks a
different one now and then: in two back-to-back default runs of the full
matrix (results/20261201T132831Z and 134003Z, in git at ea499b2), 43 of 297 benchmarks got
different loops, and their medians differed by 3.3% (median; 42% of them by
more than 5%) against 1.2% (13%) for the benchmarks whose loops matched.  The
loops are part of what a benchmark measures, as pyperformance's
``--same-loops`` acknowledges, so the first run on a machine keeps them here
and later runs with the same interpreter and ``--min-time`` reuse them
(``--fresh-loops`` picks them again).

The cache is a JSON file beside the run's results file, ``.loops.json``: an
entry per machine, interpreter and ``--min-time``, each mapping a benchmark's
name (which holds every parameter) to its loops.  A file that cannot be read
is left as it is and the run picks its loops afresh, saying so.

Several runs may share one results folder, and so this file.  A save takes an exclusive
``flock`` on ``.loops.json.lock`` beside it, reads the file as it is now, merges this run's
loops into it and renames a complete new file over it: two runs at once lose nothing (a save
that only wrote what its run had read at start lost the other run's entries).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import socket
import sys
import sysconfig
from collections.abc import Iterator, Mapping
from pathlib import Path

FILE_NAME = ".loops.json"
LOCK_SUFFIX = ".lock"


def _checked(data: object) -> dict[str, dict[str, int]]:
    if not isinstance(data, dict) or not all(
            isinstance(v, dict) and all(isinstance(n, int) and n >= 1 for n in v.values())
            for v in data.values()):
        raise ValueError("not a mapping of keys to {benchmark: loops}")
    return data


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (on a lock file beside it, never a link) while inside."""
    fd = os.open(path.with_name(path.name + LOCK_SUFFIX), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def cache_key(min_time: float, python_gil: str | None) -> str:
    """What the loops depend on besides the benchmark: the machine, the interpreter (its build and
    the GIL it runs with) and the time a value must last."""
    parts = {
        "host": socket.gethostname(),
        "machine": platform.machine(),
        "python": sys.version,
        "executable": os.path.realpath(sys.executable),
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "python_gil": python_gil,
        "min_time": min_time,
    }
    text = json.dumps(parts, sort_keys=True)
    return f"{parts['host']}/py{platform.python_version()}/{hashlib.sha256(text.encode()).hexdigest()[:16]}"


class LoopCache:
    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.key = key
        #: why the file was not used, if it was not
        self.problem = ""
        self._entries: dict[str, dict[str, int]] = {}
        self._readable = True

    @classmethod
    def beside(cls, results: Path, key: str) -> LoopCache:
        return cls(results.parent / FILE_NAME, key)

    def load(self) -> dict[str, int]:
        """This key's loops (empty when the file is missing or unreadable)."""
        try:
            data = _checked(json.loads(self.path.read_text()))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            self._readable = False
            self.problem = f"{self.path}: {type(exc).__name__}: {' '.join(str(exc).split())}"
            return {}
        self._entries = data
        return dict(data.get(self.key, {}))

    def save(self, loops: Mapping[str, int]) -> None:
        """Merge ``loops`` into this key's entry of the file as it is now, under its lock (written to
        a temporary file, then renamed)."""
        if not self._readable or not loops:
            return  # never replace a file this run could not read
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            with _locked(self.path):
                try:
                    current = _checked(json.loads(self.path.read_text()))
                except FileNotFoundError:
                    current = {}
                except ValueError as exc:  # spoilt since this run read it: leave it as it is
                    why = " ".join(str(exc).split())
                    self.problem = f"{self.path}: not saved: {type(exc).__name__}: {why}"
                    return
                current[self.key] = dict(sorted({**current.get(self.key, {}), **loops}.items()))
                tmp.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
                os.replace(tmp, self.path)
                self._entries = current
        except OSError as exc:
            self.problem = f"{self.path}: not saved: {type(exc).__name__}: {exc}"
            tmp.unlink(missing_ok=True)
