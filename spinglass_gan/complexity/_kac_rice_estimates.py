"""Stored draws of the finite-N Kac-Rice expectation and the estimates formed from them.

Every estimate is the mean of iid terms T_k = P |det J'_k| w_k 1{draw k in the set} (P the
prefactor, w_k the importance weight); it comes with its standard error (sample standard
deviation of the T_k over sqrt(samples)) and the effective sample size
ESS = (sum_k T_k)^2 / sum_k T_k^2 (Kish), the number of equally weighted draws that would
give the same relative variance.  When the ESS is below a threshold the estimate and its
error are not trustworthy (the terms' distribution is dominated by a few draws):
:class:`KacRiceAccuracyWarning` says so, with the ESS and what to do.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ._kac_rice_common import LOG_MAX, DIndex
from ._kac_rice_common import d_index as _d_index
from ._kac_rice_common import index as _index
from ._kac_rice_common import threshold as _threshold
from .derived import DerivedConstants

__all__ = ["KacRiceAccuracyWarning", "KacRiceEstimate", "KacRiceSamples"]

MIN_ESS = 50.0  # default: fewer effective draws than this warn


class KacRiceAccuracyWarning(UserWarning):
    """A finite-N Kac-Rice estimate rests on too few effective draws to be trusted.

    Issued by the estimates that take ``min_ess`` (default 50:
    :meth:`KacRiceSamples.expected`, :meth:`KacRiceSamples.log_expected`,
    ``expected_critical_points``, ``log_expected_critical_points``) when the effective
    sample size (sum_k T_k)^2 / sum_k T_k^2 of the set's terms is below it: the mean
    and its standard error are then dominated by a few draws.  The message gives the
    ESS, the number of draws and how many fell in the set.  Remedies: more ``samples``,
    or ``proposal="auto"``.
    """


class KacRiceEstimate(tuple):
    """(value, stderr) of a Monte Carlo estimate, with its effective sample size.

    Unpacks and compares as the pair ``(value, stderr)``; the attributes add
    ``ess`` (Kish effective sample size of the terms, (sum T)^2 / sum T^2),
    ``samples`` (draws used) and ``hits`` (draws in the set).

    Parameters
    ----------
    value : float
        The estimate: an expected count (dimensionless) or (1/N) log of one (per N),
        as the function that returns it says.
    stderr : float
        Its Monte Carlo standard error, in the same units (for (1/N) log E # the
        delta-method error stderr(E #) / (N E #)).
    ess : float
        Kish effective sample size of the terms T_k, (sum_k T_k)^2 / sum_k T_k^2
        (0 when every term vanishes).
    samples : int
        Number of draws the estimate averages over.
    hits : int
        Number of those draws that fell in the set.
    """

    value: float
    stderr: float
    ess: float
    samples: int
    hits: int

    def __new__(cls, value: float, stderr: float, ess: float, samples: int, hits: int):
        obj = super().__new__(cls, (value, stderr))
        obj.value, obj.stderr = value, stderr
        obj.ess, obj.samples, obj.hits = float(ess), int(samples), int(hits)
        return obj

    def __getnewargs__(self):
        return (self.value, self.stderr, self.ess, self.samples, self.hits)

    def __repr__(self) -> str:
        return (
            f"KacRiceEstimate(value={self.value!r}, stderr={self.stderr!r}, "
            f"ess={self.ess:.1f}, samples={self.samples}, hits={self.hits})"
        )


def _ess(log_terms: NDArray) -> float:
    """(sum T)^2 / sum T^2 of the terms T = exp(log_terms) (0 when all vanish)."""
    finite = np.isfinite(log_terms)
    if not finite.any():
        return 0.0
    w = np.exp(log_terms[finite] - log_terms[finite].max())
    return float(w.sum() ** 2 / (w * w).sum())


def _check_ess(ess: float, samples: int, hits: int, min_ess: float, what: str) -> None:
    if ess >= min_ess:
        return
    warnings.warn(
        f"{what}: effective sample size {ess:.1f} of {samples} draws ({hits} in the set) is "
        f"below {min_ess:g}; the estimate and its standard error are unreliable. Increase "
        "samples, or use proposal='auto' (for index constraints it centres the draws on the "
        "indexed set and forces the blocks' eigenvalues across their shifts).",
        KacRiceAccuracyWarning,
        stacklevel=4,
    )


# ------------------------------------------------------------------ estimates
def _mean_stderr(log_terms: NDArray, signs: NDArray | None = None) -> tuple[float, float, float]:
    """(log scale m, mean / e^m, stderr / e^m) of the iid terms s_i exp(t_i).

    Terms with t_i = -inf are zeros and count in the sample size.
    """
    n = log_terms.size
    finite = np.isfinite(log_terms)
    if not finite.any():
        return 0.0, 0.0, 0.0
    m = float(log_terms[finite].max())
    w = np.exp(log_terms - m)
    if signs is not None:
        w = w * signs
    mean = float(w.mean())
    std = float(w.std(ddof=1)) if n > 1 else math.inf
    return m, mean, std / math.sqrt(n)


def _to_linear(m: float, mean: float, err: float, what: str) -> tuple[float, float]:
    if mean == 0.0 and err == 0.0:
        return 0.0, 0.0
    log_size = m + math.log(max(abs(mean), err))
    if not -LOG_MAX < log_size < LOG_MAX:
        raise FloatingPointError(
            f"the {what} is outside the float64 range (log ~ {log_size:.1f}); "
            "use log_expected instead"
        )
    scale = math.exp(m)
    return mean * scale, err * scale


@dataclass(frozen=True)
class KacRiceSamples:
    """Draws of the finite-N Kac-Rice expectation, reusable for any count.

    Each draw k carries the loss levels per N, u_D = (l_D - l_G)/N and u_G = l_G/N,
    the shifts x, x1, ``log|det J'|``, the sign of det J', the numbers of negative
    eigenvalues of the two diagonal blocks of J' and the log likelihood ratio of the
    Gaussian proposal (0 without importance sampling).  The expected number of
    critical points in a set S is ``exp(log_prefactor) * mean_k(|det J'_k|
    exp(log_weight_k) 1{draw k in S})``; see :meth:`expected`.

    Attributes
    ----------
    p, q, sigma_z, n_D, n_G
        The model and its sizes (N = n_D + n_G, kappa = n_D / N).
    constants : DerivedConstants
        b, b1, v_D, v_G, K.
    log_prefactor : float
        log[V_D V_G (2 pi)^(-(N-2)/2) v_D^(-(n_D-1)/2) v_G^(-(n_G-1)/2)].
    proposal_mean : ndarray, shape (3,)
        Location of the proposal law of (l_D, l_G, rho)/N (zeros: the exact law).
    proposal_cov : ndarray, shape (3, 3)
        N times its covariance (K: the exact law), or N times the scale matrix of a
        Student-t proposal.
    u_D, u_G, x, x1, log_abs_det, log_weight : ndarray, shape (samples,)
        Per-draw values (float64).
    sign : ndarray of int8, shape (samples,)
        sign det J'.
    neg_D, neg_G : ndarray of int, shape (samples,)
        Numbers of negative eigenvalues of the D block (order n_D - 1) and of the G
        block (order n_G - 1) of J' (-1 if drawn with ``indices=False``).
    forced_D, forced_G : int or None
        Block indices the draws were forced to (``kac_rice_samples(k_D=..., k_G=...)``
        with k >= 1, or any k with the edge sampler): such draws answer only
        questions with that index of that block (and, for the D block, the same
        ``d_index``), because the weight is the density ratio of the forced spectra
        on that event only.  None: not forced.
    forced_side : {"ascent", "descent"}
        The ``d_index`` of ``forced_D``.
    sampler : {"dense", "spectral", "edge"}
        How J' was drawn (``kac_rice_samples``).
    proposal_df : float
        Degrees of freedom of a Student-t proposal (inf: Gaussian).
    spectral_tilt : (float, float)
        (c, rho): the D block's tridiagonal part drawn as c + rho times a GOE matrix
        (``_kac_rice_spectral.d_block_tridiagonal``); (0, 1): untilted.
    pilot_samples : int
        Draws spent (and discarded) adapting the proposal.
    max_thresholds : (float, float)
        The highest (u_D, u_G) the draws answer: the edge sampler draws l_G/N inside
        its question's thresholds (with the mass of the cut in the weight), which is
        unbiased for those and lower thresholds only.  (inf, inf) otherwise.
    """

    p: int
    q: int
    sigma_z: float
    n_D: int
    n_G: int
    constants: DerivedConstants
    log_prefactor: float
    proposal_mean: NDArray[np.float64]
    proposal_cov: NDArray[np.float64]
    u_D: NDArray[np.float64]
    u_G: NDArray[np.float64]
    x: NDArray[np.float64]
    x1: NDArray[np.float64]
    log_abs_det: NDArray[np.float64]
    sign: NDArray[np.int8]
    neg_D: NDArray[np.int64]
    neg_G: NDArray[np.int64]
    log_weight: NDArray[np.float64] = field(repr=False)
    forced_D: int | None = None
    forced_G: int | None = None
    forced_side: DIndex = "ascent"
    sampler: str = "dense"
    proposal_df: float = math.inf
    spectral_tilt: tuple[float, float] = (0.0, 1.0)
    pilot_samples: int = 0
    max_thresholds: tuple[float, float] = (math.inf, math.inf)

    @property
    def n(self) -> int:
        """N = n_D + n_G."""
        return self.n_D + self.n_G

    @property
    def samples(self) -> int:
        """Number of draws (pilot draws of an adaptive proposal not included)."""
        return self.u_D.size

    def k_D(self, d_index: DIndex = "ascent") -> NDArray[np.int64]:
        """Per-draw D index: negative (``"ascent"``) or positive (``"descent"``) eigenvalues.

        Parameters
        ----------
        d_index : {"ascent", "descent"}
            Which eigenvalues of the D block of J' (order n_D - 1) to count.

        Returns
        -------
        ndarray of int, shape (samples,)
            The D index of each draw: ``neg_D`` for "ascent", n_D - 1 - ``neg_D`` for
            "descent" (meaningless for draws made with ``indices=False``, whose
            ``neg_D`` is -1).
        """
        return self.neg_D if _d_index(d_index) == "ascent" else (self.n_D - 1) - self.neg_D

    def mask(
        self,
        u_D: float = np.inf,
        u_G: float = np.inf,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
    ) -> NDArray[np.bool_]:
        """Draws with u_D <= ``u_D``, u_G <= ``u_G`` and the given block indices.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per N, on u_D = (l_D - l_G)/N and u_G = l_G/N (+inf: none).
        k_D, k_G : int or None
            Block indices; None: any.
        d_index : {"ascent", "descent"}
            k_D counts negative (default) or positive eigenvalues of the D block of J'.

        Returns
        -------
        ndarray of bool, shape (samples,)
            True for the draws in the set.

        Raises
        ------
        ValueError
            If an index is asked of draws made with ``indices=False``, or of draws
            forced to another index (``forced_D``, ``forced_G``), or a threshold above
            ``max_thresholds``.
        """
        u_D = _threshold("u_D", u_D)
        u_G = _threshold("u_G", u_G)
        self._check_caps(u_D, u_G)
        k_D = _index("k_D", k_D, self.n_D - 1)
        k_G = _index("k_G", k_G, self.n_G - 1)
        keep = (self.u_D <= u_D) & (self.u_G <= u_G)
        if (k_D is not None or k_G is not None) and self.samples and self.neg_D[0] < 0:
            raise ValueError("k_D and k_G need samples drawn with indices=True")
        self._check_forced(k_D, k_G, _d_index(d_index))
        if k_D is not None:
            keep &= self.k_D(d_index) == k_D
        if k_G is not None:
            keep &= self.neg_G == k_G
        return keep

    def _above(self, g_D: NDArray, g_G: NDArray) -> NDArray[np.bool_]:
        """Cells of the grid g_G x g_D above ``max_thresholds``."""
        cap_D, cap_G = self.max_thresholds
        return (g_G[:, None] > cap_G) | (g_D[None, :] > cap_D)

    def _check_caps(self, u_D: object, u_G: object) -> None:
        """Refuse thresholds (or grids) reaching above ``max_thresholds``."""
        top_D, top_G = (float(np.max(np.asarray(g, dtype=float))) for g in (u_D, u_G))
        cap_D, cap_G = self.max_thresholds
        if top_D > cap_D or top_G > cap_G:
            raise ValueError(
                f"these draws were cut to the thresholds u_D <= {cap_D}, u_G <= {cap_G} and "
                f"answer only those or lower ones; draw again for u_D = {top_D}, u_G = {top_G}"
            )

    def _check_forced(self, k_D: int | None, k_G: int | None, side: DIndex) -> None:
        if self.forced_D is not None and (k_D != self.forced_D or side != self.forced_side):
            raise ValueError(
                f"these draws were forced to k_D = {self.forced_D} (d_index="
                f"{self.forced_side!r}) and answer only that D index; draw again for k_D = {k_D}"
            )
        if self.forced_G is not None and k_G != self.forced_G:
            raise ValueError(
                f"these draws were forced to k_G = {self.forced_G} and answer only that G "
                f"index; draw again for k_G = {k_G}"
            )

    def log_terms(self, mask: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
        """log of each draw's term, prefactor included; -inf outside ``mask``.

        Parameters
        ----------
        mask : ndarray of bool, shape (samples,), optional
            Draws to keep (default: all).

        Returns
        -------
        ndarray, shape (samples,)
            log T_k = ``log_prefactor + log_abs_det + log_weight`` (natural log, not
            divided by N) for each draw in the mask, -inf elsewhere.
        """
        t = self.log_prefactor + self.log_abs_det + self.log_weight
        return t if mask is None else np.where(mask, t, -np.inf)

    def _estimate(self, keep: NDArray[np.bool_], signed: bool) -> tuple[float, float, float]:
        if self.samples < 2:
            raise ValueError("a standard error needs samples >= 2")
        signs = None
        if signed:
            signs = self.sign.astype(float) * (-1.0) ** (self.n_D - 1)
        return _mean_stderr(self.log_terms(keep), signs)

    def _quality(self, keep, u_D, u_G, min_ess, what) -> tuple[float, int]:
        """ESS and hits of the set; warns (KacRiceAccuracyWarning) below ``min_ess``
        unless a threshold of -inf makes the set empty exactly."""
        ess = _ess(self.log_terms(keep))
        hits = int(keep.sum())
        if min(_threshold("u_D", u_D), _threshold("u_G", u_G)) > -math.inf:
            _check_ess(ess, self.samples, hits, float(min_ess), what)
        return ess, hits

    def expected(
        self,
        u_D: float = np.inf,
        u_G: float = np.inf,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
        min_ess: float = MIN_ESS,
    ) -> KacRiceEstimate:
        """Expected number of critical points in the set, and its standard error.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per N: L_D <= N u_D and L_G <= N u_G (+inf: no bound).
        k_D, k_G : int or None
            Block indices (None: any).
        d_index : {"ascent", "descent"}
            k_D counts negative (ascent of L_D) or positive (descent) eigenvalues of
            the D block of J'.
        min_ess : float
            Warn (:class:`KacRiceAccuracyWarning`) when the effective sample size of
            the set's terms is below this.

        Returns
        -------
        KacRiceEstimate
            (mean, stderr), dimensionless counts, with ``.ess``, ``.samples`` and
            ``.hits``.  (0.0, 0.0) when no draw falls in the set (with a warning
            unless a threshold is -inf, which makes the set empty exactly).

        Raises
        ------
        FloatingPointError
            If the count overflows (or underflows) float64; use :meth:`log_expected`.
        """
        keep = self.mask(u_D, u_G, k_D, k_G, d_index=d_index)
        ess, hits = self._quality(keep, u_D, u_G, min_ess, "expected count")
        mean, err = _to_linear(*self._estimate(keep, False), "expected count")
        return KacRiceEstimate(mean, err, ess, self.samples, hits)

    def log_expected(
        self,
        u_D: float = np.inf,
        u_G: float = np.inf,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
        min_ess: float = MIN_ESS,
    ) -> KacRiceEstimate:
        """(1/N) log of :meth:`expected` and its delta-method standard error.

        The error is stderr / (N mean); it is meaningful while stderr << mean, i.e.
        while the effective sample size (``.ess`` of the result) is large.  Below
        ``min_ess`` a :class:`KacRiceAccuracyWarning` names it.  Computed in log space,
        so it works where the count itself overflows float64.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per N: L_D <= N u_D and L_G <= N u_G (+inf: no bound).
        k_D, k_G : int or None
            Block indices (None: any).
        d_index : {"ascent", "descent"}
            k_D counts negative (default) or positive eigenvalues of the D block of J'.
        min_ess : float
            Warn (:class:`KacRiceAccuracyWarning`) when the effective sample size of
            the set's terms is below this.

        Returns
        -------
        KacRiceEstimate
            (value, stderr): (1/N) log E # (per N) and stderr(E #) / (N E #), with
            ``.ess``, ``.samples`` and ``.hits``.  (-inf, inf), with the warning unless
            a threshold is -inf, when no draw falls in the set.
        """
        keep = self.mask(u_D, u_G, k_D, k_G, d_index=d_index)
        ess, hits = self._quality(keep, u_D, u_G, min_ess, "(1/N) log expected count")
        m, mean, err = self._estimate(keep, False)
        if mean <= 0.0:
            return KacRiceEstimate(-math.inf, math.inf, ess, self.samples, hits)
        n = self.n
        return KacRiceEstimate((m + math.log(mean)) / n, err / (mean * n), ess, self.samples, hits)

    def _map_sums(self, u_D, u_G, k_D, k_G, d_index) -> tuple[float, NDArray, NDArray]:
        """Log scale m and the sums of w_k and w_k^2 (w_k = term_k e^-m) over each quadrant;
        NaN for the cells above ``max_thresholds``, which these draws do not answer."""
        grids = []
        for name, grid in (("u_D", u_D), ("u_G", u_G)):
            g = np.asarray(grid, dtype=float)
            if g.ndim != 1 or g.size < 1 or np.isnan(g).any() or np.any(np.diff(g) <= 0):
                raise ValueError(f"{name} must be a 1-D increasing array without NaN")
            grids.append(g)
        g_D, g_G = grids
        keep = self.mask(*self.max_thresholds, k_D, k_G, d_index=d_index)
        keep &= (self.u_D <= g_D[-1]) & (self.u_G <= g_G[-1])
        t = self.log_terms(keep)
        finite = np.isfinite(t)
        shape = (g_G.size, g_D.size)
        if not finite.any():
            above = self._above(g_D, g_G)
            return 0.0, np.where(above, np.nan, 0.0), np.where(above, np.nan, 0.0)
        m = float(t[finite].max())
        w = np.exp(t[finite] - m)
        i_D = np.searchsorted(g_D, self.u_D[finite], side="left")
        i_G = np.searchsorted(g_G, self.u_G[finite], side="left")
        cell = i_G * g_D.size + i_D
        s1 = np.bincount(cell, w, g_G.size * g_D.size).reshape(shape)
        s2 = np.bincount(cell, w * w, g_G.size * g_D.size).reshape(shape)
        above = self._above(g_D, g_G)
        s1 = np.where(above, np.nan, s1.cumsum(0).cumsum(1))
        return m, s1, np.where(above, np.nan, s2.cumsum(0).cumsum(1))

    def expected_map(
        self,
        u_D: NDArray[np.float64],
        u_G: NDArray[np.float64],
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """:meth:`expected` on the grid u_D x u_G, from the same draws, in one pass.

        Parameters
        ----------
        u_D, u_G : array_like, 1-D, increasing
            Loss thresholds per N (+inf allowed).
        k_D, k_G, d_index
            As in :meth:`expected`.

        Returns
        -------
        (mean, stderr) : ndarrays of shape (u_G.size, u_D.size)
            Indexed [i_G, i_D]; equal to :meth:`expected` at each point up to rounding.

        Raises
        ------
        ValueError
            As :meth:`mask`, for a grid reaching above ``max_thresholds``.
        """
        self._check_caps(u_D, u_G)
        m, s1, s2 = self._map_sums(u_D, u_G, k_D, k_G, d_index)
        n = self.samples
        mean = s1 / n
        err = np.sqrt(np.maximum(s2 / n - mean**2, 0.0) * n / (n - 1) / n)
        top = float(max(mean.max(), err.max()))
        if top > 0.0 and not -LOG_MAX < m + math.log(top) < LOG_MAX:
            raise FloatingPointError(
                "the counts are outside the float64 range; use log_expected_map"
            )
        return mean * math.exp(m), err * math.exp(m)

    def log_expected_map(
        self,
        u_D: NDArray[np.float64],
        u_G: NDArray[np.float64],
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(1/N) log of :meth:`expected_map` and its delta-method error.

        Computed in log space, so it works where the counts overflow float64.  Unlike
        :meth:`log_expected` it does not warn on a small effective sample size.

        Parameters
        ----------
        u_D, u_G : array_like, 1-D, increasing
            Grids of loss thresholds per N (+inf allowed).
        k_D, k_G : int or None
            Block indices; None: any.
        d_index : {"ascent", "descent"}
            k_D counts negative (default) or positive eigenvalues of the D block of J'.

        Returns
        -------
        (value, stderr) : ndarrays of shape (u_G.size, u_D.size)
            Indexed [i_G, i_D]: (1/N) log E # (per N) and stderr(E #) / (N E #);
            -inf and inf where no draw falls in the set.

        Raises
        ------
        ValueError
            As :meth:`mask`, for a grid reaching above ``max_thresholds``.
        """
        self._check_caps(u_D, u_G)
        m, s1, s2 = self._map_sums(u_D, u_G, k_D, k_G, d_index)
        n = self.samples
        mean = s1 / n
        err = np.sqrt(np.maximum(s2 / n - mean**2, 0.0) * n / (n - 1) / n)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(mean > 0, (m + np.log(mean)) / self.n, -np.inf)
            lerr = np.where(mean > 0, err / (mean * self.n), np.inf)
        return value, lerr

    def signed_sum(
        self,
        u_D: float = np.inf,
        u_G: float = np.inf,
        k_D: int | None = None,
        k_G: int | None = None,
        *,
        d_index: DIndex = "ascent",
    ) -> tuple[float, float]:
        """E[sum over critical points in the set of sign det J], and its standard error.

        J is the unflipped Jacobian, det J = (-1)^(n_D - 1) det J'.  Without thresholds
        or index constraints this is chi(S^(n_D-1)) chi(S^(n_G-1)) exactly
        (Poincare-Hopf; chi(S^n) = 1 + (-1)^n), a check of every constant of the formula.

        Parameters
        ----------
        u_D, u_G : float
            Loss thresholds per N (+inf: none).
        k_D, k_G : int or None
            Block indices; None: any.
        d_index : {"ascent", "descent"}
            k_D counts negative (default) or positive eigenvalues of the D block of J'.

        Returns
        -------
        (value, stderr) : tuple of float
            The expected signed count (dimensionless) and its Monte Carlo standard
            error.

        Raises
        ------
        FloatingPointError
            If the signed sum overflows (or underflows) float64.
        """
        keep = self.mask(u_D, u_G, k_D, k_G, d_index=d_index)
        return _to_linear(*self._estimate(keep, True), "signed sum")
