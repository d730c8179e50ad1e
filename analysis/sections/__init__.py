"""One module per section of the report, each turning :mod:`analysis.data` into document blocks.

A section imports the data, the statistics and the document model, never another section: what two
sections share is a derived table in :mod:`analysis.data`.  A chart a section shows is drawn by the
report's assembly (:mod:`analysis.report`) and handed in as an image block.
"""
