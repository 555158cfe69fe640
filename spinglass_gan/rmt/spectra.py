"""Sampled spectra against a limiting density: binned L1 distance and its noise floor.

The check behind docs/theory.md, "How each piece is checked", the tests and the
reference comparison:
the histogram of sampled eigenvalues against the density's mean over
each bin, with the sampling noise of the histogram estimated from the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val

__all__ = ["HistogramL1", "histogram_l1"]


@dataclass(frozen=True)
class HistogramL1:
    """Result of :func:`histogram_l1`.

    Attributes
    ----------
    distance : float
        ``sum_j |h_j - rho_j| dx``, the L1 distance between the normalised histogram h
        and the density's bin means rho (dimensionless, in [0, 2]).
    floor : float
        Noise floor of ``distance``: half the L1 distance between the histograms of
        the first and the second half of the samples.
    edges : ndarray, shape (bins + 1,)
        Bin edges (units of lambda).
    histogram : ndarray, shape (bins,)
        h, the normalised histogram of the samples (units of 1/lambda).
    expected : ndarray, shape (bins,)
        rho, the density's mean over each bin (units of 1/lambda).
    """

    distance: float
    floor: float
    edges: NDArray[np.float64]
    histogram: NDArray[np.float64]
    expected: NDArray[np.float64]


def histogram_l1(
    eigvals: ArrayLike,
    pdf: Callable[[NDArray[np.float64]], ArrayLike],
    support: ArrayLike,
    *,
    bins: int = 60,
    margin: float = 0.02,
    sub: int = 200,
) -> HistogramL1:
    """L1 distance between the histogram of sampled spectra and a density.

    The ``bins`` equal bins span [lo - margin w, hi + margin w], where [lo, hi] is the
    hull of ``support`` and w = hi - lo.  The density's mean over each bin is the
    midpoint rule with ``sub`` points per bin, so for a density with square-root
    edges its own error is below 1e-4 at the defaults.  Eigenvalues outside the bins
    count as missing mass of the histogram.

    The noise floor is estimated from the data: the first and second half of the
    samples (rows) give two independent histograms, each with twice the variance of
    the full one, so half their L1 distance estimates the full histogram's L1
    noise.  Eigenvalues of one matrix are correlated, so the iid multinomial formula
    would be wrong here.

    Parameters
    ----------
    eigvals : array_like, shape (samples, n)
        One spectrum per row, samples >= 2.
    pdf : callable
        Density rho(lambda), vectorised.
    support : array_like, shape (k, 2) or (2,)
        Support intervals (as from ``HessianEnsemble.support``) or one (lo, hi) pair;
        lo < hi in each.
    bins, sub : int
        Number of bins (>= 1) and of midpoints per bin for the density (>= 1).
    margin : float
        Extra width on each side, as a fraction of the support width (>= 0).

    Returns
    -------
    HistogramL1
    """
    ev = val.finite_array("eigvals", eigvals, ndim=2)
    if ev.shape[0] < 2 or ev.shape[1] < 1:
        raise ValueError(f"eigvals must have shape (samples >= 2, n >= 1), got {ev.shape}")
    val.function("pdf", pdf)
    bins = val.integer("bins", bins, 1)
    sub = val.integer("sub", sub, 1)
    margin = val.non_negative("margin", margin)
    ends = val.intervals("support", support)
    lo, hi = float(ends.min()), float(ends.max())
    width = hi - lo
    edges = np.linspace(lo - margin * width, hi + margin * width, bins + 1)
    dx = edges[1] - edges[0]
    fine = edges[0] + (np.arange(bins * sub) + 0.5) * dx / sub
    values = np.asarray(pdf(fine))
    if values.shape != fine.shape or values.dtype.kind not in "biuf":
        raise ValueError(
            f"pdf must return one real value per point, got {values.dtype} of shape "
            f"{values.shape} for {fine.shape} points"
        )
    if not (np.isfinite(values).all() and (values >= 0).all()):
        raise ValueError("pdf must return finite values >= 0")
    rho = values.astype(np.float64).reshape(bins, sub).mean(axis=1)

    def hist(x: NDArray[np.float64]) -> NDArray[np.float64]:
        # Normalised by the number of eigenvalues, not by those inside the bins.
        return np.histogram(x, edges)[0] / (x.size * dx)

    half = ev.shape[0] // 2
    h = hist(ev)
    floor = 0.5 * float(np.abs(hist(ev[:half]) - hist(ev[half:])).sum()) * dx
    return HistogramL1(float(np.abs(h - rho).sum()) * dx, floor, edges, h, rho)
