"""Proposal laws of the edge sampler (private): the tilted tridiagonal block
(``EdgeTilt``), the laws of a shift below an edge (``ShiftLaw``), between two
eigenvalues (``IntervalLaw``), of forced eigenvalues' gaps (``GapLaw``) and of a
coordinate regressed on others (``Regression``).  Each draws, gives its log density and
takes a cross-entropy step towards weighted draws (weighted moments or weighted least
squares); ``_kac_rice_edge`` composes them.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import stats

DF = 5.0  # Student t tails: dominate the Gaussian target whatever the fitted scale
_WIDEN = 1.3  # fitted scales are widened: a proposal narrower than its target has heavy weights


def _groups(count: int, length: int, shared: bool) -> NDArray:
    """Group of each of ``count`` entries: one group (``shared``), else the first
    ``length`` alone and the rest in dyadic blocks [length 2^j, length 2^(j+1))."""
    i = np.arange(count)
    if shared:
        return np.zeros(count, dtype=np.int64)
    rest = np.floor(np.log2(np.maximum(i, 1) / max(length, 1))).astype(np.int64)
    return np.where(i < length, i, length + rest)


def _group_sums(x: NDArray, groups: NDArray, count: int) -> NDArray:
    """Row sums of x over each group of columns (groups are contiguous, ascending)."""
    if count == 0:
        return np.zeros((x.shape[0], 0))
    return np.add.reduceat(x, np.flatnonzero(np.diff(groups, prepend=-1)), axis=1)


class EdgeTilt:
    """Tilt of a tridiagonal GOE of order n (scale s), one parameter pair per group.

    Diagonal z_i ~ N(m_i, 1) instead of N(0, 1) (entry s sqrt(2) z_i), squared
    off-diagonals c_i ~ g_i chi2_{n-i} instead of chi2_{n-i} (entry s sqrt(c_i)), with
    m and g constant over groups of entries: the first ``length`` alone (the entries
    that carry the edge eigenvector), then dyadic blocks of the rest, so that a wall
    pushed into the spectrum, which deforms the entries with a profile that decays
    away from the edge, is within the family at a cost of O(log n) parameters.
    ``shared``: one group (the block shifted and scaled as a whole).
    """

    def __init__(self, n: int, length: int, shared: bool = False) -> None:
        self.n = n
        self.gd = _groups(n, length, shared)
        self.go = _groups(max(n - 1, 0), length, shared)
        self.dof = np.arange(n - 1, 0, -1.0)
        self.m = np.zeros(int(self.gd.max(initial=-1)) + 1)
        self.g = np.ones(int(self.go.max(initial=-1)) + 1)
        self.size_d = np.bincount(self.gd, minlength=self.m.size).astype(float)
        self.dof_g = np.bincount(self.go, weights=self.dof, minlength=self.g.size)

    def draw(self, rng: np.random.Generator, size: int, s: float):
        """(a, e, log density ratio target/proposal, group sums of z, of c)."""
        n = self.n
        z = rng.standard_normal((size, n)) + self.m[self.gd]
        c = rng.chisquare(self.dof, size=(size, max(n - 1, 0))) * self.g[self.go]
        zs, cs = _group_sums(z, self.gd, self.m.size), _group_sums(c, self.go, self.g.size)
        log_r = -(zs @ self.m) + 0.5 * float(self.size_d @ self.m**2)
        log_r += 0.5 * float(self.dof_g @ np.log(self.g))
        log_r += cs @ (0.5 / self.g - 0.5)
        scale = s * math.sqrt(2.0)
        return z * scale, np.sqrt(c) * s, log_r, zs, cs

    def update(self, w: NDArray, zs: NDArray, cs: NDArray, step: float) -> None:
        m = (w @ zs) / self.size_d
        g = (w @ cs) / self.dof_g
        self.m = step * m + (1.0 - step) * self.m
        self.g = np.clip(step * g + (1.0 - step) * self.g, 0.25, 4.0)


def _wls(y: NDArray, x: NDArray, w: NDArray) -> tuple[NDArray, float]:
    """Weighted least squares y ~ [1, x]: (coefficients, residual sd)."""
    design = np.column_stack([np.ones(y.size), x])
    sw = np.sqrt(w)
    coef = np.linalg.lstsq(design * sw[:, None], y * sw, rcond=None)[0]
    res = y - design @ coef
    return coef, math.sqrt(max(float(w @ res**2), 1e-300))


class Regression:
    """Student t law of a coordinate given covariates: loc = coef . [1, x], scale sd."""

    def __init__(self, mean: float, sd: float, covariates: int) -> None:
        self.coef = np.zeros(covariates + 1)
        self.coef[0] = mean
        self.sd = sd

    def loc(self, x: NDArray) -> NDArray:
        return self.coef[0] + x @ self.coef[1:]

    def draw(self, rng: np.random.Generator, x: NDArray) -> tuple[NDArray, NDArray]:
        z = rng.standard_t(DF, x.shape[0])
        return self.loc(x) + self.sd * z, stats.t.logpdf(z, DF) - math.log(self.sd)

    def update(self, y: NDArray, x: NDArray, w: NDArray, step: float) -> None:
        if w.sum() <= 0.0:
            return
        coef, sd = _wls(y, x, w / w.sum())
        self.coef = step * coef + (1.0 - step) * self.coef
        self.sd = step * _WIDEN * sd + (1.0 - step) * self.sd


class ShiftLaw:
    """Law of a shift y below an edge ``hi`` (y < hi), given covariates x.

    A mixture: with probability ``pi`` a Student t (``Regression``) truncated to
    y < hi, else hi - Gamma(alpha, theta).  The first follows a shift that the
    Gaussian law of v places below the edge, the second a shift pinned to the edge.
    """

    def __init__(self, mean: float, sd: float, gap: float, covariates: int) -> None:
        self.t = Regression(mean, sd, covariates)
        self.alpha, self.theta, self.pi = 2.0, gap / 2.0, 0.5

    def _parts(self, y: NDArray, hi: NDArray, x: NDArray) -> tuple[NDArray, NDArray]:
        """log of each component's weighted density; an infinite edge (no eigenvalue
        above) leaves the Student t alone."""
        loc, sd = self.t.loc(x), self.t.sd
        finite = np.isfinite(hi)
        pi = np.where(finite, self.pi, 1.0)
        log_a = (
            stats.t.logpdf((y - loc) / sd, DF) - math.log(sd)
            - stats.t.logcdf((hi - loc) / sd, DF)
        )  # fmt: skip
        gap = np.where(finite, np.maximum(hi - y, 1e-300), 1.0)
        log_b = np.where(finite, stats.gamma.logpdf(gap, self.alpha, scale=self.theta), -np.inf)
        with np.errstate(divide="ignore"):
            return np.log(pi) + log_a, np.log1p(-pi) + log_b

    def log_q(self, y: NDArray, hi: NDArray, x: NDArray) -> NDArray:
        return np.logaddexp(*self._parts(y, hi, x))

    def draw(self, rng: np.random.Generator, hi: NDArray, x: NDArray) -> tuple[NDArray, NDArray]:
        size = hi.size
        loc, sd = self.t.loc(x), self.t.sd
        top = stats.t.cdf((hi - loc) / sd, DF)
        u = rng.random(size) * top
        y_a = loc + sd * stats.t.ppf(np.clip(u, 1e-300, None), DF)
        finite = np.isfinite(hi)
        y_b = np.where(finite, hi, 0.0) - rng.gamma(self.alpha, self.theta, size)
        pick = ((rng.random(size) < self.pi) & (top > 0.0) & (y_a < hi)) | ~finite
        y = np.where(pick, y_a, y_b)
        return y, self.log_q(y, hi, x)

    def update(self, y: NDArray, hi: NDArray, x: NDArray, w: NDArray, step: float) -> None:
        log_a, log_b = self._parts(y, hi, x)
        r_a = np.exp(log_a - np.logaddexp(log_a, log_b))
        w_a, w_b = w * r_a, w * (1.0 - r_a)
        self.t.update(y, x, w_a, step)
        if w_b.sum() > 0.0:
            gap = np.where(np.isfinite(hi), hi - y, 0.0)
            wb = w_b / w_b.sum()
            mean = float(wb @ gap)
            var = max(float(wb @ (gap - mean) ** 2), 1e-300)
            alpha = min(max(mean * mean / var, 1.0), 50.0)
            self.alpha = step * alpha + (1.0 - step) * self.alpha
            self.theta = step * mean / alpha + (1.0 - step) * self.theta
            pi = min(max(float(w_a.sum()) / max(float(w.sum()), 1e-300), 0.15), 0.85)
            self.pi = step * pi + (1.0 - step) * self.pi


class IntervalLaw:
    """Beta(a, b) law of a shift's relative position in an interval (lo, hi) between
    two consecutive eigenvalues; a, b in [1, 3.5] (the integrand vanishes linearly at
    both ends, as for ``GapLaw``)."""

    def __init__(self) -> None:
        self.a, self.b = 2.0, 2.0

    def draw(self, rng, lo: NDArray, hi: NDArray) -> tuple[NDArray, NDArray]:
        f = rng.beta(self.a, self.b, lo.size)
        log_q = stats.beta.logpdf(f, self.a, self.b) - np.log(hi - lo)
        return lo + f * (hi - lo), log_q

    def update(self, y: NDArray, lo: NDArray, hi: NDArray, w: NDArray, step: float) -> None:
        f = (y - lo) / (hi - lo)
        mean = float(w @ f)
        var = max(float(w @ (f - mean) ** 2), 1e-12)
        common = max(mean * (1.0 - mean) / var - 1.0, 1e-6)
        a = min(max(mean * common, 1.0), 3.5)
        b = min(max((1.0 - mean) * common, 1.0), 3.5)
        self.a = step * a + (1.0 - step) * self.a
        self.b = step * b + (1.0 - step) * self.b


class GapLaw:
    """Gamma(alpha, theta) law of the gaps y - xi of forced eigenvalues below a shift.

    alpha stays in [1, 3.5]: the integrand vanishes linearly as an eigenvalue meets the
    shift, and a proposal density ~ gap^(alpha - 1) then keeps the weights' variance
    finite.
    """

    def __init__(self, theta: float) -> None:
        self.alpha, self.theta = 1.0, theta

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> tuple[NDArray, NDArray]:
        gaps = rng.gamma(self.alpha, self.theta, shape)
        return gaps, stats.gamma.logpdf(gaps, self.alpha, scale=self.theta).sum(axis=1)

    def update(self, gaps: NDArray, w: NDArray, step: float) -> None:
        if gaps.size == 0:
            return
        flat = gaps.ravel()
        ww = np.repeat(w, gaps.shape[1]) / gaps.shape[1]
        mean = float(ww @ flat)
        var = max(float(ww @ (flat - mean) ** 2), 1e-300)
        alpha = min(max(mean * mean / var, 1.0), 3.5)
        self.alpha = step * alpha + (1.0 - step) * self.alpha
        self.theta = step * mean / alpha + (1.0 - step) * self.theta
