"""The model's own Kac-Rice formula at finite N, by Monte Carlo.

For the GAN spin glass with n_D discriminator and n_G generator weights (N = n_D + n_G,
both spheres of radius sqrt(N)), the expected number of critical points whose losses
satisfy L_D <= N u_D, L_G <= N u_G and whose Jacobian has block indices (k_D, k_G) is
exactly

    E # = V_D V_G (2 pi)^(-(N-2)/2) v_D^(-(n_D-1)/2) v_G^(-(n_G-1)/2)
          * E[ |det J'| 1{(l_D - l_G)/N <= u_D, l_G/N <= u_G} 1{indices} ],

    V_n = 2 pi^(n/2) N^((n-1)/2) / Gamma(n/2)   (the area of S^(n-1)(sqrt N)),
    J'  = b M + blockdiag(b1 M1, 0) - diag((x + x1) I_{n_D-1}, x I_{n_G-1}),
    x   = (r l_G - rho)/N,   x1 = (2 rho - p l_D - r l_G)/N,   (l_D, l_G, rho) ~ N(0, N K),

with M (order N-2, off-diagonal variance 1/(2N)) and M1 (order n_D-1, off-diagonal
variance 1/(2 n_D)) independent GOE matrices, independent of (l_D, l_G, rho).  The
constants b, b1, v_D, v_G and K are those of :class:`~spinglass_gan.derived.DerivedConstants`
(docs/model.md, "The model's own Kac-Rice formula"; docs/kac-rice-finite-n.md).

Indices: k_G is the number of negative eigenvalues of the G block of J' (descent
directions of L_G in w_G); k_D the number of negative eigenvalues of its D block
(``d_index="ascent"``: ascent directions of L_D, since the D rows of the Jacobian are
negated in J') or of positive ones (``d_index="descent"``).

The expectation is a Monte Carlo average over ``samples`` independent draws of
(l_D, l_G, rho, M, M1), each giving one term prefactor * |det J'| * weight; log|det J'|
comes from a batched LU (``numpy.linalg.slogdet``) and the terms are combined in log
space, so N of a few hundred is fine.  (l_D, l_G, rho) may be drawn from another
Gaussian (importance sampling: centred where the integrand concentrates, with its
Laplace covariance) with the exact likelihood ratio as the weight; the estimator stays
unbiased and its standard error is the sample standard deviation of the iid terms over
sqrt(samples).

One set of draws answers every threshold and index question: :func:`kac_rice_samples`
returns a :class:`KacRiceSamples` whose :meth:`~KacRiceSamples.expected` forms any
count from the stored per-draw terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from . import _validation as val
from ._kac_rice_kernels import fill_jacobians
from .derived import DerivedConstants
from .potential import log_potential
from .quadrant import QuadrantSolver

__all__ = [
    "KacRiceSaddle",
    "KacRiceSamples",
    "expected_critical_points",
    "kac_rice_saddle",
    "kac_rice_samples",
    "log_expected_critical_points",
]

DIndex = Literal["ascent", "descent"]
RngLike = int | np.random.Generator | None
Proposal = (
    NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.float64]] | Literal["auto"] | None
)
_MAX_BYTES = 1 << 25  # matrices held at once while sampling (32 MiB)
_LOG_MAX = 700.0  # exp() of more than this overflows float64 (~709.8)


# ------------------------------------------------------------------ validation
def _threshold(name: str, value: object) -> float:
    """A loss threshold per N: any real number or +-inf, not NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number or +-inf, got {value!r}")
    out = float(value)
    if math.isnan(out):
        raise ValueError(f"{name} must not be NaN")
    return out


def _index(name: str, value: object, block: int) -> int | None:
    """A block index: None (no constraint) or an integer in [0, block]."""
    if value is None:
        return None
    out = val.integer(name, value, 0)
    if out > block:
        raise ValueError(f"{name} must be <= {block} (the block's order), got {value!r}")
    return out


def _d_index(value: object) -> DIndex:
    if value not in ("ascent", "descent"):
        raise ValueError(f"d_index must be 'ascent' or 'descent', got {value!r}")
    return value  # type: ignore[return-value]


def _sizes(n_D: object, n_G: object) -> tuple[int, int]:
    return val.integer("n_D", n_D, 2), val.integer("n_G", n_G, 2)


def _constants(p: object, q: object, sigma_z: object, n_D: int, n_G: int) -> DerivedConstants:
    p = val.integer("p", p, 2)
    q = val.integer("q", q, 1)
    sigma_z = val.positive("sigma_z", sigma_z)
    return DerivedConstants.from_model(p, q, sigma_z, n_D / (n_D + n_G))


