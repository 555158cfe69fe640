"""Compiled kernels that draw H' (private).

Only the lower triangle is filled: LAPACK's symmetric eigensolvers read one
triangle, so the other is never touched.  Off-diagonal GOE entries are drawn
directly with variance 1/(2N) and diagonal entries with variance 1/N, the law of
(G + G^T) / (2 sqrt(N)) with half the Gaussian draws.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def fill_lower(rng, out, b, b1, n_d, x1):
    """Fill the lower triangle of each ``out[k]`` with a draw of H'."""
    n = out.shape[1]
    off = b / math.sqrt(2.0 * n)
    diag = b / math.sqrt(n)
    off1 = b1 / math.sqrt(2.0 * n_d)
    diag1 = b1 / math.sqrt(n_d)
    for k in range(out.shape[0]):
        for i in range(n):
            row = out[k, i]
            if i < n_d:
                for j in range(i):
                    row[j] = off * rng.standard_normal() + off1 * rng.standard_normal()
                row[i] = diag * rng.standard_normal() + diag1 * rng.standard_normal() - x1
            else:
                for j in range(i):
                    row[j] = off * rng.standard_normal()
                row[i] = diag * rng.standard_normal()


@njit(cache=True)
def symmetrize_from_lower(out):
    for k in range(out.shape[0]):
        for i in range(out.shape[1]):
            for j in range(i):
                out[k, j, i] = out[k, i, j]
