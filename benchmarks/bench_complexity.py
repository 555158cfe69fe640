"""Performance benchmarks for the Kac-Rice complexity of spinglass_gan.

Run from the repository root (not part of the unit tests)::

    python benchmarks/bench_complexity.py                  # full sizes, about 1 minute on 2 cores
    python benchmarks/bench_complexity.py --quick          # reduced sizes, a smoke run (< 1 min)
    python benchmarks/bench_complexity.py --json out.json  # also write every number as JSON

Model: ``GanSpinGlass(3, 3, 1.0, 0.9)`` (p = q = 3, sigma_z = 1, kappa = 0.9);
loss grids are ``linspace(-10, 10, n)`` for both u_D and u_G.

What is measured:

1. ``theta_map`` on a 500 x 500 grid (and 50 x 50), cold: a fresh model is
   built inside the timed call, so the interior maxima of Phi, computed and
   cached on the first call, are included.  Numba compilation is excluded (one
   untimed warm-up call on another model).
2. ``theta`` pointwise, per call, on a warm model (interior maxima cached).
3. Phi per point: ``model.exponent`` against the naive log-determinant by
   ``scipy.integrate.quad`` (see below) on the same (x, x1) points; measured.
4. ``banded_structure`` with k_D, k_G <= 30 on a 200 x 200 grid and ``sweep``
   over 60 values of sigma_z: one timed call each (they take tens of seconds).
   If one raises, its row says so; for the sweep the failing values are then
   located one by one with ``lowest_losses``.

Rows 1-4 use the published formula (``formula="published"``: the naive baseline
is the published code's method).  The model's own formula (``formula="derived"``,
``QuadrantSolver``) has rows of its own, each against the published formula's same
job measured in this run:

5. ``theta_map`` 500 x 500, cold, on u in [-10, 10] and on [-3, 3] (the region where
   its maxima change); target <= 3 s.
6. The batched ``QuadrantSolver.suprema`` against its reference implementation
   (``_quadrant_reference``: face by face, ``interior_maxima`` for the free maxima, swapped in
   for one call) on a 100 x 100 map, both cold, with the largest difference; and
   ``lowest_losses`` at 3 values of sigma_z on both paths.
7. ``banded_structure`` (k <= 30, 200 x 200) on u in [-10, 10], where the derived
   staircase is empty (Theta_{0,0} <= 0 there: one map), and on [0, 40], where it is
   not; target: within 2x the published formula's time for the same job.
8. ``sweep`` over the same 60 values of sigma_z.

Naive baseline (the method of the published code): for every x1 of a box grid,
``HessianEnsemble(b, b1, kappa, x1)``, its ``support()`` and, for every x, the
log-determinant L(x; x1) as ``quad`` of log|lambda - x| rho(lambda) over each
support interval (breakpoint at x inside it, ``limit=200``); Phi = C - x^2/(2 s^2)
- x1^2/(2 s1^2) + L on the box; then for every (u_D, u_G) cell the maximum of Phi
over the box points inside B(u_D, u_G) (x < P, x1 > R x + Q).  It is timed on a
tiny instance (a 40 x 10 box, 10 x 10 cells), where ``theta_map`` is timed on the
same cells for a measured ratio, and extrapolated to the big map from the measured
costs per quad point (outside and inside the support separately), per support and
per masked cell at the assumed box resolution (2000 x 100 points over x in
[-4000, 4000], x1 in [-2, 2]); the masking cost per cell is measured on that box.
The extrapolated ratio is labelled as such.  The truncated box also gives wrong
values (it misses maxima outside it and between its points); the ratios are about
time only.

Timing: ``time.perf_counter``, garbage collector off while timing; best and
median of several repeats (fast calls looped so that a sample lasts >= 50 ms);
ratios use the best times.  Threads: NUMBA_NUM_THREADS, OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are forced to 1 before numpy is imported.
"""

import os

_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _var in _THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

_T_IMPORT = time.perf_counter()
import spinglass_gan as sg  # noqa: E402

SG_IMPORT_S = time.perf_counter() - _T_IMPORT


sys.path.insert(0, str(Path(__file__).resolve().parent))
import _baselines as base  # noqa: E402
from _timing import Timing, environment, fmt_time, fmt_timing, measure, once, write_json  # noqa: E402

MODEL = {"p": 3, "q": 3, "sigma_z": 1.0, "kappa": 0.9}
U_RANGE = (-10.0, 10.0)
U_NARROW = (-3.0, 3.0)  # the derived formula's interesting region
U_BANDED_DERIVED = (0.0, 40.0)  # where the derived formula's index staircase is not empty

