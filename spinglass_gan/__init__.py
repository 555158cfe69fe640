"""spinglass_gan: the spin-glass model of GAN loss surfaces.

Baskerville, Keating, Mezzadri, Najnudel, "A spin-glass model for the loss
surfaces of generative adversarial networks", J. Stat. Phys. 186, 29 (2022).

The package follows the computation: ``rmt`` (the random Hessian, its density and
log-potential) -> ``complexity`` (the Kac-Rice exponent, its suprema, the model,
maps, sweeps, finite N) -> ``landscapes`` (sampled instances and their critical
points) -> ``games`` (spherical spin-glass games) -> ``figures``,
``experiments``, ``cli``; ``io`` stores results and runs tasks.  The names below
are the documented API; solver internals live in their subpackage
(``from spinglass_gan.complexity import QuadrantSolver``).

Public API
----------
GanSpinGlass, KacRiceFormula, DerivedFormula, PublishedFormula, register_formula,
Suprema, DerivedConstants, LossCoordinates, PublishedConstants, KacRiceRegion
    The model with its two Kac-Rice formulas: the model's own (the default) and the
    paper's.
HessianEnsemble
    The random Hessian H'(x1): sampling and limiting law.
VectorDyson
    The K-block vector Dyson equation: density and log-potential of a Gaussian block
    matrix with a variance profile, minus block shifts.
density, density_moment, stieltjes, support, splitting_x1
    Spectral density from the master equation.
log_potential
    Closed-form log-potential.
log_abs_det, annealed_log_det, quenched_log_det, MCEstimate
    Monte Carlo determinants.
histogram_l1, HistogramL1
    Sampled spectra against a density: binned L1 distance and noise floor.
goe_rate
    GOE large-deviation rate of one eigenvalue.
banded_structure, BandedStructure, lowest_losses, sweep, LowestLosses, Sweep
    Largest feasible indices over a loss grid; lowest losses, swept over sigma_z or
    kappa.
kac_rice_log_integral, FiniteNResult, expected_critical_points,
log_expected_critical_points, kac_rice_samples, KacRiceSamples, kac_rice_saddle,
KacRiceSaddle, KacRiceEstimate, KacRiceAccuracyWarning, finite_n_banded, FiniteNBanded
    Finite-N Kac-Rice: integrals of the paper's formula, the model's own formula by
    Monte Carlo, and its N -> infinity exponent.
GanLandscape, CriticalPoints, count_critical_points, CriticalPointCounts
    Sampled landscapes: all critical points of one instance, counts over many.
SpinGlassGame
    Spherical spin-glass games: complexity, finite-N Kac-Rice counts, sampled instances
    (count_critical_points also takes a game).
save_result, load_result, Result
    Results as .npz with JSON metadata.

Deprecated here (importable, with a DeprecationWarning): ``ComplexitySolver`` (from
``spinglass_gan.complexity``), ``DysonSolution`` (from ``spinglass_gan.rmt``),
``Exponent`` (from ``spinglass_gan.complexity``), ``QuadrantSolver`` (from
``spinglass_gan.complexity``), ``solve_dyson`` (from ``spinglass_gan.rmt``).
"""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

from ._version import __version__
from .complexity.banded import BandedStructure, banded_structure
from .complexity.derived import DerivedConstants, LossCoordinates
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
from .complexity.polygon import Suprema
from .complexity.sweeps import LowestLosses, Sweep, lowest_losses, sweep
from .games.game import SpinGlassGame
from .io.results import Result, load_result, save_result
from .landscapes.counting import CriticalPointCounts, count_critical_points
from .landscapes.landscape import CriticalPoints, GanLandscape
from .rmt.ensemble import HessianEnsemble
from .rmt.kblock import VectorDyson
from .rmt.large_deviations import goe_rate
from .rmt.master_equation import density, density_moment, splitting_x1, stieltjes, support
from .rmt.montecarlo import MCEstimate, annealed_log_det, log_abs_det, quenched_log_det
from .rmt.potential import log_potential
from .rmt.spectra import HistogramL1, histogram_l1

