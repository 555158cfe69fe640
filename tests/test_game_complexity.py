"""Asymptotic complexity of games from plain arrays: the pure p-spin glass (Auffinger,
Ben Arous and Cerny), the paper's model against its derived numbers, and brute force
for general K = 2 and K = 3 members."""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
from scipy import optimize

import spinglass_gan as sg
from spinglass_gan.complexity.derived import DerivedConstants
from spinglass_gan.complexity.game_complexity import GameComplexity
from spinglass_gan.rmt.kblock import log_potential_shifts

# ---------------------------------------------------------------- a game builder


def _moments(poly: dict, k: int):
    """xi(1), d_s xi(1) and d_s d_t xi(1) of xi(R) = sum_a c R_1^a_1 ... R_K^a_K."""
    v, d1, d2 = 0.0, np.zeros(k), np.zeros((k, k))
    for a, c in poly.items():
        a = np.asarray(a, dtype=float)
        v += c
        d1 += c * a
        d2 += c * (np.outer(a, a) - np.diag(a))
    return v, d1, d2


def build_game(own, shared, eps, kappa):
    """(profile, kappa, C*, G) of a game from its covariances, written out here
    independently of the package: own[s] = {degree: coefficient} (xi_s),
    shared = {(a_1, .., a_K): coefficient} (xi_h), eps the signs.

    Per field F: Var F = xi, Cov(F, rho_s) = d_s xi, Cov(rho_s, rho_t) =
    d_s d_t xi + [s = t] d_s xi (at R = 1); fields independent.  Shifts
    x_s = eps_s rho_s^(f_s) + rho_s^h, losses L_s = f_s + eps_s h;
    sigma_st = d_s d_t (xi_s [s = t] + xi_h) (second derivative on the diagonal),
    v_s = d_s (xi_s + xi_h), C* = 1/2 - sum kappa_s log(kappa_s v_s) / 2.
    """
    k = len(kappa)
    polys = [
        {tuple(d if t == s else 0 for t in range(k)): c for d, c in own[s].items()}
        for s in range(k)
    ]
    polys.append(shared)
    n = k + 1
    cov = np.zeros((n * len(polys), n * len(polys)))
    sigma, v = np.zeros((k, k)), np.zeros(k)
    for i, poly in enumerate(polys):
        val, d1, d2 = _moments(poly, k)
        blk = np.zeros((n, n))
        blk[0, 0] = val
        blk[0, 1:] = blk[1:, 0] = d1
        blk[1:, 1:] = d2 + np.diag(d1)
        cov[i * n : (i + 1) * n, i * n : (i + 1) * n] = blk
        sigma += d2
        v += d1
    a = np.zeros((2 * k, cov.shape[0]))
    h0 = k * n
    for s in range(k):
        a[s, s * n + 1 + s] = eps[s]
        a[s, h0 + 1 + s] = 1.0
        a[k + s, s * n] = 1.0
        a[k + s, h0] = eps[s]
    kap = np.asarray(kappa, dtype=float)
    cstar = 0.5 - 0.5 * float(np.sum(kap * np.log(kap * v)))
    return sigma, kap, cstar, a @ cov @ a.T


def paper_game(p, q, sigma_z, kappa) -> GameComplexity:
    """The paper's model through the interface: x_D = x + x1 = h - p a, x_G = x =
    r g - h, ell_D = a - g, ell_G = g for (a, g, h) = (l_D, l_G, rho) / N of
    covariance K; profile [[a + c / kappa, a], [a, a]]."""
    k = DerivedConstants.from_model(p, q, sigma_z, kappa)
    r = p + q
    m = np.array([[-p, 0, 1], [0, r, -1], [1, -1, 0], [0, 1, 0]], dtype=float)
    a, c = 0.5 * k.b**2, 0.5 * k.b1**2
    prof = [[a + c / kappa, a], [a, a]]
    return GameComplexity(prof, [kappa, 1 - kappa], k.log_constant, m @ k.cov_matrix @ m.T)


