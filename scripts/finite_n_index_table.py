"""Index-resolved finite-N counts against Theta_{k_D,k_G} (p = q = 3, sigma_z = 1, kappa = 0.9).

    nice -n 10 python scripts/finite_n_index_table.py [--sizes 20 40 80 160 320 640 1000] [--quick]
    python scripts/finite_n_index_table.py --replot      # refit the stored data, redraw, save

For each N (n_D = round(kappa N), n_G = N - n_D) and each (k_D, k_G) in
{(0,0), (1,0), (2,0), (0,1), (1,1), (0,2)} (where the G block has room) and the total,
estimates (1/N) log E #{critical points with those block indices} with
``kac_rice_samples(..., k_D=k_D, k_G=k_G, proposal="auto")`` (the edge sampler: block
spectra first, each shift placed against its block's edge eigenvalues, fitted by pilot
rounds), with its standard error and effective sample size, and the
limit Theta_{k_D,k_G} = ``GanSpinGlass(3, 3, 1, 0.9).theta(inf, inf, k_D, k_G)``.  Fits
value = a + b log(N)/N + c/N by weighted least squares (a free, and a = Theta).  Writes
data/kac_rice/index_table.npz (JSON metadata), docs/img/kac_rice_index_table.png and
prints the table.
"""

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import spinglass_gan as sg  # noqa: E402

