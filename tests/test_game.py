"""SpinGlassGame: validation, presets, file format and the arrays at one point.

The arrays are checked against closed forms derived by hand for each preset; for the
paper's model DerivedConstants is read off the preset (one code path), so both are checked
against the hand-derived closed forms of b, b1, v_D, v_G, K and C*: agreement to 1e-12
relative, i.e. rounding (they differ only in summation order).
"""

import json
import math

import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan.complexity.derived import DerivedConstants
from spinglass_gan.complexity.game_spec import GameSpec
from spinglass_gan.games.game import SpinGlassGame


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"own": [{2: -1.0}, {}]}, "own[0]"),
        ({"own": [{0: 1.0}, {}]}, "own[0]"),
        ({"own": [{}]}, "own"),
        ({"shared": {(0, 0): 1.0}}, "shared"),
        ({"shared": {(1, 1, 1): 1.0}}, "shared"),
        ({"shared": {(2, 1): -0.5}}, "shared"),
        ({"signs": [1, 0]}, "signs"),
        ({"signs": [1]}, "signs"),
        ({"kappa": [0.5, 0.6]}, "kappa"),
        ({"kappa": [0.0, 1.0]}, "kappa"),
        ({"kappa": [1.5, -0.5]}, "kappa"),
        ({"shared": {(2, 0): 1.0}}, "species 1"),
    ],
)
def test_validation_names_the_argument(kwargs, word):
    args = {"own": [{}, {}], "shared": {(2, 1): 1.0}, "signs": [1, 1], "kappa": [0.5, 0.5]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=word.replace("[", r"\[").replace("]", r"\]")):
        SpinGlassGame(**args)


def test_size_limits():
    g = SpinGlassGame.multi_species({(3, 3): 1.0}, [0.5, 0.5])
    assert g.check_sizes([3, 4]) == (3, 4)
    for bad in ([3], [1, 4], [3, 2.5]):
        with pytest.raises(ValueError, match="sizes"):
            g.check_sizes(bad)
    with pytest.raises(ValueError, match="tensor entries"):
        g.check_sizes([40, 40], tensors=True)
    with pytest.raises(ValueError, match="Jacobian"):
        g.check_sizes([1500, 1500])


@pytest.mark.parametrize(
    "args",
    [(3, 3, 1.0, 0.9), (2, 1, 0.7, 0.3), (4, 2, 1.3, 0.5), (3, 2, 0.3, 0.3), (10, 10, 1e3, 0.5)],
)
def test_gan_preset_matches_derived_constants(args):
    p, q, sigma_z, kappa = args
    game = SpinGlassGame.gan(p, q, sigma_z, kappa)
    d = DerivedConstants.from_model(p, q, sigma_z, kappa)
    # One code path: the model's constants are the preset's, read off by from_game.
    assert d == DerivedConstants.from_game(game)
    # Against the closed forms derived by hand (docs/theory.md, "The model's own
    # formula"): alpha_D = 1/2, alpha_G = 2 sigma_z^2, r = p + q.  1e-12 relative:
    # rounding of sums of at most r + 1 terms.  The last case (alpha_G r(r-1) 2^r ~ 4e14)
    # would lose b1 to cancellation if it were read as sigma_DD - sigma_DG.
    r, a_g = p + q, 2.0 * sigma_z**2
    closed = {
        "b": math.sqrt(sigma_z**2 * r * (r - 1) * 2**r),
        "b1": math.sqrt(p * (p - 1) * kappa),
        "v_D": 0.5 * p + a_g * r * 2 ** (r - 1),
        "v_G": a_g * r * 2 ** (r - 1),
        "alpha_D": 0.5,
        "alpha_G": a_g,
    }
    closed["log_constant"] = (
        0.5
        - 0.5 * kappa * math.log(kappa)
        - 0.5 * (1 - kappa) * math.log(1 - kappa)
        - 0.5 * kappa * math.log(closed["v_D"])
        - 0.5 * (1 - kappa) * math.log(closed["v_G"])
    )
    for name, value in closed.items():
        assert abs(getattr(d, name) - value) <= 1e-12 * max(1.0, abs(value)), name
    cov = [
        [0.5, 0, 0],
        [0, a_g * 2**r, a_g * r * 2 ** (r - 1)],
        [0, a_g * r * 2 ** (r - 1), a_g * (r * (r - 1) * 2 ** (r - 2) + r * 2 ** (r - 1))],
    ]
    assert _rel(d.cov_matrix, cov) < 1e-12
    # The profile: D block = b^2/2 + b1^2/(2 kappa), G block and off-diagonal b^2/2.
    s = game.profile
    assert _rel(s, [[d.b**2 / 2 + d.b1**2 / (2 * kappa), d.b**2 / 2], [d.b**2 / 2] * 2]) < 1e-12
    assert _rel(game.gradient_variances, [d.v_D, d.v_G]) < 1e-12
    assert abs(game.log_constant - d.log_constant) < 1e-12
    # The law of (x_D, x_G, L_D/N, L_G/N): x_D = x + x1, x_G = x, L_D = l_D - l_G, L_G = l_G.
    t = np.vstack([d.to_ensemble[0] + d.to_ensemble[1], d.to_ensemble[0], [1, -1, 0], [0, 1, 0]])
    assert _rel(game.shift_loss_covariance, t @ d.cov_matrix @ t.T) < 1e-12


