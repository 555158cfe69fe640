"""The Kac-Rice complexity exponent and its index-constrained versions.

    Phi(x, x1) = G(x, x1) + L(x; x1),

G the formula's concave Gaussian term (C - x^2 / (2 s^2) - x1^2 / (2 s1^2) in the
published formula; a general concave quadratic for the model's own formula and its
loss faces) and, with index constraints (docs/theory.md, "Index-constrained complexity"),

    Psi(x, x1) = Phi - k_G w_G I(x; E_G) - k_D w_D I(x + x1; E_D)

on the domain where the constrained blocks have their bulk on the required side of
zero.  :class:`Exponent` evaluates Psi with its gradient at arbitrary points; it is
the objective every supremum of the complexity module maximises.  The gradient of
L is exact: dL/dx = -Re m and dL/dx1 = -kappa Re m1
(docs/theory.md, "The exact gradient").
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .. import _validation
from ..rmt.kernels import log_potential_from_blocks, solve_path
from ..rmt.large_deviations import rate_and_slope

__all__ = ["Convention", "DIndex", "DiagonalGaussian", "Exponent", "QuadraticGaussian"]

DIndex = Literal["ascent", "descent"]
Convention = Literal["exact", "published"]


class DiagonalGaussian:
    """The published Gaussian term C - x^2 / (2 s^2) - x1^2 / (2 s1^2).

    ``constants`` provides ``log_constant``, ``s_sq`` and ``s1_sq``.
    """

    ridge_slope = 0.0  # d x1 / dx along the ridge of the term (its maxima in x1)

    def __init__(self, constants) -> None:
        self.log_constant = constants.log_constant
        self.s_sq, self.s1_sq = constants.s_sq, constants.s1_sq

    def value(self, x, x1):
        return self.log_constant - 0.5 * x * x / self.s_sq - 0.5 * x1 * x1 / self.s1_sq

    def grad(self, x, x1):
        return -x / self.s_sq, -x1 / self.s1_sq

    def crossing(self, x0, x10, dx, dx1, target):
        """tau at which the derivative along (dx, dx1) from (x0, x10) equals ``target``."""
        curv = dx * dx / self.s_sq + dx1 * dx1 / self.s1_sq
        return (-(x0 * dx / self.s_sq + x10 * dx1 / self.s1_sq) - target) / curv

    def x_range(self, obj) -> tuple[float, float]:
        """x-interval holding every interior critical point of ``obj``.

        |dL/dx| <= 1 / (distance to the spectrum), so a critical point has
        |x| (|x| - reach) <= s^2 (docs/theory.md, "Bounds that confine the critical points").
        """
        reach = obj.radius + self.s1_sq * (obj.max_grad_x1 + obj.max_grad_x)
        x_lim = 0.5 * (reach + np.sqrt(reach**2 + 4.0 * self.s_sq))
        return -x_lim, x_lim


class QuadraticGaussian:
    """A concave quadratic Gaussian term c0 + lin . z - z^T prec z / 2, z = (x, x1).

    ``prec`` must be symmetric positive definite.
    """

    def __init__(self, c0: float, lin, prec) -> None:
        self.log_constant = float(c0)
        self.lin = np.asarray(lin, dtype=float).reshape(2)
        self.prec = np.asarray(prec, dtype=float).reshape(2, 2)
        eig = np.linalg.eigvalsh(self.prec)
        if not (np.all(np.isfinite(self.prec)) and eig[0] > 0.0):
            raise ArithmeticError("the Gaussian term is not strictly concave")
        self.curvature_min = float(eig[0])
        self.ridge_slope = -self.prec[0, 1] / self.prec[1, 1]
        self.centre = np.linalg.solve(self.prec, self.lin)

    def value(self, x, x1):
        (pxx, pxy), (_, pyy) = self.prec
        quad = pxx * x * x + 2.0 * pxy * x * x1 + pyy * x1 * x1
        return self.log_constant + self.lin[0] * x + self.lin[1] * x1 - 0.5 * quad

    def grad(self, x, x1):
        (pxx, pxy), (_, pyy) = self.prec
        return self.lin[0] - pxx * x - pxy * x1, self.lin[1] - pxy * x - pyy * x1

    def crossing(self, x0, x10, dx, dx1, target):
        gx, gx1 = self.grad(x0, x10)
        (pxx, pxy), (_, pyy) = self.prec
        curv = pxx * dx * dx + 2.0 * pxy * dx * dx1 + pyy * dx1 * dx1
        return (gx * dx + gx1 * dx1 - target) / curv

    def x_range(self, obj) -> tuple[float, float]:
        """x-interval holding every interior critical point of ``obj``.

        At a critical point prec (z - centre) = grad L + sum_j s_j n_j, with
        |grad L| <= G, s_j >= 0 and n_j the outward normal of the index
        constraint j (its rate's gradient).  So z lies within G / mu of the cone
        centre + prec^-1 cone(n_j) (mu the smallest curvature), cut by the
        domain: the range spans the centre, the points where the cone's rays
        and edges leave the domain, and the domain's vertex, each widened by
        G / mu.
        """
        half = (obj.max_grad_x + obj.max_grad_x1) / self.curvature_min
        half = half * (1.0 + 1e-9) + obj.radius
        xs = [self.centre[0]]
        planes = obj.halfplanes
        for nx, nx1, h in planes:
            w = np.linalg.solve(self.prec, [nx, nx1])
            along = nx * w[0] + nx1 * w[1]
            room = h - (nx * self.centre[0] + nx1 * self.centre[1])
            if along > 0.0 and room > 0.0:
                xs.append(self.centre[0] + room / along * w[0])
        if len(planes) == 2:
            xs.append(np.linalg.solve(planes[:, :2], planes[:, 2])[0])
        return min(xs) - half, max(xs) + half


class Evaluation(NamedTuple):
    """Psi and its gradient at a set of points, with the block solution used."""

    value: NDArray[np.float64]
    grad_x: NDArray[np.float64]
    grad_x1: NDArray[np.float64]
    m1: NDArray[np.complex128]
    m2: NDArray[np.complex128]


def _index(name: str, k: object) -> int | None:
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"{name} must be None or an integer >= 0, got {k!r}")
    return _validation.block_index(name, k)


class Exponent:
    """Psi(x, x1) for given model constants and index constraints.

    Parameters
    ----------
    constants : PublishedConstants or DerivedConstants
    k_D, k_G : int or None
        Indices of the discriminator and generator blocks; None leaves that block
        unconstrained (no penalty and no domain restriction).
    d_index : {"ascent", "descent"}
        Which side of the D block ``k_D`` counts: "ascent" (default), negative
        eigenvalues of the D block of H' - x, i.e. ascent directions of L_D, with
        domain x + x1 <= -E_D; "descent", positive eigenvalues (descent
        directions of L_D), with domain x + x1 >= E_D.
    convention : {"exact", "published"}
        "exact": each outlier costs the GOE rate at its block's own size and radius
        (docs/theory.md, "Index-constrained complexity").  "published" reproduces the authors' code
        (docs/reference-comparison.md): weights kappa on k_G and (1 - kappa) on k_D, D-block
        radius sqrt(2 kappa (b^2 + b1^2)), the rate applied to ``|u|`` and no domain
        restriction (rate 0 inside the bulk).
    gaussian : object, optional
        The Gaussian term of Psi, with ``value`` and ``grad`` (default: the published
        formula's ``C - x^2 / (2 s^2) - x1^2 / (2 s1^2)`` from ``constants``).  The
        model's own formula passes its correlated Gaussian term here.
    """

    def __init__(
        self,
        constants,
        k_D: int | None = None,
        k_G: int | None = None,
        d_index: DIndex = "ascent",
        convention: Convention = "exact",
        gaussian=None,
    ) -> None:
        if d_index not in ("ascent", "descent"):
            raise ValueError(f"d_index must be 'ascent' or 'descent', got {d_index!r}")
        if convention not in ("exact", "published"):
            raise ValueError(f"convention must be 'exact' or 'published', got {convention!r}")
        self.constants = k = constants
        self.gaussian = DiagonalGaussian(k) if gaussian is None else gaussian
        self.k_D, self.k_G = _index("k_D", k_D), _index("k_G", k_G)
        self.d_index, self.convention = d_index, convention
        self.kappa = k.kappa
        a, c = 0.5 * k.b**2, 0.5 * k.b1**2
        self.scale = math.sqrt(a + c)
        self._a, self._c = a / self.scale**2, c / self.scale**2
        # Radii of the diagonal blocks on their own: each is a GOE (docs/theory.md).
        self.block_radius_G = k.b * math.sqrt(2.0 * (1.0 - k.kappa))
        self.block_radius_D = math.sqrt(2.0 * (k.kappa * k.b**2 + k.b1**2))
        published = convention == "published"
        self.E_G = self.block_radius_G
        self.E_D = (
            math.sqrt(2.0 * k.kappa * (k.b**2 + k.b1**2)) if published else self.block_radius_D
        )
        self.w_G = k.kappa if published else 1.0 - k.kappa
        self.w_D = 1.0 - k.kappa if published else k.kappa
        # Domain half-planes n . (x, x1) <= h, as rows (n_x, n_x1, h).
        planes = []
        if not published and self.k_G is not None:
            planes.append((1.0, 0.0, -self.E_G))
        if not published and self.k_D is not None:
            sign = 1.0 if d_index == "ascent" else -1.0
            planes.append((sign, sign, -self.E_D))
        self.halfplanes = np.array(planes, dtype=float).reshape(-1, 3)
        # |dL/dx| <= kappa |m1| + (1-kappa) |m2| and |m_j| <= 2 / (block radius j)
        # everywhere on the real axis (docs/theory.md, "Bounds that confine the critical
        # points").
        self.max_grad_x1 = 2.0 * k.kappa / self.block_radius_D
        self.max_grad_x = self.max_grad_x1 + 2.0 * (1.0 - k.kappa) / self.block_radius_G
        # Length scales of L.  The spectrum of H'(x1) lies within `radius` of
        # [min(0, -x1), max(0, -x1)]; the generator block's share of it sits
        # within sqrt(2) b of 0, the discriminator's within `radius` of -x1.
        # Scan steps are 1/24 of the block radius there (rows: centre at x1 = 0,
        # centre per unit x1, half-width, step).
        self.radius = math.sqrt(2.0) * (k.b + k.b1)
        self.h0 = min(self.block_radius_G, self.block_radius_D) / 24.0
        self.zones = np.array(
            [
                [0.0, 0.0, math.sqrt(2.0) * k.b, self.block_radius_G / 24.0],
                [0.0, -1.0, self.radius, self.block_radius_D / 24.0],
            ]
        )

    # -- evaluation -------------------------------------------------------------

    def evaluate(self, x, x1, *, starts=None, ts=None, guess=None) -> Evaluation:
        """Psi and its gradient at the points (x, x1) (1-D float arrays).

        Points are visited in order: consecutive points of one path warm-start
        each other; ``starts`` (bool) marks where paths begin (default: every
        point), ``ts`` is the path parameter used to extrapolate, ``guess`` an
        optional pair (m1, m2) of scaled starting values (NaN: none).

        Parameters
        ----------
        x, x1 : ndarray of float, 1-D
            The points.
        starts : ndarray of bool, optional
            Where paths begin (default: every point).
        ts : ndarray of float, optional
            Path parameter of each point, used to extrapolate the warm start.
        guess : tuple of ndarray, optional
            Scaled starting values (m1, m2) per point (NaN: none).

        Returns
        -------
        Evaluation
            ``value`` (Psi, per N), ``grad_x``, ``grad_x1`` and the block solution
            ``m1``, ``m2`` used, one entry per point.
        """
        x = np.ascontiguousarray(x, dtype=float)
        x1 = np.ascontiguousarray(x1, dtype=float)
        n = x.size
        starts = np.ones(n, dtype=bool) if starts is None else np.ascontiguousarray(starts)
        ts = np.arange(n, dtype=float) if ts is None else np.ascontiguousarray(ts, dtype=float)
        if guess is None:
            g1 = g2 = np.full(n, np.nan + 0j)
        else:
            g1, g2 = (np.ascontiguousarray(g, dtype=complex) for g in guess)
        m1, m2 = np.empty(n, complex), np.empty(n, complex)
        zs = (x / self.scale).astype(complex)
        solve_path(zs, x1 / self.scale, ts, starts, g1, g2, self._a, self._c, self.kappa, m1, m2)
        bad = ~(np.isfinite(m1) & np.isfinite(m2))
        if np.any(bad):
            i = np.flatnonzero(bad)[0]
            raise ArithmeticError(f"Dyson root selection failed at x={x[i]!r}, x1={x1[i]!r}")
        pot = np.empty(n)
        log_potential_from_blocks(m1, m2, self._a, self._c, self.kappa, pot)
        value = self.gaussian.value(x, x1)
        value += pot + math.log(self.scale)
        ggx, ggx1 = self.gaussian.grad(x, x1)
        gx = ggx - (self.kappa * m1.real + (1.0 - self.kappa) * m2.real) / self.scale
        gx1 = ggx1 - self.kappa * m1.real / self.scale
        pen, pen_x, pen_x1 = self.penalty(x, x1)
        return Evaluation(value - pen, gx - pen_x, gx1 - pen_x1, m1, m2)

    def penalty(self, x, x1) -> tuple[NDArray, NDArray, NDArray]:
        """k_G w_G I(x; E_G) + k_D w_D I(x + x1; E_D) and its gradient (x, x1).

        Parameters
        ----------
        x, x1 : array_like of float
            The points (broadcast together).

        Returns
        -------
        penalty, d_dx, d_dx1 : ndarray
            The penalty (per N, >= 0) and its partial derivatives.
        """
        x, x1 = np.asarray(x, dtype=float), np.asarray(x1, dtype=float)
        pen = np.zeros(np.broadcast(x, x1).shape)
        px, px1 = pen.copy(), pen.copy()
        if self.k_G:
            rate, slope = rate_and_slope(x + 0.0 * x1, self.E_G)
            pen += self.k_G * self.w_G * rate
            px += self.k_G * self.w_G * slope
        if self.k_D:
            rate, slope = rate_and_slope(x + x1, self.E_D)
            pen += self.k_D * self.w_D * rate
            px += self.k_D * self.w_D * slope
            px1 += self.k_D * self.w_D * slope
        return pen, px, px1

    def concave_slope(self, x, x1, dx, dx1) -> NDArray[np.float64]:
        """Derivative along (dx, dx1) of the concave part of Psi (all but L).

        The Gaussian terms and minus the (convex) rates are concave, so this is
        non-increasing along any line; ``|dL/dtau| <= self.slope_bound``.

        Parameters
        ----------
        x, x1 : array_like of float
            The points.
        dx, dx1 : float or array_like
            The direction.

        Returns
        -------
        ndarray
            The directional derivative at each point.
        """
        _, px, px1 = self.penalty(x, x1)
        ggx, ggx1 = self.gaussian.grad(np.asarray(x), np.asarray(x1))
        gx = ggx - px
        gx1 = ggx1 - px1
        return gx * dx + gx1 * dx1

    def slope_bound(self, dx, dx1) -> NDArray[np.float64]:
        """Bound on ``|dL/dtau|`` along the direction (dx, dx1).

        Parameters
        ----------
        dx, dx1 : float or array_like
            The direction.

        Returns
        -------
        ndarray
            ``|dx| max|dL/dx| + |dx1| max|dL/dx1|`` over the real plane.
        """
        return np.abs(dx) * self.max_grad_x + np.abs(dx1) * self.max_grad_x1

    def in_domain(self, x, x1, slack: float = 0.0) -> NDArray[np.bool_]:
        """Whether (x, x1) satisfies the index constraints (within ``slack``).

        Parameters
        ----------
        x, x1 : array_like of float
            The points (broadcast together).
        slack : float
            Tolerance added to each half-plane's bound.

        Returns
        -------
        ndarray of bool
            True where every half-plane ``nx x + nx1 x1 <= h + slack`` holds.
        """
        x, x1 = np.asarray(x, dtype=float), np.asarray(x1, dtype=float)
        ok = np.ones(np.broadcast(x, x1).shape, dtype=bool)
        for nx, nx1, h in self.halfplanes:
            ok &= nx * x + nx1 * x1 <= h + slack
        return ok
