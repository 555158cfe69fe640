"""Numbers of critical points of sampled game instances, averaged over many instances.

:func:`count_game_critical_points` samples ``instances`` independent instances of a
spherical spin-glass game (:class:`~spinglass_gan.landscapes.game_landscape.GameInstance`), finds
all
critical points of each and keeps, for every point, its losses per N, block indices,
index and sign det J; for every instance, the evidence of completeness (Poincare-Hopf sum,
starts, fewest hits, capture-recapture estimate).  Counts under any loss thresholds are
recomputed from these records by :meth:`GameCriticalPointCounts.mean`, with standard
errors over instances.  Instance i is drawn from ``SeedSequence(entropy, spawn_key=(i,))``
whatever the chunking; tasks run through :func:`~spinglass_gan.io.runner.run_tasks`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _validation as val
from ..complexity.game_spec import GameSpec
from ..io.results import load_result, save_result, user_metadata
from ..io.runner import RESULT_FILE, task_id
from ._chunks import entropy_of, run_chunks
from .game_landscape import GameInstance

__all__ = ["GameCriticalPointCounts", "count_game_critical_points"]

KIND = "game_critical_point_counts"
_POINT_FIELDS = {
    "instance": np.int32,
    "losses": np.float64,
    "block_index": np.int16,
    "index": np.int16,
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
SEARCH_OPTIONS = ("batch", "min_starts", "max_starts", "min_hits", "max_iter")


def _game_count_task(
    game: dict, sizes: list, entropy: int, first: int, count: int, options: dict
) -> dict[str, np.ndarray]:
    """Instances first .. first + count - 1 of the game described by ``game``."""
    g = GameSpec.from_dict(game)
    k = g.K
    pts: dict[str, list] = {name: [] for name in _POINT_FIELDS}
    per: dict[str, list] = {name: [] for name in _INSTANCE_FIELDS}
    for i in range(first, first + count):
        seq = np.random.SeedSequence(entropy, spawn_key=(i,))
        crit = GameInstance.sample(g, sizes, rng=seq).critical_points(**options)
        pts["instance"].append(np.full(len(crit), i))
        pts["losses"].append(crit.losses.reshape(-1, k))
        pts["block_index"].append(crit.block_index.reshape(-1, k))
        pts["index"].append(crit.index)
        pts["sign"].append(crit.sign)
        per["n_points"].append(len(crit))
        per["euler_sum"].append(crit.euler_sum)
        per["starts"].append(crit.starts)
        per["min_hits"].append(int(crit.hits.min()) if len(crit) else 0)
        per["missed_estimate"].append(crit.missed_estimate)
        per["max_residual"].append(float(crit.residual.max()) if len(crit) else 0.0)
    out = {name: np.concatenate(v).astype(_POINT_FIELDS[name]) for name, v in pts.items()}
    out.update({name: np.array(v, dtype=_INSTANCE_FIELDS[name]) for name, v in per.items()})
    return out


@dataclass(frozen=True)
class GameCriticalPointCounts:
    """Critical points of many sampled instances of a game, one record per point.

    Attributes
    ----------
    game : GameSpec
    sizes : tuple of int
    entropy : int
        Instance i is drawn from ``SeedSequence(entropy, spawn_key=(i,))``.
    points : dict of str to ndarray
        ``instance``, ``losses`` (M, K; L_s / N), ``block_index`` (M, K), ``index``,
        ``sign`` (sign det J).
    per_instance : dict of str to ndarray
        ``n_points``, ``euler_sum``, ``starts``, ``min_hits``, ``missed_estimate``,
        ``max_residual``.
    metadata : dict
    """

    game: GameSpec
    sizes: tuple[int, ...]
    entropy: int
    points: dict[str, NDArray]
    per_instance: dict[str, NDArray]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def instances(self) -> int:
        return int(self.per_instance["n_points"].size)

    @property
    def poincare_hopf_ok(self) -> NDArray[np.bool_]:
        """Per instance: the sum of sign det J equals prod_s chi(S^(N_s - 1))."""
        return self.per_instance["euler_sum"] == self.game.euler_characteristic(self.sizes)

    def counts(self, u: Sequence[float] | None = None) -> NDArray[np.int64]:
        """Per instance, the number of critical points with L_s / N <= u_s for every s."""
        keep = np.ones(self.points["instance"].size, dtype=bool)
        if u is not None:
            if len(u) != self.game.K:
                raise ValueError(f"u must have K = {self.game.K} entries, got {u!r}")
            keep = np.all(self.points["losses"] <= np.asarray(u, dtype=float), axis=1)
        return np.bincount(self.points["instance"][keep], minlength=self.instances)

    def mean(self, u: Sequence[float] | None = None) -> tuple[float, float]:
        """Mean count per instance under the thresholds, and its standard error."""
        c = self.counts(u).astype(float)
        err = float(c.std(ddof=1)) / math.sqrt(c.size) if c.size > 1 else math.inf
        return float(c.mean()), err

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the records as an ``.npz`` result file with JSON metadata."""
        arrays = {f"point_{k}": v for k, v in self.points.items()}
        arrays.update({f"instance_{k}": v for k, v in self.per_instance.items()})
        meta = {
            **self.metadata,
            "game": self.game.to_dict(),
            "sizes": list(self.sizes),
            "entropy": str(self.entropy),
        }
        return save_result(path, KIND, arrays, meta)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> GameCriticalPointCounts:
        """Read a file written by :meth:`save`."""
        res = load_result(path)
        if res.kind != KIND:
            raise ValueError(f"{path} holds {res.kind!r}, not {KIND!r}")
        meta = user_metadata(res)
        game = GameSpec.from_dict(meta.pop("game"))
        sizes = tuple(meta.pop("sizes"))
        entropy = int(meta.pop("entropy"))
        points = {k: res[f"point_{k}"] for k in _POINT_FIELDS}
        per = {k: res[f"instance_{k}"] for k in _INSTANCE_FIELDS}
        return cls(game, sizes, entropy, points, per, meta)


