"""Regression on the stored coupling comparison (data/games/coupling.npz,
written by scripts/coupling_comparison.py, shown in docs/coupling.md).

The stored entries are recomputed from the library: the two total complexities and a few
cheap map and sweep entries.  The computation is deterministic (no sampling), so the
tolerance, 1e-9 absolute on rates of order 1, only allows for floating-point
summation order and the optimisers' own termination tolerances, which are far below it.
The stored brute-force check of the lowest losses must have the right signs: the
supremum of Sigma over loss pairs just below each lowest level is negative, just above
positive.
"""

from pathlib import Path

import numpy as np
import pytest

from spinglass_gan.games.game import SpinGlassGame
from spinglass_gan.io.results import load_result

FILE = Path(__file__).resolve().parent.parent / "data" / "games" / "coupling.npz"
TOL = 1e-9


@pytest.fixture(scope="module")
def stored():
    return load_result(FILE)


def test_metadata(stored):
    meta = stored.metadata
    assert stored.kind == "coupling_comparison"
    assert (meta["p"], meta["q"], meta["sigma_z"], meta["kappa"]) == (3, 3, 1.0, 0.9)
    assert meta["couplings"] == ["isotropic", "bipartite"]


@pytest.mark.parametrize("coupling", ["isotropic", "bipartite"])
def test_total_complexity_recomputes(stored, coupling):
    game = SpinGlassGame.gan(3, 3, 1.0, 0.9, coupling=coupling)
    assert abs(game.theta() - float(stored[f"{coupling}_total"])) < TOL


def test_bipartite_entries_recompute(stored):
    game = SpinGlassGame.gan(3, 3, 1.0, 0.9, coupling="bipartite")
    u_d, u_g = stored["u_D"], stored["u_G"]
    for i_g, i_d in ((0, 0), (len(u_g) - 1, len(u_d) - 1), (40, 20)):
        value = game.theta([u_d[i_d], u_g[i_g]])
        assert abs(value - stored["bipartite_map"][i_g, i_d]) < TOL
    k = stored["kappa_sweep"][2]
    half = SpinGlassGame.gan(3, 3, 1.0, float(k), coupling="bipartite")
    assert abs(half.theta() - stored["bipartite_kappa_rows"][2, 2]) < TOL


@pytest.mark.parametrize("coupling", ["isotropic", "bipartite"])
def test_brute_force_brackets_lowest_losses(stored, coupling):
    brute = stored[f"{coupling}_brute"]
    assert np.all(brute[:, 0] < 0.0) and np.all(brute[:, 1] > 0.0)


def test_other_degrees_bipartite_totals_recompute(stored):
    for (p, q), row in zip(stored["other_degrees"], stored["bipartite_other_rows"]):
        game = SpinGlassGame.gan(int(p), int(q), 1.0, 0.9, coupling="bipartite")
        assert abs(game.theta() - row[2]) < TOL
