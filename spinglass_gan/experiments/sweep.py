"""The GAN sweep over sigma_z and kappa (paper Fig. 9), run through the sweep runner,
and its summary over seeds.

``gan_sweep`` makes one task per (architecture, sigma_z, kappa, seed) and hands them to
:func:`spinglass_gan.io.runner.run_tasks` with :func:`~spinglass_gan.experiments.dcgan.
train_one` as the task function: each run's loss history is saved with its parameters
as soon as it finishes, and a rerun of the same sweep skips finished runs.
``summarize`` reduces the histories to the minimum and the smoothed final losses.

This module imports neither PyTorch nor matplotlib; the runs import PyTorch.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from .data import load_dataset, resolve_dataset
from .dcgan import (
    ARCHITECTURES,
    MIN_WIDTH,
    _check_architecture,
    import_torch,
    resolve_device,
    train_one,
)

__all__ = [
    "FULL",
    "QUICK",
    "STATISTICS",
    "GanSummary",
    "gan_sweep",
    "load_records",
    "run_statistics",
    "summarize",
]

# --quick: 4 sigma_z x 5 kappa x both architectures, one seed, one epoch on the first
# 2000 images, budget 64 channels (the 128-channel nets take about 4x as long per step
# and would not fit a few minutes on 2 CPU cores).
QUICK: dict[str, Any] = {
    "sigma_zs": (1e-2, 1e-1, 1.0, 10.0),
    "kappas": (0.1, 0.3, 0.5, 0.7, 0.9),
    "seeds": (0,),
    "epochs": 1,
    "subset": 2000,
    "channels": 64,
}
# The full setting, for a GPU: sigma_z per decade over the theory's range [1e-5, 1e2],
# kappa in steps of 0.1, three seeds, five epochs over the whole training set.
FULL: dict[str, Any] = {
    "sigma_zs": tuple(10.0**k for k in range(-5, 3)),
    "kappas": (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "seeds": (0, 1, 2),
    "epochs": 5,
    "subset": None,
    "channels": 128,
}

# Per run: the lowest per-step loss, and the mean of the last 10 % of steps (at least
# one) as a smoothed final value; then the mean and standard deviation over seeds.
STATISTICS = ("min_loss_D", "min_loss_G", "final_loss_D", "final_loss_G")
FINAL_FRACTION = 0.1


def _floats(name: str, values: Iterable[float], check) -> tuple[float, ...]:
    out = tuple(check(name, v) for v in np.atleast_1d(np.asarray(values, dtype=float)))
    if not out:
        raise ValueError(f"{name} must not be empty")
    return out


def _tasks(
    sigma_zs: Sequence[float],
    kappas: Sequence[float],
    seeds: Sequence[int],
    architectures: Sequence[str],
    common: Mapping[str, Any],
) -> list[dict[str, Any]]:
    # Architecture outermost, seed innermost: with several workers the runs of one
    # (sigma_z, kappa) finish close together.
    return [
        {"architecture": a, "sigma_z": s, "kappa": k, "seed": int(seed), **common}
        for a in architectures
        for s in sigma_zs
        for k in kappas
        for seed in seeds
    ]


def gan_sweep(
    sigma_zs: Iterable[float],
    kappas: Iterable[float],
    *,
    seeds: Iterable[int] = (0,),
    epochs: int = 1,
    subset: int | None = None,
    dataset: str = "auto",
    data_path: str | os.PathLike[str] | None = None,
    architecture: str | Iterable[str] = ARCHITECTURES,
    channels: int = 128,
    batch_size: int = 128,
    device: str = "cpu",
    threads: int | None = None,
    results_dir: str | os.PathLike[str],
    client: Any = None,
    scheduler: str | None = None,
    processes: int | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Train a DCGAN for every (architecture, sigma_z, kappa, seed); resumable.

    Parameters
    ----------
    sigma_zs, kappas : iterable of float
        Latent-noise scales (> 0) and discriminator shares (in (0, 1)).
    seeds : iterable of int
        One run per seed.
    epochs, subset, channels, batch_size
        Passed to :func:`~spinglass_gan.experiments.dcgan.train_one`.
    threads : int, optional
        Torch threads per run.  Default on the CPU: 1, so that parallelism comes from
        the runner's processes (one per core) and the number of threads, which is part
        of each run's parameters (it can change the last bits of CPU results), does not
        depend on ``processes``; on a GPU: torch's default.
    dataset, data_path
        Which data (see :func:`~spinglass_gan.experiments.data.load_dataset`).  ``"auto"``
        is resolved here, once, and the concrete name and path go into every run's
        parameters, so the saved results say which data they came from.
    architecture : str or iterable of str
        ``"published"``, ``"sigma_acts"`` or both (default).
    device : str
        Torch device of every run; ``"auto"`` is resolved here (CUDA if available), so
        each run records the device it ran on.
    results_dir : path
        Where the runner keeps one result file per run.
    client, scheduler, processes, progress
        Passed to :func:`spinglass_gan.io.runner.run_tasks`.

    Returns
    -------
    list of dict
        One record per run, in task order: its parameters and the arrays
        :func:`~spinglass_gan.experiments.dcgan.train_one` returned.
    """
    tasks, _ = plan(
        sigma_zs,
        kappas,
        seeds=seeds,
        epochs=epochs,
        subset=subset,
        dataset=dataset,
        data_path=data_path,
        architecture=architecture,
        channels=channels,
        batch_size=batch_size,
        device=device,
        threads=threads,
    )
    return run_planned(
        tasks,
        results_dir,
        client=client,
        scheduler=scheduler,
        processes=processes,
        progress=progress,
    )


