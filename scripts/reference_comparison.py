"""The package against reproductions of the published code's methods (docs/reference-comparison.md).

    python scripts/reference_comparison.py [OUT_DIR]      # default docs/img; ~45 s on 2 cores

Writes four PNG figures to OUT_DIR and prints, as Markdown tables, every number that
docs/reference-comparison.md quotes:

(a) ``reference-density.png``: histograms of sampled spectra of H' (N = 1000, 10
    matrices per panel) against the master-equation density and the published density
    routine (and that routine with only its sign corrected); L1 distances, the
    histogram's noise floor, the masses, and the error of the log-potential built on
    the published density.
(b) ``reference-theta.png``: exact Theta against the maximum of Phi over the published
    kind of truncated (x, x1) grid, p = q = 3, sigma_z = 1, kappa = 0.9; and the lowest
    losses with Theta > 0 against sigma_z, exact and on the published sweep's grid.
(c) ``reference-banded.png`` and ``reference-banded-zoom.png``: the banded structure
    in the exact index convention (both sides of the D index) and in the published one.
(d) numbers only: the published log-determinant methods (quadrature over an inflated
    interval; Monte Carlo determinant as a product of eigenvalues).

The published methods come from :mod:`spinglass_gan.complexity.reproductions` (reproductions of
known-wrong methods, for comparison only).  Seeds are fixed: reruns give the same
numbers on the same platform.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm
from scipy.integrate import IntegrationWarning
from scipy.optimize import brentq

import spinglass_gan as sg
from spinglass_gan.complexity.reproductions import (
    PUBLISHED_X1_GRID,
    PUBLISHED_X_GRID,
    box_log_potential,
    box_theta,
    product_log_det,
    published_density,
)

N, SAMPLES, BINS, SUB = 1000, 10, 60, 200  # spectra: N = 1000, 10 matrices; bins as in tests
PAPER = sg.GanSpinGlass(3, 3, 1.0, 0.9, formula="published")  # b = 43.82, b1 = 2.324
SMALL_SIGMA = {
    k: sg.GanSpinGlass(3, 3, 0.01, k, formula="published") for k in (0.3, 0.5)
}  # b = 0.438 < b1
B, B1 = round(PAPER.b, 2), round(PAPER.b1, 3)

# (label, (b, b1, kappa, x1)); the paper-scale b, b1 are kept fixed while kappa varies.
DENSITY_SETS = [
    ("b = b1 = 1", (1.0, 1.0, 0.3, 3.0)),
    ("b = b1 = 1", (1.0, 1.0, 0.5, 3.0)),
    ("p = q = 3, sigma_z = 0.01", (SMALL_SIGMA[0.3].b, SMALL_SIGMA[0.3].b1, 0.3, 3.0)),
    ("p = q = 3, sigma_z = 0.01", (SMALL_SIGMA[0.5].b, SMALL_SIGMA[0.5].b1, 0.5, 3.0)),
    ("paper b, b1", (B, B1, 0.3, 0.0)),
    ("paper b, b1", (B, B1, 0.5, 0.0)),
    ("paper b, b1 (its kappa)", (B, B1, 0.9, 0.0)),
    ("paper b, b1 (its kappa)", (B, B1, 0.9, 10.0)),
]
# The paper's Fig. 1 (b = b1 = 1, kappa = 0.9; one, touching and two intervals): table only.
FIG1_SETS = [
    ("paper Fig. 1", (1.0, 1.0, 0.9, 1.0)),
    ("paper Fig. 1", (1.0, 1.0, 0.9, round(sg.splitting_x1(1.0, 1.0, 0.9), 4))),
    ("paper Fig. 1", (1.0, 1.0, 0.9, 3.0)),
]
U_SECTION = np.linspace(-10.0, 10.0, 201)
U_MAP = np.linspace(-10.0, 10.0, 121)
U_BANDS = np.linspace(-10.0, 10.0, 60)
U_ZOOM = np.linspace(-2.5, 0.5, 60)
K_MAX = 10
SWEEP_SIGMA = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table; floats with 4 significant digits."""

    def fmt(v) -> str:
        if isinstance(v, float):
            return "-inf" if v == -math.inf else f"{v:.4g}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


# -- (a) densities ---------------------------------------------------------------------


