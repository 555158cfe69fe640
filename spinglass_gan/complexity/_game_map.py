"""Theta maps of K = 2 games from Sigma on the loss grid (private).

Theta(u) is the supremum of Sigma over the quadrant {ell <= u}, and that supremum is
reached at a point of one of three kinds: a local maximum of Sigma inside the
quadrant (a local maximum of F on the free face), a local maximum of Sigma along one
of the quadrant's edges, or its corner u.  Every such point, with its exact value,
is feasible for every cell above and to the right of it, so once all of them are
known the map is a two-dimensional cumulative maximum (docs/theory.md, 13.2):

* corners: Sigma at every grid node, exactly (below);
* edges: along every grid line, Sigma is also known at common added levels, sampled
  every 1/_LINE of each ball of a ladder (``_ladder``: from the ball holding the values
  above the highest corner's out to that of the lowest corner's, below which nothing
  matters; the balls from the bound L(x) <= log(|x|_inf + R)); every discrete maximum
  along a line (an end included) is refined by a golden-section search on exact
  values of Sigma;
* interior: the free face's local maxima (``_face_maxima`` on each ball of the ladder).

Sigma(ell) = C* - |v_A|^2 / 2 + sup_t [L(C ell + M t) - |t|^2 / 2], v_A = Al^+ ell the
least-norm point with those losses, M the directions of v that move x but not ell
(e columns).  For e = 0 (the losses fix x: the pure bipartite GAN) it is
one evaluation of L per node.  For e = 2, with Q = (M M^T)^-1, D = Q C and z = D^T x,

    Sigma(ell) = C* - |v_A|^2 / 2 - (C ell)^T Q (C ell) / 2 + sup_z [f(z) + z . ell],

f = L(x) - x^T Q x / 2: a Legendre transform, separable on a rectangular loss grid
(``_game_map_kernels.legendre_grid``).  Its grid maximiser seeds a Newton ascent
(``_ascent``: exact gradient, as in ``_game_corners``), and a cell whose neighbour's
maximiser lies in another basin is also started from that maximiser (the larger value
is kept), so the global inner maximum is taken where two basins nearly tie.  Cells whose grid
maximiser sits on the border of the table are recomputed by the corner search.
For e = 1, x = p mhat + w nhat along and across M: w is fixed by the losses and the
inner supremum is a Legendre transform in p, seeded from a table over (w, p).

Where the losses span a line only (rank 1: the multi-species spin glasses, whose
players share one loss), Theta at a cell is the larger of Sigma at the ends of the
interval of the line allowed by u and the free face's maxima inside it.
Other members (a singular D for e = 2, losses identically zero) return None: the
face-by-face path applies.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ..rmt.kblock import log_potential_gradient
from ._game_map_kernels import legendre_grid, line_seeds

_RTOL = 1e-12  # singular values below this fraction of the largest are zero
_FEASIBLE_ATOL = 1e-10  # as game_complexity: slack (relative to 1 + |u|) of a bound
_LINE = 256  # lines are sampled at least this finely over their searched length
_TABLE = 161  # points per axis of the tables of f (at least)
_TABLE_MAX = 481  # ... and at most (e = 2)
_FEATURE = 0.1  # target x spacing of the e = 2 table, relative to sqrt(max sigma)
_NEWTON = 60  # Newton iterations at most (e = 2)
_FD = 1e-7  # relative finite-difference step of the Hessian of L
_GOLDEN = 45  # golden-section steps: the bracket shrinks by 0.618^45 ~ 4e-10


def theta_map(game, u_1: NDArray, u_2: NDArray) -> NDArray[np.float64] | None:
    """Theta on u_1 x u_2 (shape (len(u_2), len(u_1))), or None if not applicable."""
    sv = np.linalg.svd(game._Al, compute_uv=False)
    rank = int(np.sum(sv > _RTOL * sv.max())) if sv.size and sv.max() > 0.0 else 0
    o1, o2 = np.argsort(u_1, kind="stable"), np.argsort(u_2, kind="stable")
    s1, s2 = u_1[o1], u_2[o2]
    if rank == 2:
        sig = _LossSigma(game)
        if sig.e == 2 and sig.w is None:
            return None
        out = _map_plane(game, sig, s1, s2)
    elif rank == 1:
        out = _map_line(game, s1, s2)
    else:
        return None
    res = np.empty_like(out)
    res[np.ix_(o2, o1)] = out
    return res


def _slack(u: NDArray) -> NDArray:
    return _FEASIBLE_ATOL * (1.0 + np.abs(u))


class _LossSigma:
    """Sigma(ell) for members whose losses span the plane (rank(Al) = 2)."""

    def __init__(self, game) -> None:
        al, ax = game._Al, game._Ax
        self.game = game
        self.pv = np.linalg.pinv(al)  # ell -> v_A
        self.c = ax @ self.pv  # ell -> x(v_A)
        null = np.linalg.svd(al, full_matrices=True)[2][2:].T
        self.m = np.zeros((2, 0))
        if null.shape[1]:
            u, s, _ = np.linalg.svd(ax @ null, full_matrices=False)
            keep = s > _RTOL * max(s.max(), 1e-300)
            self.m = u[:, keep] * s[keep]  # = ax @ (orthonormal basis of those directions)
        self.e = self.m.shape[1]
        self.w = None
        self.minv = np.linalg.pinv(self.m)  # shifts -> t
        if self.e == 1:
            norm = float(np.linalg.norm(self.m))
            self.mhat = self.m[:, 0] / norm
            self.nhat = np.array([-self.mhat[1], self.mhat[0]])
            self.m2 = norm * norm
        if self.e == 2:
            self.q = self.minv.T @ self.minv  # (M M^T)^-1
            d = self.q @ self.c
            sd = np.linalg.svd(d, compute_uv=False)
            if sd.min() > 1e-9 * sd.max():
                self.w = np.linalg.inv(d.T)  # x = w z

    def const(self, ells: NDArray) -> NDArray:
        (a, b), (_, c) = self.pv.T @ self.pv  # |v_A|^2 as a quadratic form in ell
        e1, e2 = ells[:, 0], ells[:, 1]
        return self.game.log_constant - 0.5 * (a * e1 * e1 + 2.0 * b * e1 * e2 + c * e2 * e2)

    def values(self, ells: NDArray, x0: NDArray | None = None) -> tuple[NDArray, NDArray]:
        """Exact Sigma at loss rows ``ells`` and the maximising shifts; for e = 2 the
        Newton ascent starts from the shifts x0."""
        mu = ells[:, :1] * self.c[:, 0] + ells[:, 1:] * self.c[:, 1]  # C ell, row-wise
        if self.e == 0:
            lv, _ = log_potential_gradient(self.game.profile, self.game.kappa, mu)
            return self.const(ells) + lv, mu
        t0 = (x0 - mu) @ self.minv.T
        step = np.full(t0.shape[0], self.step)
        t, g = _ascent(self.game, mu, self.m, t0.copy(), step)
        return self.const(ells) + g, mu + t @ self.m.T

    def grid(self, e1: NDArray, e2: NDArray) -> tuple[NDArray, NDArray]:
        """Exact Sigma on the grid e1 x e2, shape (len(e2), len(e1)), and the shifts."""
        mesh = np.stack(np.meshgrid(e1, e2), axis=-1)  # [i2, i1, :]
        self._shape = mesh.shape[:2]
        flat = mesh.reshape(-1, 2)
        if self.e == 0:
            vals, xs = self.values(flat)
            return vals.reshape(mesh.shape[:2]), xs.reshape(mesh.shape)
        x0, border = self._seeds(e1, e2) if self.e == 2 else self._seeds_line(flat)
        vals, xs = self.values(flat, x0.reshape(-1, 2))
        vals, xs = vals.reshape(mesh.shape[:2]), xs.reshape(mesh.shape)
        self._cross_seed(mesh, vals, xs)
        if border.any():
            vals[border] = self.game._sigma_many(mesh[border])
        return vals, xs

    def _seeds(self, e1: NDArray, e2: NDArray) -> tuple[NDArray, NDArray]:
        """Grid maximisers of f(z) + z . ell (the separable transform) as shifts, and
        the cells whose maximiser lies on the table's border."""
        corners = np.array([[a, b] for a in (e1[0], e1[-1]) for b in (e2[0], e2[-1])])
        mu = corners @ self.c.T
        lo, hi = mu.min(axis=0), mu.max(axis=0)
        # x* = C ell + Q^-1 grad L(x*): |x* - C ell| <= |Q^-1| max |grad L|.
        span = np.linalg.norm(np.linalg.inv(self.q), 2)
        margin = span * self._grad_bound(lo, hi) + 1e-6
        box = np.array([[a, b] for a in (lo[0] - margin, hi[0] + margin)
                        for b in (lo[1] - margin, hi[1] + margin)])  # fmt: skip
        zc = box @ np.linalg.inv(self.w).T  # z = D^T x
        # The table is a parallelogram in x, elongated where D is ill-conditioned:
        # refine it (up to _TABLE_MAX points per axis) until its x spacing is below
        # _FEATURE of the scale sqrt(|S|) of the spectrum's structure.
        dz = zc.max(axis=0) - zc.min(axis=0)
        spacing = float(np.linalg.norm(np.abs(self.w) @ dz)) / (_TABLE - 1)
        scale = math.sqrt(float(np.abs(self.game.profile).max()))
        n = int(np.clip(math.ceil(_TABLE * spacing / (_FEATURE * scale)), _TABLE, _TABLE_MAX))
        z1 = np.linspace(zc[:, 0].min(), zc[:, 0].max(), n)
        z2 = np.linspace(zc[:, 1].min(), zc[:, 1].max(), n)
        zz = np.stack(np.meshgrid(z1, z2, indexing="ij"), -1).reshape(-1, 2)
        xs = zz @ self.w.T
        lv, _ = log_potential_gradient(self.game.profile, self.game.kappa, xs)
        f = (lv - 0.5 * np.einsum("ni,ij,nj->n", xs, self.q, xs)).reshape(n, n)
        shape = (e2.size, e1.size)
        val = np.empty(shape)
        a1, a2 = np.empty(shape, dtype=np.int64), np.empty(shape, dtype=np.int64)
        legendre_grid(f, z1, z2, e1, e2, val, a1, a2)
        border = (a1 == 0) | (a1 == n - 1) | (a2 == 0) | (a2 == n - 1)
        hx = np.abs(self.w) @ np.array([z1[1] - z1[0], z2[1] - z2[0]])
        self.step = 2.0 * float(np.linalg.norm(self.minv @ hx))
        x0 = np.stack((z1[a1], z2[a2]), axis=-1) @ self.w.T
        return x0, border

    def _grad_bound(self, lo: NDArray, hi: NDArray) -> float:
        """max |grad L| estimated on a coarse grid around the box [lo, hi] of shifts,
        doubled (it bounds how far a maximiser lies from its centre C ell)."""
        pad = max(1.0, float(np.max(hi - lo)))
        probe = np.stack(
            np.meshgrid(*(np.linspace(a - pad, b + pad, 41) for a, b in zip(lo, hi))), -1
        ).reshape(-1, 2)
        _, grad = log_potential_gradient(self.game.profile, self.game.kappa, probe)
        return 2.0 * float(np.abs(grad).max())

    def _seeds_line(self, ells: NDArray) -> tuple[NDArray, NDArray]:
        """e = 1: x = C ell + m t.  With x = p mhat + w nhat (w = nhat . C ell fixed by
        the losses) the inner supremum is a Legendre transform in p for each w,
        sup_p [L(p, w) - p^2 / (2 |m|^2) + p pi / |m|^2], pi = mhat . C ell; its table
        over (w, p) is interpolated in w and scanned in p (``line_seeds``)."""
        cl = ells @ self.c.T
        pi, w = cl @ self.mhat, cl @ self.nhat
        # Stationarity t* = m . grad L(x*), so |p* - pi| = |m| |t*| <= |m|^2 max |grad L|.
        margin = self.m2 * self._grad_bound(cl.min(axis=0), cl.max(axis=0)) + 1e-6
        p = np.linspace(pi.min() - margin, pi.max() + margin, _TABLE)
        wg = np.linspace(w.min() - 1e-9, w.max() + 1e-9, _TABLE)
        xs = p[None, :, None] * self.mhat + wg[:, None, None] * self.nhat  # [w, p, :]
        lv, _ = log_potential_gradient(self.game.profile, self.game.kappa, xs.reshape(-1, 2))
        f = lv.reshape(_TABLE, _TABLE) - 0.5 * p[None, :] ** 2 / self.m2
        best = np.empty(pi.size)
        border = np.empty(pi.size, dtype=np.bool_)
        line_seeds(f, p, wg, w, pi / self.m2, best, border)
        self.step = 2.0 * (p[1] - p[0]) / math.sqrt(self.m2)
        x0 = best[:, None] * self.mhat + w[:, None] * self.nhat
        n2, n1 = self._shape
        return x0.reshape(n2, n1, 2), border.reshape(n2, n1)

    def _cross_seed(self, mesh: NDArray, vals: NDArray, xs: NDArray) -> None:
        """Restart cells from a neighbour's maximiser where it lies in another basin
        (farther than the neighbours' usual spacing); repeated where a cell changed."""
        changed = np.ones(vals.shape, dtype=bool)
        for _ in range(3):
            cells, seeds = [], []
            for axis in (0, 1):
                for shift in (1, -1):
                    nb = np.roll(xs, shift, axis=axis)
                    d = np.linalg.norm(nb - xs, axis=-1)
                    edge = [slice(None)] * 2
                    edge[axis] = 0 if shift == 1 else -1
                    d[tuple(edge)] = 0.0
                    # Refined maximisers move smoothly inside a basin: a jump well
                    # beyond the usual step between neighbours is a change of basin.
                    thr = 3.0 * float(np.median(d)) + 1e-6 * (1.0 + float(np.abs(xs).max()))
                    flag = (d > thr) & np.roll(changed, shift, axis=axis)
                    i, j = np.nonzero(flag)
                    cells.append(np.stack((i, j), -1))
                    seeds.append(nb[i, j])
            cells, seeds = np.concatenate(cells), np.concatenate(seeds)
            changed[:] = False
            if cells.shape[0] == 0:
                return
            i, j = cells[:, 0], cells[:, 1]
            v, x = self.values(mesh[i, j], seeds)
            for n in np.flatnonzero(v > vals[i, j]):
                if v[n] > vals[i[n], j[n]]:
                    vals[i[n], j[n]], xs[i[n], j[n]] = v[n], x[n]
                    changed[i[n], j[n]] = True


