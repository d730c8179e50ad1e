"""The master of ``python -m benchmarks run``: verify every pair, then time them in rounds.

Its phases, one module each, run in this order (:mod:`.flow`):

1. :mod:`.verify`: every pair runs once, untimed, and its checksum is checked; a pair that
   fails is reported and never timed.  The same run pilots the loops (:mod:`.loops`: the
   pilot's, an earlier run's from the loops cache, a resumed run's, or ``--loops``).
2. :mod:`.calibrate`: each scenario's one-off calibration (a load generator's capacity, say)
   runs once per parameter point.
3. :mod:`.timing`: rounds (:mod:`benchmarks.harness.rounds`): each benchmark gets fresh pyperf
   worker processes per round, in an order that changes every round, warmed up as
   :mod:`.warmup` decides; the CPU probe runs before each of them and is recorded in every
   run it precedes.  Every run is tagged with its round.
4. :mod:`.publish`: the benchmarks are published in plan order, each one pyperf Benchmark
   holding all its rounds, so ``pyperf stats``, ``dump`` and ``compare_to`` read the file as
   usual; the ``.runinfo`` file (:mod:`benchmarks.core.runrecord`) says how the run went.

Ctrl-C, SIGTERM (:mod:`.signals`) or a failure of one pair keeps every measurement that finished.
"""

from benchmarks.harness.master.calibrate import group_of
from benchmarks.harness.master.flow import Outcome, master
from benchmarks.harness.master.loops import LOOPS_FROM
from benchmarks.harness.master.signals import HUNG_UP, INTERRUPTED, TERMINATED

__all__ = ["HUNG_UP", "INTERRUPTED", "LOOPS_FROM", "TERMINATED", "Outcome", "group_of", "master"]
