"""Large deviations of a single GOE eigenvalue outside the bulk.

See docs/theory.md, "Index-constrained complexity".

For a GOE whose semicircle has radius E, the probability that one eigenvalue sits
at u outside the bulk decays as exp(-N I(u; E)) with

    I(u; E) = |u| sqrt(u^2 - E^2) / E^2 - log((|u| + sqrt(u^2 - E^2)) / E)
            = (2 / E^2) * integral from E to |u| of sqrt(t^2 - E^2) dt,   |u| >= E.

Each of k eigenvalues pushed across zero costs I at the speed of its block's size;
this is how index constraints enter the complexity (docs/theory.md, "Index-constrained complexity").
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val

__all__ = ["goe_rate"]

# Below this w = sqrt(y^2 - 1) the closed form y w - asinh(w) loses digits to
# cancellation (relative error ~ eps / w^2); its series
#     2 sum_n binom(-1/2, n) w^(2n+3) / (2n+3) = 2w^3/3 - w^5/5 + 3w^7/28 - ...
# truncated after n = 7 has relative error below 1e-16 there.
_SERIES_BELOW = 0.1
_SERIES = [2.0 * math.comb(2 * n, n) * (-0.25) ** n / (2 * n + 3) for n in range(8)]


def _rate_of_ratio(abs_u: NDArray[np.float64], E: float) -> tuple[NDArray, NDArray]:
    """I and w = sqrt(y^2 - 1), y = |u| / E (w = I = 0 inside the bulk)."""
    # (|u| - E)(|u| + E) keeps the digits that y^2 - 1 loses next to the edge.
    w = np.sqrt(np.maximum((abs_u - E) * (abs_u + E), 0.0)) / E
    y = abs_u / E
    closed = y * w - np.arcsinh(w)
    w2 = w * w
    series = np.zeros_like(w)
    for coef in reversed(_SERIES):
        series = series * w2 + coef
    series *= w * w2
    return np.where(w < _SERIES_BELOW, series, closed), w


def goe_rate(u: ArrayLike, E: float) -> NDArray[np.float64]:
    """GOE large-deviation rate I(u; E) of one eigenvalue at u, bulk radius E.

    Parameters
    ----------
    u : array_like
        Position of the eigenvalue, in the units of ``E``.
    E : float
        Semicircle radius of the GOE, > 0.

    Returns
    -------
    ndarray
        I(u; E) >= 0 (dimensionless, per unit of the block size N), even in u,
        0 for ``|u| <= E`` (inside the bulk there is nothing to pay at speed N).

    Examples
    --------
    >>> import spinglass_gan as sg
    >>> round(float(sg.goe_rate(2.0, 2.0**0.5)), 6)
    0.53284
    """
    E = val.positive("E", E)
    return _rate_of_ratio(np.abs(val.finite_array("u", u)), E)[0]


def rate_and_slope(u: NDArray[np.float64], E: float) -> tuple[NDArray, NDArray]:
    """The rate of :func:`goe_rate` with its derivative, unchecked (for the exponent).

    Parameters
    ----------
    u : ndarray
        Points (float array; not validated).
    E : float
        Edge of the semicircle, > 0 (not validated).

    Returns
    -------
    rate, slope : ndarray
        I(u; E) and dI/du = sign(u) (2 / E) sqrt((u / E)^2 - 1) (0 inside the bulk).
    """
    rate, w = _rate_of_ratio(np.abs(u), E)
    return rate, np.sign(u) * (2.0 / E) * w
