"""Finite-N Kac-Rice integrals: convergence to Theta at the Laplace rate, quadrature, Monte Carlo.

For p = q = 3, sigma_z = 1, kappa = 0.9, Phi peaks at (x, x1) ~ (-+2172, -+0.002) (|x| ~ s,
far outside the spectrum; Phi(x, x1) = Phi(-x, -x1) exactly). The loss levels below put the
supremum over B at one interior peak (u_D, u_G) = (10, 0), at both peaks (10, 10), on the slanted
line x1 = R x + Q at x ~ -518 (1, -0.1), and at the corner (P, R P + Q) = (192, 7.5) (-3, 0.5).
"""

import math

import numpy as np
import pytest
from scipy.special import logsumexp

import spinglass_gan as sg
from spinglass_gan.complexity.finite_n import FiniteNResult, convergence, kac_rice_log_integral

NS = (25, 50, 100, 200, 400)
PAPER = sg.GanSpinGlass(p=3, q=3, sigma_z=1.0, kappa=0.9, formula="published")
SMALL_SIGMA = sg.GanSpinGlass(p=5, q=5, sigma_z=0.01, kappa=0.5, formula="published")

# (model, u_D, u_G, where the supremum sits, number of maximisers). Laplace's method gives
# N (value - Theta) = -a log N + b + O(1/N): a = 1 for an interior maximum (2-D Gaussian),
# a = 3/2 on a smooth piece of the boundary (1-D Gaussian along it, 1/(N |grad Phi|) across),
# a = 2 at the corner (1/N from each side), b from the derivatives of Phi at the maximiser.
CASES = [
    (PAPER, 10.0, 0.0, "interior", 1),
    (PAPER, 10.0, 10.0, "interior", 2),
    (PAPER, 1.0, -0.1, "edge", 1),
    (PAPER, -3.0, 0.5, "corner", 1),
    (SMALL_SIGMA, 3.0, 0.0, "interior", 1),
]
RATE = {"interior": 1.0, "edge": 1.5, "corner": 2.0}


def phi(model, x, x1):
    """Phi(x, x1) for an x array at one x1, from the model's constants and log-potential."""
    k = model.constants
    x = np.atleast_1d(np.asarray(x, dtype=float))
    return (
        k.log_constant
        - x**2 / (2 * k.s_sq)
        - x1**2 / (2 * k.s1_sq)
        + (model.ensemble(x1).log_potential(x))
    )


def dense_theta(model, u_D, u_G, pts=201, levels=5):
    """sup_B Phi by a dense grid over B, its line x1 = R x + Q and its edge x = P, zoomed 8x
    around the best point per level. Returns (Theta, x*, x1*).

    Start box |x| <= 6 s, |x1| <= 8 s1: with r0 = sqrt(2)(b + b1) bounding the spectrum,
    L <= log(|x| + r0) + |x1|/r0, so outside the box Phi <= C + max(g(6 s) + max h,
    max g + h(8 s1)) (g, h as in ``finite_n._box``), which is asserted below Theta.
    """
    k, reg = model.constants, model.region(u_D, u_G)
    s, s1, r0 = math.sqrt(k.s_sq), math.sqrt(k.s1_sq), math.sqrt(2) * (k.b + k.b1)
    g = lambda x: -(x**2) / (2 * k.s_sq) + math.log(x + r0)  # noqa: E731
    h = lambda y: -(y**2) / (2 * k.s1_sq) + y / r0  # noqa: E731
    g_max = g(0.5 * (math.sqrt(r0**2 + 4 * k.s_sq) - r0))
    outside = k.log_constant + max(g(6 * s) + h(k.s1_sq / r0), g_max + h(8 * s1))
    cx, cx1, hx, hx1 = 0.0, 0.0, 6 * s, 8 * s1
    for _ in range(levels):
        xa, xb = cx - hx, min(cx + hx, reg.x_max)
        ya, yb = cx1 - hx1, cx1 + hx1
        xs, cands = np.linspace(xa, xb, pts), []
        for x1 in np.linspace(ya, yb, pts):
            ok = reg.contains(xs, x1)
            if ok.any():
                v = phi(model, xs[ok], x1)
                cands.append((v.max(), xs[ok][v.argmax()], x1))
        for x in xs:  # the slanted boundary, exactly on it
            y = float(reg.x1_lower(x))
            if ya <= y <= yb:
                cands.append((phi(model, x, y)[0], x, y))
        if xb == reg.x_max:  # the edge x = P, from the corner up
            for y in np.linspace(max(ya, float(reg.x1_lower(xb))), yb, pts):
                cands.append((phi(model, xb, y)[0], xb, y))
        best, cx, cx1 = max(cands, key=lambda c: c[0])
        hx, hx1 = hx / 8, hx1 / 8
    assert outside < best - 1.0
    return best, cx, cx1


