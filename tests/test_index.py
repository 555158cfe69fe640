"""Index-constrained complexity: GOE rate, orderings, conventions, and the
closed-form index-k complexity of the pure spherical p-spin glass (ABC 2013)."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan.complexity._maximize import line_maxima
from spinglass_gan.complexity.exponent import DiagonalGaussian, Evaluation
from spinglass_gan.rmt.large_deviations import rate_and_slope

U = np.linspace(-8.0, 10.0, 19)


def test_goe_rate_reference_value():
    """I(2; sqrt 2) = 2 sqrt(2) / 2 - log((2 + sqrt 2) / sqrt 2) = sqrt 2 - log(1 + sqrt 2)
    = 0.532840 from the closed form by hand; 1e-15 (rounding of two O(1) terms)."""
    exact = math.sqrt(2.0) - math.log1p(math.sqrt(2.0))
    assert float(sg.goe_rate(2.0, math.sqrt(2.0))) == pytest.approx(exact, abs=1e-15)
    assert exact == pytest.approx(0.532840, abs=5e-7)


def test_goe_rate_against_mpmath_integral():
    """I(u; E) = (2/E^2) int_E^|u| sqrt(t^2 - E^2) dt at 50 digits, both as the
    integral and in closed form; the series branch (w < 0.1) and the closed form
    are both covered."""
    E = 1.7
    u = np.array([1.7000001, 1.7001, 1.705, 1.9, 3.0, 25.0, -2.2])
    with mp.workdps(50):
        e = mp.mpf(E)
        for ui, got in zip(u, sg.goe_rate(u, E)):
            a = abs(mp.mpf(ui))
            ref = 2 / e**2 * mp.quad(lambda t: mp.sqrt(t * t - e * e), [e, a])
            w = mp.sqrt((a / e) ** 2 - 1)
            assert abs(ref - (a / e * w - mp.asinh(w))) < mp.mpf(10) ** -40 * ref
            assert got == pytest.approx(float(ref), rel=1e-13, abs=1e-300)
    assert np.all(sg.goe_rate([-1.0, 0.0, 1.7], E) == 0.0)


def test_goe_rate_slope():
    u = np.array([-5.0, -2.0, 2.0, 5.0])
    _, slope = rate_and_slope(u, 1.5)
    h = 1e-6
    fd = (sg.goe_rate(u + h, 1.5) - sg.goe_rate(u - h, 1.5)) / (2 * h)
    np.testing.assert_allclose(slope, fd, rtol=1e-7)
    with pytest.raises(ValueError, match="E"):
        sg.goe_rate(1.0, 0.0)


@pytest.fixture(scope="module")
def model():
    return sg.GanSpinGlass(3, 3, 1.0, 0.9, formula="published")


@pytest.mark.parametrize("d_index", ["ascent", "descent"])
def test_index_orderings(model, d_index):
    """Theta_{k_D,k_G} <= Theta, non-increasing in each index, maps = points."""
    total = model.theta_map(U, U)
    prev_row = None
    for k_G in range(3):
        prev = total
        row = []
        for k_D in range(3):
            grid = model.theta_map(U, U, k_D, k_G, d_index=d_index)
            assert np.all(grid <= prev + 1e-12 * np.abs(prev))
            assert np.all(grid <= total + 1e-12 * np.abs(total))
            assert np.all(np.diff(grid, axis=0) >= -1e-12 * np.abs(grid[1:]))
            assert np.all(np.diff(grid, axis=1) >= -1e-12 * np.abs(grid[:, 1:]))
            prev = grid
            row.append(grid)
        if prev_row is not None:
            for a, b in zip(row, prev_row):
                assert np.all(a <= b + 1e-12 * np.abs(b))
        prev_row = row
    for i_G, i_D in [(3, 4), (10, 10), (15, 2), (18, 18)]:
        point = model.theta(U[i_D], U[i_G], 1, 2, d_index=d_index)
        assert point == pytest.approx(row[1][i_G, i_D], rel=1e-10, abs=1e-10)


def test_one_sided_constraints(model):
    """None leaves a block free: constraining one block lies between."""
    for u_D, u_G in [(2.0, 3.0), (6.0, -1.0), (9.0, 9.0)]:
        total = model.theta(u_D, u_G)
        both = model.theta(u_D, u_G, 1, 1)
        assert both <= model.theta(u_D, u_G, k_D=1) <= total
        assert both <= model.theta(u_D, u_G, k_G=1) <= total


def test_published_convention(model):
    """Their index-0 map is the total complexity; with k > 0 it differs from ours."""
    total = model.theta_map(U, U)
    pub0 = model.theta_map(U, U, 0, 0, convention="published")
    np.testing.assert_allclose(pub0, total, rtol=1e-12)
    pub = model.theta_map(U, U, 2, 1, convention="published")
    ours = model.theta_map(U, U, 2, 1)
    assert np.max(np.abs(pub - ours)) > 1e-3


def test_banded_structure_matches_theta(model):
    u_D = np.linspace(-4.0, 10.0, 8)
    u_G = np.linspace(-4.0, 10.0, 7)
    band = sg.banded_structure(model, u_D, u_G, k_D_max=4, k_G_max=3)
    assert band.staircase.shape == (4, 7, 8)
    for k_G in range(4):
        for i_G, i_D in [(0, 0), (3, 5), (6, 7), (4, 2)]:
            k = band.staircase[k_G, i_G, i_D]
            if k >= 0:
                assert model.theta(u_D[i_D], u_G[i_G], int(k), k_G) > 0
            if k < 4:
                assert model.theta(u_D[i_D], u_G[i_G], int(k) + 1, k_G) <= 0
    assert np.array_equal(band.infeasible, model.theta_map(u_D, u_G, 0, 0) <= 0)


def test_banded_save_load(model, tmp_path):
    band = sg.banded_structure(model, [0.0, 5.0], [1.0, 6.0], k_D_max=2, k_G_max=2)
    back = sg.BandedStructure.load(band.save(tmp_path / "band"))
    np.testing.assert_array_equal(back.staircase, band.staircase)
    assert back.metadata["convention"] == "exact" and back.metadata["p"] == 3


class _PureSpinGlass:
    """The index-k exponent of the pure spherical p-spin glass, built from the
    package's blocks (docs/theory.md, "Index-constrained complexity"), in the interface that
    ``line_maxima`` maximises.

    In the GOE variable t = sqrt(2) u / E_inf (semicircle radius sqrt 2):
        Phi_k(t) = (1/2) log(p-1) + 1/2 + (1/2) log 2 - (p-2) t^2 / (2p) - t^2 / 2
                   + L(t) - k I(t; sqrt 2),   t <= -sqrt 2,
    with L the log-potential of HessianEnsemble(b=1, b1=0) (a semicircle of
    radius sqrt 2).  Only the x coordinate is used.
    """

    def __init__(self, p: int, k: int) -> None:
        self.p, self.k = p, k
        self.ens = sg.HessianEnsemble(1.0, 0.0, 0.5, 0.0)
        self.const = 0.5 * math.log(p - 1) + 0.5 + 0.5 * math.log(2.0)
        self.curv = (p - 2) / p + 1.0  # the Gaussian part is -curv t^2 / 2
        self.halfplanes = np.array([[1.0, 0.0, -math.sqrt(2.0)]])
        self.h0 = math.sqrt(2.0) / 24.0
        self.zones = np.array([[0.0, 0.0, math.sqrt(2.0), self.h0]])

        class _C:
            s_sq, s1_sq, log_constant = 1.0 / self.curv, 1.0, 0.0

        self.gaussian = DiagonalGaussian(_C)

    def evaluate(self, x, x1, **_):
        x = np.asarray(x, dtype=float)
        rate, slope = rate_and_slope(x, math.sqrt(2.0))
        value = self.const - 0.5 * self.curv * x * x + self.ens.log_potential(x) - self.k * rate
        grad = -self.curv * x - self.ens.stieltjes(x).real - self.k * slope
        nan = np.full(x.shape, np.nan + 0j)
        return Evaluation(value, grad, np.zeros_like(x), nan, nan)

    def concave_slope(self, x, x1, dx, dx1):
        _, slope = rate_and_slope(np.asarray(x, dtype=float), math.sqrt(2.0))
        return (-self.curv * np.asarray(x) - self.k * slope) * dx

    def slope_bound(self, dx, dx1):
        return np.abs(dx) * math.sqrt(2.0)  # |m| <= 2 / radius

    def sup_below(self, t_max: float) -> float:
        t_max = min(t_max, -math.sqrt(2.0))
        found = line_maxima(self, [0.0], [0.0], [1.0], [0.0], [-np.inf], [t_max])
        end = self.evaluate(np.array([t_max]), None).value[0]
        return max(end, float(np.max(found.value, initial=-np.inf)))


def _abc_closed_form(p: int, k: int, u: float) -> float:
    e_inf = 2.0 * math.sqrt((p - 1) / p)
    u = min(u, -e_inf)
    rate = float(sg.goe_rate(u, e_inf))
    return 0.5 * math.log(p - 1) - (p - 2) * u * u / (4 * (p - 1)) - (k + 1) * rate


@pytest.mark.parametrize("p", [3, 4, 5])
@pytest.mark.parametrize("k", [0, 1, 2])
def test_pure_spherical_index_complexity(p, k):
    """ABC's Theta_{k,p}(u) to 1e-8 from the log-potential, the GOE rate and the
    constrained line supremum; includes u above -E_inf (constant there)."""
    e_inf = 2.0 * math.sqrt((p - 1) / p)
    pure = _PureSpinGlass(p, k)
    for u in [-3.0, -2.2, -1.9, -1.7, -e_inf - 1e-3, -e_inf, -1.0, 0.5]:
        t = math.sqrt(2.0) * u / e_inf
        assert pure.sup_below(t) == pytest.approx(_abc_closed_form(p, k, u), abs=1e-8)


def test_pure_spherical_zeros_p3():
    """Zeros of Theta_0 and Theta_1 for p = 3.

    docs/theory.md, "Derivation: the pure spherical p-spin".
    """
    from scipy.optimize import brentq

    e_inf = 2.0 * math.sqrt(2.0 / 3.0)
    assert e_inf == pytest.approx(1.632993, abs=1e-6)
    for k, zero in [(0, -1.656998), (1, -1.652873)]:
        sup_below = _PureSpinGlass(3, k).sup_below
        u0 = brentq(lambda u, f=sup_below: f(math.sqrt(2.0) * u / e_inf), -2.0, -e_inf - 1e-9)
        assert u0 == pytest.approx(zero, abs=1e-6)
