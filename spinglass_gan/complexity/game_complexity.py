"""Asymptotic complexity of a spherical spin-glass game from plain arrays.

A game with K species is described here by four arrays: the variance profile
sigma (K, K) and shares kappa (K,) of its Hessian's Gaussian part (module
:mod:`spinglass_gan.rmt.kblock`), the constant C* of its Kac-Rice prefactor (per N),
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
* Maps over (u_1, u_2) place the exact values of Sigma at every node, of its maxima
  along every grid line and of the free face's maxima, and take one cumulative
  maximum (``_game_map``); members it does not cover share the faces between cells
  and search the corner faces that can win together (``_game_corners``).
* K = 2 members whose profile has the paper's form (sigma_12 = sigma_22) and
  whose G has rank 3 with the D loss depending on the G loss use the package's
  exact quadrant machinery (:class:`~spinglass_gan.complexity.quadrant.QuadrantSolver`)
  instead, which gives the model's derived numbers unchanged.

Not computed here: index-constrained complexities of general members (their
block outliers need the K-block analogue of the single-GOE rate).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from .. import _validation as val
from ..rmt.kblock import log_potential_gradient, spectral_radius_bound, validate_profile
from . import _game_corners as _corners
from . import _game_map

__all__ = ["GameComplexity"]

_RANK_RTOL = 1e-12  # eigenvalues of G below this fraction of the largest are zero
_FEASIBLE_ATOL = 1e-10  # slack (relative to 1 + |u|) of an inactive loss constraint
_GRID = {1: 4001, 2: 241, 3: 41, 4: 15}  # grid points per axis by face dimension
_STARTS = 200  # random starts of the multistart search for faces of dimension >= 5


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

    def g(self, t: NDArray) -> tuple[NDArray, NDArray]:
        """L(mu + M t) - |t|^2 / 2 and its gradient, t of shape (n, e)."""
        x = self.mu[None, :] + t @ self.M.T
        lv, grad = log_potential_gradient(self.game.profile, self.game.kappa, x)
        return lv - 0.5 * np.sum(t * t, axis=1), grad @ self.M - t

    def losses(self, t: NDArray) -> NDArray:
        return (self.v0[None, :] + t @ self.basis.T) @ self.game._Al.T

    def shifts(self, t: NDArray) -> NDArray:
        return self.mu[None, :] + t @ self.M.T

    def radius(self, floor: float) -> float:
        """A radius in t holding every point where g >= floor (0 if there is none).

        L(x) <= log(|x|_inf + R) with R the spectral-radius bound of W, so g(t) >= floor
        needs |t|^2 / 2 <= log(|mu|_inf + |M| |t| + R) - floor.  The largest t with
        equality is the limit of t <- sqrt(2 (log(a + b t) - floor)) from far above.
        """
        a = float(np.abs(self.mu).max()) + self.game._radius
        b = float(np.linalg.norm(self.M, 2))
        t = 1e12
        for _ in range(500):
            arg = 2.0 * (math.log(a + b * t) - floor)
            if arg <= 0.0:
                return 0.0
            new = math.sqrt(arg)
            if abs(new - t) <= 1e-12 * (1.0 + t):
                break
            t = new
        return 1.05 * t + 1e-9

    def maxima(self, floor: float | None = None) -> tuple[NDArray, NDArray]:
        """The local maxima (t, g) of g with g >= ``floor`` (default g(0)), found by
        a grid over the ball that holds them and BFGS (e <= 4) or by multistart."""
        e = self.e
        if e == 0:
            t = np.zeros((1, 0))
            return t, self.g(t)[0]
        g0 = float(self.g(np.zeros((1, e)))[0][0])
        rad = self.radius(g0 if floor is None or not np.isfinite(floor) else floor)
        if rad == 0.0:
            return np.zeros((0, e)), np.zeros(0)
        if e <= 4:
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
    def _face_maxima(
        self, active: tuple[int, ...], u_a: NDArray, floor: float = -np.inf
    ) -> tuple[NDArray, NDArray]:
        """The local maxima of F on the face {ell_A = u_A} at or above ``floor`` (a
        value of F known to be reached; -inf: the face's value at its centre serves):
        values (n,) and points y = (x, ell) (n, 2K); empty if no point of range(G)
        has those losses."""
        face = _Face(self, active, np.asarray(u_a, dtype=float))
        if not face.ok:
            return np.empty(0), np.empty((0, 2 * self.K))
        t, gv = face.maxima(floor - face.const if np.isfinite(floor) else None)
        return face.const + gv, np.hstack((face.shifts(t), face.losses(t)))

    @staticmethod
    def _feasible(ell: NDArray, u: NDArray) -> NDArray[np.bool_]:
        """ell <= u up to _FEASIBLE_ATOL (1 + |u|), broadcasting; +inf levels bind nothing."""
        slack = _FEASIBLE_ATOL * (1.0 + np.where(np.isfinite(u), np.abs(u), 0.0))
        return ell <= u + slack

    def _face_candidates(
        self, active: tuple[int, ...], u: NDArray, floor: float = -np.inf
    ) -> list[tuple[float, NDArray]]:
        """Feasible local maxima (value, (x, ell)) of F on the face {ell_A = u_A}."""
        values, ys = self._face_maxima(active, u[list(active)], floor)
        ok = np.all(self._feasible(ys[:, self.K :], u[None, :]), axis=1)
        return [(float(v), y) for v, y in zip(values[ok], ys[ok])]

    def theta(
        self, u: ArrayLike, *, return_argmax: bool = False
    ) -> float | tuple[float, NDArray[np.float64]]:
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
            return float(self._quadrant.suprema(u[:1], u[1:]).values[0, 0])
        best, arg = -np.inf, np.full(2 * self.K, np.nan)
        finite = [s for s in range(self.K) if np.isfinite(u[s])]
        # The face with every finite level active first: all its points are
        # feasible, so its supremum is a value Theta reaches, and on the other faces
        # only maxima above it matter (which bounds the region searched).
        for n in range(len(finite), -1, -1):
            for active in itertools.combinations(finite, n):
                for value, y in self._face_candidates(active, u, best):
                    if value > best:
                        best, arg = value, y
        return (best, arg) if return_argmax else best

    def local_maxima(self, u: ArrayLike, floor: float) -> list[tuple[float, NDArray[np.float64]]]:
        """Every feasible local maximum (value, y = (x, ell)) of F on the faces of
        {ell <= u} with value >= ``floor``, largest first (the candidates of
        :meth:`theta`, whose best is Theta(u)); empty if there is none."""
        u = self._levels("u", u, allow_inf=True)
        finite = [s for s in range(self.K) if np.isfinite(u[s])]
        out = []
        for n in range(len(finite), -1, -1):
            for active in itertools.combinations(finite, n):
                out += [c for c in self._face_candidates(active, u, floor) if c[0] >= floor]
        return sorted(out, key=lambda c: -c[0])

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

        Parameters
        ----------
        u_1, u_2 : array_like
            Finite loss levels per N of species 1 and 2 (1-D).

        Returns
        -------
        ndarray
            Theta per cell; each equals :meth:`theta` at that cell.  The paper-form
            path computes the cells from shared face scans; other members take the
            supremum of exact values of Sigma at the nodes, its maxima along the grid
            lines and the free face's maxima (comparable speed where the losses fix
            the shifts, Legendre transforms on tables seeding Newton where one or two
            directions of shifts are free); the few members outside those cases share
            the faces between cells and search the corners that can win (about 10 ms
            each, docs/theory.md 13.2).
        """
        if self.K != 2:
            raise ValueError(f"theta_map needs K = 2, got K = {self.K}")
        u_1 = val.loss_levels("u_1", u_1)
        u_2 = val.loss_levels("u_2", u_2)
        if self._quadrant is not None:
            return self._quadrant.suprema(u_1, u_2).values
        fast = _game_map.theta_map(self, u_1, u_2)
        return self._map_general(u_1, u_2) if fast is None else fast

    def _map_general(self, u_1: NDArray, u_2: NDArray) -> NDArray[np.float64]:
        """The faces of 13.2 shared between cells: the free face once, the face
        ell_1 = u_1[j] once per column, ell_2 = u_2[i] once per row, each local
        maximum offered to every cell where it is feasible; the corner
        (Sigma(u_1[j], u_2[i])) only where it can win, i.e. where the best so far is
        below the smaller of the two faces' suprema (the corner lies in both)."""
        grid = (u_2.size, u_1.size)
        best = np.full(grid, -np.inf)
        # Values reached at points feasible for whole columns / rows / the grid: the
        # corners at the lowest other level bound the region each face searches.
        lo_1, lo_2 = u_1.min(), u_2.min()
        col_floor = self._sigma_many(np.stack((u_1, np.full(u_1.size, lo_2)), axis=-1))
        row_floor = self._sigma_many(np.stack((np.full(u_2.size, lo_1), u_2), axis=-1))
        floors = (col_floor, row_floor)
        values, ys = self._face_maxima((), np.empty(0), float(col_floor[np.argmin(u_1)]))
        for v, (e1, e2) in zip(values, ys[:, 2:]):
            ok = self._feasible(e1, u_1)[None, :] & self._feasible(e2, u_2)[:, None]
            best = np.where(ok & (v > best), v, best)
        face_sup = []
        for axis, levels in ((0, u_1), (1, u_2)):
            sup = np.full(levels.size, -np.inf)
            other = u_2 if axis == 0 else u_1
            for j in np.flatnonzero(np.isfinite(levels)):
                values, ys = self._face_maxima((axis,), levels[j : j + 1], floors[axis][j])
                if values.size:
                    sup[j] = values.max()
                for v, e in zip(values, ys[:, 2 + (1 - axis)]):
                    ok = self._feasible(e, other)
                    line = best[:, j] if axis == 0 else best[j, :]
                    line[ok & (v > line)] = v
            face_sup.append(sup)
        need = (best < np.minimum(face_sup[0][None, :], face_sup[1][:, None])) & np.isfinite(
            u_2[:, None] + u_1[None, :]
        )
        i, j = np.nonzero(need)
        if i.size:
            corner = self._sigma_many(np.stack((u_1[j], u_2[i]), axis=-1))
            best[i, j] = np.maximum(best[i, j], corner)
        return best

    def _sigma_many(self, ells: NDArray) -> NDArray[np.float64]:
        """Sigma at many loss vectors: one vectorised evaluation where the losses fix x,
        else all corner faces searched together (``_game_corners``)."""
        face = _Face(self, tuple(range(self.K)), ells[0])
        if face.e > 3:
            return np.array([self.sigma(e) for e in ells])
        v0 = np.linalg.lstsq(self._Al, ells.T, rcond=None)[0].T  # (n, r)
        ok = np.all(np.abs(v0 @ self._Al.T - ells) <= 1e-9 * (1.0 + np.abs(ells)), axis=1)
        out = np.full(ells.shape[0], -np.inf)
        if ok.any() and face.e > 0:
            out[ok] = _corners.corner_values(self, face, v0[ok])
        elif ok.any():
            x = v0[ok] @ self._Ax.T
            lv, _ = log_potential_gradient(self.profile, self.kappa, x)
            out[ok] = self.log_constant + lv - 0.5 * np.sum(v0[ok] ** 2, axis=1)
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

    Needed: sigma_12 = sigma_22 > 0 (then sigma = [[a + c / kappa, a], [a, a]] with
    a = b^2 / 2 > 0, c = b1^2 / 2 >= 0), rank(G) = 3, and on range(G) the
    coordinates z3 = (x, x1, t) = (x_2, x_1 - x_2, ell_2) with ell_1 = d . z3,
    d_3 != 0 and (d_1, d_2) != 0 (the two losses not bounding t alone).  The
    solver is built by :meth:`QuadrantSolver.from_gaussian`, the precision of z3
    being T^-T T^-1 for z3 = T v, v standard normal.
    """
    from .quadrant import QuadrantSolver

    sig, kap = game.profile, game.kappa
    a = float(sig[1, 1])
    if not (a > 0.0 and abs(sig[0, 1] - a) <= 1e-12 * a and sig[0, 0] >= a) or game.rank != 3:
        return None
    ax, al = game._Ax, game._Al
    t = np.vstack((ax[1], ax[0] - ax[1], al[1]))  # z3 = t v
    if abs(np.linalg.det(t)) <= 1e-10 * np.prod(np.linalg.norm(t, axis=1)):
        return None
    t_inv = np.linalg.inv(t)
    d_row = al[0] @ t_inv
    top = np.abs(d_row).max()
    if abs(d_row[2]) <= 1e-12 * top or np.abs(d_row[:2]).max() <= 1e-12 * top:
        return None
    c = kap[0] * (sig[0, 0] - a)
    return QuadrantSolver.from_gaussian(
        b=math.sqrt(2.0 * a),
        b1=math.sqrt(2.0 * c),
        kappa=float(kap[0]),
        log_constant=game.log_constant,
        precision=t_inv.T @ t_inv,
        d_row=d_row,
    )