PAPER_SETS = [(3, 3, 1.0, 0.9), (2, 1, 0.5, 0.5), (4, 2, 1.0, 0.3)]
BIPARTITE = build_game([{3: 0.5}, {}], {(3, 2): 1.0}, [-1, 1], [0.5, 0.5])
MIXED = build_game([{2: 0.3, 3: 0.5}, {2: 0.2}], {(2, 1): 1.0, (1, 1): 0.3}, [-1, 1], [0.4, 0.6])
K3 = build_game(
    [{2: 0.4, 3: 0.2}, {2: 0.3}, {3: 0.3, 2: 0.1}],
    {(1, 1, 1): 0.5, (2, 1, 0): 0.2},
    [1, -1, 1],
    [0.3, 0.3, 0.4],
)


# ----------------------------------------------------------- K = 1: p-spin glass


def _abc_total(p: int, u: float) -> float:
    """Auffinger-Ben Arous-Cerny total complexity of the pure spherical p-spin glass
    below energy u (E_inf = 2 sqrt((p-1)/p)), in mpmath."""
    with mpmath.workdps(30):
        u = mpmath.mpf(u)
        einf = 2 * mpmath.sqrt(mpmath.mpf(p - 1) / p)
        base = mpmath.log(p - 1) / 2
        if u >= 0:
            return float(base)
        quad = base - (p - 2) * u * u / (4 * (p - 1))
        if u >= -einf:
            return float(quad)
        root = mpmath.sqrt(u * u - einf * einf)
        rate = -u * root / einf**2 - mpmath.log(-u + root) + mpmath.log(einf)
        return float(quad - rate)


def _ground_state(p: int) -> float:
    """E_0: the zero of the ABC total complexity below -E_inf."""
    einf = 2 * math.sqrt((p - 1) / p)
    return -optimize.brentq(lambda u: _abc_total(p, u), -3.0, -einf, xtol=1e-14)


def pspin(p: int) -> GameComplexity:
    """K = 1, xi = R^p: sigma = p (p - 1), v = p, C* = 1/2 - log(p) / 2, and
    x = rho / N = p ell exactly (Euler), Var ell = 1: G = [[p^2, p], [p, 1]]."""
    return GameComplexity([[p * (p - 1.0)]], [1.0], 0.5 - 0.5 * math.log(p), [[p * p, p], [p, 1]])


@pytest.mark.parametrize("p", [3, 4, 5])
def test_pspin_total_and_ground_state(p):
    game = pspin(p)
    assert game.rank == 1
    # the supremum at ell = 0 is the closed form (1/2) log(p - 1) to rounding
    assert abs(game.total() - 0.5 * math.log(p - 1)) < 1e-12
    e0 = _ground_state(p)
    assert abs(e0 - {3: 1.6570, 4: 1.7941, 5: 1.8880}[p]) < 5e-5  # the quoted 4 digits
    (low,) = game.lowest_losses(xtol=1e-11)
    assert abs(low + e0) < 1e-8


@pytest.mark.parametrize("p", [3, 4])
def test_pspin_theta_against_abc(p):
    """Theta(u) on a grid of u through the threshold and the ground state: the
    closed form to 1e-9 (the exponent is the semicircle's closed form; the 1-d
    supremum converges to 1e-11)."""
    game = pspin(p)
    for u in np.linspace(-2.4, 0.6, 13):
        assert abs(game.theta([u]) - _abc_total(p, u)) < 1e-9, u
    # the complexity at exactly energy u (no supremum: x = p u) is symmetric in u
    for u in (-2.0, -1.0, 0.3, 1.9):
        assert abs(game.sigma([u]) - _abc_total(p, -abs(u))) < 1e-10, u
    assert game.theta([-5.0]) < game.theta([-2.0]) < game.theta([-1.0])


def test_pspin_exponent_off_range():
    game = pspin(3)
    assert game.exponent([[0.3]], [[0.2]])[0] == -np.inf  # x != 3 ell: off range(G)
    assert abs(game.exponent([[0.3]], [[0.1]])[0] - game.sigma([0.1])) < 1e-12


# ----------------------------------------------------------- the paper's model


