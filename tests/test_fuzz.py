"""Hypothesis fuzz of the public API over its legal ranges.

p in 2..10, q in 1..10, sigma_z in [1e-6, 1e3], kappa in [0.01, 0.99], loss levels
in [-1e3, 1e6], indices up to 50, and the Hessian ensembles of these models at
shifts x1 up to 1e4 times their scale.  Every call must return a right answer:

* ensembles: support intervals where the density is positive and zero around
  them, density >= 0, mass 1 and the exact first two moments, a sampled
  spectrum inside the support;
* Theta: non-decreasing in u_D and u_G, at most the unconstrained maximum,
  non-increasing in k_D and k_G; theta_map equal to theta at every cell;
* lowest_losses and banded_structure: no exception, results consistent with
  theta.

The only exception allowed is ValueError for illegal input (tested separately).
The default run draws a few examples of each (seconds); the slow run
(``-m slow``) draws many more.  Examples are derandomised, so a failure repeats.

Formula hook: when :class:`GanSpinGlass` accepts ``formula`` (the model's own
Kac-Rice formula beside the published one), every model test runs for each
value in ``FORMULAS``.
"""

import inspect
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spinglass_gan as sg

FORMULAS = (
    ["derived", "published"]
    if "formula" in inspect.signature(sg.GanSpinGlass).parameters
    else [None]
)


def make_model(p, q, sigma_z, kappa, formula=None):
    """The model, with ``formula`` passed only where the API has it."""
    if formula is None:
        return sg.GanSpinGlass(p, q, sigma_z, kappa)
    return sg.GanSpinGlass(p, q, sigma_z, kappa, formula=formula)


MODEL = {
    "p": st.integers(2, 10),
    "q": st.integers(1, 10),
    "log_sigma_z": st.floats(-6.0, 3.0),
    "kappa": st.floats(0.01, 0.99),
}
LOSS = st.one_of(
    st.floats(-1e3, 1e6), st.floats(-5.0, 30.0), st.floats(-3.0, 6.0).map(lambda e: 10.0**e)
)
INDEX = st.integers(0, 50)
# Relative slack for comparisons of two exact suprema (both to ~1e-13 in their
# arguments; the values agree to rounding).
TOL = 1e-9

FAST = {"derandomize": True, "deadline": None, "suppress_health_check": list(HealthCheck)}


def _ensemble(p, q, log_sigma_z, kappa, log_shift, sign):
    m = sg.GanSpinGlass(p, q, 10.0**log_sigma_z, kappa)
    return sg.HessianEnsemble(m.b, m.b1, m.kappa, sign * (m.b + m.b1) * 10.0**log_shift)


def check_ensemble(ens, n_sample=200):
    sup = ens.support()
    assert 1 <= len(sup) <= 2
    assert all(lo < hi for lo, hi in sup) and (len(sup) == 1 or sup[0][1] < sup[1][0])
    width = sup[-1][1] - sup[0][0]
    grid = np.linspace(sup[0][0] - 0.1 * width, sup[-1][1] + 0.1 * width, 401)
    rho = ens.density(grid)
    assert np.all(rho >= 0.0)
    inside = np.zeros(grid.size, dtype=bool)
    for lo, hi in sup:
        inside |= (grid >= lo) & (grid <= hi)
    assert np.all(rho[~inside] == 0.0)
    assert np.all(ens.density([0.5 * (lo + hi) for lo, hi in sup]) > 0.0)
    mean, second = ens.exact_moments()
    assert ens.moment(0) == pytest.approx(1.0, abs=1e-9)
    assert abs(ens.moment(1) - mean) <= 1e-9 * math.sqrt(second)
    assert ens.moment(2) == pytest.approx(second, rel=1e-9)
    # A sampled spectrum lies in the support, up to finite-N edge fluctuations.
    eig = ens.sample_eigvals(n_sample, 1, rng=0).ravel()
    slack = 0.02 * width + 4.0 * math.sqrt(2.0) * (ens.b + ens.b1) / n_sample ** (2 / 3)
    near = np.zeros(eig.size, dtype=bool)
    for lo, hi in sup:
        near |= (eig >= lo - slack) & (eig <= hi + slack)
    assert near.all()


ENSEMBLE = {**MODEL, "log_shift": st.floats(-3.0, 4.0), "sign": st.sampled_from([-1.0, 1.0])}


@settings(max_examples=6, **FAST)
@given(**ENSEMBLE)
def test_ensemble_fuzz(p, q, log_sigma_z, kappa, log_shift, sign):
    check_ensemble(_ensemble(p, q, log_sigma_z, kappa, log_shift, sign))


@pytest.mark.slow
@settings(max_examples=300, **FAST)
@given(**ENSEMBLE)
def test_ensemble_fuzz_slow(p, q, log_sigma_z, kappa, log_shift, sign):
    check_ensemble(_ensemble(p, q, log_sigma_z, kappa, log_shift, sign))


def _le(a, b):
    """a <= b up to TOL relative (-inf <= anything)."""
    return a <= b + TOL * (1.0 + abs(b)) if math.isfinite(b) else a <= b


