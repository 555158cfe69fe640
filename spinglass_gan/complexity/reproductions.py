"""Reproductions of the published code's known-wrong methods, for comparison only.

Nothing in the rest of the package uses this module.  It re-implements, from their
description in docs/reference-comparison.md, four methods of the code published with the paper
(Baskerville, Keating, Mezzadri, Najnudel, J. Stat. Phys. 186, 29 (2022)) so that
their effect can be measured against the package's own results
(``docs/reference-comparison.md``, ``scripts/reference_comparison.py``):

* :func:`published_density`: the spectral density from the quartic master equation
  with the wrong sign on one constant term and the root chosen as the one with the
  largest imaginary part;
* :func:`box_theta`: Theta as the largest grid value of the exponent over a fixed,
  truncated (x, x1) box inside B(u_D, u_G);
* :func:`box_log_potential` and :func:`product_log_det`: the log-determinant as a
  quadrature over an inflated interval, and the Monte Carlo determinant formed as a
  product of eigenvalues.

The published index convention (docs/theory.md, "The published convention") is not
repeated here: it is the
``convention="published"`` option of :meth:`GanSpinGlass.theta`,
:meth:`GanSpinGlass.theta_map` and :func:`banded_structure`.

Do not use these functions for results: they are wrong by design.  The density and
the box maximum take options (or grids) that turn the individual errors off, which is
how the comparison shows that each error, and nothing else, separates them from the
package.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import quad

from .. import _validation as val
from .model import GanSpinGlass

__all__ = [
    "PUBLISHED_X1_GRID",
    "PUBLISHED_X_GRID",
    "box_log_potential",
    "box_theta",
    "master_quartic",
    "product_log_det",
    "published_density",
]

RootChoice = Literal["largest_imag", "admissible"]

# The (x, x1) grid of the box maximum.  The published scripts use fixed grids of
# about 200 x-values in [-50, 500] or in [-500, 1.05 E_G] and 75-100 x1-values in
# [-15, 10] or [-15, 50].  The default here covers the union of those ranges at a
# similar or finer spacing (2.5 in x, 0.5 in x1), so that what it misses is due to
# the truncation rather than the resolution.  For p = q = 3, sigma_z = 1 the exponent's
# peak along x1 = 0 sits at |x| = 2172 (about s), outside |x| <= 500.
PUBLISHED_X_GRID = np.linspace(-500.0, 500.0, 401)
PUBLISHED_X1_GRID = np.linspace(-15.0, 50.0, 131)


# -- the density -----------------------------------------------------------------------


def master_quartic(
    lam: ArrayLike,
    b: float,
    b1: float,
    kappa: float,
    x1: float,
    *,
    constant_sign: float = 1.0,
) -> NDArray[np.float64]:
    """Coefficients of the quartic master equation in w at real z = ``lam``.

    With a = b^2/2, c = b1^2/2 and w = z + a m (docs/theory.md, "The quartic in
    t = m1"), the quartic

        c P(w)^2 + a kappa w (w + x1) P(w) + a^2 kappa^2 w^2 = 0,
        P(w) = w^2 - z w + a (1 - kappa),

    divided by a kappa, is written as a product of two quadratic factors plus a
    remainder:

        P(w) Q(w) + a kappa w^2 = 0,
        Q(w) = (c / (a kappa)) P(w) + w (w + x1)
             = (1 + r) w^2 + (x1 - r z) w + (1 - kappa) c / kappa,   r = c / (a kappa).

    The constant term of the second factor Q is (1 - kappa) c / kappa
    = +(1 - kappa) b1^2 / (2 kappa).  The published code has the opposite sign there;
    ``constant_sign=-1`` reproduces it, ``+1`` (default) is the derivation.

    Parameters
    ----------
    lam : array_like of float
        Real spectral parameter z.
    b, b1, kappa, x1 : float
        Ensemble parameters of :class:`HessianEnsemble`.
    constant_sign : {1.0, -1.0}
        Sign of the constant term of Q.

    Returns
    -------
    ndarray, shape ``lam.shape + (5,)``
        Coefficients of w^4, w^3, w^2, w, 1 (highest degree first, as ``np.polyval``).
    """
    lam = val.finite_array("lam", lam)
    b = val.positive("b", b)
    b1 = val.non_negative("b1", b1)
    kappa = val.open_unit("kappa", kappa)
    x1 = val.real_scalar("x1", x1)
    if constant_sign not in (1.0, -1.0):
        raise ValueError(f"constant_sign must be +1 or -1, got {constant_sign!r}")
    a, c = 0.5 * b * b, 0.5 * b1 * b1
    r = c / (a * kappa)
    # First factor P(w) = A w^2 + B w + C0, second Q(w) = D w^2 + E w + F.
    A, B, C0 = np.ones_like(lam), -lam, np.full_like(lam, (1.0 - kappa) * a)
    D = np.full_like(lam, 1.0 + r)
    E = x1 - r * lam
    F = np.full_like(lam, constant_sign * (1.0 - kappa) * c / kappa)
    return np.stack(
        [A * D, A * E + B * D, A * F + B * E + C0 * D + a * kappa, B * F + C0 * E, C0 * F],
        axis=-1,
    )


def _quartic_roots(coeffs: NDArray[np.float64]) -> NDArray[np.complex128]:
    """All four roots of each quartic (rows of ``coeffs``, highest degree first).

    Eigenvalues of the companion matrices, batched (the same method as ``np.roots``,
    without a Python loop), then two Newton steps on the polynomial to recover the
    digits that the eigenvalue solver loses on roots of very different sizes.
    """
    monic = coeffs / coeffs[:, :1]
    comp = np.zeros((monic.shape[0], 4, 4))
    comp[:, 0, :] = -monic[:, 1:]
    comp[:, 1, 0] = comp[:, 2, 1] = comp[:, 3, 2] = 1.0
    roots = np.linalg.eigvals(comp).astype(np.complex128)
    for _ in range(2):
        poly, der = np.zeros_like(roots), np.zeros_like(roots)
        for k in range(5):  # Horner for the polynomial and its derivative
            der = der * roots + poly
            poly = poly * roots + monic[:, k : k + 1]
        # Newton is skipped at (numerically) double roots, where it cannot gain.
        ok = np.abs(der) > 1e-300
        roots = np.where(ok, roots - poly / np.where(ok, der, 1.0), roots)
    return roots


def published_density(
    lam: ArrayLike,
    b: float,
    b1: float,
    kappa: float,
    x1: float,
    *,
    constant_sign: float = -1.0,
    root_choice: RootChoice = "largest_imag",
) -> NDArray[np.float64]:
    """The published density routine (a known-wrong method, for comparison only).

    The density is rho(z) = Im w / (pi a) for the root w of :func:`master_quartic`
    picked at each real z.  The defaults reproduce the published routine: the constant
    term of the second quadratic factor with the wrong sign (``constant_sign=-1``) and
    the root with the largest imaginary part among all four (``"largest_imag"``; the
    published code takes the largest -Im, the same value since the roots of a real
    quartic come in conjugate pairs).

    ``root_choice="admissible"`` is a correct choice on the real axis: the root with
    Im w > 0 whose block Stieltjes transforms m = (w - z) / a, m2 = -1/w and
    m1 = (m - (1 - kappa) m2) / kappa all have Im >= 0.  Im m and Im m2 have the sign
    of Im w, and Im m1 >= 0 exactly when |w|^2 >= a (1 - kappa), so this is that test
    (0 where no root passes; at a cusp, where two can, the larger Im w).  With
    ``constant_sign=+1`` and ``root_choice="admissible"`` the result equals
    :meth:`HessianEnsemble.density` (tests/test_reproductions.py), which shows the sign
    and root choice are the only differences.

    Parameters
    ----------
    lam : array_like of float
        Eigenvalue positions.
    b, b1, kappa, x1 : float
        Ensemble parameters of :class:`HessianEnsemble`.
    constant_sign : {-1.0, 1.0}
        Sign of the constant term of the second quadratic factor (-1: as published).
    root_choice : {"largest_imag", "admissible"}
        Root picked at each point ("largest_imag": as published).

    Returns
    -------
    ndarray
        Density values (1 / eigenvalue units), shape of ``lam``.  With the published
        defaults it is not the density of H', although it integrates to 1 in every
        case measured; with only the sign fixed its mass exceeds 1 (1.36 at
        b = b1 = 1, kappa = 0.5, x1 = 3).
    """
    lam = val.finite_array("lam", lam)
    if root_choice not in ("largest_imag", "admissible"):
        raise ValueError(f"root_choice must be 'largest_imag' or 'admissible', got {root_choice!r}")
    # The quartic is homogeneous under rescaling all lengths; solving it in units
    # where a + c = 1 keeps the companion matrices well conditioned at b ~ 40.
    scale = math.sqrt(0.5 * val.positive("b", b) ** 2 + 0.5 * val.non_negative("b1", b1) ** 2)
    coeffs = master_quartic(
        lam.ravel() / scale, b / scale, b1 / scale, kappa, x1 / scale, constant_sign=constant_sign
    )
    w = _quartic_roots(coeffs)
    a = 0.5 * (b / scale) ** 2
    if root_choice == "largest_imag":
        im = np.max(np.maximum(-w.imag, 0.0), axis=1)
    else:
        # Roots that are real up to rounding are not in the upper half-plane.
        upper = w.imag > 1e-9 * (1.0 + np.abs(w))
        ok = upper & (np.abs(w) ** 2 >= a * (1.0 - kappa))
        im = np.max(np.where(ok, w.imag, 0.0), axis=1)
    return (im / (math.pi * a) / scale).reshape(lam.shape)


# -- log-determinants -------------------------------------------------------------------


def box_log_potential(
    x: float,
    density: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    lo: float,
    hi: float,
    *,
    inflate: float = 5.0,
) -> float:
    """L(x) by adaptive quadrature over an inflated interval (the published method).

    The integral of log|lambda - x| rho(lambda) over [-inflate |lo|, inflate |hi|],
    where [lo, hi] is a guess of the support, with ``scipy.integrate.quad`` at its
    default settings: no breakpoints at the edges of the support or at the log
    singularity.  It returns -inf when x falls on a quadrature node (the centre of the
    interval is one).  The package uses the closed form (docs/theory.md, "Log-potential in closed
    form") instead.

    Parameters
    ----------
    x : float
        Point where L is wanted.
    density : callable
        rho, evaluated on 1-element arrays.
    lo, hi : float
        The guessed support.
    inflate : float
        Inflation factor of the interval (5 in the published code).
    """
    x = val.real_scalar("x", x)

    def integrand(lam: float) -> float:
        return (
            math.log(abs(lam - x)) * float(density(np.array([lam]))[0]) if lam != x else -math.inf
        )

    return float(quad(integrand, -inflate * abs(lo), inflate * abs(hi))[0])


def product_log_det(eigvals: ArrayLike, x: float) -> NDArray[np.float64]:
    """(1/N) log of the mean over samples of prod_i |lambda_i - x| (the published method).

    The determinants are formed as products of N factors, which overflow to inf (or
    underflow to 0) once N |L(x)| exceeds about 709; the package's
    :func:`annealed_log_det` sums logarithms and uses log-sum-exp instead.

    Parameters
    ----------
    eigvals : array_like, shape (K, N)
        Sampled spectra.
    x : float
        Shift.
    """
    ev = np.atleast_2d(np.asarray(eigvals, dtype=float))
    return np.log(np.mean(np.prod(np.abs(ev - val.real_scalar("x", x)), axis=1))) / ev.shape[1]


# -- Theta as a box maximum ------------------------------------------------------------


def box_theta(
    model: GanSpinGlass,
    u_D: ArrayLike,
    u_G: ArrayLike,
    x_grid: ArrayLike | None = None,
    x1_grid: ArrayLike | None = None,
    *,
    return_argmax: bool = False,
) -> NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The published Theta: the largest grid value of Phi inside B (known wrong).

    Phi = ``model.exponent`` is evaluated exactly on the grid ``x_grid`` x ``x1_grid``;
    for each (u_D, u_G) the result is the maximum over the grid points in
    B(u_D, u_G) = {x < P, x1 > R x + Q}.  It is a lower bound on the exact
    ``model.theta`` and misses it wherever the supremum lies outside the box or
    between grid points; only the truncation is reproduced, not the published
    exponent (whose log-determinant and index penalty differ; docs/reference-comparison.md).

    Parameters
    ----------
    model : GanSpinGlass
    u_D, u_G : array_like of float
        Loss levels (broadcast against each other); +inf removes that bound.
    x_grid, x1_grid : array_like of float, optional
        1-D grids; default :data:`PUBLISHED_X_GRID` (x in [-500, 500], 401 points)
        and :data:`PUBLISHED_X1_GRID` (x1 in [-15, 50], 131 points).
    return_argmax : bool
        Also return the grid point (x, x1) where the maximum is reached.

    Returns
    -------
    theta : ndarray
        Shape of ``broadcast(u_D, u_G)``; -inf where no grid point lies in B.
    x_at, x1_at : ndarray
        Only with ``return_argmax``: the maximiser on the grid (NaN where none).
    """
    xg = np.unique(val.finite_array("x_grid", PUBLISHED_X_GRID if x_grid is None else x_grid))
    x1g = np.unique(val.finite_array("x1_grid", PUBLISHED_X1_GRID if x1_grid is None else x1_grid))
    u_D, u_G = np.broadcast_arrays(np.asarray(u_D, dtype=float), np.asarray(u_G, dtype=float))
    if not np.all((u_D > -np.inf) & (u_G > -np.inf)):  # also rejects NaN
        raise ValueError("u_D and u_G must be real numbers or +inf")
    k = model.constants
    P = (k.x_max_per_u_G * u_G).ravel()
    Q = (k.intercept_per_u_D * u_D).ravel()  # -inf where u_D = +inf
    phi = model.exponent(xg[None, :], x1g[:, None])  # [i_x1, i_x]
    # best[i, j]: max of phi over x1 indices >= i in column j, and where it is; the
    # row appended at the end stands for "no grid x1 above the bound".
    n1, nx = phi.shape
    best = np.full((n1 + 1, nx), -np.inf)
    where = np.full((n1 + 1, nx), n1)
    for i in range(n1 - 1, -1, -1):
        take = phi[i] > best[i + 1]
        best[i] = np.where(take, phi[i], best[i + 1])
        where[i] = np.where(take, i, where[i + 1])
    theta = np.empty(P.size)
    x_at, x1_at = np.full(P.size, np.nan), np.full(P.size, np.nan)
    cols = np.arange(nx)
    chunk = max(1, 2**20 // nx)  # bounds the (queries x columns) temporaries
    for start in range(0, P.size, chunk):
        sl = slice(start, start + chunk)
        # First x1 index strictly above the boundary x1 = R x + Q, per query and column.
        first = np.searchsorted(x1g, k.slope * xg[None, :] + Q[sl, None], side="right")
        vals = np.where(xg[None, :] < P[sl, None], best[first, cols], -np.inf)
        j = np.argmax(vals, axis=1)
        rows = np.arange(j.size)
        theta[sl] = vals[rows, j]
        found = np.isfinite(theta[sl])
        i = where[first[rows, j], j]
        x_at[sl] = np.where(found, xg[j], np.nan)
        x1_at[sl] = np.where(found, x1g[np.minimum(i, n1 - 1)], np.nan)
    shape = u_D.shape
    if not return_argmax:
        return theta.reshape(shape)
    return theta.reshape(shape), x_at.reshape(shape), x1_at.reshape(shape)
