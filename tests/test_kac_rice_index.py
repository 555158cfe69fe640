"""Index-resolved finite-N Kac-Rice counts: the spectral sampler, forced indices, ESS.

Independent checks: the tridiagonal GOE model against dense GOE matrices; Mehta's
normalisation against quadrature; the forced-eigenvalue weights against the plain GOE
probability of the same event; the tridiagonal kernels against dense linear algebra;
the spectral and forced samplers against the dense reference sampler of the formula.
Statistical tolerances are |z| < 4 with z the difference over the combined standard
errors (a 6e-5 two-sided false-alarm rate per comparison for Gaussian errors).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import integrate

import spinglass_gan as sg
from spinglass_gan.complexity._kac_rice_kernels import tridiagonal_batch, tridiagonal_logdets
from spinglass_gan.complexity._kac_rice_spectral import forced_spectra, goe_spectra, log_goe_norm


def _z(a, b):
    return (a[0] - b[0]) / math.hypot(a[1], b[1])


def test_log_goe_norm_matches_quadrature():
    s = 0.7
    val, _ = integrate.dblquad(
        lambda u, w: abs(u - w) * math.exp(-(u * u + w * w) / (4 * s * s)), -12, 12, -12, 12
    )
    # dblquad meets its default 1.5e-8 tolerances only roughly across the kink at
    # u = w; 1e-6 is far below any error in Mehta's constants (a wrong Gamma factor
    # changes the value by tens of percent).
    assert log_goe_norm(2, s) == pytest.approx(math.log(val), rel=1e-6)
    assert log_goe_norm(1, s) == pytest.approx(0.5 * math.log(4 * math.pi * s * s), rel=1e-12)


@pytest.mark.parametrize("n", [5, 60])  # batched dense path and the per-matrix path
def test_tridiagonal_goe_spectra_match_dense(n):
    rng = np.random.default_rng(0)
    s, size = 0.5, 2000
    sp = goe_spectra(rng, n, s, size)  # size 2000: 4 sigma resolves 9% of the std
    g = rng.standard_normal((size, n, n)) * s
    ev = np.linalg.eigvalsh((g + np.swapaxes(g, 1, 2)) / math.sqrt(2.0))
    for stat in (lambda x: x[:, 0], lambda x: (x**2).sum(1) / n):
        a, b = stat(sp), stat(ev)
        z = (a.mean() - b.mean()) / math.hypot(a.std() / math.sqrt(size), b.std() / math.sqrt(size))
        assert abs(z) < 4
    # E tr H^2 = s^2 n (n + 1) exactly
    tr2 = (sp**2).sum(1)
    assert abs(tr2.mean() - s * s * n * (n + 1)) < 4 * tr2.std() / math.sqrt(size)


@pytest.mark.parametrize("y,k", [(-1.5, 1), (-1.5, 2), (-2.5, 1)])
def test_forced_weights_give_the_goe_probability(y, k):
    """E_q[w 1{exactly k eigenvalues below y}] = P_GOE(exactly k below y)."""
    rng = np.random.default_rng(1)
    n, s, size = 6, 0.5, 100_000
    lam, log_w = forced_spectra(rng, n, s, np.full(size, y), k)
    w = np.exp(log_w) * ((lam < y).sum(1) == k)
    g = rng.standard_normal((size, n, n)) * s
    ev = np.linalg.eigvalsh((g + np.swapaxes(g, 1, 2)) / math.sqrt(2.0))
    hit = ((ev < y).sum(1) == k).astype(float)
    z = _z((w.mean(), w.std() / math.sqrt(size)), (hit.mean(), hit.std() / math.sqrt(size)))
    assert abs(z) < 4


def test_tridiagonal_kernels_match_dense_algebra():
    rng = np.random.default_rng(2)
    size, n, m = 5, 30, 4
    a = rng.standard_normal((size, n)) + 3.0
    e = rng.standard_normal((size, n - 1)) * 0.5
    y = rng.standard_normal(size) * 0.3
    b = rng.standard_normal((size, n, m))
    schur = np.zeros((size, m, m))
    stats = np.empty((size, 4))
    tridiagonal_batch(a, e, y, b, schur, stats)
    for k in range(size):
        t = np.diag(a[k]) + np.diag(e[k], 1) + np.diag(e[k], -1) - y[k] * np.eye(n)
        lam = np.linalg.eigvalsh(t)
        assert stats[k, 0] == (lam < 0).sum()
        assert stats[k, 1] == pytest.approx(np.log(np.abs(lam)).sum(), rel=1e-12)
        assert stats[k, 2] == np.prod(np.sign(lam))
        assert stats[k, 3] == pytest.approx(-(1.0 / lam).sum(), rel=1e-10)
        np.testing.assert_allclose(schur[k], b[k].T @ np.linalg.solve(t, b[k]), rtol=1e-10)
    ys = np.stack([y, y + 0.1], axis=1)
    out = tridiagonal_logdets(a, e, ys)
    assert out[0, 1] == pytest.approx(
        np.log(np.abs(np.linalg.eigvalsh(np.diag(a[0]) + np.diag(e[0], 1) + np.diag(e[0], -1))
                      - ys[0, 1])).sum(), rel=1e-12)  # fmt: skip


def test_spectral_sampler_agrees_with_dense():
    dense = sg.kac_rice_samples(3, 3, 1.0, 8, 4, 60_000, 0, sampler="dense")
    spec = sg.kac_rice_samples(3, 3, 1.0, 8, 4, 60_000, 1, sampler="spectral")
    for q in ({}, {"u_G": -1.0}, {"u_D": 0.5}):
        assert abs(_z(dense.expected(**q), spec.expected(**q))) < 4
    assert abs(_z(dense.signed_sum(), spec.signed_sum())) < 4


@pytest.mark.parametrize("k_D,k_G", [(0, 0), (1, 0), (0, 1)])
def test_indexed_auto_agrees_with_plain_sampling(k_D, k_G):
    """N = 12 (n_D = 8, n_G = 4): plain dense sampling works; the forced, adaptive
    estimate must agree with it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
        plain = sg.kac_rice_samples(3, 3, 1.0, 8, 4, 150_000, 3).expected(k_D=k_D, k_G=k_G)
        auto = sg.expected_critical_points(
            3, 3, 1.0, 8, 4, k_D=k_D, k_G=k_G, samples=40_000, rng=4, proposal="auto", min_ess=0
        )
    assert auto.ess > 10
    assert abs(_z(plain, auto)) < 4


