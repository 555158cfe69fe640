"""The sampler of H' against the exact finite-N identities of the ensemble's trace moments."""

import numpy as np
import pytest
from conftest import check_entry_variances

import spinglass_gan as sg


def test_shapes_seeding_and_symmetry():
    e = sg.HessianEnsemble(1.0, 0.7, 0.5, 2.0)
    mats = e.sample(20, size=3, rng=4)
    assert mats.shape == (3, 20, 20)
    np.testing.assert_array_equal(mats, np.swapaxes(mats, 1, 2))
    ev = e.sample_eigvals(20, size=3, rng=4)
    assert ev.shape == (3, 20)
    # Same seed: the eigenvalues are those of the sampled matrices.
    np.testing.assert_allclose(ev, np.linalg.eigvalsh(mats), atol=1e-12)
    np.testing.assert_array_equal(ev, e.sample_eigvals(20, 3, np.random.default_rng(4)))
    assert not np.array_equal(ev, e.sample_eigvals(20, 3, rng=5))
    # Batching does not change the stream.
    np.testing.assert_array_equal(ev, e.sample_eigvals(20, 3, rng=4, max_bytes=1))


def test_block_structure():
    # With b1 = 0 and x1 = 0 the matrix is b M; the G block has no shift, the D
    # block is shifted by -x1 on its diagonal only.
    e = sg.HessianEnsemble(2.0, 0.0, 0.25, 5.0)
    m = e.sample(8, size=1, rng=0)[0]
    base = sg.HessianEnsemble(2.0, 0.0, 0.25, 0.0).sample(8, size=1, rng=0)[0]
    d = m - base
    np.testing.assert_allclose(d, np.diag([-5.0, -5.0] + [0.0] * 6), atol=1e-12)


@pytest.mark.parametrize("params", [(1.0, 1.0, 0.5, 3.0), (0.5, 2.0, 0.25, -1.0)])
def test_exact_trace_moments(params):
    # E tr(H')/N = -kappa x1 and E tr(H'^2)/N = b^2/2 + kappa b1^2/2 + kappa x1^2
    # + (b^2 + b1^2)/(2N) hold at every N.  Tolerance: 5 standard errors of the
    # sample mean over 4000 matrices (the test fails with probability < 1e-6).
    e = sg.HessianEnsemble(*params)
    n = 8
    mats = e.sample(n, size=4000, rng=1)
    tr1 = np.trace(mats, axis1=1, axis2=2) / n
    tr2 = np.einsum("kij,kji->k", mats, mats) / n
    mean1, mean2 = e.exact_moments(n)
    for samples, exact in ((tr1, mean1), (tr2, mean2)):
        se = samples.std(ddof=1) / np.sqrt(samples.size)
        assert abs(samples.mean() - exact) < 5 * se


def test_entry_variances():
    b, b1 = 1.5, 0.8
    check_entry_variances(sg.HessianEnsemble(b, b1, 0.5, 0.0).sample(6, size=20000, rng=2), b, b1)


def test_small_matrices_are_diagonalised_on_one_blas_thread(monkeypatch):
    # A multithreaded BLAS sharing a busy core makes batched small eigvalsh many
    # times slower (benchmarks/bench_threads.py); small orders run on one thread,
    # large ones keep BLAS's own setting, and the setting is restored afterwards.
    from threadpoolctl import threadpool_info

    from spinglass_gan.rmt import ensemble

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    seen = []
    real = np.linalg.eigvalsh

    def spy(a, *args, **kwargs):
        seen.append(blas_threads())
        return real(a, *args, **kwargs)

    monkeypatch.setattr(ensemble.np.linalg, "eigvalsh", spy)
    monkeypatch.setattr(ensemble, "SINGLE_THREAD_MAX_N", 16)
    before = blas_threads()
    e = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)
    e.sample_eigvals(16, 3, rng=0, max_bytes=1)  # three batches of one matrix
    assert len(seen) == 3 and all(t == [1] * len(t) for t in seen)
    assert blas_threads() == before
    seen.clear()
    e.sample_eigvals(17, 2, rng=0)
    assert seen == [before]
