"""The model's own Kac-Rice formula at finite N, by Monte Carlo.

For the GAN spin glass with n_D discriminator and n_G generator weights (N = n_D + n_G,
both spheres of radius sqrt(N)), the expected number of critical points whose losses
satisfy L_D <= N u_D, L_G <= N u_G and whose Jacobian has block indices (k_D, k_G) is
exactly

    E # = V_D V_G (2 pi)^(-(N-2)/2) v_D^(-(n_D-1)/2) v_G^(-(n_G-1)/2)
          * E[ |det J'| 1{(l_D - l_G)/N <= u_D, l_G/N <= u_G} 1{indices} ],

    V_n = 2 pi^(n/2) N^((n-1)/2) / Gamma(n/2)   (the area of S^(n-1)(sqrt N)),
    J'  = b M + blockdiag(b1 M1, 0) - diag((x + x1) I_{n_D-1}, x I_{n_G-1}),
    x   = (r l_G - rho)/N,   x1 = (2 rho - p l_D - r l_G)/N,   (l_D, l_G, rho) ~ N(0, N K),

with M (order N-2, off-diagonal variance 1/(2N)) and M1 (order n_D-1, off-diagonal
variance 1/(2 n_D)) independent GOE matrices, independent of (l_D, l_G, rho).  The
constants b, b1, v_D, v_G and K are those of
:class:`~spinglass_gan.complexity.derived.DerivedConstants`
(docs/theory.md, "The model's own Kac-Rice formula"; docs/kac-rice-finite-n.md).

Indices: k_G is the number of negative eigenvalues of the G block of J' (descent
directions of L_G in w_G); k_D the number of negative eigenvalues of its D block
(``d_index="ascent"``: ascent directions of L_D, since the D rows of the Jacobian are
negated in J') or of positive ones (``d_index="descent"``).

The expectation is a Monte Carlo average over ``samples`` independent draws of
(l_D, l_G, rho, M, M1), each giving one term prefactor * |det J'| * weight; log|det J'|
comes from a batched LU (``numpy.linalg.slogdet``) and the terms are combined in log
space, so N of a few hundred is fine.  (l_D, l_G, rho) may be drawn from another
Gaussian (importance sampling: centred where the integrand concentrates, with its
Laplace covariance) with the exact likelihood ratio as the weight; the estimator stays
unbiased and its standard error is the sample standard deviation of the iid terms over
sqrt(samples).

One set of draws answers every threshold and index question: :func:`kac_rice_samples`
returns a :class:`KacRiceSamples` whose :meth:`~KacRiceSamples.expected` forms any
count from the stored per-draw terms.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from .. import _validation as val
from ._kac_rice_common import (
    MAX_BYTES,
    MAX_DRAW_BYTES,
    DIndex,
    Proposal,
    RngLike,
    Sampler,
    log_prefactor,
    model_constants,
    sizes,
)
from ._kac_rice_common import d_index as _d_index
from ._kac_rice_common import index as _index
from ._kac_rice_common import threshold as _threshold
from ._kac_rice_edge import sample_edge
from ._kac_rice_estimates import MIN_ESS, KacRiceAccuracyWarning, KacRiceEstimate, KacRiceSamples
from ._kac_rice_plain import plain_draws
from ._kac_rice_proposals import adapt, forcing_plan, proposal_law, sample_dense, sample_spectral
from .derived import DerivedConstants
from .quadrant import QuadrantSolver

__all__ = [
    "KacRiceAccuracyWarning",
    "KacRiceEstimate",
    "KacRiceSaddle",
    "KacRiceSamples",
    "expected_critical_points",
    "kac_rice_saddle",
    "kac_rice_samples",
    "log_expected_critical_points",
    "log_prefactor",
]


def kac_rice_samples(
    p: int,
    q: int,
    sigma_z: float,
    n_D: int,
    n_G: int,
    samples: int = 200_000,
    rng: RngLike = None,
    *,
    proposal: Proposal = None,
    u_D: float = np.inf,
    u_G: float = np.inf,
    k_D: int | None = None,
    k_G: int | None = None,
    d_index: DIndex = "ascent",
    indices: bool = True,
    sampler: Sampler = "auto",
    max_bytes: int = MAX_BYTES,
) -> KacRiceSamples:
    """Draw the terms of the finite-N Kac-Rice expectation once, for any later count.

    Parameters
    ----------
    p, q : int
        Orders (p >= 2, q >= 1; r = p + q).
    sigma_z : float
        Latent-noise scale, > 0.
    n_D, n_G : int
        Numbers of discriminator and generator weights, each >= 2 (N = n_D + n_G).
    samples : int
        Number of independent draws of (l_D, l_G, rho, M, M1), >= 2.
    rng : int, numpy.random.Generator or None
        Seed or generator.
    proposal : None, "auto", array_like of shape (3,) or (mean, cov)
        Importance sampling: v = (l_D, l_G, rho)/N is drawn from N(mean, C/N) instead
        of its law N(0, K/N), and each term is multiplied by the likelihood ratio
        N(v; 0, K/N) / N(v; mean, C/N).  None: the exact law, drawn (with the dense
        sampler) by the sampler of the isotropic game preset
        ``SpinGlassGame.gan(p, q, sigma_z, n_D / N)``, so the same seed gives the
        preset's draws (docs/games.md, section 3).  An array: that mean,
        C = K.  A pair: mean and C (symmetric, with generalised eigenvalues against
        K in (1/2, 2), which keeps the estimator's variance finite).  "auto": the
        maximiser v* of the N -> infinity exponent over the set u_D, u_G and, when
        ``k_D`` or ``k_G`` is given, under those index constraints (the
        index-constrained solver of ``GanSpinGlass.theta``), where the integrand
        concentrates as N grows, and C = (K^-1 - Hess L)^-1 there (the Laplace
        covariance), its generalised eigenvalues clipped to [0.6, 1.8].  With the
        spectral sampler, "auto" then adapts: up to four pilot rounds (each
        max(500, min(samples/4, 4000)) draws, discarded) move the proposal, a
        Student t with 5 degrees of freedom, to the mean and 1.5 times the
        covariance of v under the weighted terms of the question (u_D, u_G, k_D,
        k_G); the finite-N integrand sits measurably away from the N -> infinity
        maximiser (the blocks' spectral edges move by O(N^(-2/3))).  "auto" refuses, as
        ``GanSpinGlass`` does, a loss covariance of condition number above 1e12
        (``ValueError`` naming sigma_z, p or q).
    u_D, u_G : float
        Thresholds used by ``proposal="auto"`` only (centre and pilot rounds; with the
        edge sampler also the highest thresholds the draws answer).
    k_D, k_G : int or None
        Target block indices.  With ``proposal="auto"`` they move the centre (above);
        an index >= 1 also forces that block's spectrum: k eigenvalues are drawn
        across the block's shift and the others from a GOE of order n - k, with the
        exact ratio of the GOE spectral densities in the weight (module docstring of
        ``_kac_rice_spectral``), so the draws answer only questions with that index
        of that block (any thresholds).  None: no target.
    d_index : {"ascent", "descent"}
        Side of a forced ``k_D`` (as for :meth:`KacRiceSamples.expected`).
    indices : bool
        Compute the block indices (dense sampler: two symmetric eigensolves per draw,
        most of its cost at large N; the spectral sampler always has them).  With
        False, index constraints raise ``ValueError``.
    sampler : {"auto", "dense", "spectral", "edge"}
        "dense": J' entry by entry, det by LU (the reference).  "spectral": the
        diagonal blocks replaced by their spectra (exact in law: each is a GOE,
        orthogonally invariant, independent of the off-diagonal Gaussian block) and
        det J' by the Schur complement of order n_G - 1; O(N^2 n_G) per draw instead
        of O(N^3).  "edge" (needs ``k_D`` and ``proposal="auto"``): the blocks'
        spectra first, the D shift placed against its block's edge eigenvalues, the
        G shift integrated out given them (one eigensolve of order n_G - 1 and a
        quadrature per draw), l_G/N from its law cut to ``u_D``, ``u_G`` (module
        docstring of ``_kac_rice_edge``);
        its draws answer only their (k_D, k_G) and thresholds up to ``u_D``, ``u_G``
        (``KacRiceSamples.max_thresholds``).  "auto": "edge" for ``k_D`` with
        ``proposal="auto"``, else "spectral" when ``k_D`` or ``k_G`` is given, else
        "dense".
    max_bytes : int
        Bound on the memory of the matrices held at once (a batch holds at least one).
        Sizes whose single draw holds more than 256 MiB (the dense sampler's matrix of
        order N - 2 beyond N of about 5800, the other samplers' n_D x n_G coupling
        block beyond about 1.7e7 entries) are refused with ``ValueError``.

    Returns
    -------
    KacRiceSamples
    """
    n_D, n_G = sizes(n_D, n_G)
    constants = model_constants(p, q, sigma_z, n_D, n_G)
    samples = val.integer("samples", samples, 2)
    max_bytes = val.integer("max_bytes", max_bytes, 1)
    u_D = _threshold("u_D", u_D)
    u_G = _threshold("u_G", u_G)
    k_D = _index("k_D", k_D, n_D - 1)
    k_G = _index("k_G", k_G, n_G - 1)
    d_index = _d_index(d_index)
    if sampler not in ("auto", "dense", "spectral", "edge"):
        raise ValueError(f"sampler must be 'auto', 'dense', 'spectral' or 'edge', got {sampler!r}")
    targeted = k_D is not None or k_G is not None
    auto = isinstance(proposal, str) and proposal == "auto"
    if auto:  # "auto" centres on the exponent's maximiser: the model's computable range
        val.derived_conditioning(constants.cov_matrix, constants.p, constants.q, sigma_z)
    if sampler == "auto":
        sampler = "edge" if k_D is not None and auto else "spectral" if targeted else "dense"
    if sampler == "edge" and (k_D is None or not auto):
        raise ValueError("sampler='edge' needs k_D (an index question) and proposal='auto'")
    per_draw = 8 * (n_D + n_G - 2) ** 2 if sampler == "dense" else 16 * (n_D - 1) * (n_G - 1)
    if per_draw > MAX_DRAW_BYTES:  # a batch holds at least one draw, whatever max_bytes
        raise ValueError(
            f"n_D={n_D}, n_G={n_G}: one {sampler} draw holds {per_draw / 2**20:.0f} MiB, "
            f"above the limit of {MAX_DRAW_BYTES >> 20} MiB (choose smaller n_D, n_G)"
        )
    forced = (k_D, k_G)
    if sampler == "dense" and (k_D or k_G):
        raise ValueError("forcing k_D or k_G >= 1 needs sampler='spectral' (or 'auto')")
    mean, prop_cov = proposal_law(constants, proposal, u_D, u_G, k_D, k_G, d_index)
    gen = np.random.default_rng(rng)
    df, spent = math.inf, 0
    if sampler == "edge":
        below = (k_D if d_index == "ascent" else n_D - 1 - k_D, k_G)
        question = _question(n_D, u_D, u_G, k_D, k_G, d_index)
        pilot = min(max(samples // 5, 2000), 10_000)
        draws, spent = sample_edge(
            constants, n_D, n_G, samples, gen, below, mean, (u_D, u_G), question, max_bytes,
            pilot, _EDGE_ROUNDS,
        )  # fmt: skip
    elif sampler == "spectral":
        df = _T_DF if auto else math.inf

        def draw(size, m, c, tilt):
            args = (constants, n_D, n_G, size, gen, m, c, max_bytes, forced, d_index, df)
            return sample_spectral(*args, tilt, plan)

        tilt = (0.0, 1.0)
        plan = forcing_plan(constants, n_D, n_G, mean, k_D, k_G, d_index)
        if auto:
            question = _question(n_D, u_D, u_G, k_D, k_G, d_index)
            pilot = min(max(samples // 4, 500), 20_000)
            s_D = math.sqrt(constants.b**2 / (2.0 * (n_D + n_G)) + constants.b1**2 / (2.0 * n_D))
            block = (n_D - 1 - plan[0][0], s_D)
            state = (mean, prop_cov, tilt)
            state, spent = adapt(draw, question, state, n_D + n_G, pilot, _ROUNDS, df, block)
            mean, prop_cov, tilt = state
        draws = draw(samples, mean, prop_cov, tilt)
        del draws["v"], draws["moments"]
    elif proposal is None:  # the exact law: the isotropic preset's sampler (one code path)
        args = (constants, sigma_z, n_D, n_G, samples, gen, max_bytes, bool(indices))
        draws = plain_draws(*args)
    else:
        args = (constants, n_D, n_G, samples, gen, mean, prop_cov, max_bytes, bool(indices))
        draws = sample_dense(*args)
    return KacRiceSamples(
        p=constants.p,
        q=constants.q,
        sigma_z=float(sigma_z),
        n_D=n_D,
        n_G=n_G,
        constants=constants,
        log_prefactor=log_prefactor(n_D, n_G, constants),
        proposal_mean=mean,
        proposal_cov=prop_cov,
        **draws,
        forced_D=k_D if sampler in ("spectral", "edge") and k_D is not None else None,
        forced_G=k_G if (sampler == "spectral" and k_G) or sampler == "edge" else None,
        forced_side=d_index,
        sampler=sampler,
        proposal_df=df,
        spectral_tilt=tilt if sampler == "spectral" else (0.0, 1.0),
        pilot_samples=spent,
        max_thresholds=(u_D, u_G) if sampler == "edge" else (math.inf, math.inf),
    )


_T_DF = 5.0  # degrees of freedom of the Student-t proposal of "auto" (spectral sampler)
_ROUNDS = 4  # pilot rounds of the adaptive proposal
_EDGE_ROUNDS = 6  # pilot rounds of the edge sampler (each fits several laws at once)


def _question(n_D, u_D, u_G, k_D, k_G, d_index):
    """log terms (up to a constant) of one question, for the pilot rounds."""

    def terms(draws):
        keep = (draws["u_D"] <= u_D) & (draws["u_G"] <= u_G)
        if k_D is not None:
            neg = draws["neg_D"]
            keep &= (neg if d_index == "ascent" else (n_D - 1) - neg) == k_D
        if k_G is not None:
            keep &= draws["neg_G"] == k_G
        return np.where(keep, draws["log_abs_det"] + draws["log_weight"], -np.inf)

    return terms


def _draws_for(p, q, sigma_z, n_D, n_G, u_D, u_G, k_D, k_G, samples, rng, d_index, proposal):
    """The draws answering one question: forced and centred on it with ``proposal="auto"``."""
    n_D, n_G = sizes(n_D, n_G)
    k_D, k_G = _index("k_D", k_D, n_D - 1), _index("k_G", k_G, n_G - 1)
    d_index = _d_index(d_index)
    indexed = k_D is not None or k_G is not None
    target = {"k_D": k_D, "k_G": k_G, "d_index": d_index}
    if not (indexed and isinstance(proposal, str) and proposal == "auto"):
        target = {"indices": indexed}
    return kac_rice_samples(
        p, q, sigma_z, n_D, n_G, samples, rng, proposal=proposal, u_D=u_D, u_G=u_G, **target
    )


_ESTIMATOR_DOC = """
    The estimate is the mean over ``samples`` iid draws of the terms::

        T_k = P |det J'_k| w_k 1{draw k in the set},
        w_k = [N(v_k; 0, K/N) / N(v_k; mean, C/N)] * prod over forced blocks of
              C(n, k) (Z_{n-k}/Z_n) prod_{i,j} |xi_i - mu_j| prod_{i<i'} |xi_i - xi_i'|
              prod_i exp(-xi_i^2/(4 s^2)) / g(xi_i),

    P the prefactor, v = (l_D, l_G, rho)/N, xi the k eigenvalues of a forced block
    (order n, GOE off-diagonal variance s^2) drawn below its shift from the density g,
    mu the other n - k drawn as a GOE of order n - k, Z_n Mehta's normalisation of the
    GOE eigenvalue density.  E[T_k] is exactly the count (unbiased), because w_k is the
    ratio of the target and proposal densities wherever the term is non-zero.  The
    standard error is the sample standard deviation of the T_k over sqrt(samples); the
    effective sample size (sum T)^2 / sum T^2 is returned with it.  With
    ``proposal="auto"`` and an index constraint the draws are made for that question
    (``kac_rice_samples(..., k_D=k_D, k_G=k_G, proposal="auto")``); with
    ``proposal=None`` an index constraint is a plain indicator on unforced draws.
"""


def expected_critical_points(
    p: int,
    q: int,
    sigma_z: float,
    n_D: int,
    n_G: int,
    u_D: float = np.inf,
    u_G: float = np.inf,
    k_D: int | None = None,
    k_G: int | None = None,
    samples: int = 200_000,
    rng: RngLike = None,
    *,
    d_index: DIndex = "ascent",
    proposal: Proposal = None,
    min_ess: float = MIN_ESS,
) -> KacRiceEstimate:
    """Exact finite-N expected number of critical points, by Monte Carlo.

    The count is (module docstring; docs/kac-rice-finite-n.md)::

        E #{critical points with L_D <= N u_D, L_G <= N u_G, block indices (k_D, k_G)}
          = V_D V_G (2 pi)^(-(N-2)/2) v_D^(-(n_D-1)/2) v_G^(-(n_G-1)/2)
            * E[|det J'| 1{(l_D - l_G)/N <= u_D, l_G/N <= u_G} 1{indices}]

    {estimator}
    Parameters
    ----------
    p, q, sigma_z, n_D, n_G
        The model (p >= 2, q >= 1, sigma_z > 0) and its sizes (n_D, n_G >= 2).
    u_D, u_G : float
        Loss thresholds per N (+inf: none).
    k_D, k_G : int or None
        Block indices; None: any.
    samples : int
        Monte Carlo draws, >= 2.
    rng : int, numpy.random.Generator or None
        Seed or generator.
    d_index : {"ascent", "descent"}
        k_D counts negative (default) or positive eigenvalues of the D block of J'.
    proposal : None, "auto", array_like of shape (3,) or (mean, cov)
        Importance sampling of (l_D, l_G, rho)/N; see :func:`kac_rice_samples`.
        "auto" is the choice for index constraints at any N beyond about 30.
    min_ess : float
        Warn (:class:`KacRiceAccuracyWarning`) when the effective sample size is below.

    Returns
    -------
    KacRiceEstimate
        (mean, stderr): the expected count (dimensionless) and its Monte Carlo
        standard error; ``.ess`` the effective sample size.

    Examples
    --------
    >>> import spinglass_gan as sg
    >>> mean, err = sg.expected_critical_points(3, 3, 1.0, 3, 3, samples=20_000, rng=0)
    >>> 250 < mean < 300 and err < 10    # about 274 critical points at N = 6
    True
    """
    draws = _draws_for(p, q, sigma_z, n_D, n_G, u_D, u_G, k_D, k_G, samples, rng, d_index, proposal)
    return draws.expected(u_D, u_G, k_D, k_G, d_index=d_index, min_ess=min_ess)


def log_expected_critical_points(
    p: int,
    q: int,
    sigma_z: float,
    n_D: int,
    n_G: int,
    u_D: float = np.inf,
    u_G: float = np.inf,
    k_D: int | None = None,
    k_G: int | None = None,
    samples: int = 200_000,
    rng: RngLike = None,
    *,
    d_index: DIndex = "ascent",
    proposal: Proposal = None,
    min_ess: float = MIN_ESS,
) -> KacRiceEstimate:
    """(1/N) log of :func:`expected_critical_points`, with a delta-method error.

    Computed in log space throughout, so it works where the count overflows float64.
    Tends to the complexity exponent (``GanSpinGlass.theta``, with the same index
    constraints) as N grows, with an O(log N / N) correction.
    {estimator}
    Parameters
    ----------
    p, q, sigma_z, n_D, n_G
        The model (p >= 2, q >= 1, sigma_z > 0) and its sizes (n_D, n_G >= 2).
    u_D, u_G : float
        Loss thresholds per N: L_D <= N u_D, L_G <= N u_G (+inf: none).
    k_D, k_G : int or None
        Block indices; None: any.
    samples : int
        Monte Carlo draws, >= 2.
    rng : int, numpy.random.Generator or None
        Seed or generator.
    d_index : {"ascent", "descent"}
        k_D counts negative (default) or positive eigenvalues of the D block of J'.
    proposal : None, "auto", array_like of shape (3,) or (mean, cov)
        Importance sampling of (l_D, l_G, rho)/N; see :func:`kac_rice_samples`.
        "auto" is the choice for index constraints at any N beyond about 30.
    min_ess : float
        Warn (:class:`KacRiceAccuracyWarning`) when the effective sample size is below.

    Returns
    -------
    KacRiceEstimate
        (value, stderr): (1/N) log E # (per N), and stderr(E #) / (N E #); ``.ess`` the
        effective sample size.  (-inf, inf) with a :class:`KacRiceAccuracyWarning`
        if no draw is in the set.
    """
    draws = _draws_for(p, q, sigma_z, n_D, n_G, u_D, u_G, k_D, k_G, samples, rng, d_index, proposal)
    return draws.log_expected(u_D, u_G, k_D, k_G, d_index=d_index, min_ess=min_ess)


expected_critical_points.__doc__ = expected_critical_points.__doc__.replace(
    "{estimator}", _ESTIMATOR_DOC
)
log_expected_critical_points.__doc__ = log_expected_critical_points.__doc__.replace(
    "{estimator}", _ESTIMATOR_DOC
)


# ------------------------------------------------------------------ N -> infinity
class KacRiceSaddle(NamedTuple):
    """The N -> infinity exponent and where it is attained.

    Attributes
    ----------
    theta : float
        C* + max of L(x; x1) - v^T K^-1 v / 2 over the set (per N).
    v : ndarray, shape (3,)
        The maximiser (a, g, h) = (l_D, l_G, rho)/N (NaN when theta = -inf).
    x, x1 : float
        The ensemble's shifts there, x = r g - h and x1 = 2h - p a - r g.
    """

    theta: float
    v: NDArray[np.float64]
    x: float
    x1: float


def _saddle(constants: DerivedConstants, u_D: float, u_G: float) -> KacRiceSaddle:
    """The exact supremum (:class:`~spinglass_gan.complexity.quadrant.QuadrantSolver`) and its
    maximiser."""
    res = QuadrantSolver(constants).suprema(np.array([u_D]), np.array([u_G]))
    if not np.isfinite(res.values[0, 0]):
        return KacRiceSaddle(-math.inf, np.full(3, np.nan), math.nan, math.nan)
    x, x1, t = res.maximisers[:, 0, 0]
    v = np.array(constants.coordinates.losses(x, x1, t))  # (a, g, h)
    return KacRiceSaddle(float(res.values[0, 0]), v, float(x), float(x1))


def kac_rice_saddle(
    p: int,
    q: int,
    sigma_z: float,
    kappa: float,
    u_D: float = np.inf,
    u_G: float = np.inf,
) -> KacRiceSaddle:
    """Complexity exponent of the model's own formula (no index constraint), and its maximiser.

    Theta(u_D, u_G) = C* + sup { L(x; x1) - v^T K^-1 v / 2 : a - g <= u_D, g <= u_G },
    v = (a, g, h) = (l_D, l_G, rho)/N, x = r g - h, x1 = 2h - p a - r g, L the
    log-potential of the Hessian ensemble: the exact supremum of
    ``GanSpinGlass(p, q, sigma_z, kappa).theta(u_D, u_G)`` with its maximiser.  This is
    the limit of :func:`log_expected_critical_points` and the centre used by
    ``proposal="auto"``.

    Parameters
    ----------
    p, q, sigma_z, kappa
        The model: p >= 2, q >= 1, sigma_z > 0, kappa = n_D / N in (0, 1).
    u_D, u_G : float
        Loss thresholds per N (+inf: none; -inf: the empty set, theta = -inf).

    Returns
    -------
    KacRiceSaddle
        Theta (per N), the maximiser v and the shifts (x, x1) there; (-inf, NaN, NaN,
        NaN) when the set is empty.
    """
    p = val.integer("p", p, 2)
    q = val.integer("q", q, 1)
    sigma_z = val.positive("sigma_z", sigma_z)
    kappa = val.open_unit("kappa", kappa)
    constants = DerivedConstants.from_model(p, q, sigma_z, kappa)
    return _saddle(constants, _threshold("u_D", u_D), _threshold("u_G", u_G))