def test_bipartite_and_multi_species_closed_forms():
    # xi_h = c R_1^a R_2^b: d_1 = a c, d_2 = b c, d_1^2 = a(a-1) c, d_1 d_2 = a b c.
    a, b, c = 3, 2, 1.7
    g = SpinGlassGame.multi_species({(a, b): c}, [0.4, 0.6])
    assert _rel(g.profile, c * np.array([[a * (a - 1), a * b], [a * b, b * (b - 1)]])) < 1e-15
    assert _rel(g.gradient_variances, [a * c, b * c]) < 1e-15
    k = g.field_covariance
    assert _rel(k[:3, :3], c * np.array([[1, a, b], [a, a * a, a * b], [b, a * b, b * b]])) < 1e-15
    # A pure field: Euler's identity rho_1 + rho_2 = (a + b) h makes K singular.
    v = np.array([-(a + b), 1.0, 1.0])
    assert abs(v @ k[:3, :3] @ v) < 1e-12
    gan = SpinGlassGame.gan(3, 2, 1.0, 0.5, coupling="bipartite")
    assert gan.shared == {(3, 2): 2.0 * 2**5}
    iso = SpinGlassGame.gan(3, 2, 1.0, 0.5)
    assert gan.field_covariance[0, 0] == iso.field_covariance[0, 0]  # same Var l_G


def test_mixed_preset_and_log_constant():
    g = SpinGlassGame.mixed({1: 0.5, 3: 1.0})
    assert g.K == 1 and g.signs == (1,)
    assert _rel(g.profile, [[6.0]]) < 1e-15
    assert _rel(g.gradient_variances, [3.5]) < 1e-15
    assert abs(g.log_constant - (0.5 - 0.5 * math.log(3.5))) < 1e-15


def test_degrees_and_bezout():
    g = SpinGlassGame([{1: 1.0}, {}], {(1, 1): 1.0}, [1, -1], [0.5, 0.5])
    assert g.degrees() == (2, 2)
    assert g.bezout_bound([3, 2]) == 4 * 2**3 * 2**2
    assert g.euler_characteristic([3, 2]) == 2 * 0


@pytest.mark.parametrize(
    "game",
    [
        SpinGlassGame.gan(3, 2, 0.8, 0.6, coupling="bipartite"),
        SpinGlassGame.multi_species({(1, 1): 1.0, (2, 1): 0.5}, [0.3, 0.7]),
        SpinGlassGame.mixed({2: 1.0, 4: 0.25}),
        SpinGlassGame([{1: 2.0, 3: 0.5}, {2: 1.0}], {(1, 2): 1.0}, [-1, 1], [0.5, 0.5]),
    ],
)
def test_dict_and_file_round_trip(game, tmp_path):
    assert SpinGlassGame.from_dict(json.loads(json.dumps(game.to_dict()))) == game
    path = tmp_path / "game.json"
    path.write_text(json.dumps(game.to_dict()))
    assert SpinGlassGame.from_file(path) == game


def test_toml_presets(tmp_path):
    pytest.importorskip("tomllib")
    path = tmp_path / "gan.toml"
    path.write_text(
        'preset = "gan"\np = 3\nq = 2\nsigma_z = 1.0\nkappa = 0.5\ncoupling = "bipartite"\n'
    )
    assert SpinGlassGame.from_file(path) == SpinGlassGame.gan(3, 2, 1.0, 0.5, coupling="bipartite")
    path = tmp_path / "ms.toml"
    path.write_text(
        'preset = "multi_species"\nkappa = [0.5, 0.5]\n'
        "[[shared]]\nexponents = [2, 1]\ncoefficient = 1.0\n"
    )
    assert SpinGlassGame.from_file(path) == SpinGlassGame.multi_species({(2, 1): 1.0}, [0.5, 0.5])
    with pytest.raises(ValueError, match="path"):
        SpinGlassGame.from_file(tmp_path / "game.yaml")
    with pytest.raises(ValueError, match="preset"):
        SpinGlassGame.from_dict({"preset": "ising"})
    with pytest.raises(ValueError, match="unknown keys"):
        SpinGlassGame.from_dict({"preset": "gan", "p": 3, "q": 2, "sigma": 1.0, "kappa": 0.5})
    with pytest.raises(ValueError, match="unknown keys"):
        SpinGlassGame.from_dict({"own": [{}], "shared": [], "signs": [1], "kappa": [1], "x": 1})


