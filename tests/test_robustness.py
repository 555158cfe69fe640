"""Regression tests for inputs a fuzz of the public API found wrong or crashing.

Each test is one repro: narrow and distant blocks in the Dyson solver and its
edges, maxima on a spectral edge, extreme loss levels, and sweeps that go on
past a failing point.
"""

import math

import mpmath as mp
import numpy as np
import pytest
from _reference import mp_published_phi

import spinglass_gan as sg
from spinglass_gan.complexity import sweeps as sweeps_mod


def _check_support(ens, n_intervals, n=400, seed=0):
    """Support intervals, zero density outside, mass 1 and the sampled spectrum."""
    sup = ens.support()
    assert len(sup) == n_intervals
    mids = [0.5 * (lo + hi) for lo, hi in sup]
    assert np.all(ens.density(mids) > 0)
    width = sup[-1][1] - sup[0][0]
    outside = [sup[0][0] - 1e-3 * width, sup[-1][1] + 1e-3 * width]
    if len(sup) == 2:
        outside.append(0.5 * (sup[0][1] + sup[1][0]))
    assert np.all(ens.density(outside) == 0.0)
    assert ens.moment(0) == pytest.approx(1.0, abs=1e-9)
    # Each interval holds about its share of a sampled spectrum.
    eig = ens.sample_eigvals(n, 1, rng=seed).ravel()
    slack = 0.05 * width + 3.0 * (ens.b + ens.b1) / math.sqrt(n)
    for lo, hi in sup:
        share = np.mean((eig >= lo - slack) & (eig <= hi + slack))
        assert share > 0.0
    inside = np.zeros(eig.size, dtype=bool)
    for lo, hi in sup:
        inside |= (eig >= lo - slack) & (eig <= hi + slack)
    assert inside.all()


def test_generator_interval_far_from_a_tiny_discriminator_block():
    """|x1| / b large: the generator interval around 0 was lost (one interval,
    moment(0) = kappa, while a third of the eigenvalues sit near 0)."""
    ens = sg.HessianEnsemble(0.24084368062270584, 1e-6, 0.6699906894098802, -613.4)
    _check_support(ens, 2)
    lo, hi = ens.support()[0]
    assert lo < 0.0 < hi


@pytest.mark.parametrize(
    "params, n_intervals",
    [
        ((6.928e-06, 0.1414, 0.01, -0.2), 2),  # b << b1: root selection failed at an edge
        ((0.000115, 0.1803, 0.852, 103.19), 2),  # |x1| >> b: inconsistent support edges
        ((0.0006640919255731526, 0.5535483794876083, 0.02553465070277976, -3212.77), 2),
        ((0.0005377773888557942, 1.1876804974637856, 0.7052924820279125, -2929.72), 2),
    ],
)
def test_narrow_or_distant_generator_block(params, n_intervals):
    _check_support(sg.HessianEnsemble(*params), n_intervals)


def test_dyson_far_from_the_spectrum():
    """m ~ -1/z at |z| ~ 1e15: the small quartic root was lost in the companion
    eigenvalues (root selection failed inside lowest_losses for p + q = 20)."""
    ens = sg.HessianEnsemble(2000.0, 7.0, 0.5, 0.0)
    x = np.array([-2.3e15, -1e12, 1e9, 1e15])
    sol = ens.solve_dyson(x)
    np.testing.assert_allclose(sol.m.real * x, -1.0, rtol=1e-9)
    assert np.all(sol.m.imag == 0.0)


def _star(h):
    """The point and its four neighbours at distance h along the axes."""
    return [(0, 0), (h, 0), (-h, 0), (0, h), (0, -h)]


