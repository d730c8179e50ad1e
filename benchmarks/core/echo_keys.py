"""The keys a server under a load generator (tcp_echo) writes and the analysis reads, named once.

The scenario writes them into a benchmark's metadata (the load, the
generator's measured capacity) and its metrics (the rate achieved, both sides'
CPU); the report's serving section and the frame's columns read them back.  A
leaf module, like :mod:`benchmarks.core.formats`: the analysis imports it
without importing the scenario.
"""

from __future__ import annotations

# -- benchmark metadata ------------------------------------------------------------------------

#: "closed" (throughput) or :data:`OPEN_LOOP` (requests at an offered rate, latency measured from it)
MODE = "mode"
OPEN_LOOP = "open"
#: an open loop's offered round trips per second, over all connections
OFFERED_RATE_RTPS = "offered_rate_rtps"
#: round trips in one measured value, over all connections
ROUND_TRIPS_TOTAL = "round_trips_total"
#: what the generator drives against a trivial C peer (closed loop), measured once by the master
CAPACITY_RTPS = "load_generator_capacity_rtps"
#: the fraction of that capacity from which the run warns that the generator may set the rate
WARN_FRACTION = "capacity_warn_fraction"
#: the metadata above, in the order the analysis keeps them as columns
LOAD_METADATA = (MODE, OFFERED_RATE_RTPS, ROUND_TRIPS_TOTAL, CAPACITY_RTPS, WARN_FRACTION)

# -- metrics of a session (the runs since the last call) ---------------------------------------

#: round trips per second over the runs' wall time
ACHIEVED_RATE_RTPS = "achieved_rate_rtps"
#: CPU seconds per second of the runs: the server's (all its threads and processes), the busiest
#: generator process's
SERVER_CPU_UTIL = "server_cpu_util"
LOADGEN_CPU_UTIL = "loadgen_cpu_util"
#: the server's user and kernel CPU microseconds per round trip
SERVER_USER_US_PER_RT = "server_user_us_per_rt"
SERVER_KERNEL_US_PER_RT = "server_kernel_us_per_rt"

#: A process using this much of a CPU (utilisation) is taken to be busy: the bottleneck.
BUSY_UTIL = 0.9
