"""Exact Kac-Rice complexity: suprema of the exponent over the region B(u_D, u_G).

    Theta_{k_D,k_G}(u_D, u_G) = sup over B(u_D, u_G) and the index domain of Psi(x, x1)

(docs/theory.md, "The complexity exponent and its exact supremum" and
"Index-constrained complexity"; Psi = Phi without index constraints).  The feasible set is a
convex polygon cut by at most three lines: the vertical line x = P' (P' = P, or
-E_G where the generator constraint binds), the line x1 = R x + Q of B, and the
discriminator constraint's line x + x1 = -/+ E_D.  Psi tends to -infinity far
away, so the supremum is attained: at an interior local maximum of Psi, at a
local maximum of Psi along an edge, or at a vertex.  :class:`ComplexitySolver`
enumerates all three, pointwise by scanning each edge, and on grids by
computing every line's local maxima once and filtering them per cell
(docs/theory.md, "The algorithm and what it guarantees").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from ._maximize import interior_maxima, line_maxima
from .exponent import Exponent

__all__ = ["ComplexitySolver", "Suprema"]


@dataclass(frozen=True)
class Suprema:
    """Suprema of a complexity exponent, with where they are attained.

    The one return type of every supremum of a Kac-Rice formula (at a point, on a
    grid of loss levels, at exact losses).

    Attributes
    ----------
    values : ndarray
        The suprema (log number of critical points per N); -inf where the feasible
        set is empty.  Shape () at a point, (len(u_G), len(u_D)) on a grid, the
        shape of the losses at exact losses.
    maximisers : ndarray or None
        Coordinates of the maximisers stacked on axis 0, shape ``(k, *values.shape)``:
        first the ensemble's shifts (x, x1), then any coordinates of the formula's
        own (t = l_G / N for the model's own formula); NaN where ``values`` is -inf.
        None where the formula's solver does not give them.
    """

    values: NDArray[np.float64]
    maximisers: NDArray[np.float64] | None = None


def _line_of(nx: float, nx1: float, h: float):
    """A point and direction of the line nx x + nx1 x1 = h (x increasing, or x1)."""
    d = np.array([-nx1, nx])
    if d[0] < 0 or (d[0] == 0 and d[1] < 0):
        d = -d
    p0 = h * np.array([nx, nx1]) / (nx * nx + nx1 * nx1)
    return p0, d


def _clip(p0x, p0x1, dx, dx1, plane, lo, hi, lo_tag, hi_tag, tag):
    """Clip the lines' parameter intervals by one half-plane; broadcasts."""
    nx, nx1, h = plane
    nd = nx * dx + nx1 * dx1
    room = h - (nx * p0x + nx1 * p0x1)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = room / nd
    up = (nd > 0) & (bound < hi)
    down = (nd < 0) & (bound > lo)
    hi, hi_tag = np.where(up, bound, hi), np.where(up, tag, hi_tag)
    lo, lo_tag = np.where(down, bound, lo), np.where(down, tag, lo_tag)
    lo = np.where((nd == 0) & (room < -1e-12 * (1.0 + abs(h))), np.inf, lo)
    return lo, hi, lo_tag, hi_tag


def polygon_edges(planes) -> list[tuple[NDArray, NDArray, float, float]]:
    """The edges of {nx x + nx1 x1 <= h for every plane}: for each plane's line, a point
    p0, a direction d and the interval [lo, hi] of tau (p0 + tau d) that the other
    planes leave; lines they exclude entirely are skipped.  Ends may be infinite."""
    edges = []
    for i, plane in enumerate(planes):
        p0, d = _line_of(*plane)
        lo, hi = np.array(-np.inf), np.array(np.inf)
        for j, other in enumerate(planes):
            if j != i:
                lo, hi, _, _ = _clip(*p0, *d, other, lo, hi, 0, 0, 0)
        if lo <= hi and lo < np.inf and hi > -np.inf:
            edges.append((p0, d, float(lo), float(hi)))
    return edges


class ComplexitySolver:
    """Suprema of Psi over B(P, Q) for one set of constants and index constraints.

    The region is given directly by P (x < P) and Q (x1 > R x + Q); the formula
    maps (u_D, u_G) to them.  Interior maxima are computed once and cached.

    Parameters
    ----------
    exponent : Exponent
        The objective Psi.
    slope : float, optional
        R, the slope of the region's lower boundary, needed by :meth:`sup` and
        :meth:`sup_grid` only (:meth:`sup_planes`, :meth:`line_argmax` and the
        interior maxima take none).  By default the ``slope`` of the exponent's
        constants where they define one (published constants), else None.
    """

    def __init__(self, exponent: Exponent, slope: float | None = None) -> None:
        self.obj = exponent
        # Backward-compatible default: constants that define a region carry its slope.
        self.slope = getattr(exponent.constants, "slope", None) if slope is None else slope
        planes = exponent.halfplanes
        self._x_cap = min((h / nx for nx, nx1, h in planes if nx1 == 0 and nx > 0), default=np.inf)
        self._d_plane = next((tuple(p) for p in planes if p[1] != 0), None)

    @cached_property
    def interior(self) -> tuple[NDArray, NDArray, NDArray]:
        """Interior local maxima of Psi over the index domain: (x, x1, Psi), computed once."""
        return interior_maxima(self.obj)

    def _interior_in(self, x_max, intercept):
        """Best interior maximum with x <= x_max and x1 >= slope x + intercept."""
        x, x1, v = self.interior
        x_max, intercept = np.asarray(x_max), np.asarray(intercept)
        ok = (x <= x_max[..., None]) & (x1 >= self.slope * x + intercept[..., None])
        return np.max(np.where(ok, v, -np.inf), axis=-1, initial=-np.inf)

    # -- one point --------------------------------------------------------------

    def sup(self, P: float, Q: float) -> float:
        """Exact supremum over {x <= P, x1 >= R x + Q} and the index domain.

        Parameters
        ----------
        P : float
            Bound on x; +inf for none.
        Q : float
            Intercept of the bound on x1; -inf for none.

        Returns
        -------
        float
            The supremum of Psi (per N); -inf if the set is empty.
        """
        planes = []
        if np.isfinite(min(P, self._x_cap)):
            planes.append((1.0, 0.0, min(P, self._x_cap)))
        if np.isfinite(Q):
            planes.append((self.slope, -1.0, -Q))
        return self.sup_planes(planes)

    def line_argmax(self, nx: float, nx1: float, h: float) -> tuple[float, float, float]:
        """(x, x1, Psi) at the best local maximum of Psi on the line nx x + nx1 x1 = h.

        Parameters
        ----------
        nx, nx1 : float
            Normal of the line.
        h : float
            Its offset.

        Returns
        -------
        tuple of float
            (x, x1, Psi) at the best local maximum; NaN, NaN and -inf if Psi has none
            on the line.
        """
        p0, d = _line_of(nx, nx1, h)
        found = line_maxima(self.obj, *(np.array([v]) for v in (*p0, *d)), [-np.inf], [np.inf])
        if found.value.size == 0:
            return np.nan, np.nan, -np.inf
        k = int(np.argmax(found.value))
        x, x1 = p0 + found.tau[k] * d
        return float(x), float(x1), float(found.value[k])

    def sup_planes(self, planes) -> float:
        """Exact supremum over the index domain cut by half-planes nx x + nx1 x1 <= h.

        Parameters
        ----------
        planes : iterable of (float, float, float)
            The half-planes, each as (nx, nx1, h).

        Returns
        -------
        float
            The supremum of Psi (per N); -inf if the set is empty.
        """
        planes = [tuple(map(float, p)) for p in planes]
        planes += [tuple(p) for p in self.obj.halfplanes]
        x, x1, v = self.interior
        ok = np.ones(x.size, dtype=bool)
        for nx, nx1, h in planes:
            ok &= nx * x + nx1 * x1 <= h
        best = float(np.max(v[ok], initial=-np.inf))
        if not planes:
            return best
        edges = polygon_edges(planes)
        if not edges:
            return -np.inf
        arr = np.array([(*p0, *d, lo, hi) for p0, d, lo, hi in edges])
        found = line_maxima(self.obj, *arr.T)
        best = max(best, float(np.max(found.value, initial=-np.inf)))
        ends = [(p0 + t * d) for p0, d, lo, hi in edges for t in (lo, hi) if np.isfinite(t)]
        if ends:
            pts = np.array(ends)
            best = max(best, float(self.obj.evaluate(pts[:, 0], pts[:, 1]).value.max()))
        return best

    # -- a grid -----------------------------------------------------------------

    def sup_grid(self, P: NDArray, Q: NDArray) -> NDArray[np.float64]:
        """The supremum for every (P[j], Q[i]); returns shape (len(P), len(Q)).

        Each line's local maxima are computed once over the whole domain: the
        columns x = P'_j, the rows x1 = R x + Q_i and the discriminator line.
        A cell's edges are intervals of these lines, so its supremum is the
        best of the maxima inside its intervals, its vertices and the interior
        maxima inside it.  Vertices on a column are solved as one path each.

        Parameters
        ----------
        P : ndarray, 1-D
            Bounds on x (columns); +inf for none.
        Q : ndarray, 1-D
            Intercepts of the bounds on x1 (rows); -inf for none.

        Returns
        -------
        ndarray, shape (len(P), len(Q))
            The supremum of Psi for every (P[j], Q[i]), -inf where the set is empty.
        """
        obj, R = self.obj, self.slope
        order_q = np.argsort(Q)
        Q = np.asarray(Q, dtype=float)[order_q]
        x_max = np.minimum(np.asarray(P, dtype=float), self._x_cap)
        cols, col_of = np.unique(x_max, return_inverse=True)
        nc, nq = cols.size, Q.size
        one_c, one_q = np.ones(nc), np.ones(nq)
        inf_c, inf_q = np.full(nc, np.inf), np.full(nq, np.inf)
        # Lines (point, direction): columns along x1, rows along x.
        col_line = (cols, 0 * one_c, 0 * one_c, one_c)
        row_line = (0 * one_q, Q, one_q, R * one_q)
        col_max = _padded(line_maxima(obj, *col_line, -inf_c, inf_c), nc)
        row_max = _padded(line_maxima(obj, *row_line, -inf_q, inf_q), nq)
        # Corners x = P'_j, x1 = R P'_j + Q_i: one warm-started path per column.
        cx = np.repeat(cols, nq)
        cq = np.tile(Q, nc)
        starts = np.zeros(cx.size, dtype=bool)
        starts[::nq] = True
        corner = obj.evaluate(cx, R * cx + cq, starts=starts, ts=cq).value.reshape(nc, nq)
        # Edge intervals of every cell; tags: 0 column, 1 row, 2 discriminator line.
        C = cols[:, None] * np.ones((1, nq))
        Qg = np.ones((nc, 1)) * Q[None, :]
        planes = {0: (1.0, 0.0, C), 1: (R, -1.0, -Qg)}
        lines = {0: (C, 0 * C, 0 * C, 1 + 0 * C), 1: (0 * C, Qg, 1 + 0 * C, R + 0 * C)}
        maxima = {0: (col_max, np.arange(nc)[:, None]), 1: (row_max, np.arange(nq)[None, :])}
        vertex = {(0, 1): corner}
        if self._d_plane is not None:
            planes[2] = tuple(np.broadcast_to(v, C.shape) for v in self._d_plane)
            p0, d = _line_of(*self._d_plane)
            lines[2] = (p0[0] + 0 * C, p0[1] + 0 * C, d[0] + 0 * C, d[1] + 0 * C)
            found = line_maxima(obj, *(np.array([v]) for v in (*p0, *d)), [-np.inf], [np.inf])
            maxima[2] = (_padded(found, 1), np.zeros((1, 1), dtype=int))
            # Column-line and row-line vertices with the discriminator line.
            nx, nx1, h = self._d_plane
            x1_c = (h - nx * cols) / nx1
            x_r = (h - nx1 * Q) / (nx + nx1 * R)
            v_c = obj.evaluate(cols, x1_c).value
            v_r = obj.evaluate(x_r, R * x_r + Q).value
            vertex[(0, 2)] = v_c[:, None] * np.ones((1, nq))
            vertex[(1, 2)] = np.ones((nc, 1)) * v_r[None, :]
        best = self._interior_in(C, Qg)
        for tag, line in lines.items():
            lo, hi = np.full(C.shape, -np.inf), np.full(C.shape, np.inf)
            lo_tag, hi_tag = np.full(C.shape, -1), np.full(C.shape, -1)
            for other, plane in planes.items():
                if other != tag:
                    lo, hi, lo_tag, hi_tag = _clip(*line, plane, lo, hi, lo_tag, hi_tag, other)
            present = (lo <= hi) & (lo < np.inf) & (hi > -np.inf)
            (tau, val), idx = maxima[tag]
            t, v = tau[idx], val[idx]
            inside = (t > lo[..., None]) & (t < hi[..., None]) & present[..., None]
            edge = np.max(np.where(inside, v, -np.inf), axis=-1, initial=-np.inf)
            for end_tag in planes:
                if end_tag == tag:
                    continue
                vals = vertex[tuple(sorted((tag, end_tag)))]
                at_end = present & ((lo_tag == end_tag) | (hi_tag == end_tag))
                edge = np.where(at_end, np.maximum(edge, vals), edge)
            best = np.maximum(best, edge)
        out = np.empty((x_max.size, nq))
        out[:, order_q] = best[col_of]
        return out


def _padded(found, n_lines: int) -> tuple[NDArray, NDArray]:
    """Flat line maxima as (n_lines, K) arrays of tau and value (NaN / -inf padding)."""
    k = max(1, int(np.bincount(found.line, minlength=n_lines).max(initial=0)))
    tau = np.full((n_lines, k), np.nan)
    val = np.full((n_lines, k), -np.inf)
    slot = np.zeros(n_lines, dtype=int)
    for line, t, v in zip(found.line, found.tau, found.value):
        tau[line, slot[line]], val[line, slot[line]] = t, v
        slot[line] += 1
    return tau, val
