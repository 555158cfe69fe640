"""Importance sampling of the values and radial derivatives of a game (private).

The finite-N Kac-Rice integrand of a game depends on the Gaussian vector Y only through
y' = (x, ell) = (A Y, B Y) / N, whose law is N(0, G/N) on range(G).  Writing
y' = R v with R = V diag(sqrt(lambda)) (the positive eigenpairs of G), v ~ N(0, I/N)
in R^r, r = rank G.  The integrand E_W |det(W - diag x)| 1{ell <= u} N(v; 0, I/N) is
exp(N [L(x) - |v|^2/2]) to leading order, so at large N it concentrates at the
maximisers of the exponent over {ell <= u} (``GameComplexity.local_maxima``), which
plain draws of v from N(0, I/N) reach with probability exp(-N |v*|^2 / 2).

``proposal="auto"`` draws v from a mixture of Student t laws (5 degrees of freedom),
one per maximiser within 10/N of the best (and its mirror image -y', which has the
same exponent because W and -W have the same law, when it satisfies the thresholds),
each with the Laplace covariance (I - R_x^T Hess L(x*) R_x)^-1 / N (eigenvalues
clipped to [0.6, 1.8]), then moved by up to three pilot rounds of the cross-entropy
method (``_importance.moment_update``) towards the finite-N integrand, which sits
O(1/N) away from the N -> infinity maximiser.  A defensive component, a t with the
target's location 0 and scale I/N, has probability 0.1: it bounds every weight
N(v; 0, I/N) / q(v) by about 10, so draws aimed at one threshold still estimate any
other count (the total, the signed sum) with at most about ten times the variance of
plain draws.  Pilot draws are discarded; the final
draws carry the exact log-likelihood ratio N(v; 0, I/N) / q(v), so every estimate
stays unbiased whatever the proposal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..rmt.kblock import log_potential_gradient
from . import _importance as imp
from .game_complexity import GameComplexity
from .game_spec import GameSpec

_DF = 5.0  # degrees of freedom of the t components
_CLIP = (0.6, 1.8)  # eigenvalues of the Laplace covariance (the target's is I)
_MARGIN = 10.0  # maximisers within _MARGIN / N of the best get a component
_MAX_COMPONENTS = 8
_ROUNDS = 3  # pilot rounds
_FLOOR = 0.2  # share of the saddles' mixture spread evenly over their components
_DEFENSIVE = 0.1  # probability of the defensive component (the target law)

LogDets = Callable[[NDArray[np.float64]], tuple[NDArray[np.float64], NDArray[np.int8]]]


def range_root(game: GameSpec) -> NDArray[np.float64]:
    """R (2K x r) with R R^T = G, r = rank G: (x, ell) = R v, v ~ N(0, I/N)."""
    g = game.shift_loss_covariance
    lam, vec = np.linalg.eigh(0.5 * (g + g.T))
    keep = lam > 1e-12 * lam.max()
    return vec[:, keep] * np.sqrt(lam[keep])


@dataclass(frozen=True)
class GameProposal:
    """Mixture proposal of v: locations (c, r), scale matrices C_j (c, r, r) of the t
    components (their law of v has scale C_j / N), log mixture probabilities (c,)."""

    root: NDArray[np.float64]
    means: NDArray[np.float64]
    covs: NDArray[np.float64]
    log_probs: NDArray[np.float64]
    df: float = _DF

    def draw(
        self, rng: np.random.Generator, n: int, samples: int
    ) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """(v, shifts (samples, K), losses (samples, K), log N(v; 0, I/n) - log q(v))."""
        chols = np.linalg.cholesky(self.covs)
        v, log_w = imp.draw_mixture(rng, self.means, chols, self.log_probs, n, self.df, samples)
        y = v @ self.root.T
        k = self.root.shape[0] // 2
        return v, y[:, :k], y[:, k:], log_w


def complexity_of(game: GameSpec) -> GameComplexity:
    """The game's asymptotic complexity (cached on a ``SpinGlassGame``)."""
    cached = getattr(game, "complexity", None)
    if isinstance(cached, GameComplexity):
        return cached
    return GameComplexity(
        game.profile, np.array(game.kappa), game.log_constant, game.shift_loss_covariance
    )


