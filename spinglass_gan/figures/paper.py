"""The paper's figures 1-8, drawn from :mod:`figure_data` and saved as PNG, PDF and .npz.

``figureN(out_dir, **params)`` writes ``figN.png``, ``figN.pdf`` and ``figN.npz`` (the
plotted data with JSON metadata: parameters and package version, in the format of
:func:`spinglass_gan.save_result`) and returns the paths.  Parameters are those of
``figure_data.DATA[N]``; the defaults reproduce the paper's settings.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np

from ..complexity.banded import BandedStructure
from ..complexity.formulas import formula_of_metadata
from ..complexity.model import KacRiceRegion
from ..complexity.sweeps import Sweep
from ..io.results import save_result
from . import figure_data as fd
from . import plotting as pl

__all__ = [
    "figure1",
    "figure2",
    "figure3",
    "figure4",
    "figure5",
    "figure6",
    "figure7",
    "figure8",
    "make_figure",
]


def _subplots(ncols: int, width: float = 4.2, height: float = 3.4):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), constrained_layout=True)
    return fig, np.atleast_1d(axes)


def _draw1(a, meta):
    fig, axes = _subplots(3, 3.7, 3.2)
    for i, ax in enumerate(axes):
        ax.hist(a[f"eigvals_{i}"].ravel(), bins=80, density=True, **pl.SAMPLED_STYLE)
        ax.plot(a[f"lambda_{i}"], a[f"density_{i}"], color="C3", lw=1.5, label="master equation")
        ax.set_xlabel(r"$\lambda$")
        ax.set_title(rf"$x_1 = {float(a['x1'][i]):.4g}$" + ("  (touching)" if i == 1 else ""))
    axes[0].set_ylabel(r"$\rho(\lambda)$")
    axes[0].legend(frameon=False, fontsize=8)
    return fig


def _draw2(a, meta):
    fig, (ax,) = _subplots(1, 5.6, 3.8)
    if formula_of_metadata(meta).figures.exponent_overlay == "loss lines":
        pl.plot_exponent(a["x"], a["x1"], a["phi"], floor=-5.0, ax=ax)
        x = a["x"]
        lines = (("g_line", meta["u_G"], "g", "C1", "-"), ("d_line", meta["u_D"], "d", "C3", ":"))
        for key, level, name, color, style in lines:
            cx, cx1 = meta[key]
            label = rf"$E[{name}\,|\,x, x_1] = {level:g}$ ({name} = $L_{name.upper()}/N$)"
            ax.plot(x, (level - cx * x) / cx1, color=color, ls=style, lw=1.4, label=label)
        ax.legend(loc="lower left", fontsize=7, frameon=False, labelcolor="w")
        ax.set_ylim(a["x1"][0], a["x1"][-1])
        ax.set_title(r"$\Phi_{\rm free}(x, x_1)$; dashed: $\Phi = 0$", fontsize=9)
        return fig
    region = KacRiceRegion(meta["x_max"], meta["slope"], meta["intercept"])
    pl.plot_exponent(a["x"], a["x1"], a["phi"], region=region, floor=-5.0, ax=ax)
    ax.set_title(
        rf"$u_D = {meta['u_D']:g},\ u_G = {meta['u_G']:g}$; dashed: $\Phi = 0$", fontsize=9
    )
    return fig


def _draw3(a, meta):
    fig, axes = _subplots(3, 4.0, 3.4)
    u = a["u"]
    pl.plot_theta_map(u, u, a["theta"], ax=axes[0])
    fixed = a["fixed"]
    pl.plot_sections(
        u,
        {rf"$u_D = {f:g}$": row for f, row in zip(fixed, a["at_fixed_u_D"])},
        xlabel=r"$u_G$",
        ax=axes[1],
    )
    pl.plot_sections(
        u,
        {rf"$u_G = {f:g}$": row for f, row in zip(fixed, a["at_fixed_u_G"])},
        xlabel=r"$u_D$",
        ax=axes[2],
    )
    # Show the sections from well below zero to just above their plateau: the
    # plateau is 14.6 in the published formula and 0.62 in the model's own.
    top = float(np.nanmax(np.where(np.isfinite(a["theta"]), a["theta"], np.nan)))
    span = max(abs(top), 0.1)
    for ax in axes[1:]:
        ax.set_ylim(-2.0 * span, top + 0.15 * span)
    return fig


def _draw4(a, meta):
    fig, (ax,) = _subplots(1, 5.0, 3.6)
    for i, x1 in enumerate(a["x1"]):
        pl.plot_log_det_check(
            a["x"],
            a[f"coulomb_{i}"],
            a["x_mc"],
            a[f"mc_{i}"],
            a[f"mc_err_{i}"],
            label=rf"$x_1 = {x1:g}$",
            color=f"C{i}",
            ax=ax,
        )
    ax.set_title(rf"log-potential (lines), $N = {meta['n']}$, {meta['samples']} samples (points)")
    ax.legend(fontsize=8, frameon=False)
    return fig


def _draw5(a, meta):
    fig, (ax,) = _subplots(1, 4.6, 3.8)
    u_D, u_G = a["u_D"], a["u_G"]
    maps = {(int(kd), int(kg)): a[f"theta_{kd}_{kg}"] for kd, kg in a["pairs"]}
    pl.plot_index_contours(u_D, u_G, maps, ax=ax)
    ax.contour(u_D, u_G, a["total"], levels=[0.0], colors="k", linestyles=":", linewidths=1.0)
    ax.set_title(r"$\Theta_{k_D,k_G} = 0$ (dotted: total $\Theta = 0$)", fontsize=9)
    return fig


def _draw6(a, meta):
    fig, axes = _subplots(2, 4.4, 3.6)
    band = BandedStructure(a["u_D"], a["u_G"], a["staircase"], meta)
    pl.plot_banded(band, "k_D", ax=axes[0])
    pl.plot_banded(band, "k_G", ax=axes[1])
    return fig


def _draw_sweep(a, meta, parameter):
    fig, axes = _subplots(2, 4.3, 3.4)
    results = {k: v for k, v in a.items() if k not in (parameter, "failed")}
    meta = dict(meta)
    reasons = tuple(meta.pop("reasons", ()))
    sweep = Sweep(parameter, a[parameter], results, meta, reasons)
    pl.plot_lowest_losses(sweep, "each", ax=axes[0])
    pl.plot_lowest_losses(sweep, "sum", ax=axes[1])
    return fig


def _name_parameters(fig, number: int, meta: dict[str, Any]) -> None:
    """The figure's parameters as its title: the model's (p, q, sigma_z, kappa, less a
    swept one), or for Fig. 1 the ensemble's (b, b1, kappa, N and the sample count)."""
    if number == 1:
        text = pl.parameter_text(meta, ("b", "b1", "kappa", "n"))
        text += f", {meta['samples']} samples each"
    else:
        text = pl.parameter_text(meta)
        if "formula" in meta:  # which Kac-Rice formula drew it, on every figure it changes
            kind = formula_of_metadata(meta)
            formula = kind.label or kind.name
            text = f"{text}, {formula}" if text else formula
    if text:
        fig.suptitle(text, fontsize=10)