def _ascent(game, mu: NDArray, m: NDArray, t: NDArray, cap: NDArray) -> tuple[NDArray, NDArray]:
    """Newton ascent of g(t) = L(mu + M t) - |t|^2 / 2 from each row of t (e = 2).

    The gradient M^T grad L - t is exact; the Hessian M^T (d grad L / dx) M - I is taken
    by forward differences of grad L in one call with the gradient, shifted to be
    negative definite; steps are capped at ``cap`` and halved until g does not
    decrease.  A row stops when its step is at rounding level or no halving helps.
    """
    prof, kap = game.profile, game.kappa
    n = t.shape[0]
    x = mu + t @ m.T
    lv, gl = log_potential_gradient(prof, kap, x)
    g = lv - 0.5 * np.sum(t * t, axis=1)
    active = np.arange(n)
    eye, et = np.eye(2), np.eye(m.shape[1])
    for _ in range(_NEWTON):
        if active.size == 0:
            break
        xa, ta = x[active], t[active]
        h = _FD * (1.0 + np.abs(xa))
        probe = np.concatenate((xa + h[:, 0:1] * eye[0], xa + h[:, 1:2] * eye[1]))
        _, gp = log_potential_gradient(prof, kap, probe)
        k = active.size
        hl = np.stack(((gp[:k] - gl[active]) / h[:, :1], (gp[k:] - gl[active]) / h[:, 1:]), -1)
        hess = m.T @ (0.5 * (hl + hl.transpose(0, 2, 1))) @ m - et
        top = np.linalg.eigvalsh(hess)[:, -1]
        hess -= (np.maximum(top, 0.0) + 1e-9)[:, None, None] * et
        grad = gl[active] @ m - ta
        step = -np.linalg.solve(hess, grad[..., None])[..., 0]
        norm = np.linalg.norm(step, axis=1)
        step *= np.minimum(1.0, cap[active] / np.maximum(norm, 1e-300))[:, None]
        # Converged: the model's gain is at rounding level of g, or the step of t.
        gain = np.sum(grad * step, axis=1)
        done = (gain <= 1e-15 * (1.0 + np.abs(g[active]))) | (
            np.linalg.norm(step, axis=1) <= 1e-12 * (1.0 + np.linalg.norm(ta, axis=1))
        )
        moved = np.zeros(k, dtype=bool)
        for _ in range(8):  # backtracking: the value may not decrease
            todo = np.flatnonzero(~done)
            if todo.size == 0:
                break
            tn = ta[todo] + step[todo]
            xn = mu[active[todo]] + tn @ m.T
            ln, gn = log_potential_gradient(prof, kap, xn)
            vn = ln - 0.5 * np.sum(tn * tn, axis=1)
            up = vn >= g[active[todo]]
            rows = active[todo[up]]
            t[rows], x[rows], g[rows], gl[rows] = tn[up], xn[up], vn[up], gn[up]
            done[todo[up]] = moved[todo[up]] = True
            step[todo[~up]] *= 0.5
        tiny = np.linalg.norm(step, axis=1) <= 1e-12 * (1.0 + np.linalg.norm(ta, axis=1))
        active = active[moved & ~tiny]
    return t, g


