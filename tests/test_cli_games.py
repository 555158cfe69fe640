"""The command line on spherical spin-glass games (--game) and the finite-N banded
structure (banded --finite-n): the files written, their agreement with the library, and
the invalid combinations (one stderr line, status 2, nothing written)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan import cli
from spinglass_gan.landscapes.game_counting import GameCriticalPointCounts

# Subprocess and round-trip tests: the default run, not the fast subset.
pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[1]
BIPARTITE = str(ROOT / "data" / "games" / "bipartite_gan.toml")
ISOTROPIC = str(ROOT / "data" / "games" / "isotropic_gan.toml")
GRID = ["--u-d", "-40", "40", "7", "--u-g", "-30", "30", "5"]


def run(*argv: str) -> int:
    return cli.main([*argv, "--quiet"])


def test_theta_map_of_a_game_file(tmp_path, capsys):
    assert run("theta-map", "--game", BIPARTITE, *GRID, "--out", str(tmp_path)) == 0
    assert (tmp_path / "theta_map.png").exists() and (tmp_path / "theta_map.pdf").exists()
    res = sg.load_result(tmp_path / "theta_map.npz")
    assert res.kind == "game_theta_map"
    game = sg.SpinGlassGame.from_file(BIPARTITE)
    u_1, u_2 = np.linspace(-40, 40, 7), np.linspace(-30, 30, 5)
    np.testing.assert_array_equal(res["u_1"], u_1)
    np.testing.assert_array_equal(res["u_2"], u_2)
    np.testing.assert_array_equal(res["theta"], game.theta_map(u_1, u_2))
    assert res.metadata["game"] == game.to_dict()
    assert capsys.readouterr().out.startswith("max Theta = ")


def test_isotropic_game_file_is_the_gan_model(tmp_path):
    """The paper's model written as a game gives the model's own Theta map: an independent
    route (the K-block solver of the game against the GAN model's derived formula) that
    also checks that --u-d is player 1 (D) and --u-g player 2 (G).  The two agree to
    1e-11 measured; 1e-8 leaves room for the solvers' tolerances, far below the map's
    features (Theta is O(0.1))."""
    assert run("theta-map", "--game", ISOTROPIC, *GRID, "--out", str(tmp_path / "g")) == 0
    assert run("theta-map", *GRID, "--out", str(tmp_path / "m")) == 0
    game = sg.load_result(tmp_path / "g" / "theta_map.npz")["theta"]
    model = sg.load_result(tmp_path / "m" / "theta_map.npz")["theta"]
    assert game.shape == model.shape == (5, 7)
    np.testing.assert_array_equal(np.isfinite(game), np.isfinite(model))
    finite = np.isfinite(model)
    assert finite.sum() > 10
    np.testing.assert_allclose(game[finite], model[finite], rtol=0, atol=1e-8)


def test_count_of_a_game_file(tmp_path, capsys):
    argv = ["count", "--game", BIPARTITE, "--sizes", "3", "3", "--max-u", "0", "0"]
    assert run(*argv, "--instances", "6", "--seed", "4", "--out", str(tmp_path)) == 0
    counts = GameCriticalPointCounts.load(tmp_path / "counts.npz")
    assert counts.sizes == (3, 3) and counts.instances == 6
    assert counts.game.to_dict() == sg.SpinGlassGame.from_file(BIPARTITE).to_dict()
    assert counts.poincare_hopf_ok.all()
    # The same seed through the library gives the same records.
    again = sg.count_critical_points(counts.game, [3, 3], 6, rng=4)
    np.testing.assert_array_equal(counts.counts(), again.counts())
    np.testing.assert_array_equal(counts.points["losses"], again.points["losses"])
    out = capsys.readouterr().out
    mean, _ = counts.mean([0.0, 0.0])
    assert f"with u_1 <= 0, u_2 <= 0: {mean:.4g}" in out
    assert "Poincare-Hopf sum holds on 6 of 6 instances" in out
    assert "block indices (" in out


def test_banded_finite_n(tmp_path, capsys):
    u = ["--u-d", "5", "30", "4", "--u-g", "-30", "-5", "3"]
    argv = ["banded", "--finite-n", "30", *u, "--k-d-max", "1", "--k-g-max", "1"]
    assert run(*argv, "--samples", "200", "--seed", "7", "--out", str(tmp_path)) == 0
    for name in ("banded.npz", "finite_n_banded.npz", "banded.png", "banded.pdf"):
        assert (tmp_path / name).exists(), name
    res = sg.load_result(tmp_path / "finite_n_banded.npz")
    model = sg.GanSpinGlass(3, 3, 1.0, 0.9)
    u_D, u_G = np.linspace(5, 30, 4), np.linspace(-30, -5, 3)
    lib = sg.finite_n_banded(model, 30, u_D, u_G, 1, 1, anchors=1, samples=200, rng=7)
    k_D, k_G = lib.largest()
    np.testing.assert_array_equal(res["k_D"], k_D)
    np.testing.assert_array_equal(res["k_G"], k_G)
    np.testing.assert_array_equal(res["log_count"], lib.log_count)
    band = sg.banded_structure(model, u_D, u_G, 1, 1)
    np.testing.assert_array_equal(res["k_D_asymptotic"], band.k_D)
    assert res.metadata["n"] == 30 and res.metadata["seed"] == 7
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].startswith("N -> infinity: ") and lines[-1].startswith("N = 30: ")


@pytest.mark.parametrize(
    ("argv", "mentions"),
    [
        (["theta-map", "--game", BIPARTITE, "--p", "3"], "--p"),
        (["theta-map", "--game", BIPARTITE, "--formula", "derived"], "--formula"),
        (["theta-map", "--game", BIPARTITE, "--k-d", "0"], "--k-d"),
        (["theta-map", "--game", "no_such_game.toml"], "--game"),
        (["count", "--game", BIPARTITE, "--sizes", "3", "3", "--sigma-z", "1"], "--sigma-z"),
        (["count", "--game", BIPARTITE, "--sizes", "3", "3", "--max-u-d", "1"], "--max-u-d"),
        (["count", "--game", BIPARTITE, "--sizes", "3", "3", "--n-g", "3"], "--n-g"),
        (["count", "--game", BIPARTITE], "--sizes"),
        (["count", "--game", BIPARTITE, "--sizes", "3", "3", "3"], "--sizes"),
        (["count", "--game", BIPARTITE, "--sizes", "3", "3", "--max-u", "1"], "--max-u"),
        (["count", "--game", BIPARTITE, "--sizes", "300", "300"], "--sizes"),
        (["count", "--sizes", "3", "3"], "--sizes"),
        (["count", "--max-u", "0", "0"], "--max-u"),
        (["banded", "--finite-n", "20", "--formula", "published"], "--formula published"),
        (["banded", "--finite-n", "20", "--d-index", "descent"], "--d-index"),
        (["banded", "--finite-n", "20", "--processes", "2"], "--processes"),
        (["banded", "--finite-n", "10"], "--finite-n"),
        (["banded", "--finite-n", "7"], "--finite-n"),
        (["banded", "--samples", "100"], "--samples"),
        (["banded", "--seed", "1"], "--seed"),
    ],
)
def test_bad_combinations_are_one_line_and_status_2(tmp_path, capsys, argv, mentions):
    with pytest.raises(SystemExit) as exc:
        cli.main([*argv, "--out", str(tmp_path / "out"), "--quiet"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert mentions in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_theta_map_needs_two_players(tmp_path, capsys):
    path = tmp_path / "one.json"
    path.write_text('{"preset": "mixed", "xi": {"3": 1.0}}')
    with pytest.raises(SystemExit) as exc:
        run("theta-map", "--game", str(path), "--out", str(tmp_path / "out"))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "2 players" in err and "has 1" in err
    assert not (tmp_path / "out").exists()
