"""Run independent tasks locally in processes or on a dask cluster, resumably.

A *task* is one call ``func(**params)`` of an importable top-level function that returns
a mapping of names to numeric arrays or scalars.  :func:`run_tasks` runs a list of them
and returns their results in the order of the list:

* locally, in ``processes`` worker processes (started with ``spawn``), or in this
  process when ``processes=1``;
* on a dask.distributed cluster, given a ``distributed.Client`` or a scheduler address.

With a ``results_dir`` every finished task is written at once to
``results_dir/tasks/<id>.npz`` (:func:`~spinglass_gan.io.results.save_result`: a temporary
file, synced, then renamed, so a file under its final name is always complete).  A rerun
of the same tasks loads the finished files and computes only the others, so a run that
was killed, by SIGKILL or a lost node, resumes where it stopped.

Design choices
--------------
Where results are written
    Files are written by the process that calls :func:`run_tasks`, never by workers:
    results come back through the executor or the dask scheduler, as they must anyway,
    and are saved as they arrive.  So ``results_dir`` has to exist only where the run
    is started; dask workers need the package, not a shared file system.  Workers that
    outlive a killed parent have nothing to write and stop by themselves.
Task ids
    The id is the SHA-256 (first 32 hex digits) of the canonical JSON of
    ``{"func": "module:qualname", "params": params}``: the same computation has the same
    file whatever the order of the tasks, the number of workers or the machine.  The
    parameters are passed to ``func`` after a JSON round trip, so a task computes
    exactly what its id and its file describe (floats survive the trip exactly).
Package version
    Every task file records the version of spinglass_gan that wrote it (and the
    workers' version must equal this process's).  A file of another version is not
    reused: it is recomputed and overwritten, since numbers may change between
    versions.  Within one version, task files are trusted; delete the folder after
    changing the code of a development checkout.
Damaged files
    A task file that cannot be read, or whose recorded id, function, parameters or
    version differ, is recomputed (with a logged warning), never trusted.  Temporary
    files left by a killed write are removed at the start of a run.  One run at a time
    may use a results folder: it is locked (``results_dir/.lock``) while tasks run.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import errno
import hashlib
import importlib
import json
import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .. import _validation as val
from .._progress import progress_bar
from .._version import __version__
from .results import _jsonable, checked_arrays, load_result, save_result

__all__ = ["RESULT_FILE", "TASKS_DIR", "finished_tasks", "run_tasks", "task_id"]

TASKS_DIR = "tasks"
RESULT_FILE = "result.npz"
_LOCK_FILE = ".lock"
# save_result writes ".<name>.<random>.tmp" beside its target.
_TEMP_GLOB = ".*.npz.*.tmp"
_TASK_KIND = "task"

logger = logging.getLogger(__name__)

TaskFunc = Callable[..., Mapping[str, ArrayLike]]


# -- task identity ------------------------------------------------------------------


def _func_name(func: Callable[..., Any]) -> str:
    """``module:qualname`` of ``func``, checked to be importable by that name.

    Workers (other processes, other machines) find the function by this name, and the
    name is part of each task's id.
    """
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        raise ValueError(
            f"func must be a top-level function importable by name, got {func!r} "
            "(lambdas and nested functions cannot be sent to worker processes)"
        )
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        found = None
    if found is not func:
        raise ValueError(f"func {module}:{qualname} is not importable under that name")
    return f"{module}:{qualname}"


def _canonical(params: Mapping[str, Any]) -> str:
    if not isinstance(params, Mapping):
        raise ValueError(
            f"tasks: each task must be a mapping of parameters, got {type(params).__name__}"
        )
    plain = _jsonable(params, "task parameters")
    return json.dumps(plain, sort_keys=True, separators=(",", ":"))


def _id_of(func_name: str, canonical_params: str) -> str:
    text = f'{{"func":{json.dumps(func_name)},"params":{canonical_params}}}'
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def task_id(func: TaskFunc, params: Mapping[str, Any]) -> str:
    """The id of the task ``func(**params)``: its file is ``tasks/<id>.npz``.

    Parameters
    ----------
    func : callable
        An importable top-level function.
    params : mapping
        JSON-serialisable keyword arguments (NumPy scalars and arrays are converted).

    Returns
    -------
    str
        32 hexadecimal digits, independent of the order of ``params``.
    """
    return _id_of(_func_name(func), _canonical(params))


# -- task files ---------------------------------------------------------------------


def _as_arrays(result: Any, where: str) -> dict[str, np.ndarray]:
    """A task's result as a dict of numeric arrays (0-d for scalars).

    The same form whether a result was computed now or loaded from its file, so a
    resumed run returns exactly what an uninterrupted one does.
    """
    if not isinstance(result, Mapping):
        raise TypeError(f"{where} returned {type(result).__name__}, not a mapping of arrays")
    # The checks of save_result, so that a run behaves the same with or without a
    # results folder.
    try:
        return checked_arrays(result)
    except ValueError as exc:
        raise ValueError(f"{where} returned an unusable result: {exc}") from None


def _mismatch(res: Any, tid: str, func_name: str, params: str) -> str | None:
    """Why the loaded task file ``res`` cannot stand for task ``tid``; None if it can."""
    meta = res.metadata
    if not (
        res.kind == _TASK_KIND
        and meta.get("task_id") == tid
        and meta.get("func") == func_name
        and _canonical(meta.get("params", {})) == params
    ):
        return "describes another task"
    if meta.get("version") != __version__:
        return f"was written by spinglass_gan {meta.get('version')}, not {__version__}"
    return None


def _load_task(path: Path, tid: str, func_name: str, params: str) -> dict[str, np.ndarray] | None:
    """The stored result of a finished task, or None if it must be computed."""
    if not path.exists():
        return None
    try:
        res = load_result(path)
        why = _mismatch(res, tid, func_name, params)
    except Exception as exc:  # any failure to read means: do not trust, recompute
        logger.warning("unreadable task file %s (%s); computing it again", path, exc)
        return None
    if why is not None:
        # Another version's file is expected after an upgrade; anything else is not.
        log = logger.info if why.startswith("was written") else logger.warning
        log("task file %s %s; computing it again", path, why)
        return None
    return dict(res.arrays)


def finished_tasks(
    results_dir: str | os.PathLike[str], func: TaskFunc
) -> list[tuple[dict[str, Any], dict[str, np.ndarray]]]:
    """Parameters and results of the finished tasks of ``func`` in ``results_dir``.

    Exactly the task files a rerun would reuse (readable, of this package version,
    consistent with their id), in file-name order; files of other functions are
    skipped.  For reading the results of runs whose task list is not at hand.
    """
    func_name = _func_name(func)
    found = []
    for path in sorted((Path(results_dir) / TASKS_DIR).glob("*.npz")):
        try:
            res = load_result(path)
            params = res.metadata.get("params", {})
            if res.metadata.get("func") != func_name:
                continue
            canon = _canonical(params)
            if _mismatch(res, path.stem, func_name, canon) is None and path.stem == _id_of(
                func_name, canon
            ):
                found.append((json.loads(canon), dict(res.arrays)))
        except Exception as exc:  # as in a run: an unreadable file is not trusted
            logger.warning("unreadable task file %s (%s); skipped", path, exc)
    return found


def _save_task(path: Path, tid: str, func_name: str, params: str, arrays: dict) -> None:
    meta = {"task_id": tid, "func": func_name, "params": json.loads(params)}
    save_result(path, _TASK_KIND, arrays, meta)


def _remove_temporary(results_dir: Path) -> None:
    """Delete temporary files of writes that a killed run left unfinished."""
    for folder in (results_dir, results_dir / TASKS_DIR):
        for tmp in folder.glob(_TEMP_GLOB):
            with contextlib.suppress(OSError):
                tmp.unlink()


@contextlib.contextmanager
def _locked(results_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``results_dir`` for the duration of a run.

    Two runs in one folder would delete each other's temporary files.  flock is
    released by the kernel when its holder dies, so a killed run leaves no stale lock.
    Where flock is unavailable (Windows, some network file systems) nothing is locked.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(results_dir / _LOCK_FILE, "a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OSError(errno.EBUSY, "in use by another run", str(results_dir)) from None
        except OSError as exc:
            logger.warning("cannot lock %s (%s); running unlocked", results_dir, exc)
        yield


# -- execution ----------------------------------------------------------------------


def _call(func: TaskFunc, params: str) -> tuple[str, Mapping[str, ArrayLike]]:
    """Run one task (in a worker); return the worker's package version with the result."""
    return __version__, func(**json.loads(params))


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(1)


