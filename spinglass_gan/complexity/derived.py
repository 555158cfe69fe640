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
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from .game_spec import GameSpec

__all__ = ["DerivedConstants", "LossCoordinates"]


@dataclass(frozen=True)
class LossCoordinates:
    """The change of coordinates between the losses and the ensemble's shifts.

    A critical point's Gaussian data v = (a, g, h) = (l_D, l_G, rho) / N and the
    coordinates z3 = (x, x1, t) in which the exponent is maximised are related by

        x = r g - h,   x1 = 2 h - p a - r g,   t = g          (:meth:`shifts`)
        a = (r t - 2 x - x1) / p,   g = t,   h = r t - x      (:meth:`losses`)

    with r = p + q: (x, x1) are the shifts of H'(x1) - x that J' equals, t the
    generator's loss per N.  This is the only place where the change is written;
    the matrices are the two maps applied to unit vectors, so they hold exactly
    the same numbers.

    Parameters
    ----------
    p, q : int
        Orders of the model (r = p + q).
    """

    p: int
    q: int

    @property
    def r(self) -> int:
        """r = p + q, the order of the generator's field l_G."""
        return self.p + self.q

    def shifts(self, a: ArrayLike, g: ArrayLike, h: ArrayLike) -> tuple:
        """(x, x1, t) of the losses (a, g, h) per N; broadcasts.

        Parameters
        ----------
        a, g, h : float or array_like
            l_D / N, l_G / N and rho / N.

        Returns
        -------
        tuple of float or ndarray
            x = r g - h, x1 = 2 h - p a - r g and t = g.
        """
        p, r = self.p, self.r
        return r * g - h, 2.0 * h - p * a - r * g, g

    def losses(self, x: ArrayLike, x1: ArrayLike, t: ArrayLike) -> tuple:
        """(a, g, h) per N of the coordinates (x, x1, t); the inverse of :meth:`shifts`.

        Parameters
        ----------
        x, x1 : float or array_like
            The ensemble's shifts.
        t : float or array_like
            l_G / N.

        Returns
        -------
        tuple of float or ndarray
            a = (r t - 2 x - x1) / p, g = t and h = r t - x.
        """
        p, r = self.p, self.r
        return (r * t - 2.0 * x - x1) / p, t, r * t - x

    @property
    def shift_matrix(self) -> NDArray[np.float64]:
        """(3, 3) S with (x, x1, t) = S (a, g, h)."""
        return np.column_stack([np.array(self.shifts(*e), dtype=float) for e in np.eye(3)])

    @property
    def loss_matrix(self) -> NDArray[np.float64]:
        """(3, 3) M with (a, g, h) = M (x, x1, t); the inverse of :attr:`shift_matrix`."""
        return np.column_stack([np.array(self.losses(*e), dtype=float) for e in np.eye(3)])


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

        The model is built as its game, ``GameSpec.gan(p, q, sigma_z, kappa,
        coupling="isotropic")``, and the constants are read off that game's arrays at one
        point by :meth:`from_game`: the model and the game have one source of b, b1, v_D,
        v_G, K and C*.  In closed form (docs/theory.md, "The model's own formula"),
        with r = p + q,

            b^2 = alpha_G r (r-1) 2^(r-1),   b1^2 = 2 kappa alpha_D p (p-1),
            v_G = alpha_G r 2^(r-1),         v_D = alpha_D p + v_G,

        so alpha_D = 1/2 and alpha_G = 2 sigma_z^2 give the paper's scales
        b = sqrt(r (r-1) 2^r) sigma_z and b1 = sqrt(p (p-1) kappa).

        Parameters
        ----------
        p, q : int
            Orders (p >= 2, q >= 1); l_G is an r-spin glass with r = p + q.
        sigma_z : float
            Latent-noise scale, > 0.
        kappa : float
            Discriminator share of the weights, in (0, 1).
        alpha_D : float
            Variance of the discriminator's field l_D.
        alpha_G : float, optional
            Variance of the generator's field l_G (default 2 sigma_z^2).

        Returns
        -------
        DerivedConstants
            The validated constants.
        """
        p, q = val.model_orders(p, q)
        sigma_z = val.positive("sigma_z", sigma_z)
        kappa = val.open_unit("kappa", kappa)
        alpha_D = val.positive("alpha_D", alpha_D)
        alpha_G = 2.0 * sigma_z * sigma_z if alpha_G is None else val.positive("alpha_G", alpha_G)
        if not (math.isfinite(alpha_G) and alpha_G > 0.0):
            raise ValueError(f"sigma_z={sigma_z!r} is out of range: alpha_G = {alpha_G!r}")
        game = GameSpec.gan(p, q, sigma_z, kappa, "isotropic", alpha_D, alpha_G)
        for name in ("profile", "gradient_variances", "field_covariance"):
            if not np.all(np.isfinite(getattr(game, name))):
                raise ValueError(f"sigma_z={sigma_z!r} is out of range: the game's {name} overflow")
        return cls.from_game(game)

    @classmethod
    def from_game(cls, game: GameSpec) -> DerivedConstants:
        """The constants read off a game of the paper's shape (its arrays at one point).

        ``game`` must be ``SpinGlassGame.gan(p, q, sigma_z, kappa)`` in substance: two
        players with signs (-1, +1), xi_D = alpha_D R_D^p, xi_G = 0 and
        xi_h = alpha_G (R_D + R_G)^r.  Then b^2 = 2 sigma_GG from the game's variance
        profile; b1^2 = 2 kappa xi_D''(1) = 2 kappa alpha_D p (p-1), the own field's part
        of sigma_DD (its shared part equals sigma_DG; subtracting the two would cancel
        digits when alpha_G is large); (v_D, v_G) are the game's gradient variances, K
        the block of its field covariance for (f_D, h, rho_D^h) = (l_D, l_G, rho) and C*
        its log constant.  This is the one place the model's constants are computed:
        :meth:`from_model` builds the game and calls it.

        Parameters
        ----------
        game : SpinGlassGame
            A two-player game with the isotropic GAN coupling.

        Returns
        -------
        DerivedConstants
            The model's own formula's constants of that game.
        """
        if not isinstance(game, GameSpec):
            raise ValueError(f"game must be a SpinGlassGame, got {type(game).__name__}")
        own_d, own_g = game.own if game.K == 2 else ({}, {1: 1.0})
        if game.K != 2 or game.signs != (-1, 1) or own_g or len(own_d) != 1:
            raise ValueError(
                "game must have the GAN shape: signs (-1, +1), xi_D = a R_D^p, xi_G = 0"
            )
        ((p, alpha_D),) = own_d.items()
        shared = game.shared
        r = max(sum(m) for m in shared)
        alpha_G = shared.get((r, 0), 0.0)
        expected = {(a, r - a): alpha_G * math.comb(r, a) for a in range(r + 1)}
        if (
            alpha_G <= 0.0
            or set(shared) != set(expected)
            or any(abs(shared[m] - c) > 1e-12 * c for m, c in expected.items())
        ):
            raise ValueError("game must have the isotropic coupling xi_h = alpha_G (R_D + R_G)^r")
        v_D, v_G = (float(v) for v in game.gradient_variances)
        kappa = game.kappa[0]
        k = game.field_covariance[np.ix_([3, 0, 1], [3, 0, 1])]
        b = math.sqrt(2.0 * float(game.profile[1, 1]))
        b1 = math.sqrt(2.0 * kappa * alpha_D * p * (p - 1))
        cov = tuple(tuple(float(v) for v in row) for row in k)
        # C* in the closed form for two species (the game's sum agrees to rounding).
        log_c = (
            0.5
            - 0.5 * kappa * math.log(kappa)
            - 0.5 * (1.0 - kappa) * math.log1p(-kappa)
            - 0.5 * kappa * math.log(v_D)
            - 0.5 * (1.0 - kappa) * math.log(v_G)
        )
        return cls(p, r - p, kappa, alpha_D, alpha_G, b, b1, v_D, v_G, cov, log_c)

    @property
    def r(self) -> int:
        """r = p + q, the order of the generator's field l_G."""
        return self.p + self.q

    @property
    def cov_matrix(self) -> NDArray[np.float64]:
        """K as a (3, 3) array."""
        return np.array(self.cov, dtype=float)

    @property
    def to_ensemble(self) -> NDArray[np.float64]:
        """The (2, 3) matrix T with (x, x1) = T (l_D, l_G, rho) / N.

        x = r l_G - rho and x1 = 2 rho - p l_D - r l_G (both per N); the first two
        rows of :attr:`LossCoordinates.shift_matrix`.
        """
        return self.coordinates.shift_matrix[:2]

    @property
    def coordinates(self) -> LossCoordinates:
        """The change of coordinates (a, g, h) <-> (x, x1, t) of these orders."""
        return LossCoordinates(self.p, self.q)

    def as_dict(self) -> dict:
        """Plain dict of the constants (for metadata in saved results).

        Returns
        -------
        dict
            The fields by name, ``cov`` as a list of lists (JSON-ready).
        """
        out = asdict(self)
        out["cov"] = [list(row) for row in self.cov]
        return out
