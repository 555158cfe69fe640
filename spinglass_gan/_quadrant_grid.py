"""The grid of quadrant suprema, with every face and corner line solved in batches (private).

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

from ._maximize import _clip_to_domain, _illinois, _march, line_maxima
from .complexity import ComplexitySolver, _line_of, polygon_edges

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
        from .quadrant import _candidates

        fx, fx1, fv = _candidates(ComplexitySolver(obj))
        lvl = np.repeat(np.arange(hs.size), fx.size)
        xs, x1s = np.tile(fx, hs.size), np.tile(fx1, hs.size)
        return lvl, xs, x1s, np.tile(fv, hs.size) + fam.shift(hs[lvl], xs, x1s)
    out.append(_gamma_maxima(fam, hs, nb))
    # Index lines and their ends (as quadrant._candidates).
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
        from .quadrant import _candidates

        fam.solver.fallbacks["face"] += bad.size
        for i in bad:
            fx, fx1, fv = _candidates(fam.solver.face(fam.n, float(hs[i])))
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
    from ._maximize import interior_maxima

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


# -- corners ---------------------------------------------------------------------


def corner_candidates(fam: Family, w: NDArray, cut: NDArray, hs: NDArray):
    """The best local maximum or end of F_{hs[k]} on each line w . z = cut[k].

    Returns (value, x, x1) per line; -inf / NaN where the line holds none."""
    obj = fam.obj
    n = cut.size
    best = np.full(n, -np.inf)
    bx, bx1 = np.full(n, np.nan), np.full(n, np.nan)
    if n == 0:
        return best, bx, bx1
    d = _line_of(w[0], w[1], 0.0)[1]
    ww = float(w @ w)
    bd = float(fam.beta @ d)
    px, px1 = cut * w[0] / ww, cut * w[1] / ww
    ones = np.ones(n)
    lo, hi = _clip_to_domain(obj, px, px1, d[0] * ones, d[1] * ones, -np.inf * ones, np.inf * ones)
    # The sheet: scanned lines at most h0 apart across, covering every cut.
    cmin, cmax = float(cut.min()), float(cut.max())
    nw = np.sqrt(ww)
    cs = _transverse(obj, w / nw, cmin / nw, cmax / nw) * nw
    cs[0], cs[-1] = cmin, cmax
    m = cs.size
    ones_m = np.ones(m)
    sx0, sx10 = cs * w[0] / ww, cs * w[1] / ww
    bound = obj.slope_bound(d[0], d[1])
    targets = (np.min(-hs * bd) - bound, np.max(-hs * bd) + bound)
    sline, staus, sev, sstarts, (slo, shi) = _scan(
        obj, sx0, sx10, d[0] * ones_m, d[1] * ones_m, -np.inf * ones_m, np.inf * ones_m, targets
    )
    sb = sev.grad_x * d[0] + sev.grad_x1 * d[1]
    # Brackets on every sheet line for every distinct level.
    levels, lvl_of = np.unique(hs, return_inverse=True)
    k, li = _brackets(sb, sstarts, levels, bd)
    f0, f1 = sb[k] + levels[li] * bd, sb[k + 1] + levels[li] * bd
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip(np.nan_to_num(f0 / (f0 - f1), nan=0.5), 0.0, 1.0)
    seed_tau = staus[k] + frac * (staus[k + 1] - staus[k])
    seed_m1 = sev.m1[k] + frac * (sev.m1[k + 1] - sev.m1[k])
    seed_m2 = sev.m2[k] + frac * (sev.m2[k + 1] - sev.m2[k])
    seed_curv = (sb[k + 1] - sb[k]) / (staus[k + 1] - staus[k])
    seed_line = sline[k]
    # Ends of sheet lines cut by the index domain that F_h rises to: a maximum of a
    # cell's line between two sheet lines can sit next to such an end.
    first = np.flatnonzero(sstarts)
    last = np.r_[first[1:] - 1, staus.size - 1] if first.size else first
    extra = []
    for idx, bound_, sign in ((first, slo, -1.0), (last, shi, 1.0)):
        at = idx[np.isfinite(staus[idx]) & (staus[idx] == bound_[sline[idx]])]
        ke, le = np.nonzero(sign * (sb[at][:, None] + levels[None, :] * bd) > 0)
        ke = at[ke]
        extra.append((ke, le))
    for ke, le in extra:
        seed_tau = np.concatenate([seed_tau, staus[ke]])
        seed_m1 = np.concatenate([seed_m1, sev.m1[ke]])
        seed_m2 = np.concatenate([seed_m2, sev.m2[ke]])
        seed_curv = np.concatenate([seed_curv, np.full(ke.size, np.nan)])
        seed_line = np.concatenate([seed_line, sline[ke]])
        li = np.concatenate([li, le])
    # Seeds per (sheet line, level) key, sorted.
    key = seed_line * levels.size + li
    order = np.argsort(key, kind="stable")
    key, seed_tau, seed_m1, seed_m2, seed_curv = (
        a[order] for a in (key, seed_tau, seed_m1, seed_m2, seed_curv)
    )
    # Each cell's two sheet lines.
    if m > 1:
        ml = np.clip(np.searchsorted(cs, cut, side="right") - 1, 0, m - 2)
        fr = (cut - cs[ml]) / (cs[ml + 1] - cs[ml])
    else:
        ml, fr = np.zeros(n, dtype=np.int64), np.zeros(n)
    ka = ml * levels.size + lvl_of
    kb = np.where(m > 1, (ml + 1) * levels.size + lvl_of, -1)
    a0, a1 = np.searchsorted(key, ka, "left"), np.searchsorted(key, ka, "right")
    b0, b1 = np.searchsorted(key, kb, "left"), np.searchsorted(key, kb, "right")
    na, nb_ = a1 - a0, b1 - b0
    cells, taus, g1s, g2s, curvs = [], [], [], [], []
    width = int(max(na.max(initial=0), nb_.max(initial=0)))
    if width:
        ia = a0[:, None] + np.arange(width)[None, :]
        ib = b0[:, None] + np.arange(width)[None, :]
        va = np.arange(width)[None, :] < na[:, None]
        vb = np.arange(width)[None, :] < nb_[:, None]
        top = max(key.size - 1, 0)
        ia, ib = np.minimum(ia, top), np.minimum(ib, top)
        ta, tb = np.where(va, seed_tau[ia], np.nan), np.where(vb, seed_tau[ib], np.nan)
        # Mutual nearest pairs move with the cell's fraction; the rest seed alone.
        with np.errstate(invalid="ignore"):
            dist = np.abs(ta[:, :, None] - tb[:, None, :])
        dist = np.where(np.isnan(dist), np.inf, dist)
        near_b = np.argmin(dist, axis=2)  # for each a
        near_a = np.argmin(dist, axis=1)  # for each b
        has = np.isfinite(np.min(dist, axis=2))
        rows = np.arange(n)[:, None]
        mutual_a = va & has & (near_a[rows, near_b] == np.arange(width)[None, :])
        paired_b = np.zeros_like(vb)
        ci, sa = np.nonzero(mutual_a)
        paired_b[ci, near_b[ci, sa]] = True
        sb_ = near_b[ci, sa]
        f = fr[ci]
        iA, iB = ia[ci, sa], ib[ci, sb_]
        cells.append(ci)
        taus.append(seed_tau[iA] + f * (seed_tau[iB] - seed_tau[iA]))
        g1s.append(seed_m1[iA] + f * (seed_m1[iB] - seed_m1[iA]))
        g2s.append(seed_m2[iA] + f * (seed_m2[iB] - seed_m2[iA]))
        curvs.append(seed_curv[iA] + f * (seed_curv[iB] - seed_curv[iA]))
        for valid, idx in ((va & ~mutual_a, ia), (vb & ~paired_b, ib)):
            ci, sl = np.nonzero(valid)
            cells.append(ci)
            taus.append(seed_tau[idx[ci, sl]])
            g1s.append(seed_m1[idx[ci, sl]])
            g2s.append(seed_m2[idx[ci, sl]])
            curvs.append(seed_curv[idx[ci, sl]])
    if cells:
        cell = np.concatenate(cells)
        tau0 = np.concatenate(taus)
        tau, val, settled, ok = _newton_lines(
            fam,
            px[cell],
            px1[cell],
            d,
            hs[cell],
            lo[cell],
            hi[cell],
            tau0,
            np.concatenate(g1s),
            np.concatenate(g2s),
            np.concatenate(curvs),
        )
        _keep(
            best,
            bx,
            bx1,
            cell[ok],
            val[ok],
            px[cell[ok]] + tau[ok] * d[0],
            px1[cell[ok]] + tau[ok] * d[1],
        )
        bad = np.unique(cell[~settled])
        if bad.size:
            fam.solver.fallbacks["corner"] += bad.size
            for level in np.unique(hs[bad]):
                sel = bad[hs[bad] == level]
                face = fam.solver.face(fam.n, float(level)).obj
                one = np.ones(sel.size)
                found = line_maxima(
                    face, px[sel], px1[sel], d[0] * one, d[1] * one, lo[sel], hi[sel]
                )
                c = sel[found.line]
                _keep(
                    best,
                    bx,
                    bx1,
                    c,
                    found.value,
                    px[c] + found.tau * d[0],
                    px1[c] + found.tau * d[1],
                )
    # Ends of each cell's segment in the index domain.
    for end in (lo, hi):
        fin = np.flatnonzero(np.isfinite(end) & (lo <= hi))
        if fin.size == 0:
            continue
        ex, ex1 = px[fin] + end[fin] * d[0], px1[fin] + end[fin] * d[1]
        order = np.lexsort((ex1, ex))
        starts = np.zeros(fin.size, dtype=bool)
        starts[0] = True
        ev = obj.evaluate(ex[order], ex1[order], starts=starts, ts=np.arange(fin.size, dtype=float))
        v = np.empty(fin.size)
        v[order] = ev.value
        c = fin
        _keep(best, bx, bx1, c, v + fam.shift(hs[c], ex, ex1), ex, ex1)
    return best, bx, bx1


def _brackets(sb, starts, levels, bd):
    """Pairs (k, i): the slope sb + levels[i] bd of one scanned line turns from > 0 at
    sample k to <= 0 at sample k + 1 (levels sorted).  For each k those levels form
    an interval, found by bisection, so no samples x levels table is built."""
    k = np.flatnonzero(~starts[1:])
    a, b = sb[k], sb[k + 1]
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
