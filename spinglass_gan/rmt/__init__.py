"""The random-matrix layer: the Hessian ensemble, its limiting spectral law and
log-potential, Monte Carlo determinants and GOE large deviations.

Pipeline: ensemble -> master equation (density) -> log-potential; the
complexity layer evaluates its exponent from here.

Modules
-------
``ensemble``
    The random Hessian ensemble H'(x1) of the GAN spin-glass model.
``kblock``
    K-block vector Dyson equation: spectral law of a Gaussian block matrix minus
    shifts.
``kernels``
    Compiled kernels of the master equation that the complexity layer calls
    directly.
``large_deviations``
    Large deviations of a single GOE eigenvalue outside the bulk.
``master_equation``
    Limiting spectral density of H' from the vector Dyson (master) equation.
``montecarlo``
    Monte Carlo estimates of (1/N) log E|det(H' - x)| from sampled spectra.
``potential``
    Log-potential (Coulomb-gas energy) of the limiting spectral density of H'.
``spectra``
    Sampled spectra against a limiting density: binned L1 distance and its noise
    floor.
"""

from .ensemble import HessianEnsemble
from .kblock import (
    VectorDyson,
    log_potential_gradient,
    log_potential_shifts,
    sample_block_matrix,
    spectral_radius_bound,
    validate_profile,
)
from .large_deviations import goe_rate
from .master_equation import (
    DysonSolution,
    density,
    density_moment,
    solve_dyson,
    splitting_x1,
    stieltjes,
    support,
)
from .montecarlo import MCEstimate, annealed_log_det, log_abs_det, quenched_log_det
from .potential import log_potential
from .spectra import HistogramL1, histogram_l1

__all__ = [
    "DysonSolution",
    "HessianEnsemble",
    "HistogramL1",
    "MCEstimate",
    "VectorDyson",
    "annealed_log_det",
    "density",
    "density_moment",
    "goe_rate",
    "histogram_l1",
    "log_abs_det",
    "log_potential",
    "log_potential_gradient",
    "log_potential_shifts",
    "quenched_log_det",
    "sample_block_matrix",
    "solve_dyson",
    "spectral_radius_bound",
    "splitting_x1",
    "stieltjes",
    "support",
    "validate_profile",
]
