"""The banded structure: which indices of critical points exist at which losses.

For every cell of a (u_D, u_G) grid and every k_G up to a maximum, the largest
k_D (up to its maximum) with Theta_{k_D,k_G}(u_D, u_G) > 0 (SPEC section 7).
Theta_{k_D,k_G} is non-increasing in both indices, so these "staircases" hold
the whole feasible set of index pairs; a k_D map is computed only while some
cell can still be feasible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from tqdm.auto import tqdm

from . import _validation as val
from .exponent import Convention, DIndex
from .model import GanSpinGlass
from .results import load_result, save_result, user_metadata

__all__ = ["BandedStructure", "banded_structure"]


@dataclass(frozen=True)
class BandedStructure:
    """Largest feasible indices over a (u_D, u_G) grid.

    Attributes
    ----------
    u_D, u_G : ndarray
        The grid (1-D).
    staircase : ndarray of int, shape (k_G_max + 1, len(u_G), len(u_D))
        ``staircase[k_G, i_G, i_D]``: the largest k_D <= k_D_max with
        Theta_{k_D,k_G} > 0, or -1 when there is none.
    metadata : dict
        Model parameters and options.
    """

    u_D: NDArray[np.float64]
    u_G: NDArray[np.float64]
    staircase: NDArray[np.int64]
    metadata: dict = field(default_factory=dict)

    @property
    def k_D(self) -> NDArray[np.int64]:
        """Largest feasible k_D at each cell (any k_G), -1 where none."""
        return self.staircase[0]

    @property
    def k_G(self) -> NDArray[np.int64]:
        """Largest feasible k_G at each cell (any k_D), -1 where none."""
        ok = self.staircase >= 0
        last = ok.shape[0] - 1 - np.argmax(ok[::-1], axis=0)
        return np.where(ok.any(axis=0), last, -1)

    @property
    def infeasible(self) -> NDArray[np.bool_]:
        """Cells where no index pair in range has Theta > 0."""
        return self.staircase[0] < 0

    def save(self, path: str | Path) -> Path:
        arrays = {"u_D": self.u_D, "u_G": self.u_G, "staircase": self.staircase}
        return save_result(path, "banded", arrays, self.metadata)

    @classmethod
    def load(cls, path: str | Path) -> BandedStructure:
        res = load_result(path)
        if res.kind != "banded":
            raise ValueError(f"{path} holds a {res.kind!r} result, not 'banded'")
        return cls(res["u_D"], res["u_G"], res["staircase"], user_metadata(res))


def banded_structure(
    model: GanSpinGlass,
    u_D: ArrayLike,
    u_G: ArrayLike,
    k_D_max: int = 10,
    k_G_max: int = 10,
    *,
    d_index: DIndex = "ascent",
    convention: Convention = "exact",
    progress: bool = False,
) -> BandedStructure:
    """Largest k_D and k_G with Theta_{k_D,k_G} > 0 on the grid u_D x u_G.

    Parameters
    ----------
    model : GanSpinGlass
    u_D, u_G : array_like
        1-D grids of loss levels per sqrt(N).
    k_D_max, k_G_max : int
        Largest indices considered (>= 0).
    d_index, convention : str
        As in :meth:`GanSpinGlass.theta`.
    progress : bool
        Show a progress bar over the Theta maps computed.
    """
    u_D = val.finite_array("u_D", u_D)
    u_G = val.finite_array("u_G", u_G)
    k_D_max = val.integer("k_D_max", k_D_max, 0)
    k_G_max = val.integer("k_G_max", k_G_max, 0)
    stair = np.full((k_G_max + 1, u_G.size, u_D.size), -1, dtype=np.int64)
    limit = np.full((u_G.size, u_D.size), k_D_max)  # staircase of the previous k_G
    bar = tqdm(total=(k_G_max + 1) * (k_D_max + 1), disable=not progress, desc="Theta maps")
    for k_G in range(k_G_max + 1):
        alive = limit >= 0
        for k_D in range(k_D_max + 1):
            if not np.any(alive & (k_D <= limit)):
                break
            theta = model.theta_map(u_D, u_G, k_D, k_G, d_index=d_index, convention=convention)
            ok = (theta > 0) & alive & (k_D <= limit)
            stair[k_G] = np.where(ok, k_D, stair[k_G])
            alive &= ok
            bar.update()
        limit = stair[k_G]
        bar.update((k_D_max + 1) - (bar.n - k_G * (k_D_max + 1)))
    bar.close()
    meta = {
        **model.metadata(),
        "k_D_max": k_D_max,
        "k_G_max": k_G_max,
        "d_index": d_index,
        "convention": convention,
    }
    return BandedStructure(u_D, u_G, stair, meta)
