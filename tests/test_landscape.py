"""Sampled instances: field covariances, derivatives, J', critical points and counts.

Statistical checks use 5-sigma bounds (each fails with probability below 1e-6).
"""

import math

import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan.landscapes.landscape import bezout_bound, euler_characteristic


def on_spheres(rng, n_d, n, m):
    w = rng.standard_normal((m, n))
    w[:, :n_d] *= math.sqrt(n) / np.linalg.norm(w[:, :n_d], axis=1, keepdims=True)
    w[:, n_d:] *= math.sqrt(n) / np.linalg.norm(w[:, n_d:], axis=1, keepdims=True)
    return w


def covariance_zscores(p, q, sigma_z, n_d, n_g, instances, seed):
    """z-scores of the sample covariances of (l_D, l_G) at two fixed points."""
    rng = np.random.default_rng(seed)
    n = n_d + n_g
    u, v = on_spheres(rng, n_d, n, 2)
    vals = np.empty((instances, 4))
    for i in range(instances):
        land = sg.GanLandscape.sample(p, q, sigma_z, n_d, n_g, rng=rng)
        vals[i] = [*land.l_D(np.stack([u, v])), *land.l_G(np.stack([u, v]))]
    a_d, a_g, r = 0.5, 2 * sigma_z**2, p + q
    cases = [
        (vals[:, 0] * vals[:, 1], n * a_d * (u[:n_d] @ v[:n_d] / n) ** p),
        (vals[:, 0] ** 2, n * a_d),
        (vals[:, 2] * vals[:, 3], n * a_g * (u @ v / n) ** r),
        (vals[:, 2] ** 2, n * a_g * 2.0**r),
        (vals[:, 0] * vals[:, 2], 0.0),
        (vals[:, 1] * vals[:, 3], 0.0),
    ]
    return [(x.mean() - want) / (x.std(ddof=1) / math.sqrt(x.size)) for x, want in cases]


@pytest.mark.parametrize("p, q, n_d, n_g", [(2, 1, 2, 3), (3, 2, 3, 2)])
def test_field_covariances(p, q, n_d, n_g):
    z = covariance_zscores(p, q, 0.7, n_d, n_g, 2000, seed=p * 10 + q)
    assert max(abs(x) for x in z) < 5, z


@pytest.mark.slow
@pytest.mark.parametrize("p, q, n_d, n_g", [(2, 1, 3, 3), (2, 2, 2, 2), (3, 2, 3, 3)])
def test_field_covariances_many_instances(p, q, n_d, n_g):
    z = covariance_zscores(p, q, 1.0, n_d, n_g, 40_000, seed=7)
    assert max(abs(x) for x in z) < 5, z


@pytest.fixture(params=[(2, 1, 3, 2), (3, 2, 2, 3), (2, 2, 3, 3)], ids=str)
def land(request):
    p, q, n_d, n_g = request.param
    return sg.GanLandscape.sample(p, q, 0.8, n_d, n_g, rng=11)


def retract(land, w):
    out = np.array(w, dtype=float)
    rt = math.sqrt(land.N)
    for sl in (slice(0, land.n_D), slice(land.n_D, land.N)):
        out[..., sl] *= rt / np.linalg.norm(out[..., sl], axis=-1, keepdims=True)
    return out


def test_euclidean_gradients_match_finite_differences(land):
    rng = np.random.default_rng(0)
    w = on_spheres(rng, land.n_D, land.N, 3)
    h = 1e-5
    eye = np.eye(land.N)
    fd_d = np.stack([(land.loss_D(w + h * e) - land.loss_D(w - h * e)) / (2 * h) for e in eye], 1)
    fd_g = np.stack([(land.loss_G(w + h * e) - land.loss_G(w - h * e)) / (2 * h) for e in eye], 1)
    scale = np.abs(land.grad_loss_D(w)).max()
    assert np.abs(fd_d - land.grad_loss_D(w)).max() < 1e-7 * scale
    assert np.abs(fd_g - land.grad_loss_G(w)).max() < 1e-7 * scale
    # Euler's identity for the homogeneous fields.
    assert np.allclose(land.grad_loss_G(w) @ np.eye(land.N) * w, land.grad_loss_G(w) * w)
    np.testing.assert_allclose(np.sum(land.grad_loss_G(w) * w, 1), land.r * land.l_G(w))


