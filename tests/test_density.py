"""The master-equation density: mass, moments, positivity, support, root choice."""

import math

import numpy as np
import pytest
from _reference import mp_dyson, mp_edges
from conftest import ACCEPTANCE_SETS, ENSEMBLE_STRATEGIES, N_INTERVALS, check_moments
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spinglass_gan as sg


@pytest.mark.parametrize("params", ACCEPTANCE_SETS)
def test_mass_and_moments_acceptance_sets(params):
    check_moments(params)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(**ENSEMBLE_STRATEGIES)
@pytest.mark.heavy
def test_mass_and_moments_hypothesis(log_b, log_b1, kappa, x1):
    params = (10.0**log_b, 10.0**log_b1, kappa, x1)
    check_moments(params)
    e = sg.HessianEnsemble(*params)
    sup = e.support()
    lo, hi = sup[0][0], sup[-1][1]
    lam = np.linspace(lo - 0.2 * (hi - lo), hi + 0.2 * (hi - lo), 4001)
    rho = e.density(lam)
    assert np.all(np.isfinite(rho)) and np.all(rho >= 0.0)
    inside = np.zeros(lam.shape, bool)
    for a, b in sup:
        inside |= (lam >= a) & (lam <= b)
    assert np.all(rho[~inside] == 0.0)


def test_semicircle():
    # b1 = 0, x1 = 0: the semicircle of radius sqrt(2) b for every kappa.
    b = 1.3
    r = math.sqrt(2) * b
    for kappa in (0.1, 0.5, 0.9):
        e = sg.HessianEnsemble(b, 0.0, kappa, 0.0)
        lo, hi = e.support()[0]
        assert lo == pytest.approx(-r, rel=1e-14) and hi == pytest.approx(r, rel=1e-14)
        lam = np.linspace(-1.2 * r, 1.2 * r, 1001)
        exact = 2 / (math.pi * r**2) * np.sqrt(np.clip(r**2 - lam**2, 0, None))
        np.testing.assert_allclose(e.density(lam), exact, rtol=0, atol=1e-14)


@pytest.mark.parametrize(("params", "count"), list(zip(ACCEPTANCE_SETS, N_INTERVALS)))
def test_support_edges(params, count):
    e = sg.HessianEnsemble(*params)
    sup = e.support()
    assert len(sup) == count
    edges = np.array(sup).ravel()
    assert np.all(np.diff(edges) > 0)
    # Independent: the same branch-point equations at 50 digits.
    ref = mp_edges(*params)
    for edge in edges:
        assert min(abs(edge - r) for r in ref) <= 1e-12 * max(1.0, abs(edge))
    # The density switches on exactly at the edges: 1e-10 relative inside it is
    # positive (about 1e-5 of its bulk size), outside it is exactly zero.
    h = 1e-10 * np.max(np.abs(edges))
    for lo, hi in sup:
        assert np.all(e.density([lo - h, hi + h]) == 0.0)
        assert np.all(e.density([lo + h, hi - h]) > 0.0)


def test_one_to_two_intervals_as_x1_grows():
    # b = 1, b1 = 0.5, kappa = 0.9: the support splits between x1 = 1.1 and 1.5.
    counts = [len(sg.HessianEnsemble(1.0, 0.5, 0.9, x1).support()) for x1 in (0.0, 1.1, 1.5, 4)]
    assert counts == [1, 1, 2, 2]


MP_POINTS = [
    ((1.0, 1.0, 0.5, 3.0), [-4.7, -3.0, -1.5, -1.2, 0.0, 1.07, 1.2, 30.0]),
    ((1.0, 0.5, 0.9, 1.5), [-3.0, -1.0, -0.0736, -0.06, -0.052, 0.5, 0.7185, 2.0]),
    ((43.82, 2.324, 0.9, 0.0), [-70.0, -62.0, 0.0, 30.0, 62.04, 1e4]),
    ((0.03, 3.16, 0.5, 4.0), [-8.4, -4.0, 0.0, 0.01, 0.3, 0.469, 1.0]),
    ((0.01, 50.0, 0.3, 40.0), [-0.01, 0.0, 0.009, 20.0, -100.0]),
]


@pytest.mark.parametrize(("params", "xs"), MP_POINTS)
def test_root_choice_against_mpmath(params, xs):
    # The physical root at the real axis equals the 50-digit root chosen by its
    # definition at Im z = 1e-30; agreement 1e-11 relative covers the conditioning
    # of the quartic near edges (points within 1e-4 of an edge are included).
    sol = sg.rmt.solve_dyson(np.array(xs), *params)
    for i, x in enumerate(xs):
        ref = mp_dyson(*params, x)
        for ours, exact in zip((sol.m[i], sol.m1[i], sol.m2[i]), ref):
            assert abs(ours - exact) <= 1e-11 * abs(exact), (x, ours, exact)