def count_game_critical_points(
    game: GameSpec,
    sizes: Sequence[int],
    instances: int,
    rng: int | np.random.Generator | None = None,
    *,
    chunk: int = 25,
    progress: bool = False,
    results_dir: str | os.PathLike[str] | None = None,
    client: Any = None,
    scheduler: str | None = None,
    processes: int | None = None,
    **search: Any,
) -> GameCriticalPointCounts:
    """Find all critical points of ``instances`` sampled instances of ``game``.

    Parameters
    ----------
    game : GameSpec
    sizes : sequence of K ints
        N_s >= 2 per species.
    instances : int
        Number of instances, >= 1.
    rng : int or Generator, optional
        Seed of the instances (an int is the entropy itself).
    chunk, progress, results_dir, client, scheduler, processes
        As in :func:`~spinglass_gan.landscapes.counting.count_critical_points`.
    **search
        Options of :meth:`~spinglass_gan.landscapes.game_landscape.GameInstance.critical_points`:
        ``batch``, ``min_starts``, ``max_starts``, ``min_hits``, ``max_iter``.

    Returns
    -------
    GameCriticalPointCounts
    """
    if not isinstance(game, GameSpec):
        raise ValueError(f"game must be a SpinGlassGame, got {type(game).__name__}")
    sizes = game.check_sizes(sizes, tensors=True)
    instances = val.integer("instances", instances, 1)
    chunk = val.integer("chunk", chunk, 1)
    unknown = sorted(set(search) - set(SEARCH_OPTIONS))
    if unknown:
        raise ValueError(f"unknown search options {unknown}; allowed: {list(SEARCH_OPTIONS)}")
    for name, value in search.items():
        val.integer(name, value, 1)
    entropy = entropy_of(rng)
    base = {"game": game.to_dict(), "sizes": list(sizes), "entropy": entropy}
    rows, tasks = run_chunks(
        _game_count_task,
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
    k = game.K
    points = {}
    for name in _POINT_FIELDS:
        parts = [np.asarray(r[name]) for r in rows]
        if name in ("losses", "block_index"):
            parts = [p.reshape(-1, k) for p in parts]
        points[name] = np.concatenate(parts)
    per = {name: np.concatenate([r[name] for r in rows]) for name in _INSTANCE_FIELDS}
    meta: dict[str, Any] = {"search": dict(search), "chunk": chunk}
    result = GameCriticalPointCounts(game, sizes, entropy, points, per, meta)
    if results_dir is not None:
        meta["tasks"] = [task_id(_game_count_task, t) for t in tasks]
        result.save(Path(results_dir) / RESULT_FILE)
    return result