def _radius(game, tau: float) -> float:
    """The radius of the ball |v| <= rho holding every point of range(G) with F >= tau:
    F <= C* + log(|Ax| |v| + R) - |v|^2 / 2 (the largest root, by iteration from above)."""
    a, b = game._radius, float(np.linalg.norm(game._Ax, 2))
    rho = 1e12
    for _ in range(500):
        new = math.sqrt(max(2.0 * (game.log_constant + math.log(a + b * rho) - tau), 0.0))
        if abs(new - rho) <= 1e-12 * (1.0 + rho):
            return new
        rho = new
    return rho


def _ladder(game, top: float, bottom: float) -> list[tuple[float, float]]:
    """(radius, floor) pairs from the ball of the value ``top`` out to that of
    ``bottom``, each radius 4 times the last: searches over each ball resolve maxima
    of F at least as high as its floor at that ball's resolution, so high maxima are
    found finely however low the map reaches."""
    a, b = game._radius, float(np.linalg.norm(game._Ax, 2))
    r_top, r_bottom = _radius(game, top), _radius(game, bottom)
    out = [max(r_top, 1e-3 * r_bottom)]
    while out[-1] < r_bottom:
        out.append(min(4.0 * out[-1], r_bottom))
    floor = [game.log_constant + math.log(a + b * r) - 0.5 * r * r for r in out]
    return [(r, max(f, bottom)) for r, f in zip(out, floor)]


