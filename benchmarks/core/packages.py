"""Installed packages: their versions (for metadata) and whether one can be used here.

Neither imports the package, and ``importlib.metadata`` (about 20 ms) is imported only when a
version is asked for: every pyperf worker imports every model to plan the matrix, so what is
imported at start-up is paid once per benchmark and round.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import cache
from pathlib import Path

#: In a measuring virtualenv of the matrix (benchmarks.harness.matrix): the packages that did not
#: install on its interpreter, each with pip's reason, by import name
NOT_INSTALLED = "concbench-not-installed.json"


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
        reason = _not_installed().get(package)
        if reason:
            return f"{package} does not install on this interpreter: {reason}"
        return f"{package} is not installed for this interpreter"
    return None


@cache
def _not_installed() -> dict[str, str]:
    try:
        found = json.loads((Path(sys.prefix) / NOT_INSTALLED).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
