"""Asymptotic complexity of a spherical spin-glass game from plain arrays.

A game with K species is described here by four arrays: the variance profile
sigma (K, K) and shares kappa (K,) of its Hessian's Gaussian part (module
:mod:`spinglass_gan.kblock`), the constant C* of its Kac-Rice prefactor (per N),
and the covariance G (2K, 2K) of the Gaussian vector y = (x, ell): the K shifts
x of the Hessian blocks and the K losses ell = L / N.  G may be singular (pure
fields tie shifts to losses); the exponent lives on range(G):

    F(x, ell) = C* + L(x) - y^T G^+ y / 2,   y = (x, ell) in range(G),

L the log-potential of the K-block spectral law.  The complexities are

    Sigma(ell) = sup { F(x, ell) : (x, ell) in range(G) }          (losses exactly ell)
    Theta(u)   = sup { F(x, ell) : (x, ell) in range(G), ell <= u } (u entries may be +inf).

How the suprema are taken (docs/theory.md, "The asymptotic supremum of a game"):

* range(G) is written as y = W v with W = V diag(sqrt(lambda)) (the positive
  eigenpairs of G), so y^T G^+ y = |v|^2.
* The supremum over the polyhedron {ell <= u} is attained (L grows like a
  logarithm, the quadratic like a square) at a point whose active constraints
  A (the losses with ell_s = u_s) make it a local maximum of F restricted to the
  affine face {ell_A = u_A}.  On that face v = v_A + Q t with v_A the least-norm
  solution and Q an orthonormal basis of the directions that move x (moving
  only losses costs without gain), so F = C* - |v_A|^2 / 2 + L(mu + M t) - |t|^2/2:
  a smooth function of e <= K variables.  Every local maximum of it is found
  (a grid over a ball that provably holds all of them, each grid maximum refined
  by BFGS with the exact gradient -kappa_s Re m_s), kept if feasible for the
  inactive losses, and Theta is the largest over all 2^K faces.
* Sigma is the face with every loss active.
* K = 2 members whose profile has the paper's form (sigma_12 = sigma_22) and
  whose G has rank 3 with the D loss depending on the G loss use the package's
  exact quadrant machinery (:class:`~spinglass_gan.quadrant.QuadrantSolver`)
  instead, which gives the model's derived numbers unchanged.

Not computed here: index-constrained complexities of general members (their
block outliers need the K-block analogue of the single-GOE rate).
"""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from . import _validation as val
from .kblock import log_potential_gradient, spectral_radius_bound, validate_profile

__all__ = ["GameComplexity"]

_RANK_RTOL = 1e-12  # eigenvalues of G below this fraction of the largest are zero
_FEASIBLE_ATOL = 1e-10  # slack (relative to 1 + |u|) of an inactive loss constraint
_GRID = {1: 4001, 2: 241, 3: 41}  # grid points per axis by face dimension
_STARTS = 400  # random starts of the multistart search for faces of dimension >= 4


def _orth(a: NDArray, rtol: float = 1e-12) -> NDArray:
    """Orthonormal basis (columns) of the column space of a."""
    if a.size == 0:
        return np.zeros((a.shape[0], 0))
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    return u[:, s > rtol * max(s.max(), 1e-300)]


def _null(a: NDArray, n: int, rtol: float = 1e-12) -> NDArray:
    """Orthonormal basis (columns) of the null space of a (rows x n)."""
    if a.shape[0] == 0:
        return np.eye(n)
    _, s, vt = np.linalg.svd(a, full_matrices=True)
    rank = int(np.sum(s > rtol * max(s.max(), 1e-300)))
    return vt[rank:].T


