"""The GAN spin-glass model, with one of its Kac-Rice formulas.

``formula="derived"`` (the default) is the model's own Kac-Rice formula
(:class:`~spinglass_gan.complexity.formulas.DerivedFormula`, constants
:class:`~spinglass_gan.complexity.derived.DerivedConstants`); ``formula="published"`` is the
formula of the paper and of the authors' code
(:class:`~spinglass_gan.complexity.formulas.PublishedFormula`, constants
:class:`~spinglass_gan.complexity.published_constants.PublishedConstants` and the region
:class:`~spinglass_gan.complexity.published_constants.KacRiceRegion`); docs/theory.md explains
why the two differ.  Everything that depends on the formula is delegated to the
formula object, so a formula of one's own (a subclass of
:class:`~spinglass_gan.complexity.formulas.KacRiceFormula`) can be passed in as well.
``ModelConstants`` is the former name of ``PublishedConstants`` (deprecated).
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from ..rmt.ensemble import HessianEnsemble
from .derived import DerivedConstants
from .exponent import Convention, DIndex
from .formulas import (
    DEFAULT_FORMULA,
    KacRiceFormula,
    formula_for_constants,
    formula_of_metadata,
    resolve_formula,
)
from .published_constants import KacRiceRegion, PublishedConstants

__all__ = ["Formula", "GanSpinGlass", "KacRiceRegion", "PublishedConstants"]

#: The registered names of the package's formulas (a formula object is accepted too).
Formula = Literal["derived", "published"]

_UNSET: Any = object()  # ``formula`` not given: follow ``constants``, else the default


def __getattr__(name: str) -> Any:
    if name == "ModelConstants":
        warnings.warn(
            "ModelConstants is deprecated; use PublishedConstants (the published "
            "formula's constants)",
            DeprecationWarning,
            stacklevel=2,
        )
        return PublishedConstants
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class GanSpinGlass:
    """Two interacting spherical spin glasses modelling a GAN.

    Parameters
    ----------
    p : int
        Discriminator spin-glass order, >= 2.
    q : int
        Generator's extra order, >= 1 (the generator's field has order r = p + q).
    sigma_z : float
        Latent-noise scale, > 0.
    kappa : float
        Discriminator share of the N weights, in (0, 1).
    constants : DerivedConstants or PublishedConstants, optional
        Replacement constants of the chosen formula; by default the formula builds
        them (``DerivedConstants.from_model`` or ``PublishedConstants.from_paper``).
    formula : str or KacRiceFormula, optional
        A registered name, "derived" (the model's own Kac-Rice formula, the
        complexity of the model) or "published" (the paper's formula, to
        reproduce its figures), or a formula instance (for instance a subclass
        of :class:`~spinglass_gan.complexity.formulas.DerivedFormula`, or one with its own
        constants), as scipy.stats takes distributions.  Not given: the formula
        whose constants ``constants`` are, else "derived".  None raises.

    Attributes
    ----------
    formula : str
        The formula's registered name (as written to metadata).
    kac_rice : KacRiceFormula
        The formula object with this model's constants: every supremum goes
        through it.

    Examples
    --------
    >>> import spinglass_gan as sg
    >>> model = sg.GanSpinGlass(p=3, q=3, sigma_z=1.0, kappa=0.9)
    >>> round(model.b, 3), round(model.b1, 4), round(model.theta(np.inf, np.inf), 4)
    (43.818, 2.3238, 0.6202)
    >>> paper = sg.GanSpinGlass(3, 3, 1.0, 0.9, formula="published")
    >>> round(paper.s_sq ** 0.5, 1), round(paper.theta(np.inf, np.inf), 2)
    (2172.2, 14.6)
    """

    def __init__(
        self,
        p: int,
        q: int,
        sigma_z: float,
        kappa: float,
        constants: DerivedConstants | PublishedConstants | None = None,
        *,
        formula: Formula | str | KacRiceFormula = _UNSET,
    ) -> None:
        # Measured computable ranges (docs/model.md, "Accepted ranges").
        self.p, self.q = val.model_orders(p, q)
        self.sigma_z = val.positive("sigma_z", sigma_z)
        self.kappa = val.model_kappa(kappa)
        if formula is None:
            raise ValueError(
                "formula must be a formula name (e.g. 'derived', 'published') or a "
                "KacRiceFormula, got None"
            )
        if formula is _UNSET:
            formula = (
                DEFAULT_FORMULA if constants is None else formula_for_constants(constants).name
            )
        kind = resolve_formula(formula)
        self.kac_rice: KacRiceFormula = kind.bind(
            self.p, self.q, self.sigma_z, self.kappa, constants
        )
        self.formula: str = self.kac_rice.name
        self.kac_rice.check_computable(self.p, self.q, self.sigma_z)

    @property
    def constants(self) -> Any:
        """The formula's constants (a frozen dataclass)."""
        return self.kac_rice.constants

    def __repr__(self) -> str:
        return (
            f"GanSpinGlass(p={self.p}, q={self.q}, sigma_z={self.sigma_z!r}, "
            f"kappa={self.kappa!r}, formula={self.formula!r})"
        )

    @property
    def b(self) -> float:
        """GOE scale b of the Hessian ensemble (the whole matrix)."""
        return self.constants.b

    @property
    def b1(self) -> float:
        """GOE scale b1 of the Hessian ensemble's discriminator block."""
        return self.constants.b1

    @property
    def s_sq(self) -> float:
        """Variance of x in the published formula (AttributeError in others)."""
        return self.kac_rice.constant("s_sq")

    @property
    def s1_sq(self) -> float:
        """Variance of x1 in the published formula (AttributeError in others)."""
        return self.kac_rice.constant("s1_sq")

    @property
    def log_constant(self) -> float:
        """The formula's constant per N: C (published) or C* (derived)."""
        return self.constants.log_constant

    def metadata(self) -> dict:
        """Parameters and constants as plain JSON-ready values (for saved results).

        Returns
        -------
        dict
            p, q, sigma_z, kappa, the formula and its constants.
        """
        return {
            "p": self.p,
            "q": self.q,
            "sigma_z": self.sigma_z,
            "kappa": self.kappa,
            **self.kac_rice.metadata(),
        }

    @classmethod
    def from_metadata(cls, meta: dict) -> GanSpinGlass:
        """The model that :meth:`metadata` describes (replaced constants included).

        Parameters
        ----------
        meta : dict
            "p", "q", "sigma_z", "kappa", and optionally "formula" and "constants".
            Without "formula" the same rule as the constructor's applies: the
            formula whose constants "constants" lists (files written before the
            model's own formula existed hold the published constants and no
            "formula"), else "derived".

        Returns
        -------
        GanSpinGlass
        """
        params = {k: meta[k] for k in ("p", "q", "sigma_z", "kappa")}
        return cls(**params, formula=formula_of_metadata(meta).from_metadata(meta))

    def region(self, u_D: float, u_G: float) -> KacRiceRegion:
        """The formula's Kac-Rice region B(u_D, u_G) of the ensemble's shifts (x, x1).

        For the published formula B(u_D, u_G) = {x < P, x1 > R x + Q} with, for the
        paper's constants, P = (p+q) 2^(p+q) u_G, Q = -p u_D and
        R = -p / ((p+q) 2^(p+q)).

        Parameters
        ----------
        u_D, u_G : float
            Loss levels per N (real scalars).

        Returns
        -------
        KacRiceRegion
            The region, with ``x_max`` = P, ``slope`` = R and ``intercept`` = Q.

        Raises
        ------
        AttributeError
            For a formula without a region (the model's own formula, "derived").
        """
        u_D = val.real_scalar("u_D", u_D)
        u_G = val.real_scalar("u_G", u_G)
        return self.kac_rice.region(u_D, u_G)

    def ensemble(self, x1: float = 0.0) -> HessianEnsemble:
        """The Hessian ensemble H'(x1) with this model's b, b1 and kappa.

        Parameters
        ----------
        x1 : float
            Shift of the discriminator block.

        Returns
        -------
        HessianEnsemble
            The ensemble.
        """
        k = self.constants
        return HessianEnsemble(k.b, k.b1, k.kappa, x1)

    # -- complexity ------------------------------------------------------------------

    def solver(
        self,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
        convention: Convention = "exact",
    ) -> Any:
        """The formula's (cached) supremum solver for these index constraints.

        Parameters
        ----------
        k_D, k_G : int or None
            Index of the discriminator / generator block of J'; None leaves the
            block unconstrained.
        d_index : {"ascent", "descent"}
            Which eigenvalues of the D block k_D counts (see :class:`Exponent`).
        convention : {"exact", "published"}
            "published" reproduces the authors' index penalty.

        Returns
        -------
        ComplexitySolver or QuadrantSolver
            A :class:`ComplexitySolver` for the published formula (suprema over
            regions {x <= P, x1 >= R x + Q}), a :class:`QuadrantSolver` for the
            model's own (suprema over loss quadrants); the same object for the same
            arguments.
        """
        return self.kac_rice.solver(k_D, k_G, d_index=d_index, convention=convention)

    def exponent(self, x: ArrayLike, x1: ArrayLike) -> NDArray[np.float64]:
        """The complexity exponent at the ensemble's shifts (x, x1), broadcasting.

        Published: Phi(x, x1) = C - x^2 / (2 s^2) - x1^2 / (2 s1^2) + L(x; x1).
        Derived: Phi_free(x, x1) = C* + L(x; x1) - (x, x1) S^-1 (x, x1)^T / 2, with S
        the covariance of (x, x1) (losses unconstrained: the sup over l_G / N).
        Dimensionless (log of the number of critical points per N).  Points are
        grouped by x1 and each group is solved as one warm-started path along x.

        Parameters
        ----------
        x, x1 : array_like of float
            The ensemble's shifts (broadcast together).

        Returns
        -------
        ndarray
            The exponent at each point, of the broadcast shape.
        """
        x = val.finite_array("x", x)
        x1 = val.finite_array("x1", x1)
        xb, x1b = np.broadcast_arrays(x, x1)
        flat_x, flat_x1 = xb.ravel(), x1b.ravel()
        order = np.lexsort((flat_x, flat_x1))
        xs, x1s = flat_x[order], flat_x1[order]
        starts = np.ones(xs.size, dtype=bool)
        starts[1:] = x1s[1:] != x1s[:-1]
        obj = self.kac_rice.free_exponent()
        values = obj.evaluate(xs, x1s, starts=starts, ts=xs).value
        out = np.empty(xs.size)
        out[order] = values
        return out.reshape(xb.shape)

    def theta(
        self,
        u_D: float,
        u_G: float,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
        convention: Convention = "exact",
    ) -> float:
        """Theta_{k_D,k_G}(u_D, u_G): the complexity of critical points with
        L_D <= N u_D and L_G <= N u_G, the exact supremum of the exponent.

        Parameters
        ----------
        u_D, u_G : float
            Loss levels per N with ``|u| <= 1e12``, or ``inf`` to remove that bound.
            Larger finite magnitudes raise ValueError: the exponent's terms would
            overflow there.
        k_D, k_G : int or None
            Index of the discriminator / generator block of J' (docs/theory.md);
            None leaves the block unconstrained, so both None is the total complexity.
        d_index : {"ascent", "descent"}
            Which eigenvalues of the D block k_D counts (see :class:`Exponent`).
        convention : {"exact", "published"}
            "published" reproduces the authors' index penalty.

        Returns
        -------
        float
            Theta (log number of critical points per N); -inf if the feasible set
            is empty.
        """
        u_D = val.loss_level("u_D", u_D, allow_inf=True)
        u_G = val.loss_level("u_G", u_G, allow_inf=True)
        options = {"d_index": d_index, "convention": convention}
        return float(self.kac_rice.sup_point(u_D, u_G, k_D, k_G, **options).values)

    def theta_map(
        self,
        u_D: ArrayLike,
        u_G: ArrayLike,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
        convention: Convention = "exact",
    ) -> NDArray[np.float64]:
        """Theta on the grid u_D x u_G (1-D arrays), shape (len(u_G), len(u_D)).

        Same value as :meth:`theta` at every cell, computed from maxima shared
        between cells: the lines of the published region, or the loss faces of the
        derived formula, are solved once each (docs/theory.md).

        Parameters
        ----------
        u_D, u_G : array_like of float, 1-D
            Grids of loss levels per N (as in :meth:`theta`).
        k_D, k_G : int or None
            Index of the discriminator / generator block of J'; None leaves the block
            unconstrained.
        d_index : {"ascent", "descent"}
            Which eigenvalues of the D block k_D counts (see :class:`Exponent`).
        convention : {"exact", "published"}
            "published" reproduces the authors' index penalty.

        Returns
        -------
        ndarray, shape (len(u_G), len(u_D))
            Theta indexed [i_G, i_D]; -inf where the feasible set is empty.
        """
        u_D = val.loss_levels("u_D", u_D)
        u_G = val.loss_levels("u_G", u_G)
        val.grid_memory(u_D, u_G)
        options = {"d_index": d_index, "convention": convention}
        return self.kac_rice.sup_grid(u_D, u_G, k_D, k_G, **options).values

    def complexity_at(
        self,
        d: ArrayLike,
        g: ArrayLike,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
        convention: Convention = "exact",
    ) -> NDArray[np.float64]:
        """Sigma(d, g): the complexity of critical points with losses exactly
        L_D = N d and L_G = N g, broadcasting.

        Theta(u_D, u_G) is the supremum of Sigma over d <= u_D, g <= u_G.  Derived:
        a one-dimensional supremum along the line of ensemble shifts with those
        losses.  Published: Phi at the corner of B(d, g).  -inf where the index
        constraints exclude every point.

        Parameters
        ----------
        d, g : array_like of float
            Losses per N, L_D = N d and L_G = N g (broadcast together).
        k_D, k_G : int or None
            Index of the discriminator / generator block of J'; None leaves the block
            unconstrained.
        d_index : {"ascent", "descent"}
            Which eigenvalues of the D block k_D counts (see :class:`Exponent`).
        convention : {"exact", "published"}
            "published" reproduces the authors' index penalty.

        Returns
        -------
        ndarray
            Sigma(d, g) (log number of critical points per N), of the broadcast shape.
        """
        d = val.finite_array("d", d)
        g = val.finite_array("g", g)
        db, gb = np.broadcast_arrays(d, g)
        options = {"d_index": d_index, "convention": convention}
        res = self.kac_rice.sup_on_losses(db.ravel(), gb.ravel(), k_D, k_G, **options)
        return res.values.reshape(db.shape)
