"""Reports: plots, tables and a written summary of a RunResult."""

from simulator.report.writer import write_report

__all__ = ["write_report"]
