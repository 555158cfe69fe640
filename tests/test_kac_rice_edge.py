"""The edge sampler of index-constrained finite-N Kac-Rice counts (complexity/_kac_rice_edge).

Every piece that enters the weight is checked on its own (proposal densities normalised,
tilt density ratios against scipy, kernels against dense algebra), then the estimates
against plain dense sampling where that works (N = 12) and against critical points
counted on sampled instances (data/counts).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.linalg import eigh_tridiagonal, eigvalsh_tridiagonal

import spinglass_gan as sg
from spinglass_gan.complexity import _kac_rice_edge as edge
from spinglass_gan.complexity._kac_rice_kernels import (
    tridiagonal_batch,
    tridiagonal_eigenvalue,
    tridiagonal_eliminate,
)

COUNTS = Path(__file__).resolve().parent.parent / "data" / "counts"


def _z(a, b):
    return (a[0] - b[0]) / np.hypot(a[1], b[1])


def _tridiagonal(rng, size, n):
    a = rng.standard_normal((size, n)) * np.sqrt(2.0)
    e = np.sqrt(rng.chisquare(np.arange(n - 1, 0, -1.0), size=(size, n - 1)))
    return a, e


@pytest.mark.parametrize("n", [1, 5, 60])
def test_tridiagonal_eigenvalue_matches_lapack(n):
    rng = np.random.default_rng(0)
    a, e = _tridiagonal(rng, 20, n)
    for j in sorted({0, 1, n - 1} & set(range(n))):
        out = np.empty(20)
        tridiagonal_eigenvalue(a, e, j, out)
        ref = [eigvalsh_tridiagonal(a[k], e[k])[j] if n > 1 else a[k, 0] for k in range(20)]
        # bisection to 1e-13 of the Gershgorin width (a few times 2 sqrt(2n))
        assert np.allclose(out, ref, rtol=0, atol=1e-11 * np.sqrt(n))


def test_tridiagonal_eigenvalue_ends_on_a_narrow_interval():
    """A Gershgorin interval of width 2e-12 around 1e6 has fewer doubles than 1e-13 of
    its width asks for: the bisection stops at adjacent doubles (it looped forever)."""
    a, e, out = np.full((1, 2), 1e6), np.full((1, 1), 1e-12), np.empty(1)
    tridiagonal_eigenvalue(a, e, 0, out)
    assert abs(out[0] - 1e6) < 1e-9


@pytest.mark.parametrize("between", [False, True])
def test_schur_paths_match_the_eigendecomposition(between):
    """B^T (T - y)^-1 B by the compiled rank-one updates, by elimination + BLAS, and by
    the eigendecomposition, with y below the spectrum or between two eigenvalues (the
    indefinite LDL^T the interval strategy relies on): 1e-9 relative on log det of
    diag(g) - S, a loose bound on rounding growth through near-zero pivots."""
    rng = np.random.default_rng(1)
    n, m, size = 120, 40, 50
    a, e = _tridiagonal(rng, size, n)
    y = np.empty(size)
    for k in range(size):
        lam = eigvalsh_tridiagonal(a[k], e[k])
        y[k] = lam[0] + rng.beta(2, 2) * (lam[1] - lam[0]) if between else lam[0] - 0.3
    b = rng.standard_normal((size, n, m))
    s1 = np.zeros((size, m, m))
    st1 = np.empty((size, 4))
    tridiagonal_batch(a, e, y, b, s1, st1)
    s2, st2 = edge._schur(a, e, y, b.copy())
    assert s2.shape == (size, m, m) and m >= edge._BLAS_FROM
    for k in range(size):
        lam, q = eigh_tridiagonal(a[k], e[k])
        bq = q.T @ b[k]
        ref = (bq / (lam - y[k])[:, None]).T @ bq
        g = np.eye(m) * 50.0
        want = np.linalg.slogdet(g - ref)[1]
        for s in (s1[k], s2[k]):
            assert abs(np.linalg.slogdet(g - s)[1] - want) < 1e-9 * max(1.0, abs(want))
        assert st1[k, 0] == st2[k, 0] == (lam < y[k]).sum()
        assert np.isclose(st2[k, 1], np.log(np.abs(lam - y[k])).sum(), rtol=1e-10)
    z = b.copy()
    signs = tridiagonal_eliminate(a, e, y, z, np.empty((size, 4)))
    assert set(np.unique(signs)) <= {-1.0, 1.0}


def test_proposal_densities_are_normalised():
    """Each law's log_q integrates to 1 over its support (quadrature to 1e-6): the
    weights are density ratios, so a wrong normaliser would bias every estimate."""
    law = edge.ShiftLaw(mean=-3.0, sd=0.8, gap=0.4, covariates=1)
    law.t.coef[1] = 0.5
    law.alpha, law.theta, law.pi = 2.5, 0.3, 0.4
    for hi, x in ((-2.0, 0.3), (-4.5, -1.0), (np.inf, 0.0)):

        def dens(y, hi=hi, x=x):
            return float(np.exp(law.log_q(np.array([y]), np.array([hi]), np.array([[x]]))[0]))

        top = hi if np.isfinite(hi) else 60.0  # the t's mass above 60 sd is < 1e-8
        mid = min(-3.0, top - 0.5)
        total = integrate.quad(dens, -np.inf, mid, limit=400)[0]
        total += integrate.quad(dens, mid, top, limit=400)[0]
        assert abs(total - 1.0) < 1e-6, (hi, total)
    box = edge.IntervalLaw()
    box.a, box.b = 1.5, 3.0
    lo, hi = np.full(5, -1.0), np.full(5, -0.2)
    y, log_q = box.draw(np.random.default_rng(0), lo, hi)
    assert np.all((y > lo) & (y < hi))
    # the Beta(a, b) density of the relative position, over the interval's width
    assert np.allclose(log_q, stats.beta.logpdf((y + 1.0) / 0.8, 1.5, 3.0) - np.log(0.8))


def test_shift_law_draws_follow_its_density():
    """Draws of the mixture against its own density (Kolmogorov-Smirnov on the CDF from
    quadrature): the sampler draws what log_q says."""
    law = edge.ShiftLaw(mean=-3.0, sd=0.8, gap=0.4, covariates=0)
    law.alpha, law.theta, law.pi = 2.5, 0.3, 0.4
    hi = -2.5
    y, _ = law.draw(np.random.default_rng(2), np.full(4000, hi), np.empty((4000, 0)))
    assert np.all(y < hi)

    def cdf(v):
        f = lambda t: float(np.exp(law.log_q(np.array([t]), np.array([hi]), np.empty((1, 0)))[0]))  # noqa: E731
        return integrate.quad(f, -np.inf, v, limit=200)[0]

    grid = np.quantile(y, [0.1, 0.3, 0.5, 0.7, 0.9])
    # 4000 draws: the empirical CDF is within 3 sd (sqrt(F(1-F)/4000) <= 0.008) of the truth
    for v, f_emp in zip(grid, (0.1, 0.3, 0.5, 0.7, 0.9)):
        assert abs(cdf(v) - f_emp) < 0.024


def test_tilt_ratio_is_the_density_ratio():
    """EdgeTilt's log ratio equals log p - log q of what it drew, with p and q from
    scipy (normal and scaled chi-square densities of every entry), for the groups of a
    tilt of order 12 (5 single entries, then dyadic blocks)."""
    tilt = edge.EdgeTilt(12, 5)
    assert tilt.gd.tolist() == [0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 6, 6]
    tilt.m = np.array([0.3, -0.2, 0.5, 0.0, 1.0, 0.4, -0.3])
    tilt.g = np.array([0.8, 1.3, 1.0, 0.6, 2.0, 0.9, 1.2])
    s = 0.7
    a, e, log_r, zs, cs = tilt.draw(np.random.default_rng(3), 30, s)
    z, c = a / (s * np.sqrt(2.0)), (e / s) ** 2
    m, g, dof = tilt.m[tilt.gd], tilt.g[tilt.go], np.arange(11, 0, -1.0)
    log_q_c = stats.chi2.logpdf(c / g, dof) - np.log(g)  # c = g * chi2
    want = (
        stats.norm.logpdf(z).sum(1) - stats.norm.logpdf(z - m).sum(1)
        + stats.chi2.logpdf(c, dof).sum(1) - log_q_c.sum(1)
    )  # fmt: skip
    assert np.allclose(log_r, want, rtol=1e-12, atol=1e-10)
    assert np.allclose(zs[:, 5], z[:, 5:10].sum(1)) and np.allclose(cs[:, 6], c[:, 10])


@pytest.fixture(scope="module")
def plain_draws():
    """One set of plain dense draws at N = 12 serves every question (one draw per term)."""
    return sg.kac_rice_samples(3, 3, 1.0, 8, 4, 150_000, 3)


@pytest.mark.parametrize(
    "k_D,k_G,u_G,d_index",
    [(1, 0, np.inf, "ascent"), (1, 1, np.inf, "ascent"), (3, 0, np.inf, "ascent"),
     (4, 1, np.inf, "ascent"), (3, 1, -1.9, "ascent"), (3, 1, np.inf, "descent"),
     (2, 0, np.inf, "descent"), (2, 2, np.inf, "ascent"), (2, 3, np.inf, "ascent")],
)  # fmt: skip
def test_edge_estimates_agree_with_plain_sampling(plain_draws, k_D, k_G, u_G, d_index):
    """N = 12 (n_D = 8, n_G = 4): plain dense sampling is the reference where its own
    ESS is in the hundreds (150 000 draws); the pairs cover the shift pinned below the
    edge (k = 0 on one block), between two eigenvalues at the edge (k = 1, 2) and
    inside the bulk (k = 3, 4), both sides of the D block, a loss threshold, and two and
    three forced G eigenvalues (the largest drawn first: a factor k in the weight).  The
    pinned pairs (0, 0) and (0, 1), where plain sampling has an ESS of 20-30, are
    checked against counted critical points below."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
        plain = plain_draws.expected(np.inf, u_G, k_D, k_G, d_index=d_index)
        draws = sg.kac_rice_samples(3, 3, 1.0, 8, 4, 20_000, 4, proposal="auto", u_G=u_G,
                                    k_D=k_D, k_G=k_G, d_index=d_index)  # fmt: skip
        est = draws.expected(np.inf, u_G, k_D, k_G, d_index=d_index, min_ess=0)
    assert draws.sampler == "edge" and est.hits == est.samples
    assert est.ess > 50  # the package's warning threshold: 20 000 draws suffice here
    assert abs(_z(plain, est)) < 4


