"""Matplotlib plots of the package's results (no mathematics here).

Every function draws on ``ax`` (a new figure when None) and returns the Axes;
none calls ``plt.show()``.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from ..complexity.banded import BandedStructure
from ..complexity.model import KacRiceRegion
from ..complexity.sweeps import Sweep
from ..rmt.ensemble import HessianEnsemble

__all__ = [
    "SAMPLED_STYLE",
    "parameter_text",
    "plot_banded",
    "plot_exponent",
    "plot_index_contours",
    "plot_log_det_check",
    "plot_lowest_losses",
    "plot_sections",
    "plot_spectrum",
    "plot_theta_map",
]


# Histograms of sampled eigenvalues: one filled outline (not 80 separate bars, whose
# legend swatch is a single bar too thin to see), with a darker edge.
SAMPLED_STYLE = {
    "histtype": "stepfilled",
    "facecolor": "0.78",
    "edgecolor": "0.45",
    "linewidth": 0.6,
    "label": "sampled",
}

_SYMBOLS = {
    "p": "p",
    "q": "q",
    "sigma_z": r"\sigma_z",
    "kappa": r"\kappa",
    "b": "b",
    "b1": "b_1",
    "n": "N",
}


def parameter_text(meta: dict, keys: tuple[str, ...] = ("p", "q", "sigma_z", "kappa")) -> str:
    """The parameters ``keys`` found in ``meta`` as one line of mathtext, for a title:
    p = 3, q = 3, sigma_z = 1, kappa = 0.9 by default; "" when none is there."""
    parts = [
        f"{_SYMBOLS.get(k, k)} = {meta[k]:.4g}"
        for k in keys
        if isinstance(meta.get(k), Real) and not isinstance(meta[k], bool)
    ]
    return "$" + r",\ ".join(parts) + "$" if parts else ""


def _loss_scale(ax: Axes, *curves: ArrayLike) -> None:
    """A symmetric-log y axis when the curves span more than two decades, else linear.

    On a symmetric-log axis a range within one decade gets no labelled tick at all,
    and on a linear axis a curve near zero disappears beside others in the hundreds.
    """
    values = np.abs(np.concatenate([np.ravel(c) for c in curves]))
    values = values[np.isfinite(values)]
    if values.size and values.max() > 100.0 * max(values.min(), 1.0):
        from matplotlib.ticker import FuncFormatter

        ax.set_yscale("symlog", linthresh=1.0)
        # Plain numbers (-1, -10, 100), not -10^0, -10^1.
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def plot_spectrum(
    ensemble: HessianEnsemble,
    eigvals: ArrayLike,
    *,
    bins: int = 80,
    ax: Axes | None = None,
) -> Axes:
    """Histogram of sampled eigenvalues against the limiting density (paper, Fig. 1)."""
    ax = _axes(ax, (4.2, 3.2))
    ev = np.asarray(eigvals, dtype=float).ravel()
    sup = ensemble.support()
    lo, hi = min(sup[0][0], ev.min()), max(sup[-1][1], ev.max())
    pad = 0.05 * (hi - lo)
    ax.hist(ev, bins=bins, range=(lo - pad, hi + pad), density=True, **SAMPLED_STYLE)
    lam = np.linspace(lo - pad, hi + pad, 2000)
    ax.plot(lam, ensemble.density(lam), color="C3", lw=1.5, label="master equation")
    ax.set_xlabel(r"$\lambda$")
    ax.set_ylabel(r"$\rho(\lambda)$")
    ax.set_title(rf"$x_1 = {ensemble.x1:g}$")
    return ax


def _axes(ax: Axes | None, size=(4.6, 3.6)) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size, constrained_layout=True)
    return ax


def plot_exponent(
    x: ArrayLike,
    x1: ArrayLike,
    phi: ArrayLike,
    *,
    region: KacRiceRegion | None = None,
    floor: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Filled contours of Phi(x, x1) (``phi`` indexed [i_x1, i_x]) with the
    boundary of the Kac-Rice region B drawn (paper, Fig. 2)."""
    ax = _axes(ax)
    x, x1, phi = np.asarray(x), np.asarray(x1), np.asarray(phi)
    shown = phi if floor is None else np.maximum(phi, floor)
    clipped = floor is not None and bool(np.any(phi < floor))
    cs = ax.contourf(
        x, x1, shown, levels=24, cmap="viridis", extend="min" if clipped else "neither"
    )
    # A clipped colour scale ends in a point; the floor is named on the bar.
    label = r"$\Phi(x, x_1)$" + (rf" (clipped below {floor:g})" if clipped else "")
    ax.figure.colorbar(cs, ax=ax, label=label)
    ax.contour(x, x1, phi, levels=[0.0], colors="w", linewidths=0.8, linestyles="--")
    if region is not None:
        xs = np.linspace(x.min(), min(region.x_max, x.max()), 200)
        ax.plot(xs, region.x1_lower(xs), color="C3", lw=1.5, label=r"$\partial B$")
        if x.min() < region.x_max < x.max():
            ax.plot([region.x_max] * 2, [region.x1_lower(region.x_max), x1.max()], color="C3")
        ax.legend(loc="lower left", fontsize=8, frameon=False, labelcolor="w")
    ax.set_xlim(x.min(), x.max())
    ax.set_ylim(x1.min(), x1.max())
    ax.set_xlabel(r"$x$")
    ax.set_ylabel(r"$x_1$")
    return ax