def check_theta(model, losses, k_D, k_G):
    u_D = sorted(losses[:2])
    u_G = sorted(losses[2:])
    values = np.array([[model.theta(d, g) for d in u_D] for g in u_G])
    top = model.theta(math.inf, math.inf)
    assert math.isfinite(top)
    # Non-decreasing in u_D (along rows) and u_G (down columns), below the maximum.
    assert _le(values[0, 0], values[0, 1]) and _le(values[1, 0], values[1, 1])
    assert _le(values[0, 0], values[1, 0]) and _le(values[0, 1], values[1, 1])
    assert _le(values[1, 1], top)
    assert _le(model.theta(u_D[1], math.inf), top) and _le(
        values[1, 1], model.theta(u_D[1], math.inf)
    )
    mapped = model.theta_map(np.array(u_D), np.array(u_G))
    np.testing.assert_allclose(mapped, values, rtol=1e-10, atol=1e-10)
    # Indices: Theta_{k_D,k_G} <= Theta, non-increasing in each index.
    (k0, k1), (g0, g1) = sorted(k_D), sorted(k_G)
    d, g = u_D[1], u_G[1]
    by_d = [model.theta(d, g, k_D=k0), model.theta(d, g, k_D=k1)]
    by_g = [model.theta(d, g, k_G=g0), model.theta(d, g, k_G=g1)]
    both = [model.theta(d, g, k0, g0), model.theta(d, g, k1, g1)]
    assert _le(by_d[0], values[1, 1]) and _le(by_d[1], by_d[0])
    assert _le(by_g[0], values[1, 1]) and _le(by_g[1], by_g[0])
    assert _le(both[0], min(by_d[0], by_g[0])) and _le(both[1], both[0])
    idx_map = model.theta_map(np.array(u_D), np.array(u_G), k1, g0)
    np.testing.assert_allclose(idx_map[1, 1], model.theta(d, g, k1, g0), rtol=1e-10, atol=1e-10)


THETA = {
    **MODEL,
    "losses": st.lists(LOSS, min_size=4, max_size=4),
    "k_D": st.lists(INDEX, min_size=2, max_size=2),
    "k_G": st.lists(INDEX, min_size=2, max_size=2),
}


@pytest.mark.parametrize("formula", FORMULAS)
@settings(max_examples=3, **FAST)
@given(**THETA)
def test_theta_fuzz(formula, p, q, log_sigma_z, kappa, losses, k_D, k_G):
    check_theta(make_model(p, q, 10.0**log_sigma_z, kappa, formula), losses, k_D, k_G)


@pytest.mark.slow
@pytest.mark.parametrize("formula", FORMULAS)
@settings(max_examples=60, **FAST)
@given(**THETA)
def test_theta_fuzz_slow(formula, p, q, log_sigma_z, kappa, losses, k_D, k_G):
    check_theta(make_model(p, q, 10.0**log_sigma_z, kappa, formula), losses, k_D, k_G)


def check_lowest_losses(model):
    low = sg.lowest_losses(model)
    top = model.theta(math.inf, math.inf)
    assert low.theta_max == pytest.approx(top, rel=1e-12, abs=1e-12)
    if top > 0:
        for u in (low.u_D_min, low.u_G_min, low.sum_min):
            assert math.isfinite(u)
        assert low.sum_u_D + low.sum_u_G == pytest.approx(low.sum_min, rel=1e-8, abs=1e-8)


def check_banded(model, u_D, u_G):
    band = sg.banded_structure(model, u_D, u_G, k_D_max=3, k_G_max=3)
    assert band.failures == ()
    stair = band.staircase
    # A staircase: non-increasing in k_G, and each entry verified by theta.
    assert np.all(np.diff(stair, axis=0) <= 0)
    total = model.theta_map(u_D, u_G)
    assert np.all((stair[0] >= 0) <= (total > 0))


@pytest.mark.parametrize("formula", FORMULAS)
@settings(max_examples=1, **FAST)
@given(**MODEL, u=st.lists(st.floats(-5.0, 30.0), min_size=4, max_size=4))
def test_lowest_losses_and_banded_fuzz(formula, p, q, log_sigma_z, kappa, u):
    model = make_model(p, q, 10.0**log_sigma_z, kappa, formula)
    check_lowest_losses(model)
    check_banded(model, np.array(sorted(u[:2])), np.array(sorted(u[2:])))


@pytest.mark.slow
@pytest.mark.parametrize("formula", FORMULAS)
@settings(max_examples=25, **FAST)
@given(**MODEL, u=st.lists(st.floats(-5.0, 30.0), min_size=4, max_size=4))
def test_lowest_losses_and_banded_fuzz_slow(formula, p, q, log_sigma_z, kappa, u):
    model = make_model(p, q, 10.0**log_sigma_z, kappa, formula)
    check_lowest_losses(model)
    check_banded(model, np.array(sorted(u[:2])), np.array(sorted(u[2:])))


@pytest.mark.parametrize(
    "call",
    [
        lambda: sg.GanSpinGlass(1, 3, 1.0, 0.5),
        lambda: sg.GanSpinGlass(3, 0, 1.0, 0.5),
        lambda: sg.GanSpinGlass(3, 3, 0.0, 0.5),
        lambda: sg.GanSpinGlass(3, 3, 1.0, 1.0),
        lambda: sg.GanSpinGlass(3, 3, 1.0, 0.5).theta(math.nan, 1.0),
        lambda: sg.GanSpinGlass(3, 3, 1.0, 0.5).theta(1.0, -math.inf),
        lambda: sg.GanSpinGlass(3, 3, 1.0, 0.5).theta(1.0, 1e306),
        lambda: sg.GanSpinGlass(3, 3, 1.0, 0.5).theta(1.0, 1.0, k_D=-1),
        lambda: sg.GanSpinGlass(3, 3, 1.0, 0.5).theta_map([1.0], [-1e306]),
        lambda: sg.HessianEnsemble(0.0, 1.0, 0.5, 0.0),
        lambda: sg.HessianEnsemble(1.0, 1.0, 0.5, math.inf),
    ],
)
def test_illegal_input_is_a_value_error(call):
    with pytest.raises(ValueError):
        call()
