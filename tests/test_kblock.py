"""K-block vector Dyson solver: closed forms, the paper's solver, moments, quadrature,
sampled spectra."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy import integrate

import spinglass_gan as sg
from spinglass_gan.rmt.kblock import (
    VectorDyson,
    log_potential_shifts,
    sample_block_matrix,
    validate_profile,
)

K3_PROFILE = np.array([[1.0, 0.3, 0.0], [0.3, 2.0, 0.5], [0.0, 0.5, 0.2]])
K3_KAPPA = np.array([0.3, 0.5, 0.2])

# (profile, kappa, shifts): one interval, two intervals, a narrow far block, three
# intervals, a decoupled (reducible) pair.
MEMBERS = [
    ([[2.0, 1.0], [1.0, 0.5]], [0.4, 0.6], [1.0, 0.0]),
    ([[2.0, 0.5], [0.5, 0.5]], [0.5, 0.5], [-3.5, 1.0]),
    ([[0.05, 0.02], [0.02, 3.0]], [0.2, 0.8], [12.0, 0.0]),
    (K3_PROFILE, K3_KAPPA, [0.0, 0.0, 0.0]),
    (K3_PROFILE, K3_KAPPA, [3.0, 0.0, -2.5]),
    ([[1.0, 0.0], [0.0, 2.0]], [0.3, 0.7], [4.0, -1.0]),
]


def paper_profile(b, b1, kappa):
    """H'(x1) as a 2-block member: sigma_DD = a + c / kappa, sigma_DG = sigma_GG = a."""
    a, c = 0.5 * b * b, 0.5 * b1 * b1
    return np.array([[a + c / kappa, a], [a, a]]), np.array([kappa, 1.0 - kappa])


def semicircle(s, x0, lam):
    """Density of the semicircle of variance s centred at -x0."""
    y = lam + x0
    return np.sqrt(np.maximum(4.0 * s - y * y, 0.0)) / (2.0 * math.pi * s)


