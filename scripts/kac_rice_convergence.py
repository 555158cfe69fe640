"""(1/N) log of the exact finite-N expected number of critical points against its limit.

    python scripts/kac_rice_convergence.py [--quick] [OUT_DIR]   # ~10 min; --quick ~10 s
    python scripts/kac_rice_convergence.py --replot              # refit the stored data, redraw

For each case (p, q, sigma_z, kappa, u_D, u_G) and N in {20, 40, 80, 160, 320}
(n_D = kappa N, n_G = N - n_D), estimates (1/N) log E #{critical points} with
``kac_rice_samples`` (importance sampling centred on the saddle, ``proposal="auto"``)
and the N -> infinity exponent Theta with ``kac_rice_saddle``; fits

    (1/N) log E # - Theta = c1 log(N) / N + c0 / N + c2 / N^2

by weighted least squares.  Writes data/kac_rice/convergence.npz (JSON metadata),
docs/img/kac_rice_convergence.png and .pdf, and prints the table.
"""

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import spinglass_gan as sg  # noqa: E402
from spinglass_gan.io.results import user_metadata  # noqa: E402

# name: (p, q, sigma_z, kappa, u_D, u_G)
CASES = {
    "paper_total": (3, 3, 1.0, 0.9, np.inf, np.inf),
    "paper_uG_m6": (3, 3, 1.0, 0.9, np.inf, -6.0),
    "half_total": (3, 3, 1.0, 0.5, np.inf, np.inf),
    "p2q1_total": (2, 1, 1.0, 0.5, np.inf, np.inf),
}
NS = (20, 40, 80, 160, 320)
SAMPLES = {20: 200_000, 40: 200_000, 80: 100_000, 160: 50_000, 320: 10_000}
SEED = 2026
FIT_NOTE = "value - theta = c1 log(N)/N + c0/N + c2/N^2 (weighted least squares): _fit"


def basis(n: np.ndarray) -> np.ndarray:
    """Columns log(n)/n, 1/n, 1/n^2 of the fitted finite-N correction."""
    n = np.asarray(n, dtype=float)
    return np.column_stack([np.log(n) / n, 1.0 / n, 1.0 / n**2])


def fit(n: np.ndarray, gap: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Weighted least squares of gap = c1 log(n)/n + c0/n + c2/n^2; returns (c1, c0, c2)."""
    coef, *_ = np.linalg.lstsq(basis(n) / err[:, None], gap / err, rcond=None)
    return coef


def run(samples: dict[int, int]) -> tuple[dict, dict]:
    arrays: dict[str, np.ndarray] = {"n": np.array(NS)}
    rng = np.random.default_rng(SEED)
    for name, (p, q, sigma_z, kappa, u_D, u_G) in CASES.items():
        saddle = sg.kac_rice_saddle(p, q, sigma_z, kappa, u_D, u_G)
        values, errs = [], []
        for n in NS:
            n_D = round(kappa * n)
            t0 = time.perf_counter()
            draws = sg.kac_rice_samples(
                p, q, sigma_z, n_D, n - n_D, samples[n], rng,
                proposal="auto", u_D=u_D, u_G=u_G, indices=False,
            )  # fmt: skip
            value, err = draws.log_expected(u_D, u_G)
            values.append(value)
            errs.append(err)
            print(
                f"{name:12s} N={n:4d} (n_D={n_D}) (1/N) log E = {value:.5f} +- {err:.5f}"
                f"  Theta = {saddle.theta:.5f}  [{time.perf_counter() - t0:.1f} s]",
                flush=True,
            )
        values, errs = np.array(values), np.array(errs)
        n_arr = np.array(NS, dtype=float)
        coef = fit(n_arr, values - saddle.theta, np.maximum(errs, 1e-6))
        arrays[f"{name}_value"] = values
        arrays[f"{name}_stderr"] = errs
        arrays[f"{name}_theta"] = np.array(saddle.theta)
        arrays[f"{name}_saddle"] = saddle.v
        arrays[f"{name}_fit"] = coef
    meta = {
        "cases": {k: list(v) for k, v in CASES.items()},
        "case_fields": ["p", "q", "sigma_z", "kappa", "u_D", "u_G"],
        "samples": {str(k): v for k, v in samples.items()},
        "seed": SEED,
        "proposal": "auto",
        "fit": FIT_NOTE,
    }
    return arrays, meta


def table(arrays: dict) -> str:
    lines = ["| case | Theta | " + " | ".join(f"N = {n}" for n in NS) + " | c1, c0, c2 |"]
    lines.append("|---" * (len(NS) + 3) + "|")
    for name in CASES:
        cells = [
            f"{v:.4f} +- {e:.4f}"
            for v, e in zip(arrays[f"{name}_value"], arrays[f"{name}_stderr"], strict=True)
        ]
        fitted = ", ".join(f"{c:.2f}" for c in arrays[f"{name}_fit"])
        theta = float(arrays[f"{name}_theta"])
        lines.append(f"| {name} | {theta:.4f} | " + " | ".join(cells) + f" | {fitted} |")
    return "\n".join(lines)


def figure(arrays: dict, img: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    n = np.asarray(arrays["n"], dtype=float)
    fine = np.linspace(n.min() * 0.8, 400, 200)
    for i, name in enumerate(CASES):
        color = f"C{i}"
        theta = float(arrays[f"{name}_theta"])
        ax.errorbar(
            1 / n, arrays[f"{name}_value"] - theta, yerr=2 * arrays[f"{name}_stderr"],
            fmt="o", color=color, label=f"{name} (Theta = {theta:.4f})",
        )  # fmt: skip
        ax.plot(1 / fine, basis(fine) @ arrays[f"{name}_fit"], "-", color=color, lw=0.8)
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xlabel("1/N")
    ax.set_ylabel("(1/N) log E#crit - Theta")
    ax.set_title("Finite-N Kac-Rice (MC, 2 s.e.); fit c1 log N/N + c0/N + c2/N^2", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    img.mkdir(parents=True, exist_ok=True)
    for ext in ("png", "pdf"):
        fig.savefig(img / f"kac_rice_convergence.{ext}", dpi=150)
    plt.close(fig)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=None, help="output folder")
    parser.add_argument("--quick", action="store_true", help="1/10 of the samples, no files")
    parser.add_argument("--replot", action="store_true", help="refit and redraw the stored data")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    if args.replot:
        path = (args.out or root / "data" / "kac_rice") / "convergence.npz"
        stored = sg.load_result(path)
        arrays = {name: np.asarray(stored[name]) for name in stored.arrays}
        for name in CASES:
            gap = arrays[f"{name}_value"] - float(arrays[f"{name}_theta"])
            arrays[f"{name}_fit"] = fit(arrays["n"], gap, arrays[f"{name}_stderr"])
        meta = user_metadata(stored) | {"fit": FIT_NOTE}
        print(table(arrays))
        print(sg.save_result(path, "kac_rice_convergence", arrays, meta))
        figure(arrays, root / "docs" / "img")
        raise SystemExit(0)
    samples = {n: max(200, s // 10) for n, s in SAMPLES.items()} if args.quick else SAMPLES
    arrays, meta = run(samples)
    print(table(arrays))
    if not args.quick:
        out = args.out or root / "data" / "kac_rice"
        print(sg.save_result(out / "convergence.npz", "kac_rice_convergence", arrays, meta))
        figure(arrays, root / "docs" / "img")
