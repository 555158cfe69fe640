"""Importance sampling of the game's finite-N Kac-Rice formula (``proposal="auto"``).

Checks, each with an independent reference:

* the proposal's log density against scipy's multivariate normal and t densities
  (1e-10: the same closed form, rounding only), and its weights against the target
  law (weighted moments of N(0, I/n) within 4 standard errors);
* "auto" and plain draws estimate the same counts where plain Monte Carlo works
  (N <= 8), totals and thresholds, six members: |difference| <= 4 combined standard
  errors (false alarm ~6e-5 per comparison);
* Poincare-Hopf in expectation with the importance-weighted signed sum: within 4
  standard errors of prod_s chi(S^(N_s - 1));
* at N = 80, where plain draws of the bipartite GAN (2, 1, 0.5, 0.5) are dominated by a
  few draws, "auto" has a larger effective sample size, and reports it;
* no silent NaN or -inf: an empty set at -inf returns (-inf, inf) without a warning, a
  set the draws miss warns; bad proposals raise ValueError.
"""

import math
import warnings

import numpy as np
import pytest
from scipy import stats

import spinglass_gan as sg
from spinglass_gan.complexity import _importance as imp
from spinglass_gan.complexity._game_proposal import range_root, saddles
from spinglass_gan.games.game import SpinGlassGame

INF = math.inf
STRONG = SpinGlassGame([{1: 3.0}, {1: 1.0}], {(1, 1): 1.0, (2, 2): 0.3}, [1, -1], [0.5, 0.5])
GAMES = [
    (SpinGlassGame.gan(2, 1, 0.5, 0.5, coupling="bipartite"), [-0.3, INF]),
    (SpinGlassGame.multi_species({(2, 2): 1.0}, [0.5, 0.5]), [-0.1, INF]),
    (SpinGlassGame.gan(3, 2, 1.0, 0.5), [0.0, 0.5]),
    (SpinGlassGame.multi_species({(2, 1): 1.0}, [0.5, 0.5]), [0.0, INF]),
    (STRONG, [0.0, INF]),
    (SpinGlassGame.mixed({1: 0.3, 3: 1.0}), [-1.0]),
]


def test_mixture_density_matches_scipy():
    rng = np.random.default_rng(0)
    n, d = 7, 3
    means = rng.normal(size=(2, d))
    a = rng.normal(size=(2, d, d))
    covs = a @ np.swapaxes(a, 1, 2) + np.eye(d)
    chols = np.linalg.cholesky(covs)
    probs = np.array([0.3, 0.7])
    v = rng.normal(size=(50, d))
    for df in (INF, 5.0):
        if math.isinf(df):
            dens = [stats.multivariate_normal(m, c / n).pdf(v) for m, c in zip(means, covs)]
        else:
            dens = [stats.multivariate_t(m, c / n, df=df).pdf(v) for m, c in zip(means, covs)]
        ref = np.log(probs[0] * dens[0] + probs[1] * dens[1])
        got = imp.log_mixture_density(v, means, chols, np.log(probs), n, df)
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)
    ref = stats.multivariate_normal(np.zeros(d), np.eye(d) / n).logpdf(v)
    np.testing.assert_allclose(imp.log_standard_normal(v, n), ref, rtol=1e-12)


def test_weights_reproduce_the_target_moments():
    # E_q[w f(v)] = E_target[f(v)]: f = 1, v_1 and n v_1^2 (target values 1, 0, 1).
    rng = np.random.default_rng(1)
    n, k = 20, 200_000
    means = np.array([[0.3, -0.2], [-0.3, 0.2]])
    chols = np.linalg.cholesky(np.array([np.diag([1.5, 0.8])] * 2))
    v, log_w = imp.draw_mixture(rng, means, chols, np.log([0.5, 0.5]), n, 5.0, k)
    w = np.exp(log_w)
    for f, target in ((np.ones(k), 1.0), (v[:, 0], 0.0), (n * v[:, 0] ** 2, 1.0)):
        terms = w * f
        err = terms.std(ddof=1) / math.sqrt(k)
        assert abs(terms.mean() - target) <= 4 * err, (terms.mean(), target, err)


@pytest.mark.parametrize(("game", "u"), GAMES)
def test_auto_and_plain_agree_at_small_n(game, u):
    sizes = [4] * game.K
    for question in (None, u):
        a = game.kac_rice_samples(sizes, 20_000, rng=1, proposal="auto", u=question)
        b = game.kac_rice_samples(sizes, 20_000, rng=2)
        ea, eb = a.expected(question), b.expected(question)
        assert a.proposal == "auto" and a.pilot_samples > 0 and np.any(a.log_weight != 0.0)
        assert ea.samples == 20_000 and 0 < ea.hits <= ea.samples and ea.ess > 1_000
        assert abs(ea[0] - eb[0]) <= 4 * math.hypot(ea[1], eb[1]), (question, ea, eb)


@pytest.mark.parametrize(("game", "u"), GAMES)
def test_poincare_hopf_with_importance_weights(game, u):
    sizes = [3] * game.K
    for question in (None, u):
        draws = game.kac_rice_samples(sizes, 20_000, rng=7, proposal="auto", u=question)
        mean, err = draws.signed_sum()
        assert abs(mean - game.euler_characteristic(sizes)) <= 4 * err, (question, mean, err)


def test_auto_resolves_the_bipartite_gan_where_plain_draws_do_not():
    game, u = GAMES[0]
    sizes = [40, 40]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sg.KacRiceAccuracyWarning)
        plain = game.log_expected_critical_points(sizes, u, 2_000, rng=3, proposal=None)
    auto = game.log_expected_critical_points(sizes, u, 2_000, rng=3)
    assert auto.ess > 2 * plain.ess and auto.ess >= 50, (auto, plain)
    # 1/N log E # lies above Theta by O(log N / N) (docs/games.md, section 9).
    assert 0.0 < auto.value - game.theta(u) < math.log(80) / 80


def test_saddles_are_maximisers_and_mirrors():
    game = GAMES[0][0]
    found = saddles(game, np.array([INF, INF]), 100)
    assert len(found) == 2  # y* and -y*: W and -W have the same law
    (v1, y1), (v2, y2) = found
    assert v1 == pytest.approx(game.theta(), abs=1e-9) and v2 == pytest.approx(v1, abs=1e-9)
    np.testing.assert_allclose(y1, -y2, atol=1e-9)
    root = range_root(game)
    np.testing.assert_allclose(root @ root.T, game.shift_loss_covariance, atol=1e-12)
    # Below u_1 = -0.3 only one of the two is feasible.
    below = saddles(game, np.array([-0.3, INF]), 100)
    assert all(y[2] <= -0.3 for _, y in below) and below[0][0] == pytest.approx(v1, abs=1e-9)


def test_empty_and_missed_sets_and_bad_proposals():
    game = GAMES[1][0]
    draws = game.kac_rice_samples([3, 3], 1_000, rng=0, proposal="auto", u=[-INF, INF])
    assert draws.proposal == "plain"  # nothing to aim at: plain draws
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = draws.log_expected([-INF, INF])
    assert r == (-INF, INF) and r.ess == 0.0 and r.hits == 0
    with pytest.warns(sg.KacRiceAccuracyWarning, match="effective sample size"):
        r = draws.log_expected([-50.0, INF])
    assert r == (-INF, INF)
    with pytest.raises(ValueError, match="proposal"):
        game.kac_rice_samples([3, 3], 10, rng=0, proposal="tilted")
