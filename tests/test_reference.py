"""Regression: the stored reference curves under data/reference/ do not move.

Tolerance 1e-9 (1 + |value|): the suprema are refined to ~1e-12 relative, so this
leaves room for LAPACK and platform differences while any change of method or
constants fails.  Regenerate on purpose with scripts/make_reference_data.py.
"""

from pathlib import Path

import numpy as np
import pytest

from spinglass_gan import load_result
from spinglass_gan.reference import CURVES

DATA = Path(__file__).resolve().parent.parent / "data" / "reference"
SLOW = {"sweep_sigma_z"}  # ~5 s


def _close(got, want):
    if np.issubdtype(np.asarray(want).dtype, np.integer):
        return np.array_equal(got, want)
    got, want = np.asarray(got, float), np.asarray(want, float)
    same_nan = np.array_equal(np.isnan(got), np.isnan(want))
    ok = np.where(np.isnan(want), True, np.abs(got - want) <= 1e-9 * (1 + np.abs(want)))
    return same_nan and bool(np.all(ok))


def _check(name):
    stored = load_result(DATA / f"{name}.npz")
    arrays, _ = CURVES[name]()
    assert set(arrays) == set(stored.arrays)
    for key, value in arrays.items():
        assert _close(value, stored[key]), f"{name}: {key} moved"


@pytest.mark.parametrize("name", sorted(set(CURVES) - SLOW))
def test_reference_curve(name):
    _check(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SLOW))
def test_reference_sweep(name):
    _check(name)


def test_regression_catches_a_moved_curve():
    stored = load_result(DATA / "theta_sections.npz")
    curve = stored["paper_fixed_u_G"]
    assert _close(curve, curve)
    assert not _close(curve * (1 + 1e-7), curve)


def test_reference_files_record_version():
    for name in CURVES:
        meta = load_result(DATA / f"{name}.npz").metadata
        assert meta["curve"] == name and meta["package"] == "spinglass_gan" and meta["version"]
