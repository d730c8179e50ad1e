"""One module per scenario; the registry lives in :mod:`benchmarks._registry`."""
