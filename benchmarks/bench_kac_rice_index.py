"""Benchmark of index-resolved finite-N Kac-Rice counts (edge sampler).

Run from the repository root (not part of the unit tests)::

    nice -n 10 python benchmarks/bench_kac_rice_index.py            # about 10 minutes
    python benchmarks/bench_kac_rice_index.py --quick               # smoke run

Three measurements, p = q = 3, sigma_z = 1, kappa = 0.9:

* baseline in the same run: effective draws per second at N = 160, (k_D, k_G) = (0, 0),
  of the spectral sampler (``sampler="spectral"``, the previous default) and of the edge
  sampler (``proposal="auto"``), pilot rounds included, and their ratio;
* the table of scripts/finite_n_index_table.py up to N = 160 (its draws per entry,
  ``SAMPLES``): wall time and the smallest ESS;
* one indexed estimate at N = 1000 ((k_D, k_G) = (0, 0) and (0, 1), ``--big-samples``
  draws): wall time and its relative error N * stderr((1/N) log E #) (delta method),
  with its ESS.

The load average is printed: the machine is shared.
"""

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import spinglass_gan as sg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _table_module():
    spec = importlib.util.spec_from_file_location(
        "finite_n_index_table", ROOT / "scripts" / "finite_n_index_table.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _ess_rate(sampler: str, samples: int) -> tuple[float, float]:
    """(ESS per second, ESS) of one (0, 0) estimate at N = 160, pilots included."""
    t0 = time.perf_counter()
    d = sg.kac_rice_samples(3, 3, 1.0, 144, 16, samples, 3, proposal="auto", k_D=0, k_G=0,
                            sampler=sampler)  # fmt: skip
    r = d.log_expected(k_D=0, k_G=0, min_ess=0)
    return r.ess / (time.perf_counter() - t0), r.ess


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-samples", type=int, default=6_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    big = 300 if args.quick else args.big_samples
    warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
    print(f"load average at start: {os.getloadavg()}")
    sg.kac_rice_samples(3, 3, 1.0, 18, 2, 100, 0, k_D=0, k_G=1, proposal="auto")  # compile
    n_base = 2000 if args.quick else 40_000
    rate_s, ess_s = _ess_rate("spectral", n_base)
    rate_e, ess_e = _ess_rate("edge", n_base)
    print(f"N = 160, (0, 0), {n_base} draws + pilots: spectral {ess_s:.0f} effective draws, "
          f"{rate_s:.1f}/s; edge {ess_e:.0f}, {rate_e:.1f}/s; ratio edge/spectral "
          f"{rate_e / rate_s:.1f}")  # fmt: skip
    table = _table_module()
    sizes = (20, 40) if args.quick else (20, 40, 80, 160)
    t0 = time.perf_counter()
    data = table.run(sizes, (lambda n: 2000) if args.quick else table.SAMPLES.get, table.SEED)
    wall = time.perf_counter() - t0
    ess = data["ess"][:-1]  # the indexed rows (the last is the total)
    print(f"table up to N = {sizes[-1]}: {wall:.0f} s, smallest indexed ESS "
          f"{np.nanmin(ess):.0f}")  # fmt: skip
    for k_D, k_G in ((0, 0), (0, 1)):
        t0 = time.perf_counter()
        r = sg.log_expected_critical_points(3, 3, 1.0, 900, 100, k_D=k_D, k_G=k_G, samples=big,
                                            rng=1, proposal="auto", min_ess=0)  # fmt: skip
        print(f"N = 1000, ({k_D}, {k_G}), {big} draws + pilots: {time.perf_counter() - t0:.0f} s, "
              f"(1/N) log E # = {r.value:.4f} +- {r.stderr:.5f}, relative error "
              f"{1000 * r.stderr:.2f}, ESS {r.ess:.1f}")  # fmt: skip
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