def test_estimate_is_a_pair_with_ess():
    r = sg.expected_critical_points(3, 3, 1.0, 3, 3, samples=5000, rng=0)
    mean, err = r
    assert (mean, err) == r and r.ess > 100 and r.samples == 5000 and r.hits == 5000
    assert r.ess <= r.samples


def test_tail_question_warns_with_the_effective_sample_size():
    """The brief's failure: k_D = k_G = 0 at N = 80 is far in the tail of the plain
    law; the estimate must not come back as a silent -inf."""
    with pytest.warns(sg.KacRiceAccuracyWarning, match="effective sample size"):
        r = sg.log_expected_critical_points(3, 3, 1.0, 72, 8, k_D=0, k_G=0, samples=500, rng=0)
    assert r.ess < 50


def test_auto_gives_a_finite_indexed_value_at_n80():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
        r = sg.log_expected_critical_points(
            3, 3, 1.0, 72, 8, k_D=0, k_G=0, samples=4000, rng=0, proposal="auto"
        )
    assert math.isfinite(r.value) and r.ess > 1
    # Theta_{0,0} = 0.1795 with a positive O(log N / N) correction at this size.
    assert 0.17 < r.value < 0.32


def test_forced_draws_answer_only_their_index():
    d = sg.kac_rice_samples(3, 3, 1.0, 8, 4, 200, 0, k_G=1)
    d.expected(k_G=1, min_ess=0)
    with pytest.raises(ValueError, match="k_G = 1"):
        d.expected(k_G=0)
    with pytest.raises(ValueError, match="k_G = 1"):
        d.expected()
    with pytest.raises(ValueError, match="sampler"):
        sg.kac_rice_samples(3, 3, 1.0, 8, 4, 200, 0, k_G=1, sampler="dense")
    with pytest.raises(ValueError, match="sampler"):
        sg.kac_rice_samples(3, 3, 1.0, 8, 4, 200, 0, sampler="lu")


def test_finite_n_banded_cells_agree_with_single_estimates():
    from spinglass_gan.complexity.kac_rice_banded import finite_n_banded

    model = sg.GanSpinGlass(3, 3, 1.0, 0.9)
    u_D, u_G = np.array([10.0, 30.0]), np.array([-30.0, -5.0])
    res = finite_n_banded(model, 20, u_D, u_G, 1, 1, anchors=1, samples=3000, rng=0)
    assert res.log_count.shape == (4, 2, 2) and res.n_D == 18 and res.n_G == 2
    k_D, k_G = res.largest()
    assert k_D.shape == (2, 2) and k_D.min() >= -1 and k_G.max() <= 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
        one = sg.kac_rice_samples(
            3, 3, 1.0, 18, 2, 20_000, 5, proposal="auto", u_D=30.0, u_G=-5.0, k_D=0, k_G=0
        ).log_expected(30.0, -5.0, 0, 0)
    i = int(np.flatnonzero((res.pairs == (0, 0)).all(axis=1))[0])
    cell = (res.log_count[i, 1, 1], res.stderr[i, 1, 1])
    assert abs(_z(cell, one)) < 4
    with pytest.raises(ValueError, match="u_D"):
        finite_n_banded(model, 20, [2.0, 1.0], u_G)
    # The draws follow the model's own formula: a model of the paper's is refused, not
    # silently answered with the other formula's counts.
    published = sg.GanSpinGlass(3, 3, 1.0, 0.9, formula="published")
    with pytest.raises(ValueError, match="derived formula"):
        finite_n_banded(published, 20, u_D, u_G)
