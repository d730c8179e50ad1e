"""How fast the tcp_echo load generator can go: its rate against a trivial native peer.

The peer (``echo_peer.c``, an epoll loop that echoes what it reads) does
almost nothing per message, so the round trips per second the generator
reaches against it, with the very connections, sizes and depth of the
benchmark, bound what it can measure.  A server whose rate comes close to
that bound is measured against the generator, not on its own.  The
generator's and the peer's CPU during those runs say which of the two set the
bound: on a 2-core machine, a generator below one CPU's worth was not the limit.
Without a C compiler the capacity is reported as not measured.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import replace

from benchmarks.core.echo_keys import BUSY_UTIL, CAPACITY_RTPS
from benchmarks.core.params import Value
from benchmarks.scenarios.tcp_echo import native
from benchmarks.scenarios.tcp_echo.cpu import process_cpu
from benchmarks.scenarios.tcp_echo.driver import GeneratorSpec, LoadGroup
from benchmarks.scenarios.tcp_echo.wire import GO, WARMUP, client_seconds_of, digests, digests_of

RUNS = 5


def measure(spec: GeneratorSpec, peer_cpus: tuple[int, ...] | None = None) -> dict[str, Value]:
    """The generator's rate against the native peer (median of 5 runs, after the warm-up) and the
    CPU both used; a closed loop even for an open-loop benchmark (the most it can offer).  The
    peer runs where the server would (``peer_cpus``), the generator where it always does."""
    try:
        binary = native.binary("echo_peer")
    except native.NoCompiler:
        return {"load_generator_capacity": "not measured: no C compiler"}
    spec = replace(spec, rate=0.0, reconnect=False)
    with subprocess.Popen([str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as peer:
        try:
            assert peer.stdout is not None
            if peer_cpus is not None:
                os.sched_setaffinity(peer.pid, peer_cpus)
            group = LoadGroup(spec.with_port(int(peer.stdout.readline())))
            try:
                group.exchange(WARMUP)
                seconds, generator_util, peer_util = [], [], []
                expected = digests(spec.connections, spec.round_trips, spec.size)
                for _ in range(RUNS):
                    start, peer_cpu = time.perf_counter(), sum(process_cpu(peer.pid))
                    replies = group.exchange(GO)
                    wall = time.perf_counter() - start
                    peer_util.append((sum(process_cpu(peer.pid)) - peer_cpu) / wall)
                    if digests_of(replies) != expected:
                        raise RuntimeError("the load generator got wrong echoes from the native peer")
                    seconds.append(client_seconds_of(replies))
                    generator_util.append(max((r["cpu_user_s"] + r["cpu_sys_s"]) / r["client_seconds"]
                                              for r in replies))
            finally:
                group.close()
        finally:
            if peer.stdin is not None:
                peer.stdin.close()
            try:
                peer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                peer.kill()
    util = statistics.median(generator_util)
    return {CAPACITY_RTPS: round(spec.total / statistics.median(seconds), 1),
            "load_generator_capacity_peer": "native epoll echo (C)",
            "load_generator_capacity_cpu_util": round(util, 3),
            "load_generator_capacity_peer_cpu_util": round(statistics.median(peer_util), 3),
            # a generator under 90% of its CPU was held back by the peer or the machine, not by itself
            "load_generator_capacity_limit": "generator" if util >= BUSY_UTIL else "peer or machine"}