THETA_FLOOR = -40.0  # lowest Theta given its own colour; below it the colour is clipped


def plot_theta_map(
    u_D: ArrayLike,
    u_G: ArrayLike,
    theta: ArrayLike,
    *,
    floor: float = THETA_FLOOR,
    ax: Axes | None = None,
) -> Axes:
    """Theta(u_D, u_G) (indexed [i_G, i_D]) with its zero contour (paper, Fig. 3).

    A diverging scale centred on Theta = 0 when Theta > 0 somewhere, so that the
    region with critical points (often Theta within 1 of 0) keeps half the colours
    however far Theta falls elsewhere; values below ``floor`` share the darkest
    colour, marked by the colour bar's pointed end and named on the plot.  With no
    finite value the axes say so.
    """
    from matplotlib.colors import TwoSlopeNorm

    ax = _axes(ax)
    u_D, u_G, theta = np.asarray(u_D), np.asarray(u_G), np.asarray(theta, dtype=float)
    finite = theta[np.isfinite(theta)]
    ax.set_xlabel(r"$u_D$")
    ax.set_ylabel(r"$u_G$")
    if finite.size == 0:
        ax.set_xlim(u_D.min(), u_D.max())
        ax.set_ylim(u_G.min(), u_G.max())
        ax.text(
            0.5,
            0.5,
            "no critical points\n" + r"($\Theta = -\infty$ here)",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        return ax
    top = float(finite.max())
    lo = max(float(finite.min()), floor if top > 0 else top + floor)
    clipped = bool(np.any(~(theta >= lo)))
    shown = np.where(np.isfinite(theta), np.maximum(theta, lo), lo)
    if top > 0 > lo:
        levels = np.concatenate([np.linspace(lo, 0.0, 13)[:-1], np.linspace(0.0, top, 13)])
        kw = {"cmap": "RdBu_r", "norm": TwoSlopeNorm(0.0, lo, top)}
    else:
        levels = np.linspace(lo, top, 25) if top > lo else np.array([lo - 1, top + 1])
        kw = {"cmap": "Blues_r"}
    cs = ax.contourf(u_D, u_G, shown, levels=levels, extend="min" if clipped else "neither", **kw)
    bar = ax.figure.colorbar(cs, ax=ax, label=r"$\Theta(u_D, u_G)$", format="%.3g")
    bar.ax.tick_params(labelsize=7)
    if top > 0:
        ax.contour(u_D, u_G, theta, levels=[0.0], colors="k", linewidths=1.0)
    if clipped:
        ax.text(
            0.02,
            0.02,
            rf"darkest: $\Theta < {lo:.3g}$ (min {finite.min():.3g})",
            transform=ax.transAxes,
            fontsize=7,
            color="w",
            bbox={"facecolor": "0.2", "alpha": 0.6, "lw": 0},
        )
    if top <= 0:
        ax.text(
            0.5,
            0.95,
            rf"$\Theta < 0$ everywhere (max {top:.3g}): no critical points",
            ha="center",
            va="top",
            transform=ax.transAxes,
            fontsize=8,
        )
    return ax


def plot_sections(
    u: ArrayLike, curves: dict[str, ArrayLike], *, xlabel: str, ax: Axes | None = None
) -> Axes:
    """Curves against u, one per label (cross-sections of Theta, paper Fig. 3)."""
    ax = _axes(ax)
    for label, values in curves.items():
        ax.plot(u, values, label=label)
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(r"$\Theta$")
    ax.legend(fontsize=8, frameon=False)
    return ax


def plot_log_det_check(
    x: ArrayLike,
    coulomb: ArrayLike,
    x_mc: ArrayLike,
    mc: ArrayLike,
    mc_err: ArrayLike,
    *,
    label: str = "",
    color: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """(1/N) log E|det(H' - x)|: log-potential (line) against Monte Carlo (points
    with standard errors) (paper, Fig. 4)."""
    ax = _axes(ax)
    (line,) = ax.plot(x, coulomb, color=color, lw=1.2, label=label)
    ax.errorbar(x_mc, mc, yerr=mc_err, fmt="o", ms=3, color=line.get_color(), capsize=2)
    ax.set_xlabel(r"$x$")
    ax.set_ylabel(r"$\frac{1}{N}\log \mathbb{E}|\det(H' - x)|$")
    return ax


def plot_index_contours(
    u_D: ArrayLike,
    u_G: ArrayLike,
    maps: dict[tuple[int, int], ArrayLike],
    *,
    ax: Axes | None = None,
) -> Axes:
    """Zero contours of Theta_{k_D,k_G} for several index pairs (paper, Fig. 5)."""
    import matplotlib.lines as mlines

    ax = _axes(ax)
    handles, absent = [], []
    for i, ((k_D, k_G), theta) in enumerate(maps.items()):
        theta = np.asarray(theta)
        if not np.any(theta > 0):  # no zero contour to draw: say so instead
            absent.append(f"({k_D}, {k_G})")
            continue
        color = f"C{i % 10}"
        ax.contour(u_D, u_G, theta, levels=[0.0], colors=color, linewidths=1.2)
        handles.append(mlines.Line2D([], [], color=color, label=rf"$({k_D}, {k_G})$"))
    if handles:
        ax.legend(handles=handles, title=r"$(k_D, k_G)$", fontsize=8, frameon=False)
    if absent:
        ax.text(
            0.02,
            0.02,
            r"$\Theta_{k_D,k_G} < 0$ everywhere here: " + ", ".join(absent),
            transform=ax.transAxes,
            fontsize=7,
            wrap=True,
        )
    ax.set_xlabel(r"$u_D$")
    ax.set_ylabel(r"$u_G$")
    return ax


def plot_banded(band: BandedStructure, which: str = "k_D", *, ax: Axes | None = None) -> Axes:
    """Largest feasible k_D or k_G over the (u_D, u_G) plane; grey where no index
    is feasible, with a key (paper, Fig. 6).

    A value equal to the search's cap (``k_D_max`` or ``k_G_max`` in the metadata) is
    labelled ">= cap": the index may be larger there.  With no feasible index in the
    window the axes say so.
    """
    import matplotlib.patches as mpatches
    import matplotlib.pyplot as plt

    ax = _axes(ax)
    k = np.asarray(getattr(band, which), dtype=float)
    cap = band.metadata.get(f"{which}_max")
    top = int(max(k.max(), 0))
    shown = np.ma.masked_less(k, 0)
    cmap = plt.get_cmap("viridis", top + 1).with_extremes(bad="0.85")
    mesh = ax.pcolormesh(band.u_D, band.u_G, shown, cmap=cmap, vmin=-0.5, vmax=top + 0.5)
    symbol = f"{which[0]}_{which[2]}"
    ax.set_xlabel(r"$u_D$")
    ax.set_ylabel(r"$u_G$")
    if shown.count() == 0:
        ax.text(
            0.5,
            0.5,
            f"no feasible ${symbol}$\nin this window",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        return ax
    bar = ax.figure.colorbar(mesh, ax=ax, label=rf"largest ${symbol}$")
    # One colour per index: ticks on whole numbers only (at most about 11 of them).
    ticks = np.arange(0, top + 1, max(1, -(-(top + 1) // 11)))
    if cap is not None and top == cap and ticks[-1] != top:
        ticks = np.append(ticks, top)
    bar.set_ticks(ticks)
    labels = [str(int(t)) for t in ticks]
    if cap is not None and top == cap:
        labels[-1] = rf"$\geq {top}$"
    bar.set_ticklabels(labels)
    bar.minorticks_off()
    if np.ma.count_masked(shown):
        none = mpatches.Patch(facecolor="0.85", edgecolor="0.6", label="no feasible index")
        ax.legend(handles=[none], loc="upper right", fontsize=7, framealpha=0.9)
    return ax


def plot_lowest_losses(sweep: Sweep, which: str = "each", *, ax: Axes | None = None) -> Axes:
    """Lowest losses with Theta > 0 along a sweep (paper, Figs. 7-8).

    ``which="each"``: the lowest u_D (any u_G) and the lowest u_G (any u_D);
    ``which="sum"``: the lowest u_D + u_G and the (u_D, u_G) at which it is reached.
    The y axis is symmetric-log where the curves span more than two decades (they
    scale with s along a sigma_z sweep), else linear.
    """
    ax = _axes(ax)
    x = sweep.values
    if which == "each":
        ax.plot(x, sweep["u_D_min"], label=r"lowest $u_D$")
        ax.plot(x, sweep["u_G_min"], "--", label=r"lowest $u_G$")
        _loss_scale(ax, sweep["u_D_min"], sweep["u_G_min"])
    elif which == "sum":
        ax.plot(x, sweep["sum_u_D"], ":", color="C0", label=r"its $u_D$")
        ax.plot(x, sweep["sum_u_G"], ":", color="C1", label=r"its $u_G$")
        # Drawn last and thicker: the sum stays visible where the two parts are large.
        ax.plot(x, sweep["sum_min"], color="C2", lw=2.0, label=r"lowest $u_D + u_G$")
        _loss_scale(ax, sweep["sum_min"], sweep["sum_u_D"], sweep["sum_u_G"])
    else:
        raise ValueError(f"which must be 'each' or 'sum', got {which!r}")
    if sweep.parameter == "sigma_z":
        ax.set_xscale("log")
        ax.set_xlabel(r"$\sigma_z$")
    else:
        ax.set_xlabel(r"$\kappa$")
    ax.set_ylabel("loss level per $N$")
    ax.legend(fontsize=8, frameon=False)
    return ax
