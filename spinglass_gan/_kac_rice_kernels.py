"""Compiled kernel that draws the Jacobians J' of the finite-N Kac-Rice formula (private).

J' = b M + blockdiag(b1 M1, 0) - diag(s_D I, s_G I), of order m = N - 2, where M is a
GOE with off-diagonal variance 1/(2N) and diagonal variance 1/N (N = n_D + n_G, not m),
M1 a GOE of order n_D - 1 with off-diagonal variance 1/(2 n_D) and diagonal variance
1/n_D, and (s_D, s_G) = (x + x1, x) one pair per matrix.  Both triangles are written, so
the matrices go straight to LU (slogdet) as well as to the symmetric eigensolvers.
"""

from __future__ import annotations

import math

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
