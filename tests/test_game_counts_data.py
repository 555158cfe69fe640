"""Regression on the stored game counts (data/games, written by scripts/game_counts.py).

* The first instances of three cheap members are recounted with the stored seed: every
  per-instance count under every stored question must be equal (the instances and the
  search are deterministic).
* The stored comparison: Poincare-Hopf on every instance of every member, and every
  |z| <= 3.5 (61 questions; with correct constants the chance of one |z| > 3.5 is ~3%).
* The formula recomputed with fresh draws agrees with the stored counts within 4
  combined standard errors.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from spinglass_gan.games.game import SpinGlassGame
from spinglass_gan.io.results import load_result
from spinglass_gan.landscapes.game_counting import count_game_critical_points

DATA = Path(__file__).resolve().parent.parent / "data" / "games"


def _u(q):
    return None if q is None else [math.inf if v == "inf" else float(v) for v in q]


@pytest.mark.parametrize("name", ["bilinear_3_4", "strong_fields_c100", "mixed_ssg_k1"])
def test_recount_first_instances(name):
    res = load_result(DATA / f"{name}.npz")
    meta = res.metadata
    game = SpinGlassGame.from_dict(meta["game"])
    counts = count_game_critical_points(game, meta["sizes"], 6, rng=meta["seed"])
    for q, stored in zip(meta["questions"], res["counts"]):
        assert np.array_equal(counts.counts(_u(q)), stored[:6]), (name, q)
    assert np.array_equal(counts.per_instance["euler_sum"], res["euler_sum"][:6])
    draws = game.kac_rice_samples(meta["sizes"], 50_000, rng=5)
    for q, stored in zip(meta["questions"], res["counts"]):
        f, fe = draws.expected(_u(q))
        c, ce = stored.mean(), stored.std(ddof=1) / math.sqrt(stored.size)
        assert abs(f - c) <= 4 * math.hypot(fe, ce), (name, q, f, fe, c, ce)


def test_stored_comparison():
    entries = json.loads((DATA / "comparison.json").read_text())
    assert len(entries) >= 8
    for e in entries:
        assert e["poincare_hopf_all"], e["name"]
        assert e["max_count"] <= e["bezout"]
        assert all(abs(r["z"]) <= 3.5 for r in e["rows"]), e["name"]
    bilinear = next(e for e in entries if e["name"] == "bilinear_3_4")
    assert bilinear["min_count"] == bilinear["max_count"] == 12
