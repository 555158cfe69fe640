"""The derivation of the model's own Kac-Rice formula (docs/model.md, "The model's own
Kac-Rice formula") on explicit
spin-glass tensors: the covariances K, v_D, v_G, b, b1 of ``DerivedConstants``, the
Jacobian J' = H'(x1) - x with (x, x1) = T (l_D, l_G, rho)/N, and the finite-N prefactor
through the signed count (Poincare-Hopf)."""

import itertools
import math

import numpy as np
import pytest
from _reference import mp_c_star, mp_log_potential_quad, mp_total_at_origin

import spinglass_gan as sg
from spinglass_gan.complexity.derived import DerivedConstants


def _sym(t: np.ndarray, lead: int = 0) -> np.ndarray:
    """Symmetrise t over its axes after the first ``lead`` ones."""
    k = t.ndim - lead
    perms = list(itertools.permutations(range(lead, lead + k)))
    return sum(np.transpose(t, tuple(range(lead)) + p) for p in perms) / len(perms)


def _contract(t: np.ndarray, v: np.ndarray, k: int) -> np.ndarray:
    for _ in range(k):
        t = t @ v
    return t


class _Instance:
    """l_D = c_D X[w_D, ..., w_D], l_G = c_G Z[w, ..., w] with symmetric Gaussian tensors."""

    def __init__(self, n_D, n_G, p, q, sigma_z, rng):
        self.n_D, self.N, self.p, self.r = n_D, n_D + n_G, p, p + q
        N = self.N
        self.c_D = math.sqrt(0.5 * N ** (1 - p))
        self.c_G = math.sqrt(2 * sigma_z**2 * N ** (1 - self.r))
        self.X = _sym(rng.standard_normal((n_D,) * p))
        self.Z = _sym(rng.standard_normal((N,) * self.r))

    def values(self, w):
        w_D = w[: self.n_D]
        l_D = self.c_D * _contract(self.X, w_D, self.p)
        l_G = self.c_G * _contract(self.Z, w, self.r)
        g_D = self.p * self.c_D * _contract(self.X, w_D, self.p - 1)
        g_G = self.r * self.c_G * _contract(self.Z, w, self.r - 1)
        h_D = self.p * (self.p - 1) * self.c_D * _contract(self.X, w_D, self.p - 2)
        h_G = self.r * (self.r - 1) * self.c_G * _contract(self.Z, w, self.r - 2)
        return l_D, l_G, g_D, g_G, h_D, h_G

    def field(self, w):
        """Riemannian gradients (grad_D L_D, grad_G L_G) on the two spheres."""
        n, N = self.n_D, self.N
        _, _, g_D, g_G, _, _ = self.values(w)
        f_D = g_D - g_G[:n]
        f_G = g_G[n:]
        w_D, w_G = w[:n], w[n:]
        return np.concatenate([f_D - w_D * (w_D @ f_D) / N, f_G - w_G * (w_G @ f_G) / N])


def _tangent_basis(u, rng):
    q, _ = np.linalg.qr(np.column_stack([u, rng.standard_normal((u.size, u.size - 1))]))
    return q[:, 1:]


@pytest.mark.parametrize("n_D,n_G,p,q", [(3, 3, 2, 1), (4, 3, 3, 2), (2, 5, 2, 2)])
def test_jacobian_is_shifted_ensemble(n_D, n_G, p, q):
    """Finite-difference Jacobian of the gradient field, D rows negated, equals
    grad^2 l_G - blockdiag(grad^2 l_D, 0) - diag((x + x1) I, x I) on the tangent space,
    at arbitrary points of the product of spheres (docs/model.md, "The Jacobian")."""
    rng = np.random.default_rng(7)
    inst = _Instance(n_D, n_G, p, q, 0.8, rng)
    N, r = inst.N, inst.r
    t = DerivedConstants.from_model(p, q, 0.8, n_D / N).to_ensemble
    for _ in range(3):
        w_D = rng.standard_normal(n_D)
        w_G = rng.standard_normal(n_G)
        w = np.concatenate([w_D / np.linalg.norm(w_D), w_G / np.linalg.norm(w_G)]) * math.sqrt(N)
        e_D, e_G = _tangent_basis(w[:n_D], rng), _tangent_basis(w[n_D:], rng)
        e = np.zeros((N, N - 2))
        e[:n_D, : n_D - 1] = e_D
        e[n_D:, n_D - 1 :] = e_G

        def retract(v):
            a, b = v[:n_D], v[n_D:]
            return np.concatenate([a / np.linalg.norm(a), b / np.linalg.norm(b)]) * math.sqrt(N)

        h = 1e-5
        jac = np.column_stack(
            [
                e.T
                @ (inst.field(retract(w + h * e[:, j])) - inst.field(retract(w - h * e[:, j])))
                / (2 * h)
                for j in range(N - 2)
            ]
        )
        jac[: n_D - 1] *= -1.0
        l_D, l_G, _, g_G, h_D, h_G = inst.values(w)
        assert w @ g_G == pytest.approx(r * l_G, rel=1e-10, abs=1e-10)  # Euler
        rho = w[:n_D] @ g_G[:n_D]
        x, x1 = t @ np.array([l_D, l_G, rho]) / N
        expected = e.T @ h_G @ e - x * np.eye(N - 2)
        expected[: n_D - 1, : n_D - 1] -= e_D.T @ h_D @ e_D + x1 * np.eye(n_D - 1)
        np.testing.assert_allclose(jac, expected, atol=1e-7 * np.abs(expected).max())


