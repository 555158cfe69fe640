"""Sigma at many loss vectors at once: the corner faces of a game's loss map (private).

Every corner face {ell = u} of a game has the same directions: x = mu(u) + M t with
M fixed and mu, the constant and the searched ball depending on u.  So the faces of a
whole map are searched together: one grid per face in the normalised ball (all faces'
log-potentials in one vectorised call), every grid maximum of every face (up to
``_SEEDS`` per face) refined by a vectorised Newton ascent with the exact gradient and a
finite-difference Hessian, backtracking so that the value never decreases.  The face
search of ``game_complexity._Face.maxima`` does the same one face at a time with BFGS.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

from ..rmt.kblock import log_potential_gradient

_GRID = {1: 801, 2: 61, 3: 21}  # grid points per axis by face dimension
_SEEDS = 4  # grid maxima refined per face
_ITER = 60
_FD = 1e-6  # relative finite-difference step of the Hessian


def _g(game, mu: NDArray, m: NDArray, t: NDArray) -> tuple[NDArray, NDArray]:
    """g = L(mu + M t) - |t|^2 / 2 and its gradient for rows (mu, t)."""
    lv, grad = log_potential_gradient(game.profile, game.kappa, mu + t @ m.T)
    return lv - 0.5 * np.sum(t * t, axis=-1), grad @ m - t


def _radii(game, mu: NDArray, g0: NDArray, m: NDArray) -> NDArray:
    """Per face, the radius of the ball holding every t with g(t) >= g(0)
    (``_Face.radius`` vectorised)."""
    a = np.abs(mu).max(axis=1) + game._radius
    b = float(np.linalg.norm(m, 2))
    t = np.full(mu.shape[0], 1e12)
    for _ in range(500):
        new = np.sqrt(np.maximum(2.0 * (np.log(a + b * t) - g0), 0.0))
        done = np.abs(new - t) <= 1e-12 * (1.0 + t)
        t = new
        if done.all():
            break
    return 1.05 * t + 1e-9


def _grid_seeds(vals: NDArray, e: int, n: int) -> tuple[NDArray, NDArray]:
    """(face, flat grid index) of up to _SEEDS grid maxima per face; vals (faces, n^e)."""
    faces = vals.shape[0]
    cube = vals.reshape((faces,) + (n,) * e)
    pad = np.pad(cube, [(0, 0)] + [(1, 1)] * e, constant_values=-np.inf)
    ok = np.isfinite(cube)
    centre = (slice(None), *tuple(slice(1, -1) for _ in range(e)))
    for off in itertools.product((-1, 0, 1), repeat=e):
        if any(off):
            sl = (slice(None), *tuple(slice(1 + o, n + 1 + o) for o in off))
            ok &= pad[centre] >= pad[sl]
    score = np.where(ok.reshape(faces, -1), vals, -np.inf)
    k = min(_SEEDS, score.shape[1])
    top = np.argpartition(-score, k - 1, axis=1)[:, :k]
    face = np.repeat(np.arange(faces), k)
    idx = top.ravel()
    keep = np.isfinite(score[face, idx])
    return face[keep], idx[keep]


def _newton(
    game, mu: NDArray, m: NDArray, t: NDArray, step_max: NDArray
) -> tuple[NDArray, NDArray]:
    """Vectorised Newton ascent of g from each row of t; returns (t, g)."""
    e = t.shape[1]
    g, gam = _g(game, mu, m, t)
    active = np.ones(t.shape[0], dtype=bool)
    for _ in range(_ITER):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        ti, gi, gam_i, mui = t[idx], g[idx], gam[idx], mu[idx]
        h = _FD * (1.0 + np.abs(ti))
        hess = np.empty((idx.size, e, e))
        for k in range(e):
            tk = ti.copy()
            tk[:, k] += h[:, k]
            hess[:, :, k] = (_g(game, mui, m, tk)[1] - gam_i) / h[:, k : k + 1]
        hess = 0.5 * (hess + hess.transpose(0, 2, 1))
        top = np.linalg.eigvalsh(hess)[:, -1]
        shift = np.maximum(top, 0.0) + 1e-9
        step = -np.linalg.solve(hess - shift[:, None, None] * np.eye(e), gam_i[..., None])[..., 0]
        norm = np.linalg.norm(step, axis=1)
        cap = np.minimum(1.0, step_max[idx] / np.maximum(norm, 1e-300))
        step *= cap[:, None]
        accepted = np.zeros(idx.size, dtype=bool)
        for _ in range(40):  # backtracking: the value may not decrease
            todo = np.flatnonzero(~accepted)
            if todo.size == 0:
                break
            gn, gamn = _g(game, mui[todo], m, ti[todo] + step[todo])
            up = gn >= gi[todo]
            sel = todo[up]
            t[idx[sel]] = ti[sel] + step[sel]
            g[idx[sel]], gam[idx[sel]] = gn[up], gamn[up]
            accepted[sel] = True
            step[todo[~up]] *= 0.5
        small = np.linalg.norm(step, axis=1) <= 1e-13 * (1.0 + np.linalg.norm(ti, axis=1))
        active[idx[small | ~accepted]] = False
    return t, g


def corner_values(game, face, v0: NDArray) -> NDArray[np.float64]:
    """Sigma = C* - |v0|^2 / 2 + sup_t g(t) for every row of v0 (the least-norm v of each
    loss vector), faces of dimension face.e in 1..3."""
    e, m = face.e, face.M
    mu = v0 @ game._Ax.T
    const = game.log_constant - 0.5 * np.sum(v0 * v0, axis=1)
    g0 = _g(game, mu, m, np.zeros((mu.shape[0], e)))[0]
    rad = _radii(game, mu, g0, m)
    n = _GRID[e]
    axis = np.linspace(-1.0, 1.0, n)
    unit = np.stack(np.meshgrid(*([axis] * e), indexing="ij"), axis=-1).reshape(-1, e)
    inside = np.sum(unit * unit, axis=1) <= 1.0
    vals = np.full((mu.shape[0], unit.shape[0]), -np.inf)
    pts = rad[:, None, None] * unit[None, inside, :]
    flat_mu = np.repeat(mu, int(inside.sum()), axis=0)
    vals[:, inside] = _g(game, flat_mu, m, pts.reshape(-1, e))[0].reshape(mu.shape[0], -1)
    face_of, idx = _grid_seeds(vals, e, n)
    t0 = rad[face_of, None] * unit[idx]
    step_max = 2.0 * rad[face_of] / (n - 1)
    _, gv = _newton(game, mu[face_of], m, t0, step_max)
    best = np.maximum(g0, vals.max(axis=1))
    np.maximum.at(best, face_of, gv)
    if not np.all(np.isfinite(best)):
        raise ArithmeticError("a corner face has no finite value")
    return const + best