@pytest.mark.parametrize("params", PAPER_SETS)
def test_paper_model_matches_derived_numbers(params):
    game = paper_game(*params)
    model = sg.GanSpinGlass(*params)
    assert game._quadrant is not None and game.rank == 3
    for u in [(np.inf, np.inf), (0.0, 0.0), (-1.0, 0.5), (-5.0, -2.0), (np.inf, -1.0)]:
        assert abs(game.theta(u) - model.theta(*u)) < 1e-10, u
    u_d, u_g = np.linspace(-3, 1, 7), np.linspace(-2, 1.5, 5)
    np.testing.assert_allclose(game.theta_map(u_d, u_g), model.theta_map(u_d, u_g), atol=1e-10)
    for ell in [(0.0, 0.0), (-1.0, 0.5), (0.7, -3.0)]:
        assert abs(game.sigma(ell) - model.complexity_at(*ell)) < 1e-10, ell


@pytest.mark.parametrize("params", PAPER_SETS[:2])
def test_paper_model_general_path(params):
    """The general face-by-face path on the same arrays gives the same numbers
    (1e-9: BFGS stops at gradient 1e-11 on functions of size 1-50)."""
    game = paper_game(*params)
    game._quadrant = None
    model = sg.GanSpinGlass(*params)
    for u in [(np.inf, np.inf), (-1.0, 0.5), (-5.0, -2.0)]:
        assert abs(game.theta(u) - model.theta(*u)) < 1e-9, u
    assert abs(game.sigma([0.7, -3.0]) - model.complexity_at(0.7, -3.0)) < 1e-9


def test_builder_reproduces_the_paper_covariance():
    p, q, sz, kap = 3, 2, 0.7, 0.6
    r = p + q
    shared = {(i, r - i): 2 * sz * sz * math.comb(r, i) for i in range(r + 1)}
    prof, _, cstar, cov = build_game([{p: 0.5}, {}], shared, [-1, 1], [kap, 1 - kap])
    ref = paper_game(p, q, sz, kap)
    np.testing.assert_allclose(cov, ref.cov, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(prof, ref.profile, rtol=1e-13)
    assert abs(cstar - ref.log_constant) < 1e-13


def test_paper_model_lowest_losses():
    game = paper_game(3, 3, 1.0, 0.9)
    low = sg.lowest_losses(sg.GanSpinGlass(3, 3, 1.0, 0.9))
    np.testing.assert_allclose(game.lowest_losses(), [low.u_D_min, low.u_G_min], atol=1e-8)


# ------------------------------------------------------- brute force, K = 2, 3


def _inner_qp(nu, prec, u):
    """min over ell <= u of (ell - nu)^T prec (ell - nu), prec positive definite,
    by enumerating active sets (vectorised over rows of nu)."""
    k = u.size
    best = np.full(nu.shape[0], np.inf)
    finite = [s for s in range(k) if np.isfinite(u[s])]  # an infinite level binds nothing
    for n in range(len(finite) + 1):
        for act in itertools.combinations(finite, n):
            a = list(act)
            b = [s for s in range(k) if s not in act]
            d_a = u[a][None, :] - nu[:, a]
            if b:
                pbb = prec[np.ix_(b, b)]
                ell_b = nu[:, b] - d_a @ np.linalg.solve(pbb, prec[np.ix_(b, a)]).T
                ok = np.all(ell_b <= u[b] + 1e-12, axis=1)
                schur = prec[np.ix_(a, a)] - prec[np.ix_(a, b)] @ np.linalg.solve(
                    pbb, prec[np.ix_(b, a)]
                )
            else:
                ok = np.ones(nu.shape[0], dtype=bool)
                schur = prec
            val = np.einsum("ni,ij,nj->n", d_a, schur, d_a) if a else np.zeros(nu.shape[0])
            best = np.where(ok, np.minimum(best, val), best)
    return best


def _brute_theta(member, u, box, n):
    """sup over x of L(x) - x^T Gxx^-1 x / 2 - QP(x) / 2 + C* on a grid of n^K points
    in the box (full-rank G), then Nelder-Mead from the best grid point."""
    prof, kap, cstar, cov = member
    k = kap.size
    gxx, gxl, gll = cov[:k, :k], cov[:k, k:], cov[k:, k:]
    pxx = np.linalg.inv(gxx)
    reg = gxl.T @ pxx
    prec = np.linalg.inv(gll - reg @ gxl)

    def f(x):
        x = np.atleast_2d(x)
        q = _inner_qp(x @ reg.T, prec, u)
        lv = log_potential_shifts(prof, kap, x)
        return cstar + lv - 0.5 * np.einsum("ni,ij,nj->n", x, pxx, x) - 0.5 * q

    axes = [np.linspace(lo, hi, n) for lo, hi in box]
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, k)
    vals = f(mesh)
    x0 = mesh[np.argmax(vals)]
    res = optimize.minimize(
        lambda x: -f(x)[0], x0, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14}
    )
    return max(-res.fun, vals.max())


