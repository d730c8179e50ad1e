"""Writing outputs so that a failure never leaves a half-written report behind.

A report is several files (Markdown, HTML, CSV, a directory of charts) that
refer to one another.  They are all built in a hidden staging directory inside
the output directory, on the same file system, and only moved into place once
everything has been produced: a run that fails part-way (bad input, a chart
that cannot be drawn, a full disk) leaves the previous report as it was.
Single files are written to a temporary name and renamed over the old one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

# mypy: disable-error-code="import-untyped"
import pandas as pd

from ..data.load import AnalysisError


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


def prepare_dir(out_dir: Path) -> Path:
    """Create ``out_dir`` if needed; AnalysisError if it cannot hold our files."""
    if out_dir.exists() and not out_dir.is_dir():
        raise AnalysisError(f"cannot write into {str(out_dir)!r}: it is not a directory")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AnalysisError(f"cannot create output directory {str(out_dir)!r}: {_describe(exc)}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise AnalysisError(f"cannot write into {str(out_dir)!r}: permission denied")
    return out_dir


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    prepare_dir(path.parent)
    try:
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
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise AnalysisError(f"cannot write {str(path)!r}: {_describe(exc)}") from None
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """The frame as CSV; floats keep full precision (repr), so values round-trip."""
    return atomic_write_text(Path(path), frame.to_csv(index=False, lineterminator="\n"))


class Staging:
    """A hidden directory inside ``out_dir`` where a whole report is built first.

    ``publish`` moves every entry into ``out_dir``, replacing what was there
    (a directory such as ``charts/`` is replaced as a whole, so stale charts
    disappear); leaving the ``with`` block on an exception discards it all.
    """

    def __init__(self, out_dir: Path) -> None:
        self._created = not out_dir.exists()
        self._published = False
        self.out_dir = prepare_dir(out_dir)
        try:
            self.dir = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.out_dir))
        except OSError as exc:
            raise AnalysisError(f"cannot write into {str(out_dir)!r}: {_describe(exc)}") from None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        if self._created and not self._published:
            # A failed first report leaves no empty directory behind either (rmdir: only if empty).
            with contextlib.suppress(OSError):
                self.out_dir.rmdir()

    def publish(self, last: str | None = None) -> None:
        """Move staged entries into place; ``last`` (the main document) goes last."""
        entries = sorted(self.dir.iterdir(), key=lambda p: (p.name == last, p.name))
        self._published = True
        try:
            for entry in entries:
                target = self.out_dir / entry.name
                if entry.is_dir():
                    self._replace_dir(entry, target)
                else:
                    os.replace(entry, target)
        except OSError as exc:
            raise AnalysisError(f"cannot write into {str(self.out_dir)!r}: {_describe(exc)}") from None
        finally:
            self.discard()

    def _replace_dir(self, new: Path, target: Path) -> None:
        if target.is_dir():
            old = Path(tempfile.mkdtemp(prefix=".old-", dir=self.out_dir))
            target.rename(old / target.name)
            new.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        elif target.exists():
            raise AnalysisError(f"cannot replace {str(target)!r}: it is not a directory")
        else:
            new.rename(target)
