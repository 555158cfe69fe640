"""Exact suprema of the model's own complexity exponent over loss quadrants.

The model's own Kac-Rice exponent lives on three variables z3 = (x, x1, t): the
ensemble's shifts (x, x1) and t = l_G / N.  It is

    F(z3) = C* + L(x; x1) - z3^T A z3 / 2  (minus index penalties in (x, x1)),

A the precision of the Gaussian (l_D, l_G, rho) / N written in z3.  The loss
constraints are half-spaces with a positive t-coefficient:

    d = (q t - 2x - x1) / p <= u_D   (L_D / N),      g = t <= u_G   (L_G / N).

Theta(u_D, u_G) = sup F over both.  The supremum is attained (F -> -infinity far
away) at a critical point of F on one of: the interior (no loss constraint
active), the face g = u_G, the face d = u_D, or their intersection, a line in
(x, x1) (the complexity at exact losses, Sigma(u_D, u_G)), each possibly also on
an index constraint's line.  Eliminating t, each is a two-dimensional problem of
the published kind, L plus a concave quadratic in (x, x1), solved by the same
:class:`~spinglass_gan.complexity.polygon.ComplexitySolver`:

* interior: t = ell(x, x1), its conditional mean; the marginal exponent Phi_free;
* face n . z3 = h: t = (h - n_z . z) / n_t, a quadratic with a linear term in h.

Every candidate is a feasible point, so the largest candidate is the supremum.
On a grid every face of a family shares one function and differs by a term linear
in its level, so all rows (and all columns) are solved together from one scan of
the curves on which their critical points lie, and the corner lines of all cells
from one sheet of scanned lines (``_quadrant_grid``, ``_quadrant_faces``,
``_quadrant_corners``; docs/theory.md, "How the supremum is computed");
``_quadrant_reference`` keeps the face-by-face, line-by-line computation for the
tests and benchmarks.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as val
from . import _quadrant_grid as _grid
from ._maximize import _clip_to_domain, line_maxima
from ._quadrant_corners import corner_candidates
from ._quadrant_faces import face_candidates, free_maxima, reference_candidates
from .derived import DerivedConstants
from .exponent import Convention, DIndex, Exponent, QuadraticGaussian
from .polygon import ComplexitySolver, Suprema, _line_of

__all__ = ["QuadrantSolver"]


def _offer(best, arg, value, coords) -> None:
    """Keep candidates (value[..., k] at coords[.][k]) that beat the cells' best, in place."""
    if value.shape[-1] == 0:
        return
    k = np.argmax(value, axis=-1)
    top = np.take_along_axis(value, k[..., None], axis=-1)[..., 0]
    win = top > best
    best[win] = top[win]
    for axis, coord in enumerate(coords):
        arg[axis][win] = coord[k[win]]


def _offer_owned(best, arg, own, vals, coords) -> None:
    """Candidate k, owned by row own[k], offers vals[k, j] to cell (own[k], j), in place."""
    if own.size == 0:
        return
    order = np.argsort(own, kind="stable")
    own, vals = own[order], vals[order]
    coords = [c[order] for c in coords]
    rows, start, count = np.unique(own, return_index=True, return_counts=True)
    width = int(count.max())
    slot = np.arange(own.size) - np.repeat(start, count)
    pad = np.full((rows.size, width, vals.shape[1]), -np.inf)
    pos = np.searchsorted(rows, own)
    pad[pos, slot] = vals
    k = np.argmax(pad, axis=1)  # (rows, cols)
    top = np.take_along_axis(pad, k[:, None, :], axis=1)[:, 0, :]
    win = top > best[rows]
    src = start[:, None] + k  # flat candidate index
    for r_i, r in enumerate(rows):
        w = win[r_i]
        if not w.any():
            continue
        best[r, w] = top[r_i, w]
        for axis, coord in enumerate(coords):
            arg[axis][r, w] = coord[src[r_i, w]]


@dataclass(frozen=True)
class _Profile:
    """The ensemble's constants that the exponent's L term and C* need."""

    b: float
    b1: float
    kappa: float
    log_constant: float


