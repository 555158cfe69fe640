"""Results on disk and the task runner.

Results are .npz files with JSON metadata (``save_result``, ``load_result``);
``run_tasks`` runs independent tasks in local processes or on dask.distributed,
one atomic result file per finished task, resumable.

Modules
-------
``results``
    Save and load computed results (maps over grids, sweeps) as self-describing
    files.
``runner``
    Run independent tasks locally in processes or on a dask cluster, resumably.
"""

from .results import Result, load_result, save_result, user_metadata
from .runner import RESULT_FILE, TASKS_DIR, finished_tasks, run_tasks, task_id

__all__ = [
    "RESULT_FILE",
    "TASKS_DIR",
    "Result",
    "finished_tasks",
    "load_result",
    "run_tasks",
    "save_result",
    "task_id",
    "user_metadata",
]