def density_panel(ax, label: str, params: tuple, seed: int) -> list:
    """One histogram panel (none if ``ax`` is None) and its row of numbers."""
    b, b1, kappa, x1 = params
    ens = sg.HessianEnsemble(*params)
    ev = ens.sample_eigvals(N, SAMPLES, rng=seed)
    sup = ens.support()
    lo, hi = sup[0][0], sup[-1][1]
    width = hi - lo
    curves = {
        "ours": ens.density,
        "published": lambda lam: published_density(lam, *params),
        "sign fixed": lambda lam: published_density(lam, *params, constant_sign=1.0),
    }
    # Masses and the L1 mass outside the bins are trapezoid sums on a grid that is
    # uniform over the support and 3 widths either side and geometric beyond, out to
    # 1e6 widths: a wrong root can put a slowly decaying tail there (~1/lambda^2 at
    # the paper's scale), whose mass beyond the grid is below 1e-4.
    near = np.linspace(lo - 3.0 * width, hi + 3.0 * width, 120_001)
    tail = 3.0 * width * np.geomspace(1.0, 1e6 / 3.0, 20_001)[1:]
    wide = np.concatenate([(lo - tail)[::-1], near, hi + tail])
    # Histogram, bins and noise floor as in tests/test_spectra.py (sg.histogram_l1).
    masses, dists, values, checks = [], [], {}, {}
    for name, f in curves.items():
        checks[name] = sg.histogram_l1(ev, f, sup, bins=BINS, sub=SUB)
        edges = checks[name].edges
        rho_wide = f(wide)
        values[name] = rho_wide
        inside = (wide >= edges[0]) & (wide <= edges[-1])
        outside = np.trapezoid(np.where(inside, 0.0, rho_wide), wide)
        dists.append(checks[name].distance + outside)
        masses.append(np.trapezoid(rho_wide, wide))
    h, floor = checks["ours"].histogram, checks["ours"].floor
    row = [label, round(b, 4), round(b1, 4), kappa, x1, floor]
    peak = values["ours"].max()
    row += dists + masses[1:]
    row.append(float(np.max(np.abs(values["published"] - values["ours"]))) / peak)
    if ax is None:
        return row
    # Plot range: where any variant is visible, within half a support width of it.
    seen = np.zeros(wide.size, dtype=bool)
    for v in values.values():
        seen |= v > 1e-2 * peak
    a = max(min(edges[0], wide[seen].min()), lo - 0.5 * width)
    z = min(max(edges[-1], wide[seen].max()), hi + 0.5 * width)
    pad = 0.03 * (z - a)
    grid = (wide >= a - pad) & (wide <= z + pad)
    ax.stairs(h, edges, fill=True, color="0.8", label=f"sampled, N = {N}, {SAMPLES} matrices")
    ax.plot(wide[grid], values["ours"][grid], color="C3", lw=1.6, label="master equation (ours)")
    ax.plot(wide[grid], values["published"][grid], "--", color="C0", lw=1.3, label="published")
    ax.plot(
        wide[grid],
        values["sign fixed"][grid],
        ":",
        color="C2",
        lw=1.4,
        label="published, sign fixed",
    )
    ax.set_xlim(a - pad, z + pad)
    ax.set_ylim(0.0, 1.35 * peak)
    ax.set_title(
        f"{label}\nb={b:.3g}, b1={b1:.3g}, kappa={kappa}, x1={x1:g}\n"
        f"L1: ours {dists[0]:.3f}, publ. {dists[1]:.3f} (floor {floor:.3f})",
        fontsize=8,
    )
    ax.set_xlabel(r"$\lambda$", fontsize=8)
    ax.tick_params(labelsize=7)
    return row


def log_potential_error() -> list[list]:
    """L built on the published density minus the exact L, at |x| in {s/4, s}.

    The quadrature is a trapezoid sum on a grid 16x finer than the support width;
    its own error, measured on our density against the closed form, is printed too.
    """
    rows = []
    for name, model in [
        ("p=q=3, sigma_z=1, kappa=0.9", PAPER),
        ("p=q=3, sigma_z=0.01, kappa=0.5", SMALL_SIGMA[0.5]),
    ]:
        s = math.sqrt(model.s_sq)
        xs = np.array([-s, -s / 4, s / 4, s])
        for x1 in (0.0, 3.0):
            ens = model.ensemble(x1)
            lo, hi = ens.support()[0][0], ens.support()[-1][1]
            lam = np.linspace(lo - 2 * (hi - lo), hi + 2 * (hi - lo), 200_001)
            logs = np.log(np.abs(lam[None, :] - xs[:, None]))
            ours = np.trapezoid(logs * ens.density(lam), lam, axis=1)
            publ = np.trapezoid(
                logs * published_density(lam, model.b, model.b1, model.kappa, x1), lam, axis=1
            )
            quad_err = float(np.max(np.abs(ours - ens.log_potential(xs))))
            rows.append([name, round(s, 1), x1, *(publ - ours), quad_err])
    return rows


