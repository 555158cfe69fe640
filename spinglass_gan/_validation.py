"""Argument checks shared by the public API.

Every public entry point validates its scalars here so that bad input raises a
``ValueError`` naming the offending argument instead of propagating NaNs.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np


def real_scalar(name: str, value: object) -> float:
    """Return ``value`` as a finite float or raise ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def positive(name: str, value: object) -> float:
    out = real_scalar(name, value)
    if out <= 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return out


def non_negative(name: str, value: object) -> float:
    out = real_scalar(name, value)
    if out < 0.0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return out


def open_unit(name: str, value: object) -> float:
    out = real_scalar(name, value)
    if not 0.0 < out < 1.0:
        raise ValueError(f"{name} must lie in the open interval (0, 1), got {value!r}")
    return out


def integer(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    out = int(value)
    if out < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return out


def finite_array(name: str, value: object, dtype: type = float) -> np.ndarray:
    """Return ``value`` as an array of ``dtype``; every entry must be finite."""
    try:
        out = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric array-like: {exc}") from None
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must contain only finite values")
    return out


# Largest |loss level| accepted (per sqrt(N)).  Beyond it the Kac-Rice region's
# bounds reach 1e12 (p+q) 2^(p+q) in x or 1e12 p in x1, where the exponent's
# Gaussian terms and the Dyson coefficients leave the range in which they are
# computed to full accuracy (x1^2 and x^2 / s^2 overflow near 1e154); +inf
# removes a bound instead.
LOSS_LIMIT = 1e12


def loss_level(name: str, value: object, allow_inf: bool = False) -> float:
    """A loss level u_D or u_G: finite with |u| <= LOSS_LIMIT, or +inf if allowed."""
    if allow_inf and not isinstance(value, bool) and isinstance(value, (Real, np.floating)):
        if float(value) == math.inf:
            return math.inf
    out = real_scalar(name, value)
    if not abs(out) <= LOSS_LIMIT:
        raise ValueError(
            f"{name} must lie in [-{LOSS_LIMIT:g}, {LOSS_LIMIT:g}]"
            + (" (or be inf for no bound)" if allow_inf else "")
            + f", got {value!r}"
        )
    return out


def loss_levels(name: str, value: object) -> np.ndarray:
    """An array of loss levels, each finite with |u| <= LOSS_LIMIT."""
    out = finite_array(name, value)
    if np.any(np.abs(out) > LOSS_LIMIT):
        raise ValueError(f"{name} must lie in [-{LOSS_LIMIT:g}, {LOSS_LIMIT:g}]")
    return out
