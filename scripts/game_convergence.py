"""(1/N) log of the finite-N expected count of a game against its exponent Theta.

    python scripts/game_convergence.py [--quick] [OUT_DIR]   # ~1.5 min; --quick ~15 s

Two members of the spherical spin-glass family other than the paper's model:

* ``gan21_bipartite``: ``SpinGlassGame.gan(2, 1, 0.5, 0.5, coupling="bipartite")``;
* ``bipartite_ssg``: ``SpinGlassGame.multi_species({(2, 2): 1.0}, (0.5, 0.5))``.

For each, at N in {20, 40, 80, 160, 320} (N_s = kappa_s N), estimates
(1/N) log E #{critical points} with ``game.kac_rice_samples`` (plain Monte Carlo from
the game's own law, one seed per member and size) for the total count and for one loss
threshold, and compares with ``game.theta`` at the same threshold; fits

    (1/N) log E # - Theta = c1 log(N) / N + c0 / N

by weighted least squares.  The threshold sits close to the typical losses: the plain
Monte Carlo reaches L_s / N <= u_s with probability about exp(-N u_s^2 / (2 Var)), so a
deeper threshold would leave no draw below it at N = 320.  Writes
data/games/convergence.npz (JSON metadata) and prints the table.
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
NS = (20, 40, 80, 160, 320)
SAMPLES = {20: 20_000, 40: 20_000, 80: 10_000, 160: 8_000, 320: 8_000}
SEED = 2027
FIT_NOTE = (
    "value - theta = c1 log(N)/N + c0/N (weighted least squares over the entries with"
    " ess >= MIN_ESS; NaN when fewer than three): _fit = (c1, c0)"
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


def seed_of(index: int, n: int) -> int:
    """The seed of member number ``index`` at size ``n`` (recomputable one entry at a time)."""
    return SEED + 1000 * index + n


def basis(n: np.ndarray) -> np.ndarray:
    """Columns log(n)/n, 1/n of the fitted finite-N correction."""
    n = np.asarray(n, dtype=float)
    return np.column_stack([np.log(n) / n, 1.0 / n])


def fit(n: np.ndarray, gap: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Weighted least squares of gap = c1 log(n)/n + c0/n; returns (c1, c0)."""
    coef, *_ = np.linalg.lstsq(basis(n) / err[:, None], gap / err, rcond=None)
    return coef


def effective_size(draws, u) -> float:
    """Kish effective sample size (sum w)^2 / sum w^2 of the weights |det J'| 1{L <= N u}."""
    keep = np.all(draws.losses <= np.asarray(u if u is not None else [INF] * draws.game.K), axis=1)
    t = np.where(keep, draws.log_abs_det, -np.inf)
    if not keep.any():
        return 0.0
    w = np.exp(t - t.max())
    return float(w.sum() ** 2 / (w**2).sum())


def run_member(index: int, name: str, samples: dict[int, int]) -> dict[str, np.ndarray]:
    """Estimates, errors, exponents and fits of one member, total and at its threshold."""
    game = build(name)
    u = MEMBERS[name][3]
    out: dict[str, np.ndarray] = {}
    cols = {"total": None, "u": u}
    values = {k: [] for k in cols}
    errs = {k: [] for k in cols}
    ess = {k: [] for k in cols}
    for n in NS:
        t0 = time.perf_counter()
        draws = game.kac_rice_samples(sizes_of(game, n), samples[n], seed_of(index, n))
        for key, thr in cols.items():
            value, err = draws.log_expected(thr)
            values[key].append(value)
            errs[key].append(err)
            ess[key].append(effective_size(draws, thr))
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
        out[f"{name}_{key}_theta"] = np.array(theta)
        # Two coefficients from fewer than three trusted points would fit anything: NaN.
        coef = fit(n_arr[ok], v[ok] - theta, np.maximum(e[ok], 1e-6)) if ok.sum() >= 3 else None
        out[f"{name}_{key}_fit"] = np.full(2, np.nan) if coef is None else coef
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
        "seeds": {name: {str(n): seed_of(i, n) for n in NS} for i, name in enumerate(MEMBERS)},
        "estimator": "SpinGlassGame.kac_rice_samples(sizes, samples, seed).log_expected(u)",
        "fit": FIT_NOTE,
        "min_ess": MIN_ESS,
    }
    return arrays, meta


def table(arrays: dict) -> str:
    head = "| member, count | Theta | " + " | ".join(f"N = {n}" for n in NS) + " | c1, c0 |"
    lines = [head, "|---" * (len(NS) + 3) + "|"]
    for name in MEMBERS:
        for key in ("total", "u"):
            pre = f"{name}_{key}"
            cells = [
                f"{v:.4f} +- {e:.4f}" + ("" if s >= MIN_ESS else f" (ess {s:.0f})")
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
            lines.append(
                f"| {name}, {label} | {theta:.4f} | " + " | ".join(cells) + f" | {fitted} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=None, help="output folder")
    parser.add_argument("--quick", action="store_true", help="1/10 of the samples, no file")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    samples = {n: max(200, s // 10) for n, s in SAMPLES.items()} if args.quick else SAMPLES
    arrays, meta = run(samples)
    print(table(arrays))
    if not args.quick:
        out = args.out or root / "data" / "games"
        print(sg.save_result(out / "convergence.npz", "game_convergence", arrays, meta))
