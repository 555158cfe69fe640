"""Constants of the model's own Kac-Rice formula (docs/theory.md, "The model's own formula").

The model: l_D is a pure p-spin glass on the discriminator sphere and l_G a pure
r-spin glass (r = p + q) on the concatenated weights, with covariances
N alpha_D (u.v/N)^p and N alpha_G (u.v/N)^r.  At a point, the Jacobian J' of the
critical-point equations (D rows negated) equals H'(x1) - x exactly, with

    x = (r l_G - rho) / N,    x1 = (2 rho - p l_D - r l_G) / N,

where rho = w_D . grad_{w_D} l_G.  (l_D, l_G, rho) is Gaussian with covariance N K;
the tangent gradients are independent of it, with per-coordinate variances v_D, v_G.
These numbers are everything the formula needs; they live in one frozen dataclass,
:class:`DerivedConstants`, that can be inspected and replaced.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray

from . import _validation as val

__all__ = ["DerivedConstants"]


@dataclass(frozen=True)
class DerivedConstants:
    """Constants of the model's own Kac-Rice formula.

    Attributes
    ----------
    p, q : int
        Orders: l_D is a p-spin glass, l_G an r-spin glass with r = p + q.
    kappa : float
        Discriminator share of the N weights, in (0, 1).
    alpha_D, alpha_G : float
        Field variances: E[l_D(u) l_D(v)] = N alpha_D (u.v/N)^p,
        E[l_G(u) l_G(v)] = N alpha_G (u.v/N)^r.
    b, b1 : float
        GOE scales of the Hessian ensemble: b^2 = alpha_G r (r-1) 2^(r-1),
        b1^2 = 2 kappa alpha_D p (p-1).
    v_D, v_G : float
        Per-coordinate variances of the tangent gradients of L_D (in w_D) and L_G
        (in w_G): v_D = alpha_D p + alpha_G r 2^(r-1), v_G = alpha_G r 2^(r-1).
    cov : tuple of tuples
        K, the 3x3 covariance of (l_D, l_G, rho) / sqrt(N).
    log_constant : float
        C* = 1/2 - (kappa/2) log kappa - ((1-kappa)/2) log(1-kappa)
        - (kappa/2) log v_D - ((1-kappa)/2) log v_G (per N).
    """

    p: int
    q: int
    kappa: float
    alpha_D: float
    alpha_G: float
    b: float
    b1: float
    v_D: float
    v_G: float
    cov: tuple[tuple[float, float, float], ...]
    log_constant: float

    def __post_init__(self) -> None:
        val.integer("p", self.p, 2)
        val.integer("q", self.q, 1)
        val.open_unit("kappa", self.kappa)
        for name in ("alpha_D", "alpha_G", "b", "v_D", "v_G"):
            val.positive(name, getattr(self, name))
        val.non_negative("b1", self.b1)
        val.real_scalar("log_constant", self.log_constant)
        k = np.asarray(self.cov, dtype=float)
        if k.shape != (3, 3) or not np.all(np.isfinite(k)) or not np.allclose(k, k.T):
            raise ValueError("cov must be a finite symmetric 3x3 matrix")
        if np.linalg.eigvalsh(k).min() <= 0.0:
            raise ValueError("cov must be positive definite")
        object.__setattr__(self, "cov", tuple(tuple(float(v) for v in row) for row in k))

    @classmethod
    def from_model(
        cls,
        p: int,
        q: int,
        sigma_z: float,
        kappa: float,
        alpha_D: float = 0.5,
        alpha_G: float | None = None,
    ) -> DerivedConstants:
        """The constants for (p, q, sigma_z, kappa); alpha_G defaults to 2 sigma_z^2.

        With alpha_D = 1/2 and alpha_G = 2 sigma_z^2 the Hessian ensemble has the
        paper's scales b = sqrt(r (r-1) 2^r) sigma_z and b1 = sqrt(p (p-1) kappa).
        """
        p, q = val.model_orders(p, q)
        sigma_z = val.positive("sigma_z", sigma_z)
        kappa = val.open_unit("kappa", kappa)
        alpha_D = val.positive("alpha_D", alpha_D)
        alpha_G = 2.0 * sigma_z * sigma_z if alpha_G is None else val.positive("alpha_G", alpha_G)
        if not (math.isfinite(alpha_G) and alpha_G > 0.0):
            raise ValueError(f"sigma_z={sigma_z!r} is out of range: alpha_G = {alpha_G!r}")
        r = p + q
        half = 2.0 ** (r - 1)  # 2^(r-1); the fields' radial structure brings powers of 2
        v_G = alpha_G * r * half
        v_D = alpha_D * p + v_G
        cov = (
            (alpha_D, 0.0, 0.0),
            (0.0, 2.0 * alpha_G * half, alpha_G * r * half),
            (0.0, alpha_G * r * half, alpha_G * (r * (r - 1) * half / 2.0 + r * half)),
        )
        log_c = (
            0.5
            - 0.5 * kappa * math.log(kappa)
            - 0.5 * (1.0 - kappa) * math.log1p(-kappa)
            - 0.5 * kappa * math.log(v_D)
            - 0.5 * (1.0 - kappa) * math.log(v_G)
        )
        b = math.sqrt(alpha_G * r * (r - 1) * half)
        b1 = math.sqrt(2.0 * kappa * alpha_D * p * (p - 1))
        for name, value in (("alpha_G", alpha_G), ("b", b), ("log_constant", log_c)):
            if not math.isfinite(value) or (name != "log_constant" and value <= 0.0):
                raise ValueError(f"sigma_z={sigma_z!r} is out of range: it gives {name}={value!r}")
        return cls(p, q, kappa, alpha_D, alpha_G, b, b1, v_D, v_G, cov, log_c)

    @property
    def r(self) -> int:
        return self.p + self.q

    @property
    def cov_matrix(self) -> NDArray[np.float64]:
        """K as a (3, 3) array."""
        return np.array(self.cov, dtype=float)

    @property
    def to_ensemble(self) -> NDArray[np.float64]:
        """The (2, 3) matrix T with (x, x1) = T (l_D, l_G, rho) / N.

        x = r l_G - rho and x1 = 2 rho - p l_D - r l_G (both per N).
        """
        r = self.r
        return np.array([[0.0, r, -1.0], [-float(self.p), -r, 2.0]])

    def as_dict(self) -> dict:
        """Plain dict of the constants (for metadata in saved results)."""
        out = asdict(self)
        out["cov"] = [list(row) for row in self.cov]
        return out
