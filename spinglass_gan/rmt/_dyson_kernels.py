"""Compiled kernels for the vector Dyson equation of H' (private).

The block Stieltjes transforms solve

    F1 = 1 + m1 (z + x1 + a m + c m1) = 0,   F2 = 1 + m2 (z + a m) = 0,
    m = kappa m1 + (1 - kappa) m2.

Candidates come from two quartics (docs/theory.md, "The quartic in t = m1" and
"Candidates: two eliminations, one set of block equations"): in t = m1,

    d4 t^4 + d3 t^3 + d2 t^2 + d1 t + 1 = 0,
    d4 = c (c + a kappa),  d3 = c (2 x1 + z) + a kappa x1,
    d2 = x1^2 + 2 c + z x1 + a,  d1 = 2 x1 + z,

well conditioned for the discriminator block, and in u = m2 (the quartic in
w = -1/u), well conditioned for a narrow generator peak far from it.  Every
candidate is polished by Newton's method on (F1, F2) and kept only if it solves
them; selection, warm starts and the continuation all work on pairs (m1, m2).

Selection uses uniqueness of the solution with Im m1 > 0 and Im m2 > 0 for
Im z > 0 (docs/theory.md, "Choosing the physical solution"): a complex
candidate passes when both imaginary parts are positive; a real one is probed to
first order at z + i delta, passing when m1 and m2 both increase along the real
axis.  Where no candidate or two pass, the
solution is continued down from large Im z.

The kernels expect parameters rescaled so that a + c = 1 (see
``master_equation._Scaled``); that keeps the coefficients of order one.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_PROBE = 1e-9  # relative size of the imaginary probe delta
_SNAP = 1e-7  # |Im m_j| / |m_j| below which a solution on the real axis is taken as real
_NEWTON_TOL = 4e-15
_WARM_TOL = 1e-9  # relative Newton step that ends a warm-started solve
_NEWTON_MAXITER = 12
_POLISH_MAX_STEP = 1e-6  # largest relative correction when polishing a quartic root
_RESIDUAL_TOL = 1e-10  # relative |F1| + |F2| above which a polished candidate is not a solution
_SAME = 1e-6  # relative distance under which two candidates are one solution
_CANCELLED = 1e-3  # |S| or |N| below this fraction of its terms: partner from its quadratic


@njit(cache=True, error_model="numpy")
def _coefficients(z, a, c, kappa, x1):
    d4 = c * (c + a * kappa) + 0j
    d3 = c * (2.0 * x1 + z) + a * kappa * x1
    d2 = x1 * x1 + 2.0 * c + z * x1 + a
    d1 = 2.0 * x1 + z
    return d4, d3, d2, d1


@njit(cache=True, error_model="numpy")
def _probe_size(z, x1):
    return _PROBE * (1.0 + abs(z) + abs(x1))


@njit(cache=True, error_model="numpy")
def _blocks(z, m1, m2, a, c, kappa, x1):
    """Residuals (F1, F2) of the block equations and their Jacobian in (m1, m2)."""
    m = kappa * m1 + (1.0 - kappa) * m2
    g1 = z + x1 + a * m + c * m1
    g2 = z + a * m
    j11 = g1 + m1 * (a * kappa + c)
    j12 = m1 * a * (1.0 - kappa)
    j21 = m2 * a * kappa
    j22 = g2 + m2 * a * (1.0 - kappa)
    return 1.0 + m1 * g1, 1.0 + m2 * g2, j11, j12, j21, j22


@njit(cache=True, error_model="numpy")
def _polish(z, m1, m2, a, c, kappa, x1):
    """A few Newton steps on the block equations from a quartic root.

    Steps larger than _POLISH_MAX_STEP relative to |m1| + |m2| are refused: at
    an edge the Jacobian is singular and such a step would leave the root.
    """
    for _ in range(3):
        f1, f2, j11, j12, j21, j22 = _blocks(z, m1, m2, a, c, kappa, x1)
        det = j11 * j22 - j12 * j21
        if det == 0.0:
            break
        d1 = (f1 * j22 - f2 * j12) / det
        d2 = (f2 * j11 - f1 * j21) / det
        size = abs(d1) + abs(d2)
        ref = abs(m1) + abs(m2)
        if not size <= _POLISH_MAX_STEP * ref:
            break
        m1 = m1 - d1
        m2 = m2 - d2
        if size <= _NEWTON_TOL * ref:
            break
    return m1, m2


@njit(cache=True, error_model="numpy")
def _score_with(m1, m2, j11, j12, j21, j22, det, delta):
    if det == 0.0 or m1 == 0.0 or m2 == 0.0:
        return -np.inf  # an edge or a pole: never selected directly
    im1 = m1.imag / abs(m1)
    im2 = m2.imag / abs(m2)
    if abs(im1) > _SNAP or abs(im2) > _SNAP:
        # A complex solution: its imaginary parts decide.  The probe would be
        # wrong here near an edge, where |m'| ~ 1/sqrt(distance) makes delta m'
        # larger than Im m itself.
        return min(im1, im2)
    # J (m1', m2') = -(dF/dz) = -(m1, m2)
    dm1 = -(m1 * j22 - m2 * j12) / det
    dm2 = -(m2 * j11 - m1 * j21) / det
    return min(delta * dm1.real / abs(m1), delta * dm2.real / abs(m2))


@njit(cache=True, error_model="numpy")
def _score(z, m1, m2, a, c, kappa, x1, delta):
    """min over blocks of the probed Im m_j / |m_j|; > 0 only for the physical pair."""
    _, _, j11, j12, j21, j22 = _blocks(z, m1, m2, a, c, kappa, x1)
    return _score_with(m1, m2, j11, j12, j21, j22, j11 * j22 - j12 * j21, delta)


@njit(cache=True, error_model="numpy")
def _companion_roots(coef, deg, out, start):
    """Eigenvalues of the companion matrix of sum_k coef[k] x^k (degree ``deg``,
    coef[deg] != 0) written to out[start:start + deg]."""
    comp = np.zeros((deg, deg), dtype=np.complex128)
    for i in range(1, deg):
        comp[i, i - 1] = 1.0
    for i in range(deg):
        comp[i, deg - 1] = -coef[i] / coef[deg]
    roots = np.linalg.eigvals(comp)
    for k in range(deg):
        out[start + k] = roots[k]


@njit(cache=True, error_model="numpy")
def _roots(coef, out, reverse):
    """Roots of sum_k coef[k] x^k (trailing zero coefficients dropped); returns count.

    Companion eigenvalues are accurate relative to the largest root only, so a
    root many orders of magnitude smaller (m ~ -1/z far from the spectrum, or a
    narrow block's m next to a wide one's) comes out as noise.  The roots of the
    reversed polynomial (in 1/x) are added as well with ``reverse``: each root is then
    accurate in one of the two lists, and the Newton polish and residual test of
    ``_add_pair`` keep only the accurate copies.
    """
    deg = coef.shape[0] - 1
    while deg > 0 and coef[deg] == 0.0:
        deg -= 1
    if deg == 0:
        return 0
    _companion_roots(coef, deg, out, 0)
    if not reverse:
        return deg
    low = 0
    while low < deg and coef[low] == 0.0:
        low += 1  # zero roots of the polynomial: not roots of the reversal
    n_rev = deg - low
    if n_rev == 0:
        return deg
    rev = np.empty(n_rev + 1, dtype=np.complex128)
    for k in range(n_rev + 1):
        rev[k] = coef[deg - k]
    _companion_roots(rev, n_rev, out, deg)
    n = deg
    for k in range(deg, deg + n_rev):
        if out[k] != 0.0:
            out[n] = 1.0 / out[k]
            n += 1
    return n


@njit(cache=True, error_model="numpy")
def _quadratic(q2, q1, q0):
    """Roots of q2 y^2 + q1 y + q0 (q0 != 0) without cancellation; NaN pads.

    q2 may be 0 (then one root).  Returns (r1, r2).
    """
    nan = complex(np.nan, np.nan)
    if q2 == 0.0:
        return (-q0 / q1 if q1 != 0.0 else nan), nan
    sd = np.sqrt(q1 * q1 - 4.0 * q2 * q0)
    if abs(q1 - sd) > abs(q1 + sd):
        sd = -sd
    h = -0.5 * (q1 + sd)
    if h == 0.0:
        return nan, nan
    return h / q2, q0 / h


@njit(cache=True, error_model="numpy")
def _add_pair(z, m1, m2, a, c, kappa, x1, out1, out2, n):
    """Polish (m1, m2) and append it if it solves the block equations."""
    if not (m1 == m1 and m2 == m2) or m1 == 0.0 or m2 == 0.0:
        return n
    if not (np.isfinite(m1.real) and np.isfinite(m1.imag)):
        return n
    if not (np.isfinite(m2.real) and np.isfinite(m2.imag)):
        return n
    m1, m2 = _polish(z, m1, m2, a, c, kappa, x1)
    f1, f2, _, _, _, _ = _blocks(z, m1, m2, a, c, kappa, x1)
    # The residual is measured against the size of the terms that make it up:
    # where z and -x1 nearly cancel (a block far out, evaluated next to its own
    # spectrum) rounding alone leaves eps (|z| + |x1|) |m1| in F1.
    m = kappa * m1 + (1.0 - kappa) * m2
    size1 = 1.0 + abs(m1) * (abs(z) + abs(x1) + a * abs(m) + c * abs(m1))
    size2 = 1.0 + abs(m2) * (abs(z) + a * abs(m))
    if abs(f1) / size1 + abs(f2) / size2 <= _RESIDUAL_TOL:
        out1[n] = m1
        out2[n] = m2
        n += 1
    return n


_MAX_PAIRS = 32  # 2 eliminations x (4 roots + 4 reversed) x 2 roots of the partner block


@njit(cache=True, error_model="numpy")
def _all_pairs(z, a, c, kappa, x1, out1, out2, reverse):
    """Candidate solutions (m1, m2) at z from both eliminations; returns the count.

    The quartic in t = m1 is well conditioned for the discriminator block, the
    quartic in u = m2,
        c N^2 + a kappa (1 - x1 u) N + a^2 kappa^2 u^2 = 0,  N = 1 + z u + A u^2,
    (the quartic in w = -1/u) for the generator block.  The partner of each root
    is read off the elimination (m2 = t / S, m1 = -N / (a kappa u)) unless S or N
    has cancelled to fewer than 13 digits, as it does when one block is much
    narrower than the other or far from it.  Then it is the solution of its own
    block's equation given the root, a quadratic without cancellation,

        A m2^2 + (z + a kappa t) m2 + 1 = 0,     c m1^2 + (x1 - 1/u) m1 + 1 = 0,

    both of whose roots are tried.  Candidates that do not solve the block
    equations after polishing are dropped, so each solution may appear several
    times.  ``out1`` and ``out2`` hold at least ``_MAX_PAIRS`` entries.  Without
    ``reverse`` the roots of the reversed quartics are skipped (half the cost; a
    first try).
    """
    coef = np.empty(5, dtype=np.complex128)
    roots = np.empty(8, dtype=np.complex128)
    big_a = a * (1.0 - kappa)
    ak = a * kappa
    d4, d3, d2, d1 = _coefficients(z, a, c, kappa, x1)
    coef[0], coef[1], coef[2], coef[3], coef[4] = 1.0, d1, d2, d3, d4
    n = 0
    for k in range(_roots(coef, roots, reverse)):
        t = roots[k]
        s = (c * t + x1) * t + 1.0
        if abs(s) > _CANCELLED * (c * _abs2(t) + abs(x1 * t) + 1.0):
            n = _add_pair(z, t, t / s, a, c, kappa, x1, out1, out2, n)
        else:
            r1, r2 = _quadratic(big_a + 0j, z + ak * t, 1.0 + 0j)
            n = _add_pair(z, t, r1, a, c, kappa, x1, out1, out2, n)
            n = _add_pair(z, t, r2, a, c, kappa, x1, out1, out2, n)
    coef[0] = c + ak
    coef[1] = 2.0 * c * z - ak * (x1 - z)
    coef[2] = c * (z * z + 2.0 * big_a) - ak * (z * x1 - big_a) + ak * ak
    coef[3] = big_a * (2.0 * c * z - ak * x1)
    coef[4] = c * big_a * big_a
    for k in range(_roots(coef, roots, reverse)):
        u = roots[k]
        if u == 0.0:
            continue
        big_n = 1.0 + z * u + big_a * u * u
        if abs(big_n) > _CANCELLED * (1.0 + abs(z * u) + big_a * _abs2(u)):
            n = _add_pair(z, -big_n / (ak * u), u, a, c, kappa, x1, out1, out2, n)
        else:
            r1, r2 = _quadratic(c + 0j, x1 - 1.0 / u, 1.0 + 0j)
            n = _add_pair(z, r1, u, a, c, kappa, x1, out1, out2, n)
            n = _add_pair(z, r2, u, a, c, kappa, x1, out1, out2, n)
    return n


@njit(cache=True, error_model="numpy")
def _select(p1, p2, n, z, a, c, kappa, x1, delta):
    """Index of the unique solution passing the positivity test, or -1.

    Candidates within _SAME of the best one are the same solution found twice.
    """
    ibest = -1
    best = -np.inf
    for k in range(n):
        s = _score(z, p1[k], p2[k], a, c, kappa, x1, delta)
        if s > best:
            best = s
            ibest = k
    if not best > 0.0:
        return -1
    ref = abs(p1[ibest]) + abs(p2[ibest])
    for k in range(n):
        if abs(p1[k] - p1[ibest]) + abs(p2[k] - p2[ibest]) <= _SAME * ref:
            continue
        if _score(z, p1[k], p2[k], a, c, kappa, x1, delta) > 0.0:
            return -1
    return ibest


@njit(cache=True, error_model="numpy")
def _continue_down(z, a, c, kappa, x1, p1, p2):
    """Physical pair at z, continued from Im z large where selection is unambiguous."""
    nan = complex(np.nan, np.nan)
    eta = 4.0 * (1.0 + abs(z) + abs(x1))
    zz = complex(z.real, z.imag + eta)
    n = _all_pairs(zz, a, c, kappa, x1, p1, p2, False)
    k = _select(p1, p2, n, zz, a, c, kappa, x1, 0.0)
    if k < 0:
        n = _all_pairs(zz, a, c, kappa, x1, p1, p2, True)
        k = _select(p1, p2, n, zz, a, c, kappa, x1, 0.0)
    if k < 0:
        return nan, nan
    m1, m2 = p1[k], p2[k]
    while eta > 0.0:
        eta = eta * 0.5 if eta > 1e-13 * (1.0 + abs(z)) else 0.0
        zz = complex(z.real, z.imag + eta)
        n = _all_pairs(zz, a, c, kappa, x1, p1, p2, False)
        if n == 0:
            n = _all_pairs(zz, a, c, kappa, x1, p1, p2, True)
        if n == 0:
            return nan, nan
        best = 0
        for j in range(1, n):
            if abs(p1[j] - m1) + abs(p2[j] - m2) < abs(p1[best] - m1) + abs(p2[best] - m2):
                best = j
        m1, m2 = p1[best], p2[best]
    return m1, m2


@njit(cache=True, error_model="numpy")
def _abs2(v):
    return v.real * v.real + v.imag * v.imag


@njit(cache=True, error_model="numpy")
def _warm_newton(z, m1, m2, a, c, kappa, x1):
    """Newton on the block equations from a warm start; NaN unless it converges to
    the physical solution.

    Quadratic convergence makes the error after a step of relative size s about
    s^2, so a step below _WARM_TOL ends the iteration.  The positivity test is
    the sign-only form of ``_score_with`` (no square roots) and reuses the
    Jacobian of that last step.
    """
    nan = complex(np.nan, np.nan)
    for _ in range(_NEWTON_MAXITER):
        f1, f2, j11, j12, j21, j22 = _blocks(z, m1, m2, a, c, kappa, x1)
        det = j11 * j22 - j12 * j21
        if det == 0.0:
            return nan, nan
        inv = 1.0 / det
        d1 = (f1 * j22 - f2 * j12) * inv
        d2 = (f2 * j11 - f1 * j21) * inv
        size = _abs2(d1) + _abs2(d2)
        ref = _abs2(m1) + _abs2(m2)
        if not size <= ref:
            return nan, nan
        m1 = m1 - d1
        m2 = m2 - d2
        if size <= _WARM_TOL * _WARM_TOL * ref:
            snap2 = _SNAP * _SNAP
            if m1.imag * m1.imag > snap2 * _abs2(m1) or m2.imag * m2.imag > snap2 * _abs2(m2):
                ok = m1.imag > 0.0 and m2.imag > 0.0
            else:
                # m1' > 0 and m2' > 0, with m' = -J^(-1) (m1, m2) as in _score_with
                minus_dm1 = (m1 * j22 - m2 * j12) * inv
                minus_dm2 = (m2 * j11 - m1 * j21) * inv
                ok = minus_dm1.real < 0.0 and minus_dm2.real < 0.0
            return (m1, m2) if ok else (nan, nan)
    return nan, nan


@njit(cache=True, error_model="numpy")
def _solve_at(z, g1, g2, a, c, kappa, x1, p1, p2):
    """Physical (m1, m2) at z, trying the guess (g1, g2) first; also returns
    whether the continuation from large Im z was needed."""
    m1, m2 = complex(np.nan, np.nan), complex(np.nan, np.nan)
    if g1 == g1 and g2 == g2:
        m1, m2 = _warm_newton(z, g1, g2, a, c, kappa, x1)
    continued = False
    if m1 != m1:
        delta = _probe_size(z, x1)
        n = _all_pairs(z, a, c, kappa, x1, p1, p2, False)
        k = _select(p1, p2, n, z, a, c, kappa, x1, delta)
        if k < 0:  # a root lost among much larger ones: add the reversed quartics'
            n = _all_pairs(z, a, c, kappa, x1, p1, p2, True)
            k = _select(p1, p2, n, z, a, c, kappa, x1, delta)
        if k >= 0:
            m1, m2 = p1[k], p2[k]
        else:
            m1, m2 = _continue_down(z, a, c, kappa, x1, p1, p2)
            continued = True
    # Both blocks must be real for a real solution: in a narrow generator peak
    # Im m1 is tiny compared with |m1| while Im m2 is not.
    if z.imag == 0.0 and m1.imag * m1.imag <= _SNAP * _SNAP * _abs2(m1):
        if m2.imag * m2.imag <= _SNAP * _SNAP * _abs2(m2):
            m1, m2 = complex(m1.real, 0.0), complex(m2.real, 0.0)
    return m1, m2, continued


@njit(cache=True, error_model="numpy")
def solve_blocks(zs, a, c, kappa, x1, out_m1, out_m2):
    """Physical (m1, m2) at every z in ``zs`` (Im z >= 0), visited in order.

    Each point starts Newton from the solution at the previous point, linearly
    extrapolated from the two before it, and keeps the result only if it passes
    the positivity test; otherwise all candidates are computed and selected, and
    as a last resort the solution is continued down from large Im z.  Returns
    the number of points that needed the continuation.
    """
    p1 = np.empty(_MAX_PAIRS, dtype=np.complex128)
    p2 = np.empty(_MAX_PAIRS, dtype=np.complex128)
    nan = complex(np.nan, np.nan)
    za, a1, a2 = nan, nan, nan  # last point and solution
    zb, b1, b2 = nan, nan, nan  # the one before
    n_cont = 0
    for i in range(zs.shape[0]):
        z = zs[i]
        g1, g2 = a1, a2
        if zb == zb and za != zb:
            r = (z - za) / (za - zb)
            if abs(r) <= 4.0:
                g1 = a1 + r * (a1 - b1)
                g2 = a2 + r * (a2 - b2)
        m1, m2, continued = _solve_at(z, g1, g2, a, c, kappa, x1, p1, p2)
        n_cont += continued
        out_m1[i], out_m2[i] = m1, m2
        zb, b1, b2 = za, a1, a2
        za, a1, a2 = z, m1, m2
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
