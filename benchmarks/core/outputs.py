"""Every path a user names for the suite to write, checked in one place before any work.

``run -o FILE``, ``report -o DIR``, ``compare -o DIR`` and ``csv -o FILE`` all come here first.
``open(path, "w")`` and a rename over ``path`` follow a symbolic link, write into a FIFO or a
device, or replace the node with a file; a folder emptied with ``shutil.rmtree`` loses whatever
the user kept in it.  So:

- a file target must be absent or a regular file; a symbolic link (dangling ones too), a FIFO,
  a device, a socket or a directory is refused, and so is a name longer than its file system takes;
- a folder target must be absent, empty, or one the suite wrote before: a folder the suite
  writes into holds a marker, :data:`MARKER`, listing every file it put there, and a later
  report replaces only those (:func:`publish_folder`); any other file in it is left alone, and a
  file the report would write over that the marker does not list is refused.

The marker's text depends only on the files listed, so a report regenerated from the same
results is the same bytes.  A leaf module (the standard library only): the analysis imports it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

#: the file in an output folder that lists what the suite wrote there (one relative path a line)
MARKER = ".concbench-output"
_HEADER = "# written by concbench: the files below are its own; it replaces only these here\n"
_NAME_MAX = 255  # where the file system does not say
#: the hidden folder a report is built in before it is published (:func:`publish_folder`): one a
#: killed run left behind does not make a folder the user's
STAGING_PREFIX = ".staging-"


class OutputError(Exception):
    """A user-given output path the suite will not write to: one line, exit status 2."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def _lstat(path: Path, what: str) -> os.stat_result | None:
    """The node at ``path`` itself (a link is not followed), or None when there is none."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise OutputError(f"{what} {str(path)!r}: name too long for the file system "
                              f"(at most {name_max(path.parent)} bytes a name)") from None
        if exc.errno == errno.ENOTDIR:
            raise OutputError(f"{what} {str(path)!r}: a folder on its path is a file") from None
        raise OutputError(f"{what} {str(path)!r}: {exc.strerror or exc}") from None


def name_max(directory: Path) -> int:
    """The longest file name (bytes) the file system of ``directory`` (or its nearest existing
    parent) takes."""
    for candidate in (directory.absolute(), *directory.absolute().parents):
        with contextlib.suppress(OSError, ValueError):
            return int(os.pathconf(candidate, "PC_NAME_MAX"))
    return _NAME_MAX


def check_names_fit(directory: Path, names: Iterable[str], what: str) -> None:
    """Refuse when any of ``names`` (the files the suite will make in ``directory``) is too long."""
    limit = name_max(directory)
    for name in names:
        if len(os.fsencode(name)) > limit:
            raise OutputError(f"{what} {str(directory / name)!r}: name too long for the file system "
                              f"(at most {limit} bytes a name)")


def check_file(path: Path, what: str = "output file") -> bool:
    """Refuse ``path`` unless it is absent or a regular file; say whether it exists."""
    found = _lstat(path, what)
    check_names_fit(path.parent, [path.name], what)
    parent = _lstat(path.parent, what) if str(path.parent) not in ("", ".") else None
    if parent is not None and not stat.S_ISDIR(os.stat(path.parent).st_mode):
        raise OutputError(f"{what} {str(path)!r}: {str(path.parent)!r} is not a directory")
    if found is None:
        return False
    if not stat.S_ISREG(found.st_mode):
        raise OutputError(f"{what} {str(path)!r} is {_kind(found.st_mode)}: give the name of a new "
                          "or regular file")
    return True


def _listed(folder: Path, text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rel = PurePosixPath(line)
        if rel.is_absolute() or ".." in rel.parts or rel.name in ("", MARKER):
            raise OutputError(f"{str(folder / MARKER)!r} lists {line!r}, not a file of this folder: "
                              "it was not written by concbench; choose another output folder")
        names.add(str(rel))
    return names


def check_folder(folder: Path, what: str = "output folder") -> set[str]:
    """Refuse ``folder`` unless it is absent, empty or marked as the suite's; return the files its
    marker lists (empty for a new or empty folder)."""
    found = _lstat(folder, what)
    if found is None:
        return set()
    if not stat.S_ISDIR(found.st_mode):
        raise OutputError(f"{what} {str(folder)!r} is {_kind(found.st_mode)}: give a new or empty "
                          "folder, or one concbench wrote")
    marker = folder / MARKER
    marker_stat = _lstat(marker, what)
    if marker_stat is None:
        try:
            entries = sorted(e for e in os.listdir(folder) if not e.startswith(STAGING_PREFIX))
        except OSError as exc:
            raise OutputError(f"cannot read {what} {str(folder)!r}: {exc.strerror or exc}") from None
        if entries:
            raise OutputError(f"{what} {str(folder)!r} holds files concbench did not write (no {MARKER} "
                              f"in it, first {entries[0]!r}): give a new or empty folder")
        return set()
    if not stat.S_ISREG(marker_stat.st_mode):
        raise OutputError(f"{str(marker)!r} is {_kind(marker_stat.st_mode)}: choose another output folder")
    try:
        text = marker.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OutputError(f"cannot read {str(marker)!r}: {exc}") from None
    return _listed(folder, text)


def _staged_files(staged: Path) -> list[str]:
    return sorted(str(PurePosixPath(*p.relative_to(staged).parts)) for p in staged.rglob("*")
                  if p.is_file() and not p.is_symlink())


def _check_targets(folder: Path, files: list[str], ours: set[str]) -> None:
    """Every file about to be replaced is the suite's, and every folder on the way a real folder."""
    for rel in files:
        target = folder / rel
        for sub in reversed(target.relative_to(folder).parents[:-1]):  # charts/ before charts/x.png
            node = _lstat(folder / sub, "output folder")
            if node is not None and not stat.S_ISDIR(node.st_mode):
                raise OutputError(f"{str(folder / sub)!r} is {_kind(node.st_mode)}: the report needs a "
                                  "folder there; choose another output folder")
        node = _lstat(target, "output file")
        if node is None:
            continue
        if rel not in ours:
            raise OutputError(f"{str(target)!r} was not written by concbench (not in {MARKER}): "
                              "it is left alone; choose another output folder")
        if not stat.S_ISREG(node.st_mode):
            raise OutputError(f"{str(target)!r} is {_kind(node.st_mode)}: choose another output folder")


