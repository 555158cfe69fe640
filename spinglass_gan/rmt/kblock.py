"""K-block vector Dyson equation: spectral law of a Gaussian block matrix minus shifts.

W is a symmetric N x N Gaussian matrix cut into K blocks of sizes kappa_s N; entries
of block (s, t) have variance sigma_st / N (the diagonal blocks GOE-like).  The
limiting spectral measure mu_x of W - diag(x_s I_{kappa_s N}) is
mu_x = sum_s kappa_s mu_s, whose block Stieltjes transforms solve

    m_s(z) = -1 / (z + x_s + sum_t kappa_t sigma_st m_t(z)),   Im m_s > 0 for Im z > 0,

m = sum_s kappa_s m_s.  The log-potential at 0 has the closed form

    L(x) = int log|lambda| mu_x(d lambda)
         = -sum_s kappa_s log|m_s| + (1/2) sum_st kappa_s kappa_t sigma_st Re(m_s m_t),

at z = 0 + i0 (derivation in docs/theory.md, "The K-block Dyson equation").

Everything here takes plain arrays: the profile sigma (K x K, symmetric,
non-negative, no zero row), the shares kappa (K,) (positive, summing to 1) and
the shifts x (K,).  The paper's Hessian H'(x1) - x is K = 2 with
sigma = [[a + c / kappa, a], [a, a]] (a = b^2/2, c = b1^2/2), shares
(kappa, 1 - kappa) and shifts (x + x1, x).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate

from .. import _validation as val
from ._kblock_kernels import density_rows, log_potential_rows, solve_shifts, solve_z
from .ensemble import _blas_threads_for

__all__ = [
    "VectorDyson",
    "log_potential_gradient",
    "log_potential_shifts",
    "sample_block_matrix",
    "spectral_radius_bound",
    "validate_profile",
]


def validate_profile(
    profile: ArrayLike, kappa: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Checked (sigma, kappa) as float arrays; ValueError naming the bad argument.

    sigma must be a finite symmetric non-negative K x K matrix with no zero row
    (a block with no randomness is an atom, which has no density); kappa must
    have K positive entries summing to 1 (to 1e-12).
    """
    sigma = val.finite_array("profile", profile, ndim=2)
    k = sigma.shape[0]
    if k < 1 or sigma.shape != (k, k):
        raise ValueError(f"profile must be a square K x K matrix, got shape {sigma.shape}")
    if not np.allclose(sigma, sigma.T, rtol=1e-12, atol=0.0):
        raise ValueError("profile must be symmetric")
    if np.any(sigma < 0.0):
        raise ValueError("profile must be non-negative")
    if np.any(sigma.sum(axis=1) <= 0.0):
        raise ValueError("profile must have no zero row (that block would be an atom)")
    kap = val.finite_array("kappa", kappa, ndim=1)
    if kap.shape != (k,):
        raise ValueError(f"kappa must have {k} entries, got shape {kap.shape}")
    if np.any(kap <= 0.0) or abs(kap.sum() - 1.0) > 1e-12:
        raise ValueError(f"kappa must be positive and sum to 1, got {kap!r}")
    return 0.5 * (sigma + sigma.T), kap


class _Scaled:
    """The problem in units where the largest row sum of S = sigma diag(kappa) is 1."""

    def __init__(self, profile: ArrayLike, kappa: ArrayLike) -> None:
        self.sigma, self.kappa = validate_profile(profile, kappa)
        s = self.sigma * self.kappa[None, :]
        self.scale = math.sqrt(float(s.sum(axis=1).max()))
        self.S = np.ascontiguousarray(s / self.scale**2)

    def solve_z(self, z: NDArray[np.complex128], x: NDArray[np.float64]) -> NDArray:
        """Scaled block solutions (n, K) at unscaled z (Im z >= 0) and shifts x."""
        zs = np.ascontiguousarray(z.ravel()) / self.scale
        # Sorted points warm-start each other; sorted real input is used as is.
        if not np.any(zs.imag) and np.all(zs.real[1:] >= zs.real[:-1]):
            order = None
        else:
            order = np.lexsort((zs.imag, zs.real))
        z_run = zs if order is None else zs[order]
        out = np.empty((zs.size, self.S.shape[0]), dtype=np.complex128)
        failed = solve_z(z_run, self.S, np.ascontiguousarray(x / self.scale), out)
        if failed:
            bad = np.flatnonzero(~np.isfinite(out[:, 0]))[0]
            raise ArithmeticError(f"Dyson solve failed at z={z_run[bad] * self.scale!r}")
        if order is None:
            return out
        result = np.empty_like(out)
        result[order] = out
        return result

    def solve_shifts(self, xs: NDArray[np.float64]) -> NDArray:
        """Scaled block solutions at z = 0 + i0 for every row of xs (unscaled)."""
        out = np.empty(xs.shape, dtype=np.complex128)
        failed = solve_shifts(0j, self.S, np.ascontiguousarray(xs / self.scale), out)
        if failed:
            bad = np.flatnonzero(~np.isfinite(out[:, 0]))[0]
            raise ArithmeticError(f"Dyson solve failed at shifts {xs[bad]!r}")
        return out


