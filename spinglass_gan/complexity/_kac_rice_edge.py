"""Edge sampler of the index-constrained finite-N Kac-Rice expectation (private).

Where an index question pins a block's shift to that block's spectral edge (the
supremum of the exponent sits on the half-plane of its index constraint), the
integrand in the shift y is concentrated within O(1/N) of the block's extreme
eigenvalue, which itself fluctuates on the scale N^(-2/3) (Tracy-Widom): a shift
drawn first, from a law that cannot know where the eigenvalue will fall, lands in
the right place rarely.  This sampler draws the other way round:

1. the D block's non-forced part T (order n_T) from the Dumitriu-Edelman tridiagonal
   model, its diagonal entries shifted and its off-diagonal chi-squares scaled
   (``EdgeTilt``: the first ~3 n_T^(1/3) entries, which carry the edge eigenvector, one
   by one, the rest in dyadic groups, so that a wall pushed into the spectrum is within
   reach), with the exact Gaussian / chi-square density ratios in the weight;
2. the shift y_D below T's smallest eigenvalue lambda_1 (``ShiftLaw``: a mixture of a
   Student t in y_D truncated at lambda_1 and a gamma law for the gap lambda_1 - y_D),
   then the k forced eigenvalues below y_D (as ``_kac_rice_spectral``);
3. the G block's spectrum (the largest forced eigenvalue, if any, by a ``ShiftLaw``
   below the rest, the others below it); then y_G is integrated out: with the D block
   eliminated, det J' = det(D - y_D) det(Omega - y_G), Omega = diag(lambda_G) -
   B^T (D - y_D)^-1 B, so one eigensolve of Omega gives the integrand's whole
   dependence on y_G, and ``integrate_shift`` integrates the Gaussian law of y_G given
   y_D times |det(Omega - y_G)| times the mass of t's cut over the interval of y_G
   with the asked G index, then draws y_G from that integrand (when k_G is free, y_G is
   drawn from a Student t regressed on y_D instead);
4. t = l_G/N from its exact Gaussian law given (y_D, y_G), restricted to the loss
   thresholds of the question (a truncated normal; its mass enters the weight, or the
   integral of step 3).

(y_D, y_G, t) is a linear image of v = (l_D, l_G, rho)/N, so its target law is the
Gaussian N(0, W K W^T / N); the weight is the density of y_D times the integral of step
3 over the proposal densities of the D shift and the forced eigenvalues, times the
spectral density ratios.  Integrating y_G out removes the largest part of the weights'
spread: at N = 1000 the sd of the log weights fell from 32 to 8 at fixed proposal.
Because t (and y_G) are drawn inside the question's thresholds, the draws answer that
question and any with lower thresholds (the mass then counts the draws below them in
expectation), not higher ones.  Every draw has exactly the asked block indices (forced
on both blocks, as a question with those indices only).  The laws' parameters are
fitted by the cross-entropy method on pilot draws (weighted moments and weighted least
squares), which cannot bias the final estimate; while a pilot's weights have an ESS
below a tenth of its draws, the fit is made to the tempered weights w^beta (``_tempered``),
which moves the laws towards the target when they start too far from it for the plain
weights to say where it is.  "below" False (the descent side, or forcing on the upper
side) works on the flipped block -T, whose law is the same.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import stats
from threadpoolctl import threadpool_limits

from ._edge_laws import (
    EdgeTilt,
    GapLaw,
    IntervalLaw,
    Regression,
    ShiftLaw,
)
from ._kac_rice_kernels import (
    tridiagonal_batch,
    tridiagonal_eigenvalue,
    tridiagonal_eliminate,
    tridiagonal_logdets,
)
from ._kac_rice_spectral import forced_log_density, goe_spectra, tridiagonal_spectra
from ._shift_integral_kernels import integrate_shift, t_cuts
from .derived import DerivedConstants

_FIT_KEYS = ("a_z", "a_c", "y_p", "lo", "hi", "gaps")  # per-draw arrays a fit needs
_GAUSS = np.polynomial.legendre.leggauss(12)  # nodes per piece of the y_G integral
_TEMPER = 0.1  # a pilot's tempered weights keep at least this fraction as ESS


def _forced(rng, y, rest_logdet, n, k, s, law: GapLaw):
    """k eigenvalues y - gap (gaps iid from ``law``) below y over a rest of order n - k;
    (xi, gaps, log weight: ``forced_log_density`` over the gaps' density)."""
    gaps, log_g = law.draw(rng, (y.size, k))
    xi = y[:, None] - gaps
    return xi, gaps, forced_log_density(xi, rest_logdet(xi), n, s) - log_g


def _pick(d: dict, keys: tuple[str, ...]) -> dict:
    return {k: d[k] for k in keys if k in d}


def block_plan(n: int, k_below: int, y_star: float, radius: float) -> tuple[float, int, bool]:
    """How to draw a block of order n with k_below eigenvalues below its shift, the
    shift's N -> infinity place being y_star and the block's bulk [-radius, radius] in
    that limit.

    Returns (sign, k, forced): the block is drawn in the frame sign * block (sign -1
    flips it), with k of its eigenvalues below the shift there.  Where y_star lies
    beyond the bulk the eigenvalues on the far side of the shift are outliers:
    ``forced``, drawn explicitly (the frame puts them below).  At the edge or inside,
    the frame is the one with fewer eigenvalues below, and the shift is placed between
    the k-th and (k+1)-th eigenvalues of the whole block.
    """
    reach = radius * (1.0 + 1e-9)  # the exponent's maximiser sits exactly at an edge
    if y_star < -reach:
        return 1.0, k_below, k_below > 0
    if y_star > reach:
        return -1.0, n - k_below, n - k_below > 0
    sign = 1.0 if k_below <= n - k_below else -1.0
    return sign, min(k_below, n - k_below), False


_BLAS_FROM = 32  # G-block orders from which the Schur product goes to BLAS


def _schur(a: NDArray, e: NDArray, y: NDArray, b: NDArray) -> tuple[NDArray, NDArray]:
    """B^T (T - y)^-1 B per draw (T tridiagonal, rows a, e; B of shape (draws, n, m)) and
    the pivot statistics of ``tridiagonal_pivots``.

    LDL^T without pivoting, also where T - y is indefinite (a shift between two
    eigenvalues): checked against the eigendecomposition in the tests.  For m >=
    ``_BLAS_FROM`` the elimination scales the rows (Z = |D|^-1/2 L^-1 B, in place) and
    the product Z^T diag(sgn D) Z is one single-threaded GEMM per draw, several times
    faster than the compiled rank-one updates at N ~ 1000 (small products stay
    compiled: a call per draw would cost more than the product).
    """
    size, _, m = b.shape
    st = np.empty((size, 4))
    if m < _BLAS_FROM:
        schur = np.zeros((size, m, m))
        tridiagonal_batch(a, e, y, b, schur, st)
        return schur, st
    z = np.ascontiguousarray(b)
    signs = tridiagonal_eliminate(a, e, y, z, st)
    schur = np.empty((size, m, m))
    with threadpool_limits(1, user_api="blas"):
        for k in range(size):  # Z^T Z (a symmetric product, half a GEMM), then the
            zk = z[k]  # few negative pivots' rows twice back out
            schur[k] = zk.T @ zk
            neg = np.flatnonzero(signs[k] < 0.0)
            if neg.size:
                schur[k] -= 2.0 * (zk[neg].T @ zk[neg])
    return schur, st


class EdgeSampler:
    """The sequential proposal of the module docstring for one index question.

    ``below_D`` is the number of the D block's eigenvalues below y_D asked for;
    ``below_G`` the same for the G block, or None to leave it and y_G free.
    ``centre`` is v* = (l_D, l_G, rho)/N where the proposal starts, ``thresholds``
    (u_D, u_G) the question's loss levels.
    """

    def __init__(
        self, constants: DerivedConstants, n_D: int, n_G: int, below_D: int, below_G,
        centre: NDArray, thresholds: tuple[float, float],
    ) -> None:  # fmt: skip
        n = n_D + n_G
        self.n_D, self.n_G = n_D, n_G
        b, b1 = constants.b, constants.b1
        self.s_D = math.sqrt(b * b / (2.0 * n) + b1 * b1 / (2.0 * n_D))
        self.s_G = b / math.sqrt(2.0 * n)
        self.off_sd = b / math.sqrt(2.0 * n)
        t = constants.to_ensemble
        self.w_of_v = np.stack([t[0] + t[1], t[0], np.array([0.0, 1.0, 0.0])])
        self.v_of_w = np.linalg.inv(self.w_of_v)
        cov_w = self.w_of_v @ constants.cov_matrix @ self.w_of_v.T / n
        # The shifts' Gaussian density by its own Cholesky factor: scipy's
        # multivariate_normal calls a condition number of 1e12 (sigma_z ~ 1e-6) singular.
        self._chol = np.linalg.cholesky(cov_w[:2, :2])
        self._log_norm = -math.log(2.0 * math.pi) - float(np.log(np.diag(self._chol)).sum())
        self.t_coef = np.linalg.solve(cov_w[:2, :2], cov_w[:2, 2])  # E[t | y] = coef . y
        self.t_sd = math.sqrt(cov_w[2, 2] - cov_w[2, :2] @ self.t_coef)
        w0 = self.w_of_v @ np.asarray(centre, dtype=float)
        sd = np.sqrt(np.diag(cov_w))
        kappa = n_D / n  # the limiting bulk radii 2 sqrt(lim s^2 (order)) of the blocks
        radius_D = 2.0 * math.sqrt(0.5 * (b * b * kappa + b1 * b1))
        radius_G = 2.0 * math.sqrt(0.5 * b * b * (1.0 - kappa))
        self.plan_D = block_plan(n_D - 1, below_D, w0[0], radius_D)
        sign, k, forced = self.plan_D
        order = n_D - 1 - (k if forced else 0)
        self.tilt = EdgeTilt(order, int(3.0 * order ** (1.0 / 3.0)) + 2)
        tw_D = self.s_D * max(n_D - 1, 1) ** (-1.0 / 6.0)
        self.shift_D = ShiftLaw(sign * w0[0], sd[0], tw_D, 0) if forced or not k else IntervalLaw()
        self.gaps_D = GapLaw(tw_D / 2.0)
        self.plan_G = None if below_G is None else block_plan(n_G - 1, below_G, w0[1], radius_G)
        # y_G given y_D under the target: N(g_slope y_D, g_sd^2); t's cut as the kernel wants it
        self.g_slope = cov_w[1, 0] / cov_w[0, 0]
        self.g_sd = math.sqrt(cov_w[1, 1] - cov_w[1, 0] ** 2 / cov_w[0, 0])
        row = self.v_of_w[0]
        self._tpar = np.array([*self.t_coef, self.t_sd, *thresholds, row[0], row[1], row[2] - 1.0])
        self.shift_G = None
        if self.plan_G is None:
            self.shift_G = Regression(w0[1], sd[1], 1)
        else:
            sign, k, forced = self.plan_G
            tw_G = self.s_G * max(n_G - 1, 1) ** (-1.0 / 6.0)
            if forced:  # the largest forced eigenvalue, below the rest; y_G is integrated out
                self.shift_G = ShiftLaw(sign * w0[1], sd[1], tw_G, 1)
            self.gaps_G = GapLaw(tw_G / 2.0)
            order = n_G - 1 - (k if forced else 0)
            self.tilt_G = EdgeTilt(order, order, shared=True)  # the whole block moves

    # ------------------------------------------------------------------ blocks
    def _d_block(self, rng: np.random.Generator, size: int) -> dict:
        """The D block in its frame: shift, log|det(block - shift)|, sign, Schur matrix
        B^T (block - shift)^-1 B, log weights."""
        sign_f, k, forced = self.plan_D
        nd1, m, s = self.n_D - 1, self.n_G - 1, self.s_D
        a, e, log_r, z, c = self.tilt.draw(rng, size, s)
        out = dict(a_z=z, a_c=c, gaps=np.empty((size, 0)))
        count = k if forced else 0
        b = rng.standard_normal((size, nd1, m))  # unit: off_sd^2 scales the Schur matrix
        hi = np.full(size, np.inf)  # every eigenvalue forced below: no edge above
        if a.shape[1]:
            tridiagonal_eigenvalue(a, e, k - count, hi)
        if k and not forced:  # the shift between the k-th and (k+1)-th eigenvalues
            lo = np.empty(size)
            tridiagonal_eigenvalue(a, e, k - 1, lo)
            y, log_q = self.shift_D.draw(rng, lo, hi)
            out.update(lo=lo)
        else:
            y, log_q = self.shift_D.draw(rng, hi, np.empty((size, 0)))
        out.update(hi=hi)
        schur, st = _schur(a, e, y, b[:, count:, :])
        log_det, sign = st[:, 1].copy(), st[:, 2].copy()
        if count:
            rest = lambda p: tridiagonal_logdets(a, e, p).sum(axis=1)  # noqa: E731
            xi, gaps, w = _forced(rng, y, rest, nd1, count, s, self.gaps_D)
            log_r = log_r + w
            d = xi - y[:, None]
            log_det += np.log(np.abs(d)).sum(axis=1)
            sign *= (-1.0) ** count
            schur += np.einsum("kic,ki,kid->kcd", b[:, :count, :], 1.0 / d, b[:, :count, :])
            out.update(gaps=gaps)
        flip = 1.0 if sign_f > 0 else (-1.0) ** nd1
        out.update(y_p=y, y=sign_f * y, log_q=log_q, log_r=log_r, log_det=log_det,
                   sign=sign * flip, schur=(sign_f * self.off_sd**2) * schur)  # fmt: skip
        return out

    def _g_block(self, rng: np.random.Generator, y_D: NDArray) -> dict:
        """The G block: with y_G free (no k_G), its spectrum minus a drawn shift; else its
        spectrum ``lam`` and the interval (``y_lo``, ``y_hi``) of the shifts with the
        asked index (both in the block's own frame), and the log weights."""
        size, n, s = y_D.size, self.n_G - 1, self.s_G
        if self.plan_G is None:
            y, log_q = self.shift_G.draw(rng, y_D[:, None])
            return dict(y=y, log_q=log_q, log_r=np.zeros(size),
                        g=goe_spectra(rng, n, s, size) - y[:, None])  # fmt: skip
        sign_f, k, forced = self.plan_G
        a, e, log_r, z, c = self.tilt_G.draw(rng, size, s)
        mu = tridiagonal_spectra(a, e)  # the flipped frame's law is the same
        out = dict(gaps=np.empty((size, 0)), a_z=z, a_c=c)
        above = 0 if forced else k  # the first of mu above the shift
        lam, lo = mu, np.full(size, -np.inf)
        hi = mu[:, above] if above < mu.shape[1] else np.full(size, np.inf)
        if k and not forced:
            lo = mu[:, k - 1]
        elif forced:
            top, log_q = self.shift_G.draw(rng, hi, y_D[:, None])
            gaps, log_g = self.gaps_G.draw(rng, (size, k - 1))
            xi = np.concatenate([top[:, None], top[:, None] - gaps], axis=1)
            rest = np.log(np.abs(xi[:, :, None] - mu[:, None, :])).sum(axis=(1, 2))
            # the proposal makes the first of the k the largest: 1/k of the target's
            # labelled tuples, hence the log k
            log_r = log_r + forced_log_density(xi, rest, n, s) - log_g - log_q + math.log(k)
            lam, lo = np.concatenate([xi, mu], axis=1), top
            out.update(gaps=gaps, y_p=top, hi=hi)
        y_lo, y_hi = (lo, hi) if sign_f > 0 else (-hi, -lo)
        out.update(log_r=log_r, lam=sign_f * lam, y_lo=y_lo, y_hi=y_hi)
        return out

    def _log_density(self, y: NDArray) -> NDArray:
        """log N(y; 0, Sigma_yy / N) of the shifts y = (y_D, y_G), one row per draw."""
        z = np.linalg.solve(self._chol, y.T)
        return self._log_norm - 0.5 * (z * z).sum(axis=0)

    def _t(self, rng: np.random.Generator, y: NDArray) -> tuple[NDArray, NDArray]:
        """t given y = (y_D, y_G): its Gaussian law cut to the thresholds; (t, log mass).

        u_G bounds t = l_G/N; u_D bounds (l_D - l_G)/N = c . y + (c_t - 1) t, with v's
        first row of the inverse change of coordinates (c, c_t).
        """
        cut = t_cuts(y[:, 0], y[:, 1], self._tpar, np.empty((y.shape[0], 4)))
        mean, a, b, log_mass = cut.T
        sd = self.t_sd
        ok = np.isfinite(log_mass)
        t = mean.copy()
        if ok.any():
            t[ok] = stats.truncnorm.rvs(a[ok], b[ok], loc=mean[ok], scale=sd, random_state=rng)
        return t, log_mass

    # ------------------------------------------------------------------ draws
    def _g_shift(self, rng: np.random.Generator, d: dict, gb: dict) -> dict:
        """y_G and the G factor of |det J'|: drawn (y_G free) or integrated out.

        Integrated: Omega = diag(lambda_G) - B^T (D - y_D)^-1 B does not depend on
        y_G, so one eigensolve of it gives det(Omega - y_G) for every y_G, and the
        kernel integrates the Gaussian law of y_G given y_D times that determinant
        times the mass of t's cut over the interval of the asked index (exact up to
        quadrature).  The draw's y_G comes from that integrand normalised (a cell of
        the quadrature by its share, then uniform in it), so that thresholds below
        the question's see the right law; its term is the integral.
        """
        size = d["y"].size
        idx = np.arange(self.n_G - 1)
        mat = -d["schur"]
        if self.plan_G is None:
            mat[:, idx, idx] += gb["g"]
            sign_s, log_s = np.linalg.slogdet(mat)
            y = np.stack([d["y"], gb["y"]], axis=1)
            t, log_mass = self._t(rng, y)
            log_w = self._log_density(y) + log_mass - gb["log_q"]
            return dict(y=y, t=t, log_w=log_w, log_det=log_s, sign=sign_s,
                        neg=(gb["g"] < 0.0).sum(axis=1))  # fmt: skip
        mat[:, idx, idx] += gb["lam"]
        omega = np.linalg.eigvalsh(mat)
        res = integrate_shift(
            omega, gb["y_lo"], gb["y_hi"], self.g_slope * d["y"], self.g_sd, d["y"],
            self._tpar, *_GAUSS, rng.random((size, 2)), np.empty((size, 3)),
        )  # fmt: skip
        y = np.stack([d["y"], res[:, 1]], axis=1)
        t, _ = self._t(rng, y)
        var_D = self._chol[0, 0] ** 2
        log_p = -0.5 * d["y"] ** 2 / var_D - 0.5 * math.log(2.0 * math.pi * var_D)
        below = (omega < y[:, 1:]).sum(axis=1)
        return dict(y=y, t=t, log_w=log_p + res[:, 0] - res[:, 2], log_det=res[:, 2],
                    sign=(-1.0) ** below, neg=(gb["lam"] < y[:, 1:]).sum(axis=1))  # fmt: skip

    def draw(self, rng: np.random.Generator, size: int) -> dict[str, NDArray]:
        """``size`` draws: the fields of ``KacRiceSamples`` and, under "_fit", what the
        cross-entropy step needs."""
        d = self._d_block(rng, size)
        gb = self._g_block(rng, d["y"])
        g = self._g_shift(rng, d, gb)
        y = g["y"]
        v = np.column_stack([y, g["t"]]) @ self.v_of_w.T
        log_weight = g["log_w"] - d["log_q"] + d["log_r"] + gb["log_r"]
        sign_f, k, _ = self.plan_D
        neg_D = np.full(size, k if sign_f > 0 else (self.n_D - 1) - k, dtype=np.int64)
        return {
            "u_D": v[:, 0] - v[:, 1],
            "u_G": v[:, 1].copy(),
            "x": y[:, 1].copy(),
            "x1": y[:, 0] - y[:, 1],
            "log_abs_det": d["log_det"] + g["log_det"],
            "sign": (d["sign"] * g["sign"]).astype(np.int8),
            "neg_D": neg_D,
            "neg_G": g["neg"].astype(np.int64),
            "log_weight": log_weight,
            "_fit": (_pick(d, _FIT_KEYS), _pick(gb, (*_FIT_KEYS, "y")), y),
        }

    def update(self, draws: dict, w: NDArray, step: float) -> None:
        """Cross-entropy step towards the terms' weights ``w`` (normalised) of a pilot."""
        d, gb, y = draws["_fit"]
        self.tilt.update(w, d["a_z"], d["a_c"], step)
        self._update_shift(self.shift_D, d, np.empty((w.size, 0)), w, step)
        self.gaps_D.update(d["gaps"], w, step)
        if self.plan_G is None:
            self.shift_G.update(gb["y"], y[:, :1], w, step)
            return
        if self.shift_G is not None:
            self._update_shift(self.shift_G, gb, y[:, :1], w, step)
        self.gaps_G.update(gb["gaps"], w, step)
        self.tilt_G.update(w, gb["a_z"], gb["a_c"], step)

    @staticmethod
    def _update_shift(law, part: dict, x: NDArray, w: NDArray, step: float) -> None:
        if isinstance(law, IntervalLaw):
            law.update(part["y_p"], part["lo"], part["hi"], w, step)
        else:
            law.update(part["y_p"], part["hi"], x, w, step)


def sample_edge(
    constants: DerivedConstants,
    n_D: int,
    n_G: int,
    samples: int,
    rng: np.random.Generator,
    below: tuple[int, int | None],
    centre: NDArray,
    thresholds: tuple[float, float],
    question,
    max_bytes: int,
    pilot: int,
    rounds: int,
) -> tuple[dict[str, NDArray], int]:
    """Fit the edge sampler on ``rounds`` pilot batches of ``pilot`` draws (their terms
    for ``question``, which maps draws to log terms), then draw ``samples``.

    Returns the final draws (the fields of ``KacRiceSamples``) and the pilot draws
    spent.  A round moves the laws by the fraction ESS / (ESS + 2) of its effective
    sample size, and the fitting stops early once a round's ESS exceeds a fifth of it.
    """
    sampler = EdgeSampler(constants, n_D, n_G, below[0], below[1], centre, thresholds)
    per_draw = 8 * (n_D - 1) * (n_G - 1) * 2
    batch = max(1, max_bytes // per_draw)

    def draw(size: int, keep_fit: bool) -> dict[str, NDArray]:
        parts = [sampler.draw(rng, min(batch, size - i)) for i in range(0, size, batch)]
        out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if k != "_fit"}
        if keep_fit:  # one fit over all batches: (D arrays, G arrays, shifts)
            fits = [p["_fit"] for p in parts]
            blocks = [{k: np.concatenate([f[i][k] for f in fits]) for k in fits[0][i]}
                      for i in range(2)]  # fmt: skip
            out["_fit"] = (*blocks, np.concatenate([f[2] for f in fits]))
        return out

    spent = 0
    for _ in range(rounds):
        draws = draw(pilot, True)
        spent += pilot
        terms = question(draws)
        ok = np.isfinite(terms)
        if ok.sum() < 2:
            continue
        beta, w = _tempered(terms - terms[ok].max(), _TEMPER * pilot)
        ess = w.sum() ** 2 / (w * w).sum()
        sampler.update(draws, w / w.sum(), ess / (ess + 2.0))
        if beta == 1.0 and ess > 0.2 * pilot:
            break
    return draw(samples, False), spent


def _tempered(terms: NDArray, target: float) -> tuple[float, NDArray]:
    """(beta, weights exp(beta * terms)): beta = 1 where the weights' ESS reaches
    ``target``, else the largest beta whose ESS does (bisection; the ESS falls as beta
    grows).  Far from the target law a pilot's ESS is a few draws, too few to fit the
    laws' parameters; fitting to the tempered target first moves them towards it."""
    ok = np.isfinite(terms)
    t = np.where(ok, terms, 0.0)

    def weights(beta: float) -> tuple[NDArray, float]:
        w = np.where(ok, np.exp(beta * t), 0.0)
        return w, w.sum() ** 2 / (w * w).sum()

    w, ess = weights(1.0)
    if ess >= target:
        return 1.0, w
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if weights(mid)[1] >= target else (lo, mid)
    return lo, weights(lo)[0]
