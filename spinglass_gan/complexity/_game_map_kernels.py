"""Compiled kernels of the grid maps of K = 2 games (private; see ``_game_map``)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def legendre_grid(f, z1, z2, l1, l2, val, arg1, arg2):  # pragma: no cover - compiled
    """val[i, j] = max over (a, b) of f[a, b] + z1[a] l1[j] + z2[b] l2[i], with the
    maximising (a, b) in (arg1, arg2).

    The coupling z . l is separable, so the maximum is taken in two passes: over b for
    every (a, i), then over a for every (i, j): O(m1 m2 n2 + m1 n1 n2) instead of
    O(m1 m2 n1 n2).
    """
    m1, m2 = f.shape
    n1, n2 = l1.size, l2.size
    inner = np.empty((m1, n2))
    inner_b = np.empty((m1, n2), dtype=np.int64)
    for a in range(m1):
        for i in range(n2):
            best, bb = -np.inf, 0
            for b in range(m2):
                v = f[a, b] + z2[b] * l2[i]
                if v > best:
                    best, bb = v, b
            inner[a, i] = best
            inner_b[a, i] = bb
    for i in range(n2):
        for j in range(n1):
            best, ba = -np.inf, 0
            for a in range(m1):
                v = inner[a, i] + z1[a] * l1[j]
                if v > best:
                    best, ba = v, a
            val[i, j] = best
            arg1[i, j] = ba
            arg2[i, j] = inner_b[ba, i]


@njit(cache=True)
def line_seeds(f, p, wg, w, eta, best, border):  # pragma: no cover - compiled
    """best[c] = the p maximising f(p, w[c]) + p eta[c], f tabulated on the rows wg
    (uniform) and columns p and interpolated linearly in w; border[c] when that p is
    the first or last column (the table may not hold the maximiser)."""
    mw, mp = f.shape
    h = (wg[-1] - wg[0]) / (mw - 1)
    for c in range(w.size):
        r = (w[c] - wg[0]) / h
        k = min(max(int(np.floor(r)), 0), mw - 2)
        lam = min(max(r - k, 0.0), 1.0)
        top, bi = -np.inf, 0
        for i in range(mp):
            v = (1.0 - lam) * f[k, i] + lam * f[k + 1, i] + p[i] * eta[c]
            if v > top:
                top, bi = v, i
        best[c] = p[bi]
        border[c] = bi == 0 or bi == mp - 1
