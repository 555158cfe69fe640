"""Counting critical points of sampled instances: time per instance and scaling in N.

Run from the repository root (not part of the unit tests)::

    python benchmarks/bench_counting.py                  # full sizes (a few minutes, 2 cores)
    python benchmarks/bench_counting.py --quick          # reduced sizes, a smoke run
    python benchmarks/bench_counting.py --json out.json  # also write every number as JSON

What is measured:

1. ``count_critical_points(2, 2, 1, 3, 3, 1000, rng=0, processes=2)``: wall time for
   1000 instances (worker start-up and numba's cached kernels included) and the CPU
   time of the two workers (what the wall time would be on two idle cores is half of
   it; the machine is shared), and 100 instances in this process (``processes=1``),
   per instance.
2. Baseline: the same search (same starts, same stopping rule, same deduplication) with
   the compiled Newton kernel replaced by a plain NumPy Riemannian Newton, vectorised
   over the starts of a round (einsum contractions, batched ``numpy.linalg.solve``), on
   the first instances; it must find the same points.  Also a per-start NumPy loop
   (one start at a time), on a few hundred starts.  Ratios: baseline / ours.
3. Scaling: one process, (p, q) = (2, 2), sigma_z = 1, n_D = n_G = N / 2 for growing N:
   seconds per instance, points per instance, starts per instance, until one instance
   takes longer than ``--limit`` seconds (default 60).

NUMBA_NUM_THREADS, OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are 1.  The
machine is shared: the load average is printed before and after.
"""

import os

_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _var in _THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import spinglass_gan as sg  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import environment, fmt_time, once, write_json  # noqa: E402


def _contract(t, w):
    """T[w^(k-2)] for a symmetric tensor t of order k, batched over the rows of w."""
    out = np.broadcast_to(t, (w.shape[0], *t.shape))
    while out.ndim > 3:
        out = np.einsum("m...i,mi->m...", out, w)
    return np.array(out)


def numpy_newton(land, starts, max_iter, tol):
    """Riemannian Newton on the product of spheres in plain NumPy (vectorised)."""
    nd, n, p, r = land.n_D, land.N, land.p, land.r
    xs = land._xs.reshape((nd,) * p)
    zs = land._zs.reshape((n,) * r)
    w = starts.copy()
    m = w.shape[0]
    active = np.ones(m, bool)
    eye = np.eye(n)
    blk = np.zeros((n, n))
    blk[:nd, :nd] = 1
    blk[nd:, nd:] = 1

    def evaluate(w):
        md = land.c_D * p * (p - 1) * _contract(xs, w[:, :nd])
        mg = land.c_G * r * (r - 1) * _contract(zs, w)
        gd = np.einsum("mij,mj->mi", md, w[:, :nd]) / (p - 1)
        gg = np.einsum("mij,mj->mi", mg, w) / (r - 1)
        g = gg.copy()
        g[:, :nd] = gd - gg[:, :nd]
        jac = mg.copy()
        jac[:, :nd, :] *= -1
        jac[:, :nd, :nd] += md
        mu = np.stack([np.sum(g[:, :nd] * w[:, :nd], 1), np.sum(g[:, nd:] * w[:, nd:], 1)]) / n
        mus = np.concatenate([np.repeat(mu[:1].T, nd, 1), np.repeat(mu[1:].T, n - nd, 1)], 1)
        field = g - mus * w
        proj = eye - blk * w[:, :, None] * w[:, None, :] / n
        jac = proj @ jac @ proj - mus[:, :, None] * proj
        return field, jac

    for _ in range(max_iter):
        if not active.any():
            break
        wa = w[active]
        field, jac = evaluate(wa)
        jac = jac + blk * wa[:, :, None] * wa[:, None, :] / n
        try:
            step = np.linalg.solve(jac, -field[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(a, -f, rcond=None)[0] for a, f in zip(jac, field)])
        wa = wa + step
        wa[:, :nd] *= math.sqrt(n) / np.linalg.norm(wa[:, :nd], axis=1, keepdims=True)
        wa[:, nd:] *= math.sqrt(n) / np.linalg.norm(wa[:, nd:], axis=1, keepdims=True)
        w[active] = wa
        idx = np.flatnonzero(active)
        active[idx[np.linalg.norm(step, axis=1) <= 1e-13 * math.sqrt(n)]] = False
    field, _ = evaluate(w)
    res = np.linalg.norm(field, axis=1)
    res[~np.isfinite(res)] = np.inf
    return w, res, res <= tol


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_throughput(cfg, report):
    cpu0 = _children_cpu()
    t, counts = once(
        lambda: sg.count_critical_points(2, 2, 1.0, 3, 3, cfg["instances"], rng=0, processes=2)
    )
    cpu = _children_cpu() - cpu0
    mean, err = counts.mean()
    report["count_2proc_seconds"] = t
    report["count_2proc_worker_cpu_seconds"] = cpu
    report["count_2proc_instances"] = cfg["instances"]
    print(
        f"1. {cfg['instances']} instances, (p, q) = (2, 2), n_D = n_G = 3, 2 processes: "
        f"{fmt_time(t)} wall, {fmt_time(cpu)} CPU in the two workers (so {fmt_time(cpu / 2)} "
        f"on two otherwise idle cores); mean count {mean:.2f} +- {err:.2f}; Poincare-Hopf "
        f"{int(counts.poincare_hopf_ok.sum())}/{counts.instances}"
    )
    k = cfg["serial"]
    t1, _ = once(lambda: sg.count_critical_points(2, 2, 1.0, 3, 3, k, rng=1, processes=1))
    report["serial_seconds_per_instance"] = t1 / k
    print(f"   {k} instances in this process: {fmt_time(t1 / k)} per instance")
    return t1 / k


