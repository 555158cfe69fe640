"""Candidates of the faces of a quadrant, for every level at once (private).

A face n . z3 = h of :class:`~spinglass_gan.complexity.quadrant.QuadrantSolver` offers its
interior local maxima, the local maxima along each index constraint's line and those
lines' ends.  :func:`reference_candidates` computes them for one face;
:func:`face_candidates` for every level of a family from its curves Gamma
(``_quadrant_grid``); :func:`free_maxima` finds the interior maxima of the free
exponent on the same curves.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._maximize import interior_maxima, line_maxima
from ._quadrant_grid import Family, _empty, _newton_2d, _projected_range, _segment_levels
from .polygon import ComplexitySolver, polygon_edges


def reference_candidates(
    solver: ComplexitySolver, interior=None
) -> tuple[NDArray, NDArray, NDArray]:
    """Every loss-independent candidate of a face: its interior maxima (``interior``,
    by default ``solver.interior``), the maxima along each index constraint's line,
    and those lines' ends (x, x1, value)."""
    obj = solver.obj
    xs, x1s, vs = (list(a) for a in (solver.interior if interior is None else interior))
    for p0, d, lo, hi in polygon_edges(obj.halfplanes):
        found = line_maxima(obj, *(np.array([v]) for v in (*p0, *d)), [lo], [hi])
        taus = list(found.tau) + [float(t) for t in (lo, hi) if np.isfinite(t)]
        pts = p0[:, None] + np.array(taus)[None, :] * d[:, None]
        if pts.size:
            xs += list(pts[0])
            x1s += list(pts[1])
            vs += list(obj.evaluate(pts[0], pts[1]).value)
    return np.array(xs), np.array(x1s), np.array(vs)


def face_candidates(fam: Family, hs: NDArray):
    """Every candidate of the faces n . z3 = hs[i] (hs finite): the face's interior
    local maxima, the local maxima on each index line and those lines' ends.
    Returns flat arrays (level index, x, x1, value)."""
    obj = fam.obj
    out = []
    nb = float(np.hypot(*fam.beta))
    if hs.size == 0:
        return _empty()
    if nb <= 1e-14 * (1.0 + np.abs(obj.gaussian.prec).max()):
        # Every level has the same maxima (beta = 0): the reference, once.
        fx, fx1, fv = reference_candidates(ComplexitySolver(obj))
        lvl = np.repeat(np.arange(hs.size), fx.size)
        xs, x1s = np.tile(fx, hs.size), np.tile(fx1, hs.size)
        return lvl, xs, x1s, np.tile(fv, hs.size) + fam.shift(hs[lvl], xs, x1s)
    out.append(_gamma_maxima(fam, hs, nb))
    # Index lines and their ends (as reference_candidates).
    for p0, d, lo, hi in polygon_edges(obj.halfplanes):
        out.append(_segment_levels(fam, p0, d, lo, hi, hs))
        ends = [float(t) for t in (lo, hi) if np.isfinite(t)]
        if ends:
            ex, ex1 = p0[0] + np.array(ends) * d[0], p0[1] + np.array(ends) * d[1]
            ev = obj.evaluate(ex, ex1).value
            lvl = np.repeat(np.arange(hs.size), len(ends))
            xs, x1s = np.tile(ex, hs.size), np.tile(ex1, hs.size)
            out.append((lvl, xs, x1s, np.tile(ev, hs.size) + fam.shift(hs[lvl], xs, x1s)))
    return tuple(np.concatenate(parts) for parts in zip(*out))


