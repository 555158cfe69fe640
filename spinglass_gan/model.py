"""The GAN spin-glass model and its two Kac-Rice formulas.

``formula="derived"`` (the default) is the model's own Kac-Rice formula, with the
constants of :class:`~spinglass_gan.derived.DerivedConstants`;
``formula="published"`` is the formula of the paper and of the authors' code,
with the constants of :class:`ModelConstants` and the integration region
:class:`KacRiceRegion` (docs/theory.md explains why the two differ).  Each set of
constants lives in one frozen dataclass that can be inspected, and replaced with
``dataclasses.replace`` or built by hand, without editing the package.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validation as val
from .complexity import ComplexitySolver
from .derived import DerivedConstants
from .ensemble import HessianEnsemble
from .exponent import Convention, DIndex, Exponent
from .quadrant import QuadrantSolver

__all__ = ["Formula", "GanSpinGlass", "KacRiceRegion", "ModelConstants"]

Formula = Literal["derived", "published"]


@dataclass(frozen=True)
class KacRiceRegion:
    """B(u_D, u_G) = {(x, x1) : x < x_max and x1 > slope * x + intercept}.

    With the paper's constants x_max = P = (p+q) 2^(p+q) u_G, intercept = Q = -p u_D
    and slope = R = -p / ((p+q) 2^(p+q)) < 0: the published formula's region.
    """

    x_max: float
    slope: float
    intercept: float

    def x1_lower(self, x: ArrayLike) -> NDArray[np.float64]:
        """Lower boundary x1 = slope * x + intercept of the region."""
        return self.slope * np.asarray(x, dtype=float) + self.intercept

    def contains(self, x: ArrayLike, x1: ArrayLike) -> NDArray[np.bool_]:
        """Whether (x, x1) lies in B (strict inequalities); broadcasts."""
        x = np.asarray(x, dtype=float)
        return (x < self.x_max) & (np.asarray(x1, dtype=float) > self.x1_lower(x))


@dataclass(frozen=True)
class ModelConstants:
    """Constants of the published Kac-Rice formula (the paper and the authors' code).

    Attributes
    ----------
    b, b1 : float
        GOE scales of the full matrix and of the discriminator block.
    kappa : float
        Discriminator share of the weights, in (0, 1).
    s_sq, s1_sq : float
        Variances of the Gaussian integration variables x and x1.
    log_constant : float
        C, the leading-order log of the Kac-Rice prefactor per N.
    x_max_per_u_G : float
        P / u_G, where the region's bound is x < P.
    intercept_per_u_D : float
        Q / u_D, where the region's bound is x1 > R x + Q.
    slope : float
        R, the (negative) slope of that bound.
    """

    b: float
    b1: float
    kappa: float
    s_sq: float
    s1_sq: float
    log_constant: float
    x_max_per_u_G: float
    intercept_per_u_D: float
    slope: float

    def __post_init__(self) -> None:
        val.positive("b", self.b)
        val.non_negative("b1", self.b1)
        val.open_unit("kappa", self.kappa)
        val.positive("s_sq", self.s_sq)
        val.positive("s1_sq", self.s1_sq)
        val.real_scalar("log_constant", self.log_constant)
        val.positive("x_max_per_u_G", self.x_max_per_u_G)
        val.real_scalar("intercept_per_u_D", self.intercept_per_u_D)
        if val.real_scalar("slope", self.slope) >= 0.0:
            raise ValueError(f"slope must be < 0, got {self.slope!r}")

    @classmethod
    def from_paper(cls, p: int, q: int, sigma_z: float, kappa: float) -> ModelConstants:
        """The constants of the paper and of the authors' code for (p, q, sigma_z, kappa).

        b = sqrt((p+q)(p+q-1) 2^(p+q)) sigma_z,  b1 = sqrt(p (p-1) kappa),
        s^2 = sigma_z^2 (p+q)^2 2^(3(p+q)) / 2,  s1^2 = p^2 / 2,
        C = (13/2) log 2 + 5 log pi - (kappa/2) log(p + sigma_z^2 (p+q) 2^(p+q))
            - ((1-kappa)/2) log(sigma_z^2 (p+q) 2^(p+q))
            - (kappa/2) log kappa - ((1-kappa)/2) log(1-kappa),
        P = (p+q) 2^(p+q) u_G,  Q = -p u_D,  R = -p / ((p+q) 2^(p+q)).
        """
        p, q = val.model_orders(p, q)
        sigma_z = val.positive("sigma_z", sigma_z)
        kappa = val.open_unit("kappa", kappa)
        r = p + q
        two_r = 2.0**r
        g = sigma_z * sigma_z * r * two_r
        if not (math.isfinite(g) and g > 0.0 and math.isfinite(g * two_r**2)):
            raise ValueError(f"sigma_z={sigma_z!r} is out of range: sigma_z^2 under- or overflows")
        log_c = (
            6.5 * math.log(2.0)
            + 5.0 * math.log(math.pi)
            - 0.5 * kappa * math.log(p + g)
            - 0.5 * (1.0 - kappa) * math.log(g)
            - 0.5 * kappa * math.log(kappa)
            - 0.5 * (1.0 - kappa) * math.log(1.0 - kappa)
        )
        return cls(
            b=math.sqrt(r * (r - 1) * two_r) * sigma_z,
            b1=math.sqrt(p * (p - 1) * kappa),
            kappa=kappa,
            s_sq=sigma_z**2 * r**2 * two_r**3 / 2.0,
            s1_sq=p**2 / 2.0,
            log_constant=log_c,
            x_max_per_u_G=r * two_r,
            intercept_per_u_D=-float(p),
            slope=-p / (r * two_r),
        )

    def as_dict(self) -> dict[str, float]:
        """Plain dict of the constants (for metadata in saved results)."""
        return asdict(self)


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
    constants : DerivedConstants or ModelConstants, optional
        Replacement constants of the chosen formula; by default
        ``DerivedConstants.from_model`` or ``ModelConstants.from_paper``.
    formula : {"derived", "published"}, optional
        "derived" (default): the model's own Kac-Rice formula, the complexity of
        the model.  "published": the paper's formula, to reproduce its figures.
        Inferred from ``constants`` when those are given.

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
        constants: DerivedConstants | ModelConstants | None = None,
        *,
        formula: Formula | None = None,
    ) -> None:
        # Measured computable ranges (docs/model.md, "Accepted ranges").
        self.p, self.q = val.model_orders(p, q)
        self.sigma_z = val.positive("sigma_z", sigma_z)
        self.kappa = val.model_kappa(kappa)
        kinds = {"derived": DerivedConstants, "published": ModelConstants}
        if formula is None:
            formula = "published" if isinstance(constants, ModelConstants) else "derived"
        if formula not in kinds:
            raise ValueError(f"formula must be 'derived' or 'published', got {formula!r}")
        self.formula: Formula = formula
        if constants is None:
            if formula == "derived":
                constants = DerivedConstants.from_model(self.p, self.q, self.sigma_z, self.kappa)
            else:
                constants = ModelConstants.from_paper(self.p, self.q, self.sigma_z, self.kappa)
        elif not isinstance(constants, kinds[formula]):
            raise ValueError(
                f"constants must be a {kinds[formula].__name__} for formula={formula!r}, "
                f"got {type(constants).__name__}"
            )
        val.scale_ratio(constants.b, constants.b1)
        if formula == "derived":
            val.derived_conditioning(constants.cov_matrix, self.p, self.q, self.sigma_z)
        self.constants = constants
        self._solvers: dict[tuple, ComplexitySolver | QuadrantSolver] = {}

    def __repr__(self) -> str:
        return (
            f"GanSpinGlass(p={self.p}, q={self.q}, sigma_z={self.sigma_z!r}, "
            f"kappa={self.kappa!r}, formula={self.formula!r})"
        )

    @property
    def b(self) -> float:
        return self.constants.b

    @property
    def b1(self) -> float:
        return self.constants.b1

    def _published(self, name: str) -> ModelConstants:
        if self.formula != "published":
            raise AttributeError(f"{name} belongs to the published formula (formula='published')")
        return self.constants

    @property
    def s_sq(self) -> float:
        """Variance of x in the published formula."""
        return self._published("s_sq").s_sq

    @property
    def s1_sq(self) -> float:
        """Variance of x1 in the published formula."""
        return self._published("s1_sq").s1_sq

    @property
    def log_constant(self) -> float:
        """The formula's constant per N: C (published) or C* (derived)."""
        return self.constants.log_constant

    def metadata(self) -> dict:
        """Parameters and constants as plain JSON-ready values (for saved results)."""
        return {
            "p": self.p,
            "q": self.q,
            "sigma_z": self.sigma_z,
            "kappa": self.kappa,
            "formula": self.formula,
            "constants": self.constants.as_dict(),
        }

    @classmethod
    def from_metadata(cls, meta: dict) -> GanSpinGlass:
        """The model that :meth:`metadata` describes (replaced constants included)."""
        formula = meta.get("formula", "published")
        kind = DerivedConstants if formula == "derived" else ModelConstants
        params = {k: meta[k] for k in ("p", "q", "sigma_z", "kappa")}
        return cls(**params, constants=kind(**meta["constants"]), formula=formula)

    def region(self, u_D: float, u_G: float) -> KacRiceRegion:
        """The published formula's Kac-Rice region B(u_D, u_G) (loss levels per N)."""
        k = self._published("region")
        u_D = val.real_scalar("u_D", u_D)
        u_G = val.real_scalar("u_G", u_G)
        return KacRiceRegion(
            x_max=k.x_max_per_u_G * u_G,
            slope=k.slope,
            intercept=k.intercept_per_u_D * u_D,
        )

    def ensemble(self, x1: float = 0.0) -> HessianEnsemble:
        """The Hessian ensemble H'(x1) with this model's b, b1 and kappa."""
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
    ) -> ComplexitySolver | QuadrantSolver:
        """The (cached) supremum solver of this formula for these index constraints."""
        key = (k_D, k_G, d_index, convention)
        if key not in self._solvers:
            if self.formula == "derived":
                solver = QuadrantSolver(
                    self.constants, k_D, k_G, d_index=d_index, convention=convention
                )
            else:
                obj = Exponent(self.constants, k_D, k_G, d_index=d_index, convention=convention)
                solver = ComplexitySolver(obj)
            self._solvers[key] = solver
        return self._solvers[key]

    def exponent(self, x: ArrayLike, x1: ArrayLike) -> NDArray[np.float64]:
        """The complexity exponent at the ensemble's shifts (x, x1), broadcasting.

        Published: Phi(x, x1) = C - x^2 / (2 s^2) - x1^2 / (2 s1^2) + L(x; x1).
        Derived: Phi_free(x, x1) = C* + L(x; x1) - (x, x1) S^-1 (x, x1)^T / 2, with S
        the covariance of (x, x1) (losses unconstrained: the sup over l_G / N).
        Dimensionless (log of the number of critical points per N).  Points are
        grouped by x1 and each group is solved as one warm-started path along x.
        """
        x = val.finite_array("x", x)
        x1 = val.finite_array("x1", x1)
        xb, x1b = np.broadcast_arrays(x, x1)
        flat_x, flat_x1 = xb.ravel(), x1b.ravel()
        order = np.lexsort((flat_x, flat_x1))
        xs, x1s = flat_x[order], flat_x1[order]
        starts = np.ones(xs.size, dtype=bool)
        starts[1:] = x1s[1:] != x1s[:-1]
        solver = self.solver()
        obj = solver.free.obj if self.formula == "derived" else solver.obj
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
            Loss levels per N with |u| <= 1e12, or ``inf`` to remove that bound.
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
        solver = self.solver(k_D, k_G, d_index=d_index, convention=convention)
        if self.formula == "derived":
            return float(solver.sup_grid(np.array([u_D]), np.array([u_G]))[0][0, 0])
        k = self.constants
        P = math.inf if u_G == math.inf else k.x_max_per_u_G * u_G
        Q = -math.inf if u_D == math.inf else k.intercept_per_u_D * u_D
        return solver.sup(P, Q)

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
        """
        u_D = val.loss_levels("u_D", u_D)
        u_G = val.loss_levels("u_G", u_G)
        val.grid_memory(u_D, u_G)
        solver = self.solver(k_D, k_G, d_index=d_index, convention=convention)
        if self.formula == "derived":
            return solver.sup_grid(u_D, u_G)[0]
        k = self.constants
        return solver.sup_grid(k.x_max_per_u_G * u_G, k.intercept_per_u_D * u_D)

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
        """
        d = val.finite_array("d", d)
        g = val.finite_array("g", g)
        db, gb = np.broadcast_arrays(d, g)
        solver = self.solver(k_D, k_G, d_index=d_index, convention=convention)
        if self.formula == "derived":
            return solver.on_losses(db.ravel(), gb.ravel()).reshape(db.shape)
        k = self.constants
        x = k.x_max_per_u_G * gb.ravel()
        x1 = k.slope * x + k.intercept_per_u_D * db.ravel()
        out = np.full(x.size, -np.inf)
        inside = solver.obj.in_domain(x, x1)
        if inside.any():
            out[inside] = solver.obj.evaluate(x[inside], x1[inside]).value
        return out.reshape(db.shape)
