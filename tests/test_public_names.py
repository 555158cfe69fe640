"""Everything spinglass_gan exported at the top level before the package was
split into subpackages still imports from there: the curated names silently, the
solver internals with a DeprecationWarning that names their new home; the old module
paths (``spinglass_gan.model``) serve the moved modules, with a DeprecationWarning."""

import importlib
import sys
import warnings

import pytest

import spinglass_gan as sg

OLD_NAMES = [
    "BandedStructure",
    "ComplexitySolver",
    "CriticalPointCounts",
    "CriticalPoints",
    "DerivedConstants",
    "DerivedFormula",
    "DysonSolution",
    "Exponent",
    "FiniteNBanded",
    "FiniteNResult",
    "GanLandscape",
    "GanSpinGlass",
    "HessianEnsemble",
    "HistogramL1",
    "KacRiceAccuracyWarning",
    "KacRiceEstimate",
    "KacRiceFormula",
    "KacRiceRegion",
    "KacRiceSaddle",
    "KacRiceSamples",
    "LossCoordinates",
    "LowestLosses",
    "MCEstimate",
    "PublishedConstants",
    "PublishedFormula",
    "QuadrantSolver",
    "Result",
    "SpinGlassGame",
    "Suprema",
    "Sweep",
    "VectorDyson",
    "__version__",
    "annealed_log_det",
    "banded_structure",
    "count_critical_points",
    "density",
    "density_moment",
    "expected_critical_points",
    "finite_n_banded",
    "goe_rate",
    "histogram_l1",
    "kac_rice_log_integral",
    "kac_rice_saddle",
    "kac_rice_samples",
    "load_result",
    "log_abs_det",
    "log_expected_critical_points",
    "log_potential",
    "lowest_losses",
    "quenched_log_det",
    "register_formula",
    "save_result",
    "solve_dyson",
    "splitting_x1",
    "stieltjes",
    "support",
    "sweep",
]
DEPRECATED = {
    "ComplexitySolver": "spinglass_gan.complexity",
    "DysonSolution": "spinglass_gan.rmt",
    "Exponent": "spinglass_gan.complexity",
    "QuadrantSolver": "spinglass_gan.complexity",
    "solve_dyson": "spinglass_gan.rmt",
}
MOVED_MODULES = {
    "banded": "spinglass_gan.complexity.banded",
    "counting": "spinglass_gan.landscapes.counting",
    "critical_points": "spinglass_gan.landscapes.critical_points",
    "derived": "spinglass_gan.complexity.derived",
    "ensemble": "spinglass_gan.rmt.ensemble",
    "exponent": "spinglass_gan.complexity.exponent",
    "figure_data": "spinglass_gan.figures.figure_data",
    "finite_n": "spinglass_gan.complexity.finite_n",
    "formulas": "spinglass_gan.complexity.formulas",
    "game": "spinglass_gan.games.game",
    "game_complexity": "spinglass_gan.complexity.game_complexity",
    "game_counting": "spinglass_gan.landscapes.game_counting",
    "game_kac_rice": "spinglass_gan.complexity.game_kac_rice",
    "game_landscape": "spinglass_gan.landscapes.game_landscape",
    "game_spec": "spinglass_gan.complexity.game_spec",
    "kac_rice": "spinglass_gan.complexity.kac_rice",
    "kblock": "spinglass_gan.rmt.kblock",
    "kernels": "spinglass_gan.rmt.kernels",
    "landscape": "spinglass_gan.landscapes.landscape",
    "large_deviations": "spinglass_gan.rmt.large_deviations",
    "master_equation": "spinglass_gan.rmt.master_equation",
    "model": "spinglass_gan.complexity.model",
    "montecarlo": "spinglass_gan.rmt.montecarlo",
    "plotting": "spinglass_gan.figures.plotting",
    "potential": "spinglass_gan.rmt.potential",
    "published": "spinglass_gan.complexity.reproductions",
    "published_constants": "spinglass_gan.complexity.published_constants",
    "quadrant": "spinglass_gan.complexity.quadrant",
    "reference": "spinglass_gan.figures.reference",
    "results": "spinglass_gan.io.results",
    "runner": "spinglass_gan.io.runner",
    "spectra": "spinglass_gan.rmt.spectra",
    "sweeps": "spinglass_gan.complexity.sweeps",
}


def test_curated_api_is_the_old_one_less_the_deprecated():
    assert sorted(sg.__all__) == sorted(n for n in OLD_NAMES if n not in DEPRECATED)


@pytest.mark.parametrize("name", [n for n in OLD_NAMES if n not in DEPRECATED])
def test_curated_name_imports_without_warning(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scope = {}
        exec(f"from spinglass_gan import {name}", scope)
    assert scope[name] is getattr(sg, name)


@pytest.mark.parametrize("name", sorted(DEPRECATED))
def test_deprecated_name_warns_and_is_the_subpackage_object(name):
    with pytest.warns(DeprecationWarning, match=DEPRECATED[name]) as record:
        old = getattr(sg, name)
    assert [w.filename for w in record] == [__file__]
    with pytest.warns(DeprecationWarning):
        scope = {}
        exec(f"from spinglass_gan import {name}", scope)
    new = getattr(importlib.import_module(DEPRECATED[name]), name)
    assert old is new is scope[name]
    assert name not in sg.__all__ and name not in dir(sg)  # not advertised


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_old_module_path_imports_the_moved_module_with_a_warning(old, monkeypatch):
    new = importlib.import_module(MOVED_MODULES[old])
    # Import afresh under the old name (an earlier test may have imported it).
    monkeypatch.delitem(sys.modules, f"spinglass_gan.{old}", raising=False)
    if old in vars(sg):
        monkeypatch.delattr(sg, old)
    scope = {}
    with pytest.warns(DeprecationWarning, match=MOVED_MODULES[old]) as record:
        exec(compile(f"import spinglass_gan.{old} as alias", __file__, "exec"), scope)
    assert scope["alias"] is new
    assert new.__spec__.name == MOVED_MODULES[old]  # the module keeps its own spec
    # The warning points at the importing line (here), not at importlib or the package.
    assert [w.filename for w in record] == [__file__]
    with pytest.warns(DeprecationWarning, match=MOVED_MODULES[old]):
        assert sg.__getattr__(old) is new  # spinglass_gan.<old> as an attribute


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        sg.no_such_name