def densities(out: Path) -> None:
    fig, axes = plt.subplots(2, 4, figsize=(14, 6.6), constrained_layout=True)
    rows = [
        density_panel(ax, label, params, seed=100 + i)
        for i, ((label, params), ax) in enumerate(zip(DENSITY_SETS, axes.flat))
    ]
    rows += [
        density_panel(None, label, params, seed=200 + i)
        for i, (label, params) in enumerate(FIG1_SETS)
    ]
    axes.flat[0].legend(fontsize=7, loc="upper left", frameon=False)
    for ax in axes[:, 0]:
        ax.set_ylabel("density", fontsize=8)
    fig.savefig(out / "reference-density.png", dpi=80)
    plt.close(fig)
    print("\n(a) densities against sampled spectra\n")
    header = [
        "set",
        "b",
        "b1",
        "kappa",
        "x1",
        "noise floor",
        "L1 ours",
        "L1 published",
        "L1 sign fixed",
        "mass published",
        "mass sign fixed",
        "max |rho_publ - rho| / max rho",
    ]
    print(table(header, rows))
    print("\nL from the published density minus exact L (x = -s, -s/4, s/4, s)\n")
    header = ["model", "s", "x1", "x=-s", "x=-s/4", "x=s/4", "x=s", "quadrature error"]
    print(table(header, log_potential_error()))


# -- (b) Theta -------------------------------------------------------------------------


def lowest_with_box(model, x_grid=None, x1_grid=None) -> tuple[float, float]:
    """Lowest u_D (u_G = inf) and lowest u_G (u_D = inf) with a positive grid maximum.

    A grid point (x, x1) lies in B(u_D, inf) when u_D > (R x - x1) / p' and in
    B(inf, u_G) when u_G > x / P' (Q = -p' u_D, P = P' u_G), so these are the smallest
    such bounds over the grid points where Phi > 0 (the same as :func:`box_theta`
    read on an infinitely fine u axis).
    """
    k = model.constants
    xg = PUBLISHED_X_GRID if x_grid is None else x_grid
    x1g = PUBLISHED_X1_GRID if x1_grid is None else x1_grid
    x, x1 = np.meshgrid(xg, x1g)
    pos = model.exponent(x, x1) > 0
    if not pos.any():
        return math.nan, math.nan
    u_d = (k.slope * x - x1) / -k.intercept_per_u_D
    return float(u_d[pos].min()), float((x / k.x_max_per_u_G)[pos].min())


