"""Writing a report out: the document model (blocks) and its Markdown and HTML writers, the HTML
templates, atomic output files and the progress line.

Sections build blocks from :mod:`analysis.render.document`; the entry points
(:mod:`analysis.report`, :mod:`analysis.compare`) write them.  Nothing here imports a section or a
chart.
"""
