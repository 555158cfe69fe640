"""Benchmark of index-resolved finite-N Kac-Rice counts (spectral sampler, forced indices).

Run from the repository root (not part of the unit tests)::

    nice -n 10 python benchmarks/bench_kac_rice_index.py            # a few minutes
    python benchmarks/bench_kac_rice_index.py --quick               # smoke run

Two measurements, p = q = 3, sigma_z = 1, kappa = 0.9:

* the table of scripts/finite_n_index_table.py up to N = 160 ((k_D, k_G) in {(0,0), (1,0),
  (2,0), (0,1), (1,1), (0,2)} and the total at N = 20, 40, 80, 160) with ``--samples``
  draws per indexed entry: wall time and the smallest ESS;
* one indexed estimate at N = 1000 ((k_D, k_G) = (0, 0), ``--big-samples`` draws): wall
  time and its relative error N * stderr((1/N) log E #) (delta method), with its ESS.

Baseline in the same run: the dense sampler's draws per second at N = 160 (the
reference), against the spectral sampler's, the speed-up that makes the table feasible.
The load average is printed: the machine is shared.
"""

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import spinglass_gan as sg  # noqa: E402

PAIRS = ((0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (0, 2))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50_000)
    parser.add_argument("--big-samples", type=int, default=3000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    samples = 2000 if args.quick else args.samples
    big = 300 if args.quick else args.big_samples
    warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
    print(f"load average at start: {os.getloadavg()}")
    sg.kac_rice_samples(3, 3, 1.0, 18, 2, 100, 0, k_D=0, k_G=1, proposal="auto")  # compile
    t0 = time.perf_counter()
    dense = sg.kac_rice_samples(3, 3, 1.0, 144, 16, 500, 0, indices=True)
    t_dense = (time.perf_counter() - t0) / 500
    t0 = time.perf_counter()
    spec = sg.kac_rice_samples(3, 3, 1.0, 144, 16, 5000, 0, k_D=0, k_G=1)
    t_spec = (time.perf_counter() - t0) / 5000
    del dense, spec
    print(f"N = 160 per draw: dense {t_dense * 1e3:.2f} ms, spectral (indexed) "
          f"{t_spec * 1e3:.3f} ms, ratio {t_dense / t_spec:.0f}")  # fmt: skip
    t0 = time.perf_counter()
    min_ess = float("inf")
    for n in (20, 40, 80, 160):
        n_D = round(0.9 * n)
        for k_D, k_G in PAIRS:
            if k_G > n - n_D - 1:
                continue
            r = sg.log_expected_critical_points(
                3, 3, 1.0, n_D, n - n_D, k_D=k_D, k_G=k_G, samples=samples, rng=n,
                proposal="auto", min_ess=0,
            )  # fmt: skip
            min_ess = min(min_ess, r.ess)
        sg.kac_rice_samples(3, 3, 1.0, n_D, n - n_D, 20_000, n, sampler="spectral",
                            proposal="auto").log_expected(min_ess=0)  # fmt: skip
    print(f"table up to N = 160 ({samples} draws per indexed entry + pilots): "
          f"{time.perf_counter() - t0:.0f} s, smallest ESS {min_ess:.0f}")  # fmt: skip
    t0 = time.perf_counter()
    r = sg.log_expected_critical_points(3, 3, 1.0, 900, 100, k_D=0, k_G=0, samples=big, rng=1,
                                        proposal="auto", min_ess=0)  # fmt: skip
    print(f"N = 1000, (0, 0), {big} draws + pilots: {time.perf_counter() - t0:.0f} s, "
          f"(1/N) log E # = {r.value:.4f} +- {r.stderr:.5f}, relative error "
          f"{1000 * r.stderr:.2f}, ESS {r.ess:.1f}")  # fmt: skip
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
