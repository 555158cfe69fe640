"""Overhead of the sweep runner against calling the functions in a loop.

Run from the repository root (not part of the unit tests)::

    python benchmarks/bench_runner.py                  # full sizes (about 3 minutes on 2 cores)
    python benchmarks/bench_runner.py --quick          # reduced sizes, a smoke run
    python benchmarks/bench_runner.py --json out.json  # also write every number as JSON

What is measured (``spinglass_gan.io.runner.run_tasks``, through ``sg.sweep`` where it
applies):

1. A sweep of ``lowest_losses`` over 40 sigma_z (log-spaced 1e-3 .. 1e2, kappa = 0.9,
   p = q = 3; about 0.2 s a value), against the plain loop
   ``[lowest_losses(GanSpinGlass(3, 3, s, 0.9)) for s in values]``: in this process
   (``processes=1``) without and with a results folder; resumed from a complete folder
   (every task loaded); in 2 local processes; on a dask ``LocalCluster`` of 2
   single-threaded worker processes (started and warmed up before timing).  Local
   pools are started inside the timed call, as ``sweep`` does.  Per-task overhead is
   ``(workers x wall - loop) / tasks``: worker-seconds not spent in the tasks (start-up,
   transfers, writes, idle workers at the end), per task.
2. ``banded_structure`` on an 81 x 81 grid with k_D, k_G <= 10 (11 tasks, one per
   k_G): the serial loop, the runner in this process and in 2 processes.
3. Cheap tasks (a function returning one float, 200 of them) to isolate the cost per
   task of each way of running: in this process, with a results folder, in 2 processes
   (pool start included), on the warm dask cluster.

Every run's numbers are checked equal (bit for bit) to the loop's.  Timing:
``time.perf_counter``, garbage collector off; one call per measurement, best of
``repeats`` (3; the loop and the in-process runs alternate repeat by repeat).  On a
shared machine the sweep's wall times vary by about 5 %, more than the in-process
runner's own cost: the cheap tasks measure that.  NUMBA_NUM_THREADS, OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are 1 (set before numpy is imported; worker
processes inherit them).
"""

import os

_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _var in _THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import spinglass_gan as sg  # noqa: E402
from spinglass_gan.complexity.sweeps import _FIELDS  # noqa: E402
from spinglass_gan.io.runner import run_tasks  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import environment, fmt_time, once, write_json  # noqa: E402

FULL = {"values": 40, "cheap": 200, "repeats": 3, "band_n": 81, "band_k": 10}
QUICK = {"values": 8, "cheap": 40, "repeats": 1, "band_n": 21, "band_k": 4}
WORKERS = 2


def cheap_task(i: int) -> dict[str, float]:
    """A task that costs nothing: what is left is the runner's own cost."""
    return {"value": float(i)}


def best_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t, out = once(fn)
        times.append(t)
    return min(times), out


def loop_sweep(values: np.ndarray) -> dict[str, np.ndarray]:
    rows = [
        sg.lowest_losses(sg.GanSpinGlass(3, 3, float(s), 0.9, formula="published")) for s in values
    ]
    return {f: np.array([getattr(r, f) for r in rows]) for f in _FIELDS}