def bench_baseline(cfg, report, ours_per_instance):
    lands = [sg.GanLandscape.sample(2, 2, 1.0, 3, 3, rng=s) for s in range(cfg["baseline"])]
    t_ours = t_base = 0.0
    for land in lands:
        t, a = once(land.critical_points)
        t_ours += t
        land._newton = lambda starts, max_iter, land=land: numpy_newton(
            land, starts, max_iter, land._tolerances()[0]
        )
        t, b = once(land.critical_points)
        t_base += t
        assert len(a) == len(b) and np.array_equal(np.sort(a.k_G), np.sort(b.k_G))
    ratio = t_base / t_ours
    report["numpy_vectorised_ratio"] = ratio
    print(
        f"2. plain NumPy Newton (vectorised over starts), {len(lands)} instances: "
        f"{fmt_time(t_base / len(lands))} per instance against {fmt_time(t_ours / len(lands))}"
        f": ratio {ratio:.1f}x (same points found)"
    )
    land = sg.GanLandscape.sample(2, 2, 1.0, 3, 3, rng=0)
    starts = land._random_starts(np.random.default_rng(0), cfg["loop_starts"])
    tol = land._tolerances()[0]
    t_loop, _ = once(lambda: [numpy_newton(land, s[None, :], 60, tol) for s in starts])
    t_kernel, _ = once(lambda: sg.GanLandscape._newton(land, starts, 60))
    report["numpy_loop_ratio"] = t_loop / t_kernel
    print(
        f"   per-start NumPy loop, {len(starts)} starts: {fmt_time(t_loop / len(starts))} "
        f"per start against {fmt_time(t_kernel / len(starts))}: ratio {t_loop / t_kernel:.0f}x"
    )


def bench_scaling(cfg, report):
    rows = []
    print("3. one process, (p, q) = (2, 2), sigma_z = 1, n_D = n_G = N / 2:")
    print("   N   s/instance   points   starts   Poincare-Hopf")
    for n in range(4, 40, 2):
        times, points, starts, ok = [], [], [], 0
        for seed in range(cfg["scaling"]):
            land = sg.GanLandscape.sample(2, 2, 1.0, n // 2, n // 2, rng=seed)
            t, crit = once(lambda land=land: land.critical_points(method="newton"))
            times.append(t)
            points.append(len(crit))
            starts.append(crit.starts)
            ok += crit.poincare_hopf_ok
            if t > cfg["limit"]:
                break
        row = (n, float(np.mean(times)), float(np.mean(points)), float(np.mean(starts)), ok)
        rows.append(row)
        print(f"  {n:2d}   {row[1]:9.3g}   {row[2]:7.1f}  {row[3]:8.0f}   {ok}/{len(times)}")
        if max(times) > cfg["limit"]:
            break
    report["scaling"] = [
        {"N": r[0], "seconds": r[1], "points": r[2], "starts": r[3], "ph_ok": r[4]} for r in rows
    ]


FULL = {"instances": 1000, "serial": 100, "baseline": 5, "loop_starts": 300, "scaling": 3}
QUICK = {"instances": 40, "serial": 10, "baseline": 1, "loop_starts": 30, "scaling": 1}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--skip", nargs="*", default=(), choices=("1", "2", "3"))
    args = parser.parse_args()
    cfg = {**(QUICK if args.quick else FULL), "limit": args.limit}
    report = {"environment": environment(args.quick, _THREAD_VARS), "config": cfg}
    report["load_before"] = os.getloadavg()
    print(f"load average before: {report['load_before']}")
    sg.GanLandscape.sample(2, 2, 1.0, 3, 3, rng=0).critical_points()  # compile / load cache
    per = None
    if "1" not in args.skip:
        per = bench_throughput(cfg, report)
    if "2" not in args.skip:
        bench_baseline(cfg, report, per)
    if "3" not in args.skip:
        bench_scaling(cfg, report)
    report["load_after"] = os.getloadavg()
    print(f"load average after: {report['load_after']}")
    if args.json:
        write_json(args.json, report)