def test_covariances_on_explicit_tensors():
    """(l_D, l_G, rho)/sqrt(N) has covariance K; tangent gradients v_D, v_G; tangent
    Hessians b M and b1 M1 (docs/model.md, "Covariances at one point"), at
    w = sqrt(N) (e_1, e_1)."""
    rng = np.random.default_rng(1)
    n_D, n_G, p, q, sz, S = 3, 3, 2, 1, 0.7, 40_000
    N, r = n_D + n_G, p + q
    dc = DerivedConstants.from_model(p, q, sz, n_D / N)
    X = _sym(rng.standard_normal((S, n_D, n_D)), lead=1)
    Z = _sym(rng.standard_normal((S, N, N, N)), lead=1)
    c_D, c_G = math.sqrt(dc.alpha_D * N ** (1 - p)), math.sqrt(dc.alpha_G * N ** (1 - r))
    w = np.zeros(N)
    w[0] = w[n_D] = math.sqrt(N)
    w_D = w[:n_D]
    l_D = c_D * np.einsum("sij,i,j->s", X, w_D, w_D)
    l_G = c_G * np.einsum("sijk,i,j,k->s", Z, w, w, w)
    g_D = 2 * c_D * X @ w_D
    g_G = 3 * c_G * np.einsum("sijk,j,k->si", Z, w, w)
    h_G = 6 * c_G * Z @ w
    rho = g_G[:, :n_D] @ w_D
    k_mc = np.cov(np.stack([l_D, l_G, rho]) / math.sqrt(N))
    k = dc.cov_matrix
    se = np.sqrt((k**2 + np.outer(np.diag(k), np.diag(k))) / S)
    assert np.all(np.abs(k_mc - k) < 5 * se + 1e-12)
    tan_D, tan_G = [1, 2], [n_D + 1, n_D + 2]
    grad_LD = g_D[:, tan_D] - g_G[:, tan_D]
    grad_LG = g_G[:, tan_G]
    rel = 5 * math.sqrt(2 / (2 * S))
    assert grad_LD.var(0).mean() == pytest.approx(dc.v_D, rel=rel)
    assert grad_LG.var(0).mean() == pytest.approx(dc.v_G, rel=rel)
    tan = tan_D + tan_G
    hess = h_G[:, tan][:, :, tan]
    off = np.array([hess[:, i, j] for i in range(4) for j in range(i + 1, 4)]).var(1).mean()
    assert off == pytest.approx(dc.b**2 / (2 * N), rel=5 * math.sqrt(2 / (6 * S)))
    h_D = 2 * c_D * X[:, 1:, 1:]
    assert h_D[:, 0, 1].var() == pytest.approx(dc.b1**2 / (2 * n_D), rel=5 * math.sqrt(2 / S))
    # independence of the tangent gradient from (l_D, l_G, rho)
    corr = np.corrcoef(np.column_stack([grad_LD, grad_LG, l_D, l_G, rho]).T)[:4, 4:]
    assert np.abs(corr).max() < 5 / math.sqrt(S)


def _volume(n, N):
    return 2 * math.pi ** (n / 2) * N ** ((n - 1) / 2) / math.gamma(n / 2)


