"""What the drawn figures show: parameters named, ticks labelled, curves and keys visible.

The figures are drawn from small hand-made data (no computation), on the Agg backend.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.figure import Figure

from spinglass_gan.complexity.banded import BandedStructure
from spinglass_gan.complexity.sweeps import Sweep
from spinglass_gan.figures import paper as figures
from spinglass_gan.figures import plotting as pl

META = {"p": 3, "q": 3, "sigma_z": 1.0, "kappa": 0.9}


def _axes():
    return Figure().subplots()


def _labelled_y_ticks(ax) -> list[str]:
    ax.figure.canvas.draw()
    lo, hi = ax.get_ylim()
    return [
        t.get_text()
        for t in ax.get_yticklabels()
        if t.get_text() and lo <= t.get_position()[1] <= hi
    ]


def _sweep(parameter, values, **curves):
    return Sweep(parameter, np.asarray(values), {k: np.asarray(v) for k, v in curves.items()}, {})


def test_parameter_text():
    assert pl.parameter_text(META) == r"$p = 3,\ q = 3,\ \sigma_z = 1,\ \kappa = 0.9$"
    assert pl.parameter_text({"p": 3, "q": 2, "kappa": np.float64(0.5)}) == (
        r"$p = 3,\ q = 2,\ \kappa = 0.5$"
    )
    assert pl.parameter_text({"constants": {}}) == ""


def test_narrow_lowest_losses_get_labelled_ticks():
    # Figure 8's left panel: values within one decade once had no tick label at all.
    kappa = np.linspace(0.05, 0.95, 9)
    bowl = -33.3 + (kappa - 0.5) ** 2
    ax = _axes()
    pl.plot_lowest_losses(_sweep("kappa", kappa, u_D_min=bowl, u_G_min=bowl + 0.3), "each", ax=ax)
    assert ax.get_yscale() == "linear"
    assert len(_labelled_y_ticks(ax)) >= 3


def test_small_sum_stays_visible_beside_large_parts():
    # Figure 7's right panel: a sum near -4 beside parts of +-600.
    sigma = np.geomspace(1e-5, 1e2, 15)
    part = 6.0 * sigma
    curves = {"sum_min": np.full(15, -4.0), "sum_u_D": -4.0 - part, "sum_u_G": part}
    ax = _axes()
    pl.plot_lowest_losses(_sweep("sigma_z", sigma, **curves), "sum", ax=ax)
    assert ax.get_yscale() == "symlog"
    # On the symmetric-log axis -4 is a visible distance from 0 and from the ends.
    to_pixels = ax.transData.transform
    height = abs(to_pixels((1.0, 600.0))[1] - to_pixels((1.0, -600.0))[1])
    assert abs(to_pixels((1.0, -4.0))[1] - to_pixels((1.0, 0.0))[1]) > 0.08 * height
    # The sum is drawn on top.
    assert ax.get_lines()[-1].get_label() == r"lowest $u_D + u_G$"


def test_banded_colourbar_ticks_are_indices_and_grey_has_a_key():
    u = np.linspace(-1.0, 1.0, 6)
    staircase = np.full((3, 6, 6), -1)
    staircase[:, :, 2:] = 4  # the largest feasible k_D is 4 there, none left of it
    band = BandedStructure(u, u, staircase, META)
    fig = Figure()
    ax = fig.subplots()
    pl.plot_banded(band, "k_D", ax=ax)
    bar_ax = fig.axes[-1]
    ticks = bar_ax.get_yticks()
    np.testing.assert_array_equal(ticks, np.round(ticks))
    assert ticks.min() >= 0 and ticks.max() <= 4
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["no feasible index"]


def test_sampled_histogram_has_a_visible_legend_swatch():
    ax = _axes()
    ax.hist(np.random.default_rng(0).normal(size=2000), bins=80, density=True, **pl.SAMPLED_STYLE)
    (handle,) = ax.get_legend_handles_labels()[0]
    assert handle.get_facecolor()[3] > 0 and handle.get_edgecolor()[3] > 0
    assert handle.get_linewidth() > 0


@pytest.mark.parametrize(
    ("number", "meta", "expected"),
    [
        (6, META, r"$p = 3,\ q = 3,\ \sigma_z = 1,\ \kappa = 0.9$"),
        (7, {"p": 3, "q": 3, "kappa": 0.9}, r"$p = 3,\ q = 3,\ \kappa = 0.9$"),
        (
            1,
            {"b": 1.0, "b1": 1.0, "kappa": 0.9, "n": 300, "samples": 100},
            r"$b = 1,\ b_1 = 1,\ \kappa = 0.9,\ N = 300$, 100 samples each",
        ),
    ],
)
def test_figures_name_their_parameters(number, meta, expected):
    fig = Figure()
    figures._name_parameters(fig, number, meta)
    assert fig.get_suptitle() == expected


@pytest.mark.parametrize("bad", [0, 9, "1", 1.5, True, None, [1]])
def test_make_figure_names_a_bad_number(bad, tmp_path):
    with pytest.raises(ValueError, match="number"):
        figures.make_figure(bad, tmp_path)
    assert not any(tmp_path.iterdir())
