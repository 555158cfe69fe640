"""Compiled kernels for the K-block vector Dyson equation (private).

With S[s, t] = kappa_t sigma_st the block Stieltjes transforms solve

    F_s = 1 + m_s (z + x_s + sum_t S[s, t] m_t) = 0,   s = 1..K,

and the physical solution is the one with Im m_s >= 0 for every block when
Im z > 0 (docs/theory.md, "The K-block Dyson equation").  Parameters arrive
rescaled so that the largest row sum of S is one (``kblock._Scaled``).

* K = 1: the semicircle quadratic, closed form (the root of smaller modulus,
  or the one with Im >= 0 where both have the same modulus).
* K = 2: candidates are the roots of a quartic in one block component (both
  eliminations, with the reversed quartics for roots much smaller than the
  largest), each polished by Newton's method on (F_1, F_2); the unique
  candidate passing the positivity test is physical.
* any K, and the fallback of K = 2: damped fixed-point iteration at a large
  Im z, continued down to the requested Im z by Newton's method.

Along a sorted run of points each solve starts with Newton's method from the
previous solution; the result is kept only if it passes the positivity test.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_SNAP = 1e-7  # |Im m_s| / |m_s| below which a block is taken as real on the real axis
_NEWTON_TOL = 1e-9  # relative Newton step that ends an iteration (the error after it is
# about its square: quadratic convergence)
_NEWTON_MAXITER = 40
_RESIDUAL_TOL = 1e-10  # relative residual above which a candidate is no solution
_SAME = 1e-6  # relative distance under which two candidates are one solution


@njit(cache=True, error_model="numpy")
def _abs2(v):
    return v.real * v.real + v.imag * v.imag


@njit(cache=True, error_model="numpy")
def _fill(z, m, S, x, f, J):
    """Residuals F and Jacobian dF/dm at m, in place."""
    K = m.shape[0]
    for s in range(K):
        g = z + x[s]
        for t in range(K):
            g += S[s, t] * m[t]
            J[s, t] = m[s] * S[s, t]
        J[s, s] += g
        f[s] = 1.0 + m[s] * g


@njit(cache=True, error_model="numpy")
def _residual(z, m, S, x):
    """sum_s |F_s| / (1 + |m_s| (|z| + |x_s| + sum_t S[s, t] |m_t|)): rounding-relative."""
    K = m.shape[0]
    size = 0.0
    for s in range(K):
        g = z + x[s]
        mag = abs(z) + abs(x[s])
        for t in range(K):
            g += S[s, t] * m[t]
            mag += S[s, t] * abs(m[t])
        size += abs(1.0 + m[s] * g) / (1.0 + abs(m[s]) * mag)
    return size


@njit(cache=True, error_model="numpy")
def _solve_lin(J, f, d):
    """d = J^(-1) f; False where J is singular."""
    K = f.shape[0]
    if K == 1:
        if J[0, 0] == 0.0:
            return False
        d[0] = f[0] / J[0, 0]
        return True
    if K == 2:
        det = J[0, 0] * J[1, 1] - J[0, 1] * J[1, 0]
        if det == 0.0:
            return False
        d[0] = (f[0] * J[1, 1] - f[1] * J[0, 1]) / det
        d[1] = (f[1] * J[0, 0] - f[0] * J[1, 0]) / det
        return True
    A = J.copy()
    b = f.copy()
    # Gaussian elimination with partial pivoting (K is small)
    for k in range(K):
        p = k
        for i in range(k + 1, K):
            if abs(A[i, k]) > abs(A[p, k]):
                p = i
        if A[p, k] == 0.0:
            return False
        if p != k:
            for j in range(K):
                A[k, j], A[p, j] = A[p, j], A[k, j]
            b[k], b[p] = b[p], b[k]
        for i in range(k + 1, K):
            r = A[i, k] / A[k, k]
            for j in range(k, K):
                A[i, j] -= r * A[k, j]
            b[i] -= r * b[k]
    for k in range(K - 1, -1, -1):
        acc = b[k]
        for j in range(k + 1, K):
            acc -= A[k, j] * d[j]
        d[k] = acc / A[k, k]
    return True


@njit(cache=True, error_model="numpy")
def _is_cplx(v):
    """|Im v| > _SNAP |v|: clearly off the real axis."""
    return v.imag * v.imag > _SNAP * _SNAP * _abs2(v)


@njit(cache=True, error_model="numpy")
def _score(m, S, J, work, dm):
    """> 0 only for the physical solution: min over blocks of Im m_s / |m_s|.

    Blocks whose imaginary part is below the snapping threshold and that are
    coupled to a clearly complex block take their sign from it (Im m_s =
    |m_s|^2 (Im z + sum_t S[s, t] Im m_t) at a solution).  Blocks with no such
    coupling are probed to first order along the real axis: a real boundary
    value of a Stieltjes transform increases, dm/dz = -J^(-1) m has Re > 0.
    """
    K = m.shape[0]
    best = np.inf
    need_probe = False
    for s in range(K):
        if m[s] == 0.0:
            return -np.inf
        if _is_cplx(m[s]):
            best = min(best, m[s].imag / abs(m[s]))
    for s in range(K):
        if _is_cplx(m[s]):
            continue
        coupled = False
        for t in range(K):
            if S[s, t] != 0.0 and _is_cplx(m[t]):
                coupled = True
        if not coupled:
            need_probe = True
    if need_probe:
        for s in range(K):
            work[s] = -m[s]
        if not _solve_lin(J, work, dm):
            return -np.inf
        for s in range(K):
            if _is_cplx(m[s]):
                continue
            coupled = False
            for t in range(K):
                if S[s, t] != 0.0 and _is_cplx(m[t]):
                    coupled = True
            if not coupled:
                best = min(best, dm[s].real / abs(m[s]))
    return best


@njit(cache=True, error_model="numpy")
def _newton(z, m, S, x, f, J, d, maxiter, check=True):
    """Newton's method on F from m (in place); True if it converged (and, with
    ``check``, if the residual is at rounding level: a polished root of a quartic
    may have converged to a nearby non-solution where the Jacobian is singular)."""
    K = m.shape[0]
    for _ in range(maxiter):
        _fill(z, m, S, x, f, J)
        if not _solve_lin(J, f, d):
            return False
        step = 0.0
        ref = 0.0
        for s in range(K):
            step += _abs2(d[s])
            ref += _abs2(m[s])
        if not step <= ref:
            return False
        for s in range(K):
            m[s] -= d[s]
        if step <= _NEWTON_TOL * _NEWTON_TOL * ref:
            # leaves J at the solution for the positivity test
            _fill(z, m, S, x, f, J)
            return not check or _residual(z, m, S, x) <= _RESIDUAL_TOL
    return False


@njit(cache=True, error_model="numpy")
def _fixed_point(z, S, x, m):
    """Damped iteration m <- -1/(z + x + S m) at Im z large (a contraction there)."""
    K = m.shape[0]
    for s in range(K):
        m[s] = -1.0 / (z + x[s])
    new = np.empty(K, dtype=np.complex128)
    for _ in range(10000):
        diff = 0.0
        ref = 0.0
        for s in range(K):
            g = z + x[s]
            for t in range(K):
                g += S[s, t] * m[t]
            new[s] = 0.5 * m[s] - 0.5 / g
        for s in range(K):
            diff += abs(new[s] - m[s])
            ref += abs(new[s])
            m[s] = new[s]
        if diff <= 1e-15 * ref:
            return True
    return False


@njit(cache=True, error_model="numpy")
def _continue_down(z, S, x, m, f, J, d, work, dm):
    """Physical solution at z from the fixed point at z + i eta0, eta continued down."""
    K = m.shape[0]
    xmax = 0.0
    for s in range(K):
        xmax = max(xmax, abs(x[s]))
    eta = 4.0 * (1.0 + abs(z) + xmax)
    if not _fixed_point(complex(z.real, z.imag + eta), S, x, m):
        return False
    prev = m.copy()
    ratio = 0.5
    floor = 1e-14 * (1.0 + abs(z) + xmax)
    while eta > 0.0:
        target = eta * ratio if eta * ratio > floor else 0.0
        for s in range(K):
            prev[s] = m[s]
        ok = _newton(complex(z.real, z.imag + target), m, S, x, f, J, d, _NEWTON_MAXITER)
        if ok and z.imag + target > 0.0:
            for s in range(K):
                if m[s].imag < 0.0:
                    ok = False
        if ok:
            eta = target
            ratio = max(0.5 * ratio, 0.01) if ratio > 0.1 else ratio
        else:
            for s in range(K):
                m[s] = prev[s]
            ratio = 1.0 - 0.5 * (1.0 - ratio)  # a smaller step in eta
            if 1.0 - ratio < 1e-6:
                # At a branch point on the real axis the last step to Im z = 0
                # meets a singular Jacobian; the solution at a distance below
                # 1e-10 (relative) from the axis is then the boundary value to
                # within that distance's square root.
                return eta <= 1e-10 * (1.0 + abs(z) + xmax)
    return True


@njit(cache=True, error_model="numpy")
def _semicircle(z, s11, x0):
    """Physical root of s11 m^2 + (z + x0) m + 1 = 0 (s11 > 0)."""
    e = z + x0
    r = np.sqrt(e * e - 4.0 * s11)
    m1 = (-e + r) / (2.0 * s11)
    m2 = (-e - r) / (2.0 * s11)
    # product of the roots is 1/s11: the physical one has the smaller modulus
    a1, a2 = abs(m1), abs(m2)
    if abs(a1 - a2) <= 1e-12 * (a1 + a2):
        return m1 if m1.imag >= m2.imag else m2
    # stable form of the small root
    big = m1 if a1 > a2 else m2
    return 1.0 / (s11 * big)


@njit(cache=True, error_model="numpy")
def _companion_roots(coef, deg, out, start):
    comp = np.zeros((deg, deg), dtype=np.complex128)
    for i in range(1, deg):
        comp[i, i - 1] = 1.0
    for i in range(deg):
        comp[i, deg - 1] = -coef[i] / coef[deg]
    roots = np.linalg.eigvals(comp)
    for k in range(deg):
        out[start + k] = roots[k]


@njit(cache=True, error_model="numpy")
def _poly_roots(coef, out):
    """Roots of sum_k coef[k] t^k, and the inverses of the reversed polynomial's
    roots (accurate for roots much smaller than the largest); returns the count."""
    deg = coef.shape[0] - 1
    while deg > 0 and coef[deg] == 0.0:
        deg -= 1
    if deg == 0:
        return 0
    _companion_roots(coef, deg, out, 0)
    low = 0
    while low < deg and coef[low] == 0.0:
        low += 1
    n_rev = deg - low
    n = deg
    if n_rev > 0:
        rev = np.empty(n_rev + 1, dtype=np.complex128)
        for k in range(n_rev + 1):
            rev[k] = coef[deg - k]
        _companion_roots(rev, n_rev, out, deg)
        for k in range(deg, deg + n_rev):
            if out[k] != 0.0:
                out[n] = 1.0 / out[k]
                n += 1
    return n


@njit(cache=True, error_model="numpy")
def _quartic(z, i, S, x, coef):
    """Quartic in t = m_i after eliminating the other block j of a 2x2 system.

    With A = S[i,i], B = S[i,j], C = S[j,i], D = S[j,j], e_i = z + x_i, the block
    equation of i gives m_j = -(A t^2 + e_i t + 1) / (B t); substituted into the
    block equation of j it gives
        B^2 t^2 - B t S(t) (e_j + C t) + D S(t)^2 = 0,  S(t) = A t^2 + e_i t + 1.
    """
    j = 1 - i
    A, B, C, D = S[i, i], S[i, j], S[j, i], S[j, j]
    e1 = z + x[i]
    e2 = z + x[j]
    coef[0] = D
    coef[1] = -B * e2 + 2.0 * D * e1
    coef[2] = B * B - B * (e2 * e1 + C) + D * (e1 * e1 + 2.0 * A)
    coef[3] = -B * (e2 * A + C * e1) + 2.0 * D * A * e1
    coef[4] = A * (D * A - B * C)


@njit(cache=True, error_model="numpy")
def _add_candidate(z, S, x, mi, mj, i, cand, n, m, f, J, d):
    """Polish (m_i = mi, m_j = mj) by Newton and append it to cand if it solves F."""
    if not (np.isfinite(mi.real) and np.isfinite(mi.imag)):
        return n
    if not (np.isfinite(mj.real) and np.isfinite(mj.imag)) or mi == 0.0 or mj == 0.0:
        return n
    m[i] = mi
    m[1 - i] = mj
    if not _newton(z, m, S, x, f, J, d, 6):
        return n
    cand[n, 0] = m[0]
    cand[n, 1] = m[1]
    return n + 1


@njit(cache=True, error_model="numpy")
def _candidates2(z, S, x, cand, m, f, J, d):
    """Solutions of the 2-block equations at z from both quartics; returns the count."""
    coef = np.empty(5, dtype=np.complex128)
    roots = np.empty(8, dtype=np.complex128)
    n = 0
    for i in range(2):
        j = 1 - i
        B = S[i, j]
        if B == 0.0:
            continue
        _quartic(z, i, S, x, coef)
        for k in range(_poly_roots(coef, roots)):
            t = roots[k]
            if t == 0.0:
                continue
            st = (S[i, i] * t + z + x[i]) * t + 1.0
            n = _add_candidate(z, S, x, t, -st / (B * t), i, cand, n, m, f, J, d)
            # partner from its own block's quadratic (no cancellation in st)
            e = z + x[j] + S[j, i] * t
            if S[j, j] != 0.0:
                r = np.sqrt(e * e - 4.0 * S[j, j])
                for sgn in (1.0, -1.0):
                    h = -0.5 * (e + sgn * r)
                    if h != 0.0:
                        n = _add_candidate(z, S, x, t, 1.0 / h, i, cand, n, m, f, J, d)
            elif e != 0.0:
                n = _add_candidate(z, S, x, t, -1.0 / e, i, cand, n, m, f, J, d)
    return n


@njit(cache=True, error_model="numpy")
def _select(cand, n, S, m, f, J, d, work, dm, z, x):
    """Index of the unique candidate passing the positivity test, or -1."""
    K = cand.shape[1]
    scores = np.empty(n)
    ibest = -1
    best = -np.inf
    for k in range(n):
        for s in range(K):
            m[s] = cand[k, s]
        _fill(z, m, S, x, f, J)
        scores[k] = _score(m, S, J, work, dm)
        if scores[k] > best:
            best = scores[k]
            ibest = k
    if not best > 0.0:
        return -1
    ref = 0.0
    for s in range(K):
        ref += abs(cand[ibest, s])
    for k in range(n):
        if scores[k] > 0.0:
            dist = 0.0
            for s in range(K):
                dist += abs(cand[k, s] - cand[ibest, s])
            if dist > _SAME * ref:
                return -1
    return ibest


@njit(cache=True, error_model="numpy")
def _snap(z, m):
    """On the real axis a solution whose blocks are all real to _SNAP is real."""
    if z.imag != 0.0:
        return
    K = m.shape[0]
    for s in range(K):
        if abs(m[s].imag) > _SNAP * abs(m[s]):
            return
    for s in range(K):
        m[s] = complex(m[s].real, 0.0)


@njit(cache=True, error_model="numpy")
def _warm2(z, g0, g1, s00, s01, s10, s11, x0, x1):
    """K = 2 Newton from (g0, g1) in scalars, with the positivity test of ``_score``
    written out; returns (m0, m1, ok).  The fast path of sorted runs."""
    m0, m1 = g0, g1
    for _ in range(12):
        a0 = z + x0 + s00 * m0 + s01 * m1
        a1 = z + x1 + s10 * m0 + s11 * m1
        f0 = 1.0 + m0 * a0
        f1 = 1.0 + m1 * a1
        j00 = a0 + m0 * s00
        j01 = m0 * s01
        j10 = m1 * s10
        j11 = a1 + m1 * s11
        det = j00 * j11 - j01 * j10
        if det == 0.0:
            return m0, m1, False
        inv = 1.0 / det
        d0 = (f0 * j11 - f1 * j01) * inv
        d1 = (f1 * j00 - f0 * j10) * inv
        step = _abs2(d0) + _abs2(d1)
        ref = _abs2(m0) + _abs2(m1)
        if not step <= ref:
            return m0, m1, False
        m0 = m0 - d0
        m1 = m1 - d1
        if step <= _NEWTON_TOL * _NEWTON_TOL * ref:
            c0 = _is_cplx(m0)
            c1 = _is_cplx(m1)
            if (c0 and m0.imag <= 0.0) or (c1 and m1.imag <= 0.0):
                return m0, m1, False
            # real blocks not coupled to a complex one are probed: Re dm/dz > 0,
            # dm/dz = -J^(-1) m with J at the solution
            p0 = not c0 and not (s01 != 0.0 and c1)
            p1 = not c1 and not (s10 != 0.0 and c0)
            if p0 or p1:
                a0 = z + x0 + s00 * m0 + s01 * m1
                a1 = z + x1 + s10 * m0 + s11 * m1
                j00 = a0 + m0 * s00
                j01 = m0 * s01
                j10 = m1 * s10
                j11 = a1 + m1 * s11
                det = j00 * j11 - j01 * j10
                if det == 0.0:
                    return m0, m1, False
                dm0 = -(m0 * j11 - m1 * j01) / det
                dm1 = -(m1 * j00 - m0 * j10) / det
                if (p0 and not dm0.real > 0.0) or (p1 and not dm1.real > 0.0):
                    return m0, m1, False
            return m0, m1, True
    return m0, m1, False


@njit(cache=True, error_model="numpy")
def _solve_point(z, S, x, guess, has_guess, m, ws, J):
    """Physical solution at z into m; False if every method failed."""
    K = m.shape[0]
    f, d, work, dm = ws[0], ws[1], ws[2], ws[3]
    if K == 1:
        if S[0, 0] == 0.0:
            m[0] = -1.0 / (z + x[0])
        else:
            m[0] = _semicircle(z, S[0, 0], x[0])
        _snap(z, m)
        return True
    if has_guess and K == 2:
        m0, m1, ok = _warm2(z, guess[0], guess[1], S[0, 0], S[0, 1], S[1, 0], S[1, 1], x[0], x[1])
        if ok:
            m[0], m[1] = m0, m1
            _snap(z, m)
            return True
    elif has_guess:
        for s in range(K):
            m[s] = guess[s]
        if _newton(z, m, S, x, f, J, d, 12, False):
            if _score(m, S, J, work, dm) > 0.0:
                _snap(z, m)
                return True
    if K == 2:
        cand = np.empty((64, 2), dtype=np.complex128)
        n = _candidates2(z, S, x, cand, m, f, J, d)
        k = _select(cand, n, S, m, f, J, d, work, dm, z, x)
        if k >= 0:
            m[0], m[1] = cand[k, 0], cand[k, 1]
            _snap(z, m)
            return True
    if _continue_down(z, S, x, m, f, J, d, work, dm):
        _snap(z, m)
        return True
    return False


@njit(cache=True, error_model="numpy")
def solve_z(zs, S, x, out):
    """Physical solutions at every z in ``zs`` (Im z >= 0) into out (n, K), visited in
    order, each warm-started from the previous two (linear extrapolation).
    Returns the number of points that failed (rows of NaN)."""
    n = zs.shape[0]
    K = x.shape[0]
    ws = np.empty((4, K), dtype=np.complex128)
    J = np.empty((K, K), dtype=np.complex128)
    m = np.empty(K, dtype=np.complex128)
    guess = np.empty(K, dtype=np.complex128)
    failed = 0
    for i in range(n):
        has = i > 0 and np.isfinite(out[i - 1, 0].real)
        if has:
            for s in range(K):
                guess[s] = out[i - 1, s]
            if i > 1 and np.isfinite(out[i - 2, 0].real) and zs[i - 1] != zs[i - 2]:
                r = (zs[i] - zs[i - 1]) / (zs[i - 1] - zs[i - 2])
                if abs(r) <= 4.0:
                    for s in range(K):
                        guess[s] = out[i - 1, s] + r * (out[i - 1, s] - out[i - 2, s])
        if _solve_point(zs[i], S, x, guess, has, m, ws, J):
            for s in range(K):
                out[i, s] = m[s]
        else:
            failed += 1
            for s in range(K):
                out[i, s] = complex(np.nan, np.nan)
    return failed


@njit(cache=True, error_model="numpy")
def solve_shifts(z, S, xs, out):
    """Physical solutions at one z for every shift vector (row of xs) into out,
    each warm-started from the previous row's solution.  Returns the failures."""
    n, K = xs.shape
    ws = np.empty((4, K), dtype=np.complex128)
    J = np.empty((K, K), dtype=np.complex128)
    m = np.empty(K, dtype=np.complex128)
    guess = np.empty(K, dtype=np.complex128)
    x = np.empty(K)
    failed = 0
    has = False
    for i in range(n):
        for s in range(K):
            x[s] = xs[i, s]
        if _solve_point(z, S, x, guess, has, m, ws, J):
            for s in range(K):
                out[i, s] = m[s]
                guess[s] = m[s]
            has = True
        else:
            failed += 1
            has = False
            for s in range(K):
                out[i, s] = complex(np.nan, np.nan)
    return failed


@njit(cache=True, error_model="numpy")
def density_rows(ms, kappa, out):
    """rho = max(sum_s kappa_s Im m_s, 0) / pi for every row of ms."""
    n, K = ms.shape
    for i in range(n):
        im = 0.0
        for s in range(K):
            im += kappa[s] * ms[i, s].imag
        out[i] = max(im, 0.0) / np.pi


@njit(cache=True, error_model="numpy")
def log_potential_rows(ms, S, kappa, out):
    """L = -sum_s kappa_s log|m_s| + Re(sum_st kappa_s S[s,t] m_s m_t) / 2 per row."""
    n, K = ms.shape
    for i in range(n):
        acc = 0.0
        quad = 0.0 + 0.0j
        for s in range(K):
            acc -= kappa[s] * np.log(abs(ms[i, s]))
            inner = 0.0 + 0.0j
            for t in range(K):
                inner += S[s, t] * ms[i, t]
            quad += kappa[s] * ms[i, s] * inner
        out[i] = acc + 0.5 * quad.real
