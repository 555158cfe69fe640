"""Compiled kernels of sampled landscapes (private; public API in ``landscape``).

Tensors are symmetric and flattened in C order: entry (i1, ..., ik) of an order-k
tensor on R^n sits at i1 n^(k-1) + ... + ik.  For a symmetric T,

    T[w^k] = w . (T[w^(k-2)] w),   grad = k T[w^(k-1)],   Hess = k (k-1) T[w^(k-2)],

so every field value, gradient and Hessian comes from one matrix T[w^(k-2)], made by
contracting the last index k - 2 times (cost n^k per point).

Points are rows w = (w_D, w_G) of length N = n_D + n_G, each block on its sphere of
radius sqrt(N).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _contract(t, k, n, w, work_a, work_b, out):
    """out (n x n) = T[w^(k-2)] for the flat symmetric order-k tensor ``t``."""
    size = n**k
    if k == 2:
        for i in range(n):
            for j in range(n):
                out[i, j] = t[i * n + j]
        return
    src = t
    dst = work_a
    for level in range(k - 2):
        size //= n
        for j in range(size):
            acc = 0.0
            base = j * n
            for i in range(n):
                acc += src[base + i] * w[i]
            dst[j] = acc
        if level % 2 == 0:
            src = work_a
            dst = work_b
        else:
            src = work_b
            dst = work_a
    for i in range(n):
        for j in range(n):
            out[i, j] = src[i * n + j]


@njit(cache=True)
def _fields(xs, zs, p, r, n_d, n, c_d, c_g, w, wa, wb, wc, wd, m_d, m_g, g_d, g_g):
    """Values, Euclidean gradients and Hessians of l_D and l_G at one point.

    Fills m_d (Hess l_D, n_d x n_d), m_g (Hess l_G, n x n), g_d (grad l_D, n_d),
    g_g (grad l_G, n); returns (l_D, l_G).
    """
    _contract(xs, p, n_d, w[:n_d], wa, wb, m_d)
    _contract(zs, r, n, w, wc, wd, m_g)
    l_d = 0.0
    for i in range(n_d):
        acc = 0.0
        for j in range(n_d):
            acc += m_d[i, j] * w[j]
        g_d[i] = acc
        l_d += acc * w[i]
    l_g = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += m_g[i, j] * w[j]
        g_g[i] = acc
        l_g += acc * w[i]
    for i in range(n_d):
        g_d[i] *= c_d * p
        for j in range(n_d):
            m_d[i, j] *= c_d * p * (p - 1)
    for i in range(n):
        g_g[i] *= c_g * r
        for j in range(n):
            m_g[i, j] *= c_g * r * (r - 1)
    return c_d * l_d, c_g * l_g


@njit(cache=True)
def _game(n_d, n, w, m_d, m_g, g_d, g_g, field, jac):
    """The game's Riemannian gradient field and its covariant Jacobian J at one point.

    field = (P_D grad_D L_D, P_G grad_G L_G); jac (n x n, ambient coordinates) is
    P (D field) P minus the curvature terms mu_D P_D, mu_G P_G, with
    mu = (grad . w) / N per block, so that jac maps tangent vectors to tangent vectors
    and is zero on the two normals.  Returns (mu_D, mu_G).
    """
    nn = float(n)
    # Euclidean game gradient: grad_D L_D = grad l_D - grad_D l_G; grad_G L_G = grad_G l_G.
    mu_d = 0.0
    mu_g = 0.0
    for i in range(n_d):
        field[i] = g_d[i] - g_g[i]
        mu_d += field[i] * w[i]
    for i in range(n_d, n):
        field[i] = g_g[i]
        mu_g += field[i] * w[i]
    mu_d /= nn
    mu_g /= nn
    for i in range(n_d):
        field[i] -= mu_d * w[i]
    for i in range(n_d, n):
        field[i] -= mu_g * w[i]
    # Raw Jacobian of the Euclidean game gradient: D rows of Hess L_D, G rows of Hess L_G.
    for i in range(n):
        for j in range(n):
            v = m_g[i, j]
            if i < n_d:
                v = -v
                if j < n_d:
                    v += m_d[i, j]
            jac[i, j] = v
    # Project rows and columns blockwise: P = I - u u^T per block, u = w_block / sqrt(N).
    for blk in range(2):
        lo = 0 if blk == 0 else n_d
        hi = n_d if blk == 0 else n
        # rows: jac[lo:hi, :] -= u (u^T jac[lo:hi, :])
        for j in range(n):
            s = 0.0
            for i in range(lo, hi):
                s += w[i] * jac[i, j]
            s /= nn
            for i in range(lo, hi):
                jac[i, j] -= w[i] * s
        # columns: jac[:, lo:hi] -= (jac[:, lo:hi] u) u^T
        for i in range(n):
            s = 0.0
            for j in range(lo, hi):
                s += jac[i, j] * w[j]
            s /= nn
            for j in range(lo, hi):
                jac[i, j] -= s * w[j]
    for i in range(n):
        mu = mu_d if i < n_d else mu_g
        lo = 0 if i < n_d else n_d
        hi = n_d if i < n_d else n
        for j in range(lo, hi):
            jac[i, j] -= mu * ((1.0 if i == j else 0.0) - w[i] * w[j] / nn)
    return mu_d, mu_g


@njit(cache=True)
def _solve(a, b, x):
    """Solve a x = b by Gaussian elimination with partial pivoting (a, b overwritten).

    Returns False when a pivot vanishes (singular to working precision).
    """
    n = a.shape[0]
    scale = 0.0
    for i in range(n):
        for j in range(n):
            scale = max(scale, abs(a[i, j]))
    if scale == 0.0:
        return False
    for k in range(n):
        piv = k
        best = abs(a[k, k])
        for i in range(k + 1, n):
            if abs(a[i, k]) > best:
                best = abs(a[i, k])
                piv = i
        if best <= 1e-14 * scale:
            return False
        if piv != k:
            for j in range(n):
                tmp = a[k, j]
                a[k, j] = a[piv, j]
                a[piv, j] = tmp
            tmp = b[k]
            b[k] = b[piv]
            b[piv] = tmp
        for i in range(k + 1, n):
            f = a[i, k] / a[k, k]
            if f != 0.0:
                for j in range(k, n):
                    a[i, j] -= f * a[k, j]
                b[i] -= f * b[k]
    for i in range(n - 1, -1, -1):
        acc = b[i]
        for j in range(i + 1, n):
            acc -= a[i, j] * x[j]
        x[i] = acc / a[i, i]
    return True


@njit(cache=True)
def evaluate(xs, zs, p, r, n_d, c_d, c_g, points, want_jac):
    """Fields at many points.

    Returns (l_D (m,), l_G (m,), grad l_D (m, n_d), grad l_G (m, n),
    Hess l_D (m, n_d, n_d), Hess l_G (m, n, n), field (m, n), jac (m, n, n)); the
    Hessians and jac are filled only when ``want_jac``.
    """
    m, n = points.shape
    wa = np.empty(max(n_d ** (p - 1), 1))
    wb = np.empty(max(n_d ** (p - 1), 1))
    wc = np.empty(max(n ** (r - 1), 1))
    wd = np.empty(max(n ** (r - 1), 1))
    l_d = np.empty(m)
    l_g = np.empty(m)
    g_d = np.empty((m, n_d))
    g_g = np.empty((m, n))
    nh = m if want_jac else 1
    h_d = np.zeros((nh, n_d, n_d))
    h_g = np.zeros((nh, n, n))
    field = np.empty((m, n))
    jac = np.zeros((nh, n, n))
    md = np.empty((n_d, n_d))
    mg = np.empty((n, n))
    jw = np.empty((n, n))
    for k in range(m):
        w = points[k]
        a, b = _fields(xs, zs, p, r, n_d, n, c_d, c_g, w, wa, wb, wc, wd, md, mg, g_d[k], g_g[k])
        l_d[k] = a
        l_g[k] = b
        _game(n_d, n, w, md, mg, g_d[k], g_g[k], field[k], jw)
        if want_jac:
            h_d[k] = md
            h_g[k] = mg
            jac[k] = jw
    return l_d, l_g, g_d, g_g, h_d, h_g, field, jac


@njit(cache=True)
def newton(xs, zs, p, r, n_d, c_d, c_g, starts, max_iter, tol):
    """Riemannian Newton on the product of spheres from each row of ``starts``.

    Step: solve J xi = -field on the tangent space (J made invertible on the normals
    by adding u_D u_D^T + u_G u_G^T), then retract each block to its sphere by
    normalising.  Stops when the step is below 1e-13 sqrt(N) or after ``max_iter``
    steps.  Returns (points, residual |field|, converged = residual <= tol).
    """
    m, n = starts.shape
    nn = float(n)
    root = math.sqrt(nn)
    wa = np.empty(max(n_d ** (p - 1), 1))
    wb = np.empty(max(n_d ** (p - 1), 1))
    wc = np.empty(max(n ** (r - 1), 1))
    wd = np.empty(max(n ** (r - 1), 1))
    md = np.empty((n_d, n_d))
    mg = np.empty((n, n))
    gd = np.empty(n_d)
    gg = np.empty(n)
    field = np.empty(n)
    jac = np.empty((n, n))
    rhs = np.empty(n)
    step = np.empty(n)
    out = starts.copy()
    resid = np.empty(m)
    ok = np.zeros(m, dtype=np.bool_)
    for k in range(m):
        w = out[k]
        good = True
        for _ in range(max_iter):
            _fields(xs, zs, p, r, n_d, n, c_d, c_g, w, wa, wb, wc, wd, md, mg, gd, gg)
            _game(n_d, n, w, md, mg, gd, gg, field, jac)
            for i in range(n):
                rhs[i] = -field[i]
                for j in range(n):
                    if (i < n_d) == (j < n_d):
                        jac[i, j] += w[i] * w[j] / nn
            if not _solve(jac, rhs, step):
                good = False
                break
            size = 0.0
            for i in range(n):
                w[i] += step[i]
                size += step[i] * step[i]
            for blk in range(2):
                lo = 0 if blk == 0 else n_d
                hi = n_d if blk == 0 else n
                s = 0.0
                for i in range(lo, hi):
                    s += w[i] * w[i]
                s = root / math.sqrt(s)
                for i in range(lo, hi):
                    w[i] *= s
            if not math.isfinite(size):
                good = False
                break
            if math.sqrt(size) <= 1e-13 * root:
                break
        res = np.inf
        if good:
            _fields(xs, zs, p, r, n_d, n, c_d, c_g, w, wa, wb, wc, wd, md, mg, gd, gg)
            _game(n_d, n, w, md, mg, gd, gg, field, jac)
            res = 0.0
            for i in range(n):
                res += field[i] * field[i]
            res = math.sqrt(res)
        resid[k] = res
        ok[k] = res <= tol
    return out, resid, ok


@njit(cache=True)
def assign(points, found, tol):
    """Index in ``found`` of each row of ``points`` within distance ``tol``, else -1."""
    m = points.shape[0]
    f = found.shape[0]
    n = points.shape[1]
    out = np.full(m, -1, dtype=np.int64)
    t2 = tol * tol
    for k in range(m):
        for j in range(f):
            d = 0.0
            for i in range(n):
                e = points[k, i] - found[j, i]
                d += e * e
                if d > t2:
                    break
            if d <= t2:
                out[k] = j
                break
    return out