FULL = {
    "map_n": 500,
    "map_small_n": 50,
    "map_repeats": 5,
    "theta_cells": 20,
    "theta_repeats": 5,
    "naive_box": (40, 10),  # (x points, x1 points)
    "naive_cells": 10,
    "naive_inside": 10,
    "naive_repeats": 2,
    "box_x": (-4000.0, 4000.0),
    "box_x1": (-2.0, 2.0),
    "assumed_box": (2000, 100),
    "mask_cells": 20,
    "phi_repeats": 5,
    "banded_n": 200,
    "banded_k": 30,
    "sweep_n": 60,
    "sweep_sigma_z": (-5.0, 2.0),  # log10 range
    "reference_n": 100,  # grid of the derived formula's reference comparison
    "reference_sweep_n": 3,  # lowest_losses values on the reference path
}
QUICK = {
    **FULL,
    "map_n": 100,
    "map_small_n": 50,
    "map_repeats": 3,
    "theta_cells": 10,
    "theta_repeats": 3,
    "naive_box": (20, 5),
    "naive_cells": 5,
    "naive_inside": 3,
    "naive_repeats": 1,
    "mask_cells": 5,
    "phi_repeats": 3,
    "banded_n": 50,
    "banded_k": 10,
    "sweep_n": 10,
    "reference_n": 30,
    "reference_sweep_n": 2,
}
TARGETS = {"theta_map": 2.0, "theta_map_derived": 3.0, "banded": 300.0, "sweep": 300.0}


def fmt_ratio(r: float) -> str:
    return f"{r:,.0f}x" if r >= 100 else f"{r:.3g}x"


def new_model(formula: str = "published") -> sg.GanSpinGlass:
    """The benchmark model; the rows measured against the naive box method use the
    published formula (the method of the published code)."""
    return sg.GanSpinGlass(**MODEL, formula=formula)


def u_grid(n: int) -> np.ndarray:
    return np.linspace(*U_RANGE, n)


# --------------------------------------------------------- naive baseline
@dataclass
class NaiveBox:
    """Phi on a box grid by quad, with the cost of each part."""

    x: np.ndarray
    x1: np.ndarray
    phi: np.ndarray  # (len(x1), len(x))
    inside: np.ndarray  # (len(x1), len(x)) bool: x inside the support at that x1
    support_s: float  # total, all rows
    quad_s: np.ndarray  # (len(x1), len(x)) seconds per point
    total_s: float
    intervals: list  # support intervals per row


def naive_log_det(ens: sg.HessianEnsemble, intervals, xv: float) -> float:
    """L(x; x1) by adaptive quadrature of log|lambda - x| rho(lambda) over the support."""
    args = (ens.b, ens.b1, ens.kappa, ens.x1, intervals)
    return float(base.quad_log_potential(np.array([xv]), *args)[0])


def naive_phi_box(k: sg.PublishedConstants, x: np.ndarray, x1: np.ndarray) -> NaiveBox:
    """Phi = C - x^2/(2 s^2) - x1^2/(2 s1^2) + L on the box x1 (rows) by x (columns)."""
    phi = np.empty((x1.size, x.size))
    inside = np.zeros(phi.shape, dtype=bool)
    quad_s = np.empty(phi.shape)
    support_s = 0.0
    all_intervals = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        t_start = time.perf_counter()
        for i, x1v in enumerate(x1):
            x1v = float(x1v)
            t0 = time.perf_counter()
            ens = sg.HessianEnsemble(k.b, k.b1, k.kappa, x1v)
            intervals = ens.support()
            support_s += time.perf_counter() - t0
            all_intervals.append(intervals)
            for j, xv in enumerate(x):
                xv = float(xv)
                t0 = time.perf_counter()
                ell = naive_log_det(ens, intervals, xv)
                quad_s[i, j] = time.perf_counter() - t0
                inside[i, j] = any(lo < xv < hi for lo, hi in intervals)
                phi[i, j] = (
                    k.log_constant - 0.5 * xv * xv / k.s_sq - 0.5 * x1v * x1v / k.s1_sq + ell
                )
        total = time.perf_counter() - t_start
    finally:
        if enabled:
            gc.enable()
    return NaiveBox(x, x1, phi, inside, support_s, quad_s, total, all_intervals)


def naive_theta_box(
    k: sg.PublishedConstants,
    xg: np.ndarray,
    x1g: np.ndarray,
    phi: np.ndarray,
    u_D: np.ndarray,
    u_G: np.ndarray,
) -> np.ndarray:
    """Theta_box[i_G, i_D] = max of Phi over the box points inside B(u_D, u_G)."""
    out = np.full((u_G.size, u_D.size), -np.inf)
    for i_G, ug in enumerate(u_G):
        P = k.x_max_per_u_G * ug
        for i_D, ud in enumerate(u_D):
            Q = k.intercept_per_u_D * ud
            mask = (xg < P) & (x1g > k.slope * xg + Q)
            if mask.any():
                out[i_G, i_D] = phi[mask].max()
    return out


