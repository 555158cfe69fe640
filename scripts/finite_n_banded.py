"""The banded structure at finite N beside the N -> infinity map (the paper's Fig. 6 window).

    nice -n 10 python scripts/finite_n_banded.py            # N = 100 and N = 1000
    python scripts/finite_n_banded.py --replot

For N = 100 and N = 1000 (p = q = 3, sigma_z = 1, kappa = 0.9) and (u_D, u_G) on the
window of Fig. 6 for the model's own formula (``figure_data.ZOOM["derived"]``), the
largest k_D <= 2 and k_G <= 1 with at least one expected critical point of those block
indices (``finite_n_banded``), and the asymptotic map (``banded_structure``: the largest
with Theta_{k_D,k_G} > 0).  Cells where some pair's estimate rests on an effective
sample size below 20 are marked.  Writes data/kac_rice/finite_n_banded_N{N}.npz and
docs/img/kac_rice_finite_n_banded.png.
"""

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import spinglass_gan as sg  # noqa: E402
from spinglass_gan.complexity.kac_rice_banded import finite_n_banded  # noqa: E402
from spinglass_gan.figures.figure_data import ZOOM  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUNS = {
    100: {"grid": 13, "anchors": 2, "samples": 4000},
    1000: {"grid": 9, "anchors": 1, "samples": 1000},
}
K_D_MAX, K_G_MAX, MIN_ESS = 2, 1, 20.0


def compute(n: int, cfg: dict, seed: int) -> dict:
    model = sg.GanSpinGlass(3, 3, 1.0, 0.9)
    (d_lo, d_hi), (g_lo, g_hi) = ZOOM["derived"]
    u_D = np.linspace(d_lo, d_hi, cfg["grid"])
    u_G = np.linspace(g_lo, g_hi, cfg["grid"])
    t0 = time.perf_counter()
    res = finite_n_banded(model, n, u_D, u_G, K_D_MAX, K_G_MAX, anchors=cfg["anchors"],
                          samples=cfg["samples"], rng=seed)  # fmt: skip
    seconds = time.perf_counter() - t0
    band = sg.banded_structure(model, u_D, u_G, K_D_MAX, K_G_MAX)
    k_D, k_G = res.largest()
    arrays = {"u_D": u_D, "u_G": u_G, "pairs": res.pairs, "log_count": res.log_count,
              "stderr": res.stderr, "ess": res.ess, "k_D": k_D, "k_G": k_G,
              "k_D_asymptotic": band.k_D, "k_G_asymptotic": band.k_G}  # fmt: skip
    meta = {**res.metadata, "seed": seed, "seconds": seconds, "min_ess_mark": MIN_ESS}
    sg.save_result(ROOT / "data" / "kac_rice" / f"finite_n_banded_N{n}.npz",
                   "finite_n_banded", arrays, meta)  # fmt: skip
    print(f"N = {n}: {seconds:.0f} s; cells with ESS < {MIN_ESS:g} for some pair: "
          f"{int((res.ess < MIN_ESS).any(axis=0).sum())} of {k_D.size}")  # fmt: skip
    return arrays


def plot(results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = sorted(results)
    fig, axes = plt.subplots(2, len(ns) + 1, figsize=(4.2 * (len(ns) + 1), 7.5),
                             layout="constrained")  # fmt: skip
    first = results[ns[0]]
    panels = [("N -> infinity", first["k_D_asymptotic"], first["k_G_asymptotic"], first, None)]
    panels += [(f"N = {n}", results[n]["k_D"], results[n]["k_G"], results[n], results[n]["ess"])
               for n in ns]  # fmt: skip
    for col, (title, k_D, k_G, arr, ess) in enumerate(panels):
        for row, (name, k) in enumerate((("largest k_D", k_D), ("largest k_G", k_G))):
            ax = axes[row, col]
            im = ax.pcolormesh(arr["u_D"], arr["u_G"], k, vmin=-1, vmax=max(K_D_MAX, K_G_MAX),
                               cmap="viridis", shading="nearest")  # fmt: skip
            if ess is not None:
                weak = (ess < MIN_ESS).any(axis=0)
                iy, ix = np.nonzero(weak)
                ax.plot(arr["u_D"][ix], arr["u_G"][iy], "x", color="r", ms=4)
            ax.set_title(f"{title}: {name}", fontsize=9)
            ax.set_xlabel("u_D")
            ax.set_ylabel("u_G")
    fig.colorbar(im, ax=axes, shrink=0.6, label="index (-1: none with E # >= 1)")
    fig.suptitle("Banded structure, p = q = 3, sigma_z = 1, kappa = 0.9 (x: ESS < 20)")
    path = ROOT / "docs" / "img" / "kac_rice_finite_n_banded.png"
    fig.savefig(path, dpi=110)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=sorted(RUNS))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--replot", action="store_true")
    args = parser.parse_args(argv)
    results = {}
    for n in args.sizes:
        path = ROOT / "data" / "kac_rice" / f"finite_n_banded_N{n}.npz"
        if args.replot:
            res = sg.load_result(path)
            results[n] = {k: np.asarray(res[k]) for k in res.arrays}
        else:
            results[n] = compute(n, RUNS.get(n, RUNS[1000]), args.seed)
        print(f"N = {n}: largest k_D\n{results[n]['k_D'][::-1]}\nlargest k_G\n"
              f"{results[n]['k_G'][::-1]}")  # fmt: skip
    plot(results)


if __name__ == "__main__":
    main()
