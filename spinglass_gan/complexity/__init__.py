"""The Kac-Rice complexity: exponent, exact suprema, the model and what is
computed from it.

Pipeline: formula constants -> exponent -> suprema over polygons (``polygon``)
and loss quadrants (``quadrant``) -> the model ``GanSpinGlass`` (Theta, maps)
-> banded structure and sweeps; finite-N Kac-Rice integrals and counts.

Modules
-------
``banded``
    The banded structure: which indices of critical points exist at which losses.
``derived``
    Constants of the model's own Kac-Rice formula (docs/theory.md, "The model's own
    formula").
``exponent``
    The Kac-Rice complexity exponent and its index-constrained versions.
``finite_n``
    Finite-N integrals of the published Kac-Rice formula and their convergence to
    Theta.
``formulas``
    Kac-Rice formulas as objects: what a formula must supply, and the two the
    package has.
``game_complexity``
    Asymptotic complexity of a spherical spin-glass game from plain arrays.
``game_kac_rice``
    Exact finite-N Kac-Rice formula for spherical spin-glass games, by Monte Carlo.
``game_spec``
    The specification of a spherical spin-glass game: its covariances, signs and
    shares.
``kac_rice``
    The model's own Kac-Rice formula at finite N, by Monte Carlo.
``kac_rice_banded``
    The banded structure at finite N: largest block indices with at least one
    expected critical point, from the exact finite-N Kac-Rice formula.
``model``
    The GAN spin-glass model, with one of its Kac-Rice formulas.
``polygon``
    Exact Kac-Rice complexity: suprema of the exponent over the region B(u_D, u_G).
``published_constants``
    Constants and integration region of the published Kac-Rice formula.
``quadrant``
    Exact suprema of the model's own complexity exponent over loss quadrants.
``reproductions``
    Reproductions of the published code's known-wrong methods, for comparison only.
``sweeps``
    Hyperparameter effects: the lowest losses at which critical points exist.
"""

from .banded import BandedStructure, banded_structure
from .derived import DerivedConstants, LossCoordinates
from .exponent import Convention, DiagonalGaussian, DIndex, Exponent, QuadraticGaussian
from .finite_n import FiniteNResult, convergence, kac_rice_log_integral
from .formulas import (
    DEFAULT_FORMULA,
    FORMULAS,
    DerivedFormula,
    FigureSettings,
    KacRiceFormula,
    LowestLosses,
    PublishedFormula,
    Suprema,
    formula_class,
    formula_for_constants,
    formula_of_metadata,
    register_formula,
    resolve_formula,
)
from .game_complexity import GameComplexity
from .game_kac_rice import GameKacRiceSamples, game_kac_rice_samples, log_prefactor
from .game_spec import MAX_JACOBIAN_ORDER, MAX_TENSOR_ENTRIES, GameSpec
from .kac_rice import (
    KacRiceAccuracyWarning,
    KacRiceEstimate,
    KacRiceSaddle,
    KacRiceSamples,
    expected_critical_points,
    kac_rice_saddle,
    kac_rice_samples,
    log_expected_critical_points,
)
from .kac_rice_banded import FiniteNBanded, finite_n_banded
from .model import Formula, GanSpinGlass, KacRiceRegion, PublishedConstants
from .polygon import ComplexitySolver
from .quadrant import QuadrantSolver
from .sweeps import Sweep, lowest_losses, sweep

__all__ = [
    "DEFAULT_FORMULA",
    "FORMULAS",
    "MAX_JACOBIAN_ORDER",
    "MAX_TENSOR_ENTRIES",
    "BandedStructure",
    "ComplexitySolver",
    "Convention",
    "DIndex",
    "DerivedConstants",
    "DerivedFormula",
    "DiagonalGaussian",
    "Exponent",
    "FigureSettings",
    "FiniteNBanded",
    "FiniteNResult",
    "Formula",
    "GameComplexity",
    "GameKacRiceSamples",
    "GameSpec",
    "GanSpinGlass",
    "KacRiceAccuracyWarning",
    "KacRiceEstimate",
    "KacRiceFormula",
    "KacRiceRegion",
    "KacRiceSaddle",
    "KacRiceSamples",
    "LossCoordinates",
    "LowestLosses",
    "PublishedConstants",
    "PublishedFormula",
    "QuadrantSolver",
    "QuadraticGaussian",
    "Suprema",
    "Sweep",
    "banded_structure",
    "convergence",
    "expected_critical_points",
    "finite_n_banded",
    "formula_class",
    "formula_for_constants",
    "formula_of_metadata",
    "game_kac_rice_samples",
    "kac_rice_log_integral",
    "kac_rice_saddle",
    "kac_rice_samples",
    "log_expected_critical_points",
    "log_prefactor",
    "lowest_losses",
    "register_formula",
    "resolve_formula",
    "sweep",
]
