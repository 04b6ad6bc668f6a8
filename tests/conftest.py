"""Hypothesis profiles: `ci` (fast, used by `make test`) and `dev` (thorough).

Choose with HYPOTHESIS_PROFILE=dev; the default is `ci`.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
    derandomize=True,  # CI draws the same examples every run; `dev` explores
)
settings.register_profile(
    "dev",
    max_examples=500,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
