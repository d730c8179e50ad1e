"""The run harness: registry, plan, runner, results, progress, environment."""
