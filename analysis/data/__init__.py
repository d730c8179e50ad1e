"""The numbers of a report, derived once: results loaded, seen as scenarios, decided, and the tables
that more than one section or chart reads.

``load`` reads pyperf's files (through pyperf's own loader) and their ``.runinfo`` side files into
one tidy frame; ``registry`` and ``inferred`` say which scenarios and models a run had; ``views``
sees the frame as scenarios, parameter points and contenders; ``decisions`` ranks each point;
``bundle`` builds all of it once into an :class:`~analysis.data.bundle.Analysis`.  The derived
tables (``speedups``, ``overhead``, ``served``, ``disagreement``, ``reasons``, ``interpreters``,
``pyperf_verdict``) are what several sections and charts share.  Nothing here imports a section,
a chart or the renderer.
"""
