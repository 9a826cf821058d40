"""Distributions for priors and sweeps: quantiles, densities and the text form."""

import numpy as np
import pytest
from scipy import integrate

from tipoff.scenario import Beta, LogUniform, Uniform, parse_distribution


@pytest.mark.parametrize(
    "dist", [Uniform(low=0.02, high=0.4), LogUniform(low=1e-3, high=0.1), Beta(a=2, b=8)]
)
def test_ppf_and_logpdf_agree(dist):
    lo, hi = dist.bounds
    total, _ = integrate.quad(lambda x: np.exp(dist.logpdf(x)), lo, hi)
    assert total == pytest.approx(1.0, abs=1e-6)
    x = float(dist.ppf(0.3))
    mass, _ = integrate.quad(lambda y: np.exp(dist.logpdf(y)), lo, x)
    assert mass == pytest.approx(0.3, abs=1e-6)
    assert dist.logpdf(hi + 1.0) == -np.inf


def test_sample_is_reproducible_and_inside():
    d = LogUniform(low=1e-3, high=0.1)
    a = d.sample(np.random.default_rng(1), 1000)
    assert np.array_equal(a, d.sample(np.random.default_rng(1), 1000))
    assert a.min() >= 1e-3 and a.max() <= 0.1


def test_parse():
    assert parse_distribution("uniform(0.02, 0.4)") == Uniform(low=0.02, high=0.4)
    assert parse_distribution(" beta( 2 ,8 ) ") == Beta(a=2, b=8)
    for bad, msg in [
        ("normal(0,1)", "one of"),
        ("uniform(0.4, 0.02)", "low < high"),
        ("uniform(a, b)", "numbers"),
        ("beta(1)", "takes 2"),
        ("loguniform(0, 1)", "0 < low"),
        ("x" * 100_000, "one of"),
    ]:
        with pytest.raises(ValueError, match=msg):
            parse_distribution(bad)
