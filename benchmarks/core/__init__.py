"""The contract: scenario, model, session, work, parameters."""