def _fill(ladder: list, scale: float, u: NDArray) -> NDArray:
    """Levels to add to the sorted levels u (below u[-1]) so that on each ball of the
    ladder, |ell| <= scale * radius, lines are sampled no coarser than 1/_LINE of its
    diameter, whatever the spacing of the map (finer balls first)."""
    have = u.copy()
    for rho, _ in ladder:
        h = 2.0 * scale * rho / _LINE
        hi = min(scale * rho, u[-1])
        if not (h > 0.0 and hi > -scale * rho):
            continue
        cand = np.arange(-scale * rho, hi, h)
        idx = np.searchsorted(have, cand)
        below = np.abs(cand - have[np.maximum(idx - 1, 0)])
        above = np.abs(cand - have[np.minimum(idx, have.size - 1)])
        have = np.sort(np.concatenate((have, cand[np.minimum(below, above) > 0.5 * h])))
    return np.setdiff1d(have, u)


def _free_maxima(game, ladder: list) -> tuple[NDArray, NDArray]:
    """The free face's local maxima (values, losses) searched on every ball of the ladder."""
    vals, ells = [np.empty(0)], [np.empty((0, 2))]
    for _, floor in ladder:
        fv, fy = game._face_maxima((), np.empty(0), floor)
        vals.append(fv)
        ells.append(fy[:, 2:])
    return np.concatenate(vals), np.concatenate(ells)


