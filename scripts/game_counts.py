"""Counts of critical points of sampled spin-glass games against the exact finite-N formula.

For each family member below: ``instances`` sampled instances, all their critical points
(:meth:`SpinGlassGame.sample(...).critical_points()`), the mean count per instance overall
and under loss thresholds, against the finite-N Kac-Rice formula
(:meth:`SpinGlassGame.kac_rice_samples`) from the same thresholds; z = (counted - formula)
/ sqrt(se_counted^2 + se_formula^2).  Writes, in ``data/games/``:

* ``<name>.npz``: per instance, the count under each question and the Poincare-Hopf sum,
  with JSON metadata (the game, sizes, seed, questions);
* ``comparison.json``: every question's counted mean, formula, errors and z.

Usage: ``python scripts/game_counts.py [--instances 400] [--only NAME ...]``
(about 15 minutes on one core for the default 400 instances per member).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from spinglass_gan.games.game import SpinGlassGame
from spinglass_gan.io.results import save_result
from spinglass_gan.landscapes.game_counting import count_game_critical_points

OUT = Path(__file__).resolve().parent.parent / "data" / "games"
FORMULA_SAMPLES = 400_000


def _strong(c: float) -> SpinGlassGame:
    """The isotropic GAN (p, q, sigma_z) = (2, 1, 1/2) plus degree-1 own fields c R_s."""
    shared = {(a, 3 - a): 0.5 * math.comb(3, a) for a in range(4)}
    return SpinGlassGame([{1: c, 2: 0.5}, {1: c}], shared, [-1, 1], [0.5, 0.5])


MEMBERS: dict[str, tuple[SpinGlassGame, list[int]]] = {
    "gan_isotropic_p2_q1": (SpinGlassGame.gan(2, 1, 1.0, 0.5), [3, 3]),
    "gan_bipartite_p2_q1": (SpinGlassGame.gan(2, 1, 1.0, 0.5, coupling="bipartite"), [3, 3]),
    "gan_bipartite_p2_q2": (SpinGlassGame.gan(2, 2, 1.0, 0.5, coupling="bipartite"), [3, 3]),
    "bipartite_ssg_a2_b1": (SpinGlassGame.multi_species({(2, 1): 1.0}, [0.5, 0.5]), [3, 3]),
    "bipartite_ssg_a2_b2": (SpinGlassGame.multi_species({(2, 2): 1.0}, [0.5, 0.5]), [3, 3]),
    "mixed_game_degree1": (
        SpinGlassGame([{1: 1.0, 2: 1.0}, {1: 0.5}], {(1, 1): 1.0, (2, 1): 0.5}, [1, -1], [0.5] * 2),
        [3, 3],
    ),
    "strong_fields_c1": (_strong(1.0), [3, 3]),
    "strong_fields_c5": (_strong(5.0), [3, 3]),
    "strong_fields_c25": (_strong(25.0), [3, 3]),
    "strong_fields_c100": (_strong(100.0), [3, 3]),
    "strong_fields_c400": (_strong(400.0), [3, 3]),
    "bilinear_3_4": (SpinGlassGame.multi_species({(1, 1): 1.0}, [3 / 7, 4 / 7]), [3, 4]),
    "three_species_111": (SpinGlassGame.multi_species({(1, 1, 1): 1.0}, [1 / 3] * 3), [3, 3, 3]),
    "mixed_ssg_k1": (SpinGlassGame.mixed({1: 0.3, 3: 1.0}), [5]),
}


def _questions(losses: np.ndarray, k: int) -> list[list[float] | None]:
    """Total, each player's median alone, and every player below its upper quartile."""
    out: list[list[float] | None] = [None]
    if losses.shape[0] == 0:
        return out
    med = np.quantile(losses, 0.5, axis=0)
    high = np.quantile(losses, 0.75, axis=0)
    for s in range(k):
        u = [math.inf] * k
        u[s] = round(float(med[s]), 6)
        out.append(u)
    out.append([round(float(v), 6) for v in high])
    return out


def run(name: str, instances: int, seed: int) -> dict:
    game, sizes = MEMBERS[name]
    t0 = time.time()
    counts = count_game_critical_points(game, sizes, instances, rng=seed)
    t1 = time.time()
    draws = game.kac_rice_samples(sizes, FORMULA_SAMPLES, rng=seed + 1)
    rows, per_q = [], []
    for u in _questions(counts.points["losses"], game.K):
        c, ce = counts.mean(u)
        f, fe = draws.expected(u)
        z = (c - f) / math.hypot(ce, fe) if math.hypot(ce, fe) > 0 else 0.0
        rows.append({"u": u, "counts": c, "counts_se": ce, "formula": f, "formula_se": fe, "z": z})
        per_q.append(counts.counts(u))
    ph = counts.poincare_hopf_ok
    entry = {
        "name": name,
        "game": game.to_dict(),
        "sizes": list(sizes),
        "instances": instances,
        "seed": seed,
        "poincare_hopf_all": bool(ph.all()),
        "euler_expected": game.euler_characteristic(sizes),
        "min_count": int(counts.counts().min()),
        "max_count": int(counts.counts().max()),
        "bezout": game.bezout_bound(sizes),
        "max_abs_z": max(abs(r["z"]) for r in rows),
        "seconds": round(t1 - t0, 1),
        "rows": rows,
    }
    arrays = {
        "counts": np.array(per_q, dtype=np.int32),
        "euler_sum": counts.per_instance["euler_sum"],
        "starts": counts.per_instance["starts"],
    }
    meta = {k: entry[k] for k in ("name", "game", "sizes", "instances", "seed")}
    meta["questions"] = [r["u"] for r in rows]
    save_result(OUT / name, "game_count_summary", arrays, _jsonable(meta))
    return entry


def _jsonable(obj):
    """inf thresholds as the string "inf" (JSON has no infinity)."""
    if isinstance(obj, float) and math.isinf(obj):
        return "inf" if obj > 0 else "-inf"
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_jsonable(v) for v in obj]
    return obj


def table(entries: list[dict]) -> str:
    """The comparison as a markdown table (docs/games.md)."""
    lines = [
        "| member | N_s | PH | counts min-max | total: counted / formula | z (total; thresholds) |",
        "|---|---|---|---|---|---|",
    ]
    for e in entries:
        t = e["rows"][0]
        zs = "; ".join(f"{r['z']:+.2f}" for r in e["rows"][1:])
        lines.append(
            f"| {e['name']} | {e['sizes']} | {'all' if e['poincare_hopf_all'] else 'NO'} | "
            f"{e['min_count']}-{e['max_count']} | {t['counts']:.3f} +- {t['counts_se']:.3f} / "
            f"{t['formula']:.3f} +- {t['formula_se']:.3f} | {t['z']:+.2f}; {zs} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=400)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--table", action="store_true", help="print the stored table, run nothing")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads((OUT / "comparison.json").read_text())))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "comparison.json"
    old = {e["name"]: e for e in json.loads(path.read_text())} if path.exists() else {}
    for name in args.only or list(MEMBERS):
        entry = run(name, args.instances, args.seed)
        old[name] = _jsonable(entry)
        path.write_text(json.dumps([old[k] for k in MEMBERS if k in old], indent=1) + "\n")
        print(
            f"{name}: PH {entry['poincare_hopf_all']}, max |z| {entry['max_abs_z']:.2f}, "
            f"total {entry['rows'][0]['counts']:.3f} +- {entry['rows'][0]['counts_se']:.3f} "
            f"vs {entry['rows'][0]['formula']:.3f} +- {entry['rows'][0]['formula_se']:.3f} "
            f"({entry['seconds']} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
