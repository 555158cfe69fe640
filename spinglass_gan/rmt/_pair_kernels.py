"""Compiled kernels for the Dyson solution at points (x, x1) that each carry their
own shift x1 (private).

The complexity exponent is evaluated along lines and over grids of the (x, x1)
plane, where both coordinates move from point to point.  The solution is still
smooth along such paths, so each point warm-starts Newton from its neighbour,
exactly as ``_dyson_kernels.solve_blocks`` does along z at fixed x1; the result
passes the same positivity test or the point is solved from scratch.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._dyson_kernels import _MAX_PAIRS, _solve_at


@njit(cache=True, error_model="numpy")
def solve_path(zs, x1s, ts, starts, g1s, g2s, a, c, kappa, out_m1, out_m2):
    """Physical (m1, m2) at (zs[i], x1s[i]), visited in order (scaled units).

    A finite guess (g1s[i], g2s[i]) is tried first; a NaN guess means: continue
    from the previous points of the path, extrapolated linearly in the path
    parameter ``ts``.  ``starts[i]`` begins a new path at point i.
    """
    p1 = np.empty(_MAX_PAIRS, dtype=np.complex128)
    p2 = np.empty(_MAX_PAIRS, dtype=np.complex128)
    nan = complex(np.nan, np.nan)
    ta, a1, a2 = np.nan, nan, nan
    tb, b1, b2 = np.nan, nan, nan
    for i in range(zs.shape[0]):
        t = ts[i]
        if starts[i]:
            ta, a1, a2 = np.nan, nan, nan
            tb, b1, b2 = np.nan, nan, nan
        g1, g2 = g1s[i], g2s[i]
        if not (g1 == g1 and g2 == g2):
            g1, g2 = a1, a2
            if tb == tb:
                r = (t - ta) / (ta - tb)
                if r <= 4.0:
                    g1 = a1 + r * (a1 - b1)
                    g2 = a2 + r * (a2 - b2)
        m1, m2, _ = _solve_at(zs[i], g1, g2, a, c, kappa, x1s[i], p1, p2)
        out_m1[i], out_m2[i] = m1, m2
        tb, b1, b2 = ta, a1, a2
        ta, a1, a2 = t, m1, m2
