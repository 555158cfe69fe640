"""(1/N) log of the finite-N expected count of a game against its exponent Theta.

    python scripts/game_convergence.py [--quick] [OUT_DIR]   # ~15 min on one core; --quick ~2 min

Two members of the spherical spin-glass family other than the paper's model:

* ``gan21_bipartite``: ``SpinGlassGame.gan(2, 1, 0.5, 0.5, coupling="bipartite")``;
* ``bipartite_ssg``: ``SpinGlassGame.multi_species({(2, 2): 1.0}, (0.5, 0.5))``.

For each, at N in NS (N_s = kappa_s N), estimates (1/N) log E #{critical points} for
the total count and for one loss threshold with
``game.kac_rice_samples(sizes, samples, seed, proposal="auto", u=question)``
(importance sampling centred at the exponent's maximisers below the question's
thresholds, one seed per member, size and question), with the Kish effective sample
size of every entry, and compares with ``game.theta`` at the same threshold.  Two
weighted least-squares fits over the entries with ess >= MIN_ESS:

    (1/N) log E # - Theta = c1 log(N) / N + c0 / N        (Theta fixed: ``_fit``)
    (1/N) log E #         = a + b log(N) / N + c / N      (a free: ``_fit3``, with errors)

so that a, extrapolated from the finite-N values alone, can be set against Theta.
Writes data/games/convergence.npz (JSON metadata) and prints the table.
"""

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import spinglass_gan as sg  # noqa: E402

INF = float("inf")
# name: (preset, arguments, keyword arguments, loss threshold u per species)
MEMBERS = {
    "gan21_bipartite": ("gan", [2, 1, 0.5, 0.5], {"coupling": "bipartite"}, [-0.3, INF]),
    "bipartite_ssg": ("multi_species", [{(2, 2): 1.0}, [0.5, 0.5]], {}, [-0.1, INF]),
}
NS = (20, 40, 80, 160, 320, 640)
SAMPLES = {20: 20_000, 40: 20_000, 80: 20_000, 160: 16_000, 320: 12_000, 640: 6_000}
SEED = 2027
FIT_NOTE = (
    "value - theta = c1 log(N)/N + c0/N (weighted least squares over the entries with"
    " ess >= MIN_ESS; NaN when fewer than three): _fit = (c1, c0); value = a + b log(N)/N"
    " + c/N (same entries; NaN when fewer than four): _fit3 = (a, b, c), _fit3_stderr their"
    " standard errors from the weighted normal equations, scaled by sqrt(chi2/dof) when"
    " that exceeds one"
)
# Below this effective sample size a few draws carry the whole mean: the log-mean is then
# biased low and its delta-method error is not to be trusted.
MIN_ESS = 50.0


def build(name: str) -> sg.SpinGlassGame:
    """The game of member ``name``."""
    preset, args, kwargs, _ = MEMBERS[name]
    return getattr(sg.SpinGlassGame, preset)(*args, **kwargs)


def sizes_of(game: sg.SpinGlassGame, n: int) -> list[int]:
    """N_s = kappa_s N, rounded, the last species taking the remainder."""
    first = [round(k * n) for k in game.kappa[:-1]]
    return [*first, n - sum(first)]


def seed_of(index: int, n: int, question: int = 0) -> int:
    """The seed of member number ``index`` at size ``n`` for question 0 (total) or 1
    (threshold), recomputable one entry at a time."""
    return SEED + 1000 * index + n + question


def basis(n: np.ndarray) -> np.ndarray:
    """Columns log(n)/n, 1/n of the fitted finite-N correction."""
    n = np.asarray(n, dtype=float)
    return np.column_stack([np.log(n) / n, 1.0 / n])


