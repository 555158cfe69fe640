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


def finite_array(
    name: str,
    value: object,
    dtype: type = float,
    *,
    allow_empty: bool = True,
    ndim: int | None = None,
) -> np.ndarray:
    """Return ``value`` as an array of ``dtype``; every entry must be finite.

    Strings, bytes and object arrays are refused (numpy would convert ``"1"`` to 1.0,
    or fail with a message that does not say which argument), and so are complex
    values where ``dtype`` is real.  With ``allow_empty=False`` an array of size 0 is
    refused; with ``ndim`` the number of dimensions must be exactly that.
    """
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name} must be numeric array-like, got {value!r}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric array-like: {exc}") from None
    if raw.dtype.kind not in "biufc":
        raise ValueError(f"{name} must be numeric array-like, got an array of dtype {raw.dtype}")
    if raw.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        raise ValueError(f"{name} must be real, got complex values")
    out = raw.astype(dtype, copy=False)
    if ndim is not None and out.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {out.shape}")
    if not allow_empty and out.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must contain only finite values")
    return out


# Largest |loss level| accepted (per N).  Beyond it the Kac-Rice region's
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
    """A non-empty 1-D array of loss levels, each finite with |u| <= LOSS_LIMIT."""
    out = finite_array(name, value, allow_empty=False, ndim=1)
    if np.any(np.abs(out) > LOSS_LIMIT):
        raise ValueError(f"{name} must lie in [-{LOSS_LIMIT:g}, {LOSS_LIMIT:g}]")
    return out


def grid(name: str, value: object) -> np.ndarray:
    """A non-empty one-dimensional array of finite floats (an axis of a grid or a sweep)."""
    return finite_array(name, value, allow_empty=False, ndim=1)


def intervals(name: str, value: object) -> np.ndarray:
    """Finite ``(lo, hi)`` pairs with lo < hi, as an array of shape (k, 2), k >= 1.

    One pair may be given flat, ``(lo, hi)``.  A reversed or empty interval is an
    error, not silently reordered.
    """
    ends = finite_array(name, value, allow_empty=False)
    if ends.ndim == 1:
        ends = ends[None, :]
    if ends.ndim != 2 or ends.shape[1] != 2:
        raise ValueError(f"{name} must be (lo, hi) pairs, got shape {np.shape(value)}")
    bad = np.flatnonzero(~(ends[:, 0] < ends[:, 1]))
    if bad.size:
        lo, hi = ends[bad[0]]
        raise ValueError(f"{name} must have lo < hi in every interval, got ({lo:g}, {hi:g})")
    return ends


def choice(name: str, value: object, options: tuple) -> object:
    """``value`` if it is one of ``options``, else a ValueError naming ``name``."""
    if not any(value is o or (type(value) is type(o) and value == o) for o in options):
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def function(name: str, value: object) -> object:
    """``value`` if it is callable, else a ValueError naming ``name``."""
    if not callable(value):
        raise ValueError(f"{name} must be callable, got {type(value).__name__}")
    return value


def generator(name: str, value: object) -> np.random.Generator:
    """A numpy Generator from ``value``: None, a seed (int >= 0), a SeedSequence,
    a BitGenerator or a Generator (returned as is)."""
    if value is None or isinstance(
        value, (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)
    ):
        return np.random.default_rng(value)
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        raise ValueError(
            f"{name} must be None, an integer seed >= 0 or a numpy Generator, got {value!r}"
        )
    if value < 0:
        raise ValueError(f"{name} must be a seed >= 0, got {value!r}")
    return np.random.default_rng(int(value))
