"""Results -> tidy DataFrame -> charts -> report (see the report issue)."""