def fit(n: np.ndarray, gap: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Weighted least squares of gap = c1 log(n)/n + c0/n; returns (c1, c0)."""
    coef, *_ = np.linalg.lstsq(basis(n) / err[:, None], gap / err, rcond=None)
    return coef


def fit3(n: np.ndarray, value: np.ndarray, err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares of value = a + b log(n)/n + c/n: (a, b, c) and their errors
    (covariance (X^T W X)^-1, times chi2/dof when that exceeds one)."""
    x = np.column_stack([np.ones_like(n), basis(n)]) / err[:, None]
    y = value / err
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    cov = np.linalg.inv(x.T @ x)
    dof = n.size - 3
    chi2 = float(np.sum((y - x @ coef) ** 2))
    return coef, np.sqrt(np.diag(cov) * max(1.0, chi2 / dof))


def run_member(index: int, name: str, samples: dict[int, int]) -> dict[str, np.ndarray]:
    """Estimates, errors, exponents and fits of one member, total and at its threshold."""
    game = build(name)
    u = MEMBERS[name][3]
    out: dict[str, np.ndarray] = {}
    cols = {"total": None, "u": u}
    values = {k: [] for k in cols}
    errs = {k: [] for k in cols}
    ess = {k: [] for k in cols}
    pilot = {k: [] for k in cols}
    for n in NS:
        t0 = time.perf_counter()
        for question, (key, thr) in enumerate(cols.items()):
            draws = game.kac_rice_samples(
                sizes_of(game, n), samples[n], seed_of(index, n, question), proposal="auto", u=thr
            )
            est = draws.log_expected(thr, min_ess=0.0)
            values[key].append(est.value)
            errs[key].append(est.stderr)
            ess[key].append(est.ess)
            pilot[key].append(draws.pilot_samples)
        print(
            f"{name:16s} N={n:4d} total {values['total'][-1]:.4f} +- {errs['total'][-1]:.4f}"
            f" (ess {ess['total'][-1]:.0f})  u {values['u'][-1]:.4f} +- {errs['u'][-1]:.4f}"
            f" (ess {ess['u'][-1]:.0f})"
            f"  [{time.perf_counter() - t0:.1f} s]",
            flush=True,
        )
    n_arr = np.array(NS, dtype=float)
    for key, thr in cols.items():
        theta = game.theta(thr)
        v, e, s = np.array(values[key]), np.array(errs[key]), np.array(ess[key])
        ok = s >= MIN_ESS
        out[f"{name}_{key}_value"] = v
        out[f"{name}_{key}_stderr"] = e
        out[f"{name}_{key}_ess"] = s
        out[f"{name}_{key}_samples"] = np.array([samples[n] for n in NS])
        out[f"{name}_{key}_pilot"] = np.array(pilot[key])
        out[f"{name}_{key}_theta"] = np.array(theta)
        # Two coefficients from fewer than three trusted points would fit anything: NaN.
        coef = fit(n_arr[ok], v[ok] - theta, np.maximum(e[ok], 1e-6)) if ok.sum() >= 3 else None
        out[f"{name}_{key}_fit"] = np.full(2, np.nan) if coef is None else coef
        coef3, err3 = np.full(3, np.nan), np.full(3, np.nan)
        if ok.sum() >= 4:
            coef3, err3 = fit3(n_arr[ok], v[ok], np.maximum(e[ok], 1e-6))
        out[f"{name}_{key}_fit3"] = coef3
        out[f"{name}_{key}_fit3_stderr"] = err3
    out[f"{name}_u"] = np.array(u)
    return out


def run(samples: dict[int, int]) -> tuple[dict, dict]:
    arrays: dict[str, np.ndarray] = {"n": np.array(NS)}
    for index, name in enumerate(MEMBERS):
        arrays |= run_member(index, name, samples)
    meta = {
        "members": {
            name: {"preset": p, "args": repr(a), "kwargs": k, "u": u}
            for name, (p, a, k, u) in MEMBERS.items()
        },
        "sizes": {name: {str(n): sizes_of(build(name), n) for n in NS} for name in MEMBERS},
        "samples": {str(k): v for k, v in samples.items()},
        "seeds": {
            name: {str(n): [seed_of(i, n, 0), seed_of(i, n, 1)] for n in NS}
            for i, name in enumerate(MEMBERS)
        },
        "estimator": (
            "SpinGlassGame.kac_rice_samples(sizes, samples, seed, proposal='auto', u=u)"
            ".log_expected(u, min_ess=0); seeds per size: [total, threshold]"
        ),
        "fit": FIT_NOTE,
        "min_ess": MIN_ESS,
    }
    return arrays, meta


def table(arrays: dict) -> str:
    head = "| member, count | Theta | " + " | ".join(f"N = {n}" for n in NS)
    head += " | c1, c0 | a (fit) |"
    lines = [head, "|---" * (len(NS) + 4) + "|"]
    for name in MEMBERS:
        for key in ("total", "u"):
            pre = f"{name}_{key}"
            cells = [
                f"{v:.4f} +- {e:.4f} ({s:.0f})" + ("" if s >= MIN_ESS else " *")
                for v, e, s in zip(
                    arrays[f"{pre}_value"],
                    arrays[f"{pre}_stderr"],
                    arrays[f"{pre}_ess"],
                    strict=True,
                )
            ]
            label = "total" if key == "total" else f"u = {arrays[f'{name}_u'].tolist()}"
            fitted = ", ".join(f"{c:.2f}" for c in arrays[f"{pre}_fit"])
            theta = float(arrays[f"{pre}_theta"])
            a, ea = arrays[f"{pre}_fit3"][0], arrays[f"{pre}_fit3_stderr"][0]
            lines.append(
                f"| {name}, {label} | {theta:.4f} | " + " | ".join(cells)
                + f" | {fitted} | {a:.4f} +- {ea:.4f} |"
            )  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=None, help="output folder")
    parser.add_argument("--quick", action="store_true", help="1/10 of the samples, no file")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    samples = {n: max(500, s // 10) for n, s in SAMPLES.items()} if args.quick else SAMPLES
    arrays, meta = run(samples)
    print(table(arrays))
    if not args.quick:
        out = args.out or root / "data" / "games"
        print(sg.save_result(out / "convergence.npz", "game_convergence", arrays, meta))