def test_asymptotic_complexity_from_the_arrays():
    import spinglass_gan as sg

    # The paper's model: the derived numbers (anchor 0.620 at (3, 3, 1, 0.9)).
    game = SpinGlassGame.gan(3, 3, 1.0, 0.9)
    model = sg.GanSpinGlass(3, 3, 1.0, 0.9)
    assert abs(game.theta() - 0.620) < 5e-4
    for u in ([math.inf, math.inf], [0.0, 0.5], [-0.5, math.inf]):
        assert abs(game.theta(u) - model.theta(*u)) < 1e-9
    # K = 1 pure p-spin: Theta_total = log(p - 1) / 2 and the ground states of
    # Auffinger, Ben Arous and Cerny (Theta(-E_0) = 0), to the 4 digits quoted.
    for p, e0 in ((3, 1.6570), (4, 1.7941), (5, 1.8880)):
        g = SpinGlassGame.mixed({p: 1.0})
        assert abs(g.theta() - 0.5 * math.log(p - 1)) < 1e-9
        assert abs(g.lowest_losses()[0] + e0) < 1e-4
    # The bilinear game has 4 min(N_1, N_2) points: zero complexity.
    assert abs(SpinGlassGame.multi_species({(1, 1): 1.0}, [0.5, 0.5]).theta()) < 1e-9


def test_from_game_needs_the_paper_shape():
    for game in (
        SpinGlassGame.gan(3, 2, 1.0, 0.5, coupling="bipartite"),
        SpinGlassGame.multi_species({(2, 1): 1.0}, [0.5, 0.5]),
        SpinGlassGame.mixed({3: 1.0}),
    ):
        with pytest.raises(ValueError, match="game"):
            DerivedConstants.from_game(game)
    with pytest.raises(ValueError, match="game"):
        DerivedConstants.from_game({"p": 3})


def test_presets_return_the_class_they_are_called_on():
    # The specification (used by the complexity and landscape code) and the user-facing
    # class share validation, presets and files; only the latter computes.
    games = [
        SpinGlassGame.gan(3, 2, 1.0, 0.5),
        SpinGlassGame.multi_species({(1, 1): 1.0}, [0.5, 0.5]),
        SpinGlassGame.mixed({3: 1.0}),
    ]
    games.append(SpinGlassGame.from_dict(games[0].to_dict()))
    assert all(type(g) is SpinGlassGame for g in games)
    spec = GameSpec.gan(3, 2, 1.0, 0.5)
    assert type(spec) is GameSpec and spec == games[0]
    assert repr(spec).startswith("GameSpec(") and repr(games[0]).startswith("SpinGlassGame(")
    assert not any(hasattr(spec, m) for m in ("theta", "complexity", "sample"))


@pytest.mark.parametrize("params", [(3, 3, 1.0, 0.9), (2, 1, 0.5, 0.5), (3, 2, 0.3, 0.3)])
def test_isotropic_preset_equals_the_derived_model(params):
    # The preset as a user builds it (SpinGlassGame.gan) against GanSpinGlass with the
    # derived formula: the same constants, and both exponents solved by the quadrant
    # machinery from them, so 1e-10 is rounding (measured up to ~1e-13 on maps).
    game = SpinGlassGame.gan(*params)
    model = sg.GanSpinGlass(*params)
    assert model.constants == DerivedConstants.from_game(game)
    for u in [(np.inf, np.inf), (-1.0, -1.0), (0.5, -0.3), (2.0, np.inf), (np.inf, -2.0)]:
        assert abs(game.theta(u) - model.theta(*u)) <= 1e-10 * max(1.0, abs(model.theta(*u)))
    for ell in [(0.0, 0.0), (-1.0, -1.0), (0.5, -0.3), (-0.4, 0.6)]:
        want = model.complexity_at(*ell)
        assert abs(game.complexity_at(ell) - want) <= 1e-10 * max(1.0, abs(want)), ell
    u_d, u_g = np.linspace(-6, 4, 9), np.linspace(-5, 3, 7)
    got, want = game.theta_map(u_d, u_g), model.theta_map(u_d, u_g)
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    fin = np.isfinite(want)
    assert np.all(np.abs(got[fin] - want[fin]) <= 1e-10 * np.maximum(1.0, np.abs(want[fin])))
