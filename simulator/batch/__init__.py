"""Test fleets: a suite of tests split into parallel batches, each batch one ECS task."""
