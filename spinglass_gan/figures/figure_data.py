"""The data behind each of the paper's figures 1-8 (docs/reproducing.md).

``DATA[n](**params)`` returns ``(arrays, metadata)``: every plotted series and the
parameters that made it.  Figures 2-8 take ``formula``: "derived" (default, the
model's own Kac-Rice formula) or "published" (the paper's, reproducing its figures);
the loss ranges shown follow the formula, since the two put the critical points at
very different losses.  No drawing here (``figures`` draws), and no mathematics
of its own: each function calls the library.  The functions' defaults are the
settings of the paper's figures; ``REDUCED[n]`` are coarse settings, seconds to
compute, used for the stored curves in ``data/figures/`` and their regression tests.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..complexity.banded import banded_structure
from ..complexity.formulas import FORMULAS
from ..complexity.model import GanSpinGlass
from ..complexity.sweeps import sweep
from ..rmt.ensemble import HessianEnsemble
from ..rmt.master_equation import splitting_x1
from ..rmt.montecarlo import annealed_log_det

__all__ = ["DATA", "REDUCED", "TITLES"]

PAPER = {"p": 3, "q": 3, "sigma_z": 1.0, "kappa": 0.9}


def _model(formula: str = "derived") -> GanSpinGlass:
    return GanSpinGlass(**PAPER, formula=formula)


# Loss ranges shown: each formula's FigureSettings (formulas.py says why).  These two
# tables are views of them, kept for existing readers.
THETA_RANGE = {name: cls.figures.theta_range for name, cls in FORMULAS.items()}
ZOOM = {name: cls.figures.zoom for name, cls in FORMULAS.items()}


def spectra(n: int = 300, samples: int = 100, seed: int = 0, points: int = 600):
    """Fig. 1: sampled spectra of H' (b = b1 = 1, kappa = 0.9) and the density, at
    x1 = 1 (one interval), the touching x1 and x1 = 3 (two intervals)."""
    b, b1, kappa = 1.0, 1.0, 0.9
    x1s = np.array([1.0, splitting_x1(b, b1, kappa), 3.0])
    arrays = {"x1": x1s}
    for i, x1 in enumerate(x1s):
        ens = HessianEnsemble(b, b1, kappa, float(x1))
        ev = ens.sample_eigvals(n, samples, rng=seed + i)
        lo, hi = ens.support()[0][0], ens.support()[-1][1]
        lam = np.linspace(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo), points)
        arrays |= {f"eigvals_{i}": ev, f"lambda_{i}": lam, f"density_{i}": ens.density(lam)}
    meta = {"b": b, "b1": b1, "kappa": kappa, "n": n, "samples": samples, "seed": seed}
    return arrays, meta


def exponent_map(
    nx: int = 401,
    nx1: int = 201,
    u_D: float | None = None,
    u_G: float | None = None,
    formula: str = "derived",
):
    """Fig. 2: the exponent over the ensemble's shifts (x, x1) with the loss constraints.

    Published: Phi(x, x1) over |x| <= 4000, |x1| <= 6 with the region B(u_D, u_G)
    (default u_D = 2, u_G = 3).  Derived: Phi_free(x, x1) over four standard deviations
    of (x, x1), with the lines where the conditional mean of each loss equals its
    level (default u_D = u_G = -1): beyond them that constraint binds.
    """
    model = _model(formula)
    x, x1, window = model.kac_rice.exponent_window(nx, nx1, u_D, u_G)
    phi = model.exponent(x[None, :], x1[:, None])
    return {"x": x, "x1": x1, "phi": phi}, {**model.metadata(), **window}


def theta_map(n: int = 301, fixed: tuple[float, ...] | None = None, formula: str = "derived"):
    """Fig. 3: Theta over a square of loss levels and sections at fixed u_D and u_G."""
    model = _model(formula)
    settings = model.kac_rice.figures
    lo, hi = settings.theta_range
    u = np.linspace(lo, hi, n)
    if fixed is None:
        fixed = settings.theta_sections
    fixed_arr = np.array(fixed)
    arrays = {"u": u, "fixed": fixed_arr, "theta": model.theta_map(u, u)}
    arrays["at_fixed_u_D"] = model.theta_map(fixed_arr, u).T  # [i_fixed, i_G]
    arrays["at_fixed_u_G"] = model.theta_map(u, fixed_arr)  # [i_fixed, i_D]
    return arrays, model.metadata()


def coulomb_check(
    n: int = 50,
    samples: int = 50,
    seed: int = 0,
    points: int = 400,
    mc: int = 25,
    formula: str = "derived",
):
    """Fig. 4: (1/N) log E|det(H' - x)|, log-potential against Monte Carlo (N = 50,
    50 samples) at several x1 (the ensemble is the same for both formulas)."""
    model = _model(formula)
    x1s = np.array([-20.0, 0.0, 20.0, 60.0])
    x = np.linspace(-250.0, 250.0, points)
    x_mc = np.linspace(-240.0, 240.0, mc)
    arrays = {"x1": x1s, "x": x, "x_mc": x_mc}
    for i, x1 in enumerate(x1s):
        ens = model.ensemble(float(x1))
        est = annealed_log_det(ens.sample_eigvals(n, samples, rng=seed + i), x_mc)
        arrays |= {f"coulomb_{i}": ens.log_potential(x), f"mc_{i}": est.value}
        arrays[f"mc_err_{i}"] = est.stderr
    return arrays, {**model.metadata(), "n": n, "samples": samples, "seed": seed}


PAIRS = ((0, 0), (1, 0), (0, 1), (2, 2), (5, 5), (10, 10))


def _zoom(n: int, formula: str):
    (d_lo, d_hi), (g_lo, g_hi) = _model(formula).kac_rice.figures.zoom
    return np.linspace(d_lo, d_hi, n), np.linspace(g_lo, g_hi, n)


def index_contours(n: int = 201, formula: str = "derived"):
    """Fig. 5: Theta_{k_D,k_G} = 0 for several index pairs, where the bands lie."""
    model = _model(formula)
    u_D, u_G = _zoom(n, formula)
    arrays = {"u_D": u_D, "u_G": u_G, "pairs": np.array(PAIRS)}
    arrays["total"] = model.theta_map(u_D, u_G)
    for k_D, k_G in PAIRS:
        arrays[f"theta_{k_D}_{k_G}"] = model.theta_map(u_D, u_G, k_D, k_G)
    return arrays, model.metadata()


def banded(n: int = 121, k_max: int = 20, progress: bool = False, formula: str = "derived"):
    """Fig. 6: the banded structure, largest feasible k_D and k_G (indices <= 20)."""
    u_D, u_G = _zoom(n, formula)
    band = banded_structure(_model(formula), u_D, u_G, k_max, k_max, progress=progress)
    return {"u_D": u_D, "u_G": u_G, "staircase": band.staircase}, band.metadata


def sigma_z_effect(points: int = 60, progress: bool = False, formula: str = "derived"):
    """Fig. 7: lowest losses with Theta > 0 against sigma_z in [1e-5, 1e2] (kappa = 0.9)."""
    sigma_z = np.logspace(-5.0, 2.0, points)
    res = sweep(3, 3, sigma_z=sigma_z, kappa=0.9, formula=formula, progress=progress)
    return {"sigma_z": res.values, **res.results}, {**res.metadata, "reasons": list(res.reasons)}


def kappa_effect(points: int = 37, progress: bool = False, formula: str = "derived"):
    """Fig. 8: lowest losses with Theta > 0 against kappa in [0.05, 0.95] (sigma_z = 1)."""
    kappa = np.linspace(0.05, 0.95, points)
    res = sweep(3, 3, sigma_z=1.0, kappa=kappa, formula=formula, progress=progress)
    return {"kappa": res.values, **res.results}, {**res.metadata, "reasons": list(res.reasons)}


DATA: dict[int, Callable] = {
    1: spectra,
    2: exponent_map,
    3: theta_map,
    4: coulomb_check,
    5: index_contours,
    6: banded,
    7: sigma_z_effect,
    8: kappa_effect,
}
TITLES = {n: (f.__doc__ or "").split(":", 1)[1].strip().split("\n")[0] for n, f in DATA.items()}
REDUCED: dict[int, dict] = {
    1: {"n": 100, "samples": 10, "points": 120},
    2: {"nx": 41, "nx1": 21},
    3: {"n": 21},
    4: {"samples": 10, "points": 41, "mc": 9},
    5: {"n": 21},
    6: {"n": 15, "k_max": 6},
    7: {"points": 8},
    8: {"points": 7},
}
