"""QuadrantSolver.suprema (batched faces and corner lines) against its reference
implementation (face by face, line by line) and against brute force.

Tolerance: the two implementations find the same local maxima, each refined to
1e-11 or better relative in position (Illinois to 1e-13 in tau, Newton steps below
1e-11), so their values agree to second order in that, far below rounding.  What is
left is rounding: the batched code evaluates a face as base + h beta . z - kq h^2/2,
the reference with the face's own quadratic; their terms reach ~1e3 here and cancel
(measured differences up to 5e-13 (1 + |Theta|) on these sets).  1e-10 (1 + |Theta|)
is well above that and far below any difference a missed or different candidate makes
(a missed maximum changes Theta by at least the resolution of the brute-force grids
below, 1e-6 and more).  Where the quadratic terms are much larger (sigma_z ~ 1e-3 or
1e2, terms up to ~1e7) the same rounding reaches 1e-9 absolute, and maxima along the
nearly flat direction of the Gaussian (curvature ratio 1e-7) are located only to that
rounding in either implementation.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan.complexity._quadrant_reference import (
    free_candidates_reference,
    sup_grid_reference,
)

SETS = {"paper": (3, 3, 1.0, 0.9), "small": (2, 1, 0.5, 0.3)}
# (k_D, k_G) from {None, 0, 1, 3}, the unconstrained case and both blocks alone.
INDICES = [(None, None), (0, 0), (1, None), (None, 1), (3, 3), (0, 3), (3, 1)]
TOL = 1e-10


@pytest.fixture(scope="module", params=list(SETS))
def model(request):
    return sg.GanSpinGlass(*SETS[request.param])


def _levels(rng, lo, hi, n):
    """Unsorted random levels with one repeated value and +inf (no constraint)."""
    u = rng.uniform(lo, hi, n)
    return np.concatenate([u, u[:1], [np.inf]])


def _close(fast, ref):
    both = np.isfinite(ref)
    assert np.array_equal(np.isfinite(fast), both)
    assert np.all(np.abs(fast[both] - ref[both]) <= TOL * (1.0 + np.abs(ref[both])))


@pytest.mark.parametrize("k_D, k_G", INDICES)
def test_grid_equals_reference(model, k_D, k_G):
    """Random (unsorted, repeated, infinite) levels: the batched grid equals the
    reference cell by cell, and each maximiser is feasible with the value found."""
    solver = model.solver(k_D, k_G)
    rng = np.random.default_rng(zlib.crc32(repr((k_D, k_G, model.p)).encode()))
    # Index-constrained critical points sit at higher losses: widen the range.
    hi = 12.0 if k_D is None and k_G is None else 30.0
    u_D, u_G = _levels(rng, -12.0, hi, 5), _levels(rng, -12.0, hi, 4)
    res = solver.suprema(u_D, u_G)
    fast, arg = res.values, res.maximisers
    ref, _ = sup_grid_reference(solver, u_D, u_G)
    _close(fast, ref)
    i, j = np.nonzero(np.isfinite(fast))
    x, x1, t = arg[:, i, j]
    d = solver.d_row @ arg[:, i, j]
    assert np.all(d <= u_D[j] + 1e-9 * (1.0 + np.abs(u_D[j])))
    assert np.all(t <= u_G[i] + 1e-9 * (1.0 + np.abs(u_G[i])))
    for k in range(i.size):  # the exponent at the maximiser, on its own face t = t_k
        value = solver.face(solver.g_row, t[k]).obj.evaluate(x[k : k + 1], x1[k : k + 1]).value
        assert abs(value[0] - fast[i[k], j[k]]) <= TOL * (1.0 + abs(fast[i[k], j[k]]))


def test_dense_grid_equals_reference_on_a_subgrid():
    """A 200 x 200 map (sheet lines far apart compared with the cells) equals the
    reference on every 25th row and column."""
    model = sg.GanSpinGlass(*SETS["paper"])
    u = np.linspace(-10.0, 10.0, 200)
    fast = model.theta_map(u, u)
    sub = np.arange(0, u.size, 25)
    ref, _ = sup_grid_reference(model.solver(), u[sub], u[sub])
    _close(fast[np.ix_(sub, sub)], ref)


@pytest.mark.parametrize("k", [(None, None), (1, 3)])
def test_theta_equals_map(k):
    """Pointwise theta and theta_map share one code path; values agree to 1e-12."""
    model = sg.GanSpinGlass(*SETS["paper"])
    u_D, u_G = np.array([-4.0, 0.5, 3.0, 25.0]), np.array([-6.0, -1.0, 2.0, 20.0])
    grid = model.theta_map(u_D, u_G, *k)
    for i, g in enumerate(u_G):
        for j, d in enumerate(u_D):
            point = model.theta(d, g, *k)
            assert abs(point - grid[i, j]) <= 1e-12 * (1.0 + abs(grid[i, j]))


def _brute(model, k, u_D, u_G, centre, half, n):
    """Max over an n x n grid of (x, x1) around ``centre`` of the exponent with t at
    its best feasible value (t = min(ell . z, u_G, (p u_D + 2x + x1) / q)): every
    grid point is feasible, so this never exceeds Theta.  Rows of the grid are
    evaluated as warm-started paths along x."""
    solver = model.solver(*k)
    obj = solver.free.obj
    c = model.constants
    xs = np.linspace(centre[0] - half, centre[0] + half, n)
    x1s = np.linspace(centre[1] - half, centre[1] + half, n)
    X, X1 = np.meshgrid(xs, x1s)
    starts = np.zeros(X.shape, dtype=bool)
    starts[:, 0] = True
    ev = obj.evaluate(X.ravel(), X1.ravel(), starts=starts.ravel(), ts=X.ravel())
    ok = obj.in_domain(X, X1)
    ell = solver.ell[0] * X + solver.ell[1] * X1
    t_max = np.minimum(u_G, (c.p * u_D + 2.0 * X + X1) / c.q)
    F = ev.value.reshape(X.shape) - 0.5 * solver.prec[2, 2] * np.maximum(0.0, ell - t_max) ** 2
    F = np.where(ok, F, -np.inf)
    i = np.unravel_index(np.argmax(F), F.shape)
    return F[i], (X[i], X1[i])


@pytest.mark.parametrize(
    "k, u",
    [
        ((None, None), (-2.135, 2.692)),
        ((None, None), (-1.129, -0.460)),
        ((None, None), (-1.779, -1.426)),
        ((None, None), (0.298, -2.835)),
        ((1, 3), (18.0, 16.0)),
        ((0, None), (14.0, 25.0)),
    ],
)
def test_never_exceeds_brute_force(k, u):
    """Brute force over nested grids (a 500-wide box, then zooms around its best
    point) never exceeds Theta, and closes in on it: the zoomed grids are feasible
    points, so Theta - brute >= 0 always, and the final gap is the grid's
    resolution (second order at a smooth maximum, first order at a kink of the
    constraint; 1e-4 bounds both at spacing 1e-4)."""
    model = sg.GanSpinGlass(*SETS["paper"])
    theta = model.theta(*u, *k)
    value, at = _brute(model, k, *u, (0.0, 0.0), 250.0, 401)
    assert value <= theta + 1e-12 * (1.0 + abs(theta))
    for half in (2.5, 0.05, 0.002):
        value, at = _brute(model, k, *u, at, half, 101)
        assert value <= theta + 1e-12 * (1.0 + abs(theta))
    assert theta - value <= 1e-4 * (1.0 + abs(theta)), (theta, value)


def test_no_fallbacks_on_the_benchmark_grid():
    """The batched iterations converge everywhere on a 100 x 100 map (a fallback to
    the reference is correct but slow), counted on the solver that made the map."""
    model = sg.GanSpinGlass(*SETS["paper"])
    u = np.linspace(-3.0, 3.0, 100)
    model.theta_map(u, u)
    assert model.solver().fallbacks == {"face": 0, "corner": 0}


@pytest.mark.parametrize(
    "params", [SETS["paper"], SETS["small"], (5, 5, 0.01, 0.5), (3, 3, 1e-3, 0.9)]
)
@pytest.mark.parametrize("k_D, k_G", [(None, None), (0, 0), (None, 1), (3, 3)])
def test_free_candidates_match_interior_maxima(params, k_D, k_G):
    """The free maxima found from the faces' curves Gamma are those of
    ``interior_maxima`` (the reference also keeps points where its Newton ascent
    stalled on the index domain's boundary, which are no critical points: only its
    points with a vanishing gradient inside the domain are required), and the best
    free value is the same."""
    solver = sg.GanSpinGlass(*params).solver(k_D, k_G)
    x, x1, _, v = solver.free_candidates
    rx, rx1, _, rv = free_candidates_reference(solver)
    assert abs(np.max(v) - np.max(rv)) <= TOL * (1.0 + abs(np.max(rv)))
    obj = solver.free.obj
    ev = obj.evaluate(rx, rx1)
    scale = obj.h0 * 24.0
    interior = (
        obj.in_domain(rx, rx1, slack=-1e-6 * scale)
        if obj.halfplanes.size
        else np.ones(rx.size, bool)
    )
    critical = np.hypot(ev.grad_x, ev.grad_x1) <= 1e-8 * (1.0 + np.abs(rv))
    for a, b in zip(rx[interior & critical], rx1[interior & critical]):
        near = np.hypot(x - a, x1 - b) <= 1e-6 * (scale + abs(a) + abs(b))
        assert near.any(), (a, b)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
def test_random_models_equal_reference(seed):
    """Random (p, q, sigma_z, kappa, k_D, k_G, d_index) and loss ranges: a 60 x 50 map
    equals the reference at a random 6 x 6 subset of its cells.  sigma_z is drawn in
    [10^-2.5, 10], where rounding stays below the tolerance (module docstring)."""
    rng = np.random.default_rng(1000 + seed)
    p, q = int(rng.integers(2, 6)), int(rng.integers(1, 5))
    sigma_z, kappa = float(10 ** rng.uniform(-2.5, 1.0)), float(rng.uniform(0.1, 0.95))
    k = [None, 0, 1, 3]
    k_D, k_G = k[rng.integers(0, 4)], k[rng.integers(0, 4)]
    d_index = ["ascent", "descent"][rng.integers(0, 2)]
    half = float([3.0, 20.0, 100.0][rng.integers(0, 3)])
    solver = sg.GanSpinGlass(p, q, sigma_z, kappa).solver(k_D, k_G, d_index=d_index)
    u_D = np.linspace(-half, half, 60) + rng.uniform(0.0, half / 60)
    u_G = np.linspace(-half, half, 50)
    fast = solver.suprema(u_D, u_G).values
    rows = np.sort(rng.choice(u_G.size, 6, replace=False))
    cols = np.sort(rng.choice(u_D.size, 6, replace=False))
    ref, _ = sup_grid_reference(solver, u_D[cols], u_G[rows])
    _close(fast[np.ix_(rows, cols)], ref)


# ----------------------------------------------------------- from_gaussian


def _gaussian_args(model):
    """The quantities from_gaussian takes, computed from the model's constants
    independently of QuadrantSolver: A = M^T K^-1 M and d's row (-2, -1, q) / p."""
    k = model.kac_rice.constants
    m = k.coordinates.loss_matrix
    return {
        "b": k.b,
        "b1": k.b1,
        "kappa": k.kappa,
        "log_constant": k.log_constant,
        "precision": m.T @ np.linalg.solve(k.cov_matrix, m),
        "d_row": np.array([-2.0, -1.0, k.q]) / k.p,
    }


