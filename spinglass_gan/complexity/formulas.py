"""Kac-Rice formulas as objects: what a formula must supply, and the two the package has.

A Kac-Rice formula turns the model's parameters into the complexity of its critical
points.  :class:`KacRiceFormula` names the hooks a formula supplies:

* its constants, built from (p, q, sigma_z, kappa) by :meth:`~KacRiceFormula.build_constants`
  or given by the user;
* its objective with the losses free, whose Gaussian term is
  :attr:`~KacRiceFormula.gaussian`, and a cached supremum solver per index constraint;
* suprema at a point, on a grid of loss levels and at exact losses, all returned as
  :class:`~spinglass_gan.complexity.polygon.Suprema`;
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

from .. import _validation as val
from ._formula_base import (
    DEFAULT_FORMULA,
    FORMULAS,
    FigureSettings,
    KacRiceFormula,
    LowestLosses,
    _zero_of_increasing,
)
from ._formula_registry import (
    formula_class,
    formula_for_constants,
    formula_of_metadata,
    register_formula,
    resolve_formula,
)
from .derived import DerivedConstants
from .exponent import Exponent, QuadraticGaussian
from .polygon import ComplexitySolver, Suprema
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
    :class:`~spinglass_gan.complexity.published_constants.PublishedConstants`.  It is not the
    complexity of the model (docs/theory.md); it reproduces the paper's figures.
    """

    name = "published"
    label = "paper's formula"
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
        """The published exponent Phi(x, x1) without index constraints.

        Phi(x, x1) = C - x^2 / (2 s^2) - x1^2 / (2 s1^2) + L(x; x1), C the
        constants' ``log_constant`` and s^2, s1^2 their ``s_sq``, ``s1_sq``;
        dimensionless (log number of critical points per N).

        Returns
        -------
        Exponent
            The objective of the unconstrained solver; its ``evaluate`` gives the
            value and gradient at points (x, x1).
        """
        return self.solver().obj

    def _bounds(self, u_D: float, u_G: float) -> tuple[float, float]:
        """(P, Q) of the region B(u_D, u_G); infinite levels remove the bound."""
        k = self.constants
        P = math.inf if u_G == math.inf else k.x_max_per_u_G * u_G
        Q = -math.inf if u_D == math.inf else k.intercept_per_u_D * u_D
        return P, Q

    def sup_point(self, u_D, u_G, *index, **options) -> Suprema:
        """Theta(u_D, u_G): the supremum of Phi over the region B(u_D, u_G).

        B(u_D, u_G) = {x < P, x1 > R x + Q} with P = ``x_max_per_u_G`` * u_G,
        Q = ``intercept_per_u_D`` * u_D and R = ``slope`` from the constants; +inf
        for a level removes its bound.

        Parameters
        ----------
        u_D, u_G : float
            Validated loss levels per N, possibly +inf.
        *index, **options
            k_D, k_G, d_index, convention as for :meth:`~KacRiceFormula.solver`.

        Returns
        -------
        Suprema
            ``values`` of shape () (log number per N, -inf where B meets no
            point of the index domain); ``maximisers`` is None.
        """
        return Suprema(np.asarray(self.solver(*index, **options).sup(*self._bounds(u_D, u_G))))

    def sup_grid(self, u_D, u_G, *index, **options) -> Suprema:
        """Theta on the grid u_D x u_G: the supremum of Phi over each B(u_D[j], u_G[i]).

        All cells are solved together by ``ComplexitySolver.sup_grid`` with the
        bounds P = ``x_max_per_u_G`` * u_G and Q = ``intercept_per_u_D`` * u_D.

        Parameters
        ----------
        u_D, u_G : ndarray
            Validated 1-D loss levels per N; +inf removes that bound.
        *index, **options
            k_D, k_G, d_index, convention as for :meth:`~KacRiceFormula.solver`.

        Returns
        -------
        Suprema
            ``values`` of shape (len(u_G), len(u_D)) (log number per N, -inf
            where the region is empty); ``maximisers`` is None.
        """
        k = self.constants
        solver = self.solver(*index, **options)
        return Suprema(solver.sup_grid(k.x_max_per_u_G * u_G, k.intercept_per_u_D * u_D))

    def sup_on_losses(self, d, g, *index, **options) -> Suprema:
        """Sigma(d, g): Phi at the corner of B(d, g), the only point of B with those losses.

        The corner is x = ``x_max_per_u_G`` * g, x1 = ``slope`` * x +
        ``intercept_per_u_D`` * d.

        Parameters
        ----------
        d, g : ndarray
            1-D losses per N, L_D / N and L_G / N, of equal size.
        *index, **options
            k_D, k_G, d_index, convention as for :meth:`~KacRiceFormula.solver`.

        Returns
        -------
        Suprema
            ``values`` of shape d.shape (log number per N; -inf where the corner
            lies outside the index constraints' domain) and ``maximisers`` (x, x1)
            of the corners, shape (2, d.size), NaN where ``values`` is -inf.
        """
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
        """The lowest u_D + u_G with Theta(u_D, u_G) > 0, and where.

        A point lies in B(u_D, u_G) for some u_D + u_G < sigma exactly when
        c . (x, x1) < sigma, c = (1/P' - R/Q', 1/Q') with P = P' u_G, Q = Q' u_D: the
        best Theta on u_D + u_G = sigma is the supremum over that half-plane, and
        its zero in sigma is found by Brent's method.

        Returns
        -------
        sigma_min, u_D, u_G : float
            The lowest sum (per N) and the levels u_D = (x1 - R x) / Q',
            u_G = x / P' of the maximiser (x, x1) on the line c . (x, x1) = sigma_min.
        """
        k = self.constants
        solver = self.solver()
        a, r, b = k.x_max_per_u_G, k.slope, k.intercept_per_u_D
        cx, cx1 = 1.0 / a - r / b, 1.0 / b
        sum_min = _zero_of_increasing(lambda s: solver.sup_planes([(cx, cx1, s)]))
        # Where on that line the supremum sits gives the split into u_D and u_G.
        x, x1, _ = solver.line_argmax(cx, cx1, sum_min)
        return sum_min, (x1 - r * x) / b, x / a

    def region(self, u_D: float, u_G: float) -> KacRiceRegion:
        """The published region B(u_D, u_G) = {x < P, x1 > R x + Q} of (x, x1).

        P = ``x_max_per_u_G`` * u_G, Q = ``intercept_per_u_D`` * u_D and
        R = ``slope`` from the constants; with the paper's, P = (p+q) 2^(p+q) u_G,
        Q = -p u_D and R = -p / ((p+q) 2^(p+q)).

        Parameters
        ----------
        u_D, u_G : float
            Loss levels per N (not validated here); +inf removes that bound.

        Returns
        -------
        KacRiceRegion
            ``x_max`` = P, ``slope`` = R and ``intercept`` = Q.
        """
        k = self.constants
        return KacRiceRegion(
            x_max=k.x_max_per_u_G * u_G, slope=k.slope, intercept=k.intercept_per_u_D * u_D
        )

    def exponent_window(self, nx, nx1, u_D, u_G):
        """``|x| <= 4000`` and ``|x1| <= 6`` (the paper's window), with the region B(u_D, u_G).

        Parameters
        ----------
        nx, nx1 : int
            Numbers of points in x and x1.
        u_D, u_G : float or None
            Loss levels (per N) of the region drawn (None: ``figures.exponent_levels``).

        Returns
        -------
        x, x1 : ndarray
            Evenly spaced grids on [-4000, 4000] and [-6, 6], of sizes ``nx``, ``nx1``.
        meta : dict
            "x_max", "slope", "intercept" of :meth:`region` and the levels "u_D",
            "u_G".
        """
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
    :class:`~spinglass_gan.complexity.derived.LossCoordinates`; constants
    :class:`~spinglass_gan.complexity.derived.DerivedConstants`, suprema by
    :class:`~spinglass_gan.complexity.quadrant.QuadrantSolver` (maximisers (x, x1, t),
    t = l_G / N).
    """

    name = "derived"
    label = "model's own formula"
    constants_class = DerivedConstants
    constants_factory = "from_model"
    has_sampled_counts = True
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

    def check_computable(self, p: int, q: int, sigma_z: float) -> None:
        """Refuse constants outside the computable range (see the base class), and
        a loss covariance K whose condition number exceeds
        ``_validation.COND_MAX``: the formula inverts it.

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
        super().check_computable(p, q, sigma_z)
        val.derived_conditioning(self.constants.cov_matrix, p, q, sigma_z)

    def _make_solver(self, k_D, k_G, d_index, convention) -> QuadrantSolver:
        return QuadrantSolver(self.constants, k_D, k_G, d_index=d_index, convention=convention)

    def free_exponent(self) -> Exponent:
        """The marginal exponent Phi_free(x, x1) with the losses free.

        Phi_free(x, x1) = C* + L(x; x1) - (x, x1) S^-1 (x, x1)^T / 2, S the
        covariance of (x, x1): the supremum over t = l_G / N, attained at its
        conditional mean.  Dimensionless (log number of critical points per N); no
        index constraints.

        Returns
        -------
        Exponent
            Its ``evaluate`` gives the value and gradient at points (x, x1).
        """
        return self.solver().free.obj

    @property
    def gaussian(self) -> QuadraticGaussian:
        """C* - (x, x1) S^-1 (x, x1)^T / 2, S the covariance of (x, x1)."""
        return self.free_exponent().gaussian

    def sup_point(self, u_D, u_G, *index, **options) -> Suprema:
        """Theta(u_D, u_G) = C* + sup {L(x; x1) - v^T K^-1 v / 2 : d <= u_D, g <= u_G}.

        d = (q t - 2x - x1) / p = L_D / N and g = t = L_G / N; the exact supremum
        over (x, x1, t) by :meth:`QuadrantSolver.suprema
        <spinglass_gan.complexity.quadrant.QuadrantSolver.suprema>`.

        Parameters
        ----------
        u_D, u_G : float
            Validated loss levels per N, possibly +inf.
        *index, **options
            k_D, k_G, d_index, convention as for :meth:`~KacRiceFormula.solver`.

        Returns
        -------
        Suprema
            ``values`` of shape () (log number per N, -inf where the feasible set
            is empty) and ``maximisers`` (x, x1, t) of shape (3,).
        """
        res = self.solver(*index, **options).suprema(np.array([u_D]), np.array([u_G]))
        return Suprema(np.asarray(res.values[0, 0]), res.maximisers[:, 0, 0])

    def sup_grid(self, u_D, u_G, *index, **options) -> Suprema:
        """Theta on the grid u_D x u_G, all cells from one scan of each face family.

        Parameters
        ----------
        u_D, u_G : ndarray
            Validated 1-D loss levels per N; +inf removes that bound.
        *index, **options
            k_D, k_G, d_index, convention as for :meth:`~KacRiceFormula.solver`.

        Returns
        -------
        Suprema
            ``values`` of shape (len(u_G), len(u_D)) (log number per N, -inf where
            the feasible set is empty) and ``maximisers`` (x, x1, t) of shape
            (3, len(u_G), len(u_D)).
        """
        return self.solver(*index, **options).suprema(u_D, u_G)

    def sup_on_losses(self, d, g, *index, **options) -> Suprema:
        """Sigma(d, g): a one-dimensional supremum along the line of shifts with those losses.

        With t = g fixed and d = (q t - 2x - x1) / p fixed, (x, x1) runs over the
        line 2x + x1 = q g - p d.

        Parameters
        ----------
        d, g : ndarray
            1-D losses per N, L_D / N and L_G / N, of equal size.
        *index, **options
            k_D, k_G, d_index, convention as for :meth:`~KacRiceFormula.solver`.

        Returns
        -------
        Suprema
            ``values`` of shape d.shape (log number per N; -inf where the index
            constraints exclude the whole line) and ``maximisers`` (x, x1, t) of
            shape (3, d.size).
        """
        return self.solver(*index, **options).suprema_on_losses(d, g)

    def theta_max(self) -> float:
        """The total complexity Theta(+inf, +inf), the best loss-free candidate.

        No loss constraint can bind at +inf, so it is the largest critical value
        of Phi_free (:meth:`free_exponent`) among the solver's candidates.

        Returns
        -------
        float
            The log number of critical points per N; -inf if there is no candidate.
        """
        return float(np.max(self.solver().free_candidates[3], initial=-np.inf))

    def lowest_sum(self) -> tuple[float, float, float]:
        """The lowest u_D + u_G with Theta(u_D, u_G) > 0, and where.

        d + g <= sigma is one more half-space n . z3 <= sigma with a positive
        t-coefficient, solved like the loss faces (docs/theory.md); its zero in
        sigma is found by Brent's method.

        Returns
        -------
        sigma_min, u_D, u_G : float
            The lowest sum (per N) and the losses d, g per N of the maximiser
            z3 = (x, x1, t) on d + g = sigma_min.
        """
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
        mean of each loss equals its level (beyond them that constraint binds).

        Parameters
        ----------
        nx, nx1 : int
            Numbers of points in x and x1.
        u_D, u_G : float or None
            Loss levels (per N) of the lines drawn (None: ``figures.exponent_levels``).

        Returns
        -------
        x, x1 : ndarray
            Evenly spaced grids on [-4 sd, 4 sd] of each shift, sd from the
            covariance S of (x, x1), of sizes ``nx``, ``nx1``.
        meta : dict
            "g_line" and "d_line": the coefficients c with E[g | x, x1] = c . (x, x1)
            and E[d | x, x1] = c . (x, x1); and the levels "u_D", "u_G".
        """
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
