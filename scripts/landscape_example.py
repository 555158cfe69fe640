"""The worked example of docs/landscape.md: one instance's critical points.

    python scripts/landscape_example.py [OUT_PNG]      # a few seconds

(p, q) = (3, 2), sigma_z = 1, n_D = n_G = 3, seed 7: every critical point on the
(u_D, u_G) plane, coloured by (k_D, k_G) (k_D on the default, ascent side), marker by
sign det J; the saturation curve of the Newton search beside it.  Writes
docs/img/landscape_example.png and prints the completeness evidence.
"""

import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

import spinglass_gan as sg

if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    out = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else root / "docs" / "img" / "landscape_example.png"
    )
    land = sg.GanLandscape.sample(3, 2, 1.0, 3, 3, rng=7)
    crit = land.critical_points()
    print(f"{len(crit)} critical points from {crit.starts} starts (Bezout bound {crit.bezout})")
    print(f"Poincare-Hopf: sum of sign det J = {crit.euler_sum}, expected {crit.euler_expected}")
    print(f"fewest hits {crit.hits.min()}, Chao1 estimate of missed points {crit.missed_estimate}")
    print("saturation (starts, points):", crit.history.tolist())
    pairs = sorted({(int(a), int(b)) for a, b in zip(crit.k_D, crit.k_G)})
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=(1.6, 1))
    colours = [f"C{i}" for i in range(len(pairs))]
    for (k_d, k_g), colour in zip(pairs, colours):
        for sign, marker in ((1, "o"), (-1, "^")):
            sel = (crit.k_D == k_d) & (crit.k_G == k_g) & (crit.sign == sign)
            if sel.any():
                ax.scatter(crit.u_D[sel], crit.u_G[sel], c=colour, marker=marker, s=22,
                           label=f"({k_d}, {k_g})" if sign == 1 or not (
                               (crit.k_D == k_d) & (crit.k_G == k_g) & (crit.sign == 1)).any()
                           else None)  # fmt: skip
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax.set_xlabel("$u_D = L_D / N$")
    ax.set_ylabel("$u_G = L_G / N$")
    ax.set_title(
        f"one instance, p=3, q=2, $\\sigma_z$=1, $n_D$=$n_G$=3: {len(crit)} critical points\n"
        "colour: $(k_D, k_G)$; o: det J > 0, ^: det J < 0",
        fontsize=9,
    )
    ax.legend(title="$(k_D, k_G)$", fontsize=7, title_fontsize=8, ncol=2, frameon=False,
              loc="center left", bbox_to_anchor=(1.0, 0.5))  # fmt: skip
    h = np.asarray(crit.history)
    ax2.plot(h[:, 0], h[:, 1], "o-", ms=3)
    ax2.set_xscale("log", base=2)
    ax2.xaxis.set_minor_formatter(NullFormatter())
    ax2.set_xlabel("Newton starts")
    ax2.set_ylabel("distinct critical points found")
    ax2.set_title("saturation of the search", fontsize=9)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=130)
    print(out)
