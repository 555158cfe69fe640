"""The random Hessian ensemble H'(x1) of the GAN spin-glass model (SPEC section 2).

    H' = b M + [[b1 M1 - x1 I, 0], [0, 0]],

M a GOE of size N with off-diagonal variance 1/(2N) (semicircle radius sqrt 2),
M1 an independent GOE of size N_D = round(kappa N) acting on the first N_D
coordinates (the discriminator block).
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validation as val
from ._sampling_kernels import fill_lower, symmetrize_from_lower
from .master_equation import DysonSolution, density, density_moment, solve_dyson, support
from .potential import log_potential

__all__ = ["HessianEnsemble"]

RngLike = int | np.random.Generator | None


class HessianEnsemble:
    """Random matrix H' and its limiting spectral law.

    Parameters
    ----------
    b : float
        Scale of the full-size GOE, > 0.
    b1 : float
        Scale of the discriminator-block GOE, >= 0.
    kappa : float
        Discriminator share of the N dimensions, in (0, 1).
    x1 : float, default 0
        Shift of the discriminator block.

    Examples
    --------
    >>> import spinglass_gan as sg
    >>> ens = sg.HessianEnsemble(b=1.0, b1=1.0, kappa=0.5, x1=3.0)
    >>> [tuple(round(e, 4) for e in iv) for iv in ens.support()]
    [(-4.7883, -1.4288), (-0.89, 1.0745)]
    >>> float(ens.density(0.0)) > 0
    True
    """

    def __init__(self, b: float, b1: float, kappa: float, x1: float = 0.0) -> None:
        self.b = val.positive("b", b)
        self.b1 = val.non_negative("b1", b1)
        self.kappa = val.open_unit("kappa", kappa)
        self.x1 = val.real_scalar("x1", x1)

    def __repr__(self) -> str:
        return (
            f"HessianEnsemble(b={self.b!r}, b1={self.b1!r}, kappa={self.kappa!r}, x1={self.x1!r})"
        )

    @property
    def _params(self) -> tuple[float, float, float, float]:
        return self.b, self.b1, self.kappa, self.x1

    # ----------------------------------------------------------------- radii
    @property
    def radius_G(self) -> float:
        """Semicircle radius E_G = b sqrt(2 (1 - kappa)) of the generator block alone."""
        return self.b * math.sqrt(2.0 * (1.0 - self.kappa))

    @property
    def radius_D(self) -> float:
        """Semicircle radius E_D = sqrt(2 (kappa b^2 + b1^2)) of the discriminator block
        alone, before the shift -x1."""
        return math.sqrt(2.0 * (self.kappa * self.b**2 + self.b1**2))

    # -------------------------------------------------------------- sampling
    def block_size(self, n: int) -> int:
        """Discriminator block size N_D = round(kappa n), required in [1, n - 1]."""
        n = val.integer("n", n, 2)
        n_d = round(self.kappa * n)
        if not 1 <= n_d <= n - 1:
            raise ValueError(f"n={n} gives an empty block at kappa={self.kappa}")
        return n_d

    def _draw_lower(self, n: int, size: int, rng: np.random.Generator) -> NDArray:
        out = np.zeros((size, n, n))
        fill_lower(rng, out, self.b, self.b1, self.block_size(n), self.x1)
        return out

    def sample(self, n: int, size: int = 1, rng: RngLike = None) -> NDArray[np.float64]:
        """Draw ``size`` symmetric matrices H' of order ``n``.

        Returns
        -------
        ndarray, shape (size, n, n)
        """
        n = val.integer("n", n, 2)
        size = val.integer("size", size, 1)
        out = self._draw_lower(n, size, np.random.default_rng(rng))
        symmetrize_from_lower(out)
        return out

    def sample_eigvals(
        self,
        n: int,
        size: int = 1,
        rng: RngLike = None,
        *,
        max_bytes: int = 1 << 28,
    ) -> NDArray[np.float64]:
        """Eigenvalues of ``size`` independent draws of H' of order ``n``.

        Matrices are generated in batches of at most ``max_bytes`` and
        diagonalised by LAPACK (``numpy.linalg.eigvalsh``), reading the lower
        triangle only.  ``rng`` is an int seed, a ``numpy.random.Generator`` or
        None; the same seed gives the same spectra as ``sample`` followed by
        ``eigvalsh``.

        Returns
        -------
        ndarray, shape (size, n)
            Eigenvalues of each draw in ascending order.
        """
        n = val.integer("n", n, 2)
        size = val.integer("size", size, 1)
        max_bytes = val.integer("max_bytes", max_bytes, 1)
        gen = np.random.default_rng(rng)
        batch = max(1, min(size, max_bytes // (8 * n * n)))
        out = np.empty((size, n))
        for start in range(0, size, batch):
            stop = min(size, start + batch)
            out[start:stop] = np.linalg.eigvalsh(self._draw_lower(n, stop - start, gen))
        return out

    # --------------------------------------------------------- limiting law
    def solve_dyson(self, z: ArrayLike) -> DysonSolution:
        """Block Stieltjes transforms (m, m1, m2) at z; see :func:`density.solve_dyson`."""
        return solve_dyson(z, *self._params)

    def stieltjes(self, z: ArrayLike) -> NDArray[np.complex128]:
        """Stieltjes transform m(z) = integral rho(lambda) / (lambda - z); Im m > 0 for Im z > 0."""
        return self.solve_dyson(z).m

    def density(self, lam: ArrayLike) -> NDArray[np.float64]:
        """Limiting spectral density rho(lambda) (1 / eigenvalue units)."""
        return density(lam, *self._params)

    @cached_property
    def _support(self) -> tuple[tuple[float, float], ...]:
        return tuple(support(*self._params))

    def support(self) -> list[tuple[float, float]]:
        """Support intervals [(lo, hi), ...] in increasing order (one or two)."""
        return list(self._support)

    def log_potential(self, x: ArrayLike) -> NDArray[np.float64]:
        """L(x) = integral log|lambda - x| rho(lambda) d lambda, closed form."""
        return log_potential(x, *self._params)

    def moment(self, k: int) -> float:
        """k-th moment of the limiting density by quadrature (k = 0 is the mass)."""
        return density_moment(k, *self._params)

    def exact_moments(self, n: int | None = None) -> tuple[float, float]:
        """E tr(H') / N and E tr(H'^2) / N: at size ``n`` or, with None, the limit.

        Exact identities of SPEC section 2, used as checks:
        -kappa x1 and b^2/2 + kappa b1^2/2 + kappa x1^2 (+ (b^2 + b1^2) / (2 N)).
        At finite ``n`` kappa is the realised share N_D / n.
        """
        kappa = self.kappa if n is None else self.block_size(n) / n
        second = 0.5 * self.b**2 + 0.5 * kappa * self.b1**2 + kappa * self.x1**2
        if n is not None:
            second += (self.b**2 + self.b1**2) / (2.0 * n)
        return -kappa * self.x1, second
