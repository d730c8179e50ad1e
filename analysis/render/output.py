"""Writing outputs so that a failure never leaves a half-written report behind.

A report is several files (Markdown, HTML, CSV, a directory of charts) that
refer to one another.  They are all built in a hidden staging directory inside
the output directory, on the same file system, and only moved into place once
everything has been produced: a run that fails part-way (bad input, a chart
that cannot be drawn, a full disk, Ctrl-C or SIGTERM) leaves the previous report as it was, and
no folder this invocation created; once the files are being moved into place, a signal waits
until the last is there.
Single files are written to a temporary name and renamed over the old one.  Every output
path is checked first (:mod:`benchmarks.core.outputs`): the suite never writes through a
link or into a device, and replaces in a folder only what it wrote there before.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

# mypy: disable-error-code="import-untyped"
import pandas as pd

from benchmarks.core.outputs import STAGING_PREFIX, OutputError, check_file, check_folder, publish_folder
from benchmarks.core.stopping import deferred

from ..data.load import ID_COLUMNS, AnalysisError

#: the start of the first line of every CSV the suite writes (its identifying columns)
CSV_SIGNATURE = ",".join(ID_COLUMNS).encode()


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


@contextlib.contextmanager
def _one_line() -> Iterator[None]:
    """An output path refused (:mod:`benchmarks.core.outputs`) is bad input, as any other."""
    try:
        yield
    except OutputError as exc:
        raise AnalysisError(str(exc)) from None


def check_output_folder(out_dir: Path) -> None:
    """Refuse ``out_dir`` before any work unless it is new, empty or a folder the suite wrote."""
    with _one_line():
        check_folder(out_dir)


def check_csv_target(path: Path) -> None:
    """Refuse ``csv -o`` onto anything but a new file or a CSV the suite wrote (its header says so:
    a single file has no room for a marker, and its first line is the suite's own column list)."""
    with _one_line():
        exists = check_file(path, "CSV file")
    if exists:
        try:
            with path.open("rb") as handle:
                head = handle.readline(len(CSV_SIGNATURE) + 1)
        except OSError as exc:
            raise AnalysisError(f"cannot read {str(path)!r}: {_describe(exc)}") from None
        if not head.startswith(CSV_SIGNATURE):
            raise AnalysisError(f"CSV file {str(path)!r} exists and was not written by concbench (its first "
                                "line is not the suite's columns): give a new file name")


def prepare_dir(out_dir: Path) -> Path:
    """Create ``out_dir`` if needed; AnalysisError if it cannot hold our files."""
    check_output_folder(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AnalysisError(f"cannot create output directory {str(out_dir)!r}: {_describe(exc)}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise AnalysisError(f"cannot write into {str(out_dir)!r}: permission denied")
    return out_dir


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    with _one_line():
        check_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise AnalysisError(f"cannot write {str(path)!r}: {_describe(exc)}") from None
    try:
        # mkstemp creates the file private (0600); give it the mode any other new file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException as exc:  # a signal too: no temporary file is left behind
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise AnalysisError(f"cannot write {str(path)!r}: {_describe(exc)}") from None
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """The frame as CSV; floats keep full precision (repr), so values round-trip."""
    return atomic_write_text(Path(path), frame.to_csv(index=False, lineterminator="\n"))


class Staging:
    """A hidden directory inside ``out_dir`` where a whole report is built first.

    ``publish`` moves every staged file into ``out_dir`` and lists it in the folder's marker,
    replacing only files an earlier report of the suite wrote there (and removing those of
    them this report no longer has: stale charts disappear); leaving the ``with`` block on an
    exception discards it all.
    """

    def __init__(self, out_dir: Path) -> None:
        self._created = not os.path.lexists(out_dir)
        self.out_dir = prepare_dir(out_dir)
        try:
            self.dir = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.out_dir))
        except OSError as exc:
            raise AnalysisError(f"cannot write into {str(out_dir)!r}: {_describe(exc)}") from None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)  # our own staging folder, nothing else
        if self._created:
            # A failed first report leaves no empty directory behind either (rmdir: only if empty).
            with contextlib.suppress(OSError):
                self.out_dir.rmdir()

    def publish(self, last: str | None = None) -> None:
        """Move staged files into place; ``last`` (the main document) goes last.  A stopping
        signal waits until every file is in place (:func:`deferred`): a folder is never left half
        old, half new."""
        try:
            with _one_line(), deferred():
                publish_folder(self.dir, self.out_dir, last)
        except OSError as exc:
            raise AnalysisError(f"cannot write into {str(self.out_dir)!r}: {_describe(exc)}") from None
        finally:
            self.discard()
