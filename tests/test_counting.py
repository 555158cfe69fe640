"""Counts of critical points over instances: records, resume, stored data.

The stored counts (data/counts, scripts/count_critical_points.py) are regression
values: instances are seeded, so recomputing an instance gives its stored count.
"""

import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan.io.runner import TASKS_DIR

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "data" / "counts"
SETTINGS = sorted(STORED.glob("p*_q*_sz*_nd*_ng*.npz"))


def test_records_recompute_every_count():
    c = sg.count_critical_points(2, 2, 0.5, 3, 2, instances=5, rng=3)
    assert c.instances == 5
    assert np.array_equal(np.unique(c.points["instance"]), np.arange(5))
    assert c.counts().sum() == c.points["u_D"].size
    assert np.array_equal(c.counts(), c.per_instance["n_points"])
    # Thresholds and indices partition the points.
    by = c.by_index()
    assert math.isclose(sum(m for m, _ in by.values()), c.mean()[0])
    below = c.counts(0.0, 0.0)
    assert np.all(below <= c.counts())
    assert np.all(c.counts(0.0, math.inf) >= below) and np.all(c.counts(math.inf, 0.0) >= below)
    n_d = 3
    assert np.all(c.points["k_D"] + c.points["k_D_descent"] == n_d - 1)
    assert c.poincare_hopf_ok.all() and c.per_instance["n_points"].max() <= c.bezout


def test_chunking_does_not_change_the_instances():
    a = sg.count_critical_points(2, 1, 1.0, 2, 3, instances=6, rng=8, chunk=6)
    b = sg.count_critical_points(2, 1, 1.0, 2, 3, instances=6, rng=8, chunk=4)
    for key in a.points:
        np.testing.assert_array_equal(a.points[key], b.points[key])


def test_save_and_load_round_trip(tmp_path):
    c = sg.count_critical_points(2, 1, 0.5, 2, 2, instances=4, rng=2)
    back = sg.CriticalPointCounts.load(c.save(tmp_path / "c.npz"))
    assert back.mean() == c.mean() and back.by_index() == c.by_index()
    assert (back.p, back.q, back.sigma_z, back.n_D, back.n_G, back.entropy) == (
        2,
        1,
        0.5,
        2,
        2,
        2,
    )


_KILLED_RUN = textwrap.dedent(
    """
    import sys
    import spinglass_gan as sg
    sg.count_critical_points(2, 1, 1.0, 3, 2, instances=16, rng=21, chunk=2,
                             results_dir=sys.argv[1], processes=1)
    """
)


@pytest.mark.heavy
def test_killed_count_resumes_without_loss_or_double_counting(tmp_path):
    folder = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(folder)], env=env)
    try:
        deadline = time.monotonic() + 120
        while len(list((folder / TASKS_DIR).glob("*.npz"))) < 2:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    done = len(list((folder / TASKS_DIR).glob("*.npz")))
    assert 2 <= done < 8, "killed after every task had finished"
    resumed = sg.count_critical_points(
        2, 1, 1.0, 3, 2, instances=16, rng=21, chunk=2, results_dir=folder, processes=1
    )
    whole = sg.count_critical_points(2, 1, 1.0, 3, 2, instances=16, rng=21, chunk=2)
    assert len(list((folder / TASKS_DIR).glob("*.npz"))) == 8
    for key in whole.points:
        np.testing.assert_array_equal(resumed.points[key], whole.points[key])
    for key in whole.per_instance:
        np.testing.assert_array_equal(resumed.per_instance[key], whole.per_instance[key])
    assert np.array_equal(np.unique(resumed.points["instance"]), np.arange(16))
    again = sg.CriticalPointCounts.load(folder / "result.npz")
    assert again.mean() == whole.mean()


def test_bad_search_options():
    with pytest.raises(ValueError, match="d_index"):
        sg.count_critical_points(2, 1, 1.0, 2, 2, 1, d_index="ascent")
    with pytest.raises(ValueError, match="unknown"):
        sg.count_critical_points(2, 1, 1.0, 2, 2, 1, starts=3)
    with pytest.raises(ValueError, match="rng"):
        sg.count_critical_points(2, 1, 1.0, 2, 2, 1, rng=-1)


# -- the stored counts ------------------------------------------------------------------


def _load(path):
    return sg.CriticalPointCounts.load(path)


@pytest.mark.skipif(not SETTINGS, reason="no stored counts")
def test_stored_counts_are_complete_and_bounded():
    assert len(SETTINGS) == 24
    for path in SETTINGS:
        c = _load(path)
        assert c.instances >= 300, path.name
        assert c.poincare_hopf_ok.all(), path.name
        assert c.per_instance["n_points"].max() <= c.bezout, path.name
        mean, err = c.mean()
        assert 0 < err < 0.05 * mean, path.name


def _recount(path, first):
    c = _load(path)
    again = sg.count_critical_points(c.p, c.q, c.sigma_z, c.n_D, c.n_G, first, rng=c.entropy)
    return c, again


# One cheap setting per (p, q) and size: each recomputed instance has its stored count.
FAST = ["p2_q1_sz1_nd2_ng2", "p2_q2_sz0.5_nd3_ng2", "p3_q2_sz1_nd2_ng3"]


@pytest.mark.parametrize("name", FAST)
def test_stored_counts_reproduce(name):
    path = STORED / f"{name}.npz"
    if not path.exists():
        pytest.skip("no stored counts")
    c, again = _recount(path, 2)
    np.testing.assert_array_equal(again.per_instance["n_points"], c.per_instance["n_points"][:2])
    mine = again.points
    theirs = {k: v[c.points["instance"] < 2] for k, v in c.points.items()}
    for key in ("k_D", "k_G", "sign"):
        np.testing.assert_array_equal(mine[key], theirs[key])


@pytest.mark.slow
@pytest.mark.parametrize("path", SETTINGS, ids=lambda p: p.stem)
def test_stored_means_do_not_move(path):
    """The first 100 instances again: their mean within the errors of the stored mean."""
    c, again = _recount(path, 100)
    stored = c.counts()[:100]
    np.testing.assert_array_equal(again.counts(), stored)
    mean, err = c.mean()
    assert abs(again.mean()[0] - stored.mean()) <= 1e-12
    assert abs(stored.mean() - mean) < 5 * err * math.sqrt(c.instances / 100)
