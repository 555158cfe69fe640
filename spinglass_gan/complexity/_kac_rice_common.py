"""Shared pieces of the finite-N Kac-Rice estimators: checks, types, prefactor (private)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from .. import _validation as val
from .derived import DerivedConstants

DIndex = Literal["ascent", "descent"]
RngLike = int | np.random.Generator | None
Proposal = (
    NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.float64]] | Literal["auto"] | None
)
Sampler = Literal["auto", "dense", "spectral", "edge"]
MAX_BYTES = 1 << 25  # matrices held at once while sampling (32 MiB)
MAX_DRAW_BYTES = 1 << 28  # the largest array of one draw (256 MiB): larger sizes are refused
LOG_MAX = 700.0  # exp() of more than this overflows float64 (~709.8)


# ------------------------------------------------------------------ validation
def threshold(name: str, value: object) -> float:
    """A loss threshold per N: any real number or +-inf, not NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number or +-inf, got {value!r}")
    out = float(value)
    if math.isnan(out):
        raise ValueError(f"{name} must not be NaN")
    return out


def index(name: str, value: object, block: int) -> int | None:
    """A block index: None (no constraint) or an integer in [0, block]."""
    if value is None:
        return None
    out = val.integer(name, value, 0)
    if out > block:
        raise ValueError(f"{name} must be <= {block} (the block's order), got {value!r}")
    return out


def d_index(value: object) -> DIndex:
    if value not in ("ascent", "descent"):
        raise ValueError(f"d_index must be 'ascent' or 'descent', got {value!r}")
    return value  # type: ignore[return-value]


def sizes(n_D: object, n_G: object) -> tuple[int, int]:
    return val.integer("n_D", n_D, 2), val.integer("n_G", n_G, 2)


def model_constants(p: object, q: object, sigma_z: object, n_D: int, n_G: int) -> DerivedConstants:
    p = val.integer("p", p, 2)
    q = val.integer("q", q, 1)
    sigma_z = val.positive("sigma_z", sigma_z)
    return DerivedConstants.from_model(p, q, sigma_z, n_D / (n_D + n_G))


# ------------------------------------------------------------------ prefactor
def log_sphere_area(n: int, big_n: int) -> float:
    """log Vol(S^(n-1)(sqrt N)) = log(2 pi^(n/2) N^((n-1)/2) / Gamma(n/2))."""
    return (
        math.log(2.0)
        + 0.5 * n * math.log(math.pi)
        + 0.5 * (n - 1) * math.log(big_n)
        - float(gammaln(0.5 * n))
    )


def log_prefactor(n_D: int, n_G: int, constants: DerivedConstants) -> float:
    """log[V_D V_G (2 pi)^(-(N-2)/2) v_D^(-(n_D-1)/2) v_G^(-(n_G-1)/2)] (dimensionless).

    Per N it tends to the constant C* of ``constants`` (Stirling).
    """
    n_D, n_G = sizes(n_D, n_G)
    n = n_D + n_G
    return (
        log_sphere_area(n_D, n)
        + log_sphere_area(n_G, n)
        - 0.5 * (n - 2) * math.log(2.0 * math.pi)
        - 0.5 * (n_D - 1) * math.log(constants.v_D)
        - 0.5 * (n_G - 1) * math.log(constants.v_G)
    )
