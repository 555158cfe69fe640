"""The banded structure: which indices of critical points exist at which losses.

For every cell of a (u_D, u_G) grid and every k_G up to a maximum, the largest
k_D (up to its maximum) with Theta_{k_D,k_G}(u_D, u_G) > 0 (docs/theory.md).
Theta_{k_D,k_G} is non-increasing in both indices, so these "staircases" hold
the whole feasible set of index pairs; a k_D map is computed only while some
cell can still be feasible.

Run through :func:`~spinglass_gan.io.runner.run_tasks` (parallel or resumable), the
work is split by k_G.  In the serial loop a cell's entry for k_G is
``min(limit, chain)``, where ``limit`` is its entry for k_G - 1 and ``chain`` is the
largest k_D such that Theta_{j,k_G} > 0 for every j <= k_D: the loop keeps a cell
while it is feasible and k_D <= limit.  So each k_G is an independent task that
computes its chain from the same full-grid Theta maps, and the staircase is the
running minimum of the chains over k_G: the serial result exactly, from the same
maps (a task may compute a map the serial loop skips because ``limit`` already
excludes every cell, never fewer).  Splitting the grid itself costs more: a map's
fixed cost (the bracketing of each line's maxima) is paid again for every block.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from .._progress import progress_bar
from ..io.results import load_result, save_result, user_metadata
from ..io.runner import RESULT_FILE, run_tasks, task_id
from .exponent import Convention, DIndex
from .model import GanSpinGlass
from .sweeps import NUMERICAL_ERRORS, _decode_reason, _encode_reason, failure_reason

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
    failures : tuple of dict
        Theta values that failed numerically, each {"k_G", "k_D", "u_D", "u_G",
        "reason"}.  At such a cell the staircase entry for that k_G (and the
        following ones) holds only the indices verified before the failure, a
        lower bound.  Saved in the metadata as "failures".
    """

    u_D: NDArray[np.float64]
    u_G: NDArray[np.float64]
    staircase: NDArray[np.int64]
    metadata: dict = field(default_factory=dict)
    failures: tuple[dict, ...] = ()

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
        """Write the structure as ``.npz`` with JSON metadata (kind ``"banded"``).

        Parameters
        ----------
        path : str or Path
            File to write (``.npz`` is added when missing).

        Returns
        -------
        Path
            The file written.
        """
        arrays = {"u_D": self.u_D, "u_G": self.u_G, "staircase": self.staircase}
        meta = {**self.metadata, "failures": list(self.failures)}
        return save_result(path, "banded", arrays, meta)

    @classmethod
    def load(cls, path: str | Path) -> BandedStructure:
        """Read a structure written by :meth:`save`.

        Parameters
        ----------
        path : str or Path
            A file written by :meth:`save`.

        Returns
        -------
        BandedStructure
            The grid, staircase, metadata and failures as saved.
        """
        res = load_result(path)
        if res.kind != "banded":
            raise ValueError(f"{path} holds a {res.kind!r} result, not 'banded'")
        meta = user_metadata(res)
        failures = tuple(meta.pop("failures", ()))
        return cls(res["u_D"], res["u_G"], res["staircase"], meta, failures)


def _theta_cells(gan, u_D, u_G, k_D, k_G, d_index, convention, alive):
    """Theta_{k_D,k_G} on the grid and the numerical failures [(i_G, i_D, reason)].

    The map is computed at once; if that fails numerically, every cell still
    alive is computed on its own, and a cell that fails is NaN (so not > 0)
    with its reason, while the others keep their values.
    """
    options = {"d_index": d_index, "convention": convention}
    try:
        return gan.theta_map(u_D, u_G, k_D, k_G, **options), []
    except NUMERICAL_ERRORS:
        pass
    theta = np.full((u_G.size, u_D.size), np.nan)
    failures = []
    for i_G, i_D in zip(*np.nonzero(alive)):
        try:
            theta[i_G, i_D] = gan.theta(u_D[i_D], u_G[i_G], k_D, k_G, **options)
        except NUMERICAL_ERRORS as exc:
            failures.append((int(i_G), int(i_D), failure_reason(exc)))
    return theta, failures