MODEL = (3, 3, 1.0, 0.9)
PAIRS = ((0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (0, 2), (-1, -1))  # (-1, -1): the total
SIZES = (20, 40, 80, 160, 320, 640, 1000)
SAMPLES = {
    20: 50_000,
    40: 100_000,
    80: 200_000,
    160: 300_000,
    320: 60_000,
    640: 20_000,
    1000: 10_000,
}
TOTAL_SAMPLES = 20_000  # the total: explicit block spectra, slower per draw, ESS ample
TOTAL_UP_TO = 320  # beyond, the total's dense block spectra cost minutes per estimate
SEED = 2026
ROOT = Path(__file__).resolve().parent.parent


def estimate(n: int, pair: tuple[int, int], samples: int, seed: int) -> dict:
    p, q, sigma_z, kappa = MODEL
    n_D = round(kappa * n)
    n_G = n - n_D
    k_D, k_G = (None, None) if pair == (-1, -1) else pair
    t0 = time.perf_counter()
    extra = {"sampler": "spectral"} if k_D is None else {"k_D": k_D, "k_G": k_G}
    draws = sg.kac_rice_samples(p, q, sigma_z, n_D, n_G, samples, seed, proposal="auto", **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
        r = draws.log_expected(k_D=k_D, k_G=k_G, min_ess=0)
    return {
        "value": r.value, "stderr": r.stderr, "ess": r.ess, "samples": samples,
        "pilot": draws.pilot_samples, "seconds": time.perf_counter() - t0,
    }  # fmt: skip


def fit(ns, values, errs, theta=None, lead="log"):
    """Weighted least squares of value on (1, log N / N, 1/N); theta fixes a.

    ``lead="sqrt"`` uses N^(-1/2) in place of log N / N: the correction where the
    shift sits against a block's soft edge with the exponent still rising into the
    bulk (a hard wall pushed in by delta costs N^2 delta^3 and gains N g delta, so the
    optimum delta ~ N^(-1/2) adds of order N^(1/2) to log E #).
    """
    ns, values, errs = (np.asarray(a, dtype=float) for a in (ns, values, errs))
    ok = np.isfinite(values) & np.isfinite(errs) & (errs > 0)
    ns, values, errs = ns[ok], values[ok], errs[ok]
    cols = [np.log(ns) / ns if lead == "log" else ns**-0.5, 1.0 / ns]
    y = values.copy()
    if theta is None:
        cols = [np.ones_like(ns), *cols]
    else:
        y = y - theta
    a = np.stack(cols, axis=1) / errs[:, None]
    if a.shape[0] <= a.shape[1]:
        return np.full(a.shape[1], np.nan), np.full(a.shape[1], np.nan), math.nan
    coef, *_ = np.linalg.lstsq(a, y / errs, rcond=None)
    cov = np.linalg.inv(a.T @ a)
    chi2 = float(((a @ coef - y / errs) ** 2).sum())
    return coef, np.sqrt(np.diag(cov)), chi2


def run(sizes, samples_for, seed) -> dict:
    model = sg.GanSpinGlass(*MODEL)
    theta = np.array([
        model.theta(np.inf, np.inf) if pr == (-1, -1) else model.theta(np.inf, np.inf, *pr)
        for pr in PAIRS
    ])  # fmt: skip
    shape = (len(PAIRS), len(sizes))
    out = {
        k: np.full(shape, np.nan) for k in ("value", "stderr", "ess", "samples", "pilot", "seconds")
    }
    for j, n in enumerate(sizes):
        n_G = n - round(MODEL[3] * n)
        for i, pr in enumerate(PAIRS):
            if pr[1] > n_G - 1 or (pr == (-1, -1) and n > TOTAL_UP_TO):
                continue
            draws = min(samples_for(n), TOTAL_SAMPLES) if pr == (-1, -1) else samples_for(n)
            res = estimate(n, pr, draws, seed + 1000 * j + i)
            for k, v in res.items():
                out[k][i, j] = v
            print(f"N = {n:4d} {pr}: {res['value']:+.4f} +- {res['stderr']:.4f}  "
                  f"ESS {res['ess']:7.1f}  draws {res['samples']} + {res['pilot']} pilot  "
                  f"{res['seconds']:.1f} s  (Theta {theta[i]:+.4f})", flush=True)  # fmt: skip
    out["theta"] = theta
    out["sizes"] = np.asarray(sizes, dtype=float)
    out["pairs"] = np.asarray(PAIRS, dtype=float)
    return out


def fits(data) -> dict:
    rows = {}
    for i, pr in enumerate(data["pairs"].astype(int)):
        free = fit(data["sizes"], data["value"][i], data["stderr"][i])
        fixed = fit(data["sizes"], data["value"][i], data["stderr"][i], data["theta"][i])
        root = fit(data["sizes"], data["value"][i], data["stderr"][i], lead="sqrt")
        root_fixed = fit(data["sizes"], data["value"][i], data["stderr"][i], data["theta"][i],
                         lead="sqrt")  # fmt: skip
        rows[str(tuple(int(v) for v in pr))] = {
            "a": free[0][0], "a_se": free[1][0], "b": free[0][1], "c": free[0][2],
            "chi2_free": free[2], "b_fixed": fixed[0][0], "c_fixed": fixed[0][1],
            "chi2_fixed": fixed[2], "theta": float(data["theta"][i]),
            "sqrt_a": root[0][0], "sqrt_a_se": root[1][0], "sqrt_b": root[0][1],
            "sqrt_c": root[0][2], "sqrt_chi2_free": root[2], "sqrt_chi2_fixed": root_fixed[2],
            "points": int(np.isfinite(data["value"][i]).sum()),
        }  # fmt: skip
    return rows


def plot(data, rows, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5.0))
    ns = data["sizes"]
    grid = np.geomspace(ns.min(), max(ns.max(), 1000) * 4, 200)
    for i, pr in enumerate(data["pairs"].astype(int)):
        label = "total" if pr[0] < 0 else f"$(k_D, k_G) = ({pr[0]}, {pr[1]})$"
        line = ax.errorbar(1.0 / ns, data["value"][i], yerr=data["stderr"][i], fmt="o",
                           ms=4, capsize=2, label=label)  # fmt: skip
        colour = line[0].get_color()
        weak = data["ess"][i] < 50  # open markers: too few effective draws to trust
        ax.plot(1.0 / ns[weak], data["value"][i][weak], "o", ms=6, mfc="white", color=colour)
        ax.plot(0.0, data["theta"][i], marker="*", ms=10, color=colour)
        r = rows[str(tuple(int(v) for v in pr))]
        if pr[0] < 0 and np.isfinite(r["a"]):  # the total: a + b log N / N + c / N
            ax.plot(1.0 / grid, r["a"] + r["b"] * np.log(grid) / grid + r["c"] / grid, "--",
                    color=colour, lw=0.8)  # fmt: skip
        elif np.isfinite(r["sqrt_a"]):  # indexed rows: a + b N^(-1/2) + c / N
            ax.plot(1.0 / grid, r["sqrt_a"] + r["sqrt_b"] / np.sqrt(grid) + r["sqrt_c"] / grid,
                    "--", color=colour, lw=0.8)  # fmt: skip
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_xlabel("1/N")
    ax.set_ylabel("(1/N) log E #")
    ax.set_title("Index-resolved finite-N counts, p = q = 3, sigma_z = 1, kappa = 0.9\n"
                 "stars: Theta; dashed: fits a + b N^-1/2 + c/N (total: a + b log N/N + c/N); "
                 "open: ESS < 50", fontsize=9)  # fmt: skip
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--samples", type=int, default=None, help="draws per estimate")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--quick", action="store_true", help="2000 draws, N <= 80")
    parser.add_argument("--replot", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "kac_rice" / "index_table.npz")
    parser.add_argument(
        "--figure", type=Path, default=ROOT / "docs" / "img" / "kac_rice_index_table.png"
    )
    args = parser.parse_args(argv)
    meta = None
    if args.replot:
        res = sg.load_result(args.out)
        data = {k: np.asarray(res[k]) for k in res.arrays}
        keep = ("model", "seed", "pairs_note", "estimator")
        meta = {k: v for k, v in res.metadata.items() if k in keep}
    else:
        sizes = [n for n in args.sizes if n <= 80] if args.quick else args.sizes

        def samples_for(n):
            return 2000 if args.quick else (args.samples or SAMPLES.get(n, 10_000))

        t0 = time.perf_counter()
        data = run(sizes, samples_for, args.seed)
        print(f"total {time.perf_counter() - t0:.0f} s")
    rows = fits(data)
    for key, r in rows.items():
        print(f"{key}: a = {r['a']:+.4f} +- {r['a_se']:.4f} (Theta {r['theta']:+.4f}), "
              f"b = {r['b']:+.3f}, c = {r['c']:+.3f}, chi2 {r['chi2_free']:.1f}; "
              f"with a = Theta: b = {r['b_fixed']:+.3f}, c = {r['c_fixed']:+.3f}, "
              f"chi2 {r['chi2_fixed']:.1f}; N^-1/2 lead: a = {r['sqrt_a']:+.4f} +- "
              f"{r['sqrt_a_se']:.4f}, chi2 {r['sqrt_chi2_free']:.1f} (a = Theta: "
              f"{r['sqrt_chi2_fixed']:.1f}); {r['points']} sizes")  # fmt: skip
    if not args.quick:
        if meta is None:
            meta = {"model": dict(zip(("p", "q", "sigma_z", "kappa"), MODEL)), "seed": args.seed,
                    "pairs_note": "(-1, -1) is the total",
                    "estimator": "kac_rice_samples(k_D, k_G, proposal='auto')"}  # fmt: skip
        sg.save_result(args.out, "kac_rice_index_table", data, {**meta, "fits": rows})
    if not args.quick:
        plot(data, rows, args.figure)


if __name__ == "__main__":
    main()
