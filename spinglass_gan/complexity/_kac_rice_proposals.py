"""Proposals and samplers of the finite-N Kac-Rice expectation (private).

Two samplers draw the terms P |det J'| w 1{set} (``kac_rice._sample_*``):

* dense: J' built entry by entry (compiled kernel), batched LU and eigensolves;
* spectral (``_kac_rice_spectral``): the diagonal blocks' spectra from the tridiagonal
  GOE model, det J' through the Schur complement of order n_G - 1, and block indices
  forced where asked, with the exact density ratio as weight.

Both take (l_D, l_G, rho)/N from a Gaussian proposal N(mean, C/N) with the likelihood
ratio N(v; 0, K/N) / N(v; mean, C/N) in the weight.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from .. import _validation as val
from ..rmt.potential import log_potential
from ._kac_rice_kernels import fill_jacobians
from ._kac_rice_spectral import block_spectra, d_block_tridiagonal, log_det_schur
from .derived import DerivedConstants
from .quadrant import QuadrantSolver

_SHRINK = 2.0  # pilot ESS at which an adaptive round moves the proposal half way


@lru_cache(maxsize=64)
def _solver(constants: DerivedConstants, k_D, k_G, d_index) -> QuadrantSolver:
    return QuadrantSolver(constants, k_D, k_G, d_index=d_index)


def indexed_maximiser(
    constants: DerivedConstants,
    u_D: float,
    u_G: float,
    k_D: int | None = None,
    k_G: int | None = None,
    d_index: str = "ascent",
) -> NDArray[np.float64]:
    """v* = (l_D, l_G, rho)/N maximising the index-constrained exponent over the
    quadrant u_D, u_G (NaN where the set is empty): the solver's maximiser (x, x1, t),
    t = l_G/N, mapped back by a = (r t - 2x - x1)/p, g = t, h = r t - x."""
    solver = _solver(constants, k_D, k_G, d_index)
    res = solver.suprema(np.array([u_D]), np.array([u_G]))
    if not np.isfinite(res.values[0, 0]):
        return np.full(3, np.nan)
    x, x1, t = res.maximisers[:, 0, 0]
    return np.array(constants.coordinates.losses(x, x1, t))


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


def proposal_law(
    constants: DerivedConstants,
    proposal: object,
    u_D: float,
    u_G: float,
    k_D: int | None = None,
    k_G: int | None = None,
    d_index: str = "ascent",
) -> tuple[NDArray, NDArray]:
    """Mean and N x covariance of the proposal law of (l_D, l_G, rho)/N.

    "auto": centred at the maximiser of the N -> infinity exponent over the set
    (thresholds and, when given, the index constraints), with the Laplace covariance.
    """
    k = constants.cov_matrix
    if proposal is None:
        return np.zeros(3), k
    if isinstance(proposal, str):
        if proposal != "auto":
            raise ValueError(
                f"proposal must be None, 'auto', a mean or (mean, cov), got {proposal!r}"
            )
        centre = indexed_maximiser(constants, u_D, u_G, k_D, k_G, d_index)
        if not np.all(np.isfinite(centre)) and (k_D is not None or k_G is not None):
            centre = indexed_maximiser(constants, u_D, u_G)
        if not np.all(np.isfinite(centre)):
            return np.zeros(3), k
        return centre, _clip_cov(_laplace_cov(constants, centre), k, 0.6, 1.8)
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


def log_likelihood_ratio(v: NDArray, z: NDArray, n: int, cov: NDArray, chol: NDArray) -> NDArray:
    """log N(v; 0, K/N) - log N(v; mean, C/N) for v = mean + chol z / sqrt(N), C = chol chol^T."""
    quad_k = np.einsum("ki,ki->k", v, np.linalg.solve(cov, v.T).T)
    out = 0.5 * (np.einsum("ki,ki->k", z, z) - n * quad_k)
    return out + float(np.log(np.diag(chol)).sum()) - 0.5 * float(np.linalg.slogdet(cov)[1])


def sample_dense(
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
        log_weight = log_likelihood_ratio(v, z, n, cov, chol)
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


def draw_v(
    constants: DerivedConstants,
    n: int,
    samples: int,
    rng,
    mean: NDArray,
    prop_cov: NDArray,
    df: float = math.inf,
) -> tuple[NDArray, NDArray]:
    """v = (l_D, l_G, rho)/N from the proposal and log N(v; 0, K/N) - log q(v).

    q is N(mean, C/N) (``df`` = inf) or the Student t with ``df`` degrees of freedom,
    location ``mean`` and scale matrix C/N, whose polynomial tails dominate the
    Gaussian-times-|det| integrand, so the weighted terms have finite variance
    whatever C.
    """
    chol = np.linalg.cholesky(prop_cov)
    z = rng.standard_normal((samples, 3))
    if math.isinf(df):
        v = z @ chol.T / math.sqrt(n) + mean
        if not mean.any() and np.array_equal(prop_cov, constants.cov_matrix):
            return v, np.zeros(samples)
        return v, log_likelihood_ratio(v, z, n, constants.cov_matrix, chol)
    scale = np.sqrt(df / rng.chisquare(df, samples))
    v = (z * scale[:, None]) @ chol.T / math.sqrt(n) + mean
    maha = np.einsum("ki,ki->k", z, z) * scale**2  # (v - mean)^T (C/N)^-1 (v - mean)
    log_det_scale = 2.0 * float(np.log(np.diag(chol)).sum()) - 3.0 * math.log(n)
    log_q = (
        math.lgamma(0.5 * (df + 3.0)) - math.lgamma(0.5 * df) - 1.5 * math.log(df * math.pi)
        - 0.5 * log_det_scale - 0.5 * (df + 3.0) * np.log1p(maha / df)
    )  # fmt: skip
    cov = constants.cov_matrix
    quad_k = np.einsum("ki,ki->k", v, np.linalg.solve(cov, v.T).T)
    log_det_k = float(np.linalg.slogdet(cov)[1]) - 3.0 * math.log(n)  # log det(K/N)
    log_p = -1.5 * math.log(2.0 * math.pi) - 0.5 * log_det_k - 0.5 * n * quad_k
    return v, log_p - log_q


def forcing(k: int | None, n: int, counting_below: bool, y: float, edge: float) -> tuple[int, bool]:
    """How to force "exactly k of the n eigenvalues of a block on the counting side of
    its shift y" (y at the proposal's centre, ``edge`` the block's semicircle radius).

    When y lies beyond the bulk's edge on the counting side the k eigenvalues are
    outliers: force k there.  Otherwise force the fewer of k on the counting side and
    n - k on the other (the same event).  Returns (how many, whether below the shift).
    """
    if k is None:
        return 0, True
    outside = y < -edge if counting_below else y > edge
    if outside or k <= n - k:
        return k, counting_below
    return n - k, not counting_below


def forcing_plan(constants: DerivedConstants, n_D: int, n_G: int, mean, k_D, k_G, d_index):
    """((count, below) for the D block, (count, below) for the G block) at ``mean``."""
    n = n_D + n_G
    b, b1 = constants.b, constants.b1
    x, x1 = constants.to_ensemble @ mean
    s_D = math.sqrt(b * b / (2.0 * n) + b1 * b1 / (2.0 * n_D))
    s_G = b / math.sqrt(2.0 * n)
    plan_D = forcing(k_D, n_D - 1, d_index == "ascent", x + x1, 2.0 * s_D * math.sqrt(n_D - 1))
    plan_G = forcing(k_G, n_G - 1, True, x, 2.0 * s_G * math.sqrt(n_G - 1))
    return plan_D, plan_G


def sample_spectral(
    constants: DerivedConstants,
    n_D: int,
    n_G: int,
    samples: int,
    rng: np.random.Generator,
    mean: NDArray[np.float64],
    prop_cov: NDArray[np.float64],
    max_bytes: int,
    forced: tuple[int | None, int | None],
    d_index: str,
    df: float = math.inf,
    tilt: tuple[float, float] = (0.0, 1.0),
    plan: tuple[tuple[int, bool], tuple[int, bool]] = ((0, True), (0, True)),
) -> dict[str, NDArray]:
    """The draws of ``kac_rice_samples(sampler="spectral")`` (module docstring of
    ``_kac_rice_spectral``): block spectra, det J' by the Schur complement, and the
    forced indices' density ratios added to the log weights.  ``forced`` holds the
    question's (k_D, k_G) (None: unconstrained), ``plan`` how each block is forced
    (``forcing_plan``).  With k_D given the D block stays
    tridiagonal (``d_block_tridiagonal``) and the draws answer that k_D only."""
    n = n_D + n_G
    b, b1 = constants.b, constants.b1
    k_D_question = forced[0]
    v, log_weight = draw_v(constants, n, samples, rng, mean, prop_cov, df)
    x, x1 = constants.to_ensemble @ v.T
    y_D, y_G = x + x1, x
    s_D = math.sqrt(b * b / (2.0 * n) + b1 * b1 / (2.0 * n_D))
    s_G = b / math.sqrt(2.0 * n)
    off_sd = b / math.sqrt(2.0 * n)
    (k_D, below_D), (k_G, below_G) = plan
    lam_G, w_G = block_spectra(rng, n_G - 1, s_G, y_G, k_G, below_G)
    g = lam_G - y_G[:, None]
    log_abs_det = np.empty(samples)
    sign = np.empty(samples, dtype=np.int8)
    neg_D = np.empty(samples, dtype=np.int64)
    w_D = np.empty(samples)
    moments = np.full((samples, 2), np.nan)
    # The tridiagonal D block (O(n_D n_G^2) per draw) needs the kept draws' D block
    # part T - y definite: a question with k_D fixed.
    tridiagonal = k_D_question is not None
    per_draw = 8 * (n_D - 1) * (n_G - 1) * (1 if tridiagonal else 2)
    batch = max(1, min(samples, max_bytes // per_draw))
    for start in range(0, samples, batch):
        sl = slice(start, min(samples, start + batch))
        if tridiagonal:
            neg, ld, sg, schur, w_D[sl], moments[sl] = d_block_tridiagonal(
                rng, n_D - 1, s_D, y_D[sl], k_D, n_G - 1, off_sd, tilt, below_D
            )
            idx = np.arange(n_G - 1)
            schur = -schur
            schur[:, idx, idx] += g[sl]
            sign_s, log_s = np.linalg.slogdet(schur)
            neg_D[sl] = neg
            log_abs_det[sl] = ld + log_s
            sign[sl] = (sg * sign_s).astype(np.int8)
        else:
            lam_D, w_D[sl] = block_spectra(rng, n_D - 1, s_D, y_D[sl], k_D, below_D)
            d = lam_D - y_D[sl, None]
            neg_D[sl] = (d < 0.0).sum(axis=1)
            log_abs_det[sl], sign[sl] = log_det_schur(rng, d, g[sl], off_sd)
    log_weight = log_weight + w_D + w_G
    if np.isnan(log_abs_det).any():
        raise FloatingPointError("the Schur determinant returned NaN (a block eigenvalue at 0)")
    return {
        "v": v,
        "moments": moments,
        "u_D": v[:, 0] - v[:, 1],
        "u_G": v[:, 1].copy(),
        "x": x,
        "x1": x1,
        "log_abs_det": log_abs_det,
        "sign": sign,
        "neg_D": neg_D,
        "neg_G": (g < 0.0).sum(axis=1).astype(np.int64),
        "log_weight": log_weight,
    }


def adapt(
    draw,
    question,
    state: tuple[NDArray, NDArray, tuple[float, float]],
    n: int,
    pilot: int,
    rounds: int,
    df: float,
    tilt_block: tuple[int, float],
) -> tuple[tuple[NDArray, NDArray, tuple[float, float]], int]:
    """Moment-matched proposal from pilot runs (adaptive importance sampling).

    ``state`` = (mean, C, (c, rho)): the law of v and the tilt of the D block's
    spectrum (``d_block_tridiagonal``).  Each round draws ``pilot`` terms, weights
    them by their terms for the question (``question(draws)`` gives the log terms)
    and moves the proposal towards the weighted moments (cross-entropy method):
    the mean and covariance of v (the covariance times N (df - 2)/df * 1.5, the t's
    scale matrix for it, widened by 1.5), and c, rho with c = E[sum lam]/n_T,
    rho^2 s^2 n_T (n_T + 1) = E[sum lam^2] - n_T c^2 (the first two moments of the
    spectrum of the tridiagonal part, order n_T, scale s: ``tilt_block``).  It moves
    by the fraction ESS / (ESS + 10) of the round's effective sample size.  Only the
    final draws enter an estimate, so this choice cannot bias it.  Returns the
    final state and the number of pilot draws spent.
    """
    mean, prop_cov, tilt = state
    n_t, s_t = tilt_block
    spent = 0
    for _ in range(rounds):
        draws = draw(pilot, mean, prop_cov, tilt)
        spent += pilot
        t = question(draws)
        ok = np.isfinite(t)
        if ok.sum() < 2:
            break
        w = np.exp(t[ok] - t[ok].max())
        ess = w.sum() ** 2 / (w * w).sum()
        w /= w.sum()
        v = draws["v"][ok]
        m = w @ v
        dv = v - m
        c = (dv * w[:, None]).T @ dv * n * 1.5 * ((df - 2.0) / df if math.isfinite(df) else 1.0)
        if not np.all(np.isfinite(c)):
            break
        lam = ess / (ess + _SHRINK)
        mean = lam * m + (1.0 - lam) * mean
        new_cov = lam * c + (1.0 - lam) * prop_cov
        new_cov = 0.5 * (new_cov + new_cov.T)
        if np.linalg.eigvalsh(new_cov).min() > 0.0:
            prop_cov = new_cov
        mom = draws["moments"][ok]
        if n_t > 0 and np.all(np.isfinite(mom)):
            centre = float(w @ mom[:, 0]) / n_t
            spread = (float(w @ mom[:, 1]) - n_t * centre**2) / (s_t * s_t * n_t * (n_t + 1))
            rho = math.sqrt(min(max(spread, 0.25), 1.44))
            tilt = (lam * centre + (1 - lam) * tilt[0], lam * rho + (1 - lam) * tilt[1])
        if ess > 0.2 * pilot:
            break
    return (mean, prop_cov, tilt), spent