# -------------------------------------------------------------- benchmarks
def first_calls() -> dict[str, dict[str, float]]:
    """First and second call in this process (numba's disk cache as found)."""
    u = u_grid(20)
    m = new_model()
    calls = {
        "theta_map 20x20 (fresh model)": lambda: new_model().theta_map(u, u),
        "theta (warm model)": lambda: m.theta(1.0, 1.0),
        "exponent (10 points)": lambda: m.exponent(np.linspace(-100, 100, 10), 0.5),
    }
    out = {}
    for name, fn in calls.items():
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        fn()
        t2 = time.perf_counter()
        out[name] = {"first_s": t1 - t0, "second_s": t2 - t1}
    return out


def bench_naive(cfg: dict[str, Any]) -> dict[str, Any]:
    """The naive box method on the tiny instance, ours on the same points and cells."""
    m = new_model()
    k = m.constants
    nx, nx1 = cfg["naive_box"]
    x = np.linspace(*cfg["box_x"], nx)
    x1 = np.linspace(*cfg["box_x1"], nx1)
    naive_phi_box(k, x[:1], x1[:1])  # warm-up (density and support kernels)
    runs = [naive_phi_box(k, x, x1) for _ in range(cfg["naive_repeats"])]
    box = min(runs, key=lambda r: r.total_s)
    n_pts = box.phi.size
    xg, x1g = np.meshgrid(x, x1)

    # Points inside the support: the tiny box may have none, so time a few apart.
    ens0 = sg.HessianEnsemble(k.b, k.b1, k.kappa, 0.0)
    (lo, hi), *_ = ens0.support()
    x_in = lo + (hi - lo) * (np.arange(cfg["naive_inside"]) + 0.5) / cfg["naive_inside"]
    in_box = naive_phi_box(k, x_in, np.zeros(1))

    u = u_grid(cfg["naive_cells"])
    mask_tiny = measure(
        lambda: naive_theta_box(k, xg, x1g, box.phi, u, u), cfg["phi_repeats"], warmup=True
    )
    theta_box = naive_theta_box(k, xg, x1g, box.phi, u, u)
    ours_cells = measure(lambda: new_model().theta_map(u, u), cfg["map_repeats"])
    theta = m.theta_map(u, u)

    # Ours on the same (x, x1) points.
    phi_ours = m.exponent(xg, x1g)
    ours_phi = measure(lambda: m.exponent(xg, x1g), cfg["phi_repeats"])

    # Masking cost per cell on the assumed box (Phi values do not affect it).
    ax, ax1 = cfg["assumed_box"]
    bxg, bx1g = np.meshgrid(np.linspace(*cfg["box_x"], ax), np.linspace(*cfg["box_x1"], ax1))
    placeholder = k.log_constant - 0.5 * bxg**2 / k.s_sq - 0.5 * bx1g**2 / k.s1_sq
    uc = u_grid(cfg["map_n"])
    pick = ((np.arange(cfg["mask_cells"]) + 0.5) * uc.size / cfg["mask_cells"]).astype(int)
    cells_u = uc[pick]
    mask_big = measure(
        lambda: naive_theta_box(k, bxg, bx1g, placeholder, cells_u[:1], cells_u),
        cfg["phi_repeats"],
    )
    mask_big_cell = mask_big.best / cells_u.size
    phi_big = measure(lambda: m.exponent(bxg, bx1g), 3)

    # Fraction of the assumed box inside the support, from the tiny box's x1 rows.
    x_big = np.linspace(*cfg["box_x"], ax)
    frac_in = float(
        np.mean([sum(np.sum((a < x_big) & (x_big < b)) for a, b in iv) for iv in box.intervals])
        / ax
    )
    out_pts = ~box.inside
    quad_out = float(box.quad_s[out_pts].mean()) if out_pts.any() else float("nan")
    quad_in_all = np.concatenate([box.quad_s[box.inside], in_box.quad_s.ravel()])
    quad_in = float(quad_in_all.mean())
    quad_all = float(box.quad_s.mean())
    support_row = box.support_s / x1.size

    finite = np.isfinite(theta_box)
    return {
        "box": {"x": [*cfg["box_x"], nx], "x1": [*cfg["box_x1"], nx1], "points": n_pts},
        "cells": int(u.size**2),
        "phi_total_s": box.total_s,
        "phi_totals_all_runs_s": [r.total_s for r in runs],
        "support_per_x1_s": support_row,
        "quad_per_point_s": quad_all,
        "quad_per_point_outside_support_s": quad_out,
        "quad_per_point_inside_support_s": quad_in,
        "points_inside_support_in_box": int(box.inside.sum()),
        "points_inside_support_timed_apart": int(in_box.phi.size),
        "naive_per_phi_point_s": box.total_s / n_pts,
        "mask_tiny": asdict(mask_tiny),
        "mask_per_cell_tiny_s": mask_tiny.best / u.size**2,
        "naive_tiny_total_s": box.total_s + mask_tiny.best,
        "ours_tiny_theta_map": asdict(ours_cells),
        "ours_phi": asdict(ours_phi),
        "ours_per_phi_point_s": ours_phi.best / n_pts,
        "ours_phi_assumed_box": asdict(phi_big),
        "assumed_box": [ax, ax1],
        "assumed_box_fraction_inside_support": frac_in,
        "mask_per_cell_assumed_box_s": mask_big_cell,
        "mask_cells_timed": int(cells_u.size),
        "checks": {
            "phi_max_abs_diff_quad_vs_ours": float(np.max(np.abs(box.phi - phi_ours))),
            "phi_inside_max_abs_diff": float(
                np.max(np.abs(in_box.phi - m.exponent(x_in, np.zeros_like(x_in))))
            ),
            "box_cells_empty": int((~finite).sum()),
            "box_never_above_exact": bool(np.all(theta_box[finite] <= theta[finite] + 1e-9)),
            "box_max_shortfall": float(np.max(theta[finite] - theta_box[finite], initial=0.0)),
        },
    }