@pytest.mark.parametrize("u", [(np.inf, np.inf), (-0.3, 0.2), (0.4, -0.6), (-1.0, -0.5)])
def test_k2_mixed_against_brute_force(u):
    """A full-rank K = 2 member (mixed own fields, two shared monomials): Theta
    against a grid over x with the loss QP in closed form, polished by Nelder-Mead
    (agreement 1e-8: the polished brute force is exact to ~1e-10 in value)."""
    game = GameComplexity(*MIXED)
    assert game.rank == 4 and game._quadrant is None
    u = np.array(u)
    sd = np.sqrt(np.diag(MIXED[3])[:2])
    box = [(-5 * s, 5 * s) for s in sd]
    assert abs(game.theta(u) - _brute_theta(MIXED, u, box, 201)) < 1e-8


def test_k2_pure_bipartite_is_determined_by_losses():
    """Pure bipartite fields: x is a linear function of the losses (rank 2), so
    Sigma(ell) is the exponent at that point with no supremum, and Theta is the
    supremum of Sigma over the quadrant (checked on a grid of ell, polished)."""
    game = GameComplexity(*BIPARTITE)
    assert game.rank == 2
    # x_D = -p ell_D, x_G = q ell_G
    for ell in [(-0.5, 0.2), (0.3, -1.0)]:
        x = np.array([-3.0 * ell[0], 2.0 * ell[1]])
        assert abs(game.sigma(ell) - game.exponent(x, np.array(ell))) < 1e-12

    def sig(e):
        e = np.atleast_2d(e)
        return game.exponent(e * np.array([-3.0, 2.0]), e)

    for u in [(-0.5, 0.2), (0.3, -1.0), (-1.2, 1.0)]:
        a, b = np.meshgrid(np.linspace(u[0] - 3, u[0], 301), np.linspace(u[1] - 3, u[1], 301))
        grid = np.stack([a.ravel(), b.ravel()], -1)
        vals = sig(grid)
        e0 = grid[np.argmax(vals)]
        cons = {"type": "ineq", "fun": lambda e, u=u: np.asarray(u) - e}
        res = optimize.minimize(
            lambda e: -sig(e)[0],
            e0,
            constraints=[cons],
            method="SLSQP",
            options={"ftol": 1e-15, "maxiter": 500},
        )
        brute = max(vals.max(), -res.fun)
        assert abs(game.theta(u) - brute) < 1e-8, u


@pytest.mark.heavy
def test_k3_against_brute_force():
    """K = 3 (faces of dimension up to 3: grids of 41^3 and BFGS) against a 61^3
    grid with the loss QP by active sets, polished (1e-7)."""
    game = GameComplexity(*K3)
    assert game.rank == 6
    sd = np.sqrt(np.diag(K3[3])[:3])
    box = [(-4 * s, 4 * s) for s in sd]
    for u in [(np.inf, np.inf, np.inf), (0.0, -0.3, 0.2)]:
        u = np.array(u)
        assert abs(game.theta(u) - _brute_theta(K3, u, box, 61)) < 1e-7, u