def log_potential_shifts(profile: ArrayLike, kappa: ArrayLike, shifts: ArrayLike) -> NDArray:
    """L(x) = int log|lambda| mu_x(d lambda) for many shift vectors at once.

    Parameters
    ----------
    profile : array_like, shape (K, K)
        Variance profile sigma (block (s, t) entries have variance sigma_st / N).
    kappa : array_like, shape (K,)
        Block shares, positive, summing to 1.
    shifts : array_like, shape (..., K)
        Shift vectors x; mu_x is the limiting spectral measure of W - diag(x).

    Returns
    -------
    ndarray, shape (...)
        L(x), dimensionless (the log of an eigenvalue distance in the units of
        x), from the closed form at z = 0 + i0.  Rows are solved in the given
        order, each warm-started from the previous: ordered grids are fastest.
    """
    p = _Scaled(profile, kappa)
    xs = val.finite_array("shifts", shifts)
    k = p.S.shape[0]
    if xs.ndim < 1 or xs.shape[-1] != k:
        raise ValueError(f"shifts must have shape (..., {k}), got {xs.shape}")
    flat = np.ascontiguousarray(xs.reshape(-1, k))
    ms = p.solve_shifts(flat)
    out = np.empty(flat.shape[0])
    log_potential_rows(ms, p.S, p.kappa, out)
    return out.reshape(xs.shape[:-1]) + math.log(p.scale)