def naive_extrapolated(naive: dict[str, Any], n_cells: int) -> float:
    """Naive seconds for an n_cells map on the assumed box, from the measured costs."""
    ax, ax1 = naive["assumed_box"]
    pts = ax * ax1
    f_in = naive["assumed_box_fraction_inside_support"]
    q_out = naive["quad_per_point_outside_support_s"]
    if not math.isfinite(q_out):
        q_out = naive["quad_per_point_s"]
    phi = pts * ((1.0 - f_in) * q_out + f_in * naive["quad_per_point_inside_support_s"])
    return ax1 * naive["support_per_x1_s"] + phi + n_cells * naive["mask_per_cell_assumed_box_s"]


def bench_theta_map(
    cfg: dict[str, Any], n: int, naive: dict[str, Any], target: bool, u_range: tuple = U_RANGE
) -> dict:
    u = np.linspace(*u_range, n)
    ours = measure(lambda: new_model().theta_map(u, u), cfg["map_repeats"])
    warm_model = new_model()
    warm_model.theta_map(u, u)
    warm = measure(lambda: warm_model.theta_map(u, u), cfg["map_repeats"])
    base = naive_extrapolated(naive, n * n)
    ratio = base / ours.best
    theta = warm_model.theta_map(u, u)
    crit = {"time": bool(ours.best <= TARGETS["theta_map"])} if target else {}
    ax, ax1 = naive["assumed_box"]
    tag = "" if u_range == U_RANGE else f" u in [{u_range[0]:g}, {u_range[1]:g}]"
    return {
        "id": f"theta_map_{n}" + ("" if u_range == U_RANGE else f"_{u_range[0]:g}_{u_range[1]:g}"),
        "label": f"theta_map {n}x{n}{tag}, cold",
        "u_range": list(u_range),
        "n": n,
        "ours": asdict(ours),
        "ours_warm_model": asdict(warm),
        "baseline_extrapolated_s": base,
        "ratio": ratio,
        "ratio_definition": f"naive box method on {ax}x{ax1} points, extrapolated / ours",
        "target": f"<= {TARGETS['theta_map']:g} s" if target else None,
        "criteria": crit,
        "checks": {
            "finite_fraction": float(np.isfinite(theta).mean()),
            "theta_max": float(np.max(theta)),
            "theta_min": float(np.min(theta)),
        },
        "cells": (
            fmt_timing(ours),
            f"{fmt_time(base)} (extrap.)",
            fmt_ratio(ratio) + " (extrap.)",
            f"<={TARGETS['theta_map']:g} s" if target else "-",
        ),
    }


def bench_theta_point(cfg: dict[str, Any]) -> dict:
    m = new_model()
    u = u_grid(cfg["theta_cells"])
    cells = [(float(a), float(b)) for a, b in zip(u, u[::-1], strict=True)]
    m.theta(*cells[0])

    def run() -> None:
        for a, b in cells:
            m.theta(a, b)

    t = measure(run, cfg["theta_repeats"])
    per = Timing(t.best / len(cells), t.median / len(cells), t.repeats, t.number * len(cells))
    point = np.array([m.theta(a, b) for a, b in cells])
    grid = m.theta_map(u, u[::-1])
    diag = grid[np.arange(u.size), np.arange(u.size)]
    return {
        "id": "theta_pointwise",
        "label": "theta pointwise, warm model",
        "ours": asdict(per),
        "n_cells": len(cells),
        "ratio": None,
        "target": None,
        "criteria": {},
        "checks": {"theta_map_vs_theta_max_abs_diff": float(np.max(np.abs(point - diag)))},
        "cells": (f"{fmt_timing(per)}/call", "-", "-", "-"),
    }