class _Face:
    """F on {ell_A = u_A}: F = const + L(mu + M t) - |t|^2 / 2, with (x, ell) affine in t."""

    def __init__(self, game: GameComplexity, active: tuple[int, ...], u_a: NDArray) -> None:
        k = game.K
        al_a = game._Al[list(active)]
        if active:
            v0 = np.linalg.lstsq(al_a, u_a, rcond=None)[0]
            self.ok = bool(np.allclose(al_a @ v0, u_a, rtol=1e-9, atol=1e-9))
        else:
            v0, self.ok = np.zeros(game._Al.shape[1]), True
        q = _null(al_a, game._Al.shape[1])
        # Only directions that move x: the rest lowers F and leaves x alone.
        r = _orth((game._Ax @ q).T)
        self.basis = q @ r  # (r, e), orthonormal columns
        self.v0 = v0
        self.mu = game._Ax @ v0
        self.M = game._Ax @ self.basis
        self.const = game.log_constant - 0.5 * float(v0 @ v0)
        self.game = game
        self.e = self.basis.shape[1]
        del k

    def g(self, t: NDArray) -> tuple[NDArray, NDArray]:
        """L(mu + M t) - |t|^2 / 2 and its gradient, t of shape (n, e)."""
        x = self.mu[None, :] + t @ self.M.T
        lv, grad = log_potential_gradient(self.game.profile, self.game.kappa, x)
        return lv - 0.5 * np.sum(t * t, axis=1), grad @ self.M - t

    def losses(self, t: NDArray) -> NDArray:
        return (self.v0[None, :] + t @ self.basis.T) @ self.game._Al.T

    def shifts(self, t: NDArray) -> NDArray:
        return self.mu[None, :] + t @ self.M.T

    def radius(self) -> float:
        """A radius in t holding every point where g >= g(0).

        L(x) <= log(|x|_inf + R) with R the spectral-radius bound of W, so
        g(t) >= g(0) needs |t|^2 / 2 <= log(|mu|_inf + |M| |t| + R) - L(mu).
        """
        g0 = float(self.g(np.zeros((1, self.e)))[0][0])
        a = float(np.abs(self.mu).max()) + self.game._radius
        b = float(np.linalg.norm(self.M, 2))
        t = 1.0
        for _ in range(200):
            new = math.sqrt(max(2.0 * (math.log(a + b * t) - g0), 0.0))
            if abs(new - t) <= 1e-12 * (1.0 + t):
                break
            t = new
        return 1.05 * t + 1e-9

    def maxima(self) -> tuple[NDArray, NDArray]:
        """All local maxima (t, g) of g found by grid and BFGS (e <= 3) or multistart."""
        e = self.e
        if e == 0:
            t = np.zeros((1, 0))
            return t, self.g(t)[0]
        rad = self.radius()
        if e <= 3:
            axis = np.linspace(-rad, rad, _GRID[e])
            mesh = np.stack(np.meshgrid(*([axis] * e), indexing="ij"), axis=-1).reshape(-1, e)
            inside = np.sum(mesh * mesh, axis=1) <= rad * rad
            vals = np.full(mesh.shape[0], -np.inf)
            vals[inside] = self.g(mesh[inside])[0]
            starts = mesh[_grid_maxima(vals.reshape((axis.size,) * e))]
        else:
            rng = np.random.default_rng(0)
            d = rng.normal(size=(_STARTS, e))
            d *= (rad * rng.random(_STARTS) ** (1.0 / e) / np.linalg.norm(d, axis=1))[:, None]
            starts = np.vstack((np.zeros((1, e)), d))
        return self._refine(starts)

    def _refine(self, starts: NDArray) -> tuple[NDArray, NDArray]:
        ts, gs = [], []
        for t0 in starts:
            res = optimize.minimize(
                lambda t: tuple(-a[0] for a in self.g(t[None, :])),
                t0,
                jac=True,
                method="BFGS",
                options={"gtol": 1e-11, "maxiter": 500},
            )
            t = res.x if -res.fun >= float(self.g(t0[None, :])[0][0]) else t0
            ts.append(t)
            gs.append(float(self.g(t[None, :])[0][0]))
        t, gv = np.array(ts), np.array(gs)
        keep = []
        for i in np.argsort(-gv):
            if all(np.linalg.norm(t[i] - t[j]) > 1e-6 * (1.0 + np.linalg.norm(t[i])) for j in keep):
                keep.append(i)
        return t[keep], gv[keep]