# Names that left the documented API, and the subpackage that now holds each.
_DEPRECATED: dict[str, str] = {
    "ComplexitySolver": "spinglass_gan.complexity",
    "DysonSolution": "spinglass_gan.rmt",
    "Exponent": "spinglass_gan.complexity",
    "QuadrantSolver": "spinglass_gan.complexity",
    "solve_dyson": "spinglass_gan.rmt",
}
# Modules that moved into subpackages (old name -> new module): spinglass_gan.<old>
# still imports, with a warning.
_MOVED_MODULES: dict[str, str] = {
    "banded": "spinglass_gan.complexity.banded",
    "counting": "spinglass_gan.landscapes.counting",
    "critical_points": "spinglass_gan.landscapes.critical_points",
    "derived": "spinglass_gan.complexity.derived",
    "ensemble": "spinglass_gan.rmt.ensemble",
    "exponent": "spinglass_gan.complexity.exponent",
    "figure_data": "spinglass_gan.figures.figure_data",
    "finite_n": "spinglass_gan.complexity.finite_n",
    "formulas": "spinglass_gan.complexity.formulas",
    "game": "spinglass_gan.games.game",
    "game_complexity": "spinglass_gan.complexity.game_complexity",
    "game_counting": "spinglass_gan.landscapes.game_counting",
    "game_kac_rice": "spinglass_gan.complexity.game_kac_rice",
    "game_landscape": "spinglass_gan.landscapes.game_landscape",
    "game_spec": "spinglass_gan.complexity.game_spec",
    "kac_rice": "spinglass_gan.complexity.kac_rice",
    "kblock": "spinglass_gan.rmt.kblock",
    "kernels": "spinglass_gan.rmt.kernels",
    "landscape": "spinglass_gan.landscapes.landscape",
    "large_deviations": "spinglass_gan.rmt.large_deviations",
    "master_equation": "spinglass_gan.rmt.master_equation",
    "model": "spinglass_gan.complexity.model",
    "montecarlo": "spinglass_gan.rmt.montecarlo",
    "plotting": "spinglass_gan.figures.plotting",
    "potential": "spinglass_gan.rmt.potential",
    "published": "spinglass_gan.complexity.reproductions",
    "published_constants": "spinglass_gan.complexity.published_constants",
    "quadrant": "spinglass_gan.complexity.quadrant",
    "reference": "spinglass_gan.figures.reference",
    "results": "spinglass_gan.io.results",
    "runner": "spinglass_gan.io.runner",
    "spectra": "spinglass_gan.rmt.spectra",
    "sweeps": "spinglass_gan.complexity.sweeps",
}
# Deprecated names whose own module warns when they are read (no second warning here).
_FORWARDED: dict[str, str] = {
    "ModelConstants": "spinglass_gan.complexity.model",
}


def _warn(old: str, new: str) -> None:
    # Attribute the warning to the first caller outside this module.  warnings skips
    # importlib's bootstrap frames by itself, so they do not count in stacklevel.
    level, frame = 2, sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        internal = "importlib" in name and "_bootstrap" in name
        if not internal and name != __file__:
            break
        level += 0 if internal else 1
        frame = frame.f_back
    warnings.warn(
        f"spinglass_gan.{old} is deprecated; import it from {new}",
        DeprecationWarning,
        stacklevel=level,
    )


def __getattr__(name: str):
    # Module __getattr__ (PEP 562): old top-level names keep working, with a warning.
    if name in _DEPRECATED:
        _warn(name, _DEPRECATED[name])
        return getattr(importlib.import_module(_DEPRECATED[name]), name)
    if name in _MOVED_MODULES:
        _warn(name, _MOVED_MODULES[name])
        return importlib.import_module(_MOVED_MODULES[name])
    if name in _FORWARDED:
        return getattr(importlib.import_module(_FORWARDED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import spinglass_gan.<old module>``: the module from its new place (the same
    object), with a DeprecationWarning.  Consulted after the regular finders."""

    def __init__(self) -> None:
        self._specs: dict[int, object] = {}

    def find_spec(self, fullname, path=None, target=None):
        parent, _, old = fullname.rpartition(".")
        if parent != __name__ or old not in _MOVED_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        old = spec.name.rpartition(".")[2]
        _warn(old, _MOVED_MODULES[old])
        module = importlib.import_module(_MOVED_MODULES[old])
        self._specs[id(module)] = module.__spec__
        return module

    def exec_module(self, module) -> None:
        # importlib gave the shared module the alias's spec: it keeps its own.
        module.__spec__ = self._specs.pop(id(module), module.__spec__)


if not any(type(f).__name__ == "_MovedModules" for f in sys.meta_path):
    sys.meta_path.append(_MovedModules())


__all__ = [
    "BandedStructure",
    "CriticalPointCounts",
    "CriticalPoints",
    "DerivedConstants",
    "DerivedFormula",
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
    "splitting_x1",
    "stieltjes",
    "support",
    "sweep",
]
