"""Compiled kernels of the finite-N Kac-Rice formula: dense Jacobians, tridiagonal blocks (private).

J' = b M + blockdiag(b1 M1, 0) - diag(s_D I, s_G I), of order m = N - 2, where M is a
GOE with off-diagonal variance 1/(2N) and diagonal variance 1/N (N = n_D + n_G, not m),
M1 a GOE of order n_D - 1 with off-diagonal variance 1/(2 n_D) and diagonal variance
1/n_D, and (s_D, s_G) = (x + x1, x) one pair per matrix.  Both triangles are written, so
the matrices go straight to LU (slogdet) as well as to the symmetric eigensolvers.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def fill_jacobians(rng, out, b, b1, n_total, n_d, shift_d, shift_g):
    """Fill each ``out[k]`` (order n_total - 2, D block first, of order n_d - 1)."""
    m = out.shape[1]
    nd1 = n_d - 1
    off = b / math.sqrt(2.0 * n_total)
    diag = b / math.sqrt(n_total)
    off1 = b1 / math.sqrt(2.0 * n_d)
    diag1 = b1 / math.sqrt(n_d)
    for k in range(out.shape[0]):
        mat = out[k]
        for i in range(m):
            if i < nd1:
                for j in range(i):
                    v = off * rng.standard_normal() + off1 * rng.standard_normal()
                    mat[i, j] = v
                    mat[j, i] = v
                mat[i, i] = (
                    diag * rng.standard_normal() + diag1 * rng.standard_normal() - shift_d[k]
                )
            else:
                for j in range(i):
                    v = off * rng.standard_normal()
                    mat[i, j] = v
                    mat[j, i] = v
                mat[i, i] = diag * rng.standard_normal() - shift_g[k]


@njit(cache=True)
def tridiagonal_pivots(a, e, y, piv):
    """The pivots of T - y I = L D L^T (T symmetric tridiagonal, diagonal a, off-diagonal
    e) into ``piv``, an exact zero replaced by 1e-300; returns (number of negative pivots
    = eigenvalues of T below y (Sylvester), log|det(T - y)|, sign det(T - y),
    d/dy log|det(T - y)| = sum_j 1/(y - lam_j)).  L's subdiagonal is e[i-1] / piv[i-1].
    """
    neg = 0
    logdet = 0.0
    sign = 1.0
    dlog = 0.0
    p = 0.0
    dp = 0.0
    for i in range(a.shape[0]):
        if i == 0:
            p = a[0] - y
            dp = -1.0
        else:
            e2 = e[i - 1] * e[i - 1]
            new = a[i] - y - e2 / p
            dp = -1.0 + e2 * dp / (p * p)
            p = new
        if p == 0.0:
            p = 1e-300
        if p < 0.0:
            neg += 1
            sign = -sign
        logdet += math.log(abs(p))
        dlog += dp / p
        piv[i] = p
    return neg, logdet, sign, dlog


@njit(cache=True)
def tridiagonal_schur(a, e, piv, b, out):
    """out += b^T (T - y I)^-1 b = z^T D^-1 z with z = L^-1 b (T - y = L D L^T, D the
    pivots ``piv`` of ``tridiagonal_pivots``).

    b has shape (n, m), out (m, m).  Without pivoting: meant for T - y positive
    definite (the draws an index question keeps), where it is stable.
    """
    n, m = b.shape
    z = np.empty(m)
    for i in range(n):
        if i == 0:
            for c in range(m):
                z[c] = b[0, c]
        else:
            ell = e[i - 1] / piv[i - 1]
            for c in range(m):
                z[c] = b[i, c] - ell * z[c]
        for c in range(m):
            zc = z[c] / piv[i]
            for d in range(m):
                out[c, d] += zc * z[d]


@njit(cache=True)
def tridiagonal_batch(a, e, y, b, schur, stats):
    """Per draw k: stats[k] = the statistics of tridiagonal_pivots(a[k], e[k], y[k]) and
    schur[k] = b[k]^T (T_k - y_k)^-1 b[k] (added to what schur[k] holds)."""
    piv = np.empty(a.shape[1])
    for k in range(a.shape[0]):
        neg, logdet, sign, dlog = tridiagonal_pivots(a[k], e[k], y[k], piv)
        stats[k, 0] = neg
        stats[k, 1] = logdet
        stats[k, 2] = sign
        stats[k, 3] = dlog
        tridiagonal_schur(a[k], e[k], piv, b[k], schur[k])


@njit(cache=True)
def tridiagonal_logdets(a, e, ys):
    """log|det(T_k - ys[k, i])| for each draw k and level i."""
    out = np.empty(ys.shape)
    piv = np.empty(a.shape[1])
    for k in range(ys.shape[0]):
        for i in range(ys.shape[1]):
            out[k, i] = tridiagonal_pivots(a[k], e[k], ys[k, i], piv)[1]
    return out


@njit(cache=True)
def tridiagonal_eigenvalue(a, e, j, out):
    """out[k] = the (j+1)-th smallest eigenvalue of each T_k (diagonal a[k], off-diagonal e[k]).

    Bisection on the Sturm count of ``tridiagonal_pivots`` inside the Gershgorin
    interval, to a relative width of 1e-13 of the interval or to adjacent doubles: a
    shift is then placed next to the eigenvalue, so it must be accurate far below the
    spacing there.
    """
    n = a.shape[1]
    piv = np.empty(n)
    for k in range(a.shape[0]):
        lo = np.inf
        hi = -np.inf
        for i in range(n):
            r = 0.0
            if i > 0:
                r += abs(e[k, i - 1])
            if i < n - 1:
                r += abs(e[k, i])
            lo = min(lo, a[k, i] - r)
            hi = max(hi, a[k, i] + r)
        width = hi - lo
        while hi - lo > 1e-13 * width:
            mid = 0.5 * (lo + hi)
            if mid <= lo or mid >= hi:  # no double between them: an interval narrow
                break  # against its place would otherwise never close
            if tridiagonal_pivots(a[k], e[k], mid, piv)[0] >= j + 1:
                hi = mid
            else:
                lo = mid
        out[k] = 0.5 * (lo + hi)


@njit(cache=True)
def tridiagonal_eliminate(a, e, y, b, stats):
    """In place, per draw k: b[k] <- L^-1 b[k] scaled by |D|^-1/2 with sign kept apart,
    where T_k - y_k = L D L^T, so that b[k]^T (T_k - y_k)^-1 b[k] = Z^T diag(sgn D) Z.

    Returns the signs of the pivots (draws x n) and fills stats[k] as
    ``tridiagonal_pivots`` (negative pivots, log|det|, sign, d/dy log|det|).  Leaves the
    O(n m^2) product Z^T diag(sgn D) Z to BLAS.
    """
    size, n, m = b.shape
    signs = np.empty((size, n))
    piv = np.empty(n)
    for k in range(size):
        neg, logdet, sign, dlog = tridiagonal_pivots(a[k], e[k], y[k], piv)
        prev_scale = 1.0
        for i in range(n):
            if i > 0:
                ell = e[k, i - 1] / piv[i - 1]
                for c in range(m):
                    b[k, i, c] -= ell * b[k, i - 1, c] * prev_scale
            prev_scale = math.sqrt(abs(piv[i]))
            signs[k, i] = 1.0 if piv[i] > 0.0 else -1.0
            for c in range(m):
                b[k, i, c] /= prev_scale
        stats[k, 0] = neg
        stats[k, 1] = logdet
        stats[k, 2] = sign
        stats[k, 3] = dlog
    return signs


@njit(cache=True)
def fill_symmetric(rng, out, scale, shift):
    """Per draw k: out[k] = (G + G^T) / sqrt(2) * scale - diag(shift[k]), G (m, m) standard normals.

    G is drawn in C order, draw after draw, so the stream is that of
    ``rng.standard_normal(out.shape)`` (numba's Generator draws the same numbers as
    numpy's); ``scale`` (m, m) is the entry standard deviation of the symmetric W (its
    diagonal gets sqrt(2) times it, as in a GOE).  The arithmetic is that of the
    vectorised form, in the same order.
    """
    root2 = math.sqrt(2.0)
    m = out.shape[1]
    for k in range(out.shape[0]):
        mat = out[k]
        for i in range(m):
            for j in range(m):
                mat[i, j] = rng.standard_normal()
        for i in range(m):
            for j in range(i):
                v = (mat[i, j] + mat[j, i]) / root2 * scale[i, j]
                mat[i, j] = v
                mat[j, i] = v
            mat[i, i] = (mat[i, i] + mat[i, i]) / root2 * scale[i, i] - shift[k, i]
