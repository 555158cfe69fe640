r"""Sampled instances of the GAN spin glass and all their critical points.

One instance is a pair of explicit Gaussian tensors: X with n_D^p entries and Z with
N^r entries (N = n_D + n_G, r = p + q), all independent standard normals, and

    l_D(w_D) = c_D sum_{i1..ip} X_{i1..ip} w_{D,i1} ... w_{D,ip},
    l_G(w)   = c_G sum_{i1..ir} Z_{i1..ir} w_{i1} ... w_{ir},

with w = (w_D, w_G), c_D^2 = alpha_D N^(1-p), c_G^2 = alpha_G N^(1-r), alpha_D = 1/2,
alpha_G = 2 sigma_z^2.  Then E[l_D(u) l_D(v)] = N alpha_D (u.v/N)^p and
E[l_G(u) l_G(v)] = N alpha_G (u.v/N)^r.  The weights live on a product of spheres,
|w_D|^2 = |w_G|^2 = N.  The discriminator's loss is L_D = l_D - l_G, the generator's
L_G = l_G.

A critical point is a zero of the game's Riemannian gradient field
V(w) = (P_D grad_{w_D} L_D, P_G grad_{w_G} L_G), with P = I - w w^T / N on each block.
Its Jacobian J (the covariant derivative on the tangent space) with the D rows negated
is the symmetric matrix J': its D block is minus the Riemannian Hessian of L_D in w_D,
its G block the Riemannian Hessian of L_G in w_G, and det J = (-1)^(n_D - 1) det J'.

Indices: k_G is the number of negative eigenvalues of the G block of J' (descent
directions of L_G).  k_D is, by default (``d_index="ascent"``), the number of negative
eigenvalues of the D block of J', i.e. ascent directions of L_D; with
``d_index="descent"`` it is the number of positive eigenvalues of that block, the
descent directions of L_D.

The tensors are symmetrised on sampling (the fields are unchanged), so gradients and
Hessians are plain contractions: grad l = k c T[w^(k-1)], Hess l = k (k-1) c T[w^(k-2)].
See docs/landscape.md.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _landscape_kernels as _k
from . import _validation as val
from .derived import DerivedConstants

__all__ = ["CriticalPoints", "GanLandscape", "bezout_bound", "euler_characteristic"]

D_INDEX = ("ascent", "descent")
METHODS = ("auto", "newton", "grid")


def euler_characteristic(n_D: int, n_G: int) -> int:
    """chi(S^(n_D - 1)) chi(S^(n_G - 1)), with chi(S^n) = 1 + (-1)^n.

    The sum of sign det J over the critical points of any instance (Poincare-Hopf).
    """
    n_D = val.integer("n_D", n_D, 2)
    n_G = val.integer("n_G", n_G, 2)
    return (1 + (-1) ** (n_D - 1)) * (1 + (-1) ** (n_G - 1))


def bezout_bound(p: int, q: int, n_D: int, n_G: int) -> int:
    """4 (r - 1)^N: the most critical points an instance can have (Bezout).

    The Lagrange system has N equations of degree r - 1 and two quadrics in the
    N + 2 unknowns (w, mu_D, mu_G).
    """
    p = val.integer("p", p, 2)
    q = val.integer("q", q, 1)
    n = val.integer("n_D", n_D, 2) + val.integer("n_G", n_G, 2)
    return 4 * (p + q - 1) ** n


# Largest p + q of a sampled instance: symmetrising the order-r tensor sums its r!
# permutations (r = 8: 40320 of them, seconds per instance at N = 4; r = 10 took
# minutes per instance), so larger orders are refused.
ORDER_SUM_MAX = 8


def check_instance_size(p: int, q: int, n_D: int, n_G: int) -> None:
    """Refuse instances too large to hold or to symmetrise (see ORDER_SUM_MAX).

    Raises ValueError naming p or q (order too large) or n_D + n_G (the tensor of
    N^(p+q) doubles, with its working copies, over the memory budget).
    """
    if p + q > ORDER_SUM_MAX:
        name = "p" if p >= q else "q"
        raise ValueError(
            f"{name} is too large for a sampled instance: p + q must be <= "
            f"{ORDER_SUM_MAX} (the tensor's r! permutations are summed), got p={p}, q={q}"
        )
    n = n_D + n_G
    # Z, its symmetrised sum (with one permuted view at a time) and the raveled copy.
    val.within_memory("n_D + n_G", n, 4 * 8.0 * n ** (p + q), f"a tensor of order {p + q}")


def _symmetrize(t: NDArray[np.float64]) -> NDArray[np.float64]:
    k = t.ndim
    if k <= 1:
        return t.copy()
    out = np.zeros_like(t)
    perms = list(itertools.permutations(range(k)))
    for perm in perms:
        out += np.transpose(t, perm)
    return out / len(perms)


def as_generator(rng: object) -> np.random.Generator:
    """A numpy Generator from ``rng`` (shared by the sampled landscapes and games).

    Parameters
    ----------
    rng : None, int, SeedSequence or Generator
        A Generator is returned as is; None, an int seed >= 0 or a SeedSequence seed
        a new one.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    ValueError
        For a negative seed, a bool or any other type (naming ``rng``).
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer, np.random.SeedSequence)):
        if isinstance(rng, (bool, np.bool_)) or (
            isinstance(rng, (int, np.integer)) and int(rng) < 0
        ):
            raise ValueError(f"rng must be a non-negative int seed or a Generator, got {rng!r}")
        return np.random.default_rng(rng)
    raise ValueError(f"rng must be None, an int seed, a SeedSequence or a Generator, got {rng!r}")


