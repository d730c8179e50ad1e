"""One module per chart kind: pure functions ``plot_*(data, ..., out_dir) -> Path``.

A chart reads :mod:`analysis.data` (and its own style, :mod:`analysis.charts.style`), never a
section; matplotlib is imported lazily, with the ``Agg`` backend, by the style module.
"""
