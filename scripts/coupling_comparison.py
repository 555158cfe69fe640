"""Does the coupling matter? The isotropic against the bipartite GAN (docs/coupling.md).

    python scripts/coupling_comparison.py      # about 1-2 min with nice -n 10 on 2 cores
    python scripts/coupling_comparison.py --figure-only     # redraw from the stored file

For p = q = 3 under the model's own Kac-Rice formula (the asymptotic complexity of
SpinGlassGame): the total complexity of both couplings, their lowest losses u_D and u_G
(Theta > 0) at (sigma_z, kappa) = (1, 0.9), the lowest losses over a sigma_z sweep
(kappa = 0.9) and a kappa sweep (sigma_z = 1), and Theta(u_D, u_G) on one window.  The
lowest losses at the anchor are checked by brute force: the maximum of Sigma(ell) over a
dense grid of loss pairs just below and just above each level.  At the anchor only,
(p, q) = (3, 2) and (2, 4) ask whether what holds for p = q holds for p != q.  Writes
data/games/coupling.npz and docs/img/games/coupling.png/.pdf.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import spinglass_gan as sg
from spinglass_gan.io.results import load_result, save_result

P, Q, SIGMA_Z, KAPPA = 3, 3, 1.0, 0.9
COUPLINGS = ("isotropic", "bipartite")
SIGMA_SWEEP = np.logspace(-2.0, 1.0, 7)
KAPPA_SWEEP = np.linspace(0.1, 0.9, 5)
U_D = np.linspace(-24.0, 4.0, 57)
U_G = np.linspace(-24.0, 24.0, 49)
OTHER_DEGREES = ((3, 2), (2, 4))  # p != q: do the couplings still share the lowest losses?
BRUTE_OFFSET = 0.05  # loss per N on either side of each lowest level
ROOT = Path(__file__).resolve().parent.parent


def brute_lowest_check(game: sg.SpinGlassGame, low: np.ndarray) -> np.ndarray:
    """max Sigma(ell) over a dense grid of ell with ell_s = low_s -+ BRUTE_OFFSET.

    Returns shape (2, 2): [s, below/above].  Theta(u_s) is the supremum of Sigma over
    ell_s <= u_s, so the "below" maxima must be negative and the "above" ones positive.
    """
    out = np.empty((2, 2))
    other = np.linspace(-60.0, 60.0, 481)  # the other player's loss, unbounded in Theta
    for s in range(2):
        for j, sign in enumerate((-1.0, 1.0)):
            level = low[s] + sign * BRUTE_OFFSET
            ells = [(level, v) if s == 0 else (v, level) for v in other]
            out[s, j] = max(game.complexity_at(e) for e in ells)
    return out


def lowest_sweep(coupling: str, sigma_z: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    """Rows (u_D min, u_G min, total complexity) per parameter pair."""
    rows = []
    for s, k in zip(sigma_z, kappa, strict=True):
        game = sg.SpinGlassGame.gan(P, Q, float(s), float(k), coupling=coupling)
        rows.append([*game.lowest_losses(), game.theta()])
        print(f"  {coupling} sigma_z={s:.4g} kappa={k:.2f}: {rows[-1]}", flush=True)
    return np.array(rows)


def compute() -> tuple[dict, dict]:
    arrays: dict = {"sigma_sweep": SIGMA_SWEEP, "kappa_sweep": KAPPA_SWEEP, "u_D": U_D}
    arrays["u_G"] = U_G
    meta: dict = {"p": P, "q": Q, "sigma_z": SIGMA_Z, "kappa": KAPPA, "couplings": COUPLINGS}
    meta["formula"] = "derived (SpinGlassGame asymptotic complexity)"
    meta["brute_offset"] = BRUTE_OFFSET
    seconds = {}
    for c in COUPLINGS:
        started = time.time()
        game = sg.SpinGlassGame.gan(P, Q, SIGMA_Z, KAPPA, coupling=c)
        arrays[f"{c}_total"] = np.array(game.theta())
        arrays[f"{c}_lowest"] = game.lowest_losses()
        arrays[f"{c}_brute"] = brute_lowest_check(game, arrays[f"{c}_lowest"])
        arrays[f"{c}_map"] = game.theta_map(U_D, U_G)
        print(c, arrays[f"{c}_total"], arrays[f"{c}_lowest"], arrays[f"{c}_brute"], flush=True)
        n_s, n_k = len(SIGMA_SWEEP), len(KAPPA_SWEEP)
        arrays[f"{c}_sigma_rows"] = lowest_sweep(c, SIGMA_SWEEP, np.full(n_s, KAPPA))
        arrays[f"{c}_kappa_rows"] = lowest_sweep(c, np.full(n_k, SIGMA_Z), KAPPA_SWEEP)
        seconds[c] = time.time() - started
    arrays["other_degrees"] = np.array(OTHER_DEGREES)
    for c in COUPLINGS:
        rows = []
        for p, q in OTHER_DEGREES:
            game = sg.SpinGlassGame.gan(p, q, SIGMA_Z, KAPPA, coupling=c)
            rows.append([*game.lowest_losses(), game.theta()])
        arrays[f"{c}_other_rows"] = np.array(rows)
        print(c, OTHER_DEGREES, arrays[f"{c}_other_rows"], flush=True)
    meta["seconds"] = seconds
    meta["rows"] = ["u_D_min", "u_G_min", "theta_total"]
    return arrays, meta


def figure(a: dict) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(14.0, 7.6), constrained_layout=True)
    for ax, c in zip(axes[0, :2], COUPLINGS, strict=True):
        m = np.maximum(a[f"{c}_map"], -1.0)
        im = ax.contourf(a["u_D"], a["u_G"], m, levels=np.linspace(-1.0, 0.81, 19))
        ax.contour(a["u_D"], a["u_G"], a[f"{c}_map"], levels=[0.0], colors="w")
        ax.set(xlabel="u_D", ylabel="u_G")
        ax.set_title(
            f"{c}: Theta(u_D, u_G), total {float(a[f'{c}_total']):.3f}\n"
            f"p = q = 3, sigma_z = 1, kappa = 0.9 (clipped at -1; white: Theta = 0)",
            fontsize=8,
        )
        fig.colorbar(im, ax=ax)
    diff = a["isotropic_map"] - a["bipartite_map"]
    both = (a["isotropic_map"] > -1.0) & (a["bipartite_map"] > -1.0)
    im = axes[0, 2].contourf(a["u_D"], a["u_G"], np.where(both, diff, np.nan), levels=15)
    fig.colorbar(im, ax=axes[0, 2])
    axes[0, 2].set(xlabel="u_D", ylabel="u_G")
    axes[0, 2].set_title("Theta isotropic - Theta bipartite (where both > -1)", fontsize=8)
    for c, style in zip(COUPLINGS, ("-o", "--s"), strict=True):
        axes[1, 2].plot(a["kappa_sweep"], a[f"{c}_kappa_rows"][:, 2], style, label=c)
    axes[1, 2].set(xlabel="kappa (sigma_z = 1)", ylabel="total complexity Theta(inf, inf)")
    axes[1, 2].legend(fontsize=7)
    axes[1, 2].set_title("total complexity, p = q = 3", fontsize=8)
    for ax, key, x, log in (
        (axes[1, 0], "sigma", a["sigma_sweep"], True),
        (axes[1, 1], "kappa", a["kappa_sweep"], False),
    ):
        for c, style in zip(COUPLINGS, ("-o", "--s"), strict=True):
            rows = a[f"{c}_{key}_rows"]
            scale = a["sigma_sweep"] if key == "sigma" else np.ones_like(x)
            ax.plot(x, rows[:, 0] / scale, style, label=f"{c}: u_D min / sigma_z")
            ax.plot(x, rows[:, 1] / scale, style, label=f"{c}: u_G min / sigma_z", alpha=0.6)
        ax.set_xscale("log" if log else "linear")
        ax.set_xlabel("sigma_z (kappa = 0.9)" if log else "kappa (sigma_z = 1)")
        ax.set_ylabel("lowest loss per N / sigma_z")
        ax.legend(fontsize=7)
        ax.set_title("lowest losses with Theta > 0, p = q = 3", fontsize=8)
    fig.suptitle("Model's own (derived) Kac-Rice formula: isotropic vs bipartite GAN", fontsize=10)
    out = ROOT / "docs" / "img" / "games"
    out.mkdir(parents=True, exist_ok=True)
    for ext in ("png", "pdf"):
        fig.savefig(out / f"coupling.{ext}", dpi=110)


def main() -> None:
    target = ROOT / "data" / "games" / "coupling.npz"
    if "--figure-only" in sys.argv:  # redraw from the stored file
        figure(load_result(target).arrays)
        return
    arrays, meta = compute()
    save_result(target, "coupling_comparison", arrays, meta)
    figure(arrays)
    print(meta["seconds"])


if __name__ == "__main__":
    main()
