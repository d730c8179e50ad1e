"""Installed packages: their versions (for metadata) and whether one can be used here.

Neither imports the package, and ``importlib.metadata`` (about 20 ms) is imported only when a
version is asked for: every pyperf worker imports every model to plan the matrix, so what is
imported at start-up is paid once per benchmark and round.
"""

from __future__ import annotations

import importlib.util
from functools import cache


def version(package: str) -> str:
    """The installed distribution's version, or ``"not installed"``."""
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


@cache
def missing(package: str) -> str | None:
    """Why ``package`` cannot be used here, or None.  Found, not imported: importing distributed
    alone takes about half a second.  Asked once per package and process: planning the full matrix
    asked 558 times, 30 ms of each worker's start-up."""
    if importlib.util.find_spec(package) is None:
        return f"{package} is not installed for this interpreter"
    return None