def thetas(out: Path) -> None:
    model = PAPER
    two = np.array([2.0])
    ex_d = model.theta_map(U_SECTION, two)[0]  # u_G = 2, u_D varies
    ex_g = model.theta_map(two, U_SECTION)[:, 0]  # u_D = 2, u_G varies
    bx_d = box_theta(model, U_SECTION, 2.0)
    bx_g = box_theta(model, 2.0, U_SECTION)
    exact = model.theta_map(U_MAP, U_MAP)  # [i_G, i_D]
    box, x_at, x1_at = box_theta(model, U_MAP[None, :], U_MAP[:, None], return_argmax=True)
    empty = ~np.isfinite(box)
    diff = np.where(empty, np.nan, exact - box)

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.1), constrained_layout=True)
    for ax, ex, bx, name in [
        (axes[0], ex_d, bx_d, "u_D  (u_G = 2)"),
        (axes[1], ex_g, bx_g, "u_G  (u_D = 2)"),
    ]:
        ax.plot(U_SECTION, ex, color="C3", lw=1.8, label=r"exact $\Theta$ (ours)")
        ax.plot(
            U_SECTION,
            np.where(np.isfinite(bx), bx, np.nan),
            "--",
            color="C0",
            lw=1.5,
            label="maximum over the truncated grid",
        )
        ax.axhline(0.0, color="0.5", lw=0.7)
        ax.set_xlabel(name)
        ax.set_ylabel(r"$\Theta$")
        ax.set_ylim(-12.0, 16.0)
    axes[0].legend(fontsize=8, frameon=False, loc="lower right")
    axes[0].set_title("cross-section at u_G = 2", fontsize=9)
    axes[1].set_title("cross-section at u_D = 2 (grid empty for u_G < -1.3)", fontsize=9)
    ax = axes[2]
    shown = np.where(exact > -5.0, diff, np.nan)  # where Theta is near or above 0
    mesh = ax.pcolormesh(
        U_MAP, U_MAP, shown, shading="nearest", cmap="magma_r", norm=LogNorm(1e-2, 1e2)
    )
    ax.contourf(U_MAP, U_MAP, empty, levels=[0.5, 1.5], colors=["0.6"])
    ax.contour(U_MAP, U_MAP, exact, levels=[0.0], colors="C3", linewidths=1.5)
    ax.contour(
        U_MAP,
        U_MAP,
        np.where(empty, -1e3, box),
        levels=[0.0],
        colors="C0",
        linestyles="--",
        linewidths=1.5,
    )
    fig.colorbar(mesh, ax=ax, label=r"exact $\Theta$ - grid maximum", extend="both")
    ax.set_xlabel("u_D")
    ax.set_ylabel("u_G")
    ax.set_title(
        "exact minus grid maximum where exact $\\Theta$ > -5; grey: no grid point in B;\n"
        "red: exact $\\Theta$ = 0, blue dashed: grid maximum = 0",
        fontsize=9,
    )
    fig.savefig(out / "reference-theta.png", dpi=80)
    plt.close(fig)

    print("\n(b) Theta, p = q = 3, sigma_z = 1, kappa = 0.9")
    print(
        f"grid: x in [{PUBLISHED_X_GRID[0]:g}, {PUBLISHED_X_GRID[-1]:g}] "
        f"({PUBLISHED_X_GRID.size} points), x1 in [{PUBLISHED_X1_GRID[0]:g}, "
        f"{PUBLISHED_X1_GRID[-1]:g}] ({PUBLISHED_X1_GRID.size} points)"
    )
    xs = np.linspace(-4000.0, 4000.0, 8001)
    print(f"argmax of Phi(x, 0) on a step-1 grid: x = {xs[np.argmax(model.exponent(xs, 0.0))]:g}")
    xi, x1i, vi = model.solver().interior
    print(
        "interior maxima of Phi (x, x1, Phi):",
        [
            (round(float(a), 2), round(float(b), 4), round(float(c), 4))
            for a, b, c in zip(xi, x1i, vi)
        ],
    )
    print(
        f"sup over all (x, x1): {model.theta(math.inf, math.inf):.6f}; grid maximum over "
        f"the whole grid: {box_theta(model, math.inf, math.inf):.6f}"
    )
    rows = []
    for name, ex, bx in [("u_G = 2", ex_d, bx_d), ("u_D = 2", ex_g, bx_g)]:
        ok = np.isfinite(bx)
        d = np.where(ok, ex - bx, np.nan)
        rows.append(
            [
                name,
                float(np.nanmin(d)),
                float(np.nanmax(np.where(ex > 0, d, np.nan))),
                float(d[-1]),
                int(np.sum(~ok)),
            ]
        )
    print()
    print(
        table(
            [
                "section",
                "min(exact - grid)",
                "max where Theta > 0",
                "at u = 10",
                "points with empty grid (of 201)",
            ],
            rows,
        )
    )
    pos = exact > 0
    d_pos = diff[pos & ~empty]
    at_edge = (np.abs(np.abs(x_at) - PUBLISHED_X_GRID[-1]) < 1e-9) | (
        x1_at >= PUBLISHED_X1_GRID[-1]
    )
    big = pos & (diff > 1e-2)
    print(
        f"\nmap {U_MAP.size}x{U_MAP.size} on [-10, 10]^2: exact >= grid maximum everywhere: "
        f"{bool(np.all(d_pos >= -1e-12) and np.all(diff[~empty] >= -1e-12))}"
    )
    print(
        f"cells with exact Theta > 0: {pos.mean():.3f} of the map; of these, grid empty in "
        f"{np.mean(empty[pos]):.3f}; elsewhere difference > 0.01 in {np.mean(d_pos > 1e-2):.3f},"
        f" median {np.median(d_pos):.4f}, max {d_pos.max():.4f}"
    )
    print(
        f"cells with difference > 0.01 whose grid maximiser lies on the grid's edge "
        f"(|x| = 500 or x1 = 50): {np.mean(at_edge[big]):.3f}"
    )
    print(
        f"sign of Theta differs (exact > 0 >= grid maximum): {np.mean(pos & ~(box > 0)):.3f} "
        f"of the map"
    )

    low = sg.lowest_losses(model)
    b_d, b_g = lowest_with_box(model)
    print()
    print(
        table(
            ["", "exact", "grid maximum"],
            [
                ["lowest u_D with Theta > 0 (u_G = inf)", low.u_D_min, b_d],
                ["lowest u_G with Theta > 0 (u_D = inf)", low.u_G_min, b_g],
                [
                    "Theta at u_D = u_G = inf",
                    low.theta_max,
                    float(box_theta(model, math.inf, math.inf)),
                ],
            ],
        )
    )

    # The sigma_z sweep (paper Fig. 7) with the fixed grid of the published sweep script.
    xg, x1g = np.linspace(-1000.0, 25.0, 2000), np.linspace(-15.0, 40.0, 100)
    rows = []
    for sigma_z in SWEEP_SIGMA:
        m = sg.GanSpinGlass(3, 3, sigma_z, 0.9, formula="published")
        low = sg.lowest_losses(m)
        b_d, b_g = lowest_with_box(m, xg, x1g)
        rows.append([sigma_z, round(math.sqrt(m.s_sq), 1), low.u_D_min, b_d, low.u_G_min, b_g])
    print(
        "\nlowest losses with Theta > 0 against sigma_z (p = q = 3, kappa = 0.9); grid of the"
        "\npublished sweep: x in [-1000, 25] (2000 points), x1 in [-15, 40] (100 points)\n"
    )
    print(table(["sigma_z", "s", "u_D exact", "u_D grid", "u_G exact", "u_G grid"], rows))