def test_stieltjes_upper_half_plane():
    e = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)
    rng = np.random.default_rng(0)
    z = rng.uniform(-8, 8, 500) + 1j * 10.0 ** rng.uniform(-8, 1, 500)
    sol = e.solve_dyson(z)
    assert np.all(sol.m.imag > 0) and np.all(sol.m1.imag > 0) and np.all(sol.m2.imag > 0)
    # Spot check against the definition at 50 digits.
    for zi, mi in zip(z[:10], sol.m[:10]):
        ref = mp_dyson(1.0, 1.0, 0.5, 3.0, zi.real, eta=float(zi.imag))[0]
        assert abs(mi - ref) <= 1e-12 * abs(ref)
    # m(conj z) = conj m(z); m(z) ~ -1/z - mean/z^2 far away.
    np.testing.assert_allclose(e.stieltjes(np.conj(z)), np.conj(sol.m), rtol=1e-14)
    big = 1e6 + 1e6j
    mean, _ = e.exact_moments()
    assert e.stieltjes(big) == pytest.approx(-1 / big - mean / big**2, rel=1e-11)


def test_density_broadcasts_and_keeps_shape():
    e = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)
    lam = np.linspace(-5, 2, 12).reshape(3, 4)
    out = e.density(lam)
    assert out.shape == (3, 4)
    np.testing.assert_array_equal(out.ravel(), e.density(lam.ravel()))
    assert np.ndim(e.density(0.0)) == 0
    # Order of evaluation does not matter (warm starts are verified, not trusted).
    perm = np.random.default_rng(1).permutation(lam.size)
    np.testing.assert_allclose(e.density(lam.ravel()[perm]), out.ravel()[perm], rtol=1e-13)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(**ENSEMBLE_STRATEGIES, where=st.lists(st.floats(-0.2, 1.2), min_size=8, max_size=8))
@pytest.mark.heavy
def test_edges_and_root_choice_hypothesis(log_b, log_b1, kappa, x1, where):
    # Over the whole parameter range, including a generator peak 1e-4 times
    # narrower than the discriminator block and far from it: every edge equals a
    # 50-digit branch point to 1e-12 relative, and the solution at points spread
    # over and around each interval equals the 50-digit root chosen by its
    # definition to 1e-10 relative.  Points within 1e-6 of an interval's width
    # from an edge are left out: there m(x) itself changes by sqrt(ulp / width)
    # within one ulp of x, which no double-precision answer can beat.
    params = (10.0**log_b, 10.0**log_b1, kappa, x1)
    sup = sg.support(*params)
    ref = mp_edges(*params)
    for edge in np.ravel(sup):
        assert min(abs(edge - r) for r in ref) <= 1e-12 * abs(edge) + 1e-300
    keep = [f for f in where if min(abs(f), abs(f - 1.0)) > 1e-6]
    xs = np.array([lo + f * (hi - lo) for lo, hi in sup for f in keep])
    sol = sg.rmt.solve_dyson(xs, *params)
    for x, m in zip(xs, sol.m):
        exact = mp_dyson(*params, x)[0]
        assert abs(m - exact) <= 1e-10 * abs(exact), (x, m, exact)


@pytest.mark.parametrize(
    "params",
    [*ACCEPTANCE_SETS, (0.0191, 0.0428, 0.195, 33.8), (0.0175, 53.3, 0.80, -48.4)],
)
def test_warm_started_grid_equals_cold_points(params):
    # A dense grid is solved by Newton from the extrapolated neighbouring
    # solution; a single point is solved from scratch (all candidates).  Both
    # must give the same physical solution to 1e-12 relative, edges excluded
    # (see test_edges_and_root_choice_hypothesis for the conditioning there).
    sup = sg.support(*params)
    lo, hi = sup[0][0], sup[-1][1]
    r_g = sg.HessianEnsemble(*params).radius_G  # the generator block's own scale
    grid = np.concatenate(
        [
            np.linspace(lo - 0.3 * (hi - lo), hi + 0.3 * (hi - lo), 20001),
            np.linspace(-3 * r_g, 3 * r_g, 5001),
        ]
    )
    warm = sg.rmt.solve_dyson(grid, *params)
    edges = np.ravel(sup)
    for i in range(0, grid.size, 97):
        if np.min(np.abs(grid[i] - edges)) < 1e-6 * (hi - lo):
            continue
        cold = sg.rmt.solve_dyson(grid[i], *params)
        for w, cval in zip((warm.m1[i], warm.m2[i]), (cold.m1, cold.m2)):
            assert abs(w - cval) <= 1e-12 * abs(cval), (grid[i], w, cval)


def test_splitting_x1():
    # One interval just below the returned x1, two just above, beyond the
    # documented 1e-8 resolution.
    x1c = sg.splitting_x1(1.0, 1.0, 0.9)
    assert len(sg.support(1.0, 1.0, 0.9, x1c * (1 - 1e-7))) == 1
    assert len(sg.support(1.0, 1.0, 0.9, x1c * (1 + 1e-7))) == 2
    with pytest.raises(ValueError, match="kappa"):
        sg.splitting_x1(1.0, 1.0, 1.0)
