"""The grid of quadrant suprema, with every face and corner line solved in batches (private).

This module holds the families of faces, the line scans and the 2-d Newton ascent;
``_quadrant_faces`` finds the faces' candidates and the free maxima from them,
``_quadrant_corners`` the corner lines' candidates.

Notation (``quadrant.QuadrantSolver``).  On a face n . z3 = h, with t eliminated,
the exponent is

    F_h(z) = base(z) + h beta . z - kq h^2 / 2,        z = (x, x1),

where base = F_0 (the published-kind problem of the face at h = 0) and beta, kq
depend on n only.  All faces of one family (rows: n = g_row, columns: n = d_row)
therefore share one function ``base``, and the levels h enter linearly:

* Face maxima.  A critical point of F_h has grad base = -h beta.  On the parallel
  lines beta . z = s the local maxima of base trace curves Gamma (grad base is
  parallel to beta there); at a point of Gamma, grad base = -lambda beta with
  lambda = -(grad base . beta) / |beta|^2, so the face at level h has a critical
  point exactly where lambda = h, and it is a local maximum (negative definite
  Hessian) where lambda increases with s along Gamma (d lambda / ds = -det / base_rr,
  r along the lines).  One batched line scan samples Gamma for every level; each
  crossing lambda = h between maxima on consecutive lines seeds a 2-d Newton
  ascent on F_h, vectorised over all levels and seeds.  Maxima on the index
  constraints' lines are the same problem in 1-d (one scan, brackets for every
  level, one vectorised Illinois refinement); their ends do not depend on h.
* Corners.  The cell (i, j) has the line w . z = c_ij on the row face h_i, and the
  slope of F_h along it is base' + h beta . d: one scan of a line answers every
  level.  The lines of all cells are bracketed from a sheet of scanned parallel
  lines, placed across by the line scans' own step rule (``_transverse``): the
  brackets for level h_i on the two sheet lines around c_ij give seeds, moved
  onto the cell's line, polished by a vectorised Newton iteration (a
  finite-difference curvature, then secant updates, value never decreasing).
* Free maxima lie on the rows' Gamma where lambda = ell . z (``free_maxima``).
* Where the index domain cuts a scanned line and the function rises to the cut,
  the cut point continues Gamma (and the sheet's brackets) along the boundary.
  Corners are solved only in cells where they can win: a corner line lies in
  both faces, so its value is at most min(sup of the row face, sup of the column
  face), and cells whose best candidate already reaches that are skipped.

Every value offered is the exponent evaluated at a feasible point, so the result
never exceeds the supremum.  A seed whose iteration neither converges to a strict
local maximum (a step below 1e-11 relative, or one that would gain less than
rounding) nor runs into a segment end that the function rises to falls back to
the reference computation of its face or line (counted in the solver's ``fallbacks``).
docs/theory.md, "How the supremum is computed", states what is guaranteed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._maximize import _clip_to_domain, _illinois, _march

_NEWTON_ITER = 60
_STEP_RTOL = 1e-11  # the 2-d Newton ascent's convergence (as interior_maxima)
_LINE_RTOL = 1e-11  # the 1-d Newton iteration's convergence, relative in tau
_FD = 1e-6  # relative finite-difference step for curvatures
_GAMMA_RTOL = 1e-7  # Gamma points, relative in tau (they only seed Newton)
_FLAT = 1e-14  # relative change of a value treated as rounding
_SHORT = 1e-6  # relative step below which halving the slope counts as progress
_GAIN = 1e-13  # relative gain of a Newton step below which it has converged


class Family:
    """The faces n . z3 = h of a QuadrantSolver, for every level h."""

    def __init__(self, solver, n: NDArray) -> None:
        self.n = np.asarray(n, dtype=float)
        self.solver = solver
        f0, f1 = solver.face(self.n, 0.0).obj, solver.face(self.n, 1.0).obj
        self.obj = f0  # base: F_0
        self.beta = f1.gaussian.lin - f0.gaussian.lin
        self.kq = 2.0 * (f0.gaussian.log_constant - f1.gaussian.log_constant)
        self._gamma, self._s = None, None

    def gamma(self, lo: float, hi: float):
        """Gamma's points on the lines beta . z = s |beta| covering lo <= s <= hi
        (:func:`_transverse` positions): (line, x, x1, lambda, m1, m2, is_end), sorted
        by line, lines numbered in order; is_end marks a line's cut end that base
        rises to (not a maximum of the line).  Lines are scanned once per family and
        kept (each line's result does not depend on the others)."""
        e = self.beta / float(np.hypot(*self.beta))
        new = []
        if self._s is None:
            new.append(_transverse(self.obj, e, lo, hi))
        else:
            if lo < self._s[0]:
                new.append(_transverse(self.obj, e, lo, self._s[0])[:-1])
            if hi > self._s[-1]:
                new.append(_transverse(self.obj, e, self._s[-1], hi)[1:])
        for ss in new:
            found = self._scan_gamma(ss)
            if self._s is None:
                self._s, self._gamma = ss, found
            else:
                self._s = np.sort(np.concatenate([self._s, ss]))
                self._gamma = tuple(np.concatenate([u, v]) for u, v in zip(self._gamma, found))
        line = np.searchsorted(self._s, self._gamma[0])
        order = np.argsort(line, kind="stable")
        line, rest = line[order], [u[order] for u in self._gamma[1:]]
        i_lo = max(int(np.searchsorted(self._s, lo, "right")) - 1, 0)
        i_hi = int(np.searchsorted(self._s, hi, "left"))
        sel = slice(np.searchsorted(line, i_lo, "left"), np.searchsorted(line, i_hi, "right"))
        return (line[sel], *(u[sel] for u in rest))

    def _scan_gamma(self, s):
        obj, beta = self.obj, self.beta
        nb = float(np.hypot(*beta))
        e = beta / nb
        r = np.array([-e[1], e[0]])
        x0, x10 = s * e[0], s * e[1]
        dx, dx1 = np.full(s.size, r[0]), np.full(s.size, r[1])
        # Gamma's points only seed Newton: a coarse refinement suffices.
        line, tau, _, m1, m2, end = _line_maxima_ev(obj, x0, x10, dx, dx1, _GAMMA_RTOL)
        gx, gx1 = x0[line] + tau * r[0], x10[line] + tau * r[1]
        if line.size:
            ev = obj.evaluate(gx, gx1, guess=(m1, m2))
            lam = -(ev.grad_x * beta[0] + ev.grad_x1 * beta[1]) / (nb * nb)
            m1, m2 = ev.m1, ev.m2
        else:
            lam = np.empty(0)
        return s[line], gx, gx1, lam, m1, m2, end

    def shift(self, h, x, x1):
        """F_h - base at (x, x1): h beta . z - kq h^2 / 2."""
        return h * (self.beta[0] * x + self.beta[1] * x1) - 0.5 * self.kq * h * h


def _transverse(obj, e, lo: float, hi: float) -> NDArray:
    """Positions s in [lo, hi] of the parallel lines e . z = s (e a unit vector):
    the line scans' steps (``_maximize._march``: a fraction of the block radius next
    to each block's part of the spectrum, growing with the distance from it) along
    the axis s e through the origin, as ``interior_maxima`` places its columns."""
    one = lambda v: np.array([float(v)])  # noqa: E731
    if not hi > lo:
        return one(lo)
    taus, _ = _march(one(lo), one(hi), one(0.0), one(0.0), one(e[0]), one(e[1]), obj.zones)
    return taus


def _empty(k: int = 4):
    return tuple(np.empty(0, dtype=np.int64 if i == 0 else float) for i in range(k))


def _concave_slope(obj, x, x1, dx, dx1):
    """``obj.concave_slope`` without the rates themselves (only their slopes)."""
    gx, gx1 = obj.gaussian.grad(x, x1)
    for k, w, E, u, on_x1 in (
        (obj.k_G, obj.w_G, obj.E_G, x, False),
        (obj.k_D, obj.w_D, obj.E_D, x + x1, True),
    ):
        if k:
            au = np.abs(u)
            slope = (
                k * w * np.sign(u) * (2.0 / E) * np.sqrt(np.maximum((au - E) * (au + E), 0.0)) / E
            )
            gx = gx - slope
            if on_x1:
                gx1 = gx1 - slope
    return gx * dx + gx1 * dx1


def _outer_crossing(obj, x0, x10, dx, dx1, lo, hi, target, side):
    """A point on the outer side (side=-1: left, +1: right) of where the
    non-increasing concave slope crosses ``target``, within [lo, hi] and within
    1/1024 of the bracket found by doubling steps (an interval end for scans: only
    its being on the outer side matters)."""
    slope = lambda t: _concave_slope(obj, x0 + t * dx, x10 + t * dx1, dx, dx1)  # noqa: E731
    anchor = np.clip(obj.gaussian.crossing(x0, x10, dx, dx1, target), lo, hi)
    step = np.full(lo.shape, obj.h0) / np.hypot(dx, dx1)
    a, b = anchor.copy(), anchor.copy()
    for _ in range(200):  # expand until slope(a) >= target >= slope(b)
        need_a = (slope(a) < target) & (a > lo)
        need_b = (slope(b) > target) & (b < hi)
        if not (need_a.any() or need_b.any()):
            break
        a = np.where(need_a, np.maximum(a - step, lo), a)
        b = np.where(need_b, np.minimum(b + step, hi), b)
        step *= 2.0
    fin = np.isfinite(a) & np.isfinite(b)
    for _ in range(10):
        mid = np.where(fin, 0.5 * (a + b), a)
        up = slope(mid) >= target
        a, b = np.where(up & fin, mid, a), np.where(~up & fin, mid, b)
    return a if side < 0 else b


def _scan(obj, x0, x10, dx, dx1, lo, hi, targets):
    """Samples of the lines on the stretch where the concave part's slope lies in
    [targets[0], targets[1]] (per line), within [lo, hi]: (line, tau, evaluation, starts)."""
    lo, hi = _clip_to_domain(obj, x0, x10, dx, dx1, lo, hi)
    a = np.maximum(lo, _outer_crossing(obj, x0, x10, dx, dx1, lo, hi, targets[1], -1))
    b = np.minimum(hi, _outer_crossing(obj, x0, x10, dx, dx1, lo, hi, targets[0], 1))
    taus, offsets = _march(a, b, x0, x10, dx, dx1, obj.zones)
    line = np.repeat(np.arange(x0.size), np.diff(offsets))
    starts = np.zeros(taus.size, dtype=bool)
    starts[offsets[:-1][np.diff(offsets) > 0]] = True
    ev = obj.evaluate(
        x0[line] + taus * dx[line], x10[line] + taus * dx1[line], starts=starts, ts=taus
    )
    return line, taus, ev, starts, (lo, hi)


def _line_maxima_ev(obj, x0, x10, dx, dx1, rtol):
    """``line_maxima`` on whole lines, to ``rtol`` in tau, also returning (m1, m2)
    at each point, and also the ends where the index domain cuts a line and the line
    rises towards them (the line's maximum sits there).  Returns
    (line, tau, value, m1, m2, is_end), sorted by line and tau."""
    bound = obj.slope_bound(dx, dx1)
    inf = np.full(x0.size, np.inf)
    line, taus, ev, starts, (lo, hi) = _scan(obj, x0, x10, dx, dx1, -inf, inf, (-bound, bound))
    slope = ev.grad_x * dx[line] + ev.grad_x1 * dx1[line]
    k = np.flatnonzero((slope[:-1] > 0) & (slope[1:] <= 0) & ~starts[1:])
    ln = line[k]

    def evalf(idx, t, guess):
        li = ln[idx]
        e = obj.evaluate(
            x0[li] + t * dx[li], x10[li] + t * dx1[li], guess=guess, ts=np.zeros(idx.size)
        )
        return e.grad_x * dx[li] + e.grad_x1 * dx1[li], e.value, e.m1, e.m2

    k1 = k + 1
    tau, value, m1, m2 = _illinois(
        evalf,
        (taus[k], slope[k], ev.m1[k], ev.m2[k], ev.value[k]),
        (taus[k1], slope[k1], ev.m1[k1], ev.m2[k1], ev.value[k1]),
        rtol,
    )
    first = np.flatnonzero(starts)
    last = np.r_[first[1:] - 1, taus.size - 1] if first.size else first
    at_lo = first[(taus[first] == lo[line[first]]) & np.isfinite(taus[first]) & (slope[first] < 0)]
    at_hi = last[(taus[last] == hi[line[last]]) & np.isfinite(taus[last]) & (slope[last] > 0)]
    ends = np.concatenate([at_lo, at_hi])
    parts = [
        (ln, tau, value, m1, m2, np.zeros(ln.size, dtype=bool)),
        (
            line[ends],
            taus[ends],
            ev.value[ends],
            ev.m1[ends],
            ev.m2[ends],
            np.ones(ends.size, dtype=bool),
        ),
    ]
    out = tuple(np.concatenate(p) for p in zip(*parts))
    order = np.lexsort((out[1], out[0]))
    return tuple(u[order] for u in out)


# -- faces -----------------------------------------------------------------------


def _projected_range(obj, e) -> tuple[float, float]:
    """Range of e . z (e a unit vector) over the critical points of ``obj``
    (``QuadraticGaussian.x_range``, projected on e instead of the x axis)."""
    gauss = obj.gaussian
    half = (obj.max_grad_x + obj.max_grad_x1) / gauss.curvature_min
    half = half * (1.0 + 1e-9) + obj.radius
    pts = [gauss.centre]
    planes = obj.halfplanes
    for nx, nx1, h in planes:
        w = np.linalg.solve(gauss.prec, [nx, nx1])
        along = nx * w[0] + nx1 * w[1]
        room = h - (nx * gauss.centre[0] + nx1 * gauss.centre[1])
        if along > 0.0 and room > 0.0:
            pts.append(gauss.centre + room / along * w)
    if len(planes) == 2:
        pts.append(np.linalg.solve(planes[:, :2], planes[:, 2]))
    proj = [float(e @ p) for p in pts]
    return min(proj) - half, max(proj) + half


def _newton_2d(fam, h, x, x1, g1, g2):
    """Vectorised Newton ascent on F_h from each seed (as ``_maximize._newton_2d``:
    central-difference Hessian of the exact gradient, gradient steps of length h0
    where it is not negative definite, backtracking that keeps F_h non-decreasing
    and the iterate in the domain).  Returns (x, x1, converged)."""
    obj, (bx, bx1) = fam.obj, fam.beta
    x, x1, g1, g2 = (np.array(v) for v in (x, x1, g1, g2))
    n = x.size
    done = np.zeros(n, dtype=bool)
    ok = np.zeros(n, dtype=bool)
    for _ in range(_NEWTON_ITER):
        idx = np.flatnonzero(~done)
        if idx.size == 0:
            break
        k = idx.size
        cx, cx1, hh = x[idx], x1[idx], h[idx]
        # Central differences of the exact gradient, steps as interior_maxima's.
        ex = 1e-5 * (obj.h0 * 24.0 + np.abs(cx))
        ex1 = 1e-5 * (obj.h0 * 24.0 + np.abs(cx1))
        guess = (np.tile(g1[idx], 5), np.tile(g2[idx], 5))
        ev = obj.evaluate(
            np.concatenate([cx, cx + ex, cx - ex, cx, cx]),
            np.concatenate([cx1, cx1, cx1, cx1 + ex1, cx1 - ex1]),
            guess=guess,
        )
        gx, gx1 = ev.grad_x[:k] + hh * bx, ev.grad_x1[:k] + hh * bx1
        part = lambda g, j, k=k: g[j * k : (j + 1) * k]  # noqa: E731
        hxx = (part(ev.grad_x, 1) - part(ev.grad_x, 2)) / (2 * ex)
        hyx = (part(ev.grad_x1, 1) - part(ev.grad_x1, 2)) / (2 * ex)
        hxy = (part(ev.grad_x, 3) - part(ev.grad_x, 4)) / (2 * ex1)
        hyy = (part(ev.grad_x1, 3) - part(ev.grad_x1, 4)) / (2 * ex1)
        c = 0.5 * (hxy + hyx)
        det = hxx * hyy - c * c
        negdef = (hxx < 0) & (det > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sx = np.where(negdef, -(hyy * gx - c * gx1) / det, 0.0)
            sx1 = np.where(negdef, -(hxx * gx1 - c * gx) / det, 0.0)
            norm = np.hypot(gx, gx1) + 1e-300
        sx = np.where(negdef, sx, gx * obj.h0 / norm)
        sx1 = np.where(negdef, sx1, gx1 * obj.h0 / norm)
        base = ev.value[:k] + fam.shift(hh, cx, cx1)
        m1, m2 = ev.m1[:k], ev.m2[:k]
        accepted = np.zeros(k, dtype=bool)
        # Converged where the Newton step would gain less than rounding (along a
        # nearly flat direction the position is fixed only to that).
        flat = negdef & (0.5 * (gx * sx + gx1 * sx1) <= _GAIN * (1.0 + np.abs(base)))
        sx[flat], sx1[flat], accepted[flat] = 0.0, 0.0, True
        tx, tx1 = cx + sx, cx1 + sx1
        for _ in range(40):
            todo = np.flatnonzero(~accepted)
            if todo.size == 0:
                break
            tx[todo], tx1[todo] = cx[todo] + sx[todo], cx1[todo] + sx1[todo]
            inside = obj.in_domain(tx[todo], tx1[todo])
            val = np.full(todo.size, -np.inf)
            gnorm = np.full(todo.size, np.inf)
            if inside.any():
                sel = todo[inside]
                e = obj.evaluate(tx[sel], tx1[sel], guess=(m1[sel], m2[sel]))
                val[inside] = e.value + fam.shift(hh[sel], tx[sel], tx1[sel])
                gnorm[inside] = np.hypot(e.grad_x + hh[sel] * bx, e.grad_x1 + hh[sel] * bx1)
                g1[idx[sel]], g2[idx[sel]] = e.m1, e.m2
            # Within rounding of the current value counts as no decrease (near a
            # flat maximum F_h cannot rank points closer than that), and so does a
            # short step that halves the gradient.
            short = (np.abs(sx[todo]) <= _SHORT * (1.0 + np.abs(cx[todo]))) & (
                np.abs(sx1[todo]) <= _SHORT * (1.0 + np.abs(cx1[todo]))
            )
            good = (val >= base[todo] - _FLAT * (1.0 + np.abs(base[todo]))) | (
                short & (gnorm <= 0.5 * np.hypot(gx[todo], gx1[todo]))
            )
            accepted[todo[good]] = True
            bad = todo[~good]
            sx[bad] *= 0.5
            sx1[bad] *= 0.5
        failed = ~accepted
        x[idx], x1[idx] = np.where(accepted, tx, cx), np.where(accepted, tx1, cx1)
        small = (np.abs(sx) <= _STEP_RTOL * (1.0 + np.abs(tx))) & (
            np.abs(sx1) <= _STEP_RTOL * (1.0 + np.abs(tx1))
        )
        fin = accepted & small
        ok[idx[fin]] = negdef[fin]
        done[idx[fin | failed]] = True
    return x, x1, ok


def _segment_levels(fam, p0, d, lo, hi, hs):
    """Local maxima of F_h on the segment p0 + tau d, lo < tau < hi, for every level
    h in hs: (level index, x, x1, value)."""
    obj = fam.obj
    one = lambda v: np.array([float(v)])  # noqa: E731
    bd = float(fam.beta @ d)
    bound = obj.slope_bound(d[0], d[1])
    targets = (np.min(-hs * bd) - bound, np.max(-hs * bd) + bound)
    args = (one(p0[0]), one(p0[1]), one(d[0]), one(d[1]))
    _, taus, ev, _, _ = _scan(obj, *args, one(lo), one(hi), targets)
    if taus.size < 2:
        return _empty()
    sb = ev.grad_x * d[0] + ev.grad_x1 * d[1]
    s = sb[None, :] + hs[:, None] * bd
    lvl, k = np.nonzero((s[:, :-1] > 0) & (s[:, 1:] <= 0))
    if k.size == 0:
        return _empty()

    def evalf(idx, t, guess):
        e = obj.evaluate(p0[0] + t * d[0], p0[1] + t * d[1], guess=guess, ts=np.zeros(idx.size))
        h = hs[lvl[idx]]
        f = e.grad_x * d[0] + e.grad_x1 * d[1] + h * bd
        return f, e.value + fam.shift(h, p0[0] + t * d[0], p0[1] + t * d[1]), e.m1, e.m2

    h = hs[lvl]
    k1 = k + 1
    vk = ev.value + 0.0
    pts = lambda kk: (p0[0] + taus[kk] * d[0], p0[1] + taus[kk] * d[1])  # noqa: E731
    tau, value, _, _ = _illinois(
        evalf,
        (taus[k], s[lvl, k], ev.m1[k], ev.m2[k], vk[k] + fam.shift(h, *pts(k))),
        (taus[k1], s[lvl, k1], ev.m1[k1], ev.m2[k1], vk[k1] + fam.shift(h, *pts(k1))),
    )
    return lvl, p0[0] + tau * d[0], p0[1] + tau * d[1], value
