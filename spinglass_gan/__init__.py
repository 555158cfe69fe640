"""spinglass_gan: the spin-glass model of GAN loss surfaces.

Baskerville, Keating, Mezzadri, Najnudel, "A spin-glass model for the loss
surfaces of generative adversarial networks", J. Stat. Phys. 186, 29 (2022).

Public API
----------
GanSpinGlass
    The model, with one of its Kac-Rice formulas (``model``).
KacRiceFormula, DerivedFormula, PublishedFormula, register_formula, Suprema
    Kac-Rice formulas as objects (``formulas``): the model's own ("derived", the
    default) and the paper's ("published"); ``GanSpinGlass(..., formula=...)`` takes
    a name or an instance.  Suprema is the one result type of their suprema.
PublishedConstants, KacRiceRegion
    The published formula's constants and region (``published_constants``;
    ``ModelConstants`` is the deprecated former name of PublishedConstants).
DerivedConstants, LossCoordinates, QuadrantSolver
    The model's own formula: its constants, the change of coordinates between the
    losses and the ensemble's shifts (``derived``) and its exact suprema over loss
    quadrants (``quadrant``).
HessianEnsemble
    The random Hessian H'(x1): sampling and limiting law (``ensemble``).
VectorDyson
    The K-block vector Dyson equation: density and log-potential of a symmetric
    Gaussian block matrix with a variance profile, minus block shifts (``kblock``).
solve_dyson, stieltjes, density, density_moment, support, splitting_x1
    Master-equation solver (``master_equation``).
log_potential
    Closed-form log-potential (``potential``).
log_abs_det, annealed_log_det, quenched_log_det, MCEstimate
    Monte Carlo determinants (``montecarlo``).
histogram_l1, HistogramL1
    Sampled spectra against a density: binned L1 distance and noise floor
    (``spectra``).
goe_rate
    GOE large-deviation rate of one eigenvalue (``large_deviations``).
Exponent, ComplexitySolver
    The complexity exponent and its exact suprema (``exponent``, ``complexity``);
    ``GanSpinGlass.exponent``, ``.theta`` and ``.theta_map`` use them.
banded_structure, BandedStructure
    Largest feasible indices over a loss grid (``banded``).
lowest_losses, sweep, LowestLosses, Sweep
    Lowest losses with critical points, swept over sigma_z or kappa (``sweeps``).
kac_rice_log_integral, FiniteNResult
    Finite-N Kac-Rice integrals, Coulomb gas or Monte Carlo (``finite_n``;
    ``finite_n.convergence`` for the approach to Theta).
expected_critical_points, log_expected_critical_points, kac_rice_samples,
KacRiceSamples, KacRiceEstimate, KacRiceAccuracyWarning, kac_rice_saddle, KacRiceSaddle
    The model's own Kac-Rice formula at finite N by Monte Carlo, and its
    N -> infinity exponent (``kac_rice``); finite_n_banded, FiniteNBanded: the banded
    structure at finite N (``kac_rice_banded``).
save_result, load_result, Result
    Results as .npz with JSON metadata (``results``).
GanLandscape, CriticalPoints
    One sampled instance of the model and all its critical points (``landscape``).
count_critical_points, CriticalPointCounts
    Critical points of many sampled instances: mean counts under loss thresholds and
    by index, with standard errors and completeness evidence (``counting``).
SpinGlassGame
    Spherical spin-glass games (K players sharing one random field): the asymptotic
    complexity Theta, the exact finite-N Kac-Rice count and sampled instances with all
    their critical points (``game``); ``count_critical_points`` accepts a game.
"""

from ._version import __version__
from .complexity.banded import BandedStructure, banded_structure
from .complexity.derived import DerivedConstants, LossCoordinates
from .complexity.exponent import Exponent
from .complexity.finite_n import FiniteNResult, kac_rice_log_integral
from .complexity.formulas import DerivedFormula, KacRiceFormula, PublishedFormula, register_formula
from .complexity.kac_rice import (
    KacRiceAccuracyWarning,
    KacRiceEstimate,
    KacRiceSaddle,
    KacRiceSamples,
    expected_critical_points,
    kac_rice_saddle,
    kac_rice_samples,
    log_expected_critical_points,
)
from .complexity.kac_rice_banded import FiniteNBanded, finite_n_banded
from .complexity.model import GanSpinGlass, KacRiceRegion, PublishedConstants
from .complexity.polygon import ComplexitySolver, Suprema
from .complexity.quadrant import QuadrantSolver
from .complexity.sweeps import LowestLosses, Sweep, lowest_losses, sweep
from .games.game import SpinGlassGame
from .io.results import Result, load_result, save_result
from .landscapes.counting import CriticalPointCounts, count_critical_points
from .landscapes.landscape import CriticalPoints, GanLandscape
from .rmt.ensemble import HessianEnsemble
from .rmt.kblock import VectorDyson
from .rmt.large_deviations import goe_rate
from .rmt.master_equation import (
    DysonSolution,
    density,
    density_moment,
    solve_dyson,
    splitting_x1,
    stieltjes,
    support,
)
from .rmt.montecarlo import MCEstimate, annealed_log_det, log_abs_det, quenched_log_det
from .rmt.potential import log_potential
from .rmt.spectra import HistogramL1, histogram_l1

__all__ = [
    "BandedStructure",
    "ComplexitySolver",
    "CriticalPointCounts",
    "CriticalPoints",
    "DerivedConstants",
    "DerivedFormula",
    "DysonSolution",
    "Exponent",
    "FiniteNBanded",
    "FiniteNResult",
    "GanLandscape",
    "GanSpinGlass",
    "HessianEnsemble",
    "HistogramL1",
    "KacRiceAccuracyWarning",
    "KacRiceEstimate",
    "KacRiceFormula",
    "KacRiceRegion",
    "KacRiceSaddle",
    "KacRiceSamples",
    "LossCoordinates",
    "LowestLosses",
    "MCEstimate",
    "PublishedConstants",
    "PublishedFormula",
    "QuadrantSolver",
    "Result",
    "SpinGlassGame",
    "Suprema",
    "Sweep",
    "VectorDyson",
    "__version__",
    "annealed_log_det",
    "banded_structure",
    "count_critical_points",
    "density",
    "density_moment",
    "expected_critical_points",
    "finite_n_banded",
    "goe_rate",
    "histogram_l1",
    "kac_rice_log_integral",
    "kac_rice_saddle",
    "kac_rice_samples",
    "load_result",
    "log_abs_det",
    "log_expected_critical_points",
    "log_potential",
    "lowest_losses",
    "quenched_log_det",
    "register_formula",
    "save_result",
    "solve_dyson",
    "splitting_x1",
    "stieltjes",
    "support",
    "sweep",
]


def __getattr__(name: str):
    if name == "ModelConstants":
        from .complexity import model

        return model.ModelConstants  # warns: the deprecated name of PublishedConstants
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
