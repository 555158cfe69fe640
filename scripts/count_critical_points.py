"""Mean numbers of critical points of sampled instances: the stored counts.

    python scripts/count_critical_points.py [OUT_DIR] [--processes N]   # ~30 min, 2 cores

For (p, q) in {(2, 1), (2, 2), (3, 2)}, sigma_z in {0.5, 1} and (n_D, n_G) in
{(2, 2), (3, 2), (2, 3), (3, 3)} (24 settings): all critical points of 1000 instances,
or 300 for (p, q) in {(2, 2), (3, 2)} with (n_D, n_G) in {(3, 2), (2, 3)}, seeded per
setting.  Writes
data/counts/<setting>.npz (per-point records u_D, u_G, k_D, k_D_descent, k_G, sign; per
instance the Poincare-Hopf sum, starts and capture-recapture estimate) and
data/counts/summary.csv.  Task files are kept in OUT_DIR/runs/<setting>, so an
interrupted run resumes where it stopped.
"""

import argparse
import csv
import time
from pathlib import Path

import spinglass_gan as sg

PQ = ((2, 1), (2, 2), (3, 2))
SIGMA_Z = (0.5, 1.0)
SIZES = ((2, 2), (3, 2), (2, 3), (3, 3))
SEED = 20261130


def settings():
    """(name, p, q, sigma_z, n_D, n_G, instances, seed) of every stored setting."""
    out = []
    for i, ((p, q), sigma_z, (n_d, n_g)) in enumerate(
        (pq, s, nn) for pq in PQ for s in SIGMA_Z for nn in SIZES
    ):
        # 300 instances only where (p, q) != (2, 1) and N = 5; 1000 elsewhere.
        cheap = (n_d, n_g) in ((2, 2), (3, 3)) or (p, q) == (2, 1)
        name = f"p{p}_q{q}_sz{sigma_z:g}_nd{n_d}_ng{n_g}"
        out.append((name, p, q, sigma_z, n_d, n_g, 1000 if cheap else 300, SEED + i))
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="setting names to compute")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    out = args.out or root / "data" / "counts"
    for name, p, q, sigma_z, n_d, n_g, instances, seed in settings():
        if args.only and name not in args.only:
            continue
        start = time.perf_counter()
        counts = sg.count_critical_points(
            p, q, sigma_z, n_d, n_g, instances, rng=seed,
            results_dir=out / "runs" / name, processes=args.processes, progress=True,
        )  # fmt: skip
        path = counts.save(out / f"{name}.npz")
        mean, err = counts.mean()
        fails = int((~counts.poincare_hopf_ok).sum())
        print(path, f"mean {mean:.3f} +- {err:.3f}, PH failures {fails},",
              f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    # The summary of every setting stored so far.
    with open(out / "summary.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["setting", "p", "q", "sigma_z", "n_D", "n_G", "instances", "mean",
                         "stderr", "max_points", "bezout", "poincare_hopf_failures",
                         "mean_starts"])  # fmt: skip
        for name, p, q, sigma_z, n_d, n_g, *_ in settings():
            if not (out / f"{name}.npz").exists():
                continue
            c = sg.CriticalPointCounts.load(out / f"{name}.npz")
            mean, err = c.mean()
            per = c.per_instance
            writer.writerow([name, p, q, sigma_z, n_d, n_g, c.instances, f"{mean:.4f}",
                             f"{err:.4f}", int(per["n_points"].max()), c.bezout,
                             int((~c.poincare_hopf_ok).sum()),
                             f"{per['starts'].mean():.0f}"])  # fmt: skip
