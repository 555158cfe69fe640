"""Gallery figure: the bipartite spherical spin glass xi_h = R_1^2 R_2^2 (kappa = 1/2).

    python scripts/game_gallery.py        # about 1 minute on one core

Left: the complexity Theta(u) of critical points of h with h / N <= u, N -> infinity
(SpinGlassGame.theta) and the finite-N (1/N) log E # from the exact Monte Carlo formula
at N_1 = N_2 = 10 and 25.  Right: at N_1 = N_2 = 3, the mean number of critical points
with h / N <= u of 300 sampled instances (all their critical points found) against the
finite-N formula.  Writes docs/img/games/bipartite_ssg.png.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from spinglass_gan.games.game import SpinGlassGame
from spinglass_gan.landscapes.game_counting import count_game_critical_points

OUT = Path(__file__).resolve().parent.parent / "docs" / "img" / "games" / "bipartite_ssg.png"


def main() -> None:
    game = SpinGlassGame.multi_species({(2, 2): 1.0}, [0.5, 0.5])
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.6), dpi=80)

    u = np.linspace(-1.9, 0.4, 47)
    theta = [game.theta([v, v]) for v in u]
    left.plot(u, theta, "k-", label="N -> infinity")
    for n, marker in ((10, "o"), (25, "s")):
        draws = game.kac_rice_samples([n, n], 100_000, rng=n)
        pts = [(v, *draws.log_expected([v, v])) for v in u[::4]]
        pts = [p for p in pts if np.isfinite(p[1]) and p[2] < 0.05]
        v, val, err = np.array(pts).T
        left.errorbar(v, val, err, fmt=marker, ms=3, label=f"N_s = {n} (exact, MC)")
    left.axhline(0.0, color="grey", lw=0.5)
    left.set_xlabel("u (h / N <= u)")
    left.set_ylabel("(1/N) log E #")
    left.set_title("complexity", fontsize=10)
    left.legend(fontsize=7)

    res = count_game_critical_points(game, (3, 3), 300, rng=7)
    draws = game.kac_rice_samples([3, 3], 400_000, rng=8)
    grid = np.linspace(-2.0, 2.0, 41)
    f = np.array([draws.expected([v, v]) for v in grid])
    c = np.array([res.mean([v, v]) for v in grid])
    right.fill_between(grid, f[:, 0] - 2 * f[:, 1], f[:, 0] + 2 * f[:, 1], color="C0", alpha=0.3)
    right.plot(grid, f[:, 0], "C0-", label="exact formula (MC)")
    right.errorbar(grid[::2], c[::2, 0], 2 * c[::2, 1], fmt="k.", ms=4, label="sampled instances")
    right.set_xlabel("u (h / N <= u)")
    right.set_ylabel("mean number of critical points")
    right.set_title("N_1 = N_2 = 3, 300 instances", fontsize=10)
    right.legend(fontsize=7)
    fig.suptitle("bipartite spherical spin glass, xi = R_1^2 R_2^2", fontsize=11)
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT)
    print(OUT, f"{OUT.stat().st_size / 1024:.0f} kB")


if __name__ == "__main__":
    main()
