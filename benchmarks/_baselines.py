"""Naive reference implementations that ``bench_core.py`` measures against.

Each is the straightforward way to compute the same quantity, written plainly
(no deliberate slow-downs), so that the ratios printed by the benchmark say how
much the package's method buys over it.  Only numpy, scipy and the public
``spinglass_gan`` API are used.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import integrate
from scipy.special import logsumexp

import spinglass_gan as sg


def quartic_density(
    lam: NDArray[np.float64], b: float, b1: float, kappa: float, x1: float
) -> NDArray[np.float64]:
    """Density from the quartic in w, one ``numpy.roots`` call per point.

    With a = b^2/2, c = b1^2/2, A = a (1 - kappa) and P(w) = w^2 - z w + A, the
    master equation c P(w)^2 + a kappa w (w + x1) P(w) + a^2 kappa^2 w^2 = 0
    (docs/theory.md, "The quartic in t = m1") expands to the coefficients below.  The root with the
    largest imaginary part is kept (the published "largest -Im" choice in the
    convention Im m > 0) and rho = max(Im w, 0) / (pi a).  This is the published method
    (docs/reference-comparison.md): it is wrong where the support splits, which the benchmark
    reports alongside the timing.
    """
    a = 0.5 * b * b
    c = 0.5 * b1 * b1
    big_a = a * (1.0 - kappa)
    ak = a * kappa
    out = np.empty(len(lam))
    for i, z in enumerate(lam):
        z = float(z)
        coef = [
            c + ak,
            -2.0 * c * z + ak * (x1 - z),
            c * (z * z + 2.0 * big_a) + ak * (big_a - x1 * z) + ak * ak,
            -2.0 * c * big_a * z + ak * big_a * x1,
            c * big_a * big_a,
        ]
        roots = np.roots(coef)
        w = roots[np.argmax(roots.imag)]
        out[i] = max(w.imag, 0.0) / (math.pi * a)
    return out


def quad_log_potential(
    x: NDArray[np.float64],
    b: float,
    b1: float,
    kappa: float,
    x1: float,
    intervals: Sequence[tuple[float, float]],
) -> NDArray[np.float64]:
    """L(x) by adaptive quadrature of log|lambda - x| rho(lambda), one x at a time.

    ``scipy.integrate.quad`` over each support interval, with a breakpoint at x
    when x lies inside it; the integrand calls ``spinglass_gan.density`` (the
    package's own, correct density) at each node.
    """
    params = (b, b1, kappa, x1)
    out = np.empty(len(x))
    for i, xv in enumerate(x):
        xv = float(xv)

        def integrand(lam: float, xv: float = xv) -> float:
            if lam == xv:
                return 0.0
            return math.log(abs(lam - xv)) * float(sg.density(lam, *params))

        total = 0.0
        for lo, hi in intervals:
            points = [xv] if lo < xv < hi else None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", integrate.IntegrationWarning)
                value, _ = integrate.quad(integrand, lo, hi, points=points, limit=200)
            total += value
        out[i] = total
    return out


def numpy_log_abs_det(eigvals: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray:
    """sum_i log|lambda_i^(k) - x_j| by broadcasting, shape (K, len(x))."""
    return np.log(np.abs(eigvals[:, :, None] - x)).sum(axis=1)


def numpy_annealed_log_det(eigvals: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray:
    """(1/N) log((1/K) sum_k |det(H'_k - x)|) with numpy and scipy's logsumexp.

    Value only: unlike ``spinglass_gan.annealed_log_det`` no standard error and
    no input validation.
    """
    k, n = eigvals.shape
    logs = numpy_log_abs_det(eigvals, x)
    return (logsumexp(logs, axis=0) - math.log(k)) / n
