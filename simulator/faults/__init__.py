"""Fault injection: Dedicated Host failures (under-assessment) at times or at a rate."""

from simulator.faults.hosts import host_failures

__all__ = ["host_failures"]
