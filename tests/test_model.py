"""Model constants, the Kac-Rice region and argument validation."""

import dataclasses
import math

import numpy as np
import pytest

import spinglass_gan as sg


def test_constants_match_spec_formulas():
    # p = q = 3, sigma_z = 1, kappa = 0.9: SPEC section 1, evaluated by hand.
    m = sg.GanSpinGlass(p=3, q=3, sigma_z=1.0, kappa=0.9, formula="published")
    assert m.b == pytest.approx(math.sqrt(6 * 5 * 64), rel=1e-15)
    assert m.b == pytest.approx(43.8178046, abs=1e-7)
    assert m.b1 == pytest.approx(math.sqrt(3 * 2 * 0.9), rel=1e-15)
    assert m.s_sq == pytest.approx(36 * 2.0**18 / 2, rel=1e-15)
    assert math.sqrt(m.s_sq) == pytest.approx(2172.2, abs=0.05)  # SPEC: "s is about 2172"
    assert m.s1_sq == 4.5
    g = 6 * 64.0
    c = (
        6.5 * math.log(2)
        + 5 * math.log(math.pi)
        - 0.45 * math.log(3 + g)
        - 0.05 * math.log(g)
        - 0.45 * math.log(0.9)
        - 0.05 * math.log(0.1)
    )
    assert m.log_constant == pytest.approx(c, rel=1e-14)


def test_region_bounds():
    m = sg.GanSpinGlass(p=3, q=3, sigma_z=1.0, kappa=0.9, formula="published")
    r = m.region(u_D=0.5, u_G=-0.2)
    assert r.x_max == pytest.approx(384 * -0.2)
    assert r.intercept == pytest.approx(-1.5)
    assert r.slope == pytest.approx(-3 / 384)
    x = np.array([-100.0, -100.0, -50.0])
    x1 = np.array([0.0, -1.0, 10.0])
    # x1 > R x + Q: at x = -100 the bound is 100*3/384 - 1.5 = -0.71875
    np.testing.assert_array_equal(r.contains(x, x1), [True, False, False])


def test_constants_are_replaceable():
    m = sg.GanSpinGlass(p=3, q=3, sigma_z=1.0, kappa=0.9, formula="published")
    mine = dataclasses.replace(m.constants, b1=1.0, log_constant=0.0)
    m2 = sg.GanSpinGlass(p=3, q=3, sigma_z=1.0, kappa=0.9, constants=mine, formula="published")
    assert m2.b1 == 1.0 and m2.log_constant == 0.0 and m2.b == m.b
    assert m2.ensemble(2.0).b1 == 1.0
    assert m2.constants.as_dict()["b1"] == 1.0


def test_ensemble_from_model():
    m = sg.GanSpinGlass(p=3, q=3, sigma_z=1.0, kappa=0.9, formula="published")
    e = m.ensemble(1.5)
    assert (e.b, e.b1, e.kappa, e.x1) == (m.b, m.b1, 0.9, 1.5)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"kappa": 1.5}, "kappa"),
        ({"kappa": 0.0}, "kappa"),
        ({"kappa": float("nan")}, "kappa"),
        ({"p": 1}, "p"),
        ({"p": 2.5}, "p"),
        ({"q": 0}, "q"),
        ({"sigma_z": -1.0}, "sigma_z"),
        ({"sigma_z": 0.0}, "sigma_z"),
        ({"sigma_z": float("inf")}, "sigma_z"),
        ({"sigma_z": "1"}, "sigma_z"),
    ],
)
def test_model_validation_names_argument(kwargs, name):
    args = {"p": 3, "q": 3, "sigma_z": 1.0, "kappa": 0.9} | kwargs
    with pytest.raises(ValueError, match=name):
        sg.GanSpinGlass(**args, formula="published")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"b": 0.0}, "b"),
        ({"b": -1.0}, "b"),
        ({"b1": -0.1}, "b1"),
        ({"b1": float("nan")}, "b1"),
        ({"kappa": 1.0}, "kappa"),
        ({"x1": float("inf")}, "x1"),
    ],
)
def test_ensemble_validation_names_argument(kwargs, name):
    args = {"b": 1.0, "b1": 1.0, "kappa": 0.5, "x1": 0.0} | kwargs
    with pytest.raises(ValueError, match=name):
        sg.HessianEnsemble(**args)


def test_region_and_array_validation():
    m = sg.GanSpinGlass(p=3, q=3, sigma_z=1.0, kappa=0.9, formula="published")
    with pytest.raises(ValueError, match="u_D"):
        m.region(float("nan"), 0.0)
    e = m.ensemble(0.0)
    with pytest.raises(ValueError, match="lam"):
        e.density([0.0, np.nan])
    with pytest.raises(ValueError, match="x"):
        e.log_potential(["a"])
    with pytest.raises(ValueError, match="n"):
        e.sample_eigvals(1)
    with pytest.raises(ValueError, match="size"):
        e.sample_eigvals(10, size=0)
    with pytest.raises(ValueError, match="slope"):
        dataclasses.replace(m.constants, slope=1.0)
