"""The statistics of the suite, in one leaf package: the planner and the report both use it.

* :mod:`.paired`: paired (and unpaired) time ratios from interleaved rounds, their
  bootstrap interval with its small-sample correction, and the verdict's rule.
* :mod:`.resample`: the within-round level of that bootstrap, tabulated exactly.
* :mod:`.judge`: one comparison of two benchmarks (ratio, interval, verdict against
  the noise band, :data:`~.judge.BAND`), cached per pair.
* :mod:`.ranking`: which member of a group is fastest, the baseline, and the pairs a
  group is judged on.
* :mod:`.text`: how a ratio is written (a verdict is judged on what it prints).
* :mod:`.sample`: what the statistics read of a benchmark's measurements.

It imports numpy and nothing of the project outside this package, so changing how
an interval is computed means opening this package only.
"""
