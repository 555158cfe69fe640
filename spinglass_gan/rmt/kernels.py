"""Compiled kernels of the master equation that the complexity layer calls directly.

The complexity exponent evaluates the log-potential at many points of the
(x, x1) plane at once, along lines and over grids where both coordinates move from
point to point, with warm starts it supplies itself.  It calls these two kernels on
its own arrays (scaled units, no validation) rather than :func:`log_potential`,
which checks and converts its arguments on every call.

solve_path(zs, x1s, ts, starts, g1s, g2s, a, c, kappa, out_m1, out_m2)
    The physical solution (m1, m2) of the master equation at (zs[i], x1s[i]),
    visited in order and written to ``out_m1``, ``out_m2``.  A finite guess
    (g1s[i], g2s[i]) is tried first; a NaN guess continues from the previous points,
    extrapolated linearly in the path parameter ``ts``; ``starts[i]`` begins a new
    path at point i.
log_potential_from_blocks(m1, m2, a, c, kappa, out)
    L = -kappa log|m1| - (1 - kappa) log|m2| + Re(a m^2 + c kappa m1^2) / 2 with
    m = kappa m1 + (1 - kappa) m2, written to ``out``.
"""

from ._dyson_kernels import log_potential_from_blocks
from ._pair_kernels import solve_path

__all__ = ["log_potential_from_blocks", "solve_path"]
