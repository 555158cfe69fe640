"""PyTorch backend: H' drawn and diagonalised on a torch device, Monte Carlo
determinants reduced there (private; reached through ``backend="torch"``).

torch is an optional dependency (``pip install spinglass_gan[torch]``).  This module
never imports it at import time: every function that needs it calls
:func:`require_torch`, so ``import spinglass_gan`` does not load torch and the
package works without it.

Random stream
-------------
A ``torch.Generator`` on the target device is seeded with
``np.random.default_rng(rng).integers(2**63)``: an int seed gives a fixed torch seed,
a ``numpy.random.Generator`` gives up one 63-bit draw (and so advances), None draws
fresh entropy.  A ``torch.Generator`` passed as ``rng`` is used as it is.  This is a
different stream from the numpy backend's: the same seed gives different matrices
with the same law, and so does the same seed on a CPU and on a CUDA device (their
generators differ).  On one device the same seed gives the same matrices whatever
``max_bytes`` and ``dtype`` are: each matrix takes its own draws, in order, always in
float64, and a float32 matrix is the float64 one rounded once.

Memory
------
Matrices are processed in batches whose estimated working memory,
``WORK_FACTOR * batch * n**2 * itemsize`` plus one float64 scratch matrix for the
draws, stays under ``max_bytes``.  The factor 3 counts the batch, the copy that
``torch.linalg.eigvalsh`` makes of it (LAPACK and cuSOLVER overwrite their input)
and room for the solver's workspace; measured on CPU (torch 2.13, MKL), eigvalsh
adds 1.0-1.2 batches, so the peak is about 2 batches.  A batch holds at least one
matrix, so a budget below one matrix's working memory processes one matrix at a
time rather than failing.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from .. import _validation as val

if TYPE_CHECKING:
    import torch

WORK_FACTOR = 3  # working memory of a batch, in units of the batch's own bytes
_INSTALL_HINT = "backend='torch' needs PyTorch: pip install 'spinglass_gan[torch]'"


# ------------------------------------------------------------------ imports
def require_torch() -> Any:
    """Import and return torch, or raise ImportError saying how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    return torch


