"""Traffic: arrival rates, queueing formulas and the per-task service model."""
