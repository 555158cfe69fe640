"""The stored table of (1/N) log E # against Theta for two games (data/games/convergence.npz).

Written by scripts/game_convergence.py (importance sampling, ``proposal="auto"``).
Checks: the file loads with the members and sizes the script names; one small-N entry
recomputed from its stored seeds matches; the stored exponents are what ``game.theta``
returns now; and the large-N entries the Monte Carlo resolves (effective sample size
>= MIN_ESS) lie above Theta by less than log(N) / N and agree with the fitted
O(log N / N) gap.
"""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

import spinglass_gan as sg

ROOT = Path(__file__).resolve().parent.parent
PATH = ROOT / "data" / "games" / "convergence.npz"


def _script():
    spec = importlib.util.spec_from_file_location(
        "game_convergence", ROOT / "scripts" / "game_convergence.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stored():
    return sg.load_result(PATH)


@pytest.fixture(scope="module")
def script():
    return _script()


def test_table_loads_with_its_members(stored, script):
    assert stored.kind == "game_convergence"
    assert list(stored["n"]) == list(script.NS)
    meta = stored.metadata
    assert set(meta["members"]) == set(script.MEMBERS)
    for name in script.MEMBERS:
        for key in ("total", "u"):
            for field in ("value", "stderr", "ess", "samples", "pilot"):
                assert stored[f"{name}_{key}_{field}"].shape == (len(script.NS),)
            assert np.all(np.isfinite(stored[f"{name}_{key}_value"]))
            assert stored[f"{name}_{key}_fit3"].shape == (3,)
        index = list(script.MEMBERS).index(name)
        assert meta["seeds"][name]["20"] == [script.seed_of(index, 20, q) for q in (0, 1)]


@pytest.mark.parametrize("name", ["gan21_bipartite", "bipartite_ssg"])
def test_small_n_entry_recomputes_from_its_seed(stored, script, name):
    # Same seed, same samples, same code: the draws are identical, so only the
    # floating-point order of the LU could differ (relative 1e-12 is far above it).
    index = list(script.MEMBERS).index(name)
    game = script.build(name)
    n = 20
    samples = stored.metadata["samples"][str(n)]
    for question, (key, u) in enumerate((("total", None), ("u", script.MEMBERS[name][3]))):
        seed = script.seed_of(index, n, question)
        draws = game.kac_rice_samples(script.sizes_of(game, n), samples, seed, proposal="auto", u=u)
        value, err = draws.log_expected(u)
        assert value == pytest.approx(stored[f"{name}_{key}_value"][0], rel=1e-12, abs=1e-12)
        assert err == pytest.approx(stored[f"{name}_{key}_stderr"][0], rel=1e-9)


@pytest.mark.heavy
def test_stored_theta_is_current(stored, script):
    for name in script.MEMBERS:
        game = script.build(name)
        assert float(stored[f"{name}_total_theta"]) == pytest.approx(game.theta(), abs=1e-9)
        u = script.MEMBERS[name][3]
        assert float(stored[f"{name}_u_theta"]) == pytest.approx(game.theta(u), abs=1e-9)


def test_resolved_large_n_entries_within_log_n_over_n_of_theta(stored, script):
    # Tolerance: the finite-N count is E # ~ C N^a exp(N Theta), so (1/N) log E # - Theta
    # = a log(N)/N + O(1/N).  A resolved entry (effective sample size >= min_ess; below
    # it the log-mean is biased low and its delta-method error is meaningless) must
    # (i) lie above Theta within 3 s.e. (the fitted a is positive), (ii) exceed it by less
    # than log(N)/N, i.e. |a| <= 1 (fitted: a = 0.54 for the bipartite spin glass), and
    # (iii) lie within 4 s.e. of the fitted curve a log(N)/N + c0/N.
    checked = 0
    for name in script.MEMBERS:
        for key in ("total", "u"):
            pre = f"{name}_{key}"
            theta = float(stored[f"{pre}_theta"])
            coef = stored[f"{pre}_fit"]
            for i, n in enumerate(script.NS):
                if n < 160 or stored[f"{pre}_ess"][i] < stored.metadata["min_ess"]:
                    continue
                gap = stored[f"{pre}_value"][i] - theta
                se = stored[f"{pre}_stderr"][i]
                assert -3 * se < gap < math.log(n) / n, (pre, n, gap)
                curve = script.basis(np.array([n]))[0] @ coef
                assert abs(gap - curve) < 4 * se, (pre, n, gap, curve)
                checked += 1
    assert checked >= 1


def test_fitted_intercepts_extrapolate_to_theta(stored, script):
    # (1/N) log E # = a + b log(N)/N + c/N fitted to the resolved entries: a estimates
    # Theta.  Tolerance 4 standard errors of a plus 0.001 for the terms the fit leaves out
    # (O(1/N^2) at N = 20): starting the fits at N = 40 instead moves a by up to 9e-4.
    for name in script.MEMBERS:
        for key in ("total", "u"):
            pre = f"{name}_{key}"
            a, se = stored[f"{pre}_fit3"][0], stored[f"{pre}_fit3_stderr"][0]
            theta = float(stored[f"{pre}_theta"])
            assert np.isfinite(a) and se > 0, pre
            assert abs(a - theta) <= 4 * se + 1e-3, (pre, a, se, theta)
