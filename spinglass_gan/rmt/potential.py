"""Log-potential (Coulomb-gas energy) of the limiting spectral density of H'.

The Coulomb-gas approximation replaces E|det(H' - x)| by
exp(N L(x; x1)).  L is evaluated here in closed form from the Dyson solution,
one root solve per point, with no quadrature (derivation: docs/theory.md,
"Log-potential in closed form").
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._dyson_kernels import log_potential_from_blocks
from .master_equation import _Scaled

__all__ = ["log_potential"]


def log_potential(x: ArrayLike, b: float, b1: float, kappa: float, x1: float) -> NDArray:
    """Log-potential L(x) = integral of log|lambda - x| rho(lambda) d lambda.

    Evaluated in closed form from the Dyson solution at ``z = x + i0``
    (docs/theory.md, "Log-potential in closed form"):

        L = -kappa log|m1| - (1 - kappa) log|m2| + Re(a m^2 + c kappa m1^2) / 2,

    valid inside the support, in gaps and far outside.  Dimensionless (the log of
    an eigenvalue distance, in the units of ``x``).

    Parameters
    ----------
    x : array_like
        Real points, any shape.
    b, b1 : float
        Scales of the whole GOE and of the discriminator block (b > 0, b1 >= 0).
    kappa : float
        Share of the discriminator block, in (0, 1).
    x1 : float
        Shift of the discriminator block.

    Returns
    -------
    ndarray
        L(x), of the shape of ``x``.
    """
    p = _Scaled.of(b, b1, kappa, x1)
    xs, m1, m2 = p.solve_real(x, "x")
    out = np.empty(xs.size)
    log_potential_from_blocks(m1.ravel(), m2.ravel(), p.a, p.c, p.kappa, out)
    return out.reshape(xs.shape) + math.log(p.scale)