def is_tensor(obj: object) -> bool:
    """True for a torch.Tensor, without importing torch (no tensor exists before it is)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def to_numpy(obj: Any) -> Any:
    """A torch tensor as a numpy array on the host (anything else unchanged)."""
    if is_tensor(obj):
        return obj.detach().cpu().numpy()
    return obj


# --------------------------------------------------------------- validation
def use_torch(
    backend: object,
    *,
    device: object = None,
    dtype: object = None,
    as_tensor: object = False,
) -> bool:
    """Validate ``backend`` (and that torch-only options are not given to numpy).

    Returns True for "torch", False for "numpy"; raises ValueError naming the
    argument otherwise.
    """
    if not isinstance(as_tensor, bool):
        raise ValueError(f"as_tensor must be True or False, got {as_tensor!r}")
    if backend == "torch" and isinstance(backend, str):
        return True
    if backend != "numpy" or not isinstance(backend, str):
        raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
    for name, value in (("device", device), ("dtype", dtype)):
        if value is not None:
            raise ValueError(f"{name} applies to backend='torch' only, got {name}={value!r}")
    if as_tensor:
        raise ValueError("as_tensor=True needs backend='torch'")
    return False


def resolve_device(device: object) -> torch.device:
    """None -> CPU; "cpu", "cuda", "cuda:<i>" or a torch.device of those kinds."""
    torch = require_torch()
    if device is None:
        return torch.device("cpu")
    if isinstance(device, str):
        try:
            dev = torch.device(device)
        except (RuntimeError, ValueError):
            dev = None
    else:
        dev = device if isinstance(device, torch.device) else None
    if dev is None or dev.type not in ("cpu", "cuda"):
        raise ValueError(
            f"device must be 'cpu', 'cuda', 'cuda:<index>' or a torch.device of those "
            f"kinds, got {device!r}"
        )
    if dev.type == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"device={device!r}, but CUDA is not available to this torch")
    index = torch.cuda.current_device() if dev.index is None else dev.index
    if not 0 <= index < torch.cuda.device_count():
        raise ValueError(
            f"device={device!r}, but only {torch.cuda.device_count()} CUDA device(s) exist"
        )
    return torch.device("cuda", index)


def resolve_dtype(dtype: object) -> torch.dtype:
    """None -> float64; float32 or float64 as a torch dtype, a numpy dtype or a name."""
    torch = require_torch()
    if dtype is None:
        return torch.float64
    if isinstance(dtype, torch.dtype):
        out = dtype
    else:
        try:
            name = np.dtype(dtype).name  # type: ignore[call-overload]
        except (TypeError, ValueError):
            name = ""
        out = {"float64": torch.float64, "float32": torch.float32}.get(name)
    if out not in (torch.float64, torch.float32):
        raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
    return out


def make_generator(rng: object, device: torch.device) -> torch.Generator:
    """A torch.Generator on ``device`` seeded from ``rng`` (see the module notes)."""
    torch = require_torch()
    if isinstance(rng, torch.Generator):
        if rng.device.type != device.type or (
            device.type == "cuda" and rng.device.index not in (None, device.index)
        ):
            raise ValueError(f"rng is a torch.Generator on {rng.device}, not on {device}")
        return rng
    # One 63-bit draw: an int seed maps to a fixed torch seed and a numpy Generator
    # advances, exactly as the numpy path consumes its rng argument.
    seed = int(np.random.default_rng(rng).integers(2**63))  # type: ignore[arg-type]
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen


def batch_size(n: int, n_d: int, size: int, itemsize: int, max_bytes: int) -> int:
    """Matrices per batch: estimated working memory under ``max_bytes``, at least 1."""
    scratch = 8 * (n * n + n_d * n_d)  # the float64 draws of one matrix
    per_matrix = WORK_FACTOR * n * n * itemsize
    return int(max(1, min(size, (max_bytes - scratch) // per_matrix)))


# ----------------------------------------------------------------- sampling
class _Drawer:
    """Draws H' into the lower triangles of a batch, one matrix at a time.

    Only the lower triangle is written meaningfully: ``torch.linalg.eigvalsh`` reads
    that triangle alone (UPLO="L"), so the upper one keeps unused draws and no
    symmetrised copy is needed.  Off-diagonal entries get variance b^2/(2N) and
    diagonal ones b^2/N, the law of b (G + G^T)/(2 sqrt N); the discriminator block
    adds b1 times an independent GOE of size N_D and the shift -x1.  Each matrix
    takes N^2 + N_D^2 float64 normals, so the stream does not depend on the batch
    size or on the output dtype.
    """

    def __init__(
        self,
        params: tuple[float, float, float],
        n: int,
        n_d: int,
        gen: torch.Generator,
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        torch = require_torch()
        b, b1, x1 = params
        self.gen = gen
        self.n = n
        self.n_d = n_d
        self.device = device
        self.dtype = dtype
        self.x1 = x1
        self.off = b / math.sqrt(2.0 * n)
        self.off1 = b1 / math.sqrt(2.0 * n_d)
        f64 = torch.float64
        # float32 matrices are built in float64 and rounded once, so that float32 and
        # float64 runs with the same seed see the same matrices.
        self.work = None if dtype == f64 else torch.empty((n, n), dtype=f64, device=device)
        self.work1 = torch.empty((n_d, n_d), dtype=f64, device=device)

    def fill(self, out: torch.Tensor) -> None:
        for k in range(out.shape[0]):
            m = out[k] if self.work is None else self.work
            m.normal_(generator=self.gen).mul_(self.off)
            m.diagonal().mul_(math.sqrt(2.0))
            m1 = self.work1.normal_(generator=self.gen).mul_(self.off1)
            m1.diagonal().mul_(math.sqrt(2.0)).sub_(self.x1)
            m[: self.n_d, : self.n_d].add_(m1)
            if self.work is not None:
                out[k].copy_(m)

    def empty(self, shape: tuple[int, ...]) -> torch.Tensor:
        """An uninitialised tensor of the drawer's dtype on its device."""
        return require_torch().empty(shape, dtype=self.dtype, device=self.device)

    def host_empty(self, shape: tuple[int, ...]) -> NDArray[np.floating]:
        """An uninitialised numpy array of the drawer's dtype."""
        return np.empty(shape, dtype=str(self.dtype).removeprefix("torch."))

    def batches(
        self, size: int, batch: int, target: torch.Tensor | None = None
    ) -> Iterator[tuple[int, int, torch.Tensor]]:
        """Yield ``(start, stop, chunk)``: draws start:stop, their lower triangles filled.

        ``chunk`` is a view of ``target`` when given, else of one buffer reused for
        every batch (consume it before the next).
        """
        buf = self.empty((batch, self.n, self.n)) if target is None else None
        for start in range(0, size, batch):
            stop = min(size, start + batch)
            chunk = target[start:stop] if buf is None else buf[: stop - start]
            self.fill(chunk)
            yield start, stop, chunk