def test_riemannian_gradient_is_the_projection(land):
    w = on_spheres(np.random.default_rng(1), land.n_D, land.N, 4)
    nd, n = land.n_D, land.N
    gd = land.grad_loss_D(w)[:, :nd]
    gg = land.grad_loss_G(w)[:, nd:]
    want_d = gd - np.sum(gd * w[:, :nd], 1, keepdims=True) * w[:, :nd] / n
    want_g = gg - np.sum(gg * w[:, nd:], 1, keepdims=True) * w[:, nd:] / n
    np.testing.assert_allclose(land.riemannian_grad_D(w), want_d, atol=1e-12 * n)
    np.testing.assert_allclose(land.riemannian_grad_G(w), want_g, atol=1e-12 * n)


def test_jacobian_matches_finite_differences(land):
    """J' (ambient) against central differences of the field along tangent vectors."""
    w = on_spheres(np.random.default_rng(2), land.n_D, land.N, 2)
    nd, n = land.n_D, land.N
    h = 1e-5
    jp = land.jprime(w, tangent=False)
    basis = land.tangent_basis(w)
    worst = 0.0
    for k in range(w.shape[0]):
        proj = basis[k] @ basis[k].T
        for j in range(n - 2):
            xi = basis[k][:, j]
            # The field extended off the spheres through the retraction.
            dv = (
                land.field(retract(land, w[k] + h * xi)) - land.field(retract(land, w[k] - h * xi))
            ) / (2 * h)
            col = proj @ dv
            col[:nd] *= -1.0
            worst = max(worst, np.abs(col - jp[k] @ xi).max())
    assert worst < 1e-6 * np.abs(jp).max()
    # Blocks: minus the Riemannian Hessian of L_D, the Riemannian Hessian of L_G.
    np.testing.assert_allclose(jp[:, :nd, :nd], -land.riemannian_hessian_D(w), atol=1e-12)
    np.testing.assert_allclose(jp[:, nd:, nd:], land.riemannian_hessian_G(w), atol=1e-12)


def test_riemannian_hessians_match_second_differences(land):
    """v^T Hess_R f v = d^2/dt^2 f(retraction(w + t v)) at t = 0 (geodesic to 2nd order)."""
    w = on_spheres(np.random.default_rng(3), land.n_D, land.N, 2)
    nd, n = land.n_D, land.N
    basis = land.tangent_basis(w)
    h = 1e-4
    for k in range(2):
        for j in range(n - 2):
            xi = basis[k][:, j]
            # Exponential map on each sphere: a geodesic, so second differences give Hess_R.
            pts = []
            for t in (-h, 0.0, h):
                out = np.empty(n)
                for sl in (slice(0, nd), slice(nd, n)):
                    x, v = w[k][sl], xi[sl]
                    s = np.linalg.norm(v) / math.sqrt(n)
                    out[sl] = x * math.cos(s * t) + (v / s * math.sin(s * t) if s else 0 * v)
                pts.append(out)
            pts = np.array(pts)
            if j < nd - 1:
                f = land.loss_D(pts)
                hess = land.riemannian_hessian_D(w[k])
                want = xi[:nd] @ hess @ xi[:nd]
            else:
                f = land.loss_G(pts)
                hess = land.riemannian_hessian_G(w[k])
                want = xi[nd:] @ hess @ xi[nd:]
            got = (f[0] - 2 * f[1] + f[2]) / h**2
            assert abs(got - want) < 1e-4 * (1 + abs(want)), (k, j, got, want)


