"""Importance sampling against a standard Gaussian target in R^d (private, generic).

The target law is N(0, I/n); proposals are finite mixtures of Gaussians N(m_j, C_j/n) or
of Student t laws with ``df`` degrees of freedom, location m_j and scale matrix C_j/n
(C_j = L_j L_j^T).  The t's polynomial tails dominate any Gaussian-times-polynomial
integrand, so the weighted terms keep a finite variance whatever C_j.  Everything is
in log space; the weight of a draw v is log N(v; 0, I/n) - log q(v), exact.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "clip_spectrum",
    "draw_mixture",
    "log_mixture_density",
    "log_standard_normal",
    "moment_update",
]


def log_standard_normal(v: NDArray, n: int) -> NDArray:
    """log N(v; 0, I/n) for the rows v of shape (k, d)."""
    d = v.shape[1]
    return 0.5 * d * math.log(n / (2.0 * math.pi)) - 0.5 * n * np.einsum("ki,ki->k", v, v)


def _log_component(v: NDArray, mean: NDArray, chol: NDArray, n: int, df: float) -> NDArray:
    """log density of one component, N(mean, C/n) or t_df(mean, C/n), at the rows v."""
    d = v.shape[1]
    z = np.linalg.solve(chol, (v - mean).T).T * math.sqrt(n)
    maha = np.einsum("ki,ki->k", z, z)  # (v - mean)^T (C/n)^-1 (v - mean)
    log_det = 2.0 * float(np.log(np.diag(chol)).sum()) - d * math.log(n)  # log det(C/n)
    if math.isinf(df):
        return -0.5 * d * math.log(2.0 * math.pi) - 0.5 * log_det - 0.5 * maha
    norm = math.lgamma(0.5 * (df + d)) - math.lgamma(0.5 * df) - 0.5 * d * math.log(df * math.pi)
    return norm - 0.5 * log_det - 0.5 * (df + d) * np.log1p(maha / df)


def log_mixture_density(
    v: NDArray, means: NDArray, chols: NDArray, log_probs: NDArray, n: int, df: float
) -> NDArray:
    """log sum_j pi_j q_j(v) for the rows v; ``log_probs`` = log pi_j (summing to one)."""
    parts = np.stack(
        [lp + _log_component(v, m, c, n, df) for m, c, lp in zip(means, chols, log_probs)]
    )
    top = parts.max(axis=0)
    return top + np.log(np.exp(parts - top).sum(axis=0))


def draw_mixture(
    rng: np.random.Generator,
    means: NDArray,
    chols: NDArray,
    log_probs: NDArray,
    n: int,
    df: float,
    samples: int,
) -> tuple[NDArray, NDArray]:
    """``samples`` draws v from the mixture and log N(v; 0, I/n) - log q(v) for each.

    Parameters
    ----------
    rng : numpy.random.Generator
    means : ndarray, shape (c, d)
        Component locations.
    chols : ndarray, shape (c, d, d)
        Lower Cholesky factors L_j of the components' C_j (covariance or t scale: C_j/n).
    log_probs : ndarray, shape (c,)
        log mixture probabilities.
    n : int
        The target's precision factor (target N(0, I/n)).
    df : float
        Degrees of freedom of the t components; inf: Gaussian components.
    samples : int

    Returns
    -------
    v : ndarray, shape (samples, d)
    log_weight : ndarray, shape (samples,)
    """
    c, d = means.shape
    comp = rng.choice(c, size=samples, p=np.exp(log_probs)) if c > 1 else np.zeros(samples, int)
    z = rng.standard_normal((samples, d))
    if math.isfinite(df):
        z *= np.sqrt(df / rng.chisquare(df, samples))[:, None]
    v = means[comp] + np.einsum("kij,kj->ki", chols[comp], z) / math.sqrt(n)
    log_q = log_mixture_density(v, means, chols, log_probs, n, df)
    return v, log_standard_normal(v, n) - log_q


def clip_spectrum(cov: NDArray, lo: float, hi: float) -> NDArray:
    """cov with its eigenvalues clipped to [lo, hi] (symmetrised)."""
    w, u = np.linalg.eigh(0.5 * (cov + cov.T))
    out = (u * np.clip(w, lo, hi)) @ u.T
    return 0.5 * (out + out.T)


def moment_update(
    v: NDArray,
    log_terms: NDArray,
    mean: NDArray,
    cov: NDArray,
    n: int,
    df: float,
    *,
    shrink: float = 2.0,
    widen: float = 1.5,
) -> tuple[NDArray, NDArray, float]:
    """One cross-entropy step: move (mean, C) towards the weighted moments of v.

    The weights are the terms exp(log_terms) (-inf: zero).  The target moments are
    the weighted mean and ``widen`` times n times the weighted covariance (times
    (df - 2)/df for a t proposal, whose covariance is df/(df - 2) times its scale);
    the step is the fraction ESS / (ESS + ``shrink``) of the way, ESS the Kish
    effective sample size of the weights.  Returns (mean, C, ESS); unchanged when
    fewer than two terms are non-zero or the new C is not positive definite.
    """
    ok = np.isfinite(log_terms)
    if ok.sum() < 2:
        return mean, cov, float(ok.sum())
    w = np.exp(log_terms[ok] - log_terms[ok].max())
    ess = float(w.sum() ** 2 / (w * w).sum())
    w /= w.sum()
    m = w @ v[ok]
    dv = v[ok] - m
    c = (dv * w[:, None]).T @ dv * n * widen * ((df - 2.0) / df if math.isfinite(df) else 1.0)
    lam = ess / (ess + shrink)
    new_mean = lam * m + (1.0 - lam) * mean
    new_cov = lam * c + (1.0 - lam) * cov
    new_cov = 0.5 * (new_cov + new_cov.T)
    if not np.all(np.isfinite(new_cov)) or np.linalg.eigvalsh(new_cov).min() <= 0.0:
        return new_mean, cov, ess
    return new_mean, new_cov, ess
