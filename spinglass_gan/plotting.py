"""Matplotlib plots of the package's results (no mathematics here).

Every function draws on ``ax`` (a new figure when None) and returns the Axes;
none calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from .ensemble import HessianEnsemble

__all__ = ["plot_spectrum"]


def plot_spectrum(
    ensemble: HessianEnsemble,
    eigvals: ArrayLike,
    *,
    bins: int = 80,
    ax: Axes | None = None,
) -> Axes:
    """Histogram of sampled eigenvalues against the limiting density (paper, Fig. 1)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(4.2, 3.2))
    ev = np.asarray(eigvals, dtype=float).ravel()
    sup = ensemble.support()
    lo, hi = min(sup[0][0], ev.min()), max(sup[-1][1], ev.max())
    pad = 0.05 * (hi - lo)
    ax.hist(ev, bins=bins, range=(lo - pad, hi + pad), density=True, color="0.75", label="sampled")
    lam = np.linspace(lo - pad, hi + pad, 2000)
    ax.plot(lam, ensemble.density(lam), color="C3", lw=1.5, label="master equation")
    ax.set_xlabel(r"$\lambda$")
    ax.set_ylabel(r"$\rho(\lambda)$")
    ax.set_title(rf"$x_1 = {ensemble.x1:g}$")
    return ax
