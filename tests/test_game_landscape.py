"""Sampled game instances: the fields' law, J', completeness and counting.

* Covariances: over 3000 instances the sample mean of F(u) F(v) must be within 4.5
  standard errors of N xi(R(u, v)) (false alarm ~1e-5 per check).
* J' against central differences of the game field at critical points: relative 1e-5
  (step 1e-5 sqrt(N); the truncation error is O(step^2)).
* The bilinear spin glass xi_h = R_1 R_2 has exactly 4 min(N_1, N_2) critical points
  (pairs of singular vectors): equality on every instance.
* Poincare-Hopf and the Bezout ceiling on every instance (exact).
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spinglass_gan as sg
from spinglass_gan.games.game import SpinGlassGame
from spinglass_gan.landscapes.game_counting import (
    GameCriticalPointCounts,
    count_game_critical_points,
)
from spinglass_gan.landscapes.game_landscape import GameInstance

MIXED = SpinGlassGame([{1: 0.7, 2: 1.0}, {3: 0.5}], {(1, 1): 1.0, (2, 1): 0.5}, [1, -1], [0.5] * 2)


def _sphere(rng, sizes):
    n = sum(sizes)
    parts = [rng.standard_normal(s) for s in sizes]
    return np.concatenate([math.sqrt(n) * x / np.linalg.norm(x) for x in parts])


def test_field_covariances():
    sizes = (3, 2)
    rng = np.random.default_rng(0)
    u, v = _sphere(rng, sizes), _sphere(rng, sizes)
    n = sum(sizes)
    r = [u[:3] @ v[:3] / n, u[3:] @ v[3:] / n]
    vals = np.array(
        [GameInstance.sample(MIXED, sizes, rng=i).fields(np.stack([u, v])) for i in range(3000)]
    )  # (instances, 2 points, K + 1 fields)
    prods = vals[:, 0, :] * vals[:, 1, :]
    want = [
        n * (0.7 * r[0] + 1.0 * r[0] ** 2),
        n * 0.5 * r[1] ** 3,
        n * (r[0] * r[1] + 0.5 * r[0] ** 2 * r[1]),
    ]
    se = prods.std(0, ddof=1) / math.sqrt(prods.shape[0])
    assert np.all(np.abs(prods.mean(0) - want) <= 4.5 * se), (prods.mean(0), want, se)


@pytest.mark.parametrize(
    "game",
    [
        MIXED,
        SpinGlassGame.gan(2, 2, 1.0, 0.5, coupling="bipartite"),
        SpinGlassGame.gan(3, 1, 0.7, 0.5),
    ],
)
def test_jprime_against_finite_differences(game):
    inst = game.sample((3, 3), rng=4)
    crit = inst.critical_points()
    assert crit.poincare_hopf_ok
    w = crit.w[0]
    n = inst.N
    jp = inst.jprime(w)
    assert np.allclose(jp, jp.T)
    # Tangent basis of each sphere; directional derivatives of the field along retractions.
    from spinglass_gan.landscapes.landscape import sphere_tangent_basis

    basis = np.zeros((n, n - 2))
    basis[:3, :2] = sphere_tangent_basis(w[:3] / math.sqrt(n))
    basis[3:, 2:] = sphere_tangent_basis(w[3:] / math.sqrt(n))
    h = 1e-5 * math.sqrt(n)

    def retract(x):
        out = x.copy()
        for sl in (slice(0, 3), slice(3, 6)):
            out[sl] *= math.sqrt(n) / np.linalg.norm(out[sl])
        return out

    cols = []
    for j in range(n - 2):
        e = basis[:, j]
        d = (inst.field(retract(w + h * e)) - inst.field(retract(w - h * e))) / (2 * h)
        cols.append(basis.T @ d)
    jac = np.array(cols).T
    flip = np.repeat(game.signs, 2)[:, None]
    assert np.allclose(flip * jac, jp, rtol=1e-5, atol=1e-5 * np.abs(jp).max())


@pytest.mark.parametrize("sizes", [(2, 3), (3, 3), (4, 3)])
def test_bilinear_has_exactly_four_min_n_points(sizes):
    game = SpinGlassGame.multi_species({(1, 1): 1.0}, [0.5, 0.5])
    for seed in range(5):
        crit = game.sample(sizes, rng=seed).critical_points()
        assert len(crit) == 4 * min(sizes)
        assert crit.poincare_hopf_ok


def test_mixed_k1_and_three_species_poincare_hopf():
    for game, sizes in [
        (SpinGlassGame.mixed({1: 0.3, 3: 1.0}), (5,)),
        (SpinGlassGame.multi_species({(1, 1, 1): 1.0}, [1 / 3] * 3), (3, 2, 3)),
    ]:
        for seed in range(3):
            crit = game.sample(sizes, rng=seed).critical_points()
            assert crit.poincare_hopf_ok and len(crit) <= crit.bezout
            if all(e == 1 for e in game.signs):  # a potential: J' is its Hessian
                assert np.all(crit.index == crit.block_index.sum(1)) or game.K > 1


_monomial = st.tuples(st.integers(0, 2), st.integers(0, 2)).filter(lambda m: sum(m) > 0)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    own=st.lists(
        st.dictionaries(st.integers(1, 3), st.floats(0.1, 3.0), max_size=2), min_size=2, max_size=2
    ),
    shared=st.dictionaries(_monomial, st.floats(0.1, 3.0), min_size=1, max_size=3),
    signs=st.lists(st.sampled_from([-1, 1]), min_size=2, max_size=2),
    sizes=st.tuples(st.integers(2, 3), st.integers(2, 3)),
    seed=st.integers(0, 2**16),
)
def test_bezout_ceiling(own, shared, signs, sizes, seed):
    try:
        game = SpinGlassGame(own, shared, signs, [0.5, 0.5])
    except ValueError:  # a species without a field
        return
    crit = game.sample(sizes, rng=seed).critical_points(max_starts=20_000)
    assert len(crit) <= game.bezout_bound(sizes)
    assert crit.poincare_hopf_ok


def test_counting_entry_points_and_files(tmp_path):
    game = SpinGlassGame.gan(2, 1, 1.0, 0.5, coupling="bipartite")
    a = count_game_critical_points(game, (3, 2), 6, rng=11, chunk=4)
    b = sg.count_critical_points(game, (3, 2), 6, rng=11)
    assert np.array_equal(a.counts(), b.counts())
    assert a.poincare_hopf_ok.all()
    path = a.save(tmp_path / "counts")
    c = GameCriticalPointCounts.load(path)
    assert c.game == game and c.sizes == (3, 2)
    assert np.array_equal(c.counts([0.0, math.inf]), a.counts([0.0, math.inf]))
    with pytest.raises(ValueError, match="with a game"):
        sg.count_critical_points(game, (3, 2), 6, None, 3, 4)
    with pytest.raises(ValueError, match="search options"):
        count_game_critical_points(game, (3, 2), 2, rng=0, method="grid")
