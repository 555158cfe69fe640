"""Kac-Rice formulas as objects: what a formula must supply, and the two the package has.

A Kac-Rice formula turns the model's parameters into the complexity of its critical
points.  :class:`KacRiceFormula` names the hooks a formula supplies:

* its constants, built from (p, q, sigma_z, kappa) by :meth:`~KacRiceFormula.build_constants`
  or given by the user;
* its objective with the losses free, whose Gaussian term is
  :attr:`~KacRiceFormula.gaussian`, and a cached supremum solver per index constraint;
* suprema at a point, on a grid of loss levels and at exact losses, all returned as
  :class:`~spinglass_gan.complexity.Suprema`;
* the lowest losses at which critical points exist (:meth:`~KacRiceFormula.lowest_losses`);
* the settings of the paper's figures that depend on the formula
  (:class:`FigureSettings`);
* a metadata round trip (:meth:`~KacRiceFormula.metadata`).

:class:`DerivedFormula` ("derived") is the model's own formula, the default;
:class:`PublishedFormula` ("published") is the formula of the paper and of the
authors' code.  ``GanSpinGlass(..., formula=...)`` takes a registered name or an
instance; :func:`register_formula` adds a subclass to the names.
"""

from __future__ import annotations

import math

import numpy as np

from ._formula_base import (
    DEFAULT_FORMULA,
    FORMULAS,
    FigureSettings,
    KacRiceFormula,
    LowestLosses,
    _zero_of_increasing,
    formula_class,
    formula_for_constants,
    formula_of_metadata,
    register_formula,
    resolve_formula,
)
from .complexity import ComplexitySolver, Suprema
from .derived import DerivedConstants
from .exponent import Exponent, QuadraticGaussian
from .published_constants import KacRiceRegion, PublishedConstants
from .quadrant import QuadrantSolver

__all__ = [
    "DEFAULT_FORMULA",
    "FORMULAS",
    "DerivedFormula",
    "FigureSettings",
    "KacRiceFormula",
    "LowestLosses",
    "PublishedFormula",
    "Suprema",
    "formula_class",
    "formula_for_constants",
    "formula_of_metadata",
    "register_formula",
    "resolve_formula",
]


class PublishedFormula(KacRiceFormula):
    """The Kac-Rice formula of the paper and of the authors' code ("published").

    Theta(u_D, u_G) is the supremum of Phi(x, x1) = C - x^2 / (2 s^2) - x1^2 / (2 s1^2)
    + L(x; x1) over B(u_D, u_G) = {x < P, x1 > R x + Q}, with the constants of
    :class:`~spinglass_gan.published_constants.PublishedConstants`.  It is not the
    complexity of the model (docs/theory.md); it reproduces the paper's figures.
    """

    name = "published"
    constants_class = PublishedConstants
    constants_factory = "from_paper"
    has_region = True
    figures = FigureSettings(
        # Theta over [-10, 10] in the paper; the index bands sit where x = P crosses
        # the spectrum (|x| < ~60, i.e. |u_G| < ~0.2 for P = 384 u_G).
        theta_range=(-10.0, 10.0),
        theta_sections=(-2.0, 0.0, 2.0, 5.0),
        zoom=((-4.0, 4.0), (-0.5, 0.2)),
        exponent_levels=(2.0, 3.0),
        exponent_overlay="region",
    )

    def _make_solver(self, k_D, k_G, d_index, convention) -> ComplexitySolver:
        k = self.constants
        obj = Exponent(k, k_D, k_G, d_index=d_index, convention=convention)
        return ComplexitySolver(obj, slope=k.slope)

    def free_exponent(self) -> Exponent:
        return self.solver().obj

    def _bounds(self, u_D: float, u_G: float) -> tuple[float, float]:
        """(P, Q) of the region B(u_D, u_G); infinite levels remove the bound."""
        k = self.constants
        P = math.inf if u_G == math.inf else k.x_max_per_u_G * u_G
        Q = -math.inf if u_D == math.inf else k.intercept_per_u_D * u_D
        return P, Q

    def sup_point(self, u_D, u_G, *index, **options) -> Suprema:
        return Suprema(np.asarray(self.solver(*index, **options).sup(*self._bounds(u_D, u_G))))

    def sup_grid(self, u_D, u_G, *index, **options) -> Suprema:
        k = self.constants
        solver = self.solver(*index, **options)
        return Suprema(solver.sup_grid(k.x_max_per_u_G * u_G, k.intercept_per_u_D * u_D))

    def sup_on_losses(self, d, g, *index, **options) -> Suprema:
        """Phi at the corner of B(d, g) (the only point of B with those losses)."""
        k = self.constants
        obj = self.solver(*index, **options).obj
        x = k.x_max_per_u_G * g
        x1 = k.slope * x + k.intercept_per_u_D * d
        out = np.full(x.size, -np.inf)
        inside = obj.in_domain(x, x1)
        if inside.any():
            out[inside] = obj.evaluate(x[inside], x1[inside]).value
        where = np.where(inside, np.stack([x, x1]), np.nan)
        return Suprema(out, where)

    def lowest_sum(self) -> tuple[float, float, float]:
        """A point lies in B(u_D, u_G) for some u_D + u_G < sigma exactly when
        c . (x, x1) < sigma, c = (1/P' - R/Q', 1/Q') with P = P' u_G, Q = Q' u_D: the
        best Theta on u_D + u_G = sigma is the supremum over that half-plane."""
        k = self.constants
        solver = self.solver()
        a, r, b = k.x_max_per_u_G, k.slope, k.intercept_per_u_D
        cx, cx1 = 1.0 / a - r / b, 1.0 / b
        sum_min = _zero_of_increasing(lambda s: solver.sup_planes([(cx, cx1, s)]))
        # Where on that line the supremum sits gives the split into u_D and u_G.
        x, x1, _ = solver.line_argmax(cx, cx1, sum_min)
        return sum_min, (x1 - r * x) / b, x / a

    def region(self, u_D: float, u_G: float) -> KacRiceRegion:
        k = self.constants
        return KacRiceRegion(
            x_max=k.x_max_per_u_G * u_G, slope=k.slope, intercept=k.intercept_per_u_D * u_D
        )

    def exponent_window(self, nx, nx1, u_D, u_G):
        """|x| <= 4000 and |x1| <= 6 (the paper's window), with the region B(u_D, u_G)."""
        d0, g0 = self.figures.exponent_levels
        u_D, u_G = d0 if u_D is None else u_D, g0 if u_G is None else u_G
        x, x1 = np.linspace(-4000.0, 4000.0, nx), np.linspace(-6.0, 6.0, nx1)
        reg = self.region(u_D, u_G)
        meta = {"x_max": reg.x_max, "slope": reg.slope, "intercept": reg.intercept}
        return x, x1, {**meta, "u_D": u_D, "u_G": u_G}


