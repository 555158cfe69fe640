"""Limiting spectral density of H' from the vector Dyson (master) equation.

H' = b M + [[b1 M1 - x1 I, 0], [0, 0]] with M a GOE of size N and M1 an
independent GOE of size kappa N (docs/theory.md, "Vector Dyson equation").  With ``a = b^2 / 2`` and
``c = b1^2 / 2`` the block Stieltjes transforms ``m1`` (discriminator block) and
``m2`` (generator block) solve

    -1/m1 = z + x1 + a m + c m1,   -1/m2 = z + a m,   m = kappa m1 + (1 - kappa) m2,

and the density is ``rho(lambda) = Im m(lambda + i0) / pi``.  Derivations of the
quartic, of the root selection and of the edge equation are in
``docs/theory.md``.

All functions take the ensemble parameters ``(b, b1, kappa, x1)`` explicitly and
broadcast over their array argument; ``HessianEnsemble`` wraps them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate

from .. import _validation as val
from ._dyson_kernels import _blocks, density_from_blocks, solve_blocks

__all__ = [
    "DysonSolution",
    "density",
    "density_moment",
    "solve_dyson",
    "splitting_x1",
    "stieltjes",
    "support",
]


@dataclass(frozen=True)
class _Scaled:
    """Parameters in units where a + c = 1 (lengths divided by ``scale``)."""

    a: float
    c: float
    kappa: float
    x1: float
    scale: float

    @classmethod
    def of(cls, b: float, b1: float, kappa: float, x1: float) -> _Scaled:
        b = val.positive("b", b)
        b1 = val.non_negative("b1", b1)
        kappa = val.open_unit("kappa", kappa)
        x1 = val.real_scalar("x1", x1)
        a, c = 0.5 * b * b, 0.5 * b1 * b1
        scale = math.sqrt(a + c)
        return cls(a / scale**2, c / scale**2, kappa, x1 / scale, scale)

    def solve(self, z_scaled: NDArray[np.complex128]) -> tuple[NDArray, NDArray]:
        """Physical (m1, m2), scaled, at each z (scaled, Im z >= 0), any order.

        Points are visited in sorted order so that each warm-starts the next.
        """
        zs = np.ascontiguousarray(z_scaled.ravel())
        if not np.any(zs.imag):
            re = zs.real
            order = None if np.all(re[1:] >= re[:-1]) else np.argsort(re)
        else:
            order = np.lexsort((zs.imag, zs.real))
        # The kernel walks contiguous memory: unsorted input is gathered into
        # sorted order first and scattered back after.
        z_run = zs if order is None else zs[order]
        m1, m2 = np.empty_like(zs), np.empty_like(zs)
        solve_blocks(z_run, self.a, self.c, self.kappa, self.x1, m1, m2)
        bad = ~(np.isfinite(m1) & np.isfinite(m2))
        if np.any(bad):
            z_bad = z_run[bad][0] * self.scale
            raise ArithmeticError(f"Dyson equation root selection failed at z={z_bad!r}")
        if order is not None:
            m1[order], m2[order] = m1.copy(), m2.copy()
        return m1.reshape(z_scaled.shape), m2.reshape(z_scaled.shape)

    def solve_real(self, x: ArrayLike, name: str) -> tuple[NDArray, NDArray, NDArray]:
        """Validated real ``x`` (unscaled) and the scaled (m1, m2) at x + i0."""
        xs = val.finite_array(name, x)
        m1, m2 = self.solve(xs.astype(np.complex128) / self.scale)
        return xs, m1, m2


class DysonSolution(NamedTuple):
    """Block Stieltjes transforms at z: total ``m``, discriminator ``m1``, generator ``m2``.

    Attributes
    ----------
    m : ndarray of complex
        Total transform, ``m = kappa m1 + (1 - kappa) m2``.
    m1 : ndarray of complex
        Normalised trace of the resolvent over the discriminator block.
    m2 : ndarray of complex
        Normalised trace of the resolvent over the generator block.
    """

    m: NDArray[np.complex128]
    m1: NDArray[np.complex128]
    m2: NDArray[np.complex128]


def solve_dyson(z: ArrayLike, b: float, b1: float, kappa: float, x1: float) -> DysonSolution:
    """Physical solution (m, m1, m2) of the vector Dyson equation at complex z.

    Parameters
    ----------
    z : array_like of complex
        Spectral parameter, same units as the eigenvalues.  Points with
        ``Im z < 0`` use ``m(conj z) = conj m(z)``; real ``z`` gives the boundary
        value ``m(x + i0)``.
    b, b1 : float
        Scales of the full GOE (``b > 0``) and the discriminator-block GOE
        (``b1 >= 0``).
    kappa : float
        Discriminator share of the dimensions, in (0, 1).
    x1 : float
        Shift of the discriminator block.

    Returns
    -------
    DysonSolution
        Arrays of the shape of ``z``: ``m = kappa m1 + (1 - kappa) m2`` in units of
        1 / eigenvalue.
    """
    p = _Scaled.of(b, b1, kappa, x1)
    zz = val.finite_array("z", z, dtype=np.complex128)
    lower = zz.imag < 0
    m1, m2 = p.solve(np.where(lower, np.conj(zz), zz) / p.scale)
    m1, m2 = m1 / p.scale, m2 / p.scale
    m = p.kappa * m1 + (1.0 - p.kappa) * m2
    if np.any(lower):
        m, m1, m2 = (np.where(lower, np.conj(v), v) for v in (m, m1, m2))
    return DysonSolution(m, m1, m2)


def stieltjes(z: ArrayLike, b: float, b1: float, kappa: float, x1: float) -> NDArray:
    """Stieltjes transform m(z) = integral of rho(lambda) / (lambda - z) d lambda.

    Parameters
    ----------
    z : array_like of complex
        Points off the support or in the upper half-plane; broadcasts.
    b, b1, kappa, x1 : float
        Ensemble parameters (see :func:`solve_dyson`).

    Returns
    -------
    ndarray of complex
        m(z), of the shape of ``z`` (units of 1 / eigenvalue).
    """
    return solve_dyson(z, b, b1, kappa, x1).m


def density(lam: ArrayLike, b: float, b1: float, kappa: float, x1: float) -> NDArray:
    """Limiting spectral density rho(lambda) = Im m(lambda + i0) / pi of H'.

    Parameters
    ----------
    lam : array_like of float
        Eigenvalue positions.
    b, b1, kappa, x1 : float
        Ensemble parameters (see :func:`solve_dyson`).

    Returns
    -------
    ndarray
        Density in units of 1 / eigenvalue, same shape as ``lam``; exactly zero
        outside the support, never negative.
    """
    p = _Scaled.of(b, b1, kappa, x1)
    return _density_scaled(p, val.finite_array("lam", lam) / p.scale) / p.scale


def _edge_polynomial_roots(p: _Scaled, r: float, s0: float, s1: float) -> list[float]:
    """Real critical values z(t), t = r + tau, with S(t) = s0 + s1 tau + c tau^2.

    The edge polynomial (1 - c t^2)(S^2 - A t^2) - a kappa t^2 S^2 is expanded in
    tau about r: a narrow block's edges sit where S nearly cancels, and with
    the expansion point at a root of S its small values are carried by tau
    itself instead of being the difference of O(1) terms.
    """
    P = np.polynomial.polynomial
    a, c, kappa = p.a, p.c, p.kappa
    big_a = a * (1.0 - kappa)
    t = np.array([r, 1.0])
    s = np.array([s0, s1, c])
    t2, s2 = P.polymul(t, t), P.polymul(s, s)
    poly = P.polysub(
        P.polymul(P.polysub([1.0], c * t2), P.polysub(s2, big_a * t2)),
        a * kappa * P.polymul(t2, s2),
    )
    poly = np.trim_zeros(poly, "b")
    if poly.size < 2:
        return []
    dpoly = P.polyder(poly)
    # Companion roots are accurate relative to the largest root only; the roots
    # of the reversed polynomial give the small ones (1 / tau).
    roots = list(P.polyroots(poly))
    low = np.trim_zeros(poly, "f")
    if low.size >= 2:
        # Only roots the forward list lacks: copies polish to values a few ulps
        # apart, which would sample the density right at an edge.
        for q in P.polyroots(low[::-1]):
            if q != 0.0 and all(abs(1.0 / q - r) > 1e-6 * abs(1.0 / q) for r in roots):
                roots.append(1.0 / q)
    found = []
    for root in roots:
        if not np.isfinite(root) or abs(root.imag) > 1e-6 * abs(root):
            continue
        tau = root.real
        for _ in range(50):  # Newton polish on the real edge polynomial
            d = P.polyval(tau, dpoly)
            if d == 0.0:
                break
            step = P.polyval(tau, poly) / d
            tau -= step
            if not abs(step) > 1e-16 * abs(tau):
                break
        tv = r + tau
        sv = s0 + tau * (s1 + c * tau)
        if tv == 0.0 or sv == 0.0 or not np.isfinite(tv * sv):
            continue
        found.append(-sv / tv - big_a * tv / sv - a * kappa * tv)
    return found


def _edge_candidates(p: _Scaled) -> NDArray[np.float64]:
    """Real critical values z(t) of the rational parametrisation (scaled units).

    With t = m1, z(t) = -S/t - A t/S - a kappa t (A = a (1 - kappa),
    S = c t^2 + x1 t + 1); branch points of the physical solution are real t
    with dz/dt = 0, i.e. roots of the polynomial
    (1 - c t^2)(S^2 - A t^2) - a kappa t^2 S^2 (docs/theory.md, "Edges").  It is
    expanded about t = 0 and about each real root of S (or the vertex of S when
    it has none), where a narrow or distant generator block's edges lie.
    """
    c, x1 = p.c, p.x1
    extra = []
    if c == 0.0:
        if x1 != 0.0:
            extra += _edge_polynomial_roots(p, -1.0 / x1, 0.0, x1)
    else:
        disc = x1 * x1 - 4.0 * c
        if disc > 0.0:
            q = -0.5 * (x1 + math.copysign(math.sqrt(disc), x1))
            # m1 is bounded by 1 / sqrt(a kappa + c) on the real axis
            # (docs/theory.md, "Bounds that confine the critical points"): a root
            # of S beyond is no edge's t.
            t_max = 2.0 / math.sqrt(p.a * p.kappa + c)
            for r in (q / c, 1.0 / q):
                if abs(r) <= t_max:
                    extra += _edge_polynomial_roots(p, r, 0.0, 2.0 * c * r + x1)
        else:
            sc = math.sqrt(c)
            s_min = (2.0 * sc - abs(x1)) * (2.0 * sc + abs(x1)) / (4.0 * c)
            extra += _edge_polynomial_roots(p, -x1 / (2.0 * c), s_min, 0.0)
    cands = list(np.unique(_edge_polynomial_roots(p, 0.0, 1.0, x1)))
    # A candidate of the expansions about S's roots that repeats one about 0 (to
    # 1e-8) is left out: at a cusp the two edges of a gap just opening are 1e-13
    # apart, and copies of them would put samples of the density where its sign
    # is decided by rounding.
    for z in sorted(extra):
        if all(abs(z - y) > 1e-8 * (1.0 + abs(z)) for y in cands):
            cands.append(z)
    return np.unique(np.asarray(cands, dtype=float))


def _density_scaled(p: _Scaled, xs: NDArray[np.float64]) -> NDArray[np.float64]:
    m1, m2 = p.solve(xs.astype(np.complex128))
    out = np.empty(xs.size)
    density_from_blocks(m1.ravel(), m2.ravel(), p.kappa, out)
    return out.reshape(xs.shape)


def _bisect_edge(p: _Scaled, lo: float, hi: float, opening: bool) -> float:
    """Point in (lo, hi) where the density switches on (``opening``) or off,
    refined by :func:`_fold_newton`."""
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if (_density_scaled(p, np.array([mid]))[0] > 0.0) == opening:
            hi = mid
        else:
            lo = mid
    return _fold_newton(p, lo if opening else hi)


def _fold_newton(p: _Scaled, z: float) -> float:
    """Edge next to ``z`` (outside the support) as the fold of the block equations.

    Bisection on the density's sign stops where the imaginary parts fall below
    the real-solution threshold, up to ~1e-12 relative inside the true edge.  At
    the edge the real solution (m1, m2) is a double root: F1 = F2 = det J = 0.
    Newton's method on these three real equations in (m1, m2, z), started from
    the real solution at ``z``, converges quadratically; it is kept only if it
    moves z by less than 1e-9 relative and converges.
    """
    a, c, kappa, x1 = p.a, p.c, p.kappa, p.x1
    # derivatives of the Jacobian entries (j11, j12, j21, j22) in (m1, m2, z)
    dj11 = np.array([2.0 * (a * kappa + c), a * (1.0 - kappa), 1.0])
    dj12 = np.array([a * (1.0 - kappa), 0.0, 0.0])
    dj21 = np.array([0.0, a * kappa, 0.0])
    dj22 = np.array([a * kappa, 2.0 * a * (1.0 - kappa), 1.0])
    m1c, m2c = p.solve(np.array([complex(z, 0.0)]))
    v = np.array([m1c[0].real, m2c[0].real, z])
    for _ in range(30):
        m1, m2, zz = v
        f1, f2, j11, j12, j21, j22 = (
            w.real for w in _blocks(complex(zz), complex(m1), complex(m2), a, c, kappa, x1)
        )
        ddet = dj11 * j22 + j11 * dj22 - dj12 * j21 - j12 * dj21
        jac = np.array([[j11, j12, m1], [j21, j22, m2], ddet])
        res = np.array([f1, f2, j11 * j22 - j12 * j21])
        try:
            step = np.linalg.solve(jac, res)
        except np.linalg.LinAlgError:
            return z
        v = v - step
        if abs(step[2]) <= 1e-15 * (1.0 + abs(v[2])):
            break
    else:
        return z
    if not abs(v[2] - z) <= 1e-9 * (1.0 + abs(z)):
        return z
    return float(v[2])


def support(b: float, b1: float, kappa: float, x1: float) -> list[tuple[float, float]]:
    """Support of the limiting density: a sorted list of at most two intervals.

    Edges are the real branch points of the Dyson solution where the density
    switches between zero and positive.  Candidates are the real critical values
    of the rational parametrisation z(t) (roots of a degree-6 polynomial,
    expanded about several points); the density's sign is sampled between
    consecutive candidates, and each switch is located by bisection on the sign
    of the density and refined by Newton's method on the fold of the block
    equations, to about 1e-15 relative.  An edge that
    merged with another in the polynomial's roots (near a cusp) is recovered by
    bisection between its neighbours.  Nothing is read off a grid.

    Parameters
    ----------
    b, b1, kappa, x1 : float
        Ensemble parameters (see :func:`solve_dyson`).

    Returns
    -------
    list of (lo, hi)
        Disjoint closed intervals in increasing order, in eigenvalue units.
    """
    p = _Scaled.of(b, b1, kappa, x1)
    cand = _edge_candidates(p)
    # The density's sign is sampled between consecutive candidates (and just
    # outside the outermost): every interval and gap bounded by candidates holds
    # a sample, and each sign change brackets one edge, which bisection on the
    # density's sign locates.  A candidate need not be accurate, only present:
    # the edge polynomial's roots are ill-conditioned for a narrow block far
    # from the other, and spurious or duplicated candidates add samples, never
    # edges.
    if cand.size == 0:
        raise ArithmeticError("the edge polynomial has no real critical values")
    h = 1e-4 * (1.0 + np.abs(cand[[0, -1]]))
    samples = np.concatenate(([cand[0] - h[0]], 0.5 * (cand[1:] + cand[:-1]), [cand[-1] + h[1]]))
    positive = _density_scaled(p, samples) > 0.0
    switch = np.flatnonzero(positive[1:] != positive[:-1])
    # The bracket (samples[i], samples[i + 1]) holds candidate i; where the switch
    # already happens within 1e-4 of it (an accurate candidate) bisection starts there.
    lo, hi = samples[switch], samples[switch + 1]
    near = 1e-4 * (1.0 + np.abs(cand[switch]))
    lo_n, hi_n = np.maximum(lo, cand[switch] - near), np.minimum(hi, cand[switch] + near)
    probe = _density_scaled(p, np.concatenate((lo_n, hi_n))) > 0.0
    tight = (probe[: switch.size] == positive[switch]) & (
        probe[switch.size :] == positive[switch + 1]
    )
    lo, hi = np.where(tight, lo_n, lo), np.where(tight, hi_n, hi)
    edges = [_bisect_edge(p, a, b, bool(positive[i + 1])) for a, b, i in zip(lo, hi, switch)]
    opens = [bool(positive[i + 1]) for i in switch]
    # Near a cusp two branch points can merge in the edge polynomial's roots; an
    # edge missing between two of the same kind is then found by bisection on
    # the sign of the density, which it bounds.
    i = 0
    while i < len(edges):
        expect_open = i % 2 == 0
        if opens[i] != expect_open:
            if i == 0:
                raise ArithmeticError(f"support starts with a closing edge {edges[0]!r}")
            edges.insert(i, _bisect_edge(p, edges[i - 1], edges[i], expect_open))
            opens.insert(i, expect_open)
        i += 1
    if len(edges) % 2 or not edges:
        raise ArithmeticError(f"inconsistent support edges {np.array(edges) * p.scale!r}")
    # At a cusp the density vanishes like a cube root and its sign between
    # near-coincident candidates is decided by rounding: a sliver between two
    # edges there may contradict its kind.  Each segment between consecutive
    # edges is checked at its midpoint; a contradicting one loses both its edges
    # (a sliver interval joins its neighbouring gaps, a sliver gap its intervals).
    while len(edges) > 2:
        mids = 0.5 * (np.array(edges[1:]) + np.array(edges[:-1]))
        inside = _density_scaled(p, mids) > 0.0
        wrong = np.flatnonzero(inside != (np.arange(mids.size) % 2 == 0))
        if wrong.size == 0:
            break
        del edges[wrong[0] : wrong[0] + 2]
    intervals = list(zip(edges[::2], edges[1::2]))
    mids = _density_scaled(p, np.array([0.5 * (lo + hi) for lo, hi in intervals]))
    if not np.all(mids > 0.0):
        raise ArithmeticError(f"support edges {np.array(edges) * p.scale!r} do not bound rho")
    return [(float(lo * p.scale), float(hi * p.scale)) for lo, hi in intervals]


def _panel(p: _Scaled, k: int, lo: float, hi: float, epsabs: float) -> float:
    """Integral of lambda^k rho over [lo, hi] (scaled units) with lambda = lo +
    (hi - lo)(1 - cos theta)/2, which absorbs square-root behaviour at both ends."""
    half = 0.5 * (hi - lo)

    def f(theta: float) -> float:
        lam = lo + half * (1.0 - math.cos(theta))
        rho = _density_scaled(p, np.array([lam]))[0]
        return rho * (lam * p.scale) ** k * half * math.sin(theta)

    value, _ = integrate.quad(f, 0.0, math.pi, limit=200, epsabs=epsabs, epsrel=1e-12)
    return value


def density_moment(
    k: int, b: float, b1: float, kappa: float, x1: float, *, epsabs: float = 1e-13
) -> float:
    """k-th moment of the density, integral of lambda^k rho(lambda), by quadrature.

    Each support interval is mapped to theta in [0, pi] by
    lambda = lo + (hi - lo)(1 - cos theta)/2, which removes the square-root edges;
    scipy's adaptive Gauss-Kronrod integrates the result with breakpoints at the
    centres and semicircle edges of the two blocks (a narrow generator-block
    peak sits there when b << b1).  ``k = 0`` is the total mass.  It uses the
    density on the real axis only, so it checks the root selection independently
    of the Stieltjes transform's asymptotics.

    Parameters
    ----------
    k : int
        Order of the moment, k >= 0.
    b, b1, kappa, x1 : float
        Ensemble parameters (see :func:`solve_dyson`).
    epsabs : float
        Absolute tolerance of each quadrature.

    Returns
    -------
    float
        The moment, in units of eigenvalue^k.
    """
    k = val.integer("k", k, 0)
    p = _Scaled.of(b, b1, kappa, x1)
    # Centres and semicircle radii of the two blocks on their own: when one block
    # is much narrower than the other its peak is invisible to a plain Gauss-Kronrod
    # panel, so the panels are split there.
    r_g = math.sqrt(2.0 * p.a * (1.0 - kappa))
    r_d = math.sqrt(2.0 * (p.a * kappa + p.c))
    features = (-r_g, 0.0, r_g, -p.x1 - r_d, -p.x1, -p.x1 + r_d)
    total = 0.0
    for lo, hi in support(b, b1, kappa, x1):
        lo_s, hi_s = lo / p.scale, hi / p.scale
        cuts = [lo_s, *sorted(f for f in features if lo_s < f < hi_s), hi_s]
        for left, right in itertools.pairwise(cuts):
            total += _panel(p, k, left, right, epsabs)
    return total


def splitting_x1(b: float, b1: float, kappa: float, *, xtol: float = 1e-10) -> float:
    """Smallest x1 > 0 at which the support splits into two intervals.

    At x1 = 0 both blocks are centred at zero and the support is one interval;
    shifting the discriminator block by -x1 eventually opens a gap.  At the
    returned x1 the two intervals touch (a cusp of the density).  Found by
    bisection on the number of support intervals to 1e-7, then (for ``xtol``
    below that) as the double root of the edge polynomial in (t, x1), to about
    1e-15.  Bisection alone cannot do better than about 1e-8: the gap opens
    like (x1 - x1_c)^(3/2), and gaps below about 1e-12 of the support's width
    cannot be told from a zero of the density.

    Parameters
    ----------
    b, b1, kappa : float
        Ensemble parameters (see :func:`solve_dyson`).
    xtol : float
        Requested absolute accuracy of x1.

    Returns
    -------
    float
        The splitting shift x1_c (eigenvalue units).
    """
    b = val.positive("b", b)
    b1 = val.non_negative("b1", b1)
    kappa = val.open_unit("kappa", kappa)
    lo, hi = 0.0, math.sqrt(2.0 * (b * b + b1 * b1))
    if len(support(b, b1, kappa, 0.0)) != 1:
        raise ArithmeticError("the support at x1 = 0 is not one interval")
    while len(support(b, b1, kappa, hi)) == 1:
        lo, hi = hi, 2.0 * hi
        if hi > 1e6 * (b + b1):
            raise ArithmeticError("the support did not split for any x1 tried")
    while hi - lo > max(xtol, 1e-7) * hi:
        mid = 0.5 * (lo + hi)
        if len(support(b, b1, kappa, mid)) == 1:
            lo = mid
        else:
            hi = mid
    x1 = 0.5 * (lo + hi)
    if xtol >= 1e-7:
        return x1
    cusp = _cusp_x1(_Scaled.of(b, b1, kappa, x1))
    return x1 if cusp is None or not abs(cusp - x1) <= 1e-6 * x1 else cusp


def _cusp_x1(p: _Scaled) -> float | None:
    """x1 (unscaled) of the cusp near p.x1: a double root t of the edge polynomial
    E(t; x1) = (1 - c t^2)(S^2 - A t^2) - a kappa t^2 S^2, S = c t^2 + x1 t + 1.

    Newton's method on (E, dE/dt) = 0 in (t, x1), from the closest pair of roots
    of E at p.x1.  Where the gap opens its width grows like (x1 - x1_c)^(3/2), so
    the density's sign resolves x1_c only to ~1e-8; the double root gives it to
    rounding.  None if Newton's method does not converge.
    """
    P = np.polynomial.polynomial
    a, c, kappa = p.a, p.c, p.kappa
    big_a, ck = a * (1.0 - kappa), c + a * kappa

    def poly(x1: float) -> NDArray:
        s2 = P.polymul([1.0, x1, c], [1.0, x1, c])
        return P.polysub(
            P.polymul([1.0, 0.0, -c], P.polysub(s2, [0.0, 0.0, big_a])),
            P.polymul([0.0, 0.0, a * kappa], s2),
        )

    roots = P.polyroots(poly(p.x1))
    dist = np.abs(roots[:, None] - roots[None, :]) + np.diag(np.full(roots.size, np.inf))
    i, j = np.unravel_index(np.argmin(dist), dist.shape)
    t, x1 = 0.5 * (roots[i] + roots[j]).real, p.x1
    for _ in range(50):
        e = poly(x1)
        e1, e2 = P.polyder(e), P.polyder(e, 2)
        sv, ds = (c * t + x1) * t + 1.0, 2.0 * c * t + x1
        e_x = 2.0 * sv * t * (1.0 - ck * t * t)
        e1_x = 2.0 * (ds * t + sv) * (1.0 - ck * t * t) - 4.0 * ck * sv * t * t
        jac = np.array([[P.polyval(t, e1), e_x], [P.polyval(t, e2), e1_x]])
        res = np.array([P.polyval(t, e), P.polyval(t, e1)])
        try:
            dt, dx = np.linalg.solve(jac, res)
        except np.linalg.LinAlgError:
            return None
        t, x1 = t - dt, x1 - dx
        if abs(dx) <= 1e-15 * abs(x1) and abs(dt) <= 1e-15 * (1.0 + abs(t)):
            return float(x1 * p.scale)
    return None