def bench_phi(naive: dict[str, Any]) -> dict:
    q = naive["quad_per_point_s"]
    ours = Timing(**naive["ours_phi"])
    n = naive["box"]["points"]
    per = ours.best / n
    ratio = q / per
    return {
        "id": "phi_per_point",
        "label": f"Phi per point ({n} box pts)",
        "ours_per_point_s": per,
        "baseline_per_point_s": q,
        "ratio": ratio,
        "ratio_definition": "quad per point / model.exponent per point, same points, measured",
        "target": None,
        "criteria": {},
        "checks": {"max_abs_diff": naive["checks"]["phi_max_abs_diff_quad_vs_ours"]},
        "cells": (f"{fmt_time(per)}/pt", f"{fmt_time(q)}/pt (quad)", fmt_ratio(ratio), "-"),
    }


def bench_tiny(naive: dict[str, Any]) -> dict:
    ours = Timing(**naive["ours_tiny_theta_map"])
    base = naive["naive_tiny_total_s"]
    ratio = base / ours.best
    nx, nx1 = naive["box"]["x"][2], naive["box"]["x1"][2]
    side = math.isqrt(naive["cells"])
    return {
        "id": "tiny_instance",
        "label": f"Theta {side}x{side} cells: box {nx}x{nx1}",
        "ours": asdict(ours),
        "baseline_s": base,
        "ratio": ratio,
        "ratio_definition": "naive box (quad Phi + masking) / theta_map cold, measured",
        "target": None,
        "criteria": {},
        "cells": (fmt_timing(ours), fmt_time(base), fmt_ratio(ratio), "-"),
    }


def error_row(row_id: str, label: str, exc: Exception, target: float) -> dict:
    """A table row for a benchmark whose call raised."""
    return {
        "id": row_id,
        "label": label,
        "error": f"{type(exc).__name__}: {exc}",
        "ratio": None,
        "target": f"<= {target:g} s",
        "criteria": {"no error": False},
        "checks": {},
        "cells": (f"raised {type(exc).__name__}", "-", "-", f"<={target:g} s"),
    }


def bench_banded(
    cfg: dict[str, Any], formula: str = "published", u_range: tuple = U_RANGE, versus=None
) -> dict:
    """``banded_structure`` once; ``versus``: the published row of the same job."""
    n, kmax = cfg["banded_n"], cfg["banded_k"]
    u = np.linspace(*u_range, n)
    label = f"banded {n}x{n}, k<={kmax}, {formula}" + (
        f" u in [{u_range[0]:g}, {u_range[1]:g}]" if u_range != U_RANGE else ""
    )
    target = TARGETS["banded"]
    row_id = (
        "banded"
        if formula == "published" and u_range == U_RANGE
        else f"banded_{formula}_{u_range[0]:g}_{u_range[1]:g}"
    )
    try:
        sg.banded_structure(new_model(formula), u[:5], u[:5], k_D_max=1, k_G_max=1)  # warm-up
        seconds, res = once(
            lambda: sg.banded_structure(new_model(formula), u, u, k_D_max=kmax, k_G_max=kmax)
        )
    except (ArithmeticError, ValueError, RuntimeError) as exc:
        return error_row(row_id, label, exc, target)
    crit = {"time": bool(seconds <= target)}
    base, ratio = None, None
    if versus is not None and "seconds" in versus:
        base = versus["seconds"]
        ratio = base / seconds
        crit["within 2x of published"] = bool(seconds <= 2.0 * base)
    return {
        "id": row_id,
        "label": label,
        "formula": formula,
        "u_range": list(u_range),
        "seconds": seconds,
        "baseline_published_s": base,
        "ratio": ratio,
        "ratio_definition": "published formula, same job / this" if base else None,
        "target": f"<= {target:g} s" + ("; <= 2x published" if base else ""),
        "criteria": crit,
        "checks": {
            "feasible_cells": int((~res.infeasible).sum()),
            "max_k_D": int(res.k_D.max()),
            "max_k_G": int(res.k_G.max()),
        },
        "cells": (
            f"{fmt_time(seconds)} (once)",
            f"{fmt_time(base)} (published)" if base else "-",
            fmt_ratio(ratio) if ratio else "-",
            "<=2x published" if base else f"<={target:g} s",
        ),
    }


def sweep_by_value(values: np.ndarray, formula: str) -> dict[str, Any]:
    """After a failed sweep: ``lowest_losses`` value by value, which fail, time of the rest."""
    failed, seconds = [], 0.0
    for v in values:
        try:
            model = sg.GanSpinGlass(3, 3, float(v), 0.9, formula=formula)
            t, _ = once(lambda model=model: sg.lowest_losses(model))
        except (ArithmeticError, ValueError, RuntimeError) as exc:
            failed.append({"sigma_z": float(v), "error": f"{type(exc).__name__}: {exc}"})
        else:
            seconds += t
    return {"failed": failed, "succeeded": int(values.size - len(failed)), "seconds": seconds}


