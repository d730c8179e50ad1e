"""Tests of analysis/: from committed fixtures in tests/data/ to frames, charts and reports."""