def same(a: dict[str, np.ndarray], b: Any) -> bool:
    return all(np.array_equal(a[f], b[f], equal_nan=True) for f in _FIELDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (smoke run)")
    parser.add_argument("--json", metavar="PATH", help="write all results as JSON to PATH")
    parser.add_argument("--no-dask", action="store_true", help="skip the dask cluster")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    reps, n = size["repeats"], size["values"]
    values = np.geomspace(1e-3, 1e2, n)
    rows: list[dict[str, Any]] = []

    loop_sweep(values[:2])  # numba kernels loaded, untimed

    def sweep_with(**kw: Any) -> sg.Sweep:
        return sg.sweep(3, 3, sigma_z=values, kappa=0.9, formula="published", **kw)

    def fresh_folder(**kw: Any) -> sg.Sweep:
        with tempfile.TemporaryDirectory() as tmp:
            return sweep_with(results_dir=tmp, **kw)

    # The loop and the in-process runs alternate, repeat by repeat, so that drift of
    # the machine's speed affects them alike; the best of each is kept.
    serial = {
        "loop": lambda: loop_sweep(values),
        "runner, this process": lambda: sweep_with(processes=1),
        "runner, this process, results folder": lambda: fresh_folder(processes=1),
    }
    best: dict[str, float] = {}
    outputs: dict[str, Any] = {}
    for _ in range(reps):
        for what, fn in serial.items():
            t, outputs[what] = once(fn)
            best[what] = min(best.get(what, np.inf), t)
    t_loop, reference = best["loop"], outputs["loop"]

    def record(what: str, workers: int, wall: float, tasks: int, base: float, ok: bool) -> None:
        per_task = (workers * wall - base) / tasks
        rows.append(
            {
                "what": what,
                "workers": workers,
                "tasks": tasks,
                "wall_s": wall,
                "speedup": base / wall if base else None,
                "overhead_per_task_s": per_task,
                "equal": ok,
            }
        )
        speed = f"{base / wall:5.2f}x" if base else "     "
        print(
            f"{what:<44} {fmt_time(wall):>9}  {speed}  overhead/task {fmt_time(per_task):>9}"
            f"  {'equal' if ok else 'DIFFERENT'}"
        )

    print(f"sweep over {n} sigma_z; plain loop {fmt_time(t_loop)} ({fmt_time(t_loop / n)} a value)")
    for what in serial:
        record(what, 1, best[what], n, t_loop, same(reference, outputs[what]))
    with tempfile.TemporaryDirectory() as tmp:
        sweep_with(results_dir=tmp, processes=1)
        t, out = best_of(reps, lambda: sweep_with(results_dir=tmp, processes=1))
        record("resumed, every task loaded from the folder", 1, t, n, 0.0, same(reference, out))
    t, out = best_of(reps, lambda: sweep_with(processes=WORKERS))
    record(
        f"runner, {WORKERS} processes (pool start included)",
        WORKERS,
        t,
        n,
        t_loop,
        same(reference, out),
    )
    t, out = best_of(reps, lambda: fresh_folder(processes=WORKERS))
    record(
        f"runner, {WORKERS} processes, results folder", WORKERS, t, n, t_loop, same(reference, out)
    )

    # banded_structure: one task per k_G on the whole grid (the serial loop's maps).
    u = np.linspace(-10.0, 10.0, size["band_n"])
    k = size["band_k"]

    def band(**kw: Any) -> np.ndarray:
        model = sg.GanSpinGlass(
            3, 3, 1.0, 0.9, formula="published"
        )  # fresh: interior maxima included
        return sg.banded_structure(model, u, u, k, k, **kw).staircase

    band(processes=1)  # kernels for every index pair loaded, untimed
    t_band, stair = best_of(reps, band)
    print(f"\nbanded_structure {u.size} x {u.size}, k <= {k}; serial loop {fmt_time(t_band)}")
    record("serial loop (no runner)", 1, t_band, k + 1, t_band, True)
    t, out = best_of(reps, lambda: band(processes=1))
    record(f"runner, this process, {k + 1} tasks", 1, t, k + 1, t_band, np.array_equal(out, stair))
    t, out = best_of(reps, lambda: band(processes=WORKERS))
    record(f"runner, {WORKERS} processes", WORKERS, t, k + 1, t_band, np.array_equal(out, stair))

    cheap = [{"i": i} for i in range(size["cheap"])]
    m = len(cheap)
    print(f"\n{m} cheap tasks")
    t, _ = best_of(reps, lambda: run_tasks(cheap_task, cheap, processes=1))
    record("this process", 1, t, m, 0.0, True)

    def cheap_folder(**kw: Any) -> Any:
        with tempfile.TemporaryDirectory() as tmp:
            return run_tasks(cheap_task, cheap, tmp, **kw)

    t, _ = best_of(reps, lambda: cheap_folder(processes=1))
    record("this process, results folder", 1, t, m, 0.0, True)
    t, _ = best_of(reps, lambda: run_tasks(cheap_task, cheap, processes=WORKERS))
    record(f"{WORKERS} processes (pool start included)", WORKERS, t, m, 0.0, True)
    t, _ = best_of(reps, lambda: run_tasks(cheap_task, cheap[:WORKERS], processes=WORKERS))
    record(f"{WORKERS} processes, {WORKERS} tasks: the pool start", WORKERS, t, WORKERS, 0.0, True)

    if not args.no_dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            print("\ndask.distributed is not installed: no dask rows")
        else:
            with (
                LocalCluster(
                    n_workers=WORKERS,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                ) as cluster,
                Client(cluster) as client,
            ):
                sweep_with(client=client)  # workers import the package, numba loads
                print(f"\ndask LocalCluster, {WORKERS} worker processes x 1 thread (warm)")
                t, out = best_of(reps, lambda: sweep_with(client=client))
                record(f"sweep over {n} sigma_z", WORKERS, t, n, t_loop, same(reference, out))
                run_tasks(cheap_task, cheap, client=client)
                t, _ = best_of(reps, lambda: run_tasks(cheap_task, cheap, client=client))
                record(f"{m} cheap tasks", WORKERS, t, m, 0.0, True)

    if args.json:
        payload = {"environment": environment(args.quick, _THREAD_VARS), "rows": rows}
        write_json(args.json, payload)
    return 0 if all(r["equal"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