# -- (c) banded structure --------------------------------------------------------------


def band_maps(axes, u, model) -> dict:
    variants = {
        "ours (exact), default D side: k_D = ascent directions of L_D": {},
        "ours (exact), other D side: k_D = descent directions of L_D": {"d_index": "descent"},
        "published convention": {"convention": "published"},
    }
    colors = ["0.85", *plt.get_cmap("viridis")(np.linspace(0.0, 1.0, K_MAX + 1))]
    cmap = ListedColormap(colors)
    norm = BoundaryNorm(np.arange(-1.5, K_MAX + 1.0), cmap.N)
    out = {}
    for col, (name, kw) in enumerate(variants.items()):
        if col >= axes.shape[1]:
            break
        bs = sg.banded_structure(model, u, u, K_MAX, K_MAX, **kw)
        out[name] = bs
        for row, (which, arr) in enumerate([("largest k_D", bs.k_D), ("largest k_G", bs.k_G)]):
            ax = axes[row, col]
            mesh = ax.pcolormesh(u, u, arr, cmap=cmap, norm=norm, shading="nearest")
            ax.set_title(f"{which}\n{name}", fontsize=8)
            if bs.infeasible.all():
                # Theta_{0,0} bounds every Theta_{k_D,k_G}: say how far from 0 it stays.
                top = model.theta_map(u, u, 0, 0, **kw).max()
                ax.text(
                    0.5,
                    0.5,
                    "no cell with any index pair feasible:\n"
                    f"max of $\\Theta_{{0,0}}$ on the grid = {top:.0f}",
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    fontsize=9,
                )
            ax.set_xlabel("u_D", fontsize=8)
            ax.set_ylabel("u_G", fontsize=8)
            ax.tick_params(labelsize=7)
    cb = plt.colorbar(mesh, ax=axes, ticks=np.arange(-1, K_MAX + 1), shrink=0.8)
    cb.set_ticklabels(["none", *[str(k) for k in range(K_MAX)], f">={K_MAX}"])
    cb.set_label("largest index with $\\Theta_{k_D,k_G}$ > 0", fontsize=8)
    return out


