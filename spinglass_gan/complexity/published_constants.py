"""Constants and integration region of the published Kac-Rice formula.

The paper and the authors' code write the complexity as the supremum of

    Phi(x, x1) = C - x^2 / (2 s^2) - x1^2 / (2 s1^2) + L(x; x1)

over the region B(u_D, u_G) = {x < P, x1 > R x + Q} of the ensemble's shifts.
:class:`PublishedConstants` holds (b, b1, kappa, s^2, s1^2, C, P / u_G, Q / u_D, R)
in one frozen dataclass that can be inspected and replaced
(``dataclasses.replace``); :class:`KacRiceRegion` is B itself.  The formula that
uses them is :class:`~spinglass_gan.complexity.formulas.PublishedFormula`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val

__all__ = ["KacRiceRegion", "PublishedConstants"]


@dataclass(frozen=True)
class KacRiceRegion:
    """B(u_D, u_G) = {(x, x1) : x < x_max and x1 > slope * x + intercept}.

    With the paper's constants x_max = P = (p+q) 2^(p+q) u_G, intercept = Q = -p u_D
    and slope = R = -p / ((p+q) 2^(p+q)) < 0: the published formula's region.

    Attributes
    ----------
    x_max : float
        Bound on x (the ensemble's shift).
    slope, intercept : float
        The lower boundary x1 = slope * x + intercept.
    """

    x_max: float
    slope: float
    intercept: float

    def x1_lower(self, x: ArrayLike) -> NDArray[np.float64]:
        """Lower boundary x1 = slope * x + intercept of the region.

        Parameters
        ----------
        x : array_like of float
            Shifts x.

        Returns
        -------
        ndarray
            x1 on the boundary, of the shape of ``x``.
        """
        return self.slope * np.asarray(x, dtype=float) + self.intercept

    def contains(self, x: ArrayLike, x1: ArrayLike) -> NDArray[np.bool_]:
        """Whether (x, x1) lies in B (strict inequalities); broadcasts.

        Parameters
        ----------
        x, x1 : array_like of float
            The ensemble's shifts.

        Returns
        -------
        ndarray of bool
            True inside B.
        """
        x = np.asarray(x, dtype=float)
        return (x < self.x_max) & (np.asarray(x1, dtype=float) > self.x1_lower(x))


@dataclass(frozen=True)
class PublishedConstants:
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
    def from_paper(cls, p: int, q: int, sigma_z: float, kappa: float) -> PublishedConstants:
        """The constants of the paper and of the authors' code for (p, q, sigma_z, kappa).

        The constants are::

            b = sqrt((p+q)(p+q-1) 2^(p+q)) sigma_z,  b1 = sqrt(p (p-1) kappa),
            s^2 = sigma_z^2 (p+q)^2 2^(3(p+q)) / 2,  s1^2 = p^2 / 2,
            C = (13/2) log 2 + 5 log pi - (kappa/2) log(p + sigma_z^2 (p+q) 2^(p+q))
                - ((1-kappa)/2) log(sigma_z^2 (p+q) 2^(p+q))
                - (kappa/2) log kappa - ((1-kappa)/2) log(1-kappa),
            P = (p+q) 2^(p+q) u_G,  Q = -p u_D,  R = -p / ((p+q) 2^(p+q)).

        Parameters
        ----------
        p, q : int
            Orders (p >= 2, q >= 1).
        sigma_z : float
            Latent-noise scale, > 0.
        kappa : float
            Discriminator share of the weights, in (0, 1).

        Returns
        -------
        PublishedConstants
            The published constants.
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
        """Plain dict of the constants (for metadata in saved results).

        Returns
        -------
        dict of str to float
            The constants by name.
        """
        return asdict(self)
