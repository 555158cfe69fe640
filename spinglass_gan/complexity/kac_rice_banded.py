"""The banded structure at finite N: largest block indices with at least one expected
critical point, from the exact finite-N Kac-Rice formula.

For a grid of loss thresholds (u_D, u_G) and index pairs (k_D, k_G) with k_D <= k_D_max,
k_G <= k_G_max, the expected number of critical points with L_D <= N u_D, L_G <= N u_G
and block indices (k_D, k_G) is estimated by Monte Carlo
(``kac_rice_samples(..., k_D=k_D, k_G=k_G, proposal="auto")``).  Every set of draws gives
an unbiased estimate for every cell (the proposals have full support); the draws are
made for a few anchor thresholds per pair and each cell keeps the estimate with the
largest effective sample size.  A cell's pair is feasible when the estimated count is
at least 1, i.e. (1/N) log E # >= 0.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from .kac_rice import kac_rice_samples
from .model import GanSpinGlass

__all__ = ["FiniteNBanded", "finite_n_banded"]


@dataclass(frozen=True)
class FiniteNBanded:
    """Finite-N index-resolved counts on a threshold grid.

    Attributes
    ----------
    n, n_D, n_G : int
        Sizes (n_D = round(kappa N)).
    u_D, u_G : ndarray
        The grid (1-D).
    pairs : ndarray of int, shape (P, 2)
        The (k_D, k_G) pairs.
    log_count, stderr, ess : ndarray, shape (P, len(u_G), len(u_D))
        (1/N) log E # (-inf where no draw fell in the set), its delta-method error and
        the effective sample size of the estimate kept.
    metadata : dict
        The model and the run's settings (p, q, sigma_z, kappa, n, n_D, n_G, anchors,
        samples).
    """

    n: int
    n_D: int
    n_G: int
    u_D: NDArray[np.float64]
    u_G: NDArray[np.float64]
    pairs: NDArray[np.int64]
    log_count: NDArray[np.float64]
    stderr: NDArray[np.float64]
    ess: NDArray[np.float64]
    metadata: dict = field(default_factory=dict)

    def feasible(self, min_ess: float = 0.0) -> NDArray[np.bool_]:
        """E # >= 1 for each pair and cell (cells with ESS below ``min_ess`` excluded).

        Parameters
        ----------
        min_ess : float
            Cells whose kept estimate has an effective sample size below this count as
            infeasible (default 0: no cell is excluded).

        Returns
        -------
        ndarray of bool, shape (P, len(u_G), len(u_D))
            True where (1/N) log E # >= 0 and the ESS is at least ``min_ess``.
        """
        return (self.log_count >= 0.0) & (self.ess >= min_ess)

    def largest(self, min_ess: float = 0.0) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(largest feasible k_D, largest feasible k_G) per cell over the pairs, -1 if none.

        The two maxima are taken separately over the feasible pairs of each cell, so
        they need not come from the same pair.

        Parameters
        ----------
        min_ess : float
            As in :meth:`feasible`.

        Returns
        -------
        k_D, k_G : ndarray of int, shape (len(u_G), len(u_D))
            Indexed [i_G, i_D]; -1 where no pair is feasible.
        """
        ok = self.feasible(min_ess)
        k_D = np.where(ok, self.pairs[:, 0, None, None], -1).max(axis=0)
        k_G = np.where(ok, self.pairs[:, 1, None, None], -1).max(axis=0)
        return k_D, k_G


def _cell_estimates(draws, u_D, u_G, k_D, k_G):
    """(1/N) log E #, its error and the ESS on the whole grid from one set of draws."""
    m, s1, s2 = draws._map_sums(u_D, u_G, k_D, k_G, "ascent")
    n = draws.samples
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / n
        err = np.sqrt(np.maximum(s2 / n - mean**2, 0.0) * n / (n - 1) / n)
        value = np.where(mean > 0, (m + np.log(mean)) / draws.n, -np.inf)
        lerr = np.where(mean > 0, err / (mean * draws.n), np.inf)
        ess = np.where(s2 > 0, s1 * s1 / s2, 0.0)
    return value, lerr, ess


