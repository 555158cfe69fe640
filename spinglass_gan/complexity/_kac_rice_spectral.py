"""Spectral sampler of the finite-N Kac-Rice expectation, with forced block indices (private).

The Jacobian of the finite-N formula is

    J' = [[A_D - y_D, B], [B^T, A_G - y_G]],   y_D = x + x1,  y_G = x,

with A_D = (b M + b1 M1) restricted to the D rows, a GOE of order n_D - 1 with
off-diagonal variance s_D^2 = b^2/(2N) + b1^2/(2 n_D), A_G = b M restricted to the G
rows, a GOE of order n_G - 1 with off-diagonal variance s_G^2 = b^2/(2N), and B the
(n_D - 1) x (n_G - 1) off-diagonal block of b M, iid N(0, b^2/(2N)); the three are
independent.  A GOE is A = O diag(lam) O^T with O Haar and independent of its spectrum
lam, and O_D^T B O_G has the law of B whatever O_D, O_G, so

    (det J', spectra of the diagonal blocks)  has the law of the same quantities for
    [[diag(lam_D) - y_D, B], [B^T, diag(lam_G) - y_G]],

and det of that matrix is prod(lam_D - y_D) det(diag(lam_G - y_G) - B^T diag(1/(lam_D -
y_D)) B), a determinant of order n_G - 1 only.  The spectra come from the tridiagonal
model of Dumitriu and Edelman (O(n^2) each).

An index constraint "exactly k eigenvalues of a block below its shift y" is made likely
by drawing k eigenvalues xi_1..xi_k below y (y - xi_i iid exponential with a rate set by
the other eigenvalues) and the other n - k from a GOE of order n - k; the importance
weight is the exact ratio of the densities of the ordered spectrum,

    w = C(n, k) (Z_{n-k} / Z_n) prod_{i,j} |xi_i - mu_j| prod_{i<i'} |xi_i - xi_i'|
        prod_i exp(-xi_i^2 / (4 s^2)) / prod_i g(xi_i),

Z_n the normalisation of the GOE eigenvalue density |Delta(lam)| exp(-sum lam^2/(4 s^2))
(Mehta's integral), g the exponential density.  On the event "exactly k below y" every
spectrum is drawn by exactly one assignment (xi the k lowest), so w 1{event} is unbiased
for the event under the GOE; draws outside the event carry no weight for that question.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import eigvalsh_tridiagonal
from scipy.special import gammaln

from ._kac_rice_kernels import tridiagonal_batch, tridiagonal_logdets

_DENSE_BELOW = 48  # tridiagonal spectra of at most this order by batched dense eigvalsh


def log_goe_norm(n: int, s: float) -> float:
    """log of int_{R^n} |Delta(lam)| exp(-sum lam^2 / (4 s^2)) dlam (Mehta's integral).

    With lam = s sqrt(2) t this is (s sqrt 2)^(n + n(n-1)/2) (2 pi)^(n/2)
    prod_{j=1..n} Gamma(1 + j/2) / Gamma(3/2).
    """
    if n == 0:
        return 0.0
    j = np.arange(1, n + 1)
    return (
        (n + 0.5 * n * (n - 1)) * math.log(s * math.sqrt(2.0))
        + 0.5 * n * math.log(2.0 * math.pi)
        + float(np.sum(gammaln(1.0 + 0.5 * j))) - n * float(gammaln(1.5))
    )  # fmt: skip


def goe_spectra(rng: np.random.Generator, n: int, s: float, size: int) -> NDArray[np.float64]:
    """Ascending spectra of ``size`` GOE matrices of order n, off-diagonal variance s^2.

    Dumitriu-Edelman: the symmetric tridiagonal matrix with diagonal N(0, 1) and
    off-diagonal chi_{n-1}, ..., chi_1 over sqrt(2) has the eigenvalue law
    |Delta| exp(-sum lam^2 / 2) (off-diagonal variance 1/2); scaled by s sqrt(2).
    """
    out = np.empty((size, n))
    if n == 0:
        return out
    scale = s * math.sqrt(2.0)
    diag = rng.standard_normal((size, n))
    if n == 1:
        out[:, 0] = scale * diag[:, 0]
        return out
    off = np.sqrt(rng.chisquare(np.arange(n - 1, 0, -1.0), size=(size, n - 1)) / 2.0)
    return tridiagonal_spectra(diag, off) * scale


def tridiagonal_spectra(diag: NDArray[np.float64], off: NDArray[np.float64]) -> NDArray:
    """Ascending eigenvalues of a batch of symmetric tridiagonal matrices (rows of the
    diagonal ``diag`` and off-diagonal ``off``)."""
    size, n = diag.shape
    if n <= _DENSE_BELOW:  # small orders: one batched dense solve beats a loop of calls
        mats = np.zeros((size, n, n))
        idx = np.arange(n)
        mats[:, idx, idx] = diag
        mats[:, idx[1:], idx[:-1]] = off
        mats[:, idx[:-1], idx[1:]] = off
        return np.linalg.eigvalsh(mats)
    out = np.empty((size, n))
    for i in range(size):
        out[i] = eigvalsh_tridiagonal(diag[i], off[i], lapack_driver="stemr")
    return out


def forced_log_density(xi: NDArray, log_rest: NDArray, n: int, s: float) -> NDArray:
    """log of the GOE density of an ordered spectrum of order n whose k lowest are xi,
    relative to the GOE density of the other n - k (GOE scale s):

        C(n, k) (Z_{n-k} / Z_n) prod_{i,j} |xi_i - mu_j| prod_{i<i'} |xi_i - xi_i'|
        prod_i exp(-xi_i^2 / (4 s^2)),

    ``log_rest`` the per-draw sum of log|xi_i - mu_j| over the other eigenvalues mu.
    Minus the log density of the proposal for xi, it is a forced draw's log weight.
    """
    k = xi.shape[1]
    out = (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + log_goe_norm(n - k, s) - log_goe_norm(n, s)
    ) + log_rest  # fmt: skip
    for i in range(k):
        for j in range(i):
            out = out + np.log(np.abs(xi[:, i] - xi[:, j]))
    return out - (xi**2).sum(axis=1) / (4.0 * s * s)


def _rate(slope: NDArray, y: NDArray, n: int, s: float) -> NDArray:
    """Rate of the exponential gaps y - xi of forced eigenvalues.

    The slope at y of the log density of one eigenvalue given the others, floored at
    n^(1/6)/s (the inverse of the edge's fluctuation scale); where y is not below the
    bulk (y > -2 s sqrt(n)) the forced eigenvalues belong in the bulk, so the mean gap
    is at least y + 2 s sqrt(n), the distance down to the bulk's lower edge.
    """
    floor = max(n, 1) ** (1.0 / 6.0) / s
    rate = np.where(np.isfinite(slope), np.maximum(slope, floor), floor)
    reach = y + 2.0 * s * math.sqrt(max(n, 1))
    return np.where(reach > 0.0, np.minimum(rate, 1.0 / np.maximum(reach, 1e-300)), rate)


def forced_spectra(
    rng: np.random.Generator, n: int, s: float, y: NDArray[np.float64], k: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Spectra of order n with k eigenvalues drawn below y[i], and their log weights.

    Returns (lam, log_w): lam of shape (len(y), n) (unsorted: the k forced values
    first), log_w the log of the weight of the module docstring.  The exponential's
    rate (``_rate``) is the slope at y of the log density of one eigenvalue given the
    others, sum_j 1/(y - mu_j) - y/(2 s^2) (positive below the bulk's edge), kept a
    proper density near and inside the edge.
    """
    size = y.size
    mu = goe_spectra(rng, n - k, s, size)
    with np.errstate(divide="ignore"):
        slope = (1.0 / (y[:, None] - mu)).sum(axis=1) - y / (2.0 * s * s)
    rate = _rate(slope, y, n, s)
    gaps = rng.standard_exponential((size, k)) / rate[:, None]
    xi = y[:, None] - gaps
    with np.errstate(divide="ignore"):
        log_rest = np.log(np.abs(xi[:, :, None] - mu[:, None, :])).sum(axis=(1, 2))
        log_w = forced_log_density(xi, log_rest, n, s)
    log_w -= k * np.log(rate) - rate * gaps.sum(axis=1)
    return np.concatenate([xi, mu], axis=1), log_w


def block_spectra(
    rng: np.random.Generator,
    n: int,
    s: float,
    y: NDArray[np.float64],
    k: int | None,
    below: bool,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Spectra of one diagonal block (before the shift) and their log weights.

    ``k`` None or 0: plain GOE spectra, weight 1.  ``k`` >= 1: k eigenvalues forced
    below y (``below``) or above y (not ``below``, by the symmetry lam -> -lam of the
    GOE).
    """
    if not k:
        return goe_spectra(rng, n, s, y.size), np.zeros(y.size)
    if below:
        return forced_spectra(rng, n, s, y, k)
    lam, log_w = forced_spectra(rng, n, s, -y, k)
    return -lam, log_w


def log_det_schur(
    rng: np.random.Generator,
    d: NDArray[np.float64],
    g: NDArray[np.float64],
    off_sd: float,
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """log|det| and sign of [[diag(d), B], [B^T, diag(g)]] with B iid N(0, off_sd^2).

    det = prod(d) det(diag(g) - B^T diag(1/d) B), one batch of rows of d, g.
    """
    size, n_d = d.shape
    n_g = g.shape[1]
    b = rng.standard_normal((size, n_d, n_g)) * off_sd
    with np.errstate(divide="ignore"):
        schur = -np.einsum("kij,ki,kil->kjl", b, 1.0 / d, b, optimize=True)
    schur[:, np.arange(n_g), np.arange(n_g)] += g
    sign_s, log_s = np.linalg.slogdet(schur)
    with np.errstate(divide="ignore"):
        log_d = np.log(np.abs(d)).sum(axis=1)
    sign = np.sign(d).prod(axis=1) * sign_s
    return log_d + log_s, sign.astype(np.int8)


def _tridiagonal(rng: np.random.Generator, n: int, s: float, size: int):
    """Diagonal and off-diagonal of ``size`` Dumitriu-Edelman matrices (GOE order n)."""
    scale = s * math.sqrt(2.0)
    a = rng.standard_normal((size, n)) * scale
    e = np.sqrt(rng.chisquare(np.arange(n - 1, 0, -1.0), size=(size, max(n - 1, 0))) / 2.0)
    return a, e * scale


def d_block_tridiagonal(
    rng: np.random.Generator,
    n: int,
    s: float,
    y: NDArray[np.float64],
    k: int,
    m: int,
    off_sd: float,
    tilt: tuple[float, float] = (0.0, 1.0),
    below: bool = True,
) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray, NDArray]:
    """The D block kept tridiagonal: what the determinant and the index need, in O(n m^2).

    The block is blockdiag(diag(xi), T) - y with T a Dumitriu-Edelman matrix of order
    n - k (its spectrum is the GOE's) and xi the k forced eigenvalues (k = 0: none).
    B (n x m) is iid N(0, off_sd^2) in the block's own basis, which has the law of the
    off-diagonal block in any basis.  Returns per draw: the number of eigenvalues
    below y, log|det(block - y)|, its sign, S_D = B^T (block - y)^-1 B of shape
    (m, m), the log weight, and the moments (sum, sum of squares) of the spectrum of
    T.  Pivoting is not used: the draws an index question keeps have T - y positive
    definite.  ``below`` False forces k eigenvalues above y instead (the moments are
    then those of -T).

    ``tilt`` = (c, rho) draws T as c + rho T0, T0 of the GOE law: the spectrum of a
    GOE of scale rho s centred at c, the exponential tilt of the GOE by
    exp(alpha sum lam + beta sum lam^2).  The weight gets the exact density ratio
    log p_s(lam) - log q(lam) = -sum lam^2/(4 s^2) + sum (lam - c)^2/(4 rho^2 s^2)
    - log Z(s) + log Z(rho s) (the Vandermonde factors cancel), computed from the
    traces of T and T^2 without its eigenvalues.
    """
    if not below:  # the block is -X with X a GOE forced below -y (lam -> -lam symmetry)
        neg, log_det, sign, schur, log_w, mom = d_block_tridiagonal(
            rng, n, s, -y, k, m, off_sd, tilt, True
        )
        return n - neg, log_det, sign * (-1.0) ** n, -schur, log_w, mom
    size = y.size
    a, e = _tridiagonal(rng, n - k, s, size)
    c, rho = tilt
    tr1_0 = a.sum(axis=1)
    tr2_0 = (a * a).sum(axis=1) + 2.0 * (e * e).sum(axis=1)
    a = c + rho * a
    e = rho * e
    tr1 = (n - k) * c + rho * tr1_0
    tr2 = (n - k) * c * c + 2.0 * c * rho * tr1_0 + rho * rho * tr2_0
    log_tilt = -tr2 / (4.0 * s * s) + tr2_0 / (4.0 * s * s)
    log_tilt += log_goe_norm(n - k, rho * s) - log_goe_norm(n - k, s)
    b = rng.standard_normal((size, n, m)) * off_sd
    schur = np.zeros((size, m, m))
    stats = np.empty((size, 4))
    tridiagonal_batch(a, e, y, b[:, k:, :], schur, stats)
    neg, log_det, sign = stats[:, 0].astype(np.int64), stats[:, 1].copy(), stats[:, 2].copy()
    log_w = log_tilt
    if k:
        rate = _rate(stats[:, 3] - y / (2.0 * s * s), y, n, s)
        gaps = rng.standard_exponential((size, k)) / rate[:, None]
        xi = y[:, None] - gaps
        log_w += forced_log_density(xi, tridiagonal_logdets(a, e, xi).sum(axis=1), n, s)
        log_w += -k * np.log(rate) + rate * gaps.sum(axis=1)
        d = xi - y[:, None]  # all negative
        neg += k
        log_det += np.log(np.abs(d)).sum(axis=1)
        sign *= (-1.0) ** k
        schur += np.einsum("kic,ki,kid->kcd", b[:, :k, :], 1.0 / d, b[:, :k, :])
    return neg, log_det, sign, schur, log_w, np.stack([tr1, tr2], axis=1)
