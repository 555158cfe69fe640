"""Kac-Rice formulas as objects (spinglass_gan.complexity.formulas): names and instances, user
formulas, the registry, the metadata round trip and the deprecated names.

Equalities here are exact (``==`` on float arrays): a name and an instance of the same
formula run the same code on the same constants, so any difference is a bug.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan.complexity import formulas
from spinglass_gan.complexity.derived import DerivedConstants, LossCoordinates
from spinglass_gan.complexity.formulas import DerivedFormula, KacRiceFormula, PublishedFormula
from spinglass_gan.io.results import load_result, user_metadata

PAPER = (3, 3, 1.0, 0.9)
ROOT = Path(__file__).resolve().parent.parent
U = np.array([-2.0, 0.0, 1.5])


def _outputs(model: sg.GanSpinGlass) -> list[np.ndarray]:
    return [
        np.array([model.theta(1.0, -0.5), model.theta(math.inf, math.inf)]),
        model.theta_map(U, U),
        model.theta_map(U, U, 0, 1),
        model.complexity_at(U, U[::-1]),
        model.exponent(np.array([-3.0, 0.0, 5.0]), 0.5),
    ]


@pytest.mark.parametrize(
    "name, kind", [("derived", DerivedFormula), ("published", PublishedFormula)]
)
def test_name_instance_and_class_give_identical_results(name, kind):
    by_name = sg.GanSpinGlass(*PAPER, formula=name)
    for other in (kind(), kind):
        model = sg.GanSpinGlass(*PAPER, formula=other)
        assert model.formula == name and type(model.kac_rice) is kind
        assert model.metadata() == by_name.metadata()
        for a, b in zip(_outputs(model), _outputs(by_name)):
            assert np.array_equal(a, b)


def test_default_is_derived_and_follows_constants():
    assert sg.GanSpinGlass(*PAPER).formula == "derived"
    published = sg.PublishedConstants.from_paper(*PAPER)
    assert sg.GanSpinGlass(*PAPER, constants=published).formula == "published"


@pytest.mark.parametrize("bad", ["paper", "", 3, DerivedConstants])
def test_unknown_formula_raises_naming_formula(bad):
    with pytest.raises(ValueError, match="formula"):
        sg.GanSpinGlass(*PAPER, formula=bad)


def test_formula_none_raises():
    with pytest.raises(ValueError, match="formula"):
        sg.GanSpinGlass(*PAPER, formula=None)


def test_constants_of_the_wrong_formula_raise():
    published = sg.PublishedConstants.from_paper(*PAPER)
    with pytest.raises(ValueError, match="constants"):
        sg.GanSpinGlass(*PAPER, constants=published, formula="derived")
    with pytest.raises(ValueError, match="constants"):
        DerivedFormula(published)
    own = DerivedFormula(DerivedConstants.from_model(*PAPER))
    with pytest.raises(ValueError, match="constants"):
        sg.GanSpinGlass(*PAPER, constants=own.constants, formula=own)


def test_instance_with_replaced_constants():
    """A DerivedFormula holding replaced constants gives what the same constants
    passed to the model give, and differs from the default constants."""
    k = DerivedConstants.from_model(3, 3, 1.0, 0.9, alpha_D=1.0)
    given = sg.GanSpinGlass(*PAPER, formula=DerivedFormula(k))
    passed = sg.GanSpinGlass(*PAPER, constants=k)
    assert given.constants is k
    for a, b in zip(_outputs(given), _outputs(passed)):
        assert np.array_equal(a, b)
    assert given.theta(1.0, -0.5) != sg.GanSpinGlass(*PAPER).theta(1.0, -0.5)


class _ScaledDerived(DerivedFormula):
    """A user formula: the model's own formula with alpha_D doubled (l_D louder)."""

    name = "scaled-derived"

    @classmethod
    def build_constants(cls, p, q, sigma_z, kappa):
        return DerivedConstants.from_model(p, q, sigma_z, kappa, alpha_D=1.0)


def test_user_subclass_is_used_and_registered():
    model = sg.GanSpinGlass(*PAPER, formula=_ScaledDerived())
    assert model.formula == "scaled-derived"
    assert model.constants.alpha_D == 1.0
    k = DerivedConstants.from_model(3, 3, 1.0, 0.9, alpha_D=1.0)
    same = sg.GanSpinGlass(*PAPER, constants=k)
    for a, b in zip(_outputs(model), _outputs(same)):
        assert np.array_equal(a, b)
    # Not registered: its metadata names a formula that cannot be read back.
    with pytest.raises(ValueError, match="formula"):
        sg.GanSpinGlass.from_metadata(model.metadata())
    sg.register_formula(_ScaledDerived)
    try:
        again = sg.GanSpinGlass.from_metadata(model.metadata())
        assert type(again.kac_rice) is _ScaledDerived and again.constants == model.constants
        assert sg.GanSpinGlass(*PAPER, formula="scaled-derived").constants == model.constants
    finally:
        del formulas.FORMULAS["scaled-derived"]
    with pytest.raises(ValueError, match="formula"):
        sg.register_formula(DerivedConstants)


def test_metadata_round_trip_with_replaced_constants():
    for model in (
        sg.GanSpinGlass(*PAPER, constants=DerivedConstants.from_model(*PAPER, alpha_G=3.0)),
        sg.GanSpinGlass(
            *PAPER, constants=replace(sg.PublishedConstants.from_paper(*PAPER), s1_sq=2.0)
        ),
    ):
        again = sg.GanSpinGlass.from_metadata(model.metadata())
        assert again.formula == model.formula and again.constants == model.constants
        assert again.theta(1.0, 0.5) == model.theta(1.0, 0.5)