def _grid_maxima(vals: NDArray) -> NDArray:
    """Flat indices of grid points not below any neighbour (all 3^e - 1), finite."""
    e = vals.ndim
    pad = np.pad(vals, 1, constant_values=-np.inf)
    ok = np.isfinite(vals)
    centre = tuple(slice(1, -1) for _ in range(e))
    for off in itertools.product((-1, 0, 1), repeat=e):
        if any(off):
            sl = tuple(slice(1 + o, pad.shape[i] - 1 + o) for i, o in enumerate(off))
            ok &= pad[centre] >= pad[sl]
    idx = np.flatnonzero(ok.ravel())
    if idx.size > 64:  # a flat plateau: the best few suffice to seed BFGS
        idx = idx[np.argsort(-vals.ravel()[idx])[:64]]
    return idx


class GameComplexity:
    """Sigma and Theta of a K-species game from (profile, kappa, C*, G).

    Parameters
    ----------
    profile : array_like, shape (K, K)
        Variance profile sigma of the Hessian's Gaussian part (symmetric, >= 0).
    kappa : array_like, shape (K,)
        Species shares, positive, summing to 1.
    log_constant : float
        C*, the Kac-Rice prefactor per N.
    cov : array_like, shape (2K, 2K)
        Covariance G of (x_1..x_K, ell_1..ell_K) (shifts, losses per N, in units
        where the Gaussian weight is exp(-N y^T G^+ y / 2)); symmetric positive
        semi-definite, possibly singular.
    """

    def __init__(
        self, profile: ArrayLike, kappa: ArrayLike, log_constant: float, cov: ArrayLike
    ) -> None:
        self.profile, self.kappa = validate_profile(profile, kappa)
        self.K = k = self.kappa.size
        self.log_constant = val.real_scalar("log_constant", log_constant)
        g = val.finite_array("cov", cov, ndim=2)
        if g.shape != (2 * k, 2 * k) or not np.allclose(g, g.T, rtol=1e-12, atol=0.0):
            raise ValueError(f"cov must be a symmetric {2 * k} x {2 * k} matrix")
        g = 0.5 * (g + g.T)
        lam, vec = np.linalg.eigh(g)
        top = float(lam.max()) if lam.size else 0.0
        if top <= 0.0 or lam.min() < -1e-9 * top:
            raise ValueError("cov must be positive semi-definite and not zero")
        keep = lam > _RANK_RTOL * top
        self.cov = g
        self.rank = int(keep.sum())
        w = vec[:, keep] * np.sqrt(lam[keep])[None, :]
        self._Ax, self._Al = w[:k], w[k:]
        self._radius = spectral_radius_bound(self.profile, self.kappa)
        self._pinv = np.linalg.pinv(g, rcond=_RANK_RTOL, hermitian=True)
        self._quadrant = _paper_shape(self) if k == 2 else None

    # ----------------------------------------------------------- the exponent
    def in_range(self, x: ArrayLike, ell: ArrayLike) -> NDArray[np.bool_]:
        """Whether (x, ell) lies in range(G) (to 1e-9 relative)."""
        y = np.concatenate(np.broadcast_arrays(np.asarray(x, float), np.asarray(ell, float)), -1)
        proj = y @ (self._pinv @ self.cov)
        return np.all(np.abs(proj - y) <= 1e-9 * (1.0 + np.abs(y)), axis=-1)

    def exponent(self, x: ArrayLike, ell: ArrayLike) -> NDArray[np.float64]:
        """F(x, ell) = C* + L(x) - y^T G^+ y / 2 (per N), -inf off range(G).

        x and ell have shape (..., K); the result has shape (...).
        """
        x = val.finite_array("x", x)
        ell = val.finite_array("ell", ell)
        x, ell = np.broadcast_arrays(x, ell)
        if x.shape[-1] != self.K:
            raise ValueError(f"x and ell must have shape (..., {self.K})")
        y = np.concatenate((x, ell), axis=-1)
        lv, _ = log_potential_gradient(self.profile, self.kappa, x)
        quad = np.einsum("...i,ij,...j->...", y, self._pinv, y)
        out = self.log_constant + lv - 0.5 * quad
        return np.where(self.in_range(x, ell), out, -np.inf)

    # -------------------------------------------------------------- suprema
    def _face_candidates(self, active: tuple[int, ...], u: NDArray) -> list[tuple[float, NDArray]]:
        """Feasible local maxima (value, (x, ell)) of F on the face {ell_A = u_A}."""
        face = _Face(self, active, u[list(active)])
        if not face.ok:
            return []
        t, gv = face.maxima()
        ell = face.losses(t)
        x = face.shifts(t)
        inactive = [s for s in range(self.K) if s not in active]
        out = []
        for i in range(gv.size):
            slack = u[inactive] - ell[i, inactive]
            if np.all(slack >= -_FEASIBLE_ATOL * (1.0 + np.abs(u[inactive]))):
                out.append((face.const + float(gv[i]), np.concatenate((x[i], ell[i]))))
        return out

    def theta(self, u: ArrayLike, *, return_argmax: bool = False):
        """Theta(u) = sup of F over (x, ell) in range(G) with ell <= u.

        Parameters
        ----------
        u : array_like, shape (K,)
            Loss levels per N; +inf removes a bound.
        return_argmax : bool
            Also return the maximiser y = (x, ell) (NaN if infeasible).

        Returns
        -------
        float
            Theta (log number of critical points per N); -inf if no point of
            range(G) has ell <= u.
        """
        u = self._levels("u", u, allow_inf=True)
        if self._quadrant is not None and not return_argmax:
            return float(self._quadrant.sup_grid(u[:1], u[1:])[0][0, 0])
        best, arg = -np.inf, np.full(2 * self.K, np.nan)
        finite = [s for s in range(self.K) if np.isfinite(u[s])]
        for n in range(len(finite) + 1):
            for active in itertools.combinations(finite, n):
                for value, y in self._face_candidates(active, u):
                    if value > best:
                        best, arg = value, y
        return (best, arg) if return_argmax else best

    def sigma(self, ell: ArrayLike) -> float:
        """Sigma(ell): the complexity of critical points with losses exactly ell
        (sup over x of F); -inf where ell is not the loss part of range(G)."""
        ell = self._levels("ell", ell, allow_inf=False)
        if self._quadrant is not None:
            return float(self._quadrant.on_losses(ell[:1], ell[1:])[0])
        cands = self._face_candidates(tuple(range(self.K)), ell)
        return max((v for v, _ in cands), default=-np.inf)

    def theta_map(self, u_1: ArrayLike, u_2: ArrayLike) -> NDArray[np.float64]:
        """Theta on the grid u_1 x u_2 (K = 2), shape (len(u_2), len(u_1)), [i_2, i_1].

        The paper-form path computes every cell exactly from shared face scans;
        the general path evaluates :meth:`theta` per cell (slow on big grids).
        """
        if self.K != 2:
            raise ValueError(f"theta_map needs K = 2, got K = {self.K}")
        u_1 = val.loss_levels("u_1", u_1)
        u_2 = val.loss_levels("u_2", u_2)
        if self._quadrant is not None:
            return self._quadrant.sup_grid(u_1, u_2)[0]
        out = np.empty((u_2.size, u_1.size))
        for i, b in enumerate(u_2):
            for j, a in enumerate(u_1):
                out[i, j] = self.theta(np.array([a, b]))
        return out

    def total(self) -> float:
        """Theta with no loss bound (the total complexity)."""
        return self.theta(np.full(self.K, np.inf))

    def lowest_losses(self, *, xtol: float = 1e-10) -> NDArray[np.float64]:
        """For each species s, the lowest u_s with Theta > 0 (other losses unbounded).

        Theta(u_s) is non-decreasing and continuous in u_s; the level is found by
        bisection on its sign to ``xtol`` (absolute, loss per N).  NaN where the
        total complexity is not positive.
        """
        out = np.full(self.K, np.nan)
        best, arg = self.theta(np.full(self.K, np.inf), return_argmax=True)
        if not best > 0.0:
            return out
        for s in range(self.K):
            u = np.full(self.K, np.inf)
            hi = float(arg[self.K + s])  # Theta(hi) = the total > 0
            step = max(1.0, abs(hi))
            lo = hi - step
            u[s] = lo
            while self.theta(u) > 0.0:
                step *= 2.0
                lo = hi - step
                u[s] = lo
                if step > 1e12:
                    raise ArithmeticError(f"Theta stays positive as u_{s} decreases")
            while hi - lo > xtol:
                u[s] = 0.5 * (lo + hi)
                if self.theta(u) > 0.0:
                    hi = u[s]
                else:
                    lo = u[s]
            out[s] = 0.5 * (lo + hi)
        return out

    def _levels(self, name: str, value: ArrayLike, allow_inf: bool) -> NDArray:
        arr = np.asarray(value, dtype=float)
        if arr.shape != (self.K,) or np.any(np.isnan(arr)):
            raise ValueError(f"{name} must have {self.K} entries, got {value!r}")
        if np.any(np.isinf(arr) & ((arr < 0) | (not allow_inf))):
            raise ValueError(f"{name} entries must be finite{' or +inf' if allow_inf else ''}")
        return arr


