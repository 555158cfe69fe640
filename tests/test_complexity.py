"""Theta: exact suprema against brute force, maps against points, monotonicity."""

from __future__ import annotations

import math

import numpy as np
import pytest

import spinglass_gan as sg

# The two parameter sets of the acceptance criteria.
SETS = {"paper": (3, 3, 1.0, 0.9), "small_sigma": (5, 5, 0.01, 0.5)}


@pytest.fixture(scope="module", params=list(SETS))
def model(request):
    return sg.GanSpinGlass(*SETS[request.param], formula="published")


def _box(model):
    """The brute-force box: |x| <= 4 s, |x1| <= 30.

    Interior critical points satisfy |x| (|x| - r) <= s^2, r bounding the
    spectrum (docs/theory.md, "Bounds that confine the critical points"), so
    |x| <= s + r; maxima on the lines
    of B can lie further out when the line is steep in x1, so the box is four
    times wider, and the test asserts that the brute-force argmax never touches
    its edge (a maximiser outside the box would show there first, since the
    masked grid max then sits on the edge).
    """
    return 4.0 * math.sqrt(model.constants.s_sq), 30.0


@pytest.fixture(scope="module")
def brute(model):
    x_lim, x1_lim = _box(model)
    xs = np.linspace(-x_lim, x_lim, 4001)
    x1s = np.linspace(-x1_lim, x1_lim, 601)
    phi = model.exponent(xs[:, None], x1s[None, :])
    return xs, x1s, phi


def _loss_points(model, n=36, seed=1):
    """Random (u_D, u_G) whose bound x < P = alpha u_G stays inside the box."""
    rng = np.random.default_rng(seed)
    alpha = model.constants.x_max_per_u_G
    u_G_low = max(-3.0, -0.5 * _box(model)[0] / alpha)
    return np.column_stack([rng.uniform(-3.0, 8.0, n), rng.uniform(u_G_low, 8.0, n)])


def _grid_max(model, xs, x1s, phi, u_D, u_G):
    """Max of Phi over the grid points inside B, its indices, and the resolution:
    twice |grad Phi| times the spacing at the argmax (the nearest grid point to
    the true maximiser is at most one cell away)."""
    masked = np.where(model.region(u_D, u_G).contains(xs[:, None], x1s[None, :]), phi, -np.inf)
    i, j = np.unravel_index(np.argmax(masked), masked.shape)
    ev = model.solver().obj.evaluate(xs[i : i + 1], x1s[j : j + 1])
    dx, dx1 = xs[1] - xs[0], x1s[1] - x1s[0]
    resolution = 2.0 * (abs(ev.grad_x[0]) * dx + abs(ev.grad_x1[0]) * dx1)
    return masked[i, j], i, j, resolution


@pytest.mark.heavy
def test_theta_against_brute_force(model, brute):
    """Brute force never exceeds Theta and falls short by at most its resolution.

    Grid points inside B are feasible, so a grid maximum can never exceed the
    supremum; the nearest feasible grid point to the maximiser is at most a cell
    away, so the shortfall is at most |grad Phi| times the spacing (twice that
    is the bound used).  One dense 4001 x 601 grid serves all loss levels.
    """
    xs, x1s, phi = brute
    for u_D, u_G in _loss_points(model):
        coarse, i, j, resolution = _grid_max(model, xs, x1s, phi, u_D, u_G)
        assert 0 < i < xs.size - 1 and 0 < j < x1s.size - 1, "argmax on the box edge"
        theta = model.theta(u_D, u_G)
        assert theta >= coarse - 1e-12 * abs(coarse)
        assert theta - coarse <= resolution + 1e-9, (u_D, u_G, theta, coarse)


@pytest.mark.heavy
def test_theta_against_boundary_aligned_brute_force(model):
    """A finer brute force whose grid contains the boundary of B exactly.

    For each x on a grid ending at x = P, x1 runs over 801 points from the line
    x1 = R x + Q upwards, so every grid point is feasible and the edges and the
    corner are grid lines: the shortfall is second order, bounded by the local
    second differences of the grid values (twice them is the bound used).
    """
    obj = model.solver().obj
    x_lim = _box(model)[0]
    for u_D, u_G in _loss_points(model):
        region = model.region(u_D, u_G)
        xs = np.linspace(-x_lim, min(region.x_max, x_lim), 1001)
        low = region.x1_lower(xs)
        frac = np.linspace(0.0, 1.0, 801)
        x1 = low[:, None] + frac[None, :] * (np.maximum(low, 0.0) + 15.0 - low)[:, None]
        x = np.repeat(xs, frac.size)
        starts = np.zeros(x.size, dtype=bool)
        starts[:: frac.size] = True
        phi = obj.evaluate(x, x1.ravel(), starts=starts, ts=np.tile(frac, xs.size)).value
        phi = phi.reshape(xs.size, frac.size)
        i, j = np.unravel_index(np.argmax(phi), phi.shape)
        assert i > 0 and j < frac.size - 1, "argmax on the box edge"
        ii = [i - 1, i, i + 1] if i < xs.size - 1 else [i - 2, i - 1, i]
        jj = [j - 1, j, j + 1] if j > 0 else [0, 1, 2]
        second = abs(phi[ii[0], j] - 2 * phi[ii[1], j] + phi[ii[2], j])
        second += abs(phi[i, jj[0]] - 2 * phi[i, jj[1]] + phi[i, jj[2]])
        theta = model.theta(u_D, u_G)
        assert theta >= phi[i, j] - 1e-12 * abs(phi[i, j])
        assert theta - phi[i, j] <= 2 * second + 1e-9, (u_D, u_G, theta, phi[i, j], second)