@pytest.mark.parametrize(
    ("member", "u1", "u2"),
    [
        (MIXED, [-0.6, 0.0, 0.5], [-0.4, 0.3]),
        (BIPARTITE, [-3.0, -1.0, -0.2, 0.4, 2.0], [-2.5, -0.7, 0.0, 1.0]),
    ],
)
def test_theta_map_equals_pointwise_and_is_monotone(member, u1, u2):
    """The map shares faces between cells and skips corners that cannot win; each
    cell must still equal the pointwise supremum (to rounding: the same maxima)."""
    game = GameComplexity(*member)
    u1, u2 = np.array(u1), np.array(u2)
    tm = game.theta_map(u1, u2)
    assert tm.shape == (u2.size, u1.size)
    for i, b in enumerate(u2):
        for j, a in enumerate(u1):
            assert abs(tm[i, j] - game.theta([a, b])) <= 1e-12 * (1.0 + abs(tm[i, j]))
    assert np.all(np.diff(tm, axis=0) >= -1e-12) and np.all(np.diff(tm, axis=1) >= -1e-12)


def test_bad_arguments():
    prof, kap, cstar, cov = MIXED
    with pytest.raises(ValueError, match="cov"):
        GameComplexity(prof, kap, cstar, cov[:3, :3])
    with pytest.raises(ValueError, match="cov"):
        GameComplexity(prof, kap, cstar, -cov)
    with pytest.raises(ValueError, match="log_constant"):
        GameComplexity(prof, kap, np.nan, cov)
    game = GameComplexity(prof, kap, cstar, cov)
    with pytest.raises(ValueError, match="u"):
        game.theta([0.0])
    with pytest.raises(ValueError, match="ell"):
        game.sigma([np.inf, 0.0])
    with pytest.raises(ValueError, match="K = 2"):
        pspin(3).theta_map([0.0], [0.0])


K4 = build_game(
    [{2: 0.3}, {2: 0.2, 3: 0.1}, {3: 0.3}, {2: 0.25}],
    {(1, 1, 1, 1): 0.4, (2, 0, 0, 1): 0.1},
    [1, 1, -1, 1],
    [0.2, 0.3, 0.25, 0.25],
)


def test_k4_total_against_brute_force():
    """K = 4: the free face has dimension 4 (a 15^4 grid and BFGS); the total
    complexity against a 17^4 grid over x polished by Nelder-Mead (1e-7)."""
    game = GameComplexity(*K4)
    sd = np.sqrt(np.diag(K4[3])[:4])
    box = [(-4 * s, 4 * s) for s in sd]
    u = np.full(4, np.inf)
    assert abs(game.theta(u) - _brute_theta(K4, u, box, 17)) < 1e-7


@pytest.mark.parametrize("eps", [(1, 1), (1, -1)])
def test_paper_form_with_other_signs_both_paths(eps):
    """Cooperative and sign-flipped versions of the paper's fields keep its profile
    and a rank-3 G (the D loss's t-coefficient is negative for (1, 1)): the quadrant
    machinery and the general face-by-face path agree (1e-9), pointwise and on a map."""
    p, q, sz, kap = 3, 2, 0.7, 0.6
    r = p + q
    shared = {(i, r - i): 2 * sz * sz * math.comb(r, i) for i in range(r + 1)}
    member = build_game([{p: 0.5}, {}], shared, list(eps), [kap, 1 - kap])
    fast, general = GameComplexity(*member), GameComplexity(*member)
    general._quadrant = None
    assert fast._quadrant is not None
    for u in [(np.inf, np.inf), (-1.0, 0.5), (0.5, -1.0), (-2.0, -2.0)]:
        assert abs(fast.theta(u) - general.theta(u)) < 1e-9, u
    assert abs(fast.sigma([0.3, -0.4]) - general.sigma([0.3, -0.4])) < 1e-9
    u1, u2 = np.linspace(-3.0, 1.0, 4), np.linspace(-2.0, 0.5, 3)
    np.testing.assert_allclose(fast.theta_map(u1, u2), general.theta_map(u1, u2), atol=1e-9)


@pytest.mark.parametrize("member", [MIXED, K3])
def test_batched_corners_equal_face_search(member):
    """Sigma at many losses searched together (shared grid and vectorised Newton)
    equals the face-by-face search (BFGS) to 1e-10 at random loss vectors."""
    game = GameComplexity(*member)
    ells = np.random.default_rng(4).uniform(-2.5, 1.0, size=(6, game.K))
    together = game._sigma_many(ells)
    one_by_one = np.array([game.sigma(e) for e in ells])
    np.testing.assert_allclose(together, one_by_one, atol=1e-10, rtol=0)