def test_validation_names_the_argument():
    with pytest.raises(ValueError, match="profile"):
        VectorDyson([[1.0, 2.0], [0.0, 1.0]], [0.5, 0.5])
    with pytest.raises(ValueError, match="profile"):
        VectorDyson([[1.0, -0.1], [-0.1, 1.0]], [0.5, 0.5])
    with pytest.raises(ValueError, match="profile"):
        VectorDyson([[1.0, 0.0], [0.0, 0.0]], [0.5, 0.5])
    with pytest.raises(ValueError, match="kappa"):
        VectorDyson([[1.0]], [0.9])
    with pytest.raises(ValueError, match="kappa"):
        VectorDyson([[1.0, 0.0], [0.0, 1.0]], [1.2, -0.2])
    with pytest.raises(ValueError, match="shifts"):
        VectorDyson([[1.0]], [1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="shifts"):
        log_potential_shifts([[1.0]], [1.0], [[np.nan]])
    sig, kap = validate_profile([[1, 2], [2, 1]], [0.25, 0.75])
    assert sig.dtype == kap.dtype == np.float64


@pytest.mark.parametrize(("s", "x0"), [(1.0, 0.0), (0.3, 2.0), (7.0, -40.0)])
def test_k1_semicircle_closed_forms(s, x0):
    d = VectorDyson([[s]], [1.0], [x0])
    r = 2.0 * math.sqrt(s)
    ((lo, hi),) = d.support()
    # edges are exact to rounding (the fold Newton refines the bisection)
    tol = 1e-12 * (1 + abs(x0))
    assert abs(lo - (-x0 - r)) < tol and abs(hi - (-x0 + r)) < tol
    lam = np.linspace(-x0 - 1.5 * r, -x0 + 1.5 * r, 1001)
    np.testing.assert_allclose(d.density(lam), semicircle(s, x0, lam), atol=1e-13 / math.sqrt(s))
    z = np.array([0.3 + 0.2j, -x0 + 5j, 100.0 - 1j])
    e = z + x0
    m_exact = (-e + np.sqrt(e - 2 * math.sqrt(s)) * np.sqrt(e + 2 * math.sqrt(s))) / (2 * s)
    np.testing.assert_allclose(d.stieltjes(z), m_exact, rtol=1e-12)
    # the semicircle log-potential at 0 (radius R, centre -x0): with y = 2 x0 / R,
    # x0^2/R^2 - 1/2 + log(R/2) inside, minus |y| sqrt(y^2-4)/4 - log((|y|+sqrt(y^2-4))/2) outside
    for shift in (x0, x0 + 0.5 * r, x0 + 3.0 * r, -5e3):
        # in mpmath: far out the two terms cancel to 1e-10 in double precision
        with mpmath.workdps(40):
            rr, sh = mpmath.mpf(r), mpmath.mpf(shift)
            y = 2 * sh / rr
            ex = sh**2 / rr**2 - mpmath.mpf(1) / 2 + mpmath.log(rr / 2)
            if abs(y) > 2:
                q = mpmath.sqrt(y * y - 4)
                ex -= abs(y) * q / 4 - mpmath.log((abs(y) + q) / 2)
            exact = float(ex)
        got = log_potential_shifts([[s]], [1.0], [[shift]])[0]
        assert abs(got - exact) < 1e-12 * (1.0 + abs(exact)), (shift, got, exact)


@pytest.mark.parametrize(
    ("b", "b1", "kappa", "x1"),
    [
        (1.0, 1.0, 0.5, 0.0),
        (1.0, 1.0, 0.5, 3.0),
        (2.0, 0.0, 0.3, 0.0),
        (0.5, 2.0, 0.8, -4.0),
        (1.0, 1.0, 0.9, 1.3),
    ],
)
def test_k2_equals_paper_solver(b, b1, kappa, x1):
    """The paper's H'(x1) through the K-block interface: density, support and L agree
    with HessianEnsemble / log_potential to 1e-10 (both are exact to rounding)."""
    prof, kap = paper_profile(b, b1, kappa)
    d = VectorDyson(prof, kap, [x1, 0.0])
    ens = sg.HessianEnsemble(b, b1, kappa, x1)
    lam = np.linspace(-8.0, 8.0, 4001)
    np.testing.assert_allclose(d.density(lam), ens.density(lam), atol=1e-10, rtol=0)
    z = lam[::40] + 0.1j
    np.testing.assert_allclose(d.stieltjes(z), ens.stieltjes(z), atol=1e-10, rtol=0)
    ours, theirs = d.support(), ens.support()
    assert len(ours) == len(theirs)
    np.testing.assert_allclose(np.ravel(ours), np.ravel(theirs), rtol=1e-10, atol=1e-12)
    x = np.concatenate((np.linspace(-12.0, 12.0, 49), [-3e3, 2e4]))
    got = log_potential_shifts(prof, kap, np.stack((x + x1, x), axis=-1))
    np.testing.assert_allclose(got, sg.log_potential(x, b, b1, kappa, x1), atol=1e-10, rtol=0)


@pytest.mark.parametrize("member", MEMBERS)
def test_mass_and_moments(member):
    """Mass 1 and the exact first two moments, -sum kappa_s x_s and
    sum_s kappa_s (x_s^2 + sum_t kappa_t sigma_st), by quadrature to 1e-9."""
    d = VectorDyson(*member)
    scale = 1.0 + np.abs(d.shifts).max() ** 2
    for k in range(3):
        assert abs(d.moment(k) - d.moment_exact(k)) < 1e-9 * scale, k


@pytest.mark.parametrize("member", MEMBERS)
def test_density_non_negative_and_zero_outside(member):
    d = VectorDyson(*member)
    sup = d.support()
    lo, hi = sup[0][0], sup[-1][1]
    lam = np.linspace(lo - 1.0, hi + 1.0, 20001)
    rho = d.density(lam)
    assert np.all(rho >= 0.0) and np.all(np.isfinite(rho))
    inside = np.zeros(lam.size, dtype=bool)
    for a, b in sup:
        inside |= (lam >= a) & (lam <= b)
    assert np.all(rho[~inside] == 0.0)
    mids = np.array([0.5 * (a + b) for a, b in sup])
    assert np.all(d.density(mids) > 0.0)


def test_support_counts():
    assert [len(VectorDyson(*m).support()) for m in MEMBERS] == [1, 2, 2, 1, 3, 2]


def test_reducible_profile_is_a_mixture_of_semicircles():
    d = VectorDyson([[1.0, 0.0], [0.0, 2.0]], [0.3, 0.7], [4.0, -1.0])
    lam = np.linspace(-8.0, 6.0, 2001)
    exact = 0.3 * semicircle(0.3, 4.0, lam) + 0.7 * semicircle(1.4, -1.0, lam)
    np.testing.assert_allclose(d.density(lam), exact, atol=1e-12)


def _log_potential_quad(d: VectorDyson) -> float:
    """int log|lambda| rho(lambda) by adaptive quadrature, breakpoints at the edges and 0."""
    total = 0.0
    for lo, hi in d.support():
        pts = [0.0] if lo < 0.0 < hi else None
        v, _ = integrate.quad(
            lambda t: math.log(abs(t)) * float(d.density(np.array([t]))[0]) if t != 0 else 0.0,
            lo,
            hi,
            points=pts,
            limit=400,
            epsabs=1e-13,
            epsrel=1e-12,
        )
        total += v
    return total


@pytest.mark.parametrize("member", MEMBERS[:5])
def test_log_potential_against_quadrature(member):
    """L at shifts placing 0 inside the support, in a gap and far outside, against
    quadrature of log|lambda| rho (1e-9: quadrature near the log singularity)."""
    prof, kap, x = member
    base = VectorDyson(prof, kap, x)
    sup = base.support()
    offsets = [0.5 * (sup[0][0] + sup[0][1]), sup[-1][1] + 0.3, sup[0][0] - 50.0]
    if len(sup) > 1:
        offsets.append(0.5 * (sup[0][1] + sup[1][0]))  # a gap
    for c in offsets:
        # moving 0 to c is subtracting c from every shift's negative: x_s -> x_s + c
        d = VectorDyson(prof, kap, np.asarray(x, dtype=float) + c)
        assert abs(d.log_potential() - _log_potential_quad(d)) < 1e-9, c


def test_log_potential_gradient_is_minus_block_transform():
    """dL/dx_s = -kappa_s Re m_s(0 + i0), by central differences (error ~ h^2)."""
    prof, kap, x = MEMBERS[4]
    x = np.asarray(x, dtype=float) + 0.7
    d = VectorDyson(prof, kap, x)
    m = d.blocks(np.array([0.0]))[0]
    h = 1e-5
    for s in range(3):
        e = np.zeros(3)
        e[s] = h
        grad = (log_potential_shifts(prof, kap, [x + e, x - e]) @ [1.0, -1.0]) / (2 * h)
        assert abs(grad + kap[s] * m[s].real) < 1e-8


def test_shift_vectors_vectorised_and_unordered():
    prof, kap, _ = MEMBERS[1]
    rng = np.random.default_rng(3)
    xs = rng.normal(scale=4.0, size=(200, 2))
    many = log_potential_shifts(prof, kap, xs)
    one = np.array([VectorDyson(prof, kap, v).log_potential() for v in xs[:20]])
    np.testing.assert_allclose(many[:20], one, atol=1e-13)
    assert log_potential_shifts(prof, kap, xs.reshape(10, 20, 2)).shape == (10, 20)


def test_sampler_moments():
    """Finite-n moments of the sampler: E tr W/n = -sum kappa_s x_s exactly and
    E tr W^2 / n = sum kappa_s (x_s^2 + sum_t kappa_t sigma_st) + O(1/n)."""
    prof, kap, x = MEMBERS[4]
    w = sample_block_matrix(prof, kap, x, 300, 20, rng=5)
    d = VectorDyson(prof, kap, x)
    tr1 = np.trace(w, axis1=1, axis2=2).mean() / 300
    tr2 = np.einsum("kij,kji->k", w, w).mean() / 300
    assert abs(tr1 - d.moment_exact(1)) < 0.02
    assert abs(tr2 - d.moment_exact(2)) < 0.05


def _l1(member, n, samples, seed):
    d = VectorDyson(*member)
    ev = d.sample_eigvals(n, samples, rng=seed)
    return sg.histogram_l1(ev, d.density, d.support())


def test_density_matches_sampled_spectra_k2():
    # As for the paper's ensemble (tests/test_spectra.py): 1.6 x the split-half
    # noise floor plus 0.005 for the finite-N smoothing of the edges.
    check = _l1(MEMBERS[1], 1000, 10, 11)
    assert check.distance < 1.6 * check.floor + 0.005, (check.distance, check.floor)


@pytest.mark.slow
@pytest.mark.parametrize("member", [MEMBERS[0], MEMBERS[2], MEMBERS[3], MEMBERS[4]])
def test_density_matches_sampled_spectra_slow(member):
    check = _l1(member, 1500, 16, 12)
    assert check.distance < 1.6 * check.floor + 0.005, (check.distance, check.floor)


def test_narrow_far_block_is_found():
    """A block 1e-3 wide, 40 away from the rest and weakly coupled: the support has
    its interval (the local grid around each block), and mass and moments hold."""
    d = VectorDyson([[1e-6, 1e-4], [1e-4, 3.0]], [0.1, 0.9], [40.0, 0.0])
    sup = d.support()
    assert len(sup) == 2 and sup[0][1] - sup[0][0] < 2e-3 and abs(sup[0][0] + 40.0) < 1e-2
    for k in range(3):
        assert abs(d.moment(k) - d.moment_exact(k)) < 1e-9 * (1.0 + 40.0**k)
