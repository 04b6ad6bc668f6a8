"""Duration distributions: a batch of draws is the same values as one draw at a time."""

import numpy as np
import pytest

from simulator.core.distributions import Exponential, Fixed, Uniform, distribution


@pytest.mark.parametrize(
    "dist", [Fixed(4.0), Uniform(5.0, 30.0), Exponential(12.0)], ids=["fixed", "uniform", "exp"]
)
@pytest.mark.parametrize("n", [0, 1, 7, 64])
def test_draws_are_the_scalar_draws_in_order(dist, n):
    one, many = np.random.default_rng(11), np.random.default_rng(11)
    singles = [dist.draw(one) for _ in range(n)]
    assert dist.draws(many, n) == singles
    assert one.random() == many.random()  # and the stream is left where the singles leave it


def test_a_uniform_batch_stays_within_its_bounds():
    values = distribution({"distribution": "uniform", "low": "5s", "high": "30s"}).draws(
        np.random.default_rng(3), 1000
    )
    assert min(values) >= 5.0 and max(values) < 30.0 and len(set(values)) == 1000