def test_theta_is_monotone_in_the_losses_at_small_sigma_z():
    """The interior maximum sits on a spectral edge (Psi only C^1 there), where
    Newton's method failed and the maximum was dropped: Theta(1000, 6.737) was
    -999982.8 < Theta(1, 6.737) = 9.77 and Theta(inf, inf) = -inf."""
    m = sg.GanSpinGlass(2, 3, 4.642280754060127e-06, 0.9047288849846467, formula="published")
    low, high, top = m.theta(1.0, 6.737), m.theta(1000.0, 6.737), m.theta(math.inf, math.inf)
    assert low <= high <= top
    # The maximiser against the closed forms in mpmath (tests/_reference.py): its value
    # (1e-12: rounding of terms ~10) and a vanishing gradient there (below 1e-6, against
    # a Gaussian slope -x / s^2 ~ -1e2 and the 1e5 curvature times a position known to
    # ~1e-11: a stationary point, not a point beside it).
    xs, x1s, vs = m.solver().interior
    i = int(np.argmax(vs))
    args = (2, 3, 4.642280754060127e-06, 0.9047288849846467)
    with mp.workdps(60):
        h = mp.mpf("1e-12")
        phi = [mp_published_phi(*args, xs[i] + dx, x1s[i] + dx1) for dx, dx1 in _star(h)]
    assert top == pytest.approx(float(phi[0]), abs=1e-12)
    assert abs(float((phi[1] - phi[2]) / (2 * h))) < 1e-6
    assert abs(float((phi[3] - phi[4]) / (2 * h))) < 1e-6
    # And no point does better: Phi <= C + log(|x| + |x1| + R) - x^2/(2 s^2) - x1^2/(2 s1^2)
    # (R = sqrt 2 (b + b1) bounds the spectrum's distance from [min(0, -x1), max(0, -x1)])
    # stays below top outside |x| <= 0.05, |x1| <= 12 (both terms decrease past the
    # box's edges); inside, nested grids stay below top (1e-12) and close in on it.
    k = m.constants
    edge = np.concatenate([np.linspace(0.0, 0.05, 1001), np.linspace(0.05, 1e3, 10**5)])
    a = np.concatenate([np.full(edge.size, 0.05), edge])
    b = np.concatenate([edge, np.full(edge.size, 12.0)])
    bound = k.log_constant + np.log(a + b + math.sqrt(2.0) * (k.b + k.b1))
    assert np.all(bound - a**2 / (2 * k.s_sq) - b**2 / (2 * k.s1_sq) < top)
    centre, half = np.zeros(2), np.array([0.05, 12.0])
    for n in (401, 101, 101, 101):
        gx = centre[0] + np.linspace(-half[0], half[0], n)
        gx1 = centre[1] + np.linspace(-half[1], half[1], n)
        grid = m.exponent(gx[None, :], gx1[:, None])
        j, i = np.unravel_index(np.argmax(grid), grid.shape)
        best, centre = grid[j, i], np.array([gx[i], gx1[j]])
        assert best <= top + 1e-12 * abs(top)
        half = 4.0 * np.array([gx[1] - gx[0], gx1[1] - gx1[0]])
    assert top - best < 1e-6
    np.testing.assert_allclose(m.theta_map([1.0, 1000.0], [6.737]), [[low, high]], rtol=1e-10)


def test_theta_is_non_increasing_in_k_D():
    """Theta_{45}, Theta_{46}, Theta_{47} were 11.200391, 11.200219, 11.200377."""
    m = sg.GanSpinGlass(3, 5, 0.0019162484204349036, 0.8891200921227493, formula="published")
    values = [m.theta(5.0, 5.0, k_D=k) for k in (45, 46, 47)]
    assert values[0] >= values[1] >= values[2]
    assert values[1] == pytest.approx(11.2003839304, abs=1e-8)


def test_no_zero_division_at_extreme_scales():
    m = sg.GanSpinGlass(10, 10, 1e-6, 0.99, formula="published")
    value = m.theta(-1e3, 1e6)
    # x1 >= R x + 10 p: the Gaussian term in x1 dominates.
    assert -1.01e6 < value < -0.99e6


def test_far_block_next_to_its_own_spectrum():
    """z and -x1 of 7.5e6 that cancel to 6: the residual test was absolute, and
    no candidate passed it."""
    m = sg.GanSpinGlass(9, 9, 2.6045287640133295e-05, 0.2785674208414439, formula="published")
    values = m.theta_map([11.143022389373694, 835404.7857167744], [0.38, 804859.88])
    np.testing.assert_allclose(values, m.theta(math.inf, math.inf), rtol=1e-12)