def test_metadata_without_formula_reads_as_written():
    """Files written before the model's own formula existed hold the published
    constants and no "formula" (data/figures/fig3.npz); they read back as published.
    Without constants either, the constructor's default applies."""
    meta = user_metadata(load_result(ROOT / "data" / "figures" / "fig3.npz"))
    assert "formula" not in meta
    model = sg.GanSpinGlass.from_metadata(meta)
    assert model.formula == "published"
    assert model.constants == sg.PublishedConstants(**meta["constants"])
    bare = {k: meta[k] for k in ("p", "q", "sigma_z", "kappa")}
    assert sg.GanSpinGlass.from_metadata(bare).formula == sg.GanSpinGlass(**bare).formula


def test_suprema_contract():
    """One result type: values with the maximisers (x, x1, t) where the formula gives
    them; the maximiser of the derived formula is feasible and has the value."""
    derived = sg.GanSpinGlass(*PAPER).kac_rice
    point = derived.sup_point(1.0, -0.5)
    assert point.values.shape == () and point.maximisers.shape == (3,)
    grid = derived.sup_grid(U, U[:2])
    assert grid.values.shape == (2, 3) and grid.maximisers.shape == (3, 2, 3)
    x, x1, t = point.maximisers
    a, g, _ = LossCoordinates(3, 3).losses(x, x1, t)
    assert a - g <= 1.0 + 1e-9 and g <= -0.5 + 1e-9
    exact = derived.sup_on_losses(np.array([a - g]), np.array([g]))
    assert exact.values[0] == pytest.approx(float(point.values), abs=1e-9)
    published = sg.GanSpinGlass(*PAPER, formula="published").kac_rice
    assert published.sup_grid(U, U).maximisers is None
    corner = published.sup_on_losses(np.array([1.0]), np.array([0.1]))
    assert corner.maximisers[:, 0] == pytest.approx([384 * 0.1, -3 / 384 * 38.4 - 3.0])


def test_figure_settings_and_regions_are_attributes():
    derived, published = DerivedFormula, PublishedFormula
    assert derived.figures.zoom != published.figures.zoom
    assert published.has_region and not derived.has_region
    with pytest.raises(AttributeError, match="published"):
        sg.GanSpinGlass(*PAPER).region(1.0, 1.0)
    with pytest.raises(AttributeError, match="published"):
        sg.GanSpinGlass(*PAPER).s_sq


def test_unbound_formula_has_no_constants():
    with pytest.raises(ValueError, match="constants"):
        DerivedFormula().constants
    assert not KacRiceFormula().has_constants


def test_sweep_refuses_a_formula_with_its_own_constants():
    own = DerivedFormula(DerivedConstants.from_model(*PAPER))
    with pytest.raises(ValueError, match="formula"):
        sg.sweep(3, 3, sigma_z=np.array([1.0, 2.0]), kappa=0.9, formula=own)


def test_model_constants_is_a_deprecated_alias():
    with pytest.warns(DeprecationWarning, match="PublishedConstants"):
        from spinglass_gan.complexity.model import ModelConstants
    assert ModelConstants is sg.PublishedConstants
    with pytest.warns(DeprecationWarning):
        assert sg.ModelConstants is sg.PublishedConstants
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sg.PublishedConstants.from_paper(*PAPER).s1_sq == 4.5


def test_quadrant_sup_grid_is_a_deprecated_tuple_of_suprema():
    solver = sg.GanSpinGlass(*PAPER).solver()
    res = solver.suprema(U, U)
    with pytest.warns(DeprecationWarning, match="suprema"):
        values, maximisers = solver.sup_grid(U, U)
    assert np.array_equal(values, res.values) and np.array_equal(maximisers, res.maximisers)


@pytest.mark.parametrize("p, q", [(2, 1), (3, 3), (7, 5)])
def test_loss_coordinates_are_inverse(p, q):
    """shifts and losses are inverse maps (the matrices to rounding; exact for these
    integers on unit vectors), and (x, x1) are those of the model: x = r g - h,
    x1 = 2h - p a - r g."""
    c = LossCoordinates(p, q)
    np.testing.assert_allclose(c.loss_matrix @ c.shift_matrix, np.eye(3), atol=1e-15)
    a, g, h = 0.3, -1.2, 2.5
    x, x1, t = c.shifts(a, g, h)
    assert (x, x1, t) == ((p + q) * g - h, 2 * h - p * a - (p + q) * g, g)
    assert np.allclose(c.losses(x, x1, t), (a, g, h), rtol=1e-14, atol=1e-14)
    dc = DerivedConstants.from_model(p, q, 1.0, 0.5)
    assert np.array_equal(dc.to_ensemble, c.shift_matrix[:2])


def test_fallbacks_are_counted_per_solver():
    from spinglass_gan.complexity import _quadrant_grid

    assert not hasattr(_quadrant_grid, "FALLBACKS")
    one, two = sg.GanSpinGlass(*PAPER).solver(), sg.GanSpinGlass(*PAPER).solver()
    assert one.fallbacks == {"face": 0, "corner": 0} and one.fallbacks is not two.fallbacks


def test_no_code_outside_the_formulas_branches_on_their_names():
    """Only formulas.py may tell the formulas apart (by class, not by name)."""
    pattern = re.compile(
        r"""\bformula\s*(==|!=)|\bformula["']?\)?\s*(==|!=)|\[\s*formula\s*\]"""
        r"""|isinstance\([^)]*(Derived|Published)(Formula|Constants)"""
        r"""|\bformula\s+(not\s+)?in\s|["']formula["'][^)]*\)\s*(==|!=)"""
    )
    found = []
    for path in sorted((ROOT / "spinglass_gan").rglob("*.py")):
        if path.name == "formulas.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.name}:{n}: {line.strip()}")
    assert not found, found