# ------------------------------------------------------------------ prefactor
def _log_sphere_area(n: int, big_n: int) -> float:
    """log Vol(S^(n-1)(sqrt N)) = log(2 pi^(n/2) N^((n-1)/2) / Gamma(n/2))."""
    return (
        math.log(2.0)
        + 0.5 * n * math.log(math.pi)
        + 0.5 * (n - 1) * math.log(big_n)
        - float(gammaln(0.5 * n))
    )


def log_prefactor(n_D: int, n_G: int, constants: DerivedConstants) -> float:
    """log[V_D V_G (2 pi)^(-(N-2)/2) v_D^(-(n_D-1)/2) v_G^(-(n_G-1)/2)] (dimensionless).

    Per N it tends to the constant C* of ``constants`` (Stirling).
    """
    n_D, n_G = _sizes(n_D, n_G)
    n = n_D + n_G
    return (
        _log_sphere_area(n_D, n)
        + _log_sphere_area(n_G, n)
        - 0.5 * (n - 2) * math.log(2.0 * math.pi)
        - 0.5 * (n_D - 1) * math.log(constants.v_D)
        - 0.5 * (n_G - 1) * math.log(constants.v_G)
    )


# ------------------------------------------------------------------ estimates
def _mean_stderr(log_terms: NDArray, signs: NDArray | None = None) -> tuple[float, float, float]:
    """(log scale m, mean / e^m, stderr / e^m) of the iid terms s_i exp(t_i).

    Terms with t_i = -inf are zeros and count in the sample size.
    """
    n = log_terms.size
    finite = np.isfinite(log_terms)
    if not finite.any():
        return 0.0, 0.0, 0.0
    m = float(log_terms[finite].max())
    w = np.exp(log_terms - m)
    if signs is not None:
        w = w * signs
    mean = float(w.mean())
    std = float(w.std(ddof=1)) if n > 1 else math.inf
    return m, mean, std / math.sqrt(n)


def _to_linear(m: float, mean: float, err: float, what: str) -> tuple[float, float]:
    if mean == 0.0 and err == 0.0:
        return 0.0, 0.0
    log_size = m + math.log(max(abs(mean), err))
    if not -_LOG_MAX < log_size < _LOG_MAX:
        raise FloatingPointError(
            f"the {what} is outside the float64 range (log ~ {log_size:.1f}); "
            "use log_expected instead"
        )
    scale = math.exp(m)
    return mean * scale, err * scale


