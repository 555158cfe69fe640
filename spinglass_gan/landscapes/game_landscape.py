r"""Sampled instances of spherical spin-glass games and all their critical points.

An instance holds one explicit Gaussian tensor per monomial of every covariance: the
monomial c R_1^a1 ... R_K^aK of xi_h is realised by

    c^(1/2) N^((1 - a1 - ... - aK)/2) sum Z_{i..} w_{1,i_1} ... w_{K,...}

(a_s indices in species s, Z iid N(0, 1)), and likewise c R_s^d in xi_s by a tensor over
species s alone; the field is the sum of its monomials' terms, so that
E F(u) F(v) = N xi(R(u, v)).  Each field is stored expanded as a polynomial in the N
coordinates of w (its terms are the tensor's entries gathered by the multiset of their
indices), which the compiled kernels evaluate with exact gradients and Hessians.

A critical point is a zero of the players' Riemannian gradients (grad_{w_s} L_s projected
on the tangent space of sphere s, for every s); J is their covariant Jacobian and J' is J
with the rows of species s multiplied by eps_s, a symmetric matrix, det J =
prod_s eps_s^(N_s - 1) det J'.  Poincare-Hopf: the sum over critical points of sign det J
is prod_s chi(S^(N_s - 1)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from ..complexity.game_spec import GameSpec
from . import _game_kernels as _k
from ._landscape_kernels import assign
from ._sphere_helpers import as_generator, sphere_tangent_basis

__all__ = ["GameCriticalPoints", "GameInstance"]


@dataclass(frozen=True)
class GameCriticalPoints:
    """All critical points of one game instance, with the evidence that none is missing.

    Attributes
    ----------
    w : ndarray, shape (M, N)
        The points, species blocks in order, each of norm sqrt(N).
    losses : ndarray, shape (M, K)
        L_s / N.
    block_index : ndarray of int, shape (M, K)
        Negative eigenvalues of each diagonal block of J': for eps_s = +1 the descent
        directions of L_s on sphere s (its Morse index), for eps_s = -1 its ascent
        directions.
    index : ndarray of int, shape (M,)
        Negative eigenvalues of J'; the Morse index of the potential sum_s f_s + h when
        every eps_s = +1 (then J' is its Riemannian Hessian).
    sign : ndarray of int, shape (M,)
        sign det J (unflipped).
    residual : ndarray, shape (M,)
        |V| at the point.
    hits : ndarray of int, shape (M,)
        Newton starts that converged to each point.
    starts : int
        Newton starts used.
    euler_expected : int
        prod_s chi(S^(N_s - 1)).
    bezout : int
        2^K prod_s max(d_s - 1, 2)^N_s.
    history : ndarray of int, shape (rounds, 2)
        (starts so far, points so far) after each round.
    """

    w: NDArray[np.float64]
    losses: NDArray[np.float64]
    block_index: NDArray[np.int64]
    index: NDArray[np.int64]
    sign: NDArray[np.int64]
    residual: NDArray[np.float64]
    hits: NDArray[np.int64]
    starts: int
    euler_expected: int
    bezout: int
    history: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.w.shape[0])

    @property
    def euler_sum(self) -> int:
        """sum of sign det J over the points."""
        return int(self.sign.sum())

    @property
    def poincare_hopf_ok(self) -> bool:
        """Whether the sum of sign det J equals prod_s chi(S^(N_s - 1))."""
        return self.euler_sum == self.euler_expected

    @property
    def missed_estimate(self) -> float:
        """Chao1 estimate of points never reached: f1^2 / (2 f2) (f_k: points hit k times)."""
        f1 = int(np.sum(self.hits == 1))
        f2 = int(np.sum(self.hits == 2))
        return f1 * f1 / (2.0 * f2) if f2 else f1 * (f1 - 1) / 2.0


def _monomial_terms(
    z: NDArray[np.float64], offsets: list[int], n: int, scale: float
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The tensor ``z`` (axis j over coordinates offsets[j] + i) as (keys, coefficients).

    Entries with the same multiset of global indices are summed; a key encodes the
    sorted indices i_1 <= ... <= i_d as sum_j i_j n^j.
    """
    d = z.ndim
    grids = np.indices(z.shape).reshape(d, -1) + np.array(offsets)[:, None]
    grids.sort(axis=0)
    keys = np.zeros(grids.shape[1], dtype=np.int64)
    for j in range(d - 1, -1, -1):
        keys = keys * n + grids[j]
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inv.ravel(), z.ravel() * scale, uniq.size)


