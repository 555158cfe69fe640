"""Local maxima of the complexity exponent along lines and in the plane (private).

Everything here works on an :class:`~spinglass_gan.complexity.exponent.Exponent` ``obj``
and on batches of lines  v(tau) = (x0, x10) + tau (dx, dx1),  tau in [lo, hi].

Along a line Psi = g + L with g concave (Gaussian terms minus convex rates) and
|dL/dtau| <= obj.slope_bound.  Since g' decreases, every critical point lies in
the interval where |g'| <= slope_bound, which is found by bisection; outside it
Psi is monotone.  That interval is scanned with a spacing fine near each block's
part of the spectrum (a fraction of the block radius) and growing in proportion
to the distance from it (where L is analytic and varies on that distance), sign changes
of the directional derivative bracket the local maxima, and each bracket is
refined by the Illinois method.  docs/theory.md, "The complexity exponent and its exact
supremum", has the reasoning.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

_GROWTH = 1.0 / 8.0  # scan spacing / distance from the support, far from it
_MAX_POINTS = 100_000  # per line; scans need hundreds (steps grow geometrically)
_REFINE_ITER = 60
_TAU_RTOL = 1e-13


class LineMaxima(NamedTuple):
    """Interior local maxima found on a batch of lines (flat arrays)."""

    line: NDArray[np.int64]
    tau: NDArray[np.float64]
    value: NDArray[np.float64]


@njit(cache=True)
def _step(x, x1, dx, dx1, zones):
    """Scan step in tau at (x, x1) along (dx, dx1).

    Zone j is a block's part of the spectrum, centred at c_j(x1) = c0 + c1 x1;
    L varies there on the scale h_j (a fraction of the block radius) and, away
    from it, on the distance to it.  The step keeps the motion relative to every
    zone, |dx - c1 dx1| per unit tau, within that scale.
    """
    step = np.inf
    for j in range(zones.shape[0]):
        speed = abs(dx - zones[j, 1] * dx1)
        if speed > 0.0:
            dist = max(abs(x - zones[j, 0] - zones[j, 1] * x1) - zones[j, 2], 0.0)
            step = min(step, (zones[j, 3] + _GROWTH * dist) / speed)
    return step


@njit(cache=True)
def _march(lo, hi, x0, x10, dx, dx1, zones):
    """Scan parameters on [lo, hi] for each line, with steps ``_step``.

    ``zones`` rows (centre at x1 = 0, centre per unit x1, half-width, step):
    the generator block sits near x = 0 and the discriminator block near -x1.
    Returns flat tau and the start offset of every line.
    """
    n = lo.shape[0]
    counts = np.zeros(n + 1, dtype=np.int64)
    for sweep in range(2):
        if sweep == 1:
            for i in range(n):
                counts[i + 1] += counts[i]
            taus = np.empty(counts[n])
        for i in range(n):
            if not lo[i] <= hi[i]:
                continue
            t = lo[i]
            k = 0
            while True:
                if sweep == 1:
                    taus[counts[i] + k] = t
                k += 1
                if t >= hi[i]:
                    break
                if k >= _MAX_POINTS:
                    raise ArithmeticError("line scan exceeded its point budget")
                x, x1 = x0[i] + t * dx[i], x10[i] + t * dx1[i]
                t = min(t + _step(x, x1, dx[i], dx1[i], zones), hi[i])
            if sweep == 0:
                counts[i + 1] = k
    return taus, counts


def _clip_to_domain(obj, x0, x10, dx, dx1, lo, hi):
    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()
    for nx, nx1, h in obj.halfplanes:
        nd = nx * dx + nx1 * dx1
        room = h - (nx * x0 + nx1 * x10)
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = room / nd
        hi = np.where(nd > 0, np.minimum(hi, bound), hi)
        lo = np.where(nd < 0, np.maximum(lo, bound), lo)
        # A line on the boundary itself (room ~ 0) stays feasible.
        lo = np.where((nd == 0) & (room < -1e-12 * (1.0 + abs(h))), np.inf, lo)
    return lo, hi


def _level_crossing(obj, x0, x10, dx, dx1, lo, hi, target):
    """tau in [lo, hi] where the non-increasing g'(tau) crosses ``target``
    (lo if g'(lo) <= target, hi if g'(hi) >= target); infinite ends allowed."""
    slope = lambda t: obj.concave_slope(x0 + t * dx, x10 + t * dx1, dx, dx1)  # noqa: E731
    # Anchor: the crossing of the Gaussian part alone, which is linear in tau.
    anchor = np.clip(obj.gaussian.crossing(x0, x10, dx, dx1, target), lo, hi)
    step = np.full(lo.shape, obj.h0) / np.hypot(dx, dx1)
    a, b = anchor.copy(), anchor.copy()
    for _ in range(200):  # expand until g'(a) >= target >= g'(b)
        need_a = (slope(a) < target) & (a > lo)
        need_b = (slope(b) > target) & (b < hi)
        if not (need_a.any() or need_b.any()):
            break
        a = np.where(need_a, np.maximum(a - step, lo), a)
        b = np.where(need_b, np.minimum(b + step, hi), b)
        step *= 2.0
    for _ in range(200):
        mid = 0.5 * (a + b)
        up = slope(mid) > target
        a, b = np.where(up, mid, a), np.where(up, b, mid)
        if np.all(b - a <= 1e-12 * (1.0 + np.abs(a) + np.abs(b))):
            break
    return np.where(slope(a) <= target, a, b)


def stationary_interval(obj, x0, x10, dx, dx1, lo, hi):
    """[lo', hi'] within [lo, hi] outside which Psi is monotone along each line."""
    bound = obj.slope_bound(dx, dx1)
    ta = _level_crossing(obj, x0, x10, dx, dx1, lo, hi, bound)
    tb = _level_crossing(obj, x0, x10, dx, dx1, lo, hi, -bound)
    return np.maximum(lo, ta), np.minimum(hi, tb)


def line_maxima(obj, x0, x10, dx, dx1, lo, hi) -> LineMaxima:
    """All interior local maxima of Psi on each line, tau in (lo, hi).

    Arguments are 1-D arrays of equal length (one entry per line); ``lo`` and
    ``hi`` may be infinite and are first clipped to the domain of ``obj``.
    Endpoints are not reported: they are vertices, evaluated by the caller.
    """
    x0, x10, dx, dx1 = (np.asarray(v, dtype=float) for v in (x0, x10, dx, dx1))
    lo, hi = _clip_to_domain(obj, x0, x10, dx, dx1, np.asarray(lo), np.asarray(hi))
    a, b = stationary_interval(obj, x0, x10, dx, dx1, lo, hi)
    taus, offsets = _march(a, b, x0, x10, dx, dx1, obj.zones)
    line = np.repeat(np.arange(x0.size), np.diff(offsets))
    starts = np.zeros(taus.size, dtype=bool)
    starts[offsets[:-1][np.diff(offsets) > 0]] = True
    xs, x1s = x0[line] + taus * dx[line], x10[line] + taus * dx1[line]
    ev = obj.evaluate(xs, x1s, starts=starts, ts=taus)
    slope = ev.grad_x * dx[line] + ev.grad_x1 * dx1[line]
    # Brackets: consecutive points of one line where the slope turns from + to -.
    k = np.flatnonzero((slope[:-1] > 0) & (slope[1:] <= 0) & ~starts[1:])
    if k.size == 0:
        empty = np.empty(0)
        return LineMaxima(np.empty(0, dtype=np.int64), empty, empty)
    ln = line[k]
    tau, value = _refine(
        obj,
        (x0[ln], x10[ln], dx[ln], dx1[ln]),
        (taus[k], slope[k], ev.m1[k], ev.m2[k], ev.value[k]),
        (taus[k + 1], slope[k + 1], ev.m1[k + 1], ev.m2[k + 1], ev.value[k + 1]),
    )
    return LineMaxima(ln, tau, value)


def _refine(obj, lines, left, right):
    """Illinois iteration on the directional derivative inside each bracket."""
    x0, x10, dx, dx1 = lines

    def evalf(idx, t, guess):
        ev = obj.evaluate(
            x0[idx] + t * dx[idx], x10[idx] + t * dx1[idx], guess=guess, ts=np.zeros(idx.size)
        )
        return ev.grad_x * dx[idx] + ev.grad_x1 * dx1[idx], ev.value, ev.m1, ev.m2

    tau, value, _, _ = _illinois(evalf, left, right)
    return tau, value


def _illinois(evalf, left, right, rtol=_TAU_RTOL):
    """Illinois iteration on the slope in every bracket [left, right] to ``rtol`` in t.

    ``left`` and ``right`` are (t, slope, m1, m2, value) arrays with the slope positive
    on the left; ``evalf(idx, t, guess) -> (slope, value, m1, m2)`` evaluates the
    brackets ``idx`` at t, warm-started from ``guess`` (m1, m2 interpolated).
    Returns the best (t, value, m1, m2) evaluated in each bracket."""
    ta, fa, a1, a2, va = (np.array(v) for v in left)
    tb, fb, b1, b2, vb = (np.array(v) for v in right)
    pick = va >= vb
    best_t, best_v = np.where(pick, ta, tb), np.maximum(va, vb)
    best_1, best_2 = np.where(pick, a1, b1), np.where(pick, a2, b2)
    side = np.zeros(ta.size, dtype=int)
    for _ in range(_REFINE_ITER):
        open_ = (tb - ta) > rtol * (1.0 + np.abs(ta) + np.abs(tb))
        if not open_.any():
            break
        idx = np.flatnonzero(open_)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = ta[idx] - fa[idx] * (tb[idx] - ta[idx]) / (fb[idx] - fa[idx])
        mid = 0.5 * (ta[idx] + tb[idx])
        t = np.where((t > ta[idx]) & (t < tb[idx]), t, mid)
        w = (t - ta[idx]) / (tb[idx] - ta[idx])
        guess = (a1[idx] + w * (b1[idx] - a1[idx]), a2[idx] + w * (b2[idx] - a2[idx]))
        f, v, m1, m2 = evalf(idx, t, guess)
        better = v > best_v[idx]
        best_t[idx] = np.where(better, t, best_t[idx])
        best_v[idx] = np.where(better, v, best_v[idx])
        best_1[idx] = np.where(better, m1, best_1[idx])
        best_2[idx] = np.where(better, m2, best_2[idx])
        pos = f > 0
        # Illinois: halve the retained end's slope when the same end is kept twice.
        ia, ib = idx[pos], idx[~pos]
        fb[ia] = np.where(side[ia] == 1, 0.5 * fb[ia], fb[ia])
        fa[ib] = np.where(side[ib] == -1, 0.5 * fa[ib], fa[ib])
        ta[ia], fa[ia], a1[ia], a2[ia], side[ia] = t[pos], f[pos], m1[pos], m2[pos], 1
        tb[ib], fb[ib], b1[ib], b2[ib], side[ib] = t[~pos], f[~pos], m1[~pos], m2[~pos], -1
    return best_t, best_v, best_1, best_2


def _newton_2d(obj, x, x1):
    """Newton ascent to a strict local maximum of Psi from (x, x1), with a
    finite-difference Hessian of the exact gradient; None if it does not
    converge to one inside the domain."""
    v = np.array([x, x1], dtype=float)
    for _ in range(60):
        h = 1e-5 * (obj.h0 * 24.0 + np.abs(v))
        px = v[0] + np.array([0.0, h[0], -h[0], 0.0, 0.0])
        px1 = v[1] + np.array([0.0, 0.0, 0.0, h[1], -h[1]])
        ev = obj.evaluate(px, px1)
        gx, gx1 = ev.grad_x, ev.grad_x1
        g = np.array([gx[0], gx1[0]])
        hess = np.array(
            [
                [(gx[1] - gx[2]) / (2 * h[0]), (gx[3] - gx[4]) / (2 * h[1])],
                [(gx1[1] - gx1[2]) / (2 * h[0]), (gx1[3] - gx1[4]) / (2 * h[1])],
            ]
        )
        hess = 0.5 * (hess + hess.T)
        if np.all(np.linalg.eigvalsh(hess) < 0):
            step = -np.linalg.solve(hess, g)
        else:  # not yet in a concave neighbourhood: a gradient step of a safe size
            step = g * (obj.h0 / (np.linalg.norm(g) + 1e-300))
        base = ev.value[0]
        for _ in range(40):  # backtrack until Psi does not decrease
            trial = v + step
            inside = obj.in_domain(trial[0], trial[1])
            if inside and obj.evaluate(trial[:1], trial[1:]).value[0] >= base:
                break
            step *= 0.5
        else:
            return None
        v = trial
        if np.all(np.abs(step) <= 1e-11 * (1.0 + np.abs(v))):
            return (v[0], v[1]) if np.all(np.linalg.eigvalsh(hess) < 0) else None
    return None


def _column_max(obj, x, lo, hi):
    """(x1, Psi) at the best local maximum in x1 on the column x, x1 in (lo, hi);
    None if there is none."""
    one = np.ones(1)
    found = line_maxima(obj, x * one, 0 * one, 0 * one, one, lo * one, hi * one)
    if found.value.size == 0:
        return None
    k = int(np.argmax(found.value))
    return float(found.tau[k]), float(found.value[k])


def _profile_max(obj, a, b):
    """Maximum of the ridge profile f(x) = max over x1 of Psi between two
    column maxima a = (x, x1) and b with f'(a) > 0 >= f'(b) (sorted by x or not).

    f'(x) = dPsi/dx at the column maximum (envelope theorem), and both the
    column maxima and the root of f' are found by bracketing on exact
    derivatives, so a maximum where Psi is only once differentiable (on a
    spectral edge or the boundary of an index domain, where Newton's method on
    a finite-difference Hessian fails) is still located.  Returns (x, x1, value)
    of the best point evaluated, or None.
    """
    (xa, ta), (xb, tb) = a, b
    width = 4.0 * obj.h0 + abs(xb - xa) + abs(tb - ta)
    fa = obj.evaluate(np.array([xa]), np.array([ta])).grad_x[0]
    fb = obj.evaluate(np.array([xb]), np.array([tb])).grad_x[0]
    if not (fa > 0.0 >= fb):
        return None
    best = None
    side = 0
    for _ in range(_REFINE_ITER):
        if abs(xb - xa) <= _TAU_RTOL * (1.0 + abs(xa) + abs(xb)):
            break
        x = xa - fa * (xb - xa) / (fb - fa)
        if not (min(xa, xb) < x < max(xa, xb)):
            x = 0.5 * (xa + xb)
        w = (x - xa) / (xb - xa)
        centre = ta + w * (tb - ta)
        found = _column_max(obj, x, centre - width, centre + width)
        if found is None:
            break
        t, value = found
        if best is None or value > best[2]:
            best = (x, t, value)
        f = obj.evaluate(np.array([x]), np.array([t])).grad_x[0]
        if f > 0.0:  # Illinois, as in _refine
            fb = 0.5 * fb if side == 1 else fb
            xa, ta, fa, side = x, t, f, 1
        else:
            fa = 0.5 * fa if side == -1 else fa
            xb, tb, fb, side = x, t, f, -1
    return best


def _ridge_fallback(obj, xs, cols, j, t, v):
    """A maximum near the column peak (xs[j], t) where Newton's method failed.

    The ridge profile is maximised between this column and the neighbour on
    the side its x-slope points to (:func:`_profile_max`).  Failing that, the
    peak itself is returned: a feasible point whose value is a lower bound of
    the supremum, so a candidate is never dropped.
    """
    gx = obj.evaluate(np.array([xs[j]]), np.array([t])).grad_x[0]
    nb = j + 1 if gx > 0 else j - 1
    sel = np.flatnonzero(cols.line == nb)
    best = (xs[j], t, v)
    if gx != 0.0 and sel.size and 0 <= nb < xs.size:
        near = sel[np.argmin(np.abs(cols.tau[sel] - t))]
        pair = ((xs[j], t), (xs[nb], cols.tau[near]))
        found = _profile_max(obj, *(pair if gx > 0 else pair[::-1]))
        if found is not None and found[2] >= best[2]:
            best = found
    return best[0], best[1]


def interior_maxima(obj) -> tuple[NDArray, NDArray, NDArray]:
    """Every strict local maximum (x, x1, value) of Psi inside its domain.

    Critical points satisfy |x| <= (R + sqrt(R^2 + 4 s^2)) / 2 with R a bound on
    the spectrum (|dL/dx| <= 1 / distance to the support), so columns x = const
    are scanned over that range; along each column ``line_maxima`` finds every
    local maximum in x1.  Column maxima that beat their neighbours on the same
    ridge seed a two-dimensional Newton ascent; where it fails (a maximum on a
    spectral edge or a domain boundary, where Psi is only once differentiable)
    the ridge profile is maximised by bracketing instead, and a seed is never
    dropped (:func:`_ridge_fallback`).
    """
    lo, hi = (np.array([v]) for v in obj.gaussian.x_range(obj))
    for nx, nx1, h in obj.halfplanes:
        if nx1 == 0.0:  # a bound on x alone: the generator block's constraint
            hi = np.minimum(hi, h / nx) if nx > 0 else hi
            lo = np.maximum(lo, h / nx) if nx < 0 else lo
    zero, one = np.zeros(1), np.ones(1)
    xs, _ = _march(lo, hi, zero, zero, one, zero, obj.zones)
    n = xs.size
    inf = np.full(n, np.inf)
    cols = line_maxima(obj, xs, np.zeros(n), np.zeros(n), np.ones(n), -inf, inf)
    found: list[tuple[float, float]] = []
    for i in range(cols.line.size):
        j, t, v = cols.line[i], cols.tau[i], cols.value[i]
        is_peak = True
        for nb in (j - 1, j + 1):
            sel = np.flatnonzero(cols.line == nb)
            if sel.size == 0:
                continue
            # Where a ridge through (x, t) crosses the next column, given the
            # Gaussian term's own ridge direction.
            step = xs[nb] - xs[j]
            ahead = t + obj.gaussian.ridge_slope * step
            near = sel[np.argmin(np.abs(cols.tau[sel] - ahead))]
            same_ridge = abs(cols.tau[near] - ahead) <= 4.0 * obj.h0 + abs(step)
            if same_ridge and cols.value[near] > v:
                is_peak = False
        if is_peak:
            top = _newton_2d(obj, xs[j], t)
            if top is None:
                top = _ridge_fallback(obj, xs, cols, j, t, v)
            if not any(
                abs(top[0] - a) <= 1e-7 * (1 + abs(a)) and abs(top[1] - b) <= 1e-7 * (1 + abs(b))
                for a, b in found
            ):
                found.append(top)
    if not found:
        return np.empty(0), np.empty(0), np.empty(0)
    x, x1 = (np.array(c) for c in zip(*found))
    return x, x1, obj.evaluate(x, x1).value
