"""Fig. 9: DCGAN losses against sigma_z and kappa, beside the theory's lowest losses.

The experiment's losses are binary cross-entropies per sample (nats); the theory's
lowest losses with critical points (``sg.sweep``, figures 7 and 8) are loss levels per
N of the spin-glass model.  The units differ, so the theory is drawn on a second
y axis of the same panel (grey) and only trends can be compared, not values.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..complexity.sweeps import sweep
from ..figures.paper import save_figure
from .sweep import STATISTICS, GanSummary, summarize

__all__ = ["figure9", "theory_curves"]

TITLE = "DCGAN minimum and final losses against sigma_z and kappa, beside the theory"
THEORY = {"p": 3, "q": 3, "kappa": 0.9, "sigma_z": 1.0}  # the paper's figs 7 and 8
_STYLE = {"published": ("-", "o"), "sigma_acts": ("--", "s")}
_LABEL = {
    "published": "published (ConvT, no bias -> BN)",
    "sigma_acts": "sigma_acts (ConvT + bias, no BN)",
}
_PANELS = {
    "min_loss_D": r"min $L_D$",
    "min_loss_G": r"min $L_G$",
    "final_loss_D": r"final $L_D$ (mean of last 10% of steps)",
    "final_loss_G": r"final $L_G$ (mean of last 10% of steps)",
}
# Which theory curve goes beside which panel (none beside the final losses: the theory
# speaks of the lowest losses at which critical points exist).
_THEORY_OF = {"min_loss_D": "u_D_min", "min_loss_G": "u_G_min"}


def theory_curves(
    sigma_z: Iterable[float], kappa: Iterable[float], *, points: int = 4, progress: bool = False
) -> dict[str, np.ndarray]:
    """Lowest u_D and u_G with Theta > 0 over the experiment's ranges.

    sigma_z: ``points`` per decade over [min, max] at kappa = 0.9; kappa: 0.05 steps
    over [min, max] at sigma_z = 1 (p = q = 3, the paper's figures 7 and 8).
    """
    s = np.asarray(list(sigma_z), dtype=float)
    k = np.asarray(list(kappa), dtype=float)
    lo, hi = np.log10(s.min()), np.log10(s.max())
    s_grid = np.logspace(lo, hi, max(2, int(np.ceil((hi - lo) * points)) + 1))
    k_grid = np.linspace(k.min(), k.max(), max(2, int(np.ceil((k.max() - k.min()) / 0.05)) + 1))
    p, q = THEORY["p"], THEORY["q"]
    by_s = sweep(p, q, sigma_z=s_grid, kappa=THEORY["kappa"], progress=progress)
    by_k = sweep(p, q, sigma_z=THEORY["sigma_z"], kappa=k_grid, progress=progress)
    out = {"theory_sigma_z": s_grid, "theory_kappa": k_grid}
    for name in ("u_D_min", "u_G_min"):
        out[f"theory_sigma_z_{name}"] = by_s[name]
        out[f"theory_kappa_{name}"] = by_k[name]
    return out


def _draw(summary: GanSummary, theory: Mapping[str, np.ndarray]):
    from matplotlib import colormaps
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    fig = Figure(figsize=(17.0, 7.6), layout="constrained")
    axes = fig.subplots(2, len(STATISTICS), squeeze=False)
    cmap = colormaps["viridis"]
    rows = (
        ("sigma_z", summary.sigma_z, "kappa", summary.kappa, 2),
        ("kappa", summary.kappa, "sigma_z", summary.sigma_z, 1),
    )
    for row, (xname, x, cname, cvals, axis) in enumerate(rows):
        colours = [cmap(i / max(1, len(cvals) - 1) * 0.9) for i in range(len(cvals))]
        for col, stat in enumerate(STATISTICS):
            ax = axes[row, col]
            for a, arch in enumerate(summary.architectures):
                ls, marker = _STYLE[arch]
                for c, colour in enumerate(colours):
                    take = (a, slice(None), c) if axis == 2 else (a, c, slice(None))
                    mean, std = summary.mean[stat][take], summary.std[stat][take]
                    ax.plot(x, mean, ls=ls, marker=marker, ms=3.5, color=colour, lw=1.2)
                    if np.any(summary.n_seeds[take] > 1):
                        ax.fill_between(x, mean - std, mean + std, color=colour, alpha=0.12)
            if xname == "sigma_z":
                ax.set_xscale("log")
            ax.set_xlabel(r"$\sigma_z$" if xname == "sigma_z" else r"$\kappa$")
            title = _PANELS[stat]
            if "published" in summary.architectures and summary.sigma_z.size > 1:
                # The published lines coincide across sigma_z; say by how much they differ.
                pub = summary.mean[stat][summary.architectures.index("published")]
                spread = np.nanmax(np.nanmax(pub, axis=0) - np.nanmin(pub, axis=0))
                title += f"\npublished: spread over $\\sigma_z$ {spread:.3f}"
            ax.set_title(title, fontsize=9)
            if col == 0:
                ax.set_ylabel("experiment: BCE loss (nats)")
            if stat in _THEORY_OF:
                twin = ax.twinx()
                key = f"theory_{xname}_{_THEORY_OF[stat]}"
                twin.plot(theory[f"theory_{xname}"], theory[key], color="0.45", lw=2.4, alpha=0.5)
                if xname == "sigma_z":
                    twin.set_yscale("symlog", linthresh=1.0)
                lbl = r"$u_D$" if stat.endswith("D") else r"$u_G$"
                twin.set_ylabel(f"theory: lowest {lbl} per $\\sqrt{{N}}$", color="0.35")
                twin.tick_params(axis="y", colors="0.35")
        symbol = r"\kappa" if cname == "kappa" else r"\sigma_z"
        handles = [
            Line2D([], [], color=colour, lw=1.5, label=f"${symbol} = {v:g}$")
            for colour, v in zip(colours, cvals)
        ]
        axes[row, 0].legend(handles=handles, fontsize=7, frameon=False)
    fixed = f"theory at kappa = {THEORY['kappa']:g} (top), sigma_z = {THEORY['sigma_z']:g} (bottom)"
    style = [
        Line2D([], [], color="k", ls=_STYLE[a][0], marker=_STYLE[a][1], ms=3.5, label=_LABEL[a])
        for a in summary.architectures
    ]
    style.append(Line2D([], [], color="0.45", lw=2.4, alpha=0.5, label="theory (right axis)"))
    axes[0, 1].legend(handles=style, fontsize=7, frameon=False)
    meta = summary.metadata
    fig.suptitle(
        f"DCGAN on {meta.get('dataset', '?')}: {meta.get('epochs', '?')} epoch(s), "
        f"{meta.get('channels', '?')} channels, seeds per cell: "
        f"{int(summary.n_seeds.max())}.  Grey: spin-glass theory (p = q = 3), {fixed}; "
        "different units from the experiment: compare trends, not values.",
        fontsize=9,
    )
    return fig


def figure9(
    out_dir: str | os.PathLike[str],
    records: Iterable[Mapping[str, Any]] | GanSummary,
    *,
    source: Mapping[str, Any] | None = None,
    theory_points: int = 4,
    dpi: int = 150,
    progress: bool = False,
) -> list[Path]:
    """Draw Fig. 9 from GAN runs and write ``fig9.png``, ``fig9.pdf`` and ``fig9.npz``.

    Parameters
    ----------
    out_dir : path
        Folder (created if missing).
    records : iterable of mapping, or GanSummary
        Run records from :func:`~spinglass_gan.experiments.sweep.gan_sweep`, or their
        :func:`~spinglass_gan.experiments.sweep.summarize`.
    source : mapping, optional
        Description of the dataset (``load_dataset(...).source``), stored in the
        metadata.
    theory_points : int
        Theory points per decade of sigma_z.
    dpi : int
        Resolution of the PNG.
    progress : bool
        Progress bars for the theory sweeps.

    Returns
    -------
    list of pathlib.Path
        The three files written.  ``fig9.npz`` holds the summary arrays (``sigma_z``,
        ``kappa``, ``<statistic>_mean``/``_std`` indexed [architecture, sigma_z, kappa],
        ``n_seeds``) and the theory curves, with the architectures, the dataset and the
        settings in its metadata.
    """
    summary = records if isinstance(records, GanSummary) else summarize(records)
    theory = theory_curves(summary.sigma_z, summary.kappa, points=theory_points, progress=progress)
    fig = _draw(summary, theory)
    meta = {
        "architectures": list(summary.architectures),
        "statistics": list(STATISTICS),
        "axes": ["architecture", "sigma_z", "kappa"],
        "theory": dict(THEORY),
        "units": "experiment: BCE per sample (nats); theory: loss level per N",
        **summary.metadata,
    }
    if source is not None:
        meta["source"] = dict(source)
    return save_figure(fig, out_dir, 9, TITLE, {**summary.arrays(), **theory}, meta, dpi=dpi)
