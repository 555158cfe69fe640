"""The GAN model's plain finite-N draws are its isotropic game's draws (private).

Without importance sampling (the exact law of (l_D, l_G, rho)) and with J' drawn entry
by entry, the model's Monte Carlo is the game's: ``SpinGlassGame.gan(p, q, sigma_z,
kappa)`` (isotropic coupling) has J' = W - diag(x_D I, x_G I) with the variance profile
sigma_DD = b^2/2 + b1^2/(2 kappa), sigma_DG = sigma_GG = b^2/2, which is the law of
b M + blockdiag(b1 M1, 0), and shifts x_D = x + x1, x_G = x.  So both call one sampler,
:func:`~spinglass_gan.complexity.game_kac_rice.draw_terms`, and the same seed gives the
same draws; here they are only renamed into the model's fields:

    u_D = L_D / N,   u_G = L_G / N,   x = x_G,   x1 = x_D - x_G,

with neg_D, neg_G the negative eigenvalues of the D and G blocks of J'.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .derived import DerivedConstants
from .game_kac_rice import draw_terms
from .game_spec import GameSpec


def plain_draws(
    constants: DerivedConstants,
    sigma_z: float,
    n_D: int,
    n_G: int,
    samples: int,
    gen: np.random.Generator,
    max_bytes: int,
    indices: bool,
) -> dict[str, NDArray]:
    """The model's draws under the exact law, from the isotropic preset's sampler.

    The preset is built with the constants' alpha_D and alpha_G (its kappa does not
    enter the finite-N draws, only the asymptotic constants).
    """
    game = GameSpec.gan(
        constants.p,
        constants.q,
        sigma_z,
        n_D / (n_D + n_G),
        "isotropic",
        constants.alpha_D,
        constants.alpha_G,
    )
    d = draw_terms(game, (n_D, n_G), samples, gen, max_bytes, indices)
    losses, shifts = d["losses"], d["shifts"]
    return {
        "u_D": losses[:, 0].copy(),
        "u_G": losses[:, 1].copy(),
        "x": shifts[:, 1].copy(),
        "x1": shifts[:, 0] - shifts[:, 1],
        "log_abs_det": d["log_abs_det"],
        "sign": d["sign"],
        "neg_D": d["neg"][:, 0].copy(),
        "neg_G": d["neg"][:, 1].copy(),
        "log_weight": np.zeros(samples),
    }
