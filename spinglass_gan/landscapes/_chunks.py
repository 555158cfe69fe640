"""Counting over many instances in chunks of tasks: shared by the model's and the games'
counts.

Instances are numbered; a task counts ``count`` consecutive instances from ``first``,
each seeded from the run's entropy and its number, so a count does not depend on how the
instances are chunked or where the tasks run (:func:`~spinglass_gan.io.runner.run_tasks`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..io.runner import run_tasks


def entropy_of(rng: object) -> int:
    """The run's entropy: a fresh one (None), drawn from a Generator, or the seed itself.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        The caller's ``rng`` argument; a non-negative int is used as it is.

    Returns
    -------
    int
        The entropy every instance's seed derives from.
    """
    if rng is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and int(rng) >= 0:
        return int(rng)
    raise ValueError(f"rng must be None, a non-negative int seed or a Generator, got {rng!r}")


def run_chunks(
    task: Callable[[dict], dict],
    base: Mapping[str, Any],
    instances: int,
    chunk: int,
    search: Mapping[str, Any],
    results_dir: Any,
    *,
    client: Any,
    scheduler: Any,
    processes: Any,
    progress: bool,
) -> tuple[list[dict], list[dict]]:
    """Run ``task`` over the instances in chunks of ``chunk``.

    Parameters
    ----------
    task : callable
        The runner task; it receives ``base`` with ``first``, ``count`` and ``options``.
    base : mapping
        What every task shares (the model or game, sizes, entropy).
    instances, chunk : int
        Number of instances, and of instances per task.
    search : mapping
        Search options, passed to every task as ``options``.
    results_dir, client, scheduler, processes, progress
        As for :func:`~spinglass_gan.io.runner.run_tasks`; with none of
        ``results_dir``, ``client``, ``scheduler`` and ``processes`` the tasks run in this
        process.

    Returns
    -------
    rows : list of dict
        The tasks' results, in task order.
    tasks : list of dict
        The tasks as run (their ids name the files of a resumable run).
    """
    tasks = [
        {**base, "first": i, "count": min(chunk, instances - i), "options": dict(search)}
        for i in range(0, instances, chunk)
    ]
    if results_dir is None and client is None and scheduler is None and processes is None:
        processes = 1
    rows = run_tasks(
        task,
        tasks,
        results_dir,
        client=client,
        scheduler=scheduler,
        processes=processes,
        progress=progress,
        desc="critical points",
    )
    return rows, tasks