def plan(
    sigma_zs: Iterable[float],
    kappas: Iterable[float],
    *,
    seeds: Iterable[int],
    epochs: int,
    subset: int | None,
    dataset: str,
    data_path: str | os.PathLike[str] | None,
    architecture: str | Iterable[str],
    channels: int,
    batch_size: int,
    device: str,
    threads: int | None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The runs of :func:`gan_sweep` (same arguments), checked, and their data source.

    Everything that can be wrong with the arguments or the data fails here, with a
    ValueError (OSError or UnsafePickleError for the data), before any run starts;
    then, with valid input, an ImportError if torch is missing.  Returns the task
    parameters, in run order, and the ``source`` of the loaded data (path, file hashes,
    ``n_images``).
    """
    sigma_zs = _floats("sigma_z", sigma_zs, val.positive)
    kappas = _floats("kappa", kappas, val.open_unit)
    seeds = tuple(val.integer("seed", s, 0) for s in seeds)
    architectures = (architecture,) if isinstance(architecture, str) else tuple(architecture)
    for a in architectures:
        _check_architecture(a)
    channels = val.integer("channels", channels, 2 * MIN_WIDTH)
    batch_size = val.integer("batch_size", batch_size, 2)
    name, path = resolve_dataset(dataset, data_path)
    # Load once here: a missing or unsafe file fails before any run is scheduled.
    source = load_dataset(name, path, subset).source
    if batch_size > source["n_images"]:
        raise ValueError(f"batch_size={batch_size} exceeds the {source['n_images']} images")
    # Bad arguments and data are reported first, with or without torch; the runs need
    # torch, so its absence fails here, not in every worker.
    import_torch()
    device = resolve_device(device)
    common = {
        "dataset": name,
        "data_path": path,
        "data_sha256": ",".join(source["files"].values()),
        "subset": subset,
        "epochs": val.integer("epochs", epochs, 1),
        "batch_size": batch_size,
        "channels": channels,
        "device": device,
        "threads": 1 if threads is None and device == "cpu" else threads,
    }
    return _tasks(sigma_zs, kappas, seeds, architectures, common), source


def run_planned(
    tasks: list[dict[str, Any]],
    results_dir: str | os.PathLike[str],
    *,
    client: Any = None,
    scheduler: str | None = None,
    processes: int | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Run the tasks of :func:`plan` through the runner; records as :func:`gan_sweep`."""
    from ..io.runner import run_tasks

    outputs = run_tasks(
        train_one,
        tasks,
        results_dir,
        client=client,
        scheduler=scheduler,
        processes=processes,
        progress=progress,
        desc="GAN runs",
    )
    return [{**task, **dict(out)} for task, out in zip(tasks, outputs)]


def load_records(results_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every finished GAN run in ``results_dir`` (as :func:`gan_sweep` returns them).

    The runner's task files of ``train_one`` that a rerun would reuse, in file-name
    order; for drawing or summarising runs without naming the sweep that made them.
    """
    from ..io.runner import finished_tasks

    return [{**params, **arrays} for params, arrays in finished_tasks(results_dir, train_one)]


@dataclass(frozen=True)
class GanSummary:
    """Statistics over seeds on the grid architectures x sigma_z x kappa.

    ``mean[name]`` and ``std[name]`` (name in :data:`STATISTICS`) have shape
    ``(len(architectures), len(sigma_z), len(kappa))``; NaN where a cell has no run.
    ``n_seeds`` counts the runs in each cell.
    """

    architectures: tuple[str, ...]
    sigma_z: NDArray[np.float64]
    kappa: NDArray[np.float64]
    mean: dict[str, NDArray[np.float64]]
    std: dict[str, NDArray[np.float64]]
    n_seeds: NDArray[np.int64]
    metadata: dict[str, Any] = field(default_factory=dict)

    def arrays(self) -> dict[str, np.ndarray]:
        """Flat numeric arrays for :func:`spinglass_gan.save_result`."""
        out: dict[str, np.ndarray] = {"sigma_z": self.sigma_z, "kappa": self.kappa}
        for name in STATISTICS:
            out[f"{name}_mean"] = self.mean[name]
            out[f"{name}_std"] = self.std[name]
        out["n_seeds"] = self.n_seeds
        return out


def run_statistics(loss_D: ArrayLike, loss_G: ArrayLike) -> dict[str, float]:
    """Minimum and smoothed final value (mean of the last 10 % of steps) of one run."""
    out = {}
    for which, hist in (("D", loss_D), ("G", loss_G)):
        h = np.asarray(hist, dtype=float)
        if h.ndim != 1 or h.size == 0:
            raise ValueError(f"loss_{which} must be a non-empty 1-D history")
        tail = max(1, math.ceil(FINAL_FRACTION * h.size))
        out[f"min_loss_{which}"] = float(h.min())
        out[f"final_loss_{which}"] = float(h[-tail:].mean())
    return out


# Settings that make runs comparable: runs that differ in any of them are not seeds of
# one cell.  (Device and threads may differ: a sweep can be resumed elsewhere.)
_SETTINGS = ("dataset", "data_sha256", "channels", "epochs", "subset", "batch_size")


def summarize(records: Iterable[Mapping[str, Any]]) -> GanSummary:
    """Reduce run records (as :func:`gan_sweep` returns) to statistics over seeds.

    Parameters
    ----------
    records : iterable of mapping
        Each with ``architecture``, ``sigma_z``, ``kappa``, ``seed`` and the histories
        ``loss_D``, ``loss_G``.  The settings ``dataset``, ``data_sha256``,
        ``channels``, ``epochs``, ``subset`` and ``batch_size`` must agree between
        records that have them; they go into the metadata (with ``data_path`` and
        ``device`` when those agree).

    Returns
    -------
    GanSummary

    Raises
    ------
    ValueError
        For no records, records of different settings, or two runs of one
        (architecture, sigma_z, kappa, seed).
    """
    records = list(records)
    if not records:
        raise ValueError("no runs to summarize")
    meta: dict[str, Any] = {}
    for name in (*_SETTINGS, "data_path", "device"):
        values = {_plain(r.get(name)) for r in records if name in r}
        if len(values) > 1 and name in _SETTINGS:
            raise ValueError(
                f"the runs differ in {name} ({sorted(map(str, values))}); "
                "summarize one setting at a time"
            )
        if len(values) == 1:
            meta[name] = values.pop()
    arch_order = [a for a in ARCHITECTURES if any(r["architecture"] == a for r in records)]
    sigma = np.unique([float(r["sigma_z"]) for r in records])
    kappa = np.unique([float(r["kappa"]) for r in records])
    shape = (len(arch_order), sigma.size, kappa.size)
    cells: dict[tuple[int, int, int], dict[Any, dict[str, float]]] = {}
    for i, r in enumerate(records):
        key = (
            arch_order.index(r["architecture"]),
            int(np.searchsorted(sigma, float(r["sigma_z"]))),
            int(np.searchsorted(kappa, float(r["kappa"]))),
        )
        seed = _plain(r.get("seed", ("record", i)))
        if seed in cells.setdefault(key, {}):
            raise ValueError(
                f"two runs of {r['architecture']}, sigma_z={r['sigma_z']}, "
                f"kappa={r['kappa']}, seed={seed}"
            )
        cells[key][seed] = run_statistics(r["loss_D"], r["loss_G"])
    mean = {name: np.full(shape, np.nan) for name in STATISTICS}
    std = {name: np.full(shape, np.nan) for name in STATISTICS}
    n_seeds = np.zeros(shape, dtype=np.int64)
    for key, runs in cells.items():
        n_seeds[key] = len(runs)
        for name in STATISTICS:
            values = np.array([run[name] for run in runs.values()])
            mean[name][key] = values.mean()
            std[name][key] = values.std(ddof=1) if values.size > 1 else 0.0
    return GanSummary(tuple(arch_order), sigma, kappa, mean, std, n_seeds, meta)


def _plain(value: Any) -> Any:
    """A hashable JSON-ready scalar (NumPy scalars and 0-d arrays unwrapped)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode()
    return value
