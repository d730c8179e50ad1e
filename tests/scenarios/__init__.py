"""Tests of each scenario and its helpers."""