def test_edge_draws_answer_their_question_and_lower_thresholds_only():
    """Draws cut to u_G <= -0.96 (the 70% point of the (3, 1) terms' law of u_G) answer
    u_G <= -2.99 (its 30% point) as draws made for that threshold do."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
        d = sg.kac_rice_samples(3, 3, 1.0, 8, 4, 20_000, 5, proposal="auto", u_G=-0.96,
                                k_D=3, k_G=1)  # fmt: skip
        low = d.expected(np.inf, -2.99, 3, 1, min_ess=0)
        made = sg.kac_rice_samples(3, 3, 1.0, 8, 4, 20_000, 6, proposal="auto", u_G=-2.99,
                                   k_D=3, k_G=1)  # fmt: skip
        direct = made.expected(np.inf, -2.99, 3, 1, min_ess=0)
        whole = d.expected(np.inf, -0.96, 3, 1, min_ess=0)
    assert d.max_thresholds == (np.inf, -0.96)
    assert low.hits < 0.6 * low.samples and low.value < 0.6 * whole.value  # the cut matters
    assert abs(_z(direct, low)) < 4
    with pytest.raises(ValueError, match="thresholds"):
        d.expected(np.inf, 1.0, 3, 1)
    with pytest.raises(ValueError, match="thresholds"):
        d.expected_map(np.array([1.0, np.inf]), np.array([-3.0, 1.0]), 3, 1)
    with pytest.raises(ValueError, match="k_G = 1"):
        d.expected(np.inf, -1.0, 3, None)
    with pytest.raises(ValueError, match="edge"):
        sg.kac_rice_samples(3, 3, 1.0, 8, 4, 200, 0, k_G=1, sampler="edge", proposal="auto")


def test_stored_indexed_comparison_is_within_errors():
    """data/counts/comparison_indexed.json (scripts/compare_counts.py --indexed, made with
    the edge sampler): the three commonest (k_D, k_G) of each of the 24 settings, 72
    z-scores, all within 3 combined standard errors, each from >= 200 effective draws."""
    rows = [r for s in json.loads((COUNTS / "comparison_indexed.json").read_text())
            for r in s["rows"] if r["question"].startswith("(k_D")]  # fmt: skip
    assert len(rows) == 72
    assert max(abs(r["z"]) for r in rows) <= 3.0
    assert min(r["ess"] for r in rows) >= 200


def test_edge_sampler_against_counted_instances():
    """One stored setting recomputed live (p = 3, q = 2, sigma_z = 1, n_D = n_G = 3,
    1000 instances): its three commonest index pairs from the edge sampler against the
    counts per instance, |z| <= 3."""
    data = sg.load_result(COUNTS / "p3_q2_sz1_nd3_ng3.npz")
    meta = data.metadata
    inst, k_D_pts, k_G_pts = (np.asarray(data[k]) for k in ("instance", "k_D", "k_G"))
    pairs, freq = np.unique(np.stack([k_D_pts, k_G_pts], 1), axis=0, return_counts=True)
    for k_D, k_G in pairs[np.argsort(-freq, kind="stable")[:3]]:
        per = np.bincount(inst[(k_D_pts == k_D) & (k_G_pts == k_G)],
                          minlength=meta["instances"]).astype(float)  # fmt: skip
        counted = (per.mean(), per.std(ddof=1) / np.sqrt(per.size))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
            est = sg.expected_critical_points(
                meta["p"], meta["q"], meta["sigma_z"], meta["n_D"], meta["n_G"],
                k_D=int(k_D), k_G=int(k_G), samples=20_000, rng=7, proposal="auto", min_ess=0,
            )  # fmt: skip
        assert est.ess > 200
        assert abs(_z(counted, est)) < 3


@pytest.mark.parametrize("p,q,sigma_z,n_D,n_G", [(2, 1, 0.5, 6, 6), (3, 2, 1.0, 6, 6),
                                                 (2, 2, 1.0, 9, 3)])  # fmt: skip
def test_edge_sampler_on_other_models(p, q, sigma_z, n_D, n_G):
    """Other models and splits (kappa 1/2 and 3/4): the three commonest index pairs of
    plain draws (ESS in the thousands there) against the edge sampler, |z| < 4."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
        plain = sg.kac_rice_samples(p, q, sigma_z, n_D, n_G, 100_000, 1)
        pairs, freq = np.unique(np.stack([plain.neg_D, plain.neg_G], 1), axis=0,
                                return_counts=True)  # fmt: skip
        for k_D, k_G in pairs[np.argsort(-freq, kind="stable")[:3]]:
            ref = plain.expected(k_D=int(k_D), k_G=int(k_G), min_ess=0)
            est = sg.expected_critical_points(
                p, q, sigma_z, n_D, n_G, k_D=int(k_D), k_G=int(k_G), samples=10_000, rng=2,
                proposal="auto", min_ess=0,
            )  # fmt: skip
            assert ref.ess > 1000 and est.ess > 300
            assert abs(_z(ref, est)) < 4


