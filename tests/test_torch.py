"""The optional torch backend: the same law as the numpy path, seeding, memory budget,
float32 accuracy, argument checks and the lazy import.

Tests that need torch take the ``torch`` fixture and are skipped without it; the
argument checks and the lazy-import test run either way.  Tests parametrised over
``device`` also run on CUDA where a CUDA device is present.
"""

import subprocess
import sys

import numpy as np
import pytest
from conftest import ACCEPTANCE_SETS, check_entry_variances

import spinglass_gan as sg
from spinglass_gan.rmt import _torch_backend as tb

PARAMS_A = (1.0, 1.0, 0.5, 3.0)  # two support intervals


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    # One intra-op thread: multi-threaded LAPACK slows down by 10-100x when another
    # process holds a core (measured on 2 cores), and the tests need no speed-up.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


@pytest.fixture(params=["cpu", "cuda"])
def device(request, torch):
    if request.param == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return request.param


# ----------------------------------------------------------- without torch
def test_import_does_not_load_torch():
    # A fresh interpreter: importing the package and using the numpy paths must not
    # import torch (it is optional and slow to import).
    code = (
        "import sys, numpy as np, spinglass_gan as sg\n"
        "e = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)\n"
        "ev = e.sample_eigvals(10, 2, rng=0)\n"
        "sg.annealed_log_det(ev, [0.0]); sg.quenched_log_det(ev, [0.0]); e.sample(5)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_argument_checks_name_the_argument():
    e = sg.HessianEnsemble(*PARAMS_A)
    ev = np.ones((3, 4))
    for fn in (e.sample, e.sample_eigvals):
        with pytest.raises(ValueError, match="backend"):
            fn(10, 2, backend="jax")
        with pytest.raises(ValueError, match="backend"):
            fn(10, 2, backend=None)
        with pytest.raises(ValueError, match="device"):
            fn(10, 2, device="cpu")  # numpy backend
        with pytest.raises(ValueError, match="dtype"):
            fn(10, 2, dtype="float32")
        with pytest.raises(ValueError, match="as_tensor"):
            fn(10, 2, as_tensor=True)
        with pytest.raises(ValueError, match="as_tensor"):
            fn(10, 2, backend="torch", as_tensor="yes")
        with pytest.raises(ValueError, match="max_bytes"):
            fn(10, 2, backend="torch", max_bytes=0)
    for fn in (sg.log_abs_det, sg.annealed_log_det, sg.quenched_log_det):
        with pytest.raises(ValueError, match="backend"):
            fn(ev, 0.0, backend="cupy")
        with pytest.raises(ValueError, match="device"):
            fn(ev, 0.0, device="cpu")  # numpy input, backend None: numpy


def test_without_torch_numpy_works_and_torch_backend_says_how_to_install():
    # A fresh interpreter in which "import torch" fails, whether or not torch is
    # installed here.
    code = (
        "import sys\n"
        "class NoTorch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ImportError('no torch here')\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        "import numpy as np, spinglass_gan as sg\n"
        "e = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)\n"
        "ev = e.sample_eigvals(10, 2, rng=0)\n"
        "assert np.isfinite(sg.annealed_log_det(ev, 0.5).value)\n"
        "for call in (lambda: e.sample_eigvals(10, 2, backend='torch'),\n"
        "             lambda: sg.quenched_log_det(ev, 0.0, backend='torch')):\n"
        "    try:\n"
        "        call()\n"
        "    except ImportError as exc:\n"
        "        assert 'spinglass_gan[torch]' in str(exc), exc\n"
        "    else:\n"
        "        raise AssertionError('no ImportError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -------------------------------------------------------------- with torch
def test_device_and_dtype_checks(torch):
    e = sg.HessianEnsemble(*PARAMS_A)
    for bad in ("tpu", "cpux", 3, "meta"):
        with pytest.raises(ValueError, match="device"):
            e.sample_eigvals(10, 2, backend="torch", device=bad)
    for bad in ("float16", torch.int32, np.complex128, "cheese"):
        with pytest.raises(ValueError, match="dtype"):
            e.sample_eigvals(10, 2, backend="torch", dtype=bad)
    for good in ("float32", np.float32, torch.float32, np.dtype("float32")):
        assert e.sample_eigvals(10, 2, backend="torch", dtype=good).dtype == np.float32
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match=r"device.*CUDA"):
            e.sample_eigvals(10, 2, backend="torch", device="cuda")
        with pytest.raises(ValueError, match="device"):
            sg.log_abs_det(np.ones((3, 4)), 0.0, backend="torch", device=torch.device("cuda"))
    with pytest.raises(ValueError, match="eigvals"):
        sg.log_abs_det(torch.ones(5), 0.0)
    with pytest.raises(ValueError, match="eigvals"):
        sg.annealed_log_det(torch.full((3, 4), float("nan")), 0.0)
    with pytest.raises(ValueError, match="stderr"):
        sg.annealed_log_det(torch.ones((3, 4)), 0.0, stderr="jackknife")
    with pytest.raises(ValueError, match="x"):
        sg.quenched_log_det(torch.ones((3, 4)), np.inf)


def test_seeding(torch, device):
    e = sg.HessianEnsemble(*PARAMS_A)

    def draw(rng, **kw):
        return e.sample_eigvals(30, 3, rng, backend="torch", device=device, **kw)

    ev = draw(4)
    np.testing.assert_array_equal(ev, draw(4))
    # An int seed and a numpy Generator made from it give the torch generator the
    # same seed (one 63-bit draw from default_rng(rng)).
    np.testing.assert_array_equal(ev, draw(np.random.default_rng(4)))
    assert not np.array_equal(ev, draw(5))
    # A Generator passed twice advances: two different draws.
    gen = np.random.default_rng(4)
    assert not np.array_equal(draw(gen), draw(gen))
    # A torch.Generator is used as given.
    tgen = torch.Generator(device=device).manual_seed(123)
    first = draw(tgen)
    np.testing.assert_array_equal(first, draw(torch.Generator(device=device).manual_seed(123)))
    # A different stream from numpy's (the same law is tested below).
    assert not np.allclose(ev, e.sample_eigvals(30, 3, rng=4))


def test_sample_symmetric_and_consistent_with_eigvals(torch, device):
    e = sg.HessianEnsemble(1.0, 0.7, 0.5, 2.0)
    mats = e.sample(20, 3, rng=4, backend="torch", device=device)
    assert mats.shape == (3, 20, 20) and mats.dtype == np.float64
    np.testing.assert_array_equal(mats, np.swapaxes(mats, 1, 2))
    ev = e.sample_eigvals(20, 3, rng=4, backend="torch", device=device)
    np.testing.assert_allclose(ev, np.linalg.eigvalsh(mats), atol=1e-12)
    # The shift -x1 sits on the D block's diagonal only (b1 = 0: same draws).
    m = sg.HessianEnsemble(2.0, 0.0, 0.25, 5.0).sample(8, 1, 0, backend="torch", device=device)
    base = sg.HessianEnsemble(2.0, 0.0, 0.25, 0.0).sample(8, 1, 0, backend="torch", device=device)
    np.testing.assert_allclose(m[0] - base[0], np.diag([-5.0, -5.0] + [0.0] * 6), atol=1e-12)


def test_as_tensor(torch, device):
    e = sg.HessianEnsemble(*PARAMS_A)
    t = e.sample_eigvals(40, 4, rng=1, backend="torch", device=device, as_tensor=True)
    assert isinstance(t, torch.Tensor) and t.device.type == device and t.dtype == torch.float64
    np.testing.assert_array_equal(
        t.cpu().numpy(), e.sample_eigvals(40, 4, rng=1, backend="torch", device=device)
    )
    m = e.sample(10, 2, rng=1, backend="torch", device=device, dtype="float32", as_tensor=True)
    assert m.device.type == device and m.dtype == torch.float32 and m.shape == (2, 10, 10)


@pytest.mark.parametrize("params", [PARAMS_A, (0.5, 2.0, 0.25, -1.0)])
def test_exact_trace_moments(torch, device, params):
    # E tr(H')/N = -kappa x1, E tr(H'^2)/N = b^2/2 + kappa b1^2/2 + kappa x1^2
    # + (b^2 + b1^2)/(2N) at every N (exact for the ensemble), from torch matrices (N = 8,
    # 4000 draws) and from torch spectra (N = 40, 1000 draws: mean lambda and mean
    # lambda^2).  5 standard errors of the sample mean (failure probability < 1e-6).
    e = sg.HessianEnsemble(*params)
    n = 8
    mats = e.sample(n, 4000, rng=1, backend="torch", device=device)
    tr1 = np.trace(mats, axis1=1, axis2=2) / n
    tr2 = np.einsum("kij,kji->k", mats, mats) / n
    ev = e.sample_eigvals(40, 1000, rng=2, backend="torch", device=device)
    pairs = [(tr1, tr2, e.exact_moments(n)), (ev.mean(1), (ev**2).mean(1), e.exact_moments(40))]
    for first, second, exact in pairs:
        for samples, value in zip((first, second), exact):
            se = samples.std(ddof=1) / np.sqrt(samples.size)
            assert abs(samples.mean() - value) < 5 * se


def test_entry_variances(torch):
    # The numpy sampler's entry laws (conftest.check_entry_variances).
    b, b1 = 1.5, 0.8
    mats = sg.HessianEnsemble(b, b1, 0.5, 0.0).sample(6, 10000, rng=2, backend="torch")
    check_entry_variances(mats, b, b1)


def _check_density(params):
    # N = 1000, 10 matrices per backend.  Measured (3 seeds x 8 parameter sets): torch
    # distances 0.009-0.017 against floors 0.009-0.017, the same as numpy's.  Bounds:
    # the numpy test's 1.6 x floor + 0.005 for torch; and the two-sample distance
    # between the torch and numpy histograms (expected about sqrt(2) x floor, both
    # noisy) under 1.6 sqrt(2) x the mean floor + 0.005.
    e = sg.HessianEnsemble(*params)
    ev_t = e.sample_eigvals(1000, 10, rng=11, backend="torch")
    ev_n = e.sample_eigvals(1000, 10, rng=11)
    # The L1 statistic of tests/test_spectra.py.
    t, n = (sg.histogram_l1(ev, e.density, e.support()) for ev in (ev_t, ev_n))
    assert t.distance < 1.6 * t.floor + 0.005, (t.distance, t.floor)
    two_sample = np.abs(t.histogram - n.histogram).sum() * np.diff(t.edges)[0]
    assert two_sample < 1.6 * np.sqrt(2) * 0.5 * (t.floor + n.floor) + 0.005, (
        two_sample,
        n.distance,
        n.floor,
    )


def test_density_at_noise_floor(torch):
    _check_density(PARAMS_A)


@pytest.mark.slow
@pytest.mark.parametrize("params", ACCEPTANCE_SETS)
def test_density_at_noise_floor_all_sets(torch, params):
    _check_density(params)


def test_monte_carlo_same_law_as_numpy(torch, device):
    # Annealed and quenched (1/N) log E|det(H' - x)| from 200 torch spectra against
    # 200 numpy spectra at N = 100: the same finite-N quantity (same N, same K, so the
    # same finite-K bias), so they agree within their combined standard errors.  The
    # bound is 4.5 combined standard errors: over 30 seed pairs the z-scores had
    # standard deviation 0.9-1.3 (the delta method slightly underestimates the
    # annealed error inside the bulk) and never exceeded 3.1.  Both also lie within
    # the O(1/N) tolerance of the log-potential used in tests/test_montecarlo.py.
    e = sg.HessianEnsemble(*PARAMS_A)
    sup = e.support()
    x = np.array([sup[0][0] - 2.0, -3.0, -1.0, 0.0, sup[-1][1] + 1.0])
    n, k = 100, 200
    ev_t = e.sample_eigvals(n, k, rng=21, backend="torch", device=device, as_tensor=True)
    ev_n = e.sample_eigvals(n, k, rng=21)
    limit = e.log_potential(x)
    for est in (sg.annealed_log_det, sg.quenched_log_det):
        a, b = est(ev_t, x), est(ev_n, x)
        combined = np.hypot(a.stderr, b.stderr)
        assert np.all(np.abs(a.value - b.value) < 4.5 * combined), (est, a, b)
        slack = (2 + np.log(n)) / n if est is sg.annealed_log_det else 3 / n
        assert np.all(np.abs(a.value - limit) < slack + 4 * a.stderr), (est, a, limit)


def test_monte_carlo_same_spectra_same_numbers(torch, device):
    # On the same float64 spectra the torch reductions reproduce the numpy ones,
    # bootstrap included (numpy draws the resampling indices from the same rng).
    e = sg.HessianEnsemble(*PARAMS_A)
    ev = e.sample_eigvals(60, 50, rng=3)
    x = np.linspace(-7.0, 3.0, 24).reshape(4, 6)
    t = torch.as_tensor(ev, device=device)
    np.testing.assert_allclose(sg.log_abs_det(t, x), sg.log_abs_det(ev, x), rtol=1e-12)
    for kw in ({}, {"stderr": "bootstrap", "n_boot": 300, "rng": 5}):
        a = sg.annealed_log_det(t, x, **kw)
        b = sg.annealed_log_det(ev, x, **kw)
        assert a.value.shape == x.shape and a.stderr.shape == x.shape
        np.testing.assert_allclose(a.value, b.value, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(a.stderr, b.stderr, rtol=1e-9)
    a, b = sg.quenched_log_det(ev, x, backend="torch", device=device), sg.quenched_log_det(ev, x)
    np.testing.assert_allclose(a.value, b.value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.stderr, b.stderr, rtol=1e-9)
    # A tensor can also be sent down the numpy path.
    np.testing.assert_array_equal(sg.log_abs_det(t, x, backend="numpy"), sg.log_abs_det(ev, x))


def test_float32_accuracy(torch, device):
    # The same seed gives the same matrices in both dtypes (float32 = float64 rounded
    # once), so the differences are float32 arithmetic alone.  Stated accuracy
    # (docs/torch.md): eigenvalues within 3e-8 N of the spectral radius (per matrix,
    # N = 100-4096: median 0.2-0.7e-8 N, worst of 1000 matrices 2.4e-8 N; the bound
    # here is 5e-8 N); (1/N) log|det(H' - x)| within 1e-6 for x outside the support,
    # sample by sample, and for the annealed and quenched estimates.
    e = sg.HessianEnsemble(*PARAMS_A)
    n = 300
    kw = {"backend": "torch", "device": device}
    m64 = e.sample(n, 2, rng=8, **kw)
    m32 = e.sample(n, 2, rng=8, dtype="float32", **kw)
    np.testing.assert_array_equal(m32, m64.astype(np.float32))
    ev64 = e.sample_eigvals(n, 6, rng=9, **kw)
    ev32 = e.sample_eigvals(n, 6, rng=9, dtype=np.float32, **kw)
    assert ev32.dtype == np.float32
    radius = np.abs(ev64).max()
    assert np.abs(ev32 - ev64).max() < 5e-8 * n * radius
    sup = e.support()
    x = np.concatenate([np.linspace(sup[0][0] - 5, sup[0][0] - 0.2, 5), [sup[-1][1] + 0.3, 20]])
    t32 = torch.as_tensor(ev32, device=device)
    np.testing.assert_allclose(sg.log_abs_det(t32, x) / n, sg.log_abs_det(ev64, x) / n, atol=1e-6)
    for est in (sg.annealed_log_det, sg.quenched_log_det):
        np.testing.assert_allclose(est(t32, x).value, est(ev64, x).value, atol=1e-6)
    # An x that rounds onto a float32 eigenvalue (but is not equal to it) stays
    # finite: the reduction widens float32 spectra to float64 before subtracting.
    near = float(ev32[0, n // 2]) * (1 + 1e-12)
    assert np.float32(near) == ev32[0, n // 2]
    assert np.all(np.isfinite(sg.quenched_log_det(t32, near).value))


def test_memory_budget_chunks(torch, monkeypatch):
    # A small max_bytes splits the work into batches whose estimated working memory
    # (3 x the batch bytes + one float64 scratch matrix) fits the budget; the draws do
    # not depend on the batching, so the results equal those of one big batch.
    e = sg.HessianEnsemble(*PARAMS_A)
    n, size = 24, 7
    seen = []
    solver = torch.linalg.eigvalsh

    def recording(a, *args, **kwargs):
        seen.append((tuple(a.shape), a.dtype))
        return solver(a, *args, **kwargs)

    monkeypatch.setattr(torch.linalg, "eigvalsh", recording)
    one = e.sample_eigvals(n, size, rng=5, backend="torch")
    assert [s for s, _ in seen] == [(size, n, n)]
    for dtype, itemsize in (("float64", 8), ("float32", 4)):
        scratch = 8 * (n * n + 12 * 12)
        budget = scratch + tb.WORK_FACTOR * itemsize * n * n * 3  # three matrices
        seen.clear()
        many = e.sample_eigvals(n, size, rng=5, backend="torch", dtype=dtype, max_bytes=budget)
        assert [s[0] for s, _ in seen] == [3, 3, 1]
        for shape, _ in seen:
            assert scratch + tb.WORK_FACTOR * itemsize * np.prod(shape) <= budget
        seen.clear()
        whole = e.sample_eigvals(n, size, rng=5, backend="torch", dtype=dtype)
        assert len(seen) == 1
        np.testing.assert_array_equal(many, whole)
    # Below one matrix's working memory the batch holds one matrix.
    seen.clear()
    tiny = e.sample_eigvals(n, size, rng=5, backend="torch", max_bytes=1)
    assert [s[0] for s, _ in seen] == [1] * size
    np.testing.assert_array_equal(tiny, one)
    # sample() batches the same way and gives the same matrices.
    np.testing.assert_array_equal(
        e.sample(n, size, rng=5, backend="torch", max_bytes=1),
        e.sample(n, size, rng=5, backend="torch"),
    )
    assert tb.batch_size(n, 12, size, 8, 1 << 40) == size
