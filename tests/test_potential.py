"""Log-potential: closed forms, quadrature, derivative, asymptotics, Monte Carlo."""

import math

import mpmath as mp
import numpy as np
import pytest
from conftest import ACCEPTANCE_SETS
from scipy import integrate

import spinglass_gan as sg


def semicircle_log_potential(x, radius):
    """The semicircle's closed form (docs/theory.md, "Log-potential in closed form"),
    evaluated at 40 digits
    (the expression cancels catastrophically in double precision far outside the
    support)."""
    with mp.workdps(40):
        r = mp.mpf(radius)
        x = mp.mpf(x)
        y = 2 * abs(x) / r
        out = x**2 / r**2 - mp.mpf(1) / 2 + mp.log(r / 2)
        if y > 2:
            root = mp.sqrt(y * y - 4)
            out -= y * root / 4 - mp.log((y + root) / 2)
        return float(out)


def test_semicircle_closed_form():
    # b1 = 0, x1 = 0: semicircle of radius R = sqrt(2) b.  Inside, at the edges
    # and out to 1e4 support widths, to 1e-10 (absolute; L is O(1)-O(10)).
    b = 1.7
    radius = math.sqrt(2) * b
    e = sg.HessianEnsemble(b, 0.0, 0.3, 0.0)
    x = np.concatenate(
        [
            np.linspace(-3 * radius, 3 * radius, 301),
            [radius, -radius, radius * (1 + 1e-12), radius * (1 - 1e-12)],
            2 * radius * np.array([1e2, -1e3, 1e4, -1e4]),
        ]
    )
    ours = e.log_potential(x)
    exact = np.array([semicircle_log_potential(v, radius) for v in x])
    np.testing.assert_allclose(ours, exact, rtol=0, atol=1e-10)


@pytest.mark.parametrize("params", [*ACCEPTANCE_SETS[::2], ACCEPTANCE_SETS[-1]])
def test_against_quadrature(params):
    # Adaptive quadrature of log|lambda - x| rho(lambda), with the log singularity
    # and the support edges as breakpoints: agreement to 1e-10 inside the support,
    # in the gap, at an edge and outside.
    e = sg.HessianEnsemble(*params)
    sup = e.support()
    lo, hi = sup[0][0], sup[-1][1]
    xs = [lo - 3.0, 0.6 * lo + 0.4 * sup[0][1], sup[0][1], hi + 0.2, hi + 50 * (hi - lo)]
    if len(sup) == 2:
        xs.append(0.5 * (sup[0][1] + sup[1][0]))
    ours = e.log_potential(np.array(xs))
    for x, value in zip(xs, ours):
        total = 0.0
        for a, b in sup:
            pts = [p for p in (x, 0.0, -params[3]) if a < p < b]
            total += integrate.quad(
                lambda lam, x=x: math.log(abs(lam - x)) * e.density(lam),
                a,
                b,
                points=pts or None,
                limit=400,
                epsabs=1e-13,
            )[0]
        assert value == pytest.approx(total, abs=1e-10), x


def test_derivative_and_asymptotics():
    # dL/dx = -Re m(x) (principal value inside the support); L = log|x| - mean/x
    # + O(1/x^2) far away.
    e = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)
    x = np.array([-6.0, -3.2, -1.2, 0.3, 2.5])
    h = 1e-5
    fd = (e.log_potential(x + h) - e.log_potential(x - h)) / (2 * h)
    np.testing.assert_allclose(fd, -e.stieltjes(x).real, rtol=0, atol=1e-8)
    mean, second = e.exact_moments()
    big = np.array([-1e4, 3e4, 1e6])  # the omitted m3/(3 x^3) is < 1e-10
    expected = np.log(np.abs(big)) - mean / big - (second / 2) / big**2
    np.testing.assert_allclose(e.log_potential(big), expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("params", [(1.0, 1.0, 0.5, 3.0), (43.82, 2.324, 0.9, 0.0)])
@pytest.mark.heavy
def test_monte_carlo_converges_like_one_over_n(params):
    # (1/N) log E|det(H' - x)| and the quenched mean approach L at rate O(1/N):
    # the annealed bias inside the bulk is half the variance of log|det|, which
    # grows like log N for the GOE, hence the (2 + log N)/N bound; the quenched
    # estimator has an O(1) offset, bound 3/N.  Plus 4 standard errors.
    e = sg.HessianEnsemble(*params)
    lo, hi = e.support()[0][0], e.support()[-1][1]
    x = np.array([lo - 0.5 * (hi - lo), lo + 0.3 * (hi - lo), hi + 0.1 * (hi - lo)])
    exact = e.log_potential(x)
    for n, k in ((400, 16), (1600, 6)):
        ev = e.sample_eigvals(n, k, rng=n)
        ann = sg.annealed_log_det(ev, x)
        qu = sg.quenched_log_det(ev, x)
        assert np.all(np.abs(ann.value - exact) < (2 + math.log(n)) / n + 4 * ann.stderr)
        assert np.all(np.abs(qu.value - exact) < 3 / n + 4 * qu.stderr)