def banded(out: Path) -> None:
    model = PAPER
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.6), constrained_layout=True)
    full = band_maps(axes, U_BANDS, model)
    fig.savefig(out / "reference-banded.png", dpi=72)
    plt.close(fig)
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.6), constrained_layout=True)
    zoom = band_maps(axes, U_ZOOM, model)
    fig.savefig(out / "reference-banded-zoom.png", dpi=72)
    plt.close(fig)

    print("\n(c) banded structure, p = q = 3, sigma_z = 1, kappa = 0.9, k up to", K_MAX)
    rows = []
    for grid_name, res in [("[-10, 10]^2", full), ("[-2.5, 0.5]^2", zoom)]:
        ref_d, ref_g = next(iter(res.values())).k_D, next(iter(res.values())).k_G
        for name, bs in res.items():
            kd = sorted(set(np.unique(bs.k_D)) - {-1})
            kg = sorted(set(np.unique(bs.k_G)) - {-1})
            rows.append(
                [
                    grid_name,
                    name.split(":")[0],
                    f"{bs.infeasible.mean():.3f}",
                    " ".join(map(str, kd)) or "-",
                    " ".join(map(str, kg)) or "-",
                    f"{np.mean(bs.k_D == ref_d):.3f}",
                    f"{np.mean(bs.k_G == ref_g):.3f}",
                ]
            )
    print()
    print(
        table(
            [
                "grid (60x60)",
                "convention",
                "no index feasible",
                "k_D values",
                "k_G values",
                "k_D = default map",
                "k_G = default map",
            ],
            rows,
        )
    )

    # Diagonal u_D = u_G = u: the lowest u with Theta_{k,k} > 0 (Theta is non-decreasing).
    def zero(f):
        return brentq(f, -10.0, 10.0, xtol=1e-10) if f(-10.0) <= 0 < f(10.0) else math.nan

    rows = []
    for k in range(K_MAX + 1):
        row = [k]
        for kw in ({}, {"d_index": "descent"}, {"convention": "published"}):
            f = lambda u, kw=kw, k=k: model.theta(u, u, k, k, **kw)  # noqa: E731
            row.append(zero(f))
        rows.append(row)
    print("\nlowest u on the diagonal u_D = u_G = u with Theta_{k,k} > 0 (nan: none in [-10, 10])")
    print(f"(total complexity: {zero(lambda u: model.theta(u, u)):.4f})\n")
    print(table(["k", "ours, default side", "ours, other side", "published"], rows))


# -- (d) log-determinants --------------------------------------------------------------


def log_dets() -> None:
    print("\n(d) published log-determinant methods, p = q = 3, sigma_z = 1, kappa = 0.9\n")
    rows = []
    for x1 in (0.0, 10.0):
        ens = PAPER.ensemble(x1)
        lo, hi = ens.support()[0][0], ens.support()[-1][1]
        for x in (-2172.0, -500.0, -20.0, 0.0, 5.0, 100.0):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", IntegrationWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                q = box_log_potential(x, ens.density, lo, hi)
            rows.append([x1, x, float(ens.log_potential(x)), q - float(ens.log_potential(x))])
    print("quadrature over [-5|lo|, 5|hi|] (our density and support) minus the closed form:\n")
    print(table(["x1", "x", "L (closed form)", "quadrature - closed form"], rows))
    rows = []
    for n in (50, 100, 200, 400):
        ev = PAPER.ensemble(0.0).sample_eigvals(n, 50, rng=n)
        for x in (-20.0, -500.0, -2172.0):
            with np.errstate(over="ignore", divide="ignore"):
                prod = float(product_log_det(ev, x))
            ann = sg.annealed_log_det(ev, x)
            rows.append([n, x, prod, float(ann.value), float(PAPER.ensemble(0.0).log_potential(x))])
    print("\n(1/N) log mean prod|lambda_i - x| as a product vs log-sum-exp (50 spectra):\n")
    print(table(["N", "x", "product", "log-sum-exp", "L (N -> inf)"], rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default="docs/img")
    out = Path(parser.parse_args().out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for step in (densities, thetas, banded):
        t = time.perf_counter()
        step(out)
        print(f"\n[{step.__name__}: {time.perf_counter() - t:.1f} s]")
    log_dets()
    print(f"\n[total: {time.perf_counter() - t0:.1f} s]")
    for name in sorted(out.glob("reference-*.png")):
        print(name, f"{name.stat().st_size / 1024:.0f} kB")


if __name__ == "__main__":
    main()