def laplace_constant(model, u_D, u_G, kind, x, x1):
    """b of N (value - Theta) = -a log N + b, from finite differences of Phi at (x, x1)."""
    k, reg = model.constants, model.region(u_D, u_G)
    hx, h1 = 1e-3 * math.sqrt(k.s_sq), 1e-3 * math.sqrt(k.s1_sq)
    f = lambda dx, dy: phi(model, x + dx, x1 + dy)[0]  # noqa: E731
    fx = (f(hx, 0) - f(-hx, 0)) / (2 * hx)
    f1 = (f(0, h1) - f(0, -h1)) / (2 * h1)
    if kind == "corner":  # wedge x <= P, v = x1 - R x - Q >= 0 (unit Jacobian)
        return -math.log((fx + reg.slope * f1) * -f1)
    if kind == "edge":  # Gaussian along the line, exponential across
        t = lambda dx: f(dx, reg.slope * dx)  # noqa: E731
        curv = (t(hx) - 2 * t(0) + t(-hx)) / hx**2
        return 0.5 * math.log(2 * math.pi / -curv) - math.log(-f1)
    fxx = (f(hx, 0) - 2 * f(0, 0) + f(-hx, 0)) / hx**2
    f11 = (f(0, h1) - 2 * f(0, 0) + f(0, -h1)) / h1**2
    fx1 = (f(hx, h1) - f(hx, -h1) - f(-hx, h1) + f(-hx, -h1)) / (4 * hx * h1)
    return math.log(2 * math.pi) - 0.5 * math.log(fxx * f11 - fx1**2)


@pytest.mark.parametrize(("model", "u_D", "u_G", "kind", "peaks"), CASES)
def test_coulomb_tends_to_theta_at_laplace_rate(model, u_D, u_G, kind, peaks):
    theta, x, x1 = dense_theta(model, u_D, u_G)
    assert model.theta(u_D, u_G) == pytest.approx(theta, abs=1e-7)
    reg = model.region(u_D, u_G)
    on_line, on_edge = abs(x1 - float(reg.x1_lower(x))) < 1e-9, x == reg.x_max
    assert (on_line, on_edge) == {
        "interior": (False, False),
        "edge": (True, False),
        "corner": (True, True),
    }[kind]
    a = RATE[kind]
    b = laplace_constant(model, u_D, u_G, kind, x, x1) + math.log(peaks)
    ns = np.array(NS)
    values = np.array([kac_rice_log_integral(model, u_D, u_G, n).value for n in NS])
    d = ns * (values - theta)
    # O(log N / N): |N (value - Theta)| <= 2 log N + |b| (a <= 2), up to the O(1/N) term.
    assert np.all(np.abs(d) <= 2 * np.log(ns) + abs(b) + 1)
    # The rate itself: N (value - Theta) + a log N -> b with an O(1/N) remainder (observed
    # N * remainder: -0.08 interior, -1.1 edge, -0.26 corner).
    np.testing.assert_array_less(np.abs(d + a * np.log(ns) - b), 2 / ns)
    # |value - Theta| decreases unless b - a log N changes sign inside the range (the edge
    # case crosses zero near N ~ e^(b/a) ~ 190, where |value - Theta| dips).
    if kind != "edge":
        assert np.all(np.diff(np.abs(values - theta)) < 0)


@pytest.mark.parametrize(("model", "u_D", "u_G"), [c[:3] for c in CASES[1:4]])
@pytest.mark.parametrize("n", [25, 400])
def test_quadrature_converged(model, u_D, u_G, n):
    base = kac_rice_log_integral(model, u_D, u_G, n).value
    fine = kac_rice_log_integral(model, u_D, u_G, n, x_nodes=2048, x1_nodes=128).value
    assert abs(fine - base) < 1e-6


def test_independent_trapezoid_over_a_wide_box():
    # Both peaks interior, N = 25 (widest integrand): plain trapezoid over |x| <= 6 s,
    # |x1| <= 8 s1 (the dense-theta box), where the integrand is smooth and negligible at
    # the edges, so the trapezoid is spectrally accurate.
    k, n = PAPER.constants, 25
    xs = np.linspace(-6 * math.sqrt(k.s_sq), 6 * math.sqrt(k.s_sq), 4001)
    x1s = np.linspace(-8 * math.sqrt(k.s1_sq), 8 * math.sqrt(k.s1_sq), 401)
    rows = [logsumexp(n * phi(PAPER, xs, x1)) for x1 in x1s]
    ref = (logsumexp(rows) + math.log((xs[1] - xs[0]) * (x1s[1] - x1s[0]))) / n
    assert kac_rice_log_integral(PAPER, 100.0, 100.0, n).value == pytest.approx(ref, abs=1e-9)


