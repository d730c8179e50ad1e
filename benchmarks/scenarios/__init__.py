"""One module per scenario; the registry lives in :mod:`benchmarks.harness.registry`."""