@pytest.mark.parametrize("k_D, k_G", [(None, None), (0, 3), (3, 1)])
def test_from_gaussian_equals_constructor(model, k_D, k_G):
    """The same quantities give the same solver: its state and its suprema equal
    the constructor's bit for bit (both take one path, so exact equality is the
    right tolerance; a difference would mean the two set different states).

    Both solvers are fresh: a solver keeps the scans of earlier calls
    (``_quadrant_grid.Family``), and seeds from a longer scan can move a maximum
    by rounding (3.6e-14 measured), so a used solver need not agree bit for bit.
    """
    ref = sg.complexity.QuadrantSolver(model.kac_rice.constants, k_D, k_G)
    new = sg.complexity.QuadrantSolver.from_gaussian(**_gaussian_args(model), k_D=k_D, k_G=k_G)
    for name in ("prec", "d_row", "g_row", "ell"):
        np.testing.assert_array_equal(getattr(new, name), getattr(ref, name), err_msg=name)
    assert new.fallbacks == {"face": 0, "corner": 0}
    u_D, u_G = np.array([-3.0, 0.5, 20.0, np.inf]), np.array([-1.0, 2.0, -15.0, np.inf])
    a, b = new.suprema(u_D, u_G), ref.suprema(u_D, u_G)
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.maximisers, b.maximisers)
    d, g = np.array([-2.0, 0.3, 1.0]), np.array([-1.0, 0.5, 0.5])
    np.testing.assert_array_equal(new.on_losses(d, g), ref.on_losses(d, g))


@pytest.mark.parametrize(
    "change, name",
    [
        ({"b": 0.0}, "b"),
        ({"b": np.nan}, "b"),
        ({"b1": -0.1}, "b1"),
        ({"kappa": 1.0}, "kappa"),
        ({"log_constant": np.inf}, "log_constant"),
        ({"precision": np.eye(2)}, "precision"),
        ({"precision": np.eye(3) + np.triu(np.ones((3, 3)), 1)}, "precision"),
        ({"precision": np.diag([1.0, -1.0, 1.0])}, "precision"),
        ({"precision": np.full((3, 3), np.nan)}, "precision"),
        ({"d_row": np.ones(2)}, "d_row"),
        ({"d_row": np.array([1.0, 1.0, 0.0])}, "d_row"),
        ({"d_row": np.array([0.0, 0.0, 2.0])}, "d_row"),
        ({"d_index": "sideways"}, "d_index"),
    ],
)
def test_from_gaussian_rejects_bad_arguments(change, name):
    args = _gaussian_args(sg.GanSpinGlass(*SETS["small"]))
    args.update(change)
    with pytest.raises(ValueError, match=name):
        sg.complexity.QuadrantSolver.from_gaussian(**args)
