"""Argument checks shared by the public API.

Every public entry point validates its scalars here so that bad input raises a
``ValueError`` naming the offending argument instead of propagating NaNs.
"""

from __future__ import annotations

import math
import os
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


# -- limits of what can be computed ---------------------------------------------------
# Each limit below was measured (docs/model.md, "Accepted ranges"): outside it the
# computation either runs out of memory, loses its accuracy in double precision, or
# fails, so the input is refused up front with a ValueError naming the argument.

MEMORY_BUDGET_ENV = "SPINGLASS_GAN_MEMORY_BUDGET"
DEFAULT_MEMORY_BUDGET = 2 * 2**30  # bytes: well under a laptop's memory

# kappa of the asymptotic model: the line scans step by a fraction of each block's
# spectral radius, which shrinks with kappa (or 1 - kappa); at kappa = 1e-5 or
# 1 - 1e-5 a scan needs ~10^7 points (MemoryError under 4 GB), at 1e-4 / 1 - 1e-4 it
# takes up to 6 s and 1.2 GB, at 1e-3 / 1 - 1e-3 under 1.5 s and 0.4 GB.
KAPPA_MIN = 1e-3

# Largest p + q of the asymptotic model.  The published formula's scales hold
# (p + q) 2^(p + q), finite and accurate far beyond; 60 is the range checked.
ORDER_SUM_MAX = 60

# Largest condition number of the derived formula's loss covariance (of l_D, l_G,
# rho): the Gaussian term's precision is computed from it, to about cond * 1e-16
# relative.  It grows like 2^(2(p+q)) sigma_z^2 (or 1/sigma_z^2); the precision
# stops being positive definite near 1e16 (p = 2, q = 40 at sigma_z = 1).
COND_MAX = 1e12

# Largest block index k_D, k_G: the complexity is that of a fixed index as N grows,
# so an index is meaningful only far below N; larger values are refused.
INDEX_MAX = 1000


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"  # pragma: no cover


def memory_budget() -> int:
    """Bytes one computation may hold: ``$SPINGLASS_GAN_MEMORY_BUDGET`` or 2 GiB.

    The variable takes a number of bytes, optionally with a suffix K, M, G or T
    (powers of 1024): ``SPINGLASS_GAN_MEMORY_BUDGET=8G``.
    """
    text = os.environ.get(MEMORY_BUDGET_ENV, "").strip()
    if not text:
        return DEFAULT_MEMORY_BUDGET
    scale = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}.get(text[-1].upper(), 1)
    try:
        value = float(text[:-1] if scale > 1 else text) * scale
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{MEMORY_BUDGET_ENV} must be a number of bytes > 0, got {text!r}")
    return int(value)


def within_memory(name: str, value: object, needed: float, what: str) -> None:
    """Refuse ``value`` of ``name`` if ``what`` needs more than the memory budget."""
    budget = memory_budget()
    if needed > budget:
        raise ValueError(
            f"{name}={value!r} needs about {_bytes(needed)} for {what}, over the memory "
            f"budget of {_bytes(budget)} (set {MEMORY_BUDGET_ENV} to change it)"
        )


def model_kappa(value: object) -> float:
    """kappa of the asymptotic model: in [KAPPA_MIN, 1 - KAPPA_MIN]."""
    out = open_unit("kappa", value)
    if not KAPPA_MIN <= out <= 1.0 - KAPPA_MIN:
        raise ValueError(
            f"kappa must lie in [{KAPPA_MIN:g}, {1.0 - KAPPA_MIN:g}] for the asymptotic "
            f"model (closer to 0 or 1 its block spectra are too thin to scan), got {value!r}"
        )
    return out


def model_orders(p: object, q: object) -> tuple[int, int]:
    """p >= 2 and q >= 1 with p + q <= ORDER_SUM_MAX."""
    p_, q_ = integer("p", p, 2), integer("q", q, 1)
    if p_ + q_ > ORDER_SUM_MAX:
        name = "p" if p_ >= q_ else "q"
        raise ValueError(
            f"{name} is too large: p + q must be <= {ORDER_SUM_MAX}, got p={p!r}, q={q!r}"
        )
    return p_, q_


def derived_conditioning(cov: np.ndarray, p: int, q: int, sigma_z: float) -> None:
    """Refuse (p, q, sigma_z) whose loss covariance ``cov`` is too ill-conditioned.

    The derived formula inverts it; beyond COND_MAX the inverse loses its digits.
    """
    cond = float(np.linalg.cond(cov))
    if not cond <= COND_MAX:
        name = "sigma_z" if p + q <= 12 else ("p" if p >= q else "q")
        raise ValueError(
            f"{name} out of the computable range: p={p}, q={q}, "
            f"sigma_z={sigma_z:g} give a loss covariance of condition number "
            f"{cond:.2g} > {COND_MAX:g} (p + q smaller, or sigma_z nearer 1)"
        )


# Bytes held while the suprema of a (u_D, u_G) grid are found: per point, measured
# peak 484 B for the derived formula (1600 x 1600 grid, 1.24 GB over the baseline),
# 213 B for the published one; and per u_G row, whose faces are scanned line by
# line: up to 170 kB at kappa = 0.001 (5 x 20000 grid: 3.4 GB, a MemoryError under
# 4 GB; 19-28 kB per row at kappa = 0.9), per u_D column about 10 kB.
GRID_BYTES_PER_POINT = 512
GRID_BYTES_PER_ROW = 256 * 1024
GRID_BYTES_PER_COLUMN = 16 * 1024


def grid_memory(u_D: np.ndarray, u_G: np.ndarray) -> None:
    """Refuse a (u_D, u_G) grid whose computation would exceed the memory budget."""
    points = u_D.size * u_G.size
    needed = (
        GRID_BYTES_PER_POINT * points
        + GRID_BYTES_PER_ROW * u_G.size
        + GRID_BYTES_PER_COLUMN * u_D.size
    )
    within_memory("u_D, u_G", (u_D.size, u_G.size), needed, f"{points} grid points")


# Largest ratio b1 / b of the Hessian ensemble's two scales (b1 = sqrt(p (p-1) kappa),
# b = sqrt(r (r-1) 2^r) sigma_z): the Dyson equation's roots stop being told apart
# between 1e7 and 1e8 (measured at (p, q) = (2, 1), (3, 3), (7, 2) and kappa up to
# 0.999: tiny sigma_z), so a tenth of that is the limit.
SCALE_RATIO_MAX = 1e6


def scale_ratio(b: float, b1: float) -> None:
    """Refuse a model whose ensemble scales b1 / b exceed SCALE_RATIO_MAX."""
    if not b1 <= SCALE_RATIO_MAX * b:
        raise ValueError(
            f"sigma_z is too small: the Hessian scales b = {b:.3g}, b1 = {b1:.3g} have "
            f"b1 / b > {SCALE_RATIO_MAX:g}, beyond which the spectrum cannot be resolved"
        )


def block_index(name: str, value: object) -> int | None:
    """A block index k_D or k_G: None (no constraint) or an int in [0, INDEX_MAX]."""
    if value is None:
        return None
    out = integer(name, value, 0)
    if out > INDEX_MAX:
        raise ValueError(
            f"{name} must be <= {INDEX_MAX} (a fixed index, far below N), got {value!r}"
        )
    return out
