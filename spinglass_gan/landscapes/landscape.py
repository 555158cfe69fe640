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

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from ..complexity.derived import DerivedConstants
from . import _landscape_kernels as _k
from ._sphere_helpers import as_generator, sphere_tangent_basis
from .critical_points import D_INDEX as D_INDEX  # re-exported: the index conventions
from .critical_points import CriticalPoints, CriticalPointSearch, bezout_bound, euler_characteristic

__all__ = ["CriticalPoints", "GanLandscape", "bezout_bound", "euler_characteristic"]


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


class GanLandscape(CriticalPointSearch):
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