def sphere_tangent_basis(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Orthonormal bases of the complements of the unit vectors u (..., n) -> (..., n, n-1).

    Householder reflection H = I - 2 v v^T / |v|^2, v = u + sign(u_0) e_0, maps e_0 to
    a multiple of u, so its other columns span the complement of u.

    Parameters
    ----------
    u : ndarray, shape (..., n)
        Unit vectors (a point of a sphere divided by its radius).

    Returns
    -------
    ndarray, shape (..., n, n - 1)
        Orthonormal columns, each orthogonal to the matching u.
    """
    n = u.shape[-1]
    v = u.copy()
    s = np.where(u[..., 0] >= 0, 1.0, -1.0)
    v[..., 0] += s
    h = np.eye(n) - 2.0 * v[..., :, None] * v[..., None, :] / np.sum(v * v, -1)[..., None, None]
    return h[..., :, 1:]


@dataclass(frozen=True)
class CriticalPoints:
    """All critical points of one instance, with the evidence that none is missing.

    Attributes
    ----------
    w_D, w_G : ndarray, shapes (P, n_D) and (P, n_G)
        The points (each block of norm sqrt(N)).
    u_D, u_G : ndarray, shape (P,)
        Losses per weight, L_D / N and L_G / N.
    k_D, k_G : ndarray of int, shape (P,)
        Indices of the D and G blocks of J' (module notes; ``d_index`` says which
        side k_D counts).
    sign : ndarray of int, shape (P,)
        sign det J of the unflipped Jacobian, +1 or -1.
    residual : ndarray, shape (P,)
        ``|V|`` at the point (the norm of the Riemannian gradient field, loss units per
        weight unit).
    hits : ndarray of int, shape (P,)
        How many starts (Newton) or grid cells (grid) led to the point.
    d_index : str
        ``"ascent"`` or ``"descent"``.
    method : str
        ``"newton"`` (random starts) or ``"grid"`` (angle grid on the torus).
    starts : int
        Newton starts (or candidate grid cells) used.
    euler_expected : int
        chi(S^(n_D-1)) chi(S^(n_G-1)), what ``sum(sign)`` must equal.
    bezout : int
        4 (r - 1)^N, an upper bound on the number of points.
    history : ndarray, shape (B, 2)
        (starts so far, points so far) after each batch: the saturation curve.
    """

    w_D: NDArray[np.float64]
    w_G: NDArray[np.float64]
    u_D: NDArray[np.float64]
    u_G: NDArray[np.float64]
    k_D: NDArray[np.int64]
    k_G: NDArray[np.int64]
    sign: NDArray[np.int64]
    residual: NDArray[np.float64]
    hits: NDArray[np.int64]
    d_index: str
    method: str
    starts: int
    euler_expected: int
    bezout: int
    history: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 2), np.int64))

    def __len__(self) -> int:
        return int(self.u_D.size)

    @property
    def euler_sum(self) -> int:
        """Sum of sign det J over the points found."""
        return int(self.sign.sum())

    @property
    def poincare_hopf_ok(self) -> bool:
        """Whether the Poincare-Hopf sum holds (a failure means points were missed)."""
        return self.euler_sum == self.euler_expected

    @property
    def missed_estimate(self) -> float:
        """Chao1 capture-recapture estimate of the points not found.

        f1^2 / (2 f2) with f1, f2 the numbers of points found once and twice
        (f1 (f1 - 1) / 2 when f2 = 0).  Meaningful for the Newton search, whose hits
        are independent random starts; for the grid, hits count grid cells and the
        evidence is the Poincare-Hopf sum and the agreement with Newton.
        """
        f1 = int(np.sum(self.hits == 1))
        f2 = int(np.sum(self.hits == 2))
        return f1 * f1 / (2.0 * f2) if f2 else f1 * (f1 - 1) / 2.0


class GanLandscape:
    """One sampled instance of the GAN spin glass (see the module notes).

    Build with :meth:`sample`.  Methods take points as arrays ``w`` of shape
    ``(..., N)``: the concatenation (w_D, w_G), each block of norm sqrt(N) (checked to
    1e-8 relative for the methods on the spheres), and broadcast over the leading axes.

    Attributes
    ----------
    p, q, r, n_D, n_G, N : int
        Orders and sizes (r = p + q, N = n_D + n_G).
    sigma_z : float
        Latent-noise scale.
    alpha_D, alpha_G : float
        Field variances (1/2 and 2 sigma_z^2).
    c_D, c_G : float
        Tensor scales, c_D^2 = alpha_D N^(1-p), c_G^2 = alpha_G N^(1-r).
    X, Z : ndarray
        The sampled tensors, shapes (n_D,)*p and (N,)*r, as drawn (not symmetrised).
    constants : DerivedConstants
        The model's constants with kappa = n_D / N.

    Parameters
    ----------
    p, q, sigma_z, n_D, n_G, X, Z
        As the attributes; :meth:`sample` draws X and Z.
    start_seed : int, optional
        Default seed of the random starts of :meth:`critical_points` (set by
        :meth:`sample` from its seed, so that a seeded instance is searched
        reproducibly).
    """

    def __init__(
        self,
        p: int,
        q: int,
        sigma_z: float,
        n_D: int,
        n_G: int,
        X: ArrayLike,
        Z: ArrayLike,
        start_seed: int | None = None,
    ) -> None:
        self.p = val.integer("p", p, 2)
        self.q = val.integer("q", q, 1)
        self.sigma_z = val.positive("sigma_z", sigma_z)
        self.n_D = val.integer("n_D", n_D, 2)
        self.n_G = val.integer("n_G", n_G, 2)
        self.N = self.n_D + self.n_G
        self.r = self.p + self.q
        self.constants = DerivedConstants.from_model(
            self.p, self.q, self.sigma_z, self.n_D / self.N
        )
        self.alpha_D = self.constants.alpha_D
        self.alpha_G = self.constants.alpha_G
        self.c_D = math.sqrt(self.alpha_D * self.N ** (1 - self.p))
        self.c_G = math.sqrt(self.alpha_G * self.N ** (1 - self.r))
        x = val.finite_array("X", X)
        z = val.finite_array("Z", Z)
        if x.shape != (self.n_D,) * self.p:
            raise ValueError(f"X must have shape {(self.n_D,) * self.p}, got {x.shape}")
        if z.shape != (self.N,) * self.r:
            raise ValueError(f"Z must have shape {(self.N,) * self.r}, got {z.shape}")
        self.X = x
        self.Z = z
        self._xs = np.ascontiguousarray(_symmetrize(x).ravel())
        self._zs = np.ascontiguousarray(_symmetrize(z).ravel())
        self._start_seed = start_seed

    @classmethod
    def sample(
        cls,
        p: int,
        q: int,
        sigma_z: float,
        n_D: int,
        n_G: int,
        rng: int | np.random.Generator | np.random.SeedSequence | None = None,
    ) -> GanLandscape:
        """Draw one instance: X then Z, iid standard normal, from ``rng``.

        Parameters
        ----------
        p, q : int
            Orders, p >= 2, q >= 1.
        sigma_z : float
            Latent-noise scale, > 0 (alpha_G = 2 sigma_z^2).
        n_D, n_G : int
            Discriminator and generator weights, each >= 2.
        rng : int, SeedSequence or numpy.random.Generator, optional
            Source of the tensors.  An int seed or SeedSequence also seeds the random
            Newton starts of :meth:`critical_points`, so a seeded instance gives the
            same points every time.

        Returns
        -------
        GanLandscape
        """
        p = val.integer("p", p, 2)
        q = val.integer("q", q, 1)
        sigma_z = val.positive("sigma_z", sigma_z)
        n_D = val.integer("n_D", n_D, 2)
        n_G = val.integer("n_G", n_G, 2)
        start_seed = None
        if rng is None or isinstance(rng, (int, np.integer, np.random.SeedSequence)):
            seq = rng if isinstance(rng, np.random.SeedSequence) else None
            if seq is None:
                as_generator(rng)  # checks the seed
                seq = np.random.SeedSequence(None if rng is None else int(rng))
            tensors, starts = seq.spawn(2)
            gen = np.random.default_rng(tensors)
            start_seed = int(starts.generate_state(2, np.uint64)[0])
        else:
            gen = as_generator(rng)
        n = n_D + n_G
        check_instance_size(p, q, n_D, n_G)
        x = gen.standard_normal((n_D,) * p)
        z = gen.standard_normal((n,) * (p + q))
        return cls(p, q, sigma_z, n_D, n_G, x, z, start_seed)

    def __repr__(self) -> str:
        return (
            f"GanLandscape(p={self.p}, q={self.q}, sigma_z={self.sigma_z!r}, "
            f"n_D={self.n_D}, n_G={self.n_G})"
        )

    # -- evaluation -----------------------------------------------------------------

    def _points(self, w: ArrayLike, on_sphere: bool) -> tuple[NDArray[np.float64], tuple]:
        arr = val.finite_array("w", w)
        if arr.ndim == 0 or arr.shape[-1] != self.N:
            raise ValueError(f"w must have shape (..., {self.N}), got {arr.shape}")
        flat = np.ascontiguousarray(arr.reshape(-1, self.N))
        if on_sphere:
            norms = np.stack(
                [np.sum(flat[:, : self.n_D] ** 2, 1), np.sum(flat[:, self.n_D :] ** 2, 1)]
            )
            if flat.size and np.max(np.abs(norms / self.N - 1.0)) > 1e-8:
                raise ValueError("w must have |w_D|^2 = |w_G|^2 = N (to 1e-8 relative)")
        return flat, arr.shape[:-1]

    def _eval(self, w: ArrayLike, on_sphere: bool, jac: bool) -> tuple:
        flat, shape = self._points(w, on_sphere)
        out = _k.evaluate(
            self._xs, self._zs, self.p, self.r, self.n_D, self.c_D, self.c_G, flat, jac
        )
        return out, shape

    def l_D(self, w: ArrayLike) -> NDArray[np.float64]:
        """The discriminator's real-data field l_D(w_D), shape ``w.shape[:-1]``.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            l_D at each point, shape ``w.shape[:-1]``.
        """
        (ld, *_), shape = self._eval(w, False, False)
        return ld.reshape(shape)

    def l_G(self, w: ArrayLike) -> NDArray[np.float64]:
        """The generated-data field l_G(w), shape ``w.shape[:-1]``.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            l_G at each point, shape ``w.shape[:-1]``.
        """
        (_, lg, *_), shape = self._eval(w, False, False)
        return lg.reshape(shape)

    def loss_D(self, w: ArrayLike) -> NDArray[np.float64]:
        """L_D = l_D - l_G.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            L_D at each point, shape ``w.shape[:-1]``.
        """
        (ld, lg, *_), shape = self._eval(w, False, False)
        return (ld - lg).reshape(shape)

    def loss_G(self, w: ArrayLike) -> NDArray[np.float64]:
        """L_G = l_G.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            L_G at each point, shape ``w.shape[:-1]``.
        """
        return self.l_G(w)

    def grad_loss_D(self, w: ArrayLike) -> NDArray[np.float64]:
        """Euclidean gradient of L_D in all N coordinates, shape ``w.shape``.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            The gradient, shape ``w.shape``.
        """
        (_, _, gd, gg, *_), shape = self._eval(w, False, False)
        out = -gg
        out[:, : self.n_D] += gd
        return out.reshape((*shape, self.N))

    def grad_loss_G(self, w: ArrayLike) -> NDArray[np.float64]:
        """Euclidean gradient of L_G = l_G in all N coordinates, shape ``w.shape``.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            The gradient, shape ``w.shape``.
        """
        (_, _, _, gg, *_), shape = self._eval(w, False, False)
        return gg.reshape((*shape, self.N))

    def field(self, w: ArrayLike) -> NDArray[np.float64]:
        """The game's Riemannian gradient field V = (grad_R,D L_D, grad_R,G L_G).

        grad_R f = grad f - (grad f . w / N) w on each block.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            V at each point, shape ``w.shape``.
        """
        (*_, fld, _), shape = self._eval(w, True, False)
        return fld.reshape((*shape, self.N))

    def riemannian_grad_D(self, w: ArrayLike) -> NDArray[np.float64]:
        """Riemannian gradient of L_D in w_D on its sphere, shape (..., n_D).

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            The gradient, shape (..., n_D).
        """
        return self.field(w)[..., : self.n_D]

    def riemannian_grad_G(self, w: ArrayLike) -> NDArray[np.float64]:
        """Riemannian gradient of L_G in w_G on its sphere, shape (..., n_G).

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            The gradient, shape (..., n_G).
        """
        return self.field(w)[..., self.n_D :]

    def _jacobian(self, w: ArrayLike) -> tuple[NDArray[np.float64], tuple]:
        (*_, jac), shape = self._eval(w, True, True)
        return jac, shape

    def riemannian_hessian_D(self, w: ArrayLike) -> NDArray[np.float64]:
        """Riemannian Hessian of L_D in w_D, in ambient coordinates, (..., n_D, n_D).

        P_D (Hess_{w_D} L_D) P_D - (grad_{w_D} L_D . w_D / N) P_D; zero on w_D.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            The Hessian, shape (..., n_D, n_D).
        """
        jac, shape = self._jacobian(w)
        return jac[:, : self.n_D, : self.n_D].reshape((*shape, self.n_D, self.n_D))

    def riemannian_hessian_G(self, w: ArrayLike) -> NDArray[np.float64]:
        """Riemannian Hessian of L_G in w_G, in ambient coordinates, (..., n_G, n_G).

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            The Hessian, shape (..., n_G, n_G).
        """
        jac, shape = self._jacobian(w)
        return jac[:, self.n_D :, self.n_D :].reshape((*shape, self.n_G, self.n_G))

    def tangent_basis(self, w: ArrayLike) -> NDArray[np.float64]:
        """Orthonormal basis of the tangent space at w, shape (..., N, N - 2).

        Columns 0 .. n_D - 2 span the D sphere's tangent space (zero in the G
        coordinates), the others the G sphere's.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.

        Returns
        -------
        ndarray
            The basis vectors as columns, shape (..., N, N - 2).
        """
        flat, shape = self._points(w, True)
        nd, n = self.n_D, self.N
        rt = math.sqrt(n)
        basis = np.zeros((flat.shape[0], n, n - 2))
        basis[:, :nd, : nd - 1] = sphere_tangent_basis(flat[:, :nd] / rt)
        basis[:, nd:, nd - 1 :] = sphere_tangent_basis(flat[:, nd:] / rt)
        return basis.reshape((*shape, n, n - 2))

    def jprime(self, w: ArrayLike, tangent: bool = True) -> NDArray[np.float64]:
        """J', the game's Jacobian on the tangent space with its D rows negated.

        Symmetric; its D block is minus the Riemannian Hessian of L_D in w_D, its G
        block the Riemannian Hessian of L_G in w_G, and its off-diagonal blocks the
        projected mixed second derivatives of l_G.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points on the product of spheres.
        tangent : bool
            True: in the basis of :meth:`tangent_basis`, shape (..., N-2, N-2), the
            first n_D - 1 rows and columns being the D block.  False: in ambient
            coordinates, shape (..., N, N) (zero on the two normals).

        Returns
        -------
        ndarray
            J' at each point, shape (..., N-2, N-2) or (..., N, N).
        """
        jac, shape = self._jacobian(w)
        jac[:, : self.n_D, :] *= -1.0
        if tangent:
            basis = self.tangent_basis(np.reshape(w, (-1, self.N)))
            jac = np.swapaxes(basis, -1, -2) @ jac @ basis
            jac = 0.5 * (jac + np.swapaxes(jac, -1, -2))
            return jac.reshape((*shape, self.N - 2, self.N - 2))
        return jac.reshape((*shape, self.N, self.N))

    # -- critical points -------------------------------------------------------------

    def _tolerances(self) -> tuple[float, float]:
        k = self.constants
        residual = 1e-8 * math.sqrt(self.N * (k.v_D + k.v_G))
        distance = 1e-6 * math.sqrt(self.N)
        return residual, distance

    def _newton(self, starts: NDArray[np.float64], max_iter: int) -> tuple:
        tol, _ = self._tolerances()
        return _k.newton(
            self._xs,
            self._zs,
            self.p,
            self.r,
            self.n_D,
            self.c_D,
            self.c_G,
            np.ascontiguousarray(starts),
            max_iter,
            tol,
        )

    def _random_starts(self, rng: np.random.Generator, m: int) -> NDArray[np.float64]:
        w = rng.standard_normal((m, self.N))
        rt = math.sqrt(self.N)
        for sl in (slice(0, self.n_D), slice(self.n_D, self.N)):
            w[:, sl] *= rt / np.linalg.norm(w[:, sl], axis=1, keepdims=True)
        return w

    @staticmethod
    def _merge(
        found: NDArray[np.float64],
        hits: list[int],
        pts: NDArray[np.float64],
        tol: float,
        paired: bool = False,
    ) -> NDArray[np.float64]:
        """Add ``pts`` to ``found`` (deduplicated within ``tol``), counting hits.

        With ``paired``, a point also matches the negative of a found point (the rows
        of ``found`` then stand for pairs {w, -w}).
        """

        def match(rows: NDArray[np.float64]) -> NDArray[np.int64]:
            if not found.shape[0]:
                return np.full(rows.shape[0], -1, dtype=np.int64)
            both = np.vstack([found, -found]) if paired else found
            idx = _k.assign(np.ascontiguousarray(rows), both, tol)
            return np.where(idx >= 0, idx % found.shape[0], -1)

        idx = match(pts)
        for j in idx[idx >= 0]:
            hits[j] += 1
        for pt in pts[idx < 0]:
            j = match(pt[None, :])[0]
            if j >= 0:
                hits[j] += 1
            else:
                found = np.vstack([found, pt[None, :]])
                hits.append(1)
        return found

    def _grid_points(self, grid: int, max_iter: int) -> tuple:
        """Torus: candidate cells of an angle grid, each refined by Newton."""
        n = self.N
        rt = math.sqrt(n)
        t = 2.0 * np.pi * np.arange(grid) / grid
        th, ph = np.meshgrid(t, t, indexing="ij")
        pts = rt * np.stack([np.cos(th), np.sin(th), np.cos(ph), np.sin(ph)], -1)
        fld = self.field(pts.reshape(-1, n)).reshape(grid, grid, n)
        f1 = -fld[..., 0] * np.sin(th) + fld[..., 1] * np.cos(th)
        f2 = -fld[..., 2] * np.sin(ph) + fld[..., 3] * np.cos(ph)

        def changes(f: NDArray[np.float64]) -> NDArray[np.bool_]:
            corners = np.stack([np.roll(np.roll(f, -a, 0), -b, 1) for a in (0, 1) for b in (0, 1)])
            return (corners.max(0) >= 0) & (corners.min(0) <= 0)

        ci, cj = np.nonzero(changes(f1) & changes(f2))
        h = np.pi / grid
        tc, pc = t[ci] + h, t[cj] + h
        starts = rt * np.stack([np.cos(tc), np.sin(tc), np.cos(pc), np.sin(pc)], -1)
        out, _, ok = self._newton(starts.reshape(-1, n), max_iter)
        return out[ok], int(starts.shape[0])

    def critical_points(
        self,
        *,
        method: str = "auto",
        d_index: str = "ascent",
        rng: int | np.random.Generator | None = None,
        batch: int = 200,
        min_starts: int = 400,
        max_starts: int = 200_000,
        min_hits: int = 5,
        until_euler: bool = True,
        grid: int | None = None,
        max_iter: int = 60,
    ) -> CriticalPoints:
        """All critical points of the instance, with completeness evidence.

        Parameters
        ----------
        method : {"auto", "newton", "grid"}
            "newton": Riemannian Newton on the product of spheres from random starts
            drawn uniformly on it, deduplicated at distance 1e-6 sqrt(N).  Starts come
            in rounds that double the total (the first has ``batch`` starts); the
            search stops when a round finds no new point, every point has been reached
            from at least ``min_hits`` starts and ``min_starts`` were used (and, with
            ``until_euler``, the Poincare-Hopf sum holds), or at ``max_starts``.  With
            q even, the points come in pairs (w, -w) and are searched as pairs.
            "grid" (n_D = n_G = 2 only): an angle grid of ``grid`` x ``grid`` on the
            torus; every cell where both components of the field change sign is
            refined by Newton.  "auto": "grid" on the torus, else "newton".
        d_index : {"ascent", "descent"}
            What k_D counts: negative eigenvalues of the D block of J' (ascent
            directions of L_D, the default) or positive ones (descent directions).
        rng : int or Generator, optional
            Newton starts.  Default: the instance's own seed when it was sampled from
            a seed, else fresh entropy.
        batch, min_starts, max_starts, min_hits : int
            The stopping rule above.
        until_euler : bool
            Keep doubling the starts while the Poincare-Hopf sum fails (a proof that
            points are missing), up to ``max_starts``.
        grid : int, optional
            Grid size; default 48 r.
        max_iter : int
            Newton steps per start.

        Returns
        -------
        CriticalPoints

        Notes
        -----
        A point is accepted when ``|V| <= 1e-8 sqrt(N (v_D + v_G))``, v_D and v_G the
        per-coordinate gradient variances.  The Poincare-Hopf sum, the hit counts and
        the capture-recapture estimate are returned, not enforced: check
        ``poincare_hopf_ok``.
        """
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if d_index not in D_INDEX:
            raise ValueError(f"d_index must be one of {D_INDEX}, got {d_index!r}")
        batch = val.integer("batch", batch, 1)
        min_starts = val.integer("min_starts", min_starts, 1)
        max_starts = val.integer("max_starts", max_starts, 1)
        min_hits = val.integer("min_hits", min_hits, 1)
        max_iter = val.integer("max_iter", max_iter, 1)
        torus = self.n_D == 2 and self.n_G == 2
        if method == "auto":
            method = "grid" if torus else "newton"
        if method == "grid" and not torus:
            raise ValueError("method='grid' needs n_D = n_G = 2 (the torus)")
        _, dtol = self._tolerances()
        if method == "grid":
            grid = 48 * self.r if grid is None else val.integer("grid", grid, 8)
            pts, used = self._grid_points(grid, max_iter)
            hits: list[int] = []
            found = self._merge(np.zeros((0, self.N)), hits, pts, dtol)
            history = np.array([[used, found.shape[0]]], dtype=np.int64)
        else:
            if rng is None and self._start_seed is not None:
                rng = self._start_seed
            gen = as_generator(rng)
            # With q even, w -> -w maps critical points to critical points: search for
            # pairs {w, -w}, each kept as the first member found.
            paired = self.q % 2 == 0
            found = np.zeros((0, self.N))
            hits = []
            used = 0
            rows = []
            while True:
                size = max(batch, used)
                before = found.shape[0]
                out, _, ok = self._newton(self._random_starts(gen, size), max_iter)
                found = self._merge(found, hits, out[ok], dtol, paired)
                used += size
                rows.append((used, found.shape[0] * (2 if paired else 1)))
                if used >= max_starts:
                    break
                if (
                    used >= min_starts
                    and found.shape[0] == before
                    and (not hits or min(hits) >= min_hits)
                ):
                    if not until_euler:
                        break
                    both = np.vstack([found, -found]) if paired else found
                    if self.describe(both)["sign"].sum() == euler_characteristic(
                        self.n_D, self.n_G
                    ):
                        break
            if paired:
                found = np.vstack([found, -found])
                hits = hits + hits
            history = np.array(rows, dtype=np.int64)
        return self._describe(found, np.array(hits, dtype=np.int64), d_index, method, used, history)

    def describe(self, w: ArrayLike, d_index: str = "ascent") -> dict[str, NDArray]:
        """Losses per N, indices and sign det J at points w (..., N).

        Meaningful at critical points.

        Parameters
        ----------
        w : array_like, shape (..., N)
            Points (w_D, w_G) on the product of spheres.
        d_index : {"ascent", "descent"}
            Which eigenvalues of the D block k_D counts.

        Returns
        -------
        dict of str to ndarray
            Arrays of shape ``w.shape[:-1]``: ``u_D``, ``u_G`` (losses per N), ``k_D``,
            ``k_G``, ``sign`` (sign det J) and ``residual`` (the norm of V).
        """
        if d_index not in D_INDEX:
            raise ValueError(f"d_index must be one of {D_INDEX}, got {d_index!r}")
        flat, shape = self._points(w, True)
        l_d, l_g, *_, fld, _ = _k.evaluate(
            self._xs, self._zs, self.p, self.r, self.n_D, self.c_D, self.c_G, flat, False
        )
        nd = self.n_D - 1
        jp = self.jprime(flat) if flat.shape[0] else np.zeros((0, self.N - 2, self.N - 2))
        ev_d = np.linalg.eigvalsh(jp[:, :nd, :nd])
        ev_g = np.linalg.eigvalsh(jp[:, nd:, nd:])
        sgn, _ = np.linalg.slogdet(jp)
        if np.any(sgn == 0):
            raise ArithmeticError("J' is singular at a critical point (degenerate instance)")
        k_d = np.sum(ev_d < 0, 1) if d_index == "ascent" else np.sum(ev_d > 0, 1)
        out = {
            "u_D": (l_d - l_g) / self.N,
            "u_G": l_g / self.N,
            "k_D": k_d.astype(np.int64),
            "k_G": np.sum(ev_g < 0, 1).astype(np.int64),
            "sign": (sgn * (-1) ** nd).astype(np.int64),
            "residual": np.linalg.norm(fld, axis=1),
        }
        return {key: v.reshape(shape) for key, v in out.items()}

    def _describe(
        self,
        found: NDArray[np.float64],
        hits: NDArray[np.int64],
        d_index: str,
        method: str,
        used: int,
        history: NDArray[np.int64],
    ) -> CriticalPoints:
        order = np.lexsort(found.T[::-1]) if found.shape[0] else np.zeros(0, np.int64)
        found, hits = found[order], hits[order]
        d = self.describe(found, d_index)
        return CriticalPoints(
            w_D=found[:, : self.n_D],
            w_G=found[:, self.n_D :],
            u_D=d["u_D"],
            u_G=d["u_G"],
            k_D=d["k_D"],
            k_G=d["k_G"],
            sign=d["sign"],
            residual=d["residual"],
            hits=hits,
            d_index=d_index,
            method=method,
            starts=int(used),
            euler_expected=euler_characteristic(self.n_D, self.n_G),
            bezout=bezout_bound(self.p, self.q, self.n_D, self.n_G),
            history=history,
        )
