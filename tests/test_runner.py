"""The sweep runner: local processes and dask give the serial numbers exactly; a run
killed with SIGKILL resumes, computing only what was unfinished; damaged task files
are recomputed, never trusted.

Worker processes import the task functions of ``_runner_tasks`` (this folder is on
``sys.path`` under pytest, and spawned workers inherit it).
"""

import dataclasses
import errno
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import _runner_tasks as rt
import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan.io import results, runner
from spinglass_gan.io.runner import run_tasks, task_id

# Subprocess and round-trip tests: the default run, not the fast subset.
pytestmark = pytest.mark.heavy

TESTS = Path(__file__).resolve().parent
SIGMA_Z = np.array([0.01, 0.1, 1.0, 10.0])
U_D = np.linspace(-10, 10, 9)
U_G = np.linspace(-10, 10, 7)
BAND = {"k_D_max": 3, "k_G_max": 3}


def assert_same_sweep(a, b):
    assert a.parameter == b.parameter
    np.testing.assert_array_equal(a.values, b.values)
    assert a.results.keys() == b.results.keys()
    for name in a.results:
        # Exactly equal, NaN where NaN.
        assert np.array_equal(a[name], b[name], equal_nan=True), name


def task_files(folder):
    return sorted((Path(folder) / runner.TASKS_DIR).glob("*.npz"))


def mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in task_files(folder)}


@pytest.fixture(scope="module")
def serial_sweep():
    return sg.sweep(3, 3, sigma_z=SIGMA_Z, kappa=0.9, formula="published")


@pytest.fixture(scope="module")
def model():
    return sg.GanSpinGlass(3, 3, 1.0, 0.9, formula="published")


@pytest.fixture(scope="module")
def serial_band(model):
    return sg.banded_structure(model, U_D, U_G, **BAND)


@pytest.fixture
def log(tmp_path, monkeypatch):
    path = tmp_path / "computed.log"
    monkeypatch.setenv(rt.LOG_VARIABLE, str(path))
    return path


# -- equality with the serial path ----------------------------------------------------


def test_sweep_in_processes_equals_serial(tmp_path, serial_sweep):
    res = sg.sweep(
        3, 3, sigma_z=SIGMA_Z, kappa=0.9, formula="published", processes=2, results_dir=tmp_path
    )
    assert_same_sweep(res, serial_sweep)
    assert len(task_files(tmp_path)) == SIGMA_Z.size
    # The assembled file is the returned sweep; its metadata lists the tasks in order.
    stored = sg.Sweep.load(tmp_path / runner.RESULT_FILE)
    assert_same_sweep(stored, serial_sweep)
    tasks = [
        {"p": 3, "q": 3, "sigma_z": float(s), "kappa": 0.9, "formula": "published"} for s in SIGMA_Z
    ]
    expected = [task_id(sg.complexity.sweeps._lowest_losses_task, t) for t in tasks]
    assert stored.metadata["tasks"] == res.metadata["tasks"] == expected
    assert {p.stem for p in task_files(tmp_path)} == set(expected)


@pytest.mark.heavy
def test_banded_through_the_runner_equals_serial(tmp_path, model, serial_band):
    assert serial_band.staircase.max() > 0 and serial_band.infeasible.any()  # not trivial
    # One task per k_G; the staircase is the running minimum of their chains.
    band = sg.banded_structure(model, U_D, U_G, **BAND, processes=2, results_dir=tmp_path)
    np.testing.assert_array_equal(band.staircase, serial_band.staircase)
    assert len(task_files(tmp_path)) == BAND["k_G_max"] + 1
    stored = sg.BandedStructure.load(tmp_path / runner.RESULT_FILE)
    np.testing.assert_array_equal(stored.staircase, serial_band.staircase)
    assert len(stored.metadata["tasks"]) == BAND["k_G_max"] + 1
    # Blocks of rows as well, in this process.
    rows = sg.banded_structure(model, U_D, U_G, **BAND, processes=1, rows_per_task=3)
    np.testing.assert_array_equal(rows.staircase, serial_band.staircase)
    assert rows.metadata["rows_per_task"] == 3


