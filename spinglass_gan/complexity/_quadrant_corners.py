"""Candidates of the corner lines of a quadrant grid, for all cells at once (private).

Notation of ``_quadrant_grid``.  The cell k of a grid has the corner line
w . z = cut[k] on the face at level hs[k]; the slope of F_h along the line is
base' + h beta . d, so one scan of a line answers every level.  The lines of all
cells are bracketed from a sheet of scanned parallel lines (:func:`_scan_sheet`,
placed across by the line scans' own step rule): the brackets for each level on
the two sheet lines around a cell's line give seeds (:func:`_sheet_seeds`,
:func:`_cell_seeds`), moved onto the cell's line and polished by a vectorised
Newton iteration (:func:`_newton_lines`: a finite-difference curvature, then
secant updates, value never decreasing).  Seeds that do not settle fall back to
``line_maxima`` on their face (counted in the solver's ``fallbacks["corner"]``); the ends of
each cell's segment in the index domain are candidates too.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ._maximize import _clip_to_domain, line_maxima
from ._quadrant_grid import (
    _FD,
    _FLAT,
    _GAIN,
    _LINE_RTOL,
    _NEWTON_ITER,
    _SHORT,
    Family,
    _scan,
    _transverse,
)
from .polygon import _line_of


class _CellLines(NamedTuple):
    """Each cell's corner line foot + tau * direction, in the index domain for
    lo <= tau <= hi."""

    direction: NDArray
    foot_x: NDArray
    foot_x1: NDArray
    lo: NDArray
    hi: NDArray


class _Sheet(NamedTuple):
    """The scanned lines w . z = cuts[j] (sorted, spanning every cell's cut): per
    sample its line, tau, evaluation and whether it starts a line; per line the
    ends lo, hi of its part in the index domain; per sample the slope of base
    along the lines."""

    cuts: NDArray
    line: NDArray
    tau: NDArray
    ev: Any
    starts: NDArray
    lo: NDArray
    hi: NDArray
    slope: NDArray


class _Seeds(NamedTuple):
    """Newton seeds on the sheet, sorted by key = sheet line * (number of levels)
    + level index: position tau, Dyson solution (m1, m2) there, curvature (NaN
    where unknown)."""

    key: NDArray
    tau: NDArray
    m1: NDArray
    m2: NDArray
    curv: NDArray


class _CellSeeds(NamedTuple):
    """Seeds moved onto the cells' lines: the cell of each, tau, (m1, m2), curvature."""

    cell: NDArray
    tau: NDArray
    m1: NDArray
    m2: NDArray
    curv: NDArray


def corner_candidates(fam: Family, w: NDArray, cut: NDArray, hs: NDArray):
    """The best local maximum or end of F_{hs[k]} on each line w . z = cut[k].

    Returns (value, x, x1) per line; -inf / NaN where the line holds none."""
    n = cut.size
    kept = (np.full(n, -np.inf), np.full(n, np.nan), np.full(n, np.nan))
    if n == 0:
        return kept
    lines = _cell_lines(fam.obj, w, cut)
    beta_d = float(fam.beta @ lines.direction)
    sheet = _scan_sheet(fam.obj, w, cut, lines.direction, hs, beta_d)
    levels, level_of_cell = np.unique(hs, return_inverse=True)
    seeds = _sheet_seeds(sheet, levels, beta_d)
    moved = _cell_seeds(seeds, sheet.cuts, cut, level_of_cell, levels.size)
    if moved is not None:
        _polish(fam, lines, hs, moved, kept)
    _offer_segment_ends(fam, lines, hs, kept)
    return kept


def _cell_lines(obj, w: NDArray, cut: NDArray) -> _CellLines:
    """The cells' lines w . z = cut[k] from their feet (the points nearest the
    origin), cut to the index domain."""
    d = _line_of(w[0], w[1], 0.0)[1]
    w_sq = float(w @ w)
    foot_x, foot_x1 = cut * w[0] / w_sq, cut * w[1] / w_sq
    ones = np.ones(cut.size)
    lo, hi = _clip_to_domain(
        obj, foot_x, foot_x1, d[0] * ones, d[1] * ones, -np.inf * ones, np.inf * ones
    )
    return _CellLines(d, foot_x, foot_x1, lo, hi)


def _scan_sheet(obj, w: NDArray, cut: NDArray, d: NDArray, hs: NDArray, beta_d: float) -> _Sheet:
    """The sheet: scanned lines at most h0 apart across, covering every cut, each
    scanned for the slope targets of every level."""
    w_sq = float(w @ w)
    cmin, cmax = float(cut.min()), float(cut.max())
    w_norm = np.sqrt(w_sq)
    cuts = _transverse(obj, w / w_norm, cmin / w_norm, cmax / w_norm) * w_norm
    cuts[0], cuts[-1] = cmin, cmax
    ones = np.ones(cuts.size)
    x0, x10 = cuts * w[0] / w_sq, cuts * w[1] / w_sq
    bound = obj.slope_bound(d[0], d[1])
    targets = (np.min(-hs * beta_d) - bound, np.max(-hs * beta_d) + bound)
    line, tau, ev, starts, (lo, hi) = _scan(
        obj, x0, x10, d[0] * ones, d[1] * ones, -np.inf * ones, np.inf * ones, targets
    )
    slope = ev.grad_x * d[0] + ev.grad_x1 * d[1]
    return _Sheet(cuts, line, tau, ev, starts, lo, hi, slope)


def _sheet_seeds(sheet: _Sheet, levels: NDArray, beta_d: float) -> _Seeds:
    """Seeds on every sheet line for every distinct level: each bracket of a local
    maximum of F_h (interpolated to the slope's zero), then the line ends that F_h
    rises to (:func:`_end_seeds`)."""
    slope, tau, ev = sheet.slope, sheet.tau, sheet.ev
    k, level = _brackets(slope, sheet.starts, levels, beta_d)
    f0, f1 = slope[k] + levels[level] * beta_d, slope[k + 1] + levels[level] * beta_d
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip(np.nan_to_num(f0 / (f0 - f1), nan=0.5), 0.0, 1.0)
    parts = [
        (
            sheet.line[k],
            level,
            tau[k] + frac * (tau[k + 1] - tau[k]),
            ev.m1[k] + frac * (ev.m1[k + 1] - ev.m1[k]),
            ev.m2[k] + frac * (ev.m2[k + 1] - ev.m2[k]),
            (slope[k + 1] - slope[k]) / (tau[k + 1] - tau[k]),
        )
    ]
    parts += _end_seeds(sheet, levels, beta_d)
    line, level, *values = (np.concatenate(p) for p in zip(*parts))
    key = line * levels.size + level
    order = np.argsort(key, kind="stable")
    return _Seeds(key[order], *(v[order] for v in values))


def _end_seeds(sheet: _Sheet, levels: NDArray, beta_d: float) -> list[tuple]:
    """Ends of sheet lines cut by the index domain that F_h rises to: a maximum of a
    cell's line between two sheet lines can sit next to such an end.  Parts
    (line, level, tau, m1, m2, curvature NaN) for the lower and the upper ends."""
    line, tau, ev = sheet.line, sheet.tau, sheet.ev
    first = np.flatnonzero(sheet.starts)
    last = np.r_[first[1:] - 1, tau.size - 1] if first.size else first
    parts = []
    for idx, bound, sign in ((first, sheet.lo, -1.0), (last, sheet.hi, 1.0)):
        at = idx[np.isfinite(tau[idx]) & (tau[idx] == bound[line[idx]])]
        ke, le = np.nonzero(sign * (sheet.slope[at][:, None] + levels[None, :] * beta_d) > 0)
        ke = at[ke]
        parts.append((line[ke], le, tau[ke], ev.m1[ke], ev.m2[ke], np.full(ke.size, np.nan)))
    return parts


def _key_range(keys: NDArray, wanted: NDArray) -> tuple[NDArray, NDArray]:
    """First index and count of each wanted key in the sorted ``keys``."""
    start = np.searchsorted(keys, wanted, "left")
    return start, np.searchsorted(keys, wanted, "right") - start


def _cell_seeds(
    seeds: _Seeds, cuts: NDArray, cut: NDArray, level_of_cell: NDArray, n_levels: int
) -> _CellSeeds | None:
    """Each cell's seeds from its two sheet lines (below and above its cut): mutual
    nearest pairs move with the cell's fraction across; the rest seed alone.  None
    where no sheet line holds a seed for any cell's level."""
    n, m = cut.size, cuts.size
    if m > 1:
        lower = np.clip(np.searchsorted(cuts, cut, side="right") - 1, 0, m - 2)
        across = (cut - cuts[lower]) / (cuts[lower + 1] - cuts[lower])
    else:
        lower, across = np.zeros(n, dtype=np.int64), np.zeros(n)
    start_below, count_below = _key_range(seeds.key, lower * n_levels + level_of_cell)
    start_above, count_above = _key_range(
        seeds.key, np.where(m > 1, (lower + 1) * n_levels + level_of_cell, -1)
    )
    width = int(max(count_below.max(initial=0), count_above.max(initial=0)))
    if not width:
        return None
    slots = np.arange(width)[None, :]
    top = max(seeds.key.size - 1, 0)
    idx_below = np.minimum(start_below[:, None] + slots, top)
    idx_above = np.minimum(start_above[:, None] + slots, top)
    valid_below = slots < count_below[:, None]
    valid_above = slots < count_above[:, None]
    tau_below = np.where(valid_below, seeds.tau[idx_below], np.nan)
    tau_above = np.where(valid_above, seeds.tau[idx_above], np.nan)
    with np.errstate(invalid="ignore"):
        dist = np.abs(tau_below[:, :, None] - tau_above[:, None, :])
    dist = np.where(np.isnan(dist), np.inf, dist)
    nearest_above = np.argmin(dist, axis=2)  # for each seed below
    nearest_below = np.argmin(dist, axis=1)  # for each seed above
    has_partner = np.isfinite(np.min(dist, axis=2))
    rows = np.arange(n)[:, None]
    mutual = valid_below & has_partner & (nearest_below[rows, nearest_above] == slots)
    paired_above = np.zeros_like(valid_above)
    pair_cell, slot_below = np.nonzero(mutual)
    slot_above = nearest_above[pair_cell, slot_below]
    paired_above[pair_cell, slot_above] = True
    f = across[pair_cell]
    i_below, i_above = idx_below[pair_cell, slot_below], idx_above[pair_cell, slot_above]
    fields = (seeds.tau, seeds.m1, seeds.m2, seeds.curv)
    parts = [(pair_cell, *(u[i_below] + f * (u[i_above] - u[i_below]) for u in fields))]
    alone = ((valid_below & ~mutual, idx_below), (valid_above & ~paired_above, idx_above))
    for valid, idx in alone:
        cell, slot = np.nonzero(valid)
        parts.append((cell, *(u[idx[cell, slot]] for u in fields)))
    return _CellSeeds(*(np.concatenate(p) for p in zip(*parts)))


def _polish(fam: Family, lines: _CellLines, hs: NDArray, moved: _CellSeeds, kept) -> None:
    """Newton on each cell's line from its seeds; cells with a seed that does not
    settle are solved by ``line_maxima`` on their face instead (a fallback)."""
    d, px, px1, lo, hi = lines
    cell = moved.cell
    tau, val, settled, ok = _newton_lines(
        fam,
        px[cell],
        px1[cell],
        d,
        hs[cell],
        lo[cell],
        hi[cell],
        moved.tau,
        moved.m1,
        moved.m2,
        moved.curv,
    )
    won = cell[ok]
    _keep(*kept, won, val[ok], px[won] + tau[ok] * d[0], px1[won] + tau[ok] * d[1])
    bad = np.unique(cell[~settled])
    if bad.size == 0:
        return
    fam.solver.fallbacks["corner"] += bad.size
    for level in np.unique(hs[bad]):
        sel = bad[hs[bad] == level]
        face = fam.solver.face(fam.n, float(level)).obj
        one = np.ones(sel.size)
        found = line_maxima(face, px[sel], px1[sel], d[0] * one, d[1] * one, lo[sel], hi[sel])
        c = sel[found.line]
        _keep(*kept, c, found.value, px[c] + found.tau * d[0], px1[c] + found.tau * d[1])


def _offer_segment_ends(fam: Family, lines: _CellLines, hs: NDArray, kept) -> None:
    """The ends of each cell's segment in the index domain, as candidates."""
    d, px, px1, lo, hi = lines
    for end in (lo, hi):
        fin = np.flatnonzero(np.isfinite(end) & (lo <= hi))
        if fin.size == 0:
            continue
        ex, ex1 = px[fin] + end[fin] * d[0], px1[fin] + end[fin] * d[1]
        order = np.lexsort((ex1, ex))
        starts = np.zeros(fin.size, dtype=bool)
        starts[0] = True
        ev = fam.obj.evaluate(
            ex[order], ex1[order], starts=starts, ts=np.arange(fin.size, dtype=float)
        )
        v = np.empty(fin.size)
        v[order] = ev.value
        _keep(*kept, fin, v + fam.shift(hs[fin], ex, ex1), ex, ex1)


def _brackets(slope, starts, levels, bd):
    """Pairs (k, i): the slope + levels[i] bd of one scanned line turns from > 0 at
    sample k to <= 0 at sample k + 1 (levels sorted).  For each k those levels form
    an interval, found by bisection, so no samples x levels table is built."""
    k = np.flatnonzero(~starts[1:])
    a, b = slope[k], slope[k + 1]
    n = levels.size
    with np.errstate(divide="ignore", invalid="ignore"):
        if bd > 0:  # h > -a / bd and h <= -b / bd
            i0 = np.searchsorted(levels, -a / bd, "right")
            i1 = np.searchsorted(levels, -b / bd, "right")
        elif bd < 0:  # h < -a / bd and h >= -b / bd
            i0 = np.searchsorted(levels, -b / bd, "left")
            i1 = np.searchsorted(levels, -a / bd, "left")
        else:
            on = (a > 0) & (b <= 0)
            i0, i1 = np.where(on, 0, n), np.full(k.size, n)
    count = np.maximum(i1 - i0, 0)
    kk = np.repeat(np.arange(k.size), count)
    li = i0[kk] + np.arange(kk.size) - np.repeat(np.cumsum(count) - count, count)
    return k[kk], li


def _keep(best, bx, bx1, cell, value, x, x1):
    """best[cell] = max(best[cell], value), with the maximiser, in place."""
    if cell.size == 0:
        return
    order = np.argsort(value, kind="stable")
    cell, value, x, x1 = cell[order], value[order], x[order], x1[order]
    # The last occurrence of each cell holds its largest value.
    last = np.ones(cell.size, dtype=bool)
    _, first_rev = np.unique(cell[::-1], return_index=True)
    last[:] = False
    last[cell.size - 1 - first_rev] = True
    c, v = cell[last], value[last]
    win = v > best[c]
    best[c[win]] = v[win]
    bx[c[win]] = x[last][win]
    bx1[c[win]] = x1[last][win]


def _newton_lines(fam, px, px1, d, h, lo, hi, tau, g1, g2, curv):
    """Newton iteration for a local maximum of F_h along p + tau d, lo < tau < hi, from
    each seed: the first curvature from the sheet and a finite difference, then
    secant updates; a step that lowers F_h is halved.  Returns (tau, value, settled,
    interior): settled where the iteration converged to an interior local maximum
    (interior) or ran into an end of the segment that F_h rises to."""
    obj = fam.obj
    bd = float(fam.beta @ d)
    n = tau.size
    tau = np.clip(tau, lo, hi)
    nd = float(np.hypot(*d))
    eps = _FD * (obj.h0 * 24.0 + np.abs(px) + np.abs(px1) + np.abs(tau) * nd) / nd
    t2 = np.minimum(tau + eps, hi)
    t2 = np.where(t2 > tau, t2, tau - eps)
    ev = obj.evaluate(
        np.concatenate([px + tau * d[0], px + t2 * d[0]]),
        np.concatenate([px1 + tau * d[1], px1 + t2 * d[1]]),
        guess=(np.tile(g1, 2), np.tile(g2, 2)),
    )
    sl = ev.grad_x * d[0] + ev.grad_x1 * d[1]
    f, f2 = sl[:n] + h * bd, sl[n:] + h * bd
    curv = np.where((f2 - f) / (t2 - tau) < 0, (f2 - f) / (t2 - tau), curv)
    val = ev.value[:n] + fam.shift(h, px + tau * d[0], px1 + tau * d[1])
    m1, m2 = ev.m1[:n].copy(), ev.m2[:n].copy()
    ok = np.zeros(n, dtype=bool)
    done = np.zeros(n, dtype=bool)
    step = np.zeros(n)
    fresh = np.ones(n, dtype=bool)  # a Newton step from the current point is due
    for _ in range(_NEWTON_ITER):
        idx = np.flatnonzero(~done)
        if idx.size == 0:
            break
        i_new = idx[fresh[idx]]
        cv = curv[i_new]
        # Converged where the Newton step would gain less than rounding.
        with np.errstate(invalid="ignore", divide="ignore"):
            gain = 0.5 * f[i_new] ** 2 / np.abs(cv)
        flat = (cv < 0) & (gain <= _GAIN * (1.0 + np.abs(val[i_new])))
        flat &= (tau[i_new] > lo[i_new]) & (tau[i_new] < hi[i_new])
        ok[i_new[flat]], done[i_new[flat]] = True, True
        idx = np.flatnonzero(~done)
        if idx.size == 0:
            break
        i_new, cv = i_new[~flat], cv[~flat]
        uphill = np.sign(f[i_new]) * obj.h0 / nd
        step[i_new] = np.where(cv < 0, -f[i_new] / np.where(cv < 0, cv, -1.0), uphill)
        t_new = np.clip(tau[idx] + step[idx], lo[idx], hi[idx])
        e = obj.evaluate(px[idx] + t_new * d[0], px1[idx] + t_new * d[1], guess=(m1[idx], m2[idx]))
        fn = e.grad_x * d[0] + e.grad_x1 * d[1] + h[idx] * bd
        vn = e.value + fam.shift(h[idx], px[idx] + t_new * d[0], px1[idx] + t_new * d[1])
        moved = t_new - tau[idx]
        # Near the maximum F_h changes below its rounding: a short step that
        # halves the slope counts as progress too.
        good = (vn >= val[idx] - _FLAT * (1.0 + np.abs(val[idx]))) | (
            (np.abs(fn) <= 0.5 * np.abs(f[idx]))
            & (np.abs(moved) <= _SHORT * (1.0 + np.abs(tau[idx])))
        )
        # Accepted: secant curvature, new point.  Rejected: halve the step.
        ia = idx[good]
        with np.errstate(invalid="ignore", divide="ignore"):
            sec = (fn[good] - f[ia]) / moved[good]
        curv[ia] = np.where(np.isfinite(sec) & (sec < 0), sec, curv[ia])
        small = np.abs(moved[good]) <= _LINE_RTOL * (1.0 + np.abs(t_new[good]))
        tau[ia], f[ia], val[ia] = t_new[good], fn[good], vn[good]
        m1[ia], m2[ia] = e.m1[good], e.m2[good]
        fresh[ia] = True
        interior = (t_new[good] > lo[ia]) & (t_new[good] < hi[ia])
        fin = ia[small]
        ok[fin] = (curv[fin] < 0) & interior[small]
        done[fin] = True
        ir = idx[~good]
        step[ir] *= 0.5
        fresh[ir] = False
        tiny = np.abs(step[ir]) <= _LINE_RTOL * (1.0 + np.abs(tau[ir]))
        # Halved to nothing at a point that does not rise: a maximum (or a kink).
        ok[ir[tiny]] = (
            (curv[ir[tiny]] < 0) & (tau[ir[tiny]] > lo[ir[tiny]]) & (tau[ir[tiny]] < hi[ir[tiny]])
        )
        done[ir[tiny]] = True
    # Stopped at an end of the segment that F_h rises to: no interior maximum
    # near the seed (the end itself is a candidate of its own).
    at_end = ~ok & done & (((tau <= lo) & (f < 0)) | ((tau >= hi) & (f > 0)))
    return tau, val, ok | at_end, ok