def _map_plane(game, sig: _LossSigma, u_1: NDArray, u_2: NDArray) -> NDArray:
    n1, n2 = u_1.size, u_2.size
    vals, xs = sig.grid(u_1, u_2)
    if not np.all(np.isfinite(vals)):
        raise ArithmeticError("Sigma is not finite on the loss grid")
    # vals[0, 0] is reached at a point feasible for every cell: nothing below matters.
    ladder = _ladder(game, float(vals.max()), float(vals[0, 0]))
    scale = 1.05 * np.linalg.norm(game._Al, axis=1) + 1e-12
    ext1, ext2 = _fill(ladder, scale[0], u_1), _fill(ladder, scale[1], u_2)
    place = np.full((n2 + 1, n1 + 1), -np.inf)
    place[:n2, :n1] = vals
    pts, pvals = [], []
    for axis, ext, levels in ((0, ext2, u_2), (1, ext1, u_1)):
        # axis 0: the lines ell_1 = u_1[j] (columns), moving ell_2; axis 1: rows.
        line_v, line_x = (vals, xs) if axis == 0 else (vals.T, xs.transpose(1, 0, 2))
        coord = levels
        if ext.size:
            ev, ex = sig.grid(u_1, ext) if axis == 0 else sig.grid(ext, u_2)
            if axis == 1:
                ev, ex = ev.T, ex.transpose(1, 0, 2)
            coord = np.concatenate((ext, levels))
            order = np.argsort(coord, kind="stable")
            coord = coord[order]
            line_v = np.concatenate((ev, line_v), axis=0)[order]
            line_x = np.concatenate((ex, line_x), axis=0)[order]
        fixed = u_1 if axis == 0 else u_2
        p, v = _refine_lines(sig, line_v, line_x, coord, fixed, moving=1 - axis)
        pts.append(p)
        pvals.append(v)
    fv, fy = _free_maxima(game, ladder)
    pts.append(fy)
    pvals.append(fv)
    p, v = np.concatenate(pts), np.concatenate(pvals)
    j = np.searchsorted(u_1 + _slack(u_1), p[:, 0], side="left")
    i = np.searchsorted(u_2 + _slack(u_2), p[:, 1], side="left")
    np.maximum.at(place, (i, j), v)
    np.maximum.accumulate(place, axis=0, out=place)
    np.maximum.accumulate(place, axis=1, out=place)
    return place[:n2, :n1]


