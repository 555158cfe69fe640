r"""Critical points of a sampled GAN spin glass and the search that finds them all.

:class:`CriticalPoints` holds every critical point of one instance
(:class:`~spinglass_gan.landscapes.landscape.GanLandscape`) with the evidence that none is
missing: the Poincare-Hopf sum (:func:`euler_characteristic`), the Bezout bound
(:func:`bezout_bound`), the saturation curve of the Newton search and the
capture-recapture estimate of the points not found.  :class:`CriticalPointSearch`
is the search itself (Riemannian Newton from random starts, or an angle grid on the
torus), a base of :class:`~spinglass_gan.landscapes.landscape.GanLandscape` that works through
its fields and J'.  See the notes of :mod:`spinglass_gan.landscapes.landscape` for the
notation (V, J, J', k_D, k_G).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from . import _landscape_kernels as _k
from ._sphere_helpers import as_generator

__all__ = [
    "D_INDEX",
    "CriticalPointSearch",
    "CriticalPoints",
    "bezout_bound",
    "euler_characteristic",
]

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


class CriticalPointSearch:
    """The search for all critical points of a sampled instance (a base class).

    The subclass (:class:`~spinglass_gan.landscapes.landscape.GanLandscape`) provides the
    instance: the orders and sizes ``p``, ``q``, ``r``, ``n_D``, ``n_G``, ``N``, the
    scales ``c_D``, ``c_G``, the symmetrised tensors, ``constants``, and the methods
    ``field``, ``jprime`` and ``_points``.
    """

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
