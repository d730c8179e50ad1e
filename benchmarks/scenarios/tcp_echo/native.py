"""The C helpers of ``tcp_echo``, compiled once with the machine's C compiler and cached.

``echo_peer.c`` (a trivial epoll echo server that bounds what a generator can
drive) and ``echo_loadgen.c`` (the native load generator) ship as source in
the package (pyproject's package data).  Each is built on first use into
``~/.cache/concbench/native/<name>-<hash of the source>``: a changed source
gets a new binary, and a concurrent build never exposes half a file.  A binary already in
the cache needs no compiler: an interpreter in the root of ``tools/python-root.sh``, which has
none, uses the helpers the host compiled (the cache is the same directory there).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).parent
#: -O2 as a distribution would build it; nothing machine-specific, so the cache can be shared
CFLAGS = ("-O2", "-Wall")
BUILD_TIMEOUT_S = 120.0


class NoCompiler(RuntimeError):
    """No C compiler here: the native helpers cannot be built."""


def cache_dir() -> Path:
    """Where built helpers are kept between runs: outside the repository and outside the
    temporary directory, whose ``concbench-*`` entries the tests count as leaks."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "concbench"


def compiler() -> str | None:
    return shutil.which("cc") or shutil.which("gcc")


def cached(name: str) -> Path:
    """Where the helper ``name`` built from this source is kept (it may not be built yet)."""
    source = HERE / f"{name}.c"
    digest = hashlib.sha256(source.read_bytes() + " ".join(CFLAGS).encode()).hexdigest()[:16]
    return cache_dir() / "native" / f"{name}-{digest}"


def available() -> bool:
    """Whether every helper is built or can be."""
    return compiler() is not None or all(cached(name).exists() for name in NAMES)


NAMES = ("echo_peer", "echo_loadgen")


def binary(name: str) -> Path:
    """The built helper ``name`` (``echo_peer``, ``echo_loadgen``); NoCompiler if it is not built
    and cannot be."""
    target = cached(name)
    if not target.exists():
        cc = compiler()
        if cc is None:
            raise NoCompiler(f"{name} needs a C compiler (cc or gcc) on PATH")
        source = HERE / f"{name}.c"
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        try:
            subprocess.run([cc, *CFLAGS, "-o", str(partial), str(source)], check=True,
                           timeout=BUILD_TIMEOUT_S, capture_output=True)
            partial.replace(target)  # atomic: a concurrent build never sees half a binary
        finally:
            partial.unlink(missing_ok=True)
    return target
