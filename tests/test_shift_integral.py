"""The kernel that integrates the G block's shift out of the Kac-Rice integrand.

Its log integral is checked against scipy's adaptive quadrature (breakpoints at the
eigenvalues omega, where the integrand has kinks), its draws against the normalised
integrand's CDF, and its normal tails against scipy's log_ndtr.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import log_ndtr

from spinglass_gan.complexity import _shift_integral_kernels as k
from spinglass_gan.complexity._kac_rice_edge import _GAUSS


def test_log_ndtr_in_both_tails():
    # 1e-9 relative: the asymptotic series below -20 is truncated after four terms,
    # erfc is accurate to a few ulp elsewhere
    for x in np.concatenate([np.linspace(-300.0, 40.0, 3401), [-20.0, -19.999, 6.0, 6.001]]):
        assert k._log_ndtr(x) == pytest.approx(log_ndtr(x), rel=1e-9, abs=1e-300)
    assert k._log_ndtr(-np.inf) == -np.inf and k._log_ndtr(np.inf) == 0.0


def test_normal_mass_in_both_tails():
    a = np.array([-np.inf, -1.0, 8.0, -40.0, 3.0])
    b = np.array([0.0, 2.0, 9.0, -39.0, 3.0])
    out = np.array([k._log_mass(x, y) for x, y in zip(a, b)])
    # Phi(-40) / Phi(-39) ~ e^-39.5: the last mass is Phi(-39) to double precision
    want = [np.log(0.5), np.log(stats.norm.cdf(2.0) - stats.norm.cdf(-1.0)),
            np.log(stats.norm.sf(8.0) - stats.norm.sf(9.0)), log_ndtr(-39.0)]  # fmt: skip
    assert np.allclose(out[:4], want[:4], rtol=1e-10) and out[4] == -np.inf


def _tp(u_D, u_G):
    """t-cut parameters: t | (y_D, y) ~ N(0.3 y_D - 0.2 y, 0.7^2), u_G bounds t and
    u_D bounds 0.1 y_D + 0.5 y + 1.5 t."""
    return np.array([0.3, -0.2, 0.7, u_D, u_G, 0.1, 0.5, 1.5])


def _log_t_mass(y_d, y, tp):
    mean, sd = tp[0] * y_d + tp[1] * y, tp[2]
    hi = min(tp[4], (tp[3] - tp[5] * y_d - tp[6] * y) / tp[7])
    return np.log(max(stats.norm.cdf((hi - mean) / sd), 1e-300))


def _reference(omega, lo, hi, mean, sd, y_d, tp):
    """(log integral, CDF) by scipy's quad, scaled by the integrand's peak on a grid."""

    def log_f(y):
        with np.errstate(divide="ignore"):  # quad may land on an omega: log 0 = -inf
            det = np.log(np.abs(omega - y)).sum()
        return stats.norm.logpdf(y, mean, sd) + det + _log_t_mass(y_d, y, tp)

    a = lo if np.isfinite(lo) else mean - 30 * sd
    b = hi if np.isfinite(hi) else mean + 30 * sd
    grid = np.linspace(a, b, 4001)
    top = max(log_f(y) for y in grid)
    kink = k._cut_kink(y_d, tp)  # where t's two bounds cross
    inside = sorted(w for w in [*omega, kink] if a < w < b)

    def f(y):
        return math.exp(log_f(y) - top)

    total = integrate.quad(f, a, b, points=inside or None, limit=500, epsabs=0, epsrel=1e-12)[0]

    def cdf(y):
        pts = [w for w in inside if w < y] or None
        return integrate.quad(f, a, y, points=pts, limit=500, epsabs=0, epsrel=1e-12)[0] / total

    return top + math.log(total), cdf


INF = np.inf
CASES = {
    # (omega, lo, hi, mean, sd, y_D, (u_D, u_G))
    "free below the spectrum": ([-1.0, 0.5, 2.0, 3.5], -np.inf, 0.0, -0.5, 0.8, 0.2, (INF, INF)),
    "between": ([-3.0, -1.0, 0.4, 1.0, 2.2, 4.0], -1.5, 1.7, 0.3, 1.1, -0.4, (INF,) * 2),
    "thresholds cut": ([-2.0, -0.7, 0.1, 1.3], -INF, INF, 0.0, 1.0, 0.5, (0.4, 0.3)),
    "far from the mean": ([5.0, 6.0, 7.5], 8.0, 9.0, -20.0, 0.5, 0.0, (INF, INF)),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_integral_and_draws_match_quadrature(case):
    omega, lo, hi, mean, sd, y_d, u = CASES[case]
    omega = np.array(omega)
    tp = _tp(*u)
    want, cdf = _reference(omega, lo, hi, mean, sd, y_d, tp)
    n = 20_000
    rng = np.random.default_rng(4)
    out = k.integrate_shift(
        np.tile(omega, (n, 1)), np.full(n, lo), np.full(n, hi), np.full(n, mean), sd,
        np.full(n, y_d), tp, *_GAUSS, rng.random((n, 2)), np.empty((n, 3)),
    )  # fmt: skip
    # Gauss-Legendre between the kinks: the integrand is smooth there, so 1e-9 relative
    assert np.allclose(out[:, 0], want, rtol=0, atol=1e-9)
    y = out[:, 1]
    assert np.all((y > lo) & (y < hi))
    assert np.allclose(out[:, 2], np.log(np.abs(omega[None, :] - y[:, None])).sum(1))
    # the draws' CDF at five quantiles of the reference within 4 sd of a binomial (the
    # cells' uniform draws are a piecewise-constant density, a far smaller error)
    for q in np.quantile(y, [0.1, 0.3, 0.5, 0.7, 0.9]):
        f = cdf(q)
        assert abs(np.mean(y <= q) - f) < 4.0 * math.sqrt(f * (1 - f) / n) + 1e-3


def test_an_empty_cut_gives_zero():
    """Thresholds that no t can meet: log integral -inf, never a NaN."""
    out = k.integrate_shift(
        np.array([[0.0, 1.0]]), np.array([-np.inf]), np.array([np.inf]), np.array([0.0]), 1.0,
        np.array([0.0]), np.array([0.0, 0.0, 1.0, np.inf, -np.inf, 0.0, 0.0, 1.0]),
        *_GAUSS, np.full((1, 2), 0.5), np.empty((1, 3)),
    )  # fmt: skip
    assert out[0, 0] == -np.inf and np.all(np.isfinite(out[0, 1:]))
