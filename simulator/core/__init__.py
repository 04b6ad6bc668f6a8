"""Simulation core: the World (clock), durations, random streams, metrics, trace, errors."""
