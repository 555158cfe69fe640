"""``sample_eigvals`` with and without its BLAS thread limit, beside a busy process.

Run from the repository root (not part of the unit tests)::

    python benchmarks/bench_threads.py                  # about 1-3 minutes on 2 cores
    python benchmarks/bench_threads.py --quick          # one size, a smoke run
    python benchmarks/bench_threads.py --json out.json  # also write every number as JSON

``HessianEnsemble.sample_eigvals`` (numpy backend) diagonalises matrices of order up to
``spinglass_gan.rmt.ensemble.SINGLE_THREAD_MAX_N`` with BLAS limited to one thread
(threadpoolctl).  This script times the same call with that limit ("limited", the
package's behaviour) and with it switched off ("unlimited": BLAS keeps its default
number of threads, one per core), in two conditions:

* idle: nothing else started by this script;
* busy: a competing process (``while True: pass``) started by this script holds one
  core for the whole measurement.

The two variants alternate repeat by repeat, so that drift affects both alike; best
and median of ``repeats`` single calls are reported, and the ratio of the unlimited
best to the limited best (above 1: the limit is faster).  The spectra are checked equal
either way.  Unlike the other benchmarks, no thread variable is set here: the BLAS
default is what is being measured.  Other load on the machine is not controlled; the
load average at the start is printed with the results.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from _timing import environment, fmt_timing, measure_interleaved, write_json
from threadpoolctl import threadpool_info

import spinglass_gan as sg
from spinglass_gan.rmt import ensemble

PARAMS = (1.0, 1.0, 0.5, 3.0)  # set A of bench_core: two support intervals
FULL_CASES = ((100, 200), (300, 20), (1000, 4))  # (order n, matrices per call)
QUICK_CASES = ((100, 50),)


def _busy() -> subprocess.Popen:
    """A process that keeps one core busy until it is killed."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _variants(n: int, size: int) -> tuple:
    ens = sg.HessianEnsemble(*PARAMS)
    limit = ensemble.SINGLE_THREAD_MAX_N

    def limited() -> np.ndarray:
        return ens.sample_eigvals(n, size, rng=0)

    def unlimited() -> np.ndarray:
        ensemble.SINGLE_THREAD_MAX_N = 0  # no order is small enough: BLAS's default threads
        try:
            return ens.sample_eigvals(n, size, rng=0)
        finally:
            ensemble.SINGLE_THREAD_MAX_N = limit

    if n > limit:
        raise SystemExit(f"n = {n} is above SINGLE_THREAD_MAX_N = {limit}: nothing to compare")
    np.testing.assert_allclose(limited(), unlimited(), rtol=0, atol=1e-10)
    return limited, unlimited


def run(cases: tuple, repeats: int, conditions: tuple[str, ...]) -> list[dict]:
    rows = []
    for condition in conditions:
        competitor = _busy() if condition == "busy" else None
        try:
            for n, size in cases:
                limited, unlimited = _variants(n, size)
                t_lim, t_unl = measure_interleaved([limited, unlimited], repeats, min_time=0.0)
                rows.append(
                    {
                        "condition": condition,
                        "n": n,
                        "size": size,
                        "limited_best_s": t_lim.best,
                        "limited_median_s": t_lim.median,
                        "unlimited_best_s": t_unl.best,
                        "unlimited_median_s": t_unl.median,
                        "ratio_unlimited_over_limited": t_unl.best / t_lim.best,
                    }
                )
                print(
                    f"{condition:5s} n = {n:5d}, {size:4d} matrices: limited "
                    f"{fmt_timing(t_lim)}, unlimited {fmt_timing(t_unl)}, ratio "
                    f"{t_unl.best / t_lim.best:.2f}",
                    flush=True,
                )
        finally:
            if competitor is not None:
                competitor.kill()
                competitor.wait()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one small size, 3 repeats")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    parser.add_argument(
        "--busy-only", action="store_true", help="skip the idle condition (default: both)"
    )
    args = parser.parse_args(argv)
    cases = QUICK_CASES if args.quick else FULL_CASES
    repeats = 3 if args.quick else 5
    conditions = ("busy",) if args.busy_only else ("idle", "busy")
    blas = [(i["internal_api"], i["num_threads"]) for i in threadpool_info()]
    load = os.getloadavg()[0]
    print(f"BLAS {blas}, {os.cpu_count()} CPUs, load average {load:.2f} at the start")
    rows = run(cases, repeats, conditions)
    env = environment(args.quick, ())
    write_json(args.json, {"environment": env, "blas": blas, "load_start": load, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