class DerivedFormula(KacRiceFormula):
    """The model's own Kac-Rice formula ("derived", the default).

    Theta(u_D, u_G) = C* + sup {L(x; x1) - v^T K^-1 v / 2 : a - g <= u_D, g <= u_G}
    with v = (a, g, h) = (l_D, l_G, rho) / N and (x, x1) its image under
    :class:`~spinglass_gan.derived.LossCoordinates`; constants
    :class:`~spinglass_gan.derived.DerivedConstants`, suprema by
    :class:`~spinglass_gan.quadrant.QuadrantSolver` (maximisers (x, x1, t),
    t = l_G / N).
    """

    name = "derived"
    constants_class = DerivedConstants
    constants_factory = "from_model"
    figures = FigureSettings(
        # The zero contour of Theta runs close to u_D + u_G = -0.8 (l_D / N has
        # variance 1/2 per N, so a = u_D + u_G is tightly bound) and the
        # index-constrained critical points sit near (u_D, u_G) = (17, -17).
        theta_range=(-12.0, 12.0),
        theta_sections=(-10.0, -5.0, 0.0, 5.0),
        zoom=((5.0, 30.0), (-30.0, -5.0)),
        exponent_levels=(-1.0, -1.0),
        exponent_overlay="loss lines",
    )

    def _make_solver(self, k_D, k_G, d_index, convention) -> QuadrantSolver:
        return QuadrantSolver(self.constants, k_D, k_G, d_index=d_index, convention=convention)

    def free_exponent(self) -> Exponent:
        return self.solver().free.obj

    @property
    def gaussian(self) -> QuadraticGaussian:
        """C* - (x, x1) S^-1 (x, x1)^T / 2, S the covariance of (x, x1)."""
        return self.free_exponent().gaussian

    def sup_point(self, u_D, u_G, *index, **options) -> Suprema:
        res = self.solver(*index, **options).suprema(np.array([u_D]), np.array([u_G]))
        return Suprema(np.asarray(res.values[0, 0]), res.maximisers[:, 0, 0])

    def sup_grid(self, u_D, u_G, *index, **options) -> Suprema:
        return self.solver(*index, **options).suprema(u_D, u_G)

    def sup_on_losses(self, d, g, *index, **options) -> Suprema:
        """A one-dimensional supremum along the line of shifts with those losses."""
        return self.solver(*index, **options).suprema_on_losses(d, g)

    def theta_max(self) -> float:
        """The best loss-free candidate (no loss constraint can bind at +inf)."""
        return float(np.max(self.solver().free_candidates[3], initial=-np.inf))

    def lowest_sum(self) -> tuple[float, float, float]:
        """d + g <= sigma is one more half-space n . z3 <= sigma with a positive
        t-coefficient, solved like the loss faces (docs/theory.md)."""
        solver = self.solver()
        n_sum = solver.d_row + solver.g_row
        inf = np.array([np.inf])

        def on_sum(sigma: float) -> Suprema:
            return solver.suprema(inf, np.array([sigma]), n_row=n_sum)

        sum_min = _zero_of_increasing(lambda s: float(on_sum(s).values[0, 0]))
        z3 = on_sum(sum_min).maximisers[:, 0, 0]
        return sum_min, float(solver.d_row @ z3), float(z3[2])

    def exponent_window(self, nx, nx1, u_D, u_G):
        """Four standard deviations of (x, x1), with the lines where the conditional
        mean of each loss equals its level (beyond them that constraint binds)."""
        d0, g0 = self.figures.exponent_levels
        u_D, u_G = d0 if u_D is None else u_D, g0 if u_G is None else u_G
        k, solver = self.constants, self.solver()
        sd = np.sqrt(np.diag(np.linalg.inv(self.gaussian.prec)))
        x, x1 = np.linspace(-4 * sd[0], 4 * sd[0], nx), np.linspace(-4 * sd[1], 4 * sd[1], nx1)
        # Conditional means: g = ell . z, d = (q g - 2x - x1) / p.
        g_line = solver.ell
        d_line = (k.q * solver.ell - np.array([2.0, 1.0])) / k.p
        meta = {"g_line": g_line.tolist(), "d_line": d_line.tolist()}
        return x, x1, {**meta, "u_D": u_D, "u_G": u_G}


register_formula(DerivedFormula)
register_formula(PublishedFormula)
