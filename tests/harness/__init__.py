"""Tests of benchmarks/harness/: command line, plan, rounds, pyperf runs, the contract, extension."""
