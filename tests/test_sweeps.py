"""Lowest losses with Theta > 0: zeros of monotone functions, checked on maps."""

import math

import numpy as np
import pytest

import spinglass_gan as sg


@pytest.fixture(
    scope="module",
    params=[
        (3, 3, 1.0, 0.9, "published"),
        (5, 5, 0.01, 0.5, "published"),
        (3, 3, 0.1, 0.3, "published"),
        (3, 3, 1.0, 0.9, "derived"),
        (2, 1, 0.5, 0.5, "derived"),
    ],
)
def model(request):
    *params, formula = request.param
    return sg.GanSpinGlass(*params, formula=formula)


def test_lowest_losses_are_zeros_of_theta(model):
    low = sg.lowest_losses(model)
    assert low.theta_max == pytest.approx(model.theta(math.inf, math.inf))
    eps = 1e-6
    assert abs(model.theta(low.u_D_min, math.inf)) < 1e-6
    assert model.theta(low.u_D_min - eps, math.inf) < 0 < model.theta(low.u_D_min + eps, math.inf)
    assert model.theta(math.inf, low.u_G_min - eps) < 0 < model.theta(math.inf, low.u_G_min + eps)
    # The split of the lowest sum is a point of the zero contour.
    assert low.sum_u_D + low.sum_u_G == pytest.approx(low.sum_min, abs=1e-8)
    assert abs(model.theta(low.sum_u_D, low.sum_u_G)) < 1e-6


def test_lowest_sum_against_a_map(model):
    """On a grid, no cell with Theta > 0 has a smaller sum; the best cell is
    within two grid steps of the exact minimum."""
    low = sg.lowest_losses(model)
    u_D = low.sum_u_D + np.linspace(-3, 3, 61)
    u_G = low.sum_u_G + np.linspace(-3, 3, 61)
    grid = model.theta_map(u_D, u_G)
    sums = u_D[None, :] + u_G[:, None]
    best = sums[grid > 0].min()
    assert best >= low.sum_min - 1e-9
    assert best <= low.sum_min + 2 * 0.1


def test_sweep_records_and_round_trips(tmp_path):
    res = sg.sweep(3, 3, sigma_z=np.array([0.1, 1.0]), kappa=0.9, formula="published")
    assert res.parameter == "sigma_z" and res["u_D_min"].shape == (2,)
    back = sg.Sweep.load(res.save(tmp_path / "s"))
    np.testing.assert_array_equal(back["sum_min"], res["sum_min"])
    assert back.metadata["kappa"] == 0.9 and back.parameter == "sigma_z"
    with pytest.raises(ValueError, match="exactly one"):
        sg.sweep(3, 3, sigma_z=[0.1, 1.0], kappa=[0.5, 0.9])
