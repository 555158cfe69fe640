"""Benchmarks of the K-block Dyson solver and of a game's complexity from plain arrays.

Run from the repository root (not part of the unit tests)::

    PYTHONPATH=. python benchmarks/bench_kblock.py           # full sizes (about 2 minutes)
    PYTHONPATH=. python benchmarks/bench_kblock.py --quick   # reduced sizes, a smoke run

Every row gives a ratio against a baseline timed in the same run:

1. ``VectorDyson.density`` (K = 2) on 1e6 sorted points spanning the support plus 10 %
   each side, for the paper's set A (b, b1, kappa, x1) = (1, 1, 0.5, 3) written as a
   2-block profile and for a general 2 x 2 profile; baseline: the paper's solver
   ``HessianEnsemble(1, 1, 0.5, 3).density`` on the same points.  Target >= 1e6 points/s.
2. ``GameComplexity(...).theta_map`` on a 500 x 500 grid of the paper's model
   (3, 3, 1, 0.9) built from arrays, cold (object built inside the timed call);
   baseline: ``GanSpinGlass(3, 3, 1, 0.9).theta_map`` on the same grid, cold.
   Target: within 2x.  The largest difference of the two maps is printed.
3. The general face-by-face path (no quadrant machinery) per ``theta`` call on the
   paper's model, against the paper path's per-cell cost of row 2.
4. ``theta_map`` of general K = 2 members (the grid method of docs/theory.md 13.2),
   cold, against ``GanSpinGlass(3, 3, 1, 0.9).theta_map`` on the same grid, cold, in
   the same run: the bipartite GAN ``SpinGlassGame.gan(3, 3, 1, 0.9,
   coupling="bipartite")`` on 500 x 500 levels in [-10, 10] (target: within 2x), a
   full-rank mixed member on 100 x 100 levels in [-3, 1.5], and the paper's model from
   arrays with its quadrant machinery off (one free direction of shifts) on 500 x 500.
   The largest difference from ``theta`` at 5 random cells is printed.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

import spinglass_gan as sg
from spinglass_gan.complexity.derived import DerivedConstants
from spinglass_gan.complexity.game_complexity import GameComplexity
from spinglass_gan.rmt.kblock import VectorDyson


def best_of(fn, repeats: int) -> float:
    fn()  # compile / warm caches
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def paper_game(p, q, sigma_z, kappa) -> GameComplexity:
    k = DerivedConstants.from_model(p, q, sigma_z, kappa)
    r = p + q
    m = np.array([[-p, 0, 1], [0, r, -1], [1, -1, 0], [0, 1, 0]], dtype=float)
    a, c = 0.5 * k.b**2, 0.5 * k.b1**2
    prof = [[a + c / kappa, a], [a, a]]
    return GameComplexity(prof, [kappa, 1 - kappa], k.log_constant, m @ k.cov_matrix @ m.T)


def bench_density(n: int, repeats: int) -> None:
    ens = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)
    (lo, _), *_, (_, hi) = ens.support()
    w = hi - lo
    lam = np.linspace(lo - 0.1 * w, hi + 0.1 * w, n)
    t_old = best_of(lambda: ens.density(lam), repeats)
    a, c = 0.5, 0.5
    paper = VectorDyson([[a + c / 0.5, a], [a, a]], [0.5, 0.5], [3.0, 0.0])
    general = VectorDyson([[2.0, 0.5], [0.5, 0.5]], [0.5, 0.5], [-3.5, 1.0])
    t_paper = best_of(lambda: paper.density(lam), repeats)
    diff = float(np.abs(paper.density(lam) - ens.density(lam)).max())
    glo, ghi = general.support()[0][0], general.support()[-1][1]
    glam = np.linspace(glo - 0.1 * (ghi - glo), ghi + 0.1 * (ghi - glo), n)
    t_gen = best_of(lambda: general.density(glam), repeats)
    print(f"1. density on {n} sorted points (best of {repeats})")
    print(f"   HessianEnsemble (paper's solver), set A : {n / t_old:12.3e} points/s")
    print(
        f"   VectorDyson, set A as a 2-block profile : {n / t_paper:12.3e} points/s"
        f"  (ratio to baseline {t_old / t_paper:.2f}; max |difference| {diff:.1e})"
    )
    print(f"   VectorDyson, general 2x2 profile        : {n / t_gen:12.3e} points/s")


def bench_theta_map(n: int) -> float:
    u = np.linspace(-10.0, 10.0, n)
    args = (3, 3, 1.0, 0.9)
    # warm-up on another model (numba compilation excluded)
    sg.GanSpinGlass(3, 3, 1.0, 0.5).theta_map(u[:5], u[:5])
    paper_game(3, 3, 1.0, 0.5).theta_map(u[:5], u[:5])
    t0 = time.perf_counter()
    base = sg.GanSpinGlass(*args).theta_map(u, u)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = paper_game(*args).theta_map(u, u)
    t_ours = time.perf_counter() - t0
    diff = float(np.nanmax(np.abs(np.where(np.isfinite(base), ours - base, 0.0))))
    same_inf = bool(np.all(np.isfinite(base) == np.isfinite(ours)))
    print(f"2. theta_map {n} x {n}, cold, u in [-10, 10]")
    print(f"   GanSpinGlass.theta_map (baseline) : {t_base:8.2f} s")
    print(
        f"   GameComplexity.theta_map          : {t_ours:8.2f} s  (ratio ours/baseline "
        f"{t_ours / t_base:.2f}; max |difference| {diff:.1e}; same -inf cells {same_inf})"
    )
    return t_ours / (n * n)


def bench_general(per_cell: float, cells: int) -> None:
    game = paper_game(3, 3, 1.0, 0.9)
    game._quadrant = None  # the general path on the same arrays
    rng = np.random.default_rng(0)
    us = rng.uniform(-3.0, 1.0, size=(cells, 2))
    t0 = time.perf_counter()
    for u in us:
        game.theta(u)
    t = (time.perf_counter() - t0) / cells
    print("3. general path, theta per cell on the paper's model (quadrant machinery off)")
    print(f"   {t * 1e3:8.1f} ms per cell, against {per_cell * 1e3:8.3f} ms per cell of row 2")


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _no_quadrant(args) -> GameComplexity:
    game = paper_game(*args)
    game._quadrant = None  # the grid method on the same arrays
    return game


def bench_general_map(n_bip: int, n_mixed: int) -> None:
    bip = (3, 3, 1.0, 0.9)
    mixed = ([{2: 0.3, 3: 0.5}, {2: 0.2}], {(2, 1): 1.0, (1, 1): 0.3}, [-1, 1], [0.4, 0.6])
    # warm-up (numba compilation and caches excluded)
    w = np.linspace(-1.0, 1.0, 4)
    sg.GanSpinGlass(3, 3, 1.0, 0.5).theta_map(w, w)
    sg.SpinGlassGame.gan(3, 3, 1.0, 0.5, coupling="bipartite").theta_map(w, w)
    sg.SpinGlassGame(*mixed).theta_map(w, w)
    print("4. theta_map of general K = 2 members (grid method), cold, same run as baseline")
    rng = np.random.default_rng(0)
    for label, make, n, lo, hi in (
        ("bipartite GAN (3, 3, 1, 0.9)", lambda: sg.SpinGlassGame.gan(*bip, coupling="bipartite"),
         n_bip, -10.0, 10.0),
        ("full-rank mixed member", lambda: sg.SpinGlassGame(*mixed), n_mixed, -3.0, 1.5),
        ("paper's model, arrays, quadrant machinery off (e = 1)", lambda: _no_quadrant(bip),
         n_bip, -10.0, 10.0),
    ):  # fmt: skip
        u = np.linspace(lo, hi, n)
        _, t_base = _timed(lambda u=u: sg.GanSpinGlass(*bip).theta_map(u, u))
        ours, t_ours = _timed(lambda u=u, make=make: make().theta_map(u, u))
        game = make()
        cells = rng.integers(0, n, size=(5, 2))
        diff = max(abs(ours[i, j] - game.theta([u[j], u[i]])) for i, j in cells)
        print(f"   {n} x {n}, u in [{lo:g}, {hi:g}]: {label}")
        print(f"     GanSpinGlass.theta_map (baseline) : {t_base:8.3f} s")
        print(
            f"     theta_map of the member (ours)    : {t_ours:8.3f} s  (ratio ours/baseline "
            f"{t_ours / t_base:.2f}; max |difference| from theta at 5 cells {diff:.1e})"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    bench_density(200_000 if args.quick else 1_000_000, 2 if args.quick else 3)
    per_cell = bench_theta_map(100 if args.quick else 500)
    bench_general(per_cell, 3 if args.quick else 10)
    bench_general_map(100 if args.quick else 500, 40 if args.quick else 100)


if __name__ == "__main__":
    main()