def _warn_failures(failures: list[dict]) -> None:
    if failures:
        first = failures[0]
        warnings.warn(
            f"banded structure: {len(failures)} Theta values failed numerically "
            f"(BandedStructure.failures; staircase a lower bound there), first at "
            f"k_G={first['k_G']}, k_D={first['k_D']}, u_D={first['u_D']!r}, "
            f"u_G={first['u_G']!r}: {first['reason']}",
            RuntimeWarning,
            stacklevel=3,
        )


def _index_chain(
    model: dict[str, Any],
    u_D: list[float],
    u_G: list[float],
    k_G: int,
    k_D_max: int,
    d_index: DIndex,
    convention: Convention,
) -> dict[str, NDArray[np.int64]]:
    """Largest k_D <= k_D_max with Theta_{j,k_G} > 0 for all j <= k_D, -1 if none.

    A task of :func:`~spinglass_gan.io.runner.run_tasks`; ``model`` is
    :meth:`GanSpinGlass.metadata`, so replaced constants travel with it.
    """
    gan = GanSpinGlass.from_metadata(model)
    u_D_arr, u_G_arr = np.asarray(u_D, dtype=float), np.asarray(u_G, dtype=float)
    chain = np.full((u_G_arr.size, u_D_arr.size), -1, dtype=np.int64)
    alive = np.ones(chain.shape, dtype=bool)
    failed = []
    for k_D in range(k_D_max + 1):
        theta, fails = _theta_cells(gan, u_D_arr, u_G_arr, k_D, k_G, d_index, convention, alive)
        failed += [(i_G, i_D, k_D, reason) for i_G, i_D, reason in fails]
        alive &= theta > 0
        if not alive.any():
            break
        chain[alive] = k_D
    # Failures travel as JSON bytes: task results hold numeric arrays only.
    return {"chain": chain, "reason": _encode_reason(json.dumps(failed) if failed else "")}


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
    results_dir: str | os.PathLike[str] | None = None,
    client: Any = None,
    scheduler: str | None = None,
    processes: int | None = None,
    rows_per_task: int | None = None,
) -> BandedStructure:
    """Largest k_D and k_G with Theta_{k_D,k_G} > 0 on the grid u_D x u_G.

    Parameters
    ----------
    model : GanSpinGlass
    u_D, u_G : array_like
        1-D grids of loss levels per N.
    k_D_max, k_G_max : int
        Largest indices considered (>= 0).
    d_index, convention : str
        As in :meth:`GanSpinGlass.theta`.
    progress : bool
        Show a progress bar over the Theta maps computed (over the tasks when run
        through the runner).
    results_dir : path, optional
        Resumable run: one task per k_G (and block of rows), stored in
        ``results_dir/tasks``; a rerun computes only the missing ones.  The result is
        written to ``results_dir/result.npz`` (:meth:`BandedStructure.save` format; its
        metadata lists the task ids).
    client, scheduler : optional
        Run the tasks on a dask cluster: a ``distributed.Client``, or a scheduler
        address.
    processes : int, optional
        Local worker processes for the tasks.  Default: all CPUs when ``results_dir``
        is given; with none of these four options the serial loop runs in this process.
    rows_per_task : int, optional
        Also split the u_G grid into blocks of this many rows, for more tasks than
        k_G_max + 1.  Each block pays every map's fixed cost again, and a map on a block
        may differ from the full-grid map in the last bits, so the staircase may in
        principle differ where Theta is within rounding of 0.  Default: whole grid.

    Returns
    -------
    BandedStructure
        The staircase of largest feasible indices on the grid, with the model's
        parameters and options in its metadata and any numerical failures.
    """
    if not isinstance(model, GanSpinGlass):
        raise ValueError(f"model must be a GanSpinGlass, got {type(model).__name__}")
    u_D = val.loss_levels("u_D", u_D)
    u_G = val.loss_levels("u_G", u_G)
    val.grid_memory(u_D, u_G)
    k_D_max = val.block_index("k_D_max", val.integer("k_D_max", k_D_max, 0))
    k_G_max = val.block_index("k_G_max", val.integer("k_G_max", k_G_max, 0))
    meta: dict[str, Any] = {
        **model.metadata(),
        "k_D_max": k_D_max,
        "k_G_max": k_G_max,
        "d_index": d_index,
        "convention": convention,
    }
    runner = (results_dir, client, scheduler, processes, rows_per_task)
    if all(option is None for option in runner):
        stair, failures = _serial_staircase(
            model, u_D, u_G, k_D_max, k_G_max, d_index, convention, progress
        )
        _warn_failures(failures)
        return BandedStructure(u_D, u_G, stair, meta, tuple(failures))

    model.solver(0, 0, d_index=d_index, convention=convention)  # checks both options
    rows = u_G.size if rows_per_task is None else val.integer("rows_per_task", rows_per_task, 1)
    blocks = [(i, min(i + rows, u_G.size)) for i in range(0, u_G.size, rows)]
    tasks = [
        {
            "model": model.metadata(),
            "u_D": u_D,
            "u_G": u_G[lo:hi],
            "k_G": k_G,
            "k_D_max": k_D_max,
            "d_index": d_index,
            "convention": convention,
        }
        for k_G in range(k_G_max + 1)
        for lo, hi in blocks
    ]
    out = run_tasks(
        _index_chain,
        tasks,
        results_dir,
        client=client,
        scheduler=scheduler,
        processes=processes,
        progress=progress,
        desc="banded structure",
    )
    # Tasks run k_G-major, then by block of u_G rows.
    chains = np.concatenate([r["chain"] for r in out]).reshape(k_G_max + 1, u_G.size, u_D.size)
    stair = np.minimum.accumulate(chains, axis=0)
    failures = []
    offsets = [lo for _ in range(k_G_max + 1) for lo, _ in blocks]
    for task, row, offset in zip(tasks, out, offsets):
        text = _decode_reason(row)
        for i_G, i_D, k_D, reason in json.loads(text) if text else []:
            failures.append(_failure(task["k_G"], k_D, u_D[i_D], u_G[offset + i_G], reason))
    _warn_failures(failures)
    if rows_per_task is not None:
        meta["rows_per_task"] = rows
    if results_dir is None:
        return BandedStructure(u_D, u_G, stair, meta, tuple(failures))
    meta["tasks"] = [task_id(_index_chain, t) for t in tasks]
    result = BandedStructure(u_D, u_G, stair, meta, tuple(failures))
    result.save(Path(results_dir) / RESULT_FILE)
    return result


