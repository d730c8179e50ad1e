"""How fast the tcp_echo load generator can go: its rate against a trivial native peer.

The peer (``echo_peer.c``, an epoll loop that echoes what it reads)
does almost nothing per message, so the round trips per second the generator
reaches against it bound what it can measure.  A server whose throughput
comes close to that bound is measured against the generator, not on its own.
The peer is compiled once with the machine's C compiler and cached; without
a compiler the capacity is reported as not measured.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
from pathlib import Path

from benchmarks.core.params import Value
from benchmarks.scenarios.tcp_echo.driver import GO, LoadGroup, client_seconds_of, digests, digests_of

SOURCE = Path(__file__).with_name("echo_peer.c")
RUNS = 5
START_TIMEOUT_S = 30.0


def cache_dir() -> Path:
    """Where built helpers are kept between runs: outside the repository and outside the
    temporary directory, whose ``concbench-*`` entries the tests count as leaks."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "concbench"


def _peer_binary() -> Path | None:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    source = SOURCE.read_bytes()
    cache = cache_dir() / "native"
    binary = cache / f"echo_peer-{hashlib.sha256(source).hexdigest()[:16]}"
    if not binary.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = binary.with_suffix(".partial")
        subprocess.run([compiler, "-O2", "-o", str(partial), str(SOURCE)], check=True, timeout=120)
        partial.replace(binary)  # atomic: a concurrent build never sees half a binary
    return binary


def measure(connections: int, trips: int, size: int, loadgen_procs: int) -> dict[str, Value]:
    """Round trips per second the generator drives against the native peer (median of 5 runs)."""
    binary = _peer_binary()
    if binary is None:
        return {"load_generator_capacity": "not measured: no C compiler"}
    with subprocess.Popen([str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as peer:
        try:
            assert peer.stdout is not None
            port = int(peer.stdout.readline())
            group = LoadGroup(port, connections, trips, size, loadgen_procs)
            try:
                seconds = []
                expected = digests(connections, trips, size)
                for _ in range(RUNS):
                    group.send(GO)
                    replies = group.replies()
                    if digests_of(replies) != expected:
                        raise RuntimeError("the load generator got wrong echoes from the native peer")
                    seconds.append(client_seconds_of(replies))
            finally:
                group.close()
        finally:
            if peer.stdin is not None:
                peer.stdin.close()
            try:
                peer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                peer.kill()
    return {"load_generator_capacity_rtps": round(connections * trips / statistics.median(seconds), 1),
            "load_generator_capacity_peer": "native epoll echo (C)"}