@pytest.mark.parametrize("u", [1e306, -1e306, 1e13, -1e13, math.nan, -math.inf])
def test_loss_levels_beyond_the_limit_are_refused(u):
    """-1e306 made P overflow to -inf, which dropped the bound (the unconstrained
    maximum came back) or raised LinAlgError."""
    m = sg.GanSpinGlass(3, 5, 0.0019162484204349036, 0.8891200921227493, formula="published")
    for args in ((u, 5.0), (5.0, u)):
        with pytest.raises(ValueError, match="u_"):
            m.theta(*args)
    with pytest.raises(ValueError, match="u_D"):
        m.theta_map([u], [5.0])


def test_loss_levels_at_the_limit():
    m = sg.GanSpinGlass(3, 5, 0.0019162484204349036, 0.8891200921227493, formula="published")
    top = m.theta(math.inf, math.inf)
    assert m.theta(1e12, 1e12) == top
    low = m.theta(-1e12, 5.0)
    assert -1.01e24 < low < -0.99e24
    assert m.theta(-1e12, -1e12) <= min(low, m.theta(5.0, -1e12)) <= top


def test_lowest_losses_for_large_p_plus_q():
    low = sg.lowest_losses(sg.GanSpinGlass(10, 10, 0.1, 0.5, formula="published"))
    assert low.theta_max > 0 and np.isfinite(low.u_D_min) and np.isfinite(low.sum_min)


def _failing_lowest_losses(model):
    if model.sigma_z == 0.5:
        raise ArithmeticError("injected failure")
    return sweeps_mod.LowestLosses(1.0, -1.0, -2.0, -3.0, -1.0, -2.0)


def test_sweep_records_a_failing_point_and_goes_on(monkeypatch, tmp_path):
    monkeypatch.setattr(sweeps_mod, "lowest_losses", _failing_lowest_losses)
    with pytest.warns(RuntimeWarning, match="1 of 3 values failed"):
        res = sg.sweep(3, 3, sigma_z=np.array([0.1, 0.5, 1.0]), kappa=0.9)
    assert res.reasons == ("", "ArithmeticError: injected failure", "")
    np.testing.assert_array_equal(res.failed, [False, True, False])
    assert np.isnan(res["u_D_min"][1]) and res["u_D_min"][0] == -1.0
    back = sg.Sweep.load(res.save(tmp_path / "s"))
    assert back.reasons == res.reasons
    assert sg.load_result(tmp_path / "s.npz")["failed"].tolist() == [False, True, False]


def test_banded_structure_records_a_failing_cell(monkeypatch, tmp_path):
    model = sg.GanSpinGlass(3, 3, 1.0, 0.9, formula="published")
    u_D, u_G = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    clean = sg.banded_structure(model, u_D, u_G, 1, 1)
    theta = sg.GanSpinGlass.theta

    def no_map(self, *args, **kwargs):
        raise ArithmeticError("map failed")

    def theta_failing_once(self, u_d, u_g, k_D=None, k_G=None, **kwargs):
        if (u_d, u_g, k_D, k_G) == (1.0, 0.0, 1, 0):
            raise ArithmeticError("cell failed")
        return theta(self, u_d, u_g, k_D, k_G, **kwargs)

    monkeypatch.setattr(sg.GanSpinGlass, "theta_map", no_map)
    monkeypatch.setattr(sg.GanSpinGlass, "theta", theta_failing_once)
    with pytest.warns(RuntimeWarning, match="failed numerically"):
        band = sg.banded_structure(model, u_D, u_G, 1, 1)
    assert band.failures == (
        {"k_G": 0, "k_D": 1, "u_D": 1.0, "u_G": 0.0, "reason": "ArithmeticError: cell failed"},
    )
    # Elsewhere the staircase is the clean one; at the failing cell a lower bound.
    differs = band.staircase != clean.staircase
    assert not differs[:, 0, :1].any() and not differs[:, 1, :].any()
    assert np.all(band.staircase[:, 0, 1] <= clean.staircase[:, 0, 1])
    back = sg.BandedStructure.load(band.save(tmp_path / "b"))
    assert back.failures == band.failures
    # Through the runner (in this process), the task reports the same failure.
    with pytest.warns(RuntimeWarning, match="failed numerically"):
        run = sg.banded_structure(model, u_D, u_G, 1, 1, processes=1)
    assert run.failures == band.failures
    np.testing.assert_array_equal(run.staircase, band.staircase)
