"""Reference computation of the quadrant suprema, face by face and line by line (private).

:meth:`QuadrantSolver.suprema <spinglass_gan.complexity.quadrant.QuadrantSolver.suprema>` solves
all faces of a family, and all corner lines, in batches (``_quadrant_grid``).  The
functions here compute the same candidates one face and one line at a time, with the
free maxima from ``interior_maxima``: slow, simple, and what the tests and the
benchmarks compare the batched path against.  Not used by the package itself.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._quadrant_faces import reference_candidates
from .quadrant import QuadrantSolver


def free_candidates_reference(solver: QuadrantSolver) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """``solver.free_candidates`` with the interior maxima by ``interior_maxima``.

    Returns
    -------
    tuple of ndarray
        (x, x1, t, value) of every candidate with no loss constraint active.
    """
    x, x1, v = reference_candidates(solver.free)
    return x, x1, solver.ell[0] * x + solver.ell[1] * x1, v


def sup_grid_reference(
    solver: QuadrantSolver,
    h_col: NDArray,
    h_row: NDArray,
    n_col: NDArray | None = None,
    n_row: NDArray | None = None,
) -> tuple[NDArray, NDArray]:
    """``solver.suprema`` computed face by face and line by line.

    Parameters
    ----------
    solver : QuadrantSolver
    h_col, h_row : ndarray
        Levels of the column and row constraints (may be +inf: no constraint).
    n_col, n_row : ndarray, optional
        The constraints' rows in z3 = (x, x1, t); by default d (so h_col = u_D)
        and g (h_row = u_G).

    Returns
    -------
    values : ndarray
        The suprema, shape (len(h_row), len(h_col)).
    maximisers : ndarray
        (x, x1, t) of the maximisers, shape (3, len(h_row), len(h_col)).
    """
    n_col = solver.d_row if n_col is None else np.asarray(n_col, dtype=float)
    n_row = solver.g_row if n_row is None else np.asarray(n_row, dtype=float)
    h_col, h_row = np.asarray(h_col, dtype=float), np.asarray(h_row, dtype=float)
    shape = (h_row.size, h_col.size)
    best = np.full(shape, -np.inf)
    arg = np.full((3, *shape), np.nan)

    def offer(rows, cols, value, x, x1, t):
        """Keep candidates (value[..., k] at x[k], ...) that beat the cells' best."""
        if value.shape[-1] == 0:
            return
        k = np.argmax(value, axis=-1)
        top = np.take_along_axis(value, k[..., None], axis=-1)[..., 0]
        cur = best[rows, cols]
        win = top > cur
        best[rows, cols] = np.where(win, top, cur)
        for axis, coord in enumerate((x, x1, t)):
            arg[axis][rows, cols] = np.where(win, coord[k], arg[axis][rows, cols])

    x, x1, t, v = free_candidates_reference(solver)
    z3 = np.stack([x, x1, t])
    ok = (n_row @ z3 <= h_row[:, None, None]) & (n_col @ z3 <= h_col[None, :, None])
    offer(slice(None), slice(None), np.where(ok, v, -np.inf), x, x1, t)
    for n, hs, m, hm, along_rows in (
        (n_row, h_row, n_col, h_col, True),
        (n_col, h_col, n_row, h_row, False),
    ):
        for i in np.flatnonzero(np.isfinite(hs)):
            face = solver.face(n, hs[i])
            w, ratio = solver._restricted(n, hs[i], m)
            cut = hm - ratio * hs[i]  # cell half-planes w . z <= cut
            fx, fx1, fv = reference_candidates(face)
            ft = (hs[i] - n[:2] @ np.stack([fx, fx1])) / n[2]
            ok = w @ np.stack([fx, fx1]) <= cut[:, None]
            cells = (i, slice(None)) if along_rows else (slice(None), i)
            offer(*cells, np.where(ok, fv, -np.inf), fx, fx1, ft)
            if along_rows:
                solver._corners(face, n, hs[i], w, cut, best[i], arg[:, i])
    return best, arg