def _init_worker(parent_pid: int) -> None:
    # A worker whose parent was killed (SIGKILL cannot be caught, so the pool cannot
    # shut down) would otherwise finish its task and wait for more forever.
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _annotate(exc: BaseException, tid: str, params: str) -> None:
    if hasattr(exc, "add_note"):  # Python >= 3.11
        exc.add_note(f"in task {tid} with parameters {params}")


def _check_version(version: str) -> None:
    if version != __version__:
        raise RuntimeError(
            f"a worker runs spinglass_gan {version}, this process {__version__}: "
            "install the same version on every worker"
        )


Todo = list[tuple[str, str]]  # (task id, canonical JSON parameters)
Done = Callable[[str, Mapping[str, ArrayLike]], None]


def _run_local(func: TaskFunc, todo: Todo, processes: int, done: Done) -> None:
    """Run ``todo`` here or in a process pool, calling ``done(id, result)`` for each."""
    processes = min(processes, len(todo))
    if processes == 1:  # no pool to start for one worker: this process is one
        for tid, params in todo:
            try:
                _, result = _call(func, params)
            except Exception as exc:
                _annotate(exc, tid, params)
                raise
            done(tid, result)
        return
    # spawn, not fork: forking a process that runs threads (tqdm's monitor, a dask
    # client, numba's thread pools) can deadlock the child; spawn behaves the same on
    # every platform.  Workers import the package and load numba's on-disk cache.
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(
        max_workers=processes,
        mp_context=context,
        initializer=_init_worker,
        initargs=(os.getpid(),),
    ) as pool:
        futures = {pool.submit(_call, func, params): (tid, params) for tid, params in todo}
        error: BaseException | None = None
        try:
            for fut in cf.as_completed(futures):
                if fut.cancelled():
                    continue
                tid, params = futures[fut]
                exc = fut.exception()
                if exc is not None:
                    # Stop starting tasks, but keep what the running ones finish:
                    # leaving the pool waits for them anyway.
                    if error is None:
                        _annotate(exc, tid, params)
                        error = exc
                        for other in futures:
                            other.cancel()
                    continue
                version, result = fut.result()
                _check_version(version)
                done(tid, result)
        finally:
            for fut in futures:
                fut.cancel()
        if error is not None:
            raise error