def _drawer(
    params: tuple[float, float, float],
    n: int,
    n_d: int,
    size: int,
    rng: object,
    device: object,
    dtype: object,
    max_bytes: int,
) -> tuple[_Drawer, int]:
    """The drawer for these arguments and the matrices per batch under ``max_bytes``."""
    dev = resolve_device(device)
    dt = resolve_dtype(dtype)
    drawer = _Drawer(params, n, n_d, make_generator(rng, dev), dev, dt)
    return drawer, batch_size(n, n_d, size, dt.itemsize, max_bytes)


def sample(
    params: tuple[float, float, float],
    n: int,
    n_d: int,
    size: int,
    rng: object,
    *,
    device: object,
    dtype: object,
    max_bytes: int,
    as_tensor: bool,
) -> NDArray[np.floating] | torch.Tensor:
    """``size`` symmetric matrices H', shape (size, n, n); see ``HessianEnsemble.sample``."""
    drawer, batch = _drawer(params, n, n_d, size, rng, device, dtype, max_bytes)
    shape = (size, n, n)
    out = drawer.empty(shape) if as_tensor else drawer.host_empty(shape)
    for start, stop, chunk in drawer.batches(size, batch, out if as_tensor else None):
        strict = chunk.tril(-1)
        chunk.tril_().add_(strict.mT)
        if not as_tensor:
            out[start:stop] = chunk.cpu().numpy()
    return out


def sample_eigvals(
    params: tuple[float, float, float],
    n: int,
    n_d: int,
    size: int,
    rng: object,
    *,
    device: object,
    dtype: object,
    max_bytes: int,
    as_tensor: bool,
) -> NDArray[np.floating] | torch.Tensor:
    """Spectra of ``size`` draws, shape (size, n); see ``HessianEnsemble.sample_eigvals``."""
    torch = require_torch()
    drawer, batch = _drawer(params, n, n_d, size, rng, device, dtype, max_bytes)
    out = drawer.empty((size, n)) if as_tensor else drawer.host_empty((size, n))
    for start, stop, chunk in drawer.batches(size, batch):
        ev = torch.linalg.eigvalsh(chunk, UPLO="L")
        out[start:stop] = ev if as_tensor else ev.cpu().numpy()
    return out