def test_replaced_constants_travel_with_the_tasks(model, serial_band):
    constants = dataclasses.replace(model.constants, log_constant=model.log_constant - 5.0)
    other = sg.GanSpinGlass(3, 3, 1.0, 0.9, constants=constants, formula="published")
    serial = sg.banded_structure(other, U_D, U_G, **BAND)
    tasks = sg.banded_structure(other, U_D, U_G, **BAND, processes=1)
    np.testing.assert_array_equal(tasks.staircase, serial.staircase)
    assert not np.array_equal(serial.staircase, serial_band.staircase)


@pytest.mark.heavy
def test_dask_cluster_equals_local(tmp_path, model, serial_sweep, serial_band):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        res = sg.sweep(
            3,
            3,
            sigma_z=SIGMA_Z,
            kappa=0.9,
            formula="published",
            client=client,
            results_dir=tmp_path,
        )
        assert_same_sweep(res, serial_sweep)
        band = sg.banded_structure(model, U_D, U_G, **BAND, client=client)
        np.testing.assert_array_equal(band.staircase, serial_band.staircase)
        # By address: the runner opens and closes its own client.
        again = sg.sweep(
            3,
            3,
            sigma_z=SIGMA_Z,
            kappa=0.9,
            formula="published",
            scheduler=cluster.scheduler_address,
        )
        assert_same_sweep(again, serial_sweep)
        with pytest.raises(ValueError, match="not both"):
            run_tasks(rt.slow_square, [], client=client, scheduler=cluster.scheduler_address)
        with pytest.raises(ValueError, match="local runs"):
            run_tasks(rt.slow_square, [], client=client, processes=2)


# -- resuming -------------------------------------------------------------------------

_KILLED_RUN = """
import sys
sys.path.insert(0, {tests!r})
import _runner_tasks as rt
from spinglass_gan.io.runner import run_tasks
run_tasks(rt.slow_square, [{{"i": i, "delay": {delay!r}}} for i in range({n})], {folder!r},
          processes=2)
"""


