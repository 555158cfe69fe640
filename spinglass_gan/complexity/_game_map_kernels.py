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