def _refine_lines(sig, line_v, line_x, coord, fixed, moving):
    """Local maxima of Sigma along lines: line_v[k, l] is Sigma at coordinate coord[k]
    on line l (whose other loss is fixed[l]); every discrete maximum is refined by
    golden section on [coord[k - 1], coord[k + 1]] (cut at the ends: a maximum just
    below the top level is feasible there).  Returns the points (n, 2) and values."""
    v = line_v
    if v.shape[0] < 2:
        return np.empty((0, 2)), np.empty(0)
    peak = np.zeros(v.shape, dtype=bool)
    peak[1:-1] = (v[1:-1] >= v[:-2]) & (v[1:-1] >= v[2:])
    peak[0], peak[-1] = v[0] >= v[1], v[-1] >= v[-2]
    k, line = np.nonzero(peak)
    if k.size == 0:
        return np.empty((0, 2)), np.empty(0)
    last = coord.size - 1
    a, b = coord[np.maximum(k - 1, 0)], coord[np.minimum(k + 1, last)]
    best_s, best_v = coord[k].copy(), v[k, line].copy()
    x = line_x[k, line].copy()

    def at(s, x0):
        ells = np.empty((s.size, 2))
        ells[:, moving] = s
        ells[:, 1 - moving] = fixed[line]
        return sig.values(ells, x0)

    def keep(s, val, xn):
        up = val > best_v
        best_s[up], best_v[up] = s[up], val[up]
        x[up] = xn[up]

    g = 0.5 * (math.sqrt(5.0) - 1.0)
    s1, s2 = b - g * (b - a), a + g * (b - a)
    f1, x1 = at(s1, x)
    f2, x2 = at(s2, x)
    keep(s1, f1, x1)
    keep(s2, f2, x2)
    for _ in range(_GOLDEN):
        right = f1 < f2
        a = np.where(right, s1, a)
        b = np.where(right, b, s2)
        new = np.where(right, a + g * (b - a), b - g * (b - a))
        fn, xn = at(new, x)
        keep(new, fn, xn)
        s1, s2 = np.where(right, s2, new), np.where(right, new, s1)
        f1, f2 = np.where(right, f2, fn), np.where(right, fn, f1)
    pts = np.empty((k.size, 2))
    pts[:, moving] = best_s
    pts[:, 1 - moving] = fixed[line]
    return pts, best_v


