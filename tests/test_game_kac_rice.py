"""Finite-N Kac-Rice for games: Poincare-Hopf in expectation and the paper's model.

Poincare-Hopf: with the signed determinant the formula must give prod_s chi(S^(N_s - 1))
exactly, so the estimate must lie within 4 standard errors of it (false alarm ~6e-5 per
check).  The isotropic preset against kac_rice.expected_critical_points: the two draw
different random numbers (the GAN code draws W as b M + b1 M1, the game as one matrix
with the summed profile), so they agree within errors: |difference| <= 4 combined stderr.
"""

import math

import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan.complexity.game_kac_rice import log_prefactor
from spinglass_gan.games.game import SpinGlassGame

GAMES = [
    SpinGlassGame.gan(3, 2, 1.0, 0.5),
    SpinGlassGame.gan(2, 2, 0.7, 0.5, coupling="bipartite"),
    SpinGlassGame.multi_species({(2, 1): 1.0}, [0.5, 0.5]),
    SpinGlassGame([{1: 3.0}, {1: 1.0}], {(1, 1): 1.0, (2, 2): 0.3}, [1, -1], [0.5, 0.5]),
    SpinGlassGame.multi_species({(1, 1, 1): 1.0}, [1 / 3, 1 / 3, 1 / 3]),
    SpinGlassGame.mixed({1: 0.3, 3: 1.0}),
]


@pytest.mark.parametrize("game", GAMES)
def test_poincare_hopf_in_expectation(game):
    for sizes in ([3] * game.K, [2] + [3] * (game.K - 1), [4] * game.K):
        draws = game.kac_rice_samples(sizes, 40_000, rng=7)
        mean, err = draws.signed_sum()
        assert abs(mean - game.euler_characteristic(sizes)) <= 4 * err, (sizes, mean, err)


def test_isotropic_preset_equals_the_gan_formula():
    game = SpinGlassGame.gan(3, 3, 1.0, 0.5)
    draws = game.kac_rice_samples([3, 3], 100_000, rng=0)
    ref = sg.kac_rice_samples(3, 3, 1.0, 3, 3, 100_000, rng=1, indices=False)
    for u in (None, [0.0, 0.5], [-0.5, math.inf], [math.inf, -0.3]):
        a, ea = draws.expected(u)
        ud, ug = (math.inf, math.inf) if u is None else u
        b, eb = ref.expected(ud, ug)
        assert abs(a - b) <= 4 * math.hypot(ea, eb), (u, a, ea, b, eb)
    assert abs(log_prefactor(game, [3, 3]) - ref.log_prefactor) < 1e-12


def test_log_expected_and_prefactor_limit():
    game = SpinGlassGame.gan(2, 1, 1.0, 0.5)
    value, err = game.log_expected_critical_points([30, 30], samples=2000, rng=3)
    mean, _ = game.expected_critical_points([30, 30], samples=2000, rng=3)
    assert abs(value - math.log(mean) / 60) < 1e-12 and err > 0
    # log prefactor / N -> C* (Stirling), with an O(log N / N) correction.
    gaps = [abs(log_prefactor(game, [n, n]) / (2 * n) - game.log_constant) for n in (100, 1000)]
    assert gaps[1] < 2 * math.log(2000) / 2000 and gaps[1] < gaps[0] / 5


def test_thresholds_validated():
    game = GAMES[2]
    with pytest.raises(ValueError, match="u"):
        game.expected_critical_points([3, 3], u=[0.0], samples=10)
    with pytest.raises(ValueError, match="u"):
        game.expected_critical_points([3, 3], u=[0.0, np.nan], samples=10)
    with pytest.raises(ValueError, match="sizes"):
        game.expected_critical_points([3], samples=10)