def _serial_staircase(
    model: GanSpinGlass,
    u_D: NDArray[np.float64],
    u_G: NDArray[np.float64],
    k_D_max: int,
    k_G_max: int,
    d_index: DIndex,
    convention: Convention,
    progress: bool,
) -> tuple[NDArray[np.int64], list[dict]]:
    stair = np.full((k_G_max + 1, u_G.size, u_D.size), -1, dtype=np.int64)
    failures: list[dict] = []
    limit = np.full((u_G.size, u_D.size), k_D_max)  # staircase of the previous k_G
    bar = progress_bar(total=(k_G_max + 1) * (k_D_max + 1), disable=not progress, desc="Theta maps")
    for k_G in range(k_G_max + 1):
        alive = limit >= 0
        for k_D in range(k_D_max + 1):
            live = alive & (k_D <= limit)
            if not np.any(live):
                break
            theta, fails = _theta_cells(model, u_D, u_G, k_D, k_G, d_index, convention, live)
            failures += [_failure(k_G, k_D, u_D[j], u_G[i], why) for i, j, why in fails]
            ok = (theta > 0) & live
            stair[k_G] = np.where(ok, k_D, stair[k_G])
            alive &= ok
            bar.update()
        limit = stair[k_G]
        bar.update((k_D_max + 1) - (bar.n - k_G * (k_D_max + 1)))
    bar.close()
    return stair, failures


def _failure(k_G: int, k_D: int, u_D: float, u_G: float, reason: str) -> dict:
    return {
        "k_G": int(k_G),
        "k_D": int(k_D),
        "u_D": float(u_D),
        "u_G": float(u_G),
        "reason": reason,
    }