def test_jprime_is_h_prime_minus_shift(land):
    """J' = (projected Hessians of the fields) - diag((x + x1) I, x I), 14.1(d)."""
    w = on_spheres(np.random.default_rng(4), land.n_D, land.N, 3)
    nd, n, p, r = land.n_D, land.N, land.p, land.r
    basis = land.tangent_basis(w)
    jp = land.jprime(w)
    assert np.allclose(jp, np.swapaxes(jp, 1, 2))
    h = 1e-4
    eye = np.eye(n)
    for k in range(w.shape[0]):
        # Euclidean Hessians of l_D (D block) and l_G (all) by differences of gradients.
        grad_g = lambda x: land.grad_loss_G(x)  # noqa: E731
        hess_g = np.stack([(grad_g(w[k] + h * e) - grad_g(w[k] - h * e)) / (2 * h) for e in eye])
        grad_ld = lambda x: land.grad_loss_D(x) + land.grad_loss_G(x)  # noqa: E731
        hess_d = np.stack([(grad_ld(w[k] + h * e) - grad_ld(w[k] - h * e)) / (2 * h) for e in eye])
        hprime = hess_g.copy()
        hprime[:nd, :nd] -= hess_d[:nd, :nd]
        l_d = land.l_D(w[k])
        l_g = land.l_G(w[k])
        rho = w[k][:nd] @ land.grad_loss_G(w[k])[:nd]
        x = (r * l_g - rho) / n
        x1 = (2 * rho - p * l_d - r * l_g) / n
        b = basis[k]
        shift = np.diag([x + x1] * (nd - 1) + [x] * (n - nd - 1))
        want = b.T @ hprime @ b - shift
        assert np.abs(jp[k] - want).max() < 1e-5 * np.abs(want).max()


def test_bad_arguments():
    for kwargs, name in [
        ({"n_D": 1}, "n_D"),
        ({"n_G": 1}, "n_G"),
        ({"n_D": 2.5}, "n_D"),
        ({"p": 1}, "p"),
        ({"q": 0}, "q"),
        ({"sigma_z": 0.0}, "sigma_z"),
        ({"sigma_z": -1.0}, "sigma_z"),
    ]:
        args = {"p": 2, "q": 1, "sigma_z": 1.0, "n_D": 2, "n_G": 2, **kwargs}
        with pytest.raises(ValueError, match=name):
            sg.GanLandscape.sample(**args)
        with pytest.raises(ValueError, match=name):
            sg.count_critical_points(**args, instances=1)
    with pytest.raises(ValueError, match="instances"):
        sg.count_critical_points(2, 1, 1.0, 2, 2, instances=0)
    with pytest.raises(ValueError, match="instances"):
        sg.count_critical_points(2, 1, 1.0, 2, 2, instances=2.0)
    land = sg.GanLandscape.sample(2, 1, 1.0, 2, 2, rng=0)
    with pytest.raises(ValueError, match="w"):
        land.field(np.ones(4))  # not on the spheres
    with pytest.raises(ValueError, match="d_index"):
        land.critical_points(d_index="up")
    with pytest.raises(ValueError, match="method"):
        sg.GanLandscape.sample(2, 1, 1.0, 3, 2, rng=0).critical_points(method="grid")


def test_constants_are_inspectable():
    land = sg.GanLandscape.sample(3, 2, 0.5, 3, 2, rng=0)
    assert land.alpha_D == 0.5 and land.alpha_G == pytest.approx(0.5)
    assert land.c_D**2 == pytest.approx(0.5 * 5.0 ** (1 - 3))
    assert land.c_G**2 == pytest.approx(0.5 * 5.0 ** (1 - 5))
    assert land.X.shape == (3, 3, 3) and land.Z.shape == (5,) * 5
    assert land.constants.kappa == pytest.approx(0.6)


def test_seeded_instances_are_reproducible():
    a = sg.GanLandscape.sample(2, 2, 1.0, 3, 2, rng=5).critical_points()
    b = sg.GanLandscape.sample(2, 2, 1.0, 3, 2, rng=5).critical_points()
    np.testing.assert_array_equal(a.u_D, b.u_D)
    np.testing.assert_array_equal(a.k_G, b.k_G)


