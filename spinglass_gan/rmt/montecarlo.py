"""Monte Carlo estimates of (1/N) log E|det(H' - x)| from sampled spectra.

Given spectra lambda^(k), k = 1..K, of H' at size N (docs/theory.md, "Monte Carlo
determinants"):

* annealed:  (1/N) log( (1/K) sum_k exp(l_k(x)) ),  l_k(x) = sum_i log|lambda_i^(k) - x|,
  evaluated with log-sum-exp so that no determinant is ever formed (a product of
  eigenvalues overflows double precision at N of a few hundred);
* quenched:  (1/(N K)) sum_k l_k(x).

Both tend to the log-potential L(x) at rate O(1/N) (up to logarithms).

Every function takes ``backend`` (None, "numpy" or "torch") and ``device``.  With
the default None, torch tensors (e.g. from ``sample_eigvals(..., backend="torch",
as_tensor=True)``) are reduced on their own device by torch and everything else by
numpy; "torch" moves array input to ``device`` (default CPU).  The torch path works
in float64 whatever the spectra's dtype (in float32, x can round onto an eigenvalue
and give log 0) and does the log-sum-exp and standard errors on the device; results
come back as numpy arrays.  From float32 spectra of the same matrices,
(1/N) log|det(H' - x)| differs from float64 by about 1e-6 for x away from the
spectrum; near an eigenvalue the error is the eigenvalue's float32 error over its
distance to x, so single samples can be off by 1e-3 and more (docs/torch.md).
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .. import _validation as val
from . import _torch_backend as _tb

__all__ = ["MCEstimate", "annealed_log_det", "log_abs_det", "quenched_log_det"]

_CHUNK_ELEMENTS = 1 << 22  # elements of the temporary array in log_abs_det


class MCEstimate(NamedTuple):
    """A Monte Carlo estimate and its standard error (same shape).

    Attributes
    ----------
    value : ndarray
        The estimate.
    stderr : ndarray
        Its standard error, of the same shape and units.
    """

    value: NDArray[np.float64]
    stderr: NDArray[np.float64]


Backend = Literal["numpy", "torch"] | None


def _torch_path(eigvals: object, backend: object, device: object) -> bool:
    """Which backend reduces ``eigvals``: None picks torch for tensors, numpy otherwise."""
    if backend is None:
        backend = "torch" if _tb.is_tensor(eigvals) else "numpy"
    return _tb.use_torch(backend, device=device)


def _torch_logs(eigvals: object, x: ArrayLike, device: object) -> tuple[Any, int, tuple]:
    """The torch path's log-determinants (K, x.size) on the device, N and x's shape."""
    spec = _tb.spectra(eigvals, device)
    xs = val.finite_array("x", _tb.to_numpy(x))
    return _tb.log_abs_det(spec, xs, _CHUNK_ELEMENTS), spec.shape[1], xs.shape


def _spectra(eigvals: ArrayLike) -> NDArray[np.float64]:
    spectra = val.finite_array("eigvals", _tb.to_numpy(eigvals))
    if spectra.ndim != 2 or spectra.shape[0] < 2 or spectra.shape[1] < 1:
        raise ValueError("eigvals must have shape (K, N) with K >= 2 samples")
    return np.ascontiguousarray(spectra)


def log_abs_det(
    eigvals: ArrayLike,
    x: ArrayLike,
    *,
    backend: Backend = None,
    device: object = None,
) -> NDArray[np.float64]:
    """log|det(H'_k - x)| = sum_i log|lambda_i^(k) - x| for every sample and x.

    Vectorised over chunks of x so that the temporary (K, N, chunk) array stays
    under about 32 MB (4M elements), whatever the sizes.

    Parameters
    ----------
    eigvals : array_like or torch.Tensor, shape (K, N)
        Spectra of K sampled matrices.
    x : array_like
        Shift(s), any shape.
    backend : {None, "numpy", "torch"}
        None: torch for a torch tensor, numpy otherwise (see the module notes).
    device : str or torch.device, optional
        torch only: where to compute (default: where the tensor is, or CPU).

    Returns
    -------
    ndarray, shape (K,) + x.shape
    """
    if _torch_path(eigvals, backend, device):
        logs, _, shape = _torch_logs(eigvals, x, device)
        return logs.cpu().numpy().reshape((logs.shape[0], *shape))
    spectra = _spectra(eigvals)
    xs = val.finite_array("x", _tb.to_numpy(x))
    flat = xs.ravel()
    out = np.empty((spectra.shape[0], flat.size))
    chunk = max(1, _CHUNK_ELEMENTS // spectra.size)
    for start in range(0, flat.size, chunk):
        diff = spectra[:, :, None] - flat[None, None, start : start + chunk]
        out[:, start : start + chunk] = np.log(np.abs(diff)).sum(axis=1)
    return out.reshape((spectra.shape[0], *xs.shape))


def annealed_log_det(
    eigvals: ArrayLike,
    x: ArrayLike,
    *,
    stderr: Literal["delta", "bootstrap"] = "delta",
    n_boot: int = 400,
    rng: int | np.random.Generator | None = None,
    backend: Backend = None,
    device: object = None,
) -> MCEstimate:
    """(1/N) log of the sample mean of ``|det(H' - x)|``, with its standard error.

    Parameters
    ----------
    eigvals : array_like, shape (K, N)
    x : array_like
    stderr : {"delta", "bootstrap"}
        Delta method, se = sd(Y) / (sqrt(K) mean(Y) N) with Y = ``|det|`` rescaled by
        its largest sample; or the standard deviation of ``n_boot`` bootstrap
        resamples of the K spectra.
    n_boot : int
        Bootstrap resamples.
    rng : int, Generator or None
        Seed for the bootstrap (numpy draws the resampling indices on both
        backends).
    backend : {None, "numpy", "torch"}
        None: torch for a torch tensor, numpy otherwise (see the module notes).
    device : str or torch.device, optional
        torch only: where to compute (default: where the tensor is, or CPU).

    Returns
    -------
    MCEstimate
        ``value`` and ``stderr`` of the shape of ``x``, per unit of N.
    """
    if stderr not in ("delta", "bootstrap"):
        raise ValueError(f"stderr must be 'delta' or 'bootstrap', got {stderr!r}")
    if stderr == "bootstrap":
        n_boot = val.integer("n_boot", n_boot, 2)
    if _torch_path(eigvals, backend, device):
        logs, n, shape = _torch_logs(eigvals, x, device)
        value, se = _tb.annealed(logs, n, stderr, n_boot, rng, _CHUNK_ELEMENTS)
        return MCEstimate(value.reshape(shape), se.reshape(shape))
    spectra = _spectra(eigvals)
    logs = log_abs_det(spectra, x)
    k, n = spectra.shape
    value = (logsumexp(logs, axis=0) - np.log(k)) / n
    if stderr == "delta":
        y = np.exp(logs - logs.max(axis=0))
        se = y.std(axis=0, ddof=1) / (np.sqrt(k) * y.mean(axis=0)) / n
    else:
        idx = np.random.default_rng(rng).integers(0, k, size=(n_boot, k))
        boots = logsumexp(logs[idx], axis=1) - np.log(k)
        se = boots.std(axis=0, ddof=1) / n
    return MCEstimate(value, se)


def quenched_log_det(
    eigvals: ArrayLike,
    x: ArrayLike,
    *,
    backend: Backend = None,
    device: object = None,
) -> MCEstimate:
    """(1/(N K)) sum_k log|det(H'_k - x)| and its standard error over the K samples.

    Parameters
    ----------
    eigvals : array_like or torch.Tensor, shape (K, N)
        Spectra of K sampled matrices.
    x : array_like
        Shift(s), any shape.
    backend : {None, "numpy", "torch"}
        None: torch for a torch tensor, numpy otherwise (as in :func:`log_abs_det`).
    device : str or torch.device, optional
        torch only: where to compute (default: where the tensor is, or CPU).

    Returns
    -------
    MCEstimate
        ``value`` (the mean of (1/N) log|det(H'_k - x)| over the K samples) and
        ``stderr`` (the sample standard deviation over sqrt(K)), of the shape of ``x``.
    """
    if _torch_path(eigvals, backend, device):
        logs, n, shape = _torch_logs(eigvals, x, device)
        value, se = _tb.quenched(logs, n)
        return MCEstimate(value.reshape(shape), se.reshape(shape))
    spectra = _spectra(eigvals)
    logs = log_abs_det(spectra, x)
    k, n = spectra.shape
    return MCEstimate(logs.mean(axis=0) / n, logs.std(axis=0, ddof=1) / np.sqrt(k) / n)
