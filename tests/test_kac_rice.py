"""The model's own Kac-Rice formula at finite N (spinglass_gan.complexity.kac_rice).

Tolerances: Monte Carlo checks compare an estimate with an exact value through its
z-score and accept |z| < 4 (a false alarm has probability ~6e-5 per check for a Gaussian
estimate; every test is seeded, so a pass is reproducible).  Identities that hold draw
by draw (sums over indices, monotonicity, the log version) are checked to rounding.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from _reference import mp_total_at_origin
from scipy.optimize import minimize

import spinglass_gan as sg
from spinglass_gan.complexity.derived import DerivedConstants
from spinglass_gan.complexity.kac_rice import log_prefactor
from spinglass_gan.io.results import load_result

DATA = Path(__file__).resolve().parent.parent / "data" / "kac_rice"
Z_MAX = 4.0


def chi_sphere(dim: int) -> int:
    return 1 + (-1) ** dim


# ------------------------------------------------------------------ exact checks
@pytest.mark.parametrize(
    ("p", "q", "sigma_z", "n_D", "n_G"),
    [
        (3, 3, 1.0, 3, 3),
        (2, 2, 0.5, 3, 3),
        (2, 1, 1.0, 3, 5),
        (3, 1, 2.0, 5, 3),
        (3, 3, 1.0, 2, 3),
        (2, 1, 0.7, 4, 4),
    ],
)
def test_signed_sum_is_euler_characteristic(p, q, sigma_z, n_D, n_G):
    """E[sum of sign det J] = chi(S^(n_D-1)) chi(S^(n_G-1)) (Poincare-Hopf) exactly.

    This pins every constant of the prefactor (sphere areas, (2 pi)^(-(N-2)/2), v_D,
    v_G) and the law of J': |z| < 4 with 400k draws (stderr 0.2-0.9 on 4 or 0).
    """
    draws = sg.kac_rice_samples(p, q, sigma_z, n_D, n_G, 400_000, rng=11, indices=False)
    mean, err = draws.signed_sum()
    exact = chi_sphere(n_D - 1) * chi_sphere(n_G - 1)
    assert err > 0
    assert abs(mean - exact) < Z_MAX * err, (mean, err, exact)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("p", "q", "sigma_z", "n_D", "n_G"), [(3, 3, 1.0, 3, 3), (2, 1, 1.0, 5, 3)]
)
def test_signed_sum_is_euler_characteristic_tight(p, q, sigma_z, n_D, n_G):
    """The same with 4M draws (stderr ~0.1-0.3): |z| < 4."""
    draws = sg.kac_rice_samples(p, q, sigma_z, n_D, n_G, 4_000_000, rng=12, indices=False)
    mean, err = draws.signed_sum()
    assert abs(mean - 4) < Z_MAX * err, (mean, err)


@pytest.mark.parametrize(("p", "q", "n_D", "n_G"), [(3, 3, 3, 3), (2, 1, 3, 5), (2, 1, 4, 6)])
def test_total_below_bezout(p, q, n_D, n_G):
    """E(total) <= 4 (r-1)^N, the bound on every instance (and > 0)."""
    mean, err = sg.expected_critical_points(p, q, 1.0, n_D, n_G, samples=50_000, rng=3)
    r, n = p + q, n_D + n_G
    assert 0 < mean - Z_MAX * err
    assert mean + Z_MAX * err <= 4 * (r - 1) ** n


def test_prefactor_tends_to_log_constant():
    """(1/N) log prefactor -> C* (Stirling), with an O(log N / N) gap."""
    for kappa in (0.5, 0.9):
        dc = DerivedConstants.from_model(3, 3, 1.0, kappa)
        gaps = []
        for n in (100, 1000, 10000):
            n_D = round(kappa * n)
            c = DerivedConstants.from_model(3, 3, 1.0, n_D / n)
            gaps.append(abs(log_prefactor(n_D, n - n_D, c) / n - dc.log_constant))
        assert gaps[2] < 2e-3 and gaps[0] > gaps[1] > gaps[2]


@pytest.fixture(scope="module")
def small_draws():
    return sg.kac_rice_samples(3, 3, 1.0, 4, 3, 100_000, rng=5)


def test_index_decomposition_is_exact(small_draws):
    """Sum over (k_D, k_G) of the counts = the total, on the same draws (rounding only),
    for both conventions for k_D.  (The sign of det J' is not (-1)^(k_D + k_G): the
    blocks are coupled, so no such identity holds for the signed sum.)"""
    d = small_draws
    total, _ = d.expected()
    for d_index in ("ascent", "descent"):
        parts = [
            d.expected(k_D=kd, k_G=kg, d_index=d_index)[0]
            for kd in range(d.n_D)
            for kg in range(d.n_G)
        ]
        assert math.isclose(sum(parts), total, rel_tol=1e-12)
    # descent index = (n_D - 1) - ascent index, draw by draw
    assert np.array_equal(d.k_D("descent"), d.n_D - 1 - d.k_D("ascent"))


def test_thresholds_monotone_and_log_version(small_draws):
    d = small_draws
    grid = np.linspace(-4, 4, 9)
    for k in (None, 0):
        by_uD = [d.expected(u, np.inf, k_G=k)[0] for u in grid]
        by_uG = [d.expected(np.inf, u, k_G=k)[0] for u in grid]
        assert np.all(np.diff(by_uD) >= 0) and np.all(np.diff(by_uG) >= 0)
    assert d.expected(-np.inf, np.inf) == (0.0, 0.0)
    mean, err = d.expected(0.5, -0.5)
    value, lerr = d.log_expected(0.5, -0.5)
    assert math.isclose(value, math.log(mean) / d.n, rel_tol=1e-12)
    assert math.isclose(lerr, err / (mean * d.n), rel_tol=1e-12)


def test_maps_equal_pointwise(small_draws):
    """expected_map / log_expected_map on a grid = expected / log_expected per point
    (same draws; rounding only), indexed [i_G, i_D]."""
    d = small_draws
    g_D = np.array([-3.0, -1.0, 0.0, 0.5, 2.0, np.inf])
    g_G = np.array([-2.0, -0.5, 0.0, 1.0, np.inf])
    for k in ((None, None), (None, 0), (1, 0)):
        mean, err = d.expected_map(g_D, g_G, *k)
        lmean, lerr = d.log_expected_map(g_D, g_G, *k)
        for i, b in enumerate(g_G):
            for j, a in enumerate(g_D):
                m, e = d.expected(a, b, *k)
                assert math.isclose(mean[i, j], m, rel_tol=1e-10, abs_tol=1e-12 * mean.max())
                assert math.isclose(err[i, j], e, rel_tol=1e-7, abs_tol=1e-10 * err.max())
                if m > 0:
                    assert math.isclose(lmean[i, j], d.log_expected(a, b, *k)[0], rel_tol=1e-12)
                    assert math.isclose(lerr[i, j], d.log_expected(a, b, *k)[1], rel_tol=1e-7)
    with pytest.raises(ValueError, match="u_D"):
        d.expected_map(np.array([1.0, 0.0]), g_G)


def test_gaussian_part_covariance():
    """(x, x1) has mean 0 and covariance T K T^T / N: 3% on each entry with 200k draws
    (sampling error of a variance ~ sqrt(2/n) = 0.3%); the losses likewise."""
    n_D, n_G = 9, 6
    n = n_D + n_G
    d = sg.kac_rice_samples(2, 2, 0.8, n_D, n_G, 200_000, rng=9, indices=False)
    dc = d.constants
    t, k = dc.to_ensemble, dc.cov_matrix
    want = t @ k @ t.T / n
    got = np.cov(np.vstack([d.x, d.x1]))
    scale = np.sqrt(np.outer(np.diag(want), np.diag(want)))
    assert np.all(np.abs(got - want) < 0.03 * scale)
    assert np.all(np.abs([d.x.mean(), d.x1.mean()]) < 0.02 * np.sqrt(np.diag(want)))
    # u_D = a - g, u_G = g with (a, g) ~ N(0, K/N)
    assert math.isclose(d.u_G.var(), k[1, 1] / n, rel_tol=0.03)
    assert math.isclose(d.u_D.var(), (k[0, 0] + k[1, 1]) / n, rel_tol=0.03)
    assert np.all(d.log_weight == 0.0)


def test_importance_sampling_unbiased():
    """proposal="auto" (saddle + Laplace covariance) and an explicit mean agree with the
    exact law (|z| < 4), at a threshold below the typical generator loss."""
    args = (3, 3, 1.0, 8, 4)
    u_G = -4.0
    plain = sg.expected_critical_points(*args, u_G=u_G, samples=200_000, rng=21)
    auto = sg.expected_critical_points(*args, u_G=u_G, samples=50_000, rng=22, proposal="auto")
    mean_only = sg.expected_critical_points(
        *args, u_G=u_G, samples=100_000, rng=23, proposal=np.array([0.0, -4.0, -12.0])
    )
    for other in (auto, mean_only):
        z = (other[0] - plain[0]) / math.hypot(other[1], plain[1])
        assert abs(z) < Z_MAX, (plain, other)
    assert auto[1] < plain[1]  # the point of it


# ------------------------------------------------------------------ N -> infinity
def test_saddle_anchor_and_independent_check():
    """Theta_total(3, 3, 1, 0.9) is C* + L(0; 0) at v = 0, both in mpmath
    (tests/_reference.py; 1e-12: double rounding of terms ~3), with the maximiser at
    v = 0 (1e-4 of standard deviations ~0.7-37: the free maxima are refined far
    beyond that); Theta(u_G = -6) against a maximum over the active line g = -6
    (Nelder-Mead over (a, h), several starts): 1e-6."""
    tot = sg.kac_rice_saddle(3, 3, 1.0, 0.9)
    assert abs(tot.theta - float(mp_total_at_origin(3, 3, 1.0, 0.9))) < 1e-12
    assert np.allclose(tot.v, 0.0, atol=1e-4)
    dc = DerivedConstants.from_model(3, 3, 1.0, 0.9)
    kinv = np.linalg.inv(dc.cov_matrix)

    def minus_f(ah):
        v = np.array([ah[0], -6.0, ah[1]])
        x, x1 = dc.to_ensemble @ v
        ell = sg.log_potential(np.array([x]), dc.b, dc.b1, dc.kappa, float(x1))[0]
        return -(ell - 0.5 * v @ kinv @ v)

    best = min(
        minimize(minus_f, s, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-13}).fun
        for s in ([0.0, -18.0], [0.5, -10.0], [-0.5, -25.0])
    )
    got = sg.kac_rice_saddle(3, 3, 1.0, 0.9, u_G=-6.0)
    assert abs(got.theta - (dc.log_constant - best)) < 1e-6
    assert got.theta < tot.theta
    assert sg.kac_rice_saddle(3, 3, 1.0, 0.9, u_G=-np.inf).theta == -np.inf


def test_convergence_data():
    """data/kac_rice/convergence.npz: each case's theta recomputes to 1e-6; the gap
    (1/N) log E - Theta shrinks with N and the stored fit c1 log N / N + c0 / N + c2 / N^2
    leaves residuals within 4 standard errors, with c1 within 0.2 of 1/2 (totals) or 0
    (binding threshold); the smallest N recomputes within |z| < 4."""
    res = load_result(DATA / "convergence.npz")
    cases = res.metadata["cases"]
    n = np.asarray(res["n"], dtype=float)
    for name, (p, q, sigma_z, kappa, u_D, u_G) in cases.items():
        theta = float(res[f"{name}_theta"])
        assert abs(sg.kac_rice_saddle(p, q, sigma_z, kappa, u_D, u_G).theta - theta) < 1e-6
        value, err = res[f"{name}_value"], res[f"{name}_stderr"]
        gap = np.abs(value - theta)
        assert gap[-1] < gap[0] / 3 and gap[-1] < 0.02
        c1, c0, c2 = res[f"{name}_fit"]
        resid = value - theta - (c1 * np.log(n) / n + c0 / n + c2 / n**2)
        assert np.all(np.abs(resid) < Z_MAX * err), (name, resid / err)
        # log N / N coefficient: ~1/2 with the maximum inside, ~0 on a binding threshold
        binding = math.isfinite(u_D) or math.isfinite(u_G)
        assert abs(c1 - (0.0 if binding else 0.5)) < 0.2, (name, c1)
        n_D = round(kappa * n[0])
        again = sg.kac_rice_samples(
            p, q, sigma_z, n_D, int(n[0]) - n_D, 20_000, rng=77, proposal="auto",
            u_D=u_D, u_G=u_G, indices=False,
        ).log_expected(u_D, u_G)  # fmt: skip
        assert abs(again[0] - value[0]) < Z_MAX * math.hypot(again[1], err[0])


@pytest.mark.slow
def test_convergence_n160_recomputes():
    """The stored N = 160 values recompute with a new seed (|z| < 4)."""
    res = load_result(DATA / "convergence.npz")
    n = list(np.asarray(res["n"]))
    i = n.index(160)
    for name, (p, q, sigma_z, kappa, u_D, u_G) in res.metadata["cases"].items():
        n_D = round(kappa * 160)
        again = sg.log_expected_critical_points(
            p, q, sigma_z, n_D, 160 - n_D, u_D, u_G, samples=20_000, rng=99, proposal="auto"
        )
        value, err = res[f"{name}_value"][i], res[f"{name}_stderr"][i]
        assert abs(again[0] - value) < Z_MAX * math.hypot(again[1], err)


# ------------------------------------------------------------------ bad input
GOOD = {"p": 3, "q": 3, "sigma_z": 1.0, "n_D": 3, "n_G": 3, "samples": 10}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("n_D", 1),
        ("n_G", 1),
        ("n_D", 3.0),
        ("n_G", "4"),
        ("p", 1),
        ("p", 2.5),
        ("q", 0),
        ("sigma_z", 0.0),
        ("sigma_z", -1.0),
        ("sigma_z", np.nan),
        ("samples", 1),
        ("samples", 0),
        ("samples", 10.0),
        ("u_D", np.nan),
        ("u_G", np.nan),
        ("u_G", "low"),
        ("k_D", -1),
        ("k_D", 3),
        ("k_G", 1.5),
        ("d_index", "up"),
        ("proposal", "fancy"),
        ("proposal", np.zeros(2)),
        ("proposal", (np.zeros(3), 10.0 * np.eye(3))),
    ],
)
def test_bad_input_names_argument(name, value):
    with pytest.raises(ValueError, match=name):
        sg.expected_critical_points(**(GOOD | {name: value}))


@pytest.mark.parametrize(
    ("sizes", "kwargs"),
    [((6000, 2), {}), ((100_000, 1000), {"k_D": 0, "k_G": 0, "proposal": "auto"}),
     ((100_000, 1000), {"k_G": 0})],
)  # fmt: skip
def test_sizes_beyond_a_draw_limit_are_refused(sizes, kwargs):
    """One draw over 256 MiB (dense: order N - 2 = 5998; edge and spectral: the
    1e5 x 1e3 coupling block) is refused up front, naming n_D; the edge sampler had not
    finished its pilot rounds there after 5 minutes."""
    with pytest.raises(ValueError, match=r"n_D=.*MiB"):
        sg.kac_rice_samples(3, 3, 1.0, *sizes, 10, 0, **kwargs)


def test_infinite_thresholds_allowed_and_seeded():
    a = sg.expected_critical_points(**GOOD, u_D=np.inf, u_G=math.inf, rng=1)
    b = sg.expected_critical_points(**GOOD, rng=np.random.default_rng(1))
    assert a == b and a[0] > 0
    # far below the typical losses the count underflows float64: raise, the log works
    far = sg.kac_rice_samples(
        3, 3, 1.0, 100, 100, 20, rng=0, proposal=np.array([-20.0, -20.0, -60.0])
    )
    with pytest.raises(FloatingPointError, match="log_expected"):
        far.expected(-1.0, -15.0)
    assert far.log_expected(-1.0, -15.0)[0] < -100.0
    with pytest.raises(ValueError, match="indices"):
        sg.kac_rice_samples(3, 3, 1.0, 3, 3, 10, rng=0, indices=False).expected(k_G=0)


# ------------------------------------------------------------------ compare_counts
def test_compare_counts_script(tmp_path):
    """scripts/compare_counts.py reads a counts file (save_result or plain savez) and
    counts per instance correctly (synthetic records: the counts, not the z, are checked)."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "scripts" / "compare_counts.py"
    spec = importlib.util.spec_from_file_location("compare_counts", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    arrays = {
        "instance": np.array([0, 0, 0, 2, 2]),
        "u_D": np.array([0.1, -0.3, 0.2, 0.0, 0.5]),
        "u_G": np.array([-0.1, 0.2, 0.0, 0.3, -0.2]),
        "k_D": np.array([0, 1, 0, 0, 2]),
        "k_G": np.array([0, 0, 1, 0, 1]),
    }
    meta = {"p": 3, "q": 3, "sigma_z": 1.0, "n_D": 3, "n_G": 3, "n_instances": 4}
    sg.save_result(tmp_path / "a.npz", "critical_point_counts", arrays, meta)
    np.savez(tmp_path / "b.npz", metadata=json.dumps(meta), **arrays)
    for name in ("a.npz", "b.npz"):
        rows = mod.main([str(tmp_path / name), "--samples", "2000", "--u-G", "0.0"])
        by = {r["question"]: r for r in rows}
        assert by["total"]["counts"] == 5 / 4
        assert by["u_G <= 0"]["counts"] == 3 / 4
        assert by["(k_D, k_G) = (0, 0)"]["counts"] == 2 / 4
        assert all(np.isfinite(r["z"]) or r["counts_se"] == 0 for r in rows)