def _paper_shape(game: GameComplexity):
    """The exact quadrant machinery for K = 2 members of the paper's form, else None.

    Needed: sigma_12 = sigma_22 (then sigma = [[a + c / kappa, a], [a, a]] with
    a = b^2 / 2, c = b1^2 / 2 >= 0), rank(G) = 3, and on range(G) the
    coordinates z3 = (x, x1, t) = (x_2, x_1 - x_2, ell_2) with ell_1 = d . z3,
    d_3 != 0.
    """
    from .complexity import ComplexitySolver
    from .exponent import QuadraticGaussian
    from .quadrant import QuadrantSolver

    sig, kap = game.profile, game.kappa
    a = float(sig[1, 1])
    if not (abs(sig[0, 1] - a) <= 1e-12 * a and sig[0, 0] >= a) or game.rank != 3:
        return None
    ax, al = game._Ax, game._Al
    t = np.vstack((ax[1], ax[0] - ax[1], al[1]))  # z3 = t v
    if abs(np.linalg.det(t)) <= 1e-10 * np.prod(np.linalg.norm(t, axis=1)):
        return None
    t_inv = np.linalg.inv(t)
    d_row = al[0] @ t_inv
    if abs(d_row[2]) <= 1e-12 * np.abs(d_row).max():
        return None
    c = kap[0] * (sig[0, 0] - a)
    consts = SimpleNamespace(
        b=math.sqrt(2.0 * a),
        b1=math.sqrt(2.0 * c),
        kappa=float(kap[0]),
        log_constant=game.log_constant,
    )
    solver = QuadrantSolver.__new__(QuadrantSolver)
    solver.constants = consts
    solver._index = {"k_D": None, "k_G": None, "d_index": "ascent", "convention": "exact"}
    solver.prec = t_inv.T @ t_inv
    solver.d_row = d_row
    solver.g_row = np.array([0.0, 0.0, 1.0])
    p = solver.prec
    solver.ell = -p[2, :2] / p[2, 2]
    marginal = p[:2, :2] - np.outer(p[:2, 2], p[2, :2]) / p[2, 2]
    gauss = QuadraticGaussian(game.log_constant, np.zeros(2), marginal)
    solver.free = ComplexitySolver(solver._exponent(gauss))
    solver._families = {}
    return solver
