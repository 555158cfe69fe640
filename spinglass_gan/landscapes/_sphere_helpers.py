"""Helpers shared by the sampled landscapes and games: the random generator a seed
stands for, and orthonormal bases of the tangent spaces of spheres.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def as_generator(rng: object) -> np.random.Generator:
    """A numpy Generator from ``rng`` (shared by the sampled landscapes and games).

    Parameters
    ----------
    rng : None, int, SeedSequence or Generator
        A Generator is returned as is; None, an int seed >= 0 or a SeedSequence seed
        a new one.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    ValueError
        For a negative seed, a bool or any other type (naming ``rng``).
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer, np.random.SeedSequence)):
        if isinstance(rng, (bool, np.bool_)) or (
            isinstance(rng, (int, np.integer)) and int(rng) < 0
        ):
            raise ValueError(f"rng must be a non-negative int seed or a Generator, got {rng!r}")
        return np.random.default_rng(rng)
    raise ValueError(f"rng must be None, an int seed, a SeedSequence or a Generator, got {rng!r}")


def sphere_tangent_basis(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Orthonormal bases of the complements of the unit vectors u (..., n) -> (..., n, n-1).

    Householder reflection H = I - 2 v v^T / |v|^2, v = u + sign(u_0) e_0, maps e_0 to
    a multiple of u, so its other columns span the complement of u.

    Parameters
    ----------
    u : ndarray, shape (..., n)
        Unit vectors (a point of a sphere divided by its radius).

    Returns
    -------
    ndarray, shape (..., n, n - 1)
        Orthonormal columns, each orthogonal to the matching u.
    """
    n = u.shape[-1]
    v = u.copy()
    s = np.where(u[..., 0] >= 0, 1.0, -1.0)
    v[..., 0] += s
    h = np.eye(n) - 2.0 * v[..., :, None] * v[..., None, :] / np.sum(v * v, -1)[..., None, None]
    return h[..., :, 1:]
