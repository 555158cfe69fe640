"""Bad input to the public API: a ValueError whose message names the argument.

Wrong types, strings, object arrays, NaN and infinities, empty arrays where something is
needed, wrong shapes, reversed intervals, zero and negative sizes.  Elementwise
functions (density, log_potential, the Monte Carlo determinants in x) map an empty
array to an empty result, as numpy does; that is not an error.
"""

from __future__ import annotations

import re

import _runner_tasks as rt
import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan import _validation as val
from spinglass_gan.io.runner import run_tasks

ENS = sg.HessianEnsemble(1.0, 1.0, 0.5, 3.0)
EV = ENS.sample_eigvals(20, 4, rng=0)
STRINGS = np.array(["1.0", "2.0"])
OBJECTS = np.array([None, 1.0], dtype=object)


def raises_naming(name: str, fn, *args, **kwargs) -> str:
    """Call ``fn``; it must raise ValueError with ``name`` in the message."""
    with pytest.raises(ValueError) as exc:
        fn(*args, **kwargs)
    message = str(exc.value)
    assert re.search(rf"\b{re.escape(name)}\b", message), message
    return message


# ----------------------------------------------------------------- _validation
@pytest.mark.parametrize("bad", ["1.0", b"1", STRINGS, OBJECTS, [1.0, "a"], {"a": 1}, None])
def test_finite_array_refuses_non_numbers(bad):
    raises_naming("u_D", val.finite_array, "u_D", bad)


def test_finite_array_refuses_complex_for_real_and_checks_size_and_ndim():
    raises_naming("x", val.finite_array, "x", [1 + 2j])
    assert val.finite_array("z", [1 + 2j], dtype=np.complex128)[0] == 1 + 2j
    assert val.finite_array("x", []).size == 0  # allowed unless asked
    assert "empty" in raises_naming("x", val.finite_array, "x", [], allow_empty=False)
    raises_naming("x", val.finite_array, "x", [[1.0]], ndim=1)
    raises_naming("x", val.finite_array, "x", [1.0, np.nan])
    raises_naming("x", val.finite_array, "x", [1.0, -np.inf])


def test_grid_and_intervals():
    for bad in ([], [[1.0, 2.0]], 3.0, STRINGS):
        raises_naming("u_G", val.grid, "u_G", bad)
    assert val.intervals("support", (0.0, 1.0)).shape == (1, 2)
    for bad in ([(1.0, -1.0)], [(-1.0, 1.0), (3.0, 2.0)], [(0.0, 0.0)], [[1, 2, 3]], [], "ab"):
        raises_naming("support", val.intervals, "support", bad)


def test_choice_function_generator():
    assert val.choice("backend", "numpy", ("numpy", "torch")) == "numpy"
    for bad in ("numpy2", None, 3, np.array(["numpy"])):
        raises_naming("backend", val.choice, "backend", bad, ("numpy", "torch"))
    raises_naming("pdf", val.function, "pdf", "rho")
    g = np.random.default_rng(1)
    assert val.generator("rng", g) is g
    assert val.generator("rng", 5).integers(1000) == np.random.default_rng(5).integers(1000)
    for bad in ("seed", 1.5, -1, True, [1, 2]):
        raises_naming("rng", val.generator, "rng", bad)


# --------------------------------------------------------------- the ensemble
@pytest.mark.parametrize("bad", ["seed", 1.5, -1, True])
def test_sampling_rng(bad):
    raises_naming("rng", ENS.sample_eigvals, 10, 2, rng=bad)
    raises_naming("rng", ENS.sample, 10, 2, rng=bad)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", None, True])
def test_sampling_sizes(bad):
    raises_naming("n", ENS.sample_eigvals, bad, 2)
    raises_naming("size", ENS.sample_eigvals, 10, bad)
    raises_naming("size", ENS.sample, 10, bad)


@pytest.mark.parametrize("bad", [np.nan, np.inf, "1", None, [1.0], True, -1.0])
def test_ensemble_scale(bad):
    raises_naming("b", sg.HessianEnsemble, bad, 1.0, 0.5, 0.0)


@pytest.mark.parametrize("bad", [np.nan, "x", STRINGS, OBJECTS, [[1, 2], [3]]])
def test_elementwise_functions(bad):
    raises_naming("lam", ENS.density, bad)
    raises_naming("x", ENS.log_potential, bad)
    raises_naming("x", sg.log_potential, bad, 1.0, 1.0, 0.5, 0.0)


