"""The paper's figures: their data, drawing, and the stored reference curves.

Figure data come from the complexity layer; nothing below imports this layer.

Modules
-------
``figure_data``
    The data behind each of the paper's figures 1-8 (docs/reproducing.md).
``paper``
    The paper's figures 1-8, drawn from :mod:`figure_data` and saved as PNG, PDF and
    .npz.
``plotting``
    Matplotlib plots of the package's results (no mathematics here).
``reference``
    Small stored curves: the complexity under ``data/reference/``, the series behind
    the paper's figures (at reduced resolution) under ``data/figures/``.
"""

from .figure_data import DATA, REDUCED, TITLES
from .paper import (
    figure1,
    figure2,
    figure3,
    figure4,
    figure5,
    figure6,
    figure7,
    figure8,
    make_figure,
)
from .plotting import (
    SAMPLED_STYLE,
    parameter_text,
    plot_banded,
    plot_exponent,
    plot_index_contours,
    plot_log_det_check,
    plot_lowest_losses,
    plot_sections,
    plot_spectrum,
    plot_theta_map,
)
from .reference import CURVES, FIGURE_CURVES, write_all

__all__ = [
    "CURVES",
    "DATA",
    "FIGURE_CURVES",
    "REDUCED",
    "SAMPLED_STYLE",
    "TITLES",
    "figure1",
    "figure2",
    "figure3",
    "figure4",
    "figure5",
    "figure6",
    "figure7",
    "figure8",
    "make_figure",
    "parameter_text",
    "plot_banded",
    "plot_exponent",
    "plot_index_contours",
    "plot_log_det_check",
    "plot_lowest_losses",
    "plot_sections",
    "plot_spectrum",
    "plot_theta_map",
    "write_all",
]