def _write_marker(folder: Path, files: Iterable[str]) -> None:
    aside = folder / f".{MARKER}.{os.getpid()}.tmp"
    aside.write_text(_HEADER + "".join(f"{rel}\n" for rel in sorted(set(files))), encoding="utf-8")
    os.replace(aside, folder / MARKER)


def publish_folder(staged: Path, folder: Path, last: str | None = None) -> None:
    """Move every file under ``staged`` into ``folder`` (same file system) and record them in the
    marker; files the marker listed before and this report does not write are removed, with any
    sub-folder they leave empty.  Nothing else in ``folder`` is touched.

    The marker first lists the old files and the new, so that a publication cut short leaves no
    file of the suite unlisted; it lists only the new ones at the end.  ``last`` (the main
    document) is moved last.
    """
    ours = check_folder(folder)
    files = sorted(_staged_files(staged), key=lambda rel: (rel == last, rel))
    _check_targets(folder, files, ours)
    _write_marker(folder, ours | set(files))
    for rel in files:
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged / rel, target)
    for rel in sorted(ours - set(files)):
        stale = folder / rel
        node = _lstat(stale, "output file")
        if node is not None and stat.S_ISREG(node.st_mode):
            stale.unlink()
        for sub in PurePosixPath(rel).parents[:-1]:  # a folder it leaves empty (rmdir: empty only)
            with contextlib.suppress(OSError):
                (folder / sub).rmdir()
    _write_marker(folder, files)
