"""Monte Carlo determinant estimators: log-sum-exp, overflow, standard errors."""

import mpmath as mp
import numpy as np
import pytest

import spinglass_gan as sg


def test_log_abs_det_matches_slogdet():
    e = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)
    mats = e.sample(30, size=4, rng=0)
    ev = np.linalg.eigvalsh(mats)
    x = np.array([-2.0, 0.1, 5.0])
    ours = sg.log_abs_det(ev, x)
    assert ours.shape == (4, 3)
    for j, xj in enumerate(x):
        ref = np.linalg.slogdet(mats - xj * np.eye(30))[1]
        np.testing.assert_allclose(ours[:, j], ref, rtol=1e-12)


def test_annealed_equals_direct_mean_at_high_precision():
    rng = np.random.default_rng(1)
    ev = rng.normal(size=(5, 40)) * 3
    x = np.array([0.5, 10.0])
    ours = sg.annealed_log_det(ev, x).value
    with mp.workdps(30):
        for j, xj in enumerate(x):
            dets = [mp.fprod(abs(mp.mpf(v) - xj) for v in row) for row in ev]
            ref = mp.log(mp.fsum(dets) / len(dets)) / ev.shape[1]
            assert ours[j] == pytest.approx(float(ref), abs=1e-13)


def test_no_overflow_at_n_2000():
    # |det| ~ 1e3^2000 overflows any float; the estimators stay finite and exact.
    rng = np.random.default_rng(2)
    ev = rng.uniform(-1.0, 1.0, size=(8, 2000)) + 1e3
    ann = sg.annealed_log_det(ev, [0.0, -5.0])
    qu = sg.quenched_log_det(ev, [0.0, -5.0])
    assert np.all(np.isfinite(ann.value)) and np.all(np.isfinite(ann.stderr))
    np.testing.assert_allclose(qu.value, np.log(np.abs(ev[:, :, None] - [0.0, -5.0])).mean((0, 1)))
    assert np.all(ann.value >= qu.value)  # Jensen


def test_standard_errors_delta_and_bootstrap_agree():
    e = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)
    ev = e.sample_eigvals(60, 200, rng=3)
    x = np.array([-2.0, 2.0])
    delta = sg.annealed_log_det(ev, x)
    boot = sg.annealed_log_det(ev, x, stderr="bootstrap", n_boot=2000, rng=4)
    np.testing.assert_allclose(delta.value, boot.value)
    # Two estimates of the same standard error: within 30 % at K = 200.
    np.testing.assert_allclose(boot.stderr, delta.stderr, rtol=0.3)
    # The standard error describes the spread of independent repetitions.
    reps = [sg.annealed_log_det(e.sample_eigvals(60, 200, rng=s), x).value for s in range(10, 40)]
    spread = np.std(reps, axis=0, ddof=1)
    np.testing.assert_allclose(spread, delta.stderr, rtol=0.5)


def test_input_validation():
    with pytest.raises(ValueError, match="eigvals"):
        sg.annealed_log_det(np.ones(5), 0.0)
    with pytest.raises(ValueError, match="stderr"):
        sg.annealed_log_det(np.ones((3, 5)), 0.0, stderr="jackknife")
    with pytest.raises(ValueError, match="x"):
        sg.quenched_log_det(np.ones((3, 5)), np.inf)
