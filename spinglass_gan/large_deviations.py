"""Large deviations of a single GOE eigenvalue outside the bulk (SPEC section 7).

For a GOE whose semicircle has radius E, the probability that one eigenvalue sits
at u outside the bulk decays as exp(-N I(u; E)) with

    I(u; E) = |u| sqrt(u^2 - E^2) / E^2 - log((|u| + sqrt(u^2 - E^2)) / E)
            = (2 / E^2) * integral from E to |u| of sqrt(t^2 - E^2) dt,   |u| >= E.

Each of k eigenvalues pushed across zero costs I at the speed of its block's size;
this is how index constraints enter the complexity (docs/theory.md, section 10).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validation as val

__all__ = ["goe_rate"]

# Below this w = sqrt(y^2 - 1) the closed form loses digits to cancellation
# (both terms are ~ w); the series 2w^3/3 - w^5/5 + 3w^7/28 has error O(w^9).
_SERIES_BELOW = 1e-2


def _rate_of_ratio(y: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    """I and w = sqrt(y^2 - 1) for y = |u| / E >= 1 (y < 1 gives I = w = 0)."""
    w = np.sqrt(np.maximum(y * y - 1.0, 0.0))
    closed = y * w - np.arcsinh(w)
    w2 = w * w
    series = w * w2 * (2.0 / 3.0 - w2 * (1.0 / 5.0 - w2 * (3.0 / 28.0)))
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
        0 for |u| <= E (inside the bulk there is nothing to pay at speed N).

    Examples
    --------
    >>> import spinglass_gan as sg
    >>> round(float(sg.goe_rate(2.0, 2.0**0.5)), 6)
    0.53284
    """
    E = val.positive("E", E)
    y = np.abs(val.finite_array("u", u)) / E
    return _rate_of_ratio(y)[0]


def _rate_and_slope(u: NDArray[np.float64], E: float) -> tuple[NDArray, NDArray]:
    """I(u; E) and dI/du = sign(u) (2 / E) sqrt((u / E)^2 - 1)."""
    rate, w = _rate_of_ratio(np.abs(u) / E)
    return rate, np.sign(u) * (2.0 / E) * w
