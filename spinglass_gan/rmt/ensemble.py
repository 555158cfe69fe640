"""The random Hessian ensemble H'(x1) of the GAN spin-glass model.

    H' = b M + [[b1 M1 - x1 I, 0], [0, 0]],

M a GOE of size N with off-diagonal variance 1/(2N) (semicircle radius sqrt 2),
M1 an independent GOE of size N_D = round(kappa N) acting on the first N_D
coordinates (the discriminator block).

Sampling runs on numpy (default) or, with ``backend="torch"``, on a torch device;
see :mod:`spinglass_gan.rmt._torch_backend` and docs/torch.md.
"""

from __future__ import annotations

import contextlib
import math
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits

from .. import _validation as val
from . import _torch_backend as _tb
from ._sampling_kernels import fill_lower, symmetrize_from_lower
from .master_equation import DysonSolution, density, density_moment, solve_dyson, support
from .potential import log_potential

if TYPE_CHECKING:
    import torch

__all__ = ["HessianEnsemble"]

RngLike = int | np.random.Generator | None
Backend = Literal["numpy", "torch"]
DeviceLike = Any  # str, torch.device or None (torch is optional, so not spelled out)
DTypeLike = Any  # torch or numpy float32/float64, their names, or None

# Matrices up to this order are diagonalised with BLAS on one thread.  LAPACK's
# symmetric eigensolver gains little from a second thread at these sizes, while a
# multithreaded BLAS whose threads share a core with another busy process spin-waits
# on each other at every small BLAS call: a batch of small matrices then runs ten to
# thirty times slower than on one thread (benchmarks/bench_threads.py).
SINGLE_THREAD_MAX_N = 1024
SCALE_MAX = 1e100  # largest |b|, |b1|, |x1| accepted (measured failure at 1e160)