def _specs(
    game: GameSpec, sizes: tuple[int, ...]
) -> list[tuple[int, list[int], float, tuple[int, ...]]]:
    """(field id, axis offsets, coefficient, shape) of every tensor, in draw order."""
    out = []
    lo = [int(v) for v in np.concatenate([[0], np.cumsum(sizes)])]
    for s, xi in enumerate(game.own):
        for d, c in sorted(xi.items()):
            out.append((s, [lo[s]] * d, c, (sizes[s],) * d))
    for mono, c in sorted(game.shared.items()):
        offs = [lo[s] for s, a in enumerate(mono) for _ in range(a)]
        shape = tuple(sizes[s] for s, a in enumerate(mono) for _ in range(a))
        out.append((game.K, offs, c, shape))
    return out


class GameInstance:
    """One sampled instance of a spherical spin-glass game (see the module notes).

    Build with :meth:`sample` (or ``game.sample(sizes, rng)``).  Points are arrays of
    shape (..., N), N = sum N_s, the species blocks in order, each of norm sqrt(N).

    Attributes
    ----------
    game : GameSpec
    sizes : tuple of int
    N : int
    tensors : list of ndarray
        The sampled tensors, own fields first (species, then degree), then the shared
        field's monomials in sorted order.
    """

    def __init__(
        self,
        game: GameSpec,
        sizes: Sequence[int],
        tensors: Sequence[ArrayLike],
        start_seed: int | None = None,
    ) -> None:
        self.game = game
        self.sizes = game.check_sizes(sizes, tensors=True)
        self.N = n = sum(self.sizes)
        self.K = game.K
        self._lo = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)
        self._signs = np.array(game.signs, dtype=np.float64)
        specs = _specs(game, self.sizes)
        if n ** max(len(spec[3]) for spec in specs) >= 2**62:
            raise ValueError(f"sizes {self.sizes}: N^degree overflows the term encoding")
        if len(tensors) != len(specs):
            raise ValueError(f"tensors must hold {len(specs)} arrays, got {len(tensors)}")
        self.tensors = [val.finite_array("tensors", t) for t in tensors]
        terms: list[tuple[int, int, NDArray, NDArray]] = []
        for (field, offsets, coef, shape), z in zip(specs, self.tensors):
            if z.shape != shape:
                raise ValueError(f"tensors: expected shape {shape}, got {z.shape}")
            scale = math.sqrt(coef) * n ** ((1 - len(shape)) / 2)
            keys, c = _monomial_terms(z, offsets, n, scale)
            terms.append((field, len(shape), keys, c))
        top = max(d for _, d, _, _ in terms)
        rows = sum(k.size for _, _, k, _ in terms)
        self._idx = np.zeros((rows, top), dtype=np.int64)
        self._deg = np.empty(rows, dtype=np.int64)
        self._fid = np.empty(rows, dtype=np.int64)
        self._coef = np.empty(rows)
        at = 0
        for field, d, keys, c in terms:
            sl = slice(at, at + keys.size)
            for j in range(d):
                self._idx[sl, j] = (keys // n**j) % n
            self._deg[sl], self._fid[sl], self._coef[sl] = d, field, c
            at += keys.size
        self._start_seed = start_seed

    @classmethod
    def sample(
        cls,
        game: GameSpec,
        sizes: Sequence[int],
        rng: int | np.random.Generator | np.random.SeedSequence | None = None,
    ) -> GameInstance:
        """Draw one instance: every tensor iid standard normal, in the order of ``tensors``.

        An int seed or SeedSequence also seeds the Newton starts of
        :meth:`critical_points`, so a seeded instance gives the same points every time.
        """
        if not isinstance(game, GameSpec):
            raise ValueError(f"game must be a SpinGlassGame, got {type(game).__name__}")
        sizes = game.check_sizes(sizes, tensors=True)
        start_seed = None
        if rng is None or isinstance(rng, (int, np.integer, np.random.SeedSequence)):
            seq = rng if isinstance(rng, np.random.SeedSequence) else None
            if seq is None:
                as_generator(rng)
                seq = np.random.SeedSequence(None if rng is None else int(rng))
            tensors, starts = seq.spawn(2)
            gen = np.random.default_rng(tensors)
            start_seed = int(starts.generate_state(2, np.uint64)[0])
        else:
            gen = as_generator(rng)
        shapes = [spec[3] for spec in _specs(game, sizes)]
        return cls(game, sizes, [gen.standard_normal(s) for s in shapes], start_seed)

    def __repr__(self) -> str:
        return f"GameInstance({self.game!r}, sizes={self.sizes!r})"

    # -- evaluation ------------------------------------------------------------------

    def _points(self, w: ArrayLike) -> tuple[NDArray[np.float64], tuple]:
        arr = val.finite_array("w", w)
        if arr.ndim == 0 or arr.shape[-1] != self.N:
            raise ValueError(f"w must have shape (..., {self.N}), got {arr.shape}")
        flat = np.ascontiguousarray(arr.reshape(-1, self.N))
        for s in range(self.K):
            norms = np.sum(flat[:, self._lo[s] : self._lo[s + 1]] ** 2, axis=1)
            if flat.size and np.max(np.abs(norms / self.N - 1.0)) > 1e-8:
                raise ValueError("w must have |w_s|^2 = N for every species (to 1e-8)")
        return flat, arr.shape[:-1]

    def _eval(self, flat: NDArray[np.float64], jac: bool) -> tuple:
        return _k.evaluate(
            self._coef, self._idx, self._deg, self._fid, self._lo, self._signs, flat, jac
        )

    def fields(self, w: ArrayLike) -> NDArray[np.float64]:
        """(f_1, ..., f_K, h) at points w, shape (..., K + 1)."""
        flat, shape = self._points(w)
        vals, _, _ = self._eval(flat, False)
        return vals.reshape((*shape, self.K + 1))

    def losses(self, w: ArrayLike) -> NDArray[np.float64]:
        """L_s / N = (f_s + eps_s h) / N at points w, shape (..., K)."""
        v = self.fields(w)
        return (v[..., : self.K] + self._signs * v[..., self.K :]) / self.N

    def field(self, w: ArrayLike) -> NDArray[np.float64]:
        """The players' Riemannian gradient field V at points w, shape (..., N)."""
        flat, shape = self._points(w)
        _, fld, _ = self._eval(flat, False)
        return fld.reshape((*shape, self.N))

    def jprime(self, w: ArrayLike) -> NDArray[np.float64]:
        """J' in an orthonormal tangent basis (species blocks in order), (..., N-K, N-K)."""
        flat, shape = self._points(w)
        _, _, jac = self._eval(flat, True)
        m = self.N - self.K
        basis = np.zeros((flat.shape[0], self.N, m))
        rt = math.sqrt(self.N)
        for s in range(self.K):
            lo, hi = self._lo[s], self._lo[s + 1]
            jac[:, lo:hi, :] *= self._signs[s]
            basis[:, lo:hi, lo - s : hi - s - 1] = sphere_tangent_basis(flat[:, lo:hi] / rt)
        out = np.swapaxes(basis, -1, -2) @ jac @ basis
        out = 0.5 * (out + np.swapaxes(out, -1, -2))
        return out.reshape((*shape, m, m))

    # -- critical points -------------------------------------------------------------

    def _tolerances(self) -> tuple[float, float]:
        v = float(np.sum(self.game.gradient_variances))
        return 1e-8 * math.sqrt(self.N * v), 1e-6 * math.sqrt(self.N)

    def _random_starts(self, gen: np.random.Generator, m: int) -> NDArray[np.float64]:
        w = gen.standard_normal((m, self.N))
        for s in range(self.K):
            sl = slice(self._lo[s], self._lo[s + 1])
            w[:, sl] *= math.sqrt(self.N) / np.linalg.norm(w[:, sl], axis=1, keepdims=True)
        return w

    def critical_points(
        self,
        *,
        rng: int | np.random.Generator | None = None,
        batch: int = 200,
        min_starts: int = 400,
        max_starts: int = 200_000,
        min_hits: int = 5,
        max_iter: int = 60,
    ) -> GameCriticalPoints:
        """All critical points: Riemannian Newton from random starts until complete.

        Starts (uniform on the product of spheres) come in rounds that double the total,
        the first of ``batch``; converged points (|V| <= 1e-8 sqrt(N sum_s v_s)) are
        deduplicated at distance 1e-6 sqrt(N).  The search stops when a round finds no
        new point, every point was reached at least ``min_hits`` times, ``min_starts``
        were used and the Poincare-Hopf sum holds, or at ``max_starts``.  The evidence
        (Poincare-Hopf, hits, capture-recapture) is returned, not enforced.
        """
        batch = val.integer("batch", batch, 1)
        min_starts = val.integer("min_starts", min_starts, 1)
        max_starts = val.integer("max_starts", max_starts, 1)
        min_hits = val.integer("min_hits", min_hits, 1)
        max_iter = val.integer("max_iter", max_iter, 1)
        if rng is None and self._start_seed is not None:
            rng = self._start_seed
        gen = as_generator(rng)
        tol, dtol = self._tolerances()
        euler = self.game.euler_characteristic(self.sizes)
        found = np.zeros((0, self.N))
        hits: list[int] = []
        used = 0
        rows = []
        while True:
            size = max(batch, used)
            before = found.shape[0]
            out, _, ok = _k.newton(
                self._coef, self._idx, self._deg, self._fid, self._lo, self._signs,
                self._random_starts(gen, size), max_iter, tol,
            )  # fmt: skip
            found = _merge(found, hits, out[ok], dtol)
            used += size
            rows.append((used, found.shape[0]))
            if used >= max_starts:
                break
            if used >= min_starts and found.shape[0] == before and min(hits, default=0) >= min_hits:
                if self.describe(found)["sign"].sum() == euler:
                    break
        order = np.lexsort(found.T[::-1]) if found.shape[0] else np.zeros(0, np.int64)
        found = found[order]
        d = self.describe(found)
        return GameCriticalPoints(
            w=found,
            losses=d["losses"],
            block_index=d["block_index"],
            index=d["index"],
            sign=d["sign"],
            residual=d["residual"],
            hits=np.array(hits, dtype=np.int64)[order],
            starts=used,
            euler_expected=euler,
            bezout=self.game.bezout_bound(self.sizes),
            history=np.array(rows, dtype=np.int64),
        )

    def describe(self, w: ArrayLike) -> dict[str, NDArray]:
        """Losses per N, block indices, index, sign det J and |V| at points w (M, N)."""
        flat, _ = self._points(np.reshape(w, (-1, self.N)))
        m = flat.shape[0]
        jp = self.jprime(flat) if m else np.zeros((0, self.N - self.K, self.N - self.K))
        sgn, _ = np.linalg.slogdet(jp)
        if np.any(sgn == 0):
            raise ArithmeticError("J' is singular at a critical point (degenerate instance)")
        flip = math.prod(int(e) ** (n - 1) for e, n in zip(self.game.signs, self.sizes))
        blocks = np.zeros((m, self.K), dtype=np.int64)
        for s in range(self.K):
            lo, hi = self._lo[s] - s, self._lo[s + 1] - s - 1
            blocks[:, s] = np.sum(np.linalg.eigvalsh(jp[:, lo:hi, lo:hi]) < 0, axis=1)
        return {
            "losses": self.losses(flat) if m else np.zeros((0, self.K)),
            "block_index": blocks,
            "index": np.sum(np.linalg.eigvalsh(jp) < 0, axis=1).astype(np.int64),
            "sign": (sgn * flip).astype(np.int64),
            "residual": np.linalg.norm(self.field(flat), axis=1) if m else np.zeros(0),
        }


def _merge(
    found: NDArray[np.float64], hits: list[int], pts: NDArray[np.float64], tol: float
) -> NDArray[np.float64]:
    """Add ``pts`` to ``found`` (deduplicated within ``tol``), counting hits."""
    if found.shape[0] and pts.shape[0]:
        idx = assign(np.ascontiguousarray(pts), found, tol)
        for j in idx[idx >= 0]:
            hits[j] += 1
        pts = pts[idx < 0]
    for pt in pts:
        j = assign(pt[None, :], found, tol)[0] if found.shape[0] else -1
        if j >= 0:
            hits[j] += 1
        else:
            found = np.vstack([found, pt[None, :]])
            hits.append(1)
    return found