def log_potential_gradient(
    profile: ArrayLike, kappa: ArrayLike, shifts: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """L(x) and its gradient dL/dx_s = -kappa_s Re m_s(0 + i0) for many shift vectors.

    Parameters are as for :func:`log_potential_shifts`.  The gradient follows from
    d/dx_s int log|lambda| mu_x(d lambda) = -kappa_s Re m_s(0) (moving x_s moves
    block s's share of the spectrum); it is continuous in x and unbounded only
    where 0 is a support edge (an inverse square root there).

    Returns
    -------
    L : ndarray, shape (...)
    grad : ndarray, shape (..., K), units 1 / (units of x)
    """
    p = _Scaled(profile, kappa)
    xs = val.finite_array("shifts", shifts)
    k = p.S.shape[0]
    if xs.ndim < 1 or xs.shape[-1] != k:
        raise ValueError(f"shifts must have shape (..., {k}), got {xs.shape}")
    flat = np.ascontiguousarray(xs.reshape(-1, k))
    ms = p.solve_shifts(flat)
    out = np.empty(flat.shape[0])
    log_potential_rows(ms, p.S, p.kappa, out)
    grad = -(ms.real / p.scale) * p.kappa[None, :]
    return out.reshape(xs.shape[:-1]) + math.log(p.scale), grad.reshape(xs.shape)


def spectral_radius_bound(profile: ArrayLike, kappa: ArrayLike) -> float:
    """2 sqrt(max_s sum_t kappa_t sigma_st): the limiting spectrum of W lies in
    [-bound, bound], so that of W - diag(x) within bound of [-max x, -min x]."""
    return 2.0 * _Scaled(profile, kappa).scale


class VectorDyson:
    """Limiting spectral law of W - diag(x) for a K-block Gaussian matrix W.

    Parameters
    ----------
    profile : array_like, shape (K, K)
        sigma: symmetric, non-negative, no zero row; entries of block (s, t) of W
        have variance sigma_st / N.
    kappa : array_like, shape (K,)
        Block shares kappa_s = N_s / N, positive, summing to 1.
    shifts : array_like, shape (K,), default zeros
        x_s, subtracted from the diagonal of block s.

    Examples
    --------
    >>> d = VectorDyson([[1.0]], [1.0])            # semicircle of radius 2
    >>> [tuple(round(e, 6) for e in iv) for iv in d.support()]
    [(-2.0, 2.0)]
    """

    def __init__(self, profile: ArrayLike, kappa: ArrayLike, shifts: ArrayLike | None = None):
        self._p = _Scaled(profile, kappa)
        k = self.K
        x = np.zeros(k) if shifts is None else val.finite_array("shifts", shifts, ndim=1)
        if x.shape != (k,):
            raise ValueError(f"shifts must have {k} entries, got shape {x.shape}")
        self.shifts = x

    @property
    def K(self) -> int:
        """Number of blocks."""
        return self._p.S.shape[0]

    @property
    def profile(self) -> NDArray[np.float64]:
        """sigma (K x K), the variance profile (a copy)."""
        return self._p.sigma.copy()

    @property
    def kappa(self) -> NDArray[np.float64]:
        """kappa (K,), the block shares N_s / N (a copy)."""
        return self._p.kappa.copy()

    def __repr__(self) -> str:
        return (
            f"VectorDyson(profile={self._p.sigma.tolist()!r}, kappa={self._p.kappa.tolist()!r}, "
            f"shifts={self.shifts.tolist()!r})"
        )

    # ------------------------------------------------------------ transforms
    def blocks(self, z: ArrayLike) -> NDArray[np.complex128]:
        """Block Stieltjes transforms m_s(z), shape z.shape + (K,), units 1/lambda.

        Points with Im z < 0 use m_s(conj z) = conj m_s(z); real z gives the
        boundary values m_s(z + i0).

        Parameters
        ----------
        z : array_like of complex
            Spectral parameters (units of lambda).

        Returns
        -------
        ndarray of complex, shape z.shape + (K,)
            m_s(z), one per block.
        """
        zz = val.finite_array("z", z, dtype=np.complex128)
        lower = zz.imag < 0
        ms = self._p.solve_z(np.where(lower, np.conj(zz), zz), self.shifts) / self._p.scale
        ms = ms.reshape((*zz.shape, self.K))
        return np.where(lower[..., None], np.conj(ms), ms)

    def stieltjes(self, z: ArrayLike) -> NDArray[np.complex128]:
        """m(z) = sum_s kappa_s m_s(z) = int mu_x(d lambda) / (lambda - z).

        Parameters
        ----------
        z : array_like of complex
            Spectral parameters (units of lambda); real z: the boundary value m(z + i0).

        Returns
        -------
        ndarray of complex, shape z.shape
            The Stieltjes transform, units 1/lambda.
        """
        return self.blocks(z) @ self._p.kappa

    def density(self, lam: ArrayLike) -> NDArray[np.float64]:
        """Density rho(lambda) = Im m(lambda + i0) / pi (units 1/lambda), never negative.

        Exactly zero where every block solution is real (outside the support).

        Parameters
        ----------
        lam : array_like of float
            Points lambda.

        Returns
        -------
        ndarray, shape lam.shape
            rho(lambda), units 1/lambda.
        """
        xs = val.finite_array("lam", lam)
        ms = self._p.solve_z(xs.astype(np.complex128), self.shifts)
        out = np.empty(xs.size)
        density_rows(ms, self._p.kappa, out)
        return out.reshape(xs.shape) / self._p.scale

    def log_potential(self) -> float:
        """L(x) = int log|lambda| mu_x(d lambda) for this object's shifts (closed form).

        Returns
        -------
        float
            The log-potential of mu_x at 0.
        """
        return float(log_potential_shifts(self._p.sigma, self._p.kappa, self.shifts))

    # --------------------------------------------------------------- moments
    def moment_exact(self, k: int) -> float:
        """Exact k-th moment for k = 0, 1, 2.

        The moments are 1, -sum kappa_s x_s and sum_s kappa_s (x_s^2 + sum_t kappa_t
        sigma_st).

        Parameters
        ----------
        k : int
            0, 1 or 2 (others raise ValueError).

        Returns
        -------
        float
            int lambda^k mu_x(d lambda).
        """
        k = val.integer("k", k, 0)
        kap, x, sig = self._p.kappa, self.shifts, self._p.sigma
        if k == 0:
            return 1.0
        if k == 1:
            return float(-kap @ x)
        if k == 2:
            return float(kap @ (x * x + sig @ kap))
        raise ValueError(f"k must be 0, 1 or 2, got {k}")

    def moment(self, k: int, *, epsabs: float = 1e-13) -> float:
        """k-th moment int lambda^k rho by quadrature over the support.

        Each interval is mapped by lambda = lo + (hi - lo)(1 - cos theta)/2, which
        absorbs square-root edges; breakpoints at the blocks' own centres.

        Parameters
        ----------
        k : int
            Order, >= 0.
        epsabs : float
            Absolute tolerance of each quadrature.

        Returns
        -------
        float
            int lambda^k rho(lambda) d lambda.
        """
        k = val.integer("k", k, 0)
        centres = sorted(-self.shifts)
        total = 0.0
        for lo, hi in self.support():
            cuts = [lo, *(c for c in centres if lo < c < hi), hi]
            for a, b in itertools.pairwise(cuts):
                half = 0.5 * (b - a)

                def f(th: float, a: float = a, half: float = half) -> float:
                    lam = a + half * (1.0 - math.cos(th))
                    return float(self.density(np.array([lam]))[0]) * lam**k * half * math.sin(th)

                v, _ = integrate.quad(f, 0.0, math.pi, limit=400, epsabs=epsabs, epsrel=1e-12)
                total += v
        return total

    # --------------------------------------------------------------- support
    def _bound(self) -> tuple[float, float]:
        """An interval containing the support: -x_s +/- 2 sqrt(max row sum of S)."""
        r = 2.0 * self._p.scale
        return float((-self.shifts).min() - r), float((-self.shifts).max() + r)

    def support(self, grid: int = 4096) -> list[tuple[float, float]]:
        """Support of mu_x: sorted disjoint intervals (lo, hi).

        The density's sign is sampled on ``grid`` points spread over a bounding
        interval (plus the blocks' centres and finer grids around each block's own
        spectrum, radii 2 sqrt(sum_t kappa_t sigma_st) and 2 sqrt(kappa_s sigma_ss)) and
        each switch is located by
        bisection on the sign, then refined by Newton's method on the fold of
        the real block equations (F = 0 and det dF/dm = 0 in (m, z)), to about
        1e-13 relative.  Gaps or intervals narrower than the grid spacing
        (about 1e-3 of the width for the default) can be missed.

        Parameters
        ----------
        grid : int
            Number of uniform sampling points over the bounding interval (>= 16).

        Returns
        -------
        list of (float, float)
            The support's intervals, ascending.
        """
        grid = val.integer("grid", grid, 16)
        lo, hi = self._bound()
        # A block whose couplings are weak has its spectrum within about
        # 2 sqrt(sum_t S_st) of -x_s: a finer local grid there sees it even when it
        # is narrow compared with the whole support.
        s_mat = self._p.S * self._p.scale**2
        radii = np.concatenate((2.0 * np.sqrt(s_mat.sum(axis=1)), 2.0 * np.sqrt(np.diag(s_mat))))
        centres = np.concatenate((-self.shifts, -self.shifts))
        local = [
            np.linspace(c - 1.5 * r, c + 1.5 * r, 257) for c, r in zip(centres, radii) if r > 0
        ]
        xs = np.unique(np.concatenate((np.linspace(lo, hi, grid), -self.shifts, *local)))
        pos = self.density(xs) > 0.0
        if not pos.any():
            raise ArithmeticError("the density vanished on the whole sampling grid")
        sw = np.flatnonzero(pos[1:] != pos[:-1])
        edges = [self._edge(xs[i], xs[i + 1], bool(pos[i + 1])) for i in sw]
        if len(edges) % 2:
            raise ArithmeticError(f"inconsistent support edges {edges!r}")
        return [(float(a), float(b)) for a, b in zip(edges[::2], edges[1::2])]

    def _edge(self, lo: float, hi: float, opening: bool) -> float:
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            if (self.density(np.array([mid]))[0] > 0.0) == opening:
                hi = mid
            else:
                lo = mid
        return self._fold(lo if opening else hi)

    def _fold(self, z: float) -> float:
        """Edge next to z (outside the support): Newton on (F(m, z), det J) = 0 in
        the real (m, z), kept if it moves z by < 1e-9 relative."""
        p = self._p
        S, x = p.S, self.shifts / p.scale
        zs = z / p.scale
        m = p.solve_z(np.array([complex(z, 0.0)]), self.shifts)[0].real
        if not np.all(np.isfinite(m)):
            return z
        k = self.K
        v = np.concatenate((m, [zs]))
        h = 1e-7
        for _ in range(30):
            res = _fold_residual(v, S, x)
            jac = np.empty((k + 1, k + 1))
            for j in range(k + 1):
                e = np.zeros(k + 1)
                e[j] = h * (1.0 + abs(v[j]))
                jac[:, j] = (_fold_residual(v + e, S, x) - _fold_residual(v - e, S, x)) / (2 * e[j])
            try:
                step = np.linalg.solve(jac, res)
            except np.linalg.LinAlgError:
                return z
            v = v - step
            if abs(step[-1]) <= 1e-15 * (1.0 + abs(v[-1])):
                break
        else:
            return z
        if not abs(v[-1] - zs) <= 1e-9 * (1.0 + abs(zs)):
            return z
        return float(v[-1] * p.scale)

    # -------------------------------------------------------------- sampling
    def sample(self, n: int, size: int = 1, rng: int | np.random.Generator | None = None):
        """``size`` draws of W - diag(x) of order n; see :func:`sample_block_matrix`.

        Parameters
        ----------
        n : int
            Matrix order (block sizes round(kappa_s n), adjusted to sum to n).
        size : int
            Number of draws.
        rng : int, Generator or None
            Seed.

        Returns
        -------
        ndarray, shape (size, n, n)
            The sampled matrices.
        """
        return sample_block_matrix(self._p.sigma, self._p.kappa, self.shifts, n, size, rng)

    def sample_eigvals(
        self, n: int, size: int = 1, rng: int | np.random.Generator | None = None
    ) -> NDArray[np.float64]:
        """Eigenvalues (size, n) of :meth:`sample` draws, ascending in each row.

        Matrices up to order 1024 are diagonalised with one BLAS thread (as
        ``HessianEnsemble.sample_eigvals``: many threads spin-wait on small
        matrices on a shared machine).

        Parameters
        ----------
        n : int
            Matrix order.
        size : int
            Number of draws.
        rng : int, Generator or None
            Seed.

        Returns
        -------
        ndarray, shape (size, n)
            Sorted eigenvalues of each draw.
        """
        w = self.sample(n, size, rng)
        with _blas_threads_for(w.shape[-1]):
            return np.linalg.eigvalsh(w)


def _fold_residual(v: NDArray, S: NDArray, x: NDArray) -> NDArray:
    """(F_1..F_K, det J) of the real block equations at (m, z) = v (scaled units)."""
    m, z = v[:-1], v[-1]
    g = z + x + S @ m
    jac = np.diag(g) + m[:, None] * S
    scale = np.abs(np.diag(g)).max() + 1.0
    return np.concatenate((1.0 + m * g, [np.linalg.det(jac / scale)]))


def block_sizes(kappa: NDArray[np.float64], n: int) -> NDArray[np.int64]:
    """Block sizes N_s summing to n, each round(kappa_s n) adjusted, all >= 1."""
    sizes = np.maximum(1, np.round(kappa * n).astype(np.int64))
    sizes[np.argmax(sizes)] += n - int(sizes.sum())
    if np.any(sizes < 1):
        raise ValueError(f"n={n} is too small for kappa={kappa!r}")
    return sizes


def sample_block_matrix(
    profile: ArrayLike,
    kappa: ArrayLike,
    shifts: ArrayLike,
    n: int,
    size: int = 1,
    rng: int | np.random.Generator | None = None,
) -> NDArray[np.float64]:
    """Draw W - diag(x_s I_{N_s}) with Gaussian blocks of variance sigma_st / n.

    Off-diagonal entries of block (s, t) have variance sigma_st / n; diagonal
    entries twice that (GOE-like: W = (G + G^T)/sqrt 2 entrywise scaled).
    Block sizes N_s = round(kappa_s n), adjusted to sum to n.

    Returns
    -------
    ndarray, shape (size, n, n)
    """
    sigma, kap = validate_profile(profile, kappa)
    x = val.finite_array("shifts", shifts, ndim=1)
    if x.shape != kap.shape:
        raise ValueError(f"shifts must have {kap.size} entries, got shape {x.shape}")
    n = val.integer("n", n, 2)
    size = val.integer("size", size, 1)
    gen = val.generator("rng", rng)
    sizes = block_sizes(kap, n)
    lab = np.repeat(np.arange(kap.size), sizes)
    std = np.sqrt(sigma[lab[:, None], lab[None, :]] / n)
    shift = x[lab]
    out = np.empty((size, n, n))
    for i in range(size):
        g = gen.standard_normal((n, n))
        w = (g + g.T) / math.sqrt(2.0) * std
        w[np.diag_indices(n)] -= shift
        out[i] = w
    return out