def _run_dask(func: TaskFunc, todo: Todo, client: Any, done: Done) -> None:
    """Run ``todo`` on the cluster of ``client``, calling ``done(id, result)`` for each."""
    from distributed import as_completed

    short = getattr(func, "__name__", "task").lstrip("_") or "task"
    # A fresh token per run: a key left on the cluster by an earlier, interrupted run
    # (possibly erred or cancelled) is then never picked up again.
    token = uuid.uuid4().hex[:8]
    futures = {}
    for tid, params in todo:
        fut = client.submit(_call, func, params, key=f"{short}-{tid[:12]}-{token}")
        futures[fut] = (tid, params)
    try:
        for fut in as_completed(list(futures)):
            tid, params = futures.pop(fut)
            try:
                version, result = fut.result()
            except Exception as exc:
                _annotate(exc, tid, params)
                raise
            _check_version(version)
            done(tid, result)
            fut.release()
    finally:
        if futures:
            client.cancel(list(futures))


def run_tasks(
    func: TaskFunc,
    tasks: Sequence[Mapping[str, Any]],
    results_dir: str | os.PathLike[str] | None = None,
    *,
    client: Any = None,
    scheduler: str | None = None,
    processes: int | None = None,
    progress: bool = False,
    desc: str | None = None,
) -> list[dict[str, np.ndarray]]:
    """Run ``func(**params)`` for every ``params`` in ``tasks``; results in that order.

    Parameters
    ----------
    func : callable
        A top-level function importable by its module and name (workers import it),
        taking the parameters as keywords and returning a mapping of names (Python
        identifiers) to numeric arrays or scalars.
    tasks : sequence of mapping
        The keyword arguments of each task: JSON-serialisable (NumPy scalars and
        arrays are converted to lists and floats, tuples to lists).  Equal tasks are
        computed once.
    results_dir : path, optional
        Folder of the task files (``tasks/<id>.npz``, see the module notes).  Finished
        tasks found there are loaded instead of computed.  None: nothing is written.
    client : distributed.Client, optional
        Run on this dask cluster.  The client is left open.
    scheduler : str, optional
        Address of a dask scheduler (e.g. ``"tcp://10.0.0.1:8786"``): a client is
        opened for the run and closed after it.
    processes : int, optional
        Local worker processes (not with ``client`` or ``scheduler``); 1 runs the tasks
        in this process.  Default: the number of CPUs available.
    progress : bool
        Show a progress bar over the tasks.
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    list of dict of str to ndarray
        One per task: its arrays (0-d for scalars), identical whether computed in this
        run or loaded from ``results_dir``.

    Raises
    ------
    ValueError
        If ``func`` is not importable by name, a task is not a JSON-serialisable
        mapping, or the options conflict.
    OSError
        If ``results_dir`` is in use by another run (errno EBUSY) or cannot be written.
    RuntimeError
        If a worker runs another version of the package.

    Notes
    -----
    The first exception raised by a task is raised here, with a note naming the task;
    the tasks finished before it are kept in ``results_dir``.  Local worker processes
    are started with ``spawn`` and import the main script again: a script that runs
    tasks in processes needs the ``if __name__ == "__main__":`` guard.

    Examples
    --------
    >>> from spinglass_gan.complexity.sweeps import _lowest_losses_task
    >>> tasks = [{"p": 3, "q": 3, "sigma_z": s, "kappa": 0.9} for s in (0.5, 1.0)]
    >>> out = run_tasks(_lowest_losses_task, tasks, processes=1)
    >>> [float(r["u_D_min"]) < float(r["sum_min"]) for r in out]
    [True, True]
    """
    if client is not None and scheduler is not None:
        raise ValueError("give client or scheduler, not both")
    if processes is not None:
        if client is not None or scheduler is not None:
            raise ValueError("processes applies to local runs, not with client or scheduler")
        processes = val.integer("processes", processes, 1)
    func_name = _func_name(func)
    canon = [_canonical(params) for params in tasks]
    ids = [_id_of(func_name, params) for params in canon]
    unique = dict(zip(ids, canon))
    results: dict[str, dict[str, np.ndarray]] = {}
    folder = None if results_dir is None else Path(results_dir)

    with contextlib.ExitStack() as stack:
        if folder is not None:
            (folder / TASKS_DIR).mkdir(parents=True, exist_ok=True)
            stack.enter_context(_locked(folder))
            _remove_temporary(folder)
            for tid, params in unique.items():
                found = _load_task(folder / TASKS_DIR / f"{tid}.npz", tid, func_name, params)
                if found is not None:
                    results[tid] = found
            logger.info("%s: %d of %d tasks already finished", folder, len(results), len(unique))
        todo = [(tid, params) for tid, params in unique.items() if tid not in results]
        bar = stack.enter_context(
            progress_bar(
                total=len(unique),
                initial=len(results),
                disable=not progress,
                desc=desc or func_name.rpartition(":")[2].lstrip("_"),
                unit="task",
            )
        )

        def done(tid: str, raw: Mapping[str, ArrayLike]) -> None:
            arrays = _as_arrays(raw, f"task {tid}")
            if folder is not None:
                _save_task(folder / TASKS_DIR / f"{tid}.npz", tid, func_name, unique[tid], arrays)
            results[tid] = arrays
            bar.update()

        if todo:
            if scheduler is not None:
                from distributed import Client

                client = stack.enter_context(Client(scheduler))
            if client is not None:
                _run_dask(func, todo, client, done)
            else:
                _run_local(func, todo, processes or _available_cpus(), done)
    return [results[tid] for tid in ids]
