"""Finite-N Kac-Rice for games: Poincare-Hopf in expectation and the paper's model.

Poincare-Hopf: with the signed determinant the formula must give prod_s chi(S^(N_s - 1))
exactly, so the estimate must lie within 4 standard errors of it (false alarm ~6e-5 per
check).  The isotropic preset against kac_rice.expected_critical_points: the model's
plain Monte Carlo runs on the preset's sampler, so with the same seed the two agree to
rounding (1e-10); against the model's other construction of J' (b M + b1 M1, drawn
with other random numbers) they agree within errors: |difference| <= 4 combined stderr.
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


# (p, q, sigma_z, n_D, n_G): three parameter sets of the GAN model.
GAN_SETS = [(3, 3, 1.0, 3, 3), (2, 1, 0.5, 4, 3), (3, 2, 0.3, 5, 6)]
THRESHOLDS = [(math.inf, math.inf), (0.0, 0.5), (-0.5, math.inf), (math.inf, -0.3), (0.3, -0.2)]


@pytest.mark.parametrize(("p", "q", "sigma_z", "n_D", "n_G"), GAN_SETS)
def test_isotropic_preset_is_the_gan_formula_draw_for_draw(p, q, sigma_z, n_D, n_G):
    """One sampler: the model's plain Monte Carlo (no proposal) draws through its
    isotropic preset, so with the same seed the draws are the same numbers and every
    estimate agrees to rounding.  1e-10 relative: the two prefactors are the same
    formula summed in another order (measured ~1e-14)."""
    n = n_D + n_G
    game = SpinGlassGame.gan(p, q, sigma_z, n_D / n)
    draws = game.kac_rice_samples([n_D, n_G], 20_000, rng=17)
    for indices in (False, True):  # the block eigensolves draw nothing
        ref = sg.kac_rice_samples(p, q, sigma_z, n_D, n_G, 20_000, rng=17, indices=indices)
        assert np.array_equal(ref.log_abs_det, draws.log_abs_det)
        assert np.array_equal(ref.sign, draws.sign)
        assert np.array_equal(np.column_stack([ref.u_D, ref.u_G]), draws.losses)
        assert np.array_equal(ref.x, draws.shifts[:, 1])
        assert np.array_equal(ref.x1, draws.shifts[:, 0] - draws.shifts[:, 1])
    assert math.isclose(ref.log_prefactor, draws.log_prefactor, rel_tol=1e-12)
    for u in THRESHOLDS:
        for a, b in (
            (ref.expected(*u), draws.expected(u)),
            (ref.log_expected(*u), draws.log_expected(u)),
        ):
            assert math.isclose(a[0], b[0], rel_tol=1e-10), (u, a, b)
            assert math.isclose(a[1], b[1], rel_tol=1e-10), (u, a, b)
    # The public functions, same seed and samples (one call per threshold), both plain:
    # the model's default; a game's default is importance sampling (proposal="auto").
    for u in THRESHOLDS[:2]:
        a = sg.expected_critical_points(p, q, sigma_z, n_D, n_G, *u, samples=5000, rng=3)
        b = game.expected_critical_points([n_D, n_G], u, samples=5000, rng=3, proposal=None)
        assert math.isclose(a[0], b[0], rel_tol=1e-10) and math.isclose(a[1], b[1], rel_tol=1e-10)
        a = sg.log_expected_critical_points(p, q, sigma_z, n_D, n_G, *u, samples=5000, rng=3)
        b = game.log_expected_critical_points([n_D, n_G], u, samples=5000, rng=3,
                                              proposal=None)  # fmt: skip
        assert math.isclose(a[0], b[0], rel_tol=1e-10) and math.isclose(a[1], b[1], rel_tol=1e-10)


def test_isotropic_preset_against_the_two_goe_construction():
    """The shared sampler draws W with the summed profile; the model's importance-sampling
    sampler builds J' as b M + blockdiag(b1 M1, 0) from two GOE matrices (with a zero
    proposal mean it samples the exact law, weight 1).  Different random numbers, the
    same law: |difference| <= 4 combined standard errors."""
    game = SpinGlassGame.gan(3, 3, 1.0, 0.5)
    draws = game.kac_rice_samples([3, 3], 100_000, rng=0)
    ref = sg.kac_rice_samples(3, 3, 1.0, 3, 3, 100_000, rng=1, proposal=np.zeros(3))
    assert ref.sampler == "dense" and np.all(ref.log_weight == 0.0)
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
