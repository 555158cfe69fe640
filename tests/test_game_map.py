"""Grid maps of Theta for general K = 2 games (``complexity._game_map``) against the
face-by-face path and against ``theta`` cell by cell.

Both sides are exact up to the convergence of their optimisers: every value is the
exponent F at a point where its gradient vanishes to rounding (Newton or BFGS with
gradient tolerance 1e-11), and the golden-section searches along lines end within
4e-10 of a grid step of the maximiser, which changes a value by its square times the
curvature.  So the two agree to rounding of values of size 1 + |Theta| (observed: at
most 1.2e-13 relative); the tolerance 1e-10 (1 + |Theta|) leaves a wide margin and still
fails on any missed maximum (those seen while this was built were 1e-7 to 1e-2).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_game_complexity import BIPARTITE, MIXED, build_game, paper_game

import spinglass_gan as sg
from spinglass_gan.complexity import _game_map
from spinglass_gan.complexity._game_map_kernels import legendre_grid
from spinglass_gan.complexity.game_complexity import GameComplexity

RTOL = 1e-10

MEMBERS = {
    "bipartite_gan": lambda: sg.SpinGlassGame.gan(3, 3, 1.0, 0.9, coupling="bipartite").complexity,
    "bipartite_spherical": lambda: (
        sg.SpinGlassGame.multi_species({(1, 1): 1.0}, [0.4, 0.6]).complexity
    ),
    "mixed_spherical": lambda: (
        sg.SpinGlassGame.multi_species(
            {(1, 1): 1.0, (2, 1): 0.5, (3, 3): 0.2}, [0.4, 0.6]
        ).complexity
    ),
    "full_rank_mixed": lambda: GameComplexity(*MIXED),
    "pure_bipartite_arrays": lambda: GameComplexity(*BIPARTITE),
}


def _levels(game, n1, n2, rng):
    """Levels over the tail and the bulk of each loss (units of its standard deviation)."""
    sd = np.sqrt(np.diag(game.cov)[2:])
    u1 = np.sort(rng.uniform(-3.0, 1.0, n1)) * sd[0]
    u2 = np.sort(rng.uniform(-3.0, 1.0, n2)) * sd[1]
    return u1, u2


def _close(a, b):
    both = np.isfinite(a) & np.isfinite(b)
    assert np.array_equal(np.isfinite(a), np.isfinite(b))
    return np.all(np.abs(a - b)[both] <= RTOL * (1.0 + np.abs(b[both])))


@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_map_equals_face_path_and_theta(name):
    """Cell by cell: the grid map equals the face-by-face map, and ``theta`` at random
    cells; it is monotone in both levels."""
    game = MEMBERS[name]()
    rng = np.random.default_rng(11)
    u1, u2 = _levels(game, 7, 5, rng)
    fast = _game_map.theta_map(game, u1, u2)
    assert fast is not None  # the grid method applies to these members
    assert _close(fast, game._map_general(u1, u2))
    for _ in range(3):
        i, j = rng.integers(u2.size), rng.integers(u1.size)
        assert _close(fast[i : i + 1, j], np.array([game.theta([u1[j], u2[i]])]))
    assert np.all(np.diff(fast, axis=0) >= -1e-12) and np.all(np.diff(fast, axis=1) >= -1e-12)


def test_rank_one_losses_depend_on_the_smaller_level():
    """The bipartite spherical glass has one loss for both players (ell_1 = ell_2), so
    Theta(u) = Theta_1(min(u_1, u_2)): the map depends on the smaller level only."""
    game = MEMBERS["bipartite_spherical"]()
    u = np.linspace(-2.0, 0.5, 6)
    tm = game.theta_map(u, u)
    lo = np.minimum(u[None, :], u[:, None])
    diag = np.diag(tm)
    idx = np.searchsorted(u, lo)
    np.testing.assert_allclose(tm, diag[idx], rtol=0, atol=1e-12)


def test_line_maximum_just_below_the_top_level():
    """A maximum of Sigma along a line between its last two nodes (seen on this grid of
    the bipartite GAN, at cell (21, 11), off by 1.3e-2 before the ends were searched)."""
    game = MEMBERS["bipartite_gan"]()
    sd = np.sqrt(np.diag(game.cov)[2:])
    u1, u2 = np.linspace(-3.0, 1.0, 25) * sd[0], np.linspace(-2.8, 1.2, 22) * sd[1]
    tm = game.theta_map(u1, u2)
    for i, j in [(21, 11), (9, 24), (0, 0), (21, 24)]:
        assert _close(tm[i : i + 1, j], np.array([game.theta([u1[j], u2[i]])]))


def test_basins_far_apart_in_an_elongated_table():
    """A member with sigma_22 = 0 and an ill-conditioned D (the table of the transform
    is a long parallelogram in x): along the top row the maximiser jumps between two
    basins; the grid map must still equal the face-by-face map (it was 3.8e-3 below
    before the table was refined and neighbours' maximisers tried)."""
    own = [{1: 0.4885098644553241, 2: 0.45604504270622714}, {}]
    shared = {(1, 1): 1.4216344008175528, (2, 0): 1.4135337085220487}
    game = GameComplexity(
        *build_game(own, shared, [1, -1], [0.6362518666561521, 0.3637481333438479])
    )
    u1 = np.array([-2.35416561, -0.94621838, -0.56175968])
    u2 = np.array([-4.01805217, -2.34922849, 0.37965523])
    assert _close(_game_map.theta_map(game, u1, u2), game._map_general(u1, u2))


@pytest.mark.heavy
@pytest.mark.parametrize("name", ["full_rank_mixed", "bipartite_spherical"])
def test_levels_far_out_in_the_tails(name):
    """Levels from -1e4 to 1e4: the lowest corner's value (-1e7 and below) would make
    one search ball far too coarse for the maxima near the bulk; the searches on the
    ladder of balls find them (the face-by-face map misses the free maximum at
    (0, 1e4) of the full-rank member: 0.118 against 0.157)."""
    game = MEMBERS[name]()
    u1, u2 = np.array([-1e4, 0.0]), np.array([-3.0, 1e4])
    tm = game.theta_map(u1, u2)
    for i, j in [(1, 1), (0, 1), (1, 0)]:
        assert _close(tm[i : i + 1, j], np.array([game.theta([u1[j], u2[i]])]))


def test_unsorted_and_repeated_levels():
    game = MEMBERS["bipartite_gan"]()
    u1 = np.array([4.0, -10.0, 4.0, -25.0, 0.0])
    u2 = np.array([-3.0, -15.0, 10.0])
    tm = game.theta_map(u1, u2)
    o1, o2 = np.argsort(u1), np.argsort(u2)
    sorted_map = game.theta_map(u1[o1], u2[o2])
    np.testing.assert_array_equal(tm[np.ix_(o2, o1)], sorted_map)
    np.testing.assert_array_equal(tm[:, 0], tm[:, 2])


def test_one_free_direction_of_shifts():
    """A bipartite GAN with a mixed own field: rank-3 G with one direction of x free at
    fixed losses (e = 1, the transform in p along it, interpolated in w): the grid map
    equals the face-by-face map and ``theta``."""
    game = GameComplexity(*build_game([{3: 0.5, 2: 0.2}, {}], {(3, 2): 1.0}, [-1, 1], [0.5, 0.5]))
    u1, u2 = _levels(game, 6, 5, np.random.default_rng(2))
    fast = _game_map.theta_map(game, u1, u2)
    assert fast is not None and _close(fast, game._map_general(u1, u2))
    assert _close(fast[2:3, 4], np.array([game.theta([u1[4], u2[2]])]))


@pytest.mark.parametrize("params", [(3, 3, 1.0, 0.9), (2, 1, 0.5, 0.5)])
def test_paper_model_by_the_grid_method(params):
    """The paper's model from arrays has e = 1 as well: the grid method, which knows
    nothing of its form, reproduces the quadrant machinery's map (an independent
    solver) over the tails and the bulk, to 1e-10 (1 + |Theta|)."""
    game = paper_game(*params)
    u1, u2 = np.linspace(-6.0, 2.0, 23), np.linspace(-5.0, 3.0, 19)
    assert _close(_game_map.theta_map(game, u1, u2), game._quadrant.suprema(u1, u2).values)


def test_legendre_grid_against_brute_force():
    """The separable two-pass maximum equals max over all (a, b) of
    f[a, b] + z1[a] l1[j] + z2[b] l2[i], and its argmax attains it."""
    rng = np.random.default_rng(3)
    f = rng.normal(size=(13, 11))
    z1, z2 = np.sort(rng.normal(size=13)), np.sort(rng.normal(size=11))
    l1, l2 = rng.normal(size=7), rng.normal(size=5)
    val = np.empty((5, 7))
    a1, a2 = np.empty((5, 7), dtype=np.int64), np.empty((5, 7), dtype=np.int64)
    legendre_grid(f, z1, z2, l1, l2, val, a1, a2)
    full = (
        f[None, None, :, :]
        + z1[None, None, :, None] * l1[None, :, None, None]
        + z2[None, None, None, :] * l2[:, None, None, None]
    )
    np.testing.assert_allclose(val, full.max(axis=(2, 3)), rtol=0, atol=1e-14)
    i, j = np.indices(val.shape)
    np.testing.assert_allclose(full[i, j, a1, a2], val, rtol=0, atol=1e-14)


def test_members_outside_the_grid_method_use_faces(monkeypatch):
    """Where the grid method does not apply (a singular D, losses identically zero) it
    answers None and ``theta_map`` takes the face-by-face map, equal to ``theta``."""
    game = MEMBERS["pure_bipartite_arrays"]()
    monkeypatch.setattr(_game_map, "theta_map", lambda *args: None)
    u1, u2 = np.array([-1.0, 0.4]), np.array([-0.7, 1.0])
    tm = game.theta_map(u1, u2)
    for i, j in [(0, 0), (1, 1), (0, 1)]:
        assert _close(tm[i : i + 1, j], np.array([game.theta([u1[j], u2[i]])]))