# ----------------------------------------------------------------- Monte Carlo
@pytest.mark.parametrize("fn", [sg.log_abs_det, sg.annealed_log_det, sg.quenched_log_det])
def test_monte_carlo_arguments(fn):
    for bad in (STRINGS, OBJECTS, [], np.zeros(5), np.zeros((1, 5)), [[np.nan, 1], [1, 2]]):
        raises_naming("eigvals", fn, bad, 0.5)
    for bad in (STRINGS, OBJECTS, np.nan, np.inf, "x", None):
        raises_naming("x", fn, EV, bad)


def test_annealed_options():
    raises_naming("stderr", sg.annealed_log_det, EV, 0.5, stderr="jackknife")
    for bad in (1, 0, 1.5, "x", None):
        raises_naming("n_boot", sg.annealed_log_det, EV, 0.5, stderr="bootstrap", n_boot=bad)


# -------------------------------------------------------------- histogram_l1
def test_histogram_l1_arguments():
    pdf, support = ENS.density, ENS.support()
    for bad in (STRINGS, OBJECTS, [], "ev", np.zeros((1, 5)), np.zeros(5)):
        raises_naming("eigvals", sg.histogram_l1, bad, pdf, support)
    for bad in ([(1.0, -1.0)], [(-5.0, -1.0), (1.1, 1.0)], [(0.0, 0.0)], "ab", STRINGS, []):
        raises_naming("support", sg.histogram_l1, EV, pdf, bad)
    raises_naming("pdf", sg.histogram_l1, EV, "rho", support)
    for bad_pdf in (lambda x: 1.0, lambda x: x * np.nan, lambda x: -np.ones_like(x)):
        raises_naming("pdf", sg.histogram_l1, EV, bad_pdf, support)
    for bad in (np.nan, np.inf, -1.0, "0.1"):
        raises_naming("margin", sg.histogram_l1, EV, pdf, support, margin=bad)
    for name in ("bins", "sub"):
        raises_naming(name, sg.histogram_l1, EV, pdf, support, **{name: 0})


# ------------------------------------------------------------------- results
def test_save_and_load_arguments(tmp_path):
    target = tmp_path / "r.npz"
    good = {"x": np.zeros(2)}
    for bad in ("", None, 3):
        raises_naming("kind", sg.save_result, target, bad, good, {})
    for bad in ({"x": STRINGS}, {"x": OBJECTS}, {"": np.zeros(2)}, "arrays", None):
        raises_naming("arrays", sg.save_result, target, "k", bad, {})
    for bad in ("meta", {"a": object()}, {3: 1}):
        raises_naming("metadata", sg.save_result, target, "k", good, bad)
    raises_naming("path", sg.save_result, 3, "k", good, {})
    for bad in (3, None):
        raises_naming("path", sg.load_result, bad)
    assert not target.exists()


def test_run_tasks_refuses_a_task_that_is_not_a_mapping():
    raises_naming("tasks", run_tasks, rt.slow_square, [1])


# ----------------------------- model and solvers, both formulas
MODEL = sg.GanSpinGlass(3, 3, 1.0, 0.9)
PAPER = sg.GanSpinGlass(3, 3, 1.0, 0.9, formula="published")
U = np.linspace(-5.0, 5.0, 5)


@pytest.mark.parametrize("model", [MODEL, PAPER], ids=["derived", "published"])
def test_theta_map_empty_or_nested_grid(model):
    raises_naming("u_D", model.theta_map, [], U)
    raises_naming("u_G", model.theta_map, U, [[0.0, 1.0]])


@pytest.mark.parametrize("model", [MODEL, PAPER], ids=["derived", "published"])
def test_theta_array_argument(model):
    raises_naming("u_D", model.theta, np.array([1.0, 2.0]), 0.0)
    raises_naming("u_G", model.theta, 0.0, -np.inf)


@pytest.mark.parametrize("formula", ["derived", "published"])
@pytest.mark.parametrize("bad", [1e-300, 1e300])
def test_model_sigma_z_extremes(bad, formula):
    raises_naming("sigma_z", sg.GanSpinGlass, 3, 3, bad, 0.9, formula=formula)


@pytest.mark.parametrize("bad", ["model", None, 3])
def test_lowest_losses_model(bad):
    raises_naming("model", sg.lowest_losses, bad)


@pytest.mark.parametrize("bad", ["model", None])
def test_banded_structure_model(bad):
    raises_naming("model", sg.banded_structure, bad, U, U, 1, 1)


def test_banded_structure_empty_grid():
    raises_naming("u_D", sg.banded_structure, MODEL, [], U, 1, 1)


def test_sweep_empty_values():
    raises_naming("sigma_z", sg.sweep, 3, 3, sigma_z=[], kappa=0.9)
