"""What a model can be: one module per family of capabilities, built on the contract.

- :mod:`~benchmarks.runtimes.pools`: inline, a thread pool, a process pool.
- :mod:`~benchmarks.runtimes.loops`: asyncio-compatible event loops (asyncio, uvloop, rloop)
  running the scenario's coroutines or handing blocking units to an executor.
- :mod:`~benchmarks.runtimes.structured`: trio's nurseries and anyio's task groups.
- :mod:`~benchmarks.runtimes.greenlets`: gevent, in a monkey-patched process.
- :mod:`~benchmarks.runtimes.cluster`: a Dask cluster, local or remote.
- :mod:`~benchmarks.runtimes.interpreters`: subinterpreters with a GIL of their own.

Shared by them: :mod:`~benchmarks.runtimes.aio` (the asyncio fan-out every loop runs) and
:mod:`~benchmarks.runtimes.startup` (pools started before timing, and what their children do
first).  Each capability subclasses :class:`benchmarks.core.contract.Capability`; nothing
here imports the harness, the scenarios or the models (``tests/harness/test_layout.py``).
"""
