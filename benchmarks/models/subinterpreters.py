"""subinterpreters: a pool of subinterpreters, each with its own GIL, runs the units in parallel.

``workers`` isolated interpreters (default one per CPU) in one process: pure-Python units run
in parallel, as threads do on a free-threaded build.  Python 3.13+; older Pythons decline every
pair, saying so.  How units cross and what is started before timing: see
:mod:`benchmarks.runtimes.interpreters`.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.interpreters import InterpreterPool


class Subinterpreters(Model):
    name = "subinterpreters"
    summary = "a pool of `workers` subinterpreters, each with its own GIL (Python 3.13+)"
    capability = InterpreterPool()


MODEL = Subinterpreters()