def finite_n_banded(
    model: GanSpinGlass,
    n: int,
    u_D: ArrayLike,
    u_G: ArrayLike,
    k_D_max: int = 2,
    k_G_max: int = 1,
    *,
    anchors: int = 3,
    samples: int = 4000,
    rng: int | np.random.Generator | None = None,
) -> FiniteNBanded:
    """Index-resolved finite-N counts over a threshold grid (the finite-N banded structure).

    Parameters
    ----------
    model : GanSpinGlass
        The model (its p, q, sigma_z, kappa); its formula must be the derived one
        (ValueError otherwise).
    n : int
        N, >= 8; n_D = round(kappa N), n_G = N - n_D (each >= 2).
    u_D, u_G : array_like
        Increasing 1-D grids of loss thresholds per N.
    k_D_max, k_G_max : int
        Pairs (k_D, k_G) with k_D <= k_D_max, k_G <= k_G_max (and within the blocks).
    anchors : int
        Per pair, draws are made for ``anchors`` x ``anchors`` thresholds spread over the
        grid plus the unconstrained question; each cell keeps the estimate with the
        largest effective sample size.
    samples : int
        Draws per anchor (pilot rounds of the adaptive proposal come on top).
    rng : int, Generator or None
        Seed or generator.

    Returns
    -------
    FiniteNBanded
        ``.largest()`` gives the largest feasible k_D and k_G per cell, the finite-N
        counterpart of ``banded_structure``.
    """
    if not model.kac_rice.has_sampled_counts:
        # The draws follow the model's own formula; another formula would be ignored.
        raise ValueError(f"model must use the derived formula, got formula={model.formula!r}")
    n = val.integer("n", n, 8)
    k_D_max = val.integer("k_D_max", k_D_max, 0)
    k_G_max = val.integer("k_G_max", k_G_max, 0)
    anchors = val.integer("anchors", anchors, 1)
    samples = val.integer("samples", samples, 2)
    grids = []
    for name, grid in (("u_D", u_D), ("u_G", u_G)):
        g = np.asarray(grid, dtype=float)
        if g.ndim != 1 or g.size < 1 or not np.all(np.isfinite(g)) or np.any(np.diff(g) <= 0):
            raise ValueError(f"{name} must be a finite, increasing 1-D array")
        grids.append(g)
    g_D, g_G = grids
    k = model.constants
    n_D = round(k.kappa * n)
    n_G = n - n_D
    if n_D < 2 or n_G < 2:
        raise ValueError(f"n = {n} leaves a block with fewer than 2 weights (kappa {k.kappa})")
    pairs = np.array(
        [(a, b) for a in range(k_D_max + 1) for b in range(k_G_max + 1)
         if a <= n_D - 1 and b <= n_G - 1], dtype=np.int64,
    )  # fmt: skip
    pick = np.unique(np.linspace(0, 1, anchors + 2)[1:-1])
    a_D = [float(np.quantile(g_D, f)) for f in pick] + [math.inf]
    a_G = [float(np.quantile(g_G, f)) for f in pick] + [math.inf]
    gen = np.random.default_rng(rng)
    shape = (len(pairs), g_G.size, g_D.size)
    best = {"v": np.full(shape, -np.inf), "e": np.full(shape, np.inf), "s": np.zeros(shape)}
    for i, (kd, kg) in enumerate(pairs):
        for ad in a_D:
            for ag in a_G:
                if (ad == math.inf) != (ag == math.inf):
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    draws = kac_rice_samples(
                        k.p, k.q, model.sigma_z, n_D, n_G, samples, gen, proposal="auto",
                        u_D=ad, u_G=ag, k_D=int(kd), k_G=int(kg),
                    )  # fmt: skip
                value, err, ess = _cell_estimates(draws, g_D, g_G, int(kd), int(kg))
                better = ess > best["s"][i]
                best["v"][i] = np.where(better, value, best["v"][i])
                best["e"][i] = np.where(better, err, best["e"][i])
                best["s"][i] = np.where(better, ess, best["s"][i])
    meta = {"p": k.p, "q": k.q, "sigma_z": model.sigma_z, "kappa": k.kappa, "n": n,
            "n_D": n_D, "n_G": n_G, "anchors": anchors, "samples": samples}  # fmt: skip
    return FiniteNBanded(n, n_D, n_G, g_D, g_G, pairs, best["v"], best["e"], best["s"], meta)