def test_edge_sampler_at_a_tiny_sigma_z():
    """sigma_z = 1e-6 makes the shifts' covariance ill-conditioned (condition ~1e12,
    which scipy's multivariate normal calls singular): the edge sampler still draws, and
    agrees with the spectral sampler."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
        edge_draws = sg.kac_rice_samples(2, 1, 1e-6, 8, 4, 10_000, 0, proposal="auto", k_D=0,
                                         k_G=0)  # fmt: skip
        ref = sg.kac_rice_samples(2, 1, 1e-6, 8, 4, 40_000, 1, proposal="auto", k_D=0, k_G=0,
                                  sampler="spectral")  # fmt: skip
        spec = ref.expected(k_D=0, k_G=0, min_ess=0)
        est = edge_draws.expected(k_D=0, k_G=0, min_ess=0)
    assert edge_draws.sampler == "edge" and est.ess > 300
    assert abs(_z(spec, est)) < 4


def test_auto_outside_the_computable_range_names_sigma_z():
    """proposal="auto" solves the N -> infinity exponent, so it refuses what GanSpinGlass
    refuses (a loss covariance of condition number > 1e12), naming the argument."""
    with pytest.raises(ValueError, match="sigma_z out of the computable range"):
        sg.kac_rice_samples(3, 3, 1e6, 8, 4, 100, 0, proposal="auto", k_D=0, k_G=0)
    with pytest.raises(ValueError, match="sigma_z out of the computable range"):
        sg.expected_critical_points(3, 3, 1e6, 8, 4, samples=100, rng=0, proposal="auto")


def test_tempered_pilot_weights():
    """beta = 1 when the plain weights have the ESS asked for; otherwise the tempered
    weights' ESS equals the target (to the bisection's precision) and beta < 1."""
    terms = np.random.default_rng(0).standard_normal(1000) * 6.0
    terms[3] = -np.inf  # a draw outside the question: weight 0 at every beta
    beta, w = edge._tempered(terms, 100.0)
    ess = w.sum() ** 2 / (w * w).sum()
    assert 0.0 < beta < 1.0 and abs(ess - 100.0) < 0.5 and w[3] == 0.0
    beta, w = edge._tempered(terms * 0.01, 100.0)
    assert beta == 1.0 and np.allclose(w, np.where(np.isfinite(terms), np.exp(terms * 0.01), 0))


@pytest.mark.parametrize("p,q,sigma_z,n_D,n_G,k_D,k_G", [(4, 2, 0.2, 2, 9, 1, 1),
                                                         (2, 2, 1.0, 4, 4, 3, 1)])  # fmt: skip
def test_every_d_eigenvalue_forced(p, q, sigma_z, n_D, n_G, k_D, k_G):
    """k_D = n_D - 1 with the D shift beyond the bulk: every D eigenvalue is forced below
    it and no edge lies above (the draws were NaN, then LAPACK refused them); against
    plain sampling, |z| < 4."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
        plain = sg.kac_rice_samples(p, q, sigma_z, n_D, n_G, 200_000, 1).expected(
            k_D=k_D, k_G=k_G, min_ess=0)  # fmt: skip
        draws = sg.kac_rice_samples(p, q, sigma_z, n_D, n_G, 20_000, 5, proposal="auto",
                                    k_D=k_D, k_G=k_G)  # fmt: skip
        est = draws.expected(k_D=k_D, k_G=k_G, min_ess=0)
    assert draws.sampler == "edge" and np.isfinite(est.value) and est.ess > 50
    assert abs(_z(plain, est)) < 4
