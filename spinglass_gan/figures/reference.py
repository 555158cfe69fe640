"""Small stored curves: the complexity under ``data/reference/``, the series behind
the paper's figures (at reduced resolution) under ``data/figures/``.

Each curve is a function of no arguments returning ``(arrays, metadata)``; the
stored files are written by :func:`write_all` (``python scripts/make_reference_data.py``)
and recomputed by the regression tests, which fail when a curve moves.  They are
deliberately coarse: seconds to recompute, kilobytes on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from ..complexity.banded import banded_structure
from ..complexity.model import GanSpinGlass
from ..complexity.sweeps import sweep
from ..io.results import save_result
from .figure_data import DATA, REDUCED, TITLES

__all__ = ["CURVES", "FIGURE_CURVES", "write_all"]

PAPER = (3, 3, 1.0, 0.9)
SMALL_SIGMA = (5, 5, 0.01, 0.5)
_U = np.linspace(-10.0, 10.0, 41)


def _params(args) -> dict:
    return dict(zip(("p", "q", "sigma_z", "kappa"), args))


def _published(args) -> GanSpinGlass:
    return GanSpinGlass(*args, formula="published")


def theta_sections():
    """Theta(u_D, u_G = 2) and Theta(u_D = 2, u_G) for both acceptance sets (published)."""
    arrays = {"u": _U}
    for name, args in (("paper", PAPER), ("small_sigma", SMALL_SIGMA)):
        model = _published(args)
        arrays[f"{name}_fixed_u_G"] = model.theta_map(_U, [2.0])[0]
        arrays[f"{name}_fixed_u_D"] = model.theta_map([2.0], _U)[:, 0]
    return arrays, {"paper": _params(PAPER), "small_sigma": _params(SMALL_SIGMA), "fixed": 2.0}


def index_diagonals():
    """Theta_{k,k}(u, u) for k = 0, 1, 2: both D sides and the published convention
    (published formula)."""
    model = _published(PAPER)
    arrays = {"u": _U}
    for k in range(3):
        for label, kw in (
            ("ascent", {}),
            ("descent", {"d_index": "descent"}),
            ("published", {"convention": "published"}),
        ):
            arrays[f"{label}_k{k}"] = np.diag(model.theta_map(_U, _U, k, k, **kw))
    return arrays, _params(PAPER)


def banded_small():
    """Staircases of the banded structure on a 15 x 15 grid, indices up to 5."""
    u = np.linspace(-6.0, 10.0, 15)
    band = banded_structure(_published(PAPER), u, u, k_D_max=5, k_G_max=5)
    return {"u": u, "staircase": band.staircase}, _params(PAPER)


def sweep_sigma_z():
    """Lowest losses for six sigma_z (kappa = 0.9)."""
    res = sweep(3, 3, sigma_z=np.logspace(-4.0, 1.0, 6), kappa=0.9, formula="published")
    return {"sigma_z": res.values, **res.results}, {"p": 3, "q": 3, "kappa": 0.9}


def sweep_kappa():
    """Lowest losses for six kappa (sigma_z = 1)."""
    res = sweep(3, 3, sigma_z=1.0, kappa=np.linspace(0.1, 0.9, 6), formula="published")
    return {"kappa": res.values, **res.results}, {"p": 3, "q": 3, "sigma_z": 1.0}


DERIVED_SETS = {"paper": PAPER, "small": (2, 1, 0.5, 0.5)}
_U_DERIVED = np.linspace(-25.0, 10.0, 15)


def derived_theta_sections():
    """The model's own formula: Theta(u_D, u_G = -1), Theta(u_D = -1, u_G), the
    complexity at exact losses Sigma(u, -1) and the total, for two parameter sets."""
    arrays = {"u": _U_DERIVED}
    for name, args in DERIVED_SETS.items():
        model = GanSpinGlass(*args)
        arrays[f"{name}_fixed_u_G"] = model.theta_map(_U_DERIVED, [-1.0])[0]
        arrays[f"{name}_fixed_u_D"] = model.theta_map([-1.0], _U_DERIVED)[:, 0]
        arrays[f"{name}_sigma"] = model.complexity_at(_U_DERIVED, -1.0)
        arrays[f"{name}_total"] = np.array([model.theta(np.inf, np.inf)])
    return arrays, {name: _params(args) for name, args in DERIVED_SETS.items()}


def derived_index():
    """The model's own formula: Theta_{k_D,k_G}(u, u_G = -17) for a few index pairs."""
    model = GanSpinGlass(*PAPER)
    u = np.linspace(5.0, 30.0, 11)
    arrays = {"u": u}
    for k_D, k_G in ((0, 0), (2, 0), (0, 1)):
        arrays[f"k{k_D}_{k_G}"] = model.theta_map(u, [-17.0], k_D, k_G)[0]
    return arrays, _params(PAPER)


CURVES: dict[str, Callable] = {
    "derived_theta_sections": derived_theta_sections,
    "derived_index": derived_index,
    "theta_sections": theta_sections,
    "index_diagonals": index_diagonals,
    "banded_small": banded_small,
    "sweep_sigma_z": sweep_sigma_z,
    "sweep_kappa": sweep_kappa,
}


# Stored figure series: the published formula for figures 2-8 (the paper's figures) and
# the model's own formula, suffixed "_derived".
FIGURE_CURVES: dict[str, Callable] = {"fig1": partial(DATA[1], **REDUCED[1])}
FIGURE_CURVES |= {
    f"fig{n}": partial(DATA[n], **REDUCED[n], formula="published") for n in DATA if n > 1
}
FIGURE_CURVES |= {
    f"fig{n}_derived": partial(DATA[n], **REDUCED[n], formula="derived") for n in DATA if n > 1
}


def write_all(data_dir: str | Path) -> list[Path]:
    """Recompute every stored curve: ``reference/<name>.npz`` and ``figures/figN.npz``
    under ``data_dir``."""
    paths = []
    for folder, curves in (("reference", CURVES), ("figures", FIGURE_CURVES)):
        for name, make in curves.items():
            arrays, meta = make()
            if folder == "figures":
                n = int(name[3:].split("_")[0])
                about = {"description": f"Fig. {n}: {TITLES[n]}", "settings": REDUCED[n]}
            else:
                about = {"description": (make.__doc__ or "").strip()}
            meta = {"curve": name, **about, **meta}
            path = Path(data_dir) / folder / f"{name}.npz"
            paths.append(save_result(path, "reference", arrays, meta))
    return paths
