"""``summary.md``: the answers sized for a pull-request comment.

The answer lines (the report's first table, :mod:`analysis.sections.answers`), the
environment in one line, and the command that measured them: well under GitHub's
65,536 characters for a comment, with no image and no local path, so that it can be
pasted as it is.  Everything else is in ``report.md`` and ``diagnostics.md``.  The
assembly (:func:`analysis.report.summary_document`) puts the other sections' blocks
around these.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from ..data.load import RunInfo
from ..render.document import Block, Para

TITLE = "concbench: the answers"


def portable(part: str) -> str:
    """A command-line word without a local folder: ``/home/me/x.py`` -> ``x.py`` (also after ``--opt=``)."""
    option, eq, value = part.partition("=") if part.startswith("-") else ("", "", part)
    if PurePath(value).is_absolute():
        value = PurePath(value).name
    return f"{option}{eq}{value}"


def commands(runinfos: Sequence[RunInfo]) -> list[str]:
    found = []
    for ri in runinfos:
        if ri.record is not None and ri.record.command:
            found.append(" ".join(portable(str(part)) for part in ri.record.command))
    return list(dict.fromkeys(found))


def reproduce_blocks(runinfos: Sequence[RunInfo]) -> list[Block]:
    """How the numbers were measured, and where the rest is."""
    runs = commands(runinfos)
    how = ("Measured by " + ", ".join(f"`{c}`" for c in runs) if runs
           else "Measured by a run that recorded no command") + (
        "; `make bench` runs the default profile and writes the report. The full report (every variant's "
        "numbers and charts) is `report.md` beside this file; how far to trust it, `diagnostics.md`.")
    return [Para(how)]
