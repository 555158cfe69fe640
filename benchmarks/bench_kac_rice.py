"""Benchmark of the finite-N Kac-Rice Monte Carlo (``kac_rice_samples``).

Run from the repository root (not part of the unit tests)::

    python benchmarks/bench_kac_rice.py                  # about 1 minute on 2 cores
    python benchmarks/bench_kac_rice.py --quick          # smoke run (~10 s)
    python benchmarks/bench_kac_rice.py --json out.json  # also write every number as JSON

Draws per second of ``sg.kac_rice_samples(3, 3, 1.0, n_D, n_G, samples, rng,
indices=...)`` at (n_D, n_G) = (3, 3) (N = 6, J' of order 4) and (80, 80) (N = 160, order
158), with and without the block indices, against a plain per-draw numpy loop in the
same run: for each draw, (l_D, l_G, rho) by ``rng.multivariate_normal``, M and M1 as
(G + G^T)/2 scaled, J' assembled, ``numpy.linalg.slogdet`` and (with indices)
``numpy.linalg.eigvalsh`` of the two diagonal blocks.  Both compute the same
quantities (the baseline's estimate is printed beside ours as a check); ratio = ours /
baseline draws per second.  Timing: best of 3 calls, calls of one row alternate, garbage
collector off, one thread (the four thread variables set to 1 before numpy is imported),
numba compilation excluded by a warm-up call.
"""

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import once  # noqa: E402

import spinglass_gan as sg  # noqa: E402
from spinglass_gan.complexity.derived import DerivedConstants  # noqa: E402
from spinglass_gan.complexity.kac_rice import log_prefactor  # noqa: E402


def baseline(p, q, sigma_z, n_D, n_G, samples, seed, indices):
    """Per-draw numpy loop; returns the expected total (mean, stderr)."""
    n = n_D + n_G
    c = DerivedConstants.from_model(p, q, sigma_z, n_D / n)
    rng = np.random.default_rng(seed)
    t = c.to_ensemble
    m, d = n - 2, n_D - 1
    logs = np.empty(samples)
    for k in range(samples):
        v = rng.multivariate_normal(np.zeros(3), c.cov_matrix / n)
        x, x1 = t @ v
        g = rng.standard_normal((m, m))
        g1 = rng.standard_normal((d, d))
        jac = c.b * (g + g.T) / (2.0 * math.sqrt(n))
        jac[:d, :d] += c.b1 * (g1 + g1.T) / (2.0 * math.sqrt(n_D))
        jac[np.arange(d), np.arange(d)] -= x + x1
        jac[np.arange(d, m), np.arange(d, m)] -= x
        logs[k] = np.linalg.slogdet(jac)[1]
        if indices:
            (np.linalg.eigvalsh(jac[:d, :d]) < 0).sum()
            (np.linalg.eigvalsh(jac[d:, d:]) < 0).sum()
    top = logs.max()
    w = np.exp(logs - top)
    scale = math.exp(top + log_prefactor(n_D, n_G, c))
    return w.mean() * scale, w.std(ddof=1) / math.sqrt(samples) * scale


def ours(p, q, sigma_z, n_D, n_G, samples, seed, indices):
    draws = sg.kac_rice_samples(p, q, sigma_z, n_D, n_G, samples, seed, indices=indices)
    return draws.expected()


def main() -> None:
    parser = argparse.ArgumentParser(description="finite-N Kac-Rice Monte Carlo benchmark")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    rows = [  # (n_D, n_G, draws ours, draws baseline)
        (3, 3, 200_000 // scale, 20_000 // scale),
        (80, 80, 4_000 // scale, 1_000 // scale),
    ]
    ours(3, 3, 1.0, 3, 3, 10, 0, True)  # compile
    results = []
    print("| N | indices | ours draws/s | baseline draws/s | ratio | ours E | baseline E |")
    print("|---|---|---|---|---|---|---|")
    for n_D, n_G, s_ours, s_base in rows:
        for indices in (True, False):
            best_o, best_b = math.inf, math.inf
            for rep in range(3):
                t_o, est_o = once(partial(ours, 3, 3, 1.0, n_D, n_G, s_ours, rep, indices))
                t_b, est_b = once(partial(baseline, 3, 3, 1.0, n_D, n_G, s_base, rep, indices))
                best_o, best_b = min(best_o, t_o), min(best_b, t_b)
            rate_o, rate_b = s_ours / best_o, s_base / best_b
            row = {
                "n_D": n_D, "n_G": n_G, "indices": indices,
                "ours_per_s": rate_o, "baseline_per_s": rate_b, "ratio": rate_o / rate_b,
                "ours_estimate": est_o, "baseline_estimate": est_b,
            }  # fmt: skip
            results.append(row)
            print(
                f"| {n_D + n_G} | {indices} | {rate_o:,.0f} | {rate_b:,.0f} | "
                f"{rate_o / rate_b:.1f}x | {est_o[0]:.4g} +- {est_o[1]:.2g} | "
                f"{est_b[0]:.4g} +- {est_b[1]:.2g} |",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