def _gamma_maxima(fam: Family, hs: NDArray, nb: float):
    """Interior local maxima of every face F_h, h in hs, from the curves Gamma."""
    obj, beta = fam.obj, fam.beta
    e = beta / nb
    lo_s, hi_s = np.inf, -np.inf
    for h in (hs.min(), hs.max()):
        a, b = _projected_range(fam.solver.face(fam.n, float(h)).obj, e)
        lo_s, hi_s = min(lo_s, a), max(hi_s, b)
    line, gx, gx1, lam, m1, m2, end = fam.gamma(lo_s, hi_s)
    if line.size == 0:
        return _empty()
    a, b = _consecutive(line, end)
    rising = lam[b] > lam[a]
    a, b = a[rising], b[rising]
    # Levels crossed on each rising pair: lam[a] < h <= lam[b].
    order = np.argsort(hs, kind="stable")
    hs_sorted = hs[order]
    lo_k = np.searchsorted(hs_sorted, lam[a], side="right")
    hi_k = np.searchsorted(hs_sorted, lam[b], side="right")
    n_k = hi_k - lo_k
    pair = np.repeat(np.arange(a.size), n_k)
    if pair.size == 0:
        return _empty()
    lvl = order[lo_k[pair] + np.arange(pair.size) - np.repeat(np.cumsum(n_k) - n_k, n_k)]
    pa, pb = a[pair], b[pair]
    h = hs[lvl]
    frac = (h - lam[pa]) / (lam[pb] - lam[pa])
    sx = gx[pa] + frac * (gx[pb] - gx[pa])
    sx1 = gx1[pa] + frac * (gx1[pb] - gx1[pa])
    s1 = m1[pa] + frac * (m1[pb] - m1[pa])
    s2 = m2[pa] + frac * (m2[pb] - m2[pa])
    x, x1, ok = _newton_2d(fam, h, sx, sx1, s1, s2)
    lvl_ok, x, x1 = lvl[ok], x[ok], x1[ok]
    value = obj.evaluate(x, x1).value + fam.shift(hs[lvl_ok], x, x1) if x.size else x
    parts = [(lvl_ok, x, x1, value)]
    # A seed next to a line's end may lie on the boundary part of the track, where
    # the face has no interior maximum (its boundary maxima are the index lines').
    soft = end[pa] | end[pb]
    bad = np.unique(lvl[~ok & ~soft])
    if bad.size:
        fam.solver.fallbacks["face"] += bad.size
        for i in bad:
            fx, fx1, fv = reference_candidates(fam.solver.face(fam.n, float(hs[i])))
            parts.append((np.full(fx.size, i), fx, fx1, fv))
    return tuple(np.concatenate(p) for p in zip(*parts))


def _consecutive(line, end):
    """All pairs (a, b) of points on consecutive lines (line[b] = line[a] + 1), not
    both line ends: the links along which Gamma (and its boundary track) is followed.
    Seeds in excess are harmless."""
    first = np.searchsorted(line, line + 1, side="left")
    last = np.searchsorted(line, line + 1, side="right")
    count = last - first
    a = np.repeat(np.arange(line.size), count)
    b = first[a] + np.arange(a.size) - np.repeat(np.cumsum(count) - count, count)
    keep = ~(end[a] & end[b])
    return a[keep], b[keep]


class _Plain:
    """An objective with no level, for ``_newton_2d``."""

    def __init__(self, obj) -> None:
        self.obj, self.beta = obj, np.zeros(2)

    def shift(self, h, x, x1):
        return 0.0 * h


def free_maxima(fam: Family, free_obj, ell: NDArray):
    """Interior local maxima (x, x1, value) of the free exponent, from the row
    family's Gamma (fam: the faces t = h).

    At a free critical point z, t = ell . z and grad_z F = 0, so z is a critical
    point of the face at level h = t: a point of Gamma with lambda = ell . z.  Along
    a branch of Gamma where lambda rises (face maxima), the face maximum's value V(h)
    has V'(h) = A_tt (ell . z - h), so the free maxima are where
    psi = lambda - ell . z crosses zero upwards; each crossing seeds a Newton ascent
    on the free exponent.  Seeds that do not converge fall back to ``interior_maxima``.
    """
    nb = float(np.hypot(*fam.beta))
    if nb <= 1e-14 * (1.0 + np.abs(fam.obj.gaussian.prec).max()):
        return interior_maxima(free_obj)
    lo_s, hi_s = _projected_range(free_obj, fam.beta / nb)
    line, gx, gx1, lam, m1, m2, end = fam.gamma(lo_s, hi_s)
    psi = lam - (ell[0] * gx + ell[1] * gx1)
    a, b = _consecutive(line, end)
    keep = (lam[b] > lam[a]) & (psi[a] < 0) & (psi[b] >= 0)
    a, b = a[keep], b[keep]
    if a.size == 0:
        return np.empty(0), np.empty(0), np.empty(0)
    frac = -psi[a] / (psi[b] - psi[a])
    x, x1, ok = _newton_2d(
        _Plain(free_obj),
        np.zeros(a.size),
        gx[a] + frac * (gx[b] - gx[a]),
        gx1[a] + frac * (gx1[b] - gx1[a]),
        m1[a] + frac * (m1[b] - m1[a]),
        m2[a] + frac * (m2[b] - m2[a]),
    )
    if not (ok | end[a] | end[b]).all():
        fam.solver.fallbacks["face"] += 1
        return interior_maxima(free_obj)
    x, x1 = x[ok], x1[ok]
    if x.size == 0:
        return np.empty(0), np.empty(0), np.empty(0)
    found: list[tuple[float, float]] = []
    for u, v in zip(x, x1):  # one point per maximum (as interior_maxima)
        if not any(
            abs(u - p) <= 1e-7 * (1 + abs(p)) and abs(v - q) <= 1e-7 * (1 + abs(q))
            for p, q in found
        ):
            found.append((u, v))
    x, x1 = (np.array(c) for c in zip(*found))
    return x, x1, free_obj.evaluate(x, x1).value
