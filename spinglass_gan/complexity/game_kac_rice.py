r"""Exact finite-N Kac-Rice formula for spherical spin-glass games, by Monte Carlo.

For a game (:class:`~spinglass_gan.complexity.game_spec.GameSpec`) with N_s weights in species s
(N = sum N_s, every sphere of radius sqrt(N)) and any set S of loss levels per N,

    E #{critical points with (L_s / N)_s in S}
      = prod_s [ V_s (2 pi v_s)^(-(N_s - 1)/2) ] * E[ |det J'| 1{(L_s / N)_s in S} ],

    V_s = 2 pi^(N_s/2) N^((N_s - 1)/2) / Gamma(N_s/2)   (the area of S^(N_s - 1)(sqrt N)),
    J'  = W - diag(x_s I_{N_s - 1}),

with W a symmetric Gaussian block matrix (block (s, t) of size (N_s - 1) x (N_t - 1),
entries of variance sigma_st / N, diagonal entries of the diagonal blocks twice that: a
GOE per diagonal block), independent of the Gaussian vector Y of all field values and
radial derivatives (covariance N K), which gives the shifts x = A Y / N and the losses
B Y / N.  sigma, v, K, A and B are the game's arrays.  K is singular for pure fields
(Euler's identity); Y is drawn in its range, through the eigen-decomposition of K.

With det J' (signed) in place of |det J'|, and the sign prod_s eps_s^(N_s - 1) of the row
flips, the same formula gives E[sum over critical points of sign det J] =
prod_s chi(S^(N_s - 1)) (Poincare-Hopf): an exact check of every constant.

Importance sampling (``proposal="auto"``, module ``_game_proposal``): the integrand
depends on Y only through (x, L / N), law N(0, G/N) on range(G), and concentrates
as N grows where L(x) - (x, ell)^T G^+ (x, ell) / 2 is largest under the thresholds,
which for many members is far from 0 (plain draws then reach it with probability
exp(-N c), and the estimate rests on a handful of draws).  "auto" draws (x, L / N)
from Student t laws centred there, with the exact likelihood ratio as a weight, so the
estimator stays unbiased.  Every estimate carries its effective sample size
(sum T)^2 / sum T^2 of the terms T_k (Kish) and warns
(:class:`~spinglass_gan.complexity.kac_rice.KacRiceAccuracyWarning`) below a minimum.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from .. import _validation as val
from ._game_proposal import auto_proposal
from ._kac_rice_common import MAX_BYTES, log_sphere_area
from ._kac_rice_estimates import (
    MIN_ESS,
    KacRiceEstimate,
    _check_ess,
    _ess,
    _mean_stderr,
    _to_linear,
)
from ._kac_rice_kernels import fill_symmetric
from .game_spec import GameSpec

__all__ = ["GameKacRiceSamples", "game_kac_rice_samples", "log_prefactor"]


def log_prefactor(game: GameSpec, sizes: Sequence[int]) -> float:
    """log prod_s [V_s (2 pi v_s)^(-(N_s - 1)/2)] (dimensionless); per N it tends to C*."""
    sizes = game.check_sizes(sizes)
    n = sum(sizes)
    v = game.gradient_variances
    out = 0.0
    for n_s, v_s in zip(sizes, v):
        out += log_sphere_area(n_s, n) - 0.5 * (n_s - 1) * math.log(2.0 * math.pi * v_s)
    return out


def _thresholds(u: object, k: int) -> NDArray[np.float64]:
    if u is None:
        return np.full(k, np.inf)
    if isinstance(u, (str, bytes)) or not isinstance(u, Sequence | np.ndarray) or len(u) != k:
        raise ValueError(f"u must be None or a sequence of K = {k} loss levels, got {u!r}")
    out = np.array([val.real_scalar("u", x) if math.isfinite(float(x)) else float(x) for x in u])
    if np.isnan(out).any():
        raise ValueError("u must not contain NaN")
    return out


@dataclass(frozen=True)
class GameKacRiceSamples:
    """Draws of the finite-N Kac-Rice expectation of a game, reusable for any threshold.

    Draw k contributes the term T_k = exp(log_prefactor + log_abs_det_k + log_weight_k)
    to every set it falls in; an expected count is the mean of the T_k over all draws
    (zero outside the set), its standard error their standard deviation over
    sqrt(samples), and its effective sample size (sum T)^2 / sum T^2 (Kish).

    Attributes
    ----------
    game : GameSpec
    sizes : tuple of int
        N_s per species.
    log_prefactor : float
        log prod_s [V_s (2 pi v_s)^(-(N_s - 1)/2)].
    losses : ndarray, shape (samples, K)
        L_s / N per draw.
    shifts : ndarray, shape (samples, K)
        x_s per draw.
    log_abs_det : ndarray, shape (samples,)
        log |det J'|.
    sign : ndarray of int8, shape (samples,)
        sign det J'.
    log_weight : ndarray, shape (samples,), optional
        log of the likelihood ratio of the law of (x, L / N) to the proposal it was
        drawn from (zeros, the default: drawn from the law itself).
    proposal : {"plain", "auto"}
        How (x, L / N) was drawn (``game_kac_rice_samples``).
    pilot_samples : int
        Draws spent (and discarded) adapting an "auto" proposal.
    """

    game: GameSpec
    sizes: tuple[int, ...]
    log_prefactor: float
    losses: NDArray[np.float64]
    shifts: NDArray[np.float64]
    log_abs_det: NDArray[np.float64]
    sign: NDArray[np.int8]
    log_weight: NDArray[np.float64] | None = field(default=None, repr=False)
    proposal: str = "plain"
    pilot_samples: int = 0

    def __post_init__(self) -> None:
        if self.log_weight is None:
            object.__setattr__(self, "log_weight", np.zeros(self.log_abs_det.size))

    @property
    def samples(self) -> int:
        return self.log_abs_det.size

    @property
    def flip_sign(self) -> int:
        """prod_s eps_s^(N_s - 1): det J = flip_sign * det J'."""
        return math.prod(e ** (n - 1) for e, n in zip(self.game.signs, self.sizes))

    def log_terms(self, u: Sequence[float] | None = None) -> NDArray[np.float64]:
        """log T_k for the draws with L_s / N <= u_s for all s, -inf for the others."""
        keep = np.all(self.losses <= _thresholds(u, self.game.K), axis=1)
        t = self.log_prefactor + self.log_abs_det + self.log_weight
        return np.where(keep, t, -np.inf)

    def _estimate(self, u: object, signed: bool) -> tuple[float, float, float]:
        if self.samples < 2:
            raise ValueError("a standard error needs samples >= 2")
        return _mean_stderr(self.log_terms(u), self.sign * self.flip_sign if signed else None)

    def _quality(self, u: object, min_ess: float, what: str) -> tuple[float, int]:
        """ESS and hits below u; warns below ``min_ess`` unless a level of -inf makes
        the set empty exactly."""
        t = self.log_terms(u)
        ess, hits = _ess(t), int(np.isfinite(t).sum())
        if not np.any(_thresholds(u, self.game.K) == -np.inf):
            _check_ess(ess, self.samples, hits, float(min_ess), what)
        return ess, hits

    def expected(
        self, u: Sequence[float] | None = None, *, min_ess: float = MIN_ESS
    ) -> KacRiceEstimate:
        """Expected number of critical points with L_s / N <= u_s for all s, and its stderr.

        Parameters
        ----------
        u : sequence of K floats, optional
            Loss levels per N (+inf: no bound; None: no bound at all).
        min_ess : float
            Warn (:class:`~spinglass_gan.complexity.kac_rice.KacRiceAccuracyWarning`)
            when the effective sample size of the set's terms is below this.

        Returns
        -------
        KacRiceEstimate
            (mean, stderr), dimensionless, with ``.ess``, ``.samples`` and ``.hits``.

        Raises
        ------
        FloatingPointError
            If the count is outside the float64 range (use :meth:`log_expected`).
        """
        ess, hits = self._quality(u, min_ess, "expected count")
        mean, err = _to_linear(*self._estimate(u, False), "count")
        return KacRiceEstimate(mean, err, ess, self.samples, hits)

    def log_expected(
        self, u: Sequence[float] | None = None, *, min_ess: float = MIN_ESS
    ) -> KacRiceEstimate:
        """(1/N) log :meth:`expected` and its delta-method error stderr / (N mean).

        Parameters
        ----------
        u : sequence of K floats, optional
            Loss levels per N (+inf: no bound; None: no bound at all).
        min_ess : float
            Warn (:class:`~spinglass_gan.complexity.kac_rice.KacRiceAccuracyWarning`)
            when the effective sample size of the set's terms is below this.

        Returns
        -------
        KacRiceEstimate
            (value, stderr) per N with ``.ess``, ``.samples`` and ``.hits``;
            (-inf, inf), with the warning unless a level is -inf, when no draw is in
            the set.
        """
        ess, hits = self._quality(u, min_ess, "(1/N) log expected count")
        m, mean, err = self._estimate(u, False)
        if mean <= 0.0:
            return KacRiceEstimate(-math.inf, math.inf, ess, self.samples, hits)
        n = sum(self.sizes)
        return KacRiceEstimate((m + math.log(mean)) / n, err / (mean * n), ess, self.samples, hits)

    def signed_sum(self) -> tuple[float, float]:
        """E[sum over critical points of sign det J] and its stderr: prod_s chi(S^(N_s-1))."""
        m, mean, err = self._estimate(None, True)
        return _to_linear(m, mean, err, "count")


