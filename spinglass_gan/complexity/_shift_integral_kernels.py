"""Compiled kernel: the G block's shift integrated out of the Kac-Rice integrand (private).

Once the D block is eliminated, det J' = det(D - y_D) det(Omega - y_G) with Omega =
diag(lambda_G) - B^T (D - y_D)^-1 B, a symmetric matrix that does not depend on y_G.
Given its eigenvalues omega, every factor of the integrand that involves y_G is known
in closed form on the interval (lo, hi) that the G block's index allows:

    f(y) = log N(y; mean, sd^2) + sum_j log|omega_j - y| + log P(t in cut | y_D, y),

with t = l_G/N Gaussian given the shifts (mean c_D y_D + c_G y, sd s_t) and the cut
the question's loss thresholds.  Between two consecutive omega_j the integrand exp(f)
is a polynomial times smooth factors (its zeros sit at the omega_j), so Gauss-Legendre
on the pieces between them (cut also where t's two bounds cross, a kink of the mass)
converges fast; a coarse scan first finds the window in which f is within ``_DROP`` of
its maximum.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_COARSE = 256  # scan points over the window search range
_REACH = 30.0  # the search range: mean +- _REACH sd (within the index interval)
_DROP = 60.0  # the window keeps f within _DROP of its coarse maximum (e^-60 ~ 1e-26)
_PIECES = 16  # the window is cut into at least this many pieces
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@njit(cache=True)
def _log_ndtr(x):
    """log Phi(x), accurate in both tails."""
    if x > 0.0:
        return math.log1p(-0.5 * math.erfc(x / math.sqrt(2.0)))
    if x > -20.0:
        return math.log(0.5 * math.erfc(-x / math.sqrt(2.0)))
    r = 1.0 / (x * x)  # asymptotic series, error below 1e-9 here
    series = 1.0 - r * (1.0 - 3.0 * r * (1.0 - 5.0 * r * (1.0 - 7.0 * r)))
    return -0.5 * x * x - math.log(-x) - _LOG_SQRT_2PI + math.log(series)


@njit(cache=True)
def _log_mass(a, b):
    """log(Phi(b) - Phi(a)); -inf where a >= b."""
    if not b > a:
        return -math.inf
    if a > 0.0:  # both in the upper tail: Phi(-a) - Phi(-b)
        a, b = -b, -a
    l_hi = _log_ndtr(b)
    if a == -math.inf:
        return l_hi
    d = _log_ndtr(a) - l_hi
    return l_hi + math.log1p(-math.exp(d)) if d < 0.0 else -math.inf


@njit(cache=True)
def _t_cut(y_d, y, tp):
    """t's Gaussian law given (y_D, y_G) and the question's cut on it: (mean, lo, hi),
    hi = -inf for an empty cut; tp = (c_D, c_G, s_t, u_D, u_G, r_D, r_G, slope): t has
    mean c_D y_D + c_G y and sd s_t, u_G bounds t and u_D bounds r_D y_D + r_G y +
    slope t."""
    mean = tp[0] * y_d + tp[1] * y
    lo, hi = -math.inf, tp[4]
    if math.isfinite(tp[3]):
        rest = tp[3] - tp[5] * y_d - tp[6] * y
        slope = tp[7]
        if abs(slope) < 1e-12:
            if rest < 0.0:
                hi = -math.inf
        elif slope > 0.0:
            hi = min(hi, rest / slope)
        else:
            lo = rest / slope
    return mean, lo, hi


@njit(cache=True)
def _log_t_mass(y_d, y, tp):
    """log P(t in the question's cut | y_D, y_G)."""
    mean, lo, hi = _t_cut(y_d, y, tp)
    return _log_mass((lo - mean) / tp[2], (hi - mean) / tp[2])


@njit(cache=True)
def t_cuts(y_d, y, tp, out):
    """Per draw k: out[k] = (mean of t, lower and upper end of its cut in sd units
    from the mean, log of the cut's mass) given (y_d[k], y[k])."""
    for k in range(y_d.size):
        mean, lo, hi = _t_cut(y_d[k], y[k], tp)
        a, b = (lo - mean) / tp[2], (hi - mean) / tp[2]
        out[k, 0], out[k, 1], out[k, 2], out[k, 3] = mean, a, b, _log_mass(a, b)
    return out


@njit(cache=True)
def _cut_kink(y_d, tp):
    """The y at which t's two bounds (u_G, and u_D's) cross: the mass has a kink there
    (a breakpoint of the quadrature); NaN where there is none."""
    if not (math.isfinite(tp[3]) and math.isfinite(tp[4])) or tp[6] == 0.0:
        return math.nan
    return (tp[3] - tp[5] * y_d - tp[7] * tp[4]) / tp[6]


@njit(cache=True)
def _f(y, omega, mean, sd, y_d, tp):
    z = (y - mean) / sd
    out = -0.5 * z * z - math.log(sd) - _LOG_SQRT_2PI
    for w in omega:
        out += math.log(abs(w - y))
    if tp[3] == math.inf and tp[4] == math.inf:  # no cut: mass 1
        return out
    return out + _log_t_mass(y_d, y, tp)


@njit(cache=True)
def _search_range(lo, hi, mean, sd):
    a, b = max(lo, mean - _REACH * sd), min(hi, mean + _REACH * sd)
    if a < b:
        return a, b
    if hi <= mean:  # the interval lies far below the Gaussian's mean: its top end
        return max(lo, hi - 2.0 * _REACH * sd), hi
    return lo, min(hi, lo + 2.0 * _REACH * sd)


@njit(cache=True)
def _integrate_one(omega, lo, hi, mean, sd, y_d, tp, nodes, weights, u, scratch):
    """(log integral of exp(f) over (lo, hi), a draw y from exp(f) / integral,
    sum_j log|omega_j - y| at that draw)."""
    a, b = _search_range(lo, hi, mean, sd)
    h = (b - a) / _COARSE
    f_max, first, last = -math.inf, -1, -1
    for i in range(_COARSE):
        scratch[i, 0] = _f(a + (i + 0.5) * h, omega, mean, sd, y_d, tp)
        f_max = max(f_max, scratch[i, 0])
    if f_max == -math.inf:
        return -math.inf, 0.5 * (a + b), 0.0
    for i in range(_COARSE):
        if scratch[i, 0] > f_max - _DROP:
            last = i
            if first < 0:
                first = i
    wa, wb = a + max(first - 1, 0) * h, a + min(last + 2, _COARSE) * h
    # breakpoints: the window's ends, the omega_j inside, pieces at most (wb - wa) / _PIECES
    n_nodes, step, x0 = 0, (wb - wa) / _PIECES, wa
    j = np.searchsorted(omega, wa, side="right")
    kink = _cut_kink(y_d, tp)
    while x0 < wb:
        x1 = min(x0 + step, wb)
        while j < omega.size and omega[j] <= x0:
            j += 1
        if j < omega.size and omega[j] < x1:
            x1 = omega[j]
        if x0 < kink < x1:
            x1 = kink
        half, mid = 0.5 * (x1 - x0), 0.5 * (x0 + x1)
        for k in range(nodes.size):
            y = mid + half * nodes[k]
            scratch[n_nodes, 0] = y
            scratch[n_nodes, 1] = _f(y, omega, mean, sd, y_d, tp)
            scratch[n_nodes, 2] = half * weights[k]
            n_nodes += 1
        x0 = x1
    top = -math.inf
    for i in range(n_nodes):
        top = max(top, scratch[i, 1])
    if top == -math.inf:
        return -math.inf, 0.5 * (wa + wb), 0.0
    total = 0.0
    for i in range(n_nodes):
        scratch[i, 1] = scratch[i, 2] * math.exp(scratch[i, 1] - top)
        total += scratch[i, 1]
    # the draw: a node by its share of the integral, then uniform on the node's cell of
    # the cumulative Gauss weights (which contains the node)
    target, acc, pick = u[0] * total, 0.0, n_nodes - 1
    for i in range(n_nodes):
        acc += scratch[i, 1]
        if acc >= target:
            pick = i
            break
    k = pick % nodes.size
    piece = pick - k
    half = 0.5 * (scratch[piece + nodes.size - 1, 0] - scratch[piece, 0]) / nodes[-1]
    start = 0.5 * (scratch[piece, 0] + scratch[piece + nodes.size - 1, 0]) - half
    left = start
    for i in range(k):
        left += scratch[piece + i, 2]
    y = left + u[1] * scratch[piece + k, 2]
    log_det = 0.0
    for w in omega:
        log_det += math.log(abs(w - y))
    return top + math.log(total), y, log_det


@njit(cache=True)
def integrate_shift(omega, lo, hi, mean, sd, y_d, tp, nodes, weights, u, out):
    """Per draw k: out[k] = (log integral, drawn y, sum_j log|omega_kj - y|); ``omega``
    (draws, m) ascending, ``u`` (draws, 2) uniforms."""
    m = omega.shape[1]
    scratch = np.empty((max(_COARSE, (_PIECES + 2 * m + 2) * nodes.size), 3))
    for k in range(omega.shape[0]):
        r = _integrate_one(
            omega[k], lo[k], hi[k], mean[k], sd, y_d[k], tp, nodes, weights, u[k], scratch
        )
        out[k, 0], out[k, 1], out[k, 2] = r
    return out