@pytest.mark.heavy
def test_theta_map_equals_theta(model):
    u_D = np.linspace(-6.0, 9.0, 50)
    u_G = np.linspace(-6.0, 9.0, 50)
    grid = model.theta_map(u_D, u_G)
    assert grid.shape == (50, 50)
    points = np.array([[model.theta(d, g) for d in u_D] for g in u_G])
    np.testing.assert_allclose(grid, points, rtol=1e-10, atol=1e-10)


def test_theta_monotone(model):
    u = np.linspace(-12.0, 12.0, 121)
    grid = model.theta_map(u, u)
    assert np.all(np.diff(grid, axis=0) >= -1e-12 * np.abs(grid[1:]))
    assert np.all(np.diff(grid, axis=1) >= -1e-12 * np.abs(grid[:, 1:]))


def test_theta_unbounded_region_is_global_max(model):
    x, _, v = model.solver().interior
    assert model.theta(math.inf, math.inf) == pytest.approx(v.max(), rel=1e-14)
    assert model.theta(1e3, 1e3) == pytest.approx(v.max(), rel=1e-14)
    # Phi is even under (x, x1) -> (-x, -x1): H'(-x1) has the law of -H'(x1).
    assert np.allclose(np.sort(x), -np.sort(x)[::-1], rtol=1e-8)


def test_map_unsorted_grid(model):
    u_D = np.array([3.0, -2.0, 7.0, 0.5])
    u_G = np.array([1.0, 6.0, -4.0])
    grid = model.theta_map(u_D, u_G)
    order_d, order_g = np.argsort(u_D), np.argsort(u_G)
    sorted_grid = model.theta_map(u_D[order_d], u_G[order_g])
    np.testing.assert_array_equal(grid[np.ix_(order_g, order_d)], sorted_grid)


def test_exponent_matches_log_potential(model):
    c = model.constants
    x = np.array([-2500.0, -40.0, 0.0, 13.0, 2172.0])
    for x1 in (-1.0, 0.0, 2.5):
        ens = model.ensemble(x1)
        expected = c.log_constant - x**2 / (2 * c.s_sq) - x1**2 / (2 * c.s1_sq)
        expected = expected + ens.log_potential(x)
        np.testing.assert_allclose(model.exponent(x, x1), expected, rtol=1e-12, atol=1e-12)
    grid = model.exponent(x[:, None], np.array([0.0, 1.0])[None, :])
    assert grid.shape == (5, 2)


def test_gradient_matches_finite_differences(model):
    obj = model.solver().obj
    x = np.array([-2172.0, -30.0, 5.0, 700.0])
    x1 = np.array([0.1, -0.7, 1.3, 0.0])
    ev = obj.evaluate(x, x1)
    h = 1e-4
    fx = (obj.evaluate(x + h, x1).value - obj.evaluate(x - h, x1).value) / (2 * h)
    fx1 = (obj.evaluate(x, x1 + h).value - obj.evaluate(x, x1 - h).value) / (2 * h)
    # Central differences: error ~ h^2 |Phi'''| plus rounding 1e-16 |Phi| / h ~ 1e-11.
    np.testing.assert_allclose(ev.grad_x, fx, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ev.grad_x1, fx1, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.theta(float("nan"), 1.0),
        lambda m: m.theta(1.0, 1.0, k_D=-1),
        lambda m: m.theta(1.0, 1.0, k_G=1.5),
        lambda m: m.theta(1.0, 1.0, 0, 0, d_index="up"),
        lambda m: m.theta(1.0, 1.0, 0, 0, convention="paper"),
        lambda m: m.theta_map(np.ones((2, 2)), np.ones(2)),
        lambda m: m.theta_map([1.0, np.inf], [1.0]),
        lambda m: m.exponent([0.0, np.nan], 0.0),
    ],
)
def test_bad_arguments(call):
    with pytest.raises(ValueError):
        call(sg.GanSpinGlass(3, 3, 1.0, 0.9, formula="published"))


def test_empty_feasible_set_is_minus_infinity(model):
    solver = model.solver()
    assert solver.sup_planes([(1.0, 0.0, -10.0), (-1.0, 0.0, -10.0)]) == -math.inf
    assert solver.sup_planes([]) == pytest.approx(model.theta(math.inf, math.inf))
