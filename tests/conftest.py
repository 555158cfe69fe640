"""Shared parameter sets for the tests.

ACCEPTANCE_SETS are the (b, b1, kappa, x1) of the core-solver acceptance list:
two intervals at b = b1 = 1; b1 < b with one, two nearly touching and two
separated intervals; the paper's scale (p = q = 3, sigma_z = 1, kappa = 0.9:
b = 43.82, b1 = 2.324); and b << b1.
"""

import math

import pytest
from hypothesis import strategies as st

import spinglass_gan as sg

ACCEPTANCE_SETS = [
    (1.0, 1.0, 0.5, 3.0),
    (1.0, 0.5, 0.9, 1.1),
    (1.0, 0.5, 0.9, 1.5),
    (1.0, 0.5, 0.9, 4.0),
    (43.82, 2.324, 0.9, -15.0),
    (43.82, 2.324, 0.9, 0.0),
    (43.82, 2.324, 0.9, 10.0),
    (0.03, 3.16, 0.5, 4.0),
]

# Number of support intervals of each acceptance set (checked against samples).
N_INTERVALS = [2, 1, 2, 2, 1, 1, 1, 1]


@pytest.fixture(params=ACCEPTANCE_SETS, ids=lambda s: "b{}-b1{}-k{}-x1{}".format(*s))
def acceptance_set(request):
    return request.param


# Ensemble parameters over the tested range: b and b1 over four decades each,
# kappa in (0.02, 0.98), x1 in [-50, 50].
ENSEMBLE_STRATEGIES = {
    "log_b": st.floats(-2.0, 2.0),
    "log_b1": st.floats(-2.0, 2.0),
    "kappa": st.floats(0.02, 0.98),
    "x1": st.floats(-50.0, 50.0),
}

# Quadrature of the density reaches ~1e-13; the acceptance bound is 1e-9.
MOMENT_TOL = 1e-9


def check_moments(params):
    """Mass 1 and the first two moments (exact for the ensemble) by quadrature of rho."""
    e = sg.HessianEnsemble(*params)
    mean, second = e.exact_moments()
    assert abs(e.moment(0) - 1.0) < MOMENT_TOL
    assert abs(e.moment(1) - mean) < MOMENT_TOL * math.sqrt(second)
    assert abs(e.moment(2) / second - 1.0) < MOMENT_TOL


def check_entry_variances(mats, b, b1):
    """Entry laws of H' (6 x 6, kappa = 0.5, x1 = 0): off-diagonal variance
    b^2/(2N) (+ b1^2/(2 N_D) in the D block), diagonal b^2/N (+ b1^2/N_D), mean 0.

    5-sigma bounds on the sample variance and mean (each fails with probability
    below 1e-6)."""
    n, nd = 6, 3
    assert mats.shape[1:] == (n, n)
    cases = [
        (mats[:, 1, 0], b**2 / (2 * n) + b1**2 / (2 * nd)),
        (mats[:, 4, 3], b**2 / (2 * n)),
        (mats[:, 4, 1], b**2 / (2 * n)),
        (mats[:, 0, 0], b**2 / n + b1**2 / nd),
        (mats[:, 5, 5], b**2 / n),
    ]
    for x, var in cases:
        assert abs(x.var() - var) < 5 * var * math.sqrt(2 / x.size)
        assert abs(x.mean()) < 5 * math.sqrt(var / x.size)