@pytest.mark.parametrize("n_D,n_G,chi", [(3, 3, 4), (2, 3, 0)])
def test_signed_kac_rice_is_euler_characteristic(n_D, n_G, chi):
    """The finite-N formula (docs/model.md, "The exact formula at finite N") with det
    instead of |det| counts
    critical points with the sign of det J: chi(S^(N_D-1)) chi(S^(N_G-1))."""
    rng = np.random.default_rng(3)
    p, q, sz, S = 2, 1, 1.0, 200_000
    N = n_D + n_G
    dc = DerivedConstants.from_model(p, q, sz, n_D / N)
    v = rng.multivariate_normal(np.zeros(3), N * dc.cov_matrix, size=S)
    x, x1 = dc.to_ensemble @ v.T / N

    def goe(n, var):
        g = rng.standard_normal((S, n, n)) * math.sqrt(var)
        return (g + np.swapaxes(g, 1, 2)) / math.sqrt(2)

    j = goe(N - 2, dc.b**2 / (2 * N))
    j[:, : n_D - 1, : n_D - 1] += goe(n_D - 1, dc.b1**2 / (2 * n_D))
    i = np.arange(N - 2)
    j[:, i, i] -= x[:, None]
    j[:, i[: n_D - 1], i[: n_D - 1]] -= x1[:, None]
    det = np.linalg.det(j) * (-1) ** (n_D - 1)
    pref = (
        _volume(n_D, N)
        * _volume(n_G, N)
        * (2 * math.pi) ** (-(N - 2) / 2)
        * dc.v_D ** (-(n_D - 1) / 2)
        * dc.v_G ** (-(n_G - 1) / 2)
    )
    mean, se = pref * det.mean(), pref * det.std() / math.sqrt(S)
    assert abs(mean - chi) < 5 * se
    assert se < 0.15 * max(chi, 1)


@pytest.mark.parametrize("params", [(3, 3, 1.0, 0.9), (2, 1, 0.5, 0.5), (5, 2, 0.1, 0.3)])
def test_c_star_equals_its_closed_form(params):
    """C* against its closed form in mpmath (50 digits), with v_D and v_G written out
    from alpha_D = 1/2, alpha_G = 2 sigma_z^2 in the reference, not taken from the
    constants.  Tolerance 1e-14 relative: C* is a sum of five logarithms of O(1)-O(10)
    in double precision (rounding ~1e-15).  A wrong term (the 1/2 of Stirling, the
    alpha_D p in v_D: (kappa/2) log(385.5/384) = 1.8e-3 here, log1p vs log) fails."""
    dc = DerivedConstants.from_model(*params)
    exact = float(mp_c_star(*params))
    assert dc.log_constant == pytest.approx(exact, rel=1e-14, abs=1e-15)


def test_total_complexity_anchor():
    """(3, 3, 1, 0.9): the total complexity is C* + L(0; 0) = 0.620196..., from mpmath:
    C* from its closed form and L(0; 0) both from the closed form of the log-potential
    with the Dyson solution of an mpmath quartic and from an mpmath quadrature of
    log|lambda| against the density (no package kernel in either).  v = 0 is a local
    maximum of L(T v) - v^T K^(-1) v / 2 (random perturbations are lower) and the
    value is below Bezout's log(r - 1).  The package's Theta agrees to 1e-12 (double
    rounding of terms of size ~3); the two mpmath values to 1e-10 (the quadrature's
    own accuracy at 20 digits)."""
    dc = DerivedConstants.from_model(3, 3, 1.0, 0.9)
    model = sg.GanSpinGlass(3, 3, 1.0, 0.9)
    exact = float(mp_total_at_origin(3, 3, 1.0, 0.9))
    quad = float(mp_c_star(3, 3, 1.0, 0.9)) + float(
        mp_log_potential_quad(dc.b, dc.b1, dc.kappa, 0.0, 0.0)
    )
    assert quad == pytest.approx(exact, abs=1e-10)
    assert abs(exact - 0.620) < 5e-4  # the published anchor, 0.620
    assert model.theta(math.inf, math.inf) == pytest.approx(exact, abs=1e-12)
    k_inv = np.linalg.inv(dc.cov_matrix)

    def objective(v):
        x, x1 = dc.to_ensemble @ v
        return float(model.ensemble(x1).log_potential(np.array([x]))[0]) - v @ k_inv @ v / 2

    total = dc.log_constant + objective(np.zeros(3))
    assert total == pytest.approx(exact, abs=1e-12)
    assert total < math.log(5)
    rng = np.random.default_rng(0)
    for _ in range(20):
        v = rng.standard_normal(3) * np.sqrt(np.diag(dc.cov_matrix)) * 0.05
        assert objective(v) < objective(np.zeros(3))
    t = dc.to_ensemble[0]
    assert t @ dc.cov_matrix @ t == pytest.approx(6 * 7 * 2**5, rel=1e-14)  # N Var(x) = 1344
