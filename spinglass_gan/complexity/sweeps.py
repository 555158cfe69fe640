"""Hyperparameter effects: the lowest losses at which critical points exist.

For fixed (p, q) and a sweep over sigma_z or kappa :

* u_D_min = inf{u_D : Theta(u_D, +inf) > 0},  u_G_min = inf{u_G : Theta(+inf, u_G) > 0};
* the lowest u_D + u_G over {Theta > 0}, and the (u_D, u_G) where it is reached.

Theta is non-decreasing in each loss, so each is the single zero of a monotone
function, found by Brent's method on exact suprema; the best Theta on the line
u_D + u_G = sigma is a supremum over one more half-space, non-decreasing in sigma.
Each Kac-Rice formula computes them
(:meth:`~spinglass_gan.complexity.formulas.KacRiceFormula.lowest_losses`).  The largest
|u_D - u_G| over {Theta > 0} is not reported: the set is unbounded upwards in both
losses, so that supremum is infinite.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from ..io.results import load_result, save_result, user_metadata
from ..io.runner import RESULT_FILE, run_tasks, task_id
from .formulas import KacRiceFormula, LowestLosses, formula_class
from .model import Formula, GanSpinGlass

__all__ = ["LowestLosses", "Sweep", "lowest_losses", "sweep"]

# Failures of a numerical method (not of the arguments): a sweep records them per
# point instead of stopping.
NUMERICAL_ERRORS = (ArithmeticError, np.linalg.LinAlgError)


def _encode_reason(reason: str) -> NDArray[np.uint8]:
    """A reason string as bytes, so that it travels in a task's numeric arrays."""
    return np.frombuffer(reason.encode("utf-8"), dtype=np.uint8).copy()


def _decode_reason(row) -> str:
    """The reason stored by a task ("" when it succeeded, or for older task files)."""
    if "reason" not in row:
        return ""
    return np.asarray(row["reason"], dtype=np.uint8).tobytes().decode("utf-8")


def failure_reason(exc: BaseException) -> str:
    """One line naming a numerical failure."""
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


_FIELDS = ("theta_max", "u_D_min", "u_G_min", "sum_min", "sum_u_D", "sum_u_G")


def lowest_losses(model: GanSpinGlass) -> LowestLosses:
    """Lowest u_D, u_G and u_D + u_G with Theta(u_D, u_G) > 0 (total complexity).

    Parameters
    ----------
    model : GanSpinGlass

    Returns
    -------
    LowestLosses
        As computed by the model's formula
        (:meth:`~spinglass_gan.complexity.formulas.KacRiceFormula.lowest_losses`).
    """
    if not isinstance(model, GanSpinGlass):
        raise ValueError(f"model must be a GanSpinGlass, got {type(model).__name__}")
    return model.kac_rice.lowest_losses()


@dataclass(frozen=True)
class Sweep:
    """Lowest losses along a sweep of ``parameter`` (``"sigma_z"`` or ``"kappa"``).

    ``sweep[name]`` is ``sweep.results[name]``.

    Attributes
    ----------
    parameter : str
        The swept parameter, ``"sigma_z"`` or ``"kappa"``.
    values : ndarray
        Its values, in the order of the results.
    results : dict of str to ndarray
        One array per field of :class:`LowestLosses` (``"theta_max"``, ``"u_D_min"``,
        ...), one entry per value.
    metadata : dict
        The fixed parameters and options.
    reasons : tuple of str
        Per value: "" where it was computed, else why it failed numerically (its
        results are then NaN).  Saved in the metadata as "reasons".
    """

    parameter: str
    values: NDArray[np.float64]
    results: dict[str, NDArray[np.float64]]
    metadata: dict = field(default_factory=dict)
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.reasons:
            object.__setattr__(self, "reasons", ("",) * len(self.values))
        if len(self.reasons) != len(self.values):
            raise ValueError("reasons must have one entry per value")

    def __getitem__(self, name: str) -> NDArray[np.float64]:
        return self.results[name]

    @property
    def failed(self) -> NDArray[np.bool_]:
        """Values whose computation failed numerically (results NaN, see ``reasons``)."""
        return np.array([bool(r) for r in self.reasons], dtype=bool)

    def save(self, path: str | Path) -> Path:
        """Write the sweep as ``.npz`` with JSON metadata (kind ``"sweep"``).

        Parameters
        ----------
        path : str or Path
            File to write (``.npz`` is added when missing).

        Returns
        -------
        Path
            The file written.
        """
        arrays = {"values": self.values, "failed": self.failed, **self.results}
        meta = {"parameter": self.parameter, **self.metadata, "reasons": list(self.reasons)}
        return save_result(path, "sweep", arrays, meta)

    @classmethod
    def load(cls, path: str | Path) -> Sweep:
        """Read a sweep written by :meth:`save`.

        Parameters
        ----------
        path : str or Path
            A file written by :meth:`save`.

        Returns
        -------
        Sweep
            The values, results, metadata and reasons as saved.
        """
        res = load_result(path)
        if res.kind != "sweep":
            raise ValueError(f"{path} holds a {res.kind!r} result, not 'sweep'")
        meta = user_metadata(res)
        parameter = meta.pop("parameter")
        reasons = tuple(meta.pop("reasons", ()))
        return cls(parameter, res["values"], {f: res[f] for f in _FIELDS}, meta, reasons)