def bench_sweep(cfg: dict[str, Any], formula: str = "published", versus=None) -> dict:
    values = np.logspace(*cfg["sweep_sigma_z"], cfg["sweep_n"])
    label = f"sweep sigma_z, {values.size} values, {formula}"
    target = TARGETS["sweep"]
    kw = {"kappa": MODEL["kappa"], "formula": formula}
    sg.sweep(3, 3, sigma_z=np.array([0.5]), **kw)  # warm-up
    row_id = "sweep" if formula == "published" else f"sweep_{formula}"
    try:
        seconds, res = once(lambda: sg.sweep(3, 3, sigma_z=values, **kw))
    except (ArithmeticError, ValueError, RuntimeError) as exc:
        row = error_row(row_id, label, exc, target)
        row["by_value"] = sweep_by_value(values, formula)
        return row
    base = versus["seconds"] if versus is not None and "seconds" in versus else None
    ratio = base / seconds if base else None
    return {
        "id": row_id,
        "label": label,
        "formula": formula,
        "seconds": seconds,
        "per_value_s": seconds / values.size,
        "baseline_published_s": base,
        "ratio": ratio,
        "ratio_definition": "published formula, same sweep / this" if base else None,
        "target": f"<= {target:g} s",
        "criteria": {"time": bool(seconds <= target)},
        "checks": {"finite_u_D_min": int(np.isfinite(res["u_D_min"]).sum())},
        "cells": (
            f"{fmt_time(seconds)} (once)",
            f"{fmt_time(base)} (published)" if base else "-",
            fmt_ratio(ratio) if ratio else "-",
            f"<={target:g} s",
        ),
    }


# ------------------------------------------------- derived formula (QuadrantSolver)
@contextmanager
def reference_quadrant():
    """QuadrantSolver with its reference implementation (face by face, line by line,
    interior maxima by ``interior_maxima``), for the same-run comparison."""
    from spinglass_gan.complexity._quadrant_reference import (
        free_candidates_reference,
        sup_grid_reference,
    )
    from spinglass_gan.complexity.polygon import Suprema

    cls = sg.complexity.QuadrantSolver
    saved = cls.__dict__["suprema"], cls.__dict__["free_candidates"]
    cls.suprema = lambda self, *a, **k: Suprema(*sup_grid_reference(self, *a, **k))
    cls.free_candidates = property(free_candidates_reference)
    try:
        yield
    finally:
        cls.suprema, cls.free_candidates = saved


def bench_derived_map(
    cfg: dict[str, Any], n: int, u_range: tuple, published: dict | None, target: bool
) -> dict:
    """theta_map of the derived formula, cold (fresh model), against the published
    formula's same map when given."""
    u = np.linspace(*u_range, n)
    ours = measure(lambda: new_model("derived").theta_map(u, u), cfg["map_repeats"])
    warm_model = new_model("derived")
    warm_model.theta_map(u, u)
    warm = measure(lambda: warm_model.theta_map(u, u), cfg["map_repeats"])
    theta = warm_model.theta_map(u, u)
    base = Timing(**published["ours"]).best if published else None
    ratio = base / ours.best if base else None
    limit = TARGETS["theta_map_derived"]
    tag = "" if u_range == U_RANGE else f" u in [{u_range[0]:g}, {u_range[1]:g}]"
    return {
        "id": f"theta_map_derived_{n}_{u_range[0]:g}_{u_range[1]:g}",
        "label": f"theta_map {n}x{n} derived{tag}, cold",
        "n": n,
        "u_range": list(u_range),
        "ours": asdict(ours),
        "ours_warm_model": asdict(warm),
        "baseline_published_s": base,
        "ratio": ratio,
        "ratio_definition": "published formula's theta_map, same grid, cold / this"
        if base
        else None,
        "target": f"<= {limit:g} s" if target else None,
        "criteria": {"time": bool(ours.best <= limit)} if target else {},
        "checks": {
            "finite_fraction": float(np.isfinite(theta).mean()),
            "theta_max": float(np.max(theta)),
            "theta_min": float(np.min(theta)),
        },
        "cells": (
            fmt_timing(ours),
            f"{fmt_time(base)} (published)" if base else "-",
            fmt_ratio(ratio) if ratio else "-",
            f"<={limit:g} s" if target else "-",
        ),
    }