def _map_line(game, u_1: NDArray, u_2: NDArray) -> NDArray:
    """Losses on a line ell = a s (a a unit vector): the interval of s allowed by u."""
    a = np.linalg.svd(game._Al)[0][:, 0]
    a = np.where(np.abs(a) > _RTOL, a, 0.0)
    ends, feas = [], []
    for k, levels, other in ((0, u_1, u_2), (1, u_2, u_1)):
        if a[k] == 0.0:
            ends.append(None)
            continue
        s = levels / a[k]
        vals = game._sigma_many(s[:, None] * a[None, :])
        # s is an end of the interval of a cell when the other bound holds there.
        ok = a[1 - k] * s[:, None] <= other[None, :] + _slack(other)[None, :]
        ends.append(np.where(ok, vals[:, None], -np.inf))
        feas.append(vals[np.isfinite(vals)])
    out = np.full((u_2.size, u_1.size), -np.inf)
    if ends[0] is not None:
        out = np.maximum(out, ends[0].T)  # (n1, n2) -> [i2, i1]
    if ends[1] is not None:
        out = np.maximum(out, ends[1])
    for k in (0, 1):  # a loss that is identically 0 must lie below its level
        if a[k] == 0.0:
            levels = u_1 if k == 0 else u_2
            bad = levels < -_slack(levels)
            if k == 0:
                out[:, bad] = -np.inf
            else:
                out[bad, :] = -np.inf
    finite = np.concatenate(feas) if feas else np.empty(0)
    if finite.size:
        fv, fy = _free_maxima(game, _ladder(game, float(finite.max()), float(finite.min())))
        for v, (e1, e2) in zip(fv, fy):
            ok = (e1 <= u_1 + _slack(u_1))[None, :] & (e2 <= u_2 + _slack(u_2))[:, None]
            out = np.where(ok & (v > out), v, out)
    return out