# ------------------------------------------------------- Monte Carlo determinants
def spectra(eigvals: object, device: object) -> torch.Tensor:
    """(K, N) spectra as a float32/float64 tensor on ``device`` (default: where they are).

    A tensor keeps its dtype when it is float32 or float64 and is converted to
    float64 otherwise; array-likes become float64 tensors.
    """
    torch = require_torch()
    dev = None if device is None else resolve_device(device)
    if is_tensor(eigvals):
        t = eigvals.detach()  # type: ignore[union-attr]
        if t.dtype not in (torch.float32, torch.float64):
            t = t.to(torch.float64)
    else:
        t = torch.from_numpy(np.ascontiguousarray(val.finite_array("eigvals", eigvals)))
    if dev is not None:
        t = t.to(dev)
    if t.ndim != 2 or t.shape[0] < 2 or t.shape[1] < 1:
        raise ValueError("eigvals must have shape (K, N) with K >= 2 samples")
    if not bool(torch.isfinite(t).all()):
        raise ValueError("eigvals must contain only finite values")
    return t.contiguous()


def log_abs_det(spec: torch.Tensor, xs: NDArray[np.float64], chunk_elements: int) -> torch.Tensor:
    """sum_i log|lambda_i^(k) - x| for every sample k and every x in ``xs`` (flat).

    Returns a float64 tensor (K, xs.size) on the spectra's device.  float32 spectra
    are widened to float64 first: in float32, x rounds onto an eigenvalue with
    probability about ulp(x) / (eigenvalue spacing), 1e-5 to 1e-4 per sample and x
    inside the bulk at N = 500, and log 0 = -inf then; a float32 sum of N logarithms
    would also lose about N * 6e-8 of relative precision.  The spectra are small
    (K x N) next to the matrices they came from, so this costs little memory; the
    error left is that of the float32 eigenvalues themselves.
    """
    torch = require_torch()
    spec = spec.to(torch.float64)
    k = spec.shape[0]
    flat = torch.as_tensor(xs.ravel(), dtype=torch.float64, device=spec.device)
    out = torch.empty((k, flat.numel()), dtype=torch.float64, device=spec.device)
    chunk = max(1, chunk_elements // spec.numel())
    for start in range(0, flat.numel(), chunk):
        diff = spec[:, :, None] - flat[None, None, start : start + chunk]
        out[:, start : start + chunk] = diff.abs_().log_().sum(dim=1)
    return out


def annealed(
    logs: torch.Tensor,
    n: int,
    stderr: Literal["delta", "bootstrap"],
    n_boot: int,
    rng: object,
    chunk_elements: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Annealed value and standard error from (K, M) float64 log-determinants.

    The same formulas as the numpy path (log-sum-exp; delta method or bootstrap
    with indices drawn by numpy from ``rng``, so the same seed resamples the same
    spectra on both backends), evaluated on the tensor's device.  The bootstrap is
    chunked over x so that the (n_boot, K, chunk) gather stays under
    ``chunk_elements``.
    """
    torch = require_torch()
    k = logs.shape[0]
    value = (torch.logsumexp(logs, dim=0) - math.log(k)) / n
    if stderr == "delta":
        y = torch.exp(logs - logs.amax(dim=0))
        se = y.std(dim=0, correction=1) / (math.sqrt(k) * y.mean(dim=0)) / n
    else:
        idx_np = np.random.default_rng(rng).integers(0, k, size=(n_boot, k))  # type: ignore[arg-type]
        idx = torch.from_numpy(idx_np).to(logs.device)
        se = torch.empty_like(value)
        chunk = max(1, chunk_elements // idx.numel())
        for start in range(0, logs.shape[1], chunk):
            boots = torch.logsumexp(logs[:, start : start + chunk][idx], dim=1) - math.log(k)
            se[start : start + chunk] = boots.std(dim=0, correction=1) / n
    return value.cpu().numpy(), se.cpu().numpy()


def quenched(logs: torch.Tensor, n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Quenched value and standard error from (K, M) float64 log-determinants."""
    k = logs.shape[0]
    value = logs.mean(dim=0) / n
    se = logs.std(dim=0, correction=1) / math.sqrt(k) / n
    return value.cpu().numpy(), se.cpu().numpy()