def bench_derived_reference(cfg: dict[str, Any]) -> dict:
    """The batched suprema against the reference implementation, same grid, same run
    (both cold: fresh model, free maxima included), and the largest difference."""
    n = cfg["reference_n"]
    u = u_grid(n)
    fast = measure(lambda: new_model("derived").theta_map(u, u), cfg["map_repeats"])
    with reference_quadrant():
        ref_s, ref = once(lambda: new_model("derived").theta_map(u, u))
    got = new_model("derived").theta_map(u, u)
    ok = np.isfinite(ref)
    diff = float(np.max(np.abs(got[ok] - ref[ok]) / (1.0 + np.abs(ref[ok]))))
    # lowest_losses (a sweep's unit of work) on the reference path, a few values.
    values = np.logspace(*cfg["sweep_sigma_z"], cfg["reference_sweep_n"])
    low = lambda: [sg.lowest_losses(sg.GanSpinGlass(3, 3, float(v), 0.9)) for v in values]  # noqa: E731
    low_fast_s, low_fast = once(low)
    with reference_quadrant():
        low_ref_s, low_ref = once(low)
    fields = ("u_D_min", "u_G_min", "sum_min")
    low_diff = max(
        abs(getattr(a, f) - getattr(b, f)) / (1.0 + abs(getattr(b, f)))
        for a, b in zip(low_fast, low_ref)
        for f in fields
        if np.isfinite(getattr(b, f))
    )
    ratio = ref_s / fast.best
    return {
        "id": "derived_vs_reference",
        "label": f"theta_map {n}x{n} derived vs reference",
        "n": n,
        "ours": asdict(fast),
        "reference_s": ref_s,
        "ratio": ratio,
        "ratio_definition": "reference implementation (one cold call) / batched (best, cold)",
        "lowest_losses": {
            "values": values.tolist(),
            "batched_s": low_fast_s,
            "reference_s": low_ref_s,
            "ratio": low_ref_s / low_fast_s,
            "max_rel_diff": float(low_diff),
            "batched": [[float(getattr(a, f)) for f in fields] for a in low_fast],
            "reference": [[float(getattr(b, f)) for f in fields] for b in low_ref],
        },
        "target": None,
        "criteria": {"equal to the reference (1e-10)": bool(diff <= 1e-10)},
        "checks": {"max_rel_diff": diff},
        "cells": (fmt_timing(fast), f"{fmt_time(ref_s)} (reference)", fmt_ratio(ratio), "-"),
    }


# ----------------------------------------------------------------- report
def status(criteria: dict[str, bool]) -> str:
    if not criteria:
        return "-"
    missed = [name for name, ok in criteria.items() if not ok]
    return "MISS: " + ", ".join(missed) if missed else "ok"


def print_table(rows: list[dict]) -> None:
    head = ("benchmark", "ours best (median)", "baseline", "ratio", "target", "status")
    widths = (34, 26, 24, 20, 9, 6)
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()
    print(line)
    print("-" * len(line))
    for r in rows:
        cells = (r["label"], *r["cells"], status(r["criteria"]))
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip())
    print("ratio = baseline time / ours (higher is better); extrap. = extrapolated, see notes")