def _range_root(cov: NDArray[np.float64]) -> NDArray[np.float64]:
    """R with R R^T = cov for a positive semi-definite cov (eigenvalues below rounding: 0)."""
    w, u = np.linalg.eigh(cov)
    tol = 1e-12 * max(float(w.max()), 1e-300)
    if w.min() < -1e-9 * max(float(w.max()), 1.0):
        raise ValueError("the field covariance is not positive semi-definite")
    return u * np.sqrt(np.where(w > tol, w, 0.0))


def draw_terms(
    game: GameSpec,
    sizes: tuple[int, ...],
    samples: int,
    gen: np.random.Generator,
    max_bytes: int = MAX_BYTES,
    indices: bool = False,
) -> dict[str, NDArray]:
    """The draws of the finite-N expectation: the one sampler of games and of the GAN model.

    In this order from ``gen``: Y for all draws, (samples, 3K + 1) standard normals through
    the range root of K (Y / N has covariance K / N); then W batch by batch,
    (batch, m, m) standard normals symmetrised, m = sum N_s - K.  The GAN model's
    plain Monte Carlo (``kac_rice_samples`` without a proposal) calls this through its
    isotropic preset, so the same seed gives the same draws in both.

    Parameters
    ----------
    game : GameSpec
    sizes : tuple of int
        N_s per species (checked).
    samples : int
        Draws, >= 2.
    gen : numpy.random.Generator
    max_bytes : int
        Bound on the memory of the matrices held at once.
    indices : bool
        Also count the negative eigenvalues of each diagonal block of J' (one symmetric
        eigensolve per block and draw; they draw nothing from ``gen``).

    Returns
    -------
    dict
        ``losses`` and ``shifts`` (samples, K), ``log_abs_det`` (samples,), ``sign``
        (int8) and ``neg`` ((samples, K) block indices, -1 without ``indices``).
    """
    n = sum(sizes)
    root = _range_root(game.field_covariance)
    y = gen.standard_normal((samples, root.shape[1])) @ root.T / math.sqrt(n)
    shifts = y @ game.shift_map.T
    out = jacobian_terms(game, sizes, shifts, gen, max_bytes, indices)
    return {"losses": y @ game.loss_map.T, "shifts": shifts, **out}