def _blas_threads_for(n: int) -> contextlib.AbstractContextManager:
    """One BLAS thread while diagonalising matrices of order ``n`` <= SINGLE_THREAD_MAX_N."""
    if n <= SINGLE_THREAD_MAX_N:
        return threadpool_limits(limits=1, user_api="blas")
    return contextlib.nullcontext()


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
        # Sampling squares the scales (LAPACK failed on infinities at 1e160; 1e150
        # still sampled, and gave the support and density).
        for name, value in (("b", self.b), ("b1", self.b1), ("x1", abs(self.x1))):
            if value > SCALE_MAX:
                raise ValueError(f"{name} must be at most {SCALE_MAX:g} in size, got {value!r}")

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
        """Discriminator block size N_D = round(kappa n), required in [1, n - 1].

        Parameters
        ----------
        n : int
            Matrix size N.

        Returns
        -------
        int
            N_D.
        """
        n = val.integer("n", n, 2)
        n_d = round(self.kappa * n)
        if not 1 <= n_d <= n - 1:
            raise ValueError(f"n={n} gives an empty block at kappa={self.kappa}")
        return n_d

    def _draw_lower(self, n: int, size: int, rng: np.random.Generator) -> NDArray:
        out = np.zeros((size, n, n))
        fill_lower(rng, out, self.b, self.b1, self.block_size(n), self.x1)
        return out

    @staticmethod
    def _checked(
        n: int,
        size: int,
        max_bytes: int,
        device: DeviceLike,
        dtype: DTypeLike,
        as_tensor: bool,
        out_per_matrix: int = 0,
    ) -> tuple[int, int, int, dict[str, Any]]:
        """Validated sizes, and the torch-only options as keywords.

        The memory held is checked against the budget (``val.memory_budget``): one
        matrix being diagonalised takes about 4 n^2 doubles (measured peak 3.3 n^2 for
        n = 1000 and 3000: the matrix, LAPACK's copy and workspace), and the result
        ``out_per_matrix`` doubles per matrix.
        """
        n = val.integer("n", n, 2)
        size = val.integer("size", size, 1)
        max_bytes = val.integer("max_bytes", max_bytes, 1)
        val.within_memory("n", n, 32.0 * n * n, "one matrix of that order")
        val.within_memory("size", size, 8.0 * size * out_per_matrix, f"{size} results")
        return n, size, max_bytes, {"device": device, "dtype": dtype, "as_tensor": as_tensor}

    def _torch_args(self, n: int, size: int, rng: object) -> tuple:
        """Positional arguments of the torch backend's samplers."""
        return (self.b, self.b1, self.x1), n, self.block_size(n), size, rng

    def sample(
        self,
        n: int,
        size: int = 1,
        rng: RngLike = None,
        *,
        backend: Backend = "numpy",
        device: DeviceLike = None,
        dtype: DTypeLike = None,
        max_bytes: int = 1 << 28,
        as_tensor: bool = False,
    ) -> NDArray[np.floating] | torch.Tensor:
        """Draw ``size`` symmetric matrices H' of order ``n``.

        Parameters
        ----------
        n, size : int
            Order of the matrices and how many to draw.
        rng : int, numpy.random.Generator or None
            Seed.  With ``backend="torch"`` it seeds a ``torch.Generator`` on the
            device (a ``torch.Generator`` is also accepted): a different stream from
            numpy's, with the same law; see :meth:`sample_eigvals`.
        backend : {"numpy", "torch"}
            "numpy" (default) draws with the compiled numpy kernel; "torch" draws on
            a torch device (optional dependency, ``pip install spinglass_gan[torch]``).
        device : str or torch.device, optional
            torch only: "cpu" (default), "cuda", "cuda:<i>" or a torch.device.
        dtype : optional
            torch only: float64 (default) or float32 (a torch or numpy dtype or its
            name).  float32 matrices are the float64 draws of the same seed, rounded.
        max_bytes : int
            torch only: bound on the device's working memory, about 3 batches of
            matrices (see :meth:`sample_eigvals`); the returned array is not counted.
            The numpy backend draws straight into the returned array and needs none.
        as_tensor : bool
            torch only: return a tensor on the device instead of a numpy array.

        Returns
        -------
        ndarray or torch.Tensor, shape (size, n, n)
            float64, or float32 with ``dtype=float32``.
        """
        n, size, max_bytes, options = self._checked(
            n, size, max_bytes, device, dtype, as_tensor, n * n
        )
        if _tb.use_torch(backend, **options):
            args = self._torch_args(n, size, rng)
            return _tb.sample(*args, max_bytes=max_bytes, **options)
        out = self._draw_lower(n, size, val.generator("rng", rng))
        symmetrize_from_lower(out)
        return out

    def sample_eigvals(
        self,
        n: int,
        size: int = 1,
        rng: RngLike = None,
        *,
        max_bytes: int = 1 << 28,
        backend: Backend = "numpy",
        device: DeviceLike = None,
        dtype: DTypeLike = None,
        as_tensor: bool = False,
    ) -> NDArray[np.floating] | torch.Tensor:
        """Eigenvalues of ``size`` independent draws of H' of order ``n``.

        numpy backend (default): matrices are generated in batches of at most
        ``max_bytes`` and diagonalised by LAPACK (``numpy.linalg.eigvalsh``),
        reading the lower triangle only; matrices of order up to
        ``SINGLE_THREAD_MAX_N`` (1024) are diagonalised with BLAS limited to one thread,
        which avoids BLAS threads spin-waiting on a shared core.  ``rng`` is an int seed, a
        ``numpy.random.Generator`` or None; the same seed gives the same spectra as
        ``sample`` followed by ``eigvalsh``.

        torch backend (``backend="torch"``, optional dependency): matrices are drawn
        with ``torch.Generator`` normals on ``device`` and diagonalised there by
        batched ``torch.linalg.eigvalsh`` (lower triangle), in batches whose
        estimated working memory, 3 x the batch's bytes (the batch, the copy the
        solver makes of it, workspace) plus one float64 scratch matrix, stays under
        ``max_bytes``; a batch holds at least one matrix.  The generator is seeded
        with ``numpy.random.default_rng(rng).integers(2**63)`` (a
        ``torch.Generator`` is used as given): a different stream from the numpy
        backend's, and from one device type to another, with the same law.  On one
        device the same seed gives the same spectra for every ``max_bytes`` and the
        same matrices for both dtypes, and the same spectra as
        ``sample(..., backend="torch")`` followed by ``eigvalsh``.

        Parameters
        ----------
        n, size : int
            Order of the matrices and how many to draw.
        rng : int, numpy.random.Generator, None (or torch.Generator with torch)
            Seed.
        max_bytes : int
            Memory bound of a batch (see above).
        backend : {"numpy", "torch"}
        device : str or torch.device, optional
            torch only: "cpu" (default), "cuda", "cuda:<i>" or a torch.device.
        dtype : optional
            torch only: float64 (default) or float32.  float32 eigenvalues of the same
            matrices differ from the float64 ones by at most about 1e-8 N times the
            spectral radius (measured 1e-6 at N = 100, 9e-6 at N = 1000, 2.4e-5 at
            N = 4096; docs/torch.md).
        as_tensor : bool
            torch only: return a tensor on the device (for work that stays there;
            the Monte Carlo determinants accept it) instead of a numpy array.

        Returns
        -------
        ndarray or torch.Tensor, shape (size, n)
            Eigenvalues of each draw in ascending order; float64, or float32 with
            ``dtype=float32``.
        """
        n, size, max_bytes, options = self._checked(n, size, max_bytes, device, dtype, as_tensor, n)
        if _tb.use_torch(backend, **options):
            args = self._torch_args(n, size, rng)
            return _tb.sample_eigvals(*args, max_bytes=max_bytes, **options)
        gen = val.generator("rng", rng)
        batch = max(1, min(size, max_bytes // (8 * n * n)))
        out = np.empty((size, n))
        with _blas_threads_for(n):
            for start in range(0, size, batch):
                stop = min(size, start + batch)
                out[start:stop] = np.linalg.eigvalsh(self._draw_lower(n, stop - start, gen))
        return out

    # --------------------------------------------------------- limiting law
    def solve_dyson(self, z: ArrayLike) -> DysonSolution:
        """Block Stieltjes transforms (m, m1, m2) at z; see :func:`~spinglass_gan.solve_dyson`.

        Parameters
        ----------
        z : array_like of complex
            Points in the upper half-plane or off the support.

        Returns
        -------
        DysonSolution
            ``m``, ``m1``, ``m2``, each of the shape of ``z``.
        """
        return solve_dyson(z, *self._params)

    def stieltjes(self, z: ArrayLike) -> NDArray[np.complex128]:
        """Stieltjes transform m(z) = integral rho(lambda) / (lambda - z); Im m > 0 for Im z > 0.

        Parameters
        ----------
        z : array_like of complex
            Points in the upper half-plane or off the support.

        Returns
        -------
        ndarray of complex
            m(z), of the shape of ``z`` (units of 1 / eigenvalue).
        """
        return self.solve_dyson(z).m

    def density(self, lam: ArrayLike) -> NDArray[np.float64]:
        """Limiting spectral density rho(lambda) (1 / eigenvalue units).

        Parameters
        ----------
        lam : array_like of float
            Eigenvalue positions.

        Returns
        -------
        ndarray
            rho, of the shape of ``lam``; zero outside the support.
        """
        return density(lam, *self._params)

    @cached_property
    def _support(self) -> tuple[tuple[float, float], ...]:
        return tuple(support(*self._params))

    def support(self) -> list[tuple[float, float]]:
        """Support intervals [(lo, hi), ...] in increasing order (one or two).

        Returns
        -------
        list of (float, float)
            Disjoint closed intervals, eigenvalue units.
        """
        return list(self._support)

    def log_potential(self, x: ArrayLike) -> NDArray[np.float64]:
        """L(x) = integral log|lambda - x| rho(lambda) d lambda, closed form.

        Parameters
        ----------
        x : array_like of float
            Real points.

        Returns
        -------
        ndarray
            L(x), of the shape of ``x`` (dimensionless).
        """
        return log_potential(x, *self._params)

    def moment(self, k: int) -> float:
        """k-th moment of the limiting density by quadrature (k = 0 is the mass).

        Parameters
        ----------
        k : int
            Order, k >= 0.

        Returns
        -------
        float
            integral of lambda^k rho(lambda) d lambda (eigenvalue units to the k).
        """
        return density_moment(k, *self._params)

    def exact_moments(self, n: int | None = None) -> tuple[float, float]:
        """E tr(H') / N and E tr(H'^2) / N: at size ``n`` or, with None, the limit.

        Exact identities of the ensemble, used as checks:
        -kappa x1 and b^2/2 + kappa b1^2/2 + kappa x1^2 (+ (b^2 + b1^2) / (2 N)).
        At finite ``n`` kappa is the realised share N_D / n.

        Parameters
        ----------
        n : int, optional
            Matrix size N; None for the N -> infinity limit.

        Returns
        -------
        tuple of float
            (E tr(H') / N, E tr(H'^2) / N).
        """
        kappa = self.kappa if n is None else self.block_size(n) / n
        second = 0.5 * self.b**2 + 0.5 * kappa * self.b1**2 + kappa * self.x1**2
        if n is not None:
            second += (self.b**2 + self.b1**2) / (2.0 * n)
        return -kappa * self.x1, second
