"""The base class of Kac-Rice formulas (private; see ``formulas``).

:class:`KacRiceFormula` names the hooks a formula supplies; the registry ``FORMULAS``
maps names to formula classes (filled by ``register_formula`` in
``_formula_registry``).  The package's two formulas and the public names are in
:mod:`spinglass_gan.complexity.formulas`.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from .. import _validation as val
from .._validation import LOSS_LIMIT
from .exponent import Convention, DIndex, Exponent
from .polygon import Suprema
from .published_constants import KacRiceRegion

DEFAULT_FORMULA = "derived"
#: Registered formulas by name (see :func:`register_formula`).
FORMULAS: dict[str, type[KacRiceFormula]] = {}

_XTOL = 1e-10


@dataclass(frozen=True)
class LowestLosses:
    """Lowest losses with Theta > 0 for one model (NaN if Theta <= 0 everywhere).

    Attributes
    ----------
    theta_max : float
        The total complexity, Theta(+inf, +inf).
    u_D_min, u_G_min : float
        inf{u : Theta(u, +inf) > 0} and inf{u : Theta(+inf, u) > 0}.
    sum_min : float
        The lowest u_D + u_G with Theta(u_D, u_G) > 0.
    sum_u_D, sum_u_G : float
        Where on u_D + u_G = sum_min that is reached.
    """

    theta_max: float
    u_D_min: float
    u_G_min: float
    sum_min: float
    sum_u_D: float
    sum_u_G: float


def _zero_of_increasing(f: Callable[[float], float], start: float = 0.0) -> float:
    """The zero of a non-decreasing f that is negative far left, positive far right."""
    lo, hi = start, start
    for step in 2.0 ** np.arange(200):
        if f(lo) <= 0 or lo <= -LOSS_LIMIT:
            break
        lo = max(lo - step, -LOSS_LIMIT)
    for step in 2.0 ** np.arange(200):
        if f(hi) > 0 or hi >= LOSS_LIMIT:
            break
        hi = min(hi + step, LOSS_LIMIT)
    if not (f(lo) <= 0 < f(hi)):
        raise ArithmeticError(f"no sign change of Theta found in [{lo:g}, {hi:g}]")
    return float(brentq(f, lo, hi, xtol=_XTOL, rtol=4 * np.finfo(float).eps))


@dataclass(frozen=True)
class FigureSettings:
    """Settings of the paper's figures that depend on the formula.

    The two formulas put the critical points at very different losses, so the loss
    ranges shown differ.

    Attributes
    ----------
    theta_range : tuple of float
        (low, high) of u_D and u_G in the map of Theta (figure 3).
    theta_sections : tuple of float
        The fixed u_D and u_G of figure 3's sections.
    zoom : tuple of tuple of float
        ((u_D low, high), (u_G low, high)) where the index bands lie (figures 5, 6).
    exponent_levels : tuple of float
        Default (u_D, u_G) drawn over the exponent map (figure 2).
    exponent_overlay : str
        What figure 2 draws over the exponent: "region" (the Kac-Rice region
        B(u_D, u_G)) or "loss lines" (where the conditional mean of each loss
        equals its level).
    """

    theta_range: tuple[float, float]
    theta_sections: tuple[float, ...]
    zoom: tuple[tuple[float, float], tuple[float, float]]
    exponent_levels: tuple[float, float]
    exponent_overlay: str


class KacRiceFormula:
    """Base class of a Kac-Rice formula (see the module docstring for the hooks).

    Subclasses set the class attributes and implement the methods that raise
    NotImplementedError here; :func:`register_formula` makes them available by name.

    Parameters
    ----------
    constants : optional
        The formula's constants (an instance of ``constants_class``).  Without them
        the formula builds its constants from the model's parameters when a
        :class:`~spinglass_gan.complexity.model.GanSpinGlass` uses it.

    Attributes
    ----------
    name : str
        The registered name (``GanSpinGlass(..., formula=name)``, metadata).
    constants_class : type
        The frozen dataclass of the formula's constants.
    constants_factory : str
        The classmethod of ``constants_class`` that builds them from
        (p, q, sigma_z, kappa).
    figures : FigureSettings
        Settings of the paper's figures for this formula.
    has_region : bool
        Whether the formula integrates over a Kac-Rice region of (x, x1) at finite
        N (:meth:`region`, :func:`~spinglass_gan.complexity.finite_n.kac_rice_log_integral`).
    has_sampled_counts : bool
        Whether the exact finite-N Monte Carlo of :mod:`~spinglass_gan.complexity.kac_rice` (and
        :func:`~spinglass_gan.complexity.kac_rice_banded.finite_n_banded`) computes this formula.
    """

    name: ClassVar[str] = ""
    #: How figures and messages name the formula (by default its ``name``).
    label: ClassVar[str] = ""
    constants_class: ClassVar[type] = object
    constants_factory: ClassVar[str] = ""
    figures: ClassVar[FigureSettings]
    has_region: ClassVar[bool] = False
    has_sampled_counts: ClassVar[bool] = False

    def __init__(self, constants: Any = None) -> None:
        if constants is not None and not isinstance(constants, self.constants_class):
            raise ValueError(
                f"constants must be a {self.constants_class.__name__} for "
                f"formula={self.name!r}, got {type(constants).__name__}"
            )
        self._constants = constants
        self._solvers: dict[tuple, Any] = {}

    def __repr__(self) -> str:
        given = "" if self._constants is None else f"constants={self._constants!r}"
        return f"{type(self).__name__}({given})"

    # -- constants ----------------------------------------------------------------

    @classmethod
    def build_constants(cls, p: int, q: int, sigma_z: float, kappa: float) -> Any:
        """The formula's constants for (p, q, sigma_z, kappa).

        Parameters
        ----------
        p, q : int
            Orders of the model.
        sigma_z : float
            Latent-noise scale, > 0.
        kappa : float
            Discriminator share of the weights, in (0, 1).

        Returns
        -------
        constants_class
            By default ``constants_class.<constants_factory>(p, q, sigma_z, kappa)``.
        """
        return getattr(cls.constants_class, cls.constants_factory)(p, q, sigma_z, kappa)

    def check_computable(self, p: int, q: int, sigma_z: float) -> None:
        """Refuse constants outside the range where the formula can be computed.

        The Hessian ensemble's density cannot be resolved once b1 / b exceeds
        ``_validation.SCALE_RATIO_MAX`` (measured; docs/model.md, "Accepted ranges").

        Parameters
        ----------
        p, q : int
            Orders of the model (named in the error).
        sigma_z : float
            Latent-noise scale (named in the error).

        Raises
        ------
        ValueError
            Naming the parameter to change.
        """
        val.scale_ratio(self.constants.b, self.constants.b1)

    @classmethod
    def constants_origin(cls) -> str:
        """Qualified name of the factory of the default constants (for metadata)."""
        return f"{cls.constants_class.__qualname__}.{cls.constants_factory}"

    @property
    def constants(self) -> Any:
        """The constants in use (ValueError before the formula is bound to a model)."""
        if self._constants is None:
            raise ValueError(
                f"this {self.name!r} formula has no constants yet: give constants= or "
                "pass it to GanSpinGlass"
            )
        return self._constants

    @property
    def has_constants(self) -> bool:
        """Whether constants were given or built (else they follow the model)."""
        return self._constants is not None

    def bind(
        self, p: int, q: int, sigma_z: float, kappa: float, constants: Any = None
    ) -> KacRiceFormula:
        """A copy of this formula with its constants for one model.

        Parameters
        ----------
        p, q, sigma_z, kappa
            The model's parameters (validated by the caller).
        constants : optional
            Constants to use; not allowed when the formula already has its own.

        Returns
        -------
        KacRiceFormula
            A new instance (its own solver cache) with ``constants`` set: the
            formula's own, else the ones given, else :meth:`build_constants`.
        """
        if constants is not None and self._constants is not None:
            raise ValueError("constants are given twice: to the formula and to the model")
        bound = copy.copy(self)
        if constants is not None:
            if not isinstance(constants, self.constants_class):
                raise ValueError(
                    f"constants must be a {self.constants_class.__name__} for "
                    f"formula={self.name!r}, got {type(constants).__name__}"
                )
            bound._constants = constants
        elif self._constants is None:
            bound._constants = self.build_constants(p, q, sigma_z, kappa)
        bound._solvers = {}
        return bound

    def constant(self, name: str) -> Any:
        """The constant ``name`` of this formula's constants.

        Parameters
        ----------
        name : str
            A field of ``constants_class`` (e.g. ``"log_constant"``).

        Returns
        -------
        object
            The constant's value (a float for the package's formulas).

        Raises
        ------
        AttributeError
            If this formula's constants have no such field; the message names the
            registered formula whose constants do, if any.
        ValueError
            If the formula has no constants yet (see :attr:`constants`).
        """
        try:
            return getattr(self.constants, name)
        except AttributeError:
            owners = [
                n
                for n, c in FORMULAS.items()
                if name in {f.name for f in dataclasses.fields(c.constants_class)}
            ]
            where = f" (it belongs to formula={owners[0]!r})" if owners else ""
            raise AttributeError(
                f"{name} is not a constant of formula={self.name!r}{where}"
            ) from None

    # -- metadata -----------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The formula's name and constants as JSON-ready metadata.

        Returns
        -------
        dict
            ``{"formula": name, "constants": constants.as_dict()}``, read back by
            :meth:`from_metadata` (and by ``GanSpinGlass.from_metadata``).
        """
        return {"formula": self.name, "constants": self.constants.as_dict()}

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any]) -> KacRiceFormula:
        """The formula with the constants that :meth:`metadata` wrote (if any).

        Parameters
        ----------
        meta : mapping
            Holds "constants" (a dict of the constants' fields), optionally.

        Returns
        -------
        KacRiceFormula
        """
        constants = meta.get("constants")
        return cls(None if constants is None else cls.constants_class(**constants))

    # -- suprema (subclasses) -------------------------------------------------------

    def solver(
        self,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
        convention: Convention = "exact",
    ) -> Any:
        """The (cached) supremum solver for these index constraints.

        Parameters
        ----------
        k_D, k_G, d_index, convention
            As in :meth:`~spinglass_gan.complexity.model.GanSpinGlass.theta`.

        Returns
        -------
        ComplexitySolver or QuadrantSolver
            The formula's solver (its interface is the formula's own).
        """
        key = (k_D, k_G, d_index, convention)
        if key not in self._solvers:
            self._solvers[key] = self._make_solver(k_D, k_G, d_index, convention)
        return self._solvers[key]

    def _make_solver(self, k_D, k_G, d_index, convention) -> Any:
        raise NotImplementedError

    def free_exponent(self) -> Exponent:
        """The exponent over the ensemble's shifts (x, x1) with the losses free.

        Returns
        -------
        Exponent
            Its ``evaluate`` gives the value and gradient at points (x, x1).
        """
        raise NotImplementedError

    @property
    def gaussian(self) -> Any:
        """The formula's Gaussian term G(x, x1) of :meth:`free_exponent` (value, grad)."""
        return self.free_exponent().gaussian

    def sup_point(self, u_D: float, u_G: float, *index: Any, **options: Any) -> Suprema:
        """Theta(u_D, u_G) at one point (losses <= N u; +inf removes a bound).

        Theta(u_D, u_G) is the log number of critical points per N with
        L_D <= N u_D and L_G <= N u_G (and the index constraints), the exact
        supremum of the formula's exponent over the set those constraints allow.

        Parameters
        ----------
        u_D, u_G : float
            Validated loss levels per N, possibly +inf.
        *index, **options
            k_D, k_G, d_index, convention as for :meth:`solver`.

        Returns
        -------
        Suprema
            ``values`` of shape () (dimensionless, per N); -inf where the
            feasible set is empty.
        """
        raise NotImplementedError

    def sup_grid(self, u_D: NDArray, u_G: NDArray, *index: Any, **options: Any) -> Suprema:
        """Theta on the grid u_D x u_G: one exact supremum per pair of loss levels.

        Parameters
        ----------
        u_D, u_G : ndarray
            Validated 1-D loss levels per N; +inf removes that bound.
        *index, **options
            k_D, k_G, d_index, convention as for :meth:`solver`.

        Returns
        -------
        Suprema
            ``values`` of shape (len(u_G), len(u_D)): entry [i, j] is
            Theta(u_D[j], u_G[i]) (log number per N), -inf where the feasible set
            is empty.
        """
        raise NotImplementedError

    def sup_on_losses(self, d: NDArray, g: NDArray, *index: Any, **options: Any) -> Suprema:
        """Sigma(d, g): the complexity at exact losses L_D = N d, L_G = N g.

        Parameters
        ----------
        d, g : ndarray
            1-D losses per N, L_D / N and L_G / N, of equal size.
        *index, **options
            k_D, k_G, d_index, convention as for :meth:`solver`.

        Returns
        -------
        Suprema
            ``values`` of shape d.shape; -inf where the index constraints exclude
            every point.
        """
        raise NotImplementedError

    # -- lowest losses ----------------------------------------------------------------

    def theta_max(self) -> float:
        """The total complexity Theta(+inf, +inf): no loss or index constraint.

        Returns
        -------
        float
            The log number of critical points per N; -inf if the formula's
            exponent has no feasible point.
        """
        return float(self.sup_point(math.inf, math.inf).values)

    def lowest_losses(self) -> LowestLosses:
        """Lowest u_D, u_G and u_D + u_G with Theta(u_D, u_G) > 0 (total complexity).

        Theta is non-decreasing in each loss, so each is the zero of a monotone
        function, found by Brent's method on exact suprema.

        Returns
        -------
        LowestLosses
        """
        theta_max = self.theta_max()
        if not theta_max > 0:
            return LowestLosses(theta_max, *([np.nan] * 5))
        u_D_min = _zero_of_increasing(lambda u: float(self.sup_point(u, math.inf).values))
        u_G_min = _zero_of_increasing(lambda u: float(self.sup_point(math.inf, u).values))
        return LowestLosses(theta_max, u_D_min, u_G_min, *self.lowest_sum())

    def lowest_sum(self) -> tuple[float, float, float]:
        """The lowest sum of loss levels at which critical points exist, and where.

        sigma_min = inf {u_D + u_G : Theta(u_D, u_G) > 0} (total complexity, no
        index constraint), found by Brent's method on the supremum over the
        half-space u_D + u_G <= sigma, which is non-decreasing in sigma.

        Returns
        -------
        sigma_min, u_D, u_G : float
            The lowest sum and the split of it into the two loss levels (per N)
            at which the supremum on u_D + u_G = sigma_min is attained.
        """
        raise NotImplementedError

    # -- figures and regions ------------------------------------------------------------

    def region(self, u_D: float, u_G: float) -> KacRiceRegion:
        """The Kac-Rice region B(u_D, u_G) of (x, x1), for formulas that have one.

        Parameters
        ----------
        u_D, u_G : float
            Loss levels per N.

        Returns
        -------
        KacRiceRegion
            The region of the ensemble's shifts integrated over.

        Raises
        ------
        AttributeError
            Here, in the base class: a formula without a region (``has_region``
            false) does not override this.
        """
        owners = [n for n, c in FORMULAS.items() if c.has_region]
        raise AttributeError(
            f"formula={self.name!r} has no Kac-Rice region of (x, x1)"
            + (f" (formula={owners[0]!r} has one)" if owners else "")
        )

    def exponent_window(
        self, nx: int, nx1: int, u_D: float | None, u_G: float | None
    ) -> tuple[NDArray, NDArray, dict[str, Any]]:
        """Grid of (x, x1) for the exponent map (figure 2) and what to draw over it.

        Parameters
        ----------
        nx, nx1 : int
            Numbers of points in x and x1.
        u_D, u_G : float or None
            Loss levels drawn (None: ``figures.exponent_levels``).

        Returns
        -------
        x, x1 : ndarray
            1-D grids of the ensemble's shifts, of sizes ``nx`` and ``nx1``.
        meta : dict
            The levels "u_D", "u_G" and the overlay's parameters.
        """
        raise NotImplementedError
