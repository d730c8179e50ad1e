"""One module per concurrency model; the registry lives in :mod:`benchmarks.harness.registry`."""
