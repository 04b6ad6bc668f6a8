"""Scenario files: the schema, loading with one-line errors, building a simulation."""

from simulator.scenario.loader import load_scenario, parse_scenario, validate_scenario
from simulator.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "parse_scenario", "validate_scenario"]