@dataclass(frozen=True)
class KacRiceSamples:
    """Draws of the finite-N Kac-Rice expectation, reusable for any count.

    Each draw k carries the loss levels per N, u_D = (l_D - l_G)/N and u_G = l_G/N,
    the shifts x, x1, ``log|det J'|``, the sign of det J', the numbers of negative
    eigenvalues of the two diagonal blocks of J' and the log likelihood ratio of the
    Gaussian proposal (0 without importance sampling).  The expected number of
    critical points in a set S is ``exp(log_prefactor) * mean_k(|det J'_k|
    exp(log_weight_k) 1{draw k in S})``; see :meth:`expected`.

    Attributes
    ----------
    p, q, sigma_z, n_D, n_G
        The model and its sizes (N = n_D + n_G, kappa = n_D / N).
    constants : DerivedConstants
        b, b1, v_D, v_G, K.
    log_prefactor : float
        log[V_D V_G (2 pi)^(-(N-2)/2) v_D^(-(n_D-1)/2) v_G^(-(n_G-1)/2)].
    proposal_mean : ndarray, shape (3,)
        Mean of the proposal law of (l_D, l_G, rho)/N (zeros: the exact law).
    proposal_cov : ndarray, shape (3, 3)
        N times its covariance (K: the exact law).
    u_D, u_G, x, x1, log_abs_det, log_weight : ndarray, shape (samples,)
        Per-draw values (float64).
    sign : ndarray of int8, shape (samples,)
        sign det J'.
    neg_D, neg_G : ndarray of int, shape (samples,)
        Numbers of negative eigenvalues of the D block (order n_D - 1) and of the G
        block (order n_G - 1) of J' (-1 if drawn with ``indices=False``).
    """

    p: int
    q: int
    sigma_z: float
    n_D: int
    n_G: int
    constants: DerivedConstants
    log_prefactor: float
    proposal_mean: NDArray[np.float64]
    proposal_cov: NDArray[np.float64]
    u_D: NDArray[np.float64]
    u_G: NDArray[np.float64]
    x: NDArray[np.float64]
    x1: NDArray[np.float64]
    log_abs_det: NDArray[np.float64]
    sign: NDArray[np.int8]
    neg_D: NDArray[np.int64]
    neg_G: NDArray[np.int64]
    log_weight: NDArray[np.float64] = field(repr=False)

    @property
    def n(self) -> int:
        """N = n_D + n_G."""
        return self.n_D + self.n_G

    @property
    def samples(self) -> int:
        """Number of draws."""
        return self.u_D.size

    def k_D(self, d_index: DIndex = "ascent") -> NDArray[np.int64]:
        """Per-draw D index: negative (``"ascent"``) or positive (``"descent"``) eigenvalues.

        Parameters
        ----------
        d_index : {"ascent", "descent"}
            Which eigenvalues of the D block of J' to count.

        Returns
        -------
        ndarray of int, shape (samples,)
            The D index of each draw.
        """
        return self.neg_D if _d_index(d_index) == "ascent" else (self.n_D - 1) - self.neg_D

    def mask(
        self,
        u_D: float = np.inf,
        u_G: float = np.inf,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
    ) -> NDArray[np.bool_]:
        """Draws with u_D <= ``u_D``, u_G <= ``u_G`` and the given block indices.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per N (+inf: none).
        k_D, k_G : int or None
            Block indices; None: any.
        d_index : {"ascent", "descent"}
            k_D counts negative (default) or positive eigenvalues of the D block of J'.

        Returns
        -------
        ndarray of bool, shape (samples,)
            True for the draws in the set.
        """
        u_D = _threshold("u_D", u_D)
        u_G = _threshold("u_G", u_G)
        k_D = _index("k_D", k_D, self.n_D - 1)
        k_G = _index("k_G", k_G, self.n_G - 1)
        keep = (self.u_D <= u_D) & (self.u_G <= u_G)
        if (k_D is not None or k_G is not None) and self.samples and self.neg_D[0] < 0:
            raise ValueError("k_D and k_G need samples drawn with indices=True")
        if k_D is not None:
            keep &= self.k_D(d_index) == k_D
        if k_G is not None:
            keep &= self.neg_G == k_G
        return keep

    def log_terms(self, mask: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
        """log of each draw's term, prefactor included; -inf outside ``mask``.

        Parameters
        ----------
        mask : ndarray of bool, shape (samples,), optional
            Draws to keep (default: all).

        Returns
        -------
        ndarray, shape (samples,)
            ``log(exp(log_prefactor) |det J'| exp(log_weight))`` for each draw in the mask.
        """
        t = self.log_prefactor + self.log_abs_det + self.log_weight
        return t if mask is None else np.where(mask, t, -np.inf)

    def _estimate(self, keep: NDArray[np.bool_], signed: bool) -> tuple[float, float, float]:
        if self.samples < 2:
            raise ValueError("a standard error needs samples >= 2")
        signs = None
        if signed:
            signs = self.sign.astype(float) * (-1.0) ** (self.n_D - 1)
        return _mean_stderr(self.log_terms(keep), signs)

    def expected(
        self,
        u_D: float = np.inf,
        u_G: float = np.inf,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
    ) -> tuple[float, float]:
        """Expected number of critical points in the set, and its standard error.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per N: L_D <= N u_D and L_G <= N u_G (+inf: no bound).
        k_D, k_G : int or None
            Block indices (None: any).
        d_index : {"ascent", "descent"}
            k_D counts negative (ascent of L_D) or positive (descent) eigenvalues of
            the D block of J'.

        Returns
        -------
        (mean, stderr) : tuple of float
            Dimensionless counts.  (0.0, 0.0) when no draw falls in the set.

        Raises
        ------
        FloatingPointError
            If the count overflows (or underflows) float64; use :meth:`log_expected`.
        """
        keep = self.mask(u_D, u_G, k_D, k_G, d_index=d_index)
        return _to_linear(*self._estimate(keep, False), "expected count")

    def log_expected(
        self,
        u_D: float = np.inf,
        u_G: float = np.inf,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
    ) -> tuple[float, float]:
        """(1/N) log of :meth:`expected` and its delta-method standard error.

        The error is stderr / (N mean); it is meaningful while stderr << mean.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per N (+inf: none).
        k_D, k_G : int or None
            Block indices; None: any.
        d_index : {"ascent", "descent"}
            k_D counts negative (default) or positive eigenvalues of the D block of J'.

        Returns
        -------
        (value, stderr) : tuple of float
            (1/N) log E # and stderr(E #) / (N E #); (-inf, inf) when no draw falls in
            the set.
        """
        keep = self.mask(u_D, u_G, k_D, k_G, d_index=d_index)
        m, mean, err = self._estimate(keep, False)
        if mean <= 0.0:
            return -math.inf, math.inf
        n = self.n
        return (m + math.log(mean)) / n, err / (mean * n)

    def _map_sums(self, u_D, u_G, k_D, k_G, d_index) -> tuple[float, NDArray, NDArray]:
        """Log scale m and the sums of w_k and w_k^2 (w_k = term_k e^-m) over each quadrant."""
        grids = []
        for name, grid in (("u_D", u_D), ("u_G", u_G)):
            g = np.asarray(grid, dtype=float)
            if g.ndim != 1 or g.size < 1 or np.isnan(g).any() or np.any(np.diff(g) <= 0):
                raise ValueError(f"{name} must be a 1-D increasing array without NaN")
            grids.append(g)
        g_D, g_G = grids
        keep = self.mask(np.inf, np.inf, k_D, k_G, d_index=d_index)
        keep &= (self.u_D <= g_D[-1]) & (self.u_G <= g_G[-1])
        t = self.log_terms(keep)
        finite = np.isfinite(t)
        shape = (g_G.size, g_D.size)
        if not finite.any():
            return 0.0, np.zeros(shape), np.zeros(shape)
        m = float(t[finite].max())
        w = np.exp(t[finite] - m)
        i_D = np.searchsorted(g_D, self.u_D[finite], side="left")
        i_G = np.searchsorted(g_G, self.u_G[finite], side="left")
        cell = i_G * g_D.size + i_D
        s1 = np.bincount(cell, w, g_G.size * g_D.size).reshape(shape)
        s2 = np.bincount(cell, w * w, g_G.size * g_D.size).reshape(shape)
        return m, s1.cumsum(0).cumsum(1), s2.cumsum(0).cumsum(1)

    def expected_map(
        self,
        u_D: NDArray[np.float64],
        u_G: NDArray[np.float64],
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """:meth:`expected` on the grid u_D x u_G, from the same draws, in one pass.

        Parameters
        ----------
        u_D, u_G : array_like, 1-D, increasing
            Loss thresholds per N (+inf allowed).
        k_D, k_G, d_index
            As in :meth:`expected`.

        Returns
        -------
        (mean, stderr) : ndarrays of shape (u_G.size, u_D.size)
            Indexed [i_G, i_D]; equal to :meth:`expected` at each point up to rounding.
        """
        m, s1, s2 = self._map_sums(u_D, u_G, k_D, k_G, d_index)
        n = self.samples
        mean = s1 / n
        err = np.sqrt(np.maximum(s2 / n - mean**2, 0.0) * n / (n - 1) / n)
        top = float(max(mean.max(), err.max()))
        if top > 0.0 and not -_LOG_MAX < m + math.log(top) < _LOG_MAX:
            raise FloatingPointError(
                "the counts are outside the float64 range; use log_expected_map"
            )
        return mean * math.exp(m), err * math.exp(m)

    def log_expected_map(
        self,
        u_D: NDArray[np.float64],
        u_G: NDArray[np.float64],
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(1/N) log of :meth:`expected_map` and its delta-method error.

        Parameters
        ----------
        u_D, u_G : ndarray, 1-D
            Grids of loss thresholds per N.
        k_D, k_G : int or None
            Block indices; None: any.
        d_index : {"ascent", "descent"}
            k_D counts negative (default) or positive eigenvalues of the D block of J'.

        Returns
        -------
        value, stderr : ndarray, shape (len(u_G), len(u_D))
            Indexed [i_G, i_D]; -inf and inf where no draw falls in the set.
        """
        m, s1, s2 = self._map_sums(u_D, u_G, k_D, k_G, d_index)
        n = self.samples
        mean = s1 / n
        err = np.sqrt(np.maximum(s2 / n - mean**2, 0.0) * n / (n - 1) / n)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(mean > 0, (m + np.log(mean)) / self.n, -np.inf)
            lerr = np.where(mean > 0, err / (mean * self.n), np.inf)
        return value, lerr

    def signed_sum(
        self,
        u_D: float = np.inf,
        u_G: float = np.inf,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
    ) -> tuple[float, float]:
        """E[sum over critical points in the set of sign det J], and its standard error.

        J is the unflipped Jacobian, det J = (-1)^(n_D - 1) det J'.  Without thresholds
        or index constraints this is chi(S^(n_D-1)) chi(S^(n_G-1)) exactly
        (Poincare-Hopf; chi(S^n) = 1 + (-1)^n), a check of every constant of the formula.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per N (+inf: none).
        k_D, k_G : int or None
            Block indices; None: any.
        d_index : {"ascent", "descent"}
            k_D counts negative (default) or positive eigenvalues of the D block of J'.

        Returns
        -------
        (value, stderr) : tuple of float
            The expected signed count and its Monte Carlo standard error.
        """
        keep = self.mask(u_D, u_G, k_D, k_G, d_index=d_index)
        return _to_linear(*self._estimate(keep, True), "signed sum")


# ------------------------------------------------------------------ sampling
def _clip_cov(cov: NDArray, k: NDArray, lo: float, hi: float) -> NDArray:
    """cov with its generalised eigenvalues against k clipped to [lo, hi]."""
    chol = np.linalg.cholesky(k)
    inv = np.linalg.inv(chol)
    w, u = np.linalg.eigh(inv @ cov @ inv.T)
    w = np.clip(w, lo, hi)
    out = chol @ (u * w) @ u.T @ chol.T
    return 0.5 * (out + out.T)


def _laplace_cov(constants: DerivedConstants, v: NDArray) -> NDArray:
    """(K^-1 - Hess_v L(T v))^-1 at v, the Hessian by central differences in (x, x1)."""
    b, b1, kappa = constants.b, constants.b1, constants.kappa
    x, x1 = constants.to_ensemble @ v
    h = 1e-3 * max(b, 1.0)

    def ell(dx: float, dx1: float) -> float:
        return float(log_potential(np.array([x + dx]), b, b1, kappa, float(x1 + dx1))[0])

    f0 = ell(0.0, 0.0)
    hxx = (ell(h, 0.0) - 2.0 * f0 + ell(-h, 0.0)) / h**2
    hyy = (ell(0.0, h) - 2.0 * f0 + ell(0.0, -h)) / h**2
    hxy = (ell(h, h) - ell(h, -h) - ell(-h, h) + ell(-h, -h)) / (4.0 * h * h)
    t = constants.to_ensemble
    hess = t.T @ np.array([[hxx, hxy], [hxy, hyy]]) @ t
    prec = np.linalg.inv(constants.cov_matrix) - hess
    if not np.all(np.isfinite(prec)) or np.linalg.eigvalsh(prec).min() <= 0.0:
        return constants.cov_matrix
    return np.linalg.inv(prec)


def _proposal(
    constants: DerivedConstants, proposal: object, u_D: float, u_G: float
) -> tuple[NDArray, NDArray]:
    """Mean and N x covariance of the proposal law of (l_D, l_G, rho)/N."""
    k = constants.cov_matrix
    if proposal is None:
        return np.zeros(3), k
    if isinstance(proposal, str):
        if proposal != "auto":
            raise ValueError(
                f"proposal must be None, 'auto', a mean or (mean, cov), got {proposal!r}"
            )
        saddle = _saddle(constants, u_D, u_G)
        if not np.all(np.isfinite(saddle.v)):
            return np.zeros(3), k
        return saddle.v, _clip_cov(_laplace_cov(constants, saddle.v), k, 0.6, 1.8)
    if isinstance(proposal, tuple):
        if len(proposal) != 2:
            raise ValueError("proposal as a tuple must be (mean, cov)")
        mean = val.finite_array("proposal mean", proposal[0])
        cov = val.finite_array("proposal cov", proposal[1])
        if cov.shape != (3, 3) or not np.allclose(cov, cov.T):
            raise ValueError("proposal cov must be a symmetric 3x3 array")
        chol = np.linalg.cholesky(k)
        inv = np.linalg.inv(chol)
        w = np.linalg.eigvalsh(inv @ cov @ inv.T)
        if w.min() <= 0.5 or w.max() >= 2.0:
            raise ValueError(
                "proposal cov must have generalised eigenvalues against K in (1/2, 2), "
                f"got {w.min():.3g} .. {w.max():.3g}"
            )
    else:
        mean = val.finite_array("proposal", proposal)
        cov = k
    if mean.shape != (3,):
        raise ValueError(f"proposal mean must have shape (3,), got {mean.shape}")
    return mean, cov


def _log_likelihood_ratio(v: NDArray, z: NDArray, n: int, cov: NDArray, chol: NDArray) -> NDArray:
    """log N(v; 0, K/N) - log N(v; mean, C/N) for v = mean + chol z / sqrt(N), C = chol chol^T."""
    quad_k = np.einsum("ki,ki->k", v, np.linalg.solve(cov, v.T).T)
    out = 0.5 * (np.einsum("ki,ki->k", z, z) - n * quad_k)
    return out + float(np.log(np.diag(chol)).sum()) - 0.5 * float(np.linalg.slogdet(cov)[1])


def _sample(
    constants: DerivedConstants,
    n_D: int,
    n_G: int,
    samples: int,
    rng: np.random.Generator,
    mean: NDArray[np.float64],
    prop_cov: NDArray[np.float64],
    max_bytes: int,
    indices: bool,
) -> dict[str, NDArray]:
    n = n_D + n_G
    cov = constants.cov_matrix
    chol = np.linalg.cholesky(prop_cov)
    z = rng.standard_normal((samples, 3))
    v = z @ chol.T / math.sqrt(n) + mean  # (l_D, l_G, rho) / N from the proposal
    if not mean.any() and np.array_equal(prop_cov, cov):  # the exact law: weight 1
        log_weight = np.zeros(samples)
    else:
        log_weight = _log_likelihood_ratio(v, z, n, cov, chol)
    x, x1 = constants.to_ensemble @ v.T
    m = n - 2
    nd1 = n_D - 1
    batch = max(1, min(samples, max_bytes // (8 * m * m)))
    log_abs_det = np.empty(samples)
    sign = np.empty(samples, dtype=np.int8)
    neg_D = np.full(samples, -1, dtype=np.int64)
    neg_G = np.full(samples, -1, dtype=np.int64)
    buf = np.empty((batch, m, m))
    for start in range(0, samples, batch):
        stop = min(samples, start + batch)
        mats = buf[: stop - start]
        fill_jacobians(
            rng, mats, constants.b, constants.b1, n, n_D, x[start:stop] + x1[start:stop],
            x[start:stop],
        )  # fmt: skip
        if indices:  # eigvalsh reads one triangle; slogdet's LU works on a copy
            neg_D[start:stop] = (np.linalg.eigvalsh(mats[:, :nd1, :nd1]) < 0.0).sum(axis=1)
            neg_G[start:stop] = (np.linalg.eigvalsh(mats[:, nd1:, nd1:]) < 0.0).sum(axis=1)
        s, logdet = np.linalg.slogdet(mats)
        sign[start:stop] = s
        log_abs_det[start:stop] = logdet
    if np.isnan(log_abs_det).any():
        raise FloatingPointError("slogdet returned NaN (non-finite Jacobian entries)")
    return {
        "u_D": v[:, 0] - v[:, 1],
        "u_G": v[:, 1].copy(),
        "x": x,
        "x1": x1,
        "log_abs_det": log_abs_det,
        "sign": sign,
        "neg_D": neg_D,
        "neg_G": neg_G,
        "log_weight": log_weight,
    }


def kac_rice_samples(
    p: int,
    q: int,
    sigma_z: float,
    n_D: int,
    n_G: int,
    samples: int = 200_000,
    rng: RngLike = None,
    *,
    proposal: Proposal = None,
    u_D: float = np.inf,
    u_G: float = np.inf,
    indices: bool = True,
    max_bytes: int = _MAX_BYTES,
) -> KacRiceSamples:
    """Draw the terms of the finite-N Kac-Rice expectation once, for any later count.

    Parameters
    ----------
    p, q : int
        Orders (p >= 2, q >= 1; r = p + q).
    sigma_z : float
        Latent-noise scale, > 0.
    n_D, n_G : int
        Numbers of discriminator and generator weights, each >= 2 (N = n_D + n_G).
    samples : int
        Number of independent draws of (l_D, l_G, rho, M, M1), >= 2.
    rng : int, numpy.random.Generator or None
        Seed or generator.
    proposal : None, "auto", array_like of shape (3,) or (mean, cov)
        Importance sampling: v = (l_D, l_G, rho)/N is drawn from N(mean, C/N) instead
        of its law N(0, K/N), and each term is multiplied by the likelihood ratio
        N(v; 0, K/N) / N(v; mean, C/N).  None: the exact law.  An array: that mean,
        C = K.  A pair: mean and C (symmetric, with generalised eigenvalues against
        K in (1/2, 2), which keeps the estimator's variance finite).  "auto": the
        maximiser v* of L(x; x1) - v^T K^-1 v / 2 over the set u_D, u_G
        (:func:`kac_rice_saddle`), where the integrand concentrates as N grows, and
        C = (K^-1 - Hess L)^-1 there (the Laplace covariance), its generalised
        eigenvalues clipped to [0.6, 1.8].
    u_D, u_G : float
        Thresholds used by ``proposal="auto"`` only.
    indices : bool
        Compute the block indices (two symmetric eigensolves per draw, most of the
        cost at large N).  With False, index constraints raise ``ValueError``.
    max_bytes : int
        Bound on the memory of the matrices held at once (a batch holds at least one).

    Returns
    -------
    KacRiceSamples
    """
    n_D, n_G = _sizes(n_D, n_G)
    constants = _constants(p, q, sigma_z, n_D, n_G)
    samples = val.integer("samples", samples, 2)
    max_bytes = val.integer("max_bytes", max_bytes, 1)
    u_D = _threshold("u_D", u_D)
    u_G = _threshold("u_G", u_G)
    mean, prop_cov = _proposal(constants, proposal, u_D, u_G)
    gen = np.random.default_rng(rng)
    draws = _sample(constants, n_D, n_G, samples, gen, mean, prop_cov, max_bytes, bool(indices))
    return KacRiceSamples(
        p=constants.p,
        q=constants.q,
        sigma_z=float(sigma_z),
        n_D=n_D,
        n_G=n_G,
        constants=constants,
        log_prefactor=log_prefactor(n_D, n_G, constants),
        proposal_mean=mean,
        proposal_cov=prop_cov,
        **draws,
    )


def expected_critical_points(
    p: int,
    q: int,
    sigma_z: float,
    n_D: int,
    n_G: int,
    u_D: float = np.inf,
    u_G: float = np.inf,
    k_D: int | None = None,
    k_G: int | None = None,
    samples: int = 200_000,
    rng: RngLike = None,
    *,
    d_index: DIndex = "ascent",
    proposal: Proposal = None,
) -> tuple[float, float]:
    """Exact finite-N expected number of critical points, by Monte Carlo.

    The formula (module docstring; docs/kac-rice-finite-n.md)::

        E #{critical points with L_D <= N u_D, L_G <= N u_G, block indices (k_D, k_G)}
          = V_D V_G (2 pi)^(-(N-2)/2) v_D^(-(n_D-1)/2) v_G^(-(n_G-1)/2)
            * E[|det J'| 1{(l_D - l_G)/N <= u_D, l_G/N <= u_G} 1{indices}]

    Parameters
    ----------
    p, q, sigma_z, n_D, n_G
        The model (p >= 2, q >= 1, sigma_z > 0) and its sizes (n_D, n_G >= 2).
    u_D, u_G : float
        Loss thresholds per N (+inf: none).
    k_D, k_G : int or None
        Block indices; None: any.
    samples : int
        Monte Carlo draws, >= 2.
    rng : int, numpy.random.Generator or None
        Seed or generator.
    d_index : {"ascent", "descent"}
        k_D counts negative (default) or positive eigenvalues of the D block of J'.
    proposal : None, "auto", array_like of shape (3,) or (mean, cov)
        Importance sampling of (l_D, l_G, rho)/N; see :func:`kac_rice_samples`.

    Returns
    -------
    (mean, stderr) : tuple of float
        The expected count (dimensionless) and its Monte Carlo standard error.

    Examples
    --------
    >>> import spinglass_gan as sg
    >>> mean, err = sg.expected_critical_points(3, 3, 1.0, 3, 3, samples=20_000, rng=0)
    >>> 250 < mean < 300 and err < 10    # about 274 critical points at N = 6
    True
    """
    n_D, n_G = _sizes(n_D, n_G)
    _index("k_D", k_D, n_D - 1), _index("k_G", k_G, n_G - 1), _d_index(d_index)
    indices = k_D is not None or k_G is not None
    draws = kac_rice_samples(
        p, q, sigma_z, n_D, n_G, samples, rng, proposal=proposal, u_D=u_D, u_G=u_G, indices=indices
    )
    return draws.expected(u_D, u_G, k_D, k_G, d_index=d_index)


def log_expected_critical_points(
    p: int,
    q: int,
    sigma_z: float,
    n_D: int,
    n_G: int,
    u_D: float = np.inf,
    u_G: float = np.inf,
    k_D: int | None = None,
    k_G: int | None = None,
    samples: int = 200_000,
    rng: RngLike = None,
    *,
    d_index: DIndex = "ascent",
    proposal: Proposal = None,
) -> tuple[float, float]:
    """(1/N) log of :func:`expected_critical_points`, with a delta-method error.

    Computed in log space throughout, so it works where the count overflows float64.
    Tends to the complexity exponent of :func:`kac_rice_saddle` as N grows, with an
    O(log N / N) correction.

    Parameters
    ----------
    p, q, sigma_z, n_D, n_G
        The model (p >= 2, q >= 1, sigma_z > 0) and its sizes (n_D, n_G >= 2).
    u_D, u_G : float
        Loss thresholds per N (+inf: none).
    k_D, k_G : int or None
        Block indices; None: any.
    samples : int
        Monte Carlo draws, >= 2.
    rng : int, numpy.random.Generator or None
        Seed or generator.
    d_index : {"ascent", "descent"}
        k_D counts negative (default) or positive eigenvalues of the D block of J'.
    proposal : None, "auto", array_like of shape (3,) or (mean, cov)
        Importance sampling of (l_D, l_G, rho)/N; see :func:`kac_rice_samples`.

    Returns
    -------
    (value, stderr) : tuple of float
        (1/N) log E #, and stderr(E #) / (N E #).  (-inf, inf) if no draw is in the set.
    """
    n_D, n_G = _sizes(n_D, n_G)
    _index("k_D", k_D, n_D - 1), _index("k_G", k_G, n_G - 1), _d_index(d_index)
    indices = k_D is not None or k_G is not None
    draws = kac_rice_samples(
        p, q, sigma_z, n_D, n_G, samples, rng, proposal=proposal, u_D=u_D, u_G=u_G, indices=indices
    )
    return draws.log_expected(u_D, u_G, k_D, k_G, d_index=d_index)


# ------------------------------------------------------------------ N -> infinity
class KacRiceSaddle(NamedTuple):
    """The N -> infinity exponent and where it is attained.

    Attributes
    ----------
    theta : float
        C* + max of L(x; x1) - v^T K^-1 v / 2 over the set (per N).
    v : ndarray, shape (3,)
        The maximiser (a, g, h) = (l_D, l_G, rho)/N.
    x, x1 : float
        The ensemble's shifts there.
    """

    theta: float
    v: NDArray[np.float64]
    x: float
    x1: float


def _saddle(constants: DerivedConstants, u_D: float, u_G: float) -> KacRiceSaddle:
    """The exact supremum (:class:`~spinglass_gan.quadrant.QuadrantSolver`) and its maximiser."""
    res = QuadrantSolver(constants).suprema(np.array([u_D]), np.array([u_G]))
    if not np.isfinite(res.values[0, 0]):
        return KacRiceSaddle(-math.inf, np.full(3, np.nan), math.nan, math.nan)
    x, x1, t = res.maximisers[:, 0, 0]
    v = np.array(constants.coordinates.losses(x, x1, t))  # (a, g, h)
    return KacRiceSaddle(float(res.values[0, 0]), v, float(x), float(x1))


def kac_rice_saddle(
    p: int,
    q: int,
    sigma_z: float,
    kappa: float,
    u_D: float = np.inf,
    u_G: float = np.inf,
) -> KacRiceSaddle:
    """Complexity exponent of the model's own formula (no index constraint), and its maximiser.

    Theta(u_D, u_G) = C* + sup { L(x; x1) - v^T K^-1 v / 2 : a - g <= u_D, g <= u_G },
    v = (a, g, h) = (l_D, l_G, rho)/N, x = r g - h, x1 = 2h - p a - r g, L the
    log-potential of the Hessian ensemble: the exact supremum of
    ``GanSpinGlass(p, q, sigma_z, kappa).theta(u_D, u_G)`` with its maximiser.  This is
    the limit of :func:`log_expected_critical_points` and the centre used by
    ``proposal="auto"``.

    Parameters
    ----------
    p, q, sigma_z, kappa
        The model.
    u_D, u_G : float
        Loss thresholds per N (+inf: none; -inf: the empty set, theta = -inf).

    Returns
    -------
    KacRiceSaddle
        Theta (per N), the maximiser v and the shifts (x, x1) there.
    """
    p = val.integer("p", p, 2)
    q = val.integer("q", q, 1)
    sigma_z = val.positive("sigma_z", sigma_z)
    kappa = val.open_unit("kappa", kappa)
    constants = DerivedConstants.from_model(p, q, sigma_z, kappa)
    return _saddle(constants, _threshold("u_D", u_D), _threshold("u_G", u_G))