def _lowest_losses_task(
    p: int, q: int, sigma_z: float, kappa: float, formula: str = "derived"
) -> dict[str, Any]:
    """One value of a sweep, as a task of :func:`~spinglass_gan.io.runner.run_tasks`.

    A numerical failure gives NaN results and its reason (as UTF-8 bytes in
    ``reason``, empty on success) instead of an exception, so the sweep goes on.
    """
    try:
        low = lowest_losses(GanSpinGlass(p, q, sigma_z, kappa, formula=formula))
    except NUMERICAL_ERRORS as exc:
        return {**{f: np.nan for f in _FIELDS}, "reason": _encode_reason(failure_reason(exc))}
    return {**{f: getattr(low, f) for f in _FIELDS}, "reason": _encode_reason("")}


def sweep(
    p: int,
    q: int,
    *,
    sigma_z: float | ArrayLike,
    kappa: float | ArrayLike,
    formula: Formula | str | KacRiceFormula = "derived",
    progress: bool = False,
    results_dir: str | os.PathLike[str] | None = None,
    client: Any = None,
    scheduler: str | None = None,
    processes: int | None = None,
) -> Sweep:
    """Lowest losses over a sweep of sigma_z or of kappa (the other one fixed).

    Exactly one of ``sigma_z`` and ``kappa`` is a 1-D array.  Each value is one task of
    :func:`~spinglass_gan.io.runner.run_tasks`; the numbers do not depend on where or in
    which order the tasks run.

    Parameters
    ----------
    p, q : int
        Orders of the model (see :class:`~spinglass_gan.complexity.model.GanSpinGlass`).
    sigma_z, kappa : float or 1-D array_like
        The swept parameter (1-D) and the fixed one (scalar).
    formula : str or KacRiceFormula
        The Kac-Rice formula (see :class:`~spinglass_gan.complexity.model.GanSpinGlass`): a
        registered name, or an instance of a registered formula class without
        constants of its own (each value builds its own constants, and tasks
        carry the formula by name).
    progress : bool
        Show a progress bar over the values.
    results_dir : path, optional
        Resumable run: each finished value is stored in ``results_dir/tasks`` and a rerun
        computes only the missing ones; the assembled result is written to
        ``results_dir/result.npz`` (:meth:`Sweep.save` format; its metadata lists the
        task ids).
    client, scheduler : optional
        Run on a dask cluster: a ``distributed.Client``, or a scheduler address.
    processes : int, optional
        Local worker processes.  Default: 1 (this process) when none of
        ``results_dir``, ``client``, ``scheduler`` is given, else all CPUs.

    Returns
    -------
    Sweep
        Results are arrays named as :class:`LowestLosses`, in the order of the values.
        A value whose computation fails numerically (ArithmeticError, LinAlgError) is
        NaN, its reason is in ``Sweep.reasons``, a RuntimeWarning says so and the
        sweep goes on.
    """
    swept = [name for name, v in (("sigma_z", sigma_z), ("kappa", kappa)) if np.ndim(v) == 1]
    if len(swept) != 1:
        raise ValueError("exactly one of sigma_z and kappa must be a 1-D array")
    name = swept[0]
    values = val.grid(name, sigma_z if name == "sigma_z" else kappa)
    fixed = "kappa" if name == "sigma_z" else "sigma_z"
    fixed_value = kappa if name == "sigma_z" else sigma_z
    # Models built here check every parameter before any task starts, and give the
    # validated values that the tasks receive.
    models = [
        GanSpinGlass(p, q, **{name: float(v), fixed: fixed_value}, formula=formula) for v in values
    ]
    kind = type(models[0].kac_rice)
    if isinstance(formula, KacRiceFormula) and (
        formula.has_constants or formula_class(kind.name) is not kind
    ):
        raise ValueError(
            "formula must be a registered name or an instance of a registered formula "
            f"without constants of its own in a sweep, got {formula!r}"
        )
    tasks = [
        {"p": m.p, "q": m.q, "sigma_z": m.sigma_z, "kappa": m.kappa, "formula": m.formula}
        for m in models
    ]
    if results_dir is None and client is None and scheduler is None and processes is None:
        processes = 1
    rows = run_tasks(
        _lowest_losses_task,
        tasks,
        results_dir,
        client=client,
        scheduler=scheduler,
        processes=processes,
        progress=progress,
        desc=f"sweep over {name}",
    )
    results = {f: np.array([float(r[f]) for r in rows]) for f in _FIELDS}
    reasons = tuple(_decode_reason(r) for r in rows)
    failed = [(v, r) for v, r in zip(values, reasons) if r]
    if failed:
        warnings.warn(
            f"sweep over {name}: {len(failed)} of {len(values)} values failed numerically "
            f"(results NaN; Sweep.reasons), first {name}={float(failed[0][0]):g}: {failed[0][1]}",
            RuntimeWarning,
            stacklevel=2,
        )
    meta: dict[str, Any] = {"p": p, "q": q, fixed: float(fixed_value), "formula": kind.name}
    meta["constants_from"] = kind.constants_origin()
    if results_dir is None:
        return Sweep(name, values, results, meta, reasons)
    meta["tasks"] = [task_id(_lowest_losses_task, t) for t in tasks]
    result = Sweep(name, values, results, meta, reasons)
    result.save(Path(results_dir) / RESULT_FILE)
    return result