class QuadrantSolver:
    """Suprema of the model's own exponent over {n_col . z3 <= h_col, n_row . z3 <= h_row}.

    Built from the paper's model by ``QuadrantSolver(constants, ...)``, or from
    the Gaussian of (x, x1, t) directly by :meth:`from_gaussian`; both set the
    solver's state in the same way.

    Parameters
    ----------
    constants : DerivedConstants
        The model's constants: the profile (b, b1, kappa), C* and the covariance
        of (l_D, l_G, rho) / N, whose precision in z3 = (x, x1, t) is
        ``M^T K^-1 M`` with M = ``constants.coordinates.loss_matrix``; the row of
        d = L_D / N is (-2 / p, -1 / p, q / p).
    k_D, k_G, d_index, convention
        Index constraints, as for :class:`~spinglass_gan.complexity.exponent.Exponent`.

    Attributes
    ----------
    constants : DerivedConstants or object
        What the exponent reads: ``b``, ``b1``, ``kappa`` and ``log_constant``.
    prec : ndarray, shape (3, 3)
        Precision of the Gaussian in z3 = (x, x1, t).
    d_row, g_row : ndarray, shape (3,)
        The losses per N as rows in z3: d = d_row . z3, g = g_row . z3 = t.
    ell : ndarray, shape (2,)
        The conditional mean of t given (x, x1): t = ell . (x, x1).
    free : ComplexitySolver
        The exponent with t at its conditional mean (no loss constraint active).
    fallbacks : dict
        How many faces ("face") and corner lines ("corner") this solver has
        computed by the reference method because a batched Newton seed did not
        settle (docs/theory.md, "How the supremum is computed"); none on the benchmark grids.
    """

    def __init__(
        self,
        constants: DerivedConstants,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
        convention: Convention = "exact",
    ) -> None:
        p, q = constants.p, constants.q
        # (l_D, l_G, rho) / N = M z3: a = (r t - 2x - x1) / p, g = t, h = r t - x.
        m = constants.coordinates.loss_matrix
        prec = m.T @ np.linalg.solve(constants.cov_matrix, m)
        d_row = np.array([-2.0 / p, -1.0 / p, q / p])
        index = {"k_D": k_D, "k_G": k_G, "d_index": d_index, "convention": convention}
        self._set_state(constants, prec, d_row, index)

    @classmethod
    def from_gaussian(
        cls,
        b: float,
        b1: float,
        kappa: float,
        log_constant: float,
        precision: ArrayLike,
        d_row: ArrayLike,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
        convention: Convention = "exact",
    ) -> QuadrantSolver:
        """The solver for the exponent C* + L(x; x1) - z3^T A z3 / 2 given directly.

        For an ensemble of the paper's form that is not built from (p, q,
        sigma_z, kappa): the log potential L of the shifted Hessian ensemble with
        profile [[a + c / kappa, a], [a, a]], a = b^2 / 2, c = b1^2 / 2 and block
        fractions (kappa, 1 - kappa), the constant C* and the Gaussian of
        z3 = (x, x1, t) with t = g = L_G / N.

        Parameters
        ----------
        b : float
            Scale of the shared part of the profile, b > 0 (a = b^2 / 2).
        b1 : float
            Scale of the discriminator's own part, b1 >= 0 (c = b1^2 / 2).
        kappa : float
            Fraction of the discriminator block, 0 < kappa < 1.
        log_constant : float
            C*, the constant term of the exponent (log count per N).
        precision : array_like, shape (3, 3)
            A, the precision of the Gaussian in z3 = (x, x1, t), per N: symmetric
            (to 1e-12 relative to its largest entry) and positive definite.  It is
            used as given, not symmetrised.
        d_row : array_like, shape (3,)
            The row of d = L_D / N in z3 (d = d_row . z3), with a non-zero
            t-coefficient (t is eliminated on the faces d = u_D) and not a multiple
            of g's row (0, 0, 1).
        k_D, k_G, d_index, convention
            Index constraints, as for :class:`~spinglass_gan.complexity.exponent.Exponent`.

        Returns
        -------
        QuadrantSolver
            Its :meth:`suprema` take h_col = u_D and h_row = u_G by default.

        Raises
        ------
        ValueError
            Naming the argument that is out of range or of the wrong shape.
        """
        profile = _Profile(
            val.positive("b", b),
            val.non_negative("b1", b1),
            val.open_unit("kappa", kappa),
            val.real_scalar("log_constant", log_constant),
        )
        index = {"k_D": k_D, "k_G": k_G, "d_index": d_index, "convention": convention}
        solver = cls.__new__(cls)
        solver._set_state(profile, precision, d_row, index)
        return solver

    def _set_state(self, constants, prec: ArrayLike, d_row: ArrayLike, index: dict) -> None:
        """The one place the solver's state is set (from __init__ and from_gaussian)."""
        a = val.finite_array("precision", prec, ndim=2)
        if a.shape != (3, 3):
            raise ValueError(f"precision must be a 3 x 3 matrix, got shape {a.shape}")
        scale = float(np.abs(a).max())
        if not np.all(np.abs(a - a.T) <= 1e-12 * scale):
            raise ValueError("precision must be symmetric")
        if not np.linalg.eigvalsh(0.5 * (a + a.T))[0] > 0.0:
            raise ValueError("precision must be positive definite")
        d = val.finite_array("d_row", d_row, ndim=1)
        if d.shape != (3,):
            raise ValueError(f"d_row must have 3 entries, got shape {d.shape}")
        top = float(np.abs(d).max())
        if abs(d[2]) <= 1e-12 * top or not np.abs(d[:2]).max() > 1e-12 * top:
            raise ValueError(
                "d_row must have a non-zero t-coefficient and not be a multiple of (0, 0, 1)"
            )
        self.constants = constants
        self._index = index
        self.prec = a
        self.d_row = d
        self.g_row = np.array([0.0, 0.0, 1.0])
        # Conditional mean of t given (x, x1): t = ell . (x, x1).
        self.ell = -a[2, :2] / a[2, 2]
        marginal = a[:2, :2] - np.outer(a[:2, 2], a[2, :2]) / a[2, 2]
        gauss = QuadraticGaussian(constants.log_constant, np.zeros(2), marginal)
        self.free = ComplexitySolver(self._exponent(gauss))
        self._families: dict[tuple[float, ...], _grid.Family] = {}
        self.fallbacks = {"face": 0, "corner": 0}

    def _family(self, n: NDArray) -> _grid.Family:
        """The faces n . z3 = h for all h (cached: their scans are kept)."""
        key = tuple(float(v) for v in n)
        if key not in self._families:
            self._families[key] = _grid.Family(self, np.array(key))
        return self._families[key]

    def _exponent(self, gaussian: QuadraticGaussian) -> Exponent:
        return Exponent(self.constants, **self._index, gaussian=gaussian)

    @cached_property
    def free_candidates(self) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """Candidates with no loss constraint active: (x, x1, t, value), t = ell . z.

        The interior maxima come from the faces t = h (``_quadrant_faces.free_maxima``).
        """
        interior = free_maxima(self._family(self.g_row), self.free.obj, self.ell)
        x, x1, v = reference_candidates(self.free, interior)
        return x, x1, self.ell[0] * x + self.ell[1] * x1, v

    def face(self, n: NDArray, h: float) -> ComplexitySolver:
        """The solver on the face n . z3 = h (n[2] > 0), with t eliminated.

        Parameters
        ----------
        n : ndarray, shape (3,)
            Normal of the face in z3 = (x, x1, t), with n[2] > 0.
        h : float
            Its offset.

        Returns
        -------
        ComplexitySolver
            Suprema of the exponent restricted to the face, in (x, x1).
        """
        nz, nt = np.asarray(n[:2], dtype=float), float(n[2])
        b = np.vstack([np.eye(2), -nz[None, :] / nt])
        e = np.array([0.0, 0.0, h / nt])
        gauss = QuadraticGaussian(
            self.constants.log_constant - 0.5 * e @ self.prec @ e,
            -(b.T @ self.prec @ e),
            b.T @ self.prec @ b,
        )
        return ComplexitySolver(self._exponent(gauss))

    @staticmethod
    def _restricted(n: NDArray, h: float, m: NDArray) -> tuple[NDArray, float]:
        """On the face n . z3 = h, m . z3 = w . z + m_t h / n_t: returns (w, m_t / n_t)."""
        ratio = m[2] / n[2]
        return m[:2] - ratio * n[:2], ratio

    def suprema(
        self,
        h_col: NDArray,
        h_row: NDArray,
        n_col: NDArray | None = None,
        n_row: NDArray | None = None,
    ) -> Suprema:
        """Supremum over {n_col . z3 <= h_col[j], n_row . z3 <= h_row[i]} for each cell.

        The candidates are those of the face-by-face computation
        (``_quadrant_reference``), computed in batches: the faces of each family
        from one scan of the curves on which all their critical points lie, the
        corner lines from one sheet of scanned lines, each only where it can win
        (``_quadrant_grid``).

        Parameters
        ----------
        h_col, h_row : ndarray
            1-D levels; entries may be +inf (no constraint).
        n_col, n_row : ndarray, optional
            The constraints' rows in z3 = (x, x1, t).  By default n_col gives d
            (so h_col = u_D) and n_row gives g (h_row = u_G).

        Returns
        -------
        Suprema
            ``values`` of shape (len(h_row), len(h_col)) and ``maximisers``
            (x, x1, t) of shape (3, len(h_row), len(h_col)).
        """
        n_col = self.d_row if n_col is None else np.asarray(n_col, dtype=float)
        n_row = self.g_row if n_row is None else np.asarray(n_row, dtype=float)
        h_col, h_row = np.asarray(h_col, dtype=float), np.asarray(h_row, dtype=float)
        shape = (h_row.size, h_col.size)
        best = np.full(shape, -np.inf)
        arg = np.full((3, *shape), np.nan)
        x, x1, t, v = self.free_candidates
        z3 = np.stack([x, x1, t])
        ok = (n_row @ z3 <= h_row[:, None, None]) & (n_col @ z3 <= h_col[None, :, None])
        _offer(best, arg, np.where(ok, v, -np.inf), (x, x1, t))
        sups = []
        for n, hs, m, hm, flip in (
            (n_row, h_row, n_col, h_col, False),
            (n_col, h_col, n_row, h_row, True),
        ):
            fam = self._family(n)
            fin = np.flatnonzero(np.isfinite(hs))
            sup = np.full(hs.size, -np.inf)
            if fin.size:
                lvl, fx, fx1, fv = face_candidates(fam, hs[fin])
                own = fin[lvl]
                np.maximum.at(sup, own, fv)
                w, ratio = self._restricted(n, 0.0, m)
                ft = (hs[own] - n[0] * fx - n[1] * fx1) / n[2]
                # Candidates of face i are feasible in the cells with w . z <= hm - ratio hs[i].
                cut = hm[None, :] - ratio * hs[own][:, None]
                vals = np.where(
                    w[0] * fx[:, None] + w[1] * fx1[:, None] <= cut, fv[:, None], -np.inf
                )
                b, a = (best.T, arg.transpose(0, 2, 1)) if flip else (best, arg)
                _offer_owned(b, a, own, vals, (fx, fx1, ft))
            sups.append(sup)
        # Corner lines, where min(sup of the row face, sup of the column face) can win.
        bound = np.minimum(sups[0][:, None], sups[1][None, :])
        need = np.isfinite(h_row)[:, None] & np.isfinite(h_col)[None, :] & (best < bound)
        i, j = np.nonzero(need)
        if i.size:
            w, ratio = self._restricted(n_row, 0.0, n_col)
            cv, cx, cx1 = corner_candidates(
                self._family(n_row), w, h_col[j] - ratio * h_row[i], h_row[i]
            )
            win = cv > best[i, j]
            i, j, cv, cx, cx1 = i[win], j[win], cv[win], cx[win], cx1[win]
            best[i, j] = cv
            arg[0][i, j], arg[1][i, j] = cx, cx1
            arg[2][i, j] = (h_row[i] - n_row[0] * cx - n_row[1] * cx1) / n_row[2]
        return Suprema(best, arg)

    def sup_grid(
        self,
        h_col: NDArray,
        h_row: NDArray,
        n_col: NDArray | None = None,
        n_row: NDArray | None = None,
    ) -> tuple[NDArray, NDArray]:
        """Deprecated: :meth:`suprema` as a tuple (values, maximisers).

        Kept for existing callers; ``ComplexitySolver.sup_grid`` has a different
        contract, which is why this one is renamed.  Emits a DeprecationWarning.

        Parameters
        ----------
        h_col, h_row : ndarray
            1-D levels; entries may be +inf (no constraint).
        n_col, n_row : ndarray, optional
            The constraints' rows in z3 = (x, x1, t), as for :meth:`suprema`.

        Returns
        -------
        values : ndarray
            The suprema (log number per N), shape (len(h_row), len(h_col)).
        maximisers : ndarray
            (x, x1, t) of the maximisers, shape (3, len(h_row), len(h_col)).
        """
        warnings.warn(
            "QuadrantSolver.sup_grid is deprecated; use QuadrantSolver.suprema",
            DeprecationWarning,
            stacklevel=2,
        )
        res = self.suprema(h_col, h_row, n_col, n_row)
        return res.values, res.maximisers

    def _corners(self, face, n, h, w, cut, best, arg) -> None:
        """The lines w . z = cut[j] on the face (both constraints active), in place."""
        j = np.flatnonzero(np.isfinite(cut))
        if j.size == 0:
            return
        obj = face.obj
        p0 = np.array([_line_of(w[0], w[1], c)[0] for c in cut[j]])
        d = _line_of(w[0], w[1], 0.0)[1]
        x0, x10 = p0[:, 0], p0[:, 1]
        dx, dx1 = np.full(j.size, d[0]), np.full(j.size, d[1])
        inf = np.full(j.size, np.inf)
        found = line_maxima(obj, x0, x10, dx, dx1, -inf, inf)
        lo, hi = _clip_to_domain(obj, x0, x10, dx, dx1, -inf, inf)
        ends = [(lo, np.isfinite(lo) & (lo <= hi)), (hi, np.isfinite(hi) & (lo <= hi))]
        line = np.concatenate([found.line] + [np.flatnonzero(m) for _, m in ends])
        tau = np.concatenate([found.tau] + [e[m] for e, m in ends])
        if line.size == 0:
            return
        px, px1 = x0[line] + tau * dx[line], x10[line] + tau * dx1[line]
        val = obj.evaluate(px, px1).value
        t = (h - n[0] * px - n[1] * px1) / n[2]
        for k in np.argsort(val):  # ascending: the best of each line is written last
            c = j[line[k]]
            if val[k] > best[c]:
                best[c] = val[k]
                arg[:, c] = (px[k], px1[k], t[k])

    def suprema_on_losses(self, d: NDArray, g: NDArray) -> Suprema:
        """Sigma(d, g): the supremum over the line of (x, x1) with losses (d, g).

        Parameters
        ----------
        d, g : ndarray
            1-D losses per N, L_D / N and L_G / N.

        Returns
        -------
        Suprema
            ``values`` of shape d.shape (-inf where the index constraints exclude
            the whole line) and ``maximisers`` (x, x1, t) of shape (3, d.size).
        """
        out = np.full(d.size, -np.inf)
        arg = np.full((3, d.size), np.nan)
        for value in np.unique(g):
            sel = np.flatnonzero(g == value)
            face = self.face(self.g_row, value)
            w, ratio = self._restricted(self.g_row, value, self.d_row)
            best, where = out[sel], arg[:, sel]
            self._corners(face, self.g_row, value, w, d[sel] - ratio * value, best, where)
            out[sel], arg[:, sel] = best, where
        return Suprema(out, arg)

    def on_losses(self, d: NDArray, g: NDArray) -> NDArray[np.float64]:
        """Sigma(d, g) without the maximisers: the values of :meth:`suprema_on_losses`.

        Parameters
        ----------
        d, g : ndarray
            1-D losses per N, L_D / N and L_G / N.

        Returns
        -------
        ndarray
            The complexity at those exact losses (log number per N), shape
            d.shape; -inf where the index constraints exclude the whole line.
        """
        return self.suprema_on_losses(d, g).values
