"""Tests of the models: limits, failures, every pair's answer."""
