"""Compiled kernels for the vector Dyson equation of H' (private).

The unknown is ``t = m1(z)``, the Stieltjes transform of the discriminator block.
Eliminating ``m2 = t / S`` with ``S = c t^2 + x1 t + 1`` from the vector Dyson
equation (docs/theory.md, section 2) leaves the quartic

    R(t; z) = d4 t^4 + d3 t^3 + d2 t^2 + d1 t + 1 = 0,
    d4 = c (c + a kappa),  d3 = c (2 x1 + z) + a kappa x1,
    d2 = x1^2 + 2 c + z x1 + a,  d1 = 2 x1 + z.

Working with ``t`` rather than ``w = z + a m`` avoids the cancellation in
``m = (w - z) / a`` far from the support and when ``a`` is small.

The kernels expect parameters rescaled so that ``a + c = 1`` (see
``density._Scaled``); that keeps the coefficients of order one.

Root selection uses uniqueness of the Dyson solution with ``Im m1 > 0`` and
``Im m2 > 0`` for ``Im z > 0``.  At (or very near) the real axis the imaginary
parts are probed to first order at ``z + i delta``:
``Im m_j(z + i delta) ~ Im m_j(z) + delta Re m_j'(z)``, which separates the
physical real root outside the support (both derivatives positive) from spurious
real roots without leaving the real axis.  A root passing the test is the
physical one; where no root or two roots pass, the solution is continued down
from large ``Im z``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_PROBE = 1e-9  # relative size of the imaginary probe delta
_SNAP = 1e-7  # |Im m_j| / |m_j| below which a solution on the real axis is taken as real
_NEWTON_TOL = 4e-15
_NEWTON_MAXITER = 12
_POLISH_MAX_STEP = 1e-6  # largest relative correction accepted from the block polish


@njit(cache=True, error_model="numpy")
def _coefficients(z, a, c, kappa, x1):
    d4 = c * (c + a * kappa) + 0j
    d3 = c * (2.0 * x1 + z) + a * kappa * x1
    d2 = x1 * x1 + 2.0 * c + z * x1 + a
    d1 = 2.0 * x1 + z
    return d4, d3, d2, d1


@njit(cache=True, error_model="numpy")
def _quartic(t, z, a, c, kappa, x1):
    """Value and t-derivative of R(t; z)."""
    d4, d3, d2, d1 = _coefficients(z, a, c, kappa, x1)
    r = (((d4 * t + d3) * t + d2) * t + d1) * t + 1.0
    dr = ((4.0 * d4 * t + 3.0 * d3) * t + 2.0 * d2) * t + d1
    return r, dr


@njit(cache=True, error_model="numpy")
def _probe_size(z, x1):
    return _PROBE * (1.0 + abs(z) + abs(x1))


@njit(cache=True, error_model="numpy")
def _score(t, z, a, c, kappa, x1, delta):
    """min over blocks of the probed Im m_j / |m_j|; > 0 only for the physical root."""
    _, dr = _quartic(t, z, a, c, kappa, x1)
    s = (c * t + x1) * t + 1.0
    if dr == 0.0 or s == 0.0 or t == 0.0:
        return -np.inf  # a multiple root or a pole: never the physical branch
    m2 = t / s
    dt = -(t * s) / dr  # dt/dz = -R_z / R_t with R_z = t S
    dm2 = dt * (1.0 - c * t * t) / (s * s)
    im1 = (t.imag + delta * dt.real) / abs(t)
    im2 = (m2.imag + delta * dm2.real) / abs(m2)
    return min(im1, im2)


@njit(cache=True, error_model="numpy")
def _all_roots(z, a, c, kappa, x1, out):
    """All roots of R(t; z) (companion eigenvalues, Newton-polished); returns count."""
    d4, d3, d2, d1 = _coefficients(z, a, c, kappa, x1)
    if d4 != 0.0:
        deg = 4
    elif d3 != 0.0:
        deg = 3
    else:
        deg = 2
    coef = np.empty(5, dtype=np.complex128)
    coef[0] = 1.0
    coef[1] = d1
    coef[2] = d2
    coef[3] = d3
    coef[4] = d4
    comp = np.zeros((deg, deg), dtype=np.complex128)
    for i in range(1, deg):
        comp[i, i - 1] = 1.0
    for i in range(deg):
        comp[i, deg - 1] = -coef[i] / coef[deg]
    roots = np.linalg.eigvals(comp)
    for k in range(deg):
        t = roots[k]
        for _ in range(3):
            r, dr = _quartic(t, z, a, c, kappa, x1)
            if dr == 0.0:
                break
            step = r / dr
            if not (abs(step) < 1e-3 * abs(t) + 1e-300):
                break  # near a multiple root Newton is not an improvement
            t = t - step
        out[k] = t
    return deg


@njit(cache=True, error_model="numpy")
def _select(roots, deg, z, a, c, kappa, x1, delta):
    """Index of the unique root passing the positivity test, or -1."""
    best = -np.inf
    second = -np.inf
    ibest = -1
    for k in range(deg):
        s = _score(roots[k], z, a, c, kappa, x1, delta)
        if s > best:
            second = best
            best = s
            ibest = k
        elif s > second:
            second = s
    if best > 0.0 and not second > 0.0:
        return ibest
    return -1


@njit(cache=True, error_model="numpy")
def _continue_down(z, a, c, kappa, x1, roots):
    """Physical root at z, continued from Im z large where selection is unambiguous."""
    eta = 4.0 * (1.0 + abs(z) + abs(x1))
    zz = complex(z.real, z.imag + eta)
    deg = _all_roots(zz, a, c, kappa, x1, roots)
    k = _select(roots, deg, zz, a, c, kappa, x1, 0.0)
    if k < 0:
        return complex(np.nan, np.nan)
    t = roots[k]
    while eta > 0.0:
        eta = eta * 0.5 if eta > 1e-13 * (1.0 + abs(z)) else 0.0
        zz = complex(z.real, z.imag + eta)
        deg = _all_roots(zz, a, c, kappa, x1, roots)
        best = 0
        for j in range(1, deg):
            if abs(roots[j] - t) < abs(roots[best] - t):
                best = j
        t = roots[best]
    return t


@njit(cache=True, error_model="numpy")
def _newton_from(t, z, a, c, kappa, x1):
    """Newton on R from a warm start; NaN when it does not converge quickly."""
    for _ in range(_NEWTON_MAXITER):
        r, dr = _quartic(t, z, a, c, kappa, x1)
        if dr == 0.0:
            break
        step = r / dr
        t = t - step
        if abs(step) <= _NEWTON_TOL * abs(t):
            return t
    return complex(np.nan, np.nan)


@njit(cache=True, error_model="numpy")
def _polish_blocks(z, t, a, c, kappa, x1):
    """(m1, m2) from t, refined by Newton on the uneliminated block equations.

    m2 = t / S is ill-conditioned where S = c t^2 + x1 t + 1 nearly cancels (a
    narrow generator-block peak far from the discriminator block); the block
    equations F1 = 1 + m1 (z + x1 + a m + c m1), F2 = 1 + m2 (z + a m) are not.
    """
    m1 = t
    m2 = t / ((c * t + x1) * t + 1.0)
    for _ in range(2):
        m = kappa * m1 + (1.0 - kappa) * m2
        g1 = z + x1 + a * m + c * m1
        g2 = z + a * m
        f1 = 1.0 + m1 * g1
        f2 = 1.0 + m2 * g2
        j11 = g1 + m1 * (a * kappa + c)
        j12 = m1 * a * (1.0 - kappa)
        j21 = m2 * a * kappa
        j22 = g2 + m2 * a * (1.0 - kappa)
        det = j11 * j22 - j12 * j21
        if det == 0.0:
            break
        d1 = (f1 * j22 - f2 * j12) / det
        d2 = (f2 * j11 - f1 * j21) / det
        # A polish only corrects rounding; at an edge the Jacobian is singular and
        # a large step would leave the root, so it is refused.
        if not abs(d1) + abs(d2) <= _POLISH_MAX_STEP * (abs(m1) + abs(m2)):
            break
        m1 = m1 - d1
        m2 = m2 - d2
    return m1, m2


@njit(cache=True, error_model="numpy")
def solve_blocks(zs, a, c, kappa, x1, out_m1, out_m2):
    """Physical (m1, m2) at every z in ``zs`` (Im z >= 0), processed in the given order.

    Each point first tries Newton from the previous point's solution and keeps it
    only if it passes the positivity test; otherwise all roots are computed and
    selected, and as a last resort continued down from large Im z.  Returns the
    number of points that needed the continuation.
    """
    roots = np.empty(4, dtype=np.complex128)
    prev = complex(np.nan, np.nan)
    n_cont = 0
    for i in range(zs.shape[0]):
        z = zs[i]
        delta = _probe_size(z, x1)
        t = complex(np.nan, np.nan)
        if prev == prev:
            t = _newton_from(prev, z, a, c, kappa, x1)
            if not _score(t, z, a, c, kappa, x1, delta) > 0.0:
                t = complex(np.nan, np.nan)
        if t != t:
            deg = _all_roots(z, a, c, kappa, x1, roots)
            k = _select(roots, deg, z, a, c, kappa, x1, delta)
            if k >= 0:
                t = roots[k]
            else:
                t = _continue_down(z, a, c, kappa, x1, roots)
                n_cont += 1
        prev = t
        if t == t:
            m1, m2 = _polish_blocks(z, t, a, c, kappa, x1)
            # Both blocks must be real for a real solution: in a narrow generator
            # peak Im m1 is tiny compared with |m1| while Im m2 is not.
            if z.imag == 0.0 and abs(m1.imag) <= _SNAP * abs(m1):
                if abs(m2.imag) <= _SNAP * abs(m2):
                    m1, m2 = complex(m1.real, 0.0), complex(m2.real, 0.0)
            out_m1[i], out_m2[i] = m1, m2
        else:
            out_m1[i], out_m2[i] = t, t
    return n_cont


@njit(cache=True, error_model="numpy")
def density_from_blocks(m1, m2, kappa, out):
    """rho = Im m / pi with m = kappa m1 + (1 - kappa) m2 (scaled units)."""
    for i in range(m1.shape[0]):
        im = kappa * m1[i].imag + (1.0 - kappa) * m2[i].imag
        out[i] = max(im, 0.0) / np.pi


@njit(cache=True, error_model="numpy")
def log_potential_from_blocks(m1, m2, a, c, kappa, out):
    """L = -kappa log|m1| - (1 - kappa) log|m2| + Re(a m^2 + c kappa m1^2) / 2 (scaled)."""
    for i in range(m1.shape[0]):
        m = kappa * m1[i] + (1.0 - kappa) * m2[i]
        out[i] = (
            -kappa * np.log(abs(m1[i]))
            - (1.0 - kappa) * np.log(abs(m2[i]))
            + 0.5 * (a * m * m + c * kappa * m1[i] * m1[i]).real
        )
