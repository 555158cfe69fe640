"""Compiled kernels of sampled spin-glass games (private; public API in ``game_landscape``).

Every field is a polynomial in the N = sum N_s coordinates of w, kept as a list of terms:
term t is coef[t] * w[idx[t, 0]] * ... * w[idx[t, deg[t] - 1]] and belongs to field
fid[t] (0 .. K - 1: the own fields f_s; K: the shared field h).  Species s occupies the
coordinates lo[s] .. lo[s + 1] - 1 and its sphere has radius sqrt(N).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._landscape_kernels import _solve


@njit(cache=True)
def _polys(coef, idx, deg, fid, w, val, grad, hess, want_hess):
    """Values (nf,), gradients (nf, n) and, with want_hess, Hessians (nf, n, n) of the fields."""
    val[:] = 0.0
    grad[:] = 0.0
    if want_hess:
        hess[:] = 0.0
    for t in range(coef.size):
        d = deg[t]
        f = fid[t]
        c = coef[t]
        prod = c
        for j in range(d):
            prod *= w[idx[t, j]]
        val[f] += prod
        for j in range(d):
            g = c
            for m in range(d):
                if m != j:
                    g *= w[idx[t, m]]
            grad[f, idx[t, j]] += g
            if want_hess:
                for j2 in range(d):
                    if j2 == j:
                        continue
                    h = c
                    for m in range(d):
                        if m != j and m != j2:
                            h *= w[idx[t, m]]
                    hess[f, idx[t, j], idx[t, j2]] += h


@njit(cache=True)
def _game(lo, signs, w, grad, hess, field, jac, want_jac):
    """The players' Riemannian gradient field and (want_jac) its covariant Jacobian J.

    field_s = P_s g_s with g_s = grad_s f_s + eps_s grad_s h and P_s = I - w_s w_s^T / N;
    jac (n x n, ambient) has rows of species s equal to P_s (Hess_s. L_s) P - mu_s P_s on
    the diagonal block, mu_s = g_s . w_s / N: zero on the normals.
    """
    k = signs.size
    n = w.size
    nn = float(n)
    hid = k
    for s in range(k):
        mu = 0.0
        for i in range(lo[s], lo[s + 1]):
            field[i] = grad[s, i] + signs[s] * grad[hid, i]
            mu += field[i] * w[i]
        mu /= nn
        for i in range(lo[s], lo[s + 1]):
            field[i] -= mu * w[i]
        if not want_jac:
            continue
        for i in range(lo[s], lo[s + 1]):
            for j in range(n):
                jac[i, j] = hess[s, i, j] + signs[s] * hess[hid, i, j]
        # rows of block s: jac[rows] -= u (u^T jac[rows])
        for j in range(n):
            acc = 0.0
            for i in range(lo[s], lo[s + 1]):
                acc += w[i] * jac[i, j]
            acc /= nn
            for i in range(lo[s], lo[s + 1]):
                jac[i, j] -= w[i] * acc
        # columns, block by block, then the curvature term on the diagonal block
        for t in range(k):
            for i in range(lo[s], lo[s + 1]):
                acc = 0.0
                for j in range(lo[t], lo[t + 1]):
                    acc += jac[i, j] * w[j]
                acc /= nn
                for j in range(lo[t], lo[t + 1]):
                    jac[i, j] -= acc * w[j]
        for i in range(lo[s], lo[s + 1]):
            for j in range(lo[s], lo[s + 1]):
                jac[i, j] -= mu * ((1.0 if i == j else 0.0) - w[i] * w[j] / nn)


@njit(cache=True)
def evaluate(coef, idx, deg, fid, lo, signs, points, want_jac):
    """Field values (m, K+1), the game field (m, n) and (want_jac) J (m, n, n) at many points."""
    m, n = points.shape
    nf = signs.size + 1
    vals = np.empty((m, nf))
    fields = np.empty((m, n))
    jacs = np.zeros((m if want_jac else 1, n, n))
    grad = np.empty((nf, n))
    hess = np.empty((nf, n, n))
    jac = np.zeros((n, n))
    for p in range(m):
        _polys(coef, idx, deg, fid, points[p], vals[p], grad, hess, want_jac)
        _game(lo, signs, points[p], grad, hess, fields[p], jac, want_jac)
        if want_jac:
            jacs[p] = jac
    return vals, fields, jacs


@njit(cache=True)
def newton(coef, idx, deg, fid, lo, signs, starts, max_iter, tol):
    """Riemannian Newton on the product of spheres from each row of ``starts``.

    Step: solve J xi = -field (J made invertible on the normals by adding u_s u_s^T on
    each diagonal block), then retract each block to its sphere.  Stops when the step is
    below 1e-13 sqrt(N) or after ``max_iter`` steps.  Returns (points, residual |field|,
    converged = residual <= tol).
    """
    m, n = starts.shape
    k = signs.size
    nn = float(n)
    root = math.sqrt(nn)
    nf = k + 1
    vals = np.empty(nf)
    grad = np.empty((nf, n))
    hess = np.empty((nf, n, n))
    field = np.empty(n)
    jac = np.zeros((n, n))
    rhs = np.empty(n)
    step = np.empty(n)
    out = starts.copy()
    resid = np.empty(m)
    ok = np.zeros(m, dtype=np.bool_)
    for p in range(m):
        w = out[p]
        good = True
        for _ in range(max_iter):
            _polys(coef, idx, deg, fid, w, vals, grad, hess, True)
            _game(lo, signs, w, grad, hess, field, jac, True)
            for s in range(k):
                for i in range(lo[s], lo[s + 1]):
                    for j in range(lo[s], lo[s + 1]):
                        jac[i, j] += w[i] * w[j] / nn
            for i in range(n):
                rhs[i] = -field[i]
            if not _solve(jac, rhs, step):
                good = False
                break
            size = 0.0
            for i in range(n):
                w[i] += step[i]
                size += step[i] * step[i]
            for s in range(k):
                acc = 0.0
                for i in range(lo[s], lo[s + 1]):
                    acc += w[i] * w[i]
                acc = root / math.sqrt(acc)
                for i in range(lo[s], lo[s + 1]):
                    w[i] *= acc
            if not math.isfinite(size):
                good = False
                break
            if math.sqrt(size) <= 1e-13 * root:
                break
        res = np.inf
        if good:
            _polys(coef, idx, deg, fid, w, vals, grad, hess, False)
            _game(lo, signs, w, grad, hess, field, jac, False)
            res = 0.0
            for i in range(n):
                res += field[i] * field[i]
            res = math.sqrt(res)
        resid[p] = res
        ok[p] = res <= tol
    return out, resid, ok