def saddles(game: GameSpec, u: NDArray, n: int) -> list[tuple[float, NDArray]]:
    """The maximisers (value, y) of the exponent over {ell <= u} within _MARGIN / n of
    Theta(u), with their feasible mirror images, best first (empty if Theta = -inf)."""
    cplx = complexity_of(game)
    best = cplx.theta(u)
    if not np.isfinite(best):
        return []
    k = game.K
    found = cplx.local_maxima(u, best - _MARGIN / n)
    slack = 1e-10 * (1.0 + np.where(np.isfinite(u), np.abs(u), 0.0))
    found += [(val, -y) for val, y in found if np.all(-y[k:] <= u + slack)]
    out: list[tuple[float, NDArray]] = []
    for val, y in sorted(found, key=lambda c: -c[0]):
        if all(np.linalg.norm(y - z) > 1e-6 * (1.0 + np.linalg.norm(y)) for _, z in out):
            out.append((val, y))
    return out[:_MAX_COMPONENTS]


def laplace_cov(game: GameSpec, root: NDArray, v: NDArray) -> NDArray:
    """(I - R_x^T Hess L(R_x v) R_x)^-1, clipped; I where the Hessian is unusable (a
    support edge at 0: the gradient of L is singular there)."""
    k = game.K
    rx = root[:k]
    x = rx @ v
    h = 1e-4 * (1.0 + np.abs(x))
    steps = np.diag(h)
    _, gp = log_potential_gradient(game.profile, game.kappa, x[None, :] + steps)
    _, gm = log_potential_gradient(game.profile, game.kappa, x[None, :] - steps)
    hess = (gp - gm).T / (2.0 * h[None, :])
    prec = np.eye(v.size) - rx.T @ (0.5 * (hess + hess.T)) @ rx
    if not np.all(np.isfinite(prec)) or np.linalg.eigvalsh(prec).min() <= 0.0:
        return np.eye(v.size)
    return imp.clip_spectrum(np.linalg.inv(prec), *_CLIP)


def auto_proposal(
    game: GameSpec,
    n: int,
    u: NDArray,
    rng: np.random.Generator,
    log_dets: LogDets,
    pilot: int,
) -> tuple[GameProposal | None, int]:
    """The "auto" proposal for the count below u at size n, and the pilot draws spent.

    ``log_dets(shifts)`` returns (log|det J'|, sign) of fresh Jacobians with those
    shifts.  None when the exponent's set is empty (the caller draws plainly).
    """
    root = range_root(game)
    found = saddles(game, u, n)
    if not found:
        return None, 0
    values = np.array([val for val, _ in found])
    means = [np.linalg.lstsq(root, y, rcond=None)[0] for _, y in found]
    covs = [laplace_cov(game, root, m) for m in means]
    start = [m.copy() for m in means]
    spent = 0
    adapted: list[int] = []
    for j in range(len(means)):
        mirror = next((i for i in adapted if np.allclose(start[i], -start[j], atol=1e-9)), None)
        if mirror is not None:  # the mirror image of an adapted component
            means[j], covs[j] = -means[mirror], covs[mirror]
            continue
        means[j], covs[j], used = _adapt(game, root, n, u, rng, log_dets, pilot, means[j], covs[j])
        spent += used
        adapted.append(j)
    probs = np.exp(n * (values - values.max()))
    probs = (1.0 - _FLOOR) * probs / probs.sum() + _FLOOR / probs.size
    # The defensive component: the law itself (as a t), so that p / q <= 1 / _DEFENSIVE
    # up to the t's bounded ratio to the Gaussian, wherever the saddles' components miss.
    means.append(np.zeros(root.shape[1]))
    covs.append(np.eye(root.shape[1]))
    probs = np.append((1.0 - _DEFENSIVE) * probs, _DEFENSIVE)
    proposal = GameProposal(root, np.array(means), np.array(covs), np.log(probs / probs.sum()))
    return proposal, spent


def _adapt(game, root, n, u, rng, log_dets, pilot, mean, cov) -> tuple[NDArray, NDArray, int]:
    """Up to _ROUNDS cross-entropy rounds of ``pilot`` draws for one component."""
    spent = 0
    for _ in range(_ROUNDS):
        one = GameProposal(root, mean[None], cov[None], np.zeros(1))
        v, shifts, losses, log_w = one.draw(rng, n, pilot)
        spent += pilot
        log_abs_det, _ = log_dets(shifts)
        keep = np.all(losses <= u, axis=1)
        terms = np.where(keep, log_abs_det + log_w, -np.inf)
        mean, cov, ess = imp.moment_update(v, terms, mean, cov, n, _DF)
        if ess > 0.15 * pilot:
            break
    return mean, cov, spent
