"""Numbers of critical points of sampled instances, averaged over many instances.

:func:`count_critical_points` samples ``instances`` independent instances of the GAN
spin glass (:class:`~spinglass_gan.landscapes.landscape.GanLandscape`), finds all critical points
of each (:meth:`~spinglass_gan.landscapes.landscape.GanLandscape.critical_points`) and keeps, for
every point, its losses per weight (u_D, u_G), its indices (k_D on both sides, k_G) and
sign det J; for every instance, the evidence of completeness (Poincare-Hopf sum, starts,
fewest hits, capture-recapture estimate).  Any count (under loss thresholds
L_D <= N u_D, L_G <= N u_G, by index) is then recomputed from these records by
:meth:`CriticalPointCounts.mean`, with its standard error over instances.

Instance i is drawn from ``SeedSequence(entropy, spawn_key=(i,))``: the same instance
whatever the chunking into tasks, the order of the tasks or the workers.  Tasks go
through :func:`~spinglass_gan.io.runner.run_tasks` (local processes or dask, resumable
with ``results_dir``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from ..complexity.game_spec import GameSpec
from ..io.results import load_result, save_result, user_metadata
from ..io.runner import RESULT_FILE, task_id
from ._chunks import entropy_of, run_chunks
from .critical_points import D_INDEX, bezout_bound, euler_characteristic
from .game_counting import count_game_critical_points
from .landscape import GanLandscape

__all__ = ["CriticalPointCounts", "count_critical_points"]

KIND = "critical_point_counts"
# Loss thresholds (per weight) of the summary table stored beside the records.
THRESHOLDS = (-1.0, -0.5, 0.0, 0.5, 1.0)
_POINT_FIELDS = {
    "instance": np.int32,
    "u_D": np.float32,
    "u_G": np.float32,
    "k_D": np.int16,
    "k_D_descent": np.int16,
    "k_G": np.int16,
    "sign": np.int8,
}
_INSTANCE_FIELDS = {
    "n_points": np.int32,
    "euler_sum": np.int32,
    "starts": np.int64,
    "min_hits": np.int32,
    "missed_estimate": np.float64,
    "max_residual": np.float64,
}


def _count_task(
    p: int,
    q: int,
    sigma_z: float,
    n_D: int,
    n_G: int,
    entropy: int,
    first: int,
    count: int,
    options: dict,
) -> dict[str, np.ndarray]:
    """Instances first .. first + count - 1, as a task of ``run_tasks``."""
    points: dict[str, list] = {name: [] for name in _POINT_FIELDS}
    per: dict[str, list] = {name: [] for name in _INSTANCE_FIELDS}
    for i in range(first, first + count):
        seq = np.random.SeedSequence(entropy, spawn_key=(i,))
        land = GanLandscape.sample(p, q, sigma_z, n_D, n_G, rng=seq)
        crit = land.critical_points(**options)
        w = np.hstack([crit.w_D, crit.w_G])
        descent = land.describe(w, "descent")["k_D"] if len(crit) else np.zeros(0, int)
        points["instance"].append(np.full(len(crit), i))
        points["u_D"].append(crit.u_D)
        points["u_G"].append(crit.u_G)
        points["k_D"].append(crit.k_D)
        points["k_D_descent"].append(descent)
        points["k_G"].append(crit.k_G)
        points["sign"].append(crit.sign)
        per["n_points"].append(len(crit))
        per["euler_sum"].append(crit.euler_sum)
        per["starts"].append(crit.starts)
        per["min_hits"].append(int(crit.hits.min()) if len(crit) else 0)
        per["missed_estimate"].append(crit.missed_estimate)
        per["max_residual"].append(float(crit.residual.max()) if len(crit) else 0.0)
    out = {name: np.concatenate(v) if v else np.zeros(0) for name, v in points.items()}
    out.update({name: np.array(v) for name, v in per.items()})
    return out


@dataclass(frozen=True)
class CriticalPointCounts:
    """Critical points of many sampled instances, one record per point.

    Attributes
    ----------
    p, q, n_D, n_G : int
        The model and its sizes.
    sigma_z : float
        Latent-noise scale.
    entropy : int
        Seed of the instances (instance i: ``SeedSequence(entropy, spawn_key=(i,))``).
    points : dict of str to ndarray
        Per point: ``instance`` (its index), ``u_D``, ``u_G`` (losses per weight,
        float32), ``k_D`` (ascent side), ``k_D_descent``, ``k_G``, ``sign`` (sign det J).
    per_instance : dict of str to ndarray
        Per instance: ``n_points``, ``euler_sum`` (sum of sign det J), ``starts``,
        ``min_hits``, ``missed_estimate`` (Chao1), ``max_residual``.
    metadata : dict
        Search options and anything else recorded with the counts.
    """

    p: int
    q: int
    sigma_z: float
    n_D: int
    n_G: int
    entropy: int
    points: dict[str, NDArray]
    per_instance: dict[str, NDArray]
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        pts = {k: np.asarray(self.points[k]).astype(t) for k, t in _POINT_FIELDS.items()}
        per = {k: np.asarray(self.per_instance[k]).astype(t) for k, t in _INSTANCE_FIELDS.items()}
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "per_instance", per)

    @property
    def instances(self) -> int:
        """Number of sampled instances."""
        return int(self.per_instance["n_points"].size)

    @property
    def euler_expected(self) -> int:
        """chi(S^(n_D-1)) chi(S^(n_G-1)): what each instance's sum of sign det J must be."""
        return euler_characteristic(self.n_D, self.n_G)

    @property
    def bezout(self) -> int:
        """4 (r - 1)^N: the most critical points any instance can have (Bezout)."""
        return bezout_bound(self.p, self.q, self.n_D, self.n_G)

    @property
    def poincare_hopf_ok(self) -> NDArray[np.bool_]:
        """Per instance: whether the sum of sign det J equals the Euler characteristic."""
        return self.per_instance["euler_sum"] == self.euler_expected

    def counts(
        self,
        u_D: float = math.inf,
        u_G: float = math.inf,
        k_D: int | None = None,
        k_G: int | None = None,
        d_index: str = "ascent",
    ) -> NDArray[np.int64]:
        """Per instance: the number of points with u_D' <= u_D, u_G' <= u_G and the indices.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per weight (L_D <= N u_D, L_G <= N u_G); inf: none.
        k_D, k_G : int, optional
            Required indices; None: any.
        d_index : {"ascent", "descent"}
            Which side k_D counts.

        Returns
        -------
        ndarray of int, shape (instances,)
            The count in each instance.
        """
        if d_index not in D_INDEX:
            raise ValueError(f"d_index must be one of {D_INDEX}, got {d_index!r}")
        u_D = float(u_D)
        u_G = float(u_G)
        pts = self.points
        keep = (pts["u_D"] <= u_D) & (pts["u_G"] <= u_G)
        kd = pts["k_D"] if d_index == "ascent" else pts["k_D_descent"]
        if k_D is not None:
            keep &= kd == val.integer("k_D", k_D, 0)
        if k_G is not None:
            keep &= pts["k_G"] == val.integer("k_G", k_G, 0)
        return np.bincount(pts["instance"][keep], minlength=self.instances).astype(np.int64)

    def mean(
        self,
        u_D: float = math.inf,
        u_G: float = math.inf,
        k_D: int | None = None,
        k_G: int | None = None,
        d_index: str = "ascent",
    ) -> tuple[float, float]:
        """Mean count over instances and its standard error.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per weight (L_D <= N u_D, L_G <= N u_G); inf: none.
        k_D, k_G : int, optional
            Required indices; None: any.
        d_index : {"ascent", "descent"}
            Which side k_D counts.

        Returns
        -------
        tuple of float
            (mean, standard error); the error is NaN with a single instance.
        """
        c = self.counts(u_D, u_G, k_D, k_G, d_index).astype(float)
        se = c.std(ddof=1) / math.sqrt(c.size) if c.size > 1 else math.nan
        return float(c.mean()), float(se)

    def by_index(
        self, u_D: float = math.inf, u_G: float = math.inf, d_index: str = "ascent"
    ) -> dict[tuple[int, int], tuple[float, float]]:
        """Mean count and standard error for every (k_D, k_G) that occurs, most common first.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per weight; inf: none.
        d_index : {"ascent", "descent"}
            Which side k_D counts.

        Returns
        -------
        dict of (int, int) to (float, float)
            (k_D, k_G) -> (mean, standard error), in decreasing order of the mean.
        """
        kd = self.points["k_D"] if d_index == "ascent" else self.points["k_D_descent"]
        pairs = sorted({(int(a), int(b)) for a, b in zip(kd, self.points["k_G"])})
        out = {pair: self.mean(u_D, u_G, pair[0], pair[1], d_index) for pair in pairs}
        return dict(sorted(out.items(), key=lambda kv: -kv[1][0]))

    def threshold_table(
        self, thresholds: ArrayLike = THRESHOLDS
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Mean counts and errors under every pair of thresholds, indexed [i_D, i_G].

        Parameters
        ----------
        thresholds : array_like of float
            Loss thresholds per weight, used for both u_D and u_G.

        Returns
        -------
        mean, stderr : ndarray, shape (len(thresholds), len(thresholds))
            Mean count under (u_D, u_G) = (thresholds[i_D], thresholds[i_G]) and its
            standard error.
        """
        t = val.finite_array("thresholds", thresholds).ravel()
        mean = np.empty((t.size, t.size))
        err = np.empty_like(mean)
        for i, a in enumerate(t):
            for j, b in enumerate(t):
                mean[i, j], err[i, j] = self.mean(a, b)
        return mean, err

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the records (and a summary) as .npz + JSON metadata.

        Parameters
        ----------
        path : str or path-like
            File to write (``.npz`` is added when missing).

        Returns
        -------
        Path
            The file written.
        """
        mean, err = self.threshold_table()
        total = self.mean()
        arrays = {
            **self.points,
            **{f"instance_{k}": v for k, v in self.per_instance.items()},
            "thresholds": np.array(THRESHOLDS),
            "threshold_mean": mean,
            "threshold_stderr": err,
        }
        meta = {
            **self.metadata,
            "p": self.p,
            "q": self.q,
            "sigma_z": self.sigma_z,
            "n_D": self.n_D,
            "n_G": self.n_G,
            "entropy": str(self.entropy),
            "instances": self.instances,
            "mean": total[0],
            "stderr": total[1],
            "poincare_hopf_failures": int(np.sum(~self.poincare_hopf_ok)),
            "bezout": self.bezout,
        }
        return save_result(path, KIND, arrays, meta)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CriticalPointCounts:
        """Read counts written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        CriticalPointCounts
            The records, per-instance data and metadata as saved.
        """
        res = load_result(path)
        if res.kind != KIND:
            raise ValueError(f"{path} holds a {res.kind!r} result, not {KIND!r}")
        meta = user_metadata(res)
        keys = ("p", "q", "sigma_z", "n_D", "n_G", "entropy")
        p, q, sigma_z, n_D, n_G, entropy = (meta.pop(k) for k in keys)
        for k in ("instances", "mean", "stderr", "poincare_hopf_failures", "bezout"):
            meta.pop(k, None)
        points = {k: res[k] for k in _POINT_FIELDS}
        per = {k: res[f"instance_{k}"] for k in _INSTANCE_FIELDS}
        return cls(p, q, float(sigma_z), n_D, n_G, int(entropy), points, per, meta)


def seconds_per_instance(p: int, q: int, n_D: int, n_G: int) -> float:
    """A rough estimate of the seconds one instance takes on one core (factor 3).

    t = 2.7e-8 r! N^r + 9.2e-4 B^0.945 N^(-0.147 r), with r = p + q, N = n_D + n_G and
    B the Bezout bound: the first term symmetrises the order-r tensor (r! permuted
    copies of N^r entries), the second is the Newton search, whose starts grow with
    the number of points.  Fitted to 12 settings (p + q from 3 to 8, N from 4 to 10;
    0.04 s to 72 s per instance), each within a factor 3.6 of its measured time.
    """
    r, n = p + q, n_D + n_G
    bezout = 4.0 * (r - 1) ** n
    return 2.7e-8 * math.factorial(r) * float(n) ** r + 9.2e-4 * bezout**0.945 * float(n) ** (
        -0.147 * r
    )


def count_critical_points(
    p: int | GameSpec,
    q: Any,
    sigma_z: Any,
    n_D: Any = None,
    n_G: int | None = None,
    instances: int | None = None,
    rng: int | np.random.Generator | None = None,
    *,
    chunk: int = 25,
    progress: bool = False,
    results_dir: str | os.PathLike[str] | None = None,
    client: Any = None,
    scheduler: str | None = None,
    processes: int | None = None,
    **search: Any,
) -> CriticalPointCounts:
    """Find all critical points of ``instances`` sampled instances and keep their records.

    A game instead of the GAN model: ``count_critical_points(game, sizes, instances,
    rng=None, **options)``, with ``game`` a :class:`~spinglass_gan.games.game.SpinGlassGame`,
    returns :func:`~spinglass_gan.landscapes.game_counting.count_game_critical_points` (a
    :class:`~spinglass_gan.landscapes.game_counting.GameCriticalPointCounts`).

    Parameters
    ----------
    p, q : int
        Orders, p >= 2, q >= 1 (r = p + q).
    sigma_z : float
        Latent-noise scale, > 0.
    n_D, n_G : int
        Discriminator and generator weights, each >= 2.
    instances : int
        Number of instances, >= 1.
    rng : int or Generator, optional
        Seed of the instances (an int is used as the entropy itself).
    chunk : int
        Instances per task.  The numbers do not depend on it.
    progress : bool
        Progress bar over the tasks.
    results_dir : path, optional
        Resumable run: each finished task is kept in ``results_dir/tasks``, a rerun
        computes only the missing ones, and the assembled records are written to
        ``results_dir/result.npz``.
    client, scheduler, processes
        Where the tasks run (:func:`~spinglass_gan.io.runner.run_tasks`); default: this
        process, or every CPU with a ``results_dir``.
    **search
        Options of :meth:`~spinglass_gan.landscapes.landscape.GanLandscape.critical_points`
        (``method``, ``min_starts``, ``max_starts``, ...); ``d_index`` is not one: both
        sides of k_D are kept.

    Returns
    -------
    CriticalPointCounts
        ``.mean()`` is the mean total count with its standard error;
        ``.mean(u_D, u_G)`` under loss thresholds; ``.by_index()`` by (k_D, k_G).

    Examples
    --------
    >>> c = count_critical_points(2, 1, 1.0, 2, 2, instances=4, rng=1)
    >>> bool(c.poincare_hopf_ok.all()), c.instances
    (True, 4)
    """
    if isinstance(p, GameSpec):
        if n_G is not None or instances is not None:
            raise ValueError("with a game the arguments are (game, sizes, instances, rng)")
        seed = rng if n_D is None else n_D
        opts = {"progress": progress, "results_dir": results_dir, "client": client}
        opts.update(scheduler=scheduler, processes=processes, chunk=chunk)
        return count_game_critical_points(p, q, sigma_z, seed, **opts, **search)
    p = val.integer("p", p, 2)
    q = val.integer("q", q, 1)
    sigma_z = val.positive("sigma_z", sigma_z)
    n_D = val.integer("n_D", n_D, 2)
    n_G = val.integer("n_G", n_G, 2)
    instances = val.integer("instances", instances, 1)
    chunk = val.integer("chunk", chunk, 1)
    if "d_index" in search:
        raise ValueError("d_index is not a search option: both sides of k_D are kept")
    # Checks every option once, here, before any task starts.
    GanLandscape.sample(p, q, sigma_z, n_D, n_G, rng=0)
    allowed = {
        "method",
        "batch",
        "min_starts",
        "max_starts",
        "min_hits",
        "until_euler",
        "grid",
        "max_iter",
    }
    unknown = sorted(set(search) - allowed)
    if unknown:
        raise ValueError(f"unknown search options {unknown}; allowed: {sorted(allowed)}")
    entropy = entropy_of(rng)
    base = {"p": p, "q": q, "sigma_z": sigma_z, "n_D": n_D, "n_G": n_G, "entropy": entropy}
    rows, tasks = run_chunks(
        _count_task,
        base,
        instances,
        chunk,
        search,
        results_dir,
        client=client,
        scheduler=scheduler,
        processes=processes,
        progress=progress,
    )
    points = {k: np.concatenate([r[k] for r in rows]) for k in _POINT_FIELDS}
    per = {k: np.concatenate([r[k] for r in rows]) for k in _INSTANCE_FIELDS}
    meta: dict[str, Any] = {"search": dict(search), "chunk": chunk}
    result = CriticalPointCounts(p, q, sigma_z, n_D, n_G, entropy, points, per, meta)
    if results_dir is not None:
        meta["tasks"] = [task_id(_count_task, t) for t in tasks]
        result.save(Path(results_dir) / RESULT_FILE)
    return result