def jacobian_terms(
    game: GameSpec,
    sizes: tuple[int, ...],
    shifts: NDArray[np.float64],
    gen: np.random.Generator,
    max_bytes: int = MAX_BYTES,
    indices: bool = False,
) -> dict[str, NDArray]:
    """log|det J'|, its sign and (with ``indices``) the blocks' negative eigenvalues, for
    one fresh W per row of ``shifts`` (J' = W - diag(shifts)), drawn batch by batch as
    in :func:`draw_terms`."""
    n = sum(sizes)
    samples = shifts.shape[0]
    blocks = np.repeat(np.arange(game.K), [s - 1 for s in sizes])
    edges = np.concatenate([[0], np.cumsum([s - 1 for s in sizes])])
    scale = np.sqrt(game.profile[np.ix_(blocks, blocks)] / n)
    m = blocks.size
    batch = max(1, min(samples, max_bytes // (8 * m * m)))
    log_abs_det = np.empty(samples)
    sign = np.empty(samples, dtype=np.int8)
    neg = np.full((samples, game.K), -1, dtype=np.int64)
    buf = np.empty((batch, m, m))
    for start in range(0, samples, batch):
        stop = min(samples, start + batch)
        mats = buf[: stop - start]
        # W - diag(shifts): (G + G^T) / sqrt(2) * scale, G drawn matrix by matrix
        fill_symmetric(gen, mats, scale, np.ascontiguousarray(shifts[start:stop][:, blocks]))
        if indices:  # eigvalsh reads one triangle; slogdet's LU works on a copy
            for s, (lo, hi) in enumerate(pairwise(edges)):
                neg[start:stop, s] = (np.linalg.eigvalsh(mats[:, lo:hi, lo:hi]) < 0.0).sum(1)
        sgn, logdet = np.linalg.slogdet(mats)
        sign[start:stop] = sgn
        log_abs_det[start:stop] = logdet
    if np.isnan(log_abs_det).any():
        raise FloatingPointError("slogdet returned NaN (non-finite Jacobian entries)")
    return {"log_abs_det": log_abs_det, "sign": sign, "neg": neg}


def game_kac_rice_samples(
    game: GameSpec,
    sizes: Sequence[int],
    samples: int = 100_000,
    rng: int | np.random.Generator | None = None,
    *,
    proposal: str | None = None,
    u: Sequence[float] | None = None,
    max_bytes: int = MAX_BYTES,
) -> GameKacRiceSamples:
    """Draw the terms of the finite-N Kac-Rice expectation of ``game`` once.

    Parameters
    ----------
    game : GameSpec
    sizes : sequence of K ints
        N_s >= 2 per species.
    samples : int
        Independent draws of (W, Y), >= 2.
    rng : int, Generator or None
        Seed or generator.
    proposal : {None, "auto"}
        None: Y from its own law N(0, N K) (plain Monte Carlo; every draw has weight
        1, and one set of draws serves every threshold equally).  "auto": importance
        sampling for the count below ``u``: y' = (x, L / N) is drawn from a mixture of
        Student t laws centred at the maximisers of the N -> infinity exponent over
        {L / N <= u} (and their mirror images), with their Laplace covariances, moved
        towards the finite-N integrand by up to three pilot rounds of
        max(200, min(samples / 16, 2000)) draws each (discarded); each draw carries
        the exact log-likelihood ratio (``log_weight``), so estimates stay unbiased
        for any threshold, and are most precise for ``u``.  Where the set below
        ``u`` is empty at exponential order, "auto" draws plainly.
    u : sequence of K floats, optional
        Loss levels per N that ``proposal="auto"`` targets (None: no bound).
    max_bytes : int
        Bound on the memory of the matrices held at once.

    Returns
    -------
    GameKacRiceSamples
    """
    sizes = game.check_sizes(sizes)
    samples = val.integer("samples", samples, 2)
    max_bytes = val.integer("max_bytes", max_bytes, 1)
    if proposal is not None and proposal != "auto":
        raise ValueError(f"proposal must be None or 'auto', got {proposal!r}")
    levels = _thresholds(u, game.K)
    gen = np.random.default_rng(rng)
    n = sum(sizes)

    def log_dets(shifts: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
        out = jacobian_terms(game, sizes, shifts, gen, max_bytes)
        return out["log_abs_det"], out["sign"]

    law, spent = None, 0
    if proposal == "auto" and not np.any(levels == -np.inf):
        pilot = max(200, min(samples // 16, 2000))
        law, spent = auto_proposal(game, n, levels, gen, log_dets, pilot)
    if law is None:  # the plain stream, shared with the GAN model's plain sampler
        d = draw_terms(game, sizes, samples, gen, max_bytes)
        shifts, losses, log_weight = d["shifts"], d["losses"], np.zeros(samples)
        log_abs_det, sign = d["log_abs_det"], d["sign"]
    else:
        _, shifts, losses, log_weight = law.draw(gen, n, samples)
        log_abs_det, sign = log_dets(shifts)
    return GameKacRiceSamples(
        game,
        sizes,
        log_prefactor(game, sizes),
        losses,
        shifts,
        log_abs_det,
        sign,
        log_weight,
        "plain" if law is None else "auto",
        spent,
    )
