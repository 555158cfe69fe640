"""Longer statistical checks, run with ``python -m pytest -m slow``.

They repeat the default checks at larger sizes; the default run keeps the
smaller versions in test_spectra.py, test_density.py and test_potential.py.
"""

import numpy as np
import pytest
from conftest import ACCEPTANCE_SETS, ENSEMBLE_STRATEGIES, check_moments
from hypothesis import given, settings
from test_spectra import l1_distances

import spinglass_gan as sg

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("params", ACCEPTANCE_SETS)
def test_density_matches_spectra_n2000(params):
    # N = 2000, 20 matrices: the same bound as at N = 1000 (see test_spectra.py).
    dist, floor = l1_distances(params, seed=21, n=2000, samples=20)
    assert dist < 1.6 * floor + 0.005, (dist, floor)


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(**ENSEMBLE_STRATEGIES)
def test_mass_and_moments_1000_draws(log_b, log_b1, kappa, x1):
    check_moments((10.0**log_b, 10.0**log_b1, kappa, x1))


def test_monte_carlo_one_over_n_trend():
    # Outside the support log|det| has O(1) fluctuations and no log N growth, so
    # N (quenched - L) stays bounded: at N = 100, 400, 1600 it stays below 1
    # (plus 4 standard errors) while N itself grows 16-fold.
    e = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)
    lo, hi = e.support()[0][0], e.support()[-1][1]
    x = np.array([lo - 0.5 * (hi - lo), hi + 0.1 * (hi - lo)])
    exact = e.log_potential(x)
    for n, k in ((100, 200), (400, 50), (1600, 12)):
        qu = sg.quenched_log_det(e.sample_eigvals(n, k, rng=n), x)
        assert np.all(n * np.abs(qu.value - exact) < 1.0 + 4 * n * qu.stderr)