def test_topology_helpers():
    assert euler_characteristic(2, 2) == 0
    assert euler_characteristic(3, 3) == 4
    assert euler_characteristic(3, 2) == 0
    assert bezout_bound(2, 1, 2, 2) == 4 * 2**4


def check_instance(crit, land):
    assert crit.poincare_hopf_ok, (crit.euler_sum, crit.euler_expected)
    assert len(crit) <= crit.bezout
    assert crit.residual.max() < 1e-8 * math.sqrt(
        land.N * (land.constants.v_D + land.constants.v_G)
    )
    w = np.hstack([crit.w_D, crit.w_G])
    np.testing.assert_allclose(np.sum(crit.w_D**2, 1), land.N)
    # Distinct points.
    d = np.linalg.norm(w[:, None, :] - w[None, :, :], axis=-1) + np.eye(len(w)) * 1e9
    assert d.min() > 1e-4


def agree(a, b):
    """Same points (sorted by losses) found by two methods."""
    assert len(a) == len(b)
    ia, ib = np.argsort(a.u_D), np.argsort(b.u_D)
    np.testing.assert_allclose(a.u_D[ia], b.u_D[ib], atol=1e-9)
    np.testing.assert_allclose(a.u_G[ia], b.u_G[ib], atol=1e-9)
    np.testing.assert_array_equal(a.k_D[ia], b.k_D[ib])
    np.testing.assert_array_equal(a.k_G[ia], b.k_G[ib])
    np.testing.assert_array_equal(a.sign[ia], b.sign[ib])


@pytest.mark.parametrize("p, q", [(2, 1), (2, 2), (3, 2)])
def test_torus_grid_and_newton_agree(p, q):
    for seed in range(3):
        land = sg.GanLandscape.sample(p, q, 1.0, 2, 2, rng=seed)
        grid = land.critical_points(method="grid")
        newton = land.critical_points(method="newton")
        check_instance(grid, land)
        check_instance(newton, land)
        agree(grid, newton)


@pytest.mark.slow
@pytest.mark.parametrize("p, q, sigma_z", [(2, 1, 0.5), (2, 2, 1.0), (3, 2, 0.5), (3, 2, 1.0)])
def test_torus_grid_and_newton_agree_many(p, q, sigma_z):
    for seed in range(100):
        land = sg.GanLandscape.sample(p, q, sigma_z, 2, 2, rng=1000 + seed)
        agree(land.critical_points(method="grid"), land.critical_points(method="newton"))


@pytest.mark.parametrize("p, q, n_d, n_g", [(2, 1, 3, 3), (2, 2, 3, 2), (3, 2, 2, 3)])
def test_newton_points_are_complete(p, q, n_d, n_g):
    land = sg.GanLandscape.sample(p, q, 1.0, n_d, n_g, rng=3)
    crit = land.critical_points()
    check_instance(crit, land)
    # Saturation: ten times the starts find nothing new.
    more = land.critical_points(rng=99, min_starts=10 * crit.starts, max_starts=10 * crit.starts)
    agree(crit, more)


def test_d_index_sides_are_complementary():
    land = sg.GanLandscape.sample(3, 2, 1.0, 3, 3, rng=1)
    asc = land.critical_points()
    desc = land.critical_points(d_index="descent")
    np.testing.assert_array_equal(asc.k_D + desc.k_D, land.n_D - 1)
    np.testing.assert_array_equal(asc.k_G, desc.k_G)


def test_q_even_points_come_in_pairs():
    land = sg.GanLandscape.sample(2, 2, 1.0, 3, 3, rng=4)
    crit = land.critical_points()
    w = np.hstack([crit.w_D, crit.w_G])
    assert len(sg.GanLandscape.sample(2, 2, 1.0, 3, 3, rng=4).describe(-w)["u_D"]) == len(w)
    # -w is among the points for every w, with losses (-1)^p times.
    for row, ud in zip(w, crit.u_D):
        j = np.argmin(np.linalg.norm(w + row, axis=1))
        assert np.linalg.norm(w[j] + row) < 1e-8 and crit.u_D[j] == pytest.approx(ud)