def test_large_n_stays_finite():
    # N Phi ~ 7e4: exponentiating it would overflow; the value keeps the Laplace form.
    theta, x, x1 = dense_theta(PAPER, 10.0, 0.0)
    b = laplace_constant(PAPER, 10.0, 0.0, "interior", x, x1)
    res = kac_rice_log_integral(PAPER, 10.0, 0.0, 5000)
    assert 5000 * (res.value - theta) + math.log(5000) == pytest.approx(b, abs=0.01)
    assert res == FiniteNResult(res.value, 0.0, 5000, "coulomb")


# Monte Carlo against Coulomb: the maximisers sit outside the spectrum, where
# (1/N) log E|det| - L = O(1/N); 0.25/N covers the observed N * difference (<= 0.05 for
# N = 25..400, 50 samples) with room, and is well below the finite-N effect itself
# (|N (value - Theta)| ~ 1 to 8 here).
MC_CASES = [(-1.0, -0.1), (10.0, 0.0)]


@pytest.mark.parametrize(("u_D", "u_G"), MC_CASES)
@pytest.mark.parametrize("n", [25, 50])
def test_montecarlo_agrees_with_coulomb(u_D, u_G, n):
    coul = kac_rice_log_integral(PAPER, u_D, u_G, n).value
    mc = kac_rice_log_integral(PAPER, u_D, u_G, n, method="montecarlo", samples=20, rng=n)
    assert mc.n == n and mc.method == "montecarlo" and mc.stderr > 0
    assert abs(mc.value - coul) < 0.25 / n + 4 * mc.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("u_D", "u_G"), [(-1.0, -0.1), (1.0, -0.1)])
def test_montecarlo_agrees_with_coulomb_n200(u_D, u_G):
    coul = kac_rice_log_integral(PAPER, u_D, u_G, 200).value
    mc = kac_rice_log_integral(PAPER, u_D, u_G, 200, method="montecarlo", samples=50, rng=7)
    assert abs(mc.value - coul) < 0.25 / 200 + 4 * mc.stderr


@pytest.mark.heavy
def test_montecarlo_stderr_matches_spread():
    # The delta-method standard error describes the spread of independent repetitions.
    runs = [
        kac_rice_log_integral(PAPER, -1.0, -0.1, 25, method="montecarlo", samples=20, rng=s)
        for s in range(12)
    ]
    spread = np.std([r.value for r in runs], ddof=1)
    assert 0.5 < spread / np.mean([r.stderr for r in runs]) < 2.0


def test_convergence_table(capsys):
    out = convergence(PAPER, 10.0, 0.0, ns=(25, 50), samples=4, rng=0)
    assert set(out) == {
        "n",
        "coulomb_value",
        "coulomb_stderr",
        "montecarlo_value",
        "montecarlo_stderr",
    }
    np.testing.assert_array_equal(out["n"], [25, 50])
    direct = [kac_rice_log_integral(PAPER, 10.0, 0.0, n).value for n in (25, 50)]
    np.testing.assert_array_equal(out["coulomb_value"], direct)
    np.testing.assert_array_equal(out["coulomb_stderr"], 0.0)
    assert np.all(out["montecarlo_stderr"] > 0)
    np.testing.assert_allclose(out["montecarlo_value"], direct, atol=0.01)
    kac_rice_log_integral(PAPER, 10.0, 0.0, 10, method="montecarlo", samples=2, progress=True)
    assert "x1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n": 1}, "n"),
        ({"n": 25.0}, "n"),
        ({"n": True}, "n"),
        ({"samples": 1}, "samples"),
        ({"method": "laplace"}, "method"),
        ({"u_D": math.nan}, "u_D"),
        ({"u_G": math.inf}, "u_G"),
        ({"u_D": "1"}, "u_D"),
        ({"x_nodes": 0}, "x_nodes"),
    ],
)
def test_argument_validation(kwargs, name):
    args = {"u_D": 1.0, "u_G": 0.0, "n": 25} | kwargs
    with pytest.raises(ValueError, match=name):
        kac_rice_log_integral(PAPER, args.pop("u_D"), args.pop("u_G"), args.pop("n"), **args)