def _wait_until_gone(pgid, timeout):
    """Whether every process of the group ``pgid`` has exited within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


@pytest.mark.heavy
def test_sigkill_midway_then_resume(tmp_path, log):
    n, delay = 10, 0.3
    folder = tmp_path / "run"
    script = _KILLED_RUN.format(tests=str(TESTS), delay=delay, n=n, folder=str(folder))
    # A session of its own: the parent and its workers form one process group.
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(task_files(folder)) < 3:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no task finished within 60 s"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, as `kill -9 PID` would
        proc.wait(timeout=30)
        # Workers notice that their parent is gone and exit by themselves.
        assert _wait_until_gone(proc.pid, timeout=15), "worker processes outlived the run"
    finally:
        if not _wait_until_gone(proc.pid, 0):  # the group of the process started here
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    finished = {}
    for path in task_files(folder):  # under a final name, a file is complete
        stored = sg.load_result(path)
        assert stored.kind == "task"
        finished[path.stem] = stored.metadata["params"]["i"]
    assert 3 <= len(finished) < n
    # A write killed half-way leaves only a hidden temporary file; plant one.
    leftover = folder / runner.TASKS_DIR / ".0123.npz.abcdef.tmp"
    leftover.write_bytes(b"partial")
    before = mtimes(folder)
    first_run = set(rt.logged(log))
    log.unlink()

    tasks = [{"i": i, "delay": delay} for i in range(n)]
    out = run_tasks(rt.slow_square, tasks, folder, processes=2)
    # Only the unfinished tasks were computed again, and the finished files untouched.
    assert set(rt.logged(log)) == set(range(n)) - set(finished.values())
    assert all(mtimes(folder)[name] == t for name, t in before.items())
    assert first_run >= set(finished.values())
    assert not leftover.exists()
    assert not [p for p in folder.rglob("*") if p.suffix == ".tmp"]
    # Identical to an uninterrupted run.
    for i, got in enumerate(out):
        want = {name: np.asarray(v) for name, v in rt.slow_square(i).items()}
        assert got.keys() == want.keys()
        for name in want:
            np.testing.assert_array_equal(got[name], want[name])
            assert got[name].dtype == want[name].dtype


def test_damaged_task_files_are_recomputed(tmp_path, log, monkeypatch, caplog):
    tasks = [{"i": i} for i in range(6)]
    first = run_tasks(rt.slow_square, tasks, tmp_path, processes=1)
    path = {
        t["i"]: tmp_path / runner.TASKS_DIR / f"{task_id(rt.slow_square, t)}.npz" for t in tasks
    }
    data = path[0].read_bytes()
    path[0].write_bytes(data[: len(data) // 2])  # truncated
    path[1].write_bytes(b"")  # empty
    path[2].write_bytes(path[3].read_bytes())  # a valid file of another task
    # The same task written by another version of the package.
    monkeypatch.setattr(results, "__version__", "0.0.1")
    tid = task_id(rt.slow_square, tasks[4])
    runner._save_task(
        path[4], tid, "_runner_tasks:slow_square", runner._canonical(tasks[4]), first[4]
    )
    monkeypatch.setattr(results, "__version__", sg.__version__)
    log.unlink()
    kept = path[5].stat().st_mtime_ns
    with caplog.at_level(logging.INFO, logger="spinglass_gan.io.runner"):
        again = run_tasks(rt.slow_square, tasks, tmp_path, processes=1)
    assert sorted(rt.logged(log)) == [0, 1, 2, 4]
    assert path[5].stat().st_mtime_ns == kept
    assert "unreadable task file" in caplog.text and "another task" in caplog.text
    assert "0.0.1" in caplog.text
    for a, b in zip(first, again, strict=True):
        assert a.keys() == b.keys()
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])
            assert a[name].dtype == b[name].dtype
    # All six files are valid again; a third run computes nothing.
    log.unlink()
    run_tasks(rt.slow_square, tasks, tmp_path, processes=1)
    assert rt.logged(log) == []


def test_finished_tasks_are_those_a_rerun_reuses(tmp_path, monkeypatch):
    tasks = [{"i": i} for i in range(5)]
    first = run_tasks(rt.slow_square, tasks, tmp_path, processes=1)
    run_tasks(rt.returns, [{"name": "x", "value": 1.0}], tmp_path, processes=1)
    found = runner.finished_tasks(tmp_path, rt.slow_square)
    assert sorted(p["i"] for p, _ in found) == list(range(5))
    for params, arrays in found:
        for name, value in first[params["i"]].items():
            np.testing.assert_array_equal(arrays[name], value)
    path = {
        t["i"]: tmp_path / runner.TASKS_DIR / f"{task_id(rt.slow_square, t)}.npz" for t in tasks
    }
    path[0].write_bytes(b"")  # unreadable
    path[1].write_bytes(path[2].read_bytes())  # a valid file under another task's id
    monkeypatch.setattr(results, "__version__", "0.0.1")  # another version's file
    runner._save_task(
        path[3],
        task_id(rt.slow_square, tasks[3]),
        "_runner_tasks:slow_square",
        runner._canonical(tasks[3]),
        first[3],
    )
    monkeypatch.setattr(results, "__version__", sg.__version__)
    found = runner.finished_tasks(tmp_path, rt.slow_square)
    assert sorted(p["i"] for p, _ in found) == [2, 4]
    assert runner.finished_tasks(tmp_path / "missing", rt.slow_square) == []


def test_sweep_resumes_after_lost_and_corrupt_files(tmp_path, serial_sweep):
    sg.sweep(
        3, 3, sigma_z=SIGMA_Z, kappa=0.9, formula="published", processes=1, results_dir=tmp_path
    )
    files = task_files(tmp_path)
    files[0].unlink()
    files[1].write_bytes(b"PK\x03\x04 not a zip archive")
    (tmp_path / runner.RESULT_FILE).unlink()
    before = {p.name: p.stat().st_mtime_ns for p in files[2:]}
    res = sg.sweep(
        3, 3, sigma_z=SIGMA_Z, kappa=0.9, formula="published", processes=1, results_dir=tmp_path
    )
    assert_same_sweep(res, serial_sweep)
    assert_same_sweep(sg.Sweep.load(tmp_path / runner.RESULT_FILE), serial_sweep)
    assert {n: t for n, t in mtimes(tmp_path).items() if n in before} == before


# -- behaviour of run_tasks -----------------------------------------------------------


def test_order_duplicates_and_no_folder(log):
    tasks = [{"i": 3}, {"i": 1}, {"i": 3}, {"i": 2}]
    out = run_tasks(rt.slow_square, tasks, processes=1)
    assert [float(r["square"]) for r in out] == [9.0, 1.0, 9.0, 4.0]
    assert sorted(rt.logged(log)) == [1, 2, 3]  # the repeated task ran once
    assert run_tasks(rt.slow_square, []) == []


def test_task_ids():
    a = task_id(rt.slow_square, {"i": 1, "delay": 0.5})
    assert a == task_id(rt.slow_square, {"delay": np.float64(0.5), "i": np.int64(1)})
    assert a != task_id(rt.slow_square, {"i": 1, "delay": 0.25})
    assert a != task_id(rt.fail_at, {"i": 1, "delay": 0.5})
    assert len(a) == 32 and int(a, 16) >= 0


def test_a_failing_task_raises_and_keeps_the_finished(tmp_path, log):
    tasks = [{"i": i, "bad": 2} for i in range(4)]
    with pytest.raises(ValueError, match="on purpose") as exc:
        run_tasks(rt.fail_at, tasks, tmp_path, processes=1)
    assert any("in task" in note for note in getattr(exc.value, "__notes__", ["in task"]))
    stored = [sg.load_result(p).metadata["params"]["i"] for p in task_files(tmp_path)]
    assert sorted(stored) == [0, 1]
    # The same from worker processes: the exception type survives.
    with pytest.raises(ValueError, match="on purpose"):
        run_tasks(rt.fail_at, tasks, tmp_path, processes=2)


def test_bad_arguments(tmp_path):
    def nested(i):
        return {"i": i}

    for func in (nested, lambda i: {"i": i}):
        with pytest.raises(ValueError, match="importable"):
            run_tasks(func, [{"i": 1}])
    with pytest.raises(ValueError, match="JSON"):
        run_tasks(rt.slow_square, [{"i": object()}])
    with pytest.raises(ValueError, match="tasks: each task must be a mapping"):
        run_tasks(rt.slow_square, [1])
    for processes in (0, 1.5, True):
        with pytest.raises(ValueError, match="processes"):
            run_tasks(rt.slow_square, [{"i": 1}], processes=processes)


@pytest.mark.parametrize(
    "name, value", [("file", 1.0), ("not an identifier", 1.0), ("text", "abc")]
)
def test_unstorable_results_fail_with_or_without_a_folder(tmp_path, name, value):
    # A result that save_result refuses (reserved or invalid name, non-numeric array)
    # is refused the same way when nothing is saved, so that adding a results folder
    # never turns a working run into a failing one.
    task = [{"name": name, "value": value}]
    for folder in (None, tmp_path):
        with pytest.raises(ValueError, match="unusable result"):
            run_tasks(rt.returns, task, folder, processes=1)


def test_one_run_per_folder(tmp_path):
    with runner._locked(tmp_path), pytest.raises(OSError) as exc:
        run_tasks(rt.slow_square, [{"i": 1}], tmp_path, processes=1)
    assert exc.value.errno == errno.EBUSY
    # The lock is released with its run.
    assert float(run_tasks(rt.slow_square, [{"i": 2}], tmp_path, processes=1)[0]["square"]) == 4


def test_task_file_layout(tmp_path):
    run_tasks(rt.slow_square, [{"i": 5}], tmp_path, processes=1)
    (path,) = task_files(tmp_path)
    stored = sg.load_result(path)
    meta = stored.metadata
    assert path.stem == meta["task_id"] == task_id(rt.slow_square, {"i": 5})
    assert meta["func"] == "_runner_tasks:slow_square" and meta["params"] == {"i": 5}
    assert meta["version"] == sg.__version__ and stored.kind == "task"
    # Readable without this package: an ordinary .npz with JSON metadata.
    with np.load(path) as raw:
        assert json.loads(str(raw["__metadata__"]))["params"] == {"i": 5}
        assert float(raw["square"]) == 25.0


@pytest.mark.heavy
def test_the_example_in_the_docs_runs(tmp_path):
    """docs/scaling.md's local example, as a script (spawned workers import __main__)."""
    script = tmp_path / "sweep_script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import numpy as np
            import spinglass_gan as sg

            if __name__ == "__main__":
                runs = sg.sweep(3, 3, sigma_z=np.array([0.1, 1.0]), kappa=0.9, formula="published",
                                results_dir={str(tmp_path / "runs")!r}, processes=2)
                print(runs["u_D_min"].tolist())
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    expected = sg.sweep(3, 3, sigma_z=np.array([0.1, 1.0]), kappa=0.9, formula="published")
    expected = expected["u_D_min"].tolist()
    assert json.loads(proc.stdout) == expected
