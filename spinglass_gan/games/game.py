"""Spherical spin-glass games: the user-facing class.

:class:`SpinGlassGame` is a :class:`~spinglass_gan.complexity.game_spec.GameSpec` (the description
of
the game: covariances, signs, species shares, presets, files, the arrays at one point)
with what is computed from it: the asymptotic complexity Theta (through
:class:`~spinglass_gan.complexity.game_complexity.GameComplexity`), the exact finite-N Kac-Rice
expectation (:mod:`~spinglass_gan.complexity.game_kac_rice`) and sampled instances with all their
critical points (:class:`~spinglass_gan.landscapes.game_landscape.GameInstance`).

This module sits above both the complexity and the landscape code: they work on the
specification alone, so neither imports this module.  docs/games.md has the model and
its formulas.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ..complexity.game_complexity import GameComplexity
from ..complexity.game_kac_rice import (
    MIN_ESS,
    GameKacRiceSamples,
    KacRiceEstimate,
    game_kac_rice_samples,
)
from ..complexity.game_spec import GameSpec
from ..landscapes.game_landscape import GameInstance

__all__ = ["SpinGlassGame"]


class SpinGlassGame(GameSpec):
    """A spherical spin-glass game with its complexity, Kac-Rice counts and instances.

    K players; player s owns N_s = kappa_s N weights w_s on the sphere ``|w_s|^2 = N``
    and has the loss L_s = f_s + eps_s h: an own Gaussian
    field f_s with E f_s(u) f_s(v) = N xi_s(R_s) and a shared field h with
    E h(u) h(v) = N xi_h(R_1, ..., R_K), R_s = u_s . v_s / N.  Losses per N are
    u_s = L_s / N.  The presets :meth:`gan`, :meth:`multi_species` and :meth:`mixed`
    build the usual cases and return this class.

    Parameters
    ----------
    own : sequence of K mappings {degree: coefficient}
        xi_s, the covariance polynomial of player s's own field f_s (empty: no own field).
    shared : mapping {(a_1, ..., a_K): coefficient}
        xi_h = sum c R_1^a1 ... R_K^aK, the covariance polynomial of the shared field h.
    signs : sequence of K values in {+1, -1}
        eps_s: L_s = f_s + eps_s h.
    kappa : sequence of K floats in (0, 1], summing to 1
        Species shares N_s / N (used by the N -> infinity constants).

    Raises
    ------
    ValueError
        Naming the argument: a negative coefficient, a degree-0 term, wrong lengths,
        kappa outside (0, 1] or not summing to 1, a sign other than +-1, or a species
        on which no field acts (v_s = 0).

    Examples
    --------
    >>> import spinglass_gan as sg
    >>> game = sg.SpinGlassGame.mixed({3: 1.0})
    >>> game.K
    1
    """

    # -- N -> infinity ------------------------------------------------------------------

    @property
    def complexity(self) -> GameComplexity:
        """The asymptotic complexity of the game, built once from (profile, kappa, C*, G)."""
        cached = self.__dict__.get("_complexity")
        if cached is None:
            cached = GameComplexity(
                self.profile, np.array(self.kappa), self.log_constant, self.shift_loss_covariance
            )
            self.__dict__["_complexity"] = cached
        return cached

    def theta(self, u: Sequence[float] | None = None) -> float:
        """Theta(u) = lim (1/N) log E #{critical points with L_s <= N u_s for all s}.

        Theta(u) = C* + sup { L(x) - y^T G^+ y / 2 : y = (x, ell) in range(G), ell <= u },
        L the log-potential of the K-block spectral law of W - diag(x).

        Parameters
        ----------
        u : sequence of K floats, optional
            Loss levels per N (+inf: no bound); None: the total complexity.

        Returns
        -------
        float
            Theta(u), dimensionless (a rate per N); -inf where no critical point lies
            below u at exponential order.
        """
        u = np.full(self.K, np.inf) if u is None else np.asarray(u, dtype=float)
        return float(self.complexity.theta(u))

    def complexity_at(self, ell: Sequence[float]) -> float:
        """Sigma(ell): the complexity of critical points whose losses per N are exactly ell.

        Parameters
        ----------
        ell : sequence of K floats
            Losses per N.

        Returns
        -------
        float
            Sigma(ell) = C* + sup_x { L(x) - y^T G^+ y / 2 }, y = (x, ell); -inf outside
            the range of G.
        """
        return float(self.complexity.sigma(np.asarray(ell, dtype=float)))

    def theta_map(self, u_1: Sequence[float], u_2: Sequence[float]) -> NDArray[np.float64]:
        """Theta on the grid u_1 x u_2 (K = 2).

        Parameters
        ----------
        u_1, u_2 : sequence of float
            Loss levels per N of players 1 and 2.

        Returns
        -------
        ndarray, shape (len(u_2), len(u_1))
            Theta indexed [i_2, i_1].
        """
        return self.complexity.theta_map(u_1, u_2)

    def lowest_losses(self) -> NDArray[np.float64]:
        """Per species s, the lowest u_s with Theta > 0 (the other losses unbounded).

        Returns
        -------
        ndarray, shape (K,)
            The lowest losses per N.
        """
        return self.complexity.lowest_losses()

    # -- finite N ----------------------------------------------------------------------

    def kac_rice_samples(
        self,
        sizes: Sequence[int],
        samples: int = 100_000,
        rng: int | np.random.Generator | None = None,
        *,
        proposal: str | None = None,
        u: Sequence[float] | None = None,
    ) -> GameKacRiceSamples:
        """Draws of the exact finite-N Kac-Rice expectation, reusable for any thresholds.

        Parameters
        ----------
        sizes : sequence of K ints
            N_s >= 2 per species.
        samples : int
            Monte Carlo draws.
        rng : int, Generator or None
            Seed.
        proposal : {None, "auto"}
            None: plain draws from the law of the values and radial derivatives;
            "auto": importance sampling centred where the count below ``u``
            concentrates (see
            :func:`~spinglass_gan.complexity.game_kac_rice.game_kac_rice_samples`).
        u : sequence of K floats, optional
            The loss levels per N that ``proposal="auto"`` targets (None: no bound).

        Returns
        -------
        GameKacRiceSamples
            See :func:`~spinglass_gan.complexity.game_kac_rice.game_kac_rice_samples`.
        """
        return game_kac_rice_samples(self, sizes, samples, rng, proposal=proposal, u=u)

    def expected_critical_points(
        self,
        sizes: Sequence[int],
        u: Sequence[float] | None = None,
        samples: int = 100_000,
        rng: int | np.random.Generator | None = None,
        *,
        proposal: str | None = "auto",
        min_ess: float = MIN_ESS,
    ) -> KacRiceEstimate:
        """Exact expected number of critical points at finite N, by Monte Carlo.

        The count is ::

            E #{critical points with L_s <= N u_s for all s}
              = prod_s [V_s (2 pi v_s)^(-(N_s-1)/2)] E[|det J'| 1{L_s / N <= u_s}],

        V_s the area of S^(N_s - 1)(sqrt N) (docs/games.md).  The estimate is the mean of
        iid terms ``T_k = prefactor |det J'_k| w_k 1{draw k below u}``, w_k the importance
        weight (1 for plain draws); unbiased for any proposal.

        Parameters
        ----------
        sizes : sequence of K ints
            N_s >= 2 per species (N = sum N_s).
        u : sequence of K floats, optional
            Loss levels per N (inf: no bound); None: no bound.
        samples : int
            Monte Carlo draws (pilot draws of "auto" come on top).
        rng : int, Generator or None
            Seed.
        proposal : {"auto", None}
            "auto" (default): importance sampling centred at the maximisers of the
            N -> infinity exponent below u, adapted by pilot rounds; None: plain draws
            (:meth:`kac_rice_samples`).
        min_ess : float
            Warn (:class:`~spinglass_gan.complexity.kac_rice.KacRiceAccuracyWarning`)
            when the effective sample size (sum T)^2 / sum T^2 is below this.

        Returns
        -------
        KacRiceEstimate
            (mean, stderr): dimensionless count and its Monte Carlo standard error,
            with ``.ess``, ``.samples`` and ``.hits``.
        """
        draws = self.kac_rice_samples(sizes, samples, rng, proposal=proposal, u=u)
        return draws.expected(u, min_ess=min_ess)

    def log_expected_critical_points(
        self,
        sizes: Sequence[int],
        u: Sequence[float] | None = None,
        samples: int = 100_000,
        rng: int | np.random.Generator | None = None,
        *,
        proposal: str | None = "auto",
        min_ess: float = MIN_ESS,
    ) -> KacRiceEstimate:
        """(1/N) log :meth:`expected_critical_points` (log-sum-exp: any N) and its error.

        Parameters
        ----------
        sizes : sequence of K ints
            N_s >= 2 per species (N = sum N_s).
        u : sequence of K floats, optional
            Loss levels per N (inf: no bound); None: no bound.
        samples : int
            Monte Carlo draws (pilot draws of "auto" come on top).
        rng : int, Generator or None
            Seed.
        proposal : {"auto", None}
            As for :meth:`expected_critical_points`.
        min_ess : float
            Warn (:class:`~spinglass_gan.complexity.kac_rice.KacRiceAccuracyWarning`)
            when the effective sample size is below this.

        Returns
        -------
        KacRiceEstimate
            (value, stderr): (1/N) log of the expected count (per N), and its standard
            error (delta method), with ``.ess``, ``.samples`` and ``.hits``;
            (-inf, inf) when no draw lies below u.
        """
        draws = self.kac_rice_samples(sizes, samples, rng, proposal=proposal, u=u)
        return draws.log_expected(u, min_ess=min_ess)

    def sample(
        self,
        sizes: Sequence[int],
        rng: int | np.random.Generator | np.random.SeedSequence | None = None,
    ) -> GameInstance:
        """One sampled instance with these sizes (explicit tensors, seeded).

        Parameters
        ----------
        sizes : sequence of K ints
            N_s >= 2 per species.
        rng : int, Generator, SeedSequence or None
            Seed; an int or SeedSequence also fixes the Newton starts of
            ``critical_points()``.

        Returns
        -------
        GameInstance
            Its ``critical_points()`` finds all critical points with the evidence of
            completeness.
        """
        return GameInstance.sample(self, sizes, rng)