_DRAW = {
    1: _draw1,
    2: _draw2,
    3: _draw3,
    4: _draw4,
    5: _draw5,
    6: _draw6,
    7: lambda a, m: _draw_sweep(a, m, "sigma_z"),
    8: lambda a, m: _draw_sweep(a, m, "kappa"),
}


def make_figure(number: int, out_dir: str | Path, *, dpi: int = 150, **params) -> list[Path]:
    """Compute, draw and save figure ``number`` with ``params`` for its data
    (``progress`` is passed on where the computation shows one)."""
    if (
        isinstance(number, bool)
        or not isinstance(number, (int, np.integer))
        or (number not in fd.DATA)
    ):
        raise ValueError(f"number must be one of {sorted(fd.DATA)}, got {number!r}")
    make = fd.DATA[number]
    for option in ("progress", "formula"):
        if option not in inspect.signature(make).parameters:
            params.pop(option, None)
    arrays, meta = make(**params)
    fig = _DRAW[number](arrays, meta)
    _name_parameters(fig, number, meta)
    return save_figure(fig, out_dir, number, fd.TITLES[number], arrays, meta, dpi=dpi)


def save_figure(
    fig: Any,
    out_dir: str | Path,
    number: int,
    title: str,
    arrays: dict[str, Any],
    meta: dict[str, Any],
    *,
    dpi: int = 150,
) -> list[Path]:
    """Write ``fig<number>.png``, ``.pdf`` and ``.npz`` (its data, kind "figure") to
    ``out_dir`` (created if needed), close ``fig`` and return the three paths."""
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"fig{number}.png", out / f"fig{number}.pdf"]
    fig.savefig(paths[0], dpi=dpi)
    fig.savefig(paths[1])
    plt.close(fig)
    meta = {"figure": number, "title": title, **meta}
    paths.append(save_result(out / f"fig{number}.npz", "figure", arrays, meta))
    return paths


def figure1(out_dir: str | Path, **params) -> list[Path]:
    """Fig. 1: sampled spectra of H' against the master-equation density."""
    return make_figure(1, out_dir, **params)


def figure2(out_dir: str | Path, **params) -> list[Path]:
    """Fig. 2: Phi(x, x1) with the boundary of the Kac-Rice region."""
    return make_figure(2, out_dir, **params)


def figure3(out_dir: str | Path, **params) -> list[Path]:
    """Fig. 3: Theta(u_D, u_G) and its cross-sections."""
    return make_figure(3, out_dir, **params)


def figure4(out_dir: str | Path, **params) -> list[Path]:
    """Fig. 4: log-potential against Monte Carlo determinants (N = 50)."""
    return make_figure(4, out_dir, **params)


def figure5(out_dir: str | Path, **params) -> list[Path]:
    """Fig. 5: zero contours of the index-constrained complexity."""
    return make_figure(5, out_dir, **params)


def figure6(out_dir: str | Path, **params) -> list[Path]:
    """Fig. 6: the banded structure (largest feasible k_D and k_G)."""
    return make_figure(6, out_dir, **params)


def figure7(out_dir: str | Path, **params) -> list[Path]:
    """Fig. 7: lowest losses with critical points against sigma_z."""
    return make_figure(7, out_dir, **params)


def figure8(out_dir: str | Path, **params) -> list[Path]:
    """Fig. 8: lowest losses with critical points against kappa."""
    return make_figure(8, out_dir, **params)