def print_notes(rows: list[dict], naive: dict[str, Any], firsts: dict) -> None:
    c = naive["checks"]
    ax, ax1 = naive["assumed_box"]
    print("\nnotes")
    print(
        f"  naive box method, measured on a {naive['box']['x'][2]} x {naive['box']['x1'][2]} "
        f"box (x in [{naive['box']['x'][0]:g}, {naive['box']['x'][1]:g}], x1 in "
        f"[{naive['box']['x1'][0]:g}, {naive['box']['x1'][1]:g}]) and {naive['cells']} cells:"
    )
    print(
        f"    Phi on the box {fmt_time(naive['phi_total_s'])} = "
        f"{fmt_time(naive['naive_per_phi_point_s'])} per Phi point (quad alone "
        f"{fmt_time(naive['quad_per_point_s'])}; support {fmt_time(naive['support_per_x1_s'])}"
        f" per x1 row); {naive['points_inside_support_in_box']} box points inside the support"
    )
    print(
        f"    quad per point: outside the support "
        f"{fmt_time(naive['quad_per_point_outside_support_s'])}, inside "
        f"{fmt_time(naive['quad_per_point_inside_support_s'])} (timed on "
        f"{naive['points_inside_support_timed_apart']} extra points at x1 = 0)"
    )
    print(
        f"    masking {fmt_time(naive['mask_per_cell_tiny_s'])} per cell on the tiny box, "
        f"{fmt_time(naive['mask_per_cell_assumed_box_s'])} per cell on a {ax} x {ax1} box "
        f"(timed on {naive['mask_cells_timed']} cells)"
    )
    print(
        f"    extrapolation: assumed box {ax} x {ax1} = {ax * ax1:,} points, "
        f"{100 * naive['assumed_box_fraction_inside_support']:.2f}% inside the support; "
        f"naive = {ax1} supports + {ax * ax1:,} quads + cells x masking, from the measured "
        "per-item costs above (not run)"
    )
    print(
        f"    ours on the same box points: model.exponent {fmt_time(naive['ours_per_phi_point_s'])}"
        f" per point; on the {ax} x {ax1} box itself "
        f"{fmt_time(naive['ours_phi_assumed_box']['best'])} in all"
    )
    print(
        f"    values: max |Phi_quad - Phi| = {c['phi_max_abs_diff_quad_vs_ours']:.1e} "
        f"(inside the support {c['phi_inside_max_abs_diff']:.1e}); Theta_box <= Theta at "
        f"every non-empty cell: {c['box_never_above_exact']}, largest shortfall "
        f"{c['box_max_shortfall']:.3g}, {c['box_cells_empty']} cells with no box point "
        "(the truncated box is wrong as well as slow)"
    )
    for r in rows:
        if r["id"].startswith("theta_map"):
            ch = r["checks"]
            print(
                f"  {r['label']}: warm model (interior maxima cached) "
                f"{fmt_timing(Timing(**r['ours_warm_model']))}; Theta in "
                f"[{ch['theta_min']:.4g}, {ch['theta_max']:.4g}], finite fraction "
                f"{ch['finite_fraction']:.3g}"
            )
        elif r["id"] == "theta_pointwise":
            print(
                f"  {r['label']}: {r['n_cells']} cells; theta_map agrees to "
                f"{r['checks']['theta_map_vs_theta_max_abs_diff']:.1e}"
            )
        elif "error" in r:
            print(f"  {r['label']}: {r['error']}")
            by = r.get("by_value")
            if by:
                bad = ", ".join(f"{f['sigma_z']:.3g}" for f in by["failed"])
                print(
                    f"    value by value (lowest_losses): fails at sigma_z = {bad}; the other "
                    f"{by['succeeded']} values take {fmt_time(by['seconds'])} in all"
                )
        elif r["id"] == "derived_vs_reference":
            low = r["lowest_losses"]
            print(
                f"  {r['label']}: reference {fmt_time(r['reference_s'])} against "
                f"{fmt_time(r['ours']['best'])}; largest relative difference "
                f"{r['checks']['max_rel_diff']:.1e}; lowest_losses at {len(low['values'])} "
                f"sigma_z: reference {fmt_time(low['reference_s'])}, batched "
                f"{fmt_time(low['batched_s'])} ({fmt_ratio(low['ratio'])}), largest "
                f"relative difference {low['max_rel_diff']:.1e}"
            )
        elif r["id"].startswith("banded"):
            ch = r["checks"]
            print(
                f"  {r['label']}: {ch['feasible_cells']} feasible cells, largest k_D "
                f"{ch['max_k_D']}, largest k_G {ch['max_k_G']}"
            )
        elif r["id"].startswith("sweep"):
            print(
                f"  {r['label']}: {fmt_time(r['per_value_s'])} per value; u_D_min finite at "
                f"{r['checks']['finite_u_D_min']} values"
            )
    print("\nfirst calls in this process (numba disk cache as found; excluded above)")
    print(f"  import spinglass_gan (numpy loaded): {fmt_time(SG_IMPORT_S)}")
    for name, t in firsts.items():
        print(f"  {name:30s} first {fmt_time(t['first_s'])}, second {fmt_time(t['second_s'])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (smoke run)")
    parser.add_argument("--json", metavar="PATH", help="write all results as JSON to PATH")
    args = parser.parse_args(argv)

    t_start = time.perf_counter()
    cfg = QUICK if args.quick else FULL
    firsts = first_calls()

    env = environment(args.quick, _THREAD_VARS)
    print(
        f"spinglass_gan {env['spinglass_gan']} | numpy {env['numpy']} scipy {env['scipy']} "
        f"numba {env['numba']} | {env['cpu_count']} CPUs, 1 thread (numba, BLAS) | "
        f"{'quick' if args.quick else 'full'} sizes"
    )
    print(f"model GanSpinGlass{tuple(MODEL.values())}, u grids linspace{U_RANGE}\n")

    naive = bench_naive(cfg)
    big = bench_theta_map(cfg, cfg["map_n"], naive, target=True)
    banded = bench_banded(cfg)
    sweep = bench_sweep(cfg)
    # The published formula's same jobs for the derived rows' ratios.
    narrow = bench_theta_map(cfg, cfg["map_n"], naive, target=False, u_range=U_NARROW)
    banded_wide = bench_banded(cfg, "published", U_BANDED_DERIVED)
    rows: list[dict] = [
        big,
        bench_theta_map(cfg, cfg["map_small_n"], naive, target=False),
        bench_theta_point(cfg),
        bench_phi(naive),
        bench_tiny(naive),
        banded,
        sweep,
        bench_derived_map(cfg, cfg["map_n"], U_RANGE, big, target=True),
        narrow,
        bench_derived_map(cfg, cfg["map_n"], U_NARROW, narrow, target=True),
        bench_derived_reference(cfg),
        bench_banded(cfg, "derived", U_RANGE, banded),
        banded_wide,
        bench_banded(cfg, "derived", U_BANDED_DERIVED, banded_wide),
        bench_sweep(cfg, "derived", sweep),
    ]

    print_table(rows)
    print_notes(rows, naive, firsts)
    total = time.perf_counter() - t_start
    print(f"\ntotal wall time {total:.1f} s")

    if args.json:
        for r in rows:
            r.pop("cells", None)
        payload = {
            "environment": env,
            "config": cfg,
            "first_calls": {"import_s": SG_IMPORT_S, "calls": firsts},
            "naive": naive,
            "results": rows,
            "total_wall_s": total,
        }
        write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
